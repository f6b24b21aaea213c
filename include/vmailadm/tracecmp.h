/* The tracer's prediction beside what the log says really happened
 * (issue 17): for an address, the last message to it in the delivery log,
 * each of its final recipients next to the destination the tracer predicts,
 * and a mark where they disagree (a lost mail, a stale map, a map rebuilt
 * since). No curses: the interface's log view, `maillog --trace` and tests
 * use it. */
#ifndef VMAILADM_TRACECMP_H
#define VMAILADM_TRACECMP_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/maillog.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/trace.h"

struct tracecmp_row {
	const struct trace_dest *predicted;   /* NULL: delivered where no trace goes */
	const struct maillog_record *real;    /* NULL: not there in the last message */
	bool differs;
	const char *why;                      /* N_(): why they differ, NULL when they agree */
};

struct tracecmp {
	const struct maillog_record *last;    /* the last record of mail to the address, or NULL */
	struct tracecmp_row *rows;
	size_t n;
	bool differs;                         /* some row differs */
};

/* Compare res (the trace of address) with records v[0..n) (a maillog's).
 * The last message to the address is the newest record whose recipient or
 * original recipient is the address; its records (same queue id) are its
 * real deliveries. With no such record, c->last is NULL and nothing differs.
 * c points into res and v: they must outlive it. */
void tracecmp_run(const struct trace_result *res, const char *address,
		  const struct maillog_record *v, size_t n, struct tracecmp *c);
void tracecmp_free(struct tracecmp *c);

/* c as text, for the interface's log view and `maillog --trace`: a title
 * (they agree, they DIFFER, or no message to compare), then per row the
 * mark ("=", "!=" or "≠" when utf8), the predicted destination, the real
 * delivery's log line, and why they differ. address: the one traced. */
void tracecmp_format(const struct tracecmp *c, const char *address, bool utf8, struct strbuf *t);

#endif
