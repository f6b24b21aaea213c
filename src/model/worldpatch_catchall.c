/* The staged world updated in place after a catch-all set or cleared
 * (issue 16), as worldpatch.c does for the other common edits: the line
 * "@domain ..." added to or removed from the mailbox map, or the alias map
 * (catchall_form identity, a target that is no local maildir), where the
 * identity entries of the domain's mailboxes go with it
 * (worldpatch_identity.c). Besides the entry itself, a catch-all changes
 * the domain's catch-all pointers, whether its mailboxes are swallowed and
 * how every target in the domain is delivered: those are made again for
 * that domain (its targets) and the world (the few catch-alls). Anything
 * else (a catch-all replaced from one map into the other, an alias
 * domain's line following) is two edits, left to world_rebuild; one of the
 * alias map replaced there is followed as one swap (worldpatch_identity.c).
 * test_stageworld compares the world with a full load after each. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

bool worldpatch_absent(const struct world *w, const struct world_map *m, const char *key)
{
	for (size_t i = 0; i < w->maps.n; i++) {
		const struct world_map *o = w->maps.v[i];
		if (o != m && (o->table == m->table ||
			       ((o->roles & MAP_VIRTUAL_ALIAS) && (!o->table || table_lookup(o->table, key)))))
			return false;
	}
	return true;
}

void worldpatch_catchalls_again(struct world *w, size_t dom)
{
	for (size_t i = 0; i < w->ndomains; i++) {
		w->domains[i].catchall_alias = NULL;
		w->domains[i].catchall_mailbox = NULL;
	}
	free(w->catchalls);
	w->catchalls = NULL;
	w->ncatchalls = 0;
	index_catchalls(w);
	const struct domain *d = &w->domains[dom];
	for (size_t i = w->dom_mb_first[dom]; i < w->dom_mb_first[dom] + d->nmailboxes; i++)
		w->mailboxes[i].swallowed = !w->mailboxes[i].alias && d->catchall_alias;
}

/* Through the reverse index: the domain's target addresses, then the
 * aliases naming each (issue 16: every target of the world was looked at,
 * most of a catch-all staged at 100,000 aliases). */
void worldpatch_classify_domain(struct world *w, const char *domain)
{
	size_t *ids, n = index_reverse_in_domain(w, domain, &ids);
	for (size_t j = 0; j < n; j++) {
		const char *address = w->rev_keys[ids[j]];
		const struct alias *const *by = w->rev_list + w->rev_first[ids[j]];
		for (size_t i = 0; i < w->rev_n[ids[j]]; i++) {
			struct alias_target *t = (struct alias_target *)(uintptr_t)by[i]->targets;
			for (size_t k = 0; k < by[i]->ntargets; k++)
				if (strcmp(t[k].address, address) == 0)
					classify_one(w, by[i], &t[k]);
		}
	}
	free(ids);
}

/* The domain name of a catch-all edit when the world can follow it: listed,
 * no catch-all in a map the edit does not touch (except: NULL). */
static const struct domain *worldpatch_catchall_domain(const struct world *w, const char *name)
{
	const struct domain *dom = world_domain_find(w, name);
	return dom && dom->nlistings > 0 && strchr(dom->name, '.') ? dom : NULL;
}

/* A catch-all of the alias map replaced by another there (m, the map a
 * new one goes to): the old one and its identity entries removed
 * (worldpatch_catchall_clear_prepare), the new one and the identity
 * entries of the mailboxes left without an alias entry added. */
static bool worldpatch_catchall_replace_prepare(const struct world *w, const struct domain *dom,
						const struct world_map *m, struct worldpatch *p)
{
	if (!worldpatch_catchall_clear_prepare(w, dom->name, p) || p->kind != WORLDPATCH_ALIAS_DEL ||
	    p->map != m) {
		memset(p, 0, sizeof *p);
		return false;
	}
	size_t nb, ids = 0;
	const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
	for (size_t i = 0; (dom->classes & DOMAIN_VIRTUAL_MAILBOX) && i < nb; i++) {
		const struct alias *own = boxes[i].alias;
		if (own && !(own->is_identity && own->ntargets == 1))
			continue;
		if (!worldpatch_absent(w, m, boxes[i].address)) {
			memset(p, 0, sizeof *p);
			return false;
		}
		ids++;
	}
	p->kind = WORLDPATCH_CATCHALL_REPLACE;
	p->identities = ids;
	return true;
}

bool worldpatch_catchall_set_prepare(const struct world *w, const char *name, bool in_mailbox_map,
				     struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct domain *dom = worldpatch_catchall_domain(w, name);
	/* one it has already is removed first: followed as one swap when
	 * both are in the alias map (worldpatch_identity.c), else two edits */
	if (!dom || dom->catchall_mailbox || (dom->catchall_alias && in_mailbox_map))
		return false;
	enum map_role role = in_mailbox_map ? MAP_VIRTUAL_MAILBOX : MAP_VIRTUAL_ALIAS;
	const struct world_map *m = world_map_for(w, role);
	if (!m || !m->table || !worldpatch_roles(m, role) || table_syntax(m->table) != TABLE_INDEXED)
		return false;
	if (dom->catchall_alias)
		return worldpatch_catchall_replace_prepare(w, dom, m, p);
	/* in the alias map, a mailbox without an alias entry gets an identity
	 * entry in that map (apply_catchall_set): a new key there, in no
	 * other alias map (worldpatch_identity.c) */
	size_t nb, ids = 0;
	const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
	for (size_t i = 0; !in_mailbox_map && (dom->classes & DOMAIN_VIRTUAL_MAILBOX) && i < nb; i++)
		if (!boxes[i].alias) {
			if (!worldpatch_absent(w, m, boxes[i].address))
				return false;
			ids++;
		}
	char *key = xasprintf("@%s", dom->name);
	bool alone = worldpatch_alone(w, m, key, role, 0);
	free(key);
	if (!alone)
		return false;
	p->kind = in_mailbox_map ? WORLDPATCH_CATCHALL_BOX_ADD : WORLDPATCH_ALIAS_ADD;
	p->catchall = !in_mailbox_map;
	p->domain = (size_t)(dom - world_domains(w, &nb));
	worldpatch_ready_add(p, dom->name, m);
	p->identities = ids;
	return true;
}

bool worldpatch_catchall_clear_prepare(const struct world *w, const char *name, struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct domain *dom = worldpatch_catchall_domain(w, name);
	if (!dom || (dom->catchall_alias != NULL) == (dom->catchall_mailbox != NULL))
		return false;
	size_t n;
	p->domain = (size_t)(dom - world_domains(w, &n));
	if (dom->catchall_mailbox) {
		const struct mailbox *cb = dom->catchall_mailbox->mailbox;
		if (!cb->map || !cb->map->table || !cb->entry || cb->map->roles != MAP_VIRTUAL_MAILBOX ||
		    !worldpatch_alone(w, cb->map, cb->address, MAP_VIRTUAL_MAILBOX, 1))
			return false;
		p->kind = WORLDPATCH_CATCHALL_BOX_DEL;
		p->mailbox = (size_t)(cb - w->catchall_boxes);
		p->map = cb->map;
		p->entry = cb->entry;
		p->nlines = cb->entry->nlines;
		p->line = cb->line;
	} else {
		const struct alias *a = dom->catchall_alias->alias;
		if (!a->map || !a->map->table || !a->entry || !worldpatch_roles(a->map, MAP_VIRTUAL_ALIAS) ||
		    !worldpatch_alone(w, a->map, a->address, MAP_VIRTUAL_ALIAS, 1))
			return false;
		/* the identity entries of its mailboxes go with it
		 * (apply_catchall_remove): keys of one line in its map alone
		 * (a duplicate removed too is seen after the edit: the count) */
		const struct alias *al = world_domain_aliases(w, dom, &n);
		for (size_t i = 0; i < n; i++)
			if (al[i].is_identity && al[i].ntargets == 1 && world_mailbox_find(w, al[i].address)) {
				if (al[i].map != a->map || !al[i].entry || al[i].entry->nlines != 1 ||
				    !worldpatch_absent(w, a->map, al[i].address))
					return false;
				p->identities_gone++;
			}
		p->base = table_count(a->map->table) ? table_entry(a->map->table, 0) : NULL;
		p->kind = WORLDPATCH_ALIAS_DEL;
		p->catchall = true;
		p->alias = (size_t)(a - w->aliases);
		p->map = a->map;
		p->entry = a->entry;
		p->nlines = a->entry->nlines;
		p->line = a->line;
	}
	p->address = dom->name;
	p->count = table_count(p->map->table);
	p->parses = table_parses(p->map->table);
	p->ready = true;
	return true;
}

/* The catch-all pseudo mailboxes after one was inserted or removed at pos:
 * their index follows; then the catch-alls, the domain's targets. */
static void worldpatch_catchall_boxes(struct world *w, const struct worldpatch *p, size_t pos,
				      const char *key, bool added)
{
	worldpatch_index(&w->cb_idx, w->catchall_boxes, w->ncatchall_boxes, sizeof *w->catchall_boxes,
			 offsetof(struct mailbox, address), pos, key, added);
	worldpatch_catchalls_again(w, p->domain);
	worldpatch_classify_domain(w, w->domains[p->domain].name);
}

int worldpatch_catchall_box_add(struct world *w, const struct worldpatch *p)
{
	char *key = xasprintf("@%s", p->address);
	size_t at;
	const struct table_entry *e = worldpatch_added(p, key, &at);
	free(key);
	if (!e)
		return -1;
	struct mailbox b = worldpatch_added_box(w, p, e, at, 0);   /* key "@domain" */
	/* in domain order (the domains' is their names') */
	size_t pos = 0, n = w->ncatchall_boxes;
	while (pos < n && strcmp(w->catchall_boxes[pos].domain, b.domain) < 0)
		pos++;
	struct mailbox *now = xmalloc((n + 1) * sizeof *now);
	memcpy(now, w->catchall_boxes, pos * sizeof *now);
	now[pos] = b;
	memcpy(now + pos + 1, w->catchall_boxes + pos, (n - pos) * sizeof *now);
	free(w->catchall_boxes);
	w->catchall_boxes = now;
	w->ncatchall_boxes++;
	worldpatch_catchall_boxes(w, p, pos, b.address, true);
	return 0;
}

int worldpatch_catchall_box_del(struct world *w, const struct worldpatch *p)
{
	const struct table *t = p->map->table;
	size_t gone = p->mailbox;
	const char *key = w->catchall_boxes[gone].address;   /* the table's string */
	if (table_parses(t) != p->parses || table_count(t) != p->count - 1 || table_lookup(t, key))
		return -1;
	/* the entries after the removed one moved up, in its file too */
	struct mailbox *v[2] = { w->mailboxes, w->catchall_boxes };
	size_t nv[2] = { w->nmailboxes, w->ncatchall_boxes };
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < nv[k]; i++) {
			struct mailbox *b = &v[k][i];
			if ((k == 1 && i == gone) || b->map != p->map || b->entry < p->entry)
				continue;
			b->entry--;
			b->line -= (unsigned)p->nlines;
		}
	memmove(&w->catchall_boxes[gone], &w->catchall_boxes[gone + 1],
		(w->ncatchall_boxes - gone - 1) * sizeof *w->catchall_boxes);
	w->ncatchall_boxes--;
	worldpatch_catchall_boxes(w, p, gone, key, false);
	return 0;
}
