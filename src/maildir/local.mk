# Maildir statistics: the scanner and the watcher; messages read for the interface.
libvmail_a_SOURCES += \
	src/maildir/fanwatch.c \
	src/maildir/mailmsg.c \
	src/maildir/name.c \
	src/maildir/pool.c \
	src/maildir/quota.c \
	src/maildir/readdir.c \
	src/maildir/scan.c \
	src/maildir/watch.c
noinst_HEADERS += \
	include/vmailadm/maildir.h \
	include/vmailadm/maildir/name.h \
	include/vmailadm/maildir/quota.h \
	include/vmailadm/maildir/scan.h \
	include/vmailadm/mailmsg.h \
	src/maildir/fanwatch.h \
	src/maildir/name.h \
	src/maildir/pool.h \
	src/maildir/quota.h \
	src/maildir/readdir.h \
	src/maildir/scan_int.h \
	include/vmailadm/watch.h

