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
