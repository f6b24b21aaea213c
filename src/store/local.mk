libvmail_a_SOURCES += \
	src/store/doc.c
noinst_HEADERS += \
	include/vmailadm/doc.h \
	include/vmailadm/table.h \
	include/vmailadm/maincf.h \
	include/vmailadm/pwfile.h \
	include/vmailadm/aliases.h

# Postfix lookup tables and /etc/aliases (table.c, aliases.c).
libvmail_a_SOURCES += \
	src/store/aliases.c \
	src/store/entrydoc.c \
	src/store/table.c \
	src/store/tablepatch.c \
	src/store/tablewords.c \
	src/store/tableshare.c \
	src/store/tableref.c \
	src/store/tableline.c
noinst_HEADERS += src/store/store_int.h
# The fixture corpora (whole directories: every file in them is a case).
EXTRA_DIST += tests/fixtures/table tests/fixtures/aliases


# Postfix main.cf and the Dovecot passwd-file (maincf.c, pwfile.c, pwentry.c).
libvmail_a_SOURCES += \
	src/store/maincf.c \
	src/store/pwfile.c \
	src/store/pwentry.c
EXTRA_DIST += tests/fixtures/maincf tests/fixtures/pwfile


# A read-only lookup index over table sources, for trace (tableidx.c).
libvmail_a_SOURCES += src/store/tableidx.c
noinst_HEADERS += include/vmailadm/tableidx.h
