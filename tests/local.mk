# Test programs: each area's local.mk adds its own CUnit programs with the
# UNIT_TEST pattern below; shell tests (.sh) run with top_srcdir/VMAILADM set.
TESTS += tests/check-curses.sh
EXTRA_DIST += tests/check-curses.sh tests/unit/cu.h

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_sys
TESTS += tests/unit/test_sys
endif
tests_unit_test_sys_SOURCES = tests/unit/test_sys.c
tests_unit_test_sys_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_sys_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)

# Integration tests: real Postfix + Dovecot on 127.0.0.1 (they skip with 77
# unless root with both installed); lib.sh is the harness they source.
TESTS += tests/integration/demo-live.sh tests/integration/exercise-live.sh
EXTRA_DIST += tests/integration/demo-live.sh tests/integration/exercise-live.sh tests/integration/lib.sh
# The README's set-up commands and demo passwords against the real thing.
TESTS += tests/readme.sh
EXTRA_DIST += tests/readme.sh .ci/run
# The French catalog, compiled on the fly and read through VMAILADM_LOCALEDIR.
TESTS += tests/i18n.sh
EXTRA_DIST += tests/i18n.sh
