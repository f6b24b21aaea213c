/* backend: pgsql — the row diff of the staged edits computed from the
 * lines they changed, not from two whole worlds. A row is made from the
 * lines of its own domain only (a mailbox from its vmailbox and passwd-file
 * lines, an alias from its line and its domain's listing, an alias domain
 * from all of its domain's lines), so the rows that can differ are those
 * of the domains where a line changed. Two small worlds loaded from only
 * the snapshot lines of those domains (as read, then as staged) give the
 * same row diff as the whole snapshot's worlds: with 2,000 domains on
 * 100,000 mailboxes about 0.1 s instead of two loads and 400,000 rows
 * (~3 s); a server of one big domain reads that whole domain.
 *
 * Only the snapshot's own files (written by db export's code, one key a
 * line) are read in part; when anything else changed (main.cf, another
 * file), the caller takes the whole worlds (pgrowdiff returns NULL). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stage_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

struct rowdiff_ctx {
	struct stage *s;
	const char *dir;          /* the snapshot's directory */
	struct strmap *keys;      /* keys (lowercase) whose lines changed */
	struct strmap *domains;   /* their domains (a key without @ is one) */
	bool staged;              /* the bytes as staged, else as read */
};

/* A logical line's key: its first field, lowercased (Postfix's keys are
 * case-insensitive), up to a blank, or a colon in the passwd-file. */
static size_t line_key(const char *p, const char *end, char *out, size_t cap)
{
	size_t n = 0;
	while (p < end && *p != ' ' && *p != '\t' && *p != ':' && *p != '\n' && n + 1 < cap) {
		char c = *p++;
		out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return n;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl + 1 : end;
}

/* The logical line from p: the line and the ones that continue it
 * (starting with a blank, as in a Postfix table). */
static const char *logical_end(const char *p, const char *end)
{
	const char *q = line_end(p, end);
	while (q < end && (*q == ' ' || *q == '\t'))
		q = line_end(q, end);
	return q;
}

static void note_key(struct rowdiff_ctx *c, const char *p, const char *end)
{
	char key[512];
	if (*p == '#' || *p == ' ' || *p == '\t' || *p == '\n' ||
	    line_key(p, end, key, sizeof key) == 0)
		return;
	strmap_put(c->keys, key, c->keys);
	const char *at = strrchr(key, '@');
	strmap_put(c->domains, at ? at + 1 : key, c->domains);
}

/* The keys of the logical lines that differ between a and b: the lines
 * between their common head and common tail, on both sides. */
static void note_changed(struct rowdiff_ctx *c, const struct strbuf *a, const struct strbuf *b)
{
	size_t head = 0, max = a->len < b->len ? a->len : b->len;
	while (head < max && a->buf[head] == b->buf[head])
		head++;
	size_t tail = 0;
	while (tail < max - head && a->buf[a->len - 1 - tail] == b->buf[b->len - 1 - tail])
		tail++;
	const struct strbuf *side[2] = { a, b };
	for (int k = 0; k < 2; k++) {
		const char *buf = side[k]->buf, *end = buf + side[k]->len;
		/* back to the start of the logical line holding the first change */
		size_t from = head;
		while (from > 0 && buf[from - 1] != '\n')
			from--;
		while (from > 0 && (buf[from] == ' ' || buf[from] == '\t')) {
			from--;
			while (from > 0 && buf[from - 1] != '\n')
				from--;
		}
		const char *stop = end - tail;
		for (const char *p = buf + from; p < end && p <= stop; p = logical_end(p, end))
			note_key(c, p, end);
	}
}

/* Whether a snapshot line belongs in the small worlds: it is of a domain
 * where a line changed (an address there, or the domain's listing). */
static bool line_wanted(const struct rowdiff_ctx *c, const char *p, const char *end)
{
	char key[512];
	if (line_key(p, end, key, sizeof key) == 0)
		return false;
	const char *at = strrchr(key, '@');
	return strmap_get(c->domains, at ? at + 1 : key) || strmap_get(c->keys, key);
}

static int rowdiff_source_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
			       struct diags *d)
{
	struct rowdiff_ctx *c = ctx;
	size_t n = strlen(c->dir);
	const char *slash = strrchr(path, '/');
	if (strncmp(path, c->dir, n) != 0 || path + n != slash || !strcmp(slash, "/main.cf"))
		return stagefile_source_load(c->s, path, missing_ok, out, d);
	struct staged_file *f = stagefile_get(c->s, path);
	if (!f && !(f = stagefile_read(c->s, path, missing_ok, d)))
		return -1;
	const struct strbuf *b = c->staged ? stagefile_bytes(c->s, f) : stagefile_old(f);
	struct strbuf keep = STRBUF_INIT;
	const char *end = b->buf + b->len;
	for (const char *p = b->buf; p < end;) {
		const char *q = logical_end(p, end);
		if (line_wanted(c, p, end))
			sb_add(&keep, p, (size_t)(q - p));
		p = q;
	}
	*out = doc_from_mem(path, sb_str(&keep), keep.len);
	sb_free(&keep);
	return 0;
}

static struct world *rowdiff_world(struct rowdiff_ctx *c, bool staged)
{
	c->staged = staged;
	struct doc_source src = { rowdiff_source_load, c, NULL };
	struct world *w = NULL;
	struct diags quiet = DIAGS_INIT;   /* the whole world's load said them */
	if (world_load_from(c->s->cfg, &src, &w, &quiet) < 0)
		w = NULL;
	diags_free(&quiet);
	return w;
}

struct pgdiff *pgrowdiff(struct stage *s)
{
	const char *dir = pgdb_snapshot_dir();
	/* VMAILADM_ROWDIFF_WHOLE=1: the whole worlds, for the tests that
	 * check both ways give the same preview (vmailadm(1)). */
	const char *whole = getenv("VMAILADM_ROWDIFF_WHOLE");
	if (!dir || (whole && *whole == '1'))
		return NULL;
	struct rowdiff_ctx c = { .s = s, .dir = dir, .keys = strmap_create(64),
				 .domains = strmap_create(16) };
	size_t n = strlen(dir);
	bool partial = true;
	for (size_t i = 0; i < s->npaths && partial; i++) {
		struct staged_file *f = stagefile_get(s, s->paths[i]);
		if (!stagefile_changed(f))
			continue;
		const char *slash = strrchr(f->path, '/');
		if (strncmp(f->path, dir, n) != 0 || f->path + n != slash || !strcmp(slash, "/main.cf"))
			partial = false;   /* not one of the snapshot's tables */
		else
			note_changed(&c, stagefile_old(f), stagefile_bytes(s, f));
	}
	struct pgdiff *df = NULL;
	if (partial) {
		struct world *before = rowdiff_world(&c, false), *after = rowdiff_world(&c, true);
		if (before && after)
			df = pgdb_diff(before, after);
		world_free(&before);
		world_free(&after);
	}
	strmap_free(&c.keys);
	strmap_free(&c.domains);
	return df;
}
