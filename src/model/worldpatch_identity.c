/* The staged world updated in place after a catch-all of the alias map set
 * or cleared together with the identity entries of its domain's mailboxes
 * (issue 16; apply_catchall_set gives every mailbox without an alias entry
 * one, "box@d box@d", so that the catch-all cannot swallow it;
 * apply_catchall_remove takes them out again), or replaced there by
 * another (both: the identity entries out and in). One edit of one map, of
 * many keys: the map's entries are followed by position (the entries kept,
 * in their order, are the ones it had), the new aliases go into the
 * domain's range in one pass, the index of addresses and the reverse index
 * follow them (the aliases removed taken out, the others renumbered, the
 * new ones put in: at 100,000 aliases, making both again was most of the
 * staging), the catch-alls and the domain's targets are made again once.
 * What worldpatch.c does for one alias, for all of them at once; anything
 * it cannot follow
 * (a key removed twice, an entry of two lines) is left to world_rebuild.
 * test_stageworld compares the world with a full load after each. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* The entries of p's map kept by the edit: old position i is new position
 * pos[i] (the aliases of the map pointed at i), their lines too. */
static void identity_follow(struct world *w, const struct worldpatch *p, const size_t *pos)
{
	const struct table *t = p->map->table;
	for (size_t i = 0; i < w->naliases; i++) {
		struct alias *a = &w->aliases[i];
		if (a->map != p->map || !a->entry)
			continue;
		size_t old = (size_t)(((uintptr_t)a->entry - (uintptr_t)p->base) / sizeof *a->entry);
		if (old >= p->count || pos[old] == SIZE_MAX)
			continue;   /* removed: its alias goes too */
		a->entry = table_entry(t, pos[old]);
		a->line = a->entry->line;
	}
}

/* An alias pointer into the array before (old, n elements) into the one
 * after (now), through where[] (SIZE_MAX: removed). */
static const struct alias *identity_moved(const struct alias *x, const struct alias *old, size_t n,
					  const struct alias *now, const size_t *where)
{
	if (!x || x < old || x >= old + n)
		return x;
	size_t i = where[x - old];
	return i == SIZE_MAX ? NULL : &now[i];
}

/* The aliases going (gone[]) out of the index of addresses and out of
 * the lists of the reverse index, while the array is as it was; false
 * when one is not in the index (the index is then made again). */
static bool identity_unindex(struct world *w, const bool *gone)
{
	bool ok = true;
	for (size_t i = 0; i < w->naliases; i++) {
		if (!gone[i])
			continue;
		const struct alias *a = &w->aliases[i];
		ok &= index_drop_at(&w->al_idx, i, strmap_hash(a->address));
		for (size_t k = 0; k < a->ntargets; k++) {
			size_t id = index_find(&w->rev_idx, a->targets[k].address, strmap_hash(a->targets[k].address));
			if (!id--)
				continue;
			const struct alias **v = &w->rev_list[w->rev_first[id]];
			size_t j = 0;
			for (size_t x = 0; x < w->rev_n[id]; x++)
				if (v[x] != a)
					v[j++] = v[x];
			w->rev_n[id] = j;
		}
	}
	return ok;
}

/* Every alias pointer of the world into the new array, the old one freed;
 * the index of addresses renumbered (indexed: the removed ones are out of
 * it), else made again; the new aliases (at[0..nat)) go in by the caller. */
static void identity_install(struct world *w, struct alias *now, size_t n, const size_t *where, bool indexed)
{
	struct alias *old = w->aliases;
	size_t was = w->naliases;
	for (size_t i = 0; i < w->nmailboxes; i++)
		w->mailboxes[i].alias = identity_moved(w->mailboxes[i].alias, old, was, now, where);
	for (size_t i = 0; i < n; i++) {
		struct alias_target *t = (struct alias_target *)(uintptr_t)now[i].targets;
		for (size_t k = 0; k < now[i].ntargets; k++)
			t[k].alias = identity_moved(t[k].alias, old, was, now, where);
	}
	/* the lists of the reverse index, the room between them too */
	for (size_t i = 0; i < w->rev_first[w->rev_nid]; i++)
		w->rev_list[i] = identity_moved(w->rev_list[i], old, was, now, where);
	free(old);
	w->aliases = now;
	w->aliases_cap = 0;   /* no room known past n (worldpatch_grow) */
	w->naliases = n;
	if (indexed) {
		index_renumber(&w->al_idx, w->aliases, where);
		return;
	}
	index_free(&w->al_idx);
	index_build(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases, offsetof(struct alias, address),
		    NULL, NULL);
}

/* The new aliases (at[0..n)) in the index of addresses (unless it was
 * made again with them) and the reverse index. */
static void identity_index(struct world *w, const size_t *at, size_t n, bool indexed)
{
	const struct alias **as = xmalloc((n ? n : 1) * sizeof *as);
	for (size_t i = 0; i < n; i++) {
		as[i] = &w->aliases[at[i]];
		if (indexed && !index_put_at(&w->al_idx, at[i], strmap_hash(as[i]->address))) {
			index_free(&w->al_idx);
			index_build(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases,
				    offsetof(struct alias, address), NULL, NULL);
			indexed = false;
		}
	}
	index_reverse_add_many(w, as, n);
	free(as);
}

/* The alias of entry e of p's map, as load makes it (its targets split,
 * not classified yet). */
static struct alias identity_alias(struct world *w, const struct worldpatch *p, const struct table_entry *e,
				   const char *file)
{
	struct alias a = { .address = e->lookup_key, .value = e->value, .map = p->map, .entry = e,
			   .line = e->line, .file = file };
	const char *sign = strrchr(a.address, '@');
	a.local = arena_memdup0(&w->arena, a.address, (size_t)(sign - a.address));
	a.domain = sign + 1;
	a.is_catchall = sign == a.address;
	struct alias_target *v = NULL;
	size_t n = 0, cap = 0;
	a.ntargets = load_split_targets(&w->arena, e->value, &v, &n, &cap);
	struct alias_target *own = arena_alloc(&w->arena, (a.ntargets ? a.ntargets : 1) * sizeof *own, 0);
	memcpy(own, v, a.ntargets * sizeof *own);
	free(v);
	for (size_t i = 0; i < a.ntargets; i++)
		a.is_identity |= strcmp(own[i].address, a.address) == 0;
	a.targets = own;
	return a;
}

/* The aliases a removal takes (del): the catch-all (p->alias) and the
 * identity entries of its domain's mailboxes (apply_catchall_remove's
 * test), all in p's map; their number, or SIZE_MAX. */
static size_t identity_gone(const struct world *w, const struct worldpatch *p, bool *gone)
{
	const struct domain *dom = &w->domains[p->domain];
	size_t f = w->dom_al_first[p->domain], nid = 0;
	gone[p->alias] = true;
	for (size_t i = f; i < f + dom->naliases; i++) {
		const struct alias *a = &w->aliases[i];
		if (a->is_identity && a->ntargets == 1 && world_mailbox_find(w, a->address)) {
			if (a->map != p->map)
				return SIZE_MAX;
			gone[i] = true;
			nid++;
		}
	}
	return nid;
}

/* The entries an addition made (add): the catch-all's and one for each
 * mailbox of the domain without an alias entry left (none, or one the
 * removal took), each of one line; in ids/locals, in the mailboxes'
 * order. Their number, or SIZE_MAX. */
static size_t identity_added(const struct world *w, const struct worldpatch *p, const bool *gone,
			     bool *added, const struct table_entry **ce, const struct table_entry **ids,
			     const char **locals)
{
	const struct domain *dom = &w->domains[p->domain];
	const struct table *t = p->map->table;
	size_t nb, nid = 0;
	const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
	const struct table_entry *first = table_count(t) ? table_entry(t, 0) : NULL;
	char *ckey = xasprintf("@%s", dom->name);
	*ce = table_lookup(t, ckey);
	free(ckey);
	if (!*ce || (*ce)->nlines != 1)
		return SIZE_MAX;
	added[*ce - first] = true;
	for (size_t i = 0; i < nb; i++) {
		const struct alias *own = boxes[i].alias;
		if (own && !gone[own - w->aliases])
			continue;
		const struct table_entry *e = table_lookup(t, boxes[i].address);
		if (nid == p->identities || !e || e->nlines != 1 || added[e - first])
			return SIZE_MAX;
		added[e - first] = true;
		locals[nid] = boxes[i].local;
		ids[nid++] = e;
	}
	return nid;
}

/* The map's entries followed (old ones kept: not dropped, in order, are
 * the new ones not added), then the lines of the domains it lists: the
 * removed lines (latest first, in the old numbering), then the added ones
 * (first first, in the new). */
static void identity_entries(struct world *w, const struct worldpatch *p, const bool *gone, const bool *added)
{
	const struct table *t = p->map->table;
	size_t was = w->naliases, n = table_count(t), cap = p->count ? p->count : 1;
	bool *dropped = xcalloc(cap, sizeof *dropped);
	unsigned *lines = xmalloc((was ? was : 1) * sizeof *lines), *nl = xmalloc((was ? was : 1) * sizeof *nl);
	size_t nr = 0;
	for (size_t i = 0; i < was; i++)
		if (gone[i]) {
			dropped[(size_t)(((uintptr_t)w->aliases[i].entry - (uintptr_t)p->base) /
					 sizeof *w->aliases[i].entry)] = true;
			lines[nr] = w->aliases[i].line;
			nl[nr++] = i == p->alias ? (unsigned)p->nlines : 1;
		}
	size_t *pos = xmalloc(cap * sizeof *pos), k = 0;
	for (size_t i = 0; i < p->count; i++) {
		while (!dropped[i] && k < n && added[k])
			k++;
		pos[i] = dropped[i] ? SIZE_MAX : k++;
	}
	free(dropped);
	identity_follow(w, p, pos);
	free(pos);
	bool listed = p->map->roles & MAP_ALIAS_DOMAINS;
	for (size_t r = listed ? nr : 0; r-- > 0;) {   /* the latest left */
		size_t m = 0;
		for (size_t x = 1; x < nr; x++)
			if (lines[x] > lines[m])
				m = x;
		worldpatch_listings(w, p->map, lines[m] + 1, -(int)nl[m]);
		lines[m] = 0;
	}
	free(lines);
	free(nl);
	for (size_t i = 0; listed && i < n; i++)   /* in line order: each moves those after it */
		if (added[i])
			worldpatch_listings(w, p->map, table_entry(t, i)->line, 1);
}

/* The new array of total aliases: the kept ones in their order (old
 * position o at where[o], SIZE_MAX: gone), the new catch-all (add) first
 * in its domain (before its range), at idpos[in], the in identity entries
 * merged into the range by local part (the mailboxes' order), at
 * idpos[0..in). */
static struct alias *identity_merge(struct world *w, const struct worldpatch *p, const bool *gone,
				    const struct table_entry *ce, const struct table_entry *const *ids,
				    const char *const *locals, size_t in, bool add, size_t total, size_t *where,
				    size_t *idpos)
{
	const char *file = arena_strdup(&w->arena, p->map->ref.path ? p->map->ref.path : w->maincf_path);
	size_t was = w->naliases, f = w->dom_al_first[p->domain], cnt = w->domains[p->domain].naliases;
	struct alias *now = xmalloc((total ? total : 1) * sizeof *now);
	size_t o = 0, j = 0, q = 0;
	for (; o < was; o++) {
		if (o == f && add) {
			idpos[in] = j;
			now[j++] = identity_alias(w, p, ce, file);
		}
		if (o == f + cnt)
			break;
		while (o >= f && q < in && strcmp(locals[q], w->aliases[o].local) < 0) {
			idpos[q] = j;
			now[j++] = identity_alias(w, p, ids[q++], file);
		}
		where[o] = gone[o] ? SIZE_MAX : j;
		if (!gone[o])
			now[j++] = w->aliases[o];
	}
	if (add && f == was) {   /* the domain's range at the very end */
		idpos[in] = j;
		now[j++] = identity_alias(w, p, ce, file);
	}
	while (q < in) {
		idpos[q] = j;
		now[j++] = identity_alias(w, p, ids[q++], file);
	}
	for (; o < was; o++) {
		where[o] = gone[o] ? SIZE_MAX : j;
		if (!gone[o])
			now[j++] = w->aliases[o];
	}
	return now;
}

/* A catch-all of the alias map with its domain's identity entries removed
 * (del), added (add), or both (replaced): checked first, then the map's
 * entries followed, the aliases taken out and put in in one pass, the
 * indexes following them, the mailboxes' own aliases, the catch-alls and
 * the domain's targets made again. */
static int identity_swap(struct world *w, const struct worldpatch *p, bool del, bool add)
{
	struct domain *dom = &w->domains[p->domain];
	const struct table *t = p->map->table;
	size_t was = w->naliases, n = table_count(t);
	if (table_parses(t) != p->parses)
		return -1;
	bool *gone = xcalloc(was ? was : 1, sizeof *gone), *added = xcalloc(n ? n : 1, sizeof *added);
	const struct table_entry **ids = xmalloc((p->identities + 1) * sizeof *ids), *ce = NULL;
	const char **locals = xmalloc((p->identities + 1) * sizeof *locals);
	size_t out = del ? identity_gone(w, p, gone) : 0;
	size_t in = out != SIZE_MAX && add ? identity_added(w, p, gone, added, &ce, ids, locals) : 0;
	/* a removal alone: its keys are not there any more */
	bool ok = out != SIZE_MAX && in != SIZE_MAX && (!del || out == p->identities_gone) &&
		  (!add || in == p->identities) &&
		  n + (del ? 1 + out : 0) == p->count + (add ? 1 + in : 0);
	for (size_t i = 0; ok && del && !add && i < was; i++)
		ok = !gone[i] || !table_lookup(t, w->aliases[i].address);
	if (!ok) {
		free(gone);
		free(added);
		free(ids);
		free(locals);
		return -1;
	}
	identity_entries(w, p, gone, added);
	free(added);
	bool indexed = identity_unindex(w, gone);
	size_t total = was - (del ? 1 + out : 0) + (add ? 1 + in : 0);
	size_t *where = xmalloc((was ? was : 1) * sizeof *where), *idpos = xmalloc((in + 1) * sizeof *idpos);
	struct alias *now = identity_merge(w, p, gone, ce, ids, locals, in, add, total, where, idpos);
	free(gone);
	free(ids);
	free(locals);
	identity_install(w, now, total, where, indexed);
	free(where);
	identity_index(w, idpos, add ? in + 1 : 0, indexed);
	dom->naliases = dom->naliases + in - out;
	w->dom_al_first[p->domain] = w->dom_al_first[p->domain] + add - del;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_al_first[i] = w->dom_al_first[i] + (add ? 1 + in : 0) - (del ? 1 + out : 0);
	/* each mailbox has its identity entry (not swallowed) */
	for (size_t i = 0; i < in; i++) {
		struct mailbox *b = (struct mailbox *)(uintptr_t)world_mailbox_find(w, w->aliases[idpos[i]].address);
		if (b)
			b->alias = &w->aliases[idpos[i]];
	}
	worldpatch_catchalls_again(w, p->domain);
	/* the new aliases' targets (the catch-all's may be anywhere), then
	 * every target in the domain */
	for (size_t i = 0; add && i <= in; i++) {
		struct alias *a = &w->aliases[idpos[i]];
		struct alias_target *tv = (struct alias_target *)(uintptr_t)a->targets;
		for (size_t x = 0; x < a->ntargets; x++)
			classify_one(w, a, &tv[x]);
	}
	free(idpos);
	worldpatch_classify_domain(w, dom->name);
	return 0;
}

int worldpatch_identities_add(struct world *w, const struct worldpatch *p)
{
	return identity_swap(w, p, false, true);
}

int worldpatch_identities_del(struct world *w, const struct worldpatch *p)
{
	return identity_swap(w, p, true, false);
}

int worldpatch_catchall_replace(struct world *w, const struct worldpatch *p)
{
	return identity_swap(w, p, true, true);
}
