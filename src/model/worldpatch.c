/* The staged world updated in place after an operation instead of made
 * again from every document (world_rebuild): issue 16, the rebuild of a
 * 10,000-mailbox world was most of a staging. One case so far, the most
 * common ones: a whole alias removed from an alias-only map, which nothing
 * else depends on (no target names it, no mailbox has its address, its
 * domain is listed, no other map has its key), and some of an alias's
 * targets removed (the targets left are ones it had). Anything else, or an edit
 * of the table that did not stay in place (tablepatch.c), is left to the
 * full rebuild. The result is what world_rebuild gives: test_stageworld
 * compares the whole world after each removal with a full load. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

static bool worldpatch_alone(const struct world *w, const struct world_map *m, const char *key)
{
	for (size_t i = 0; i < w->maps.n; i++) {
		const struct world_map *o = w->maps.v[i];
		if (o == m)
			continue;
		if (o->table == m->table)
			return false;   /* the same file in two roles */
		if ((o->roles & MAP_VIRTUAL_ALIAS) && (!o->table || table_lookup(o->table, key)))
			return false;   /* an entry there would take its place */
	}
	size_t dups = 0;
	for (size_t i = 0; i < table_count(m->table); i++)
		dups += strcmp(table_entry(m->table, i)->lookup_key, key) == 0;
	return dups == 1;
}

/* The alias of address in a map the world can follow (a file in one role
 * that holds the key once), or NULL. */
static const struct alias *worldpatch_alias(const struct world *w, const char *address,
					    unsigned roles)
{
	const struct alias *a = world_alias_find(w, address);
	if (!a || a->is_catchall || !*a->domain || !a->map || !a->map->table || !a->entry ||
	    (a->map->roles & ~roles) || !worldpatch_alone(w, a->map, a->address))
		return NULL;
	return a;
}

static void worldpatch_take(const struct world *w, const struct alias *a, struct worldpatch *p)
{
	p->alias = (size_t)(a - w->aliases);
	p->map = a->map;
	p->entry = a->entry;
	p->nlines = a->entry->nlines;
	p->line = a->line;
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
	p->targets = true;
	return true;
}

bool worldpatch_alias_del_prepare(const struct world *w, const char *address, struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct alias *a = worldpatch_alias(w, address, MAP_VIRTUAL_ALIAS);
	if (!a)
		return false;
	const struct domain *dom = world_domain_find(w, a->domain);
	size_t named;
	world_aliases_to(w, a->address, &named);
	if (!dom || dom->nlistings == 0 || named > 0 || world_mailbox_find(w, a->address))
		return false;
	worldpatch_take(w, a, p);
	p->domain = (size_t)(dom - w->domains);
	return true;
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
	for (size_t id = 0; w->rev_first[id] < w->ntargets; id++) {
		const struct alias **v = &w->rev_list[w->rev_first[id]];
		size_t k = 0;
		for (size_t i = 0; i < w->rev_n[id]; i++)
			if (v[i] != del)
				v[k++] = worldpatch_shift(w, v[i], gone);
		w->rev_n[id] = k;
	}
}

/* Some targets of an alias removed, its entry edited in place (its line
 * and position unchanged): its new targets, each one it had (their class
 * is known), in a list of their own; it leaves the reverse lists of the
 * addresses it no longer names. */
static int worldpatch_targets(struct world *w, const struct worldpatch *p)
{
	struct alias *a = &w->aliases[p->alias];
	/* the entry of its key where it was (a removal moved or dropped it) */
	const struct table_entry *e = table_lookup(p->map->table, a->address);
	if (e != p->entry || e->nlines != p->nlines || e->line != p->line)
		return -1;
	struct alias_target *v = NULL;
	size_t n = 0, cap = 0;
	size_t nt = load_split_targets(&w->arena, e->value, &v, &n, &cap);
	bool known = nt > 0;
	for (size_t i = 0; i < nt && known; i++) {
		size_t k = 0;
		while (k < a->ntargets && strcmp(a->targets[k].address, v[i].address) != 0)
			k++;
		known = k < a->ntargets;
		if (known) {
			v[i].class = a->targets[k].class;
			v[i].mailbox = a->targets[k].mailbox;
			v[i].alias = a->targets[k].alias;
		}
	}
	if (!known) {
		free(v);
		return -1;
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
			uint32_t id = w->rev_ids[index_find(&w->rev_idx, a->targets[k].address,
							      strmap_hash(a->targets[k].address)) - 1];
			w->rev_n[id] = j;
		}
	}
	struct alias_target *own = arena_alloc(&w->arena, nt * sizeof *own, 0);
	memcpy(own, v, nt * sizeof *own);
	free(v);
	a->targets = own;
	a->ntargets = nt;
	a->value = e->value;
	a->is_identity = false;
	for (size_t i = 0; i < nt; i++)
		a->is_identity |= strcmp(own[i].address, a->address) == 0;
	return 0;
}

int worldpatch_apply(struct world *w, const struct worldpatch *p)
{
	if (!p->ready || table_parses(p->map->table) != p->parses)
		return -1;
	if (p->targets)
		return worldpatch_targets(w, p);
	size_t gone = p->alias;
	/* the lines after the removed entry's moved up in its file, and so did
	 * the table's entries after it (tablepatch_remove) */
	for (size_t i = 0; i < w->naliases; i++) {
		struct alias *a = &w->aliases[i];
		if (i == gone || a->map != p->map || a->entry < p->entry)
			continue;
		a->entry--;
		a->line -= (unsigned)p->nlines;
	}
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
	memmove(&w->aliases[gone], &w->aliases[gone + 1], (w->naliases - gone - 1) * sizeof *w->aliases);
	w->naliases--;
	w->domains[p->domain].naliases--;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_al_first[i]--;
	index_free(&w->al_idx);
	index_build(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases,
		    offsetof(struct alias, address), NULL, NULL);
	return 0;
}
