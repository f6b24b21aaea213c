# Fuzzing every parser (issues 10 and 11). tests/fuzz/fuzz_NAME.c is the
# harness of one parser (LLVMFuzzerTestOneInput); it is built two ways:
#  - fuzz/fuzz-NAME: under libFuzzer with ASan+UBSan (clang), linked with
#    fuzz/libvmail.a, the core compiled again by clang with coverage;
#    `make fuzz-NAME` runs it FUZZ_TIME seconds (default 60), `make fuzz-ci`
#    runs them all, two at a time;
#  - tests/fuzz/replay-NAME: with the ordinary compiler and replay.c, a
#    plain main(); `make check` runs it over tests/fuzz/regress/NAME (the
#    crashes fuzzing found, kept) and the seeds, so a fixed crash stays fixed.
# The list of harnesses is FUZZ_REPLAY in tests/local.mk, where every test
# is registered.
FUZZ_TARGETS = $(FUZZ_REPLAY:tests/fuzz/replay-%=%)
# Sources beyond libvmail.a: the interface's theme parser, which needs no curses.
FUZZ_EXTRA_theme = src/ui/theme.c src/ui/theme-default.c
# The seed corpora (directories under the source tree; every file is a case).
FUZZ_SEEDS_config = tests/fixtures/config
FUZZ_SEEDS_maincf_pwfile = tests/fixtures/maincf tests/fixtures/pwfile
FUZZ_SEEDS_table = tests/fixtures/table tests/fixtures/aliases
FUZZ_SEEDS_tableidx = tests/fixtures/table
FUZZ_SEEDS_theme = themes
FUZZ_SEEDS_mailmsg = tests/fuzz/seeds/mailmsg
FUZZ_SEEDS_opwords = tests/fuzz/seeds/opwords
FUZZ_SEEDS_maildirname = tests/fuzz/seeds/maildirname
FUZZ_SEEDS_maildirsize = tests/fuzz/seeds/maildirsize
FUZZ_SEEDS_qfile = tests/fixtures/queue

FUZZ_CC = clang
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_COMPILE = $(FUZZ_CC) -std=c11 -g -O1 $(FUZZ_SAN) $(DEFS) -I$(top_builddir) \
	$(AM_CPPFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS) $(PCRE2_CFLAGS) $(PQ_CFLAGS)
FUZZ_LIBS = $(YAML_LIBS) $(JANSSON_LIBS) $(ZLIB_LIBS) $(PCRE2_LIBS) $(LIBINTL) $(LIBS)

# Every header as a prerequisite: a struct that grows must not leave a
# clang-built object of the old layout behind (make has no dependency
# tracking for these; a stale config.o overflowed struct config).
FUZZ_DEPS = config.h $(noinst_HEADERS:%=$(srcdir)/%) $(srcdir)/tests/fuzz/fuzz.h
fuzz/%.o: %.c $(FUZZ_DEPS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c -o $@ $<
fuzz/libvmail.a: $(libvmail_a_SOURCES:%.c=fuzz/%.o) $(nodist_libvmail_a_SOURCES:%.c=fuzz/%.o)
	$(AM_V_GEN)rm -f $@ && $(AR) cr $@ $^ && $(RANLIB) $@
# The one rule for every harness.
fuzz/fuzz-%: tests/fuzz/fuzz_%.c fuzz/libvmail.a $(FUZZ_DEPS)
	$(AM_V_CCLD)$(FUZZ_COMPILE) -fsanitize=fuzzer -o $@ $< $(filter %.o,$^) \
	  fuzz/libvmail.a $(FUZZ_LIBS)
fuzz/fuzz-theme: $(FUZZ_EXTRA_theme:%.c=fuzz/%.o)

# Run one harness FUZZ_TIME seconds from its seeds and the corpus it grew;
# a crash is kept in tests/fuzz/regress/NAME/ of the source tree (commit it
# with the fix: `make check` replays it from then on).
FUZZ_TIME = 60
fuzz-%: fuzz/fuzz-%
	@$(MKDIR_P) fuzz/corpus/$* $(srcdir)/tests/fuzz/regress/$*
	@echo "fuzz-$*: $(FUZZ_TIME) s (log: fuzz/$*.log)"
	@if ./fuzz/fuzz-$* -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=$(srcdir)/tests/fuzz/regress/$*/ \
	    fuzz/corpus/$* $(FUZZ_SEEDS_$*:%=$(srcdir)/%) >fuzz/$*.log 2>&1; then \
	  echo "fuzz-$*: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz/$*.log) executions"; \
	else \
	  tail -n 60 fuzz/$*.log; \
	  echo "fuzz-$*: FAILED; the input is kept in $(srcdir)/tests/fuzz/regress/$*/"; \
	  exit 1; \
	fi
# Every harness, two at a time (the CI machine's two cores); ends with
# "FUZZ: N passed, M failed".
fuzz-ci:
	@$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_TARGETS:%=fuzz/fuzz-%)
	@rm -f fuzz/ci.results; \
	$(MAKE) $(AM_MAKEFLAGS) -k -j2 FUZZ_TIME=$(FUZZ_TIME) $(FUZZ_TARGETS:%=fuzz-ci-%); \
	pass=$$(grep -c ' ok$$' fuzz/ci.results); fail=$$(grep -c ' failed$$' fuzz/ci.results); \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_TARGETS:%=fuzz/%.log) | \
	  awk '{ s += $$1 } END { print s + 0 }'); \
	echo "FUZZ: $$pass passed, $$fail failed ($$execs executions, $(FUZZ_TIME) s each)"; \
	test "$$fail" -eq 0 && test "$$pass" -eq $(words $(FUZZ_TARGETS))
fuzz-ci-%:
	@if $(MAKE) $(AM_MAKEFLAGS) fuzz-$*; then echo "$* ok" >>fuzz/ci.results; \
	else echo "$* failed" >>fuzz/ci.results; fi
.PHONY: fuzz-ci
CLEANFILES += fuzz/ci.results
clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz
.PHONY: clean-fuzz

# The replay drivers, one per harness, run by `make check`.
tests/fuzz/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c libvmail.a
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(CC) $(DEFS) -I$(top_builddir) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) \
	  $(CFLAGS) -DFUZZ_NAME='"$*"' -DFUZZ_SEEDS='"$(FUZZ_SEEDS_$*)"' -o $@ \
	  $(filter %.c,$^) $(LDFLAGS) $(CORE_LIBS)
tests/fuzz/replay-theme: $(FUZZ_EXTRA_theme)
check_SCRIPTS += $(FUZZ_REPLAY)
CLEANFILES += $(FUZZ_REPLAY)
EXTRA_DIST += tests/fuzz/fuzz.h tests/fuzz/replay.c $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%.c) \
	tests/fuzz/seeds tests/fuzz/regress
