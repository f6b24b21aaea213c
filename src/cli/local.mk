libvmail_a_SOURCES += \
	src/cli/cli.c
noinst_HEADERS += \
	include/vmailadm/cli.h \
	include/vmailadm/config.h
libvmail_a_SOURCES += \
	src/cli/cmd_list.c \
	src/cli/cmd_show.c
libvmail_a_SOURCES += \
	src/cli/cmd_config.c
