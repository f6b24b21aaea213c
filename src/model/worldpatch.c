/* The staged world updated in place after an operation instead of made
 * again from every document (world_rebuild): issue 16, the rebuild of a
 * 10,000-mailbox world was most of a staging. One case so far, the most
 * common one: a whole alias removed from an alias-only map, which nothing
 * else depends on (no target names it, no mailbox has its address, its
 * domain is listed, no other map has its key). Anything else, or an edit
 * of the table that did not stay in place (tablepatch.c), is left to the
 * full rebuild. The result is what world_rebuild gives: test_stageworld
 * compares the whole world after each removal with a full load. */
#include "config.h"

#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"

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

bool worldpatch_alias_del_prepare(const struct world *w, const char *address, struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct alias *a = world_alias_find(w, address);
	if (!a || a->is_catchall || !*a->domain || !a->map || !a->map->table || !a->entry ||
	    a->map->roles != MAP_VIRTUAL_ALIAS)
		return false;
	const struct domain *dom = world_domain_find(w, a->domain);
	size_t named;
	world_aliases_to(w, a->address, &named);
	if (!dom || dom->nlistings == 0 || named > 0 || world_mailbox_find(w, a->address) ||
	    !worldpatch_alone(w, a->map, a->address))
		return false;
	p->alias = (size_t)(a - w->aliases);
	p->domain = (size_t)(dom - w->domains);
	p->map = a->map;
	p->entry = a->entry;
	p->nlines = a->entry->nlines;
	p->line = a->line;
	p->parses = table_parses(a->map->table);
	p->ready = true;
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

int worldpatch_apply(struct world *w, const struct worldpatch *p)
{
	if (!p->ready || table_parses(p->map->table) != p->parses)
		return -1;
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
	for (size_t i = 0; i < w->ntargets; i++)
		w->targets[i].alias = worldpatch_shift(w, w->targets[i].alias, gone);
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
