/* The tracer's prediction against the last real delivery
 * (include/vmailadm/tracecmp.h). The log names final recipients (to=) and
 * the original one (orig_to=) as Postfix wrote them; the tracer names final
 * recipients the same way, so the comparison is by address, without regard
 * to case as Postfix compares them, then by outcome: a predicted delivery
 * must have been sent, a predicted rejection refused or bounced. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmailadm/i18n.h"
#include "vmailadm/tracecmp.h"
#include "vmailadm/xalloc.h"

static bool tracecmp_same(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* Mail to the address: it is the original recipient, or the final one
 * when there was no aliasing. */
static bool tracecmp_to(const struct maillog_record *r, const char *address)
{
	if (r->status == MAILLOG_LOGIN || r->status == MAILLOG_LOGIN_FAILED)
		return false;
	return r->orig_recipient ? tracecmp_same(r->orig_recipient, address)
				 : tracecmp_same(r->recipient, address);
}

/* Does the real outcome fit the predicted kind? NULL when it does, else why not. */
static const char *tracecmp_outcome(const struct trace_dest *d, const struct maillog_record *r)
{
	bool refused = r->status == MAILLOG_REJECTED || r->status == MAILLOG_BOUNCED ||
		       r->status == MAILLOG_EXPIRED;
	switch (d->kind) {
	case TRACE_REJECT:
		return refused ? NULL : N_("the trace says refused, the log says it was not");
	case TRACE_DEFER:
		return r->status == MAILLOG_DEFERRED ? NULL
			: N_("the trace says deferred, the log says otherwise");
	default:
		if (r->status == MAILLOG_SENT)
			return NULL;
		return refused ? N_("the trace says delivered, the log says refused")
			       : N_("the trace says delivered, the log says it is still waiting");
	}
}

static void tracecmp_add(struct tracecmp *c, size_t *cap, struct tracecmp_row row)
{
	xgrow(&c->rows, cap, c->n + 1, sizeof *c->rows);
	c->rows[c->n++] = row;
	c->differs |= row.differs;
}

void tracecmp_run(const struct trace_result *res, const char *address,
		  const struct maillog_record *v, size_t n, struct tracecmp *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < n; i++)
		if (tracecmp_to(&v[i], address) && (!c->last || v[i].time >= c->last->time))
			c->last = &v[i];
	size_t cap = 0;
	/* The last message's records: its queue id's (a rejection at RCPT has
	 * none and is a message of its own). */
	const struct maillog_record **mine = xcalloc(n ? n : 1, sizeof *mine);
	size_t nmine = 0;
	for (size_t i = 0; c->last && i < n; i++)
		if (&v[i] == c->last ||
		    (c->last->queue_id && tracecmp_same(v[i].queue_id, c->last->queue_id) &&
		     tracecmp_to(&v[i], address)))
			mine[nmine++] = &v[i];
	bool *used = xcalloc(nmine ? nmine : 1, sizeof *used);
	for (size_t k = 0; k < res->ndests; k++) {
		const struct trace_dest *d = &res->dests[k];
		struct tracecmp_row row = { .predicted = d };
		for (size_t i = 0; i < nmine && !row.real; i++)
			if (!used[i] && tracecmp_same(mine[i]->recipient, d->address)) {
				row.real = mine[i];
				used[i] = true;
			}
		if (c->last && !row.real)
			row.why = N_("the trace goes here, the last message did not");
		else if (row.real)
			row.why = tracecmp_outcome(d, row.real);
		row.differs = row.why != NULL;
		tracecmp_add(c, &cap, row);
	}
	for (size_t i = 0; i < nmine; i++)
		if (!used[i])
			tracecmp_add(c, &cap, (struct tracecmp_row){
				.real = mine[i], .differs = true,
				.why = N_("the last message went here, the trace does not (a map changed?)") });
	free(used);
	free(mine);
}

/* A predicted destination in a few words. */
static void tracecmp_dest(const struct trace_dest *d, struct strbuf *t)
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

void tracecmp_format(const struct tracecmp *c, const char *address, bool utf8, struct strbuf *t)
{
	const char *ne = utf8 ? "≠" : "!=";
	if (!c->last)
		sb_addf(t, _("Predicted (trace), with no message to %s in the log to compare:\n"),
			address);
	else if (c->differs)
		sb_addf(t, _("Predicted (trace) %s last message (log, %s): they DIFFER\n"), ne,
			c->last->queue_id ? c->last->queue_id : _("refused at RCPT"));
	else
		sb_addf(t, _("Predicted (trace) = last message (log, %s): they agree\n"),
			c->last->queue_id ? c->last->queue_id : _("refused at RCPT"));
	for (size_t i = 0; i < c->n; i++) {
		const struct tracecmp_row *r = &c->rows[i];
		sb_addf(t, "%-2s ", r->differs ? ne : c->last ? "=" : " ");
		if (r->predicted) {
			sb_addf(t, "%s: ", r->predicted->address);
			tracecmp_dest(r->predicted, t);
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
			sb_adds(t, c->last ? _("(not a recipient of the last message)") : "-");
		}
		sb_addc(t, '\n');
		if (r->why)
			sb_addf(t, "   %s\n", _(r->why));
	}
}

void tracecmp_free(struct tracecmp *c)
{
	free(c->rows);
	memset(c, 0, sizeof *c);
}
