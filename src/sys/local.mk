libvmail_a_SOURCES += \
	src/sys/atomicio.c \
	src/sys/diag.c \
	src/sys/lineread.c \
	src/sys/mapfile.c \
	src/sys/passhash.c \
	src/sys/safeopen.c \
	src/sys/spawn.c \
	src/sys/strbuf.c \
	src/sys/strmap.c \
	src/sys/xalloc.c
noinst_HEADERS += \
	include/vmailadm/diag.h \
	include/vmailadm/i18n.h \
	include/vmailadm/lineread.h \
	include/vmailadm/mapfile.h \
	include/vmailadm/strbuf.h \
	include/vmailadm/strmap.h \
	include/vmailadm/xalloc.h
noinst_HEADERS += \
	include/vmailadm/atomicio.h \
	include/vmailadm/passhash.h \
	include/vmailadm/safeopen.h \
	include/vmailadm/spawn.h
libvmail_a_SOURCES += \
	src/sys/config.c \
	src/sys/settings.c
noinst_HEADERS += include/vmailadm/settings.h
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

# `make fuzz-config`: the configuration reader under libFuzzer (clang; not
# part of `make check`), seeded with the config fixtures, FUZZ_TIME seconds.
FUZZ_CONFIG_SRC = tests/fuzz/fuzz_config.c src/sys/config.c src/sys/settings.c \
	src/cli/config_print.c src/sys/diag.c src/sys/strbuf.c src/sys/xalloc.c
EXTRA_DIST += tests/fuzz/fuzz_config.c
CLEANFILES += fuzz-config
fuzz-config: $(FUZZ_CONFIG_SRC:%=$(srcdir)/%)
	clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -I$(top_builddir) -I$(top_srcdir)/include $(DEFS) -DSYSCONFDIR=\"$(sysconfdir)\" \
	  $(YAML_CFLAGS) $(JANSSON_CFLAGS) -o fuzz-config \
	  $(FUZZ_CONFIG_SRC:%=$(srcdir)/%) $(YAML_LIBS) $(JANSSON_LIBS)
	$(MKDIR_P) fuzz-out/config
	./fuzz-config -max_total_time=$${FUZZ_TIME:-60} fuzz-out/config $(srcdir)/tests/fixtures/config
.PHONY: fuzz-config
