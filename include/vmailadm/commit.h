/* The transactional commit of a stage (issue 4): lock, re-read and replay,
 * journal, backups, atomic rewrites, map rebuilds without a half-built
 * window, maildirs, reloads, audit; any failure before the reloads puts
 * every file and map back. Also the recovery of a commit that was killed. */
#ifndef VMAILADM_COMMIT_H
#define VMAILADM_COMMIT_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct config;
struct stage;

/* Called for every step as it finishes (the TUI shows them live). */
typedef void (*commit_progress_fn)(void *ctx, const char *step, bool ok, const char *detail);

struct commit_opts {
	int lock_wait_seconds;       /* 0: give up at once when another commit runs */
	commit_progress_fn progress; /* may be NULL */
	void *ctx;
};

struct commit_result {
	char *id;                    /* "20261125-224501-1234": names backups and the audit record */
	bool committed;              /* files are written (even if a reload failed) */
	bool rolled_back;            /* a failure put everything back */
	bool rollback_incomplete;    /* a failure, and not everything could be put
	                              * back: undone says what was and was not */
	struct strbuf undone;        /* "restored PATH" / "NOT restored PATH ..." lines */
	bool reload_failed;
	bool replayed;               /* files changed since staging: operations re-applied */
	char *changeset;             /* backend pgsql: the change set committed, else NULL */
	struct strbuf log;           /* one line per step, for people */
	/* Wall-clock seconds while programs the commit ran were running
	 * (postmap, postalias, reloads; programs running side by side count
	 * once), and the same for postmap/postalias alone (VMAILADM_TIMING).
	 * The commit works meanwhile: what it does then is not in its "own"
	 * time, total minus program_seconds. */
	double program_seconds;
	double map_seconds;
};

/* Commit the stage. Returns 0 when everything succeeded, -1 otherwise (d
 * names what failed; res says what state the server is in). The stage is
 * emptied on success. Free res with commit_result_free. */
int stage_commit(struct stage *s, const struct commit_opts *opts, struct commit_result *res,
		 struct diags *d);
void commit_result_free(struct commit_result *res);

/* backend pgsql: roll back the commit of audit record rec (its change
 * set) as a new transaction, the compensating rows printed in preview
 * first; with dry_run nothing else. The commit is pgcommit's (the rows
 * re-read: "changed since the preview" when one is no longer what that
 * commit wrote), then the auth cache flush and an audit record, each step
 * given to opts' progress (opts may be NULL). The one way both front ends
 * roll back there (`vmailadm rollback`, the interface's history). 0, or
 * -1 with d saying why (res says what happened). */
struct json_t;
int pgcommit_rollback(const struct config *cfg, struct json_t *rec, bool dry_run,
		      const struct commit_opts *opts, struct strbuf *preview,
		      struct commit_result *res, struct diags *d);

/* Recovery (recover.c). At start: when a journal shows a commit that did
 * not finish, put the files it had written back and rebuild their maps. Appends what it did to said
 * (empty when there was nothing to do). Returns -1 when something could not
 * be restored (named in d). */
int recover_interrupted(const struct config *cfg, struct strbuf *said, struct diags *d);
/* The same for a command that only reads (list, show, stats, trace, lint,
 * the TUI start): it recovers only under the lock. When it cannot (the
 * lock is held, or this user cannot open it) and a journal is there,
 * nothing is touched and blocked gets one line saying that a commit was
 * interrupted and how to finish it (issue 10, defect 6). */
int recover_interrupted_read(const struct config *cfg, struct strbuf *said,
			     struct strbuf *blocked, struct diags *d);

#endif
