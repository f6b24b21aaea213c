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

bool maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q)
{
	q->limit_bytes = q->limit_msgs = -1;
	q->used_bytes = q->used_msgs = 0;
	const char *end = text + len, *nl = memchr(text, '\n', len);
	const char *p = text, *eol = nl ? nl : end;
	bool any = false;
	while (p < eol) {
		char *e;
		errno = 0;
		long long v = strtoll(p, &e, 10);
		if (e == p || errno || e >= eol || v < 0)
			return false;
		if (*e == 'S') q->limit_bytes = v;
		else if (*e == 'C') q->limit_msgs = v;
		else return false;
		any = true;
		p = e + 1;
		if (p < eol && *p == ',')
			p++;
		else if (p < eol)
			return false;
	}
	if (!any)
		return false;
	for (p = nl ? nl + 1 : end; p < end;) {
		const char *le = memchr(p, '\n', (size_t)(end - p));
		if (!le)
			le = end;
		char line[64];
		size_t l = (size_t)(le - p);
		if (l < sizeof line) {
			long long b, c;
			memcpy(line, p, l);
			line[l] = 0;
			if (sscanf(line, "%lld %lld", &b, &c) == 2) {
				q->used_bytes += b;
				q->used_msgs += c;
			}
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
