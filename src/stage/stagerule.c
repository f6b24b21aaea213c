/* The rules a new mailbox, a new domain and an alias target must meet:
 * one owner, so that the stage (on Enter, in apply.c) and the TUI's forms
 * (while typing) refuse the same things with the same words. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"

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
