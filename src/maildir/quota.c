/* maildirsize (the Maildir++ quota file Dovecot keeps): its limits and
 * the sum of its usage lines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quota.h"

/* A decimal number at *p before end (never past it: the text is a buffer,
 * not a string); false when there is none or it overflows. */
static bool quota_number(const char **p, const char *end, long long *v)
{
	const char *s = *p;
	bool neg = s < end && *s == '-';
	if (neg)
		s++;
	long long n = 0;
	const char *digits = s;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, *s - '0', &n))
			return false;
	if (s == digits)
		return false;
	*v = neg ? -n : n;
	*p = s;
	return true;
}

bool maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q)
{
	q->limit_bytes = q->limit_msgs = -1;
	q->used_bytes = q->used_msgs = 0;
	const char *end = text + len, *nl = memchr(text, '\n', len);
	const char *p = text, *eol = nl ? nl : end;
	bool any = false;
	while (p < eol) {
		long long v;
		if (!quota_number(&p, eol, &v) || p >= eol || v < 0)
			return false;
		if (*p == 'S') q->limit_bytes = v;
		else if (*p == 'C') q->limit_msgs = v;
		else return false;
		any = true;
		p++;
		if (p < eol && *p == ',')
			p++;
		else if (p < eol)
			return false;
	}
	if (!any)
		return false;
	/* "bytes count" lines, signed (Dovecot appends negative ones when mail
	 * goes); a line that is not two numbers, or a sum that would overflow,
	 * is skipped. */
	for (p = nl ? nl + 1 : end; p < end;) {
		const char *le = memchr(p, '\n', (size_t)(end - p));
		if (!le)
			le = end;
		long long b, c, sb, sc;
		const char *s = p;
		while (s < le && (*s == ' ' || *s == '\t'))   /* Dovecot pads them */
			s++;
		bool two = quota_number(&s, le, &b) && s < le && (*s == ' ' || *s == '\t');
		while (two && s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (two && quota_number(&s, le, &c) &&
		    !__builtin_add_overflow(q->used_bytes, b, &sb) &&
		    !__builtin_add_overflow(q->used_msgs, c, &sc)) {
			q->used_bytes = sb;
			q->used_msgs = sc;
		}
		p = le + 1;
	}
	return true;
}

long long maildir_quota_limit(long long rule_bytes, const struct maildir_quota *q)
{
	if (rule_bytes >= 0)
		return rule_bytes;
	if (q && q->limit_bytes >= 0)
		return q->limit_bytes;
	return -1;
}

bool quota_read(int dirfd, char *buf, size_t cap, bool check_reg, bool short_eof,
		struct maildir_quota *q)
{
	int fd = openat(dirfd, "maildirsize", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat sb;
	bool ok = false;
	if (!check_reg || (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))) {
		size_t len = 0;
		for (ssize_t r; len < cap && (r = read(fd, buf + len, cap - len)) > 0;) {
			len += (size_t)r;
			/* A short read of a regular file on a local filesystem is
			 * its end: no second read to be told so. */
			if (short_eof && len < cap)
				break;
		}
		ok = maildir_quota_parse(buf, len, q);
	}
	close(fd);
	return ok;
}
