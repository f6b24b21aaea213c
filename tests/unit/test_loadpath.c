/* Unit tests for the fast load path (issue 2, "Speed"): the borrowed-key
 * strmap and its hash, the string arena, the parsers' delayed indexing
 * (duplicate warnings stay in line order), and a generated world whose
 * domain runs are out of order, so both sorting paths of the model run. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* Field f of entry e is want. */
#define ASSERT_FIELD(e, f, want)                                \
	do {                                                    \
		char *got_ = pwfile_field_dup((e), (f));         \
		CU_ASSERT_STRING_EQUAL(got_, (want));           \
		free(got_);                                     \
	} while (0)

static void test_borrowed_keys(void)
{
	struct strmap *m = strmap_create_borrowed(0);
	char keys[3000][16];
	for (int i = 0; i < 3000; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		CU_ASSERT_TRUE(strmap_add(m, keys[i], keys[i]));
	}
	CU_ASSERT_FALSE(strmap_add(m, "k7", NULL));     /* first wins */
	CU_ASSERT_PTR_EQUAL(strmap_get(m, "k7"), keys[7]);
	/* the map holds the caller's pointers, not copies */
	size_t pos = 0, n = 0;
	const char *k;
	void *v;
	while (strmap_next(m, &pos, &k, &v)) {
		CU_ASSERT_PTR_EQUAL(k, v);
		n++;
	}
	CU_ASSERT_EQUAL(n, 3000);
	CU_ASSERT_TRUE(strmap_del(m, "k10"));
	CU_ASSERT_PTR_NULL(strmap_get(m, "k10"));
	CU_ASSERT_EQUAL(strmap_count(m), 2999);
	strmap_free(&m);   /* must not free the borrowed keys (ASan/valgrind) */
	CU_ASSERT_STRING_EQUAL(keys[10], "k10");
}

/* Adding and deleting forever in a small map reuses its tombstones: the
 * lookups stay right and the loop ends. */
static void test_tombstone_churn(void)
{
	struct strmap *m = strmap_create(4);
	char key[32];
	for (long i = 0; i < 200000; i++) {
		snprintf(key, sizeof key, "churn%ld", i);
		CU_ASSERT_TRUE_FATAL(strmap_add(m, key, (void *)(i + 1)));
		if (i >= 3) {
			snprintf(key, sizeof key, "churn%ld", i - 3);
			CU_ASSERT_TRUE_FATAL(strmap_del(m, key));
		}
	}
	CU_ASSERT_EQUAL(strmap_count(m), 3);
	CU_ASSERT_PTR_EQUAL(strmap_get(m, "churn199999"), (void *)200000);
	CU_ASSERT_PTR_NULL(strmap_get(m, "churn199996"));
	strmap_free(&m);
}

static void test_add_hash_and_prefetch(void)
{
	struct strmap *m = strmap_create(8);
	uint32_t h = strmap_hash("alice@example.org");
	CU_ASSERT_EQUAL(h, strmap_hash("alice@example.org"));
	strmap_prefetch(m, h);
	CU_ASSERT_TRUE(strmap_add_hash(m, "alice@example.org", h, (void *)1));
	CU_ASSERT_FALSE(strmap_add(m, "alice@example.org", (void *)2));
	CU_ASSERT_PTR_EQUAL(strmap_get(m, "alice@example.org"), (void *)1);
	strmap_free(&m);
}

/* Keys that differ in one byte anywhere (in the 8-byte steps or the tail)
 * hash apart, and 50,000 similar addresses spread evenly over the high
 * bits that choose a slot. */
static void test_hash_spreads(void)
{
	const char *base = "user000123@dom042.example";
	size_t len = strlen(base);
	char k[64];
	uint32_t h0 = strmap_hash(base);
	for (size_t i = 0; i < len; i++) {
		memcpy(k, base, len + 1);
		k[i] ^= 1;
		CU_ASSERT_NOT_EQUAL(strmap_hash(k), h0);
	}
	CU_ASSERT_NOT_EQUAL(strmap_hash(""), strmap_hash("a"));
	CU_ASSERT_NOT_EQUAL(strmap_hash("abcdefgh"), strmap_hash("abcdefgh\x01"));
	enum { N = 50000, B = 256 };
	unsigned count[B] = { 0 };
	for (int i = 0; i < N; i++) {
		snprintf(k, sizeof k, "user%06d@dom%03d.example", i, i % 100);
		count[strmap_hash(k) >> 24]++;
	}
	unsigned max = 0, min = N;
	for (int b = 0; b < B; b++) {
		max = count[b] > max ? count[b] : max;
		min = count[b] < min ? count[b] : min;
	}
	/* mean 195; a binomial spread stays well inside this */
	CU_ASSERT(max < 280);
	CU_ASSERT(min > 120);
}

static void test_arena(void)
{
	struct arena a = ARENA_INIT;
	char *s = arena_memdup0(&a, "a\0b", 3);
	CU_ASSERT_EQUAL(memcmp(s, "a\0b\0", 4), 0);
	CU_ASSERT_STRING_EQUAL(arena_fold(&a, "MiXeD@Ex.ORG\xc3\x89", 14), "mixed@ex.org\xc3\x89");
	CU_ASSERT_STRING_EQUAL(arena_fold(&a, "ABC", 2), "ab");
	/* many strings, none overwriting another; a block larger than a chunk */
	char *v[5000];
	char want[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(want, sizeof want, "string number %d", i);
		v[i] = arena_strdup(&a, want);
		if (i % 7 == 0)
			CU_ASSERT_EQUAL((uintptr_t)arena_alloc(&a, 24, 0) % _Alignof(max_align_t), 0);
	}
	char *big = arena_alloc(&a, 3 * 1024 * 1024, 1);
	memset(big, 'x', 3 * 1024 * 1024);
	for (int i = 0; i < 5000; i++) {
		snprintf(want, sizeof want, "string number %d", i);
		CU_ASSERT_STRING_EQUAL_FATAL(v[i], want);
	}
	arena_free(&a);
	CU_ASSERT_PTR_NULL(a.head);
	CU_ASSERT_STRING_EQUAL(arena_strdup(&a, "again"), "again");   /* usable after free */
	arena_free(&a);
}

static char *all_diags(const struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);
		sb_adds(&sb, s);
		sb_addc(&sb, '\n');
		free(s);
	}
	return sb_detach(&sb);
}

/* A duplicate is indexed one entry late (its slot prefetched meanwhile);
 * its warning must still come before the next line's problems. */
static void test_table_duplicate_order(void)
{
	struct diags d = DIAGS_INIT;
	const char *text = "a x\nA y\nbad\nb z\nb w\n\"open x\n";
	struct table *t = table_parse(doc_from_mem("t", text, strlen(text)), TABLE_INDEXED, &d);
	char *got = all_diags(&d);
	CU_ASSERT_STRING_EQUAL(got,
		"t:2: warning: duplicate entry: \"a\" (first on line 1, which Postfix uses)\n"
		"t:3: error: expected format: key whitespace value\n"
		"t:5: warning: duplicate entry: \"b\" (first on line 4, which Postfix uses)\n"
		"t:6: error: unbalanced '\"' in '\"open x' -- ignoring this line\n");
	free(got);
	CU_ASSERT_EQUAL(table_count(t), 4);
	CU_ASSERT_TRUE(table_entry(t, 1)->shadowed);
	CU_ASSERT_FALSE(table_entry(t, 2)->shadowed);
	CU_ASSERT_TRUE(table_entry(t, 3)->shadowed);
	CU_ASSERT_EQUAL(table_lookup(t, "B")->line, 4);
	/* the key shares its folded form only when it is lower case already */
	CU_ASSERT_PTR_EQUAL(table_entry(t, 0)->key, table_entry(t, 0)->lookup_key);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->key, "A");
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->lookup_key, "a");
	table_free(&t);
	diags_free(&d);

	text = "one, two ONE\nthree two\n";
	t = table_parse(doc_from_mem("l", text, strlen(text)), TABLE_LIST, &d);
	got = all_diags(&d);
	CU_ASSERT_STRING_EQUAL(got,
		"l:1: warning: \"one\" is already listed on line 1\n"
		"l:2: warning: \"two\" is already listed on line 1\n");
	free(got);
	table_free(&t);
	diags_free(&d);
}

static void test_pwfile_duplicate_order(void)
{
	struct diags d = DIAGS_INIT;
	const char *text = "u@x:p\nU@x:q\nv@x:p:0\nw@x:p\nW@x:q:-1\n";
	struct pwfile *p = pwfile_parse(doc_from_mem("p", text, strlen(text)), &d);
	char *got = all_diags(&d);
	CU_ASSERT_STRING_EQUAL(got,
		"p:2: warning: user name \"U@x\" has upper-case letters: Dovecot looks up "
		"lower-cased names, so this line never matches\n"
		"p:2: warning: user U@x exists more than once: line 1 wins, this line is ignored\n"
		"p:3: error: user v@x has invalid UID \"0\"\n"
		"p:5: warning: user name \"W@x\" has upper-case letters: Dovecot looks up "
		"lower-cased names, so this line never matches\n"
		"p:5: error: user W@x has invalid UID \"-1\"\n"
		"p:5: warning: user W@x exists more than once: line 4 wins, this line is ignored\n");
	free(got);
	CU_ASSERT_EQUAL(pwfile_count(p), 5);
	CU_ASSERT_TRUE(pwfile_entry(p, 1)->shadowed);
	CU_ASSERT_EQUAL(pwfile_lookup(p, "W@X")->line, 4);
	pwfile_free(&p);
	diags_free(&d);
}

/* Fields cut in place: absent ones are "", extra keeps its colons, a NUL
 * byte ends its field; pwfile_extra_find agrees with pwfile_extra_get. */
static void test_pwfile_fields(void)
{
	struct diags d = DIAGS_INIT;
	const char text[] = "a@x:{PLAIN}pw\n"
			    "b@x:h:5000:5000::/home/b::userdb_quota_rule=*:storage=1G "
			    "quota_rule=*:storage=2G userdb_quota_rule=*:storage=3G nopassword\n"
			    "c@x:p\0w:1\n";
	struct pwfile *p = pwfile_parse(doc_from_mem("p", text, sizeof text - 1), &d);
	CU_ASSERT_EQUAL_FATAL(pwfile_count(p), 3);
	const struct pwfile_entry *a = pwfile_entry(p, 0), *b = pwfile_entry(p, 1),
				  *c = pwfile_entry(p, 2);
	ASSERT_FIELD(a, PWFILE_PASSWORD, "{PLAIN}pw");
	ASSERT_FIELD(a, PWFILE_UID, "");
	ASSERT_FIELD(a, PWFILE_SHELL, "");
	ASSERT_FIELD(a, PWFILE_EXTRA, "");
	ASSERT_FIELD(b, PWFILE_HOME, "/home/b");
	ASSERT_FIELD(b, PWFILE_EXTRA, "userdb_quota_rule=*:storage=1G quota_rule=*:storage=2G "
					 "userdb_quota_rule=*:storage=3G nopassword");
	ASSERT_FIELD(c, PWFILE_PASSWORD, "p");
	ASSERT_FIELD(c, PWFILE_UID, "1");
	const char *keys[] = { "quota_rule", "userdb_quota_rule", "nopassword", "absent",
			       "userdb_nopassword", "quota" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		char *got = pwfile_extra_get(b, keys[i]);
		size_t len;
		const char *v = pwfile_extra_find(b, keys[i], &len);
		CU_ASSERT_EQUAL(got == NULL, v == NULL);
		if (got && v)
			CU_ASSERT(strlen(got) == len && memcmp(got, v, len) == 0);
		free(got);
	}
	size_t len;
	const char *v = pwfile_extra_find(b, "quota_rule", &len);
	CU_ASSERT(v && len == 12 && memcmp(v, "*:storage=3G", 12) == 0);
	v = pwfile_extra_find(b, "nopassword", &len);
	CU_ASSERT(v && len == 0);
	pwfile_free(&p);
	diags_free(&d);
}

/* ---- a generated world read through a doc_source (no files) ---- */

struct memfile {
	const char *path;
	char *text;
};

struct memfs {
	struct memfile f[8];
	size_t n;
};

static int mem_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		    struct diags *d)
{
	struct memfs *fs = ctx;
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].path, path) == 0) {
			*out = doc_from_mem(path, fs->f[i].text, strlen(fs->f[i].text));
			return 0;
		}
	return doc_load("/nonexistent/vmailadm-test", missing_ok, out, d);
}

/* Three domains: b.test's mailboxes in descending order (its run must be
 * sorted), a.test's in order, c.test's in order with a duplicate from a
 * second map; keys in upper case (folded by the table); aliases to every
 * tenth mailbox (distinct ones), the first with an identity target. */
static void test_generated_world(void)
{
	enum { N = 3000 };
	struct strbuf mc = STRBUF_INIT, vm = STRBUF_INIT, vm2 = STRBUF_INIT, va = STRBUF_INIT,
		      pw = STRBUF_INIT;
	sb_adds(&mc, "virtual_mailbox_domains = a.test b.test c.test\n"
		     "virtual_mailbox_base = /var/mail/vhosts\n"
		     "virtual_mailbox_maps = hash:/pf/vmailbox hash:/pf/vmailbox2\n"
		     "virtual_alias_maps = hash:/pf/virtual\n");
	for (int i = 0; i < N; i++) {
		int dom = i % 3;
		int num = dom == 1 ? N - i : i;     /* b.test: descending */
		sb_addf(&vm, "U%05d@%c.test\t%c.test/u%05d/\n", num, 'a' + dom, 'a' + dom, num);
		sb_addf(&pw, "u%05d@%c.test:{PLAIN}x::::::%s\n", num, 'a' + dom,
			i % 2 ? "userdb_quota_rule=*:storage=1M" : "");
		if (i % 10 == 0)
			sb_addf(&va, "al%05d@a.test\tu%05d@%c.test%s\n", i, num, 'a' + dom,
				i == 0 ? ", al00000@a.test" : "");
	}
	sb_adds(&vm2, "u00002@c.test\tother/\n");
	struct memfs fs = { { { "/pf/main.cf", mc.buf }, { "/pf/vmailbox", vm.buf },
			      { "/pf/vmailbox2", vm2.buf }, { "/pf/virtual", va.buf },
			      { "/users", pw.buf } }, 5 };
	struct doc_source src = { mem_load, &fs, NULL };
	struct config *cfg = xcalloc(1, sizeof *cfg);
	cfg->postfix_dir = xstrdup("/pf");
	cfg->passwd_file = xstrdup("/users");
	cfg->aliases_file = xstrdup("/aliases");
	struct diags d = DIAGS_INIT;
	struct world *w = NULL;
	CU_ASSERT_EQUAL_FATAL(world_load_from(cfg, &src, &w, &d), 0);

	size_t n;
	const struct mailbox *mb = world_mailboxes(w, &n);
	CU_ASSERT_EQUAL(n, N);   /* the second map's duplicate is dropped */
	for (size_t i = 1; i < n; i++) {
		int c = strcmp(mb[i - 1].domain, mb[i].domain);
		CU_ASSERT_FATAL(c < 0 || (c == 0 && strcmp(mb[i - 1].local, mb[i].local) < 0));
	}
	bool warned = false;
	for (size_t i = 0; i < d.n; i++)
		warned |= strstr(d.v[i].msg, "u00002@c.test") != NULL;
	CU_ASSERT_TRUE(warned);
	const struct mailbox *m2 = world_mailbox_find(w, "U00002@C.TEST");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
	CU_ASSERT_STRING_EQUAL(m2->value, "c.test/u00002/");  /* the first map's */
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_PTR_EQUAL_FATAL(world_mailbox_find(w, mb[i].address), &mb[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mb[i].pw);
	}
	const struct mailbox *b7 = world_mailbox_find(w, "u02993@b.test");   /* i = 7 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(b7);
	CU_ASSERT_EQUAL(b7->quota_bytes, 1024 * 1024);
	CU_ASSERT_STRING_EQUAL(b7->maildir, "/var/mail/vhosts/b.test/u02993/");
	/* The quota rule's text is held once for the 1,500 mailboxes that
	 * have it (issue 16), not copied for each. */
	const struct mailbox *a1 = world_mailbox_find(w, "u02999@b.test");   /* i = 1 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(a1);
	CU_ASSERT_STRING_EQUAL(b7->quota_rule, "*:storage=1M");
	CU_ASSERT_PTR_EQUAL(a1->quota_rule, b7->quota_rule);

	const struct alias *al = world_aliases(w, &n);
	CU_ASSERT_EQUAL(n, N / 10);
	size_t cnt;
	const struct alias *const *to;
	const struct alias *a0 = world_alias_find(w, "al00000@a.test");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a0);
	CU_ASSERT_TRUE(a0->is_identity);
	CU_ASSERT_EQUAL_FATAL(a0->ntargets, 2);
	CU_ASSERT_EQUAL(a0->targets[0].class, TARGET_MAILBOX);
	CU_ASSERT_PTR_EQUAL(a0->targets[0].mailbox, world_mailbox_find(w, "u00000@a.test"));
	CU_ASSERT_EQUAL(a0->targets[1].class, TARGET_UNKNOWN);   /* itself: no such mailbox */
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(al[i].targets[0].class, TARGET_MAILBOX);
		to = world_aliases_to(w, al[i].targets[0].address, &cnt);
		CU_ASSERT_EQUAL_FATAL(cnt, 1);
		CU_ASSERT_PTR_EQUAL(to[0], &al[i]);
	}
	world_free(&w);
	diags_free(&d);
	free(cfg->postfix_dir);
	free(cfg->passwd_file);
	free(cfg->aliases_file);
	free(cfg);
	sb_free(&mc);
	sb_free(&vm);
	sb_free(&vm2);
	sb_free(&va);
	sb_free(&pw);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "strmap: borrowed keys are not copied", test_borrowed_keys },
		{ "strmap: tombstones are reused", test_tombstone_churn },
		{ "strmap: add with a given hash, prefetch", test_add_hash_and_prefetch },
		{ "strmap_hash: one byte changes it, keys spread", test_hash_spreads },
		{ "arena: strings, folding, alignment, big blocks", test_arena },
		{ "table: duplicate warnings stay in line order", test_table_duplicate_order },
		{ "pwfile: duplicate warnings stay in line order", test_pwfile_duplicate_order },
		{ "pwfile: fields cut in place, extra_find", test_pwfile_fields },
		{ "model: generated world, unsorted runs, batches", test_generated_world },
		CU_TEST_INFO_NULL,
	};
	return cu_run("loadpath", tests);
}
