/* One Postfix queue file read the way showq(8) reads it (Postfix 3.7,
 * src/showq/showq.c): its records (rec_type.h: a type byte, a 7-bit
 * varint length, the data), the arrival time, size, sender and the
 * recipients still to deliver, and its defer log's per-recipient reasons
 * first, so the message comes out as `postqueue -j` prints it. No curses,
 * no threads of its own: src/traffic/qdir.c calls it from its workers. */
#ifndef VMAILADM_QFILE_H
#define VMAILADM_QFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "vmailadm/queue.h"
#include "vmailadm/strbuf.h"

/* The main.cf parameters showq's output depends on. */
struct qfile_opts {
	const char *empty_addr;  /* empty_address_recipient: the null address shown */
	long dup_limit;          /* duplicate_filter_limit (0: no limit) */
	bool utf8;               /* smtputf8_enable: printable() keeps UTF-8 */
};

/* Read the queue file open on fd (st: its fstat) of queue and id into m,
 * with its defer log read from defer_dirfd (the directory where Postfix
 * keeps it, -1 when there is none) when the sender record comes. Returns 1
 * when there is a message to list (showq got as far as its sender: a file
 * cut short mid-record lists what came before, as showq does), 0 when
 * there is none (nothing is in m then). */
int qfile_read(int fd, const struct stat *st, const char *queue, const char *id,
	       int defer_dirfd, const struct qfile_opts *o, struct queue_msg *m);

/* A defer log's entries (bounce_log.c), each as recipient and reason with
 * Postfix's place holders, handed to fn in file order. */
void qfile_defer_parse(const char *text, size_t len, bool utf8,
		       void (*fn)(void *ctx, const char *address, const char *reason), void *ctx);

/* Postfix printable(): every byte that is neither printable ASCII nor part
 * of a UTF-8 sequence (when utf8) becomes '?', in place. */
void qfile_printable(char *s, bool utf8);

/* Postfix quote_822_local(): mbox with its local part made an RFC 822
 * quoted-string when it is not a dot-string, appended to dst. */
void qfile_quote_local(struct strbuf *dst, const char *mbox);

#endif
