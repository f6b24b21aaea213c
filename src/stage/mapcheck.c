/* Verification of an installed map against the keys its source changed
 * (issue 10, defect 4): the commit calls it after every map install and
 * puts the map and its source back when it fails. Owns nothing but the
 * key list it builds. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmailadm/aliases.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/mapcheck.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

#define QUERY_TIMEOUT_MS 60000

static size_t line_start(const char *s, size_t pos)
{
	while (pos > 0 && s[pos - 1] != '\n')
		pos--;
	return pos;
}

/* A continuation line belongs to the logical line above it: a region of
 * changed lines never starts or ends in the middle of an entry. */
static bool continues(const char *s, size_t len, size_t pos)
{
	return pos < len && (s[pos] == ' ' || s[pos] == '\t');
}

/* The changed middle of both versions: [*from, *old_end) of old and
 * [*from, *cur_end) of cur, on logical line boundaries. */
static void changed_region(const char *old, size_t oldlen, const char *cur, size_t curlen,
			   size_t *from, size_t *old_end, size_t *cur_end)
{
	size_t min = oldlen < curlen ? oldlen : curlen, p = 0;
	while (p < min && old[p] == cur[p])
		p++;
	p = line_start(cur, p);
	while (p > 0 && continues(cur, curlen, p))
		p = line_start(cur, p - 1);
	size_t s = 0;
	while (s < min - p && old[oldlen - 1 - s] == cur[curlen - 1 - s])
		s++;
	size_t oe = oldlen - s, ce = curlen - s;
	/* Forward to the next line start in the common tail (the same bytes in
	 * both), then past continuation lines. */
	if ((oe > p && old[oe - 1] != '\n') || (ce > p && cur[ce - 1] != '\n')) {
		while (ce < curlen && cur[ce] != '\n')
			ce++, oe++;
		if (ce < curlen)
			ce++, oe++;
	}
	while (continues(cur, curlen, ce)) {
		while (ce < curlen && cur[ce] != '\n')
			ce++, oe++;
		if (ce < curlen)
			ce++, oe++;
	}
	*from = p;
	*old_end = oe;
	*cur_end = ce;
}

/* Does a line of s[from, to) start with key followed by a separator? */
static bool key_in(const char *s, size_t from, size_t to, const char *key)
{
	size_t k = strlen(key);
	for (size_t pos = from; pos + k <= to;) {
		if (strncasecmp(s + pos, key, k) == 0 && (pos + k == to || strchr(" \t:\r\n", s[pos + k])))
			return true;
		const char *nl = memchr(s + pos, '\n', to - pos);
		if (!nl)
			break;
		pos = (size_t)(nl - s) + 1;
	}
	return false;
}

/* key → value of every entry of a region (first one wins), in arena. */
static void region_entries(const char *text, size_t len, bool aliases, struct strmap *m, struct arena *a)
{
	struct diags quiet = DIAGS_INIT;
	struct doc *doc = doc_from_mem("region", text, len);
	if (aliases) {
		struct aliases *al = aliases_parse(doc, &quiet);
		for (size_t i = 0; i < aliases_count(al); i++) {
			const struct alias_entry *e = aliases_entry(al, i);
			if (!e->shadowed)
				strmap_add(m, arena_strdup(a, e->lookup_key), arena_strdup(a, e->value));
		}
		aliases_free(&al);
	} else {
		struct table *t = table_parse(doc, TABLE_INDEXED, &quiet);
		for (size_t i = 0; i < table_count(t); i++) {
			const struct table_entry *e = table_entry(t, i);
			if (!e->shadowed)
				strmap_add(m, arena_strdup(a, e->lookup_key), arena_strdup(a, e->value));
		}
		table_free(&t);
	}
	diags_free(&quiet);
}

static void add_key(struct mapcheck *out, const char *key, const char *value)
{
	/* A key postmap -q - cannot be asked on one line of its input. */
	if (!*key || strpbrk(key, " \t\r\n\""))
		return;
	xgrow(&out->v, &out->cap, out->n + 1, sizeof *out->v);
	out->v[out->n++] = (struct mapcheck_key){ xstrdup(key), value ? xstrdup(value) : NULL };
}

void mapcheck_changed(const char *old, size_t oldlen, const char *cur, size_t curlen, bool aliases,
		      struct mapcheck *out)
{
	size_t from, oe, ce;
	changed_region(old, oldlen, cur, curlen, &from, &oe, &ce);
	struct arena a = ARENA_INIT;
	struct strmap *before = strmap_create(16), *after = strmap_create(16);
	region_entries(old + from, oe - from, aliases, before, &a);
	region_entries(cur + from, ce - from, aliases, after, &a);
	const char *key;
	void *val;
	for (size_t pos = 0; strmap_next(after, &pos, &key, &val);) {
		const char *was = strmap_get(before, key);
		if ((!was || strcmp(was, val) != 0) && !key_in(cur, 0, from, key))
			add_key(out, key, val);
	}
	for (size_t pos = 0; strmap_next(before, &pos, &key, &val);)
		if (!strmap_get(after, key) && !key_in(cur, 0, from, key) && !key_in(cur, ce, curlen, key))
			add_key(out, key, NULL);
	strmap_free(&before);
	strmap_free(&after);
	arena_free(&a);
}

void mapcheck_free(struct mapcheck *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* The answers: "KEY<TAB>VALUE" lines (postalias: "KEY:<TAB>VALUE"). */
static struct strmap *parse_answers(char *out, bool aliases)
{
	struct strmap *m = strmap_create(16);
	for (char *line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *tab = strchr(line, '\t');
		if (tab) {
			*tab = '\0';
			size_t k = strlen(line);
			if (aliases && k && line[k - 1] == ':')
				line[k - 1] = '\0';
			strmap_add(m, line, tab + 1);
		}
		line = nl ? nl + 1 : NULL;
	}
	return m;
}

static char **query_argv(const char *program, const char *postfix_dir, const char *type, const char *path)
{
	char **words = spawn_argv_split(program);
	size_t n = 0;
	while (words[n])
		n++;
	char **argv = xcalloc(n + 6, sizeof *argv);
	memcpy(argv, words, n * sizeof *words);
	free(words);
	argv[n] = xstrdup("-c");
	argv[n + 1] = xstrdup(postfix_dir);
	argv[n + 2] = xstrdup("-q");
	argv[n + 3] = xstrdup("-");
	argv[n + 4] = xasprintf("%s:%s", type, path);
	return argv;
}

int mapcheck_verify(const char *program, const char *postfix_dir, const char *type, const char *path,
		    bool aliases, const struct mapcheck *keys, double *seconds, struct diags *d)
{
	*seconds = 0;
	if (keys->n == 0)
		return 0;
	struct strbuf in = STRBUF_INIT;
	for (size_t i = 0; i < keys->n; i++)
		sb_addf(&in, "%s\n", keys->v[i].key);
	char **argv = query_argv(program, postfix_dir, type, path);
	struct spawn_result res;
	int rc = spawn_run((const char *const *)argv, in.buf, in.len, NULL, QUERY_TIMEOUT_MS, &res, d);
	*seconds = res.seconds;
	/* Exit 1 without a word is "no key found"; anything else on stderr
	 * with a failure (the map cannot be opened) is the program's error. */
	if (rc == 0 && !(res.status == 0 || (res.status == 1 && res.err.len == 0)))
		rc = spawn_result_check((const char *const *)argv, &res, QUERY_TIMEOUT_MS, d);
	if (rc == 0) {
		struct strmap *got = parse_answers(res.out.buf ? res.out.buf : (char *)"", aliases);
		for (size_t i = 0; i < keys->n && rc == 0; i++) {
			const struct mapcheck_key *k = &keys->v[i];
			const char *v = strmap_get(got, k->key);
			if (k->value && !v)
				diag_error(d, path, 0, _("the map built from it does not answer %s"), k->key);
			else if (!k->value && v)
				diag_error(d, path, 0, _("the map built from it still answers %s"), k->key);
			else if (k->value && !aliases && strcmp(v, k->value) != 0)
				diag_error(d, path, 0, _("the map built from it answers %s with \"%s\", not \"%s\""),
					   k->key, v, k->value);
			else
				continue;
			rc = -1;
		}
		strmap_free(&got);
	}
	spawn_result_free(&res);
	spawn_argv_free(argv);
	sb_free(&in);
	return rc;
}
