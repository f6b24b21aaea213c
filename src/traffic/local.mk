# The server's traffic (issue 17): the delivery log and the mail queue.
libvmail_a_SOURCES += \
	src/traffic/maillog.c \
	src/traffic/logsrc.c \
	src/traffic/traffic.c \
	src/traffic/queue.c \
	src/traffic/qdir.c \
	src/traffic/qfile.c \
	src/traffic/qwatch.c \
	src/traffic/tracecmp.c
noinst_HEADERS += \
	include/vmailadm/maillog.h \
	include/vmailadm/logsrc.h \
	include/vmailadm/queue.h \
	include/vmailadm/qdir.h \
	include/vmailadm/qfile.h \
	include/vmailadm/qwatch.h \
	include/vmailadm/tracecmp.h \
	include/vmailadm/traffic.h

# test_maillog's fixtures (tests/local.mk lists the tests).
EXTRA_DIST += tests/fixtures/maillog
# test_qfile's: a deferred message made by Postfix 3.7 and its defer log.
EXTRA_DIST += tests/fixtures/queue

# The log parser on a generated log vs grep -c on the same files.
BENCH_RUN += bench/maillog.sh
EXTRA_DIST += bench/maillog.sh bench/gen-maillog
# The queue listing on a real queue of 100,000 messages vs postqueue -j | wc -l
# and the floor (bench/qfloor: only open and read the same files).
BENCH_RUN += bench/queue.sh
EXTRA_DIST += bench/queue.sh
EXTRA_PROGRAMS += bench/qfloor
bench_qfloor_SOURCES = bench/qfloor.c
CLEANFILES += bench/qfloor
