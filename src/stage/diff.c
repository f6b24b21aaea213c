/* Line diff with Myers' O(ND) algorithm after trimming the common prefix and
 * suffix (staged edits touch a few lines of large files), printed as hunks
 * in diff -u format. A large middle (a cascade: a domain's thousands of
 * lines gone) is first cut at the lines found once on each side, in order
 * (patience diff's anchors), so that Myers only sees the short gaps
 * between them. Past a large edit distance with no anchor it falls back
 * to "replace the whole middle": still a correct patch, only not minimal. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmailadm/diff.h"
#include "vmailadm/xalloc.h"

#define MAX_EDIT_DISTANCE 2000
/* A middle this long or shorter goes to Myers at once (and small files'
 * diffs stay exactly what they were); a longer one is cut at anchors. */
#define DIRECT_LINES 2000

struct lines {
	const char **p;   /* start of each line */
	size_t *len;      /* length including its '\n' when present */
	size_t n;
};

static void split_lines(const char *s, size_t slen, struct lines *l)
{
	size_t cap = 0;
	l->p = NULL;
	l->len = NULL;
	l->n = 0;
	const char *end = s + slen;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (l->n == cap) {
			size_t c2 = cap;
			xgrow(&l->p, &cap, l->n + 1, sizeof *l->p);
			xgrow(&l->len, &c2, l->n + 1, sizeof *l->len);
		}
		l->p[l->n] = s;
		l->len[l->n] = len;
		l->n++;
		s += len;
	}
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* An edit script as one tag per line of the merged sequence. */
enum op { KEEP, DEL, ADD };
struct script {
	enum op *op;
	size_t n, cap;
};

static void push(struct script *s, enum op o)
{
	xgrow(&s->op, &s->cap, s->n + 1, sizeof *s->op);
	s->op[s->n++] = o;
}

/* Myers' greedy algorithm on a[a0..a1) vs b[b0..b1), keeping the V row of
 * every d (its k = -d..d, the only part the way back reads) so the path can
 * be traced back: O(D^2) memory. Returns 0, or -1 past MAX_EDIT_DISTANCE. */
static int myers(const struct lines *a, size_t a0, size_t a1, const struct lines *b,
		 size_t b0, size_t b1, struct script *out)
{
	long n = (long)(a1 - a0), m = (long)(b1 - b0);
	long max = n + m;
	if (max == 0)
		return 0;
	if (max > MAX_EDIT_DISTANCE)
		max = MAX_EDIT_DISTANCE;
	long width = 2 * max + 2; /* k = -d..d plus the k+1 probe at d = 0 */
	long *v = xcalloc((size_t)width, sizeof *v);
	long **trace = xcalloc((size_t)max + 1, sizeof *trace);
	long d, found = -1;
	for (d = 0; d <= max && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x;
			if (k == -d || (k != d && v[max + k - 1] < v[max + k + 1]))
				x = v[max + k + 1];
			else
				x = v[max + k - 1] + 1;
			long y = x - k;
			while (x < n && y < m && same(a, a0 + (size_t)x, b, b0 + (size_t)y))
				x++, y++;
			v[max + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
		trace[d] = xmalloc((size_t)(2 * d + 1) * sizeof *v);
		memcpy(trace[d], v + max - d, (size_t)(2 * d + 1) * sizeof *v);
	}
	int rc = -1;
	if (found >= 0) {
		/* Walk back from (n, m), collecting ops in reverse; trace[d-1]
		 * holds k = -(d-1)..d-1 at [k + d - 1]. */
		struct script rev = { 0 };
		long x = n, y = m;
		for (d = found; d > 0; d--) {
			const long *pv = trace[d - 1] + (d - 1);
			long k = x - y, pk;
			if (k == -d || (k != d && pv[k - 1] < pv[k + 1]))
				pk = k + 1;
			else
				pk = k - 1;
			long px = pv[pk], py = px - pk;
			while (x > px && y > py)
				push(&rev, KEEP), x--, y--;
			if (x == px)
				push(&rev, ADD), y--;
			else
				push(&rev, DEL), x--;
		}
		while (x > 0 && y > 0)
			push(&rev, KEEP), x--, y--;
		for (size_t i = rev.n; i-- > 0;)
			push(out, rev.op[i]);
		free(rev.op);
		rc = 0;
	}
	for (long i = 0; i <= max; i++)
		free(trace[i]);
	free(trace);
	free(v);
	return rc;
}

/* Myers, or past its limit every line of a deleted and every line of b
 * added. */
static void diff_gap(const struct lines *a, size_t a0, size_t a1, const struct lines *b,
		     size_t b0, size_t b1, struct script *out)
{
	if (myers(a, a0, a1, b, b0, b1, out) == 0)
		return;
	for (size_t i = a0; i < a1; i++)
		push(out, DEL);
	for (size_t i = b0; i < b1; i++)
		push(out, ADD);
}

/* A line's slot in the anchor table: how often it is in each side, and
 * where (the last place seen). */
struct anchor_slot {
	const char *p;
	size_t len, in_a, in_b, at_a, at_b;
};

static size_t line_hash(const struct lines *l, size_t i)
{
	size_t h = 1469598103934665603u;
	for (size_t k = 0; k < l->len[i]; k++)
		h = (h ^ (unsigned char)l->p[i][k]) * 1099511628211u;
	return h;
}

static struct anchor_slot *anchor_find(struct anchor_slot *t, size_t mask, const struct lines *l,
				       size_t i)
{
	for (size_t h = line_hash(l, i) & mask;; h = (h + 1) & mask)
		if (!t[h].p || (t[h].len == l->len[i] && !memcmp(t[h].p, l->p[i], t[h].len)))
			return &t[h];
}

/* The anchors of a[a0..a1) and b[b0..b1): the lines found exactly once in
 * each, kept where their order agrees on both sides (the longest such
 * run, by patience sorting). Their a positions into *ai, b into *bi, in
 * order; their number returned. */
static size_t anchors(const struct lines *a, size_t a0, size_t a1, const struct lines *b,
		      size_t b0, size_t b1, size_t **ai, size_t **bi)
{
	size_t size = 16;
	while (size < 2 * (a1 - a0 + b1 - b0))
		size *= 2;
	struct anchor_slot *t = xcalloc(size, sizeof *t);
	struct anchor_slot **slot_a = xmalloc((a1 - a0) * sizeof *slot_a);   /* a's lines' slots */
	for (size_t i = a0; i < a1; i++) {
		struct anchor_slot *e = slot_a[i - a0] = anchor_find(t, size - 1, a, i);
		e->p = a->p[i], e->len = a->len[i], e->in_a++, e->at_a = i;
	}
	for (size_t j = b0; j < b1; j++) {
		struct anchor_slot *e = anchor_find(t, size - 1, b, j);
		e->p = b->p[j], e->len = b->len[j], e->in_b++, e->at_b = j;
	}
	/* the unique pairs in a's order, then the longest run increasing in b */
	size_t n = 0, *pa = xmalloc((a1 - a0) * sizeof *pa), *pb = xmalloc((a1 - a0) * sizeof *pb);
	for (size_t i = a0; i < a1; i++) {
		const struct anchor_slot *e = slot_a[i - a0];
		if (e->in_a == 1 && e->in_b == 1)
			pa[n] = i, pb[n++] = e->at_b;
	}
	free(slot_a);
	free(t);
	size_t *tops = xmalloc((n + 1) * sizeof *tops), *prev = xmalloc((n + 1) * sizeof *prev);
	size_t piles = 0;
	for (size_t k = 0; k < n; k++) {
		size_t lo = 0, hi = piles;   /* the first pile whose top is past pb[k] */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (pb[tops[mid]] < pb[k])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[k] = lo ? tops[lo - 1] : (size_t)-1;
		tops[lo] = k;
		if (lo == piles)
			piles++;
	}
	*ai = xmalloc((piles + 1) * sizeof **ai);
	*bi = xmalloc((piles + 1) * sizeof **bi);
	for (size_t k = piles ? tops[piles - 1] : (size_t)-1, r = piles; r-- > 0; k = prev[k])
		(*ai)[r] = pa[k], (*bi)[r] = pb[k];
	free(tops);
	free(prev);
	free(pa);
	free(pb);
	return piles;
}

/* The script of a[a0..a1) against b[b0..b1): common ends kept, a short
 * middle to Myers, a long one cut at its anchors and each gap between
 * them diffed the same way (depth bounds the recursion). */
static void diff_region(const struct lines *a, size_t a0, size_t a1, const struct lines *b,
			size_t b0, size_t b1, struct script *out, unsigned depth)
{
	while (a0 < a1 && b0 < b1 && same(a, a0, b, b0))
		push(out, KEEP), a0++, b0++;
	size_t suf = 0;
	while (a1 > a0 && b1 > b0 && same(a, a1 - 1, b, b1 - 1))
		a1--, b1--, suf++;
	size_t *ai = NULL, *bi = NULL, na = 0;
	if (a0 < a1 && b0 < b1 && (a1 - a0) + (b1 - b0) > DIRECT_LINES && depth < 32)
		na = anchors(a, a0, a1, b, b0, b1, &ai, &bi);
	if (na == 0) {
		diff_gap(a, a0, a1, b, b0, b1, out);
	} else {
		for (size_t k = 0; k < na; k++) {
			diff_region(a, a0, ai[k], b, b0, bi[k], out, depth + 1);
			push(out, KEEP);
			a0 = ai[k] + 1, b0 = bi[k] + 1;
		}
		diff_region(a, a0, a1, b, b0, b1, out, depth + 1);
	}
	free(ai);
	free(bi);
	while (suf--)
		push(out, KEEP);
}

static void add_line(struct strbuf *out, char tag, const struct lines *l, size_t i)
{
	sb_addc(out, tag);
	sb_add(out, l->p[i], l->len[i]);
	if (l->len[i] == 0 || l->p[i][l->len[i] - 1] != '\n')
		sb_adds(out, "\n\\ No newline at end of file\n");
}

/* "start,count" as diff -u writes it: an empty range names the line before. */
static void add_range(struct strbuf *out, size_t start, size_t count)
{
	if (count == 1)
		sb_addf(out, "%zu", start + 1);
	else
		sb_addf(out, "%zu,%zu", count ? start + 1 : start, count);
}

/* The first byte where a and b differ (n when they do not, up to n). */
static size_t first_difference(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	while (i + 4096 <= n && memcmp(a + i, b + i, 4096) == 0)
		i += 4096;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t c = 0;
	for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		c++;
	return c;
}

/* Start of the line holding s[at] (at may be the end of s). */
static size_t line_start(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] != '\n')
		at--;
	return at;
}

/* Just after the newline ending the line that holds s[at] (or len). */
static size_t line_end(const char *s, size_t len, size_t at)
{
	const char *nl = at < len ? memchr(s + at, '\n', len - at) : NULL;
	return nl ? (size_t)(nl - s) + 1 : len;
}

size_t diff_unified(const char *old_label, const char *new_label,
		    const char *a_text, size_t alen, const char *b_text, size_t blen,
		    unsigned context, struct strbuf *out)
{
	return diff_unified_at(old_label, new_label, a_text, alen, b_text, blen, context, 0, out);
}

/* Where the hunk whose first change is at script position i ends: it
 * extends while the next change is within 2*context keeps, then takes
 * context keeps more. */
static size_t diff_hunk_end(const struct script *s, size_t i, unsigned context)
{
	size_t end = i;
	for (;;) {
		while (end < s->n && s->op[end] != KEEP)
			end++;
		size_t keep = end;
		while (keep < s->n && s->op[keep] == KEEP && keep - end < 2 * (size_t)context + 1)
			keep++;
		if (keep < s->n && s->op[keep] != KEEP && keep - end <= 2 * (size_t)context) {
			end = keep;
			continue;
		}
		return end + context < s->n ? end + context : s->n;
	}
}

size_t diff_unified_at(const char *old_label, const char *new_label,
		       const char *a_text, size_t alen, const char *b_text, size_t blen,
		       unsigned context, size_t first_line, struct strbuf *out)
{
	/* Staged edits touch a few lines of files that may have 100,000: only
	 * the stretch from the first to the last differing byte, widened to
	 * whole lines and at least the context, is split into lines; the lines
	 * before it are counted, for the hunk numbers. (More context lines
	 * than needed change nothing: hunks take `context` of them.) */
	size_t shorter = alen < blen ? alen : blen;
	size_t head = first_difference(a_text, b_text, shorter);
	if (head == alen && head == blen)
		return 0;
	size_t tail = 0;   /* common bytes at the end, not reaching into head */
	while (tail < shorter - head && a_text[alen - 1 - tail] == b_text[blen - 1 - tail])
		tail++;
	size_t from = line_start(a_text, head);
	for (unsigned k = 0; k < context && from > 0; k++)
		from = line_start(a_text, from - 1);
	/* past the line holding the first common byte of the end, then the
	 * context: what follows is the same bytes, lines alike, in both */
	size_t a_to = line_end(a_text, alen, alen - tail);
	for (unsigned k = 0; k < context; k++)
		a_to = line_end(a_text, alen, a_to);
	size_t b_to = blen - (alen - a_to);
	size_t skipped = first_line + count_lines(a_text, from);

	struct lines a, b;
	split_lines(a_text + from, a_to - from, &a);
	split_lines(b_text + from, b_to - from, &b);

	size_t pre = 0;
	while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
		pre++;
	size_t suf = 0;
	while (suf < a.n - pre && suf < b.n - pre && same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;

	struct script s = { 0 };
	for (size_t i = 0; i < pre; i++)
		push(&s, KEEP);
	diff_region(&a, pre, a.n - suf, &b, pre, b.n - suf, &s, 0);
	for (size_t i = 0; i < suf; i++)
		push(&s, KEEP);

	size_t hunks = 0;
	size_t i = 0;
	/* ai/bi: line index in a/b at script position i. */
	size_t *ai = xmalloc((s.n + 1) * sizeof *ai), *bi = xmalloc((s.n + 1) * sizeof *bi);
	ai[0] = bi[0] = 0;
	for (size_t k = 0; k < s.n; k++) {
		ai[k + 1] = ai[k] + (s.op[k] != ADD);
		bi[k + 1] = bi[k] + (s.op[k] != DEL);
	}
	while (i < s.n) {
		while (i < s.n && s.op[i] == KEEP)
			i++;
		if (i == s.n)
			break;
		size_t start = i >= context ? i - context : 0;
		size_t end = diff_hunk_end(&s, i, context);
		if (hunks == 0)
			sb_addf(out, "--- %s\n+++ %s\n", old_label, new_label);
		hunks++;
		sb_adds(out, "@@ -");
		add_range(out, skipped + ai[start], ai[end] - ai[start]);
		sb_adds(out, " +");
		add_range(out, skipped + bi[start], bi[end] - bi[start]);
		sb_adds(out, " @@\n");
		for (size_t k = start; k < end; k++) {
			if (s.op[k] == KEEP)
				add_line(out, ' ', &a, ai[k]);
			else if (s.op[k] == DEL)
				add_line(out, '-', &a, ai[k]);
			else
				add_line(out, '+', &b, bi[k]);
		}
		i = end;
	}
	free(ai);
	free(bi);
	free(s.op);
	free(a.p);
	free(a.len);
	free(b.p);
	free(b.len);
	return hunks;
}
