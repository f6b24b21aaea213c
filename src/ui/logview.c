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

/* A predicted destination in a few words. */
static void logview_dest(const struct trace_dest *d, struct strbuf *t)
{
	switch (d->kind) {
	case TRACE_MAILDIR: sb_addf(t, _("maildir %s"), d->path ? d->path : "?"); break;
	case TRACE_MBOX: sb_addf(t, _("mbox file %s"), d->path ? d->path : "?"); break;
	case TRACE_REMOTE: sb_adds(t, _("relayed to another host")); break;
	case TRACE_LOCAL: sb_adds(t, _("local delivery")); break;
	case TRACE_REJECT: sb_adds(t, _("refused")); break;
	case TRACE_DEFER: sb_adds(t, _("deferred")); break;
	}
}

/* The trace beside the last message: one pair of lines per destination,
 * "=" where the log agrees, "!=" where it does not, and why. */
static void logview_compare(struct ui *ui, struct tracer *tr, const char *address,
			    const struct maillog_record *v, size_t n, struct strbuf *t)
{
	struct trace_result res;
	trace_address(tr, address, &res);
	struct tracecmp c;
	tracecmp_run(&res, address, v, n, &c);
	const char *ne = ui->utf8 ? "≠" : "!=";
	if (!c.last)
		sb_addf(t, _("Predicted (trace), with no message to %s in the log to compare:\n"),
			address);
	else if (c.differs)
		sb_addf(t, _("Predicted (trace) %s last message (log, %s): they DIFFER\n"), ne,
			c.last->queue_id ? c.last->queue_id : _("refused at RCPT"));
	else
		sb_addf(t, _("Predicted (trace) = last message (log, %s): they agree\n"),
			c.last->queue_id ? c.last->queue_id : _("refused at RCPT"));
	for (size_t i = 0; i < c.n; i++) {
		const struct tracecmp_row *r = &c.rows[i];
		sb_addf(t, "%-2s ", r->differs ? ne : c.last ? "=" : " ");
		if (r->predicted) {
			sb_addf(t, "%s: ", r->predicted->address);
			logview_dest(r->predicted, t);
		} else {
			sb_adds(t, _("(not in the trace)"));
		}
		sb_adds(t, "\n   ");
		if (r->real) {
			struct strbuf one = STRBUF_INIT;
			maillog_format(r->real, &one);
			sb_add(t, one.buf, strcspn(sb_str(&one), "\n"));
			sb_free(&one);
		} else {
			sb_adds(t, c.last ? _("(not a recipient of the last message)") : "-");
		}
		sb_addc(t, '\n');
		if (r->why)
			sb_addf(t, "   %s\n", _(r->why));
	}
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
