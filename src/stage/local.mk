libvmail_a_SOURCES += \
	src/stage/diff.c
noinst_HEADERS += \
	include/vmailadm/diff.h

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_diff
TESTS += tests/unit/test_diff
endif
tests_unit_test_diff_SOURCES = tests/unit/test_diff.c
tests_unit_test_diff_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_diff_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
