/* A query's rows read with COPY (...) TO STDOUT: the server sends each row
 * as one line of text, which costs the client a fraction of a PGresult's
 * per-field work (on 100,000 mailboxes libpq's result building was a third
 * of a snapshot's time). Every field is unescaped (COPY's text format)
 * into one buffer, NUL-terminated, and found by its offset. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/arena.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/xalloc.h"

/* COPY's text escapes (the COPY reference, "Text Format"): a backslash
 * then b f n r t v, 1 to 3 octal digits, x and 1 or 2 hex digits, or any
 * other character standing for itself; \N alone is NULL, read as "". */
static size_t copy_unescape(const char *in, size_t n, char *out)
{
	if (n == 2 && in[0] == '\\' && in[1] == 'N')
		return 0;
	if (!memchr(in, '\\', n)) {   /* nearly every field: copied whole */
		memcpy(out, in, n);
		return n;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\\' || i + 1 == n) {
			out[o++] = in[i];
			continue;
		}
		char c = in[++i];
		static const char from[] = "bfnrtv", to[] = "\b\f\n\r\t\v";
		const char *e = strchr(from, c);
		if (c && e) {
			out[o++] = to[e - from];
		} else if (c >= '0' && c <= '7') {
			int v = 0;
			for (int k = 0; k < 3 && i < n && in[i] >= '0' && in[i] <= '7'; k++)
				v = v * 8 + (in[i++] - '0');
			i--;
			out[o++] = (char)v;
		} else if (c == 'x' && i + 1 < n && strchr("0123456789abcdefABCDEF", in[i + 1])) {
			int v = 0;
			for (int k = 0; k < 2 && i + 1 < n && in[i + 1] && strchr("0123456789abcdefABCDEF", in[i + 1]); k++) {
				char h = in[++i];
				v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
			}
			out[o++] = (char)v;
		} else {
			out[o++] = c;
		}
	}
	return o;
}

/* Room for n more bytes in the last chunk: a new chunk when it is full,
 * so that nothing read is ever copied again (a doubling buffer copied and
 * faulted in ~30 MB per 100,000 rows). The chunks double from 64 KiB to
 * 8 MiB (a small table takes little) and are mapped in one call each
 * (arena_populate: 4 KiB page faults were a sixth of the read). */
static char *copy_room(struct pgcopy *c, size_t n)
{
	if (c->nchunks == 0 || c->room - c->used < n) {
		size_t size = c->nchunks ? c->room * 2 : (size_t)64 << 10;
		if (size > (size_t)8 << 20)
			size = (size_t)8 << 20;
		if (size < n)
			size = n;
		xgrow(&c->chunk, &c->chunkcap, c->nchunks + 1, sizeof *c->chunk);
		c->chunk[c->nchunks++] = xmalloc(size);
		arena_populate(c->chunk[c->nchunks - 1], size);
		c->used = 0;
		c->room = size;
	}
	return c->chunk[c->nchunks - 1] + c->used;
}

/* One line of COPY output: its nf fields appended to c. */
static int copy_line(struct pgcopy *c, const char *line, size_t len)
{
	if (len && line[len - 1] == '\n')
		len--;
	size_t need = (c->nrows + 1) * (size_t)c->nf;
	if (need > c->fieldcap) {
		size_t had = c->fieldcap;
		xgrow(&c->field, &c->fieldcap, need, sizeof *c->field);
		arena_populate(c->field + had, (c->fieldcap - had) * sizeof *c->field);
	}
	const char **field = c->field + c->nrows * (size_t)c->nf;
	char *out = copy_room(c, len + (size_t)c->nf), *start = out;
	const char *p = line, *end = line + len;
	for (int f = 0; f < c->nf; f++) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		const char *stop = tab ? tab : end;
		if ((f + 1 < c->nf) != (tab != NULL))
			return -1;   /* not the number of columns asked for */
		field[f] = out;
		out += copy_unescape(p, (size_t)(stop - p), out);
		*out++ = '\0';
		p = stop + 1;
	}
	c->used += (size_t)(out - start);
	c->bytes += (size_t)(out - start);
	c->nrows++;
	return 0;
}

int pgcopy_read(struct pgdb *db, const char *select, int nf, struct pgcopy *c, struct diags *d)
{
	memset(c, 0, sizeof *c);
	c->nf = nf;
	char *sql = xasprintf("COPY (%s) TO STDOUT", select);
	PGresult *r = PQexec(db->conn, sql);
	free(sql);
	bool copying = PQresultStatus(r) == PGRES_COPY_OUT;
	PQclear(r);
	if (!copying) {
		pgdb_server_error(d, _("the database refused a query"), PQerrorMessage(db->conn));
		return -1;
	}
	int rc = 0, n;
	char *line;
	while ((n = PQgetCopyData(db->conn, &line, 0)) > 0) {
		if (rc == 0 && copy_line(c, line, (size_t)n) < 0) {
			diag_error(d, NULL, 0, _("the database sent a row of %s that cannot be read"),
				   select);
			rc = -1;
		}
		PQfreemem(line);
	}
	/* -1: the copy is over, its result follows; -2: the connection failed. */
	while ((r = PQgetResult(db->conn)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
			pgdb_server_error(d, _("the database refused a query"), PQerrorMessage(db->conn));
			rc = -1;
		}
		PQclear(r);
	}
	if (n == -2 && rc == 0) {
		pgdb_server_error(d, _("the database refused a query"), PQerrorMessage(db->conn));
		rc = -1;
	}
	return rc;
}

void pgcopy_free(struct pgcopy *c)
{
	for (size_t i = 0; i < c->nchunks; i++)
		free(c->chunk[i]);
	free(c->chunk);
	free(c->field);
	memset(c, 0, sizeof *c);
}
