/* The delivery log: a one-pass, streaming reader of the Postfix log that
 * joins the lines of each queue id (smtpd, cleanup, qmgr, the delivery
 * agents, bounce) into one record per message and recipient, for the
 * messages to or from one address; NOQUEUE rejections at RCPT become
 * records too, and Dovecot's login lines on request. Only the state of the
 * messages in flight is kept (dropped at qmgr's "removed"), so a log of any
 * size is read in bounded memory. No curses; the sources (files, gzip,
 * journalctl) are src/traffic/logsrc.c's. */
#ifndef VMAILADM_MAILLOG_H
#define VMAILADM_MAILLOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/strbuf.h"

enum maillog_status {
	MAILLOG_SENT,
	MAILLOG_DEFERRED,
	MAILLOG_BOUNCED,
	MAILLOG_EXPIRED,     /* deferred until maximal_queue_lifetime, then returned */
	MAILLOG_REJECTED,    /* refused by smtpd (NOQUEUE) or cleanup: never queued */
	MAILLOG_LOGIN,       /* Dovecot: a successful login (with logins) */
	MAILLOG_LOGIN_FAILED /* Dovecot: a refused login or an auth failure */
};

struct maillog_record {
	int64_t time;          /* epoch seconds of its last line */
	char *queue_id;        /* NULL for NOQUEUE and login lines */
	char *sender;          /* "" for the null sender; NULL when unknown */
	char *recipient;       /* the final recipient (to=) or the login user */
	char *orig_recipient;  /* orig_to=, before aliasing; NULL when none */
	char *relay;           /* relay=, the client for rejections, rip for logins */
	char *client;          /* smtpd's client=host[ip] of the message, or NULL */
	char *dsn;             /* "2.0.0"; NULL when the line had none */
	char *text;            /* the reason in parentheses, the reject text, ... */
	enum maillog_status status;
	unsigned attempts;     /* delivery lines joined into this record */
};

struct maillog_query {
	const char *address;   /* matched case-insensitively against sender,
	                        * recipient and original recipient; "@domain"
	                        * matches every address of the domain */
	int64_t since;         /* records whose last line is older are left out; 0: all */
	bool logins;           /* also Dovecot's imap-login/pop3-login/auth lines */
	int64_t now;           /* for the year of syslog time stamps; 0: time(NULL) */
};

struct maillog;

struct maillog *maillog_new(const struct maillog_query *q);
void maillog_free(struct maillog **mp);
/* Feed the next bytes of the log, in order; lines may be cut anywhere
 * between two calls. */
void maillog_feed(struct maillog *m, const char *data, size_t len);
/* The end of the log: the last line needs no newline. */
void maillog_finish(struct maillog *m);
/* The records so far, in the order their first line came. */
const struct maillog_record *maillog_records(const struct maillog *m, size_t *n);
/* Lines read so far. */
uint64_t maillog_lines(const struct maillog *m);

/* A record as two lines of text, control characters escaped: "TIME  QID
 * STATUS  SENDER -> RECIPIENT (ORIGINAL) via RELAY", then "    DSN TEXT"
 * (the CLI's text output and the interface's log view). */
void maillog_format(const struct maillog_record *r, struct strbuf *sb);
/* "sent", "deferred", "bounced", "expired", "rejected", "login", "login-failed". */
const char *maillog_status_name(enum maillog_status s);
/* A time as the user writes it for --since: "YYYY-MM-DD[ HH:MM[:SS]]" or
 * "YYYY-MM-DDTHH:MM[:SS]" (local time), "Nd", "Nh", "Nm" (ago), or epoch
 * "@N". Returns false when it cannot be read. */
bool maillog_parse_since(const char *s, int64_t now, int64_t *out);

#endif
