/* One edit of an indexed table (a "key value" map) made on its entries
 * and index in place, instead of parsing every line again (issue 16: the
 * reparse of a 10,000-line map was a seventh of a staging). Each patch
 * gives exactly what table.c's reindex would give on the edited document
 * (test_table compares them after every kind of edit); where a line near
 * the edit could read differently (its line end changed, a continuation
 * line met), it declines and table.c parses the whole document. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static void *pos_value(size_t i)
{
	return (void *)(uintptr_t)(i + 1);
}

/* Entries from..n moved: the index names each first-of-its-key at its new
 * position (later duplicates are not in it). */
static void tablepatch_reindex_from(struct table *t, size_t from)
{
	for (size_t i = from; i < t->ed.n; i++)
		if (!t->v[i].shadowed)
			strmap_put(t->ed.index, t->v[i].lookup_key, pos_value(i));
}

/* Line i of the document as reindex reads a one-line logical line: its
 * text with a '\r' when it ends in CRLF (doc_next_logical). Parsed as an
 * indexed line: the key's length and the value. */
static bool tablepatch_parse(const struct table *t, size_t i, size_t *klen, char **key,
			     const char **val, size_t *vlen, struct strbuf *text)
{
	size_t len;
	const char *s = doc_text(t->ed.doc, i, &len);
	sb_reset(text);
	sb_add(text, s, len);
	if (strcmp(doc_eol(t->ed.doc, i), "\r\n") == 0)
		sb_addc(text, '\r');
	if (text->len == 0 || ascii_is_ws(text->buf[0]) || text->buf[0] == '#' ||
	    memchr(text->buf, '\0', text->len))
		return false;
	struct diags scratch = DIAGS_INIT;
	bool ok = tableline_indexed(text->buf, text->len, doc_name(t->ed.doc), (unsigned)(i + 1), klen,
				    val, vlen, &scratch);
	diags_free(&scratch);
	*key = text->buf;
	return ok;
}

/* Whether line i starts a line of its own whatever precedes it: not a
 * continuation (leading whitespace before text). Past the end: true. */
static bool tablepatch_line_starts(const struct table *t, size_t i)
{
	if (i >= doc_count(t->ed.doc))
		return true;
	size_t len, k = 0;
	const char *s = doc_text(t->ed.doc, i, &len);
	if (len == 0 || !ascii_is_ws(s[0]))
		return true;
	while (k < len && ascii_is_ws(s[k]))
		k++;
	return k == len || s[k] == '#';
}

bool tablepatch_remove(struct table *t, const char *lk)
{
	size_t nl = doc_count(t->ed.doc), lo = SIZE_MAX, dups = 0, last = SIZE_MAX;
	if (t->syntax != TABLE_INDEXED || t->ed.npend)
		return false;
	/* from the first entry of the key, which the index names: its
	 * duplicates come after it (issue 16: every entry compared, for each of
	 * a catch-all's thousand identity entries removed) */
	size_t from = (size_t)(uintptr_t)strmap_get(t->ed.index, lk);
	if (from-- == 0)
		return false;
	for (size_t i = from; i < t->ed.n; i++)
		if (t->v[i].lookup_key[0] == lk[0] && strcmp(t->v[i].lookup_key, lk) == 0) {
			if (t->v[i].first + t->v[i].nlines >= nl)
				last = i;
			lo = lo == SIZE_MAX ? i : lo;
			dups++;
		}
	if (lo == SIZE_MAX)
		return false;
	/* The file's last line: without a newline, the line before loses its
	 * own (doc_delete keeps that shape). Its text as reindex reads it is
	 * the same unless it ended in CRLF (the '\r' goes with it), or it is
	 * a duplicate's removed too (the shape moves on again). */
	if (last != SIZE_MAX && !*doc_eol(t->ed.doc, nl - 1) &&
	    (dups > 1 || t->v[last].first == 0 || strcmp(doc_eol(t->ed.doc, t->v[last].first - 1), "\n") != 0))
		return false;
	/* the lines go from the last entry to the first: earlier positions hold */
	for (size_t i = t->ed.n; i-- > lo;)
		if (strcmp(t->v[i].lookup_key, lk) == 0)
			doc_delete(t->ed.doc, t->v[i].first, t->v[i].nlines);
	strmap_del(t->ed.index, lk);
	size_t k = lo, gone = 0, n = t->ed.n;
	for (size_t i = lo; i < t->ed.n; i++) {
		struct table_entry e = t->v[i];
		if (strcmp(e.lookup_key, lk) == 0) {
			gone += e.nlines;
			continue;
		}
		e.first -= gone;
		e.line = (unsigned)(e.first + 1);
		t->v[k++] = e;
	}
	t->ed.n = k;
	if (k + 1 == n && store_shift_cheaper(k - lo, k)) {   /* one gone: the later positions one down */
		strmap_shift_values(t->ed.index, (uintptr_t)lo + 2, -1);
		return true;
	}
	tablepatch_reindex_from(t, lo);
	return true;
}

/* Whether the entries marked in drop (drop[i - lo]) can go in place:
 * when the file's last line, without a newline, goes with them, the last
 * line left loses its own, and reads the same only if it ended in a bare
 * "\n" (as tablepatch_remove). */
static bool tablepatch_end_holds(const struct table *t, const bool *drop, size_t lo)
{
	size_t nl = doc_count(t->ed.doc), from = nl;
	if (nl == 0 || *doc_eol(t->ed.doc, nl - 1))
		return true;
	/* the entries removed that end the file, one against the next */
	for (size_t i = t->ed.n; i-- > lo && drop[i - lo] && t->v[i].first + t->v[i].nlines >= from;)
		from = t->v[i].first;
	return from == nl || from == 0 || strcmp(doc_eol(t->ed.doc, from - 1), "\n") == 0;
}

/* The entries of the n keys marked in *drop (from position *lo on); their
 * number and the last one's position in *hi. */
static size_t tablepatch_mark(const struct table *t, const char *const *lks, size_t n,
			      const struct strmap *gone, bool **drop, size_t *lo, size_t *hi)
{
	size_t count = 0;
	*lo = SIZE_MAX;
	*hi = 0;
	for (size_t i = 0; i < n; i++) {
		size_t at = (size_t)(uintptr_t)strmap_get(t->ed.index, lks[i]);
		if (at-- == 0)
			return 0;
		*lo = at < *lo ? at : *lo;
	}
	*drop = xcalloc(t->ed.n - *lo, sizeof **drop);
	for (size_t i = 0; i < n; i++) {
		size_t at = (size_t)(uintptr_t)strmap_get(t->ed.index, lks[i]) - 1;
		count += !(*drop)[at - *lo];
		(*drop)[at - *lo] = true;
		*hi = at > *hi ? at : *hi;
	}
	/* their shadowed duplicates, which come after them */
	for (size_t i = *lo; i < t->ed.n; i++)
		if (t->v[i].shadowed && strmap_get(gone, t->v[i].lookup_key)) {
			(*drop)[i - *lo] = true;
			count++;
			*hi = i > *hi ? i : *hi;
		}
	return count;
}

bool tablepatch_remove_many(struct table *t, const char *const *lks, size_t n)
{
	if (t->syntax != TABLE_INDEXED || t->ed.npend || n == 0)
		return false;
	struct strmap *gone = strmap_create_borrowed(n);
	for (size_t i = 0; i < n; i++)
		strmap_put(gone, lks[i], gone);   /* any non-NULL value */
	bool *drop = NULL;
	size_t lo, hi, count = tablepatch_mark(t, lks, n, gone, &drop, &lo, &hi);
	strmap_free(&gone);
	if (count == 0 || !tablepatch_end_holds(t, drop, lo)) {
		free(drop);
		return false;
	}
	size_t nl = doc_count(t->ed.doc);
	bool *lines = xcalloc(nl ? nl : 1, sizeof *lines);
	for (size_t i = lo; i <= hi; i++)
		for (size_t l = t->v[i].first; drop[i - lo] && l < t->v[i].first + t->v[i].nlines; l++)
			lines[l] = true;
	doc_delete_marked(t->ed.doc, lines);
	free(lines);
	for (size_t i = 0; i < n; i++)
		strmap_del(t->ed.index, lks[i]);
	size_t k = lo, lgone = 0;
	for (size_t i = lo; i < t->ed.n; i++) {
		struct table_entry e = t->v[i];
		if (drop[i - lo]) {
			lgone += e.nlines;
			continue;
		}
		e.first -= lgone;
		e.line = (unsigned)(e.first + 1);
		t->v[k++] = e;
	}
	free(drop);
	t->ed.n = k;
	/* the entries past the last one removed down by count in the index,
	 * then those kept between the first and it put again */
	if (!store_shift_cheaper(k - lo, k)) {
		tablepatch_reindex_from(t, lo);
		return true;
	}
	strmap_shift_values(t->ed.index, (uintptr_t)hi + 2, -(intptr_t)count);
	for (size_t i = lo; i + count <= hi; i++)
		if (!t->v[i].shadowed)
			strmap_put(t->ed.index, t->v[i].lookup_key, pos_value(i));
	return true;
}

bool tablepatch_set(struct table *t, size_t i, const char *text)
{
	struct table_entry *e = &t->v[i];
	doc_replace(t->ed.doc, e->first, text);
	if (t->syntax != TABLE_INDEXED || t->ed.npend || e->nlines != 1)
		return false;
	size_t klen, vlen;
	char *key;
	const char *val;
	struct strbuf line = STRBUF_INIT;
	bool ok = tablepatch_parse(t, e->first, &klen, &key, &val, &vlen, &line) &&
		  klen == strlen(e->key) && memcmp(key, e->key, klen) == 0;
	if (ok)
		e->value = arena_memdup0(&t->ed.arena, val, vlen);
	sb_free(&line);
	return ok;
}

/* The n lines inserted at at parsed as reindex would read them: each an
 * indexed line of its own, of a key neither the table nor an earlier one
 * of them has; its key (as written) and lookup key, and its value, in the
 * table's strings, into keys, lks and vals. */
static bool tablepatch_parse_run(struct table *t, size_t at, size_t n, char **keys, char **lks,
				 char **vals)
{
	struct strbuf line = STRBUF_INIT;
	struct strmap *run = n > 1 ? strmap_create_borrowed(n) : NULL;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		size_t klen, vlen;
		char *key;
		const char *val;
		ok = tablepatch_parse(t, at + i, &klen, &key, &val, &vlen, &line);
		char *k = ok ? arena_memdup0(&t->ed.arena, key, klen) : NULL;
		char *lk = k ? table_fold_key(k) : NULL;
		ok = ok && strmap_get(t->ed.index, lk) == NULL && (!run || strmap_get(run, lk) == NULL);
		if (ok) {
			keys[i] = k;
			lks[i] = strcmp(lk, k) == 0 ? k : arena_memdup0(&t->ed.arena, lk, strlen(lk));
			vals[i] = arena_memdup0(&t->ed.arena, val, vlen);
			if (run)
				strmap_put(run, lks[i], lks[i]);
		}
		free(lk);
	}
	strmap_free(&run);
	sb_free(&line);
	return ok;
}

bool tablepatch_add(struct table *t, size_t at, const char *text)
{
	return tablepatch_add_run(t, at, &text, 1);
}

bool tablepatch_add_run(struct table *t, size_t at, const char *const *texts, size_t n)
{
	size_t nl = doc_count(t->ed.doc);
	/* at the end a last line without one gets a newline (its text as
	 * reindex reads it may change); before a continuation line the last
	 * new line would take it */
	bool fits = t->syntax == TABLE_INDEXED && !t->ed.npend &&
		    (at < nl || (at == nl && (nl == 0 || *doc_eol(t->ed.doc, nl - 1)))) &&
		    tablepatch_line_starts(t, at);
	doc_insert_many(t->ed.doc, at, texts, n);
	if (!fits || n == 0)
		return fits;
	char **keys = xmalloc(3 * n * sizeof *keys), **lks = keys + n, **vals = lks + n;
	if (!tablepatch_parse_run(t, at, n, keys, lks, vals)) {
		free(keys);
		return false;
	}
	size_t pos = 0, hi = t->ed.n;   /* the first entry from line at on: entries are in line order */
	while (pos < hi) {
		size_t mid = pos + (hi - pos) / 2;
		if (t->v[mid].first < at)
			pos = mid + 1;
		else
			hi = mid;
	}
	xgrow(&t->v, &t->cap, t->ed.n + n, sizeof *t->v);
	memmove(t->v + pos + n, t->v + pos, (t->ed.n - pos) * sizeof *t->v);
	t->ed.n += n;
	for (size_t i = pos + n; i < t->ed.n; i++) {
		t->v[i].first += n;
		t->v[i].line = (unsigned)(t->v[i].first + 1);
	}
	for (size_t i = 0; i < n; i++) {
		struct table_entry *e = &t->v[pos + i];
		memset(e, 0, sizeof *e);
		e->first = at + i;
		e->nlines = 1;
		e->line = (unsigned)(at + i + 1);
		e->key = keys[i];
		e->lookup_key = lks[i];
		e->value = vals[i];
	}
	free(keys);
	/* the entries after them n on in the index (their keys were in none),
	 * then their own */
	if (!store_shift_cheaper(t->ed.n - n - pos, t->ed.n)) {
		tablepatch_reindex_from(t, pos);
		return true;
	}
	strmap_shift_values(t->ed.index, (uintptr_t)pos + 1, (intptr_t)n);
	for (size_t i = 0; i < n; i++)
		strmap_put(t->ed.index, t->v[pos + i].lookup_key, pos_value(pos + i));
	return true;
}
