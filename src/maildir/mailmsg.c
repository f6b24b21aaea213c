/* Messages for the interface's quick inspection (mailmsg.h): a Maildir's
 * list from the header part of each file, RFC 2047 decoding, RFC 5322
 * dates, and a read-only rendering of one message's text. Curses-free, so
 * it is tested on its own; the interface sanitises before drawing. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmailadm/i18n.h"
#include "vmailadm/mailmsg.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/xalloc.h"

enum { HEADER_READ = 64 * 1024, MAX_DEPTH = 6 };

/* ---- headers ---- */

/* The end of the header block: the offset of the blank line's end. */
static size_t header_end(const char *msg, size_t len, size_t *body)
{
	for (size_t i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		size_t j = i + 1;
		if (j < len && msg[j] == '\r')
			j++;
		if (j < len && msg[j] == '\n') {
			*body = j + 1;
			return i + 1;
		}
		if (j >= len) {
			*body = len;
			return len;
		}
	}
	*body = len;
	return len;
}

bool mailmsg_header(const char *msg, size_t len, const char *name, struct strbuf *out)
{
	size_t body, end = header_end(msg, len, &body);
	size_t nlen = strlen(name), i = 0;
	while (i < end) {
		const char *line = msg + i;
		const char *nl = memchr(line, '\n', end - i);
		size_t ll = nl ? (size_t)(nl - line) : end - i;
		if (ll > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
			const char *v = line + nlen + 1;
			size_t vl = ll - nlen - 1;
			for (;;) {
				while (vl && (*v == ' ' || *v == '\t')) {
					v++;
					vl--;
				}
				while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
					vl--;
				if (out->len && vl)
					sb_addc(out, ' ');
				sb_add(out, v, vl);
				i += ll + 1;
				if (i >= end || (msg[i] != ' ' && msg[i] != '\t'))
					break;
				/* a continuation line: unfold */
				line = msg + i;
				nl = memchr(line, '\n', end - i);
				ll = nl ? (size_t)(nl - line) : end - i;
				v = line;
				vl = ll;
			}
			return true;
		}
		i += ll + 1;
	}
	return false;
}

/* ---- charsets and encodings ---- */

static bool charset_is_utf8(const char *cs)
{
	return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") || !strcasecmp(cs, "us-ascii") ||
	       !strcasecmp(cs, "ascii");
}

/* Append in (in charset cs) as UTF-8; false when the charset is unknown. */
static bool to_utf8(const char *cs, const char *in, size_t len, struct strbuf *out)
{
	if (!*cs || charset_is_utf8(cs)) {
		sb_add(out, in, len);
		return true;
	}
	if (!strcasecmp(cs, "iso-8859-1") || !strcasecmp(cs, "latin1")) {
		/* the common case, without iconv */
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)in[i];
			if (c < 0x80) {
				sb_addc(out, (char)c);
			} else {
				sb_addc(out, (char)(0xc0 | (c >> 6)));
				sb_addc(out, (char)(0x80 | (c & 0x3f)));
			}
		}
		return true;
	}
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return false;
	char *copy = xmemdup0(in, len);   /* iconv takes char ** */
	char *ip = copy;
	size_t il = len;
	while (il > 0) {
		char buf[512];
		char *op = buf;
		size_t ol = sizeof buf;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		sb_add(out, buf, (size_t)(op - buf));
		if (r == (size_t)-1 && errno != E2BIG) {
			sb_addc(out, '?');   /* an invalid byte: skip it */
			ip++;
			il--;
		}
	}
	iconv_close(cd);
	free(copy);
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static void base64_decode(const char *in, size_t len, struct strbuf *out)
{
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64val((unsigned char)in[i]);
		if (v < 0)
			continue;   /* line breaks, padding */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sb_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
}

/* Quoted-printable; in a header (RFC 2047 Q) '_' is a space. */
static void qp_decode(const char *in, size_t len, bool header, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '=' && i + 2 < len && hexval((unsigned char)in[i + 1]) >= 0 &&
		    hexval((unsigned char)in[i + 2]) >= 0) {
			sb_addc(out, (char)(hexval((unsigned char)in[i + 1]) * 16 +
					    hexval((unsigned char)in[i + 2])));
			i += 2;
		} else if (c == '=' && !header) {
			/* a soft line break: "=" at the end of a line */
			size_t j = i + 1;
			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j < len && in[j] == '\r')
				j++;
			if (j >= len || in[j] == '\n')
				i = j;
			else
				sb_addc(out, c);
		} else if (c == '_' && header) {
			sb_addc(out, ' ');
		} else {
			sb_addc(out, c);
		}
	}
}

/* One encoded word at p ("=?cs?E?text?="): decoded into out, *used gets its
 * length; false when p does not start one that can be decoded. */
static bool encoded_word(const char *p, size_t len, struct strbuf *out, size_t *used)
{
	if (len < 8 || p[0] != '=' || p[1] != '?')
		return false;
	const char *cs = p + 2, *end = p + len;
	const char *q1 = memchr(cs, '?', (size_t)(end - cs));
	if (!q1 || q1 + 3 > end || q1[2] != '?')
		return false;
	char enc = q1[1];
	const char *text = q1 + 3;
	const char *stop = NULL;
	for (const char *s = text; s + 1 < end; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n')
			return false;   /* encoded words hold no white space */
		if (s[0] == '?' && s[1] == '=') {
			stop = s;
			break;
		}
	}
	if (!stop || (q1 - cs) > 60)
		return false;
	char charset[64];
	size_t cl = (size_t)(q1 - cs);
	memcpy(charset, cs, cl);
	charset[cl] = 0;
	char *star = strchr(charset, '*');   /* RFC 2231 language: "utf-8*fr" */
	if (star)
		*star = 0;
	struct strbuf raw = STRBUF_INIT;
	if (enc == 'Q' || enc == 'q')
		qp_decode(text, (size_t)(stop - text), true, &raw);
	else if (enc == 'B' || enc == 'b')
		base64_decode(text, (size_t)(stop - text), &raw);
	else {
		sb_free(&raw);
		return false;
	}
	size_t before = out->len;
	bool ok = to_utf8(charset, sb_str(&raw), raw.len, out);
	sb_free(&raw);
	if (!ok) {
		sb_truncate(out, before);
		return false;
	}
	*used = (size_t)(stop + 2 - p);
	return true;
}

void mailmsg_decode_words(const char *value, size_t len, struct strbuf *out)
{
	size_t i = 0;
	while (i < len) {
		size_t used;
		if (value[i] == '=' && encoded_word(value + i, len - i, out, &used)) {
			i += used;
			/* white space between two encoded words is not shown */
			size_t j = i;
			while (j < len && (value[j] == ' ' || value[j] == '\t' || value[j] == '\r' ||
					   value[j] == '\n'))
				j++;
			size_t u2;
			struct strbuf probe = STRBUF_INIT;
			if (j > i && j < len && encoded_word(value + j, len - j, &probe, &u2))
				i = j;
			sb_free(&probe);
			continue;
		}
		sb_addc(out, value[i++]);
	}
}

void mailmsg_from_display(const char *value, size_t len, struct strbuf *out)
{
	struct strbuf dec = STRBUF_INIT;
	mailmsg_decode_words(value, len, &dec);
	const char *s = sb_str(&dec);
	const char *lt = strchr(s, '<');
	if (lt && lt > s) {
		/* "Name <addr>": the name, without quotes */
		const char *a = s, *b = lt;
		while (a < b && (*a == ' ' || *a == '"'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '"'))
			b--;
		if (b > a) {
			sb_add(out, a, (size_t)(b - a));
			sb_free(&dec);
			return;
		}
	}
	if (lt) {
		const char *gt = strchr(lt, '>');
		sb_add(out, lt + 1, gt ? (size_t)(gt - lt - 1) : strlen(lt + 1));
	} else {
		sb_adds(out, s);
	}
	sb_free(&dec);
}

/* ---- dates ---- */

bool mailmsg_parse_date(const char *s, int64_t *t, char *text, size_t textlen)
{
	static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
					      "jul", "aug", "sep", "oct", "nov", "dec" };
	while (*s == ' ')
		s++;
	const char *comma = strchr(s, ',');
	if (comma && comma - s <= 10)
		s = comma + 1;
	int day, year, hh, mm, ss = 0, n = 0;
	char mon[4];
	if (sscanf(s, " %d %3s %d %d:%d%n", &day, mon, &year, &hh, &mm, &n) != 5)
		return false;
	s += n;
	if (*s == ':') {
		int k = 0;
		if (sscanf(s, ":%d%n", &ss, &k) == 1)
			s += k;
	}
	int m = -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(mon, months[i], 3) == 0)
			m = i;
	if (m < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	while (*s == ' ')
		s++;
	long off = 0;
	if ((*s == '+' || *s == '-') && s[1] >= '0' && s[1] <= '9') {
		/* +HHMM: four digits at most (a longer run overflowed the product) */
		long z = 0;
		for (int k = 1; k <= 4 && s[k] >= '0' && s[k] <= '9'; k++)
			z = z * 10 + (s[k] - '0');
		off = (z / 100) * 3600 + (z % 100) * 60;
		if (*s == '-')
			off = -off;
	} else if (!strncasecmp(s, "EST", 3) || !strncasecmp(s, "CDT", 3)) {
		off = -5 * 3600;
	} else if (!strncasecmp(s, "EDT", 3)) {
		off = -4 * 3600;
	} else if (!strncasecmp(s, "CST", 3) || !strncasecmp(s, "MDT", 3)) {
		off = -6 * 3600;
	} else if (!strncasecmp(s, "MST", 3) || !strncasecmp(s, "PDT", 3)) {
		off = -7 * 3600;
	} else if (!strncasecmp(s, "PST", 3)) {
		off = -8 * 3600;
	}
	struct tm tm = { .tm_year = year - 1900, .tm_mon = m, .tm_mday = day,
			 .tm_hour = hh, .tm_min = mm, .tm_sec = ss };
	*t = (int64_t)timegm(&tm) - off;
	if (text)
		snprintf(text, textlen, "%04d-%02d-%02d %02d:%02d", year, m + 1, day, hh, mm);
	return true;
}

/* ---- reading files ---- */

static int open_sub(int maildir_fd, const char *path, const char **name)
{
	const char *slash = strchr(path, '/');
	if (!slash)
		return -1;
	char sub[8];
	size_t sl = (size_t)(slash - path);
	if (sl >= sizeof sub)
		return -1;
	memcpy(sub, path, sl);
	sub[sl] = 0;
	*name = slash + 1;
	if (!safe_component(sub) || !safe_component(*name))
		return -1;
	return openat(maildir_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Read at most max bytes of name beneath dir: a regular file only. */
static int read_at(int dir, const char *name, size_t max, struct strbuf *out, struct stat *st)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	size_t want = (size_t)st->st_size < max ? (size_t)st->st_size : max;
	sb_grow(out, want + 1);
	size_t got = 0;
	while (got < want) {
		ssize_t r = read(fd, out->buf + out->len + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	out->len += got;
	out->buf[out->len] = 0;
	close(fd);
	return 0;
}

int mailmsg_read(int maildir_fd, const char *path, size_t max, struct strbuf *out,
		 struct diags *d)
{
	const char *name;
	int dir = open_sub(maildir_fd, path, &name);
	struct stat st;
	if (dir < 0 || read_at(dir, name, max, out, &st) < 0) {
		diag_error(d, path, 0, _("cannot read the message: %s"), strerror(errno));
		if (dir >= 0)
			close(dir);
		return -1;
	}
	close(dir);
	return 0;
}

static int cmp_msg(const void *a, const void *b)
{
	const struct mailmsg *x = a, *y = b;
	if (x->date != y->date)
		return x->date < y->date ? 1 : -1;
	return strcmp(x->path, y->path);
}

static int list_dir(int maildir_fd, const char *sub, struct mailmsg **v, size_t *n, size_t *cap,
		    struct diags *d)
{
	int dfd = openat(maildir_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		diag_error(d, sub, 0, _("cannot open the Maildir's %s/: %s"), sub, strerror(errno));
		return -1;
	}
	int dup_fd = dup(dfd);
	DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!dir) {
		if (dup_fd >= 0)
			close(dup_fd);
		close(dfd);
		diag_error(d, sub, 0, _("cannot list the Maildir's %s/: %s"), sub, strerror(errno));
		return -1;
	}
	struct dirent *e;
	struct strbuf text = STRBUF_INIT;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		struct stat st;
		sb_reset(&text);
		if (read_at(dfd, e->d_name, HEADER_READ, &text, &st) < 0)
			continue;   /* vanished (read and moved by Dovecot) or not a file */
		xgrow(v, cap, *n + 1, sizeof **v);
		struct mailmsg *m = &(*v)[(*n)++];
		memset(m, 0, sizeof *m);
		m->path = xasprintf("%s/%s", sub, e->d_name);
		m->is_new = strcmp(sub, "new") == 0;
		const char *info = strstr(e->d_name, ":2,");
		m->seen = info && strchr(info + 3, 'S');
		m->replied = info && strchr(info + 3, 'R');
		m->flagged = info && strchr(info + 3, 'F');
		m->size = (uint64_t)st.st_size;
		struct strbuf h = STRBUF_INIT;
		if (mailmsg_header(text.buf, text.len, "Date", &h))
			mailmsg_parse_date(sb_str(&h), &m->date, m->date_text, sizeof m->date_text);
		if (!m->date) {
			/* the delivery time that starts a Maildir name */
			m->date = strtoll(e->d_name, NULL, 10);
			time_t tt = (time_t)m->date;
			struct tm tm;
			if (m->date && gmtime_r(&tt, &tm))
				strftime(m->date_text, sizeof m->date_text, "%Y-%m-%d %H:%M", &tm);
		}
		sb_reset(&h);
		struct strbuf o = STRBUF_INIT;
		if (mailmsg_header(text.buf, text.len, "From", &h))
			mailmsg_from_display(h.buf, h.len, &o);
		m->from = sb_detach(&o);
		sb_reset(&h);
		if (mailmsg_header(text.buf, text.len, "Subject", &h))
			mailmsg_decode_words(h.buf, h.len, &o);
		m->subject = sb_detach(&o);
		sb_free(&h);
	}
	sb_free(&text);
	closedir(dir);
	close(dfd);
	return 0;
}

int mailmsg_list(int maildir_fd, struct mailmsg **out, size_t *n, struct diags *d)
{
	struct mailmsg *v = NULL;
	size_t cap = 0;
	*n = 0;
	int rc = list_dir(maildir_fd, "new", &v, n, &cap, d);
	if (list_dir(maildir_fd, "cur", &v, n, &cap, d) < 0)
		rc = -1;
	if (*n)
		qsort(v, *n, sizeof *v, cmp_msg);
	*out = v;
	return rc;
}

void mailmsg_list_free(struct mailmsg **v, size_t n)
{
	if (!*v)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*v)[i].path);
		free((*v)[i].from);
		free((*v)[i].subject);
	}
	free(*v);
	*v = NULL;
}

/* ---- rendering ---- */

/* A parameter of a Content-Type value ("charset", "boundary", "name"). */
static bool ct_param(const char *ct, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	for (const char *p = ct; (p = strchr(p, ';')); ) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		p += nl + 1;
		size_t k = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"' && k + 1 < outlen)
				out[k++] = *p++;
		} else {
			while (*p && *p != ';' && *p != ' ' && k + 1 < outlen)
				out[k++] = *p++;
		}
		out[k] = 0;
		return k > 0;
	}
	return false;
}

static void render_part(const char *msg, size_t len, struct strbuf *out, int depth, bool *shown);

/* The parts between boundaries. */
static void render_multipart(const char *body, size_t len, const char *boundary,
			     struct strbuf *out, int depth, bool *shown)
{
	char delim[128];
	int dl = snprintf(delim, sizeof delim, "--%s", boundary);
	if (dl <= 2 || (size_t)dl >= sizeof delim)
		return;
	const char *p = body, *end = body + len, *part = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll >= (size_t)dl && memcmp(p, delim, (size_t)dl) == 0) {
			if (part)
				render_part(part, (size_t)(p - part), out, depth + 1, shown);
			if (ll >= (size_t)dl + 2 && p[dl] == '-' && p[dl + 1] == '-')
				return;
			part = nl ? nl + 1 : end;
		}
		p = nl ? nl + 1 : end;
	}
	if (part && part < end)
		render_part(part, (size_t)(end - part), out, depth + 1, shown);
}

static void render_part(const char *msg, size_t len, struct strbuf *out, int depth, bool *shown)
{
	size_t body;
	header_end(msg, len, &body);
	struct strbuf ct = STRBUF_INIT, cte = STRBUF_INIT;
	if (!mailmsg_header(msg, len, "Content-Type", &ct))
		sb_adds(&ct, "text/plain");
	mailmsg_header(msg, len, "Content-Transfer-Encoding", &cte);
	const char *type = sb_str(&ct);
	char param[256];
	if (strncasecmp(type, "multipart/", 10) == 0 && depth < MAX_DEPTH &&
	    ct_param(type, "boundary", param, sizeof param)) {
		render_multipart(msg + body, len - body, param, out, depth, shown);
	} else if (!*shown && strncasecmp(type, "text/plain", 10) == 0) {
		struct strbuf raw = STRBUF_INIT;
		const char *enc = sb_str(&cte);
		if (!strncasecmp(enc, "quoted-printable", 16))
			qp_decode(msg + body, len - body, false, &raw);
		else if (!strncasecmp(enc, "base64", 6))
			base64_decode(msg + body, len - body, &raw);
		else
			sb_add(&raw, msg + body, len - body);
		char cs[64] = "";
		ct_param(type, "charset", cs, sizeof cs);
		if (!to_utf8(cs, raw.buf ? raw.buf : "", raw.len, out))
			sb_add(out, raw.buf ? raw.buf : "", raw.len);
		sb_free(&raw);
		if (out->len && out->buf[out->len - 1] != '\n')
			sb_addc(out, '\n');
		*shown = true;
	} else {
		char name[256] = "";
		if (!ct_param(type, "name", name, sizeof name)) {
			struct strbuf cd = STRBUF_INIT;
			if (mailmsg_header(msg, len, "Content-Disposition", &cd))
				ct_param(sb_str(&cd), "filename", name, sizeof name);
			sb_free(&cd);
		}
		const char *semi = strchr(type, ';');
		size_t tl = semi ? (size_t)(semi - type) : strlen(type);
		sb_adds(out, "\n[");
		sb_add(out, type, tl);
		if (*name)
			sb_addf(out, ": %s", name);
		sb_addf(out, ", %zu bytes: %s]\n", len - body, _("not shown"));
	}
	sb_free(&ct);
	sb_free(&cte);
}

void mailmsg_render(const char *msg, size_t len, struct strbuf *out)
{
	static const char *const shown[] = { "Date", "From", "To", "Cc", "Subject" };
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		struct strbuf h = STRBUF_INIT;
		if (mailmsg_header(msg, len, shown[i], &h)) {
			sb_addf(out, "%s: ", shown[i]);
			mailmsg_decode_words(h.buf, h.len, out);
			sb_addc(out, '\n');
		}
		sb_free(&h);
	}
	sb_addc(out, '\n');
	bool done = false;
	render_part(msg, len, out, 0, &done);
	if (!done)
		sb_addf(out, "\n(%s)\n", _("no text part"));
}
