/* The tracer of t (trace any address) and L (the mail log beside the
 * prediction): where the running Postfix sends mail. On backend pgsql
 * that is the database's maps, asked as Postfix asks them (or, before db
 * postfix-config is applied, the tables the server's main.cf names) (pgtrace_open,
 * the one the command line's trace and maillog --trace use), opened at
 * the first trace and kept (its connections too) until the interface
 * ends; elsewhere the tracer of the world shown, which the caller has. */
#include "config.h"

#include <stdlib.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pgtrace.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

struct tracer *traceserver_for(struct ui *ui, struct tracer *shown, char **note)
{
	*note = NULL;
	if (!pgtrace_server(ui->cfg))
		return shown;
	if (!ui->server_tracer) {
		struct diags d = DIAGS_INIT;
		ui->server_tracer = pgtrace_open(ui->cfg, &d);
		if (!ui->server_tracer) {   /* said, and tried again next time */
			size_t e = 0;   /* the error, not a note or warning before it */
			while (e + 1 < d.n && d.v[e].level != DIAG_ERROR)
				e++;
			char *m = d.n ? diag_format(&d.v[e]) : xstrdup("?");
			*note = xasprintf(_("(the server's main.cf cannot be read: %s; traced on the snapshot of the database instead)"),
					  m);
			free(m);
			diags_free(&d);
			return shown;
		}
		diags_free(&d);
	}
	if (!pgtrace_server_uses_db(ui->cfg))   /* db postfix-config not applied */
		*note = xstrdup(_("(traced on the tables the server's main.cf names, which Postfix looks up: the database is not what it queries yet)"));
	else if (ui->staged)
		*note = xasprintf(ngettext("(asked of the database as Postfix asks it: the %zu staged change is not in it until committed)",
					   "(asked of the database as Postfix asks it: the %zu staged changes are not in it until committed)",
					   ui->staged), ui->staged);
	return ui->server_tracer;
}

void traceserver_free(struct ui *ui)
{
	trace_free(&ui->server_tracer);
}
