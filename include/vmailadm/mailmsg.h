/* Reading messages for the interface's quick inspection: list a Maildir's
 * messages from their headers (date, from, subject, size, new/unread), and
 * render one message's headers and text for reading. RFC 2047 encoded words
 * (Q and B, any charset iconv knows) are decoded to UTF-8; nothing here is
 * sanitised: the caller draws through sb_add_printable. Files are opened
 * beneath the maildir's fd without following symlinks. No curses. */
#ifndef VMAILADM_MAILMSG_H
#define VMAILADM_MAILMSG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct mailmsg {
	char *path;            /* "new/NAME" or "cur/NAME", beneath the maildir */
	bool is_new;           /* in new/ */
	bool seen;             /* the S flag */
	bool replied;          /* the R flag */
	bool flagged;          /* the F flag */
	int64_t date;          /* seconds since the epoch (Date:, else the delivery
	                        * time in the name); 0 when unknown */
	char date_text[24];    /* "2026-11-25 22:42" in the header's own zone */
	char *from;            /* decoded; the display name when there is one */
	char *subject;         /* decoded */
	uint64_t size;
};

/* The messages of the INBOX of the maildir opened as maildir_fd (new/ and
 * cur/), newest first; only the header part of each file is read. Returns
 * 0, or -1 with a diagnostic when new/ or cur/ cannot be read. */
int mailmsg_list(int maildir_fd, struct mailmsg **out, size_t *n, struct diags *d);
void mailmsg_list_free(struct mailmsg **v, size_t n);

/* Read path ("cur/NAME") beneath maildir_fd: O_NOFOLLOW, regular files only,
 * at most max bytes. Returns 0 or -1 with a diagnostic. */
int mailmsg_read(int maildir_fd, const char *path, size_t max, struct strbuf *out,
		 struct diags *d);

/* The unfolded value of the first header called name (case-insensitive) in
 * the header block of msg; false when there is none. */
bool mailmsg_header(const char *msg, size_t len, const char *name, struct strbuf *out);
/* Decode the RFC 2047 encoded words of a header value (whitespace between
 * two encoded words is dropped) into UTF-8; an undecodable word is kept. */
void mailmsg_decode_words(const char *value, size_t len, struct strbuf *out);
/* An RFC 5322 date ("Wed, 25 Nov 2026 22:42:50 +0000"): epoch seconds and
 * "YYYY-MM-DD HH:MM" as written; false when it cannot be read. */
bool mailmsg_parse_date(const char *s, int64_t *t, char *text, size_t textlen);
/* A From value for a list: the decoded display name, else the address. */
void mailmsg_from_display(const char *value, size_t len, struct strbuf *out);

/* The message for reading: Date, From, To, Cc and Subject decoded, a blank
 * line, then the text: the first text/plain part (quoted-printable and
 * base64 decoded, converted to UTF-8), and one line naming each other part. */
void mailmsg_render(const char *msg, size_t len, struct strbuf *out);

#endif
