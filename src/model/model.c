/* The mail model: reads main.cf, the maps and domain lists it names, the
 * Dovecot passwd-file and /etc/aliases, and builds the sorted, indexed world
 * the commands and the interface query. The world owns the documents (for
 * staged edits) and one string arena for every derived string. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* Strings go to the world's arena (strmap.h): 100,000 mailboxes make
 * ~10 strings each, and malloc's per-block overhead would dominate both
 * time and memory. */

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	return arena_memdup0(a, s, n);
}

/* ---- an index over an array the world already owns, keyed by a string
 * field of its elements. A strmap would copy every key and spend 24 bytes a
 * slot; a slot here is 8 bytes (the key's hash and the element's position),
 * so 100,000 addresses take 1.2 MB, and building or probing it runs some
 * elements ahead with prefetches: the table is larger than the cache and
 * the probes of different keys are independent. ---- */

struct hidx {
	uint64_t *slots;    /* hash << 32 | (position + 1); 0: empty */
	size_t cap, n;      /* cap: any size (see hidx_home) */
	char *base;         /* element i is at base + i * stride ... */
	size_t stride, koff; /* ... and its key pointer koff bytes into it */
};

enum { HIDX_AHEAD = 16,     /* elements between a prefetch and its use */
       HIDX_BLOCK = 256 };  /* keys per hidx_find_many call */

static const char *hidx_key(const struct hidx *h, size_t i)
{
	const char *k;
	memcpy(&k, h->base + i * h->stride + h->koff, sizeof k);
	return k;
}

static size_t hidx_home(const struct hidx *h, uint32_t hash)
{
	return (size_t)(((uint64_t)hash * h->cap) >> 32);
}

/* Index the n elements at base; hashes (may be NULL) are their keys'
 * strmap_hash, computed by the caller while the strings were in cache.
 * dup (may be NULL) gets, for each element,
 * the position of the first element with the same key (its own when it is
 * the first). */
static void hidx_build(struct hidx *h, void *base, size_t n, size_t stride, size_t koff,
		       const uint32_t *hashes, uint32_t *dup)
{
	if (n >= UINT32_MAX)
		vm_fatal("too many entries to index (%zu)", n);
	h->base = base;
	h->stride = stride;
	h->koff = koff;
	h->cap = n + n / 2 + 8;
	h->slots = xcalloc(h->cap, sizeof *h->slots);
	arena_populate(h->slots, h->cap * sizeof *h->slots);
	h->n = 0;
	uint32_t *own = NULL;
	const uint32_t *hs = hashes;
	if (!hs) {
		own = xmalloc((n ? n : 1) * sizeof *own);
		for (size_t i = 0; i < n; i++)
			own[i] = strmap_hash(hidx_key(h, i));
		hs = own;
	}
	for (size_t i = 0; i < n; i++) {
		if (i + HIDX_AHEAD < n)
			__builtin_prefetch(&h->slots[hidx_home(h, hs[i + HIDX_AHEAD])], 1);
		const char *key = hidx_key(h, i);
		for (size_t j = hidx_home(h, hs[i]);; j = j + 1 == h->cap ? 0 : j + 1) {
			uint64_t sl = h->slots[j];
			if (!sl) {
				h->slots[j] = (uint64_t)hs[i] << 32 | (uint64_t)(i + 1);
				h->n++;
				if (dup)
					dup[i] = (uint32_t)i;
				break;
			}
			size_t at = (uint32_t)sl - 1;
			if ((uint32_t)(sl >> 32) == hs[i] && strcmp(hidx_key(h, at), key) == 0) {
				if (dup)
					dup[i] = (uint32_t)at;
				break;
			}
		}
	}
	free(own);
}

/* Position + 1 of the element whose key is key (of hash hash), or 0. */
static size_t hidx_find(const struct hidx *h, const char *key, uint32_t hash)
{
	if (!h->cap)
		return 0;
	for (size_t j = hidx_home(h, hash);; j = j + 1 == h->cap ? 0 : j + 1) {
		uint64_t sl = h->slots[j];
		if (!sl)
			return 0;
		size_t at = (uint32_t)sl - 1;
		if ((uint32_t)(sl >> 32) == hash && strcmp(hidx_key(h, at), key) == 0)
			return at + 1;
	}
}

static void *hidx_get(const struct hidx *h, const char *key)
{
	size_t at = hidx_find(h, key, strmap_hash(key));
	return at ? h->base + (at - 1) * h->stride : NULL;
}

/* hidx_find for n keys (with their hashes; a NULL key finds nothing) into
 * out[], in three stages run ahead of the lookup: the home slot, then the
 * element it names (all of it: the caller uses it next), then that
 * element's key string, so that the cache misses of many keys overlap.
 * Callers go in blocks of HIDX_BLOCK keys and use each block's elements
 * at once, while they are still in the cache. */
static void hidx_find_many(const struct hidx *h, const char *const *keys, const uint32_t *hs,
			   size_t n, uint32_t *out)
{
	enum { D1 = HIDX_AHEAD, D2 = HIDX_AHEAD / 2, D3 = HIDX_AHEAD / 4 };
	for (size_t i = 0; i < n; i++) {
		if (!h->cap) {
			out[i] = 0;
			continue;
		}
		if (i + D1 < n && keys[i + D1])
			__builtin_prefetch(&h->slots[hidx_home(h, hs[i + D1])]);
		if (i + D2 < n && keys[i + D2]) {
			uint64_t sl = h->slots[hidx_home(h, hs[i + D2])];
			if (sl) {
				const char *e = h->base + ((uint32_t)sl - 1) * h->stride;
				for (size_t off = 0; off < h->stride; off += 64)
					__builtin_prefetch(e + off);
				__builtin_prefetch(e + h->stride - 1);
			}
		}
		if (i + D3 < n && keys[i + D3]) {
			uint64_t sl = h->slots[hidx_home(h, hs[i + D3])];
			if (sl && (uint32_t)(sl >> 32) == hs[i + D3])
				__builtin_prefetch(hidx_key(h, (uint32_t)sl - 1));
		}
		out[i] = keys[i] ? (uint32_t)hidx_find(h, keys[i], hs[i]) : 0;
	}
}

static void hidx_free(struct hidx *h)
{
	free(h->slots);
	memset(h, 0, sizeof *h);
}

/* Room for exactly n items (xgrow would round up to a power of two: 30 %
 * more memory for 100,000 mailboxes). */
static void reserve(void *vp, size_t *cap, size_t n, size_t sz)
{
	void **v = vp;
	if (n <= *cap)
		return;
	*v = xreallocarray(*v, n, sz);
	*cap = n;
	arena_populate(*v, n * sz);
}

/* ---- the world ---- */

/* A domain while it is being collected. */
struct dom_build {
	const char *name;
	uint32_t num;     /* position before sorting, + 1 */
	unsigned classes;
	struct domain_listing *listings;
	size_t n, cap;
};

struct world {
	struct arena arena;
	const struct doc_source *src; /* where files are read (the disk or a stage) */
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

	struct hidx dom_idx;      /* name → domains[] */
	struct hidx mb_idx;       /* address → mailboxes[] */
	struct hidx cb_idx;       /* "@domain" → catchall_boxes[] */
	struct hidx al_idx;       /* address → aliases[] */
	/* Reverse index: target address → the first target with it, whose
	 * id is rev_ids[]; the aliases naming target id are
	 * rev_list[rev_first[id] .. + rev_n[id]], sorted. */
	struct hidx rev_idx;
	uint32_t *rev_ids;
	const struct alias **rev_list;
	size_t *rev_first, *rev_n;
};

/* Every file the world reads comes through here, so that a stage can show
 * the world as its edits will make it. */
static int world_read(const struct world *w, const char *path, bool missing_ok, struct doc **out,
		      struct diags *d)
{
	if (w->src)
		return w->src->load(w->src->ctx, path, missing_ok, out, d);
	return doc_load(path, missing_ok, out, d);
}

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

bool model_map_ref(const char *spec, const char *maincf, unsigned line, const char *param,
		   struct table_ref *ref, bool *is_inline, struct diags *d)
{
	memset(ref, 0, sizeof *ref);
	bool ok = table_ref_parse(spec, ref);
	*is_inline = strncmp(spec, "inline:", 7) == 0;
	if (!ok && !*is_inline) {
		diag_warn(d, maincf, line,
			  _("%s: map type of '%s' cannot be read by vmailadm; its entries are ignored"),
			  param, spec);
		table_ref_free(ref);
		return false;
	}
	return true;
}

/* The world_map for spec, loading its table the first time it is named. */
static struct world_map *map_get(struct world *w, const char *spec, unsigned role,
				 const char *param, unsigned line, struct diags *d)
{
	struct table_ref ref;
	bool is_inline;
	if (!model_map_ref(spec, w->maincf_path, line, param, &ref, &is_inline, d))
		return NULL;
	for (size_t i = 0; i < w->nmaps; i++)
		if (table_ref_same(&w->maps[i]->ref, &ref)) {
			table_ref_free(&ref);
			w->maps[i]->roles |= role;
			return w->maps[i];
		}

	struct world_map *m = xcalloc(1, sizeof *m);
	m->ref = ref;
	m->roles = role;
	struct doc *doc = NULL;
	if (is_inline) {
		doc = table_inline_doc(spec);
		if (!doc)
			diag_warn(d, w->maincf_path, line,
				  _("%s: cannot read '%s'; its entries are ignored"), param, spec);
		m->ref.syntax = TABLE_INDEXED;
	} else if (ref.path && world_read(w, ref.path, true, &doc, d) == 0 && !doc_exists(doc)) {
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

/* The domain's collection index + 1 (0 for the empty domain of a bare key). */
static uint32_t dom_touch(struct world *w, struct dom_collect *dc, const char *name)
{
	if (!*name)
		return 0;
	return (uint32_t)(dom_get(w, dc->idx, &dc->v, &dc->n, &dc->cap, name) - dc->v) + 1;
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
	char *p = arena_alloc(ar, bl + vl + 2, 1);
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
	size_t expect = 0;
	for (size_t i = 0; i < w->nmaps; i++)
		if ((w->maps[i]->roles & MAP_VIRTUAL_MAILBOX) && w->maps[i]->table)
			expect += table_count(w->maps[i]->table);
	reserve(&boxes->v, &boxes->cap, expect, sizeof *boxes->v);
	reserve(&boxes->dom, &boxes->dcap, expect, sizeof *boxes->dom);
	reserve(&boxes->hash, &boxes->hcap, expect, sizeof *boxes->hash);
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
		const char *last_domain = "";
		uint32_t last_dom = 0;
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
			xgrow(&dst->v, &dst->cap, dst->n + 1, sizeof *dst->v);
			xgrow(&dst->dom, &dst->dcap, dst->n + 1, sizeof *dst->dom);
			xgrow(&dst->hash, &dst->hcap, dst->n + 1, sizeof *dst->hash);
			dst->hash[dst->n] = strmap_hash(key);
			struct mailbox *b = &dst->v[dst->n];
			memset(b, 0, sizeof *b);
			b->address = key;   /* folded by the table, and lives as long */
			split_address(&w->arena, b->address, &b->local, &b->domain);
			b->value = e->value;
			b->maildir = join_path(&w->arena, w->base, e->value);
			size_t vl = strlen(e->value);
			b->is_maildir = vl > 0 && e->value[vl - 1] == '/';
			b->map = m;
			b->entry = e;
			b->file = file;
			b->line = e->line;
			b->quota_bytes = -1;
			if (strcmp(b->domain, last_domain) != 0) {  /* files are grouped by domain */
				last_dom = dom_touch(w, dc, b->domain);
				last_domain = b->domain;
			}
			dst->dom[dst->n++] = last_dom;
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
			t->text = upper ? arena_strndup(ar, s, len) : t->address;
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
	size_t expect = 0;
	for (size_t i = 0; i < w->nmaps; i++)
		if ((w->maps[i]->roles & MAP_VIRTUAL_ALIAS) && w->maps[i]->table)
			expect += table_count(w->maps[i]->table);
	reserve(&av->v, &av->cap, expect, sizeof *av->v);
	reserve(&av->dom, &av->dcap, expect, sizeof *av->dom);
	reserve(&av->tfirst, &av->tcap, expect, sizeof *av->tfirst);
	reserve(&av->hash, &av->hcap, expect, sizeof *av->hash);
	reserve(tv, tcap, expect + expect / 4, sizeof **tv);
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
		const char *last_domain = "";
		uint32_t last_dom = 0;
		for (size_t k = 0; k < cnt; k++) {
			const struct table_entry *e = table_entry(m->table, k);
			if (!entry_usable(e))
				continue;
			const char *key = e->lookup_key;
			const char *addr = key;   /* folded by the table */
			if (!strchr(addr, '@') &&
			    (strmap_get(dc->idx, addr) || key_is_domain(addr, true)))
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
			a->map = m;
			a->entry = e;
			a->file = file;
			a->line = e->line;
			size_t tfirst = *tn;
			a->ntargets = split_targets(&w->arena, e->value, tv, tn, tcap);
			if (a->ntargets == 0)
				diag_warn(d, file, e->line, _("alias '%s' has no target"), addr);
			for (size_t t = 0; t < a->ntargets; t++)
				if (strcmp((*tv)[tfirst + t].address, addr) == 0)
					a->is_identity = true;
			if (strcmp(a->domain, last_domain) != 0) {
				last_dom = dom_touch(w, dc, a->domain);
				last_domain = a->domain;
			}
			av->dom[av->n] = last_dom;
			av->tfirst[av->n] = (uint32_t)tfirst;
			av->n++;
		}
	}
}

/* ---- sorting ---- */

static int cmp_addr(const char *d1, const char *l1, const char *d2, const char *l2)
{
	int c = strcmp(d1, d2);
	return c ? c : strcmp(l1, l2);
}

/* Mailboxes and aliases are sorted through small keys, by domain rank (an
 * integer) before the local part, so most comparisons touch no string; a
 * catch-all's local part is "", so it comes first in its domain. */
struct sortkey {
	uint32_t dom;       /* the domain's rank */
	uint32_t idx;       /* position in map order: the first of equal keys wins */
	const char *local;
};

static int cmp_sortkey(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;
	if (x->dom != y->dom)
		return x->dom < y->dom ? -1 : 1;
	int c = strcmp(x->local, y->local);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sort keys whose dom is at most maxdom: a counting sort by domain (stable,
 * so map order stays within a domain), then each domain's run by local part
 * only when it is not in order already. Files are usually written in order
 * within a domain, so most loads compare each local part once instead of
 * n log n times. */
static void sort_keys(struct sortkey *keys, size_t n, size_t maxdom, bool *same)
{
	size_t *start = xcalloc(maxdom + 2, sizeof *start);
	for (size_t i = 0; i < n; i++) {
		if (keys[i].dom > maxdom)
			vm_panic("sort_keys: domain rank %u of %zu", keys[i].dom, maxdom);
		start[keys[i].dom + 1]++;
	}
	for (size_t r = 1; r <= maxdom + 1; r++)
		start[r] += start[r - 1];
	struct sortkey *out = xmalloc((n ? n : 1) * sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[start[keys[i].dom]++] = keys[i];
	memcpy(keys, out, n * sizeof *keys);
	free(out);
	free(start);
	/* same[k]: key k equals key k - 1 (a later duplicate), found by the
	 * comparisons that check the order, so that no caller compares the
	 * strings again. */
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		bool sorted = true;
		same[a] = false;
		for (; b < n && keys[b].dom == keys[a].dom; b++) {
			if (!sorted)
				continue;
			int c = strcmp(keys[b - 1].local, keys[b].local);
			sorted = c <= 0;
			same[b] = c == 0;
		}
		if (!sorted) {
			qsort(keys + a, b - a, sizeof *keys, cmp_sortkey);
			for (size_t k = a + 1; k < b; k++)
				same[k] = strcmp(keys[k - 1].local, keys[k].local) == 0;
		}
		a = b;
	}
}

/* Prefetch element k of size sz at a; return the next position of its cycle. */
static size_t prefetch_elem(const char *a, size_t sz, size_t k, const uint32_t *src)
{
	for (size_t off = 0; off < sz; off += 64)
		__builtin_prefetch(a + k * sz + off);
	__builtin_prefetch(a + k * sz + sz - 1);
	return src[k];
}

/* Sort the n elements of size sz at base by keys (sorted by sort_keys),
 * moving each element once and in place: no second copy of 100,000 large
 * structs. */
static void sort_permute(void *base, size_t n, size_t sz, const struct sortkey *keys)
{
	uint32_t *src = xmalloc((n ? n : 1) * sizeof *src);
	for (size_t i = 0; i < n; i++)
		src[i] = keys[i].idx;
	char *a = base, *tmp = xmalloc(sz);
	for (size_t i = 0; i < n; i++) {
		if (src[i] == i)
			continue;
		memcpy(tmp, a + i * sz, sz);
		/* Each step reads a random element: walk the cycle a few steps
		 * ahead and prefetch, so the reads overlap instead of waiting
		 * one after the other. */
		size_t ahead = src[i];
		for (int s = 0; s < 8 && ahead != i; s++)
			ahead = prefetch_elem(a, sz, ahead, src);
		size_t j = i;
		while (src[j] != i) {
			size_t k = src[j];
			if (ahead != i)
				ahead = prefetch_elem(a, sz, ahead, src);
			memcpy(a + j * sz, a + k * sz, sz);
			src[j] = (uint32_t)j;
			j = k;
		}
		memcpy(a + j * sz, tmp, sz);
		src[j] = (uint32_t)j;
	}
	free(tmp);
	free(src);
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
	sort_keys(keys, v->n, ndom, same);
	sort_permute(v->v, v->n, sizeof *v->v, keys);
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

/* ---- lookups ---- */

/* Fold into buf when it fits (no allocation on the hot path), else a copy. */
static char *fold_key(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);
	char *p = len < size ? buf : xmalloc(len + 1);
	for (size_t i = 0; i <= len; i++)
		p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	return p;
}

#define FOLDED(var, s) \
	char var##_buf[256]; \
	char *var = fold_key((s), var##_buf, sizeof var##_buf)
#define FOLDED_DONE(var) do { if (var != var##_buf) free(var); } while (0)

const struct domain *world_domain_find(const struct world *w, const char *name)
{
	FOLDED(k, name);
	const struct domain *dom = hidx_get(&w->dom_idx, k);
	FOLDED_DONE(k);
	return dom;
}

const struct mailbox *world_mailbox_find(const struct world *w, const char *address)
{
	FOLDED(k, address);
	const struct mailbox *b = hidx_get(k[0] == '@' ? &w->cb_idx : &w->mb_idx, k);
	FOLDED_DONE(k);
	return b;
}

const struct alias *world_alias_find(const struct world *w, const char *address)
{
	FOLDED(k, address);
	const struct alias *a = hidx_get(&w->al_idx, k);
	FOLDED_DONE(k);
	return a;
}

/* Names without a dot are not listed from address maps (they look like
 * local parts there), but Postfix would still match them as keys of a
 * domain table. */
static unsigned table_classes(const struct world *w, const char *folded)
{
	unsigned mask = 0;
	if (strchr(folded, '.') || strchr(folded, '@'))
		return 0;
	for (size_t i = 0; i < w->nmaps; i++) {
		const struct world_map *m = w->maps[i];
		if (!m->table || table_syntax(m->table) != TABLE_INDEXED ||
		    !(m->roles & (MAP_MYDESTINATION | MAP_ALIAS_DOMAINS | MAP_MAILBOX_DOMAINS)))
			continue;
		if (!table_lookup(m->table, folded))
			continue;
		if (m->roles & MAP_MYDESTINATION)
			mask |= DOMAIN_LOCAL;
		if (m->roles & MAP_ALIAS_DOMAINS)
			mask |= DOMAIN_VIRTUAL_ALIAS;
		if (m->roles & MAP_MAILBOX_DOMAINS)
			mask |= DOMAIN_VIRTUAL_MAILBOX;
	}
	return mask;
}

enum domain_class world_domain_class(const struct world *w, const char *name, unsigned *classes)
{
	FOLDED(k, name);
	const struct domain *dom = hidx_get(&w->dom_idx, k);
	unsigned mask = (dom ? dom->classes : 0) | table_classes(w, k);
	FOLDED_DONE(k);
	if (classes)
		*classes = mask;
	return effective_class(mask);
}

/* How mail to one target is delivered (reference §2.2, §2.4, §2.5). */
static void classify_target(struct world *w, const struct alias *owner, struct alias_target *t,
			    const struct mailbox *mb, const struct domain *mbdom)
{
	const char *addr = t->address;
	const char *at = strrchr(addr, '@');
	/* (mb_idx holds the real mailboxes only: mb->local is never "".) */
	if (!at) {
		t->class = TARGET_LOCAL;  /* gets @$myorigin: local(8) */
		return;
	}
	bool self = owner->is_identity && strcmp(addr, owner->address) == 0;
	/* mb: the mailbox of that address (looked up by classify_targets).
	 * Most targets are mailboxes, whose own alias entry the merge pass
	 * already found: no alias lookup (which would miss) for them. */
	if (!self) {
		const struct alias *a = mb ? mb->alias : hidx_get(&w->al_idx, addr);
		if (a) {
			t->class = TARGET_ALIAS;
			t->alias = a;
			return;
		}
	}
	const char *domain = at + 1;
	/* mbdom: mb's domain, known by rank (no lookup for most targets) */
	const struct domain *dom = mb ? mbdom : hidx_get(&w->dom_idx, domain);
	switch (effective_class((dom ? dom->classes : 0) | table_classes(w, domain))) {
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
		break;
	}
	/* The alias wildcard is tried before any mailbox lookup. */
	if (!self && dom && dom->catchall_alias) {
		t->class = TARGET_CATCHALL;
	} else if (mb) {
		t->class = TARGET_MAILBOX;
		t->mailbox = mb;
	} else if (dom && dom->catchall_mailbox) {
		t->class = TARGET_CATCHALL;
	} else {
		t->class = TARGET_UNKNOWN;
	}
}

/* Classify every target of the kept aliases, in the targets' order, with
 * their mailbox lookups done a block at a time (hidx_find_many). */
static void classify_targets(struct world *w, const uint32_t *mb_rank)
{
	size_t n = w->ntargets;
	if (!n)
		return;
	uint32_t *owner = xmalloc(n * sizeof *owner);
	for (size_t k = 0; k < n; k++)
		owner[k] = UINT32_MAX;   /* a target of a dropped duplicate */
	for (size_t i = 0; i < w->naliases; i++) {
		size_t first = (size_t)(w->aliases[i].targets - w->targets);
		for (size_t k = first; k < first + w->aliases[i].ntargets; k++)
			owner[k] = (uint32_t)i;
	}
	const char *keys[HIDX_BLOCK];
	uint32_t hs[HIDX_BLOCK], mb[HIDX_BLOCK];
	for (size_t b = 0; b < n; b += HIDX_BLOCK) {
		size_t m = n - b < HIDX_BLOCK ? n - b : HIDX_BLOCK;
		for (size_t k = 0; k < m; k++) {
			bool kept = owner[b + k] != UINT32_MAX;
			keys[k] = kept ? w->targets[b + k].address : NULL;
			hs[k] = kept ? strmap_hash(keys[k]) : 0;
			if (kept)
				__builtin_prefetch(&w->aliases[owner[b + k]]);
		}
		hidx_find_many(&w->mb_idx, keys, hs, m, mb);
		for (size_t k = 0; k < m; k++)
			if (keys[k])
				classify_target(w, &w->aliases[owner[b + k]], &w->targets[b + k],
						mb[k] ? &w->mailboxes[mb[k] - 1] : NULL,
						mb[k] && mb_rank[mb[k] - 1] ?
						&w->domains[mb_rank[mb[k] - 1] - 1] : NULL);
	}
	free(owner);
}

/* The reverse index in two passes over the targets: number the distinct
 * addresses, then lay every address's aliases out in one array. */
static void build_reverse(struct world *w)
{
	uint32_t *ids = xmalloc((w->ntargets ? w->ntargets : 1) * sizeof *ids);
	hidx_build(&w->rev_idx, w->targets, w->ntargets, sizeof *w->targets,
		   offsetof(struct alias_target, address), NULL, ids);
	/* ids[k] is the first target with k's address; number those. */
	size_t nid = 0;
	for (size_t k = 0; k < w->ntargets; k++)
		ids[k] = ids[k] == k ? (uint32_t)nid++ : ids[ids[k]];
	w->rev_first = xcalloc(nid + 1, sizeof *w->rev_first);
	w->rev_n = xcalloc(nid + 1, sizeof *w->rev_n);
	for (size_t k = 0; k < w->ntargets; k++)
		w->rev_first[ids[k] + 1]++;
	for (size_t i = 1; i <= nid; i++)
		w->rev_first[i] += w->rev_first[i - 1];
	w->rev_list = xmalloc((w->ntargets ? w->ntargets : 1) * sizeof *w->rev_list);
	/* aliases in sorted order, so every address's list comes out sorted */
	for (size_t i = 0; i < w->naliases; i++) {
		const struct alias *a = &w->aliases[i];
		size_t first = (size_t)(a->targets - w->targets);
		for (size_t k = first; k < first + a->ntargets; k++) {
			uint32_t id = ids[k];
			const struct alias **slot = &w->rev_list[w->rev_first[id]];
			if (w->rev_n[id] > 0 && slot[w->rev_n[id] - 1] == a)
				continue;   /* "x, x" names the alias once */
			slot[w->rev_n[id]++] = a;
		}
	}
	w->rev_ids = ids;
}

/* ---- loading ---- */

static void load_passwd(struct world *w, const struct config *cfg, struct diags *d)
{
	struct doc *doc = NULL;
	if (cfg->passwd_file && world_read(w, cfg->passwd_file, true, &doc, d) == 0) {
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
	if (cfg->aliases_file && world_read(w, cfg->aliases_file, true, &doc, d) == 0) {
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
		dom->class = effective_class(b->classes);
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
	hidx_build(&w->dom_idx, w->domains, w->ndomains, sizeof *w->domains,
		   offsetof(struct domain, name), NULL, NULL);
	free(dc->v);
	strmap_free(&dc->idx);
	return rank;
}

/* Each passwd-file entry to its mailbox, with the quota rule; the lookups
 * a block at a time (hidx_find_many). */
static void join_passwd(struct world *w)
{
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
		hidx_find_many(&w->mb_idx, keys, hs, m, mb);
		for (size_t i = 0; i < m; i++) {
			if (!mb[i])
				continue;
			struct mailbox *box = &w->mailboxes[mb[i] - 1];
			if (box->pw)
				continue;
			const struct pwfile_entry *pe = pwfile_entry(w->pwfile, b + i);
			box->pw = pe;
			size_t rlen;
			const char *rule = pwfile_extra_find(pe, "userdb_quota_rule", &rlen);
			if (rule) {
				/* The last field (usually) ends the passwd-file's own
				 * string, which lives as long as the world: no copy. */
				box->quota_rule = rule[rlen] ? arena_strndup(&w->arena, rule, rlen) : rule;
				if (!model_quota_bytes(box->quota_rule, &box->quota_bytes))
					box->quota_bytes = -1;
			}
		}
	}
	arena_free(&folded);
}

int world_load(const struct config *cfg, struct world **out, struct diags *d)
{
	return world_load_from(cfg, NULL, out, d);
}

int world_load_from(const struct config *cfg, const struct doc_source *src, struct world **out,
		    struct diags *d)
{
	*out = NULL;
	struct world *w = xcalloc(1, sizeof *w);
	w->src = src;
	w->maincf_path = xasprintf("%s/main.cf", cfg->postfix_dir ? cfg->postfix_dir : "/etc/postfix");
	struct doc *mdoc = NULL;
	if (world_read(w, w->maincf_path, false, &mdoc, d) < 0 ||
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

	struct mb_vec boxes = { NULL, NULL, NULL, 0, 0, 0, 0 }, cboxes = { NULL, NULL, NULL, 0, 0, 0, 0 };
	load_mailboxes(w, &dc, &boxes, &cboxes, d);
	struct al_vec av = { NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0 };
	struct alias_target *tv = NULL;
	size_t tn = 0, tcap = 0;
	load_aliases(w, &dc, &av, &tv, &tn, &tcap, d);
	uint32_t *rank = build_domains(w, &dc, d);

	/* Mailboxes, indexed once they sit in their final array. */
	uint32_t *mb_rank, *mb_hash, *cb_rank, *cb_hash;
	w->mailboxes = mailboxes_final(&boxes, rank, w->ndomains, &w->nmailboxes, &mb_rank,
				       &mb_hash, d);
	w->catchall_boxes = mailboxes_final(&cboxes, rank, w->ndomains, &w->ncatchall_boxes,
					    &cb_rank, &cb_hash, d);
	hidx_build(&w->mb_idx, w->mailboxes, w->nmailboxes, sizeof *w->mailboxes,
		   offsetof(struct mailbox, address), mb_hash, NULL);
	hidx_build(&w->cb_idx, w->catchall_boxes, w->ncatchall_boxes, sizeof *w->catchall_boxes,
		   offsetof(struct mailbox, address), cb_hash, NULL);
	free(mb_hash);
	free(cb_rank);
	free(cb_hash);
	join_passwd(w);

	/* Aliases, the same way. */
	struct sortkey *keys = xmalloc((av.n ? av.n : 1) * sizeof *keys);
	bool *same = xmalloc((av.n ? av.n : 1) * sizeof *same);
	for (size_t i = 0; i < av.n; i++)
		keys[i] = (struct sortkey){ rank[av.dom[i]], (uint32_t)i, av.v[i].local };
	sort_keys(keys, av.n, w->ndomains, same);
	sort_permute(av.v, av.n, sizeof *av.v, keys);
	w->targets = tv;
	w->ntargets = tn;
	w->aliases = av.v ? av.v : xcalloc(1, sizeof *w->aliases);
	uint32_t *al_rank = xmalloc((av.n ? av.n : 1) * sizeof *al_rank);
	uint32_t *al_hash = xmalloc((av.n ? av.n : 1) * sizeof *al_hash);
	for (size_t i = 0; i < av.n; i++) {
		struct alias *a = &w->aliases[i];
		a->targets = tv ? &tv[av.tfirst[keys[i].idx]] : NULL;
		if (same[i]) {
			const struct alias *prev = &w->aliases[w->naliases - 1];
			diag_warn(d, a->file, a->line,
				  _("'%s' is already defined in an earlier map (%s:%u); this entry is ignored"),
				  a->address, prev->file, prev->line);
			continue;
		}
		al_rank[w->naliases] = keys[i].dom;
		al_hash[w->naliases] = av.hash[keys[i].idx];
		if (w->naliases != i)
			w->aliases[w->naliases] = *a;
		w->naliases++;
	}
	hidx_build(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases,
		   offsetof(struct alias, address), al_hash, NULL);
	free(al_hash);
	free(keys);
	free(same);
	free(av.hash);
	free(av.dom);
	free(av.tfirst);
	free(rank);

	/* Catch-alls; the domains point at them. */
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
	for (size_t i = 0; i < w->ncatchalls; i++) {
		struct domain *dom = hidx_get(&w->dom_idx, w->catchalls[i].domain);
		if (!dom)
			continue;
		if (w->catchalls[i].map == CATCHALL_IN_ALIAS_MAP)
			dom->catchall_alias = &w->catchalls[i];
		else
			dom->catchall_mailbox = &w->catchalls[i];
	}

	/* Per-domain ranges, and each mailbox's own alias entry: both arrays
	 * are in (domain, local part) order, so one merge pass finds them. */
	size_t mi = 0, ai = 0;
	for (size_t i = 0; i < w->ndomains; i++) {
		struct domain *dom = &w->domains[i];
		uint32_t r = (uint32_t)i + 1;
		while (ai < w->naliases && al_rank[ai] < r)
			ai++;
		while (ai < w->naliases && al_rank[ai] == r && w->aliases[ai].is_catchall)
			ai++;
		w->dom_al_first[i] = ai;
		while (mi < w->nmailboxes && mb_rank[mi] < r)
			mi++;   /* "user@": no domain */
		w->dom_mb_first[i] = mi;
		for (; mi < w->nmailboxes && mb_rank[mi] == r; mi++) {
			struct mailbox *b = &w->mailboxes[mi];
			int c = 1;
			while (ai < w->naliases && al_rank[ai] == r &&
			       (c = strcmp(w->aliases[ai].local, b->local)) < 0) {
				ai++;
				dom->naliases++;
			}
			b->alias = (ai < w->naliases && al_rank[ai] == r && c == 0) ? &w->aliases[ai] : NULL;
			b->swallowed = !b->alias && dom->catchall_alias;
			dom->nmailboxes++;
		}
		while (ai < w->naliases && al_rank[ai] == r) {
			ai++;
			dom->naliases++;
		}
	}
	free(al_rank);
	classify_targets(w, mb_rank);
	free(mb_rank);

	build_reverse(w);
	w->src = NULL; /* only valid while loading */
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
	hidx_free(&w->dom_idx);
	hidx_free(&w->mb_idx);
	hidx_free(&w->cb_idx);
	hidx_free(&w->al_idx);
	hidx_free(&w->rev_idx);
	free(w->rev_list);
	free(w->rev_ids);
	free(w->rev_first);
	free(w->rev_n);
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
	FOLDED(k, address);
	size_t at = hidx_find(&w->rev_idx, k, strmap_hash(k));
	FOLDED_DONE(k);
	if (!at) {
		*n = 0;
		return NULL;
	}
	uint32_t id = w->rev_ids[at - 1];
	*n = w->rev_n[id];
	return w->rev_list + w->rev_first[id];
}

const struct alias **world_aliases_reaching(const struct world *w, const char *address, size_t *n)
{
	const struct alias **out = NULL;
	size_t cnt = 0, cap = 0;
	struct strmap *seen = strmap_create(16);
	/* The address's own identity entry (u@d u@d) is not "another alias
	 * reaching it"; marking it seen also stops a loop back to it. */
	FOLDED(self, address);
	strmap_add(seen, self, NULL);
	FOLDED_DONE(self);
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
