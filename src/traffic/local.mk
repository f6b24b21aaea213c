# The server's traffic (issue 17): the delivery log and the mail queue.
libvmail_a_SOURCES += \
	src/traffic/maillog.c \
	src/traffic/logsrc.c \
	src/traffic/traffic.c \
	src/cli/cmd_maillog.c
noinst_HEADERS += \
	include/vmailadm/maillog.h \
	include/vmailadm/logsrc.h \
	include/vmailadm/traffic.h

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_maillog
TESTS += tests/unit/test_maillog
endif
tests_unit_test_maillog_SOURCES = tests/unit/test_maillog.c
tests_unit_test_maillog_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_maillog_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += tests/fixtures/maillog

# Real deliveries, deferrals, bounces and rejections in the sandbox.
TESTS += tests/integration/traffic-live.sh
EXTRA_DIST += tests/integration/traffic-live.sh

# The log parser on a generated log vs grep -c on the same files.
BENCH_RUN += bench/maillog.sh
EXTRA_DIST += bench/maillog.sh bench/gen-maillog
