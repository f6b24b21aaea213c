/* The Postfix queue: the listing, from the queue files as root or from
 * `postqueue -j`, one message at a time as it comes (a queue of any size is
 * never held whole), and the actions on it
 * through postsuper(1), postqueue(1) and postcat(1), run by spawn. Queue
 * ids are reused by Postfix, so an action names the messages as a listing
 * showed them and acts only on those a fresh listing still holds with the
 * same arrival time. No curses. */
#ifndef VMAILADM_QUEUE_H
#define VMAILADM_QUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct traffic_postfix;

struct queue_rcpt {
	char *address;
	char *reason;        /* delay_reason, NULL when Postfix gave none */
};

struct queue_msg {
	char *queue_name;    /* active, deferred, hold, incoming, maildrop */
	char *queue_id;
	int64_t arrival_time;
	uint64_t size;
	bool forced_expire;
	char *sender;        /* "" for the null sender */
	struct queue_rcpt *rcpts;
	size_t nrcpts;
};

void queue_msg_free(struct queue_msg *m);
/* An age as the listings show it: "45s", "12m", "3h", "2d". */
void queue_format_age(int64_t secs, char *buf, size_t len);
void queue_msg_copy(struct queue_msg *dst, const struct queue_msg *src);

/* One line of postqueue -j into m (replacing nothing: m is filled fresh).
 * Returns 0, or -1 with "postqueue -j: line N: reason" in d. */
int queue_parse_line(const char *line, size_t len, unsigned lineno, struct queue_msg *m,
		     struct diags *d);

/* Called once per message as the listing is read; m is valid during the
 * call only. Return false to stop reading. */
typedef bool (*queue_visit)(void *ctx, const struct queue_msg *m);

/* Where a listing comes from: the queue files read directly (qdir.h: as
 * root, the fast way), or postqueue -c DIR -j (Postfix's showq reads them
 * for any user). AUTO: the files when this process can read them. */
enum queue_source { QUEUE_FROM_AUTO, QUEUE_FROM_FILES, QUEUE_FROM_POSTQUEUE };

/* List the queue of pf from want, *used (may be NULL) saying which source
 * it was. Both give the same messages, fields and values (those of
 * postqueue -j). Returns the number of messages seen, or -1 with d (the
 * files named by want could not be read, postqueue failed, or a line was
 * unreadable: each such line is named and the others still come). */
long queue_list_from(const struct traffic_postfix *pf, enum queue_source want,
		     enum queue_source *used, queue_visit fn, void *ctx, struct diags *d);
/* queue_list_from(pf, QUEUE_FROM_AUTO, NULL, ...). */
long queue_list(const struct traffic_postfix *pf, queue_visit fn, void *ctx, struct diags *d);

enum queue_action { QUEUE_HOLD, QUEUE_RELEASE, QUEUE_REQUEUE, QUEUE_DELETE };

/* A message as the caller saw it: its id, and its arrival time from that
 * listing (0 when the caller only has the id: the fresh listing decides). */
struct queue_ref {
	const char *queue_id;
	int64_t arrival_time;
};

/* Act on refs (postsuper -h / -H / -r / -d, as root). First a fresh
 * listing: a ref it does not hold, or holds with another arrival time (the
 * id now names another message), is refused with a diagnostic naming it
 * and the host (myhostname). The others go to one postsuper run; done gets
 * one line per message postsuper reports ("ID: removed"...). Returns the
 * number of messages acted on (0 when every ref was refused), or -1 when
 * the queue could not be listed or postsuper not run. */
long queue_act(const struct traffic_postfix *pf, enum queue_action a, const struct queue_ref *refs,
	       size_t n, struct strbuf *done, struct diags *d);

/* postqueue -f (domain NULL) or postqueue -s DOMAIN. 0 or -1 with d. */
int queue_flush(const struct traffic_postfix *pf, const char *domain, struct diags *d);

/* The message ref in the queue (checked as queue_act does) into *m, and
 * its header and body as postcat -bh prints them into raw (at most max
 * bytes). 0, or -1 with d. */
int queue_message(const struct traffic_postfix *pf, const struct queue_ref *ref, size_t max,
		  struct queue_msg *m, struct strbuf *raw, struct diags *d);

/* The whole queue held in memory, for the interface (the CLI streams it):
 * the messages in listing order, their bytes, and per recipient domain
 * (lower case) how many messages wait for it, each message counted once
 * per domain. */
struct strmap;
struct queue_snapshot {
	struct queue_msg *v;
	size_t n, cap;
	uint64_t bytes;
	struct strmap *domains;   /* domain -> count, as (void *)(uintptr_t) */
	enum queue_source source; /* where the listing came from */
};
/* Fill s from a fresh listing (emptied first). The number of messages, or
 * -1 with d (s then holds what was read). */
long queue_snapshot_take(const struct traffic_postfix *pf, struct queue_snapshot *s,
			 struct diags *d);
/* The messages waiting for domain (any case). */
size_t queue_snapshot_domain(const struct queue_snapshot *s, const char *domain);
void queue_snapshot_free(struct queue_snapshot *s);

#endif
