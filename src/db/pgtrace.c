/* The tracer of the running server (pgtrace.h): on backend pgsql the
 * server's main.cf with its database maps, asked as Postfix asks them
 * (pgtable.c), never the snapshot's flat copy (when that main.cf still
 * names the flat tables, those tables); elsewhere cfg's own. The
 * command line's trace and maillog --trace and the interface's t and L
 * all open it here, so they cannot disagree on where mail goes. */
#include "config.h"

#include <stdlib.h>

#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pgtable.h"
#include "vmailadm/pgtrace.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

bool pgtrace_server(const struct config *cfg)
{
	return cfg->server_postfix_dir != NULL;
}

bool pgtrace_server_uses_db(const struct config *cfg)
{
	if (!cfg->server_postfix_dir)
		return false;
	char *mc = xasprintf("%s/main.cf", cfg->server_postfix_dir);
	bool pg = pgtable_maincf_uses_pgsql(mc);
	free(mc);
	return pg;
}

struct tracer *pgtrace_open(const struct config *cfg, struct diags *d)
{
	trace_set_extmaps(&pgtable_trace_ops);
	if (!pgtrace_server(cfg))
		return trace_open(cfg, d);
	/* A copy for the one read: the snapshot stays postfix_dir for
	 * everything else the process does (the interface's world, commits).
	 * A server whose main.cf still names the flat tables (db
	 * postfix-config not applied) delivers by those files, not by the
	 * database: traced as Postfix reads them, and said (once it could be
	 * read: a main.cf that cannot be names no map either). */
	struct config c = *cfg;
	c.postfix_dir = cfg->server_postfix_dir;
	struct tracer *t = trace_open(&c, d);
	if (t && !pgtrace_server_uses_db(cfg)) {
		char *mc = xasprintf("%s/main.cf", cfg->server_postfix_dir);
		diag_add(d, DIAG_NOTE, mc, 0, "%s",
			 _("names no pgsql: map: traced on the tables it names, which Postfix looks up; the database is not what Postfix queries yet (vmailadm db postfix-config --apply)"));
		free(mc);
	}
	return t;
}
