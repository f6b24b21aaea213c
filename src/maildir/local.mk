# Maildir statistics (issue 3): the scanner and the watcher.
libvmail_a_SOURCES += \
	src/maildir/scan.c \
	src/maildir/watch.c \
	src/cli/cmd_stats.c
noinst_HEADERS += \
	include/vmailadm/maildir.h \
	include/vmailadm/watch.h

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_maildir
TESTS += tests/unit/test_maildir
endif
tests_unit_test_maildir_SOURCES = tests/unit/test_maildir.c
tests_unit_test_maildir_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_maildir_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)

# `vmailadm stats` on the fixture server.
TESTS += tests/cli-stats.sh
EXTRA_DIST += tests/cli-stats.sh
