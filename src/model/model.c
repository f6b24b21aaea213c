/* The mail model: reads main.cf, the maps and domain lists it names, the
 * Dovecot passwd-file and /etc/aliases, and builds the sorted, indexed world
 * the commands and the interface query. The world owns the documents (for
 * staged edits) and one string arena for every derived string. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* ---- a bump allocator: 100,000 mailboxes make ~10 strings each, and
 * malloc's per-block overhead would dominate both time and memory. ---- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct chunk *head;
};

static void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct chunk *c = a->head;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > 256 * 1024 ? size : 256 * 1024;
		c = xmalloc(sizeof *c + cap);
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/* ASCII lower case, as Postfix folds table keys (UTF-8 bytes untouched). */
static char *arena_fold(struct arena *a, const char *s, size_t n)
{
	char *p = arena_strndup(a, s, n);
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

static void arena_free(struct arena *a)
{
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- the world ---- */

struct alias_vec {
	const struct alias **v;
	size_t n, cap;
};

/* A domain while it is being collected. */
struct dom_build {
	const char *name;
	unsigned classes;
	struct domain_listing *listings;
	size_t n, cap;
};

struct world {
	struct arena arena;
	char *maincf_path;
	struct maincf *maincf;
	char *base;                 /* virtual_mailbox_base, never NULL */

	struct world_map **maps;
	size_t nmaps, maps_cap;

	struct pwfile *pwfile;
	struct aliases *sysaliases;

	struct domain *domains;
	size_t ndomains;
	size_t *dom_mb_first, *dom_al_first; /* ranges, parallel to domains */
	struct mailbox *mailboxes;
	size_t nmailboxes;
	struct alias *aliases;
	size_t naliases;
	struct alias_target *targets;
	size_t ntargets;
	struct mailbox *catchall_boxes;  /* "@domain" in the mailbox maps */
	size_t ncatchall_boxes;
	struct catchall *catchalls;
	size_t ncatchalls;

	struct strmap *dom_idx;   /* name → struct domain * */
	struct strmap *mb_idx;    /* address → struct mailbox * */
	struct strmap *al_idx;    /* address → struct alias * */
	struct strmap *rev_idx;   /* target address → struct alias_vec * */
};

static const char *const class_names[] = { "other", "local", "virtual-alias", "virtual-mailbox" };

const char *model_domain_class_name(enum domain_class c)
{
	switch (c) {
	case DOMAIN_LOCAL: return class_names[1];
	case DOMAIN_VIRTUAL_ALIAS: return class_names[2];
	case DOMAIN_VIRTUAL_MAILBOX: return class_names[3];
	case DOMAIN_OTHER: break;
	}
	return class_names[0];
}

const char *model_target_class_name(enum target_class c)
{
	switch (c) {
	case TARGET_MAILBOX: return "mailbox";
	case TARGET_ALIAS: return "alias";
	case TARGET_CATCHALL: return "catchall";
	case TARGET_UNKNOWN: return "unknown";
	case TARGET_LOCAL: return "local";
	case TARGET_EXTERNAL: return "external";
	}
	return "unknown";
}

const char *model_catchall_map_name(enum catchall_map m)
{
	return m == CATCHALL_IN_MAILBOX_MAP ? "mailbox" : "alias";
}

/* Postfix resolve.c: local beats alias beats mailbox. */
static enum domain_class effective_class(unsigned classes)
{
	if (classes & DOMAIN_LOCAL)
		return DOMAIN_LOCAL;
	if (classes & DOMAIN_VIRTUAL_ALIAS)
		return DOMAIN_VIRTUAL_ALIAS;
	if (classes & DOMAIN_VIRTUAL_MAILBOX)
		return DOMAIN_VIRTUAL_MAILBOX;
	return DOMAIN_OTHER;
}

bool model_quota_bytes(const char *rule, long long *bytes)
{
	if (!rule)
		return false;
	/* "*:storage=1G" or "storage=1G"; other limits (messages=) are not bytes. */
	const char *p = strchr(rule, ':');
	p = p ? p + 1 : rule;
	long long unit;
	if (strncmp(p, "storage=", 8) == 0) {
		p += 8;
		unit = 1024;
	} else if (strncmp(p, "bytes=", 6) == 0) {
		p += 6;
		unit = 1;
	} else {
		return false;
	}
	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(p, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case '\0': break;
	case 'b': case 'B': unit = 1; end++; break;
	case 'k': case 'K': unit = 1024LL; end++; break;
	case 'm': case 'M': unit = 1024LL * 1024; end++; break;
	case 'g': case 'G': unit = 1024LL * 1024 * 1024; end++; break;
	case 't': case 'T': unit = 1024LL * 1024 * 1024 * 1024; end++; break;
	default: return false;
	}
	if (*end != '\0')
		return false;     /* a percentage or junk: not an absolute limit */
	if (v != 0 && v > INT64_MAX / unit)
		return false;
	*bytes = v * unit;
	return true;
}

/* ---- maps ---- */

static bool ref_same(const struct table_ref *a, const struct table_ref *b)
{
	if (!a->path || !b->path)
		return strcmp(a->spec, b->spec) == 0;
	const char *ta = a->type, *tb = b->type;
	/* hash:/x, btree:/x ... read the same source; keep one table for edits */
	return strcmp(a->path, b->path) == 0 &&
	       (a->syntax == b->syntax || (strcmp(ta, tb) == 0));
}

/* inline:{k=v, k2=v2}: small enough to read here when simple. */
static struct doc *inline_doc(const char *spec)
{
	const char *open = strchr(spec, '{');
	const char *close = strrchr(spec, '}');
	if (!open || !close || close < open)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *p = open + 1;
	while (p < close) {
		while (p < close && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		const char *s = p;
		while (p < close && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if (p == s)
			break;
		const char *eq = memchr(s, '=', (size_t)(p - s));
		if (!eq || eq == s || *s == '{') {
			sb_free(&sb);
			return NULL;
		}
		sb_add(&sb, s, (size_t)(eq - s));
		sb_addc(&sb, ' ');
		sb_add(&sb, eq + 1, (size_t)(p - eq - 1));
		sb_addc(&sb, '\n');
	}
	struct doc *doc = doc_from_mem(spec, sb_str(&sb), sb.len);
	sb_free(&sb);
	return doc;
}

/* The world_map for spec, loading its table the first time it is named. */
static struct world_map *map_get(struct world *w, const char *spec, unsigned role,
				 const char *param, unsigned line, struct diags *d)
{
	struct table_ref ref;
	memset(&ref, 0, sizeof ref);
	bool ok = table_ref_parse(spec, &ref);
	bool is_inline = strncmp(spec, "inline:", 7) == 0;
	if (!ok && !is_inline) {
		diag_warn(d, w->maincf_path, line,
			  _("%s: map type of '%s' cannot be read by vmailadm; its entries are ignored"),
			  param, spec);
		table_ref_free(&ref);
		return NULL;
	}
	for (size_t i = 0; i < w->nmaps; i++)
		if (ref_same(&w->maps[i]->ref, &ref)) {
			table_ref_free(&ref);
			w->maps[i]->roles |= role;
			return w->maps[i];
		}

	struct world_map *m = xcalloc(1, sizeof *m);
	m->ref = ref;
	m->roles = role;
	struct doc *doc = NULL;
	if (is_inline) {
		doc = inline_doc(spec);
		if (!doc)
			diag_warn(d, w->maincf_path, line,
				  _("%s: cannot read '%s'; its entries are ignored"), param, spec);
		m->ref.syntax = TABLE_INDEXED;
	} else if (ref.path && doc_load(ref.path, true, &doc, d) == 0 && !doc_exists(doc)) {
		diag_warn(d, w->maincf_path, line, _("%s: %s does not exist"), param, ref.path);
	}
	if (doc) {
		struct table *t = NULL;
		if (table_parse(doc, m->ref.syntax, &t, d) == 0)
			m->table = t;
	}
	for (size_t i = 0; i < w->nmaps; i++)
		if (w->maps[i]->roles & role)
			m->order++;
	xgrow(&w->maps, &w->maps_cap, w->nmaps + 1, sizeof *w->maps);
	w->maps[w->nmaps++] = m;
	return m;
}

/* ---- domains ---- */

static struct dom_build *dom_get(struct world *w, struct strmap *idx, struct dom_build **vec,
				 size_t *n, size_t *cap, const char *name)
{
	void *v = strmap_get(idx, name);
	if (v)
		return &(*vec)[(uintptr_t)v - 1];
	xgrow(vec, cap, *n + 1, sizeof **vec);
	struct dom_build *b = &(*vec)[*n];
	memset(b, 0, sizeof *b);
	b->name = arena_strdup(&w->arena, name);
	strmap_add(idx, name, (void *)(uintptr_t)(*n + 1));
	(*n)++;
	return b;
}

struct dom_collect {
	struct strmap *idx;
	struct dom_build *v;
	size_t n, cap;
};

static void dom_list(struct world *w, struct dom_collect *dc, const char *name,
		     enum domain_class cls, const char *via, const char *file, unsigned line)
{
	struct dom_build *b = dom_get(w, dc->idx, &dc->v, &dc->n, &dc->cap, name);
	b->classes |= (unsigned)cls;
	xgrow(&b->listings, &b->cap, b->n + 1, sizeof *b->listings);
	b->listings[b->n++] = (struct domain_listing){ cls, via, file, line };
}

static void dom_touch(struct world *w, struct dom_collect *dc, const char *name)
{
	if (*name)
		dom_get(w, dc->idx, &dc->v, &dc->n, &dc->cap, name);
}

/* A table key that names a domain (as opposed to an address or a bare
 * local name in an address map). */
static bool key_is_domain(const char *key, bool address_map)
{
	if (*key == '\0' || strchr(key, '@'))
		return false;
	return !address_map || strchr(key, '.') != NULL;
}

static void load_domain_param(struct world *w, struct dom_collect *dc, const char *param,
			      enum domain_class cls, unsigned role, struct diags *d)
{
	unsigned line = 0;
	maincf_raw(w->maincf, param, &line);
	char *value = maincf_get(w->maincf, param);
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++) {
		const char *it = items[i];
		const char *via = arena_strdup(&w->arena, it);
		if (it[0] == '!') {
			diag_add(d, DIAG_NOTE, w->maincf_path, line,
				 _("%s: exclusion '%s' is not evaluated by vmailadm"), param, it);
			continue;
		}
		if (it[0] == '/' || strchr(it, ':')) {
			struct world_map *m = map_get(w, it, role, param, line, d);
			if (!m || !m->table)
				continue;
			if (table_syntax(m->table) == TABLE_REGEXP) {
				diag_add(d, DIAG_NOTE, w->maincf_path, line,
					 _("%s: the domains matched by pattern table '%s' are not listed"),
					 param, it);
				continue;
			}
			bool address_map = (m->roles & (MAP_VIRTUAL_ALIAS | MAP_VIRTUAL_MAILBOX)) != 0;
			const char *file = m->ref.path ? arena_strdup(&w->arena, m->ref.path)
						       : w->maincf_path;
			size_t cnt = table_count(m->table);
			for (size_t k = 0; k < cnt; k++) {
				const struct table_entry *e = table_entry(m->table, k);
				if (e->shadowed || !key_is_domain(e->lookup_key, address_map))
					continue;
				char *name = arena_fold(&w->arena, e->lookup_key, strlen(e->lookup_key));
				dom_list(w, dc, name, cls, via, file, e->line);
			}
			continue;
		}
		char *name = arena_fold(&w->arena, it, strlen(it));
		dom_list(w, dc, name, cls, via, w->maincf_path, line);
	}
	maincf_list_free(items);
	free(value);
}

/* ---- mailboxes and aliases ---- */

static void split_address(struct arena *ar, const char *addr, const char **local,
			  const char **domain)
{
	const char *at = strrchr(addr, '@');
	if (!at) {
		*local = addr;
		*domain = "";
		return;
	}
	*local = arena_strndup(ar, addr, (size_t)(at - addr));
	*domain = at + 1;
}

static const char *join_path(struct arena *ar, const char *base, const char *value)
{
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	while (*value == '/')
		value++;
	size_t vl = strlen(value);
	char *p = arena_alloc(ar, bl + vl + 2);
	memcpy(p, base, bl);
	p[bl] = '/';
	memcpy(p + bl + 1, value, vl + 1);
	return p;
}

/* Postfix ignores a later duplicate of a key (the table reports it). */
static bool entry_usable(const struct table_entry *e)
{
	return !e->shadowed && e->lookup_key && *e->lookup_key;
}

static const char *map_file(struct world *w, const struct world_map *m)
{
	return m->ref.path ? m->ref.path : w->maincf_path;
}

struct mb_vec {
	struct mailbox *v;
	size_t n, cap;
};

static void load_mailboxes(struct world *w, struct dom_collect *dc, struct mb_vec *boxes,
			   struct mb_vec *catchalls, struct diags *d)
{
	for (size_t i = 0; i < w->nmaps; i++) {
		struct world_map *m = w->maps[i];
		if (!(m->roles & MAP_VIRTUAL_MAILBOX) || !m->table)
			continue;
		if (table_syntax(m->table) != TABLE_INDEXED) {
			diag_add(d, DIAG_NOTE, map_file(w, m), 0,
				 _("pattern table: its entries are not listed as mailboxes"));
			continue;
		}
		const char *file = arena_strdup(&w->arena, map_file(w, m));
		size_t cnt = table_count(m->table);
		for (size_t k = 0; k < cnt; k++) {
			const struct table_entry *e = table_entry(m->table, k);
			if (!entry_usable(e))
				continue;
			const char *key = e->lookup_key;
			if (!strchr(key, '@')) {
				if (!key_is_domain(key, true))
					diag_warn(d, file, e->line,
						  _("'%s' has no domain: virtual(8) never looks it up"),
						  key);
				continue; /* a domain line for virtual_mailbox_domains */
			}
			struct mb_vec *dst = key[0] == '@' ? catchalls : boxes;
			char *addr = arena_fold(&w->arena, key, strlen(key));
			if (!strmap_add(w->mb_idx, addr, (void *)(uintptr_t)1)) {
				diag_warn(d, file, e->line,
					  _("'%s' is already defined in an earlier map; this entry is ignored"),
					  addr);
				continue;
			}
			xgrow(&dst->v, &dst->cap, dst->n + 1, sizeof *dst->v);
			struct mailbox *b = &dst->v[dst->n++];
			memset(b, 0, sizeof *b);
			b->address = addr;
			split_address(&w->arena, addr, &b->local, &b->domain);
			b->value = e->value;
			b->maildir = join_path(&w->arena, w->base, e->value);
			size_t vl = strlen(e->value);
			b->is_maildir = vl > 0 && e->value[vl - 1] == '/';
			b->map = m;
			b->entry = e;
			b->file = file;
			b->line = e->line;
			b->quota_bytes = -1;
			dom_touch(w, dc, b->domain);
		}
	}
}

/* Split an alias value the way cleanup does: on commas and whitespace,
 * keeping a quoted part whole. */
static size_t split_targets(struct arena *ar, const char *value, struct alias_target **outv,
			    size_t *outn, size_t *outcap)
{
	size_t count = 0;
	const char *p = value;
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *s = p;
		bool quoted = false;
		for (; *p; p++) {
			if (quoted && *p == '\\' && p[1]) {
				p++;
				continue;
			}
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && (*p == ',' || isspace((unsigned char)*p)))
				break;
		}
		size_t len = (size_t)(p - s);
		xgrow(outv, outcap, *outn + 1, sizeof **outv);
		struct alias_target *t = &(*outv)[(*outn)++];
		memset(t, 0, sizeof *t);
		t->text = arena_strndup(ar, s, len);
		t->address = arena_fold(ar, s, len);
		count++;
	}
	return count;
}

struct al_build {
	struct alias a;
	size_t tfirst;
};

struct al_vec {
	struct al_build *v;
	size_t n, cap;
};

static void load_aliases(struct world *w, struct dom_collect *dc, struct al_vec *av,
			 struct alias_target **tv, size_t *tn, size_t *tcap, struct diags *d)
{
	for (size_t i = 0; i < w->nmaps; i++) {
		struct world_map *m = w->maps[i];
		if (!(m->roles & MAP_VIRTUAL_ALIAS) || !m->table)
			continue;
		if (table_syntax(m->table) != TABLE_INDEXED) {
			diag_add(d, DIAG_NOTE, map_file(w, m), 0,
				 _("pattern table: its entries are not listed as aliases"));
			continue;
		}
		const char *file = arena_strdup(&w->arena, map_file(w, m));
		size_t cnt = table_count(m->table);
		for (size_t k = 0; k < cnt; k++) {
			const struct table_entry *e = table_entry(m->table, k);
			if (!entry_usable(e))
				continue;
			const char *key = e->lookup_key;
			char *addr = arena_fold(&w->arena, key, strlen(key));
			if (!strchr(addr, '@') &&
			    (strmap_get(dc->idx, addr) || key_is_domain(addr, true)))
				continue; /* the domain line of virtual_alias_domains */
			if (strmap_get(w->al_idx, addr)) {
				diag_warn(d, file, e->line,
					  _("'%s' is already defined in an earlier map; this entry is ignored"),
					  addr);
				continue;
			}
			strmap_add(w->al_idx, addr, (void *)(uintptr_t)1);
			xgrow(&av->v, &av->cap, av->n + 1, sizeof *av->v);
			struct al_build *b = &av->v[av->n++];
			memset(b, 0, sizeof *b);
			b->a.address = addr;
			split_address(&w->arena, addr, &b->a.local, &b->a.domain);
			b->a.value = e->value;
			b->a.is_catchall = addr[0] == '@';
			b->a.map = m;
			b->a.entry = e;
			b->a.file = file;
			b->a.line = e->line;
			b->tfirst = *tn;
			b->a.ntargets = split_targets(&w->arena, e->value, tv, tn, tcap);
			if (b->a.ntargets == 0)
				diag_warn(d, file, e->line, _("alias '%s' has no target"), addr);
			for (size_t t = 0; t < b->a.ntargets; t++)
				if (strcmp((*tv)[b->tfirst + t].address, addr) == 0)
					b->a.is_identity = true;
			dom_touch(w, dc, b->a.domain);
		}
	}
}

/* ---- sorting ---- */

static int cmp_addr(const char *d1, const char *l1, const char *d2, const char *l2)
{
	int c = strcmp(d1, d2);
	return c ? c : strcmp(l1, l2);
}

static int cmp_mailbox(const void *a, const void *b)
{
	const struct mailbox *x = a, *y = b;
	return cmp_addr(x->domain, x->local, y->domain, y->local);
}

static int cmp_al_build(const void *a, const void *b)
{
	const struct al_build *x = a, *y = b;
	/* catch-alls first within their domain, so the rest is one range */
	if (strcmp(x->a.domain, y->a.domain) == 0 && x->a.is_catchall != y->a.is_catchall)
		return x->a.is_catchall ? -1 : 1;
	return cmp_addr(x->a.domain, x->a.local, y->a.domain, y->a.local);
}

static int cmp_dom_build(const void *a, const void *b)
{
	const struct dom_build *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int cmp_catchall(const void *a, const void *b)
{
	const struct catchall *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	return c ? c : (int)x->map - (int)y->map;
}

static int cmp_alias_ptr(const void *a, const void *b)
{
	const struct alias *const *x = a, *const *y = b;
	return cmp_addr((*x)->domain, (*x)->local, (*y)->domain, (*y)->local);
}

/* ---- lookups ---- */

static char *fold_tmp(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

const struct domain *world_domain_find(const struct world *w, const char *name)
{
	char *k = fold_tmp(name);
	const struct domain *dom = strmap_get(w->dom_idx, k);
	free(k);
	return dom;
}

const struct mailbox *world_mailbox_find(const struct world *w, const char *address)
{
	char *k = fold_tmp(address);
	const struct mailbox *b = strmap_get(w->mb_idx, k);
	free(k);
	return b;
}

const struct alias *world_alias_find(const struct world *w, const char *address)
{
	char *k = fold_tmp(address);
	const struct alias *a = strmap_get(w->al_idx, k);
	free(k);
	return a;
}

enum domain_class world_domain_class(const struct world *w, const char *name, unsigned *classes)
{
	char *k = fold_tmp(name);
	unsigned mask = 0;
	const struct domain *dom = strmap_get(w->dom_idx, k);
	if (dom)
		mask = dom->classes;
	if (!strchr(k, '.') && !strchr(k, '@')) {
		/* Names without a dot are not listed from address maps (they
		 * look like local parts there), but Postfix would still match
		 * them as keys of a domain table. */
		for (size_t i = 0; i < w->nmaps; i++) {
			const struct world_map *m = w->maps[i];
			if (!m->table || table_syntax(m->table) != TABLE_INDEXED)
				continue;
			if (!table_lookup(m->table, k))
				continue;
			if (m->roles & MAP_MYDESTINATION)
				mask |= DOMAIN_LOCAL;
			if (m->roles & MAP_ALIAS_DOMAINS)
				mask |= DOMAIN_VIRTUAL_ALIAS;
			if (m->roles & MAP_MAILBOX_DOMAINS)
				mask |= DOMAIN_VIRTUAL_MAILBOX;
		}
	}
	free(k);
	if (classes)
		*classes = mask;
	return effective_class(mask);
}

/* How mail to one target is delivered (reference §2.2, §2.4, §2.5). */
static void classify_target(struct world *w, const struct alias *owner, struct alias_target *t)
{
	const char *addr = t->address;
	const char *at = strrchr(addr, '@');
	if (!at) {
		t->class = TARGET_LOCAL;  /* gets @$myorigin: local(8) */
		return;
	}
	bool self = strcmp(addr, owner->address) == 0;
	if (!self) {
		const struct alias *a = strmap_get(w->al_idx, addr);
		if (a) {
			t->class = TARGET_ALIAS;
			t->alias = a;
			return;
		}
	}
	const char *domain = at + 1;
	const struct domain *dom = strmap_get(w->dom_idx, domain);
	enum domain_class cls = world_domain_class(w, domain, NULL);
	const struct mailbox *mb = strmap_get(w->mb_idx, addr);
	switch (cls) {
	case DOMAIN_LOCAL:
		t->class = TARGET_LOCAL;
		return;
	case DOMAIN_OTHER:
		t->class = TARGET_EXTERNAL;
		return;
	case DOMAIN_VIRTUAL_ALIAS:
		t->class = (!self && dom && dom->catchall_alias) ? TARGET_CATCHALL : TARGET_UNKNOWN;
		return;
	case DOMAIN_VIRTUAL_MAILBOX:
		/* The alias wildcard is tried before any mailbox lookup. */
		if (!self && dom && dom->catchall_alias)
			t->class = TARGET_CATCHALL;
		else if (mb && mb->address[0] != '@') {
			t->class = TARGET_MAILBOX;
			t->mailbox = mb;
		} else if (dom && dom->catchall_mailbox)
			t->class = TARGET_CATCHALL;
		else
			t->class = TARGET_UNKNOWN;
		return;
	}
}

static void rev_add(struct world *w, const char *target, const struct alias *a)
{
	struct alias_vec *v = strmap_get(w->rev_idx, target);
	if (!v) {
		v = xcalloc(1, sizeof *v);
		strmap_add(w->rev_idx, target, v);
	}
	if (v->n > 0 && v->v[v->n - 1] == a)
		return;   /* "a, a" lists the alias once */
	xgrow(&v->v, &v->cap, v->n + 1, sizeof *v->v);
	v->v[v->n++] = a;
}

/* ---- loading ---- */

static void load_passwd(struct world *w, const struct config *cfg, struct diags *d)
{
	struct doc *doc = NULL;
	if (cfg->passwd_file && doc_load(cfg->passwd_file, true, &doc, d) == 0) {
		if (!doc_exists(doc))
			diag_add(d, DIAG_NOTE, cfg->passwd_file, 0,
				 _("the passwd-file does not exist; no passwords or quotas"));
	} else {
		doc = doc_from_mem(cfg->passwd_file ? cfg->passwd_file : "passwd-file", "", 0);
	}
	if (pwfile_parse(doc, &w->pwfile, d) < 0 || !w->pwfile)
		pwfile_parse(doc_from_mem("passwd-file", "", 0), &w->pwfile, d);
}

static void load_sysaliases(struct world *w, const struct config *cfg, struct diags *d)
{
	struct doc *doc = NULL;
	if (cfg->aliases_file && doc_load(cfg->aliases_file, true, &doc, d) == 0) {
		if (!doc_exists(doc))
			diag_add(d, DIAG_NOTE, cfg->aliases_file, 0, _("the aliases file does not exist"));
	} else {
		doc = doc_from_mem(cfg->aliases_file ? cfg->aliases_file : "aliases", "", 0);
	}
	if (aliases_parse(doc, &w->sysaliases, d) < 0 || !w->sysaliases)
		aliases_parse(doc_from_mem("aliases", "", 0), &w->sysaliases, d);
}

static void load_address_maps(struct world *w, const char *param, unsigned role, struct diags *d)
{
	unsigned line = 0;
	maincf_raw(w->maincf, param, &line);
	char *value = maincf_get(w->maincf, param);
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++)
		map_get(w, items[i], role, param, line, d);
	maincf_list_free(items);
	free(value);
}

static void build_domains(struct world *w, struct dom_collect *dc, struct diags *d)
{
	qsort(dc->v, dc->n, sizeof *dc->v, cmp_dom_build);
	w->ndomains = dc->n;
	w->domains = xcalloc(dc->n ? dc->n : 1, sizeof *w->domains);
	w->dom_mb_first = xcalloc(dc->n ? dc->n : 1, sizeof *w->dom_mb_first);
	w->dom_al_first = xcalloc(dc->n ? dc->n : 1, sizeof *w->dom_al_first);
	w->dom_idx = strmap_create(dc->n);
	for (size_t i = 0; i < dc->n; i++) {
		struct dom_build *b = &dc->v[i];
		struct domain *dom = &w->domains[i];
		dom->name = b->name;
		dom->classes = b->classes;
		dom->class = effective_class(b->classes);
		dom->conflict = (b->classes & (b->classes - 1)) != 0;
		if (b->n) {
			struct domain_listing *l = arena_alloc(&w->arena, b->n * sizeof *l);
			memcpy(l, b->listings, b->n * sizeof *l);
			dom->listings = l;
			dom->nlistings = b->n;
		}
		free(b->listings);
		strmap_add(w->dom_idx, dom->name, dom);
		if (dom->conflict) {
			const struct domain_listing *l = &dom->listings[dom->nlistings - 1];
			diag_warn(d, l->file, l->line,
				  _("domain %s is listed in more than one class (%s%s%s); Postfix uses %s"),
				  dom->name,
				  (dom->classes & DOMAIN_LOCAL) ? "mydestination " : "",
				  (dom->classes & DOMAIN_VIRTUAL_ALIAS) ? "virtual_alias_domains " : "",
				  (dom->classes & DOMAIN_VIRTUAL_MAILBOX) ? "virtual_mailbox_domains" : "",
				  model_domain_class_name(dom->class));
		}
	}
	free(dc->v);
	strmap_free(&dc->idx);
}

int world_load(const struct config *cfg, struct world **out, struct diags *d)
{
	*out = NULL;
	struct world *w = xcalloc(1, sizeof *w);
	w->maincf_path = xasprintf("%s/main.cf", cfg->postfix_dir ? cfg->postfix_dir : "/etc/postfix");
	struct doc *mdoc = NULL;
	if (doc_load(w->maincf_path, false, &mdoc, d) < 0 ||
	    maincf_parse(mdoc, &w->maincf, d) < 0 || !w->maincf) {
		if (!w->maincf && mdoc && !diags_has_errors(d))
			diag_error(d, w->maincf_path, 0, _("cannot read main.cf"));
		world_free(&w);
		return -1;
	}
	w->base = maincf_get(w->maincf, "virtual_mailbox_base");
	if (!*w->base) {
		unsigned line = 0;
		maincf_raw(w->maincf, "virtual_mailbox_base", &line);
		diag_warn(d, w->maincf_path, line,
			  _("virtual_mailbox_base is empty: maildir paths are relative"));
	}

	/* The address maps first, in main.cf order, so that a domain list
	 * naming the same file knows it holds addresses too. */
	load_address_maps(w, "virtual_mailbox_maps", MAP_VIRTUAL_MAILBOX, d);
	load_address_maps(w, "virtual_alias_maps", MAP_VIRTUAL_ALIAS, d);

	struct dom_collect dc = { strmap_create(64), NULL, 0, 0 };
	load_domain_param(w, &dc, "mydestination", DOMAIN_LOCAL, MAP_MYDESTINATION, d);
	load_domain_param(w, &dc, "virtual_alias_domains", DOMAIN_VIRTUAL_ALIAS, MAP_ALIAS_DOMAINS, d);
	load_domain_param(w, &dc, "virtual_mailbox_domains", DOMAIN_VIRTUAL_MAILBOX,
			  MAP_MAILBOX_DOMAINS, d);

	load_passwd(w, cfg, d);
	load_sysaliases(w, cfg, d);

	/* Mailboxes. */
	size_t expect = 0;
	for (size_t i = 0; i < w->nmaps; i++)
		if (w->maps[i]->table)
			expect += table_count(w->maps[i]->table);
	w->mb_idx = strmap_create(expect);
	w->al_idx = strmap_create(expect);
	struct mb_vec boxes = { NULL, 0, 0 }, cboxes = { NULL, 0, 0 };
	load_mailboxes(w, &dc, &boxes, &cboxes, d);
	qsort(boxes.v, boxes.n, sizeof *boxes.v, cmp_mailbox);
	w->mailboxes = boxes.v;
	w->nmailboxes = boxes.n;
	w->catchall_boxes = cboxes.v;
	w->ncatchall_boxes = cboxes.n;
	for (size_t i = 0; i < w->nmailboxes; i++)
		strmap_put(w->mb_idx, w->mailboxes[i].address, &w->mailboxes[i]);
	for (size_t i = 0; i < w->ncatchall_boxes; i++)
		strmap_put(w->mb_idx, w->catchall_boxes[i].address, &w->catchall_boxes[i]);
	for (size_t i = 0; i < w->nmailboxes; i++) {
		struct mailbox *b = &w->mailboxes[i];
		b->pw = pwfile_lookup(w->pwfile, b->address);
		if (!b->pw)
			continue;
		char *rule = pwfile_extra_get(b->pw, "userdb_quota_rule");
		if (rule) {
			b->quota_rule = arena_strdup(&w->arena, rule);
			free(rule);
			if (!model_quota_bytes(b->quota_rule, &b->quota_bytes))
				b->quota_bytes = -1;
		}
	}

	/* Aliases. */
	struct al_vec av = { NULL, 0, 0 };
	struct alias_target *tv = NULL;
	size_t tn = 0, tcap = 0;
	load_aliases(w, &dc, &av, &tv, &tn, &tcap, d);
	qsort(av.v, av.n, sizeof *av.v, cmp_al_build);
	w->targets = tv;
	w->ntargets = tn;
	w->naliases = av.n;
	w->aliases = xcalloc(av.n ? av.n : 1, sizeof *w->aliases);
	for (size_t i = 0; i < av.n; i++) {
		w->aliases[i] = av.v[i].a;
		w->aliases[i].targets = tv ? &tv[av.v[i].tfirst] : NULL;
		strmap_put(w->al_idx, w->aliases[i].address, &w->aliases[i]);
	}
	free(av.v);

	/* Catch-alls, then domains (which point at them). */
	size_t ncatch = w->ncatchall_boxes;
	for (size_t i = 0; i < w->naliases; i++)
		ncatch += w->aliases[i].is_catchall;
	w->catchalls = xcalloc(ncatch ? ncatch : 1, sizeof *w->catchalls);
	for (size_t i = 0; i < w->naliases; i++) {
		const struct alias *a = &w->aliases[i];
		if (a->is_catchall)
			w->catchalls[w->ncatchalls++] = (struct catchall){
				a->domain, CATCHALL_IN_ALIAS_MAP, a, NULL, a->value, a->file, a->line };
	}
	for (size_t i = 0; i < w->ncatchall_boxes; i++) {
		const struct mailbox *b = &w->catchall_boxes[i];
		w->catchalls[w->ncatchalls++] = (struct catchall){
			b->domain, CATCHALL_IN_MAILBOX_MAP, NULL, b, b->value, b->file, b->line };
	}
	qsort(w->catchalls, w->ncatchalls, sizeof *w->catchalls, cmp_catchall);

	build_domains(w, &dc, d);
	for (size_t i = 0; i < w->ncatchalls; i++) {
		struct domain *dom = strmap_get(w->dom_idx, w->catchalls[i].domain);
		if (!dom)
			continue;
		if (w->catchalls[i].map == CATCHALL_IN_ALIAS_MAP)
			dom->catchall_alias = &w->catchalls[i];
		else
			dom->catchall_mailbox = &w->catchalls[i];
	}
	/* Ranges: both arrays are sorted by domain. */
	size_t mi = 0, ai = 0;
	for (size_t i = 0; i < w->ndomains; i++) {
		struct domain *dom = &w->domains[i];
		while (mi < w->nmailboxes && strcmp(w->mailboxes[mi].domain, dom->name) < 0)
			mi++;
		w->dom_mb_first[i] = mi;
		while (mi < w->nmailboxes && strcmp(w->mailboxes[mi].domain, dom->name) == 0) {
			mi++;
			dom->nmailboxes++;
		}
		while (ai < w->naliases && (strcmp(w->aliases[ai].domain, dom->name) < 0 ||
					    (strcmp(w->aliases[ai].domain, dom->name) == 0 &&
					     w->aliases[ai].is_catchall)))
			ai++;
		w->dom_al_first[i] = ai;
		while (ai < w->naliases && strcmp(w->aliases[ai].domain, dom->name) == 0) {
			ai++;
			dom->naliases++;
		}
	}

	/* Targets, the reverse index, and what each mailbox's mail meets first. */
	w->rev_idx = strmap_create(w->ntargets);
	for (size_t i = 0; i < w->naliases; i++) {
		const struct alias *a = &w->aliases[i];
		size_t first = (size_t)(a->targets - w->targets);
		for (size_t k = 0; k < a->ntargets; k++) {
			classify_target(w, a, &w->targets[first + k]);
			rev_add(w, w->targets[first + k].address, a);
		}
	}
	for (size_t i = 0; i < w->nmailboxes; i++) {
		struct mailbox *b = &w->mailboxes[i];
		b->alias = strmap_get(w->al_idx, b->address);
		const struct domain *dom = strmap_get(w->dom_idx, b->domain);
		b->swallowed = !b->alias && dom && dom->catchall_alias;
	}
	*out = w;
	return 0;
}

void world_free(struct world **wp)
{
	struct world *w = *wp;
	if (!w)
		return;
	maincf_free(&w->maincf);
	for (size_t i = 0; i < w->nmaps; i++) {
		table_free(&w->maps[i]->table);
		table_ref_free(&w->maps[i]->ref);
		free(w->maps[i]);
	}
	free(w->maps);
	pwfile_free(&w->pwfile);
	aliases_free(&w->sysaliases);
	free(w->domains);
	free(w->dom_mb_first);
	free(w->dom_al_first);
	free(w->mailboxes);
	free(w->catchall_boxes);
	free(w->aliases);
	free(w->targets);
	free(w->catchalls);
	strmap_free(&w->dom_idx);
	strmap_free(&w->mb_idx);
	strmap_free(&w->al_idx);
	if (w->rev_idx) {
		size_t pos = 0;
		const char *k;
		void *v;
		while (strmap_next(w->rev_idx, &pos, &k, &v)) {
			struct alias_vec *av = v;
			free(av->v);
			free(av);
		}
		strmap_free(&w->rev_idx);
	}
	free(w->maincf_path);
	free(w->base);
	arena_free(&w->arena);
	free(w);
	*wp = NULL;
}

/* ---- accessors ---- */

struct maincf *world_maincf(const struct world *w) { return w->maincf; }
const char *world_maincf_path(const struct world *w) { return w->maincf_path; }
size_t world_map_count(const struct world *w) { return w->nmaps; }
struct world_map *world_map(const struct world *w, size_t i) { return i < w->nmaps ? w->maps[i] : NULL; }
struct pwfile *world_pwfile(const struct world *w) { return w->pwfile; }
struct aliases *world_system_aliases(const struct world *w) { return w->sysaliases; }
const char *world_mailbox_base(const struct world *w) { return w->base; }

struct world_map *world_map_for(const struct world *w, enum map_role role)
{
	for (size_t i = 0; i < w->nmaps; i++)
		if ((w->maps[i]->roles & (unsigned)role) && w->maps[i]->table)
			return w->maps[i];
	return NULL;
}

const struct domain *world_domains(const struct world *w, size_t *n)
{
	*n = w->ndomains;
	return w->domains;
}

const struct mailbox *world_mailboxes(const struct world *w, size_t *n)
{
	*n = w->nmailboxes;
	return w->mailboxes;
}

const struct alias *world_aliases(const struct world *w, size_t *n)
{
	*n = w->naliases;
	return w->aliases;
}

const struct catchall *world_catchalls(const struct world *w, size_t *n)
{
	*n = w->ncatchalls;
	return w->catchalls;
}

static size_t dom_index(const struct world *w, const struct domain *dom)
{
	if (dom < w->domains || dom >= w->domains + w->ndomains)
		vm_panic("world: domain %s is not from this world", dom->name);
	return (size_t)(dom - w->domains);
}

const struct mailbox *world_domain_mailboxes(const struct world *w, const struct domain *dom,
					     size_t *n)
{
	*n = dom->nmailboxes;
	return w->mailboxes + w->dom_mb_first[dom_index(w, dom)];
}

const struct alias *world_domain_aliases(const struct world *w, const struct domain *dom,
					 size_t *n)
{
	*n = dom->naliases;
	return w->aliases + w->dom_al_first[dom_index(w, dom)];
}

const struct alias *const *world_aliases_to(const struct world *w, const char *address, size_t *n)
{
	char *k = fold_tmp(address);
	const struct alias_vec *v = strmap_get(w->rev_idx, k);
	free(k);
	*n = v ? v->n : 0;
	return v ? v->v : NULL;
}

const struct alias **world_aliases_reaching(const struct world *w, const char *address, size_t *n)
{
	const struct alias **out = NULL;
	size_t cnt = 0, cap = 0;
	struct strmap *seen = strmap_create(16);
	/* The address's own identity entry (u@d u@d) is not "another alias
	 * reaching it"; marking it seen also stops a loop back to it. */
	char *self = fold_tmp(address);
	strmap_add(seen, self, NULL);
	free(self);
	/* Breadth first over the reverse index; out doubles as the queue. */
	size_t direct;
	const struct alias *const *v = world_aliases_to(w, address, &direct);
	for (size_t i = 0; i < direct; i++)
		if (strmap_add(seen, v[i]->address, NULL)) {
			xgrow(&out, &cap, cnt + 1, sizeof *out);
			out[cnt++] = v[i];
		}
	for (size_t q = 0; q < cnt; q++) {
		size_t m;
		const struct alias *const *u = world_aliases_to(w, out[q]->address, &m);
		for (size_t i = 0; i < m; i++)
			if (strmap_add(seen, u[i]->address, NULL)) {
				xgrow(&out, &cap, cnt + 1, sizeof *out);
				out[cnt++] = u[i];
			}
	}
	strmap_free(&seen);
	if (cnt > 1)
		qsort(out, cnt, sizeof *out, cmp_alias_ptr);
	*n = cnt;
	return out;
}
