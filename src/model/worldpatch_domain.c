/* The staged world updated in place after a domain added to or removed
 * from the mailbox domain list (issue 16), as worldpatch.c does for the
 * other common edits: a table or a /file/name list that serves that list
 * alone. The world keeps no pointer into such a map's entries (a
 * domain's listings are copies), so a list file parsed again after the
 * edit (table.c edits a list so) changes nothing but the new or removed
 * name's line and the lines after it. The domain goes into or out of the
 * sorted domains, their ranges and index; the targets in it are
 * classified again. A domain removed has nothing left in it (no mailbox,
 * alias or catch-all: domain del without --cascade, or with nothing to
 * cascade) and one listing, in that map. test_stageworld compares the
 * world with a full load after each. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

bool worldpatch_domain_add_prepare(const struct world *w, const char *name, struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct world_map *m = world_map_for(w, MAP_MAILBOX_DOMAINS);
	/* a name without a dot is matched apart (classify_table_classes) */
	if (!strchr(name, '.') || strchr(name, '@') || world_domain_find(w, name) || !m || !m->table ||
	    m->roles != MAP_MAILBOX_DOMAINS || table_syntax(m->table) == TABLE_REGEXP ||
	    !worldpatch_alone(w, m, name, MAP_MAILBOX_DOMAINS | MAP_ALIAS_DOMAINS | MAP_MYDESTINATION, 0))
		return false;
	p->kind = WORLDPATCH_DOMAIN_ADD;
	worldpatch_ready_add(p, name, m);
	return true;
}

int worldpatch_domain_add(struct world *w, const struct worldpatch *p)
{
	size_t at;
	const struct table_entry *e = worldpatch_added(p, p->address, &at);
	if (!e)
		return -1;
	/* the list item and file of the map, as another domain of it has them */
	const char *file = p->map->ref.path ? p->map->ref.path : w->maincf_path;
	const struct domain_listing *like = NULL;
	for (size_t i = 0; i < w->ndomains && !like; i++)
		for (size_t k = 0; k < w->domains[i].nlistings && !like; k++) {
			const struct domain_listing *l = &w->domains[i].listings[k];
			if (l->class == DOMAIN_VIRTUAL_MAILBOX && l->file && strcmp(l->file, file) == 0)
				like = l;
		}
	if (!like)
		return -1;
	/* the lines after the new one in that file moved down */
	for (size_t i = 0; i < w->ndomains; i++)
		for (size_t k = 0; k < w->domains[i].nlistings; k++) {
			struct domain_listing *l = (struct domain_listing *)(uintptr_t)&w->domains[i].listings[k];
			if (l->file && strcmp(l->file, file) == 0 && l->line >= e->line)
				l->line++;
		}
	struct domain_listing *l = arena_alloc(&w->arena, sizeof *l, 0);
	*l = (struct domain_listing){ DOMAIN_VIRTUAL_MAILBOX, like->via, like->file, e->line };
	struct domain dom = { .name = arena_fold(&w->arena, e->lookup_key, strlen(e->lookup_key)),
			      .classes = DOMAIN_VIRTUAL_MAILBOX, .class = DOMAIN_VIRTUAL_MAILBOX,
			      .listings = l, .nlistings = 1 };
	size_t n = w->ndomains, pos = 0;
	while (pos < n && strcmp(w->domains[pos].name, dom.name) < 0)
		pos++;
	/* its (empty) ranges start where the next domain's do, before that
	 * domain's catch-alls for the aliases */
	size_t mb_first = pos < n ? w->dom_mb_first[pos] : w->nmailboxes;
	size_t al_first = pos < n ? w->dom_al_first[pos] : w->naliases;
	while (pos < n && al_first > 0 && w->aliases[al_first - 1].is_catchall &&
	       strcmp(w->aliases[al_first - 1].domain, w->domains[pos].name) == 0)
		al_first--;
	struct domain *dv = xmalloc((n + 1) * sizeof *dv);
	size_t *mf = xmalloc((n + 1) * sizeof *mf), *af = xmalloc((n + 1) * sizeof *af);
	memcpy(dv, w->domains, pos * sizeof *dv);
	memcpy(mf, w->dom_mb_first, pos * sizeof *mf);
	memcpy(af, w->dom_al_first, pos * sizeof *af);
	dv[pos] = dom;
	mf[pos] = mb_first;
	af[pos] = al_first;
	memcpy(dv + pos + 1, w->domains + pos, (n - pos) * sizeof *dv);
	memcpy(mf + pos + 1, w->dom_mb_first + pos, (n - pos) * sizeof *mf);
	memcpy(af + pos + 1, w->dom_al_first + pos, (n - pos) * sizeof *af);
	free(w->domains);
	free(w->dom_mb_first);
	free(w->dom_al_first);
	w->domains = dv;
	w->dom_mb_first = mf;
	w->dom_al_first = af;
	w->ndomains++;
	worldpatch_index(&w->dom_idx, w->domains, w->ndomains, sizeof *w->domains,
			 offsetof(struct domain, name), pos, dom.name, true);
	/* the targets in it were not hosted: classified again */
	for (size_t i = 0; i < w->naliases; i++) {
		struct alias_target *t = (struct alias_target *)(uintptr_t)w->aliases[i].targets;
		for (size_t k = 0; k < w->aliases[i].ntargets; k++) {
			const char *sign = strrchr(t[k].address, '@');
			if (sign && strcmp(sign + 1, dom.name) == 0)
				classify_one(w, &w->aliases[i], &t[k]);
		}
	}
	return 0;
}


/* The map whose file is path, in the mailbox domain list role alone. */
static const struct world_map *worldpatch_list_map(const struct world *w, const char *path)
{
	for (size_t i = 0; path && i < w->maps.n; i++) {
		const struct world_map *m = w->maps.v[i];
		if (m->ref.path && strcmp(m->ref.path, path) == 0)
			return m->table && m->roles == MAP_MAILBOX_DOMAINS &&
			       table_syntax(m->table) != TABLE_REGEXP ? m : NULL;
	}
	return NULL;
}

bool worldpatch_domain_del_prepare(const struct world *w, const char *name, struct worldpatch *p)
{
	memset(p, 0, sizeof *p);
	const struct domain *dom = world_domain_find(w, name);
	if (!dom || !strchr(dom->name, '.') || dom->nmailboxes || dom->naliases || dom->catchall_alias ||
	    dom->catchall_mailbox || dom->nlistings != 1 || dom->listings[0].class != DOMAIN_VIRTUAL_MAILBOX)
		return false;
	const struct world_map *m = worldpatch_list_map(w, dom->listings[0].file);
	if (!m || !worldpatch_alone(w, m, dom->name, MAP_MAILBOX_DOMAINS | MAP_ALIAS_DOMAINS | MAP_MYDESTINATION,
				    1))
		return false;
	size_t n;
	p->kind = WORLDPATCH_DOMAIN_DEL;
	p->domain = (size_t)(dom - world_domains(w, &n));
	p->address = dom->name;
	p->map = m;
	p->line = dom->listings[0].line;
	p->nlines = doc_count(table_doc(m->table));   /* the lines of its file, before */
	p->count = table_count(m->table);
	p->ready = true;
	return true;
}

int worldpatch_domain_del(struct world *w, const struct worldpatch *p)
{
	const struct table *t = p->map->table;
	size_t lines = doc_count(table_doc(t));
	if (table_count(t) != p->count - 1 || table_lookup(t, p->address) || lines > p->nlines)
		return -1;
	/* the lines after its own moved up by those removed (none when a list
	 * line keeps its other names) */
	unsigned gone = (unsigned)(p->nlines - lines);
	const char *file = p->map->ref.path;
	for (size_t i = 0; i < w->ndomains; i++)
		for (size_t k = 0; k < w->domains[i].nlistings; k++) {
			struct domain_listing *l = (struct domain_listing *)(uintptr_t)&w->domains[i].listings[k];
			if (l->file && strcmp(l->file, file) == 0 && l->line > p->line)
				l->line -= gone;
		}
	size_t at = p->domain, n = w->ndomains;
	const char *name = w->domains[at].name;   /* in the world's arena */
	memmove(w->domains + at, w->domains + at + 1, (n - at - 1) * sizeof *w->domains);
	memmove(w->dom_mb_first + at, w->dom_mb_first + at + 1, (n - at - 1) * sizeof *w->dom_mb_first);
	memmove(w->dom_al_first + at, w->dom_al_first + at + 1, (n - at - 1) * sizeof *w->dom_al_first);
	w->ndomains--;
	worldpatch_index(&w->dom_idx, w->domains, w->ndomains, sizeof *w->domains,
			 offsetof(struct domain, name), at, name, false);
	/* the targets in it are not hosted any more */
	worldpatch_classify_domain(w, name);
	return 0;
}
