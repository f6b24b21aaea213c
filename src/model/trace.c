/* The recipient tracer: Postfix's own resolution replayed on the table
 * sources (cleanup_map1n.c, mail_addr_find.c, mail_addr_map.c, resolve.c,
 * virtual(8), local(8)); see trace.h. The tracer owns its compiled patterns
 * and copies of main.cf values; a result owns every string in it. */
#include "config.h"

#include <ctype.h>
#include <pwd.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmailadm/aliases.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

/* One rule of a regexp/pcre table, compiled. */
struct rule {
	regex_t re;
	bool ok;
	const struct table_entry *e;
};

/* One map of a main.cf list, as the tracer queries it. */
struct tmap {
	const char *spec;           /* as written in main.cf */
	const char *file;           /* the source file, or main.cf */
	const struct table_ref *ref;
	unsigned roles;             /* enum map_role bits */
	const struct table *table;  /* NULL: unreadable, unsupported, or idx */
	struct tableidx *idx;       /* trace_open: an indexed or list source */
	struct table *own;          /* trace_open: a pattern or inline table */
	struct table_ref own_ref;   /* trace_open: ref points here */
	bool pattern;
	struct rule *rules;
	size_t nrules;
	char *static_value;         /* static:VALUE answers every key */
};

/* trace_open: one item of mydestination, virtual_alias_domains or
 * virtual_mailbox_domains, in main.cf order. */
struct ditem {
	unsigned cls;               /* the class it lists domains in */
	char *via;                  /* the item as written */
	char *name;                 /* a domain name (folded), or NULL */
	struct tmap *map;           /* else the table it names */
	unsigned line;              /* the parameter's line in main.cf */
};

/* trace_open: what the model would say about one domain name. */
struct dclass {
	unsigned mask;              /* every class (world_domain_class) */
	struct {
		const char *file, *via;
		unsigned line;
		bool set;
	} listing[3];               /* the first listing of each class */
};

struct tracer {
	const struct world *w;      /* NULL: made by trace_open */
	bool steps;                 /* record steps (trace_set_steps) */
	struct diags warn;
	const char *maincf;
	const struct maincf *mc;
	const struct aliases *aliases;  /* /etc/aliases */
	const char *base;           /* virtual_mailbox_base */
	struct tmap **maps;         /* every map, in the world's order */
	size_t nmaps;
	/* trace_open: what it read itself, in place of a world */
	struct maincf *own_mc;
	char *own_maincf;
	char *own_base;
	struct aliases *own_aliases;
	struct ditem *ditems;
	size_t nditems;
	struct strmap *dclasses;    /* folded domain -> struct dclass, computed once */
	char last_domain[256];      /* folded: the last name classes_of was asked */
	const struct dclass *last_class;
	struct arena pool;
	struct tmap **amaps;        /* virtual_alias_maps, in order */
	size_t namaps;
	struct tmap **mmaps;        /* virtual_mailbox_maps, in order */
	size_t nmmaps;
	struct tmap **extra;        /* static: maps (not world maps) */
	size_t nextra;
	unsigned amaps_line, mmaps_line;
	char *delims;
	bool propagate;             /* "virtual" in propagate_unmatched_extensions */
	long recursion, expansion, addrlen;
	char *myorigin;
	char **relay;               /* relay_domains items */
	size_t nrelay;
	long min_uid;
	long static_uid;            /* virtual_uid_maps = static:N, else -1 */
	unsigned uid_line;
};

const char *trace_kind_name(enum trace_kind k)
{
	static const char *const names[] = { "maildir", "mbox", "remote", "local", "reject", "defer" };
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static char *fold(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

long trace_split_extension(const char *local, size_t len, const char *delims)
{
	if (!delims || !*delims || len == 0)
		return -1;
	/* split_addr.c: these are never split, whatever the delimiter */
	static const char *const keep[] = { "postmaster", "mailer-daemon", "double-bounce" };
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (strlen(keep[i]) == len && strncasecmp(local, keep[i], len) == 0)
			return -1;
	if (strchr(delims, '-')) {
		if (len >= 6 && strncasecmp(local, "owner-", 6) == 0)
			return -1;
		if (len > 8 && strncasecmp(local + len - 8, "-request", 8) == 0)
			return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (strchr(delims, local[i]))
			return (long)i;
	return -1;
}

/* ---- preparing ---- */

/* Constructs POSIX ERE lacks or reads differently (glibc takes "\d" as a
 * plain "d" without complaint, so regcomp alone would not notice). */
static const char *pcre_only(const char *p)
{
	static const char *const seqs[] = { "(?", "\\d", "\\D", "\\h", "\\H", "\\A", "\\z",
					     "\\Z", "\\Q", "\\E", "\\K", "\\R", "*?", "+?",
					     "??", "}?", "*+", "++" };
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		const char *s = strstr(p, seqs[i]);
		/* "\\d" is an escaped backslash followed by d: count the
		 * backslashes before the match */
		while (s) {
			size_t bs = 0;
			for (const char *q = s; q > p && q[-1] == '\\'; q--)
				bs++;
			if (bs % 2 == 0)
				return seqs[i];
			s = strstr(s + 1, seqs[i]);
		}
	}
	return NULL;
}

static void compile_rules(struct tracer *t, struct tmap *m, bool pcre)
{
	size_t n = table_count(m->table);
	m->rules = xcalloc(n ? n : 1, sizeof *m->rules);
	m->nrules = n;
	for (size_t i = 0; i < n; i++) {
		const struct table_entry *e = table_entry(m->table, i);
		struct rule *r = &m->rules[i];
		r->e = e;
		/* both regexp and pcre ignore case unless the i flag toggles it */
		int cflags = REG_EXTENDED | REG_ICASE;
		for (const char *f = e->flags ? e->flags : ""; *f; f++) {
			if (*f == 'i')
				cflags ^= REG_ICASE;
			else if (*f == 'x' && !pcre)
				cflags ^= REG_EXTENDED;
			else if (*f == 'm' && !pcre)
				cflags ^= REG_NEWLINE;
			else
				diag_warn(&t->warn, m->file, e->line,
					  _("flag '%c' of this pattern is not evaluated by vmailadm"), *f);
		}
		const char *bad = pcre ? pcre_only(e->lookup_key) : NULL;
		if (bad) {
			diag_warn(&t->warn, m->file, e->line,
				  _("PCRE-only syntax '%s' in this pattern: trace cannot evaluate it and treats the rule as not matching"),
				  bad);
			continue;
		}
		int rc = regcomp(&r->re, e->lookup_key, cflags);
		if (rc != 0) {
			char buf[256];
			regerror(rc, &r->re, buf, sizeof buf);
			if (pcre)
				diag_warn(&t->warn, m->file, e->line,
					  _("pattern is not POSIX syntax (%s); probably PCRE-only: trace treats the rule as not matching"),
					  buf);
			else
				diag_warn(&t->warn, m->file, e->line,
					  _("bad regular expression (%s): Postfix refuses this table"), buf);
			continue;
		}
		r->ok = true;
	}
}

static bool ref_matches(const struct table_ref *a, const struct table_ref *b)
{
	if (a->path && b->path)
		return strcmp(a->path, b->path) == 0;
	return strcmp(a->spec, b->spec) == 0;
}

/* A map the tracer queries: ref and table set; compiles its patterns. */
static struct tmap *map_add(struct tracer *t, struct tmap *m)
{
	m->spec = m->ref->spec;
	m->file = m->ref->path ? m->ref->path : t->maincf;
	m->pattern = m->table && table_syntax(m->table) == TABLE_REGEXP;
	if (m->pattern)
		compile_rules(t, m, strcmp(m->ref->type, "pcre") == 0);
	t->maps = xreallocarray(t->maps, t->nmaps + 1, sizeof *t->maps);
	t->maps[t->nmaps++] = m;
	return m;
}

/* The maps of an address-map parameter, in main.cf order. */
static struct tmap **param_maps(struct tracer *t, const char *param, size_t *n, unsigned *line)
{
	*line = 0;
	maincf_raw(t->mc, param, line);
	char *value = maincf_get(t->mc, param);
	size_t cnt;
	char **items = maincf_split_list(value, &cnt);
	struct tmap **v = xcalloc(cnt + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < cnt; i++) {
		struct table_ref ref;
		memset(&ref, 0, sizeof ref);
		table_ref_parse(items[i], &ref);
		struct tmap *m = NULL;
		if (strncmp(items[i], "static:", 7) == 0) {
			t->extra = xreallocarray(t->extra, t->nextra + 1, sizeof *t->extra);
			struct tmap *x = xcalloc(1, sizeof *x);
			t->extra[t->nextra++] = x;
			const char *val = items[i] + 7;
			size_t vl = strlen(val);
			if (vl >= 2 && val[0] == '{' && val[vl - 1] == '}')
				x->static_value = xstrndup(val + 1, vl - 2);
			else
				x->static_value = xstrdup(val);
			x->spec = NULL;
			x->file = t->maincf;
			m = x;
		} else {
			for (size_t k = 0; k < t->nmaps; k++)
				if (ref_matches(t->maps[k]->ref, &ref)) {
					m = t->maps[k];
					break;
				}
		}
		table_ref_free(&ref);
		if (m)
			v[(*n)++] = m;
	}
	maincf_list_free(items);
	free(value);
	return v;
}

static long param_long(const struct maincf *mc, const char *name, long dflt)
{
	char *v = maincf_get(mc, name);
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end)
		n = dflt;
	free(v);
	return n;
}

/* The settings, from main.cf; t->mc, t->maincf and t->maps are set. */
static void prepare(struct tracer *t, struct diags *d)
{
	const struct maincf *mc = t->mc;
	t->steps = true;
	t->amaps = param_maps(t, "virtual_alias_maps", &t->namaps, &t->amaps_line);
	t->mmaps = param_maps(t, "virtual_mailbox_maps", &t->nmmaps, &t->mmaps_line);
	t->delims = maincf_get(mc, "recipient_delimiter");
	char *prop = maincf_get(mc, "propagate_unmatched_extensions");
	char **items = maincf_split_list(prop, NULL);
	for (char **p = items; *p; p++)
		if (strcasecmp(*p, "virtual") == 0)
			t->propagate = true;
	maincf_list_free(items);
	free(prop);
	t->recursion = param_long(mc, "virtual_alias_recursion_limit", 1000);
	t->expansion = param_long(mc, "virtual_alias_expansion_limit", 1000);
	t->addrlen = param_long(mc, "virtual_alias_address_length_limit", 1000);
	char *origin = maincf_get(mc, "myorigin");
	if (origin[0] == '/') {
		/* Debian: a file name means the file's first line (/etc/mailname) */
		FILE *fp = fopen(origin, "r");
		char buf[256] = "";
		if (fp) {
			if (!fgets(buf, sizeof buf, fp))
				buf[0] = '\0';
			fclose(fp);
		}
		buf[strcspn(buf, " \t\r\n")] = '\0';
		free(origin);
		origin = buf[0] ? xstrdup(buf) : maincf_get(mc, "myhostname");
	}
	t->myorigin = fold(origin);
	free(origin);
	char *relay = maincf_get(mc, "relay_domains");
	char **ritems = maincf_split_list(relay, &t->nrelay);
	t->relay = xcalloc(t->nrelay + 1, sizeof *t->relay);
	for (size_t i = 0; i < t->nrelay; i++)
		t->relay[i] = fold(ritems[i]);
	maincf_list_free(ritems);
	free(relay);
	t->min_uid = param_long(mc, "virtual_minimum_uid", 100);
	t->static_uid = -1;
	char *uid = maincf_get(mc, "virtual_uid_maps");
	maincf_raw(mc, "virtual_uid_maps", &t->uid_line);
	if (strncmp(uid, "static:", 7) == 0) {
		char *end;
		long v = strtol(uid + 7, &end, 10);
		if (end != uid + 7 && !*end)
			t->static_uid = v;
	}
	free(uid);
	if (d)
		for (size_t i = 0; i < t->warn.n; i++)
			diag_add(d, t->warn.v[i].level, t->warn.v[i].file, t->warn.v[i].line, "%s",
				 t->warn.v[i].msg);
}

struct tracer *trace_create(const struct world *w, struct diags *d)
{
	struct tracer *t = xcalloc(1, sizeof *t);
	t->w = w;
	t->mc = world_maincf(w);
	t->maincf = world_maincf_path(w);
	t->aliases = world_system_aliases(w);
	t->base = world_mailbox_base(w);
	/* every map now, so that pattern warnings come out once */
	for (size_t i = 0; i < world_map_count(w); i++) {
		struct world_map *wm = world_map(w, i);
		struct tmap *m = xcalloc(1, sizeof *m);
		m->ref = &wm->ref;
		m->roles = wm->roles;
		m->table = wm->table;
		map_add(t, m);
	}
	prepare(t, d);
	return t;
}

/* ---- trace_open: the files resolution needs, without a world ---- */

/* The map for spec, read the first time it is named (model.c's map_get,
 * with the same warnings): indexed tables and lists through tableidx,
 * pattern and inline tables through table_parse. */
static struct tmap *open_map(struct tracer *t, const char *spec, unsigned role, const char *param,
			     unsigned line, struct diags *d)
{
	struct table_ref ref;
	bool is_inline;
	if (!model_map_ref(spec, t->maincf, line, param, &ref, &is_inline, d))
		return NULL;
	for (size_t i = 0; i < t->nmaps; i++)
		if (table_ref_same(t->maps[i]->ref, &ref)) {
			table_ref_free(&ref);
			t->maps[i]->roles |= role;
			return t->maps[i];
		}
	struct tmap *m = xcalloc(1, sizeof *m);
	m->own_ref = ref;
	m->ref = &m->own_ref;
	m->roles = role;
	struct doc *doc = NULL;
	if (is_inline) {
		doc = table_inline_doc(spec);
		if (!doc)
			diag_warn(d, t->maincf, line, _("%s: cannot read '%s'; its entries are ignored"),
				  param, spec);
		m->own_ref.syntax = TABLE_INDEXED;
	} else if (ref.path && ref.syntax == TABLE_REGEXP) {
		if (doc_load(ref.path, true, &doc, d) == 0 && !doc_exists(doc))
			diag_warn(d, t->maincf, line, _("%s: %s does not exist"), param, ref.path);
	} else if (ref.path) {
		if (tableidx_open(ref.path, ref.syntax, true, &m->idx, d) == 0 &&
		    !tableidx_exists(m->idx))
			diag_warn(d, t->maincf, line, _("%s: %s does not exist"), param, ref.path);
	}
	if (doc && table_parse(doc, m->own_ref.syntax, &m->own, d) == 0)
		m->table = m->own;
	return map_add(t, m);
}

static void open_address_maps(struct tracer *t, const char *param, unsigned role, struct diags *d)
{
	unsigned line = 0;
	maincf_raw(t->mc, param, &line);
	char *value = maincf_get(t->mc, param);
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++)
		open_map(t, items[i], role, param, line, d);
	maincf_list_free(items);
	free(value);
}

/* The items of a domain-class parameter (model.c's load_domain_param, but
 * kept as items: a table is asked about a domain when a trace needs it). */
static void open_domain_param(struct tracer *t, const char *param, unsigned cls, unsigned role,
			      struct diags *d)
{
	unsigned line = 0;
	maincf_raw(t->mc, param, &line);
	char *value = maincf_get(t->mc, param);
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++) {
		const char *it = items[i];
		if (it[0] == '!') {
			diag_add(d, DIAG_NOTE, t->maincf, line,
				 _("%s: exclusion '%s' is not evaluated by vmailadm"), param, it);
			continue;
		}
		struct ditem di = { cls, NULL, NULL, NULL, line };
		if (it[0] == '/' || strchr(it, ':')) {
			struct tmap *m = open_map(t, it, role, param, line, d);
			if (!m || (!m->table && !m->idx))
				continue;
			if (m->pattern) {
				diag_add(d, DIAG_NOTE, t->maincf, line,
					 _("%s: the domains matched by pattern table '%s' are not listed"),
					 param, it);
				continue;
			}
			di.map = m;
		} else {
			di.name = fold(it);
		}
		di.via = xstrdup(it);
		t->ditems = xreallocarray(t->ditems, t->nditems + 1, sizeof *t->ditems);
		t->ditems[t->nditems++] = di;
	}
	maincf_list_free(items);
	free(value);
}

struct tracer *trace_open(const struct config *cfg, struct diags *d)
{
	struct tracer *t = xcalloc(1, sizeof *t);
	t->own_maincf = xasprintf("%s/main.cf", cfg->postfix_dir ? cfg->postfix_dir : "/etc/postfix");
	t->maincf = t->own_maincf;
	struct doc *mdoc = NULL;
	if (doc_load(t->maincf, false, &mdoc, d) < 0 || maincf_parse(mdoc, &t->own_mc, d) < 0 ||
	    !t->own_mc) {
		if (!t->own_mc && mdoc && !diags_has_errors(d))
			diag_error(d, t->maincf, 0, _("cannot read main.cf"));
		trace_free(&t);
		return NULL;
	}
	t->mc = t->own_mc;
	t->own_base = maincf_get(t->mc, "virtual_mailbox_base");
	t->base = t->own_base;
	if (!*t->base) {
		unsigned line = 0;
		maincf_raw(t->mc, "virtual_mailbox_base", &line);
		diag_warn(d, t->maincf, line,
			  _("virtual_mailbox_base is empty: maildir paths are relative"));
	}
	/* the world's order: address maps first, then the domain classes */
	open_address_maps(t, "virtual_mailbox_maps", MAP_VIRTUAL_MAILBOX, d);
	open_address_maps(t, "virtual_alias_maps", MAP_VIRTUAL_ALIAS, d);
	open_domain_param(t, "mydestination", DOMAIN_LOCAL, MAP_MYDESTINATION, d);
	open_domain_param(t, "virtual_alias_domains", DOMAIN_VIRTUAL_ALIAS, MAP_ALIAS_DOMAINS, d);
	open_domain_param(t, "virtual_mailbox_domains", DOMAIN_VIRTUAL_MAILBOX,
			  MAP_MAILBOX_DOMAINS, d);
	t->dclasses = strmap_create(64);

	struct doc *adoc = NULL;
	if (cfg->aliases_file && doc_load(cfg->aliases_file, true, &adoc, d) == 0) {
		if (!doc_exists(adoc))
			diag_add(d, DIAG_NOTE, cfg->aliases_file, 0, _("the aliases file does not exist"));
	} else {
		adoc = doc_from_mem(cfg->aliases_file ? cfg->aliases_file : "aliases", "", 0);
	}
	if (aliases_parse(adoc, &t->own_aliases, d) < 0 || !t->own_aliases)
		aliases_parse(doc_from_mem("aliases", "", 0), &t->own_aliases, d);
	t->aliases = t->own_aliases;
	prepare(t, d);
	return t;
}

void trace_set_steps(struct tracer *t, bool on)
{
	t->steps = on;
}

const struct diags *trace_warnings(const struct tracer *t)
{
	return &t->warn;
}

void trace_free(struct tracer **tp)
{
	struct tracer *t = *tp;
	if (!t)
		return;
	for (size_t i = 0; i < t->nmaps; i++) {
		struct tmap *m = t->maps[i];
		for (size_t k = 0; k < m->nrules; k++)
			if (m->rules[k].ok)
				regfree(&m->rules[k].re);
		free(m->rules);
		tableidx_free(&m->idx);
		table_free(&m->own);
		table_ref_free(&m->own_ref);
		free(m);
	}
	free(t->maps);
	for (size_t i = 0; i < t->nditems; i++) {
		free(t->ditems[i].via);
		free(t->ditems[i].name);
	}
	free(t->ditems);
	strmap_free(&t->dclasses);
	arena_free(&t->pool);
	maincf_free(&t->own_mc);
	free(t->own_maincf);
	free(t->own_base);
	aliases_free(&t->own_aliases);
	for (size_t i = 0; i < t->nextra; i++) {
		free(t->extra[i]->static_value);
		free(t->extra[i]);
	}
	free(t->extra);
	free(t->amaps);
	free(t->mmaps);
	free(t->delims);
	free(t->myorigin);
	for (size_t i = 0; i < t->nrelay; i++)
		free(t->relay[i]);
	free(t->relay);
	diags_free(&t->warn);
	free(t);
	*tp = NULL;
}

/* ---- results ---- */

static void step(struct trace_result *r, const char *what, unsigned depth, const char *addr,
		 const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* A step costs a translated and formatted text: when steps are off, not
 * even the arguments are evaluated. */
#define STEP(t, r, ...) do { if ((t)->steps) step((r), __VA_ARGS__); } while (0)

static void step(struct trace_result *r, const char *what, unsigned depth, const char *addr,
		 const char *file, unsigned line, const char *fmt, ...)
{
	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof *r->steps);
	struct trace_step *s = &r->steps[r->nsteps++];
	s->what = what;
	s->depth = depth;
	s->address = xstrdup(addr ? addr : "");
	s->file = file ? xstrdup(file) : NULL;
	s->line = line;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	s->text = sb_detach(&sb);
	if (!s->text)
		s->text = xstrdup("");
}

static struct trace_dest *dest(struct trace_result *r, const char *addr, enum trace_kind kind,
			       const char *file, unsigned line)
{
	r->dests = xreallocarray(r->dests, r->ndests + 1, sizeof *r->dests);
	struct trace_dest *d = &r->dests[r->ndests++];
	memset(d, 0, sizeof *d);
	d->address = xstrdup(addr);
	d->kind = kind;
	d->file = file ? xstrdup(file) : NULL;
	d->line = line;
	if (kind == TRACE_REJECT)
		r->rejected = true;
	if (kind == TRACE_DEFER)
		r->deferred = true;
	return d;
}

void trace_result_free(struct trace_result *r)
{
	free(r->address);
	for (size_t i = 0; i < r->ndests; i++) {
		free(r->dests[i].address);
		free(r->dests[i].path);
		free(r->dests[i].reason);
		free(r->dests[i].detail);
		free(r->dests[i].file);
	}
	free(r->dests);
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].address);
		free(r->steps[i].text);
		free(r->steps[i].file);
	}
	free(r->steps);
	memset(r, 0, sizeof *r);
}

/* ---- table lookups (maps.c, mail_addr_find.c) ---- */

struct hit {
	const struct tmap *map;
	unsigned line;
	char *value;   /* owned; $n substituted for patterns */
};

/* The result of a pattern rule with $1..$9, ${n} and $$ replaced. */
static char *substitute(const char *value, const char *subject, const regmatch_t *pm, size_t npm)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = value; *p; p++) {
		if (*p != '$') {
			sb_addc(&sb, *p);
			continue;
		}
		if (p[1] == '$') {
			sb_addc(&sb, '$');
			p++;
			continue;
		}
		size_t n;
		const char *q = p + 1;
		bool brace = *q == '{';
		if (brace)
			q++;
		if (!isdigit((unsigned char)*q)) {
			sb_addc(&sb, '$');
			continue;
		}
		n = (size_t)(*q - '0');
		if (brace) {
			while (isdigit((unsigned char)q[1]))
				n = n * 10 + (size_t)(*++q - '0');
			if (q[1] != '}') {
				sb_addc(&sb, '$');
				continue;
			}
			q++;
		}
		if (n < npm && pm[n].rm_so >= 0)
			sb_add(&sb, subject + pm[n].rm_so, (size_t)(pm[n].rm_eo - pm[n].rm_so));
		p = q;
	}
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

/* maps_find(): the first table in the list that has key. fixed_only:
 * pattern tables are skipped (they only see the full address). */
static bool maps_find(struct tmap *const *maps, size_t n, const char *key, bool fixed_only,
		      struct hit *h)
{
	for (size_t i = 0; i < n; i++) {
		const struct tmap *m = maps[i];
		if (m->static_value) {
			h->map = m;
			h->line = 0;
			h->value = xstrdup(m->static_value);
			return true;
		}
		if (m->idx) {
			unsigned line;
			char *value;
			if (tableidx_lookup(m->idx, key, &line, &value, NULL)) {
				h->map = m;
				h->line = line;
				h->value = value;
				return true;
			}
			continue;
		}
		if (!m->table)
			continue;
		if (!m->pattern) {
			const struct table_entry *e = table_lookup(m->table, key);
			if (e && e->lookup_key[0]) {
				h->map = m;
				h->line = e->line;
				h->value = xstrdup(e->value);
				return true;
			}
			continue;
		}
		if (fixed_only)
			continue;
		for (size_t k = 0; k < m->nrules; k++) {
			const struct rule *r = &m->rules[k];
			if (!r->ok)
				continue;
			regmatch_t pm[10];
			bool match = regexec(&r->re, key, 10, pm, 0) == 0;
			if (match == r->e->negated)
				continue;
			h->map = m;
			h->line = r->e->line;
			h->value = r->e->negated ? xstrdup(r->e->value) : substitute(r->e->value, key, pm, 10);
			return true;
		}
	}
	return false;
}

/* Which query form found the answer. */
enum form { FORM_FULL, FORM_NOEXT, FORM_LOCAL_EXT, FORM_LOCAL, FORM_DOMAIN };

/* mail_addr_find(): user+ext@domain (every table), user@domain, then for
 * a local domain user+ext and user, then @domain (indexed tables only).
 * *ext gets the unmatched extension (delimiter included) when a form
 * without it matched. */
static bool addr_find(const struct tracer *t, struct tmap *const *maps, size_t n, const char *addr,
		      bool local_forms, struct hit *h, enum form *form, char **ext, char **key_used)
{
	*ext = NULL;
	const char *at = strrchr(addr, '@');
	size_t llen = at ? (size_t)(at - addr) : strlen(addr);
	long split = trace_split_extension(addr, llen, t->delims);
	/* the query forms, side by side in one buffer (this runs for every
	 * address of every expansion) */
	size_t alen = strlen(addr);
	char small[512];
	char *mem = 4 * (alen + 2) <= sizeof small ? small : xmalloc(4 * (alen + 2));
	char *p = mem;
	char *bare = NULL, *bare_local = NULL, *at_domain = NULL;
	size_t dlen = at ? alen - llen : 0;   /* "@domain" */
	if (split >= 0) {
		bare = p;
		p = mempcpy(mempcpy(p, addr, (size_t)split), at ? at : "", dlen);
		*p++ = '\0';
		bare_local = p;
		p = mempcpy(p, addr, (size_t)split);
		*p++ = '\0';
	}
	char *full_local = p;
	p = mempcpy(p, addr, llen);
	*p++ = '\0';
	if (at) {
		at_domain = p;
		p = mempcpy(p, at, dlen);
		*p = '\0';
	}
	struct {
		const char *key;
		bool fixed;
		enum form form;
		bool noext;
	} tries[] = {
		{ addr, false, FORM_FULL, false },
		{ bare, true, FORM_NOEXT, true },
		{ local_forms ? full_local : NULL, true, FORM_LOCAL_EXT, false },
		{ local_forms ? bare_local : NULL, true, FORM_LOCAL, true },
		/* mail_addr_find returns the extension only for the user@domain
		 * and user forms, so a catch-all never propagates it (checked
		 * with sendmail -bv: worker+x@d via @d goes to the target bare) */
		{ at_domain, true, FORM_DOMAIN, false },
	};
	bool found = false;
	for (size_t i = 0; i < sizeof tries / sizeof tries[0] && !found; i++) {
		if (!tries[i].key)
			continue;
		if (maps_find(maps, n, tries[i].key, tries[i].fixed, h)) {
			found = true;
			*form = tries[i].form;
			*key_used = t->steps ? xstrdup(tries[i].key) : NULL;   /* for steps only */
			if (tries[i].noext && split >= 0)
				*ext = xstrndup(addr + split, llen - (size_t)split);
		}
	}
	if (mem != small)
		free(mem);
	return found;
}

/* ---- domain classes (resolve.c) ---- */

static int class_slot(unsigned cls)
{
	return cls == DOMAIN_LOCAL ? 0 : cls == DOMAIN_VIRTUAL_ALIAS ? 1 : 2;
}

/* trace_open: the classes of a folded domain name, as world_load would
 * have listed it: an item naming it, or a domain table holding it as a
 * key (from a table that also holds addresses, only a name with a dot);
 * a dotless name in an indexed domain table counts without a listing
 * (model.c's table_classes). Computed once per name. */
static const struct dclass *open_classes(struct tracer *t, const char *folded)
{
	struct dclass *c = strmap_get(t->dclasses, folded);
	if (c)
		return c;
	c = arena_alloc(&t->pool, sizeof *c, 0);
	memset(c, 0, sizeof *c);
	bool dotless = !strchr(folded, '.') && !strchr(folded, '@');
	for (size_t i = 0; i < t->nditems; i++) {
		const struct ditem *di = &t->ditems[i];
		const char *file = t->maincf;
		unsigned line = di->line;
		bool listed = false;
		if (di->name) {
			listed = strcmp(di->name, folded) == 0;
		} else {
			const struct tmap *m = di->map;
			bool hit;
			enum table_syntax syn;
			if (m->idx) {
				hit = tableidx_lookup(m->idx, folded, &line, NULL, NULL);
				syn = tableidx_syntax(m->idx);
			} else {
				const struct table_entry *e = table_lookup(m->table, folded);
				hit = e != NULL;
				line = e ? e->line : 0;
				syn = table_syntax(m->table);
			}
			if (!hit)
				continue;
			bool address_map = (m->roles & (MAP_VIRTUAL_ALIAS | MAP_VIRTUAL_MAILBOX)) != 0;
			listed = *folded && !strchr(folded, '@') &&
				 (!address_map || strchr(folded, '.'));
			file = m->file;
			if (dotless && syn == TABLE_INDEXED)
				c->mask |= di->cls;
		}
		if (!listed)
			continue;
		c->mask |= di->cls;
		int k = class_slot(di->cls);
		if (!c->listing[k].set) {
			c->listing[k].set = true;
			c->listing[k].file = file;
			c->listing[k].line = line;
			c->listing[k].via = di->via;
		}
	}
	strmap_put(t->dclasses, folded, c);
	return c;
}

/* open_classes for a name in any case; the last answer is kept, since a
 * trace asks about the same domain several times in a row. */
static const struct dclass *classes_of(struct tracer *t, const char *domain)
{
	if (t->last_class) {
		/* ASCII folding only, as Postfix folds (strcasecmp follows the locale) */
		const char *a = t->last_domain, *b = domain;
		while (*a && *a == ((*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b)) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return t->last_class;
	}
	char buf[256];
	size_t n = strlen(domain);
	char *f = n < sizeof buf ? buf : xmalloc(n + 1);
	for (size_t i = 0; i <= n; i++)
		f[i] = (domain[i] >= 'A' && domain[i] <= 'Z') ? (char)(domain[i] - 'A' + 'a') : domain[i];
	const struct dclass *c = open_classes(t, f);
	t->last_class = NULL;
	if (n < sizeof t->last_domain) {
		memcpy(t->last_domain, f, n + 1);
		t->last_class = c;
	}
	if (f != buf)
		free(f);
	return c;
}

/* Every class a domain is in (world_domain_class's mask). */
static unsigned domain_mask(struct tracer *t, const char *domain)
{
	unsigned mask = 0;
	if (t->w) {
		world_domain_class(t->w, domain, &mask);
		return mask;
	}
	return classes_of(t, domain)->mask;
}

/* Where a (folded) domain is listed in class cls: the first listing. */
static void domain_listing(struct tracer *t, const char *domain, unsigned cls, const char **file,
			   unsigned *line, const char **via)
{
	if (t->w) {
		const struct domain *dom = world_domain_find(t->w, domain);
		if (dom)
			for (size_t i = 0; i < dom->nlistings; i++)
				if (dom->listings[i].class == cls) {
					*file = dom->listings[i].file;
					*line = dom->listings[i].line;
					*via = dom->listings[i].via;
					return;
				}
		return;
	}
	if (!cls)
		return;
	const struct dclass *c = classes_of(t, domain);
	int k = class_slot(cls);
	if (c->listing[k].set) {
		*file = c->listing[k].file;
		*line = c->listing[k].line;
		*via = c->listing[k].via;
	}
}

static bool pattern_domain_match(struct tracer *t, enum map_role role, const char *domain,
				 const char **file, unsigned *line)
{
	for (size_t i = 0; i < t->nmaps; i++) {
		struct tmap *m = t->maps[i];
		if (!(m->roles & role) || !m->pattern)
			continue;
		struct tmap *one[] = { m };
		struct hit h;
		if (maps_find(one, 1, domain, false, &h)) {
			free(h.value);
			*file = m->file;
			*line = h.line;
			return true;
		}
	}
	return false;
}

/* Every class domain is in, and where the one Postfix uses is listed. */
static unsigned domain_classes(struct tracer *t, const char *domain, const char **file,
			       unsigned *line, const char **via)
{
	unsigned mask = domain_mask(t, domain);
	*file = NULL;
	*line = 0;
	*via = NULL;
	const char *pf;
	unsigned pl;
	if (pattern_domain_match(t, MAP_ALIAS_DOMAINS, domain, &pf, &pl))
		mask |= DOMAIN_VIRTUAL_ALIAS;
	if (pattern_domain_match(t, MAP_MAILBOX_DOMAINS, domain, &pf, &pl))
		mask |= DOMAIN_VIRTUAL_MAILBOX;
	unsigned cls = mask & DOMAIN_LOCAL ? DOMAIN_LOCAL
		       : mask & DOMAIN_VIRTUAL_ALIAS ? DOMAIN_VIRTUAL_ALIAS
		       : mask & DOMAIN_VIRTUAL_MAILBOX ? DOMAIN_VIRTUAL_MAILBOX : 0;
	domain_listing(t, domain, cls, file, line, via);
	if (!*file && cls) {
		/* a dotless name matched by a domain table, or a pattern */
		*file = t->maincf;
		if (cls != DOMAIN_LOCAL && pattern_domain_match(t, cls == DOMAIN_VIRTUAL_ALIAS
								   ? MAP_ALIAS_DOMAINS : MAP_MAILBOX_DOMAINS,
								   domain, &pf, &pl)) {
			*file = pf;
			*line = pl;
		}
	}
	return mask;
}

static const char *class_param(unsigned cls)
{
	return cls == DOMAIN_LOCAL ? "mydestination"
	       : cls == DOMAIN_VIRTUAL_ALIAS ? "virtual_alias_domains"
	       : cls == DOMAIN_VIRTUAL_MAILBOX ? "virtual_mailbox_domains" : "";
}

static unsigned step_class(struct tracer *t, struct trace_result *r, unsigned depth,
			   const char *addr, const char *domain)
{
	const char *file, *via;
	unsigned line;
	unsigned mask = domain_classes(t, domain, &file, &line, &via);
	unsigned cls = mask & DOMAIN_LOCAL ? DOMAIN_LOCAL
		       : mask & DOMAIN_VIRTUAL_ALIAS ? DOMAIN_VIRTUAL_ALIAS
		       : mask & DOMAIN_VIRTUAL_MAILBOX ? DOMAIN_VIRTUAL_MAILBOX : 0;
	switch (cls) {
	case DOMAIN_LOCAL:
		STEP(t, r, "domain-class", depth, addr, file, line,
		     _("domain %s is local (mydestination): local(8) delivers"), domain);
		break;
	case DOMAIN_VIRTUAL_ALIAS:
		STEP(t, r, "domain-class", depth, addr, file, line,
		     _("domain %s is a virtual alias domain (virtual_alias_domains)"), domain);
		break;
	case DOMAIN_VIRTUAL_MAILBOX:
		STEP(t, r, "domain-class", depth, addr, file, line,
		     _("domain %s is a virtual mailbox domain (virtual_mailbox_domains)"), domain);
		break;
	default:
		STEP(t, r, "domain-class", depth, addr, NULL, 0,
		     _("domain %s is not hosted here"), domain);
		break;
	}
	static const unsigned order[] = { DOMAIN_LOCAL, DOMAIN_VIRTUAL_ALIAS, DOMAIN_VIRTUAL_MAILBOX };
	for (size_t i = 0; i < 3; i++)
		if ((mask & order[i]) && order[i] != cls && order[i] > cls)
			STEP(t, r, "warning", depth, addr, file, line,
			     _("conflict: %s is also listed in %s; Postfix warns \"do not list domain %s in BOTH %s and %s\" and uses %s"),
			     domain, class_param(order[i]), domain, class_param(cls),
			     class_param(order[i]), class_param(cls));
	return cls;
}

/* ---- virtual alias expansion (cleanup_map1n.c) ---- */

/* Split a lookup result into addresses (commas and whitespace, quoted
 * parts whole), apply "@otherdomain" to the first one, append @$myorigin
 * to bare names, and propagate the unmatched extension. */
static size_t crunch(const struct tracer *t, const char *value, const char *lhs, const char *ext,
		     char ***out)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	const char *p = value;
	const char *s;
	size_t len;
	while (table_value_next(&p, &s, &len)) {
		char *a = xstrndup(s, len);
		size_t al = strlen(a);
		if (al >= 2 && a[0] == '<' && a[al - 1] == '>') {
			memmove(a, a + 1, al - 2);
			a[al - 2] = '\0';
		}
		if (n == 0 && a[0] == '@') {
			/* same user, other domain: the local part without extension */
			const char *at = strrchr(lhs, '@');
			size_t ll = at ? (size_t)(at - lhs) : strlen(lhs);
			if (ext && strlen(ext) <= ll)
				ll -= strlen(ext);
			char *b = xasprintf("%.*s%s", (int)ll, lhs, a);
			free(a);
			a = b;
		} else if (!strchr(a, '@')) {
			char *b = xasprintf("%s@%s", a, t->myorigin);
			free(a);
			a = b;
		}
		if (ext && t->propagate) {
			const char *at = strrchr(a, '@');
			char *b = xasprintf("%.*s%s%s", (int)(at - a), a, ext, at);
			free(a);
			a = b;
		}
		xgrow(&v, &cap, n + 1, sizeof *v);
		v[n++] = a;
	}
	*out = v;
	return n;
}

static const char *form_name(enum form f)
{
	switch (f) {
	case FORM_FULL: return "full address";
	case FORM_NOEXT: return "user@domain";
	case FORM_LOCAL_EXT: return "user+ext";
	case FORM_LOCAL: return "user";
	case FORM_DOMAIN: return "@domain";
	}
	return "";
}

static bool is_local_domain(struct tracer *t, const char *domain)
{
	if (strcasecmp(domain, t->myorigin) == 0)
		return true;
	return (domain_mask(t, domain) & DOMAIN_LOCAL) != 0;
}

/* Expand addr; returns the final recipients (after duplicate removal), or
 * NULL with a deferral recorded. */
static char **expand(struct tracer *t, struct trace_result *r, const char *addr, unsigned base,
		     size_t *nout)
{
	size_t n = 1, cap = 4;
	char **argv = xmalloc(cap * sizeof *argv);
	unsigned *depth = xmalloc(cap * sizeof *depth);
	argv[0] = xstrdup(addr);
	depth[0] = base;
	struct strmap *been = strmap_create(8);
	bool defer = false;
	for (size_t arg = 0; arg < n && !defer; arg++) {
		if ((long)n > t->expansion) {
			STEP(t, r, "limit", depth[arg], addr, t->maincf, 0,
			     _("more than virtual_alias_expansion_limit = %ld addresses: \"unreasonable virtual_alias_maps map expansion size for %s\""),
			     t->expansion, addr);
			r->limit = "expansion";
			defer = true;
			break;
		}
		for (long count = 0;; count++) {
			char *f = fold(argv[arg]);
			bool seen = strmap_get(been, f) != NULL;
			free(f);
			if (seen) {
				STEP(t, r, "identity", depth[arg], argv[arg], NULL, 0,
				     _("%s expanded into itself: it is not looked up again"), argv[arg]);
				break;
			}
			if (count >= t->recursion) {
				STEP(t, r, "limit", depth[arg], argv[arg], t->maincf, 0,
				     _("nesting deeper than virtual_alias_recursion_limit = %ld: \"unreasonable virtual_alias_maps map nesting for %s\""),
				     t->recursion, addr);
				r->limit = "recursion";
				defer = true;
				break;
			}
			const char *at = strrchr(argv[arg], '@');
			bool lforms = at && is_local_domain(t, at + 1);
			struct hit h;
			enum form form;
			char *ext = NULL, *key = NULL;
			if (!addr_find(t, t->amaps, t->namaps, argv[arg], lforms, &h, &form, &ext, &key)) {
				STEP(t, r, "alias-miss", depth[arg], argv[arg], NULL, 0,
				     _("no virtual alias for %s (%zu table(s) in virtual_alias_maps)"),
				     argv[arg], t->namaps);
				break;
			}
			char **res;
			size_t nres = crunch(t, h.value, argv[arg], ext, &res);
			struct strbuf list = STRBUF_INIT;
			for (size_t i = 0; i < nres && t->steps; i++)
				sb_addf(&list, "%s%s", i ? ", " : "", res[i]);
			STEP(t, r, "alias-hit", depth[arg], argv[arg], h.map->file, h.line,
			     ext && t->propagate
				     ? _("virtual alias %s (form %s, key %s) → %s (extension %s kept)")
				     : _("virtual alias %s (form %s, key %s) → %s%s"),
			     argv[arg], form_name(form), key, sb_str(&list), ext && t->propagate ? ext : "");
			sb_free(&list);
			char *lhs = argv[arg];
			unsigned d0 = depth[arg];
			for (size_t i = 0; i < nres; i++) {
				if ((long)strlen(res[i]) > t->addrlen) {
					STEP(t, r, "limit", d0, res[i], h.map->file, h.line,
					     _("result longer than virtual_alias_address_length_limit = %ld"),
					     t->addrlen);
					r->limit = "length";
					defer = true;
					for (size_t k = i; k < nres; k++)
						free(res[k]);
					break;
				}
				if (strcasecmp(lhs, res[i]) == 0) {
					char *fl = fold(lhs);
					strmap_put(been, fl, (void *)1);
					free(fl);
				}
				if (i == 0) {
					argv[arg] = res[0];
					depth[arg] = d0 + 1;
				} else {
					if (n == cap) {
						cap *= 2;
						argv = xreallocarray(argv, cap, sizeof *argv);
						depth = xreallocarray(depth, cap, sizeof *depth);
					}
					argv[n] = res[i];
					depth[n++] = d0 + 1;
				}
			}
			bool empty = nres == 0;
			if (empty)   /* nothing to expand into: keep the address */
				argv[arg] = xstrdup(lhs);
			free(lhs);
			free(res);
			free(h.value);
			free(ext);
			free(key);
			if (defer || empty)
				break;
		}
	}
	strmap_free(&been);
	char **out = NULL;
	size_t nfinal = 0;
	if (!defer) {
		/* cleanup's duplicate filter (case-insensitive) */
		struct strmap *dups = strmap_create(n);
		out = xcalloc(n + 1, sizeof *out);
		for (size_t i = 0; i < n; i++) {
			char *f = fold(argv[i]);
			if (!strmap_add(dups, f, (void *)1))
				STEP(t, r, "duplicate", depth[i], argv[i], NULL, 0,
				     _("%s appears more than once: delivered once"), argv[i]);
			else
				out[nfinal++] = xstrdup(argv[i]);
			free(f);
		}
		strmap_free(&dups);
	}
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	free(depth);
	*nout = nfinal;
	return out;
}

/* ---- delivery of one final recipient ---- */

static void resolve_address(struct tracer *t, struct trace_result *r, const char *addr,
			    unsigned depth, int hops);

static void local_user(struct tracer *t, struct trace_result *r, const char *addr,
		       const char *local, unsigned depth)
{
	char *user = fold(local);
	long split = trace_split_extension(user, strlen(user), t->delims);
	if (split >= 0)
		user[split] = '\0';
	struct passwd *pw = getpwnam(user);
	if (pw) {
		STEP(t, r, "local-user", depth, addr, "/etc/passwd", 0,
		     _("local user %s: local(8) delivers to its mailbox"), user);
		struct trace_dest *d = dest(r, addr, TRACE_LOCAL, "/etc/passwd", 0);
		d->detail = xasprintf("user %s", user);
	} else {
		STEP(t, r, "reject", depth, addr, NULL, 0, _("no alias and no local user %s"), user);
		struct trace_dest *d = dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf("5.1.1 <%s>: unknown user: \"%s\"", addr, user);
	}
	free(user);
}

/* local(8): /etc/aliases by local part (with, then without extension),
 * recursively; an alias naming itself delivers to the user. */
static void local_deliver(struct tracer *t, struct trace_result *r, const char *addr,
			  const char *local, unsigned depth, int hops, struct strmap *seen)
{
	const struct aliases *al = t->aliases;
	const char *afile = doc_name(aliases_doc(al));
	char *key = fold(local);
	const struct alias_entry *e = aliases_lookup(al, key);
	if (!e) {
		long split = trace_split_extension(key, strlen(key), t->delims);
		if (split >= 0) {
			key[split] = '\0';
			e = aliases_lookup(al, key);
		}
	}
	if (!e || strmap_get(seen, key)) {
		if (e)
			STEP(t, r, "local-alias", depth, addr, afile, e->line,
			     _("alias %s already expanded: delivered to the user"), key);
		else
			STEP(t, r, "local-alias", depth, addr, afile, 0, _("no entry for %s in the aliases file"),
			     key);
		local_user(t, r, addr, local, depth);
		free(key);
		return;
	}
	strmap_put(seen, key, (void *)1);
	STEP(t, r, "local-alias", depth, addr, afile, e->line, _("aliases: %s → %s"), key, e->value);
	for (size_t i = 0; i < e->ntargets; i++) {
		const char *tg = e->targets[i];
		while (isspace((unsigned char)*tg))
			tg++;
		struct trace_dest *d;
		if (tg[0] == '|' || (tg[0] == '"' && tg[1] == '|')) {
			d = dest(r, addr, TRACE_LOCAL, afile, e->line);
			d->detail = xasprintf("command %s", tg);
		} else if (tg[0] == '/') {
			d = dest(r, addr, TRACE_LOCAL, afile, e->line);
			d->detail = xasprintf("file %s", tg);
		} else if (strncasecmp(tg, ":include:", 9) == 0) {
			d = dest(r, addr, TRACE_LOCAL, afile, e->line);
			d->detail = xasprintf("include %s", tg);
		} else {
			const char *at = strrchr(tg, '@');
			char *ft = fold(tg);
			if (!at && strcmp(ft, key) == 0) {
				local_user(t, r, addr, tg, depth + 1);
			} else if (!at || is_local_domain(t, at + 1)) {
				/* local(8) expands local names itself */
				char *l = at ? xstrndup(tg, (size_t)(at - tg)) : xstrdup(tg);
				char *a2 = at ? xstrdup(tg) : xasprintf("%s@%s", tg, t->myorigin);
				unsigned mask = at ? domain_mask(t, at + 1) : 0;
				if (!at || (mask & DOMAIN_LOCAL))
					local_deliver(t, r, a2, l, depth + 1, hops, seen);
				else
					resolve_address(t, r, a2, depth + 1, hops + 1);
				free(l);
				free(a2);
			} else {
				/* forwarded: a new message through cleanup, aliased again */
				STEP(t, r, "local-alias", depth + 1, tg, afile, e->line,
				     _("forwarded by local(8): virtual aliasing applies again"));
				size_t nf;
				char **fin = expand(t, r, tg, depth + 1, &nf);
				if (!fin) {
					d = dest(r, tg, TRACE_DEFER, afile, e->line);
					d->reason = xstrdup("4.6.0 Alias expansion error");
				}
				for (size_t k = 0; fin && k < nf; k++) {
					resolve_address(t, r, fin[k], depth + 1, hops + 1);
					free(fin[k]);
				}
				free(fin);
			}
			free(ft);
		}
	}
	free(key);
}

static bool in_relay_domains(const struct tracer *t, const char *domain)
{
	for (size_t i = 0; i < t->nrelay; i++) {
		const char *it = t->relay[i];
		if (strcmp(it, domain) == 0)
			return true;
		size_t il = strlen(it), dl = strlen(domain);
		/* parent_domain_matches_subdomains: "example.com" covers sub.example.com */
		if (dl > il && domain[dl - il - 1] == '.' && strcmp(domain + dl - il, it) == 0)
			return true;
	}
	return false;
}

static void resolve_address(struct tracer *t, struct trace_result *r, const char *addr,
			    unsigned depth, int hops)
{
	if (hops > 20) {
		struct trace_dest *d = dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf("5.4.6 <%s>: mail forwarding loop", addr);
		STEP(t, r, "reject", depth, addr, NULL, 0, _("mail forwarding loop"));
		return;
	}
	const char *at = strrchr(addr, '@');
	const char *domain = at ? at + 1 : t->myorigin;
	char *local = at ? xstrndup(addr, (size_t)(at - addr)) : xstrdup(addr);
	char *fdom = fold(domain);
	unsigned cls = step_class(t, r, depth, addr, fdom);
	struct trace_dest *d;
	switch (cls) {
	case DOMAIN_LOCAL: {
		struct strmap *seen = strmap_create(8);
		local_deliver(t, r, addr, local, depth, hops, seen);
		strmap_free(&seen);
		break;
	}
	case DOMAIN_VIRTUAL_ALIAS:
		d = dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf(
			"5.1.1 <%s>: Recipient address rejected: User unknown in virtual alias table",
			addr);
		STEP(t, r, "reject", depth, addr, NULL, 0,
		     _("no virtual alias matched in a virtual alias domain: User unknown in virtual alias table"));
		break;
	case DOMAIN_VIRTUAL_MAILBOX: {
		/* virtual(8) looks the folded address up */
		char *key = fold(addr);
		struct hit h;
		enum form form;
		char *ext = NULL, *used = NULL;
		if (!addr_find(t, t->mmaps, t->nmmaps, key, false, &h, &form, &ext, &used)) {
			d = dest(r, addr, TRACE_REJECT, NULL, 0);
			d->reason = xasprintf(
				"5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table",
				addr);
			STEP(t, r, "mailbox-miss", depth, addr, NULL, 0,
			     _("not in virtual_mailbox_maps (%zu table(s)): User unknown in virtual mailbox table"),
			     t->nmmaps);
			free(key);
			break;
		}
		size_t vl = strlen(h.value);
		bool maildir = vl > 0 && h.value[vl - 1] == '/';
		const char *base = t->base;
		size_t bl = strlen(base);
		while (bl > 0 && base[bl - 1] == '/')
			bl--;
		const char *v = h.value;
		while (*v == '/')
			v++;
		STEP(t, r, "mailbox-hit", depth, addr, h.map->file, h.line,
		     _("virtual mailbox %s (form %s, key %s) → %s"), key, form_name(form), used,
		     h.value);
		if (t->static_uid >= 0 && t->static_uid < t->min_uid) {
			d = dest(r, addr, TRACE_DEFER, t->maincf, t->uid_line);
			d->reason = xasprintf("4.3.0 <%s>: bad uid %ld in virtual_uid_maps (below virtual_minimum_uid = %ld)",
					      addr, t->static_uid, t->min_uid);
			STEP(t, r, "limit", depth, addr, t->maincf, t->uid_line,
			     _("uid %ld is below virtual_minimum_uid = %ld: virtual(8) defers"),
			     t->static_uid, t->min_uid);
		} else {
			d = dest(r, addr, maildir ? TRACE_MAILDIR : TRACE_MBOX, h.map->file, h.line);
			d->path = xasprintf("%.*s/%s", (int)bl, base, v);
		}
		free(h.value);
		free(ext);
		free(used);
		free(key);
		break;
	}
	default:
		d = dest(r, addr, TRACE_REMOTE, NULL, 0);
		d->detail = xstrdup(in_relay_domains(t, fdom) ? "relay_transport" : "default_transport");
		STEP(t, r, "remote", depth, addr, NULL, 0,
		     in_relay_domains(t, fdom) ? _("relayed (relay_domains, relay_transport)")
					       : _("sent to another host (default_transport)"));
		break;
	}
	free(local);
	free(fdom);
}

/* The full address and, with an extension, the address without it: the
 * first keys trace_address asks the indexed alias and mailbox maps. */
static void prefetch_forms(const struct tracer *t, const char *addr, bool entry)
{
	const char *at = strrchr(addr, '@');
	if (!at)
		return;
	size_t llen = (size_t)(at - addr);
	long split = trace_split_extension(addr, llen, t->delims);
	char bare[256];
	bool has_bare = split >= 0 && strlen(addr) - llen + (size_t)split < sizeof bare;
	if (has_bare)
		snprintf(bare, sizeof bare, "%.*s%s", (int)split, addr, at);
	struct tmap *const *lists[] = { t->amaps, t->mmaps };
	size_t counts[] = { t->namaps, t->nmmaps };
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct tableidx *x = lists[l][i]->idx;
			if (!x)
				continue;
			tableidx_prefetch(x, addr, entry);
			if (has_bare)
				tableidx_prefetch(x, bare, entry);
		}
}

void trace_prefetch(struct tracer *t, const char *const *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		prefetch_forms(t, addrs[i], false);
	for (size_t i = 0; i < n; i++)
		prefetch_forms(t, addrs[i], true);
}

void trace_address(struct tracer *t, const char *address, struct trace_result *out)
{
	memset(out, 0, sizeof *out);
	out->address = xstrdup(address);
	/* trivial-rewrite's canonical form: a bare name gets @$myorigin */
	char *addr = strchr(address, '@') ? xstrdup(address)
					  : xasprintf("%s@%s", address, t->myorigin);
	if (!strchr(address, '@'))
		STEP(t, out, "canonical", 0, addr, t->maincf, 0, _("%s has no domain: @$myorigin appended"),
		     address);
	const char *at = strrchr(addr, '@');
	char *fdom = fold(at + 1);
	step_class(t, out, 0, addr, fdom);
	free(fdom);
	size_t n;
	char **fin = expand(t, out, addr, 0, &n);
	if (!fin) {
		struct trace_dest *d = dest(out, addr, TRACE_DEFER, t->maincf, 0);
		d->reason = xstrdup("4.6.0 Alias expansion error");
	} else {
		for (size_t i = 0; i < n; i++) {
			resolve_address(t, out, fin[i], 1, 0);
			free(fin[i]);
		}
		free(fin);
	}
	free(addr);
}
