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
	src/store/entrydoc.c \
	src/store/table.c \
	src/store/tableline.c
noinst_HEADERS += src/store/store_int.h
# The fixture corpora (whole directories: every file in them is a case).
EXTRA_DIST += tests/fixtures/table tests/fixtures/aliases

# `make fuzz-table`: libFuzzer harness for table.c and aliases.c (needs clang;
# never part of `make check`). FUZZ_TIME=seconds, default 60. New inputs go
# to fuzz-table-corpus/ in the build tree; the fixtures are the seeds.
FUZZ_CC = clang
FUZZ_TABLE_SRC = \
	$(srcdir)/tests/fuzz/fuzz_table.c $(srcdir)/src/store/table.c \
	$(srcdir)/src/store/tableline.c $(srcdir)/src/store/entrydoc.c \
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

# Postfix main.cf and the Dovecot passwd-file (maincf.c, pwfile.c).
libvmail_a_SOURCES += \
	src/store/maincf.c \
	src/store/pwfile.c
EXTRA_DIST += tests/fixtures/maincf tests/fixtures/pwfile

# `make fuzz-maincf`: libFuzzer harness for maincf.c and pwfile.c (clang;
# never part of `make check`). The first input byte picks the format.
FUZZ_MAINCF_SRC = \
	$(srcdir)/tests/fuzz/fuzz_maincf_pwfile.c $(srcdir)/src/store/maincf.c \
	$(srcdir)/src/store/pwfile.c $(srcdir)/src/store/entrydoc.c $(srcdir)/src/store/doc.c \
	$(srcdir)/src/sys/diag.c $(srcdir)/src/sys/strbuf.c \
	$(srcdir)/src/sys/strmap.c $(srcdir)/src/sys/xalloc.c
EXTRA_DIST += tests/fuzz/fuzz_maincf_pwfile.c
CLEANFILES += fuzz-maincf-bin
fuzz-maincf-bin: $(FUZZ_MAINCF_SRC)
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -I$(top_builddir) -I$(top_srcdir)/include $(FUZZ_MAINCF_SRC) -o $@
fuzz-maincf: fuzz-maincf-bin
	mkdir -p fuzz-maincf-corpus fuzz-maincf-seeds
	for f in $(srcdir)/tests/fixtures/maincf/*.cf; do \
	  { printf '\000'; cat "$$f"; } > fuzz-maincf-seeds/m-$${f##*/}; done
	for f in $(srcdir)/tests/fixtures/pwfile/*.users; do \
	  { printf '\001'; cat "$$f"; } > fuzz-maincf-seeds/p-$${f##*/}; done
	./fuzz-maincf-bin -max_total_time=$${FUZZ_TIME:-60} -max_len=8192 \
	  fuzz-maincf-corpus fuzz-maincf-seeds
.PHONY: fuzz-maincf

# A read-only lookup index over table sources, for trace (tableidx.c).
libvmail_a_SOURCES += src/store/tableidx.c
noinst_HEADERS += include/vmailadm/tableidx.h
