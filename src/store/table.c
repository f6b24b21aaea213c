/* Postfix lookup-table sources: indexed "key value" maps, /file/name domain
 * lists and regexp:/pcre: pattern files, read the way postmap(1), match_list
 * and dict_regexp read them. The table owns its document; entries are
 * rebuilt from the document after every edit, so edits stay line-exact. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

static void table_event_add(struct table *t, unsigned line, const struct table_cond *c)
{
	xgrow(&t->events, &t->evcap, t->nevents + 1, sizeof *t->events);
	t->events[t->nevents++] = (struct table_event){ line, c };
}

static char *pool_strndup(struct table *t, const char *s, size_t n)
{
	return arena_memdup0(&t->ed.arena, s, n);
}

/* The folded key; the key itself when it has no upper case (the common
 * case costs no second copy). */
static char *pool_fold(struct table *t, char *key)
{
	for (const char *p = key; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return arena_fold(&t->ed.arena, key, strlen(key));
	return key;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char *table_fold_key(const char *key)
{
	char *s = xstrdup(key);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* s without leading and trailing whitespace, copied. */
static char *trim_dup(const char *s)
{
	size_t n;
	s = tableline_trim(s, strlen(s), &n);
	return xstrndup(s, n);
}

static struct table_entry *new_entry(struct table *t, size_t first, size_t nlines)
{
	xgrow(&t->v, &t->cap, t->ed.n + 1, sizeof *t->v);
	struct table_entry *e = &t->v[t->ed.n++];
	memset(e, 0, sizeof *e);
	e->first = (uint32_t)first;   /* fewer than 4 G lines: as e->line */
	e->nlines = (uint32_t)nlines;
	e->line = (unsigned)(first + 1);
	return e;
}

/* Entry i has the key of entry fi: a later duplicate is shadowed (for
 * patterns, only an identical rule, which can never match). */
static void shadow(void *obj, size_t i, size_t fi, struct diags *d)
{
	struct table *t = obj;
	struct table_entry *e = &t->v[i];
	const struct table_entry *f = &t->v[fi];
	const char *name = doc_name(t->ed.doc);
	switch (t->syntax) {
	case TABLE_INDEXED:
	case TABLE_LIST:
		e->shadowed = true;
		tableline_duplicate(d, name, t->syntax, e->line, e->lookup_key, f->line);
		break;
	case TABLE_REGEXP:
		/* Only an identical rule can never match: the same pattern with
		 * other flags, negation or "if" block is a different rule. */
		if (e->rule->negated == f->rule->negated && strcmp(e->rule->flags, f->rule->flags) == 0 &&
		    e->rule->cond == f->rule->cond && !e->rule->second && !f->rule->second) {
			e->shadowed = true;
			diag_warn(d, name, e->line,
				  _("the same pattern is on line %u; this rule never matches"),
				  f->line);
		}
		break;
	}
}

/* Index the last entry parsed a few entries later: the index is larger
 * than the cache, and the parse of the next lines gives its slot,
 * prefetched now, the time to arrive. */
static void index_last(struct table *t, struct diags *d)
{
	entrydoc_index_later(&t->ed, t->ed.n - 1, t->v[t->ed.n - 1].lookup_key, shadow, t, d);
}

static void parse_indexed(struct table *t, char *s, size_t first, size_t nlines,
			  struct diags *d)
{
	size_t klen, vlen;
	const char *val;
	if (!tableline_indexed(s, strlen(s), doc_name(t->ed.doc), (unsigned)(first + 1), &klen, &val,
			       &vlen, d))
		return;
	struct table_entry *e = new_entry(t, first, nlines);
	e->key = pool_strndup(t, s, klen);
	e->lookup_key = pool_fold(t, e->key);
	e->value = pool_strndup(t, val, vlen);
	index_last(t, d);
}

static void parse_list(struct table *t, const char *s, size_t first, size_t nlines,
		       struct diags *d)
{
	size_t pos = 0, start, len, n = strlen(s);
	while (tableline_list_next(s, n, &pos, &start, &len, doc_name(t->ed.doc), (unsigned)(first + 1),
				   d)) {
		struct table_entry *e = new_entry(t, first, nlines);
		e->key = pool_strndup(t, s + start, len);
		e->lookup_key = pool_fold(t, e->key);
		e->value = pool_strndup(t, "", 0);
		index_last(t, d);
	}
}

/* "if"/"endif" keyword at s (dict_regexp compares them without case; any
 * non-alphanumeric character may follow, "if/x/" included). */
static bool keyword(const char *s, const char *kw)
{
	size_t n = strlen(kw);
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != kw[i])
			return false;
	return !is_alnum(s[n]);
}

/* One "[!]/pattern/flags" of a rule or an "if" line, as dict_regexp and
 * dict_pcre read it. */
struct rpat {
	bool negated;
	const char *pat, *flags, *rest;
	size_t plen, flen;
};

static bool regexp_pattern(const char *s, const char *name, unsigned line, struct rpat *rp,
			   struct diags *d)
{
	const char *p = s;
	rp->negated = false;
	for (;; p++) {
		if (*p == '!')
			rp->negated = !rp->negated;
		else if (!ascii_is_ws(*p))
			break;
	}
	char delim = *p;
	if (!delim || is_alnum(delim) || delim == '\\') {
		diag_error(d, name, line, _("no regexp: %.60s"), s);
		return false;
	}
	rp->pat = ++p;
	while (*p && *p != delim) {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	if (!*p) {
		diag_error(d, name, line, _("no closing regexp delimiter \"%c\": %.60s"), delim, s);
		return false;
	}
	rp->plen = (size_t)(p - rp->pat);
	rp->flags = ++p;
	/* dict_regexp ends the options at '!' too: "/p1/!/p2/" follows */
	while (*p && !ascii_is_ws(*p) && *p != '!') {
		/* The union of the regexp (imx) and pcre (imsxAEUX) options. */
		if (!strchr("imsxAEUX", *p)) {
			diag_error(d, name, line, _("unknown regexp option \"%c\": skipping this rule"),
				   *p);
			return false;
		}
		p++;
	}
	rp->flen = (size_t)(p - rp->flags);
	rp->rest = p;
	return true;
}

/* "if [!]/pattern/flags": a block opens inside *cur. A bad pattern opens
 * none, as in Postfix (its "endif" then closes the enclosing block). */
static void parse_if(struct table *t, const char *s, unsigned line, const struct table_cond **cur,
		     unsigned *depth, struct diags *d)
{
	const char *name = doc_name(t->ed.doc);
	struct rpat rp;
	if (!regexp_pattern(s + 2, name, line, &rp, d))
		return;
	size_t n;
	tableline_trim(rp.rest, strlen(rp.rest), &n);
	if (n > 0)
		diag_warn(d, name, line, _("ignoring extra text after IF statement: \"%.60s\""),
			  rp.rest);
	struct table_cond *c = arena_alloc(&t->ed.arena, sizeof *c, _Alignof(struct table_cond));
	c->pattern = pool_strndup(t, rp.pat, rp.plen);
	c->flags = pool_strndup(t, rp.flags, rp.flen);
	c->negated = rp.negated;
	c->line = line;
	c->parent = *cur;
	*cur = c;
	(*depth)++;
	table_event_add(t, line, c);
}

static void parse_regexp(struct table *t, const char *s, size_t first, size_t nlines,
			 const struct table_cond **cur, unsigned *depth, struct diags *d)
{
	const char *name = doc_name(t->ed.doc);
	unsigned line = (unsigned)(first + 1);
	if (keyword(s, "if")) {
		parse_if(t, s, line, cur, depth, d);
		return;
	}
	if (keyword(s, "endif")) {
		table_event_add(t, line, NULL);
		if (*depth == 0) {
			diag_warn(d, name, line, _("ignoring ENDIF without matching IF"));
		} else {
			(*depth)--;
			*cur = (*cur)->parent;
		}
		return;
	}
	struct rpat rp, rp2 = { .pat = NULL };
	if (!regexp_pattern(s, name, line, &rp, d))
		return;
	/* regexp_table(5): "/pattern1/!/pattern2/", pattern1 and not pattern2
	 * (dict_regexp_get_pats); its own '!'s toggle as the first's do. */
	if (*rp.rest == '!' && !regexp_pattern(rp.rest, name, line, &rp2, d))
		return;
	const char *rest = rp2.pat ? rp2.rest : rp.rest;
	struct table_entry *e = new_entry(t, first, nlines);
	e->key = pool_strndup(t, s, (size_t)(rest - s));
	e->lookup_key = pool_strndup(t, rp.pat, rp.plen);
	struct table_rule *r = arena_alloc(&t->ed.arena, sizeof *r, _Alignof(struct table_rule));
	memset(r, 0, sizeof *r);
	r->flags = pool_strndup(t, rp.flags, rp.flen);
	r->negated = rp.negated;
	if (rp2.pat) {
		r->second = pool_strndup(t, rp2.pat, rp2.plen);
		r->second_flags = pool_strndup(t, rp2.flags, rp2.flen);
		r->second_negated = rp2.negated;
	}
	r->cond = *cur;
	e->rule = r;
	size_t vlen;
	const char *val = tableline_trim(rest, strlen(rest), &vlen);
	e->value = pool_strndup(t, val, vlen);
	if (!*e->value)
		diag_warn(d, name, line, _("no replacement text: using empty string"));
	index_last(t, d);
}

/* (Re)build the entries from the document. */
static void reindex(struct table *t, struct diags *d)
{
	size_t nl = doc_count(t->ed.doc);
	t->parses++;
	entrydoc_restart(&t->ed, nl);
	/* An indexed table has at most one entry a line (lists may have more
	 * and grow): one allocation, no doubling. */
	if (t->syntax != TABLE_LIST && t->cap < nl) {
		t->v = xreallocarray(t->v, nl, sizeof *t->v);
		t->cap = nl;
		arena_populate(t->v, nl * sizeof *t->v);
	}
	struct strbuf text = STRBUF_INIT;
	size_t pos = 0, first, nlines;
	unsigned depth = 0;
	const struct table_cond *cur = NULL;
	t->nevents = 0;
	while (doc_next_logical(t->ed.doc, &pos, &text, &first, &nlines)) {
		char *s = text.buf;
		/* readlline() refuses text without a line to continue. */
		if (ascii_is_ws(s[0])) {
			diag_warn(d, doc_name(t->ed.doc), (unsigned)(first + 1),
				  _("logical line must not start with whitespace"));
			continue;
		}
		switch (t->syntax) {
		case TABLE_INDEXED:
			parse_indexed(t, s, first, nlines, d);
			break;
		case TABLE_LIST:
			parse_list(t, s, first, nlines, d);
			break;
		case TABLE_REGEXP:
			parse_regexp(t, s, first, nlines, &cur, &depth, d);
			break;
		}
	}
	entrydoc_index_pending(&t->ed, shadow, t, d);
	if (depth > 0)
		diag_warn(d, doc_name(t->ed.doc), 0, _("IF has no matching ENDIF"));
	t->open_ifs = depth;
	sb_free(&text);
}

struct table *table_parse(struct doc *doc, enum table_syntax syntax, struct diags *d)
{
	struct table *t = xcalloc(1, sizeof *t);
	t->ed.doc = doc;
	t->syntax = syntax;
	t->refs = 1;
	reindex(t, d);
	return t;
}

void table_forget_retired(struct table *x)
{
	entrydoc_forget_retired(&x->ed);
}

void table_free(struct table **tp)
{
	struct table *t = *tp;
	if (!t)
		return;
	*tp = NULL;
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;   /* a borrower frees it */
	if (!t->ed.borrowed) {
		free(t->v);
		free(t->events);
	}
	entrydoc_free(&t->ed);
	table_free(&t->base);
	free(t);
}

struct doc *table_doc(const struct table *t) { return t->ed.doc; }
enum table_syntax table_syntax(const struct table *t) { return t->syntax; }
size_t table_count(const struct table *t) { return t->ed.n; }
size_t table_parses(const struct table *t) { return t->parses; }

const struct table_event *table_events(const struct table *t, size_t *n)
{
	*n = t->nevents;
	return t->events;
}

const struct table_entry *table_entry(const struct table *t, size_t i)
{
	entrydoc_check(&t->ed, i, "table_entry");
	return &t->v[i];
}

const struct table_entry *table_lookup(const struct table *t, const char *key)
{
	char *k = t->syntax == TABLE_REGEXP ? xstrdup(key) : table_fold_key(key);
	size_t idx = entrydoc_find(&t->ed, k);
	free(k);
	return idx ? &t->v[idx - 1] : NULL;
}

/* ---- edits ----
 * Each edit changes the document, then rebuilds every entry from it: O(n),
 * but it keeps entries, lines and the index exactly what a fresh parse of
 * the new file would give. */

/* The entry an edit of key means: for pattern tables the rule as written
 * ("/^a@/i") or, failing that, its pattern; else the folded key. */
static const struct table_entry *find(const struct table *t, const char *key)
{
	if (t->syntax == TABLE_REGEXP)
		for (size_t i = 0; i < t->ed.n; i++)
			if (strcmp(t->v[i].key, key) == 0)
				return &t->v[i];
	return table_lookup(t, key);
}

/* The domain a key groups with: after the last '@', or the key itself. */
static const char *key_domain(const char *folded)
{
	const char *at = strrchr(folded, '@');
	return at ? at + 1 : folded;
}

/* Display columns of n bytes (UTF-8 characters, tabs to multiples of 8). */
static size_t columns(const char *s, size_t n, size_t col)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t')
			col = (col / 8 + 1) * 8;
		else if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	return col;
}

/* "key" + a separator in the style of the neighbouring line ntext, whose
 * key is nklen bytes and whose value starts at nvoff: a one-character
 * separator is copied; a longer one means alignment, so the new value goes
 * to the same column (with tabs if it used tabs); no neighbour: a tab. */
static void add_separated(struct strbuf *out, const char *key, const char *ntext,
			  size_t nklen, size_t nvoff)
{
	sb_adds(out, key);
	if (!ntext || nvoff <= nklen) {
		sb_addc(out, '\t');
		return;
	}
	const char *sep = ntext + nklen;
	size_t seplen = nvoff - nklen;
	size_t target = columns(ntext, nvoff, 0);
	size_t col = columns(key, strlen(key), 0);
	if (seplen == 1) {
		sb_addc(out, sep[0]);
	} else if (memchr(sep, '\t', seplen)) {
		do {
			sb_addc(out, '\t');
			col = (col / 8 + 1) * 8;
		} while (col < target);
	} else if (col + 1 >= target) {
		sb_addc(out, ' ');
	} else {
		for (; col < target; col++)
			sb_addc(out, ' ');
	}
}

/* Where the value of entry e starts in its first physical line, or 0 when
 * the value is not on that line. *klen gets the length of the key there. */
static size_t value_offset(const struct table *t, const struct table_entry *e,
			   size_t *klen, const char **text)
{
	size_t len;
	const char *p = doc_text(t->ed.doc, e->first, &len);
	char *s = xmemdup0(p, len);
	*text = p;
	/* The key is the start of the logical line, hence of its first line. */
	if (t->syntax == TABLE_REGEXP)
		*klen = strlen(e->key);
	else
		tableline_key_end(s, strlen(s), klen);
	if (*klen > len)
		*klen = len;
	size_t v = *klen;
	while (v < len && ascii_is_ws(s[v]))
		v++;
	free(s);
	return v < len ? v : 0;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			return true;
	return false;
}

/* A key that postmap would read back as the same single key. */
static bool valid_key(const struct table *t, const char *key)
{
	if (!*key || key[0] == '#' || ascii_is_ws(key[0]) || has_ctl(key))
		return false;
	size_t klen;
	if (t->syntax == TABLE_LIST) {
		size_t pos = 0, start;
		return tableline_word(key, strlen(key), &pos, &start, &klen) && start == 0 &&
		       !key[klen];
	}
	if (t->syntax == TABLE_REGEXP) {
		/* The rule must be a whole "/pattern/flags" token. */
		const char *p = key;
		while (*p == '!')
			p++;
		char delim = *p;
		if (!delim || is_alnum(delim) || ascii_is_ws(delim) || delim == '\\')
			return false;
		for (p++; *p && *p != delim; p++)
			if (*p == '\\' && p[1])
				p++;
		if (!*p)
			return false;
		for (p++; *p; p++)
			if (!strchr("imsxAEUX", *p))
				return false;
		return true;
	}
	return tableline_key_end(key, strlen(key), &klen) && !key[klen];
}

/* Can key be added with value? Its trimmed value, or NULL with why. */
static char *add_check(const struct table *t, const char *key, const char *value, struct diags *d)
{
	const char *name = doc_name(t->ed.doc);
	if (!valid_key(t, key)) {
		diag_error(d, name, 0, _("cannot add \"%s\": not a valid key for this table"), key);
		return NULL;
	}
	char *val = trim_dup(value ? value : "");
	if (t->syntax != TABLE_LIST && (!*val || has_ctl(val))) {
		diag_error(d, name, 0, _("cannot add \"%s\": the value must be one non-empty line"),
			   key);
		free(val);
		return NULL;
	}
	const struct table_entry *old = find(t, key);
	if (old) {
		diag_error(d, name, old->line, _("\"%s\" already exists"), key);
		free(val);
		return NULL;
	}
	if (t->open_ifs > 0) {
		/* A rule appended there would only apply inside the block. */
		diag_error(d, name, 0, _("cannot add a rule: the file ends inside an \"if\" block"));
		free(val);
		return NULL;
	}
	return val;
}

/* Where a new entry with key goes (after the last entry of the same
 * domain, else at the end; pattern order is meaning, so new rules always go
 * last), and the entry whose separator it copies. */
static size_t add_place(const struct table *t, const char *key, const struct table_entry **style)
{
	char *folded = table_fold_key(key);
	const char *dom = key_domain(folded);
	const struct table_entry *after = NULL;
	/* the last entry of the domain: looked for from the end (issue 16: a
	 * catch-all's thousand identity entries each walked 100,000 entries) */
	if (t->syntax != TABLE_REGEXP)
		for (size_t i = t->ed.n; i-- > 0 && !after;)
			if (strcmp(key_domain(t->v[i].lookup_key), dom) == 0)
				after = &t->v[i];
	*style = after ? after : t->ed.n ? &t->v[t->ed.n - 1] : NULL;
	free(folded);
	return after ? after->first + after->nlines : doc_count(t->ed.doc);
}

/* The line of key with val, its separator styled on the line ntext (key
 * nklen bytes, value at nvoff; none: NULL), into line. */
static void add_text(const struct table *t, struct strbuf *line, const char *ntext, size_t nklen,
		     size_t nvoff, const char *key, const char *val)
{
	sb_reset(line);
	if (t->syntax == TABLE_LIST) {
		sb_adds(line, key);
		return;
	}
	add_separated(line, key, ntext, nklen, nvoff);
	sb_adds(line, val);
}

/* The lines of keys[0..n) inserted from at on, the first styled on style,
 * each next one on the one before it when chain (as n table_add calls
 * write them), else on style too; true when the entries follow them
 * (tablepatch_add_run), else they must be parsed again. */
static bool add_lines(struct table *t, size_t at, const struct table_entry *style, const char *const *keys,
		      char *const *vals, size_t n, bool chain, bool patch)
{
	const char *ntext = NULL;
	size_t nklen = 0, nvoff = 0;
	if (style && t->syntax != TABLE_LIST)
		nvoff = value_offset(t, style, &nklen, &ntext);
	struct strbuf *lines = xcalloc(n ? n : 1, sizeof *lines);
	const char **texts = xcalloc(n ? n : 1, sizeof *texts);
	for (size_t i = 0; i < n; i++) {
		add_text(t, &lines[i], ntext, nklen, nvoff, keys[i], vals[i]);
		texts[i] = sb_str(&lines[i]);
		if (chain && t->syntax != TABLE_LIST) {
			/* the key as written, then its separator: the value starts past it */
			ntext = texts[i];
			nklen = strlen(keys[i]);
			nvoff = lines[i].len - strlen(vals[i]);
		}
	}
	bool patched = patch && tablepatch_add_run(t, at, texts, n);
	if (!patch)
		doc_insert_many(t->ed.doc, at, texts, n);
	for (size_t i = 0; i < n; i++)
		sb_free(&lines[i]);
	free(lines);
	free(texts);
	return patched;
}

static bool add_same_domain(const char *a, const char *b)
{
	char *fa = table_fold_key(a), *fb = table_fold_key(b);
	bool same = strcmp(key_domain(fa), key_domain(fb)) == 0;
	free(fa);
	free(fb);
	return same;
}

/* A blank line at the end of an indexed table whose last line is not
 * blank; whether one was added. No entry moves: they are all above it. */
static bool end_blank_line(struct table *t)
{
	size_t nl = doc_count(t->ed.doc), len;
	if (t->syntax != TABLE_INDEXED || nl == 0)
		return false;
	const char *last = doc_text(t->ed.doc, nl - 1, &len);
	bool blank = true;
	for (size_t i = 0; i < len && blank; i++)
		blank = ascii_is_ws(last[i]);
	if (blank)
		return false;
	table_edit(t);
	doc_insert(t->ed.doc, nl, "");
	return true;
}

void table_end_apart(struct table *t)
{
	if (!end_blank_line(t))
		return;
	struct diags scratch = DIAGS_INIT;
	reindex(t, &scratch);
	diags_free(&scratch);
}

int table_add(struct table *t, const char *key, const char *value, struct diags *d)
{
	return table_add_each(t, &key, &value, 1, d);
}

/* table_add_many (chain: table_add_each): each run of one domain placed
 * once, its lines one after another in one edit. */
static int add_many(struct table *t, const char *const *keys, const char *const *values, size_t n,
		    bool chain, struct diags *d)
{
	table_edit(t);
	char **vals = xcalloc(n + 1, sizeof *vals);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!(vals[i] = add_check(t, keys[i], values[i], d)))
			rc = -1;
	for (size_t i = 0; i < n && rc == 0;) {
		const struct table_entry *style;
		size_t at = add_place(t, keys[i], &style);
		/* The first entries of a domain (an address's: a domain key is
		 * a list's line) go at the end, apart: else they read as the
		 * last block's, under its "# Domaine : ..." comment. */
		if (at == doc_count(t->ed.doc) && style && !add_same_domain(style->key, keys[i]) &&
		    strchr(keys[i], '@') && end_blank_line(t))
			at++;
		size_t k = i + 1;
		while (k < n && t->syntax != TABLE_REGEXP && add_same_domain(keys[i], keys[k]))
			k++;
		/* in place: a run of new keys of an indexed table (chain), else
		 * one key (a run is parsed again once) */
		bool patched = add_lines(t, at, style, keys + i, vals + i, k - i, chain, chain || k - i == 1);
		i = k;
		if (patched)
			continue;
		struct diags scratch = DIAGS_INIT;
		reindex(t, &scratch);
		diags_free(&scratch);
	}
	for (size_t i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
	return rc;
}

int table_add_many(struct table *t, const char *const *keys, const char *const *values, size_t n,
		   struct diags *d)
{
	return add_many(t, keys, values, n, false, d);
}

int table_add_each(struct table *t, const char *const *keys, const char *const *values, size_t n,
		   struct diags *d)
{
	return add_many(t, keys, values, n, true, d);
}

int table_remove(struct table *t, const char *key, struct diags *d)
{
	table_edit(t);
	const struct table_entry *e = find(t, key);
	if (!e) {
		diag_error(d, doc_name(t->ed.doc), 0, _("\"%s\" is not in this table"), key);
		return -1;
	}
	struct diags scratch = DIAGS_INIT;
	if (t->syntax == TABLE_REGEXP) {
		doc_delete(t->ed.doc, e->first, e->nlines);
		reindex(t, &scratch);
		diags_free(&scratch);
		return 0;
	}
	/* Every line with that key goes, duplicates included: after a remove
	 * the key is absent, not replaced by a line that was shadowed. */
	char *lk = xstrdup(e->lookup_key);
	if (tablepatch_remove(t, lk)) {
		diags_free(&scratch);
		free(lk);
		return 0;
	}
	while (e) {
		if (t->syntax == TABLE_LIST) {
			/* A quoted word spanning a continuation line cannot be cut
			 * out of one physical line; leave that to the admin. */
			if (!tablewords_list_remove(t->ed.doc, e->first, e->nlines, lk)) {
				diag_error(d, doc_name(t->ed.doc), e->line,
					   _("cannot remove \"%s\" from this line; edit it by hand"),
					   key);
				diags_free(&scratch);
				free(lk);
				return -1;
			}
		} else {
			doc_delete(t->ed.doc, e->first, e->nlines);
		}
		reindex(t, &scratch);
		e = table_lookup(t, lk);
	}
	diags_free(&scratch);
	free(lk);
	return 0;
}

int table_remove_many(struct table *t, const char *const *keys, size_t n, struct diags *d)
{
	table_edit(t);
	for (size_t i = 0; i < n; i++)
		if (!find(t, keys[i])) {
			diag_error(d, doc_name(t->ed.doc), 0, _("\"%s\" is not in this table"), keys[i]);
			return -1;
		}
	if (t->syntax != TABLE_INDEXED) {
		/* lists and pattern tables are short, and have their own rules */
		for (size_t i = 0; i < n; i++)
			if (table_remove(t, keys[i], d) < 0)
				return -1;
		return 0;
	}
	/* in place where it can (the entries and the index follow) */
	const char **lks = xmalloc((n ? n : 1) * sizeof *lks);
	for (size_t i = 0; i < n; i++)
		lks[i] = find(t, keys[i])->lookup_key;
	bool patched = tablepatch_remove_many(t, lks, n);
	free(lks);
	if (patched)
		return 0;
	struct strmap *gone = strmap_create(n);
	for (size_t i = 0; i < n; i++)
		strmap_put(gone, find(t, keys[i])->lookup_key, gone);   /* any non-NULL value */
	size_t nl = doc_count(t->ed.doc);
	bool *drop = xcalloc(nl ? nl : 1, sizeof *drop);
	/* every line of those keys, shadowed duplicates included */
	for (size_t i = 0; i < t->ed.n; i++) {
		const struct table_entry *e = &t->v[i];
		if (strmap_get(gone, e->lookup_key))
			for (size_t l = e->first; l < e->first + e->nlines; l++)
				drop[l] = true;
	}
	doc_delete_marked(t->ed.doc, drop);
	free(drop);
	strmap_free(&gone);
	struct diags scratch = DIAGS_INIT;
	reindex(t, &scratch);
	diags_free(&scratch);
	return 0;
}

int table_set(struct table *t, const char *key, const char *value, struct diags *d)
{
	table_edit(t);
	const char *name = doc_name(t->ed.doc);
	const struct table_entry *e = find(t, key);
	if (!e) {
		diag_error(d, name, 0, _("\"%s\" is not in this table"), key);
		return -1;
	}
	if (t->syntax == TABLE_LIST) {
		diag_error(d, name, e->line, _("a domain list has no values to set"));
		return -1;
	}
	char *val = trim_dup(value ? value : "");
	if (!*val || has_ctl(val)) {
		diag_error(d, name, e->line,
			   _("cannot set \"%s\": the value must be one non-empty line"), key);
		free(val);
		return -1;
	}
	const char *text;
	size_t klen;
	size_t voff = value_offset(t, e, &klen, &text);
	if (t->syntax == TABLE_INDEXED && e->nlines > 1 &&
	    tablewords_set(t->ed.doc, e->first, e->nlines, klen, val)) {
		/* its continuation lines kept (tablewords.c) */
		free(val);
		struct diags scratch = DIAGS_INIT;
		reindex(t, &scratch);
		diags_free(&scratch);
		return 0;
	}
	struct strbuf line = STRBUF_INIT;
	if (voff > 0) {
		sb_add(&line, text, voff);
	} else {
		/* The value was on continuation lines only. */
		sb_add(&line, text, klen);
		sb_addc(&line, '\t');
	}
	sb_adds(&line, val);
	size_t first = e->first, nlines = e->nlines;
	bool patched = tablepatch_set(t, (size_t)(e - t->v), sb_str(&line));
	if (nlines > 1)
		doc_delete(t->ed.doc, first + 1, nlines - 1);
	sb_free(&line);
	free(val);
	if (patched)
		return 0;
	struct diags scratch = DIAGS_INIT;
	reindex(t, &scratch);
	diags_free(&scratch);
	return 0;
}
