/* Table references: "type:path" specs (main.cf values such as
 * hash:/etc/postfix/vmailbox), what file a type builds, and inline
 * lists read as documents; split from table.c, which edits the tables. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

static const char *const indexed_types[] = { "hash", "btree", "lmdb", "cdb", "texthash",
					     "dbm", "sdbm", NULL };

const char *table_type_built_suffix(const char *type)
{
	if (!strcmp(type, "hash") || !strcmp(type, "btree"))
		return ".db";
	if (!strcmp(type, "lmdb"))
		return ".lmdb";
	if (!strcmp(type, "cdb"))
		return ".cdb";
	return NULL;
}

bool table_ref_parse(const char *spec, struct table_ref *ref)
{
	memset(ref, 0, sizeof *ref);
	ref->spec = xstrdup(spec);
	ref->syntax = TABLE_INDEXED;
	if (spec[0] == '/') {
		ref->type = xstrdup("");
		ref->path = xstrdup(spec);
		ref->syntax = TABLE_LIST;
		ref->supported = true;
		return true;
	}
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec) {
		ref->type = xstrdup("");
		return false;
	}
	ref->type = xstrndup(spec, (size_t)(colon - spec));
	const char *rest = colon + 1;
	if (strcmp(ref->type, "proxy") == 0) {
		/* proxymap reads the same source; look through it. */
		struct table_ref inner;
		bool ok = table_ref_parse(rest, &inner);
		if (ok && inner.syntax != TABLE_LIST) {
			free(ref->type);
			ref->type = inner.type;
			ref->path = inner.path;
			ref->syntax = inner.syntax;
			ref->supported = true;
			free(inner.spec);
			return true;
		}
		table_ref_free(&inner);
		return false;
	}
	if (!*rest)
		return false;
	for (size_t i = 0; indexed_types[i]; i++)
		if (strcmp(ref->type, indexed_types[i]) == 0) {
			ref->path = xstrdup(rest);
			ref->supported = true;
			return true;
		}
	if (strcmp(ref->type, "regexp") == 0 || strcmp(ref->type, "pcre") == 0) {
		ref->path = xstrdup(rest);
		ref->syntax = TABLE_REGEXP;
		ref->supported = true;
		return true;
	}
	return false;
}

void table_ref_free(struct table_ref *ref)
{
	xfree(&ref->type);
	xfree(&ref->path);
	xfree(&ref->spec);
}

/* hash:/x and btree:/x read the same source file: one table for edits. */
bool table_ref_same(const struct table_ref *a, const struct table_ref *b)
{
	if (!a->path || !b->path)
		return strcmp(a->spec, b->spec) == 0;
	return strcmp(a->path, b->path) == 0 &&
	       (a->syntax == b->syntax || strcmp(a->type, b->type) == 0);
}

/* inline:{k=v, k2=v2}, small enough to read when simple: NULL for nested
 * braces or an item without '='. */
struct doc *table_inline_doc(const char *spec)
{
	const char *open = strchr(spec, '{');
	const char *close = strrchr(spec, '}');
	if (!open || !close || close < open)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *p = open + 1;
	while (p < close) {
		while (p < close && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		const char *s = p;
		while (p < close && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if (p == s)
			break;
		const char *eq = memchr(s, '=', (size_t)(p - s));
		if (!eq || eq == s || *s == '{') {
			sb_free(&sb);
			return NULL;
		}
		sb_add(&sb, s, (size_t)(eq - s));
		sb_addc(&sb, ' ');
		sb_add(&sb, eq + 1, (size_t)(p - eq - 1));
		sb_addc(&sb, '\n');
	}
	struct doc *doc = doc_from_mem(spec, sb_str(&sb), sb.len);
	sb_free(&sb);
	return doc;
}


/* An RFC 822 comment at p ('('): the text after it (nested, \-escapes). */
