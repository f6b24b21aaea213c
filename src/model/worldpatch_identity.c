/* The staged world updated in place after a catch-all of the alias map set
 * or cleared together with the identity entries of its domain's mailboxes
 * (issue 16; apply_catchall_set gives every mailbox without an alias entry
 * one, "box@d box@d", so that the catch-all cannot swallow it;
 * apply_catchall_remove takes them out again). One edit of one map, of
 * many keys: the map's entries are followed by position (the entries kept,
 * in their order, are the ones it had), the new aliases go into the
 * domain's range in one pass and the index, the catch-alls, the reverse
 * index and the domain's targets are made again once. What worldpatch.c
 * does for one alias, for all of them at once; anything it cannot follow
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

/* Every alias pointer of the world into the new array, the old one freed;
 * the catch-alls, the domain's mailboxes and targets made again. */
static void identity_install(struct world *w, const struct worldpatch *p, struct alias *now, size_t n,
			     const size_t *where)
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
	free(old);
	w->aliases = now;
	w->aliases_cap = 0;   /* no room known past n (worldpatch_grow) */
	w->naliases = n;
	index_free(&w->al_idx);
	index_build(&w->al_idx, w->aliases, w->naliases, sizeof *w->aliases, offsetof(struct alias, address),
		    NULL, NULL);
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

int worldpatch_identities_add(struct world *w, const struct worldpatch *p)
{
	struct domain *dom = &w->domains[p->domain];
	const struct table *t = p->map->table;
	size_t nb, n = table_count(t);
	const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
	if (table_parses(t) != p->parses || n != p->count + 1 + p->identities)
		return -1;
	/* the new entries: the catch-all's and one per mailbox without an
	 * alias, each one line */
	char *ckey = xasprintf("@%s", dom->name);
	const struct table_entry *ce = table_lookup(t, ckey), *first = n ? table_entry(t, 0) : NULL;
	free(ckey);
	bool *added = xcalloc(n ? n : 1, sizeof *added);
	const struct table_entry **ids = xmalloc((p->identities + 1) * sizeof *ids);
	const char **locals = xmalloc((p->identities + 1) * sizeof *locals);
	size_t nid = 0;
	bool ok = ce && ce->nlines == 1;
	if (ok)
		added[ce - first] = true;
	for (size_t i = 0; ok && i < nb; i++) {
		if (boxes[i].alias)
			continue;
		const struct table_entry *e = table_lookup(t, boxes[i].address);
		ok = nid < p->identities && e && e->nlines == 1 && !added[e - first];
		if (ok) {
			added[e - first] = true;
			locals[nid] = boxes[i].local;
			ids[nid++] = e;
		}
	}
	if (!ok || nid != p->identities) {
		free(added);
		free(ids);
		free(locals);
		return -1;
	}
	size_t *pos = xmalloc((p->count ? p->count : 1) * sizeof *pos), k = 0;
	for (size_t i = 0; i < n; i++)
		if (!added[i])
			pos[k++] = i;
	identity_follow(w, p, pos);
	free(pos);
	for (size_t i = 0; i < n; i++)   /* in line order: each moves those after it */
		if (added[i])
			worldpatch_listings(w, p->map, table_entry(t, i)->line, 1);
	free(added);
	/* the catch-all first in its domain, before its range; the identity
	 * entries merged into the range by local part (the mailboxes' order) */
	const char *file = arena_strdup(&w->arena, p->map->ref.path ? p->map->ref.path : w->maincf_path);
	size_t was = w->naliases, f = w->dom_al_first[p->domain], cnt = dom->naliases;
	size_t total = was + 1 + nid;
	struct alias *now = xmalloc(total * sizeof *now);
	size_t *where = xmalloc((was ? was : 1) * sizeof *where), o = 0, j = 0, q = 0;
	for (; o < f; o++, j++) {
		now[j] = w->aliases[o];
		where[o] = j;
	}
	now[j++] = identity_alias(w, p, ce, file);
	size_t *idpos = xmalloc((nid ? nid : 1) * sizeof *idpos);
	while (o < f + cnt || q < nid) {
		bool theirs = q < nid && (o >= f + cnt || strcmp(locals[q], w->aliases[o].local) < 0);
		if (theirs) {
			idpos[q] = j;
			now[j++] = identity_alias(w, p, ids[q++], file);
		} else {
			now[j] = w->aliases[o];
			where[o++] = j++;
		}
	}
	for (; o < was; o++, j++) {
		now[j] = w->aliases[o];
		where[o] = j;
	}
	identity_install(w, p, now, total, where);
	free(where);
	free(locals);
	free(ids);
	dom->naliases += nid;
	w->dom_al_first[p->domain]++;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_al_first[i] += 1 + nid;
	/* each mailbox has its identity entry (not swallowed) */
	for (size_t i = 0; i < nid; i++) {
		struct mailbox *b = (struct mailbox *)(uintptr_t)world_mailbox_find(w, w->aliases[idpos[i]].address);
		if (b)
			b->alias = &w->aliases[idpos[i]];
	}
	worldpatch_catchalls_again(w, p->domain);
	/* the new aliases' targets (the catch-all's may be anywhere), then
	 * every target in the domain */
	for (size_t i = 0; i <= nid; i++) {
		struct alias *a = &w->aliases[i < nid ? idpos[i] : f];
		struct alias_target *tv = (struct alias_target *)(uintptr_t)a->targets;
		for (size_t x = 0; x < a->ntargets; x++)
			classify_one(w, a, &tv[x]);
	}
	free(idpos);
	worldpatch_reverse_again(w);
	worldpatch_classify_domain(w, dom->name);
	return 0;
}

int worldpatch_identities_del(struct world *w, const struct worldpatch *p)
{
	struct domain *dom = &w->domains[p->domain];
	const struct table *t = p->map->table;
	size_t was = w->naliases, f = w->dom_al_first[p->domain], cnt = dom->naliases;
	if (table_parses(t) != p->parses || table_count(t) + 1 + p->identities != p->count ||
	    table_lookup(t, w->aliases[p->alias].address))
		return -1;
	/* the aliases that go: the catch-all and the identity entries of
	 * mailboxes (apply_catchall_remove's test), none of them left */
	bool *gone = xcalloc(was, sizeof *gone);
	gone[p->alias] = true;
	size_t nid = 0;
	for (size_t i = f; i < f + cnt; i++) {
		const struct alias *a = &w->aliases[i];
		if (a->is_identity && a->ntargets == 1 && world_mailbox_find(w, a->address)) {
			if (a->map != p->map || table_lookup(t, a->address))
				break;
			gone[i] = true;
			nid++;
		}
	}
	if (nid != p->identities) {
		free(gone);
		return -1;
	}
	/* the map's entries: the removed ones' old positions, the others
	 * one down for each removed before them */
	bool *dropped = xcalloc(p->count ? p->count : 1, sizeof *dropped);
	for (size_t i = 0; i < was; i++)
		if (gone[i])
			dropped[(size_t)(((uintptr_t)w->aliases[i].entry - (uintptr_t)p->base) /
					 sizeof *w->aliases[i].entry)] = true;
	size_t *pos = xmalloc((p->count ? p->count : 1) * sizeof *pos), k = 0;
	for (size_t i = 0; i < p->count; i++)
		pos[i] = dropped[i] ? SIZE_MAX : k++;
	free(dropped);
	identity_follow(w, p, pos);
	free(pos);
	/* the lines after each removed one moved up, the last first (each
	 * removed alias's line is still the old one) */
	unsigned *lines = xmalloc((nid + 1) * sizeof *lines), *nl = xmalloc((nid + 1) * sizeof *nl);
	size_t nr = 0;
	for (size_t i = 0; i < was; i++)
		if (gone[i]) {
			lines[nr] = w->aliases[i].line;
			nl[nr++] = i == p->alias ? (unsigned)p->nlines : 1;
		}
	for (size_t r = (p->map->roles & MAP_ALIAS_DOMAINS) ? nr : 0; r-- > 0;) {   /* the latest left */
		size_t m = 0;
		for (size_t x = 1; x < nr; x++)
			if (lines[x] > lines[m])
				m = x;
		worldpatch_listings(w, p->map, lines[m] + 1, -(int)nl[m]);
		lines[m] = 0;
	}
	free(lines);
	free(nl);
	const char *name = dom->name;
	struct alias *now = xmalloc((was ? was : 1) * sizeof *now);
	size_t *where = xmalloc((was ? was : 1) * sizeof *where), j = 0;
	for (size_t i = 0; i < was; i++) {
		where[i] = gone[i] ? SIZE_MAX : j;
		if (!gone[i])
			now[j++] = w->aliases[i];
	}
	free(gone);
	identity_install(w, p, now, j, where);
	free(where);
	dom->naliases -= nid;
	w->dom_al_first[p->domain]--;
	for (size_t i = p->domain + 1; i < w->ndomains; i++)
		w->dom_al_first[i] -= 1 + nid;
	worldpatch_catchalls_again(w, p->domain);
	worldpatch_reverse_again(w);
	worldpatch_classify_domain(w, name);
	return 0;
}
