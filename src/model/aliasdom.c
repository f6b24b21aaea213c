/* Alias domains recognised in the files (aliasdom.h): which virtual alias
 * domain mirrors which domain, and the lines that are out of step. The
 * stage writes the lines by the same rule (src/stage/aliasdom_apply.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmailadm/aliasdom.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

/* The domain of "user@T" when its user is local, else NULL. */
static const char *aliasdom_same_user(const char *local, const char *target)
{
	size_t n = strlen(local);
	if (strncmp(target, local, n) != 0 || target[n] != '@' || !target[n + 1])
		return NULL;
	return target + n + 1;
}

/* T agrees with the domain the lines so far named (*t). */
static bool aliasdom_agree(const char **t, const char *tdom, const char *domain)
{
	if (!tdom || strcmp(tdom, domain) == 0 || strchr(tdom, '@'))
		return false;
	if (*t && strcmp(*t, tdom) != 0)
		return false;
	*t = tdom;
	return true;
}

bool aliasdom_find(const struct world *w, const char *domain, struct aliasdom *out)
{
	const struct domain *dom = world_domain_find(w, domain);
	/* "never into both classes": a domain that also hosts mailboxes or is
	 * local is not a mirror, whatever its aliases say */
	if (!dom || dom->classes != DOMAIN_VIRTUAL_ALIAS)
		return false;
	size_t na;
	const struct alias *v = world_domain_aliases(w, dom, &na);
	const char *t = NULL;
	for (size_t i = 0; i < na; i++)
		if (v[i].ntargets != 1 ||
		    !aliasdom_agree(&t, aliasdom_same_user(v[i].local, v[i].targets[0].address), dom->name))
			return false;
	const struct alias *wild = dom->catchall_alias ? dom->catchall_alias->alias : NULL;
	if (wild && (wild->ntargets != 1 || wild->targets[0].address[0] != '@' ||
		     !aliasdom_agree(&t, wild->targets[0].address + 1, dom->name)))
		return false;
	if (!t || dom->catchall_mailbox)
		return false;
	*out = (struct aliasdom){ dom->name, t, wild, na };
	return true;
}

struct aliasdom *aliasdom_list(const struct world *w, const char *target, size_t *n)
{
	size_t nd, cap = 0;
	const struct domain *doms = world_domains(w, &nd);
	struct aliasdom *v = NULL, ad;
	*n = 0;
	for (size_t i = 0; i < nd; i++) {
		if (doms[i].classes != DOMAIN_VIRTUAL_ALIAS || !aliasdom_find(w, doms[i].name, &ad))
			continue;
		if (target && strcmp(ad.target, target) != 0)
			continue;
		xgrow(&v, &cap, *n + 1, sizeof *v);
		v[(*n)++] = ad;
	}
	return v;
}

bool aliasdom_is_line(const struct world *w, const struct alias *a)
{
	struct aliasdom ad;
	return a->domain[0] && aliasdom_find(w, a->domain, &ad);
}

bool aliasdom_mirrors(const struct world *w, const char *address)
{
	if (address[0] == '@') {
		const struct domain *dom = world_domain_find(w, address + 1);
		return dom && (dom->catchall_alias || dom->catchall_mailbox);
	}
	const struct alias *a = world_alias_find(w, address);
	return world_mailbox_find(w, address) || (a && !a->is_catchall);
}

static void aliasdom_report_missing(const struct world *w, const struct aliasdom *ad, const char *local,
				    const char *file, unsigned line,
				    void (*report)(void *arg, const struct aliasdom_problem *p), void *arg)
{
	char *key = xasprintf("%s@%s", local, ad->domain);
	if (!world_alias_find(w, key)) {
		char *addr = xasprintf("%s@%s", local, ad->target);
		struct aliasdom_problem p = { ALIASDOM_MISSING, ad, addr, file, line };
		report(arg, &p);
		free(addr);
	}
	free(key);
}

void aliasdom_check(const struct world *w, const struct aliasdom *ad,
		    void (*report)(void *arg, const struct aliasdom_problem *p), void *arg)
{
	const struct domain *dom = world_domain_find(w, ad->domain);
	const struct domain *tdom = world_domain_find(w, ad->target);
	size_t na, nb = 0, nt = 0;
	const struct alias *mine = world_domain_aliases(w, dom, &na);
	/* a missing line is reported at the alias domain's first line */
	const struct alias *first = na ? &mine[0] : ad->wildcard;
	const char *file = first ? first->file : NULL;
	unsigned line = first ? first->line : 0;
	const struct mailbox *boxes = tdom ? world_domain_mailboxes(w, tdom, &nb) : NULL;
	const struct alias *theirs = tdom ? world_domain_aliases(w, tdom, &nt) : NULL;
	/* with "@domain @target" every user gets there anyway: only the
	 * wildcard itself is then worth a word */
	for (size_t i = 0; i < nb && !ad->wildcard; i++)
		aliasdom_report_missing(w, ad, boxes[i].local, file, line, report, arg);
	for (size_t i = 0; i < nt && !ad->wildcard; i++)
		if (!world_mailbox_find(w, theirs[i].address))
			aliasdom_report_missing(w, ad, theirs[i].local, file, line, report, arg);
	for (size_t i = 0; i < na; i++) {
		if (aliasdom_mirrors(w, mine[i].targets[0].address))
			continue;
		struct aliasdom_problem p = { ALIASDOM_DANGLING, ad, mine[i].address, mine[i].file, mine[i].line };
		report(arg, &p);
	}
	bool catchall = tdom && (tdom->catchall_alias || tdom->catchall_mailbox);
	char *wild = xasprintf("@%s", ad->target);
	if (catchall && !ad->wildcard) {
		struct aliasdom_problem p = { ALIASDOM_MISSING, ad, wild, file, line };
		report(arg, &p);
	} else if (!catchall && ad->wildcard) {
		struct aliasdom_problem p = { ALIASDOM_WILDCARD, ad, ad->wildcard->address, ad->wildcard->file,
					      ad->wildcard->line };
		report(arg, &p);
	}
	free(wild);
}
