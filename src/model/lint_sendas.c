/* Lint's send-as rules: the sender login map against the rule of its
 * computed owners (sendas.h) and against main.cf, which must name it and
 * use it in a restriction for Postfix to check anything. */
#include "config.h"

#include <stdlib.h>

#include "lint_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/sendas.h"
#include "vmailadm/source.h"
#include "vmailadm/table.h"

static void lint_sendas_problem(void *arg, const struct sendas_problem *p)
{
	struct lint_report *r = arg;
	switch (p->fault) {
	case SENDAS_MISSING_OWNER:
		lint_add(r, "sendas-out-of-step", LINT_WARNING, p->file, p->line, p->address,
			 _("%s owns %s by the rule (its mailbox, or an alias delivering to it), but the line of the sender login map does not name it: Postfix refuses it that sender address"),
			 p->login, p->address);
		lint_fix(r, _("put it back: vmailadm sendas allow %s %s"), p->address, p->login);
		break;
	case SENDAS_MISSING_LINE:
		lint_add(r, "sendas-out-of-step", LINT_WARNING, p->file, p->line, p->address,
			 _("%s has owners by the rule but no line in the sender login map: Postfix refuses it as a sender to every client that logs in"),
			 p->address);
		lint_fix(r, _("vmailadm sendas list %s, then vmailadm sendas allow %s with its owners"), p->address,
			 p->address);
		break;
	case SENDAS_UNKNOWN_LOGIN:
		lint_add(r, "sendas-unknown-login", LINT_WARNING, p->file, p->line, p->address,
			 _("the sender login map lets %s send as %s, but %s is no mailbox: nobody logs in by that name (or a mailbox made later with it inherits the right)"),
			 p->login, p->address, p->login);
		lint_fix(r, _("vmailadm sendas deny %s %s"), p->address, p->login);
		break;
	}
}

void lint_sendas(const struct world *w, const struct config *cfg, struct lint_report *r)
{
	const struct world_map *m = sendas_map(w);
	if (!m || !sendas_present(w))
		return;
	sendas_check(w, lint_sendas_problem, r);
	const struct maincf *mc = world_maincf(w);
	unsigned line = 0;
	if (!sendas_enabled(w)) {
		/* on backend pgsql the server's map, not the snapshot's link */
		char *name = source_text(cfg, m->ref.path, 0);
		lint_add(r, "sendas-not-enabled", LINT_WARNING, m->ref.path, 0, NULL,
			 _("the sender login map %s exists, but main.cf does not name it (smtpd_sender_login_maps): any client that logs in may use any sender address"),
			 name);
		free(name);
		lint_fix(r, _("vmailadm sendas enable"));
	} else if (!sendas_restriction_param(w)) {
		maincf_raw(mc, "smtpd_sender_login_maps", &line);
		lint_add(r, "sendas-not-enabled", LINT_WARNING, world_maincf_path(w), line, NULL,
			 _("smtpd_sender_login_maps is set, but no restriction uses it (reject_authenticated_sender_login_mismatch): any client that logs in may use any sender address"));
		lint_fix(r, _("vmailadm sendas enable"));
	}
}
