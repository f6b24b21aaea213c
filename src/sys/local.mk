libvmail_a_SOURCES += \
	src/sys/atomicio.c \
	src/sys/diag.c \
	src/sys/lineread.c \
	src/sys/mapfile.c \
	src/sys/passhash.c \
	src/sys/safeopen.c \
	src/sys/spawn.c \
	src/sys/strbuf.c \
	src/sys/human.c \
	src/sys/arena.c \
	src/sys/strmap.c \
	src/sys/xalloc.c
noinst_HEADERS += \
	include/vmailadm/diag.h \
	include/vmailadm/i18n.h \
	include/vmailadm/lineread.h \
	include/vmailadm/mapfile.h \
	include/vmailadm/strbuf.h \
	include/vmailadm/human.h \
	include/vmailadm/arena.h \
	include/vmailadm/strmap.h \
	include/vmailadm/xalloc.h
noinst_HEADERS += \
	include/vmailadm/atomicio.h \
	include/vmailadm/passhash.h \
	include/vmailadm/safeopen.h \
	include/vmailadm/spawn.h
libvmail_a_SOURCES += \
	src/sys/config.c \
	src/sys/doveconf.c \
	src/sys/settings.c
noinst_HEADERS += include/vmailadm/settings.h include/vmailadm/doveconf.h
libvmail_a_SOURCES += src/sys/sha256.c src/sys/clock.c
noinst_HEADERS += include/vmailadm/ascii.h include/vmailadm/clock.h
noinst_HEADERS += include/vmailadm/sha256.h
libvmail_a_SOURCES += src/sys/digestcache.c
noinst_HEADERS += include/vmailadm/digestcache.h

# The configuration fixtures (test_config, tests/cli-config.sh).
EXTRA_DIST += \
	tests/fixtures/config/bad-values.yaml \
	tests/fixtures/config/comments.yaml \
	tests/fixtures/config/duplicate.yaml \
	tests/fixtures/config/empty.yaml \
	tests/fixtures/config/full.yaml \
	tests/fixtures/config/many-errors.yaml \
	tests/fixtures/config/not-mapping.yaml \
	tests/fixtures/config/order.yaml \
	tests/fixtures/config/relative.yaml \
	tests/fixtures/config/syntax.yaml \
	tests/fixtures/config/syntax2.yaml \
	tests/fixtures/config/two-docs.yaml \
	tests/fixtures/config/unknown-key.yaml \
	tests/fixtures/config/wrong-type.yaml

