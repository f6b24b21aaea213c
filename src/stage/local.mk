libvmail_a_SOURCES += \
	src/stage/commit.c \
	src/stage/diff.c \
	src/stage/excerpt.c \
	src/stage/op.c \
	src/stage/precheck.c \
	src/stage/stage.c
noinst_HEADERS += \
	include/vmailadm/commit.h \
	include/vmailadm/diff.h \
	include/vmailadm/excerpt.h \
	include/vmailadm/op.h \
	include/vmailadm/precheck.h \
	include/vmailadm/stage.h

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_diff tests/unit/test_op tests/unit/test_stage tests/unit/test_quick
TESTS += tests/unit/test_diff tests/unit/test_op tests/unit/test_stage tests/unit/test_quick
endif
tests_unit_test_diff_SOURCES = tests/unit/test_diff.c
tests_unit_test_diff_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_diff_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_op_SOURCES = tests/unit/test_op.c
tests_unit_test_op_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_op_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_stage_SOURCES = tests/unit/test_stage.c
tests_unit_test_stage_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_stage_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_quick_SOURCES = tests/unit/test_quick.c
tests_unit_test_quick_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_quick_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)

# The course's exercises through the edit commands, checked with real
# Postfix and Dovecot (skips with 77 unless root with both installed).
TESTS += tests/integration/stage-live.sh
EXTRA_DIST += tests/integration/stage-live.sh

# lint --fix --commit on a demo tree: map rebuilds and a missing maildir as
# staged operations, built by the real postmap (skips with 77 without it).
TESTS += tests/cli-lint.sh
EXTRA_DIST += tests/cli-lint.sh

# The commit through the command line (issue 10): preconditions, dry-run
# warnings, lock waiting, adopting a maildir, map installs verified.
TESTS += tests/cli-commit.sh
EXTRA_DIST += tests/cli-commit.sh
