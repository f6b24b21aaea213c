/* Unit tests for the read-only table index (tableidx.c): on every fixture
 * under tests/fixtures/table/ and on thousands of random tables (continuation
 * lines, comments inside entries, duplicates differing in case, quoted keys,
 * backslashes, CRLF, NUL bytes, missing final newline, malformed lines) it
 * must answer every lookup and report every diagnostic exactly as
 * table_parse() + table_lookup() do. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/doc.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/xalloc.h"

/* Every diagnostic as one line, for comparing two lists. */
static char *diags_text(const struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < d->n; i++)
		sb_addf(&sb, "%d %s:%u %s\n", (int)d->v[i].level, d->v[i].file ? d->v[i].file : "-",
			d->v[i].line, d->v[i].msg);
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

static char *upper(const char *s)
{
	char *u = xstrdup(s);
	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

static unsigned mismatches;

/* One key asked of both: same presence, line, value and key as written. */
static void same_answer(const struct table *t, const struct tableidx *x, const char *key,
			const char *what)
{
	const struct table_entry *e = table_lookup(t, key);
	unsigned line = 0;
	char *value = NULL, *written = NULL;
	bool hit = tableidx_lookup(x, key, &line, &value, &written);
	bool same = (e != NULL) == hit;
	if (same && e)
		same = line == e->line && strcmp(value, e->value) == 0 &&
		       strcmp(written, e->key) == 0;
	if (!same && mismatches++ < 5)
		fprintf(stderr, "\n%s: key '%s': table %s:%u '%s', index %s:%u '%s'\n", what, key,
			e ? "hit" : "miss", e ? e->line : 0, e ? e->value : "", hit ? "hit" : "miss",
			line, value ? value : "");
	CU_ASSERT(same);
	free(value);
	free(written);
}

/* Parse data both ways and compare everything a reader can ask. */
static void compare(const char *name, const char *data, size_t len, enum table_syntax syn)
{
	struct diags dt = DIAGS_INIT, dx = DIAGS_INIT;
	struct table *t = table_parse(doc_from_mem(name, data, len), syn, &dt);
	struct tableidx *x = tableidx_from_mem(name, data, len, syn, &dx);
	char *a = diags_text(&dt), *b = diags_text(&dx);
	if (strcmp(a, b) != 0 && mismatches++ < 5)
		fprintf(stderr, "\n%s: diagnostics differ:\n--- table:\n%s--- index:\n%s", name, a, b);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	size_t distinct = 0;
	for (size_t i = 0; i < table_count(t); i++) {
		const struct table_entry *e = table_entry(t, i);
		distinct += !e->shadowed;
		same_answer(t, x, e->lookup_key, name);
		same_answer(t, x, e->key, name);
		char *u = upper(e->key);
		same_answer(t, x, u, name);
		free(u);
		char *more = xasprintf("%sx", e->lookup_key);
		same_answer(t, x, more, name);
		free(more);
		if (e->lookup_key[0]) {
			char *less = xstrndup(e->lookup_key, strlen(e->lookup_key) - 1);
			same_answer(t, x, less, name);
			free(less);
		}
	}
	CU_ASSERT_EQUAL(tableidx_count(x), distinct);
	same_answer(t, x, "", name);
	same_answer(t, x, "absent@nowhere.test", name);
	table_free(&t);
	tableidx_free(&x);
	diags_free(&dt);
	diags_free(&dx);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(&sb, buf, n);
	fclose(fp);
	*len = sb.len;
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

/* Every fixture that is not a golden listing or a pattern table, read as an
 * indexed table and as a list (the parsers must agree on both readings),
 * from memory and through tableidx_open() (the mapped file). */
static void test_fixtures(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cu_fixture("table"));
	DIR *dp = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	struct dirent *de;
	unsigned files = 0;
	while ((de = readdir(dp))) {
		const char *n = de->d_name;
		size_t nl = strlen(n);
		if (n[0] == '.' || (nl > 4 && strcmp(n + nl - 4, ".out") == 0) || strstr(n, ".pcre") ||
		    strstr(n, ".regexp"))
			continue;
		char *path = xasprintf("%s/%s", dir, n);
		size_t len;
		char *data = slurp(path, &len);
		compare(path, data, len, TABLE_INDEXED);
		compare(path, data, len, TABLE_LIST);

		/* the mapped file gives the same as the copy */
		struct diags d1 = DIAGS_INIT, d2 = DIAGS_INIT;
		struct tableidx *m = NULL;
		CU_ASSERT_EQUAL(tableidx_open(path, TABLE_INDEXED, false, &m, &d1), 0);
		struct tableidx *c = tableidx_from_mem(path, data, len, TABLE_INDEXED, &d2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT(tableidx_exists(m));
		CU_ASSERT_EQUAL(tableidx_count(m), tableidx_count(c));
		CU_ASSERT_EQUAL(d1.n, d2.n);
		tableidx_free(&m);
		tableidx_free(&c);
		diags_free(&d1);
		diags_free(&d2);
		free(data);
		free(path);
		files++;
	}
	closedir(dp);
	CU_ASSERT(files >= 8);
}

/* A tiny deterministic generator (the runs must be reproducible). */
static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const keys[] = {
	"alice@example.com", "Alice@Example.COM", "ALICE@example.com", "bob@example.com",
	"@example.com", "\"a b\"@example.com", "\"A B\"@Example.com", "\"x\\\"y\"@q.test",
	"back\\ slash@q.test", "root", "Root:", "example.com", "EXAMPLE.com", "other.test",
	"\"open@q.test", "k\\", "#notcomment", "a,b", "x\"y z\"w@q.test",
	"ctl\001byte@q.test", "Ut\xc3\xa9" "f8@Q.test", "long.key.of.many.bytes@sub.example.com",
	"LONG.KEY.OF.MANY.BYTES@SUB.EXAMPLE.COM", "long.key.of.many.bytes@sub.exam\"ple.com",
	"eightchr", "EIGHTCHR:", "sixteen.chars.ok\\",
};
#define NKEYS (sizeof keys / sizeof keys[0])
static const char *const values[] = {
	"alice@example.com", "a@x, b@y", "  spaced  ", "v # not a comment", "d/u/", "\"q v\"",
	"", "\t", "x,", "y\\",
};
static const char *const seps[] = { " ", "\t", "  \t ", "" };
static const char *const eols[] = { "\n", "\n", "\n", "\r\n" };

static void gen_table(struct strbuf *sb)
{
	unsigned lines = 1 + rnd(30);
	bool crlf = rnd(4) == 0;
	for (unsigned i = 0; i < lines; i++) {
		const char *eol = crlf ? eols[3] : eols[rnd(4)];
		switch (rnd(12)) {
		case 0:
			sb_addf(sb, "# comment %u%s", i, eol);
			break;
		case 1:
			sb_addf(sb, "%s%s", rnd(2) ? "" : " \t", eol);
			break;
		case 2:   /* a continuation line (maybe with nothing to continue) */
			sb_addf(sb, "%s%s%s", rnd(2) ? "  " : "\t", values[rnd(10)], eol);
			break;
		case 3:   /* an indented comment inside an entry */
			sb_addf(sb, "   # inner%s", eol);
			break;
		case 4:   /* a NUL byte somewhere */
			sb_adds(sb, keys[rnd(NKEYS)]);
			sb_addc(sb, rnd(2) ? ' ' : '\0');
			sb_addc(sb, '\0');
			sb_addf(sb, "v%s", eol);
			break;
		case 5:   /* several words (a list line) */
			sb_addf(sb, "%s, %s %s%s", keys[rnd(NKEYS)], keys[rnd(NKEYS)], keys[rnd(NKEYS)], eol);
			break;
		default:
			sb_addf(sb, "%s%s%s%s", keys[rnd(NKEYS)], seps[rnd(4)], values[rnd(10)], eol);
			break;
		}
	}
	if (rnd(4) == 0 && sb->len > 0 && sb->buf[sb->len - 1] == '\n')
		sb_truncate(sb, sb->len - 1);   /* no final newline */
}

static void test_random(void)
{
	struct strbuf sb = STRBUF_INIT;
	for (unsigned i = 0; i < 3000 && mismatches == 0; i++) {
		sb_reset(&sb);
		gen_table(&sb);
		char name[32];
		snprintf(name, sizeof name, "random%u", i);
		compare(name, sb.buf ? sb.buf : "", sb.len, i % 2 ? TABLE_LIST : TABLE_INDEXED);
	}
	sb_free(&sb);
}

/* A large table: every key found, on its line, and the index grows. */
static void test_large(void)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "# big\n");
	for (unsigned i = 0; i < 50000; i++)
		sb_addf(&sb, "User%05u@Dom%u.test\td%u/u%u/\n", i, i % 50, i % 50, i);
	sb_adds(&sb, "user00007@dom7.test\tshadowed\n");
	struct diags d = DIAGS_INIT;
	struct tableidx *x = tableidx_from_mem("big", sb.buf, sb.len, TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(tableidx_count(x), 50000);
	CU_ASSERT_EQUAL(d.n, 1);
	unsigned line;
	char *v = NULL;
	CU_ASSERT(tableidx_lookup(x, "user00007@dom7.test", &line, &v, NULL));
	CU_ASSERT_EQUAL(line, 9);
	CU_ASSERT_STRING_EQUAL(v, "d7/u7/");
	free(v);
	CU_ASSERT(tableidx_lookup(x, "USER49999@DOM49.TEST", &line, NULL, NULL));
	CU_ASSERT_EQUAL(line, 50001);
	CU_ASSERT(!tableidx_lookup(x, "user50000@dom0.test", &line, NULL, NULL));
	tableidx_free(&x);
	diags_free(&d);
	sb_free(&sb);
}

static void test_missing_and_unreadable(void)
{
	struct diags d = DIAGS_INIT;
	struct tableidx *x = NULL;
	CU_ASSERT_EQUAL(tableidx_open("/nonexistent/vmailadm/t", TABLE_INDEXED, true, &x, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT(!tableidx_exists(x));
	CU_ASSERT_EQUAL(tableidx_count(x), 0);
	CU_ASSERT(!tableidx_lookup(x, "a", NULL, NULL, NULL));
	tableidx_free(&x);
	CU_ASSERT_EQUAL(tableidx_open("/nonexistent/vmailadm/t", TABLE_INDEXED, false, &x, &d), -1);
	CU_ASSERT_PTR_NULL(x);
	CU_ASSERT(diags_has_errors(&d));
	diags_free(&d);
	CU_ASSERT_EQUAL(tableidx_open("/", TABLE_LIST, true, &x, &d), -1);
	CU_ASSERT(diags_has_errors(&d));
	diags_free(&d);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "every fixture: same answers and diagnostics as table_parse", test_fixtures },
		{ "3000 random tables: same answers and diagnostics", test_random },
		{ "50,000 keys", test_large },
		{ "missing file, unreadable path", test_missing_and_unreadable },
		CU_TEST_INFO_NULL,
	};
	return cu_run("tableidx", tests);
}
