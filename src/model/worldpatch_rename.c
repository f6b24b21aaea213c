/* The staged world updated in place after a mailbox rename (issue 16;
 * rename.c): the old address's line removed from its mailbox map and the
 * new address's added to the same map, its passwd-file line replaced by
 * the new name's (joined again by worldpatch_apply). Two edits of one map,
 * which the one-edit patches of worldpatch.c cannot follow one after the
 * other: the map's entries are followed by position (one out at the old
 * line's, one in at the new line's), the mailbox taken out of its domain's
 * range and the new one put in its own, which may be another domain.
 * The aliases naming the old address name the new one (their values set
 * in one alias map: their targets made again after the rename). Where
 * anything else names either address (its own alias entry,
 * a catch-all of the mailbox map delivering to its maildir, an alias
 * domain's line, a sender login line, the system aliases) the rename
 * edits more than that map and is left to world_rebuild. test_stageworld
 * compares the world with a full load after each. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

bool worldpatch_mailbox_rename_prepare(const struct world *w, const char *address, const char *new,
				       struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct mailbox *b = world_mailbox_find(w, address);
	const char *at = strrchr(new, '@');
	const struct domain *dom = b ? world_domain_find(w, b->domain) : NULL;
	const struct domain *ndom = at && at != new ? world_domain_find(w, at + 1) : NULL;
	size_t named, nnew;
	const struct alias *const *by = world_aliases_to(w, address, &named);
	world_aliases_to(w, new, &nnew);
	if (!b || !dom || !ndom || b->alias || nnew > 0 || !b->map || !b->map->table ||
	    !b->entry || b->map->roles != MAP_VIRTUAL_MAILBOX || table_syntax(b->map->table) != TABLE_INDEXED ||
	    ndom->nlistings == 0 || ndom->catchall_alias || world_mailbox_find(w, new) ||
	    world_alias_find(w, new) || !worldpatch_alone(w, b->map, b->address, MAP_VIRTUAL_MAILBOX, 1) ||
	    !worldpatch_alone(w, b->map, new, MAP_VIRTUAL_MAILBOX, 0))
		return false;
	/* a catch-all of the mailbox map delivering to its maildir follows it
	 * (a third edit) */
	size_t nc, nd;
	const struct catchall *c = world_catchalls(w, &nc);
	for (size_t i = 0; i < nc; i++)
		if (c[i].map == CATCHALL_IN_MAILBOX_MAP && c[i].mailbox &&
		    strcmp(c[i].mailbox->maildir, b->maildir) == 0)
			return false;
	/* the aliases naming it name the new address: their values set in
	 * one alias map (rename_aliases), followed as a second map's edit; not
	 * a line "user@B user@A" an alias domain B may own (aliasdom.c) */
	const struct world_map *am = named ? by[0]->map : NULL;
	for (size_t i = 0; i < named; i++)
		if (by[i]->map != am || !am || !am->table || !by[i]->entry || by[i]->is_catchall ||
		    !*by[i]->domain || !worldpatch_roles(am, MAP_VIRTUAL_ALIAS) ||
		    (by[i]->ntargets == 1 && strcmp(by[i]->local, b->local) == 0))
			return false;
	if (am) {
		p->identity = true;   /* its map's edit goes with the rename */
		p->id_map = am;
		p->id_count = table_count(am->table);
		p->id_parses = table_parses(am->table);
	}
	p->kind = WORLDPATCH_MAILBOX_RENAME;
	p->mailbox = (size_t)(b - w->mailboxes);
	p->domain = (size_t)(dom - world_domains(w, &nd));
	p->address = new;
	p->map = b->map;
	p->entry = b->entry;
	p->base = table_count(b->map->table) ? table_entry(b->map->table, 0) : NULL;
	p->count = table_count(b->map->table);
	p->parses = table_parses(b->map->table);
	p->nlines = b->entry->nlines;
	p->line = b->line;
	p->ready = true;
	return true;
}

/* The mailboxes of p's map (and its catch-all boxes) where their entries
 * are now: old position i is i - 1 past the removed one (gone), then one
 * on from the new one's (added). */
static void rename_follow(struct world *w, const struct worldpatch *p, size_t gone, size_t added)
{
	struct mailbox *v[2] = { w->mailboxes, w->catchall_boxes };
	size_t nv[2] = { w->nmailboxes, w->ncatchall_boxes };
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < nv[k]; i++) {
			struct mailbox *b = &v[k][i];
			if (b->map != p->map || !b->entry || (k == 0 && i == p->mailbox))
				continue;
			size_t j = (size_t)(((uintptr_t)b->entry - (uintptr_t)p->base) / sizeof *b->entry);
			j -= j > gone;
			j += j >= added;
			b->entry = table_entry(p->map->table, j);
			b->line = b->entry->line;
		}
	for (size_t i = 0; i < w->ncatchalls; i++)
		if (w->catchalls[i].mailbox)
			w->catchalls[i].line = w->catchalls[i].mailbox->line;
}

int worldpatch_mailbox_rename(struct world *w, const struct worldpatch *p)
{
	const struct table *t = p->map->table;
	struct mailbox *ob = &w->mailboxes[p->mailbox];
	const struct table_entry *e = table_lookup(t, p->address);
	const char *sign = e ? strrchr(e->lookup_key, '@') : NULL;
	const struct domain *nd = sign ? world_domain_find(w, sign + 1) : NULL;
	if (table_parses(t) != p->parses || table_count(t) != p->count || table_lookup(t, ob->address) ||
	    !e || e->nlines != 1 || !nd)
		return -1;
	/* the aliases naming the old address, their values set in place (the
	 * same entries, the map's count and parses as they were) */
	size_t named;
	const struct alias *const *by = world_aliases_to(w, ob->address, &named);
	const struct table *amt = p->identity ? p->id_map->table : NULL;
	if (named && (!amt || table_parses(amt) != p->id_parses || table_count(amt) != p->id_count))
		return -1;
	for (size_t i = 0; i < named; i++)
		if (by[i]->map != p->id_map || table_lookup(amt, by[i]->address) != by[i]->entry)
			return -1;
	size_t *naming = xmalloc((named ? named : 1) * sizeof *naming);
	for (size_t i = 0; i < named; i++)
		naming[i] = (size_t)(by[i] - w->aliases);
	size_t gone = (size_t)(((uintptr_t)p->entry - (uintptr_t)p->base) / sizeof *p->entry);
	rename_follow(w, p, gone, (size_t)(e - table_entry(t, 0)));
	size_t ndom = (size_t)(nd - w->domains);
	/* the old mailbox out of its domain's range */
	size_t at = p->mailbox;
	const char *okey = ob->address;   /* the table's string */
	worldpatch_targets_to(w, w->mailboxes, w->nmailboxes, w->mailboxes, at, true);
	memmove(&w->mailboxes[at], &w->mailboxes[at + 1], (w->nmailboxes - at - 1) * sizeof *w->mailboxes);
	w->nmailboxes--;
	w->domains[p->domain].nmailboxes--;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_mb_first[i]--;
	worldpatch_index(&w->mb_idx, w->mailboxes, w->nmailboxes, sizeof *w->mailboxes,
			 offsetof(struct mailbox, address), at, okey, false);
	/* the new one into its own, as load_mailboxes makes it */
	struct mailbox b = worldpatch_box_of(w, p, e, (size_t)(sign - e->lookup_key));
	b.pw_unknown = w->pw_unknown;
	struct domain *dom = &w->domains[ndom];
	size_t pos = worldpatch_slot(w->mailboxes, sizeof *w->mailboxes, offsetof(struct mailbox, local),
				     w->dom_mb_first[ndom], dom->nmailboxes, b.local);
	struct mailbox *old = w->mailboxes, *now = xmalloc((w->nmailboxes + 1) * sizeof *now);
	memcpy(now, old, pos * sizeof *now);
	now[pos] = b;
	memcpy(now + pos + 1, old + pos, (w->nmailboxes - pos) * sizeof *now);
	worldpatch_targets_to(w, old, w->nmailboxes, now, pos, false);
	free(old);
	w->mailboxes = now;
	w->mailboxes_cap = 0;   /* no room known past n (worldpatch_grow) */
	w->nmailboxes++;
	dom->nmailboxes++;
	for (size_t i = ndom + 1; i < w->ndomains; i++)
		w->dom_mb_first[i]++;
	worldpatch_index(&w->mb_idx, w->mailboxes, w->nmailboxes, sizeof *w->mailboxes,
			 offsetof(struct mailbox, address), pos, b.address, true);
	/* no alias has its address, no catch-all of the alias map in its
	 * domain swallows it (the prepare's conditions); the aliases that
	 * named the old one name it */
	int rc = 0;
	for (size_t i = 0; i < named && rc == 0; i++) {
		const struct alias *a = &w->aliases[naming[i]];
		struct worldpatch q = { .ready = true, .kind = WORLDPATCH_TARGETS, .alias = naming[i],
					.map = a->map, .entry = a->entry, .nlines = a->entry->nlines,
					.line = a->line };
		rc = worldpatch_targets(w, &q);
	}
	free(naming);
	return rc;
}
