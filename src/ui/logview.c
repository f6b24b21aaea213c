/* From a mailbox or an alias, `L`: where the tracer says its mail goes
 * beside where the last message to it really went (src/traffic/tracecmp.c),
 * marked where they differ (a lost mail, a stale map), then its recent
 * deliveries and rejections from the mail log (src/traffic), the newest
 * last, shown in a note. The log is read in one pass for the last LOG_DAYS
 * days only. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maillog.h"
#include "vmailadm/trace.h"
#include "vmailadm/tracecmp.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

enum { LOG_DAYS = 7, LOG_SHOWN = 12 };

/* The trace beside the last message (tracecmp_format). */
static void logview_compare(struct ui *ui, struct tracer *tr, const char *address,
			    const struct maillog_record *v, size_t n, struct strbuf *t)
{
	struct trace_result res;
	trace_address(tr, address, &res);
	struct tracecmp c;
	tracecmp_run(&res, address, v, n, &c);
	tracecmp_format(&c, address, ui->utf8, t);
	sb_addc(t, '\n');
	tracecmp_free(&c);
	trace_result_free(&res);
}

void logview_show(struct ui *ui, const char *address, struct tracer *tr)
{
	int64_t now = (int64_t)time(NULL);
	struct maillog_query q = { .address = address, .since = now - LOG_DAYS * 86400, .now = now };
	struct diags d = DIAGS_INIT;
	struct maillog *m = NULL;
	char *source = NULL;
	int rc = traffic_maillog(ui->cfg, &q, NULL, &m, &source, &d);
	size_t n;
	const struct maillog_record *v = maillog_records(m, &n);
	struct strbuf t = STRBUF_INIT;
	char *note = NULL;
	tr = traceserver_for(ui, tr, &note);   /* backend pgsql: the database's maps */
	if (note)
		sb_addf(&t, "%s\n", note);
	free(note);
	if (tr)
		logview_compare(ui, tr, address, v, n, &t);
	if (n == 0 && rc == 0)
		sb_addf(&t, _("Nothing for %s in the last %d days of %s.\n"), address, LOG_DAYS,
			source ? source : "?");
	if (n > LOG_SHOWN)
		sb_addf(&t, _("The last %d of %zu records (vmailadm maillog %s shows them all):\n"),
			LOG_SHOWN, n, address);
	for (size_t i = n > LOG_SHOWN ? n - LOG_SHOWN : 0; i < n; i++)
		maillog_format(&v[i], &t);
	for (size_t i = 0; i < d.n; i++) {
		char *msg = diag_format(&d.v[i]);
		sb_addf(&t, "%s\n", msg);
		free(msg);
	}
	char *title = xasprintf(_("Mail log of %s"), address);
	ui_push(ui, form_note_create(ui, title, sb_str(&t), d.n && !n ? ROLE_ERROR : ROLE_NORMAL));
	free(title);
	sb_free(&t);
	free(source);
	diags_free(&d);
	maillog_free(&m);
}
