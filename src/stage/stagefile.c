/* The stage's files: the bytes of every file as read and as edited (a file
 * read in part keeps only what changed, and its old bytes are rebuilt on
 * demand), the world reading through them, and whether a file on disk still
 * holds the bytes read (change detection). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

void stagefile_undo_destroy(struct staged_undo **up)
{
	struct staged_undo *u = *up;
	if (u) {
		free(u->v);
		sb_free(&u->old);
		free(u);
		*up = NULL;
	}
}

void stagefile_cur_release(struct strbuf *cur, size_t *cur_map)
{
	if (*cur_map)
		mapfile_cow_free(cur->buf, *cur_map);
	else
		sb_free(cur);
	sb_init(cur);
	*cur_map = 0;
}

struct staged_file *stagefile_get(struct stage *s, const char *path)
{
	return strmap_get(s->files, path);
}

/* Read a file's bytes into a new staged file (nothing parsed: the world
 * parses what it needs, a whole document or an excerpt). Touches nothing
 * shared: the quick path runs it on a second thread. NULL with an error in
 * d when the file cannot be read (or is missing and !missing_ok). */
static struct staged_file *stagefile_read_bytes(const char *path, bool missing_ok, struct diags *d)
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
			/* Sized from fstat, as doc_load: the power of two a strbuf
			 * rounds to held 32 MB for a 24 MB passwd-file; the spare
			 * byte shows EOF. */
			f->old.cap = (size_t)f->st.st_size + 2;
			f->old.buf = xmalloc(f->old.cap);
			f->old.buf[0] = '\0';
			for (;;) {
				if (f->old.cap - f->old.len - 1 == 0)
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

/* Old's bytes for cur's [c0, c1), which holds every change whole. */
void stagefile_undo_rebuild(const struct staged_file *f, size_t c0, size_t c1, struct strbuf *out)
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

const struct strbuf *stagefile_old(const struct staged_file *cf)
{
	/* old is a cache: filling it changes nothing the caller sees */
	struct staged_file *f = (struct staged_file *)(uintptr_t)cf;
	if (!f->lazy)
		return &f->old;
	if (f->undo) {
		sb_reset(&f->old);
		sb_grow(&f->old, (size_t)f->st.st_size + 1);
		stagefile_undo_rebuild(f, 0, f->cur.len, &f->old);
		stagefile_undo_destroy(&f->undo);
		f->same_head = 0;
	} else {
		/* read whole later: the identity must be the one first read */
		struct diags d = DIAGS_INIT;
		struct staged_file *g = stagefile_read_bytes(f->path, true, &d);
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
const struct strbuf *stagefile_bytes(struct stage *s, struct staged_file *f)
{
	if (f->edits)
		return stagedit_whole(f);
	if (f->edited)
		return &f->cur;
	const struct strbuf *b = stagefile_old(f);
	if (f->changed_since)
		s->stale = true;
	return b;
}

size_t stagefile_len(struct stage *s, struct staged_file *f)
{
	return f->edits ? stagedit_len(f) : stagefile_bytes(s, f)->len;
}

/* New staged bytes for f, taken from nb (left empty). */
void stagefile_set(struct staged_file *f, struct strbuf *nb)
{
	stagefile_old(f);   /* an undo is relative to the cur it replaces */
	stagedit_free(f);
	stagefile_cur_release(&f->cur, &f->cur_map);
	f->cur = *nb;
	sb_init(nb);
	f->edited = true;
	f->same_head = 0;
}

/* Room in b for extra more bytes: a sixteenth more than needed (and 64
 * KiB), where sb_grow rounds up to a power of two (a 26 MB passwd-file's
 * staged bytes held 32 MB, a 5.7 MB map's 8 MB: issue 16). */
static void stagefile_room(struct strbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = need + need / 16 + 65536;
	b->buf = xrealloc(b->buf, cap);
	b->cap = cap;
	b->buf[b->len] = '\0';
}

void stagefile_splice(struct staged_file *f, size_t off, size_t len, const char *text, size_t n)
{
	stagefile_old(f);   /* an undo is relative to the cur it replaces */
	if (!f->edited || f->edits) {
		/* the bytes as read with the spans edited: no whole copy
		 * (issue 16) */
		if (!f->edits)
			stagedit_begin(f);
		stagedit_splice(f, off, len, text, n);
		return;
	}
	if (f->cur_map) {
		/* a copy-on-write view: a new buffer */
		const struct strbuf *b = &f->cur;
		struct strbuf nb = STRBUF_INIT;
		stagefile_room(&nb, b->len - len + n);
		sb_add(&nb, b->buf, off);
		sb_add(&nb, text, n);
		sb_add(&nb, b->buf + off + len, b->len - off - len);
		stagefile_set(f, &nb);
		return;
	}
	struct strbuf *c = &f->cur;
	size_t rest = c->len - off - len;
	if (n > len)
		stagefile_room(c, n - len);
	memmove(c->buf + off + n, c->buf + off + len, rest);
	memcpy(c->buf + off, text, n);
	c->len = off + n + rest;
	c->buf[c->len] = '\0';
	if (f->same_head > off)
		f->same_head = off;
}

void stagefile_materialize(struct stage *s, struct staged_file *f)
{
	if (f->edits) {
		stagedit_whole(f);
	} else if (!f->edited) {
		const struct strbuf *b = stagefile_bytes(s, f);
		sb_add(&f->cur, sb_str(b), b->len);
		f->edited = true;
	}
}

static void stagefile_free(struct staged_file *f)
{
	free(f->path);
	stagedit_free(f);
	stagefile_undo_destroy(&f->undo);
	if (f->old_table || f->old_pwfile)
		sb_init(&f->old);   /* the shared world's bytes */
	table_free(&f->old_table);
	pwfile_free(&f->old_pwfile);
	sb_free(&f->old);
	stagefile_cur_release(&f->cur, &f->cur_map);
	free(f);
}

void stagefile_clear(struct stage *s)
{
	size_t pos = 0;
	const char *k;
	void *v;
	while (strmap_next(s->files, &pos, &k, &v))
		stagefile_free(v);
	strmap_free(&s->files);
	s->files = strmap_create(16);
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	s->npaths = 0;
}

static struct staged_file *stagefile_register(struct stage *s, struct staged_file *f)
{
	strmap_put(s->files, f->path, f);
	xgrow(&s->paths, &s->pathcap, s->npaths + 1, sizeof *s->paths);
	s->paths[s->npaths++] = xstrdup(f->path);
	return f;
}

struct staged_file *stagefile_read(struct stage *s, const char *path, bool missing_ok,
				     struct diags *d)
{
	struct staged_file *f = stagefile_read_bytes(path, missing_ok, d);
	return f ? stagefile_register(s, f) : NULL;
}

/* Issue 16: the bytes of a file just read, when the world the stage shares
 * read the same (a map's, the passwd-file's), are that world's copy, not a
 * second one: kept alive by a borrowed handle of what it parsed from them. */
static void stagefile_share_bytes(struct stage *s, struct staged_file *f)
{
	const struct world *w = s->share;
	if (!w || f->edited || f->lazy || !f->existed)
		return;
	struct table *t = NULL;
	struct pwfile *p = NULL;
	for (size_t i = 0; i < world_map_count(w) && !t; i++) {
		struct table *x = world_map(w, i)->table;
		if (x && strcmp(doc_name(table_doc(x)), f->path) == 0)
			t = x;
	}
	if (!t && world_pwfile(w) && strcmp(doc_name(pwfile_doc(world_pwfile(w))), f->path) == 0)
		p = world_pwfile(w);
	size_t len;
	const char *b = t ? doc_bytes(table_doc(t), &len) : p ? doc_bytes(pwfile_doc(p), &len) : NULL;
	if (!b || len != f->old.len || memcmp(b, sb_str(&f->old), len) != 0)
		return;
	sb_free(&f->old);
	f->old.buf = (char *)(uintptr_t)b;   /* only read (stagefile_free) */
	f->old.len = len;
	f->old.cap = len + 1;
	f->old_table = t ? table_borrow(t) : NULL;
	f->old_pwfile = p ? pwfile_borrow(p) : NULL;
}

/* The world reads its files through here: the staged bytes when the stage
 * has them, else the disk (and the bytes are remembered as read). */
int stagefile_source_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		       struct diags *d)
{
	struct stage *s = ctx;
	struct staged_file *f = stagefile_get(s, path);
	if (!f) {
		if (!(f = stagefile_read(s, path, missing_ok, d)))
			return -1;
		stagefile_share_bytes(s, f);
	}
	bool made = f->edits && !stagedit_is_whole(f);
	const struct strbuf *b = stagefile_bytes(s, f);
	if (!f->existed && b->len == 0 && missing_ok)
		return doc_load(path, true, out, d); /* an absent file stays absent */
	/* The bytes as read never change while f lives (stagefile_old), and
	 * every world of the stage is freed before its files (stage_free,
	 * stage_load, stage_reset); edited bytes are replaced at each edit. */
	*out = f->edited ? doc_from_mem(path, sb_str(b), b->len) : doc_over(path, sb_str(b), b->len);
	if (made)
		stagedit_drop_whole(f);   /* made whole for this copy only */
	return 0;
}

/* A file registered from its mapping: identity only, no bytes. */
struct staged_file *stagefile_lazy(struct stage *s, const char *path, const struct part *pt)
{
	struct staged_file *f = xcalloc(1, sizeof *f);
	clock_gettime(CLOCK_REALTIME, &f->read_at);
	f->path = xstrdup(path);
	f->existed = true;
	f->st = pt->m.st;
	f->lazy = true;
	return stagefile_register(s, f);
}

/* The whole file, or exists = false; -1 on a read error. */
static int stagefile_read_raw(const char *path, struct strbuf *out, bool *exists)
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

bool stagefile_maincf_names(struct stage *s, const char *path)
{
	const char *mc = stage_maincf_path(s);
	if (!mc)
		return false;
	struct staged_file *f = stagefile_get(s, mc);
	struct strbuf disk = STRBUF_INIT;
	bool exists = true;
	const struct strbuf *text = f ? stagefile_bytes(s, f) : &disk;
	if (!f && stagefile_read_raw(mc, &disk, &exists) < 0)
		exists = true, sb_adds(&disk, path);   /* unreadable: as if it named it */
	bool named = false;
	size_t plen = strlen(path);
	for (const char *t = sb_str(text), *at; !named && (at = strstr(t, path)) != NULL; t = at + 1) {
		char after = at[plen];
		named = !(after == '.' || after == '_' || after == '-' || after == '/' ||
			  (after >= '0' && after <= '9') || ((after | 0x20) >= 'a' && (after | 0x20) <= 'z'));
	}
	sb_free(&disk);
	return named;
}

/* Does the file still hold the bytes read? The same inode, size, mtime and
 * ctime say so, provided no write after the read could have given the file
 * the mtime it has: the kernel dates a write with a clock that ticks every
 * few milliseconds, so a write within the tick of the one before keeps its
 * mtime (git's "racy" index entries). That is excluded when the mtime is
 * two ticks older than the read, or still in the future now (atomicio
 * dates a rewritten passwd-file a second ahead: reference §4.4). Otherwise
 * the bytes are compared. */
static long stagefile_racy_margin_ns(void)
{
	struct timespec res;
	if (clock_getres(CLOCK_REALTIME_COARSE, &res) < 0 || res.tv_sec > 0 || res.tv_nsec > 25000000L)
		return 50000000L;
	return res.tv_nsec < 1000000L ? 2000000L : 2 * res.tv_nsec;
}

static long long stagefile_ns_between(const struct timespec *from, const struct timespec *to)
{
	return (long long)(to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

bool stagefile_unchanged(const struct staged_file *f, struct strbuf *scratch)
{
	struct stat st;
	if (stat(f->path, &st) < 0)
		return errno == ENOENT && !f->existed;
	if (!f->existed || !S_ISREG(st.st_mode))
		return false;
	if (st.st_dev == f->st.st_dev && st.st_ino == f->st.st_ino && st.st_size == f->st.st_size &&
	    st.st_mtim.tv_sec == f->st.st_mtim.tv_sec && st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec &&
	    st.st_ctim.tv_sec == f->st.st_ctim.tv_sec && st.st_ctim.tv_nsec == f->st.st_ctim.tv_nsec) {
		long margin = stagefile_racy_margin_ns();
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (stagefile_ns_between(&st.st_mtim, &f->read_at) > margin || stagefile_ns_between(&now, &st.st_mtim) > margin)
			return true;
	}
	if (f->lazy && !f->undo)
		return false;   /* only consulted, not held: read everything again */
	const struct strbuf *old = stagefile_old(f);
	bool exists;
	sb_reset(scratch);
	return stagefile_read_raw(f->path, scratch, &exists) == 0 && exists && scratch->len == old->len &&
	       memcmp(sb_str(scratch), sb_str(old), scratch->len) == 0;
}

bool stagefile_changed(const struct staged_file *f)
{
	if (f->lazy)
		return f->undo && f->undo->n > 0;
	if (f->edits)
		return stagedit_changed(f);
	return f->edited &&
	       (f->cur.len != f->old.len || memcmp(sb_str(&f->cur), sb_str(&f->old), f->old.len) != 0);
}
