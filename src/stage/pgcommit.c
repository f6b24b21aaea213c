/* backend: pgsql — the commit of a stage whose files are a snapshot of the
 * database (src/db/snapshot.c): under the same lock, the operations
 * replayed if the snapshot was read again, every maildir action tried on
 * paper, then the row diff in one database transaction
 * (pgdb_diff_commit: re-read, written, change set and log row, or
 * nothing). No file is written, no map built, nothing reloaded: Postfix
 * and Dovecot query the database. Past the transaction, the local
 * maildirs are created or archived as on files, Dovecot's auth cache is
 * flushed for the changed users (a failure said, never hidden), and the
 * audit record names the change set. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/op.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/precheck.h"
#include "vmailadm/spawn.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* Only the snapshot's tables and passwd-file are rows; main.cf (the
 * snapshot's copy) and the aliases file are not the database's. */
static int pgcommit_check_files(const struct plan *p, struct diags *d)
{
	const char *dir = pgdb_snapshot_dir();
	size_t n = dir ? strlen(dir) : 0;
	int rc = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		const char *path = p->files[i]->path;
		const char *slash = strrchr(path, '/');
		if (!dir || strncmp(path, dir, n) != 0 || path[n] != '/' || strcmp(slash, "/main.cf") == 0) {
			diag_error(d, path, 0, _("backend pgsql: this file is not in the database; "
						 "commit its change with backend: files (nothing was changed)"));
			rc = -1;
		}
	}
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].kind == ACT_MAILDIR_RESTORE || p->actions[i].kind == ACT_MAILDIR_RENAME) {
			diag_error(d, p->actions[i].path, 0,
				   _("backend pgsql: moving a maildir back or to a new place is not done "
				     "on this backend yet (nothing was changed)"));
			rc = -1;
		}
	return rc;
}

/* doveadm auth cache flush USER... : Dovecot's cached passdb and userdb
 * answers for the changed users are dropped. */
static void pgcommit_flush(struct run *r, const struct plan *p)
{
	struct strbuf users = STRBUF_INIT;
	pgdb_diff_users(p->rows, &users);
	if (!users.len) {
		sb_free(&users);
		return;
	}
	const char **argv = NULL;
	size_t n = 0, cap = 0;
	xgrow(&argv, &cap, n + 4, sizeof *argv);
	argv[n++] = r->cfg->doveadm;
	argv[n++] = "auth";
	argv[n++] = "cache";
	argv[n++] = "flush";
	for (char *u = users.buf; *u;) {
		char *nl = strchr(u, '\n');
		*nl = '\0';
		xgrow(&argv, &cap, n + 2, sizeof *argv);
		argv[n++] = u;
		u = nl + 1;
	}
	argv[n] = NULL;
	struct spawn_result res;
	double t0 = commit_now();
	int rc = spawn_run(argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &res, r->d);
	commit_span_add(r, t0, res.seconds, false);
	if (rc == 0)
		rc = spawn_result_check(argv, &res, PROGRAM_TIMEOUT_MS, r->d);
	commit_step(r, rc == 0, rc == 0 ? NULL : sb_str(&res.err),
		    ngettext("flush Dovecot's auth cache for %zu user", "flush Dovecot's auth cache for %zu users",
			     n - 4), n - 4);
	if (rc < 0) {
		r->res->reload_failed = true;
		diag_warn(r->d, NULL, 0, _("the database is committed, but Dovecot's auth cache was not "
					   "flushed: run %s auth cache flush for the changed users"),
			  r->cfg->doveadm);
	}
	spawn_result_free(&res);
	free(argv);
	sb_free(&users);
}

static int pgcommit_step(const char *name, struct diags *d)
{
	return inject_at(name, d);
}

static void pgcommit_summary(struct stage *s, struct strbuf *summary, struct strbuf *ops)
{
	for (size_t i = 0; i < stage_count(s); i++) {
		struct strbuf desc = STRBUF_INIT;
		op_describe(stage_op(s, i), &desc);   /* never op_format: hashes */
		sb_addf(summary, "%s%s", i ? "; " : "", desc.buf);
		sb_addf(ops, "%s\n", desc.buf);
		sb_free(&desc);
	}
}

int pgcommit_run(struct run *r, struct stage *s)
{
	struct diags *d = r->d;
	struct commit_result *res = r->res;
	if (stage_refresh(s, &res->replayed, d) < 0) {
		commit_step(r, false, NULL, _("re-read the snapshot"));
		return -1;
	}
	const struct plan *p = stage_plan(s);
	if (pgcommit_check_files(p, d) < 0 || inject_at("refresh", d) < 0)
		return -1;
	if (!p->rows || pgdb_diff_count(p->rows) == 0) {
		diag_error(d, NULL, 0, _("backend pgsql: the staged edits change no row of the database "
					 "(nothing was changed)"));
		return -1;
	}
	const char *base = stage_maincf_path(s) ? stage_mailbox_base(s) : "";
	if (precheck_plan(r->cfg, p, base, true, DIAG_ERROR, d) < 0 || inject_at("precheck", d) < 0) {
		commit_step(r, false, d->n ? d->v[d->n - 1].msg : NULL, _("check that every action can run"));
		return -1;
	}
	commit_step(r, true, NULL, _("check that every action can run"));
	struct strbuf summary = STRBUF_INIT, ops = STRBUF_INIT;
	pgcommit_summary(s, &summary, &ops);
	struct pgdb_txn t = { .who = state_user_name(), .summary = summary.buf, .ops = ops.buf,
			      .step = pgcommit_step };
	char *cs = NULL;
	int rc = pgdb_diff_commit(r->cfg, p->rows, &t, &cs, d);
	sb_free(&summary);
	sb_free(&ops);
	if (rc != 0) {
		commit_step(r, false, rc > 0 ? _("changed since the preview: the snapshot was read again; "
						 "preview and commit again") : NULL,
			    ngettext("write %zu row in one transaction", "write %zu rows in one transaction",
				     pgdb_diff_count(p->rows)), pgdb_diff_count(p->rows));
		res->rolled_back = true;
		return -1;
	}
	res->committed = true;
	commit_step(r, true, NULL, ngettext("write %zu row in one transaction (change set %s)",
					    "write %zu rows in one transaction (change set %s)",
					    pgdb_diff_count(p->rows)), pgdb_diff_count(p->rows), cs);
	free(cs);
	/* The local maildirs, as on files: created once the database names
	 * them, archived once it no longer does. */
	r->acts = xcalloc(p->nactions ? p->nactions : 1, sizeof *r->acts);
	int mrc = 0;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_MAILDIR_CREATE && a->kind != ACT_MAILDIR_ARCHIVE &&
		    a->kind != ACT_MAILDIR_PURGE)
			continue;
		if (inject_at(plan_action_name(a->kind), d) < 0 ||
		    maildiract_run(r, base, a, &r->acts[i]) < 0)
			mrc = -1;
	}
	pgcommit_flush(r, p);
	audit_append(r, s, NULL, 0, p, mrc == 0 && !res->reload_failed ? "committed" : "committed with errors");
	free(r->acts);
	r->acts = NULL;
	return mrc < 0 || res->reload_failed ? -1 : 0;
}
