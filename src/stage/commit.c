/* The commit: the only code that changes the mail server. Every step is
 * ordered so that Postfix and Dovecot never see a half-made change: maps are
 * built from a temporary source and renamed into place, maildirs are
 * archived only after the maps stop naming them, and a failure before the
 * reloads restores every file and map from the backups taken first.
 *
 * Time: the map builds (postmap, ~150 ms on 100,000 entries) start as soon
 * as their sources are written, and everything that does not need them
 * (the other files' new versions, their fsyncs, the digests, the journal,
 * old backups pruned) is done while they run; every live file is renamed
 * only after the last build, in the order the server needs.
 *
 * This file is the sequence of phases (stage_commit) and the run's steps
 * and timings; the jobs are in build.c (map builds), install.c (the files),
 * leftover.c, journal.c, audit.c, maildiract.c and recover.c, the state
 * directory's files in state.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/precheck.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/spawn.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

void commit_step(struct run *r, bool ok, const char *detail, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	sb_addf(&r->res->log, "%s %s%s%s\n", ok ? "ok  " : "FAIL", sb.buf, detail ? ": " : "",
		detail ? detail : "");
	if (r->opts && r->opts->progress)
		r->opts->progress(r->opts->ctx, sb.buf, ok, detail);
	sb_free(&sb);
}

double commit_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void commit_span_add(struct run *r, double from, double seconds, bool map)
{
	xgrow(&r->spans, &r->cap, r->nspans + 1, sizeof *r->spans);
	r->spans[r->nspans++] = (struct span){ from, from + seconds, map };
}

static int commit_span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* The wall time covered by the spans (maps only, or all). */
static double commit_span_union(struct run *r, bool maps_only)
{
	if (r->nspans > 1)   /* spans is NULL when nothing ran: qsort wants an array */
		qsort(r->spans, r->nspans, sizeof *r->spans, commit_span_cmp);
	double total = 0, from = 0, to = -1;
	for (size_t i = 0; i < r->nspans; i++) {
		const struct span *s = &r->spans[i];
		if (maps_only && !s->map)
			continue;
		if (s->from > to) {
			total += to > from ? to - from : 0;
			from = s->from;
			to = s->to;
		} else if (s->to > to) {
			to = s->to;
		}
	}
	return total + (to > from ? to - from : 0);
}

/* Run a configured command line; "" means disabled (returns 1). */
int commit_run_program(struct run *r, const char *cmdline, const char *what)
{
	if (!cmdline || !*cmdline) {
		commit_step(r, true, _("disabled in the configuration"), "%s", what);
		return 1;
	}
	char **argv = spawn_argv_split(cmdline);
	struct spawn_result res;
	double t0 = commit_now();
	int rc = spawn_run((const char *const *)argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &res, r->d);
	commit_span_add(r, t0, res.seconds, false);
	if (rc == 0)
		rc = spawn_result_check((const char *const *)argv, &res, PROGRAM_TIMEOUT_MS, r->d);
	commit_step(r, rc == 0, rc == 0 ? NULL : sb_str(&res.err), "%s", what);
	spawn_result_free(&res);
	spawn_argv_free(argv);
	return rc;
}

/* ---- the commit ------------------------------------------------------------ */

/* Unique per commit: backups and `vmailadm rollback ID` are named by it, and
 * one process (the TUI, a test) may commit several times in one second. */
char *commit_id_new(void)
{
	static unsigned seq;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	unsigned n = seq++;
	return n ? xasprintf("%s-%ld-%u", stamp, (long)getpid(), n)
		 : xasprintf("%s-%ld", stamp, (long)getpid());
}

/* One commit under way: the run, and what its phases hand each other. */
struct txn {
	struct run r;
	struct stage *s;
	const struct plan *p;
	const char *maincf, *base;
	struct written *ws;          /* the files the plan changes */
	struct written *rb;          /* the maps only rebuilt (lint --fix) */
	struct digest_cache *cache;
	bool backed_up;
	bool journal;                /* written: a rollback removes it */
	size_t nrestored;            /* actions up to here brought maildirs back */
};

/* Under the lock, before anything changes: re-read every file and replay
 * (a hand edit made since staging is merged, or the operation it breaks is
 * named and nothing is written), the targets checked, and every maildir
 * action tried on paper (a commit stopped half-way leaves maps and mail
 * disagreeing). */
static int commit_check(struct txn *t, struct diags *d)
{
	const struct config *cfg = t->r.cfg;
	struct commit_result *res = t->r.res;
	if (stage_refresh(t->s, &res->replayed, d) < 0) {
		commit_step(&t->r, false, NULL, _("re-read the files"));
		return -1;
	}
	t->p = stage_plan(t->s);
	if (precheck_targets(cfg, t->p, d) < 0 || inject_at("refresh", d) < 0)
		return -1;
	commit_step(&t->r, true, res->replayed ? _("the files changed since staging: operations re-applied") : NULL,
		    _("re-read the files"));
	t->maincf = stage_maincf_path(t->s);
	t->base = t->maincf ? stage_mailbox_base(t->s) : "";
	if (precheck_plan(cfg, t->p, t->base, true, DIAG_ERROR, d) < 0 || inject_at("precheck", d) < 0) {
		commit_step(&t->r, false, d->n ? d->v[d->n - 1].msg : NULL, _("check that every action can run"));
		return -1;
	}
	commit_step(&t->r, true, NULL, _("check that every action can run"));
	return 0;
}

/* What will be written: each file with its map and backup name, the maps
 * only rebuilt; and what a killed commit left beside them removed. */
static void commit_files(struct txn *t)
{
	const struct config *cfg = t->r.cfg;
	const struct plan *p = t->p;
	t->r.acts = xcalloc(p->nactions ? p->nactions : 1, sizeof *t->r.acts);
	t->ws = xcalloc(p->nfiles ? p->nfiles : 1, sizeof *t->ws);
	for (size_t i = 0; i < p->nfiles; i++) {
		struct written *w = &t->ws[i];
		w->f = p->files[i];
		w->b.src.fd = -1;
		install_find_map(cfg, p, w);
		if (w->f->existed)
			w->backup = state_backup_path(cfg, w->f->path, t->r.res->id);
	}
	/* Maps rebuilt on request (lint --fix): their sources do not change, so
	 * they need no backup, no journal line and no restore; a map built
	 * from the source as it is never serves worse than a missing or stale
	 * one, so a later failure leaves it built. */
	t->rb = xcalloc(p->nrebuilt ? p->nrebuilt : 1, sizeof *t->rb);
	for (size_t i = 0; i < p->nrebuilt; i++) {
		t->rb[i].f = p->rebuilt[i];
		t->rb[i].b.src.fd = -1;
		install_find_map(cfg, p, &t->rb[i]);
	}
	leftover_remove(&t->r, t->ws, p->nfiles, t->rb, p->nrebuilt);
}

/* Backups first: the files as they are now. */
static int commit_backup(struct txn *t)
{
	struct diags *d = t->r.d;
	int rc = 0;
	for (size_t i = 0; i < t->p->nfiles && rc == 0; i++)
		if (t->ws[i].backup)
			rc = install_backup(t->ws[i].f, t->ws[i].backup, d);
	if (rc == 0)
		rc = inject_at("backup", d);
	commit_step(&t->r, rc == 0, NULL,
		    ngettext("back up %zu file", "back up %zu files", t->p->nfiles), t->p->nfiles);
	t->backed_up = rc == 0;
	return rc;
}

/* New versions at temporary names; each map's build starts as soon as its
 * source is written (the other files are written meanwhile), then every
 * new version is synced while the maps build. */
static int commit_write_temps(struct txn *t, int rc)
{
	const struct plan *p = t->p;
	struct written *ws = t->ws, *rb = t->rb;
	struct diags *d = t->r.d;
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (install_builds_map(&ws[i]))
			rc = install_prepare(&t->r, &ws[i]);
	for (size_t i = 0; i < p->nrebuilt && rc == 0; i++)
		if (install_builds_map(&rb[i])) {
			const struct staged_file *f = rb[i].f;
			rc = build_write(&t->r, &rb[i].b, f->path, sb_str(&f->cur), f->cur.len, false);
			if (rc == 0)
				rc = build_start(&t->r, &rb[i].b, rb[i].type, rb[i].program);
		}
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (!install_builds_map(&ws[i]))
			rc = install_prepare(&t->r, &ws[i]);
	for (size_t i = 0; i < p->nfiles + p->nrebuilt && rc == 0; i++)
		rc = atomic_temp_sync(i < p->nfiles ? &ws[i].b.src : &rb[i - p->nfiles].b.src, d);
	if (rc == 0 && t->backed_up)
		rc = inject_at("temp-files", d);
	if (t->backed_up)
		commit_step(&t->r, rc == 0, rc == 0 ? NULL : d->n ? d->v[d->n - 1].msg : NULL,
			    ngettext("write %zu file under a temporary name",
				     "write %zu files under temporary names", p->nfiles + p->nrebuilt),
			    p->nfiles + p->nrebuilt);
	return rc;
}

/* While the maps build: the digests, the journal (durable before any live
 * file changes), old backups pruned. */
static int commit_journal(struct txn *t, int rc)
{
	const struct plan *p = t->p;
	struct diags *d = t->r.d;
	char *cache_path = state_digests_path(t->r.cfg);
	t->cache = digestcache_load(cache_path);
	free(cache_path);
	for (size_t i = 0; i < p->nfiles; i++)
		install_digest(&t->ws[i], t->cache);
	if (rc == 0) {
		rc = journal_write(&t->r, t->s, t->ws, p->nfiles, t->rb, p->nrebuilt, NULL);
		t->journal = rc == 0;
		if (rc == 0)
			rc = inject_at("journal", d);
		commit_step(&t->r, rc == 0, NULL, _("write the journal"));
	}
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (t->ws[i].backup)
			state_backups_prune(t->r.cfg, t->ws[i].backup);
	return rc;
}

/* Every build waited for, even after a failure: no program is left writing
 * beside a file we are about to restore. */
static int commit_wait_builds(struct txn *t, int rc)
{
	const struct plan *p = t->p;
	struct diags *d = t->r.d;
	for (size_t i = 0; i < p->nfiles; i++)
		if (build_wait(&t->r, &t->ws[i].b, t->ws[i].tool) < 0)
			rc = -1;
	for (size_t i = 0; i < p->nrebuilt; i++)
		if (build_wait(&t->r, &t->rb[i].b, t->rb[i].tool) < 0) {
			commit_step(&t->r, false, d->n ? d->v[d->n - 1].msg : NULL, _("rebuild map %s:%s"),
				    t->rb[i].type, t->rb[i].f->path);
			rc = -1;
		}
	if (rc == 0)
		rc = inject_at("map-builds", d);
	return rc;
}

/* Archived maildirs come back, and renamed ones move, before any map names
 * their place, so that a delivery in between cannot create an empty one
 * there first. */
static int commit_restore_maildirs(struct txn *t, int rc)
{
	const struct plan *p = t->p;
	for (size_t i = 0; i < p->nactions && rc == 0; i++) {
		bool rename = p->actions[i].kind == ACT_MAILDIR_RENAME;
		if (p->actions[i].kind != ACT_MAILDIR_RESTORE && !rename)
			continue;
		rc = rename ? maildiract_rename(&t->r, t->base, &p->actions[i], false, &t->r.acts[i])
			    : maildiract_restore(&t->r, t->base, &p->actions[i], true);
		if (rc == 0)
			t->nrestored = i + 1;
		if (rc == 0)
			rc = inject_at(rename ? "rename-maildir" : "restore-maildir", t->r.d);
	}
	return rc;
}

/* Maildirs: created once the maps name them (archived, in commit_finish,
 * once they no longer do: Postfix recreates a maildir it still delivers
 * to). */
static int commit_create_maildirs(struct txn *t, int rc)
{
	const struct plan *p = t->p;
	for (size_t i = 0; i < p->nactions && rc == 0; i++)
		if (p->actions[i].kind == ACT_MAILDIR_CREATE) {
			rc = maildiract_run(&t->r, t->base, &p->actions[i], &t->r.acts[i]);
			if (rc == 0)
				rc = inject_at("create-maildir", t->r.d);
		}
	return rc;
}

/* Whatever the outcome: programs waited for, temporary files removed, the
 * time spent in programs added up. */
static void commit_free(struct txn *t)
{
	const struct plan *p = t->p;
	for (size_t i = 0; i < p->nfiles; i++) {
		build_discard(&t->ws[i].b);
		digestcache_file_free(&t->ws[i].dg);
		free(t->ws[i].backup);
	}
	for (size_t i = 0; i < p->nrebuilt; i++)
		build_discard(&t->rb[i].b);
	digestcache_free(&t->cache);
	free(t->ws);
	free(t->rb);
	t->r.res->program_seconds = commit_span_union(&t->r, false);
	t->r.res->map_seconds = commit_span_union(&t->r, true);
	free(t->r.spans);
	free(t->r.acts);
}

/* Undo a commit that failed before its files were all in place: files and
 * maps, the maildirs it made, the archived ones it brought back. When
 * something cannot be undone, the result says what was and was not, and
 * the journal stays: the next vmailadm tries again from it. */
static void commit_roll_back(struct run *r, struct stage *s, struct written *ws, const char *base,
		      size_t nrestored, bool journal)
{
	const struct plan *p = stage_plan(s);
	int rc = install_restore(r, ws, p->nfiles);
	/* No maildir the commit made outlives it (an empty one would be
	 * taken for an orphan by the next mailbox add). */
	for (size_t i = p->nactions; i-- > 0;)
		if (p->actions[i].kind == ACT_MAILDIR_CREATE && r->acts[i] == ACT_DONE &&
		    maildiract_undo(r, base, "create-maildir", p->actions[i].path, "-", 2, NULL) < 0) {
			sb_addf(&r->res->undone, _("NOT removed the maildir %s the commit created\n"),
				p->actions[i].path);
			rc = -1;
		}
	for (size_t i = nrestored; i-- > 0;)
		if (p->actions[i].kind == ACT_MAILDIR_RENAME && r->acts[i] == ACT_DONE &&
		    maildiract_rename(r, base, &p->actions[i], true, NULL) < 0) {
			sb_addf(&r->res->undone, _("NOT moved the maildir %s back to %s\n"), p->actions[i].target,
				p->actions[i].path);
			rc = -1;
		}
	for (size_t i = nrestored; i-- > 0;)
		if (p->actions[i].kind == ACT_MAILDIR_RESTORE &&
		    maildiract_restore(r, base, &p->actions[i], false) < 0) {
			sb_addf(&r->res->undone, _("NOT returned the maildir %s to the archive\n"),
				p->actions[i].target);
			rc = -1;
		}
	if (rc == 0) {
		r->res->rolled_back = true;
		if (journal)
			state_journal_remove(r->cfg);
		audit_append(r, s, ws, p->nfiles, p, "rolled back");
		commit_step(r, true, NULL, _("rolled back: every file is as it was"));
	} else {
		r->res->rollback_incomplete = true;
		audit_append(r, s, ws, p->nfiles, p, "rollback incomplete");
		commit_step(r, false, journal ? _("the journal stays: the next vmailadm tries again") : NULL,
		     _("roll back: not everything could be put back"));
	}
}

/* Every file is in place: the mail of removed mailboxes moves, the
 * services reload. A failure here leaves the files committed. */
static int commit_finish(struct run *r, struct stage *s, struct written *ws, const char *base,
			 struct digest_cache *cache)
{
	const struct plan *p = stage_plan(s);
	const struct config *cfg = r->cfg;
	int rc = 0;
	r->res->committed = true;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_MAILDIR_ARCHIVE && a->kind != ACT_MAILDIR_PURGE)
			continue;
		if (inject_at(plan_action_name(a->kind), r->d) < 0) {
			r->acts[i] = ACT_FAILED;
			rc = -1;
		} else if (maildiract_run(r, base, a, &r->acts[i]) < 0) {
			rc = -1; /* the maps are right; the mail stays where it was */
		}
	}
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		bool pf = a->kind == ACT_RELOAD_POSTFIX;
		if (!pf && a->kind != ACT_RELOAD_DOVECOT)
			continue;
		if (inject_at(pf ? "reload-postfix" : "reload-dovecot", r->d) < 0 ||
		    commit_run_program(r, pf ? cfg->postfix_reload : cfg->dovecot_reload,
				pf ? _("reload Postfix") : _("reload Dovecot")) < 0)
			r->res->reload_failed = true;
	}
	if (r->res->reload_failed) {
		diag_warn(r->d, NULL, 0, _("the files are committed, but a reload failed: run it by hand once the service is running"));
		rc = -1;
	}
	/* After the reloads: until then Postfix may still read the files a
	 * rolled back commit made (main.cf named them). */
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_FILE_REMOVE)
			continue;
		if (r->res->reload_failed) {
			diag_warn(r->d, a->path, 0, _("%s is kept: Postfix may still read it (its reload failed); remove it and the maps built from it once Postfix is reloaded"),
				  a->path);
			r->acts[i] = ACT_FAILED;
		} else if (inject_at(plan_action_name(a->kind), r->d) < 0 ||
			   install_remove(r, a->path, a->detail, NULL) < 0) {
			r->acts[i] = ACT_FAILED;
			rc = -1;
		} else {
			r->acts[i] = ACT_DONE;
		}
	}
	audit_append(r, s, ws, p->nfiles, p, rc == 0 ? "committed" : "committed with errors");
	if (inject_at("audit", r->d) < 0)
		rc = -1;
	state_journal_remove(cfg);
	install_remember_digests(cfg, ws, p->nfiles, cache);
	return rc;
}

int stage_commit(struct stage *s, const struct commit_opts *opts, struct commit_result *res,
		 struct diags *d)
{
	const struct config *cfg = stage_config(s);
	memset(res, 0, sizeof *res);
	res->id = commit_id_new();
	struct txn t = { .r = { cfg, opts, res, d, NULL, 0, 0, NULL }, .s = s };
	if (stage_count(s) == 0) {
		diag_error(d, NULL, 0, _("nothing is staged"));
		return -1;
	}
	if (state_ensure_dir(cfg, d) < 0)
		return -1;
	int lock = state_lock_take(cfg, opts ? opts->lock_wait_seconds : 0, d);
	if (lock < 0)
		return -1;
	commit_step(&t.r, true, NULL, _("lock %s/lock"), cfg->state_dir);
	inject_reset();
	if (cfg->backend == BACKEND_PGSQL) {
		/* The files staged are a snapshot of the database: the commit
		 * is a transaction there (pgcommit.c), never a write of them. */
		int rc = inject_at("lock", d) < 0 ? -1 : pgcommit_run(&t.r, s);
		if (res->committed)
			stage_reset(s);
		state_lock_release(lock);
		/* the flush's programs' times, counted as on files */
		res->program_seconds = commit_span_union(&t.r, false);
		free(t.r.spans);
		return rc;
	}
	if (inject_at("lock", d) < 0 || commit_check(&t, d) < 0) {
		state_lock_release(lock);
		return -1;
	}
	commit_files(&t);
	int rc = commit_backup(&t);
	rc = commit_write_temps(&t, rc);
	rc = commit_journal(&t, rc);
	rc = commit_wait_builds(&t, rc);
	rc = commit_restore_maildirs(&t, rc);
	if (rc == 0)
		rc = install_files(&t.r, t.maincf, t.ws, t.p->nfiles, t.rb, t.p->nrebuilt);
	rc = commit_create_maildirs(&t, rc);
	if (rc < 0)
		commit_roll_back(&t.r, s, t.ws, t.base, t.nrestored, t.journal);
	else
		rc = commit_finish(&t.r, s, t.ws, t.base, t.cache);
	commit_free(&t);
	if (res->committed)
		stage_reset(s);
	state_lock_release(lock);
	return rc;
}

void commit_result_free(struct commit_result *res)
{
	free(res->id);
	free(res->changeset);
	sb_free(&res->log);
	sb_free(&res->undone);
	memset(res, 0, sizeof *res);
}
