# The PostgreSQL database several servers share (issue 18): connection,
# schema, and the map files Postfix and Dovecot query it with.
libvmail_a_SOURCES += \
	src/db/dbcommit.c \
	src/db/export.c \
	src/db/import.c \
	src/db/keptmaps.c \
	src/db/pgcopy.c \
	src/db/pgsnap.c \
	src/db/pgdb.c \
	src/db/pgmaps.c \
	src/db/pgtable.c \
	src/db/pgtrace.c \
	src/db/rowset.c \
	src/db/pqlib.c \
	src/db/schema.c \
	src/db/snapshot.c
noinst_HEADERS += \
	include/vmailadm/pgdb.h \
	include/vmailadm/pgtable.h \
	include/vmailadm/pgtrace.h \
	include/vmailadm/pqlib.h \
	src/db/pgdb_int.h
