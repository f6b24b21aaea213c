# Maildir statistics (issue 3): the scanner and the watcher.
libvmail_a_SOURCES += \
	src/maildir/mailmsg.c \
	src/maildir/name.c \
	src/maildir/pool.c \
	src/maildir/quota.c \
	src/maildir/readdir.c \
	src/maildir/scan.c \
	src/maildir/watch.c \
	src/cli/cmd_stats.c
noinst_HEADERS += \
	include/vmailadm/maildir.h \
	include/vmailadm/mailmsg.h \
	src/maildir/name.h \
	src/maildir/pool.h \
	src/maildir/quota.h \
	src/maildir/readdir.h \
	src/maildir/scan_int.h \
	include/vmailadm/watch.h

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_maildir
TESTS += tests/unit/test_maildir
endif
tests_unit_test_maildir_SOURCES = tests/unit/test_maildir.c
tests_unit_test_maildir_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_maildir_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)

# Messages read for the interface's quick inspection (mailmsg.c).
if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_mailmsg
TESTS += tests/unit/test_mailmsg
endif
tests_unit_test_mailmsg_SOURCES = tests/unit/test_mailmsg.c
tests_unit_test_mailmsg_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_mailmsg_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)

# `vmailadm stats` on the fixture server.
TESTS += tests/cli-stats.sh
EXTRA_DIST += tests/cli-stats.sh
