/* Bounded line reading (lineread.h): batch files, CSV imports and
 * passwords on standard input. Reads straight from the descriptor into one
 * buffer of max_line + 1 bytes, so no stdio buffer or realloc leaves a copy
 * of a password behind, and /dev/zero or a line without end costs no more
 * than that buffer. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmailadm/i18n.h"
#include "vmailadm/lineread.h"
#include "vmailadm/xalloc.h"

struct lineread {
	int fd;
	const char *name;
	char *buf;
	size_t cap;          /* max_line + 1: a whole line and its '\n' */
	size_t start, end;   /* the bytes read and not yet returned */
	size_t total, max_total;
	unsigned line_no;
	bool eof;
};

struct lineread *lineread_open(int fd, const char *name, size_t max_line, size_t max_total)
{
	struct lineread *r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->name = name;
	r->cap = max_line + 1;
	r->buf = xmalloc(r->cap);
	r->max_total = max_total;
	return r;
}

/* Move the pending bytes to the front of the buffer. */
static void compact(struct lineread *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
}

/* Read more after the pending bytes: 1 when something came, 0 at the end,
 * -1 with a diagnostic. */
static int fill(struct lineread *r, struct diags *d)
{
	compact(r);
	ssize_t n;
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		diag_error(d, r->name, r->line_no + 1, "%s", strerror(errno));
		return -1;
	}
	r->total += (size_t)n;
	if (r->total > r->max_total) {
		diag_error(d, r->name, r->line_no + 1,
			   _("the input is larger than %zu bytes: split it into several runs"),
			   r->max_total);
		return -1;
	}
	r->end += (size_t)n;
	return n > 0;
}

/* A NUL byte would end the line early for every string function after
 * here (a password cut short, a field lost): refuse it. */
static int nul_check(struct lineread *r, const char *p, size_t len, struct diags *d)
{
	if (!memchr(p, '\0', len))
		return 0;
	diag_error(d, r->name, r->line_no + 1,
		   _("the line holds a NUL byte (a binary file?): it would cut the text short"));
	return -1;
}

int lineread_next(struct lineread *r, char **line, size_t *len, struct diags *d)
{
	char *nl;
	while (!(nl = memchr(r->buf + r->start, '\n', r->end - r->start))) {
		if (nul_check(r, r->buf + r->start, r->end - r->start, d) < 0)
			return -1;
		if (r->end - r->start == r->cap) {
			diag_error(d, r->name, r->line_no + 1, _("line longer than %zu bytes"),
				   r->cap - 1);
			return -1;
		}
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			/* A last line without '\n': shorter than cap, so once at
			 * the front its NUL fits after it. */
			compact(r);
			nl = r->buf + r->end;
			break;
		}
		int got = fill(r, d);
		if (got < 0)
			return -1;
		r->eof = got == 0;
	}
	*line = r->buf + r->start;
	*len = (size_t)(nl - *line);
	if (nul_check(r, *line, *len, d) < 0)
		return -1;
	r->line_no++;
	r->start = nl == r->buf + r->end ? r->end : (size_t)(nl - r->buf) + 1;
	*nl = '\0';
	return 1;
}

unsigned lineread_line_no(const struct lineread *r)
{
	return r->line_no;
}

void lineread_free(struct lineread **rp)
{
	struct lineread *r = *rp;
	if (!r)
		return;
	explicit_bzero(r->buf, r->cap);
	free(r->buf);
	free(r);
	*rp = NULL;
}
