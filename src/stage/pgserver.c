/* backend pgsql: the snapshot's files that are not rows stand for the
 * server's own files. Its copy of main.cf is the server's main.cf with
 * three parameters replaced, and a file made beside it (a new sender
 * login map) or copied there (master.cf) belongs in the server's Postfix
 * directory. In the plan each is replaced by the server's file, so that
 * the preview shows, and the commit writes (pgfiles.c), what the server
 * will read: main.cf's staged parameter changes applied to the server's
 * main.cf as it is now (its other lines, comments and order kept; the
 * snapshot directory in a value named as the server's Postfix directory),
 * any other file at its name in the server's Postfix directory (refused
 * when that one is no longer what the snapshot read). The plan owns the
 * files made here. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commit_int.h"
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/xalloc.h"

/* text with every "SNAPDIR/" named "SERVERDIR/" instead. */
static char *pgserver_rename(const char *text, const char *snapdir, const char *serverdir)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(snapdir);
	for (const char *p = text;;) {
		const char *hit = strstr(p, snapdir);
		if (!hit) {
			sb_adds(&sb, p);
			break;
		}
		sb_add(&sb, p, (size_t)(hit - p));
		if (hit[n] == '/')
			sb_adds(&sb, serverdir);
		else
			sb_add(&sb, hit, n);
		p = hit + n;
	}
	return sb_detach(&sb);
}

void pgserver_file_free(struct staged_file *f)
{
	free(f->path);
	sb_free(&f->old);
	sb_free(&f->cur);
	free(f);
}

struct staged_file *pgserver_read(const char *path, struct strbuf *why)
{
	struct doc *doc = NULL;
	struct diags d = DIAGS_INIT;
	if (doc_load(path, true, &doc, &d) < 0) {
		sb_adds(why, d.n ? d.v[0].msg : path);
		diags_free(&d);
		return NULL;
	}
	diags_free(&d);
	struct staged_file *f = xcalloc(1, sizeof *f);
	f->path = xstrdup(path);
	f->existed = doc_exists(doc);
	if (f->existed)
		f->st = *doc_stat(doc);
	clock_gettime(CLOCK_REALTIME, &f->read_at);
	doc_render(doc, &f->old);
	doc_free(&doc);
	f->edited = true;
	return f;
}

static struct maincf *pgserver_parse(const char *name, const struct strbuf *text)
{
	struct diags quiet = DIAGS_INIT;   /* the model said them already */
	struct maincf *m = maincf_parse(doc_from_mem(name, sb_str(text), text->len), &quiet);
	diags_free(&quiet);
	return m;
}

static bool pgserver_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* One parameter, changed between the snapshot's main.cf as read (was) and
 * as staged (now), set or removed in the server's (real). */
static int pgserver_param(struct maincf *real, const struct maincf *was, const struct maincf *now,
			  const char *name, const char *snapdir, const char *serverdir, struct strbuf *why)
{
	const char *a = maincf_raw(was, name, NULL), *b = maincf_raw(now, name, NULL);
	if (pgserver_same(a, b))
		return 0;
	if (pgdb_snapshot_param(name)) {
		sb_addf(why, _("the staged edits change %s, which the snapshot's main.cf sets to the "
			       "database's tables"), name);
		return -1;
	}
	if (!b) {
		maincf_unset(real, name);
		return 0;
	}
	char *v = pgserver_rename(b, snapdir, serverdir);
	maincf_set(real, name, v);
	free(v);
	return 0;
}

/* The server's main.cf with the parameters the staged edits changed in
 * the snapshot's copy f. */
static struct staged_file *pgserver_maincf(const struct staged_file *f, const char *snapdir,
					   const char *serverdir, struct strbuf *why)
{
	char *path = xasprintf("%s/main.cf", serverdir);
	struct staged_file *g = pgserver_read(path, why);
	free(path);
	if (!g)
		return NULL;
	struct maincf *was = pgserver_parse(f->path, stagefile_old(f));
	struct maincf *now = pgserver_parse(f->path, &f->cur);
	struct maincf *real = pgserver_parse(g->path, &g->old);
	int rc = 0;
	for (size_t i = 0; i < maincf_count(now) && rc == 0; i++)
		rc = pgserver_param(real, was, now, maincf_def_at(now, i, NULL, NULL, NULL), snapdir,
				    serverdir, why);
	for (size_t i = 0; i < maincf_count(was) && rc == 0; i++) {
		const char *name = maincf_def_at(was, i, NULL, NULL, NULL);
		if (!maincf_raw(now, name, NULL))
			rc = pgserver_param(real, was, now, name, snapdir, serverdir, why);
	}
	if (rc == 0)
		doc_render(maincf_doc(real), &g->cur);
	maincf_free(&was);
	maincf_free(&now);
	maincf_free(&real);
	if (rc < 0) {
		pgserver_file_free(g);
		return NULL;
	}
	return g;
}

/* Any other file: the server's of the same name, still as the snapshot
 * read it (or still missing), gets the staged bytes. */
static struct staged_file *pgserver_other(const struct staged_file *f, const char *name,
					  const char *serverdir, struct strbuf *why)
{
	char *path = xasprintf("%s/%s", serverdir, name);
	struct staged_file *g = pgserver_read(path, why);
	free(path);
	if (!g)
		return NULL;
	const struct strbuf *was = stagefile_old(f);
	bool same = g->existed == f->existed &&
		    (!g->existed || (g->old.len == was->len && memcmp(sb_str(&g->old), sb_str(was), was->len) == 0));
	if (!same) {
		sb_addf(why, _("%s changed on the server since the snapshot was read"), g->path);
		pgserver_file_free(g);
		return NULL;
	}
	sb_add(&g->cur, sb_str(&f->cur), f->cur.len);
	return g;
}

void pgserver_plan(const struct config *cfg, struct plan *p)
{
	const char *snapdir = pgdb_snapshot_dir();
	const char *serverdir = cfg->server_postfix_dir;
	if (!snapdir || !serverdir)
		return;
	size_t n = strlen(snapdir);
	bool reload = false;
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct staged_file *f = p->files[i];
		if (strncmp(f->path, snapdir, n) != 0 || f->path[n] != '/' || pgdb_snapshot_table(f->path))
			continue;
		const char *name = f->path + n + 1;
		struct strbuf why = STRBUF_INIT;
		bool maincf = strcmp(name, "main.cf") == 0;
		struct staged_file *g = maincf ? pgserver_maincf(f, snapdir, serverdir, &why)
					       : pgserver_other(f, name, serverdir, &why);
		if (!g) {
			/* f stays: the commit refuses it by name (pgfiles_check) */
			p->notes = xreallocarray(p->notes, p->nnotes + 1, sizeof *p->notes);
			p->notes[p->nnotes++] = xasprintf(_("%s cannot be committed to the server: %s"),
							  f->path, why.buf);
			sb_free(&why);
			continue;
		}
		sb_free(&why);
		reload |= maincf || strcmp(name, "master.cf") == 0;
		for (size_t k = 0; k < p->nactions; k++)
			if (p->actions[k].path && strcmp(p->actions[k].path, f->path) == 0) {
				free(p->actions[k].path);
				p->actions[k].path = xstrdup(g->path);
			}
		p->server = xreallocarray(p->server, p->nserver + 1, sizeof *p->server);
		p->server[p->nserver++] = g;
		p->files[i] = g;
	}
	for (size_t i = 0; i < p->nnotes && p->nserver; i++) {
		char *note = pgserver_rename(p->notes[i], snapdir, serverdir);
		free(p->notes[i]);
		p->notes[i] = note;
	}
	/* main.cf and master.cf are read by the master: only a reload makes
	 * Postfix see them. */
	if (reload) {
		p->actions = xreallocarray(p->actions, p->nactions + 1, sizeof *p->actions);
		p->actions[p->nactions++] = (struct action){ .kind = ACT_RELOAD_POSTFIX };
	}
}

int pgserver_check(const struct plan *p, struct diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < p->nserver; i++) {
		const struct staged_file *f = p->server[i];
		struct strbuf why = STRBUF_INIT;
		struct staged_file *now = pgserver_read(f->path, &why);
		if (!now || now->existed != f->existed || now->old.len != f->old.len ||
		    memcmp(sb_str(&now->old), sb_str(&f->old), f->old.len) != 0) {
			diag_error(d, f->path, 0, _("this file changed since the preview: preview and commit "
						    "again (nothing was changed)"));
			rc = -1;
		}
		if (now)
			pgserver_file_free(now);
		sb_free(&why);
	}
	return rc;
}

void pgserver_free(struct plan *p)
{
	for (size_t i = 0; i < p->nserver; i++)
		pgserver_file_free(p->server[i]);
	free(p->server);
	p->server = NULL;
	p->nserver = 0;
}
