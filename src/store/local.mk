libvmail_a_SOURCES += \
	src/store/doc.c
noinst_HEADERS += \
	include/vmailadm/doc.h \
	include/vmailadm/table.h \
	include/vmailadm/maincf.h \
	include/vmailadm/pwfile.h \
	include/vmailadm/aliases.h
