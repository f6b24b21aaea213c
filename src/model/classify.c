/* Postfix's class rules, shared by the model and the tracer: the class a
 * domain gets (resolve.c's order), which table keys name domains, and how
 * mail to an alias target is delivered (virtual(5), virtual(8), local(8)). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

enum domain_class classify_effective(unsigned classes)
{
	if (classes & DOMAIN_LOCAL)
		return DOMAIN_LOCAL;
	if (classes & DOMAIN_VIRTUAL_ALIAS)
		return DOMAIN_VIRTUAL_ALIAS;
	if (classes & DOMAIN_VIRTUAL_MAILBOX)
		return DOMAIN_VIRTUAL_MAILBOX;
	return DOMAIN_OTHER;
}

bool classify_key_is_domain(const char *key, bool address_map)
{
	if (*key == '\0' || strchr(key, '@'))
		return false;
	return !address_map || strchr(key, '.') != NULL;
}

const char *classify_param(unsigned cls)
{
	return cls == DOMAIN_LOCAL ? "mydestination"
	       : cls == DOMAIN_VIRTUAL_ALIAS ? "virtual_alias_domains"
	       : cls == DOMAIN_VIRTUAL_MAILBOX ? "virtual_mailbox_domains" : "";
}

/* Names without a dot are not listed from address maps (they look like
 * local parts there), but Postfix would still match them as keys of a
 * domain table. */
unsigned classify_table_classes(const struct world *w, const char *folded)
{
	unsigned mask = 0;
	if (strchr(folded, '.') || strchr(folded, '@'))
		return 0;
	for (size_t i = 0; i < w->maps.n; i++) {
		const struct world_map *m = w->maps.v[i];
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

/* How mail to one target is delivered: a local name goes to local(8); an
 * alias is expanded again unless it is an identity entry; a catch-all in
 * the alias map is tried before the mailbox lookup. */
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
		const struct alias *a = mb ? mb->alias : index_get(&w->al_idx, addr);
		if (a) {
			t->class = TARGET_ALIAS;
			t->alias = a;
			return;
		}
	}
	const char *domain = at + 1;
	/* mbdom: mb's domain, known by rank (no lookup for most targets) */
	const struct domain *dom = mb ? mbdom : index_get(&w->dom_idx, domain);
	switch (classify_effective((dom ? dom->classes : 0) | classify_table_classes(w, domain))) {
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
void classify_targets(struct world *w, const uint32_t *mb_rank)
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
		index_find_many(&w->mb_idx, keys, hs, m, mb);
		for (size_t k = 0; k < m; k++)
			if (keys[k])
				classify_target(w, &w->aliases[owner[b + k]], &w->targets[b + k],
						mb[k] ? &w->mailboxes[mb[k] - 1] : NULL,
						mb[k] && mb_rank[mb[k] - 1] ?
						&w->domains[mb_rank[mb[k] - 1] - 1] : NULL);
	}
	free(owner);
}

void classify_one(struct world *w, const struct alias *owner, struct alias_target *t)
{
	const struct mailbox *mb = index_get(&w->mb_idx, t->address);
	t->mailbox = NULL;
	t->alias = NULL;
	classify_target(w, owner, t, mb, mb ? index_get(&w->dom_idx, mb->domain) : NULL);
}
