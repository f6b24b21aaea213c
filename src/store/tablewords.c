/* A new value for an indexed entry written over several physical lines
 * (continuation lines), made on those lines word by word: a word replaced
 * in place, words removed from the line that holds them, words added at
 * the end of the last one or before the first (a table's or main.cf's
 * list). The other lines stay byte for byte; a value
 * none of those three describes (every word new, say) is left to
 * table_set, which writes it on one line. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

struct tw_word {
	size_t line;     /* physical line in the document */
	size_t s, e;     /* its bytes on that line */
	char *text;
	bool drop;       /* removed (case C) */
	char *with;      /* replaced by (case A), or NULL */
};

struct tw_words {
	struct tw_word *v;
	size_t n, cap;
};

static void tw_add(struct tw_words *w, size_t line, size_t s, size_t e, const char *text)
{
	xgrow(&w->v, &w->cap, w->n + 1, sizeof *w->v);
	w->v[w->n++] = (struct tw_word){ line, s, e, xstrndup(text + s, e - s), false, NULL };
}

static void tw_free(struct tw_words *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].text);
		free(w->v[i].with);
	}
	free(w->v);
}

static bool tw_dropped_line(const char *p, size_t len)
{
	size_t k = 0;
	while (k < len && ascii_is_ws(p[k]))
		k++;
	return k == len || p[k] == '#';
}

/* The value's words, line by line (the key, the first klen bytes of the
 * first line, left out). */
static void tw_old_words(const struct doc *doc, size_t first, size_t nlines, size_t klen,
			 struct tw_words *w)
{
	for (size_t i = first; i < first + nlines; i++) {
		size_t len, pos = i == first ? klen : 0, st, wl;
		const char *p = doc_text(doc, i, &len);
		if (i != first && tw_dropped_line(p, len))
			continue;
		while (tableline_word(p, len, &pos, &st, &wl))
			tw_add(w, i, st, st + wl, p);
	}
}

/* Line i rewritten: its replaced words substituted, its dropped words cut
 * (each up to the next word of the line, or to its end); keep is how many
 * bytes at its start no cut may reach (the key, on the entry's first
 * line). After the last word kept, when words after it went: nothing when
 * the value ends on this line (ends_here), else the comma that separated
 * them, if there was one. Returns false when the line is left with
 * nothing (to be deleted). */
static bool tw_rewrite_line(struct doc *doc, size_t i, const struct tw_word *v, size_t n,
			    size_t keep, bool ends_here)
{
	size_t len;
	const char *p = doc_text(doc, i, &len);
	char *cut = xcalloc(len + 1, 1);
	size_t kept = 0, lastkept_e = keep;
	for (size_t k = 0; k < n; k++) {
		if (!v[k].drop) {
			kept++;
			lastkept_e = v[k].e;
			continue;
		}
		size_t b = k + 1 < n ? v[k + 1].s : len;
		memset(cut + v[k].s, 1, b - v[k].s);
	}
	if (kept == 0 && keep == 0) {
		free(cut);
		return false;
	}
	bool comma = false;
	if (ends_here || (n > 0 && v[n - 1].drop)) {
		comma = !ends_here && kept > 0 && memchr(p + lastkept_e, ',', len - lastkept_e);
		memset(cut + lastkept_e, 1, len - lastkept_e);
	}
	struct strbuf out = STRBUF_INIT;
	size_t k = 0;
	for (size_t b = 0; b < len; b++) {
		while (k < n && v[k].e <= b)
			k++;
		if (k < n && b == v[k].s && v[k].with) {
			sb_adds(&out, v[k].with);
			b = v[k].e - 1;
			continue;
		}
		if (!cut[b])
			sb_addc(&out, p[b]);
	}
	if (comma)
		sb_addc(&out, ',');
	free(cut);
	doc_replace(doc, i, sb_str(&out));
	sb_free(&out);
	return true;
}

/* Case B: the new words after the old ones, at the end of the line that
 * holds the last old word. */
static void tw_append(struct doc *doc, const struct tw_word *last, char *const *add, size_t n)
{
	size_t len;
	const char *p = doc_text(doc, last->line, &len);
	while (len > 0 && ascii_is_ws(p[len - 1]))
		len--;
	struct strbuf out = STRBUF_INIT;
	sb_add(&out, p, len);
	for (size_t i = 0; i < n; i++)
		sb_addf(&out, "%s%s", i == 0 && len && p[len - 1] == ',' ? " " : ", ", add[i]);
	doc_replace(doc, last->line, sb_str(&out));
	sb_free(&out);
}

static bool tw_suffix(const struct tw_words *old, char *const *nw, size_t nn)
{
	for (size_t i = 0; i < old->n; i++)
		if (strcmp(old->v[i].text, nw[nn - old->n + i]) != 0)
			return false;
	return true;
}

/* Case D: the new words before the old ones, in front of the first old
 * word on its line, with the list's separator (a comma when the value
 * has one). */
static void tw_prepend(struct doc *doc, const struct tw_words *old, char *const *add, size_t n)
{
	bool comma = false;
	for (size_t i = 0; i < old->n && !comma; i++) {
		size_t len;
		const char *p = doc_text(doc, old->v[i].line, &len);
		comma = memchr(p + old->v[i].s, ',', len - old->v[i].s) != NULL;
	}
	if (old->n == 1)
		comma = true;
	const struct tw_word *w0 = &old->v[0];
	size_t len;
	const char *p = doc_text(doc, w0->line, &len);
	struct strbuf out = STRBUF_INIT;
	sb_add(&out, p, w0->s);
	for (size_t i = 0; i < n; i++)
		sb_addf(&out, "%s%s", add[i], comma ? ", " : " ");
	sb_add(&out, p + w0->s, len - w0->s);
	doc_replace(doc, w0->line, sb_str(&out));
	sb_free(&out);
}

/* Cases A and C: each line with a word replaced or removed rewritten
 * (deleted when left with nothing), from the last line up so that a
 * deleted line moves none above. */
static void tw_rewrite(struct doc *doc, const struct tw_words *old, size_t first, size_t klen)
{
	size_t last_kept_line = first;
	for (size_t i = 0; i < old->n; i++)
		if (!old->v[i].drop)
			last_kept_line = old->v[i].line;
	size_t hi = old->n;
	while (hi > 0) {
		size_t line = old->v[hi - 1].line, lo = hi - 1;
		while (lo > 0 && old->v[lo - 1].line == line)
			lo--;
		bool changed = false;
		for (size_t i = lo; i < hi; i++)
			changed |= old->v[i].drop || old->v[i].with;
		/* the line of the last word kept loses its trailing comma when
		 * the words after it went */
		bool tail = line == last_kept_line && old->v[old->n - 1].drop;
		if ((changed || tail) &&
		    !tw_rewrite_line(doc, line, old->v + lo, hi - lo, line == first ? klen : 0, tail))
			doc_delete(doc, line, 1);
		hi = lo;
	}
}

bool tablewords_set(struct doc *doc, size_t first, size_t nlines, size_t klen, const char *val)
{
	struct tw_words old = { 0 };
	char **nw = NULL;
	size_t nn = 0, ncap = 0, pos = 0, st, wl, vl = strlen(val);
	while (tableline_word(val, vl, &pos, &st, &wl)) {
		xgrow(&nw, &ncap, nn + 1, sizeof *nw);
		nw[nn++] = xstrndup(val + st, wl);
	}
	tw_old_words(doc, first, nlines, klen, &old);
	bool done = false, rewrite = true;   /* A and C: lines to rewrite */
	size_t same = 0;
	while (same < old.n && same < nn && strcmp(old.v[same].text, nw[same]) == 0)
		same++;
	if (nn == 0 || old.n == 0) {
		/* an empty value is not an edit of these words */
	} else if (nn == old.n) {                               /* A: replaced */
		size_t kept = 0;
		for (size_t i = 0; i < nn; i++)
			if (strcmp(old.v[i].text, nw[i]) != 0)
				old.v[i].with = xstrdup(nw[i]);
			else
				kept++;
		/* every word new: a value set anew, not an edit of these */
		done = kept > 0;
	} else if (nn > old.n && same == old.n) {              /* B: added */
		tw_append(doc, &old.v[old.n - 1], nw + old.n, nn - old.n);
		done = true;
		rewrite = false;
	} else if (nn > old.n && tw_suffix(&old, nw, nn)) {     /* D: put before */
		tw_prepend(doc, &old, nw, nn - old.n);
		done = true;
		rewrite = false;
	} else if (nn < old.n) {                                /* C: removed? */
		size_t k = 0;
		for (size_t i = 0; i < old.n; i++) {
			if (k < nn && strcmp(old.v[i].text, nw[k]) == 0)
				k++;
			else
				old.v[i].drop = true;
		}
		done = k == nn;
	}
	if (done && rewrite)
		tw_rewrite(doc, &old, first, klen);
	for (size_t i = 0; i < nn; i++)
		free(nw[i]);
	free(nw);
	tw_free(&old);
	return done;
}

/* Remove every word w (folded) from the physical lines first..first+nlines
 * of a list's logical line, keeping the other words and their separators
 * as written. Returns whether anything was removed. */
bool tablewords_list_remove(struct doc *doc, size_t first, size_t nlines, const char *w)
{
	struct span { size_t s, e; bool match; } *v = NULL;
	size_t vcap = 0, end = first + nlines;
	bool removed = false;
	for (size_t i = first; i < end;) {
		size_t len;
		const char *p = doc_text(doc, i, &len);
		char *s = xmemdup0(p, len);
		size_t n = 0, kept = 0, pos = 0, st, wl, sl = strlen(s);
		while (tableline_word(s, sl, &pos, &st, &wl) && s[st] != '#') {
			char *fw = xstrndup(s + st, wl);
			for (char *c = fw; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			xgrow(&v, &vcap, n + 1, sizeof *v);
			v[n] = (struct span){ st, st + wl, strcmp(fw, w) == 0 };
			kept += !v[n].match;
			n++;
			free(fw);
		}
		if (n == kept) {        /* nothing to remove (or a dropped line) */
			free(s);
			i++;
			continue;
		}
		removed = true;
		if (kept > 0) {
			/* A word goes with the separator after it; the last word of
			 * the line with the separator before it. */
			char *cut = xcalloc(len + 1, 1);
			for (size_t k = 0; k < n; k++) {
				if (!v[k].match)
					continue;
				size_t a = k + 1 < n ? v[k].s : v[k - 1].e;
				size_t b = k + 1 < n ? v[k + 1].s : v[k].e;
				memset(cut + a, 1, b - a);
			}
			struct strbuf out = STRBUF_INIT;
			for (size_t k = 0; k < len; k++)
				if (!cut[k])
					sb_addc(&out, s[k]);
			doc_replace(doc, i, sb_str(&out));
			sb_free(&out);
			free(cut);
			i++;
		} else {
			doc_delete(doc, i, 1);
			end--;
			/* The logical line lost its first line: the next line that
			 * continued it becomes its start, without the indentation. */
			for (size_t k = i; i == first && k < end; k++) {
				const char *c = doc_text(doc, k, &len);
				size_t m = 0;
				while (m < len && ascii_is_ws(c[m]))
					m++;
				if (m < len && c[m] != '#') {
					char *rest = xmemdup0(c + m, len - m);
					doc_replace(doc, k, rest);
					free(rest);
					break;
				}
			}
		}
		free(s);
	}
	free(v);
	return removed;
}
