/* backend pgsql: the files of a stage that stay files beside the database
 * (the system aliases file, and the server's main.cf, master.cf or a map
 * of its Postfix directory standing for the snapshot's, pgserver.c),
 * committed with its rows as one: backed up, their new versions written,
 * synced and their maps built at temporary names before the transaction
 * (and named in the journal), renamed into place once it has committed
 * (Postfix reloaded when main.cf or master.cf changed), thrown away when
 * it has not. A commit killed between the two is finished from the
 * journal by the next vmailadm when the database holds its change set
 * (pgfiles_recover), and otherwise left as they were (nothing was
 * renamed; the temporary versions go as leftovers). The snapshot's own
 * tables are rows, never written. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/diff.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/rollback.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/sha256.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* Is path the snapshot's (a row), a file that stays one (the aliases
 * file, a file of the server's Postfix directory), or neither (refused: a
 * file of the snapshot pgserver.c could not stand the server's for)? */
enum pgfile_kind { PGFILE_ROW, PGFILE_FILE, PGFILE_REFUSED };

static enum pgfile_kind pgfiles_kind(const struct config *cfg, const struct plan *p, const char *path)
{
	if (pgdb_snapshot_table(path))
		return PGFILE_ROW;
	for (size_t i = 0; p && i < p->nserver; i++)
		if (strcmp(p->server[i]->path, path) == 0)
			return PGFILE_FILE;   /* pgserver.c's, pgapply.c's (map files) */
	if (cfg->aliases_file && strcmp(path, cfg->aliases_file) == 0)
		return PGFILE_FILE;
	size_t n = cfg->server_postfix_dir ? strlen(cfg->server_postfix_dir) : 0;
	if (n && strncmp(path, cfg->server_postfix_dir, n) == 0 && path[n] == '/')
		return PGFILE_FILE;
	return PGFILE_REFUSED;
}

/* Is path the server's main.cf or master.cf, which Postfix's master reads
 * and sees again only on a reload? */
static bool pgfiles_master_reads(const struct config *cfg, const char *path)
{
	size_t n = cfg->server_postfix_dir ? strlen(cfg->server_postfix_dir) : 0;
	return n && strncmp(path, cfg->server_postfix_dir, n) == 0 && path[n] == '/' &&
	       (strcmp(path + n + 1, "main.cf") == 0 || strcmp(path + n + 1, "master.cf") == 0);
}

/* Postfix reloaded (the spawn of postfix_reload, as on files); a failure
 * said, the commit kept. */
static void pgfiles_reload(struct run *r)
{
	if (inject_at("reload-postfix", r->d) < 0 ||
	    commit_run_program(r, r->cfg->postfix_reload, _("reload Postfix")) < 0) {
		r->res->reload_failed = true;
		diag_warn(r->d, NULL, 0, _("the database and the files are committed, but Postfix's reload "
					   "failed: run it by hand once Postfix is running"));
	}
}

int pgfiles_check(const struct config *cfg, const struct plan *p, struct pgfiles *pf, struct diags *d)
{
	memset(pf, 0, sizeof *pf);
	for (size_t i = 0; i < p->nactions; i++)
		pf->reload |= p->actions[i].kind == ACT_RELOAD_POSTFIX;
	int rc = 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		const char *path = p->files[i]->path;
		enum pgfile_kind k = pgfiles_kind(cfg, p, path);
		if (k == PGFILE_REFUSED) {
			diag_error(d, path, 0, _("backend pgsql: this file is neither a row of the database "
						 "nor a file of the server (see the note on it); nothing was "
						 "changed"));
			rc = -1;
		} else if (k == PGFILE_FILE) {
			xgrow(&pf->ws, &pf->cap, pf->n + 1, sizeof *pf->ws);
			struct written *w = &pf->ws[pf->n++];
			memset(w, 0, sizeof *w);
			w->f = p->files[i];
			w->b.src.fd = -1;
			install_find_map(cfg, p, w);
		}
	}
	return rc;
}

int pgfiles_prepare(struct run *r, struct pgfiles *pf)
{
	struct diags *d = r->d;
	int rc = 0;
	for (size_t i = 0; i < pf->n && rc == 0; i++) {
		struct written *w = &pf->ws[i];
		if (w->f->existed) {
			w->backup = state_backup_path(r->cfg, w->f->path, r->res->id);
			rc = install_backup(w->f, w->backup, d);
		}
		if (rc == 0)
			rc = install_prepare(r, w);
	}
	for (size_t i = 0; i < pf->n && rc == 0; i++)
		rc = atomic_temp_sync(&pf->ws[i].b.src, d);
	/* every build waited for, even after a failure */
	for (size_t i = 0; i < pf->n; i++)
		if (build_wait(r, &pf->ws[i].b, pf->ws[i].tool) < 0)
			rc = -1;
	char *cache_path = state_digests_path(r->cfg);
	pf->cache = digestcache_load(cache_path);
	free(cache_path);
	for (size_t i = 0; i < pf->n; i++)
		install_digest(&pf->ws[i], pf->cache);
	commit_step(r, rc == 0, rc == 0 ? NULL : d->n ? d->v[d->n - 1].msg : NULL,
		    ngettext("back up and write %zu file under a temporary name",
			     "back up and write %zu files under temporary names", pf->n), pf->n);
	return rc;
}

int pgfiles_install(struct run *r, struct pgfiles *pf)
{
	int rc = install_files(r, NULL, pf->ws, pf->n, NULL, 0);
	if (rc == 0)
		install_remember_digests(r->cfg, pf->ws, pf->n, pf->cache);
	if (rc == 0 && pf->reload)
		pgfiles_reload(r);
	return rc;
}

/* base and last component of an absolute directory path */
static void pgfiles_split(const char *path, char **parent, const char **name)
{
	const char *slash = strrchr(path, '/');
	*parent = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	*name = slash + 1;
}

int pgfiles_mkdirs(struct run *r, struct stage *s, struct pgfiles *pf, bool *journal)
{
	const struct plan *p = stage_plan(s);
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		struct stat st;
		if (a->kind != ACT_DIR_CREATE)
			continue;
		n++;
		if (lstat(a->path, &st) == 0) {
			diag_error(r->d, a->path, 0, _("was made since the preview: preview and commit again "
						       "(nothing was changed)"));
			rc = -1;
		}
	}
	if (n == 0 || rc < 0)
		return rc;
	/* journalled before: a kill after the mkdir leaves it to the recovery */
	*journal = true;
	if (journal_write(r, s, NULL, 0, NULL, 0, NULL) < 0) {
		commit_step(r, false, NULL, _("write the journal"));
		*journal = false;
		return -1;
	}
	for (size_t i = 0; i < p->nactions && rc == 0; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_DIR_CREATE)
			continue;
		char *parent;
		const char *name;
		pgfiles_split(a->path, &parent, &name);
		gid_t gid = (gid_t)strtoul(a->detail ? a->detail : "0", NULL, 10);
		int fd = inject_at("create-directory", r->d) < 0 ? -1
			 : safe_mkdirs(parent, name, 0750, geteuid(), gid, r->d);
		if (fd >= 0) {
			close(fd);
			pf->dirs = xreallocarray(pf->dirs, pf->ndirs + 1, sizeof *pf->dirs);
			pf->dirs[pf->ndirs++] = xstrdup(a->path);
			rc = atomic_fsync_parent(a->path, r->d);
		} else {
			rc = -1;
		}
		commit_step(r, rc == 0, rc == 0 || !r->d->n ? NULL : r->d->v[r->d->n - 1].msg,
			    _("create the directory %s"), a->path);
		free(parent);
	}
	if (rc < 0) {
		pgfiles_undo(r, pf);
		state_journal_remove(r->cfg);
		*journal = false;
	}
	return rc;
}

void pgfiles_undo(struct run *r, struct pgfiles *pf)
{
	for (size_t i = 0; i < pf->n; i++)
		build_discard(&pf->ws[i].b);
	/* before the journal that names them ("mkdir PATH") is removed: a kill
	 * meanwhile leaves them to the recovery (pgfiles_recover_dirs) */
	for (size_t i = 0; i < pf->ndirs; i++) {
		if (inject_at("remove-directory", r->d) < 0) {
			/* a test's failure: the directory stays, said by inject */
		} else if (rmdir(pf->dirs[i]) == 0)
			commit_step(r, true, NULL, _("remove the directory %s again"), pf->dirs[i]);
		else
			diag_warn(r->d, pf->dirs[i], 0, _("this commit made the directory, which stays: %s"),
				  strerror(errno));
		free(pf->dirs[i]);
	}
	free(pf->dirs);
	pf->dirs = NULL;
	pf->ndirs = 0;
}

void pgfiles_recover_dirs(const struct doc *j, struct strbuf *said)
{
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		if (len <= 6 || strncmp(t, "mkdir ", 6) != 0)
			continue;
		char *dir = xmemdup0(t + 6, len - 6);
		struct strbuf gone = STRBUF_INIT;
		atomic_remove_leftovers(dir, build_map_suffixes, &gone);
		if (rmdir(dir) == 0)
			sb_addf(said, _("removed the directory %s, made by the interrupted commit\n"), dir);
		else if (errno != ENOENT)
			sb_addf(said, _("left the directory %s, made by the interrupted commit: %s\n"), dir,
				strerror(errno));
		sb_free(&gone);
		free(dir);
	}
}

void pgfiles_keep(struct pgfiles *pf)
{
	for (size_t i = 0; i < pf->n; i++) {
		struct atomic_temp *t = &pf->ws[i].b.src;
		free(t->path);   /* forgotten, not removed: pgfiles_recover reads it */
		t->path = NULL;
	}
}

void pgfiles_free(struct pgfiles *pf)
{
	for (size_t i = 0; i < pf->n; i++) {
		build_discard(&pf->ws[i].b);
		digestcache_file_free(&pf->ws[i].dg);
		free(pf->ws[i].backup);
		if (pf->owned) {
			pgserver_file_free((struct staged_file *)(uintptr_t)pf->ws[i].f);
			free(pf->types[i]);
		}
	}
	free(pf->types);
	for (size_t i = 0; i < pf->ndirs; i++)
		free(pf->dirs[i]);
	free(pf->dirs);
	for (size_t i = 0; i < pf->nrm; i++)
		free(pf->rm[i].path);
	free(pf->rm);
	for (size_t i = 0; i < pf->nrmdirs; i++)
		free(pf->rmdirs[i]);
	free(pf->rmdirs);
	free(pf->ws);
	digestcache_free(&pf->cache);
	memset(pf, 0, sizeof *pf);
}

/* The map w's file is the source of, from the audit record's "maps"
 * ({"tool", "map": "TYPE:PATH"}); else the system aliases file's, or a
 * hash: map when PATH.db is there (a record written by a recovery names
 * no map). The type is kept in *type. */
static void pgfiles_rec_map(const struct config *cfg, json_t *rec, struct written *w, char **type)
{
	const char *path = w->f->path, *tool = NULL;
	size_t k;
	json_t *m;
	json_array_foreach(json_object_get(rec, "maps"), k, m) {
		const char *t = json_string_value(json_object_get(m, "tool"));
		const char *spec = json_string_value(json_object_get(m, "map"));
		const char *colon = spec ? strchr(spec, ':') : NULL;
		if (t && colon && strcmp(colon + 1, path) == 0) {
			tool = t;
			*type = xmemdup0(spec, (size_t)(colon - spec));
		}
	}
	char *db = xasprintf("%s.db", path);
	if (!tool && cfg->aliases_file && strcmp(path, cfg->aliases_file) == 0)
		tool = "postalias";
	else if (!tool && access(db, F_OK) == 0)
		tool = "postmap";
	free(db);
	if (!tool)
		return;
	if (!*type)
		*type = xstrdup("hash");
	bool alias = strcmp(tool, "postalias") == 0;
	w->type = *type;
	w->program = alias ? cfg->postalias : cfg->postmap;
	w->tool = alias ? "postalias" : "postmap";
}

/* One file of a rollback: as the commit left it (its digest after), it
 * gets the backup's bytes. NULL when not (said). */
static struct staged_file *pgfiles_restore(const char *path, const char *backup, const char *after,
					   const char *rid, struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	struct staged_file *now = pgserver_read(path, &why);
	struct staged_file *was = now ? pgserver_read(backup, &why) : NULL;
	char sha[65] = "";
	if (now)
		sha256_hex(sb_str(&now->old), now->old.len, sha);
	if (!was || !was->existed) {
		diag_error(d, path, 0, _("%s cannot be rolled back: its backup %s cannot be read (%s)"), rid, backup,
			   why.len ? why.buf : _("it is gone"));
	} else if (!now->existed || (after && strcmp(sha, after) != 0)) {
		diag_error(d, path, 0, _("this file changed since %s: a rollback on backend pgsql puts back only "
					 "what that commit wrote (nothing was changed)"), rid);
	} else {
		sb_add(&now->cur, sb_str(&was->old), was->old.len);
		pgserver_file_free(was);
		sb_free(&why);
		return now;
	}
	if (was)
		pgserver_file_free(was);
	if (now)
		pgserver_file_free(now);
	sb_free(&why);
	return NULL;
}

/* Did the commit of rec build a map of path (a sender login map it
 * made)? */
static bool pgfiles_rec_has_map(json_t *rec, const char *path)
{
	size_t k;
	json_t *m;
	json_array_foreach(json_object_get(rec, "maps"), k, m) {
		const char *spec = json_string_value(json_object_get(m, "map"));
		const char *colon = spec ? strchr(spec, ':') : NULL;
		if (colon && strcmp(colon + 1, path) == 0)
			return true;
	}
	bool built = false;   /* a record written by a recovery names no map */
	for (size_t i = 0; build_map_suffixes[i] && !built; i++) {
		char *db = xasprintf("%s%s", path, build_map_suffixes[i]);
		built = access(db, F_OK) == 0;
		free(db);
	}
	return built;
}

/* One removal of a rollback, in the order it runs. */
static void pgfiles_rm_add(struct pgfiles *pf, const char *path, const char sha[65])
{
	pf->rm = xreallocarray(pf->rm, pf->nrm + 1, sizeof *pf->rm);
	pf->rm[pf->nrm].path = xstrdup(path);
	memcpy(pf->rm[pf->nrm++].sha, sha, 65);
}

/* Does the server's main.cf as the rollback leaves it (restored by it, or
 * as it is) name path? Read as text: a mention anywhere, even in a
 * comment, keeps the map (a kept file is only said; a map main.cf names
 * and Postfix cannot open stops its smtpd). */
static bool pgfiles_maincf_names(const struct config *cfg, const struct pgfiles *pf, const char *path)
{
	if (!cfg->server_postfix_dir)
		return false;
	char *mc = xasprintf("%s/main.cf", cfg->server_postfix_dir);
	const struct strbuf *text = NULL;
	for (size_t i = 0; i < pf->n && !text; i++)
		if (strcmp(pf->ws[i].f->path, mc) == 0)
			text = &pf->ws[i].f->cur;
	struct strbuf why = STRBUF_INIT;
	struct staged_file *now = text ? NULL : pgserver_read(mc, &why);
	if (now)
		text = &now->old;
	bool named = text && text->len && strstr(sb_str(text), path) != NULL;
	if (now)
		pgserver_file_free(now);
	sb_free(&why);
	free(mc);
	return named;
}

/* The maps built from path (PATH.db ...) removed before it: the source
 * unchanged since the commit, they are the ones built from it. */
static void pgfiles_rollback_built(const char *path, const char *rid, struct pgfiles *pf,
				   struct strbuf *preview)
{
	for (size_t i = 0; build_map_suffixes[i]; i++) {
		char *db = xasprintf("%s%s", path, build_map_suffixes[i]);
		char sha[65];
		bool exists = false;
		if (journal_file_sha(db, sha, &exists) == 0 && exists) {
			pgfiles_rm_add(pf, db, sha);
			sb_addf(preview, _("remove %s (built from %s by %s)\n"), db, path, rid);
		}
		free(db);
	}
}

/* A file the commit rid made (no backup): removed by its rollback when it
 * still has the bytes it was given (sha256 after), else kept, said; a
 * map source (a new sender login map) with the maps built from it, unless
 * the server's main.cf still names it. */
static void pgfiles_rollback_made(const struct config *cfg, json_t *rec, const char *path, const char *after,
				  const char *rid, struct pgfiles *pf, struct strbuf *preview,
				  struct strbuf *notes)
{
	char now[65];
	bool exists = false;
	if (journal_file_sha(path, now, &exists) < 0 || !exists) {
		if (!exists)
			sb_addf(notes, _("note: %s, made by %s, is gone already\n"), path, rid);
		else
			sb_addf(notes, _("note: %s, made by %s, cannot be read: it is left in place\n"), path, rid);
		return;
	}
	if (!after || strcmp(now, after) != 0) {
		sb_addf(notes, _("note: %s, made by %s, changed since: it is left in place\n"), path, rid);
		return;
	}
	if (pgfiles_rec_has_map(rec, path)) {
		if (pgfiles_maincf_names(cfg, pf, path)) {
			sb_addf(notes, _("note: %s, made by %s, is left in place: the server's main.cf still names it\n"),
				path, rid);
			return;
		}
		pgfiles_rollback_built(path, rid, pf, preview);
	}
	pgfiles_rm_add(pf, path, now);
	sb_addf(preview, _("remove %s (made by %s, unchanged since)\n"), path, rid);
}

/* A directory the commit rid made: removed by its rollback when nothing
 * but the files it removes is left in it, else kept, said. */
static void pgfiles_rollback_dir(const char *dir, const char *rid, struct pgfiles *pf, struct strbuf *preview,
				 struct strbuf *notes)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;   /* gone already */
	size_t dlen = strlen(dir), other = 0;
	struct dirent *de;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		bool removed = false;
		for (size_t i = 0; i < pf->nrm && !removed; i++)
			removed = strncmp(pf->rm[i].path, dir, dlen) == 0 && pf->rm[i].path[dlen] == '/' &&
				  strcmp(pf->rm[i].path + dlen + 1, de->d_name) == 0;
		other += !removed;
	}
	closedir(dp);
	if (other) {
		sb_addf(notes, _("note: the directory %s, made by %s, is left in place: it holds other files\n"),
			dir, rid);
		return;
	}
	pf->rmdirs = xreallocarray(pf->rmdirs, pf->nrmdirs + 1, sizeof *pf->rmdirs);
	pf->rmdirs[pf->nrmdirs++] = xstrdup(dir);
	sb_addf(preview, _("remove directory %s (made by %s, empty once its files are removed)\n"), dir, rid);
}

void pgfiles_journal_removals(const struct pgfiles *pf, struct strbuf *out)
{
	for (size_t i = 0; i < pf->nrm; i++)
		sb_addf(out, "remove %s %s\n", pf->rm[i].sha, pf->rm[i].path);
	for (size_t i = 0; i < pf->nrmdirs; i++)
		sb_addf(out, "rmdir %s\n", pf->rmdirs[i]);
}

/* One removal: a file only with the bytes sha (a recovery finds it
 * removed already: nothing said), a directory only when empty. A line
 * for said, or a step of r. */
static void pgfiles_remove_one(struct run *r, const char *path, const char *sha, struct strbuf *said)
{
	char now[65];
	bool exists = false;
	const char *why = NULL;
	int rc = -1;
	if (!sha) {
		rc = rmdir(path);
		why = rc < 0 && errno != ENOENT ? strerror(errno) : NULL;
		if (rc < 0 && errno == ENOENT)
			return;
	} else if (journal_file_sha(path, now, &exists) < 0 || !exists) {
		if (!exists)
			return;
		why = _("it cannot be read");
	} else if (strcmp(now, sha) != 0) {
		why = _("it changed since the preview");
	} else if ((rc = unlink(path)) < 0) {
		why = strerror(errno);
	}
	if (said && rc == 0)
		sb_addf(said, _("removed %s, which the rolled back commit had made\n"), path);
	else if (said)
		sb_addf(said, _("left %s in place: %s\n"), path, why);
	else
		commit_step(r, rc == 0, why, sha ? _("remove %s") : _("remove the directory %s"), path);
}

void pgfiles_remove(struct run *r, struct pgfiles *pf)
{
	for (size_t i = 0; i < pf->nrm; i++)
		pgfiles_remove_one(r, pf->rm[i].path, pf->rm[i].sha, NULL);
	for (size_t i = 0; i < pf->nrmdirs; i++)
		pgfiles_remove_one(r, pf->rmdirs[i], NULL, NULL);
}

int pgfiles_rollback(const struct config *cfg, json_t *rec, struct pgfiles *pf, struct strbuf *preview,
		     struct strbuf *notes, struct diags *d)
{
	memset(pf, 0, sizeof *pf);
	pf->owned = true;
	const char *rid = json_string_value(json_object_get(rec, "id"));
	rid = rid ? rid : "?";
	int rc = 0;
	const char *path, *backup, *after;
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(rec, "files_removed"), k, v) {
		diag_error(d, json_string_value(v), 0, _("%s removed this map file, which its rollback cannot "
							 "make again (nothing was changed): run db postfix-config "
							 "--apply instead"), rid);
		rc = -1;
	}
	for (k = 0; k < json_array_size(json_object_get(rec, "files")); k++) {
		json_t *f = json_array_get(json_object_get(rec, "files"), k);
		if (json_is_null(json_object_get(f, "backup")) && json_string_value(json_object_get(f, "path")))
			continue;   /* made by the commit: below, once main.cf's restore is known */
		if (!rollback_file(rec, k, rid, notes, &path, &backup, &after))
			continue;
		struct staged_file *g = pgfiles_restore(path, backup, after, rid, d);
		if (!g) {
			rc = -1;
			continue;
		}
		xgrow(&pf->ws, &pf->cap, pf->n + 1, sizeof *pf->ws);
		pf->types = xreallocarray(pf->types, pf->cap, sizeof *pf->types);
		struct written *w = &pf->ws[pf->n];
		memset(w, 0, sizeof *w);
		pf->types[pf->n++] = NULL;
		w->f = g;
		w->b.src.fd = -1;
		pgfiles_rec_map(cfg, rec, w, &pf->types[pf->n - 1]);
		pf->reload |= pgfiles_master_reads(cfg, path);
		diff_unified(path, path, sb_str(&g->old), g->old.len, sb_str(&g->cur), g->cur.len, 3, preview);
	}
	json_array_foreach(json_object_get(rec, "files"), k, v)
		if (rc == 0 && json_is_null(json_object_get(v, "backup")) &&
		    json_string_value(json_object_get(v, "path")))
			pgfiles_rollback_made(cfg, rec, json_string_value(json_object_get(v, "path")),
					      json_string_value(json_object_get(v, "sha256_after")), rid, pf,
					      preview, notes);
	json_array_foreach(json_object_get(rec, "directories_made"), k, v)
		if (rc == 0 && json_string_value(v))
			pgfiles_rollback_dir(json_string_value(v), rid, pf, preview, notes);
	if (rc < 0)
		pgfiles_free(pf);
	return rc;
}

/* The temporary version of path a journal names ("temp PATH.vmailadm-XXXXXX")
 * that holds the bytes of digest sha, or NULL. */
static char *pgfiles_temp_of(const struct doc *j, const char *path, const char *sha)
{
	size_t plen = strlen(path);
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		if (len != 5 + plen + 16 || strncmp(t, "temp ", 5) != 0 || strncmp(t + 5, path, plen) != 0 ||
		    strncmp(t + 5 + plen, ".vmailadm-", 10) != 0)
			continue;
		char *temp = xmemdup0(t + 5, len - 5);
		char now[65];
		bool exists;
		if (journal_file_sha(temp, now, &exists) == 0 && exists && strcmp(now, sha) == 0)
			return temp;
		free(temp);
	}
	return NULL;
}

/* One "file KIND BACKUP OLD NEW PATH" line finished. */
static int pgfiles_finish(struct run *r, const struct doc *j, const char *line, struct strbuf *said,
			  bool *reload)
{
	char kind[64], backup[4096], old_sha[65], new_sha[65], now[65];
	int off = 0;
	bool exists;
	if (sscanf(line, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) < 4 || off == 0)
		return 0;   /* recover_file names it */
	const char *path = line + off;
	*reload |= pgfiles_master_reads(r->cfg, path);
	if (journal_file_sha(path, now, &exists) == 0 && strcmp(now, new_sha) == 0)
		return 0;   /* renamed before the kill */
	char *temp = pgfiles_temp_of(j, path, new_sha);
	struct doc *doc = NULL;
	int rc = temp ? doc_load(temp, false, &doc, r->d) : -1;
	if (rc == 0) {
		struct strbuf sb = STRBUF_INIT;
		doc_render(doc, &sb);
		char *type = strchr(kind, ':');
		if (type)
			*type++ = '\0';
		bool alias_db = strcmp(kind, "postalias") == 0;
		/* a file the commit created gets the owner and mode its new
		 * version was given (a map file holding a password: 0640) */
		struct stat tst;
		struct file_owner own = { 0, 0, 0 };
		bool have = stat(temp, &tst) == 0;
		if (have)
			own = (struct file_owner){ tst.st_uid, tst.st_gid, tst.st_mode & 07777 };
		rc = !type ? atomic_write(path, sb_str(&sb), sb.len, have ? &own : NULL, true, r->d)
			   : build_map(r, path, type, sb_str(&sb), sb.len,
				       alias_db ? r->cfg->postalias : r->cfg->postmap, kind);
		sb_free(&sb);
		doc_free(&doc);
	}
	if (rc < 0)
		diag_error(r->d, path, 0, _("the interrupted commit is in the database, but this file's new "
					    "version cannot be put in place: the journal stays"));
	else
		sb_addf(said, _("finished %s from its new version\n"), path);
	free(temp);
	return rc;
}

int pgfiles_recover(struct run *r, const struct doc *j, struct strbuf *said)
{
	int rc = 0;
	bool reload = false;
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		if (len <= 5 || strncmp(t, "file ", 5) != 0)
			continue;
		char *line = xmemdup0(t + 5, len - 5);
		if (pgfiles_finish(r, j, line, said, &reload) < 0)
			rc = -1;
		free(line);
	}
	/* killed before the reload, whether or not before the rename */
	if (rc == 0 && reload)
		pgfiles_reload(r);
	/* a rollback's removals, once Postfix no longer reads the files */
	for (size_t i = 0; rc == 0 && !r->res->reload_failed && i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		char *line = xmemdup0(t, len);
		if (strncmp(line, "remove ", 7) == 0 && len > 7 + 65 && line[7 + 64] == ' ') {
			line[7 + 64] = '\0';   /* "remove SHA PATH" */
			pgfiles_remove_one(r, line + 7 + 65, line + 7, said);
		} else if (strncmp(line, "rmdir ", 6) == 0)
			pgfiles_remove_one(r, line + 6, NULL, said);
		free(line);
	}
	return rc;
}
