/* The one growable string type (Postfix VSTRING, git strbuf). buf is always
 * NUL-terminated and may hold NUL bytes inside; len excludes the final NUL. */
#ifndef VMAILADM_STRBUF_H
#define VMAILADM_STRBUF_H
#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);            /* len = 0, keep memory */
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t len);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_truncate(struct strbuf *sb, size_t len);
const char *sb_str(const struct strbuf *sb); /* "" when empty, never NULL */
char *sb_detach(struct strbuf *sb);          /* caller owns the string; sb is reset */
/* The same, its allocation cut to the string (one kept for long, by the
 * thousand: the doubling leaves up to half of each unused). */
char *sb_detach_fit(struct strbuf *sb);

/* Append s with control bytes and invalid UTF-8 escaped (\x1b, \n …), so a
 * string from mail or a file can be printed or drawn safely (Postfix printable()). */
void sb_add_printable(struct strbuf *sb, const char *s, size_t len);
/* The columns a UTF-8 text takes, counted as its characters: the tables of
 * the command line line up their columns by it (what sb_add_printable
 * gives has no control bytes; none of the program's texts is wide). */
size_t utf8_columns(const char *s);

#endif
