/* Excerpts of large files for the stage's quick path (see excerpt.h). The
 * scan reads each physical line once, groups a table's lines into logical
 * lines as doc_next_logical() does (a line starting with whitespace goes on
 * the one before, blank and comment lines inside are carried along), and
 * keeps byte ranges of whole groups; the document is made from those bytes
 * only, so it parses and edits like the file itself. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/ascii.h"
#include "vmailadm/excerpt.h"
#include "vmailadm/xalloc.h"

struct span {
	size_t off, len;   /* a physical line of the file, with its line end */
};

struct range {
	size_t start, end; /* bytes of whole lines */
};

struct excerpt {
	struct span *lines;
	size_t n;
	bool crlf;         /* most of the file's lines end with "\r\n" */
};

struct scan {
	enum excerpt_kind kind;
	const char *data;
	size_t len;
	const struct excerpt_want *want;
	struct range *picked;
	size_t npicked, cap;
	struct range anchor;   /* the last entry of the wanted domain */
	bool have_anchor;
	size_t tail;           /* start of the last entry that is surely one */
	size_t crlf, lf;
	size_t keylen[8];      /* of want->keys, when there are at most 8 */
	size_t domlen;
};

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_folded(const char *a, size_t n, const char *folded)
{
	for (size_t i = 0; i < n; i++)
		if (fold(a[i]) != folded[i])
			return false;
	return folded[n] == '\0';
}

static bool contains_folded(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0 || m > n)
		return m == 0;
	for (size_t i = 0; i + m <= n; i++) {
		if (fold(s[i]) != needle[0])
			continue;
		size_t k = 1;
		while (k < m && fold(s[i + k]) == needle[k])
			k++;
		if (k == m)
			return true;
	}
	return false;
}

static bool wanted_key(const struct scan *s, const char *k, size_t n)
{
	const struct excerpt_want *w = s->want;
	for (size_t i = 0; i < w->nkeys; i++)
		if ((i >= 8 || s->keylen[i] == n) && same_folded(k, n, w->keys[i]))
			return true;
	return false;
}

static bool has_needle(const struct excerpt_want *w, const char *s, size_t n)
{
	for (size_t i = 0; i < w->nneedles; i++)
		if (contains_folded(s, n, w->needles[i]))
			return true;
	return false;
}

/* The domain of a key as table.c's key_domain() and pwfile's domain_of()
 * see it: after the last '@'; a key without one is its own domain in a
 * table and has none in the passwd-file. */
static bool in_domain(const struct scan *s, const char *k, size_t n, bool bare_is_domain)
{
	/* The domain holds no '@': the key ends with "@domain", or is it. */
	size_t dl = s->domlen;
	if (!s->want->domain || n < dl || !same_folded(k + n - dl, dl, s->want->domain))
		return false;
	if (n > dl)
		return k[n - dl - 1] == '@';
	return bare_is_domain && !memchr(k, '@', n);
}

static void pick(struct scan *s, size_t start, size_t end)
{
	xgrow(&s->picked, &s->cap, s->npicked + 1, sizeof *s->picked);
	s->picked[s->npicked++] = (struct range){ start, end };
}

/* ---- one logical line of a table or list ---- */

/* A key as postmap cuts it, when it is simple: no quote or backslash (those
 * lines are always taken). */
static bool plain_word(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == '\\' || s[i] == '\0')
			return false;
	return true;
}

/* The first byte of p[0..n) that cannot be in a plain key: whitespace or
 * another control byte, '"' or '\\' (eight bytes at a time: most lines are
 * "user@domain<tab>value", and this runs once a line). */
static size_t key_stop(const char *p, size_t n)
{
	size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; i + 8 <= n; i += 8) {
		uint64_t w, q, b;
		memcpy(&w, p + i, 8);
		q = w ^ 0x2222222222222222ull;   /* '"' -> 0 */
		b = w ^ 0x5c5c5c5c5c5c5c5cull;   /* '\\' -> 0 */
		uint64_t hit = (((w - 0x2121212121212121ull) & ~w) | ((q - 0x0101010101010101ull) & ~q) |
				((b - 0x0101010101010101ull) & ~b)) & 0x8080808080808080ull;
		if (hit) {
			/* the lowest flagged byte is exact; bytes >= 0x80 may be
			 * flagged falsely by the first test: check from there */
			i += (size_t)__builtin_ctzll(hit) / 8;
			break;
		}
	}
#endif
	while (i < n && (unsigned char)p[i] > ' ' && p[i] != '"' && p[i] != '\\')
		i++;
	return i;
}

static void table_group(struct scan *s, size_t start, size_t end, size_t first_end)
{
	const char *p = s->data + start;
	size_t n = first_end - start;
	size_t k = key_stop(p, n);
	/* a plain key ends in whitespace; anything else (quotes, backslashes,
	 * control bytes) is read by the parser itself: taken */
	bool plain = k > 0 && (k == n || ascii_is_ws(p[k]));
	if (!plain) {
		while (k < n && !ascii_is_ws(p[k]))
			k++;
	}
	bool take = !plain || wanted_key(s, p, k) ||
		    (s->want->nneedles && has_needle(s->want, p, end - start)) ||
		    (s->want->domain_keys && !memchr(p, '@', k));
	if (plain && in_domain(s, p, k, true)) {
		s->anchor = (struct range){ start, end };
		s->have_anchor = true;
	}
	/* Surely an entry: a plain key, then a value on the same line. */
	size_t v = k;
	while (v < n && ascii_is_ws(p[v]))
		v++;
	if (plain && v > k && v < n)
		s->tail = start;
	if (take)
		pick(s, start, end);
}

static void list_group(struct scan *s, size_t start, size_t end)
{
	const char *p = s->data + start;
	size_t n = end - start, i = 0;
	bool take = false, sure = false;
	while (i < n) {
		while (i < n && (p[i] == ',' || ascii_is_ws(p[i])))
			i++;
		if (i >= n)
			break;
		size_t w = i;
		while (i < n && p[i] != ',' && !ascii_is_ws(p[i]))
			i++;
		if (p[w] == '#' || !plain_word(p + w, i - w)) {
			take = true;   /* a comment word or quoting: read it all */
			break;
		}
		sure = true;
		take |= wanted_key(s, p + w, i - w) || s->want->domain_keys;
		if (in_domain(s, p + w, i - w, true)) {
			s->anchor = (struct range){ start, end };
			s->have_anchor = true;
		}
	}
	take |= s->want->nneedles && has_needle(s->want, p, n);
	if (sure)
		s->tail = start;
	if (take)
		pick(s, start, end);
}

static void scan_table(struct scan *s)
{
	const char *p = s->data, *end = s->data + s->len;
	bool open = false;
	size_t gstart = 0, gend = 0, gfirst_end = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl + 1;   /* the file ends with a newline */
		if (nl > p && nl[-1] == '\r')
			s->crlf++;
		else
			s->lf++;
		if (!ascii_is_ws(*p) && *p != '#') {
			if (open)
				s->kind == EXCERPT_LIST ? list_group(s, gstart, gend)
							: table_group(s, gstart, gend, gfirst_end);
			open = true;
			gstart = (size_t)(p - s->data);
			gend = (size_t)(next - s->data);
			gfirst_end = (size_t)(nl - s->data);
		} else if (open) {
			/* a continuation line (not blank, not a comment) extends it */
			const char *q = p;
			while (q < nl && ascii_is_ws(*q))
				q++;
			if (q < nl && *q != '#' && q > p)
				gend = (size_t)(next - s->data);
		}
		p = next;
	}
	if (open)
		s->kind == EXCERPT_LIST ? list_group(s, gstart, gend) : table_group(s, gstart, gend, gfirst_end);
}

static void scan_passwd(struct scan *s)
{
	const char *p = s->data, *end = s->data + s->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl + 1;
		const char *le = nl;
		if (nl > p && nl[-1] == '\r') {
			s->crlf++;
			le--;
		} else {
			s->lf++;
		}
		size_t start = (size_t)(p - s->data), stop = (size_t)(next - s->data);
		size_t n = (size_t)(le - p);
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		/* pwfile.c: comments start in the first column; a line of blanks is blank. */
		if (n > 0 && *p != '#' && q < le) {
			const char *colon = memchr(p, ':', n);
			size_t ulen = colon ? (size_t)(colon - p) : n;
			if (wanted_key(s, p, ulen) ||
			    (s->want->nneedles && has_needle(s->want, p, n)))
				pick(s, start, stop);
			if (in_domain(s, p, ulen, false)) {
				s->anchor = (struct range){ start, stop };
				s->have_anchor = true;
			}
			s->tail = start;   /* every such line is an entry, errors too */
		}
		p = next;
	}
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

struct excerpt *excerpt_build(enum excerpt_kind kind, const char *data, size_t len,
			      const struct excerpt_want *want)
{
	if (len == 0 || data[len - 1] != '\n' || memchr(data, '\0', len))
		return NULL;
	struct scan s = { .kind = kind, .data = data, .len = len, .want = want };
	for (size_t i = 0; i < want->nkeys && i < 8; i++)
		s.keylen[i] = strlen(want->keys[i]);
	s.domlen = want->domain ? strlen(want->domain) : 0;
	if (want->domain && strchr(want->domain, '@'))
		return NULL;   /* not a domain: in_domain's shortcut would not hold */
	if (kind == EXCERPT_PASSWD)
		scan_passwd(&s);
	else
		scan_table(&s);
	if (s.have_anchor)
		pick(&s, s.anchor.start, s.anchor.end);
	pick(&s, s.tail, len);
	qsort(s.picked, s.npicked, sizeof *s.picked, cmp_range);

	struct excerpt *x = xcalloc(1, sizeof *x);
	x->crlf = s.crlf > s.lf;
	size_t cap = 0, done = 0;   /* bytes before done are taken already */
	for (size_t i = 0; i < s.npicked; i++) {
		size_t a = s.picked[i].start > done ? s.picked[i].start : done;
		for (size_t b = a; b < s.picked[i].end;) {
			const char *nl = memchr(data + b, '\n', s.picked[i].end - b);
			size_t e = (size_t)(nl - data) + 1;
			xgrow(&x->lines, &cap, x->n + 1, sizeof *x->lines);
			x->lines[x->n++] = (struct span){ b, e - b };
			b = e;
		}
		if (s.picked[i].end > done)
			done = s.picked[i].end;
	}
	free(s.picked);
	return x;
}

void excerpt_free(struct excerpt **xp)
{
	if (!*xp)
		return;
	free((*xp)->lines);
	free(*xp);
	*xp = NULL;
}

size_t excerpt_lines(const struct excerpt *x)
{
	return x->n;
}

struct doc *excerpt_doc(const struct excerpt *x, const char *full, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < x->n; i++)
		sb_add(&sb, full + x->lines[i].off, x->lines[i].len);
	struct doc *doc = doc_from_mem(name, sb_str(&sb), sb.len);
	sb_free(&sb);
	doc_track_origins(doc);
	doc_set_default_eol(doc, x->crlf ? "\r\n" : "\n");
	return doc;
}

static void add_doc_line(struct strbuf *out, const struct doc *doc, size_t j)
{
	size_t n;
	const char *t = doc_text(doc, j, &n);
	sb_add(out, t, n);
	sb_adds(out, doc_eol(doc, j));
}

struct changes {
	struct excerpt_change *v;
	size_t n, cap;
	bool on;
	size_t base;   /* out starts at this offset of the new file */
};

/* old [old_off, +old_len) became out's bytes from cur_off to its end;
 * joined to the change before when they touch. */
static void note_change(struct changes *c, size_t old_off, size_t old_len, size_t cur_off,
			const struct strbuf *out)
{
	size_t cur_len = out->len - cur_off;
	cur_off += c->base;
	if (!c->on || (old_len == 0 && cur_len == 0))
		return;
	struct excerpt_change *last = c->n ? &c->v[c->n - 1] : NULL;
	if (last && last->old_off + last->old_len == old_off && last->cur_off + last->cur_len == cur_off) {
		last->old_len += old_len;
		last->cur_len += cur_len;
		return;
	}
	xgrow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
	c->v[c->n++] = (struct excerpt_change){ old_off, old_len, cur_off, cur_len };
}

void excerpt_splice(const struct excerpt *x, const char *full, size_t full_len,
		    const struct doc *doc, struct strbuf *out, struct excerpt_change **changes,
		    size_t *nchanges)
{
	excerpt_splice_from(x, full, full_len, doc, 0, out, changes, nchanges);
}

/* Whether excerpt line i comes out exactly as it was, with nothing new
 * before it. */
static bool line_kept(const struct excerpt *x, const char *full, const struct doc *doc,
		      const size_t *at, size_t i)
{
	if (at[i] == SIZE_MAX)
		return false;
	size_t n;
	const char *t = doc_text(doc, at[i], &n);
	const char *e = doc_eol(doc, at[i]);
	size_t el = strlen(e);
	return n + el == x->lines[i].len && memcmp(t, full + x->lines[i].off, n) == 0 &&
	       memcmp(e, full + x->lines[i].off + n, el) == 0;
}

size_t excerpt_untouched(const struct excerpt *x, const char *full, size_t full_len,
			 const struct doc *doc)
{
	size_t nd = doc_count(doc);
	size_t *at = xreallocarray(NULL, x->n ? x->n : 1, sizeof *at);
	for (size_t i = 0; i < x->n; i++)
		at[i] = SIZE_MAX;
	size_t first_new = SIZE_MAX;   /* excerpt line a new line goes before */
	size_t prev = 0;
	for (size_t j = 0; j < nd; j++) {
		size_t o = doc_origin(doc, j);
		if (o == DOC_NEW) {
			if (first_new == SIZE_MAX)
				first_new = prev;
		} else {
			at[o] = j;
			prev = o + 1;
		}
	}
	size_t i = 0;
	while (i < x->n && i < first_new && line_kept(x, full, doc, at, i))
		i++;
	/* new lines after line i-1 go right after it; a changed line i starts it */
	size_t off = i < first_new ? (i < x->n ? x->lines[i].off : full_len)
				   : (i > 0 ? x->lines[i - 1].off + x->lines[i - 1].len : (x->n ? x->lines[0].off : full_len));
	free(at);
	return off;
}

void excerpt_splice_from(const struct excerpt *x, const char *full, size_t full_len,
			 const struct doc *doc, size_t from, struct strbuf *out,
			 struct excerpt_change **changes, size_t *nchanges)
{
	size_t nd = doc_count(doc);
	/* where each excerpt line went (SIZE_MAX: deleted), and the new lines
	 * after each one (slot 0: before the first) as doc indexes */
	size_t *at = xreallocarray(NULL, x->n ? x->n : 1, sizeof *at);
	for (size_t i = 0; i < x->n; i++)
		at[i] = SIZE_MAX;
	size_t *after = xreallocarray(NULL, nd ? nd : 1, sizeof *after);
	size_t *slot = xreallocarray(NULL, nd ? nd : 1, sizeof *slot);
	size_t nafter = 0, prev = 0;
	for (size_t j = 0; j < nd; j++) {
		size_t o = doc_origin(doc, j);
		if (o == DOC_NEW) {
			after[nafter] = j;
			slot[nafter++] = prev;
		} else {
			at[o] = j;
			prev = o + 1;
		}
	}
	struct changes c = { .on = changes != NULL, .base = from };
	size_t pos = from, k = 0;
	sb_reset(out);
	/* one allocation: the file from `from`, with room for the new lines */
	size_t grow = full_len - from + 1;
	for (size_t j = 0; j < nd; j++) {
		size_t n;
		doc_text(doc, j, &n);
		grow += n + 2;
	}
	sb_grow(out, grow);
	for (size_t i = 0; i < x->n; i++) {
		const struct span *ln = &x->lines[i];
		if (ln->off < from) {
			/* before `from`: kept as it was (excerpt_untouched), and
			 * new lines after it, if any, start out */
			if (ln->off + ln->len == from) {
				size_t mark = out->len;
				for (; k < nafter && slot[k] <= i + 1; k++)
					add_doc_line(out, doc, after[k]);
				note_change(&c, from, 0, mark, out);
			}
			continue;
		}
		sb_add(out, full + pos, ln->off - pos);
		size_t mark = out->len;
		for (; k < nafter && slot[k] == i; k++)   /* only slot 0 is left here */
			add_doc_line(out, doc, after[k]);
		note_change(&c, ln->off, 0, mark, out);
		mark = out->len;
		if (at[i] != SIZE_MAX)
			add_doc_line(out, doc, at[i]);
		/* the line itself: kept as it was, or changed (or gone) */
		if (out->len - mark != ln->len || memcmp(out->buf + mark, full + ln->off, ln->len) != 0)
			note_change(&c, ln->off, ln->len, mark, out);
		mark = out->len;
		/* right after the line they follow, before the lines not excerpted */
		for (; k < nafter && slot[k] == i + 1; k++)
			add_doc_line(out, doc, after[k]);
		note_change(&c, ln->off + ln->len, 0, mark, out);
		pos = ln->off + ln->len;
	}
	sb_add(out, full + pos, full_len - pos);
	size_t mark = out->len;
	for (; k < nafter; k++)
		add_doc_line(out, doc, after[k]);
	note_change(&c, full_len, 0, mark, out);
	if (changes) {
		*changes = c.v;
		*nchanges = c.n;
	}
	free(at);
	free(after);
	free(slot);
}
