/* backend: pgsql — the commit of a stage whose files are a snapshot of the
 * database (src/db/snapshot.c): under the same lock, the operations
 * replayed if the snapshot was read again, every maildir action tried on
 * paper, then the row diff in one database transaction
 * (pgdb_diff_commit: re-read, written, change set and log row, or
 * nothing). No file is written, no map built, nothing reloaded: Postfix
 * and Dovecot query the database. Past the transaction, the local
 * maildirs are created, moved or archived as on files (journalled
 * before the transaction, so that a commit killed after it is finished by
 * the next vmailadm), Dovecot's auth cache is flushed for the changed
 * users (a failure said, never hidden), and the audit record names the
 * change set. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/op.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/precheck.h"
#include "vmailadm/spawn.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* The maildirs on this host, once the database names their new state:
 * the moves first (back from the archive, to a renamed mailbox's place,
 * which a delivery may otherwise create empty), then the new ones, then
 * the archived and deleted ones. Each action tried, whatever the others
 * did. */
static int pgcommit_maildirs(struct run *r, const struct plan *p, const char *base)
{
	static const enum action_kind order[] = { ACT_MAILDIR_RESTORE, ACT_MAILDIR_RENAME,
						  ACT_MAILDIR_CREATE, ACT_MAILDIR_ARCHIVE,
						  ACT_MAILDIR_PURGE };
	int mrc = 0;
	for (size_t o = 0; o < sizeof order / sizeof *order; o++)
		for (size_t i = 0; i < p->nactions; i++) {
			const struct action *a = &p->actions[i];
			if (a->kind != order[o])
				continue;
			int rc = inject_at(plan_action_name(a->kind), r->d);
			r->acts[i] = ACT_FAILED;
			if (rc == 0 && a->kind == ACT_MAILDIR_RENAME)
				rc = maildiract_rename(r, base, a, false, &r->acts[i]);
			else if (rc == 0 && a->kind == ACT_MAILDIR_RESTORE)
				r->acts[i] = (rc = maildiract_restore(r, base, a, true)) == 0 ? ACT_DONE : ACT_FAILED;
			else if (rc == 0)
				rc = maildiract_run(r, base, a, &r->acts[i]);
			if (rc < 0)
				mrc = -1;
		}
	return mrc;
}

/* The journal (its id, the maildir actions, the files that stay files
 * with their temporary versions), durable before the transaction: a
 * commit killed once the database has its rows is finished by the next
 * vmailadm (recover.c asks pgcommit_landed: the maildirs, the files, then
 * the auth caches' flush, which every commit owes, maildirs or not), one
 * killed before is not. */
static int pgcommit_journal(struct run *r, struct stage *s, struct pgfiles *pf, bool *journal)
{
	*journal = true;
	struct strbuf extra = STRBUF_INIT;
	pgfiles_journal_removals(pf, &extra);
	int rc = journal_write(r, s, pf->ws, pf->n, NULL, 0, extra.len ? extra.buf : NULL);
	sb_free(&extra);
	if (rc == 0)
		rc = inject_at("journal", r->d);
	commit_step(r, rc == 0, NULL, _("write the journal"));
	/* on failure the journal stays: the caller removes it once it has
	 * removed the directories pgfiles_mkdirs made, which the journal
	 * names for a recovery should it be killed before */
	return rc;
}

int pgcommit_landed(const struct config *cfg, const struct doc *j, const char *id, struct strbuf *said,
		    struct diags *d)
{
	bool pg = false;
	for (size_t i = 0; i < doc_count(j) && !pg; i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		pg = len == 13 && memcmp(t, "backend pgsql", 13) == 0;
	}
	if (!pg)
		return -2;
	char *cs = NULL;
	struct diags quiet = DIAGS_INIT;
	int rc = id ? pgdb_changeset_of(cfg, id, &cs, &quiet) : -1;
	if (rc < 0) {
		diag_error(d, NULL, 0, _("the interrupted commit %s: the database cannot say whether it was committed (%s); the journal stays, run vmailadm again once it answers"),
			   id ? id : "?", quiet.n ? quiet.v[0].msg : "?");
	} else if (rc > 0) {
		sb_addf(said, _("the interrupted commit %s is in the database (change set %s): its maildirs are finished\n"),
			id, cs);
	} else {
		sb_addf(said, _("the interrupted commit %s never reached the database: nothing to finish\n"), id);
	}
	diags_free(&quiet);
	free(cs);
	return rc;
}

/* doveadm auth cache flush exits 0 when it cannot reach the auth server
 * (no Dovecot running, another base_dir): "0 cache entries flushed", and
 * on stderr a line "Error: auth-master: ... connect(...) failed". Only
 * that line tells that nothing was flushed. */
static bool flush_said_error(const struct strbuf *err)
{
	static const char *const markers[] = { "Error:", "Fatal:", NULL };
	char *line = spawn_marked_line(err, markers, true);
	bool said = line != NULL;
	free(line);
	return said;
}

/* doveadm auth cache flush USER... on one IMAP server (host NULL: this
 * one): Dovecot's cached passdb and userdb answers for the changed users
 * are dropped. */
static void pgcommit_flush_on(struct run *r, const char *host, char **users, size_t nusers)
{
	const char **argv = xcalloc(nusers + 9, sizeof *argv);
	size_t n = 0;
	if (host) {
		argv[n++] = "ssh";
		argv[n++] = "-o";
		argv[n++] = "BatchMode=yes";
		argv[n++] = host;
		argv[n++] = "doveadm";
	} else {
		argv[n++] = r->cfg->doveadm;
	}
	argv[n++] = "auth";
	argv[n++] = "cache";
	argv[n++] = "flush";
	for (size_t i = 0; i < nusers; i++)
		argv[n++] = users[i];
	struct spawn_result res;
	double t0 = commit_now();
	int rc = spawn_run(argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &res, r->d);
	commit_span_add(r, t0, res.seconds, false);
	if (rc == 0)
		rc = spawn_result_check(argv, &res, PROGRAM_TIMEOUT_MS, r->d);
	if (rc == 0 && flush_said_error(&res.err))
		rc = -1;
	const char *where = host ? host : _("this host");
	commit_step(r, rc == 0, rc == 0 || !res.err.len ? NULL : sb_str(&res.err),
		    ngettext("flush Dovecot's auth cache for %zu user on %s",
			     "flush Dovecot's auth cache for %zu users on %s", nusers), nusers, where);
	if (rc < 0) {
		r->res->reload_failed = true;
		diag_warn(r->d, NULL, 0, _("the database is committed, but Dovecot's auth cache was not "
					   "flushed on %s: run doveadm auth cache flush there for the "
					   "changed users"), where);
	}
	spawn_result_free(&res);
	free(argv);
}

/* On each server of imap_servers, else here. */
static void pgcommit_flush(struct run *r, const struct pgdiff *df)
{
	struct strbuf users = STRBUF_INIT;
	pgdb_diff_users(df, &users);
	char **v = NULL;
	size_t n = 0, cap = 0;
	for (char *u = users.buf; u && *u;) {
		char *nl = strchr(u, '\n');
		*nl = '\0';
		xgrow(&v, &cap, n + 1, sizeof *v);
		v[n++] = u;
		u = nl + 1;
	}
	if (n && inject_at("flush-auth-cache", r->d) < 0) {
		r->res->reload_failed = true;
		n = 0;
	}
	if (n) {
		char *hosts = xstrdup(r->cfg->imap_servers ? r->cfg->imap_servers : "");
		char *save = NULL;
		bool any = false;
		for (char *h = strtok_r(hosts, " \t", &save); h; h = strtok_r(NULL, " \t", &save)) {
			pgcommit_flush_on(r, h, v, n);
			any = true;
		}
		if (!any)
			pgcommit_flush_on(r, NULL, v, n);
		free(hosts);
	}
	free(v);
	sb_free(&users);
}

int pgcommit_recover_flush(struct run *r, const char *id, struct strbuf *said)
{
	char *cs = NULL;
	struct diags quiet = DIAGS_INIT;
	struct pgdiff *df = NULL;
	if (pgdb_changeset_of(r->cfg, id, &cs, &quiet) > 0)
		df = pgdb_rollback_diff(r->cfg, cs, &quiet);
	if (!df) {
		diag_warn(r->d, NULL, 0, _("the interrupted commit %s is in the database, but the users it "
					   "changed cannot be read back (%s): run doveadm auth cache flush "
					   "for them on each IMAP server"),
			  id, quiet.n ? quiet.v[0].msg : "?");
		diags_free(&quiet);
		free(cs);
		return -1;
	}
	size_t from = r->res->log.len;
	pgcommit_flush(r, df);
	sb_add(said, r->res->log.buf + from, r->res->log.len - from);
	pgdb_diff_free(&df);
	diags_free(&quiet);
	free(cs);
	return r->res->reload_failed ? -1 : 0;
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

/* The transaction t of rows, with the files that stay files around it:
 * written at temporary names and journalled before, renamed once it has
 * committed (a failure there keeps them and the journal: the next
 * vmailadm finishes the renames), thrown away when it has not. s is the
 * stage committed, NULL for a rollback. 0, 1 changed since the preview,
 * -1. */
static int pgcommit_txn(struct run *r, struct stage *s, struct pgdiff *rows, struct pgdb_txn *t,
			struct pgfiles *pf, bool *journal, bool *files_in)
{
	struct commit_result *res = r->res;
	*files_in = pf->n == 0;
	if (s && pgfiles_mkdirs(r, s, pf, journal) < 0)
		return -1;
	if ((pf->n && pgfiles_prepare(r, pf) < 0) || pgcommit_journal(r, s, pf, journal) < 0) {
		pgfiles_undo(r, pf);
		if (*journal)
			state_journal_remove(r->cfg);
		return -1;
	}
	char *cs = NULL;
	int rc = pgdb_diff_commit(r->cfg, rows, t, &cs, r->d);
	size_t nrows = pgdb_diff_count(rows);
	if (rc != 0) {
		pgfiles_undo(r, pf);
		if (*journal)
			state_journal_remove(r->cfg);   /* the transaction did not happen */
		commit_step(r, false, rc > 0 ? _("changed since the preview: the snapshot was read again; "
						 "preview and commit again") : NULL,
			    ngettext("write %zu row in one transaction", "write %zu rows in one transaction",
				     nrows), nrows);
		res->rolled_back = true;
		return rc;
	}
	res->committed = true;
	commit_step(r, true, NULL, ngettext("write %zu row in one transaction (change set %s)",
					    "write %zu rows in one transaction (change set %s)", nrows),
		    nrows, cs);
	res->changeset = cs;
	if (pf->n) {
		*files_in = inject_at("pgfiles-install", r->d) == 0 && pgfiles_install(r, pf) == 0;
		if (!*files_in) {
			pgfiles_keep(pf);
			diag_error(r->d, NULL, 0, _("the database is committed, but its files are not all in "
						    "place: the journal stays, and the next vmailadm finishes "
						    "them from their new versions"));
		}
	}
	return 0;
}

/* A stage's transaction: its operations described in the change set. */
static int pgcommit_stage_txn(struct run *r, struct stage *s, struct pgfiles *pf, bool *journal,
			      bool *files_in)
{
	struct strbuf summary = STRBUF_INIT, ops = STRBUF_INIT;
	pgcommit_summary(s, &summary, &ops);
	struct pgdb_txn t = { .who = state_user_name(), .summary = summary.buf, .ops = ops.buf,
			      .commit_id = r->res->id, .step = pgcommit_step };
	int rc = pgcommit_txn(r, s, stage_plan(s)->rows, &t, pf, journal, files_in);
	sb_free(&summary);
	sb_free(&ops);
	return rc;
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
	struct pgfiles pf;
	int rc = pgfiles_check(r->cfg, p, &pf, d) < 0 || pgserver_check(p, d) < 0 || inject_at("refresh", d) < 0
			 ? -1 : 0;
	if (rc == 0 && pgdb_diff_count(p->rows) == 0 && pf.n == 0) {
		diag_error(d, NULL, 0, _("backend pgsql: the staged edits change no row of the database "
					 "(nothing was changed)"));
		rc = -1;
	}
	const char *base = stage_maincf_path(s) ? stage_mailbox_base(s) : "";
	if (rc == 0 && (precheck_plan(r->cfg, p, base, true, DIAG_ERROR, d) < 0 ||
			inject_at("precheck", d) < 0)) {
		commit_step(r, false, d->n ? d->v[d->n - 1].msg : NULL, _("check that every action can run"));
		rc = -1;
	} else if (rc == 0) {
		commit_step(r, true, NULL, _("check that every action can run"));
	}
	bool journal = false, files_in = false;
	if (rc == 0)
		rc = pgcommit_stage_txn(r, s, &pf, &journal, &files_in);
	if (rc != 0) {
		pgfiles_free(&pf);
		return -1;
	}
	/* The local maildirs, as on files: created once the database names
	 * them, archived once it no longer does; then the journal goes (a
	 * failed action is said: it is not tried again). */
	r->acts = xcalloc(p->nactions ? p->nactions : 1, sizeof *r->acts);
	int mrc = pgcommit_maildirs(r, p, base);
	pgcommit_flush(r, p->rows);
	if (journal && files_in)
		state_journal_remove(r->cfg);   /* after the flush: see pgcommit_journal */
	bool ok = mrc == 0 && files_in && !res->reload_failed;
	audit_append(r, s, pf.ws, pf.n, p, ok ? "committed" : "committed with errors");
	pgfiles_free(&pf);
	free(r->acts);
	r->acts = NULL;
	return ok ? 0 : -1;
}

/* The audit record of a rollback: its change set and the files it put
 * back, with their digests, backups and maps as a commit's record has
 * them (so that it can be rolled back in turn). */
static void pgcommit_audit_rollback(struct run *r, const char *summary, const struct pgfiles *pf, bool ok)
{
	json_t *a = state_audit_record(r->res->id, ok ? "committed" : "committed with errors");
	json_t *ops = json_array(), *files = json_array(), *maps = json_array();
	json_array_append_new(ops, json_string(summary));
	for (size_t i = 0; i < pf->n; i++) {
		const struct written *w = &pf->ws[i];
		json_t *f = json_object();
		json_object_set_new(f, "path", json_string(w->f->path));
		json_object_set_new(f, "sha256_before", json_string(w->old_sha));
		json_object_set_new(f, "sha256_after", json_string(w->new_sha));
		json_object_set_new(f, "backup", w->backup ? json_string(w->backup) : json_null());
		json_array_append_new(files, f);
		if (!w->type)
			continue;
		json_t *m = json_object();
		char *spec = xasprintf("%s:%s", w->type, w->f->path);
		json_object_set_new(m, "tool", json_string(w->tool));
		json_object_set_new(m, "map", json_string(spec));
		json_object_set_new(m, "source_changed", json_true());
		json_array_append_new(maps, m);
		free(spec);
	}
	/* what it removed: a rollback of it cannot make them again */
	json_t *gone = json_array();
	for (size_t i = 0; i < pf->nrm; i++)
		json_array_append_new(gone, json_string(pf->rm[i].path));
	json_object_set_new(a, "operations", ops);
	json_object_set_new(a, "changeset", json_string(r->res->changeset));
	json_object_set_new(a, "files", files);
	if (json_array_size(gone))
		json_object_set_new(a, "files_removed", gone);
	else
		json_decref(gone);
	json_object_set_new(a, "maildirs", json_array());
	json_object_set_new(a, "maps", maps);
	state_audit_append(r->cfg, a, r->d);
}

/* The rollback committed (under the lock): journalled like a commit, so
 * that one killed after COMMIT gets its files and its auth caches' flush
 * from the next vmailadm (pgcommit_landed finds it by its id). */
static int pgcommit_rollback_run(const struct config *cfg, const char *rid, const char *cs,
				 struct pgdiff *df, struct pgfiles *pf, const struct commit_opts *opts,
				 struct commit_result *res, struct diags *d)
{
	res->id = commit_id_new();
	struct run r = { cfg, opts, res, d, NULL, 0, 0, NULL };
	commit_step(&r, true, NULL, _("lock %s/lock"), cfg->state_dir);
	char *summary = xasprintf("rollback of %s (change set %s)", rid, cs);
	struct pgdb_txn t = { .who = state_user_name(), .summary = summary, .ops = summary,
			      .rollback_of = cs, .commit_id = res->id, .step = pgcommit_step };
	bool journal = false, files_in = false;
	int rc = pgcommit_txn(&r, NULL, df, &t, pf, &journal, &files_in);
	if (rc == 0) {
		if (files_in && !res->reload_failed)
			pgfiles_remove(&r, pf);
		else if (pf->nrm || pf->nrmdirs)
			diag_warn(d, NULL, 0, _("the files and directories %s made are kept: Postfix may still "
						"read them (its reload failed or the files are not all in place)"), rid);
		pgcommit_flush(&r, df);
		if (journal && files_in)
			state_journal_remove(cfg);   /* after the flush: see pgcommit_journal */
		pgcommit_audit_rollback(&r, summary, pf, files_in && !res->reload_failed);
	}
	free(summary);
	free(r.spans);
	return rc == 0 && files_in && !res->reload_failed ? 0 : -1;
}

int pgcommit_rollback(const struct config *cfg, json_t *rec, bool dry_run,
		      const struct commit_opts *opts, struct strbuf *preview,
		      struct commit_result *res, struct diags *d)
{
	memset(res, 0, sizeof *res);
	const char *rid = json_string_value(json_object_get(rec, "id"));
	const char *cs = json_string_value(json_object_get(rec, "changeset"));
	rid = rid ? rid : "?";
	/* A commit finished by recovery: its record names no change set,
	 * the database names the commit (pgdb_changeset_of). */
	char *found = NULL;
	struct diags quiet = DIAGS_INIT;
	if (!cs && pgdb_changeset_of(cfg, rid, &found, &quiet) > 0)
		cs = found;
	diags_free(&quiet);
	if (!cs) {
		diag_error(d, NULL, 0, _("%s wrote no change set of the database: nothing to roll back there"), rid);
		return -1;
	}
	/* A commit reads the rows and files it puts back under the lock. */
	int lock = -1;
	if (!dry_run && (lock = state_ensure_dir(cfg, d) < 0 ? -1 : state_lock_take(cfg, cfg->lock_wait, d)) < 0) {
		free(found);
		return -1;
	}
	struct pgfiles pf = { 0 };
	struct strbuf files = STRBUF_INIT, notes = STRBUF_INIT;
	struct pgdiff *df = pgdb_rollback_diff(cfg, cs, d);
	int rc = df ? pgfiles_rollback(cfg, rec, &pf, &files, &notes, d) : -1;
	if (rc == 0) {
		pgdb_diff_print(df, preview);
		sb_add(preview, sb_str(&files), files.len);
		sb_add(preview, sb_str(&notes), notes.len);
		if (pgdb_diff_count(df) == 0 && pf.n == 0 && pf.nrm == 0 && pf.nrmdirs == 0) {
			/* sendas allow changes only the sender login map: when
			 * that file is kept (a note says why), nothing is left */
			if (notes.len)
				diag_error(d, NULL, 0, _("%s changed no row of the database, only files, and each is "
							 "kept (see the notes): nothing to roll back; take its change back "
							 "with the opposite edit (vmailadm sendas deny for a sendas allow)"),
					   rid);
			else
				diag_error(d, NULL, 0, _("change set %s changes no row (nothing to roll back)"), cs);
			rc = -1;
		}
	}
	if (rc == 0 && !dry_run)
		rc = pgcommit_rollback_run(cfg, rid, cs, df, &pf, opts, res, d);
	if (lock >= 0)
		state_lock_release(lock);
	pgfiles_free(&pf);
	pgdb_diff_free(&df);
	sb_free(&files);
	sb_free(&notes);
	free(found);
	return rc;
}
