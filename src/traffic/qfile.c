/* A queue file read as showq(8) of Postfix 3.7 reads it, so that the
 * direct listing equals `postqueue -j` record by record. The rules kept
 * here, each from Postfix's source:
 * - records (global/record.c rec_get): type byte, length in 7-bit groups
 *   (at most 32 bits, a negative int is an error), data; pointer records
 *   ('p') followed, padding ('w') skipped, nothing read after the end
 *   record ('E'); a short record or a bad length ends the file there;
 * - showq_report(): the first nonzero 'T' is the arrival time (else the
 *   file's mtime), the first well-formed 'C' the size (else the file's
 *   size) and the content is skipped by it at 'M'; the sender 'S' and each
 *   recipient 'R' ("" is empty_address_recipient) quoted (quote_822_local)
 *   and made printable; done recipients ('D') are not 'R' and so never
 *   listed; a recipient before the sender ends the file with nothing listed;
 * - at the sender, the defer log (global/bounce_log.c): its entries first,
 *   with their reasons, then the file's recipients that the log did not
 *   name (up to duplicate_filter_limit names remembered);
 * - forced_expire is the group-execute bit (MAIL_QUEUE_STAT_EXPIRE). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmailadm/qfile.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

#define QFILE_BUF 8192
#define QFILE_REVERSE_JUMPS 10000 /* record.c REVERSE_JUMP_LIMIT */
#define QFILE_DEFER_MAX (16u << 20)

#define REC_EOF (-1)
#define REC_ERROR (-2)

/* C-locale classes as Postfix's ISPRINT, ISALNUM, ISSPACE, ISDIGIT. */
static bool is_print(int c) { return c >= 0x20 && c < 0x7f; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* ---- the record reader ---- */

struct reader {
	int fd;
	off_t base;          /* file offset of buf[0] */
	size_t len, pos;
	bool short_read;     /* the file ended at base + len when read */
	bool at_end;         /* after the end record: nothing more (SEEK_END) */
	off_t last_jump;     /* rec_goto's saved_offset and reverse_count */
	int reverse;
	char buf[QFILE_BUF];
};

static bool reader_fill(struct reader *r)
{
	if (r->pos < r->len)
		return true;
	if (r->short_read)
		return false;
	r->base += (off_t)r->len;
	r->len = r->pos = 0;
	ssize_t n;
	do
		n = pread(r->fd, r->buf, sizeof r->buf, r->base);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		r->short_read = true;
		return false;
	}
	r->len = (size_t)n;
	/* A regular file gives less than asked only at its end. */
	r->short_read = (size_t)n < sizeof r->buf;
	return true;
}

static int reader_getc(struct reader *r)
{
	if (r->pos == r->len && !reader_fill(r))
		return -1;
	return (unsigned char)r->buf[r->pos++];
}

static off_t reader_tell(const struct reader *r)
{
	return r->base + (off_t)r->pos;
}

static void reader_seek(struct reader *r, off_t off)
{
	if (off >= r->base && off <= r->base + (off_t)r->len) {
		r->pos = (size_t)(off - r->base);
		return;
	}
	r->base = off;
	r->len = r->pos = 0;
	r->short_read = false;
}

/* record.c rec_goto(): the pointer's offset; 0 to go on reading, -1 when
 * the pointer is bad or loops. */
static int reader_goto(struct reader *r, const char *data)
{
	while (is_space((unsigned char)*data))
		data++;
	off_t off = 0;
	for (const char *p = data; *p; p++) {
		if (!is_digit((unsigned char)*p) || off > (INT64_MAX - 9) / 10)
			return -1;
		off = off * 10 + (*p - '0');
	}
	if (off == 0)
		return 0;  /* a dummy pointer */
	if (off <= r->last_jump && ++r->reverse > QFILE_REVERSE_JUMPS)
		return -1;
	reader_seek(r, off);
	r->last_jump = off;
	return 0;
}

/* record.c rec_get() with REC_FLAG_DEFAULT: the next record's type (0-255)
 * with its data in data (NUL-terminated), REC_EOF or REC_ERROR. */
static int reader_record(struct reader *r, struct strbuf *data)
{
	for (;;) {
		if (r->at_end)
			return REC_EOF;
		int type = reader_getc(r);
		if (type < 0)
			return REC_EOF;
		uint64_t len = 0;
		for (unsigned shift = 0;; shift += 7) {
			if (shift >= 32)
				return REC_ERROR;
			int c = reader_getc(r);
			if (c < 0)
				return REC_ERROR;
			len |= (uint64_t)(c & 0x7f) << shift;
			if (!(c & 0x80))
				break;
		}
		if (len > INT_MAX)
			return REC_ERROR; /* Postfix's int goes negative */
		/* Read what is there: a length past the end costs no memory. */
		sb_reset(data);
		while (len > 0) {
			if (r->pos == r->len && !reader_fill(r))
				return REC_ERROR;
			size_t take = r->len - r->pos;
			if (take > len)
				take = (size_t)len;
			sb_add(data, r->buf + r->pos, take);
			r->pos += take;
			len -= take;
		}
		if (type == 'p') {
			if (reader_goto(r, sb_str(data)) < 0)
				return REC_ERROR;
			continue;
		}
		if (type == 'w')
			continue;
		if (type == 'E')
			r->at_end = true;
		return type;
	}
}

/* ---- text as showq prints it ---- */

void qfile_printable(char *s, bool utf8)
{
	unsigned char *cp = (unsigned char *)s;
	for (; *cp; cp++) {
		if (is_print(*cp))
			continue;
		if (utf8 && *cp >= 194 && *cp <= 254 && cp[1] >= 128 && cp[1] < 192) {
			while (cp[1] >= 128 && cp[1] < 192)
				cp++;
			continue;
		}
		*cp = '?';
	}
}

/* The length of the valid UTF-8 sequence at s, 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, a surrogate, past U+10FFFF */
	return n;
}

/* printable() keeps any lead byte with continuation bytes after it, valid
 * UTF-8 or not; there postqueue -j prints bytes no JSON reader accepts (the
 * fallback refuses the line). Here each byte of a broken sequence becomes
 * '?', so that the record can still be written as JSON. */
static void utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : utf8_len(p);
		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
}

/* quote_822_local.c is_822_dot_string() with QUOTE_FLAG_8BITCLEAN. */
static bool dot_string(const char *start, const char *end)
{
	if (start == end || start[0] == 0 || start[0] == '.')
		return false;
	const char *cp;
	for (cp = start; cp < end && *cp; cp++) {
		unsigned char ch = (unsigned char)*cp;
		if (ch == '.' && cp + 1 < end && cp[1] == '.')
			return false;
		if (ch == ' ' || ch < 0x20 || ch == 0x7f || strchr("()<>@,;:\\\"[]", ch))
			return false;
	}
	return cp[-1] != '.';
}

void qfile_quote_local(struct strbuf *dst, const char *mbox)
{
	const char *start = mbox, *colon;
	if (mbox[0] == '@' && (colon = strchr(mbox, ':')) != NULL)
		start = colon + 1; /* a source route stays as it is */
	const char *end = strrchr(start, '@');
	if (!end)
		end = start + strlen(start);
	if (dot_string(start, end)) {
		sb_adds(dst, mbox);
		return;
	}
	sb_add(dst, mbox, (size_t)(start - mbox));
	sb_addc(dst, '"');
	for (const char *cp = start; cp < end && *cp; cp++) {
		if (*cp == '"' || *cp == '\\' || *cp == '\r')
			sb_addc(dst, '\\');
		sb_addc(dst, *cp);
	}
	sb_addc(dst, '"');
	sb_adds(dst, end);
}

/* ---- the defer log ---- */

/* bounce_log.c split_nameval(): "name = value", trimmed; false if malformed. */
static bool split_nameval(char *buf, char **name, char **value)
{
	char *np = buf;
	while (*np && is_space((unsigned char)*np))
		np++;
	if (*np == 0 || *np == '=')
		return false;
	char *ep = np;
	while (*ep && !is_space((unsigned char)*ep) && *ep != '=')
		ep++;
	char *cp = ep;
	while (*cp && is_space((unsigned char)*cp))
		cp++;
	if (*cp != '=')
		return false;
	*ep = 0;
	cp++;
	while (*cp && is_space((unsigned char)*cp))
		cp++;
	char *e = cp + strlen(cp);
	while (e > cp && is_space((unsigned char)e[-1]))
		e--;
	*e = 0;
	*name = np;
	*value = cp;
	return true;
}

/* One line of an entry (bounce_log_read()) into the entry's fields. */
static void defer_line(char *cp, struct strbuf *addr, struct strbuf *why)
{
	if (is_alnum((unsigned char)*cp)) {
		char *name, *value;
		if (!split_nameval(cp, &name, &value))
			return;
		if (strcmp(name, "recipient") == 0) {
			sb_reset(addr);
			sb_adds(addr, *value ? value : "(MAILER-DAEMON)");
		} else if (strcmp(name, "reason") == 0) {
			sb_reset(why);
			sb_adds(why, value);
		}
		return; /* the other attributes say nothing showq prints */
	}
	/* The old form: "<recipient>: text". */
	if (*cp != '<')
		return;
	char *rcpt = cp + 1, *gt = strstr(rcpt, ">: ");
	if (!gt)
		return;
	*gt = 0;
	sb_reset(addr);
	sb_adds(addr, *rcpt ? rcpt : "(MAILER-DAEMON)");
	char *text = gt + 2;
	while (*text && is_space((unsigned char)*text))
		text++;
	sb_reset(why);
	sb_adds(why, text);
}

void qfile_defer_parse(const char *text, size_t len, bool utf8,
		       void (*fn)(void *ctx, const char *address, const char *reason), void *ctx)
{
	struct strbuf line = STRBUF_INIT, addr = STRBUF_INIT, why = STRBUF_INIT;
	bool found = false;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		sb_reset(&line);
		sb_add(&line, p, n);
		p += n + (nl ? 1 : 0);
		/* Postfix reads the line into a C string: it ends at a NUL. */
		char *cp = line.buf;
		if (cp[0] == 0) {
			if (found) {
				fn(ctx, addr.len ? addr.buf : "(recipient address unavailable)",
				   why.len ? why.buf : "(description unavailable)");
				sb_reset(&addr);
				sb_reset(&why);
			}
			found = false;
			continue;
		}
		qfile_printable(cp, utf8);
		utf8_fix(cp);
		found = true;
		defer_line(cp, &addr, &why);
	}
	/* An entry without its closing blank line is not read (bounce_log_read
	 * returns at the end of the file). */
	sb_free(&line);
	sb_free(&addr);
	sb_free(&why);
}

/* ---- one message ---- */

struct msg_build {
	struct queue_msg *m;
	size_t cap;
	struct strmap *dups;   /* addresses the defer log named */
	long dup_limit;
};

static void add_rcpt(struct msg_build *b, const char *address, const char *reason)
{
	struct queue_msg *m = b->m;
	if (m->nrcpts == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4;
		m->rcpts = xreallocarray(m->rcpts, b->cap, sizeof *m->rcpts);
	}
	m->rcpts[m->nrcpts].address = xstrdup(address);
	m->rcpts[m->nrcpts].reason = reason && reason[0] ? xstrdup(reason) : NULL;
	m->nrcpts++;
}

static void defer_entry(void *ctx, const char *address, const char *reason)
{
	struct msg_build *b = ctx;
	if (b->dup_limit == 0 || strmap_count(b->dups) < (size_t)b->dup_limit)
		strmap_add(b->dups, address, (void *)1);
	add_rcpt(b, address, reason);
}

/* The defer log of id in dirfd, when there is one, into b. */
static void read_defer(int dirfd, const char *id, bool utf8, struct msg_build *b)
{
	if (dirfd < 0)
		return;
	int fd = openat(dirfd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	b->dups = strmap_create(8);
	struct strbuf text = STRBUF_INIT;
	for (;;) {
		sb_grow(&text, QFILE_BUF);
		ssize_t n = read(fd, text.buf + text.len, QFILE_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		text.len += (size_t)n;
		text.buf[text.len] = '\0';
		if ((size_t)n < QFILE_BUF || text.len > QFILE_DEFER_MAX)
			break;
	}
	close(fd);
	qfile_defer_parse(sb_str(&text), text.len, utf8, defer_entry, b);
	sb_free(&text);
}

/* The address of a sender or recipient record as showq prints it. */
static void shown_address(struct strbuf *out, const char *raw, const struct qfile_opts *o)
{
	sb_reset(out);
	qfile_quote_local(out, raw[0] ? raw : o->empty_addr);
	qfile_printable(out->buf, o->utf8);
	utf8_fix(out->buf);
}

int qfile_read(int fd, const struct stat *st, const char *queue, const char *id,
	       int defer_dirfd, const struct qfile_opts *o, struct queue_msg *m)
{
	memset(m, 0, sizeof *m);
	struct reader *r = xmalloc(sizeof *r);
	memset(r, 0, offsetof(struct reader, buf));
	r->fd = fd;
	struct strbuf data = STRBUF_INIT, addr = STRBUF_INIT;
	struct msg_build b = { .m = m, .dup_limit = o->dup_limit };
	int64_t arrival = 0, size = (int64_t)st->st_size;
	bool size_ok = false, sender = false;
	int type;
	while ((type = reader_record(r, &data)) > 0) {
		const char *s = sb_str(&data);
		if (type == 'T') {
			if (arrival == 0)
				arrival = strtoll(s, NULL, 10);
		} else if (type == 'C') {
			if (!size_ok) {
				size_ok = s[strspn(s, "0123456789 ")] == 0 &&
					  (size = strtoll(s, NULL, 10)) >= 0;
				if (!size_ok)
					size = (int64_t)st->st_size;
			}
		} else if (type == 'S') {
			if (sender)
				break; /* a second sender: the rest is skipped */
			sender = true;
			shown_address(&addr, s, o);
			m->queue_name = xstrdup(queue);
			m->queue_id = xstrdup(id);
			m->arrival_time = arrival > 0 ? arrival : (int64_t)st->st_mtime;
			m->size = (uint64_t)size;
			m->forced_expire = (st->st_mode & S_IXGRP) != 0;
			m->sender = sb_detach(&addr);
			read_defer(defer_dirfd, id, o->utf8, &b);
		} else if (type == 'R') {
			if (!sender)
				break; /* a recipient before the sender: nothing listed */
			shown_address(&addr, s, o);
			if (!b.dups || !strmap_get(b.dups, addr.buf))
				add_rcpt(&b, addr.buf, NULL);
		} else if (type == 'M') {
			off_t at = reader_tell(r);
			if (size_ok)
				reader_seek(r, size > INT64_MAX - at ? INT64_MAX : at + (off_t)size);
		}
	}
	strmap_free(&b.dups);
	sb_free(&data);
	sb_free(&addr);
	free(r);
	if (!sender) {
		queue_msg_free(m);
		return 0;
	}
	return 1;
}
