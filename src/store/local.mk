libvmail_a_SOURCES += \
	src/store/doc.c
noinst_HEADERS += \
	include/vmailadm/doc.h \
	include/vmailadm/table.h \
	include/vmailadm/maincf.h \
	include/vmailadm/pwfile.h \
	include/vmailadm/aliases.h

# Postfix lookup tables and /etc/aliases (table.c, aliases.c).
libvmail_a_SOURCES += \
	src/store/aliases.c \
	src/store/table.c
if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_doc tests/unit/test_table tests/unit/test_aliases
TESTS += tests/unit/test_doc tests/unit/test_table tests/unit/test_aliases
endif
tests_unit_test_doc_SOURCES = tests/unit/test_doc.c
tests_unit_test_doc_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_doc_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_table_SOURCES = tests/unit/test_table.c tests/unit/golden.h
tests_unit_test_table_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_table_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_aliases_SOURCES = tests/unit/test_aliases.c tests/unit/golden.h
tests_unit_test_aliases_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_aliases_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
# The fixture corpora (whole directories: every file in them is a case).
EXTRA_DIST += tests/fixtures/table tests/fixtures/aliases

# `make fuzz-table`: libFuzzer harness for table.c and aliases.c (needs clang;
# never part of `make check`). FUZZ_TIME=seconds, default 60. New inputs go
# to fuzz-table-corpus/ in the build tree; the fixtures are the seeds.
FUZZ_CC = clang
FUZZ_TABLE_SRC = \
	$(srcdir)/tests/fuzz/fuzz_table.c $(srcdir)/src/store/table.c \
	$(srcdir)/src/store/aliases.c $(srcdir)/src/store/doc.c \
	$(srcdir)/src/sys/diag.c $(srcdir)/src/sys/strbuf.c \
	$(srcdir)/src/sys/strmap.c $(srcdir)/src/sys/xalloc.c
EXTRA_DIST += tests/fuzz/fuzz_table.c
CLEANFILES += fuzz-table-bin
fuzz-table-bin: $(FUZZ_TABLE_SRC)
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -I$(top_builddir) -I$(top_srcdir)/include $(FUZZ_TABLE_SRC) -o $@
fuzz-table: fuzz-table-bin
	mkdir -p fuzz-table-corpus
	./fuzz-table-bin -max_total_time=$${FUZZ_TIME:-60} -max_len=8192 \
	  fuzz-table-corpus $(srcdir)/tests/fixtures/table $(srcdir)/tests/fixtures/aliases
.PHONY: fuzz-table
