/* The rules a new mailbox, a new domain and an alias target must meet:
 * one owner, so that the stage (on Enter, in apply.c) and the TUI's forms
 * (while typing) refuse the same things with the same words. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "vmailadm/aliasdom.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"

bool stage_rule_new_mailbox(const struct world *w, const char *address, struct strbuf *why,
			    const char **file, unsigned *line)
{
	*file = NULL;
	*line = 0;
	const char *at = strrchr(address, '@');
	const char *domain = at ? at + 1 : "";
	const struct domain *dom = world_domain_find(w, domain);
	const struct alias *a;
	const struct pwfile_entry *e;
	if (!dom || !(dom->classes & DOMAIN_VIRTUAL_MAILBOX)) {
		sb_addf(why, _("%s is not a virtual mailbox domain (add it first: vmailadm domain add %s)"),
			domain, domain);
	} else if (dom->class != DOMAIN_VIRTUAL_MAILBOX) {
		/* Listed in two classes, Postfix uses the other (resolve.c):
		 * a mailbox there would never get mail (virtual(8) is not
		 * asked). The listing that wins names the line to change. */
		const char *param = dom->class == DOMAIN_LOCAL ? "mydestination" : "virtual_alias_domains";
		for (size_t i = 0; i < dom->nlistings && !*file; i++)
			if (dom->listings[i].class == dom->class) {
				*file = dom->listings[i].file;
				*line = dom->listings[i].line;
			}
		sb_addf(why, _("%s is listed in %s as well as in virtual_mailbox_domains: Postfix uses %s and would never deliver to the mailbox %s; take %s out of %s first"),
			domain, param, param, address, domain, param);
	} else if (world_mailbox_find(w, address)) {
		sb_addf(why, _("mailbox %s already exists"), address);
	} else if ((a = world_alias_find(w, address)) != NULL) {
		sb_addf(why, _("%s is an alias: mail to it goes to its targets, not to a mailbox; remove the alias first"),
			address);
		*file = a->file;
		*line = a->line;
	} else if ((e = pwfile_lookup(world_pwfile(w), address)) != NULL) {
		sb_addf(why, _("the passwd-file already has an entry for %s"), address);
		*file = doc_name(pwfile_doc(world_pwfile(w)));
		*line = e->line;
	} else {
		return true;
	}
	return false;
}

bool stage_rule_target(const struct world *w, const char *alias, const char *target,
		       struct strbuf *why)
{
	/* Only a mailbox may name itself (Postfix stops the expansion there,
	 * §2.4: mail to an alias that names itself bounces). */
	if (alias && strcasecmp(target, alias) == 0 && !world_mailbox_find(w, alias)) {
		sb_addf(why, _("%s cannot be a target of itself: Postfix would stop there and the mail would bounce (only a mailbox keeps itself as a target)"),
			alias);
		return false;
	}
	const char *at = strrchr(target, '@');
	if (!at || at == target)
		return true;
	enum domain_class c = world_domain_class(w, at + 1, NULL);
	if ((c == DOMAIN_VIRTUAL_MAILBOX || c == DOMAIN_VIRTUAL_ALIAS) &&
	    !world_mailbox_find(w, target) && !world_alias_find(w, target)) {
		const struct domain *dom = world_domain_find(w, at + 1);
		if (!dom || !dom->catchall_alias) {
			sb_addf(why, _("%s is in hosted domain %s but is neither a mailbox nor an alias: mail to it would bounce"),
				target, at + 1);
			return false;
		}
	}
	return true;
}

void stage_rule_domain_usage(const struct world *w, const char *domain, long *mailboxes, long *aliases,
			     long long *quota)
{
	*mailboxes = *aliases = 0;
	*quota = 0;
	const struct domain *dom = world_domain_find(w, domain);
	if (!dom)
		return;
	size_t nb, na;
	const struct mailbox *b = world_domain_mailboxes(w, dom, &nb);
	const struct alias *a = world_domain_aliases(w, dom, &na);
	*mailboxes = (long)nb;
	for (size_t i = 0; i < nb; i++)
		if (b[i].quota_bytes > 0)
			*quota += b[i].quota_bytes;
	for (size_t i = 0; i < na; i++)
		if (!world_mailbox_find(w, a[i].address))
			++*aliases;
}

bool stage_rule_domain_limits(const struct config *cfg, const struct world *w, const char *domain,
			      int mailboxes, int aliases, long long quota, bool unlimited, struct strbuf *why)
{
	struct domain_limits lim;
	if (!config_domain_limits(cfg, domain, &lim))
		return true;
	long nb, na;
	long long q;
	stage_rule_domain_usage(w, domain, &nb, &na, &q);
	if (mailboxes > 0 && lim.mailboxes >= 0 && nb + mailboxes > lim.mailboxes)
		sb_addf(why, _("%s is at its limit of %ld mailboxes (domain_limits)"), domain, lim.mailboxes);
	else if (aliases > 0 && lim.aliases >= 0 && na + aliases > lim.aliases)
		sb_addf(why, _("%s is at its limit of %ld aliases (domain_limits)"), domain, lim.aliases);
	else if (lim.quota_total >= 0 && unlimited)
		sb_addf(why, _("%s has a quota_total (domain_limits): a mailbox there needs a quota (e.g. --quota 1G), not none or unlimited"),
			domain);
	else if (lim.quota_total >= 0 && quota > 0 && q + quota > lim.quota_total)
		sb_addf(why, _("the quotas of %s would add up to %lld MiB, over its quota_total of %lld MiB (domain_limits)"),
			domain, (q + quota) >> 20, lim.quota_total >> 20);
	else
		return true;
	return false;
}

bool stage_rule_alias_target(const struct world *w, const char *target, struct strbuf *why)
{
	if (!op_valid_domain(target, why))
		return false;
	const struct domain *tdom = world_domain_find(w, target);
	struct aliasdom chain;
	if (!tdom || !(tdom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		sb_addf(why, _("%s is not a virtual domain here: an alias domain mirrors a hosted domain"), target);
		return false;
	}
	if (aliasdom_find(w, target, &chain)) {
		sb_addf(why, _("%s is itself an alias domain of %s: mirror %s instead"), target, chain.target,
			chain.target);
		return false;
	}
	if (tdom->nmailboxes + tdom->naliases == 0 && !tdom->catchall_alias && !tdom->catchall_mailbox) {
		sb_addf(why, _("%s has no mailbox, alias or catch-all yet: an alias domain of it would have no line to mirror (add its addresses first)"),
			target);
		return false;
	}
	return true;
}

bool stage_rule_new_domain(const struct world *w, const char *domain, struct strbuf *why)
{
	if (!op_valid_domain(domain, why))
		return false;
	unsigned classes;
	if (world_domain_class(w, domain, &classes) == DOMAIN_OTHER)
		return true;
	sb_addf(why, (classes & DOMAIN_LOCAL)
		? _("%s is already a local domain (mydestination): a domain must not be both local and virtual")
		: _("%s is already hosted"), domain);
	return false;
}

bool stage_rule_pattern_target(const struct world *w, const char *address, struct strbuf *why,
			       const char **file, unsigned *line)
{
	size_t alen = strlen(address);
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct world_map *m = world_map(w, i);
		if (!(m->roles & MAP_VIRTUAL_ALIAS) || !m->table || table_syntax(m->table) != TABLE_REGEXP)
			continue;
		for (size_t k = 0; k < table_count(m->table); k++) {
			const struct table_entry *e = table_entry(m->table, k);
			const char *p = e->value, *t;
			size_t len;
			while (table_value_next(&p, &t, &len))
				if (len == alen && strncasecmp(t, address, len) == 0) {
					sb_addf(why, _("%s is a target of the rule %s of a pattern table, which vmailadm cannot edit: change that rule first, or the mail it matches will bounce"),
						address, e->key);
					*file = m->ref.path;
					*line = e->line;
					return false;
				}
		}
	}
	return true;
}
