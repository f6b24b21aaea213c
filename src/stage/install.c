/* A commit's files: backed up, their new versions prepared (maps built),
 * digested, installed in the order the server needs, their maps asked
 * whether they answer, and on failure put back. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/mapcheck.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* Is the map rebuilt by a program (else its source is a plain file)? */
bool install_builds_map(const struct written *w)
{
	return w->type && w->program && *w->program;
}

/* The file is about to be replaced by a rename, so its inode, which still
 * holds exactly the bytes read (stage_refresh checked them under the lock),
 * can simply become the backup: no copy of a 20 MB passwd-file to write and
 * fsync. A copy is written when a link is impossible (another filesystem)
 * or the file no longer has the size it had. */
int install_backup(const struct staged_file *f, const char *backup, struct diags *d)
{
	struct stat st;
	if (link(f->path, backup) == 0) {
		if (lstat(backup, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == f->st.st_size)
			return 0;
		unlink(backup);
	}
	struct file_owner own = { getuid(), getgid(), 0600 };
	const struct strbuf *old = stagefile_old(f);
	return atomic_write(backup, sb_str(old), old->len, &own, false, d);
}

/* The new version at its temporary name; for a map, its build started.
 * The passwd-file, and any file whose map is not rebuilt, must get a new
 * mtime second: Dovecot misses a same-size rewrite within the same second
 * (reference §4.4). */
int install_prepare(struct run *r, struct written *w)
{
	const struct staged_file *f = w->f;
	if (!install_builds_map(w) && f->private_new) {
		struct file_owner own = { f->new_uid, f->new_gid, f->new_mode };
		return atomic_temp_write(f->path, sb_str(&f->cur), f->cur.len, &own, true, &w->b.src, r->d);
	}
	if (!install_builds_map(w))
		return build_write(r, &w->b, f->path, sb_str(&f->cur), f->cur.len, true);
	if (build_write(r, &w->b, f->path, sb_str(&f->cur), f->cur.len, false) < 0)
		return -1;
	return build_start(r, &w->b, w->type, w->program);
}

/* The digests for the journal and the audit: "before" from the cache when
 * the file is still the one a commit wrote, "after" resumed from the marks
 * of the old bytes wherever the new ones share them. */
void install_digest(struct written *w, const struct digest_cache *cache)
{
	const struct staged_file *f = w->f;
	const struct file_digest *known = f->existed ? digestcache_find(cache, f->path, &f->st) : NULL;
	struct file_digest old = { .marks = NULL };
	if (!known) {
		const struct strbuf *bytes = stagefile_old(f);
		digestcache_file_compute(sb_str(bytes), bytes->len, &old);
		known = &old;
	}
	memcpy(w->old_sha, known->sha, sizeof w->old_sha);
	if (f->lazy)
		/* read in part: old is not held, but where cur starts to differ is known */
		digestcache_file_resume(known, (size_t)f->st.st_size, f->same_head, sb_str(&f->cur),
					f->cur.len, &w->dg);
	else
		digestcache_file_update(known, sb_str(&f->old), f->old.len, sb_str(&f->cur), f->cur.len,
					&w->dg);
	memcpy(w->new_sha, w->dg.sha, sizeof w->new_sha);
	digestcache_file_free(&old);
}

/* Remember the digests of the files now in place, for the next commit: only
 * those still exactly as written (same inode, size and our mtime, which no
 * later write can keep). */
void install_remember_digests(const struct config *cfg, struct written *ws, size_t n,
			     struct digest_cache *cache)
{
	for (size_t i = 0; i < n; i++) {
		struct written *w = &ws[i];
		struct stat st;
		digestcache_forget(cache, w->f->path);
		if (!w->done || lstat(w->f->path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		const struct stat *t = &w->b.src.st;
		if (w->b.src.unique_mtime && st.st_ino == t->st_ino && st.st_dev == t->st_dev && st.st_size == t->st_size &&
		    st.st_mtim.tv_sec == t->st_mtim.tv_sec && st.st_mtim.tv_nsec == t->st_mtim.tv_nsec)
			digestcache_put(cache, w->f->path, &st, &w->dg);
	}
	char *path = state_digests_path(cfg);
	struct diags d = DIAGS_INIT;
	digestcache_save(cache, path, &d); /* only a cache: a failure costs a hash */
	diags_free(&d);
	free(path);
}

/* Put back a map this commit installed, whole or in part: the source from
 * the bytes read, and the map it had (kept at the temporary name by the
 * exchange) or none when it had none. A map replaced where the exchange
 * was not offered is built again from the old source. */
static int install_restore_map(struct run *r, struct written *w, struct diags *d)
{
	struct build *b = &w->b;
	const struct strbuf *old = stagefile_old(w->f);
	if (b->db_in && !b->old_db && b->had_db) {
		struct diags *save = r->d;
		r->d = d;
		int rc = build_map(r, w->f->path, w->type, sb_str(old), old->len, w->program, "rebuild");
		r->d = save;
		return rc;
	}
	int rc = 0;
	if (b->src_in)
		rc = w->f->existed ? atomic_write(w->f->path, sb_str(old), old->len, NULL, true, d)
				   : unlink(w->f->path) == 0 || errno == ENOENT ? 0 : -1;
	if (rc == 0 && b->db_in && b->old_db) {
		if (rename(b->tmpdb, b->db) < 0) {
			diag_error(d, b->db, 0, _("cannot put the old map back from %s: %s"), b->tmpdb, strerror(errno));
			return -1;
		}
		xfree(&b->tmpdb);
		/* Newer than the source just rewritten: Postfix warns of a map
		 * older than its source. */
		utimensat(AT_FDCWD, b->db, NULL, 0);
	} else if (rc == 0 && b->db_in && unlink(b->db) < 0 && errno != ENOENT) {
		diag_error(d, b->db, 0, _("cannot remove the map this commit built: %s"), strerror(errno));
		return -1;
	}
	if (rc == 0)
		b->src_in = b->db_in = false;
	return rc;
}

/* Undo every file installed, in whole or in part. What was and was not
 * put back goes to res->undone, for the message; returns -1 when some
 * file could not be. */
int install_restore(struct run *r, struct written *ws, size_t n)
{
	int bad = 0;
	for (size_t i = n; i-- > 0;) {
		struct written *w = &ws[i];
		if (!w->done)
			continue;
		struct diags d = DIAGS_INIT;
		int rc = inject_at("restore-file", &d);
		if (rc < 0)
			;
		else if (install_builds_map(w))
			rc = install_restore_map(r, w, &d);
		else if (!w->f->existed)
			rc = unlink(w->f->path) == 0 || errno == ENOENT ? 0 : -1;
		else {
			const struct strbuf *old = stagefile_old(w->f);
			rc = atomic_write(w->f->path, sb_str(old), old->len, NULL, true, &d);
		}
		w->done = rc < 0;
		const char *why = rc == 0 ? NULL : d.n ? d.v[0].msg : strerror(errno);
		commit_step(r, rc == 0, why, _("restore %s"), w->f->path);
		if (rc == 0) {
			sb_addf(&r->res->undone, _("restored %s\n"), w->f->path);
		} else {
			sb_addf(&r->res->undone, _("NOT restored %s (%s): it keeps the new version"), w->f->path, why);
			if (w->backup)
				sb_addf(&r->res->undone, _("; the old one is %s"), w->backup);
			sb_addc(&r->res->undone, '\n');
			bad = -1;
		}
		diags_take(r->d, &d);
		diags_free(&d);
	}
	return bad;
}

int install_remove(struct run *r, const char *path, const char *sha, struct strbuf *said)
{
	char now[65];
	bool exists = false;
	const char *why = NULL;
	if (journal_file_sha(path, now, &exists) < 0)
		why = _("it cannot be read");
	else if (!exists)
		return 0;   /* a recovery after the removal */
	else if (strcmp(now, sha) != 0)
		why = _("it changed since the preview");
	/* the maps first: a killed removal leaves the source, which the
	 * recovery removes again */
	for (size_t i = 0; !why && build_map_suffixes[i]; i++) {
		char *db = xasprintf("%s%s", path, build_map_suffixes[i]);
		if (unlink(db) < 0 && errno != ENOENT)
			why = strerror(errno);
		free(db);
	}
	if (!why && unlink(path) < 0)
		why = strerror(errno);
	if (said && !why)
		sb_addf(said, _("removed %s, which the rolled back commit had made\n"), path);
	else if (said)
		sb_addf(said, _("left %s in place: %s\n"), path, why);
	else
		commit_step(r, !why, why, _("remove %s and the maps built from it"), path);
	return why ? -1 : 0;
}

/* The map each file needs rebuilt, from the plan's actions. */
void install_find_map(const struct config *cfg, const struct plan *p, struct written *w)
{
	for (size_t k = 0; k < p->nactions; k++) {
		const struct action *a = &p->actions[k];
		if ((a->kind == ACT_POSTMAP || a->kind == ACT_POSTALIAS) && strcmp(a->path, w->f->path) == 0) {
			w->type = a->detail;
			w->program = a->kind == ACT_POSTMAP ? cfg->postmap : cfg->postalias;
			w->tool = a->kind == ACT_POSTMAP ? "postmap" : "postalias";
		}
	}
}

/* fsync every directory a file was installed in, once. */
static int install_sync_dirs(struct run *r, struct written *ws, size_t n, struct written *rb, size_t nrb)
{
	int rc = 0;
	for (size_t i = 0; i < n + nrb; i++) {
		const struct written *w = i < n ? &ws[i] : &rb[i - n];
		if (!w->done)
			continue;
		const char *slash = strrchr(w->f->path, '/');
		size_t dlen = slash ? (size_t)(slash - w->f->path) : 0;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			const struct written *o = k < n ? &ws[k] : &rb[k - n];
			const char *os = strrchr(o->f->path, '/');
			seen = o->done && (size_t)(os ? os - o->f->path : 0) == dlen &&
			       strncmp(o->f->path, w->f->path, dlen) == 0;
		}
		if (!seen && atomic_fsync_parent(w->f->path, r->d) < 0)
			rc = -1;
	}
	return rc;
}

/* Does the map just installed answer the keys its source changed as the
 * source says (issue 10, defect 4)? A postmap that exits 0 without
 * building what it was given is caught here, and the map is rolled back
 * with its source. One run of the program per map. */
static int install_verify_map(struct run *r, struct written *w)
{
	if (!install_builds_map(w) || !w->b.db_in)
		return 0;
	static const struct strbuf none = STRBUF_INIT;
	const struct strbuf *old = w->f->existed ? stagefile_old(w->f) : &none;
	const struct strbuf *cur = &w->f->cur;
	bool aliases = strcmp(w->tool, "postalias") == 0;
	struct mapcheck keys = { 0 };
	mapcheck_changed(sb_str(old), old->len, sb_str(cur), cur->len, aliases, &keys);
	double t0 = commit_now(), seconds;
	int rc = mapcheck_verify(w->program, config_postfix_conf_dir(r->cfg), w->type, w->f->path, aliases, &keys,
				 &seconds, r->d);
	if (keys.n) {
		commit_span_add(r, t0, seconds, true);
		commit_step(r, rc == 0, rc == 0 ? NULL : r->d->n ? r->d->v[r->d->n - 1].msg : NULL,
		     ngettext("check that %s answers the %zu key that changed",
			      "check that %s answers the %zu keys that changed", keys.n), w->b.db, keys.n);
	}
	mapcheck_free(&keys);
	return rc == 0 ? inject_at("verify-map", r->d) : rc;
}

/* Put every file in place: tables first, main.cf last, so that a domain is
 * announced only once its mailboxes and aliases are in place; the maps
 * only rebuilt are tables too. A file is marked done as soon as any part
 * of it is in place, so that a rollback undoes what was half installed. */
int install_files(struct run *r, const char *maincf, struct written *ws, size_t n,
			 struct written *rb, size_t nrb)
{
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < nrb && rc == 0 && pass == 1; i++) {
			if (!rb[i].type)
				continue;
			rc = build_install(&rb[i].b, true, r->d);
			rb[i].done = rb[i].b.src_in;
			commit_step(r, rc == 0, rc == 0 ? NULL : r->d->n ? r->d->v[r->d->n - 1].msg : NULL,
			     _("rebuild map %s:%s"), rb[i].type, rb[i].f->path);
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			bool is_main = maincf && strcmp(ws[i].f->path, maincf) == 0;
			if (is_main != (pass == 1))
				continue;
			rc = build_install(&ws[i].b, true, r->d);
			ws[i].done = ws[i].b.src_in;
			if (rc < 0)
				commit_step(r, false, r->d->n ? r->d->v[r->d->n - 1].msg : NULL, _("write %s"), ws[i].f->path);
			else if (ws[i].type && !install_builds_map(&ws[i]))
				commit_step(r, true, _("map rebuild disabled in the configuration"), "%s %s",
				     ws[i].tool, ws[i].f->path);
			else if (!ws[i].type)
				commit_step(r, true, NULL, _("write %s"), ws[i].f->path);
			if (rc == 0)
				rc = install_verify_map(r, &ws[i]);
		}
	}
	/* The renames survive a crash once their directories are synced. */
	if (rc == 0)
		rc = install_sync_dirs(r, ws, n, rb, nrb);
	if (rc == 0)
		rc = inject_at("sync-dirs", r->d);
	return rc;
}
