/* /etc/aliases as postalias(1) reads it: Postfix logical lines (comments,
 * continuation), "name: value, value", names folded, the first of duplicate
 * names wins. The aliases object owns its document and edits it in place;
 * the entries' strings live in one arena, rebuilt with them. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/aliases.h"
#include "vmailadm/ascii.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

struct aliases {
	struct entrydoc ed;     /* the document, index, strings (every entry
	                         * string and target array) */
	struct alias_entry *v;
	size_t cap;
};

static char *fold(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

/* s (n bytes) without leading and trailing whitespace: start and length. */
static const char *trim_n(const char *s, size_t *n)
{
	while (*n > 0 && ascii_is_ws(*s)) {
		s++;
		(*n)--;
	}
	while (*n > 0 && ascii_is_ws(s[*n - 1]))
		(*n)--;
	return s;
}

static char *trim_ndup(const char *s, size_t n)
{
	s = trim_n(s, &n);
	return xstrndup(s, n);
}

/* Offset of the first c outside double quotes (a backslash protects the
 * next byte), or (size_t)-1. */
static size_t find_unquoted(const char *s, char c)
{
	bool inq = false;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1])
			i++;
		else if (s[i] == '"')
			inq = !inq;
		else if (!inq && s[i] == c)
			return i;
	}
	return (size_t)-1;
}

/* The targets go to the arena after counting them, so the array is
 * allocated once, at its size. */
static void split_targets(struct arena *ar, struct alias_entry *e)
{
	size_t n = 1;
	for (const char *p = e->value;;) {
		size_t comma = find_unquoted(p, ',');
		if (comma == (size_t)-1)
			break;
		n++;
		p += comma + 1;
	}
	e->targets = arena_alloc(ar, (n + 1) * sizeof *e->targets, 0);
	const char *p = e->value;
	for (;;) {
		size_t comma = find_unquoted(p, ',');
		size_t len = comma == (size_t)-1 ? strlen(p) : comma;
		const char *t = trim_n(p, &len);
		if (len > 0)
			e->targets[e->ntargets++] = arena_memdup0(ar, t, len);
		if (comma == (size_t)-1)
			break;
		p += comma + 1;
	}
	e->targets[e->ntargets] = NULL;
}

/* Postfix uses the first of two equal names. */
static void shadow(void *obj, size_t idx, size_t first, struct diags *d)
{
	struct aliases *a = obj;
	struct alias_entry *e = &a->v[idx];
	e->shadowed = true;
	diag_warn(d, doc_name(a->ed.doc), e->line,
		  _("duplicate entry: \"%s\" (first on line %u, which Postfix uses)"),
		  e->lookup_key, a->v[first].line);
}

static void parse_line(struct aliases *a, const char *s, size_t first, size_t nlines,
		       struct diags *d)
{
	const char *file = doc_name(a->ed.doc);
	unsigned line = (unsigned)(first + 1);
	size_t colon = find_unquoted(s, ':');
	if (colon == (size_t)-1) {
		diag_error(d, file, line, _("need name:value pair"));
		return;
	}
	size_t nlen = colon, vlen = strlen(s + colon + 1);
	const char *name = trim_n(s, &nlen), *value = trim_n(s + colon + 1, &vlen);
	if (nlen == 0 || vlen == 0) {
		diag_error(d, file, line, _("need name:value pair"));
		return;
	}
	xgrow(&a->v, &a->cap, a->ed.n + 1, sizeof *a->v);
	struct alias_entry *e = &a->v[a->ed.n++];
	memset(e, 0, sizeof *e);
	e->name = arena_memdup0(&a->ed.arena, name, nlen);
	e->lookup_key = arena_fold(&a->ed.arena, name, nlen);
	e->value = arena_memdup0(&a->ed.arena, value, vlen);
	e->first = first;
	e->nlines = nlines;
	e->line = line;
	split_targets(&a->ed.arena, e);
	entrydoc_index_later(&a->ed, a->ed.n - 1, e->lookup_key, shadow, a, d);
}

static void reindex(struct aliases *a, struct diags *d)
{
	entrydoc_restart(&a->ed, doc_count(a->ed.doc));
	struct strbuf text = STRBUF_INIT;
	size_t pos = 0, first, nlines;
	while (doc_next_logical(a->ed.doc, &pos, &text, &first, &nlines)) {
		if (ascii_is_ws(text.buf[0])) {
			diag_warn(d, doc_name(a->ed.doc), (unsigned)(first + 1),
				  _("logical line must not start with whitespace"));
			continue;
		}
		parse_line(a, text.buf, first, nlines, d);
	}
	entrydoc_index_pending(&a->ed, shadow, a, d);
	sb_free(&text);
}

struct aliases *aliases_parse(struct doc *doc, struct diags *d)
{
	struct aliases *a = xcalloc(1, sizeof *a);
	a->ed.doc = doc;
	reindex(a, d);
	return a;
}

void aliases_forget_retired(struct aliases *x)
{
	entrydoc_forget_retired(&x->ed);
}

void aliases_free(struct aliases **ap)
{
	struct aliases *a = *ap;
	if (!a)
		return;
	entrydoc_free(&a->ed);
	free(a->v);
	free(a);
	*ap = NULL;
}

struct doc *aliases_doc(const struct aliases *a) { return a->ed.doc; }
size_t aliases_count(const struct aliases *a) { return a->ed.n; }

const struct alias_entry *aliases_entry(const struct aliases *a, size_t i)
{
	entrydoc_check(&a->ed, i, "aliases_entry");
	return &a->v[i];
}

const struct alias_entry *aliases_lookup(const struct aliases *a, const char *name)
{
	char *k = fold(name);
	size_t idx = entrydoc_find(&a->ed, k);
	free(k);
	return idx ? &a->v[idx - 1] : NULL;
}

/* Where the value starts in the first physical line of e (0 when it is
 * only on continuation lines); *colon gets the offset of the colon. */
static size_t value_offset(const struct aliases *a, const struct alias_entry *e,
			   size_t *colon, const char **text)
{
	size_t len;
	const char *p = doc_text(a->ed.doc, e->first, &len);
	char *s = xmemdup0(p, len);
	*text = p;
	size_t c = find_unquoted(s, ':');
	free(s);
	if (c == (size_t)-1 || c >= len) {
		*colon = len;
		return 0;
	}
	*colon = c;
	size_t v = c + 1;
	while (v < len && ascii_is_ws(p[v]))
		v++;
	return v < len ? v : 0;
}

static size_t columns(const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t')
			col = (col / 8 + 1) * 8;
		else if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	return col;
}

static bool valid_text(const char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			return false;
	return true;
}

int aliases_set(struct aliases *a, const char *name, const char *value, struct diags *d)
{
	const char *file = doc_name(a->ed.doc);
	char *val = trim_ndup(value ? value : "", value ? strlen(value) : 0);
	if (!*name || ascii_is_ws(name[0]) || name[0] == '#' || !valid_text(name) ||
	    find_unquoted(name, ':') != (size_t)-1 || !*val || !valid_text(val)) {
		diag_error(d, file, 0, _("cannot write alias \"%s\": need name:value pair"), name);
		free(val);
		return -1;
	}
	struct strbuf line = STRBUF_INIT;
	const struct alias_entry *e = aliases_lookup(a, name);
	const char *text;
	size_t colon;
	if (e) {
		size_t voff = value_offset(a, e, &colon, &text), tlen;
		doc_text(a->ed.doc, e->first, &tlen);
		if (e->nlines > 1 && colon < tlen &&
		    tablewords_set(a->ed.doc, e->first, e->nlines, colon + 1, val)) {
			/* its continuation lines kept (tablewords.c) */
		} else {
			if (voff > 0) {
				sb_add(&line, text, voff);
			} else {
				sb_add(&line, text, colon);
				sb_adds(&line, ": ");
			}
			sb_adds(&line, val);
			size_t first = e->first, nlines = e->nlines;
			doc_replace(a->ed.doc, first, sb_str(&line));
			if (nlines > 1)
				doc_delete(a->ed.doc, first + 1, nlines - 1);
		}
	} else {
		/* Copy the last entry's layout after the colon: its separator
		 * when it is one character (or none), else the same value
		 * column, as table.c does. */
		sb_adds(&line, name);
		sb_addc(&line, ':');
		size_t voff = 0;
		if (a->ed.n > 0)
			voff = value_offset(a, &a->v[a->ed.n - 1], &colon, &text);
		if (voff == 0) {
			sb_addc(&line, ' ');
		} else {
			const char *sep = text + colon + 1;
			size_t seplen = voff - colon - 1;
			size_t target = columns(text, voff);
			size_t col = columns(line.buf, line.len);
			if (seplen <= 1) {
				sb_add(&line, sep, seplen);
			} else if (memchr(sep, '\t', seplen)) {
				do {
					sb_addc(&line, '\t');
					col = (col / 8 + 1) * 8;
				} while (col < target);
			} else if (col + 1 >= target) {
				sb_addc(&line, ' ');
			} else {
				for (; col < target; col++)
					sb_addc(&line, ' ');
			}
		}
		sb_adds(&line, val);
		doc_insert(a->ed.doc, doc_count(a->ed.doc), sb_str(&line));
	}
	sb_free(&line);
	free(val);
	struct diags scratch = DIAGS_INIT;
	reindex(a, &scratch);
	diags_free(&scratch);
	return 0;
}

int aliases_remove(struct aliases *a, const char *name, struct diags *d)
{
	const struct alias_entry *e = aliases_lookup(a, name);
	if (!e) {
		diag_error(d, doc_name(a->ed.doc), 0, _("no alias \"%s\""), name);
		return -1;
	}
	/* Shadowed duplicates go too: the name must be absent afterwards. */
	struct diags scratch = DIAGS_INIT;
	while (e) {
		doc_delete(a->ed.doc, e->first, e->nlines);
		reindex(a, &scratch);
		e = aliases_lookup(a, name);
	}
	diags_free(&scratch);
	return 0;
}
