/* The world's domains, mailboxes and aliases collected from the documents
 * load_maps.c read (main.cf, its maps and domain lists, the passwd-file,
 * /etc/aliases), with Postfix's rules (keys fold case, the first duplicate
 * wins); the passwd-file joined to the mailboxes; the world made again from
 * edited documents (world_rebuild) and freed. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* ---- the world's domains ---- */

/* A domain while it is being collected. */
struct dom_build {
	const char *name;
	uint32_t num;     /* position before sorting, + 1 */
	unsigned classes;
	struct domain_listing *listings;
	size_t n, cap;
};

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
	struct world *w;
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

/* The domain's collection index + 1 (0 for the empty domain of a bare key). */
static uint32_t dom_touch(struct world *w, struct dom_collect *dc, const char *name)
{
	if (!*name)
		return 0;
	return (uint32_t)(dom_get(w, dc->idx, &dc->v, &dc->n, &dc->cap, name) - dc->v) + 1;
}

/* A domain-class item for the world: a name is listed as it is; a table
 * lists every key that names a domain. */
static void world_domain_item(void *ctx, const char *it, struct world_map *m,
			      enum domain_class cls, unsigned line)
{
	struct dom_collect *dc = ctx;
	struct world *w = dc->w;
	const char *via = arena_strdup(&w->arena, it);
	if (!m) {
		char *name = arena_fold(&w->arena, it, strlen(it));
		dom_list(w, dc, name, cls, via, w->maincf_path, line);
		return;
	}
	bool address_map = (m->roles & (MAP_VIRTUAL_ALIAS | MAP_VIRTUAL_MAILBOX)) != 0;
	const char *file = m->ref.path ? arena_strdup(&w->arena, m->ref.path) : w->maincf_path;
	size_t cnt = table_count(m->table);
	for (size_t k = 0; k < cnt; k++) {
		const struct table_entry *e = table_entry(m->table, k);
		if (e->shadowed || !classify_key_is_domain(e->lookup_key, address_map))
			continue;
		char *name = arena_fold(&w->arena, e->lookup_key, strlen(e->lookup_key));
		dom_list(w, dc, name, cls, via, file, e->line);
	}
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
	*local = arena_memdup0(ar, addr, (size_t)(at - addr));
	*domain = at + 1;
}

/* virtual_mailbox_base "/" a map value, in ar (a mailbox's maildir). */
static const char *load_join_path(struct arena *ar, const char *base, const char *value)
{
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	while (*value == '/')
		value++;
	size_t vl = strlen(value);
	char *p = arena_alloc(ar, bl + vl + 2, 1);
	memcpy(p, base, bl);
	p[bl] = '/';
	memcpy(p + bl + 1, value, vl + 1);
	return p;
}

static struct world_paths *paths_of(struct world *w)
{
	if (!w->paths) {
		w->paths = xcalloc(1, sizeof *w->paths);
		w->paths->refs = 1;
	}
	return w->paths;
}

static void paths_release(struct world_paths **pp)
{
	struct world_paths *p = *pp;
	*pp = NULL;
	while (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct world_paths *up = p->parent;
		arena_free(&p->a);
		free(p);
		p = up;
	}
}

const char *load_maildir_path(struct world *w, const struct table_entry *e)
{
	return load_join_path(&paths_of(w)->a, w->base, e->value);
}

/* The maildir of the mailbox key from entry e: the string of the world
 * shared (sw, over the same base; NULL: none) when its mailbox key comes
 * from the very same entry (a table borrowed from it), else a new one. */
static const char *load_maildir_shared(struct world *w, const struct world *sw,
				       const struct table_entry *e, const char *key)
{
	const struct mailbox *sb = sw ? world_mailbox_find(sw, key) : NULL;
	if (!sb || sb->entry != e || sb->value != e->value)
		return load_maildir_path(w, e);
	struct world_paths *p = paths_of(w);
	if (!p->parent) {
		p->parent = sw->paths;
		__atomic_add_fetch(&sw->paths->refs, 1, __ATOMIC_RELAXED);
	}
	return sb->maildir;
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

/* The entries of the maps with role, to reserve room once. */
static size_t maps_entries(const struct world *w, unsigned role)
{
	size_t n = 0;
	for (size_t i = 0; i < w->maps.n; i++)
		if ((w->maps.v[i]->roles & role) && w->maps.v[i]->table)
			n += table_count(w->maps.v[i]->table);
	return n;
}

/* Whether m, a map with role, lists its entries: an indexed table does; a
 * pattern table cannot (note says so). */
static bool map_lists(struct world *w, const struct world_map *m, unsigned role,
		      const char *note, struct diags *d)
{
	if (!(m->roles & role) || !m->table)
		return false;
	if (table_syntax(m->table) != TABLE_INDEXED) {
		diag_add(d, DIAG_NOTE, map_file(w, m), 0, "%s", note);
		return false;
	}
	return true;
}

/* One walk over the usable entries of the maps with role, in map order
 * (a pattern table noted and skipped), shared by the mailbox and alias
 * loaders; the domain number of the last domain met is kept, as a map's
 * entries come grouped by domain. */
struct entry_walk {
	unsigned role;
	const char *note;         /* said of a pattern table */
	size_t map, k, cnt;
	struct world_map *m;      /* the map of the entry returned */
	const char *file;         /* its file, in the world's arena */
	const char *last_domain;
	uint32_t last_dom;
};

static const struct table_entry *entry_walk_next(struct world *w, struct entry_walk *ew,
						 struct diags *d)
{
	for (;;) {
		while (ew->m && ew->k < ew->cnt) {
			const struct table_entry *e = table_entry(ew->m->table, ew->k++);
			if (entry_usable(e))
				return e;
		}
		if (ew->map >= w->maps.n)
			return NULL;
		struct world_map *m = w->maps.v[ew->map++];
		ew->m = NULL;
		if (!map_lists(w, m, ew->role, ew->note, d))
			continue;
		ew->m = m;
		ew->file = arena_strdup(&w->arena, map_file(w, m));
		ew->cnt = table_count(m->table);
		ew->k = 0;
		ew->last_domain = "";
		ew->last_dom = 0;
	}
}

/* dom_touch(domain), once for each run of entries of one domain. */
static uint32_t entry_walk_dom(struct world *w, struct dom_collect *dc, struct entry_walk *ew,
			       const char *domain)
{
	if (strcmp(domain, ew->last_domain) != 0) {
		ew->last_dom = dom_touch(w, dc, domain);
		ew->last_domain = domain;
	}
	return ew->last_dom;
}

/* Mailboxes while loading: in map order (so that after sorting the first
 * of two equal keys is the one Postfix uses), each with its dom_touch()
 * number beside it. */
struct mb_vec {
	struct mailbox *v;
	uint32_t *dom, *hash;   /* hash: strmap_hash(address), while it is in cache */
	size_t n, cap, dcap, hcap;
};

static void load_mailboxes(struct world *w, struct dom_collect *dc, struct mb_vec *boxes,
			   struct mb_vec *catchalls, struct diags *d)
{
	size_t expect = maps_entries(w, MAP_VIRTUAL_MAILBOX);
	index_reserve(&boxes->v, &boxes->cap, expect, sizeof *boxes->v);
	index_reserve(&boxes->dom, &boxes->dcap, expect, sizeof *boxes->dom);
	index_reserve(&boxes->hash, &boxes->hcap, expect, sizeof *boxes->hash);
	struct entry_walk ew = { .role = MAP_VIRTUAL_MAILBOX,
				 .note = _("pattern table: its entries are not listed as mailboxes") };
	const struct world *sw = w->maps.src ? w->maps.src->share : NULL;
	if (sw && (!sw->paths || strcmp(sw->base, w->base) != 0))
		sw = NULL;   /* nothing to share, or another base */
	const struct table_entry *e;
	while ((e = entry_walk_next(w, &ew, d))) {
		const char *key = e->lookup_key;
		if (!strchr(key, '@')) {
			if (!classify_key_is_domain(key, true))
				diag_warn(d, ew.file, e->line,
					  _("'%s' has no domain: virtual(8) never looks it up"), key);
			continue; /* a domain line for virtual_mailbox_domains */
		}
		struct mb_vec *dst = key[0] == '@' ? catchalls : boxes;
		xgrow(&dst->v, &dst->cap, dst->n + 1, sizeof *dst->v);
		xgrow(&dst->dom, &dst->dcap, dst->n + 1, sizeof *dst->dom);
		xgrow(&dst->hash, &dst->hcap, dst->n + 1, sizeof *dst->hash);
		dst->hash[dst->n] = strmap_hash(key);
		struct mailbox *b = &dst->v[dst->n];
		memset(b, 0, sizeof *b);
		b->address = key;   /* folded by the table, and lives as long */
		split_address(&w->arena, b->address, &b->local, &b->domain);
		b->value = e->value;
		b->maildir = key[0] == '@' ? load_maildir_path(w, e) : load_maildir_shared(w, sw, e, key);
		size_t vl = strlen(e->value);
		b->is_maildir = vl > 0 && e->value[vl - 1] == '/';
		b->map = ew.m;
		b->entry = e;
		b->file = ew.file;
		b->line = e->line;
		b->quota_bytes = -1;
		dst->dom[dst->n++] = entry_walk_dom(w, dc, &ew, b->domain);
	}
}

/* Split an alias value the way cleanup does: on commas and whitespace,
 * keeping a quoted part whole. */
size_t load_split_targets(struct arena *ar, const char *value, struct alias_target **outv,
			  size_t *outn, size_t *outcap)
{
	size_t count = 0;
	const char *p = value;
	const char *s;
	size_t len;
	while (table_value_next(&p, &s, &len)) {
		xgrow(outv, outcap, *outn + 1, sizeof **outv);
		struct alias_target *t = &(*outv)[(*outn)++];
		memset(t, 0, sizeof *t);
		bool upper = false;
		for (size_t i = 0; i < len && !upper; i++)
			upper = s[i] >= 'A' && s[i] <= 'Z';
		if (s == value && !*p && !upper) {
			/* The whole value, in lower case (most aliases): the
			 * table's string, which lives as long as the world. */
			t->address = t->text = value;
		} else {
			t->address = arena_fold(ar, s, len);
			/* the text as written only costs memory when it differs */
			t->text = upper ? arena_memdup0(ar, s, len) : t->address;
		}
		count++;
	}
	return count;
}

/* Aliases while loading, like struct mb_vec; tfirst: the first target's
 * index in the target array (its final address is set after sorting). */
struct al_vec {
	struct alias *v;
	uint32_t *dom, *tfirst, *hash;
	size_t n, cap, dcap, tcap, hcap;
};

static void load_aliases(struct world *w, struct dom_collect *dc, struct al_vec *av,
			 struct alias_target **tv, size_t *tn, size_t *tcap, struct diags *d)
{
	size_t expect = maps_entries(w, MAP_VIRTUAL_ALIAS);
	index_reserve(&av->v, &av->cap, expect, sizeof *av->v);
	index_reserve(&av->dom, &av->dcap, expect, sizeof *av->dom);
	index_reserve(&av->tfirst, &av->tcap, expect, sizeof *av->tfirst);
	index_reserve(&av->hash, &av->hcap, expect, sizeof *av->hash);
	index_reserve(tv, tcap, expect + expect / 4, sizeof **tv);
	struct entry_walk ew = { .role = MAP_VIRTUAL_ALIAS,
				 .note = _("pattern table: its entries are not listed as aliases") };
	const struct table_entry *e;
	while ((e = entry_walk_next(w, &ew, d))) {
		const char *addr = e->lookup_key;   /* folded by the table */
		if (!strchr(addr, '@') &&
		    (strmap_get(dc->idx, addr) || classify_key_is_domain(addr, true)))
			continue; /* the domain line of virtual_alias_domains */
		xgrow(&av->v, &av->cap, av->n + 1, sizeof *av->v);
		xgrow(&av->dom, &av->dcap, av->n + 1, sizeof *av->dom);
		xgrow(&av->tfirst, &av->tcap, av->n + 1, sizeof *av->tfirst);
		xgrow(&av->hash, &av->hcap, av->n + 1, sizeof *av->hash);
		av->hash[av->n] = strmap_hash(addr);
		struct alias *a = &av->v[av->n];
		memset(a, 0, sizeof *a);
		a->address = addr;
		split_address(&w->arena, addr, &a->local, &a->domain);
		a->value = e->value;
		a->is_catchall = addr[0] == '@';
		a->map = ew.m;
		a->entry = e;
		a->file = ew.file;
		a->line = e->line;
		size_t tfirst = *tn;
		a->ntargets = load_split_targets(&w->arena, e->value, tv, tn, tcap);
		if (a->ntargets == 0)
			diag_warn(d, ew.file, e->line, _("alias '%s' has no target"), addr);
		for (size_t t = 0; t < a->ntargets; t++)
			if (strcmp((*tv)[tfirst + t].address, addr) == 0)
				a->is_identity = true;
		av->dom[av->n] = entry_walk_dom(w, dc, &ew, a->domain);
		av->tfirst[av->n] = (uint32_t)tfirst;
		av->n++;
	}
}

/* ---- sorting and dropping duplicates ---- */

static int cmp_dom_build(const void *a, const void *b)
{
	const struct dom_build *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Sort, then drop the later of equal keys: Postfix asks the maps in order
 * and takes the first answer. Returns the array (the vector's); *ranks and
 * *hashes get each kept mailbox's domain rank and address hash. */
static struct mailbox *mailboxes_final(struct mb_vec *v, const uint32_t *rank, size_t ndom,
				       size_t *n, uint32_t **ranks, uint32_t **hashes,
				       struct diags *d)
{
	size_t cnt = v->n ? v->n : 1;
	struct sortkey *keys = xmalloc(cnt * sizeof *keys);
	bool *same = xmalloc(cnt * sizeof *same);
	for (size_t i = 0; i < v->n; i++)
		keys[i] = (struct sortkey){ rank[v->dom[i]], (uint32_t)i, v->v[i].local };
	index_sort_keys(keys, v->n, ndom, same);
	index_sort_permute(v->v, v->n, sizeof *v->v, keys);
	*ranks = xmalloc(cnt * sizeof **ranks);
	*hashes = xmalloc(cnt * sizeof **hashes);
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct mailbox *b = &v->v[i];
		if (same[i]) {
			diag_warn(d, b->file, b->line,
				  _("'%s' is already defined in an earlier map (%s:%u); this entry is ignored"),
				  b->address, v->v[k - 1].file, v->v[k - 1].line);
			continue;
		}
		(*ranks)[k] = keys[i].dom;
		(*hashes)[k] = v->hash[keys[i].idx];
		if (k != i)
			v->v[k] = *b;
		k++;
	}
	free(keys);
	free(same);
	free(v->dom);
	free(v->hash);
	*n = k;
	if (!v->v)
		v->v = xcalloc(1, sizeof *v->v);
	return v->v;
}


/* Sort the collected domains into w->domains; rank[dom_touch number] gets
 * the domain's position + 1 (rank[0] = 0: no domain). Caller frees rank. */
static uint32_t *build_domains(struct world *w, struct dom_collect *dc, struct diags *d)
{
	for (size_t i = 0; i < dc->n; i++)
		dc->v[i].num = (uint32_t)i + 1;
	if (dc->n > 1)   /* v is NULL when there is no domain: qsort wants an array */
		qsort(dc->v, dc->n, sizeof *dc->v, cmp_dom_build);
	uint32_t *rank = xcalloc(dc->n + 1, sizeof *rank);
	w->ndomains = dc->n;
	w->domains = xcalloc(dc->n ? dc->n : 1, sizeof *w->domains);
	w->dom_mb_first = xcalloc(dc->n ? dc->n : 1, sizeof *w->dom_mb_first);
	w->dom_al_first = xcalloc(dc->n ? dc->n : 1, sizeof *w->dom_al_first);
	for (size_t i = 0; i < dc->n; i++) {
		struct dom_build *b = &dc->v[i];
		struct domain *dom = &w->domains[i];
		rank[b->num] = (uint32_t)i + 1;
		dom->name = b->name;
		dom->classes = b->classes;
		dom->class = classify_effective(b->classes);
		dom->conflict = (b->classes & (b->classes - 1)) != 0;
		if (b->n) {
			struct domain_listing *l = arena_alloc(&w->arena, b->n * sizeof *l, 0);
			memcpy(l, b->listings, b->n * sizeof *l);
			dom->listings = l;
			dom->nlistings = b->n;
		}
		free(b->listings);
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
	index_build(&w->dom_idx, w->domains, w->ndomains, sizeof *w->domains,
		   offsetof(struct domain, name), NULL, NULL);
	free(dc->v);
	strmap_free(&dc->idx);
	return rank;
}

/* Each passwd-file entry to its mailbox, with the quota rule; the lookups
 * a block at a time (index_find_many). */
void load_join_passwd(struct world *w)
{
	if (w->pw_unknown)
		for (size_t i = 0; i < w->nmailboxes; i++)
			w->mailboxes[i].pw_unknown = true;
	size_t n = pwfile_count(w->pwfile);
	struct arena folded = ARENA_INIT;   /* the few user names not in lower case */
	const char *keys[HIDX_BLOCK];
	uint32_t hs[HIDX_BLOCK], mb[HIDX_BLOCK];
	for (size_t b = 0; b < n; b += HIDX_BLOCK) {
		size_t m = n - b < HIDX_BLOCK ? n - b : HIDX_BLOCK;
		for (size_t i = 0; i < m; i++) {
			const struct pwfile_entry *pe = pwfile_entry(w->pwfile, b + i);
			keys[i] = NULL;
			hs[i] = 0;
			if (pe->shadowed)
				continue;   /* Dovecot uses the first line of a user */
			const char *k = pe->user;
			for (const char *p = k; *p; p++)
				if (*p >= 'A' && *p <= 'Z') {
					k = arena_fold(&folded, k, strlen(k));
					break;
				}
			keys[i] = k;
			hs[i] = strmap_hash(k);
		}
		index_find_many(&w->mb_idx, keys, hs, m, mb);
		for (size_t i = 0; i < m; i++) {
			if (!mb[i])
				continue;
			struct mailbox *box = &w->mailboxes[mb[i] - 1];
			if (box->pw)
				continue;
			load_join_entry(w, box, pwfile_entry(w->pwfile, b + i));
		}
	}
	arena_free(&folded);
}

/* A quota rule as a string of the world: the rule is in the passwd-file
 * line's text, which an edit of that line frees, and no string ends there.
 * The same text is kept once (most mailboxes share a few rules), up to
 * QUOTA_RULES distinct ones; past them each is copied. */
#define QUOTA_RULES 256
static const char *load_quota_rule(struct world *w, const char *rule, size_t len)
{
	char buf[128];
	if (len >= sizeof buf)
		return arena_memdup0(&w->arena, rule, len);
	memcpy(buf, rule, len);
	buf[len] = '\0';
	if (!w->quota_rules)
		w->quota_rules = strmap_create_borrowed(QUOTA_RULES);
	const char *have = strmap_get(w->quota_rules, buf);
	if (have)
		return have;
	char *s = arena_memdup0(&w->arena, rule, len);
	if (strmap_count(w->quota_rules) < QUOTA_RULES)
		strmap_put(w->quota_rules, s, s);
	return s;
}

void load_join_entry(struct world *w, struct mailbox *box, const struct pwfile_entry *pe)
{
	box->pw = pe;
	box->quota_rule = NULL;
	box->quota_bytes = -1;
	size_t rlen;
	bool size_only;
	const char *rule = pe ? model_entry_quota(pe, &rlen, &size_only) : NULL;
	if (rule) {
		box->quota_rule = load_quota_rule(w, rule, rlen);
		if (!model_entry_quota_bytes(box->quota_rule, size_only, &box->quota_bytes))
			box->quota_bytes = -1;
	}
}

static void load_passwd(struct world *w, const struct config *cfg, struct diags *d)
{
	struct doc *doc = NULL;
	if (cfg->passwd_file && load_read_noted(&w->maps, cfg->passwd_file, true, &doc, d) == 0) {
		if (!doc_exists(doc))
			diag_add(d, DIAG_NOTE, cfg->passwd_file, 0,
				 _("the passwd-file does not exist; no passwords or quotas"));
	} else {
		w->pw_unknown = cfg->passwd_file != NULL;
		doc = doc_from_mem(cfg->passwd_file ? cfg->passwd_file : "passwd-file", "", 0);
	}
	/* Issue 16: the passwd-file of the world shared, read from these bytes */
	const struct world *sw = w->maps.src ? w->maps.src->share : NULL;
	struct pwfile *shared = sw && sw->pwfile && !sw->pw_unknown && !w->pw_unknown ? sw->pwfile : NULL;
	if (shared && !doc_dirty(pwfile_doc(shared)) && doc_same(pwfile_doc(shared), doc)) {
		w->pwfile = pwfile_borrow(shared);
		doc_free(&doc);
		return;
	}
	w->pwfile = pwfile_parse(doc, d);
}

int world_load(const struct config *cfg, struct world **out, struct diags *d)
{
	return world_load_from(cfg, NULL, out, d);
}

/* Sort the aliases into w->aliases and drop the later of equal keys, as
 * mailboxes_final does, then index them. Returns each kept alias's domain
 * rank. */
static uint32_t *aliases_final(struct world *w, struct al_vec *av, struct alias_target *tv,
			       size_t tn, const uint32_t *rank, struct diags *d)
{
	struct sortkey *keys = xmalloc((av->n ? av->n : 1) * sizeof *keys);
	bool *same = xmalloc((av->n ? av->n : 1) * sizeof *same);
	for (size_t i = 0; i < av->n; i++)
		keys[i] = (struct sortkey){ rank[av->dom[i]], (uint32_t)i, av->v[i].local };
	index_sort_keys(keys, av->n, w->ndomains, same);
	index_sort_permute(av->v, av->n, sizeof *av->v, keys);
	w->targets = tv;
	w->ntargets = tn;
	w->aliases = av->v ? av->v : xcalloc(1, sizeof *w->aliases);
	uint32_t *al_rank = xmalloc((av->n ? av->n : 1) * sizeof *al_rank);
	uint32_t *al_hash = xmalloc((av->n ? av->n : 1) * sizeof *al_hash);
	for (size_t i = 0; i < av->n; i++) {
		struct alias *a = &w->aliases[i];
		a->targets = tv ? &tv[av->tfirst[keys[i].idx]] : NULL;
		if (same[i]) {
			const struct alias *prev = &w->aliases[w->naliases - 1];
			diag_warn(d, a->file, a->line,
				  _("'%s' is already defined in an earlier map (%s:%u); this entry is ignored"),
				  a->address, prev->file, prev->line);
			continue;
		}
		al_rank[w->naliases] = keys[i].dom;
		al_hash[w->naliases] = av->hash[keys[i].idx];
		if (w->naliases != i)
			w->aliases[w->naliases] = *a;
		w->naliases++;
	}
	index_build(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases,
		    offsetof(struct alias, address), al_hash, NULL);
	free(al_hash);
	free(keys);
	free(same);
	free(av->hash);
	free(av->dom);
	free(av->tfirst);
	return al_rank;
}

/* The world's own part (domains, mailboxes, aliases, catch-alls and their
 * indexes), derived from the documents; its strings are in w->arena, which
 * holds nothing else, and the maildirs in w->paths (world_rebuild frees
 * both with the arrays). */
static void load_build(struct world *w, struct dom_collect *dc, struct diags *d)
{
	struct mb_vec boxes = { NULL, NULL, NULL, 0, 0, 0, 0 }, cboxes = { NULL, NULL, NULL, 0, 0, 0, 0 };
	load_mailboxes(w, dc, &boxes, &cboxes, d);
	struct al_vec av = { NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0 };
	struct alias_target *tv = NULL;
	size_t tn = 0, tcap = 0;
	load_aliases(w, dc, &av, &tv, &tn, &tcap, d);
	uint32_t *rank = build_domains(w, dc, d);

	/* Mailboxes, indexed once they sit in their final array. */
	uint32_t *mb_rank, *mb_hash, *cb_rank, *cb_hash;
	w->mailboxes = mailboxes_final(&boxes, rank, w->ndomains, &w->nmailboxes, &mb_rank,
				       &mb_hash, d);
	w->catchall_boxes = mailboxes_final(&cboxes, rank, w->ndomains, &w->ncatchall_boxes,
					    &cb_rank, &cb_hash, d);
	index_build(&w->mb_idx, w->mailboxes, w->nmailboxes, sizeof *w->mailboxes,
		    offsetof(struct mailbox, address), mb_hash, NULL);
	index_build(&w->cb_idx, w->catchall_boxes, w->ncatchall_boxes, sizeof *w->catchall_boxes,
		    offsetof(struct mailbox, address), cb_hash, NULL);
	free(mb_hash);
	free(cb_rank);
	free(cb_hash);
	load_join_passwd(w);

	uint32_t *al_rank = aliases_final(w, &av, tv, tn, rank, d);
	free(rank);
	index_catchalls(w);
	index_ranges(w, mb_rank, al_rank);
	free(al_rank);
	classify_targets(w, mb_rank);
	free(mb_rank);
	index_reverse(w);
}

/* ---- parts borrowed from another world (issue 16) ---- */

/* p, when it points into [old, old + bytes), at the same place in new. */
static const void *load_moved_ptr(const void *p, const void *old, const void *new, size_t bytes)
{
	uintptr_t x = (uintptr_t)p, o = (uintptr_t)old;
	return p && x >= o && x - o < bytes ? (const char *)new + (x - o) : p;
}

/* A borrowed table or passwd-file made its own (its first edit): the
 * world's pointers into its entries follow them. */
static void load_moved(void *ctx, const void *old, const void *new, size_t bytes)
{
	struct world *w = ctx;
	struct mailbox *bv[2] = { w->mailboxes, w->catchall_boxes };
	size_t bn[2] = { w->nmailboxes, w->ncatchall_boxes };
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < bn[k]; i++) {
			bv[k][i].entry = load_moved_ptr(bv[k][i].entry, old, new, bytes);
			bv[k][i].pw = load_moved_ptr(bv[k][i].pw, old, new, bytes);
		}
	for (size_t i = 0; i < w->naliases; i++)
		w->aliases[i].entry = load_moved_ptr(w->aliases[i].entry, old, new, bytes);
}

static void load_follow_borrowed(struct world *w)
{
	for (size_t i = 0; i < w->maps.n; i++)
		if (w->maps.v[i]->table && table_borrowed(w->maps.v[i]->table))
			table_on_move(w->maps.v[i]->table, load_moved, w);
	if (w->pwfile && pwfile_borrowed(w->pwfile))
		pwfile_on_move(w->pwfile, load_moved, w);
}

bool world_map_own(struct world *w, const struct world_map *m)
{
	(void)w;   /* its pointers follow through load_moved */
	return m && m->table && table_own(m->table);
}

bool world_pwfile_own(struct world *w)
{
	return w->pwfile && pwfile_own(w->pwfile);   /* its pointers follow through load_moved */
}

size_t world_borrowed_count(const struct world *w)
{
	size_t n = w->pwfile && pwfile_borrowed(w->pwfile);
	for (size_t i = 0; i < w->maps.n; i++)
		n += w->maps.v[i]->table && table_borrowed(w->maps.v[i]->table);
	return n;
}

static int (*load_hook)(const struct config *, struct diags *);

void world_set_load_hook(int (*hook)(const struct config *cfg, struct diags *d))
{
	load_hook = hook;
}

int world_load_from(const struct config *cfg, const struct doc_source *src, struct world **out,
		    struct diags *d)
{
	*out = NULL;
	if (load_hook && load_hook(cfg, d) < 0)
		return -1;
	struct world *w = xcalloc(1, sizeof *w);
	if (!load_maincf(cfg, src, &w->maincf_path, &w->maincf, &w->base, d)) {
		world_free(&w);
		return -1;
	}
	w->maps.src = src;
	w->maps.maincf = w->maincf_path;
	struct dom_collect dc = { w, strmap_create(64), NULL, 0, 0 };
	load_maps_read(&w->maps, w->maincf, world_domain_item, &dc, d);
	load_sender_maps(&w->maps, w->maincf, cfg, d);
	load_passwd(w, cfg, d);
	w->sysaliases = load_sysaliases(cfg, src, d);
	load_build(w, &dc, d);
	load_follow_borrowed(w);
	w->maps.src = NULL; /* only valid while loading */
	*out = w;
	return 0;
}

/* What load_build made, freed (the documents stay). */
static void load_derived_free(struct world *w)
{
	free(w->domains);
	free(w->dom_mb_first);
	free(w->dom_al_first);
	free(w->mailboxes);
	free(w->catchall_boxes);
	free(w->aliases);
	free(w->targets);
	free(w->catchalls);
	index_free(&w->dom_idx);
	index_free(&w->mb_idx);
	index_free(&w->cb_idx);
	index_free(&w->al_idx);
	index_free(&w->rev_idx);
	free(w->rev_list);
	free(w->rev_keys);
	strmap_free(&w->rev_bydom);
	strmap_free(&w->quota_rules);
	free(w->rev_dnext);
	free(w->rev_first);
	free(w->rev_n);
	paths_release(&w->paths);
	arena_free(&w->arena);
	size_t off = offsetof(struct world, domains);
	memset((char *)w + off, 0, sizeof *w - off);
}

int world_rebuild(struct world *w, struct diags *d)
{
	load_derived_free(w);
	/* The domain lists are walked again: main.cf's maps are all known, so
	 * none is read (a new one would come from the disk, not the stage's
	 * bytes: that is the caller's fallback, a full load). */
	size_t nmaps = w->maps.n;
	struct dom_collect dc = { w, strmap_create(64), NULL, 0, 0 };
	load_maps_read(&w->maps, w->maincf, world_domain_item, &dc, d);
	load_build(w, &dc, d);
	/* The arrays made again point only at the documents' current entries:
	 * the strings of entries replaced since the last build (a whole
	 * table's at every edit, 10 MB for 100,000 aliases) are freed now,
	 * not kept until world_free (issue 16). */
	for (size_t i = 0; i < w->maps.n; i++)
		if (w->maps.v[i]->table)
			table_forget_retired(w->maps.v[i]->table);
	if (w->pwfile)
		pwfile_forget_retired(w->pwfile);
	if (w->sysaliases)
		aliases_forget_retired(w->sysaliases);
	return w->maps.n == nmaps ? 0 : -1;
}

void world_free(struct world **wp)
{
	struct world *w = *wp;
	if (!w)
		return;
	maincf_free(&w->maincf);
	load_maps_free(&w->maps);
	pwfile_free(&w->pwfile);
	aliases_free(&w->sysaliases);
	load_derived_free(w);
	free(w->maincf_path);
	free(w->base);
	free(w);
	*wp = NULL;
}
