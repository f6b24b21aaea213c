/* Staged editing: operations validated against the world as it will be and
 * applied to in-memory copies of the files. The stage owns the operation
 * list, the bytes of every file as read and as edited, and the actions the
 * commit will run. Replaying the list on freshly read files is the one
 * mechanism behind undo, reload and commit. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmailadm/aliases.h"
#include "vmailadm/config.h"
#include "vmailadm/diff.h"
#include "vmailadm/doc.h"
#include "vmailadm/excerpt.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/mapfile.h"
#include "vmailadm/model.h"
#include "vmailadm/neighbour.h"
#include "vmailadm/precheck.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/sha256.h"
#include "vmailadm/stage.h"
#include "vmailadm/state.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* What the plan and the commit need of a world: which files are main.cf,
 * the passwd-file, the aliases file and the maps. It depends on main.cf and
 * the configuration only, so it stays right while the staged main.cf does not
 * change, and the plan needs no fresh load of 100,000 entries per edit. */
struct layout_map {
	char *path, *type;
	unsigned roles;
};

struct layout {
	bool valid;
	char *maincf, *pwfile, *aliases, *base;
	struct layout_map *maps;
	size_t nmaps;
};

struct stage {
	const struct config *cfg;
	struct op **ops;
	size_t nops, opcap;
	size_t broken;            /* ops[broken] failed on replay; == nops when fine */
	struct strmap *files;     /* path → struct staged_file */
	char **paths;             /* the files in the order they were first read */
	size_t npaths, pathcap;
	struct action *acts;      /* maildir actions, in op order */
	size_t nacts, actcap;
	char **notes;
	size_t nnotes, notecap;
	struct world *world;      /* after the applied ops; NULL when stale */
	struct layout layout;     /* where things are, from the last world loaded */
	struct plan plan;
	bool plan_valid;
	/* While the quick path applies an operation: path -> struct part
	 * of the files it reads in part; NULL otherwise. */
	struct strmap *excerpts;
	/* A file read in part was found changed when read whole later: the
	 * next stage_refresh replays everything on fresh files. */
	bool stale;
	bool transient;   /* stage_set_transient */
};

/* What the quick path changed in a file it did not keep whole: old can be
 * rebuilt from cur with these (old bytes of each change, in order). */
struct staged_undo {
	struct excerpt_change *v;
	size_t n;
	struct strbuf old;
};

/* A file the quick path reads in part: its excerpt, and the mapping it
 * came from while the operation runs (until its bytes are spliced). */
struct part {
	struct excerpt *x;
	struct mapfile m;   /* m.data NULL: the bytes are the staged ones */
	/* spliced from the mapping before anything is changed (a file cut
	 * short then fails the quick path with nothing half-done) */
	bool spliced;
	struct strbuf cur;
	size_t cur_map;     /* cur is a copy-on-write view this long */
	struct staged_undo *undo;
};

static void undo_destroy(struct staged_undo **up)
{
	struct staged_undo *u = *up;
	if (u) {
		free(u->v);
		sb_free(&u->old);
		free(u);
		*up = NULL;
	}
}

static void cur_release(struct strbuf *cur, size_t *cur_map)
{
	if (*cur_map)
		mapfile_cow_free(cur->buf, *cur_map);
	else
		sb_free(cur);
	sb_init(cur);
	*cur_map = 0;
}

static void part_free(struct part *pt)
{
	excerpt_free(&pt->x);
	mapfile_close(&pt->m);
	cur_release(&pt->cur, &pt->cur_map);
	undo_destroy(&pt->undo);
	free(pt);
}


/* Files smaller than this are read whole even on the quick path: the
 * excerpt pays off on tables of thousands of lines. Tests set it to 0. */
static size_t excerpt_min_bytes = 256 * 1024;

void stage_set_excerpt_min(size_t bytes)
{
	excerpt_min_bytes = bytes;
}

void stage_set_transient(struct stage *s, bool on)
{
	s->transient = on;
}

/* ---- files ------------------------------------------------------------- */

static struct staged_file *file_get(struct stage *s, const char *path)
{
	return strmap_get(s->files, path);
}

static struct staged_file *file_read_bytes(const char *path, bool missing_ok, struct diags *d);


/* Old's bytes for cur's [c0, c1), which holds every change whole. */
static void undo_rebuild(const struct staged_file *f, size_t c0, size_t c1, struct strbuf *out)
{
	const struct staged_undo *u = f->undo;
	size_t pos = c0, ob = 0;
	for (size_t i = 0; i < u->n; i++) {
		const struct excerpt_change *c = &u->v[i];
		sb_add(out, f->cur.buf + pos, c->cur_off - pos);
		sb_add(out, u->old.buf + ob, c->old_len);
		ob += c->old_len;
		pos = c->cur_off + c->cur_len;
	}
	sb_add(out, f->cur.buf + pos, c1 - pos);
}

const struct strbuf *stage_file_old(const struct staged_file *cf)
{
	/* old is a cache: filling it changes nothing the caller sees */
	struct staged_file *f = (struct staged_file *)(uintptr_t)cf;
	if (!f->lazy)
		return &f->old;
	if (f->undo) {
		sb_reset(&f->old);
		sb_grow(&f->old, (size_t)f->st.st_size + 1);
		undo_rebuild(f, 0, f->cur.len, &f->old);
		undo_destroy(&f->undo);
		f->same_head = 0;
	} else {
		/* read whole later: the identity must be the one first read */
		struct diags d = DIAGS_INIT;
		struct staged_file *g = file_read_bytes(f->path, true, &d);
		diags_free(&d);
		if (g) {
			if (!g->existed || g->st.st_ino != f->st.st_ino || g->st.st_dev != f->st.st_dev ||
			    g->st.st_size != f->st.st_size ||
			    g->st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec ||
			    g->st.st_mtim.tv_sec != f->st.st_mtim.tv_sec)
				f->changed_since = true;
			sb_free(&f->old);
			f->old = g->old;
			sb_init(&g->old);
			free(g->path);
			free(g);
		} else {
			f->changed_since = true;
		}
	}
	f->lazy = false;
	return &f->old;
}

/* A staged file's bytes now: as edited, or as read. */
static const struct strbuf *file_bytes(struct stage *s, struct staged_file *f)
{
	if (f->edited)
		return &f->cur;
	const struct strbuf *b = stage_file_old(f);
	if (f->changed_since)
		s->stale = true;
	return b;
}

/* New staged bytes for f, taken from nb (left empty). */
static void file_set(struct staged_file *f, struct strbuf *nb)
{
	stage_file_old(f);   /* an undo is relative to the cur it replaces */
	cur_release(&f->cur, &f->cur_map);
	f->cur = *nb;
	sb_init(nb);
	f->edited = true;
	f->same_head = 0;
}

static void file_materialize(struct stage *s, struct staged_file *f)
{
	if (!f->edited) {
		const struct strbuf *b = file_bytes(s, f);
		sb_add(&f->cur, sb_str(b), b->len);
		f->edited = true;
	}
}

static void file_free(struct staged_file *f)
{
	free(f->path);
	undo_destroy(&f->undo);
	sb_free(&f->old);
	cur_release(&f->cur, &f->cur_map);
	free(f);
}

static void files_clear(struct stage *s)
{
	size_t pos = 0;
	const char *k;
	void *v;
	while (strmap_next(s->files, &pos, &k, &v))
		file_free(v);
	strmap_free(&s->files);
	s->files = strmap_create(16);
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	s->npaths = 0;
}

/* Read a file's bytes into a new staged file (nothing parsed: the world
 * parses what it needs, a whole document or an excerpt). Touches nothing
 * shared: the quick path runs it on a second thread. NULL with an error in
 * d when the file cannot be read (or is missing and !missing_ok). */
static struct staged_file *file_read_bytes(const char *path, bool missing_ok, struct diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct staged_file *f = xcalloc(1, sizeof *f);
	clock_gettime(CLOCK_REALTIME, &f->read_at);
	if (fd < 0) {
		if (errno != ENOENT || !missing_ok) {
			diag_error(d, path, 0, _("cannot open: %s"), strerror(errno));
			free(f);
			return NULL;
		}
	} else {
		const char *what = NULL;
		if (fstat(fd, &f->st) < 0)
			what = _("cannot stat: %s");
		else if (!S_ISREG(f->st.st_mode))
			what = _("not a regular file");
		if (!what) {
			sb_grow(&f->old, (size_t)f->st.st_size + 1);
			for (;;) {
				sb_grow(&f->old, 65536);
				ssize_t r = read(fd, f->old.buf + f->old.len, f->old.cap - f->old.len - 1);
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0) {
					what = _("cannot read: %s");
					break;
				}
				if (r == 0)
					break;
				f->old.len += (size_t)r;
				f->old.buf[f->old.len] = '\0';
			}
		}
		int err = errno;
		close(fd);
		if (what) {
			diag_error(d, path, 0, what, strerror(err));
			sb_free(&f->old);
			free(f);
			return NULL;
		}
		f->existed = true;
	}
	f->path = xstrdup(path);
	return f;
}

static struct staged_file *file_register(struct stage *s, struct staged_file *f)
{
	strmap_put(s->files, f->path, f);
	xgrow(&s->paths, &s->pathcap, s->npaths + 1, sizeof *s->paths);
	s->paths[s->npaths++] = xstrdup(f->path);
	return f;
}

static struct staged_file *file_read(struct stage *s, const char *path, bool missing_ok,
				     struct diags *d)
{
	struct staged_file *f = file_read_bytes(path, missing_ok, d);
	return f ? file_register(s, f) : NULL;
}

/* The world reads its files through here: the staged bytes when the stage
 * has them, else the disk (and the bytes are remembered as read). */
static int source_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		       struct diags *d)
{
	struct stage *s = ctx;
	struct staged_file *f = file_get(s, path);
	if (!f && !(f = file_read(s, path, missing_ok, d)))
		return -1;
	const struct strbuf *b = file_bytes(s, f);
	if (!f->existed && b->len == 0 && missing_ok)
		return doc_load(path, true, out, d); /* an absent file stays absent */
	*out = doc_from_mem(path, sb_str(b), b->len);
	return 0;
}

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

/* Copy an edited document of w back into the staged bytes. */
static void sync_doc(struct stage *s, struct doc *doc)
{
	if (!doc || !doc_dirty(doc))
		return;
	struct staged_file *f = file_get(s, doc_name(doc));
	if (!f)
		vm_panic("stage: document %s was not read through the stage", doc_name(doc));
	struct part *pt = s->excerpts ? strmap_get(s->excerpts, doc_name(doc)) : NULL;
	struct strbuf whole = STRBUF_INIT;
	if (pt && pt->spliced) {
		/* read in part from a mapping: old is not kept, only what changed */
		undo_destroy(&f->undo);
		cur_release(&f->cur, &f->cur_map);
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
		const struct strbuf *b = file_bytes(s, f);
		excerpt_splice(pt->x, sb_str(b), b->len, doc, &whole, NULL, NULL);
	} else {
		doc_render(doc, &whole);
	}
	file_set(f, &whole);
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

/* The quick path's first step of sync_world: splice every document read
 * from a mapping (the passwd-file, the largest, on a second thread beside
 * the others); false when a file was cut short: nothing is changed then. */
static bool splice_world(struct stage *s, struct world *w)
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

static void sync_world(struct stage *s, struct world *w)
{
	sync_doc(s, maincf_doc(world_maincf(w)));
	for (size_t i = 0; i < world_map_count(w); i++) {
		struct world_map *m = world_map(w, i);
		if (m->table)
			sync_doc(s, table_doc(m->table));
	}
	sync_doc(s, pwfile_doc(world_pwfile(w)));
	sync_doc(s, aliases_doc(world_system_aliases(w)));
}

static void layout_clear(struct layout *l)
{
	free(l->maincf);
	free(l->pwfile);
	free(l->aliases);
	free(l->base);
	for (size_t i = 0; i < l->nmaps; i++) {
		free(l->maps[i].path);
		free(l->maps[i].type);
	}
	free(l->maps);
	memset(l, 0, sizeof *l);
}

static void layout_take(struct layout *l, const struct world *w)
{
	layout_clear(l);
	l->maincf = xstrdup(world_maincf_path(w));
	l->pwfile = xstrdup(doc_name(pwfile_doc(world_pwfile(w))));
	l->aliases = xstrdup(doc_name(aliases_doc(world_system_aliases(w))));
	l->base = xstrdup(world_mailbox_base(w) ? world_mailbox_base(w) : "");
	l->nmaps = world_map_count(w);
	l->maps = xcalloc(l->nmaps ? l->nmaps : 1, sizeof *l->maps);
	for (size_t i = 0; i < l->nmaps; i++) {
		const struct world_map *m = world_map(w, i);
		l->maps[i].path = m->ref.path ? xstrdup(m->ref.path) : NULL;
		l->maps[i].type = xstrdup(m->ref.type ? m->ref.type : "");
		l->maps[i].roles = m->roles;
	}
	l->valid = true;
}

/* A file that exists but cannot be read is not an empty one: edits to the
 * world built without it would write that file back without its entries.
 * Returns -1 (the first such file named in d) when w has one. */
static int refuse_unreadable(const struct world *w, struct diags *d)
{
	if (world_unreadable_count(w) == 0)
		return 0;
	if (d)
		diag_error(d, world_unreadable(w, 0), 0,
			   _("cannot be read, so its entries are unknown: nothing can be edited (run vmailadm as a user who can read it)"));
	return -1;
}

static int load_world(struct stage *s, struct world **out, struct diags *d)
{
	struct doc_source src = { source_load, s };
	struct diags quiet = DIAGS_INIT;
	/* Load problems of the files themselves are the lint's business; only a
	 * world that cannot load at all, or has a file it could not read,
	 * stops the stage. */
	int rc = world_load_from(s->cfg, &src, out, &quiet);
	if (rc == 0 && refuse_unreadable(*out, d) < 0) {
		world_free(out);
		rc = -1;
	}
	if (rc < 0)
		diags_take(d, &quiet);
	else
		layout_take(&s->layout, *out);
	diags_free(&quiet);
	return rc;
}

/* ---- lifecycle ---------------------------------------------------------- */

struct stage *stage_create(const struct config *cfg)
{
	/* VMAILADM_EXCERPT_MIN: the tests read every file in part (vmailadm(1)) */
	static bool env_read;
	const char *e = env_read ? NULL : getenv("VMAILADM_EXCERPT_MIN");
	env_read = true;
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0')
			excerpt_min_bytes = (size_t)v;
	}
	struct stage *s = xcalloc(1, sizeof *s);
	s->cfg = cfg;
	s->files = strmap_create(16);
	return s;
}

/* Drop the actions and notes after the first nacts and nnotes (an
 * operation that failed leaves nothing behind). */
static void actions_truncate(struct stage *s, size_t nacts, size_t nnotes)
{
	while (s->nacts > nacts) {
		struct action *a = &s->acts[--s->nacts];
		free(a->path);
		free(a->target);
		free(a->detail);
	}
	while (s->nnotes > nnotes)
		free(s->notes[--s->nnotes]);
}

static void actions_clear(struct stage *s)
{
	actions_truncate(s, 0, 0);
}

static void plan_clear(struct plan *p)
{
	free(p->files);
	free(p->rebuilt);
	for (size_t i = 0; i < p->nactions; i++) {
		free(p->actions[i].path);
		free(p->actions[i].target);
		free(p->actions[i].detail);
	}
	free(p->actions);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	memset(p, 0, sizeof *p);
}

void stage_free(struct stage **sp)
{
	struct stage *s = *sp;
	if (!s)
		return;
	for (size_t i = 0; i < s->nops; i++)
		op_free(&s->ops[i]);
	free(s->ops);
	files_clear(s);
	strmap_free(&s->files);
	free(s->paths);
	actions_clear(s);
	free(s->acts);
	free(s->notes);
	world_free(&s->world);
	layout_clear(&s->layout);
	plan_clear(&s->plan);
	free(s);
	*sp = NULL;
}

const struct config *stage_config(const struct stage *s) { return s->cfg; }
size_t stage_count(const struct stage *s) { return s->nops; }
const struct op *stage_op(const struct stage *s, size_t i) { return i < s->nops ? s->ops[i] : NULL; }

static void add_action(struct stage *s, enum action_kind kind, const char *path,
		       const char *target, const char *detail)
{
	xgrow(&s->acts, &s->actcap, s->nacts + 1, sizeof *s->acts);
	s->acts[s->nacts++] = (struct action){
		.kind = kind,
		.path = path ? xstrdup(path) : NULL,
		.target = target ? xstrdup(target) : NULL,
		.detail = detail ? xstrdup(detail) : NULL,
	};
}

static void add_note(struct stage *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(struct stage *s, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	xgrow(&s->notes, &s->notecap, s->nnotes + 1, sizeof *s->notes);
	s->notes[s->nnotes++] = sb_detach(&sb);
}

/* ---- applying one operation --------------------------------------------- */

/* Does the entry a new user goes next to name a uid? Then the new one
 * should too. (The neighbour, not a count over the file: the quick path
 * reads only the lines that matter, and this is one of them.) */
static bool pwfile_has_ids(const struct pwfile *p, const char *user)
{
	const struct pwfile_entry *e = pwfile_neighbour(p, user);
	return e && *e->uid != '\0';
}

static struct table *map_table(const struct world *w, enum map_role role, const char *param,
			       struct diags *d)
{
	struct world_map *m = world_map_for(w, role);
	if (!m || !m->table) {
		if (m)
			diag_error(d, world_maincf_path(w), 0,
				   _("%s names %s, which vmailadm cannot edit"), param, m->ref.spec);
		else
			diag_error(d, world_maincf_path(w), 0, _("%s is not set: there is no table to edit"), param);
		return NULL;
	}
	return m->table;
}

/* A reason string for an invalid name, as one diagnostic. */
static int refuse(struct diags *d, struct strbuf *why)
{
	diag_error(d, NULL, 0, "%s", sb_str(why));
	sb_free(why);
	return -1;
}

static char *archive_path(const struct config *cfg, const struct mailbox *b)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s/%s/%s-%s", cfg->archive_dir, b->domain, b->local, stamp);
}

static int domain_listing_add(struct stage *s, struct world *w, const char *domain,
			      struct diags *d)
{
	/* New domains go to the first table or /file/name of the list; with
	 * none, to the inline list in main.cf. */
	struct world_map *m = world_map_for(w, MAP_MAILBOX_DOMAINS);
	if (m && m->table) {
		const char *value = "";
		if (table_syntax(m->table) == TABLE_INDEXED) {
			/* Postfix only asks whether the key exists; keep the file's habit. */
			value = table_count(m->table) ? table_entry(m->table, 0)->value : "OK";
		}
		return table_add(m->table, domain, value, d);
	}
	if (m && !m->table) {
		diag_error(d, world_maincf_path(w), 0,
			   _("virtual_mailbox_domains names %s, which vmailadm cannot edit"), m->ref.spec);
		return -1;
	}
	unsigned line;
	const char *raw = maincf_raw(world_maincf(w), "virtual_mailbox_domains", &line);
	struct strbuf v = STRBUF_INIT;
	if (raw && *raw)
		sb_addf(&v, "%s, %s", raw, domain);
	else
		sb_adds(&v, domain);
	maincf_set(world_maincf(w), "virtual_mailbox_domains", v.buf);
	sb_free(&v);
	add_note(s, _("%s is added to the inline virtual_mailbox_domains list of main.cf"), domain);
	return 0;
}

static int domain_listing_remove(struct stage *s, struct world *w, const struct domain *dom,
				 struct diags *d)
{
	for (size_t i = 0; i < dom->nlistings; i++) {
		const struct domain_listing *l = &dom->listings[i];
		if (l->class != DOMAIN_VIRTUAL_MAILBOX && l->class != DOMAIN_VIRTUAL_ALIAS)
			continue;
		const char *param = l->class == DOMAIN_VIRTUAL_MAILBOX ? "virtual_mailbox_domains"
								       : "virtual_alias_domains";
		bool done = false;
		for (size_t m = 0; m < world_map_count(w) && !done; m++) {
			struct world_map *wm = world_map(w, m);
			if (wm->table && wm->ref.path && l->file && strcmp(wm->ref.path, l->file) == 0) {
				if (table_remove(wm->table, dom->name, d) < 0)
					return -1;
				done = true;
			}
		}
		if (done)
			continue;
		/* An inline item of main.cf: rewrite the list without it. */
		unsigned line;
		const char *raw = maincf_raw(world_maincf(w), param, &line);
		if (!raw)
			continue;
		size_t n;
		char **items = maincf_split_list(raw, &n);
		struct strbuf v = STRBUF_INIT;
		for (size_t k = 0; k < n; k++) {
			if (strcasecmp(items[k], dom->name) == 0)
				continue;
			sb_addf(&v, "%s%s", v.len ? ", " : "", items[k]);
		}
		maincf_list_free(items);
		maincf_set(world_maincf(w), param, v.buf);
		sb_free(&v);
		add_note(s, _("%s is removed from %s in main.cf"), dom->name, param);
	}
	return 0;
}

static bool is_identity(const struct alias *a)
{
	return a->ntargets == 1 && strcmp(a->targets[0].address, a->address) == 0;
}

static int mailbox_remove(struct stage *s, struct world *w, const struct mailbox *b,
			  const struct op *op, bool cascade, struct diags *d)
{
	size_t n;
	const struct alias *const *in = world_aliases_to(w, b->address, &n);
	if (!cascade) {
		struct strbuf who = STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			if (strcmp(in[i]->address, b->address) != 0)
				sb_addf(&who, "%s%s", who.len ? ", " : "", in[i]->address);
		if (who.len) {
			diag_error(d, NULL, 0, _("%s is a target of %s: remove it there first (vmailadm alias del ALIAS %s), or mail to them will bounce"),
				   b->address, who.buf, b->address);
			sb_free(&who);
			return -1;
		}
		sb_free(&who);
	}
	if (table_remove(b->map->table, b->address, d) < 0)
		return -1;
	if (b->pw && pwfile_remove(world_pwfile(w), b->address, d) < 0)
		return -1;
	if (b->alias && is_identity(b->alias) && b->alias->map->table &&
	    table_remove(b->alias->map->table, b->address, d) < 0)
		return -1;
	if (!b->is_maildir || op->keep_maildir)
		return 0;
	if (op->purge) {
		add_action(s, ACT_MAILDIR_PURGE, b->maildir, NULL, b->address);
	} else {
		char *to = archive_path(s->cfg, b);
		add_action(s, ACT_MAILDIR_ARCHIVE, b->maildir, to, b->address);
		free(to);
	}
	return 0;
}

static int alias_remove(struct world *w, const struct alias *a, struct diags *d)
{
	if (!a->map || !a->map->table) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return -1;
	}
	return table_remove(a->map->table, a->address, d);
}

/* Would mail to `from` come back to `from` through the aliases if `from`
 * also pointed at the given targets? Identity entries end a chain (§2.4). */
static bool reaches(const struct world *w, const char *from, const char *to, int depth)
{
	if (depth > 100)
		return true;
	const struct alias *a = world_alias_find(w, from);
	if (!a)
		return false;
	for (size_t i = 0; i < a->ntargets; i++) {
		const char *t = a->targets[i].address;
		if (strcmp(t, a->address) == 0)
			continue;
		if (strcmp(t, to) == 0 || reaches(w, t, to, depth + 1))
			return true;
	}
	return false;
}

static int check_targets(const struct world *w, const struct op *op, struct diags *d)
{
	bool catchall = op->kind == OP_CATCHALL_SET;
	for (size_t i = 0; i < op->ntargets; i++) {
		struct strbuf why = STRBUF_INIT;
		const char *t = op->targets[i];
		if (!(catchall ? op_valid_catchall_target(t, &why) : op_valid_target(t, &why)))
			return refuse(d, &why);
		sb_free(&why);
		const char *at = strrchr(t, '@');
		enum domain_class c = world_domain_class(w, at + 1, NULL);
		if ((c == DOMAIN_VIRTUAL_MAILBOX || c == DOMAIN_VIRTUAL_ALIAS) && at != t &&
		    !world_mailbox_find(w, t) && !world_alias_find(w, t)) {
			const struct domain *dom = world_domain_find(w, at + 1);
			if (!dom || !dom->catchall_alias) {
				diag_error(d, NULL, 0, _("%s is in hosted domain %s but is neither a mailbox nor an alias: mail to it would bounce"),
					   t, at + 1);
				return -1;
			}
		}
		if (strcasecmp(t, op->subject) != 0 && reaches(w, t, op->subject, 0)) {
			diag_error(d, NULL, 0, _("alias loop: %s → %s leads back to %s"), op->subject, t, op->subject);
			return -1;
		}
	}
	return 0;
}

static int op_domain_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	if (!stage_rule_new_domain(w, op->subject, &why))
		return refuse(d, &why);
	sb_free(&why);
	return domain_listing_add(s, w, op->subject, d);
}

static int op_domain_del(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct domain *dom = world_domain_find(w, op->subject);
	if (!dom || !(dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		diag_error(d, NULL, 0, _("%s is not a virtual domain here"), op->subject);
		return -1;
	}
	size_t nb, na;
	const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
	const struct alias *aliases = world_domain_aliases(w, dom, &na);
	size_t ncatch = (dom->catchall_alias != NULL) + (dom->catchall_mailbox != NULL);
	if ((nb || na || ncatch) && !op->cascade) {
		diag_error(d, NULL, 0, _("%s still has %zu mailboxes and %zu aliases: remove them first, or use --cascade"),
			   op->subject, nb, na);
		return -1;
	}
	for (size_t i = 0; i < na; i++) {
		if (aliases[i].is_identity && world_mailbox_find(w, aliases[i].address))
			continue; /* goes with its mailbox */
		if (alias_remove(w, &aliases[i], d) < 0)
			return -1;
		add_note(s, _("cascade: alias %s is removed"), aliases[i].address);
	}
	for (size_t i = 0; i < nb; i++) {
		if (mailbox_remove(s, w, &boxes[i], op, true, d) < 0)
			return -1;
		add_note(s, _("cascade: mailbox %s is removed (mail archived)"), boxes[i].address);
	}
	if (dom->catchall_alias && alias_remove(w, dom->catchall_alias->alias, d) < 0)
		return -1;
	if (dom->catchall_mailbox && table_remove(dom->catchall_mailbox->mailbox->map->table,
						  dom->catchall_mailbox->mailbox->address, d) < 0)
		return -1;
	return domain_listing_remove(s, w, dom, d);
}

/* The new mailbox's maildir: created by the commit, unless one is there
 * already (an orphan, a half-done removal): its mail would go to the new
 * owner, so it is taken on only when asked (--adopt-maildir). */
static int mailbox_maildir(struct stage *s, struct world *w, const struct op *op, const char *rel,
			   struct diags *d)
{
	const char *base = world_mailbox_base(w);
	char *path = xasprintf("%s/%s", base, rel);
	path[strlen(path) - 1] = '\0'; /* no trailing '/' */
	struct stat st;
	int rc = 0;
	if (lstat(path, &st) < 0) {
		add_action(s, ACT_MAILDIR_CREATE, path, NULL, op->subject);
	} else {
		long n = precheck_count_messages(base, rel);
		if (!op->adopt_maildir) {
			const char *at = strrchr(op->subject, '@');
			diag_error(d, path, 0,
				   _("a maildir is already there, with %ld messages: mailbox %s would receive them; take it on with --adopt-maildir, or move it away first (e.g. to %s/%s/)"),
				   n, op->subject, s->cfg->archive_dir, at + 1);
			rc = -1;
		} else {
			add_note(s, _("%s takes on the maildir %s already there (%ld messages)"), op->subject, path, n);
		}
	}
	free(path);
	return rc;
}

bool stage_rule_new_mailbox(const struct world *w, const char *address, struct strbuf *why,
			    const char **file, unsigned *line)
{
	*file = NULL;
	*line = 0;
	const char *at = strrchr(address, '@');
	const char *domain = at ? at + 1 : "";
	const struct domain *dom = world_domain_find(w, domain);
	const struct alias *a;
	const struct pwfile_entry *e;
	if (!dom || !(dom->classes & DOMAIN_VIRTUAL_MAILBOX)) {
		sb_addf(why, _("%s is not a virtual mailbox domain (add it first: vmailadm domain add %s)"),
			domain, domain);
	} else if (world_mailbox_find(w, address)) {
		sb_addf(why, _("mailbox %s already exists"), address);
	} else if ((a = world_alias_find(w, address)) != NULL) {
		sb_addf(why, _("%s is an alias: mail to it goes to its targets, not to a mailbox; remove the alias first"),
			address);
		*file = a->file;
		*line = a->line;
	} else if ((e = pwfile_lookup(world_pwfile(w), address)) != NULL) {
		sb_addf(why, _("the passwd-file already has an entry for %s"), address);
		*file = doc_name(pwfile_doc(world_pwfile(w)));
		*line = e->line;
	} else {
		return true;
	}
	return false;
}

bool stage_rule_new_domain(const struct world *w, const char *domain, struct strbuf *why)
{
	if (!op_valid_domain(domain, why))
		return false;
	unsigned classes;
	if (world_domain_class(w, domain, &classes) == DOMAIN_OTHER)
		return true;
	sb_addf(why, (classes & DOMAIN_LOCAL)
		? _("%s is already a local domain (mydestination): a domain must not be both local and virtual")
		: _("%s is already hosted"), domain);
	return false;
}

static int op_mailbox_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	if (!op_valid_address(op->subject, &why) ||
	    !op_safe_local_part(op->subject, s->cfg->local_part_allow, &why))
		return refuse(d, &why);
	const char *at = strrchr(op->subject, '@');
	const char *domain = at + 1;
	char *local = xstrndup(op->subject, (size_t)(at - op->subject));
	int rc = -1;
	struct strbuf rule = STRBUF_INIT, value = STRBUF_INIT;
	struct table *vmailbox;
	const char *file;
	unsigned line;
	if (!stage_rule_new_mailbox(w, op->subject, &why, &file, &line)) {
		diag_error(d, file, line, "%s", why.buf);
	} else if (op->quota && *op->quota && !op_quota_rule(op->quota, &rule, &why)) {
		diag_error(d, NULL, 0, "%s", why.buf);
	} else if ((vmailbox = map_table(w, MAP_VIRTUAL_MAILBOX, "virtual_mailbox_maps", d)) != NULL &&
		   table_add(vmailbox, op->subject, neighbour_mailbox_value(w, local, domain, &value), d) == 0) {
		rc = 0;
		char *course = xasprintf("%s/%s/", domain, local);
		if (strcmp(course, value.buf) != 0)
			add_note(s, _("%s goes to %s, in the layout of the mailboxes already there (not the course's %s)"),
				 op->subject, value.buf, course);
		free(course);
		if (op->password_hash) {
			struct pwfile_entry e = { .user = op->subject, .password = op->password_hash,
						  .uid = "", .gid = "", .gecos = "", .home = "",
						  .shell = "", .extra = "" };
			char uid[24], gid[24];
			if (pwfile_has_ids(world_pwfile(w), op->subject)) {
				/* Follow the file's habit of naming uid and gid per user. */
				snprintf(uid, sizeof uid, "%ld", s->cfg->vmail_uid);
				snprintf(gid, sizeof gid, "%ld", s->cfg->vmail_gid);
				e.uid = uid;
				e.gid = gid;
			}
			char *extra = rule.len ? xasprintf("userdb_quota_rule=%s", rule.buf) : NULL;
			if (extra)
				e.extra = extra;
			rc = pwfile_add(world_pwfile(w), &e, d);
			free(extra);
		} else {
			add_note(s, _("%s has no password: it receives mail, but nobody can log in to read it until one is set"),
				 op->subject);
		}
		/* A catch-all in the alias map swallows every mailbox without an
		 * identity entry (§2.5): keep the identity entries in step. */
		const struct domain *dom = world_domain_find(w, domain);
		if (rc == 0 && dom->catchall_alias) {
			struct table *va = dom->catchall_alias->alias->map->table;
			rc = va ? table_add(va, op->subject, op->subject, d) : -1;
			add_note(s, _("%s gets an identity entry in the alias map, because the catch-all of %s is there and would swallow it"),
				 op->subject, domain);
		}
		if (rc == 0)
			rc = mailbox_maildir(s, w, op, value.buf, d);
	}
	free(local);
	sb_free(&rule);
	sb_free(&why);
	sb_free(&value);
	return rc;
}

static const struct mailbox *need_mailbox(const struct world *w, const char *address, struct diags *d)
{
	const struct mailbox *b = world_mailbox_find(w, address);
	if (!b)
		diag_error(d, NULL, 0, _("%s is not a mailbox"), address);
	else if (!b->map || !b->map->table) {
		diag_error(d, b->file, b->line, _("%s is in a table vmailadm cannot edit"), address);
		b = NULL;
	}
	return b;
}

static int op_mailbox_passwd(struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	if (b->pw)
		return pwfile_set_password(world_pwfile(w), op->subject, op->password_hash, d);
	struct pwfile_entry e = { .user = op->subject, .password = op->password_hash, .uid = "",
				  .gid = "", .gecos = "", .home = "", .shell = "", .extra = "" };
	return pwfile_add(world_pwfile(w), &e, d);
}

static int op_mailbox_quota(struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	if (!b->pw) {
		diag_error(d, NULL, 0, _("%s has no passwd-file entry to hold a quota: set a password first"),
			   op->subject);
		return -1;
	}
	struct strbuf rule = STRBUF_INIT, why = STRBUF_INIT;
	int rc = -1;
	if (op->quota && *op->quota && !op_quota_rule(op->quota, &rule, &why))
		diag_error(d, NULL, 0, "%s", why.buf);
	else
		rc = pwfile_set_extra(world_pwfile(w), op->subject, "userdb_quota_rule",
				      rule.len ? rule.buf : NULL, d);
	sb_free(&rule);
	sb_free(&why);
	return rc;
}

/* What alias add and alias set both ask of the address and the targets:
 * a new alias is a new address (no dangerous characters), and only a
 * mailbox may name itself (Postfix stops the expansion there, §2.4: mail
 * to an alias that names itself bounces). */
static int alias_check(const struct stage *s, const struct world *w, const struct op *op,
		       struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	if (!op_valid_address(op->subject, &why))
		return refuse(d, &why);
	bool mailbox = world_mailbox_find(w, op->subject) != NULL;
	if (!mailbox && !world_alias_find(w, op->subject) &&
	    !op_safe_local_part(op->subject, s->cfg->local_part_allow, &why))
		return refuse(d, &why);
	sb_free(&why);
	for (size_t i = 0; i < op->ntargets && !mailbox; i++)
		if (strcasecmp(op->targets[i], op->subject) == 0) {
			diag_error(d, NULL, 0, _("%s cannot be a target of itself: Postfix would stop there and the mail would bounce (only a mailbox keeps itself as a target)"),
				   op->subject);
			return -1;
		}
	const char *domain = strrchr(op->subject, '@') + 1;
	unsigned classes;
	world_domain_class(w, domain, &classes);
	if (!(classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		diag_error(d, NULL, 0, _("%s is not a virtual domain here: Postfix would not accept mail for %s"),
			   domain, op->subject);
		return -1;
	}
	return check_targets(w, op, d);
}

/* The alias line gets value: a's own line (its key and separator kept as
 * written), or a new line in the alias map when there is no alias yet. */
static int alias_write(struct world *w, const struct alias *a, const char *address,
		       const char *value, struct diags *d)
{
	if (!a) {
		struct table *t = map_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", d);
		return t ? table_add(t, address, value, d) : -1;
	}
	if (!a->map || !a->map->table) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return -1;
	}
	return table_set(a->map->table, address, value, d);
}

/* Aliasing runs before delivery: a mailbox whose alias leaves itself out
 * stops receiving mail (§2.1), so its address stays first in the value. */
static void keep_self_target(struct stage *s, const char *address, struct strbuf *v)
{
	sb_adds(v, address);
	add_note(s, _("%s stays a target of its own alias, so its mailbox keeps receiving mail"), address);
}

static int op_alias_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	if (alias_check(s, w, op, d) < 0)
		return -1;
	const struct alias *a = world_alias_find(w, op->subject);
	const struct mailbox *b = world_mailbox_find(w, op->subject);
	struct strbuf v = STRBUF_INIT;
	if (a)
		sb_adds(&v, a->value);
	else if (b)
		keep_self_target(s, op->subject, &v);
	for (size_t i = 0; i < op->ntargets; i++) {
		bool dup = false;
		if (a)
			for (size_t k = 0; k < a->ntargets; k++)
				dup |= strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (b && strcasecmp(op->targets[i], op->subject) == 0)
			dup = true;
		if (dup)
			continue;
		sb_addf(&v, "%s%s", v.len ? ", " : "", op->targets[i]);
	}
	int rc = alias_write(w, a, op->subject, v.buf, d);
	sb_free(&v);
	return rc;
}

/* alias set: the targets become exactly op's, in op's order (a target given
 * twice is written once). A mailbox that gets its own mail through the
 * alias (no alias yet, as alias add creates it, or one naming itself)
 * keeps itself as a target even when the new list leaves it out. */
static int op_alias_set(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	if (alias_check(s, w, op, d) < 0)
		return -1;
	const struct alias *a = world_alias_find(w, op->subject);
	const struct mailbox *b = world_mailbox_find(w, op->subject);
	bool listed = false;
	for (size_t i = 0; i < op->ntargets; i++)
		listed |= strcasecmp(op->targets[i], op->subject) == 0;
	struct strbuf v = STRBUF_INIT;
	if (b && (!a || a->is_identity) && !listed)
		keep_self_target(s, op->subject, &v);
	for (size_t i = 0; i < op->ntargets; i++) {
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= strcasecmp(op->targets[k], op->targets[i]) == 0;
		if (!dup)
			sb_addf(&v, "%s%s", v.len ? ", " : "", op->targets[i]);
	}
	int rc = alias_write(w, a, op->subject, v.buf, d);
	sb_free(&v);
	return rc;
}

static int op_alias_del(struct world *w, const struct op *op, struct diags *d)
{
	const struct alias *a = world_alias_find(w, op->subject);
	if (!a || a->is_catchall) {
		diag_error(d, NULL, 0, _("%s is not an alias"), op->subject);
		return -1;
	}
	if (!a->map || !a->map->table) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return -1;
	}
	if (op->ntargets == 0)
		return table_remove(a->map->table, a->address, d);
	struct strbuf v = STRBUF_INIT;
	for (size_t i = 0; i < op->ntargets; i++) {
		bool found = false;
		for (size_t k = 0; k < a->ntargets; k++)
			found |= strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (!found) {
			diag_error(d, a->file, a->line, _("%s is not a target of %s"), op->targets[i], a->address);
			sb_free(&v);
			return -1;
		}
	}
	for (size_t k = 0; k < a->ntargets; k++) {
		bool drop = false;
		for (size_t i = 0; i < op->ntargets; i++)
			drop |= strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (!drop)
			sb_addf(&v, "%s%s", v.len ? ", " : "", a->targets[k].text);
	}
	int rc = v.len ? table_set(a->map->table, a->address, v.buf, d)
		       : table_remove(a->map->table, a->address, d);
	sb_free(&v);
	return rc;
}

static int catchall_clear(struct stage *s, struct world *w, const struct domain *dom,
			  struct diags *d)
{
	if (dom->catchall_mailbox) {
		const struct mailbox *cb = dom->catchall_mailbox->mailbox;
		if (!cb->map->table || table_remove(cb->map->table, cb->address, d) < 0)
			return -1;
	}
	if (dom->catchall_alias) {
		if (alias_remove(w, dom->catchall_alias->alias, d) < 0)
			return -1;
		/* The identity entries only served to protect mailboxes from it. */
		size_t na;
		const struct alias *aliases = world_domain_aliases(w, dom, &na);
		for (size_t i = 0; i < na; i++) {
			if (!aliases[i].is_identity || aliases[i].ntargets != 1 ||
			    !world_mailbox_find(w, aliases[i].address))
				continue;
			if (alias_remove(w, &aliases[i], d) < 0)
				return -1;
			add_note(s, _("identity entry %s is removed: without the catch-all it is not needed"),
				 aliases[i].address);
		}
	}
	return 0;
}

static int op_catchall_set(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct domain *dom = world_domain_find(w, op->subject);
	if (!dom || !(dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		diag_error(d, NULL, 0, _("%s is not a virtual domain here"), op->subject);
		return -1;
	}
	struct op probe = *op;
	if (check_targets(w, &probe, d) < 0)
		return -1;
	const char *target = op->targets[0];
	const struct mailbox *tb = world_mailbox_find(w, target);
	if (catchall_clear(s, w, dom, d) < 0)
		return -1;
	char *key = xasprintf("@%s", dom->name);
	int rc;
	bool mailbox_domain = dom->classes & DOMAIN_VIRTUAL_MAILBOX;
	if (mailbox_domain && tb && tb->is_maildir && s->cfg->catchall_form == CATCHALL_MAILBOX_MAP) {
		struct table *t = map_table(w, MAP_VIRTUAL_MAILBOX, "virtual_mailbox_maps", d);
		rc = t ? table_add(t, key, tb->value, d) : -1;
		add_note(s, _("the catch-all of %s is written in the mailbox map (@%s %s): Postfix looks up real mailboxes first there, so they keep their mail"),
			 dom->name, dom->name, tb->value);
	} else {
		struct table *t = map_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", d);
		rc = t ? table_add(t, key, target, d) : -1;
		if (rc == 0 && mailbox_domain) {
			size_t nb;
			const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
			for (size_t i = 0; i < nb && rc == 0; i++) {
				if (boxes[i].alias)
					continue;
				rc = table_add(t, boxes[i].address, boxes[i].address, d);
			}
			add_note(s, tb ? _("the catch-all of %s goes in the alias map (catchall_form: identity); every mailbox of %s gets an identity entry so that the catch-all cannot swallow it")
				       : _("the catch-all of %s forwards to %s, which is not a local mailbox, so it goes in the alias map; every mailbox of the domain gets an identity entry so that the catch-all cannot swallow it"),
				 dom->name, tb ? dom->name : target);
		}
	}
	free(key);
	return rc;
}

static int op_sysalias(struct world *w, const struct op *op, struct diags *d)
{
	struct aliases *al = world_system_aliases(w);
	for (const char *p = op->subject; *p; p++) {
		if ((unsigned char)*p < 0x21 || *p == ':' || *p == '#' || *p == ',' || *p == '"') {
			diag_error(d, NULL, 0, _("'%s' cannot be a name in the aliases file"), op->subject);
			return -1;
		}
	}
	if (!*op->subject) {
		diag_error(d, NULL, 0, _("empty alias name"));
		return -1;
	}
	if (op->kind == OP_SYSALIAS_DEL) {
		if (!aliases_lookup(al, op->subject)) {
			diag_error(d, doc_name(aliases_doc(al)), 0, _("%s is not in the aliases file"), op->subject);
			return -1;
		}
		return aliases_remove(al, op->subject, d);
	}
	struct strbuf v = STRBUF_INIT;
	for (size_t i = 0; i < op->ntargets; i++) {
		for (const char *p = op->targets[i]; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == ',') {
				diag_error(d, NULL, 0, _("'%s' cannot be a target in the aliases file"), op->targets[i]);
				sb_free(&v);
				return -1;
			}
		}
		sb_addf(&v, "%s%s", i ? ", " : "", op->targets[i]);
	}
	int rc = aliases_set(al, op->subject, v.buf, d);
	sb_free(&v);
	return rc;
}

/* rollback: the file gets the bytes of a backup, provided it still holds
 * what the commit being undone wrote (op->sha256), so that an edit made
 * since is never overwritten silently. */
static int op_file_restore(struct stage *s, const struct op *op, struct diags *d)
{
	const char *backup = op->targets[0];
	struct doc *b;
	if (doc_load(backup, false, &b, d) < 0)
		return -1;
	struct strbuf bytes = STRBUF_INIT;
	doc_render(b, &bytes);
	doc_free(&b);
	struct staged_file *f = file_get(s, op->subject);
	if (!f) {
		struct doc *doc;
		if (source_load(s, op->subject, true, &doc, d) < 0) {
			sb_free(&bytes);
			return -1;
		}
		doc_free(&doc);
		f = file_get(s, op->subject);
	}
	if (op->sha256) {
		char hex[65];
		sha256_hex(sb_str(file_bytes(s, f)), file_bytes(s, f)->len, hex);
		if (strcmp(hex, op->sha256) != 0) {
			diag_error(d, op->subject, 0,
				   _("%s changed since the commit being undone: restoring it would lose that change (use --force to restore it anyway)"),
				   op->subject);
			sb_free(&bytes);
			return -1;
		}
	}
	file_set(f, &bytes);
	return 0;
}

static int op_maildir_restore(struct stage *s, const struct op *op, struct diags *d)
{
	const char *archive = op->targets[0];
	struct stat st;
	if (lstat(archive, &st) < 0 || !S_ISDIR(st.st_mode)) {
		diag_error(d, archive, 0, _("the archived maildir is gone: %s cannot be moved back"), op->subject);
		return -1;
	}
	if (lstat(op->subject, &st) == 0) {
		diag_error(d, op->subject, 0, _("%s exists again: the archived maildir %s is left where it is"),
			   op->subject, archive);
		return -1;
	}
	add_action(s, ACT_MAILDIR_RESTORE, archive, op->subject, NULL);
	return 0;
}

static bool action_staged(const struct stage *s, enum action_kind kind, const char *path)
{
	for (size_t i = 0; i < s->nacts; i++)
		if (s->acts[i].kind == kind && s->acts[i].path && strcmp(s->acts[i].path, path) == 0)
			return true;
	return false;
}

/* lint --fix: a map whose .db is missing or older than its source is built
 * again by the commit, under its lock, although no byte of it changes. Only
 * a map this server uses can be named, so that the op cannot be made to run
 * postmap on an arbitrary file. */
static int op_map_rebuild(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const char *colon = strchr(op->subject, ':');
	if (!colon || colon == op->subject || colon[1] != '/') {
		diag_error(d, NULL, 0, _("'%s' is not a map written as type:/absolute/path"), op->subject);
		return -1;
	}
	char *type = xstrndup(op->subject, (size_t)(colon - op->subject));
	const char *path = colon + 1;
	int rc = -1;
	enum action_kind kind = ACT_POSTMAP;
	const char *known = NULL;   /* the type the server reads it as */
	if (strcmp(path, doc_name(aliases_doc(world_system_aliases(w)))) == 0) {
		kind = ACT_POSTALIAS;
		known = type;
	}
	for (size_t i = 0; i < world_map_count(w) && !known; i++) {
		const struct world_map *m = world_map(w, i);
		if (m->ref.path && strcmp(m->ref.path, path) == 0)
			known = m->ref.type ? m->ref.type : "";
	}
	struct staged_file *f = file_get(s, path);
	if (!known) {
		diag_error(d, world_maincf_path(w), 0, _("%s is not a map of this server: main.cf names no such table"),
			   path);
	} else if (strcmp(known, type) != 0) {
		diag_error(d, world_maincf_path(w), 0, _("main.cf reads %s as %s:%s, not %s:%s"), path, known,
			   path, type, path);
	} else if (!table_type_built_suffix(type)) {
		diag_error(d, NULL, 0, _("%s:%s is read as it is: there is no map to build (only hash, btree, lmdb and cdb are)"),
			   type, path);
	} else if (!f || (!f->existed && file_bytes(s, f)->len == 0)) {
		diag_error(d, path, 0, _("%s does not exist: there is nothing to build the map from"), path);
	} else if (action_staged(s, kind, path)) {
		diag_error(d, path, 0, _("the map %s:%s is already staged to be rebuilt"), type, path);
	} else {
		add_action(s, kind, path, NULL, type);
		rc = 0;
	}
	free(type);
	return rc;
}

/* lint --fix: a mailbox whose maildir is missing gets it now rather than at
 * the first delivery or login (Dovecot would create it as whoever runs it). */
static int op_maildir_create(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = world_mailbox_find(w, op->subject);
	if (!b || !b->local[0]) {
		diag_error(d, NULL, 0, _("%s is not a mailbox"), op->subject);
		return -1;
	}
	if (!b->is_maildir) {
		diag_error(d, b->file, b->line, _("%s is delivered to the mbox file %s, not to a maildir"),
			   b->address, b->maildir);
		return -1;
	}
	const char *base = world_mailbox_base(w);
	size_t bl = base ? strlen(base) : 0;
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	char *path = xstrdup(b->maildir);
	for (size_t n = strlen(path); n > 1 && path[n - 1] == '/';)
		path[--n] = '\0';
	int rc = -1;
	struct stat st;
	if (!bl || strncmp(path, base, bl) != 0 || path[bl] != '/' || !path[bl + 1]) {
		diag_error(d, b->file, b->line, _("the maildir %s of %s is not under virtual_mailbox_base %s"),
			   path, b->address, base && *base ? base : "(unset)");
	} else if (lstat(path, &st) == 0) {
		diag_error(d, path, 0, _("the maildir %s of %s exists already"), path, b->address);
	} else if (errno != ENOENT) {
		diag_error(d, path, 0, _("cannot look at %s: %s"), path, strerror(errno));
	} else if (action_staged(s, ACT_MAILDIR_CREATE, path)) {
		diag_error(d, path, 0, _("the maildir of %s is already staged to be created"), b->address);
	} else {
		add_action(s, ACT_MAILDIR_CREATE, path, NULL, b->address);
		rc = 0;
	}
	free(path);
	return rc;
}

static int apply_op(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	switch (op->kind) {
	case OP_DOMAIN_ADD: return op_domain_add(s, w, op, d);
	case OP_DOMAIN_DEL: return op_domain_del(s, w, op, d);
	case OP_MAILBOX_ADD: return op_mailbox_add(s, w, op, d);
	case OP_MAILBOX_DEL: {
		const struct mailbox *b = need_mailbox(w, op->subject, d);
		return b ? mailbox_remove(s, w, b, op, false, d) : -1;
	}
	case OP_MAILBOX_PASSWD: return op_mailbox_passwd(w, op, d);
	case OP_MAILBOX_QUOTA: return op_mailbox_quota(w, op, d);
	case OP_ALIAS_ADD: return op_alias_add(s, w, op, d);
	case OP_ALIAS_DEL: return op_alias_del(w, op, d);
	case OP_ALIAS_SET: return op_alias_set(s, w, op, d);
	case OP_CATCHALL_SET: return op_catchall_set(s, w, op, d);
	case OP_CATCHALL_CLEAR: {
		const struct domain *dom = world_domain_find(w, op->subject);
		if (!dom || (!dom->catchall_alias && !dom->catchall_mailbox)) {
			diag_error(d, NULL, 0, _("%s has no catch-all"), op->subject);
			return -1;
		}
		return catchall_clear(s, w, dom, d);
	}
	case OP_SYSALIAS_SET:
	case OP_SYSALIAS_DEL: return op_sysalias(w, op, d);
	case OP_FILE_RESTORE: return op_file_restore(s, op, d);
	case OP_MAILDIR_RESTORE: return op_maildir_restore(s, op, d);
	case OP_MAP_REBUILD: return op_map_rebuild(s, w, op, d);
	case OP_MAILDIR_CREATE: return op_maildir_create(s, w, op, d);
	}
	return -1;
}

/* ---- the quick path ------------------------------------------------------ */

/* Operations on one mailbox read a handful of keys: their domain, the
 * address, the domain's catch-all, and (removal) the aliases naming it.
 * For them the world is loaded from excerpts of the large files (the lines
 * with those keys, where a new line would go, the end of the file; see
 * excerpt.h) and the same operation code runs on it; the edits are spliced
 * into the whole files. Whatever goes wrong there (a refusal included) is
 * left to the full path, whose answer is the one that counts: the quick
 * path only ever takes a success. */
static bool quick_eligible(const struct op *op)
{
	switch (op->kind) {
	case OP_MAILBOX_ADD:
	case OP_MAILBOX_DEL:
	case OP_MAILBOX_PASSWD:
	case OP_MAILBOX_QUOTA:
		break;
	default:
		return false;
	}
	const char *at = op->subject ? strrchr(op->subject, '@') : NULL;
	return at && at != op->subject && at[1];
}

/* How the quick path reads path: -1 whole, else an excerpt kind. */
static int excerpt_kind_of(const struct stage *s, const char *path)
{
	const struct layout *l = &s->layout;
	if (strcmp(path, l->maincf) == 0 || strcmp(path, l->aliases) == 0)
		return -1;
	int kind = strcmp(path, l->pwfile) == 0 ? EXCERPT_PASSWD : -2;
	for (size_t i = 0; i < l->nmaps; i++) {
		if (!l->maps[i].path || strcmp(l->maps[i].path, path) != 0)
			continue;
		const char *type = l->maps[i].type;
		int k = !*type ? EXCERPT_LIST
		      : (table_type_built_suffix(type) || !strcmp(type, "texthash") || !strcmp(type, "dbm") ||
			 !strcmp(type, "sdbm")) ? EXCERPT_TABLE : -1;
		if (kind != -2 && kind != k)
			return -1;   /* read two ways (or a pattern table): whole */
		kind = k;
	}
	return kind == -2 ? -1 : kind;
}

/* Map path and excerpt it (under the SIGBUS guard); the part, or NULL
 * when the file cannot be mapped or excerpted (then it is read whole). */
struct map_job {
	struct part *pt;
	enum excerpt_kind kind;
	const struct excerpt_want *want;
};

static void excerpt_run(void *arg)
{
	struct map_job *j = arg;
	j->pt->x = excerpt_build(j->kind, j->pt->m.data, j->pt->m.len, j->want);
}

static struct part *part_map(const char *path, enum excerpt_kind kind, const struct excerpt_want *want,
			     size_t min_bytes)
{
	struct part *pt = xcalloc(1, sizeof *pt);
	struct diags d = DIAGS_INIT;
	int rc = mapfile_open(path, &pt->m, &d);
	diags_free(&d);   /* read(2) tells again, in the usual words */
	struct map_job j = { pt, kind, want };
	if (rc != 0 || pt->m.len < min_bytes || !mapfile_try(excerpt_run, &j) || !pt->x) {
		part_free(pt);
		return NULL;
	}
	return pt;
}

/* A file registered from its mapping: identity only, no bytes. */
static struct staged_file *file_lazy(struct stage *s, const char *path, const struct part *pt)
{
	struct staged_file *f = xcalloc(1, sizeof *f);
	clock_gettime(CLOCK_REALTIME, &f->read_at);
	f->path = xstrdup(path);
	f->existed = true;
	f->st = pt->m.st;
	f->lazy = true;
	return file_register(s, f);
}

/* The passwd-file is the largest file by far (a long hash a line): the
 * quick path maps and excerpts it on a second thread while the world
 * loads main.cf and the tables. */
struct prefetch {
	pthread_t thread;
	bool running;
	const char *path;
	const struct excerpt_want *want;
	size_t min_bytes;
	struct part *pt;           /* NULL: read it the usual way */
};

static void *prefetch_run(void *arg)
{
	struct prefetch *p = arg;
	p->pt = part_map(p->path, EXCERPT_PASSWD, p->want, p->min_bytes);
	return NULL;
}

struct quick {
	struct stage *s;
	struct excerpt_want want;
	struct prefetch pf;
};

static void prefetch_start(struct quick *q)
{
	struct stage *s = q->s;
	struct prefetch *p = &q->pf;
	p->path = s->layout.pwfile;
	if (file_get(s, p->path) || excerpt_kind_of(s, p->path) != EXCERPT_PASSWD)
		return;
	p->want = &q->want;
	p->min_bytes = excerpt_min_bytes;
	p->running = pthread_create(&p->thread, NULL, prefetch_run, p) == 0;
}

/* The thread's part, once; NULL when it has none. */
static struct part *prefetch_join(struct quick *q)
{
	struct prefetch *p = &q->pf;
	if (!p->running)
		return NULL;
	pthread_join(p->thread, NULL);
	p->running = false;
	struct part *pt = p->pt;
	p->pt = NULL;
	return pt;
}

static int quick_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		      struct diags *d)
{
	struct quick *q = ctx;
	struct stage *s = q->s;
	int kind = excerpt_kind_of(s, path);
	struct staged_file *f = file_get(s, path);
	if (kind < 0 || strmap_get(s->excerpts, path))
		return source_load(s, path, missing_ok, out, d);
	struct part *pt = NULL;
	if (q->pf.running && strcmp(path, q->pf.path) == 0)
		pt = prefetch_join(q);
	else if (!f)
		pt = part_map(path, (enum excerpt_kind)kind, &q->want, excerpt_min_bytes);
	if (pt) {
		/* first read of this file: in part, from its mapping */
		f = file_lazy(s, path, pt);
		strmap_put(s->excerpts, path, pt);
		*out = excerpt_doc(pt->x, pt->m.data, path);
		return 0;
	}
	if (!f && !(f = file_read(s, path, missing_ok, d)))
		return -1;
	/* staged bytes (edited, or read whole): excerpted from memory */
	const struct strbuf *b = file_bytes(s, f);
	if (f->existed && b->len >= excerpt_min_bytes) {
		struct excerpt *x = excerpt_build((enum excerpt_kind)kind, sb_str(b), b->len, &q->want);
		if (x) {
			pt = xcalloc(1, sizeof *pt);
			pt->x = x;
			strmap_put(s->excerpts, path, pt);
			*out = excerpt_doc(x, sb_str(b), path);
			return 0;
		}
	}
	return source_load(s, path, missing_ok, out, d);
}

/* Where things are, from main.cf alone: the other files are not read. */
struct layout_ctx {
	struct stage *s;
	char *maincf;
};

static int empty_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		      struct diags *d)
{
	struct layout_ctx *c = ctx;
	if (strcmp(path, c->maincf) == 0)
		return source_load(c->s, path, missing_ok, out, d);
	*out = doc_from_mem(path, "", 0);
	return 0;
}

static int layout_load(struct stage *s, struct diags *d)
{
	/* world_load_from reads main.cf from here (model.c) */
	struct layout_ctx c = { s, xasprintf("%s/main.cf", s->cfg->postfix_dir ? s->cfg->postfix_dir
									      : "/etc/postfix") };
	struct doc_source src = { empty_load, &c };
	struct diags quiet = DIAGS_INIT;
	struct world *w;
	int rc = world_load_from(s->cfg, &src, &w, &quiet);
	if (rc < 0 && d)
		diags_take(d, &quiet);
	diags_free(&quiet);
	free(c.maincf);
	if (rc < 0)
		return -1;
	layout_take(&s->layout, w);
	world_free(&w);
	return 0;
}

static void excerpts_free(struct stage *s)
{
	size_t pos = 0;
	const char *k;
	void *v;
	while (s->excerpts && strmap_next(s->excerpts, &pos, &k, &v))
		part_free(v);
	strmap_free(&s->excerpts);
}

/* 0 when op is applied; -1 when the full path must decide. */
static int apply_quick(struct stage *s, const struct op *op)
{
	if (excerpt_min_bytes == SIZE_MAX || !quick_eligible(op) ||
	    (!s->layout.valid && layout_load(s, NULL) < 0))
		return -1;
	char *key = table_fold_key(op->subject);
	const char *domain = strrchr(key, '@') + 1;
	char *catchall = xasprintf("@%s", domain);
	const char *keys[] = { key, domain, catchall };
	const char *needles[] = { key };
	struct quick q = { s, { keys, 3, domain, needles, op->kind == OP_MAILBOX_DEL }, { 0 } };
	struct doc_source src = { quick_load, &q };
	struct diags quiet = DIAGS_INIT;
	struct world *w = NULL;
	size_t nacts = s->nacts, nnotes = s->nnotes;
	s->excerpts = strmap_create(8);
	prefetch_start(&q);
	int rc = world_load_from(s->cfg, &src, &w, &quiet);
	struct part *unused = prefetch_join(&q);   /* the world never asked for it */
	if (unused)
		part_free(unused);
	if (rc == 0)
		rc = refuse_unreadable(w, NULL);  /* the full path says why */
	if (rc == 0)
		rc = apply_op(s, w, op, &quiet);
	if (rc == 0 && !splice_world(s, w))
		rc = -1;
	if (rc == 0) {
		world_free(&s->world);
		sync_world(s, w);
		s->plan_valid = false;
	} else {
		actions_truncate(s, nacts, nnotes);
	}
	world_free(&w);
	excerpts_free(s);
	diags_free(&quiet);
	free(catchall);
	free(key);
	return rc;
}

/* Apply op to a freshly loaded world of the current staged files, then keep
 * the edited bytes. On failure every staged byte, action and note is as it
 * was before. */
static int apply_one(struct stage *s, const struct op *op, struct diags *d)
{
	if (apply_quick(s, op) == 0)
		return 0;
	struct world *w = s->world;
	s->world = NULL;
	if (!w && load_world(s, &w, d) < 0)
		return -1;
	/* Nothing is written to the staged bytes unless the operation
	 * succeeds (sync_world); main.cf is kept to see whether it changed. */
	size_t nacts = s->nacts, nnotes = s->nnotes;
	struct staged_file *mf = s->layout.valid ? file_get(s, s->layout.maincf) : NULL;
	struct strbuf saved = STRBUF_INIT;
	if (mf)
		sb_add(&saved, sb_str(file_bytes(s, mf)), file_bytes(s, mf)->len);
	int rc = apply_op(s, w, op, d);
	if (rc == 0) {
		sync_world(s, w);
		/* A new main.cf may name other maps: the layout must be re-read. */
		const struct strbuf *now = mf ? file_bytes(s, mf) : NULL;
		if (now && (now->len != saved.len || memcmp(sb_str(now), sb_str(&saved), saved.len) != 0))
			s->layout.valid = false;
	}
	world_free(&w);
	if (rc < 0)
		actions_truncate(s, nacts, nnotes);
	sb_free(&saved);
	s->plan_valid = false;
	return rc;
}

int stage_push(struct stage *s, struct op *op, struct diags *d)
{
	if (s->broken < s->nops) {
		diag_error(d, NULL, 0, _("an earlier staged change no longer applies: undo it first"));
		op_free(&op);
		return -1;
	}
	if (apply_one(s, op, d) < 0) {
		op_free(&op);
		return -1;
	}
	xgrow(&s->ops, &s->opcap, s->nops + 1, sizeof *s->ops);
	s->ops[s->nops++] = op;
	s->broken = s->nops;
	return 0;
}

int stage_load(struct stage *s, struct diags *d)
{
	world_free(&s->world);
	files_clear(s);
	s->stale = false;
	layout_clear(&s->layout);   /* main.cf is read again too */
	actions_clear(s);
	s->plan_valid = false;
	s->broken = s->nops;
	for (size_t i = 0; i < s->nops; i++) {
		if (apply_one(s, s->ops[i], d) < 0) {
			struct strbuf desc = STRBUF_INIT;
			op_describe(s->ops[i], &desc);
			diag_error(d, NULL, 0, _("staged change %zu (%s) no longer applies to the files as they are now"),
				   i + 1, desc.buf);
			sb_free(&desc);
			s->broken = i;
			return -1;
		}
	}
	/* Nothing staged: the world loads when asked for (stage_world); only
	 * a main.cf that cannot be read stops the stage now. */
	if (s->nops == 0 && !s->layout.valid && layout_load(s, d) < 0)
		return -1;
	return 0;
}

/* The whole file, or exists = false; -1 on a read error. */
static int read_raw(const char *path, struct strbuf *out, bool *exists)
{
	FILE *fp = fopen(path, "re");
	*exists = fp != NULL;
	if (!fp)
		return errno == ENOENT ? 0 : -1;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(out, buf, n);
	int rc = ferror(fp) ? -1 : 0;
	fclose(fp);
	return rc;
}

/* Does the file still hold the bytes read? The same inode, size, mtime and
 * ctime say so, provided no write after the read could have given the file
 * the mtime it has: the kernel dates a write with a clock that ticks every
 * few milliseconds, so a write within the tick of the one before keeps its
 * mtime (git's "racy" index entries). That is excluded when the mtime is
 * two ticks older than the read, or still in the future now (atomicio
 * dates a rewritten passwd-file a second ahead: reference §4.4). Otherwise
 * the bytes are compared. */
static long racy_margin_ns(void)
{
	struct timespec res;
	if (clock_getres(CLOCK_REALTIME_COARSE, &res) < 0 || res.tv_sec > 0 || res.tv_nsec > 25000000L)
		return 50000000L;
	return res.tv_nsec < 1000000L ? 2000000L : 2 * res.tv_nsec;
}

static long long ns_between(const struct timespec *from, const struct timespec *to)
{
	return (long long)(to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

static bool file_unchanged(const struct staged_file *f, struct strbuf *scratch)
{
	struct stat st;
	if (stat(f->path, &st) < 0)
		return errno == ENOENT && !f->existed;
	if (!f->existed || !S_ISREG(st.st_mode))
		return false;
	if (st.st_dev == f->st.st_dev && st.st_ino == f->st.st_ino && st.st_size == f->st.st_size &&
	    st.st_mtim.tv_sec == f->st.st_mtim.tv_sec && st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec &&
	    st.st_ctim.tv_sec == f->st.st_ctim.tv_sec && st.st_ctim.tv_nsec == f->st.st_ctim.tv_nsec) {
		long margin = racy_margin_ns();
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (ns_between(&st.st_mtim, &f->read_at) > margin || ns_between(&now, &st.st_mtim) > margin)
			return true;
	}
	if (f->lazy && !f->undo)
		return false;   /* only consulted, not held: read everything again */
	const struct strbuf *old = stage_file_old(f);
	bool exists;
	sb_reset(scratch);
	return read_raw(f->path, scratch, &exists) == 0 && exists && scratch->len == old->len &&
	       memcmp(sb_str(scratch), sb_str(old), scratch->len) == 0;
}

int stage_refresh(struct stage *s, bool *replayed, struct diags *d)
{
	*replayed = false;
	bool same = s->broken == s->nops && !s->stale;
	struct strbuf now = STRBUF_INIT;
	for (size_t i = 0; i < s->npaths && same; i++)
		same = file_unchanged(file_get(s, s->paths[i]), &now);
	sb_free(&now);
	if (same)
		return 0;
	*replayed = true;
	return stage_load(s, d);
}

const char *stage_maincf_path(struct stage *s)
{
	if (!s->layout.valid)
		layout_load(s, NULL);
	return s->layout.valid ? s->layout.maincf : NULL;
}

const char *stage_mailbox_base(struct stage *s)
{
	return stage_maincf_path(s) ? s->layout.base : NULL;
}

void stage_reset(struct stage *s)
{
	layout_clear(&s->layout);
	for (size_t i = 0; i < s->nops; i++)
		op_free(&s->ops[i]);
	s->nops = 0;
	s->broken = 0;
	world_free(&s->world);
	files_clear(s);
	actions_clear(s);
	s->plan_valid = false;
}

int stage_undo(struct stage *s, struct diags *d)
{
	if (s->nops == 0)
		return 0;
	op_free(&s->ops[--s->nops]);
	return stage_load(s, d);
}

const struct world *stage_world(struct stage *s, struct diags *d)
{
	if (!s->world && load_world(s, &s->world, d) < 0)
		return NULL;
	return s->world;
}

/* ---- the plan ------------------------------------------------------------ */

static bool file_changed(const struct staged_file *f)
{
	if (f->lazy)
		return f->undo && f->undo->n > 0;
	return f->edited &&
	       (f->cur.len != f->old.len || memcmp(sb_str(&f->cur), sb_str(&f->old), f->old.len) != 0);
}

static size_t line_start_at(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] != '\n')
		at--;
	return at;
}

/* For a file read in part: cur's [*c0, *c1) holding every change and at
 * least `context` whole lines around them, old's bytes for the same
 * stretch in old, and the lines before it (the same on both sides). */
static size_t undo_window(const struct staged_file *f, unsigned context, size_t *c0, size_t *c1,
			  struct strbuf *old)
{
	const struct staged_undo *u = f->undo;
	const char *c = f->cur.buf;
	size_t n = f->cur.len;
	size_t a = line_start_at(c, u->v[0].cur_off);
	for (unsigned k = 0; k < context && a > 0; k++)
		a = line_start_at(c, a - 1);
	size_t b = u->v[u->n - 1].cur_off + u->v[u->n - 1].cur_len;
	for (unsigned k = 0; k <= context && b < n; k++) {
		const char *nl = memchr(c + b, '\n', n - b);
		b = nl ? (size_t)(nl - c) + 1 : n;
	}
	*c0 = a;
	*c1 = b;
	undo_rebuild(f, a, b, old);
	size_t lines = 0;
	for (const char *p = c, *end = c + a; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		lines++;
	return lines;
}

/* The domain-like keys of a table or list (first word of each entry line,
 * without '@'), in order. virtual_alias_domains defaults to
 * $virtual_alias_maps, so the alias table is also a domain list: only a
 * change of these keys needs a reload. */
static void domain_keys(const char *t, size_t len, struct strbuf *out)
{
	const char *end = t + len;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		const char *e = nl ? nl : end;
		if (t < e && *t != '#' && *t != ' ' && *t != '\t') {
			size_t w = strcspn(t, " \t\n");
			if (w > (size_t)(e - t))
				w = (size_t)(e - t);
			if (!memchr(t, '@', w)) {
				sb_add(out, t, w);
				sb_addc(out, '\n');
			}
		}
		t = nl ? nl + 1 : end;
	}
}

static bool domain_keys_changed(const struct staged_file *f)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	if (f->lazy && f->undo && f->undo->n) {
		/* outside the changed stretch the lines are the same */
		struct strbuf old = STRBUF_INIT;
		size_t c0, c1;
		undo_window(f, 0, &c0, &c1, &old);
		domain_keys(sb_str(&old), old.len, &a);
		domain_keys(f->cur.buf + c0, c1 - c0, &b);
		sb_free(&old);
	} else {
		const struct strbuf *old = stage_file_old(f);
		domain_keys(sb_str(old), old->len, &a);
		domain_keys(sb_str(&f->cur), f->cur.len, &b);
	}
	bool changed = a.len != b.len || memcmp(sb_str(&a), sb_str(&b), a.len) != 0;
	sb_free(&a);
	sb_free(&b);
	return changed;
}

static void plan_add_action(struct plan *p, enum action_kind kind, const char *path,
			    const char *target, const char *detail)
{
	p->actions = xreallocarray(p->actions, p->nactions + 1, sizeof *p->actions);
	p->actions[p->nactions++] = (struct action){
		.kind = kind,
		.path = path ? xstrdup(path) : NULL,
		.target = target ? xstrdup(target) : NULL,
		.detail = detail ? xstrdup(detail) : NULL,
	};
}

const struct plan *stage_plan(struct stage *s)
{
	if (s->plan_valid)
		return &s->plan;
	plan_clear(&s->plan);
	struct plan *p = &s->plan;
	if (!s->layout.valid)
		layout_load(s, NULL);   /* from main.cf alone: no world needed */
	const struct layout *w = s->layout.valid ? &s->layout : NULL;
	bool reload_postfix = false, reload_dovecot = false;
	for (size_t i = 0; i < s->npaths; i++) {
		struct staged_file *f = file_get(s, s->paths[i]);
		if (!file_changed(f))
			continue;
		p->files = xreallocarray(p->files, p->nfiles + 1, sizeof *p->files);
		p->files[p->nfiles++] = f;
		if (!w)
			continue;
		if (strcmp(f->path, w->maincf) == 0)
			reload_postfix = true;
		if (strcmp(f->path, w->pwfile) == 0)
			reload_dovecot = true;
		if (strcmp(f->path, w->aliases) == 0)
			plan_add_action(p, ACT_POSTALIAS, f->path, NULL, "hash");
		for (size_t m = 0; m < w->nmaps; m++) {
			const struct layout_map *wm = &w->maps[m];
			if (!wm->path || strcmp(wm->path, f->path) != 0)
				continue;
			const char *type = wm->type;
			if (table_type_built_suffix(type))
				plan_add_action(p, ACT_POSTMAP, f->path, NULL, type);
			else
				/* /file/name lists and pattern files are read once per
				 * process: only a reload makes Postfix see them (§1.5). */
				reload_postfix = true;
			/* Measured (tests/integration/stage-live.sh): after a new
			 * domain in a rebuilt virtual_mailbox_domains table, the
			 * running smtpd still answers "Relay access denied" until
			 * a reload: its domain lists do not follow the table. */
			if ((wm->roles & (MAP_MAILBOX_DOMAINS | MAP_ALIAS_DOMAINS | MAP_MYDESTINATION)) &&
			    domain_keys_changed(f))
				reload_postfix = true;
			break;
		}
	}
	/* Maps rebuilt on request (OP_MAP_REBUILD): the same action as for a
	 * changed file, once; an unchanged file is listed apart so that the
	 * commit builds it without writing, backing up or journalling it. */
	for (size_t i = 0; i < s->nacts; i++) {
		const struct action *a = &s->acts[i];
		if (a->kind != ACT_POSTMAP && a->kind != ACT_POSTALIAS)
			continue;
		bool have = false;
		for (size_t k = 0; k < p->nactions && !have; k++)
			have = p->actions[k].kind == a->kind && strcmp(p->actions[k].path, a->path) == 0;
		if (have)
			continue;
		plan_add_action(p, a->kind, a->path, NULL, a->detail);
		struct staged_file *f = file_get(s, a->path);
		if (f && !file_changed(f)) {
			file_materialize(s, f);   /* the commit builds the map from cur */
			p->rebuilt = xreallocarray(p->rebuilt, p->nrebuilt + 1, sizeof *p->rebuilt);
			p->rebuilt[p->nrebuilt++] = f;
		}
		/* The running smtpd's domain lists do not follow a rebuilt table
		 * (see above), and a stale .db may have lacked a domain. */
		for (size_t m = 0; w && m < w->nmaps; m++)
			if (w->maps[m].path && strcmp(w->maps[m].path, a->path) == 0 &&
			    (w->maps[m].roles & (MAP_MAILBOX_DOMAINS | MAP_ALIAS_DOMAINS | MAP_MYDESTINATION)))
				reload_postfix = true;
	}
	/* Maildirs are created after the maps name them and archived after the
	 * maps stop naming them (Postfix recreates a maildir it still delivers to). */
	for (size_t i = 0; i < s->nacts; i++)
		if (s->acts[i].kind != ACT_POSTMAP && s->acts[i].kind != ACT_POSTALIAS)
			plan_add_action(p, s->acts[i].kind, s->acts[i].path, s->acts[i].target,
					s->acts[i].detail);
	if (reload_postfix)
		plan_add_action(p, ACT_RELOAD_POSTFIX, NULL, NULL, NULL);
	if (reload_dovecot)
		plan_add_action(p, ACT_RELOAD_DOVECOT, NULL, NULL, NULL);
	for (size_t i = 0; i < s->nnotes; i++) {
		p->notes = xreallocarray(p->notes, p->nnotes + 1, sizeof *p->notes);
		p->notes[p->nnotes++] = xstrdup(s->notes[i]);
	}
	s->plan_valid = true;
	return p;
}

const char *plan_action_name(enum action_kind k)
{
	switch (k) {
	case ACT_POSTMAP: return "postmap";
	case ACT_POSTALIAS: return "postalias";
	case ACT_MAILDIR_CREATE: return "create-maildir";
	case ACT_MAILDIR_ARCHIVE: return "archive-maildir";
	case ACT_MAILDIR_PURGE: return "purge-maildir";
	case ACT_RELOAD_POSTFIX: return "reload-postfix";
	case ACT_RELOAD_DOVECOT: return "reload-dovecot";
	case ACT_MAILDIR_RESTORE: return "restore-maildir";
	}
	return "?";
}

void plan_diff(const struct plan *p, struct strbuf *out)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct staged_file *f = p->files[i];
		const char *from = f->existed ? f->path : "/dev/null";
		if (f->lazy && f->undo && f->undo->n) {
			/* only the stretch around the changes: old is not held */
			struct strbuf old = STRBUF_INIT;
			size_t c0, c1;
			size_t before = undo_window(f, 3, &c0, &c1, &old);
			diff_unified_at(from, f->path, sb_str(&old), old.len, f->cur.buf + c0, c1 - c0, 3,
					before, out);
			sb_free(&old);
			continue;
		}
		const struct strbuf *old = stage_file_old(f);
		diff_unified(from, f->path, sb_str(old), old->len, sb_str(&f->cur), f->cur.len, 3, out);
	}
}

void plan_describe_actions(const struct plan *p, const struct config *cfg, struct strbuf *out)
{
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		switch (a->kind) {
		case ACT_POSTMAP:
			sb_addf(out, _("rebuild map %s:%s (postmap -c %s)\n"), a->detail, a->path, cfg->postfix_dir);
			break;
		case ACT_POSTALIAS:
			sb_addf(out, _("rebuild aliases %s:%s (postalias)\n"), a->detail, a->path);
			break;
		case ACT_MAILDIR_CREATE:
			sb_addf(out, _("create maildir %s (owner %ld:%ld, mode 0700)\n"), a->path,
				cfg->vmail_uid, cfg->vmail_gid);
			break;
		case ACT_MAILDIR_ARCHIVE:
			sb_addf(out, _("archive maildir %s to %s\n"), a->path, a->target);
			break;
		case ACT_MAILDIR_PURGE:
			sb_addf(out, _("DELETE maildir %s and all its mail\n"), a->path);
			break;
		case ACT_MAILDIR_RESTORE:
			sb_addf(out, _("move archived maildir %s back to %s\n"), a->path, a->target);
			break;
		case ACT_RELOAD_POSTFIX:
			sb_addf(out, _("reload Postfix (%s)\n"), *cfg->postfix_reload ? cfg->postfix_reload
								   : _("disabled in the configuration"));
			break;
		case ACT_RELOAD_DOVECOT:
			sb_addf(out, _("reload Dovecot (%s)\n"), *cfg->dovecot_reload ? cfg->dovecot_reload
								   : _("disabled in the configuration"));
			break;
		}
	}
	for (size_t i = 0; i < p->nnotes; i++)
		sb_addf(out, _("note: %s\n"), p->notes[i]);
}

/* ---- pending (staged, not committed) ------------------------------------------ */

int stage_save_pending(struct stage *s, struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < stage_count(s); i++) {
		op_format(stage_op(s, i), &sb);
		sb_addc(&sb, '\n');
	}
	int rc = state_pending_write(stage_config(s), sb.buf, sb.len, d);
	sb_free(&sb);
	return rc;
}

bool stage_has_pending(const struct config *cfg)
{
	return state_pending_exists(cfg);
}

int stage_restore_pending(struct stage *s, size_t *n, struct diags *d)
{
	const struct config *cfg = stage_config(s);
	char *path = state_pending_path(cfg);
	struct doc *doc;
	*n = 0;
	if (state_pending_load(cfg, &doc, d) < 0) {
		free(path);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < doc_count(doc) && rc == 0; i++) {
		size_t len;
		const char *t = doc_text(doc, i, &len);
		char *line = xmemdup0(t, len);
		int argc;
		char **words = op_split_words(line, &argc, path, (unsigned)i + 1, d);
		if (words && argc > 0) {
			struct op *op = op_from_words(argc, words, path, (unsigned)i + 1, d);
			if (!op || stage_push(s, op, d) < 0)
				rc = -1;
			else
				(*n)++;
		}
		op_words_free(words);
		free(line);
	}
	if (rc == 0)
		state_pending_discard(cfg);
	doc_free(&doc);
	free(path);
	return rc;
}
