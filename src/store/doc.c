/* Documents: the bytes of a file split into physical lines, kept exactly so
 * that an admin's comments, spacing and line ends survive every edit. Lines
 * point into one copy of the file; edited lines own their text. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

enum eol { EOL_NONE, EOL_LF, EOL_CRLF };   /* each one's value is its length */

/* 16 bytes: a 100,000-line file has 100,000 of them. */
struct line {
	const char *text;
	uint32_t len;    /* a line of 4 GiB or more is refused (line_len) */
	uint8_t eol;     /* enum eol */
	bool owned;      /* text was allocated by an edit */
};

struct doc {
	char *name;
	char *data;      /* the file as read */
	bool borrowed;   /* data is not ours (doc_over) */
	size_t len;      /* data's bytes */
	bool edited;     /* a line changed since it was read: data is not it */
	struct line *lines;
	size_t n, cap;
	bool exists;
	bool dirty;
	bool has_stat;
	struct stat st;
	uint8_t eol_hint;  /* enum eol + 1 for new lines; 0: the majority */
	uint32_t *orig;    /* when tracked: each line's index at doc_track_origins */
	/* While dirty: the first same_head and the last same_tail lines are
	 * those of the document as it was when last clean (doc_changed_span:
	 * the stage splices only the lines between into its bytes). */
	size_t same_head, same_tail;
};

static const char *eol_str(unsigned e)
{
	return e == EOL_CRLF ? "\r\n" : e == EOL_LF ? "\n" : "";
}

static uint32_t line_len(size_t n)
{
	if (n > UINT32_MAX)
		vm_fatal("%s", _("a line of 4 GiB or more: not a configuration file"));
	return (uint32_t)n;
}

/* Room for at least need lines: the array grows by a quarter (a doubling
 * would leave up to half of a large file's array unused), and the new
 * part is mapped in one call. */
static void reserve_lines(struct doc *doc, size_t need)
{
	if (need <= doc->cap)
		return;
	size_t cap = doc->cap + doc->cap / 4 + 16;
	if (cap < need)
		cap = need;
	doc->lines = xreallocarray(doc->lines, cap, sizeof *doc->lines);
	arena_populate(doc->lines + doc->cap, (cap - doc->cap) * sizeof *doc->lines);
	doc->cap = cap;
}

static void split(struct doc *doc, size_t len)
{
	const char *p = doc->data, *end = doc->data + len;
	/* The line count, estimated from the first 64 KiB (exact for a file
	 * that small): one pass over the data instead of a counting pass. */
	size_t sample = len < 65536 ? len : 65536, n = 1;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + sample - q))) != NULL; q++)
		n++;
	size_t est = n;
	if (sample < len)
		est = (size_t)((double)n * (double)len / (double)sample * 1.0625) + 16;
	reserve_lines(doc, est);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct line ln = { .text = p, .owned = false };
		if (nl) {
			size_t l = (size_t)(nl - p);
			ln.eol = EOL_LF;
			if (l > 0 && nl[-1] == '\r') {
				l--;
				ln.eol = EOL_CRLF;
			}
			ln.len = line_len(l);
			p = nl + 1;
		} else {
			ln.len = line_len((size_t)(end - p));
			ln.eol = EOL_NONE;
			p = end;
		}
		reserve_lines(doc, doc->n + 1);
		doc->lines[doc->n++] = ln;
	}
}

struct doc *doc_from_mem(const char *name, const char *data, size_t len)
{
	struct doc *doc = xcalloc(1, sizeof *doc);
	doc->name = xstrdup(name);
	doc->data = xmemdup0(data, len);
	doc->len = len;
	doc->exists = true;
	split(doc, len);
	return doc;
}

struct doc *doc_over(const char *name, const char *data, size_t len)
{
	if (len == 0)
		return doc_from_mem(name, "", 0);
	struct doc *doc = xcalloc(1, sizeof *doc);
	doc->name = xstrdup(name);
	doc->data = (char *)(uintptr_t)data;   /* only read: edited lines own their text */
	doc->borrowed = true;
	doc->len = len;
	doc->exists = true;
	split(doc, len);
	return doc;
}

int doc_open(const char *path, bool missing_ok, int *fdp, struct stat *st, struct diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		diag_error(d, path, 0, _("cannot open: %s"), strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		int err = errno;
		if (fstat(fd, st) < 0)
			diag_error(d, path, 0, _("cannot stat: %s"), strerror(err));
		else
			diag_error(d, path, 0, _("not a regular file"));
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 1;
}

int doc_load(const char *path, bool missing_ok, struct doc **out, struct diags *d)
{
	*out = NULL;
	int fd;
	struct stat st;
	int rc = doc_open(path, missing_ok, &fd, &st, d);
	if (rc <= 0) {
		if (rc == 0) {
			*out = doc_from_mem(path, "", 0);
			(*out)->exists = false;
		}
		return rc;
	}
	/* Sized from fstat: a 25 MB passwd-file is read into one 25 MB buffer
	 * (a strbuf would round it up to the next power of two). The spare
	 * byte shows EOF; only a file that grows meanwhile makes it realloc. */
	size_t cap = (size_t)st.st_size + 2, len = 0;
	char *buf = xmalloc(cap);
	arena_populate(buf, cap);
	for (;;) {
		if (cap - len - 1 == 0) {
			cap += cap / 2 + 65536;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			diag_error(d, path, 0, _("cannot read: %s"), strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	struct doc *doc = xcalloc(1, sizeof *doc);
	doc->name = xstrdup(path);
	doc->exists = true;
	doc->has_stat = true;
	doc->st = st;
	doc->data = buf;
	doc->len = len;
	split(doc, len);
	*out = doc;
	return 0;
}

void doc_free(struct doc **docp)
{
	struct doc *doc = *docp;
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n; i++)
		if (doc->lines[i].owned)
			free((char *)(uintptr_t)doc->lines[i].text);
	free(doc->lines);
	free(doc->orig);
	if (!doc->borrowed)
		free(doc->data);
	free(doc->name);
	free(doc);
	*docp = NULL;
}

struct doc *doc_clone(const struct doc *doc)
{
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	struct doc *c = doc_from_mem(doc->name, sb_str(&sb), sb.len);
	sb_free(&sb);
	c->exists = doc->exists;
	c->dirty = doc->dirty;
	c->same_head = doc->same_head;
	c->same_tail = doc->same_tail;
	c->has_stat = doc->has_stat;
	c->st = doc->st;
	return c;
}

struct doc *doc_share(const struct doc *doc)
{
	struct doc *c = xmalloc(sizeof *c);
	*c = *doc;
	c->name = xstrdup(doc->name);
	c->borrowed = true;   /* doc's data: only read, doc outlives c */
	c->orig = NULL;
	c->cap = doc->n ? doc->n : 1;
	c->lines = xreallocarray(NULL, c->cap, sizeof *c->lines);
	if (doc->n)
		memcpy(c->lines, doc->lines, doc->n * sizeof *c->lines);
	for (size_t i = 0; i < c->n; i++)
		if (c->lines[i].owned)
			c->lines[i].text = xmemdup0(c->lines[i].text, c->lines[i].len);
	return c;
}

const char *doc_bytes(const struct doc *doc, size_t *len)
{
	*len = doc->len;
	return doc->edited || !doc->exists ? NULL : doc->data;
}

bool doc_same(const struct doc *a, const struct doc *b)
{
	if (a->n != b->n || a->exists != b->exists)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct line *x = &a->lines[i], *y = &b->lines[i];
		if (x->len != y->len || x->eol != y->eol ||
		    (x->text != y->text && memcmp(x->text, y->text, x->len) != 0))
			return false;
	}
	return true;
}

/* An edit of a document that had n_old lines keeps its first head and its
 * last tail lines as they were: the span of lines changed since the
 * document was last clean grows to take it in. */
static void mark_changed(struct doc *doc, size_t n_old, size_t head, size_t tail)
{
	doc->edited = true;
	if (!doc->dirty) {
		doc->same_head = n_old;
		doc->same_tail = n_old;
	}
	if (head < doc->same_head)
		doc->same_head = head;
	if (tail < doc->same_tail)
		doc->same_tail = tail;
	doc->dirty = true;
}

bool doc_changed_span(const struct doc *doc, size_t *head, size_t *tail)
{
	*head = doc->dirty ? doc->same_head : doc->n;
	*tail = doc->dirty ? doc->same_tail : 0;
	if (*head > doc->n)
		*head = doc->n;
	if (*tail > doc->n - *head)
		*tail = doc->n - *head;
	return doc->dirty;
}

size_t doc_render_size(const struct doc *doc, size_t from, size_t to)
{
	if (from > to || to > doc->n)
		vm_panic("doc_render_size: lines %zu..%zu of %zu", from, to, doc->n);
	size_t len = 0;
	for (size_t i = from; i < to; i++)
		len += doc->lines[i].len + doc->lines[i].eol;   /* enum eol: its length */
	return len;
}

void doc_render_lines(const struct doc *doc, size_t from, size_t to, struct strbuf *out)
{
	if (from > to || to > doc->n)
		vm_panic("doc_render_lines: lines %zu..%zu of %zu", from, to, doc->n);
	for (size_t i = from; i < to; i++) {
		sb_add(out, doc->lines[i].text, doc->lines[i].len);
		sb_adds(out, eol_str(doc->lines[i].eol));
	}
}

const char *doc_name(const struct doc *doc) { return doc->name; }
bool doc_exists(const struct doc *doc) { return doc->exists; }
const struct stat *doc_stat(const struct doc *doc) { return doc->has_stat ? &doc->st : NULL; }
size_t doc_count(const struct doc *doc) { return doc->n; }
bool doc_dirty(const struct doc *doc) { return doc->dirty; }
void doc_clean(struct doc *doc) { doc->dirty = false; }

const char *doc_text(const struct doc *doc, size_t i, size_t *len)
{
	if (i >= doc->n)
		vm_panic("doc_text: line %zu of %zu", i, doc->n);
	*len = doc->lines[i].len;
	return doc->lines[i].text;
}

const char *doc_eol(const struct doc *doc, size_t i)
{
	if (i >= doc->n)
		vm_panic("doc_eol: line %zu of %zu", i, doc->n);
	return eol_str(doc->lines[i].eol);
}

static enum eol default_eol(const struct doc *doc)
{
	if (doc->eol_hint)
		return (enum eol)(doc->eol_hint - 1);
	size_t crlf = 0, lf = 0;
	for (size_t i = 0; i < doc->n; i++) {
		crlf += doc->lines[i].eol == EOL_CRLF;
		lf += doc->lines[i].eol == EOL_LF;
	}
	return crlf > lf ? EOL_CRLF : EOL_LF;
}

const char *doc_default_eol(const struct doc *doc)
{
	return eol_str(default_eol(doc));
}

void doc_set_default_eol(struct doc *doc, const char *eol)
{
	doc->eol_hint = (uint8_t)((strcmp(eol, "\r\n") == 0 ? EOL_CRLF : EOL_LF) + 1);
}

void doc_track_origins(struct doc *doc)
{
	if (doc->n > UINT32_MAX - 1)
		vm_fatal("%s", _("a file of 4 billion lines: not a configuration file"));
	free(doc->orig);
	doc->orig = xreallocarray(NULL, doc->cap ? doc->cap : 1, sizeof *doc->orig);
	for (size_t i = 0; i < doc->n; i++)
		doc->orig[i] = (uint32_t)i;
}

size_t doc_origin(const struct doc *doc, size_t i)
{
	if (i >= doc->n)
		vm_panic("doc_origin: line %zu of %zu", i, doc->n);
	return doc->orig && doc->orig[i] != UINT32_MAX ? doc->orig[i] : DOC_NEW;
}

void doc_render(const struct doc *doc, struct strbuf *out)
{
	doc_render_lines(doc, 0, doc->n, out);
}

static void set_text(struct line *ln, const char *text)
{
	if (ln->owned)
		free((char *)(uintptr_t)ln->text);
	ln->len = line_len(strlen(text));
	ln->text = xmemdup0(text, ln->len);
	ln->owned = true;
}

void doc_insert(struct doc *doc, size_t at, const char *text)
{
	doc_insert_many(doc, at, &text, 1);
}

void doc_insert_many(struct doc *doc, size_t at, const char *const *texts, size_t n)
{
	if (at > doc->n)
		vm_panic("doc_insert: line %zu of %zu", at, doc->n);
	if (n == 0)
		return;
	/* the lines one at a time would give each the same line end: the
	 * majority's, which theirs only add to */
	enum eol eol = default_eol(doc);
	/* the line before may get a newline: it counts as changed */
	mark_changed(doc, doc->n, at > 0 ? at - 1 : 0, doc->n - at);
	/* The line before the new ones must end with a newline now. */
	if (at > 0 && doc->lines[at - 1].eol == EOL_NONE)
		doc->lines[at - 1].eol = eol;
	size_t cap = doc->cap;
	xgrow(&doc->lines, &doc->cap, doc->n + n, sizeof *doc->lines);
	memmove(doc->lines + at + n, doc->lines + at, (doc->n - at) * sizeof *doc->lines);
	if (doc->orig) {
		if (doc->cap != cap)
			doc->orig = xreallocarray(doc->orig, doc->cap, sizeof *doc->orig);
		memmove(doc->orig + at + n, doc->orig + at, (doc->n - at) * sizeof *doc->orig);
		for (size_t i = 0; i < n; i++)
			doc->orig[at + i] = UINT32_MAX;
	}
	doc->n += n;
	for (size_t i = 0; i < n; i++) {
		doc->lines[at + i] = (struct line){ .eol = eol };
		set_text(&doc->lines[at + i], texts[i]);
	}
}

void doc_delete(struct doc *doc, size_t at, size_t count)
{
	if (at > doc->n || count > doc->n - at)
		vm_panic("doc_delete: lines %zu+%zu of %zu", at, count, doc->n);
	if (count == 0)
		return;
	/* the line before may lose its newline: it counts as changed */
	mark_changed(doc, doc->n, at > 0 ? at - 1 : 0, doc->n - at - count);
	/* Deleting the last line keeps the file's "no final newline" shape. */
	bool last_had_none = at + count == doc->n && doc->lines[doc->n - 1].eol == EOL_NONE;
	for (size_t i = at; i < at + count; i++)
		if (doc->lines[i].owned)
			free((char *)(uintptr_t)doc->lines[i].text);
	memmove(doc->lines + at, doc->lines + at + count,
		(doc->n - at - count) * sizeof *doc->lines);
	if (doc->orig)
		memmove(doc->orig + at, doc->orig + at + count, (doc->n - at - count) * sizeof *doc->orig);
	doc->n -= count;
	if (last_had_none && doc->n > 0 && at == doc->n)
		doc->lines[doc->n - 1].eol = EOL_NONE;
}

void doc_delete_marked(struct doc *doc, const bool *drop)
{
	size_t kept = 0, lo = doc->n, hi = 0;
	bool last_had_none = doc->n > 0 && doc->lines[doc->n - 1].eol == EOL_NONE;
	bool last_dropped = doc->n > 0 && drop[doc->n - 1];
	for (size_t i = 0; i < doc->n; i++)
		if (drop[i]) {
			lo = i < lo ? i : lo;
			hi = i + 1;
		}
	if (hi > 0)
		mark_changed(doc, doc->n, lo > 0 ? lo - 1 : 0, doc->n - hi);
	for (size_t i = 0; i < doc->n; i++) {
		if (drop[i]) {
			if (doc->lines[i].owned)
				free((char *)(uintptr_t)doc->lines[i].text);
			continue;
		}
		doc->lines[kept] = doc->lines[i];
		if (doc->orig)
			doc->orig[kept] = doc->orig[i];
		kept++;
	}
	if (kept == doc->n)
		return;
	doc->n = kept;
	/* As doc_delete: the file's "no final newline" shape stays. */
	if (last_had_none && last_dropped && doc->n > 0)
		doc->lines[doc->n - 1].eol = EOL_NONE;
}

void doc_replace(struct doc *doc, size_t at, const char *text)
{
	if (at >= doc->n)
		vm_panic("doc_replace: line %zu of %zu", at, doc->n);
	mark_changed(doc, doc->n, at, doc->n - at - 1);
	set_text(&doc->lines[at], text);
}

/* Postfix's ISSPACE: the C locale's whitespace. */
static bool ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A physical line readlline() drops: empty, all whitespace, or a comment. */
static bool dropped(const struct line *ln)
{
	size_t i = 0;
	while (i < ln->len && ws(ln->text[i]))
		i++;
	return i == ln->len || ln->text[i] == '#';
}

static void add_line(struct strbuf *text, const struct line *ln)
{
	sb_add(text, ln->text, ln->len);
	if (ln->eol == EOL_CRLF)
		sb_addc(text, '\r');
}

bool doc_next_logical(const struct doc *doc, size_t *pos, struct strbuf *text,
		      size_t *first, size_t *nlines)
{
	size_t i = *pos;
	sb_reset(text);
	while (i < doc->n && dropped(&doc->lines[i]))
		i++;
	if (i >= doc->n) {
		*pos = doc->n;
		return false;
	}
	*first = i;
	size_t last = i;
	add_line(text, &doc->lines[i]);
	/* Each dropped line is looked at at most twice (here and by the next
	 * call), so a whole file is read in linear time. */
	for (size_t j = i + 1; j < doc->n; j++) {
		const struct line *ln = &doc->lines[j];
		if (dropped(ln))
			continue;
		if (!ws(ln->text[0]))
			break;
		add_line(text, ln);
		last = j;
	}
	*nlines = last - i + 1;
	*pos = last + 1;
	return true;
}
