/* The staged world updated in place after an operation instead of made
 * again from every document (world_rebuild): issue 16, the rebuild of a
 * 10,000-mailbox world was most of a staging. The common edits: an alias
 * removed from an alias-only map (its domain listed, no other map has its
 * key), or added to it, the map being virtual_alias_domains too or not
 * (worldpatch_roles); an alias's value set (its targets removed or
 * added); the aliases naming that address and the mailbox that has it
 * (forward set, forward clear) follow. A mailbox added or removed in a
 * mailbox-only map (its passwd-file line with it; the aliases naming it
 * classified again; its identity entry in the alias map added or removed
 * with it: a second edit, of that map alone); a domain added to or
 * removed from the mailbox domain list
 * (worldpatch_domain.c); a catch-all set or cleared in one map
 * (worldpatch_catchall.c, with its identity entries: worldpatch_identity.c);
 * a mailbox renamed (worldpatch_rename.c);
 * and any edit of the passwd-file alone (a password, a quota), after
 * which the passwd-file is joined to the mailboxes again. Anything else, or
 * an edit of the table that did not stay in place (tablepatch.c), is left
 * to the full rebuild. The result is what world_rebuild gives:
 * test_stageworld compares the whole world after each edit with a full
 * load. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* Whether key is in m alone (no other map in a role of roles has it, m's
 * file serves no other map) and dups times in m. */
bool worldpatch_alone(const struct world *w, const struct world_map *m, const char *key,
		      unsigned roles, size_t dups_wanted)
{
	for (size_t i = 0; i < w->maps.n; i++) {
		const struct world_map *o = w->maps.v[i];
		if (o == m)
			continue;
		if (o->table == m->table)
			return false;   /* the same file in two roles */
		if ((o->roles & roles) && (!o->table || table_lookup(o->table, key)))
			return false;   /* an entry there would take its place */
	}
	size_t dups = 0;
	for (size_t i = 0; i < table_count(m->table); i++)
		dups += strcmp(table_entry(m->table, i)->lookup_key, key) == 0;
	return dups == dups_wanted;
}

/* Whether m is a map of address roles that the world can follow when an
 * address key is added to it or removed: in role alone, or in that role and
 * virtual_alias_domains' (its default, $virtual_alias_maps: the course's
 * layout), a file of its own. An address key names no domain there (only
 * a key without '@' does, load.c's world_domain_item): the domain classes
 * stay as they were; the lines of the domain keys after it move
 * (worldpatch_listings). */
bool worldpatch_roles(const struct world_map *m, unsigned role)
{
	return m->roles == role ||
	       (role == MAP_VIRTUAL_ALIAS && m->roles == (MAP_VIRTUAL_ALIAS | MAP_ALIAS_DOMAINS) && m->ref.path);
}

/* The domains listed by keys of m (virtual_alias_domains = its map): the
 * lines from line on in its file moved by delta. */
void worldpatch_listings(struct world *w, const struct world_map *m, unsigned line, int delta)
{
	if (!(m->roles & MAP_ALIAS_DOMAINS))
		return;
	for (size_t i = 0; i < w->ndomains; i++)
		for (size_t k = 0; k < w->domains[i].nlistings; k++) {
			struct domain_listing *l = (struct domain_listing *)(uintptr_t)&w->domains[i].listings[k];
			if (l->class == DOMAIN_VIRTUAL_ALIAS && l->file && strcmp(l->file, m->ref.path) == 0 &&
			    l->line >= line)
				l->line = (unsigned)((int)l->line + delta);
		}
}

/* The alias of address in a map the world can follow (a file in one role,
 * or worldpatch_roles', that holds the key once), or NULL. */
static const struct alias *worldpatch_alias(const struct world *w, const char *address,
					    unsigned roles)
{
	const struct alias *a = world_alias_find(w, address);
	if (!a || a->is_catchall || !*a->domain || !a->map || !a->map->table || !a->entry ||
	    ((a->map->roles & ~roles) && !worldpatch_roles(a->map, MAP_VIRTUAL_ALIAS)) ||
	    !worldpatch_alone(w, a->map, a->address, MAP_VIRTUAL_ALIAS, 1))
		return NULL;
	return a;
}

void worldpatch_ready_add(struct worldpatch *p, const char *address, const struct world_map *m)
{
	p->address = address;
	p->map = m;
	p->count = table_count(m->table);
	p->base = p->count ? table_entry(m->table, 0) : NULL;
	p->parses = table_parses(m->table);
	p->ready = true;
}

static void worldpatch_take(const struct world *w, const struct alias *a, struct worldpatch *p)
{
	p->alias = (size_t)(a - w->aliases);
	p->map = a->map;
	p->entry = a->entry;
	p->nlines = a->entry->nlines;
	p->line = a->line;
	p->count = table_count(a->map->table);
	p->parses = table_parses(a->map->table);
	p->ready = true;
}

bool worldpatch_alias_targets_prepare(const struct world *w, const char *address,
				      struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	/* the keys do not change: the map may list domains too */
	const struct alias *a = worldpatch_alias(w, address, MAP_VIRTUAL_ALIAS | MAP_ALIAS_DOMAINS);
	if (!a)
		return false;
	worldpatch_take(w, a, p);
	p->kind = WORLDPATCH_TARGETS;
	return true;
}

bool worldpatch_alias_del_prepare(const struct world *w, const char *address, struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct alias *a = worldpatch_alias(w, address, MAP_VIRTUAL_ALIAS);
	if (!a)
		return false;
	/* aliases may name it, a mailbox may have its address (forward
	 * clear): their targets are classified again, the mailbox loses it */
	const struct domain *dom = world_domain_find(w, a->domain);
	if (!dom || dom->nlistings == 0)
		return false;
	worldpatch_take(w, a, p);
	p->kind = WORLDPATCH_ALIAS_DEL;
	p->domain = (size_t)(dom - w->domains);
	return true;
}

/* A new address of a listed domain, in the first map of role, a file in
 * that role alone; no alias has it. A new mailbox's address has no
 * mailbox; a new alias's may (forward set, alias add on a mailbox: the
 * mailbox gets it, its targets are classified again). Aliases may name
 * either: their targets are classified again. */
static bool worldpatch_new(const struct world *w, const char *address, enum map_role role,
			   struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const char *at = strrchr(address, '@');
	const struct world_map *m = world_map_for_domain(w, role, at && at != address ? at + 1 : NULL);
	const struct domain *dom = at && at != address ? world_domain_find(w, at + 1) : NULL;
	bool mailbox = role == MAP_VIRTUAL_MAILBOX;
	if (!dom || dom->nlistings == 0 || (mailbox && world_mailbox_find(w, address)) ||
	    world_alias_find(w, address) || !m || !m->table || !worldpatch_roles(m, role) ||
	    table_syntax(m->table) != TABLE_INDEXED || !worldpatch_alone(w, m, address, role, 0))
		return false;
	p->domain = (size_t)(dom - w->domains);
	worldpatch_ready_add(p, address, m);
	return true;
}

bool worldpatch_alias_add_prepare(const struct world *w, const char *address, struct worldpatch *p)
{
	if (!worldpatch_new(w, address, MAP_VIRTUAL_ALIAS, p))
		return false;
	p->kind = WORLDPATCH_ALIAS_ADD;
	return true;
}

/* The identity entry's edit q kept in p (worldpatch_identity_part gives
 * it back). */
static void worldpatch_identity_keep(struct worldpatch *p, const struct worldpatch *q)
{
	p->identity = true;
	p->id_map = q->map;
	p->id_base = q->base;
	p->id_entry = q->entry;
	p->id_alias = q->alias;
	p->id_count = q->count;
	p->id_parses = q->parses;
	p->id_nlines = q->nlines;
	p->id_line = q->line;
}

static struct worldpatch worldpatch_identity_part(const struct worldpatch *p)
{
	struct worldpatch q = {
		.ready = true, .alias = p->id_alias, .domain = p->domain, .address = p->address,
		.map = p->id_map, .entry = p->id_entry, .base = p->id_base, .count = p->id_count,
		.nlines = p->id_nlines, .line = p->id_line, .parses = p->id_parses,
		.kind = p->kind == WORLDPATCH_MAILBOX_ADD ? WORLDPATCH_ALIAS_ADD : WORLDPATCH_ALIAS_DEL,
	};
	return q;
}

bool worldpatch_mailbox_add_prepare(const struct world *w, const char *address,
				    struct worldpatch *p)
{
	if (!worldpatch_new(w, address, MAP_VIRTUAL_MAILBOX, p))
		return false;
	/* a catch-all in the alias map gets the new mailbox an identity entry
	 * in the catch-all's map (apply_mailbox_add): a new alias there too */
	const struct catchall *ca = w->domains[p->domain].catchall_alias;
	if (ca) {
		struct worldpatch q;
		if (!ca->alias || !worldpatch_alias_add_prepare(w, address, &q) || q.map != ca->alias->map) {
			memset(p, 0, sizeof *p);
			return false;
		}
		worldpatch_identity_keep(p, &q);
	}
	p->kind = WORLDPATCH_MAILBOX_ADD;
	return true;
}

bool worldpatch_mailbox_del_prepare(const struct world *w, const char *address,
				    struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct mailbox *b = world_mailbox_find(w, address);
	if (!b || !b->map || !b->map->table || !b->entry || b->map->roles != MAP_VIRTUAL_MAILBOX ||
	    !worldpatch_alone(w, b->map, b->address, MAP_VIRTUAL_MAILBOX, 1))
		return false;
	/* no alias names it but its own (kept, or removed with it when it is
	 * its identity entry: apply_mailbox_remove) */
	size_t named;
	const struct alias *const *by = world_aliases_to(w, address, &named);
	for (size_t i = 0; i < named; i++)
		if (by[i] != b->alias)
			return false;
	const struct domain *dom = world_domain_find(w, b->domain);
	if (!dom)
		return false;
	const struct alias *own = b->alias;
	if (own && own->ntargets == 1 && strcmp(own->targets[0].address, own->address) == 0) {
		struct worldpatch q;
		if (!worldpatch_alias_del_prepare(w, address, &q))
			return false;
		worldpatch_identity_keep(p, &q);
	}
	p->kind = WORLDPATCH_MAILBOX_DEL;
	p->address = b->address;
	p->mailbox = (size_t)(b - w->mailboxes);
	p->domain = (size_t)(dom - w->domains);
	p->map = b->map;
	p->entry = b->entry;
	p->nlines = b->entry->nlines;
	p->line = b->line;
	p->count = table_count(b->map->table);
	p->parses = table_parses(b->map->table);
	p->ready = true;
	return true;
}

/* An index of an array after one element was inserted at position at
 * (added) or taken out of it: one pass over its slots, else built again
 * (index_insert_at declines when it is too full). */
void worldpatch_index(struct hidx *h, void *base, size_t n, size_t sz, size_t koff, size_t at,
		      const char *key, bool added)
{
	uint32_t hash = strmap_hash(key);
	if (added ? index_insert_at(h, base, at, hash) : index_remove_at(h, at, hash))
		return;
	index_free(h);
	index_build(h, base, n, sz, koff, NULL, NULL);
}

/* A pointer into the aliases array after the removed one moves down one. */
static const struct alias *worldpatch_shift(const struct world *w, const struct alias *x, size_t gone)
{
	return x && x > &w->aliases[gone] ? x - 1 : x;
}

/* Every alias of the reverse index: the removed one out of its targets'
 * lists, the later ones one down. */
static void worldpatch_reverse(struct world *w, size_t gone)
{
	const struct alias *del = &w->aliases[gone];
	for (size_t id = 0; id < w->rev_nid; id++) {
		const struct alias **v = &w->rev_list[w->rev_first[id]];
		size_t k = 0;
		for (size_t i = 0; i < w->rev_n[id]; i++)
			if (v[i] != del)
				v[k++] = worldpatch_shift(w, v[i], gone);
		w->rev_n[id] = k;
	}
}

/* An alias's value set, its entry edited in place (its line and position
 * unchanged): its new targets in a list of their own, each one it had
 * keeping its class, a new one classified; the aliases naming each target
 * are found again. */
int worldpatch_targets(struct world *w, const struct worldpatch *p)
{
	struct alias *a = &w->aliases[p->alias];
	/* the entry of its key where it was (a removal moved or dropped it) */
	const struct table_entry *e = table_lookup(p->map->table, a->address);
	if (e != p->entry || e->nlines != p->nlines || e->line != p->line)
		return -1;
	struct alias_target *v = NULL;
	size_t n = 0, cap = 0;
	size_t nt = load_split_targets(&w->arena, e->value, &v, &n, &cap);
	if (nt == 0) {
		free(v);
		return -1;
	}
	bool identity = false, added = false;
	for (size_t i = 0; i < nt; i++)
		identity |= strcmp(v[i].address, a->address) == 0;
	/* an identity entry's own target is classified apart (classify.c); no
	 * target it had names it, or it was one already */
	a->is_identity = identity;
	for (size_t i = 0; i < nt; i++) {
		size_t k = 0;
		while (k < a->ntargets && strcmp(a->targets[k].address, v[i].address) != 0)
			k++;
		if (k < a->ntargets) {
			v[i].class = a->targets[k].class;
			v[i].mailbox = a->targets[k].mailbox;
			v[i].alias = a->targets[k].alias;
		} else {
			classify_one(w, a, &v[i]);
			added = true;
		}
	}
	for (size_t k = 0; k < a->ntargets; k++) {
		bool kept = false;
		for (size_t i = 0; i < nt && !kept; i++)
			kept = strcmp(a->targets[k].address, v[i].address) == 0;
		size_t nby;
		const struct alias *const *by = kept ? NULL : world_aliases_to(w, a->targets[k].address, &nby);
		if (!by)
			continue;
		const struct alias **list = (const struct alias **)(uintptr_t)by;
		size_t j = 0;
		for (size_t i = 0; i < nby; i++)
			if (list[i] != a)
				list[j++] = list[i];
		if (j != nby) {
			size_t id = index_find(&w->rev_idx, a->targets[k].address,
					       strmap_hash(a->targets[k].address)) - 1;
			w->rev_n[id] = j;
		}
	}
	struct alias_target *own = arena_alloc(&w->arena, nt * sizeof *own, 0);
	memcpy(own, v, nt * sizeof *own);
	free(v);
	a->targets = own;
	a->ntargets = nt;
	a->value = e->value;
	for (size_t i = 0; i < nt && added; i++)   /* kept ones name it already: once */
		index_reverse_add(w, a, own[i].address);
	return 0;
}

/* An alias of address added or removed: the mailbox of that address has
 * it or not (swallowed by its domain's catch-all without it), and every
 * target naming it is classified again (an alias, a mailbox, unknown). */
void worldpatch_address_alias(struct world *w, const char *address, const struct alias *a)
{
	struct mailbox *b = (struct mailbox *)(uintptr_t)world_mailbox_find(w, address);
	if (b) {
		const struct domain *dom = world_domain_find(w, b->domain);
		b->alias = a;
		b->swallowed = !a && dom && dom->catchall_alias;
	}
	size_t n;
	const struct alias *const *by = world_aliases_to(w, address, &n);
	for (size_t i = 0; i < n; i++) {
		struct alias_target *t = (struct alias_target *)(uintptr_t)by[i]->targets;
		for (size_t k = 0; k < by[i]->ntargets; k++)
			if (strcmp(t[k].address, address) == 0)
				classify_one(w, by[i], &t[k]);
	}
}

static int worldpatch_alias_del(struct world *w, const struct worldpatch *p)
{
	size_t gone = p->alias;
	const struct table *mt = p->map->table;
	if (table_count(mt) != p->count - 1 || table_lookup(mt, w->aliases[gone].address))
		return -1;   /* not removed alone (forward clear may set it instead) */
	/* the lines after the removed entry's moved up in its file, and so did
	 * the table's entries after it (tablepatch_remove) */
	for (size_t i = 0; i < w->naliases; i++) {
		struct alias *a = &w->aliases[i];
		if (i == gone || a->map != p->map || a->entry < p->entry)
			continue;
		a->entry--;
		a->line -= (unsigned)p->nlines;
	}
	worldpatch_listings(w, p->map, p->line + 1, -(int)p->nlines);
	for (size_t i = 0; i < w->ncatchalls; i++) {
		struct catchall *c = &w->catchalls[i];
		if (c->map == CATCHALL_IN_ALIAS_MAP && c->alias && c->alias->map == p->map &&
		    c->line > p->line)
			c->line -= (unsigned)p->nlines;
		c->alias = worldpatch_shift(w, c->alias, gone);
	}
	for (size_t i = 0; i < w->nmailboxes; i++)
		w->mailboxes[i].alias = worldpatch_shift(w, w->mailboxes[i].alias, gone);
	/* through the aliases: a list made in place is not in w->targets */
	for (size_t i = 0; i < w->naliases; i++) {
		struct alias_target *t = (struct alias_target *)(uintptr_t)w->aliases[i].targets;
		for (size_t k = 0; i != gone && k < w->aliases[i].ntargets; k++)
			t[k].alias = worldpatch_shift(w, t[k].alias, gone);
	}
	worldpatch_reverse(w, gone);
	/* its targets stay in w->targets, owned by no alias, as the targets
	 * of a duplicate dropped at load do */
	const char *key = w->aliases[gone].address;   /* the table's string */
	memmove(&w->aliases[gone], &w->aliases[gone + 1], (w->naliases - gone - 1) * sizeof *w->aliases);
	w->naliases--;
	/* a catch-all is not counted, and sits before its domain's range */
	if (!p->catchall)
		w->domains[p->domain].naliases--;
	for (size_t i = p->domain + !p->catchall; i < w->ndomains; i++)
		w->dom_al_first[i]--;
	worldpatch_index(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases,
			 offsetof(struct alias, address), gone, key, false);
	worldpatch_address_alias(w, key, NULL);
	if (p->catchall) {
		worldpatch_catchalls_again(w, p->domain);
		worldpatch_classify_domain(w, w->domains[p->domain].name);
	}
	return 0;
}

/* ---- a new entry in a map (table_add): the new alias or mailbox ---- */

/* The position of entry x of p's map before the edit (x was taken then). */
static size_t worldpatch_old_pos(const struct worldpatch *p, const struct table_entry *x)
{
	return (size_t)(((uintptr_t)x - (uintptr_t)p->base) / sizeof *x);
}

/* An entry of p's map taken before the edit, where it is now: one further
 * from position at on (the new entry's), in the table's array now. Its
 * line moves down with it. */
void worldpatch_follow(const struct worldpatch *p, size_t at, const struct table_entry **e,
		       unsigned *line)
{
	size_t i = worldpatch_old_pos(p, *e);
	if (i >= at) {
		i++;
		(*line)++;
	}
	*e = table_entry(p->map->table, i);
}

const struct table_entry *worldpatch_added(const struct worldpatch *p, const char *key, size_t *at)
{
	const struct table *t = p->map->table;
	const struct table_entry *e = table_lookup(t, key);
	/* a domain list may be parsed again: nothing points into it
	 * (worldpatch_domain.c) */
	if ((table_parses(t) != p->parses && p->kind != WORLDPATCH_DOMAIN_ADD) || table_count(t) != p->count + 1 || !e || e->nlines != 1)
		return NULL;
	*at = (size_t)(e - table_entry(t, 0));
	return e;
}

struct mailbox worldpatch_box_of(struct world *w, const struct worldpatch *p,
				 const struct table_entry *e, size_t local_len)
{
	/* as load_mailboxes makes it: no passwd-file entry is looked for */
	struct mailbox b = { .address = e->lookup_key, .value = e->value, .map = p->map, .entry = e,
			     .line = e->line, .quota_bytes = -1 };
	b.local = arena_memdup0(&w->arena, e->lookup_key, local_len);
	b.domain = e->lookup_key + local_len + 1;
	b.maildir = load_maildir_path(w, e);
	size_t vl = strlen(e->value);
	b.is_maildir = vl > 0 && e->value[vl - 1] == '/';
	b.file = arena_strdup(&w->arena, p->map->ref.path ? p->map->ref.path : w->maincf_path);
	return b;
}

struct mailbox worldpatch_added_box(struct world *w, const struct worldpatch *p,
				    const struct table_entry *e, size_t at, size_t local_len)
{
	struct mailbox b = worldpatch_box_of(w, p, e, local_len);
	for (size_t i = 0; i < w->nmailboxes; i++)
		if (w->mailboxes[i].map == p->map)
			worldpatch_follow(p, at, &w->mailboxes[i].entry, &w->mailboxes[i].line);
	for (size_t i = 0; i < w->ncatchall_boxes; i++)
		if (w->catchall_boxes[i].map == p->map)
			worldpatch_follow(p, at, &w->catchall_boxes[i].entry, &w->catchall_boxes[i].line);
	return b;
}

/* Where an element of local part local goes in its domain's range
 * [first, first + n) of an array sorted by local part (stride sz, the
 * local part's pointer at loff). */
size_t worldpatch_slot(const void *base, size_t sz, size_t loff, size_t first, size_t n,
			      const char *local)
{
	size_t i = first;
	for (; i < first + n; i++) {
		const char *l;
		memcpy(&l, (const char *)base + i * sz + loff, sizeof l);
		if (strcmp(l, local) > 0)
			break;
	}
	return i;
}

/* An alias pointer into old (the array before the insertion at pos) into
 * now. */
static const struct alias *worldpatch_moved(const struct alias *x, const struct alias *old,
					    size_t n, const struct alias *now, size_t pos)
{
	if (!x || x < old || x >= old + n)
		return x;
	size_t i = (size_t)(x - old);
	return &now[i + (i >= pos)];
}

/* The array *v of n elements of size sz, one more at pos: in place (the
 * elements from pos on move on by one) while it has room, else in a new
 * block with room for an eighth more, which the next additions fill. A new
 * block of 8 to 15 MB each time (100,000 aliases or mailboxes) was mapped
 * and zeroed by the kernel page by page (issue 16). The old block is
 * returned for the pointers into it to be mapped (worldpatch_moved); the
 * caller frees it when it is not *v. */
static void *worldpatch_grow(void *vp, size_t *cap, size_t n, size_t sz, size_t pos)
{
	char **v = vp, *old = *v;
	if (n + 1 <= *cap) {
		memmove(old + (pos + 1) * sz, old + pos * sz, (n - pos) * sz);
		return old;
	}
	*cap = n + 1 + n / 8;
	char *now = xreallocarray(NULL, *cap, sz);
	memcpy(now, old, pos * sz);
	memcpy(now + (pos + 1) * sz, old + pos * sz, (n - pos) * sz);
	*v = now;
	return old;
}

static int worldpatch_alias_add(struct world *w, const struct worldpatch *p)
{
	/* a catch-all's address is its domain's (worldpatch_catchall.c) */
	char *ckey = p->catchall ? xasprintf("@%s", p->address) : NULL;
	size_t at;
	const struct table_entry *e = worldpatch_added(p, ckey ? ckey : p->address, &at);
	free(ckey);
	if (!e)
		return -1;
	struct alias a = { .address = e->lookup_key, .value = e->value, .map = p->map, .entry = e,
			   .line = e->line, .is_catchall = p->catchall };
	const char *sign = strrchr(a.address, '@');
	a.local = arena_memdup0(&w->arena, a.address, (size_t)(sign - a.address));
	a.domain = sign + 1;
	a.file = arena_strdup(&w->arena, p->map->ref.path ? p->map->ref.path : w->maincf_path);
	struct alias_target *v = NULL;
	size_t n = 0, cap = 0;
	a.ntargets = load_split_targets(&w->arena, e->value, &v, &n, &cap);
	for (size_t i = 0; i < a.ntargets; i++)
		a.is_identity |= strcmp(v[i].address, a.address) == 0;
	/* the entries after the new one moved on by one, in its file too */
	for (size_t i = 0; i < w->naliases; i++)
		if (w->aliases[i].map == p->map)
			worldpatch_follow(p, at, &w->aliases[i].entry, &w->aliases[i].line);
	worldpatch_listings(w, p->map, e->line, 1);
	struct domain *dom = &w->domains[p->domain];
	/* a catch-all goes first in its domain, before its range (it has none
	 * yet: worldpatch_catchall_set_prepare) */
	size_t pos = p->catchall ? w->dom_al_first[p->domain]
				 : worldpatch_slot(w->aliases, sizeof *w->aliases, offsetof(struct alias, local),
						   w->dom_al_first[p->domain], dom->naliases, a.local);
	struct alias *old = worldpatch_grow(&w->aliases, &w->aliases_cap, w->naliases, sizeof a, pos),
		     *now = w->aliases;
	now[pos] = a;
	for (size_t i = 0; i < w->ncatchalls; i++) {
		struct catchall *c = &w->catchalls[i];
		c->alias = worldpatch_moved(c->alias, old, w->naliases, now, pos);
		if (c->alias)
			c->line = c->alias->line;
	}
	for (size_t i = 0; i < w->nmailboxes; i++)
		w->mailboxes[i].alias = worldpatch_moved(w->mailboxes[i].alias, old, w->naliases, now, pos);
	for (size_t i = 0; i < w->naliases + 1; i++) {
		struct alias_target *t = (struct alias_target *)(uintptr_t)now[i].targets;
		for (size_t k = 0; i != pos && k < now[i].ntargets; k++)
			t[k].alias = worldpatch_moved(t[k].alias, old, w->naliases, now, pos);
	}
	for (size_t i = 0; i < w->rev_first[w->rev_nid]; i++)   /* the room between lists too */
		w->rev_list[i] = worldpatch_moved(w->rev_list[i], old, w->naliases, now, pos);
	if (old != now)
		free(old);
	w->aliases = now;
	w->naliases++;
	if (!p->catchall)
		dom->naliases++;
	for (size_t i = p->domain + !p->catchall; i < w->ndomains; i++)
		w->dom_al_first[i]++;
	worldpatch_index(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases,
			 offsetof(struct alias, address), pos, a.address, true);
	if (p->catchall)   /* before its targets are classified: one may be in its domain */
		worldpatch_catchalls_again(w, p->domain);
	/* its targets classified once it is in the world, in a list of its own */
	struct alias_target *own = arena_alloc(&w->arena, (a.ntargets ? a.ntargets : 1) * sizeof *own, 0);
	for (size_t i = 0; i < a.ntargets; i++) {
		own[i] = v[i];
		classify_one(w, &now[pos], &own[i]);
	}
	free(v);
	now[pos].targets = own;
	for (size_t i = 0; i < a.ntargets; i++)
		index_reverse_add(w, &now[pos], own[i].address);
	/* the mailbox of its address has it (forward set), the targets naming it */
	worldpatch_address_alias(w, now[pos].address, &now[pos]);
	if (p->catchall)   /* every target in its domain but an alias's goes to it now */
		worldpatch_classify_domain(w, dom->name);
	return 0;
}

/* ---- mailboxes ---- */

/* Every alias target's mailbox pointer into old (the array before an
 * insertion at pos, or a removal at pos when gone) into now. */
void worldpatch_targets_to(struct world *w, const struct mailbox *old, size_t n,
				  const struct mailbox *now, size_t pos, bool gone)
{
	for (size_t i = 0; i < w->naliases; i++) {
		struct alias_target *t = (struct alias_target *)(uintptr_t)w->aliases[i].targets;
		for (size_t k = 0; k < w->aliases[i].ntargets; k++) {
			const struct mailbox *x = t[k].mailbox;
			if (!x || x < old || x >= old + n)
				continue;
			size_t j = (size_t)(x - old);
			t[k].mailbox = &now[gone ? j - (j > pos) : j + (j >= pos)];
		}
	}
}

static int worldpatch_mailbox_add(struct world *w, const struct worldpatch *p)
{
	size_t at;
	const struct table_entry *e = worldpatch_added(p, p->address, &at);
	if (!e)
		return -1;
	const char *sign = strrchr(e->lookup_key, '@');
	struct mailbox b = worldpatch_added_box(w, p, e, at, (size_t)(sign - e->lookup_key));
	b.pw_unknown = w->pw_unknown;
	for (size_t i = 0; i < w->ncatchalls; i++)
		if (w->catchalls[i].mailbox)
			w->catchalls[i].line = w->catchalls[i].mailbox->line;
	struct domain *dom = &w->domains[p->domain];
	size_t pos = worldpatch_slot(w->mailboxes, sizeof *w->mailboxes, offsetof(struct mailbox, local),
				     w->dom_mb_first[p->domain], dom->nmailboxes, b.local);
	struct mailbox *old = worldpatch_grow(&w->mailboxes, &w->mailboxes_cap, w->nmailboxes, sizeof b, pos),
		       *now = w->mailboxes;
	now[pos] = b;
	worldpatch_targets_to(w, old, w->nmailboxes, now, pos, false);
	if (old != now)
		free(old);
	w->mailboxes = now;
	w->nmailboxes++;
	dom->nmailboxes++;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_mb_first[i]++;
	worldpatch_index(&w->mb_idx, w->mailboxes, w->nmailboxes, sizeof *w->mailboxes,
			 offsetof(struct mailbox, address), pos, b.address, true);
	/* the targets naming it deliver to it now (or to the catch-all) */
	worldpatch_address_alias(w, b.address, NULL);
	return 0;
}

static int worldpatch_mailbox_del(struct world *w, const struct worldpatch *p)
{
	const struct table *t = p->map->table;
	if (table_parses(t) != p->parses || table_count(t) != p->count - 1 ||
	    table_lookup(t, w->mailboxes[p->mailbox].address))
		return -1;
	size_t gone = p->mailbox;
	/* the entries after the removed one moved up, in its file too */
	struct mailbox *v[2] = { w->mailboxes, w->catchall_boxes };
	size_t nv[2] = { w->nmailboxes, w->ncatchall_boxes };
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < nv[k]; i++) {
			struct mailbox *b = &v[k][i];
			if ((k == 0 && i == gone) || b->map != p->map || b->entry < p->entry)
				continue;
			b->entry--;
			b->line -= (unsigned)p->nlines;
		}
	for (size_t i = 0; i < w->ncatchalls; i++)
		if (w->catchalls[i].mailbox)
			w->catchalls[i].line = w->catchalls[i].mailbox->line;
	worldpatch_targets_to(w, w->mailboxes, w->nmailboxes, w->mailboxes, gone, true);
	const char *key = w->mailboxes[gone].address;   /* the table's string */
	memmove(&w->mailboxes[gone], &w->mailboxes[gone + 1],
		(w->nmailboxes - gone - 1) * sizeof *w->mailboxes);
	w->nmailboxes--;
	w->domains[p->domain].nmailboxes--;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_mb_first[i]--;
	worldpatch_index(&w->mb_idx, w->mailboxes, w->nmailboxes, sizeof *w->mailboxes,
			 offsetof(struct mailbox, address), gone, key, false);
	/* its own alias's targets naming it (a forward's copy) deliver
	 * elsewhere now */
	worldpatch_address_alias(w, key, NULL);
	return 0;
}

/* A mailbox added or removed, with its identity entry when it has one:
 * both edits checked before anything changes. */
static int worldpatch_mailbox(struct world *w, const struct worldpatch *p)
{
	bool add = p->kind == WORLDPATCH_MAILBOX_ADD;
	struct worldpatch q = worldpatch_identity_part(p);
	size_t at;
	if (p->identity) {
		const struct table *t = q.map->table;
		if (add ? !worldpatch_added(&q, p->address, &at)
			: table_parses(t) != q.parses || table_count(t) != q.count - 1 ||
				  table_lookup(t, w->aliases[q.alias].address))
			return -1;
	}
	int rc = add ? worldpatch_mailbox_add(w, p) : worldpatch_mailbox_del(w, p);
	if (rc == 0 && p->identity)
		rc = add ? worldpatch_alias_add(w, &q) : worldpatch_alias_del(w, &q);
	return rc;
}

void worldpatch_passwd_prepare(const struct world *w, const char *user, struct worldpatch *p)
{
	const struct pwfile *pf = world_pwfile(w);
	const struct pwfile_entry *e = pwfile_lookup(pf, user);
	p->pw_user = user;
	p->pw_count = pwfile_count(pf);
	p->pw_base = p->pw_count ? pwfile_entry(pf, 0) : NULL;
	p->pw_parses = pwfile_parses(pf);
	p->pw_old = e ? (size_t)(e - p->pw_base) + 1 : 0;
}

/* After an edit of pw_user's line alone, made in place (pwfile.c): every
 * other entry is the one it was, one slot on past an added line or one
 * back past a removed one, its strings where they were; pw_user's mailbox
 * joined to its line again. False (nothing changed) for anything else. */
static bool worldpatch_passwd_one(struct world *w, const struct worldpatch *p)
{
	const struct pwfile *pf = w->pwfile;
	size_t n = pwfile_count(pf);
	if (!p->pw_user || !p->pw_base || w->pw_unknown || pwfile_parses(pf) != p->pw_parses)
		return false;
	const struct pwfile_entry *e = pwfile_lookup(pf, p->pw_user);
	size_t at;
	int shift;
	if (n == p->pw_count && (e ? (size_t)(e - pwfile_entry(pf, 0)) + 1 == p->pw_old : !p->pw_old)) {
		at = SIZE_MAX;   /* its line set, or none before or after */
		shift = 0;
	} else if (n == p->pw_count + 1 && e && !p->pw_old) {
		at = (size_t)(e - pwfile_entry(pf, 0));
		shift = 1;
	} else if (n + 1 == p->pw_count && !e && p->pw_old) {
		at = p->pw_old - 1;
		shift = -1;
	} else {
		return false;
	}
	for (size_t i = 0; i < w->nmailboxes; i++) {
		struct mailbox *b = &w->mailboxes[i];
		if (!b->pw)
			continue;
		size_t old = (size_t)(((uintptr_t)b->pw - (uintptr_t)p->pw_base) / sizeof *b->pw);
		if (shift < 0 && old == at)
			load_join_entry(w, b, NULL);   /* its line removed */
		else
			b->pw = pwfile_entry(pf, shift > 0 ? old + (old >= at) : shift < 0 ? old - (old > at) : old);
	}
	struct mailbox *b = (struct mailbox *)(uintptr_t)world_mailbox_find(w, p->pw_user);
	if (b)
		load_join_entry(w, b, e);
	return true;
}

/* The passwd-file joined to the mailboxes again, after any edit of it:
 * their entries moved, or were split again. The strings of entries a
 * reparse replaced are freed once nothing points at them. */
static void worldpatch_passwd(struct world *w, const struct worldpatch *p)
{
	if (worldpatch_passwd_one(w, p))
		return;
	for (size_t i = 0; i < w->nmailboxes; i++) {
		struct mailbox *b = &w->mailboxes[i];
		b->pw = NULL;
		b->quota_rule = NULL;
		b->quota_bytes = -1;
	}
	load_join_passwd(w);
	pwfile_forget_retired(w->pwfile);
}

int worldpatch_apply(struct world *w, const struct worldpatch *p)
{
	if (!p->ready && !p->passwd)
		return -1;
	int rc = 0;
	if (p->ready) {
		/* each checks that the edit stayed in place before it changes anything */
		if ((p->kind == WORLDPATCH_TARGETS || p->kind == WORLDPATCH_ALIAS_DEL) &&
		    table_parses(p->map->table) != p->parses)
			return -1;
		switch (p->kind) {
		case WORLDPATCH_TARGETS:
			rc = worldpatch_targets(w, p);
			break;
		case WORLDPATCH_ALIAS_DEL:
			rc = p->identities_gone ? worldpatch_identities_del(w, p) : worldpatch_alias_del(w, p);
			break;
		case WORLDPATCH_ALIAS_ADD:
			rc = p->identities ? worldpatch_identities_add(w, p) : worldpatch_alias_add(w, p);
			break;
		case WORLDPATCH_MAILBOX_ADD:
		case WORLDPATCH_MAILBOX_DEL:
			rc = worldpatch_mailbox(w, p);
			break;
		case WORLDPATCH_CATCHALL_REPLACE:
			rc = worldpatch_catchall_replace(w, p);
			break;
		case WORLDPATCH_MAILBOX_RENAME:
			rc = worldpatch_mailbox_rename(w, p);
			break;
		case WORLDPATCH_DOMAIN_ADD:
			rc = worldpatch_domain_add(w, p);
			break;
		case WORLDPATCH_DOMAIN_DEL:
			rc = worldpatch_domain_del(w, p);
			break;
		case WORLDPATCH_CATCHALL_BOX_ADD:
			rc = worldpatch_catchall_box_add(w, p);
			break;
		case WORLDPATCH_CATCHALL_BOX_DEL:
			rc = worldpatch_catchall_box_del(w, p);
			break;
		default:
			rc = -1;
		}
	}
	/* a new mailbox may find a line of the passwd-file it did not edit */
	if (rc == 0 && (p->passwd || (p->ready && p->kind == WORLDPATCH_MAILBOX_ADD)))
		worldpatch_passwd(w, p);
	return rc;
}
