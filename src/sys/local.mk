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
