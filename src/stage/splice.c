/* Edited documents back into the staged bytes: a document read in part
 * from a mapping is spliced into the whole file (the passwd-file on a
 * second thread beside the tables), a whole one is rendered. */
#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/model.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

struct splice_job {
	struct part *pt;
	const struct doc *doc;
	const char *path;
	bool cow;
};

static void splice_run(void *arg)
{
	struct splice_job *j = arg;
	struct part *pt = j->pt;
	struct staged_undo *u = xcalloc(1, sizeof *u);
	pt->undo = u;
	size_t from = j->cow ? excerpt_untouched(pt->x, pt->m.data, pt->m.len, j->doc) : 0;
	struct strbuf rest = STRBUF_INIT;
	excerpt_splice_from(pt->x, pt->m.data, pt->m.len, j->doc, from, &rest, &u->v, &u->n);
	for (size_t i = 0; i < u->n; i++)
		sb_add(&u->old, pt->m.data + u->v[i].old_off, u->v[i].old_len);
	if (from > 0) {
		/* the untouched start stays the file's pages: only the rest is
		 * written into the view (a commit follows at once) */
		size_t len = from + rest.len, maplen;
		size_t room = (len > pt->m.len ? len - pt->m.len : 0) + 4096;
		char *view = mapfile_cow(j->path, &pt->m.st, room, &maplen);
		if (view) {
			memcpy(view + from, rest.buf, rest.len);
			view[len] = '\0';
			pt->cur = (struct strbuf){ view, len, maplen };
			pt->cur_map = maplen;
			sb_free(&rest);
			return;
		}
		/* no view: the whole file, the usual way */
		free(u->v);
		sb_reset(&u->old);
		u->v = NULL;
		u->n = 0;
		sb_free(&rest);
		excerpt_splice_from(pt->x, pt->m.data, pt->m.len, j->doc, 0, &rest, &u->v, &u->n);
		for (size_t i = 0; i < u->n; i++)
			sb_add(&u->old, pt->m.data + u->v[i].old_off, u->v[i].old_len);
	}
	pt->cur = rest;
}

/* The new bytes of a document read in part from a mapping, kept in its
 * part; false when the file was cut short meanwhile (SIGBUS). */
static bool splice_mapped(struct stage *s, struct doc *doc)
{
	struct part *pt = doc && doc_dirty(doc) && s->excerpts ? strmap_get(s->excerpts, doc_name(doc)) : NULL;
	if (!pt || !pt->m.data)
		return true;
	struct splice_job j = { pt, doc, doc_name(doc), s->transient };
	pt->spliced = mapfile_try(splice_run, &j);
	return pt->spliced;
}

/* A document whose staged bytes are its rendering as last clean (a world
 * kept across operations, stage.c): only the lines an edit changed are
 * rendered into them, the bytes before and after kept (issue 16: the whole
 * of a 10,000-line map rendered again was a fifth of a staging). False
 * when the bytes cannot be those (the whole is rendered then). */
static bool splice_local(struct stage *s, struct staged_file *f, const struct doc *doc)
{
	size_t head, tail, n = doc_count(doc);
	if (!doc_changed_span(doc, &head, &tail))
		return false;
	size_t pre = doc_render_size(doc, 0, head), post = doc_render_size(doc, n - tail, n);
	size_t len = stagefile_len(s, f);   /* not made whole (stagedit.c) */
	if (pre + post > len)
		return false;
	struct strbuf mid = STRBUF_INIT;
	doc_render_lines(doc, head, n - tail, &mid);
	stagefile_splice(f, pre, len - pre - post, mid.buf, mid.len);
	sb_free(&mid);
	return true;
}

/* Copy an edited document of w back into the staged bytes. */
static void splice_sync_doc(struct stage *s, struct doc *doc)
{
	if (!doc || !doc_dirty(doc))
		return;
	struct staged_file *f = stagefile_get(s, doc_name(doc));
	if (!f)
		vm_panic("stage: document %s was not read through the stage", doc_name(doc));
	struct part *pt = s->excerpts ? strmap_get(s->excerpts, doc_name(doc)) : NULL;
	struct strbuf whole = STRBUF_INIT;
	if (pt && pt->spliced) {
		/* read in part from a mapping: old is not kept, only what changed */
		stagefile_undo_destroy(&f->undo);
		stagefile_cur_release(&f->cur, &f->cur_map);
		f->cur = pt->cur;
		f->cur_map = pt->cur_map;
		sb_init(&pt->cur);
		pt->cur_map = 0;
		f->edited = true;
		f->undo = pt->undo;
		pt->undo = NULL;
		f->same_head = f->undo->n ? f->undo->v[0].cur_off : f->cur.len;
		return;
	}
	if (pt) {
		const struct strbuf *b = stagefile_bytes(s, f);
		excerpt_splice(pt->x, sb_str(b), b->len, doc, &whole, NULL, NULL);
	} else if (splice_local(s, f, doc)) {
		return;
	} else {
		/* room for the file as it was and an edit: a 2.4 MB passwd-file
		 * is not copied again and again as the buffer grows */
		sb_grow(&whole, stagefile_len(s, f) + 4096);
		doc_render(doc, &whole);
	}
	stagefile_set(f, &whole);
}

struct sync_job {
	struct stage *s;
	struct doc *doc;
	bool ok;
};

static void *splice_thread(void *arg)
{
	struct sync_job *j = arg;
	j->ok = splice_mapped(j->s, j->doc);
	return NULL;
}

/* The quick path's first step of splice_sync_world: splice every document read
 * from a mapping (the passwd-file, the largest, on a second thread beside
 * the others); false when a file was cut short: nothing is changed then. */
bool splice_world(struct stage *s, struct world *w)
{
	struct sync_job pw = { s, pwfile_doc(world_pwfile(w)), true };
	pthread_t thread;
	bool threaded = pthread_create(&thread, NULL, splice_thread, &pw) == 0;
	bool ok = true;
	for (size_t i = 0; i < world_map_count(w); i++) {
		struct world_map *m = world_map(w, i);
		if (m->table && table_doc(m->table) != pw.doc)
			ok &= splice_mapped(s, table_doc(m->table));
	}
	if (threaded)
		pthread_join(thread, NULL);
	else
		pw.ok = splice_mapped(s, pw.doc);
	return ok && pw.ok;
}

/* Every document of w, once (a map may be named twice), given to fn. */
static bool splice_each_doc(struct world *w, bool (*fn)(struct stage *, struct doc *),
			    struct stage *s)
{
	bool any = fn(s, maincf_doc(world_maincf(w)));
	for (size_t i = 0; i < world_map_count(w); i++) {
		struct world_map *m = world_map(w, i);
		if (m->table)
			any |= fn(s, table_doc(m->table));
	}
	any |= fn(s, pwfile_doc(world_pwfile(w)));
	any |= fn(s, aliases_doc(world_system_aliases(w)));
	return any;
}

static bool splice_sync_one(struct stage *s, struct doc *doc)
{
	splice_sync_doc(s, doc);
	return false;
}

void splice_sync_world(struct stage *s, struct world *w)
{
	splice_each_doc(w, splice_sync_one, s);
}

static bool splice_clean_one(struct stage *s, struct doc *doc)
{
	(void)s;
	if (doc && doc_dirty(doc))   /* a borrowed one is another world's: never written */
		doc_clean(doc);
	return false;
}

void splice_clean_world(struct world *w)
{
	splice_each_doc(w, splice_clean_one, NULL);
}

static bool splice_dirty_one(struct stage *s, struct doc *doc)
{
	(void)s;
	return doc && doc_dirty(doc);
}

bool splice_world_dirty(struct world *w)
{
	return splice_each_doc(w, splice_dirty_one, NULL);
}

/* A dirty document that is none of a, b and c. */
static bool splice_other_dirty(const struct doc *doc, const struct doc *a, const struct doc *b,
			       const struct doc *c)
{
	return doc && doc != a && doc != b && doc != c && doc_dirty(doc);
}

bool splice_dirty_within(struct world *w, const struct doc *a, const struct doc *b, const struct doc *c)
{
	if (!((a && doc_dirty(a)) || (b && doc_dirty(b)) || (c && doc_dirty(c))) ||
	    splice_other_dirty(maincf_doc(world_maincf(w)), a, b, c) ||
	    splice_other_dirty(pwfile_doc(world_pwfile(w)), a, b, c) ||
	    splice_other_dirty(aliases_doc(world_system_aliases(w)), a, b, c))
		return false;
	for (size_t i = 0; i < world_map_count(w); i++) {
		struct world_map *m = world_map(w, i);
		if (m->table && splice_other_dirty(table_doc(m->table), a, b, c))
			return false;
	}
	return true;
}
