# Every test is registered here (the areas' local.mk only list the fixtures
# and extra sources a test needs). Shell tests (.sh) run with
# top_srcdir/top_builddir/VMAILADM set (Makefile.am).

# Unit tests: one CUnit program per module, tests/unit/test_NAME.c, all linked
# with the core. A new one is one line here (and tests_unit_test_NAME_SOURCES
# only when it compiles more than its own .c).
UNIT_TESTS = \
	tests/unit/test_aliases \
	tests/unit/test_aliasdom \
	tests/unit/test_sendas \
	tests/unit/test_atomicio \
	tests/unit/test_commit \
	tests/unit/test_config \
	tests/unit/test_diff \
	tests/unit/test_digestcache \
	tests/unit/test_doc \
	tests/unit/test_dovepath \
	tests/unit/test_excerpt \
	tests/unit/test_keptmaps \
	tests/unit/test_lint \
	tests/unit/test_loadpath \
	tests/unit/test_maildir \
	tests/unit/test_mailmsg \
	tests/unit/test_maillog \
	tests/unit/test_maincf \
	tests/unit/test_mapcheck \
	tests/unit/test_model \
	tests/unit/test_op \
	tests/unit/test_passhash \
	tests/unit/test_pgtable \
	tests/unit/test_pwfile \
	tests/unit/test_qfile \
	tests/unit/test_quitsig \
	tests/unit/test_queue \
	tests/unit/test_source \
	tests/unit/test_rowset \
	tests/unit/test_safeopen \
	tests/unit/test_sha256 \
	tests/unit/test_spawn \
	tests/unit/test_stage \
	tests/unit/test_stageworld \
	tests/unit/test_sys \
	tests/unit/test_table \
	tests/unit/test_tableidx \
	tests/unit/test_theme \
	tests/unit/test_trace \
	tests/unit/test_tracecmp \
	tests/unit/test_trace_open
if HAVE_CUNIT
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
# The link of every program without its own _LDADD: the unit tests.
LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
AM_CFLAGS += $(CUNIT_CFLAGS)
EXTRA_DIST += tests/unit/cu.h tests/unit/golden.h tests/unit/worldtree.h tests/unit/stagetree.h

# The command line on fixture and demo trees.
CLI_TESTS = \
	tests/cli-address.sh \
	tests/cli-usagewords.sh \
	tests/cli-aliasdom.sh \
	tests/cli-alien.sh \
	tests/cli-ascii.sh \
	tests/cli-commit.sh \
	tests/cli-completion.sh \
	tests/cli-continuation.sh \
	tests/cli-oddserver.sh \
	tests/cli-config.sh \
	tests/cli-demo.sh \
	tests/cli-exercise.sh \
	tests/cli-grammar.sh \
	tests/startup-libs.sh \
	tests/cli-hostile.sh \
	tests/cli-inject.sh \
	tests/cli-input.sh \
	tests/cli-dovelayout.sh \
	tests/cli-layout.sh \
	tests/cli-maillog.sh \
	tests/cli-newfiles.sh \
	tests/cli-newdomain.sh \
	tests/cli-leaks.sh \
	tests/cli-lint.sh \
	tests/cli-lint-pgsql.sh \
	tests/cli-db-apply.sh \
	tests/cli-quota24.sh \
	tests/cli-rename.sh \
	tests/cli-forward.sh \
	tests/cli-sendas.sh \
	tests/cli-sendas-rollback.sh \
	tests/cli-limits.sh \
	tests/cli-list.sh \
	tests/cli-paths.sh \
	tests/cli-queue.sh \
	tests/cli-unreadable.sh \
	tests/cli-stats.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/lib.sh tests/hostile.cases

# The interface: the real binary in a private tmux server (tests/ui/lib.sh).
UI_TESTS = \
	tests/ui/aliasdom.sh \
	tests/ui/browse.sh \
	tests/ui/exercise.sh \
	tests/ui/edit.sh \
	tests/ui/rename.sh \
	tests/ui/forward.sh \
	tests/ui/sendas.sh \
	tests/ui/limits.sh \
	tests/ui/find.sh \
	tests/ui/fit.sh \
	tests/ui/forms.sh \
	tests/ui/history.sh \
	tests/ui/hostile.sh \
	tests/ui/interrupt.sh \
	tests/ui/lint.sh \
	tests/ui/lintbg.sh \
	tests/ui/lintstop.sh \
	tests/ui/man-keys.sh \
	tests/ui/live.sh \
	tests/ui/livegaps.sh \
	tests/ui/livefill.sh \
	tests/ui/maillist.sh \
	tests/ui/maillog.sh \
	tests/ui/pgsql.sh \
	tests/ui/pgsql-history.sh \
	tests/ui/pgsql-trace.sh \
	tests/ui/pgsql-trace-flat.sh \
	tests/ui/pgsql-trace-nomaincf.sh \
	tests/ui/problems.sh \
	tests/ui/quitpaint.sh \
	tests/ui/readme-screen.sh \
	tests/ui/reread.sh \
	tests/ui/resize.sh \
	tests/ui/sort.sh \
	tests/ui/sizes.sh \
	tests/ui/status.sh \
	tests/ui/tags.sh \
	tests/ui/dialog.sh \
	tests/ui/theme.sh \
	tests/ui/trace.sh \
	tests/ui/unreadable.sh \
	tests/ui/viewer.sh
TESTS += $(UI_TESTS)
EXTRA_DIST += $(UI_TESTS) tests/ui/lib.sh

# Integration tests: real Postfix + Dovecot on 127.0.0.1 (they skip with 77
# unless root with both installed); lib.sh is the harness they source.
# demo-live: the demo tree served; stage-live: the course's exercises through
# the edit commands; trace-vs-postfix: the tracer against sendmail -bv;
# exercise-live: the exercises' checks against the real servers;
# traffic-live: real deliveries, deferrals, bounces and rejections in the log;
# queue-direct: the queue files read directly against postqueue -j.
INTEGRATION_TESTS = \
	tests/integration/aliasdom-live.sh \
	tests/integration/demo-live.sh \
	tests/integration/dovecot-layout.sh \
	tests/integration/exercise-live.sh \
	tests/integration/pgsql-backend.sh \
	tests/integration/pgsql-commit.sh \
	tests/integration/pgsql-db.sh \
	tests/integration/pgsql-db-mbox.sh \
	tests/integration/pgsql-db-roundtrip.sh \
	tests/integration/pgsql-live.sh \
	tests/integration/pgsql-trace.sh \
	tests/integration/pgsql-rowdiff.sh \
	tests/integration/pgsql-files.sh \
	tests/integration/pgsql-sendas-rollback.sh \
	tests/integration/pgsql-apply.sh \
	tests/integration/pgsql-texts.sh \
	tests/integration/queue-direct.sh \
	tests/integration/queue-ui.sh \
	tests/integration/rename-live.sh \
	tests/integration/sendas-live.sh \
	tests/integration/stage-live.sh \
	tests/integration/trace-vs-postfix.sh \
	tests/integration/traffic-live.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh tests/integration/pglib.sh

# The fuzz harnesses' replays: each parser's harness (tests/fuzz/fuzz_NAME.c)
# built with the ordinary compiler, run over the inputs fuzzing found and
# the seeds (tests/fuzz/local.mk builds them). Written out: automake reads
# TESTS itself and does not understand a pattern substitution there.
FUZZ_REPLAY = \
	tests/fuzz/replay-config \
	tests/fuzz/replay-maildirname \
	tests/fuzz/replay-maildirsize \
	tests/fuzz/replay-mailmsg \
	tests/fuzz/replay-maincf_pwfile \
	tests/fuzz/replay-opwords \
	tests/fuzz/replay-qfile \
	tests/fuzz/replay-table \
	tests/fuzz/replay-tableidx \
	tests/fuzz/replay-theme
TESTS += $(FUZZ_REPLAY)

# The reliability campaign's parts quick enough for every run (fulldisk:
# root only, 77 otherwise); the long ones are `make reliability`
# (tests/reliability.mk, tests/RELIABILITY.md).
RELIABILITY_TESTS = \
	tests/reliability/fulldisk.sh \
	tests/reliability/leftovers.sh
TESTS += $(RELIABILITY_TESTS)
EXTRA_DIST += $(RELIABILITY_TESTS)

# Only src/ui includes curses.
TESTS += tests/check-curses.sh
# The README's set-up commands and demo passwords against the real thing.
TESTS += tests/readme.sh
# The French catalog, compiled on the fly and read through VMAILADM_LOCALEDIR.
TESTS += tests/i18n.sh
EXTRA_DIST += tests/check-curses.sh tests/readme.sh tests/i18n.sh .ci/run
