# Model load vs postmap -s on 100,000 mailboxes/aliases/passwd entries.
BENCH_RUN += bench/model-load.sh
EXTRA_DIST += bench/model-load.sh bench/gen-tables bench/lib.sh
# list --json streamed (issue 16): vs postmap -s, and its memory vs the model's.
BENCH_RUN += bench/list-json.sh
EXTRA_DIST += bench/list-json.sh
# What staging an edit adds to memory (issue 16): apply --dry-run of 1 and
# of 12 alias removals beside the world alone, 100,000 entries.
BENCH_RUN += bench/mem-stage.sh
EXTRA_DIST += bench/mem-stage.sh
# Maildir scan (issue 3): vmailadm stats vs du -s, find | wc -l and the
# tutorial's loop on a generated tree (BENCH_LARGE=1: 10,000 boxes, 1M messages).
BENCH_RUN += bench/maildir-scan.sh
EXTRA_PROGRAMS += bench/gen-maildir bench/maildir-rescan
bench_gen_maildir_SOURCES = bench/gen-maildir.c
bench_gen_maildir_LDADD = -lm
bench_maildir_rescan_SOURCES = bench/maildir-rescan.c
bench_maildir_rescan_LDADD = $(CORE_LIBS)
EXTRA_DIST += bench/maildir-scan.sh
CLEANFILES += bench/gen-maildir bench/maildir-rescan
# Recipient trace (issue 6): vmailadm trace of 10,000 addresses vs postmap -q -.
BENCH_RUN += bench/trace.sh
EXTRA_DIST += bench/trace.sh
# The tracer on pgsql maps (issue 18): its lookups per second beside
# postmap -q's on the same map files, 100,000 mailboxes in 2,000 domains.
BENCH_RUN += bench/pgtrace.sh
EXTRA_DIST += bench/pgtrace.sh
# The interface (issue 5): first paint and per-key times on 10,000
# mailboxes and 10,000 aliases, through a pseudo-terminal.
BENCH_RUN += bench/tui.sh
EXTRA_DIST += bench/tui.sh
# The idle interface (issue 16) on 100,000 mailboxes, past inotify's
# watches: CPU and a delivery's latency, fanotify beside polling.
BENCH_RUN += bench/tui-idle.sh
EXTRA_DIST += bench/tui-idle.sh
# Commit (issue 4): one mailbox added to 100,000-entry tables; vmailadm's own
# time (VMAILADM_TIMING) beside the postmap run it makes, and the ratio.
BENCH_RUN += bench/commit.sh
EXTRA_DIST += bench/commit.sh
# backend pgsql (issue 18): the model load from PostgreSQL beside the flat
# files', and a one-mailbox commit, on 100,000 mailboxes in 2,000 domains.
BENCH_RUN += bench/pgsql.sh
EXTRA_DIST += bench/pgsql.sh
