libvmail_a_SOURCES += \
	src/sys/diag.c \
	src/sys/strbuf.c \
	src/sys/strmap.c \
	src/sys/xalloc.c
noinst_HEADERS += \
	include/vmailadm/diag.h \
	include/vmailadm/i18n.h \
	include/vmailadm/strbuf.h \
	include/vmailadm/strmap.h \
	include/vmailadm/xalloc.h
noinst_HEADERS += \
	include/vmailadm/atomicio.h \
	include/vmailadm/passhash.h \
	include/vmailadm/safeopen.h \
	include/vmailadm/spawn.h
libvmail_a_SOURCES += \
	src/sys/config.c
libvmail_a_SOURCES += src/sys/sha256.c
noinst_HEADERS += include/vmailadm/sha256.h
