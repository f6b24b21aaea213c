/* Unit tests for Postfix lookup-table sources (table.c): the fixture corpus
 * against golden listings, byte-identical round trips, continuation and
 * duplicate semantics, line-exact edits, map references, a 100k table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cu.h"
#include "golden.h"
#include "vmailadm/doc.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

static enum table_syntax syntax_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot && strcmp(dot, ".list") == 0)
		return TABLE_LIST;
	if (dot && (strcmp(dot, ".pcre") == 0 || strcmp(dot, ".regexp") == 0))
		return TABLE_REGEXP;
	return TABLE_INDEXED;
}

static struct table *parse_str(const char *text, enum table_syntax syn, struct diags *d)
{
	return table_parse(doc_from_mem("t", text, strlen(text)), syn, d);
}

#define ASSERT_RENDER(t, want) GOLDEN_ASSERT_DOC(table_doc(t), want)

static void listing(const struct table *t, const struct diags *d, struct strbuf *out)
{
	for (size_t i = 0; i < table_count(t); i++) {
		const struct table_entry *e = table_entry(t, i);
		sb_addf(out, "%u %zu+%zu", e->line, (size_t)e->first, (size_t)e->nlines);
		golden_field(out, "key", e->key);
		golden_field(out, "lookup", e->lookup_key);
		golden_field(out, "value", e->value);
		if (e->rule)
			golden_field(out, "flags", e->rule->flags);
		if (e->rule && e->rule->negated)
			sb_adds(out, " negated");
		if (e->shadowed)
			sb_adds(out, " shadowed");
		for (const struct table_cond *c = e->rule ? e->rule->cond : NULL; c; c = c->parent)
			sb_addf(out, " if%s@%u", c->negated ? "!" : "", c->line);
		sb_addc(out, '\n');
	}
	golden_add_diags(out, d);
}

/* Every fixture: parsed as pinned by its golden file, and written back
 * unedited byte for byte. */
static void test_corpus(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cu_fixture("table"));
	size_t n;
	char **names = golden_list(dir, &n);
	CU_ASSERT_FATAL(names != NULL);
	CU_ASSERT(n >= 10);
	for (size_t i = 0; i < n; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		size_t len = 0;
		char *data = golden_read(path, &len);
		CU_ASSERT_FATAL(data != NULL);
		struct diags d = DIAGS_INIT;
		struct table *t = table_parse(doc_from_mem(names[i], data, len), syntax_of(names[i]),
					      &d);
		CU_ASSERT(table_count(t) > 0);

		CU_ASSERT(golden_round_trip(table_doc(t), data, len, names[i]));

		struct strbuf out = STRBUF_INIT;
		listing(t, &d, &out);
		char gold[4300];
		snprintf(gold, sizeof gold, "%s.out", path);
		CU_ASSERT(golden_check(gold, sb_str(&out)));
		sb_free(&out);
		table_free(&t);
		diags_free(&d);
		free(data);
	}
	golden_list_free(names);
}

static void test_continuation(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("k a,\n  b\n"
				    "m x,\n# inside\n\n\ty\n"
				    "# above n\n"
				    "n v\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 3);
	const struct table_entry *k = table_lookup(t, "k");
	CU_ASSERT_STRING_EQUAL(k->value, "a,  b");
	CU_ASSERT_EQUAL(k->nlines, 2);
	const struct table_entry *m = table_lookup(t, "m");
	CU_ASSERT_STRING_EQUAL(m->value, "x,\ty");
	CU_ASSERT_EQUAL(m->first, 2);
	CU_ASSERT_EQUAL(m->nlines, 4);      /* the comment above n is not m's */
	CU_ASSERT_EQUAL(table_lookup(t, "n")->line, 8);
	CU_ASSERT_EQUAL(d.n, 0);
	table_free(&t);
	CU_ASSERT_PTR_NULL(t);

	/* CRLF: the "\r" between continued lines stays, as in postmap. */
	t = parse_str("k a,\r\n  b\r\n", TABLE_INDEXED, &d);
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "k")->value, "a,\r  b");
	table_free(&t);

	/* An indented first line is an orphan, with its continuation. */
	t = parse_str("  x y\n\tz\nk v\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_count(t), 1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].level, DIAG_WARNING);
	CU_ASSERT_EQUAL(d.v[0].line, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "logical line must not start with whitespace");
	table_free(&t);
	diags_free(&d);
}

static void test_keys_and_values(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("\"a b\"@X.org  v1\n"
				    "\"q\\\"x y\"@x.org v2\n"
				    "k  a@x  # note  \n"
				    "Mixed@Example.COM\tVal\r\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 4);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 0)->key, "\"a b\"@X.org");
	CU_ASSERT_STRING_EQUAL(table_entry(t, 0)->lookup_key, "\"a b\"@x.org");
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->key, "\"q\\\"x y\"@x.org");
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "k")->value, "a@x  # note");
	CU_ASSERT_PTR_EQUAL(table_lookup(t, "mixed@example.com"), table_entry(t, 3));
	CU_ASSERT_STRING_EQUAL(table_entry(t, 3)->value, "Val");  /* values keep case */
	CU_ASSERT_PTR_NULL(table_lookup(t, "nobody"));
	CU_ASSERT_EQUAL(d.n, 0);
	table_free(&t);

	char *f = table_fold_key("AbC@\xc3\x89X.Org");
	CU_ASSERT_STRING_EQUAL(f, "abc@\xc3\x89x.org");  /* UTF-8 untouched */
	free(f);
	diags_free(&d);
}

static void test_duplicates(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("a@x.org first\nb@x.org b\nA@X.ORG second\na@x.org third\n",
				    TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 4);
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "A@x.org")->value, "first");
	CU_ASSERT_FALSE(table_entry(t, 0)->shadowed);
	CU_ASSERT_TRUE(table_entry(t, 2)->shadowed);
	CU_ASSERT_TRUE(table_entry(t, 3)->shadowed);
	CU_ASSERT_EQUAL_FATAL(d.n, 2);
	CU_ASSERT_EQUAL(d.v[0].level, DIAG_WARNING);
	CU_ASSERT_EQUAL(d.v[0].line, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "line 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "\"a@x.org\""));
	CU_ASSERT_EQUAL(d.v[1].line, 4);
	table_free(&t);
	diags_free(&d);
}

static void test_malformed_all_reported(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("ok1 v\nnovalue\n\"open v\nok2 v\nnovalue2   \nok3 v\n",
				    TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_count(t), 3);
	CU_ASSERT_PTR_NOT_NULL(table_lookup(t, "ok3"));
	CU_ASSERT_EQUAL_FATAL(diags_count(&d, DIAG_ERROR), 3);
	CU_ASSERT_EQUAL(d.v[0].line, 2);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "expected format: key whitespace value");
	CU_ASSERT_STRING_EQUAL(d.v[0].file, "t");
	CU_ASSERT_EQUAL(d.v[1].line, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[1].msg, "unbalanced"));
	CU_ASSERT_EQUAL(d.v[2].line, 5);
	table_free(&t);
	diags_free(&d);

	t = parse_str("postmaster: root\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_count(t), 1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].level, DIAG_WARNING);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg,
			       "record is in \"key: value\" format; is this an alias file?");
	table_free(&t);
	diags_free(&d);
}

static const char vmailbox[] =
	"# Domaine : andromed.cloud\n"
	"johndoe@andromed.cloud       andromed.cloud/johndoe/\n"
	"janedoe@andromed.cloud       andromed.cloud/janedoe/\n"
	"\n"
	"# Domaine : ascent.cloud\n"
	"contact@ascent.cloud\tascent.cloud/contact/\n"
	"# fin\n";

/* A new domain's lines apart from the last block: one blank line, once,
 * every line kept; a list is left as it is. */
static void test_end_apart(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str(vmailbox, TABLE_INDEXED, &d);
	table_end_apart(t);
	table_end_apart(t);
	CU_ASSERT_EQUAL(table_add(t, "x@new.example", "new.example/x/", &d), 0);
	ASSERT_RENDER(t, "# Domaine : andromed.cloud\n"
			 "johndoe@andromed.cloud       andromed.cloud/johndoe/\n"
			 "janedoe@andromed.cloud       andromed.cloud/janedoe/\n"
			 "\n"
			 "# Domaine : ascent.cloud\n"
			 "contact@ascent.cloud\tascent.cloud/contact/\n"
			 "# fin\n"
			 "\n"
			 "x@new.example\tnew.example/x/\n");
	CU_ASSERT_EQUAL(table_lookup(t, "x@new.example")->line, 9);
	CU_ASSERT_EQUAL(table_count(t), 4);
	table_free(&t);
	t = parse_str("a@x.org  v1\r\nb@y.org  v2", TABLE_INDEXED, &d);
	table_end_apart(t);
	ASSERT_RENDER(t, "a@x.org  v1\r\nb@y.org  v2\r\n\r\n");
	table_free(&t);
	t = parse_str("a.org b.org\n", TABLE_LIST, &d);
	table_end_apart(t);
	ASSERT_RENDER(t, "a.org b.org\n");
	table_free(&t);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

static void test_add(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str(vmailbox, TABLE_INDEXED, &d);
	/* Next to its domain, aligned like its neighbour (spaces). */
	CU_ASSERT_EQUAL(table_add(t, "bob@andromed.cloud", "andromed.cloud/bob/", &d), 0);
	/* Tab style copied from the ascent.cloud entry. */
	CU_ASSERT_EQUAL(table_add(t, "admin@ascent.cloud", " ascent.cloud/admin/ ", &d), 0);
	/* No entry of that domain: at the end of the file, apart (a blank
	 * line: else it reads as the last block's, under its comment). */
	CU_ASSERT_EQUAL(table_add(t, "x@new.example", "new.example/x/", &d), 0);
	ASSERT_RENDER(t, "# Domaine : andromed.cloud\n"
			 "johndoe@andromed.cloud       andromed.cloud/johndoe/\n"
			 "janedoe@andromed.cloud       andromed.cloud/janedoe/\n"
			 "bob@andromed.cloud           andromed.cloud/bob/\n"
			 "\n"
			 "# Domaine : ascent.cloud\n"
			 "contact@ascent.cloud\tascent.cloud/contact/\n"
			 "admin@ascent.cloud\tascent.cloud/admin/\n"
			 "# fin\n"
			 "\n"
			 "x@new.example\tnew.example/x/\n");
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(table_lookup(t, "x@new.example")->line, 11);
	/* the domain's next entry goes next to it, with no other blank line */
	CU_ASSERT_EQUAL(table_add(t, "y@new.example", "new.example/y/", &d), 0);
	CU_ASSERT_EQUAL(table_lookup(t, "y@new.example")->line, 12);
	CU_ASSERT_EQUAL(table_remove(t, "y@new.example", &d), 0);
	/* Re-indexed: lookups and entry numbers follow the edit. */
	CU_ASSERT_EQUAL(table_count(t), 6);
	CU_ASSERT_EQUAL(table_lookup(t, "BOB@andromed.cloud")->line, 4);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 2)->key, "bob@andromed.cloud");
	CU_ASSERT_EQUAL(table_lookup(t, "contact@ascent.cloud")->line, 7);

	/* Refusals, each with a diagnostic. */
	CU_ASSERT_EQUAL(table_add(t, "JohnDoe@andromed.cloud", "x/", &d), -1);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].line, 2);
	CU_ASSERT_EQUAL(table_add(t, "two words", "x/", &d), -1);
	CU_ASSERT_EQUAL(table_add(t, "#c", "x/", &d), -1);
	CU_ASSERT_EQUAL(table_add(t, "k@x", "", &d), -1);
	CU_ASSERT_EQUAL(table_add(t, "k@x", "a\nb", &d), -1);
	CU_ASSERT_EQUAL(d.n, 5);
	CU_ASSERT_EQUAL(table_count(t), 6);
	table_free(&t);
	diags_free(&d);

	/* Many at once: each run of one domain in order after its
	 * neighbours, as one table_add after another would put them; all or
	 * nothing. */
	t = parse_str(vmailbox, TABLE_INDEXED, &d);
	const char *keys[] = { "a@andromed.cloud", "b@andromed.cloud", "n@ascent.cloud", "z@new.example" };
	const char *vals[] = { "v/a/", "v/b/", "v/n/", "v/z/" };
	CU_ASSERT_EQUAL(table_add_many(t, keys, vals, 4, &d), 0);
	ASSERT_RENDER(t, "# Domaine : andromed.cloud\n"
			 "johndoe@andromed.cloud       andromed.cloud/johndoe/\n"
			 "janedoe@andromed.cloud       andromed.cloud/janedoe/\n"
			 "a@andromed.cloud             v/a/\n"
			 "b@andromed.cloud             v/b/\n"
			 "\n"
			 "# Domaine : ascent.cloud\n"
			 "contact@ascent.cloud\tascent.cloud/contact/\n"
			 "n@ascent.cloud\tv/n/\n"
			 "# fin\n"
			 "\n"
			 "z@new.example\tv/z/\n");
	CU_ASSERT_EQUAL(table_lookup(t, "b@andromed.cloud")->line, 5);
	CU_ASSERT_EQUAL(table_count(t), 7);
	const char *again[] = { "c@andromed.cloud", "a@andromed.cloud" };
	CU_ASSERT_EQUAL(table_add_many(t, again, vals, 2, &d), -1);
	CU_ASSERT_PTR_NULL(table_lookup(t, "c@andromed.cloud"));
	CU_ASSERT_EQUAL(table_count(t), 7);
	table_free(&t);
	diags_free(&d);

	/* A file without a final newline and with CRLF line ends. */
	t = parse_str("a@x.org  v1\r\n# c\r\nb@y.org  v2", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_add(t, "c@x.org", "v3", &d), 0);
	CU_ASSERT_EQUAL(table_add(t, "d@z.org", "v4", &d), 0);
	ASSERT_RENDER(t, "a@x.org  v1\r\nc@x.org  v3\r\n# c\r\nb@y.org  v2\r\n\r\nd@z.org  v4\r\n");
	table_free(&t);

	/* Longer key than the aligned column: one space; empty table: a tab. */
	t = parse_str("a@x.org  v1\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_add(t, "longer@x.org", "v2", &d), 0);
	ASSERT_RENDER(t, "a@x.org  v1\nlonger@x.org v2\n");
	table_free(&t);
	t = parse_str("", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_add(t, "\"a b\"@x.org", "v", &d), 0);
	ASSERT_RENDER(t, "\"a b\"@x.org\tv\n");
	CU_ASSERT_PTR_NOT_NULL(table_lookup(t, "\"A B\"@x.org"));
	table_free(&t);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

/* Continuation and interior comment lines, a shadowed duplicate, no final
 * newline: what a removal must get right. */
static const char remove_text[] = "# about a\n"
				  "a@x.org v1,\n"
				  "# interior\n"
				  "  v2\n"
				  "# about b\n"
				  "b@x.org v\n"
				  "A@X.org shadowed\n"
				  "c@x.org v";

static void test_remove(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str(remove_text, TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT_EQUAL(table_remove(t, "A@x.org", &d), 0);
	ASSERT_RENDER(t, "# about a\n# about b\nb@x.org v\nc@x.org v");
	CU_ASSERT_PTR_NULL(table_lookup(t, "a@x.org"));
	CU_ASSERT_EQUAL(table_count(t), 2);
	/* The last line: the file keeps having no final newline. */
	CU_ASSERT_EQUAL(table_remove(t, "c@x.org", &d), 0);
	ASSERT_RENDER(t, "# about a\n# about b\nb@x.org v");
	CU_ASSERT_EQUAL(table_remove(t, "nobody@x.org", &d), -1);
	CU_ASSERT_EQUAL(d.n, 2);
	table_free(&t);
	diags_free(&d);
}

/* Many keys at once: the same text as removing them one by one, and all
 * or nothing. */
static void test_remove_many(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str(remove_text, TABLE_INDEXED, &d);
	const char *bad[] = { "b@x.org", "nobody@x.org" };
	CU_ASSERT_EQUAL(table_remove_many(t, bad, 2, &d), -1);
	ASSERT_RENDER(t, remove_text);
	CU_ASSERT_PTR_NOT_NULL(table_lookup(t, "b@x.org"));
	const char *keys[] = { "A@x.org", "c@x.org", "a@x.org" };
	CU_ASSERT_EQUAL(table_remove_many(t, keys, 3, &d), 0);
	/* the last line went: the file keeps having no final newline */
	ASSERT_RENDER(t, "# about a\n# about b\nb@x.org v");
	CU_ASSERT_PTR_NULL(table_lookup(t, "a@x.org"));
	CU_ASSERT_PTR_NULL(table_lookup(t, "c@x.org"));
	CU_ASSERT_EQUAL(table_count(t), 1);
	table_free(&t);
	/* a list: word by word, as table_remove */
	t = parse_str("a.org b.org\nc.org\n", TABLE_LIST, &d);
	const char *doms[] = { "b.org", "c.org" };
	CU_ASSERT_EQUAL(table_remove_many(t, doms, 2, &d), 0);
	ASSERT_RENDER(t, "a.org\n");
	table_free(&t);
	diags_free(&d);
}

static void test_set(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("Team@X.org   a@x.org,\n"
				    "# who\n"
				    "\tb@x.org\n"
				    "solo\n"
				    "  only-continued\n"
				    "z@x.org\tz\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_set(t, "team@x.org", "c@x.org, d@x.org", &d), 0);
	CU_ASSERT_EQUAL(table_set(t, "solo", "s", &d), 0);
	ASSERT_RENDER(t, "Team@X.org   c@x.org, d@x.org\nsolo\ts\nz@x.org\tz\n");
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "TEAM@x.org")->value, "c@x.org, d@x.org");
	CU_ASSERT_EQUAL(table_lookup(t, "z@x.org")->line, 3);
	CU_ASSERT_EQUAL(table_set(t, "absent@x.org", "v", &d), -1);
	CU_ASSERT_EQUAL(table_set(t, "z@x.org", "  ", &d), -1);
	CU_ASSERT_EQUAL(d.n, 2);
	table_free(&t);
	diags_free(&d);
}

static void test_list(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("# domains\n"
				    "a.org, B.org  c.org\n"
				    "d.org,\n"
				    "# inside\n"
				    "   e.org\n"
				    "f.org # retired\n"
				    "A.ORG\n", TABLE_LIST, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 7);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->key, "B.org");
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->lookup_key, "b.org");
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->value, "");
	CU_ASSERT_EQUAL(table_entry(t, 1)->line, 2);
	CU_ASSERT_EQUAL(table_lookup(t, "e.org")->line, 3);
	CU_ASSERT_EQUAL(table_lookup(t, "e.org")->nlines, 3);
	CU_ASSERT_TRUE(table_entry(t, 6)->shadowed);
	CU_ASSERT_EQUAL_FATAL(d.n, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "comment at end of line is not supported"));
	CU_ASSERT_EQUAL(d.v[1].line, 7);

	/* A word of a multi-word line: the others stay as written. */
	CU_ASSERT_EQUAL(table_remove(t, "b.org", &d), 0);
	ASSERT_RENDER(t, "# domains\na.org, c.org\nd.org,\n# inside\n   e.org\n"
			 "f.org # retired\nA.ORG\n");
	CU_ASSERT_EQUAL(table_remove(t, "c.org", &d), 0);
	/* The first line of a continued line: the next one becomes its start. */
	CU_ASSERT_EQUAL(table_remove(t, "d.org", &d), 0);
	/* A duplicate goes with the first. */
	CU_ASSERT_EQUAL(table_remove(t, "a.org", &d), 0);
	ASSERT_RENDER(t, "# domains\n# inside\ne.org\nf.org # retired\n");
	CU_ASSERT_EQUAL(table_add(t, "New.example", NULL, &d), 0);
	CU_ASSERT_EQUAL(table_add(t, "a.org b.org", NULL, &d), -1);
	CU_ASSERT_EQUAL(table_set(t, "e.org", "x", &d), -1);
	ASSERT_RENDER(t, "# domains\n# inside\ne.org\nf.org # retired\nNew.example\n");
	CU_ASSERT_PTR_NOT_NULL(table_lookup(t, "new.EXAMPLE"));
	table_free(&t);
	diags_free(&d);
}

/* regexp_table(5)'s "/pattern1/!/pattern2/": the options of the first end
 * at '!', the second keeps its own options and '!'s; the "if" and "endif"
 * lines are kept in order for the tracer's pairing. */
static void test_regexp_two_patterns(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("endif\n"
				    "/^a/i!/^ab/x  one\n"
				    "/^b/!!/^bc/   two\n"
				    "/^c/ !/^cd/   three\n"
				    "if /x/!/y/\n"
				    "/^d/!         four\n"
				    "endif\n", TABLE_REGEXP, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 3);
	const struct table_entry *e = table_entry(t, 0);
	CU_ASSERT_STRING_EQUAL(e->key, "/^a/i!/^ab/x");
	CU_ASSERT_STRING_EQUAL(e->lookup_key, "^a");
	CU_ASSERT_STRING_EQUAL(e->rule->flags, "i");
	CU_ASSERT_STRING_EQUAL(e->rule->second, "^ab");
	CU_ASSERT_STRING_EQUAL(e->rule->second_flags, "x");
	CU_ASSERT_TRUE(e->rule->second_negated);
	CU_ASSERT_STRING_EQUAL(e->value, "one");
	e = table_entry(t, 1);
	CU_ASSERT_STRING_EQUAL(e->rule->second, "^bc");
	CU_ASSERT_FALSE(e->rule->second_negated);   /* "!!": both must match */
	e = table_entry(t, 2);
	CU_ASSERT_PTR_NULL(e->rule->second);         /* a blank ends the rule's patterns */
	CU_ASSERT_STRING_EQUAL(e->value, "!/^cd/   three");
	/* "if" takes one pattern: the rest is extra text, warned about; "/^d/!"
	 * has no second pattern: Postfix skips it ("no regexp") */
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 1);
	size_t n;
	const struct table_event *ev = table_events(t, &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT(ev[0].line == 1 && !ev[0].cond);   /* the stray endif too */
	CU_ASSERT(ev[1].line == 5 && ev[1].cond && !strcmp(ev[1].cond->pattern, "x"));
	CU_ASSERT(ev[2].line == 7 && !ev[2].cond);
	table_free(&t);
	diags_free(&d);
}

static void test_regexp(void)
{
	struct diags d = DIAGS_INIT;
	struct table *t = parse_str("/^a@x\\.org$/i\tA\n"
				    "!/@x\\.org$/ ext\n"
				    "|^/h/(.*)@x$| $1\n"
				    "IF /@y$/\n"
				    "/^b@/ inside\n"
				    "if /z/\n/c/ deeper\nendif\n"
				    "endif\n"
				    "/^a@x\\.org$/i\tagain\n"
				    "/unterminated x\n"
				    "/q/Q bad\n"
				    "/@x\\.org$/\tcatchall\n", TABLE_REGEXP, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 7);
	const struct table_entry *e = table_entry(t, 0);
	CU_ASSERT_STRING_EQUAL(e->key, "/^a@x\\.org$/i");
	CU_ASSERT_STRING_EQUAL(e->lookup_key, "^a@x\\.org$");
	CU_ASSERT_STRING_EQUAL(e->rule->flags, "i");
	CU_ASSERT_FALSE(e->rule->negated);
	CU_ASSERT_PTR_NULL(e->rule->cond);
	CU_ASSERT_TRUE(table_entry(t, 1)->rule->negated);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->rule->flags, "");
	CU_ASSERT_STRING_EQUAL(table_entry(t, 2)->lookup_key, "^/h/(.*)@x$");
	/* the rules inside "if" blocks, with their blocks */
	const struct table_entry *b = table_entry(t, 3), *c = table_entry(t, 4);
	CU_ASSERT_STRING_EQUAL(b->lookup_key, "^b@");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->rule->cond);
	CU_ASSERT_STRING_EQUAL(b->rule->cond->pattern, "@y$");
	CU_ASSERT_EQUAL(b->rule->cond->line, 4);
	CU_ASSERT_PTR_NULL(b->rule->cond->parent);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->rule->cond);
	CU_ASSERT_STRING_EQUAL(c->rule->cond->pattern, "z");
	CU_ASSERT_PTR_EQUAL(c->rule->cond->parent, b->rule->cond);
	CU_ASSERT_PTR_NULL(table_entry(t, 5)->rule->cond);   /* after both endifs */
	CU_ASSERT_TRUE(table_entry(t, 5)->shadowed);
	CU_ASSERT_EQUAL(table_entry(t, 5)->line, 10);
	CU_ASSERT_PTR_EQUAL(table_lookup(t, "^a@x\\.org$"), table_entry(t, 0));
	CU_ASSERT_PTR_EQUAL(table_lookup(t, "^b@"), b);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 2);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_WARNING), 1); /* duplicate rule */

	/* New rules go last; a rule is named as written or by its pattern. */
	CU_ASSERT_EQUAL(table_add(t, "/^new@x\\.org$/", "n", &d), 0);
	CU_ASSERT_EQUAL(table_count(t), 8);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 7)->key, "/^new@x\\.org$/");
	CU_ASSERT_EQUAL(table_entry(t, 7)->line, 14);
	CU_ASSERT_EQUAL(table_add(t, "not-a-rule", "n", &d), -1);
	CU_ASSERT_EQUAL(table_remove(t, "!/@x\\.org$/", &d), 0);
	CU_ASSERT_EQUAL(table_set(t, "^/h/(.*)@x$", "$1@x.org", &d), 0);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->value, "$1@x.org");
	CU_ASSERT_EQUAL(table_remove(t, "/^a@x\\.org$/i", &d), 0);
	/* Only the first of the identical rules went; the second now counts. */
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "^a@x\\.org$")->value, "again");
	table_free(&t);

	/* No rule appended inside an "if" block left open. */
	t = parse_str("/a/ b\nif /c/\n/d/ e\n", TABLE_REGEXP, &d);
	size_t before = d.n;
	CU_ASSERT_EQUAL(table_add(t, "/f/", "g", &d), -1);
	CU_ASSERT_EQUAL(d.n, before + 1);
	CU_ASSERT_EQUAL(table_count(t), 2);
	table_free(&t);

	/* "if" with no space, "IF!", a bad "if" opens no block (its endif
	 * closes the enclosing one, as in Postfix), the same pattern in and
	 * out of a block is no duplicate */
	t = parse_str("if/a/\n/x/ 1\nIF !/b/\n/x/ 2\nendif\nif\n/y/ 3\nendif\n/z/ 4\nendif\n/w/ 5\n",
		      TABLE_REGEXP, &d);
	CU_ASSERT_EQUAL_FATAL(table_count(t), 5);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 1)->rule->cond->pattern, "b");
	CU_ASSERT_TRUE(table_entry(t, 1)->rule->cond->negated);
	CU_ASSERT_FALSE(table_entry(t, 1)->shadowed);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 2)->rule->cond->pattern, "a");
	CU_ASSERT_PTR_NULL(table_entry(t, 3)->rule->cond);
	CU_ASSERT_PTR_NULL(table_entry(t, 4)->rule->cond);
	table_free(&t);
	diags_free(&d);
}

static void test_ref_parse(void)
{
	static const struct {
		const char *spec, *type, *path;
		enum table_syntax syntax;
		bool ok;
	} cases[] = {
		{ "hash:/etc/postfix/vmailbox", "hash", "/etc/postfix/vmailbox", TABLE_INDEXED, true },
		{ "btree:/e/b", "btree", "/e/b", TABLE_INDEXED, true },
		{ "lmdb:/e/l", "lmdb", "/e/l", TABLE_INDEXED, true },
		{ "cdb:/e/c", "cdb", "/e/c", TABLE_INDEXED, true },
		{ "texthash:/e/t", "texthash", "/e/t", TABLE_INDEXED, true },
		{ "regexp:/e/r", "regexp", "/e/r", TABLE_REGEXP, true },
		{ "pcre:/e/p", "pcre", "/e/p", TABLE_REGEXP, true },
		{ "/etc/postfix/virtual_domains", "", "/etc/postfix/virtual_domains", TABLE_LIST, true },
		{ "proxy:hash:/e/v", "hash", "/e/v", TABLE_INDEXED, true },
		{ "proxy:mysql:/e/m.cf", "proxy", NULL, TABLE_INDEXED, false },
		{ "inline:{a=b, c=d}", "inline", NULL, TABLE_INDEXED, false },
		{ "static:5000", "static", NULL, TABLE_INDEXED, false },
		{ "mysql:/etc/postfix/m.cf", "mysql", NULL, TABLE_INDEXED, false },
		{ "ldap:/etc/postfix/l.cf", "ldap", NULL, TABLE_INDEXED, false },
		{ "hash:", "hash", NULL, TABLE_INDEXED, false },
		{ "example.com", "", NULL, TABLE_INDEXED, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct table_ref r;
		bool ok = table_ref_parse(cases[i].spec, &r);
		CU_ASSERT_EQUAL(ok, cases[i].ok);
		CU_ASSERT_EQUAL(r.supported, cases[i].ok);
		CU_ASSERT_STRING_EQUAL(r.spec, cases[i].spec);
		CU_ASSERT_STRING_EQUAL(r.type, cases[i].type);
		if (cases[i].path) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(r.path);
			CU_ASSERT_STRING_EQUAL(r.path, cases[i].path);
		} else {
			CU_ASSERT_PTR_NULL(r.path);
		}
		if (ok)
			CU_ASSERT_EQUAL(r.syntax, cases[i].syntax);
		if (ok != cases[i].ok || strcmp(r.type, cases[i].type) != 0)
			fprintf(stderr, "\nref case %s\n", cases[i].spec);
		table_ref_free(&r);
		CU_ASSERT_PTR_NULL(r.spec);
	}
}

/* 100,000 entries with comments and continuation lines: every entry found,
 * the edited document rendered whole. How fast is bench/model-load.sh's job
 * (side by side with postmap): a timed assertion here fails on a loaded
 * machine and proves nothing on an idle one. */
static void test_100k(void)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100000; i++) {
		if (i % 1000 == 0)
			sb_addf(&sb, "# block %d\n\n", i / 1000);
		if (i % 97 == 0)
			sb_addf(&sb, "User%d@Domain%d.example\tu%d@x.org,\n\tv%d@x.org\n", i, i % 50, i, i);
		else
			sb_addf(&sb, "user%d@domain%d.example\tdomain%d.example/user%d/\n", i, i % 50,
				i % 50, i);
	}
	struct diags d = DIAGS_INIT;
	struct table *t = NULL;
	struct doc *doc = doc_from_mem("big", sb_str(&sb), sb.len);
	t = table_parse(doc, TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_count(t), 100000);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "user99999@DOMAIN49.example")->value,
			       "domain49.example/user99999/");
	CU_ASSERT_STRING_EQUAL(table_lookup(t, "user97@domain47.example")->value,
			       "u97@x.org,\tv97@x.org");
	/* One edit in the middle re-indexes everything. */
	CU_ASSERT_EQUAL(table_add(t, "new@domain7.example", "domain7.example/new/", &d), 0);
	CU_ASSERT_EQUAL(table_count(t), 100001);
	const struct table_entry *n = table_lookup(t, "new@domain7.example");
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_STRING_EQUAL(table_entry(t, 100000)->key, "user99999@domain49.example");
	struct strbuf out = STRBUF_INIT;
	doc_render(table_doc(t), &out);
	CU_ASSERT_EQUAL(out.len, sb.len + strlen("new@domain7.example\tdomain7.example/new/\n"));
	sb_free(&out);
	table_free(&t);
	diags_free(&d);
	sb_free(&sb);
}

/* The table as a fresh parse of its own document would make it: every
 * entry field by field, and each key looked up to the same entry. */
static void assert_as_parsed(const struct table *t, int step)
{
	struct strbuf bytes = STRBUF_INIT, got = STRBUF_INIT, want = STRBUF_INIT;
	struct diags d = DIAGS_INIT, none = DIAGS_INIT;
	doc_render(table_doc(t), &bytes);
	struct table *f = table_parse(doc_from_mem("t", bytes.buf, bytes.len), TABLE_INDEXED, &d);
	listing(t, &none, &got);
	listing(f, &none, &want);
	if (strcmp(sb_str(&got), sb_str(&want)) != 0)
		fprintf(stderr, "step %d:\n--- in place\n%s--- parsed\n%s", step, sb_str(&got), sb_str(&want));
	CU_ASSERT_STRING_EQUAL(sb_str(&got), sb_str(&want));
	for (size_t i = 0; i < table_count(f); i++) {
		const struct table_entry *e = table_entry(f, i);
		const struct table_entry *a = table_lookup(t, e->lookup_key);
		const struct table_entry *b = table_lookup(f, e->lookup_key);
		CU_ASSERT_FATAL(a != NULL && b != NULL);
		CU_ASSERT_EQUAL(a->first, b->first);
	}
	CU_ASSERT_PTR_NULL(table_lookup(t, "never@example.org"));
	table_free(&f);
	diags_free(&d);
	sb_free(&bytes);
	sb_free(&got);
	sb_free(&want);
}

/* Issue 16: an add, remove or set of one key updates the entries and the
 * index in place (tablepatch.c) where it can; whatever the way taken, the
 * table after each edit is what a fresh parse of the edited file gives:
 * duplicates, continuation lines, comments, CRLF, no final newline,
 * quoted and upper-case keys, a whitespace line with nothing to continue,
 * and a generated table of 2,000 entries (random runs, a fixed seed). */
static void test_patch_as_parsed(void)
{
	struct strbuf big = STRBUF_INIT;
	for (int i = 0; i < 2000; i++)
		sb_addf(&big, "u%d@d%d.example.org\tu%d@d%d.example.org,x%d@elsewhere.net\n", i, i % 40, i,
			i % 40, i);
	const char *const texts[] = {
		"a@d.org x@d.org\n# c\nB@D.org y\nb@d.org dup\nc@d.org z,\n  more\n\nd@e.org w\n",
		"a@d.org x\r\nb@d.org y\r\n# c\r\nc@d.org z",
		"  orphan\nA@d.org x\n\"q u\"@d.org y\nb@d.org\ty\n  cont\n# end",
		"only@d.org v",
		big.buf,
	};
	unsigned seed = 42;
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		struct diags d = DIAGS_INIT;
		struct table *t = parse_str(texts[k], TABLE_INDEXED, &d);
		for (int step = 0; step < 120; step++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 3;
			size_t n = table_count(t);
			const struct table_entry *e = n ? table_entry(t, (seed >> 4) % n) : NULL;
			char key[64], val[64];
			snprintf(key, sizeof key, "N%d@%s", step, step % 2 ? "d.org" : "new.net");
			snprintf(val, sizeof val, "v%d@d.org", step);
			if (r == 0 || !e) {
				CU_ASSERT_EQUAL(table_add(t, key, val, &d), 0);
			} else if (r == 1 && !e->shadowed) {
				char *lk = xstrdup(e->lookup_key);
				CU_ASSERT_EQUAL(table_remove(t, lk, &d), 0);
				CU_ASSERT_PTR_NULL(table_lookup(t, lk));
				free(lk);
			} else if (!e->shadowed) {
				char *lk = xstrdup(e->lookup_key);
				CU_ASSERT_EQUAL(table_set(t, lk, val, &d), 0);
				CU_ASSERT_STRING_EQUAL(table_lookup(t, lk)->value, val);
				free(lk);
			}
			assert_as_parsed(t, step);
		}
		table_free(&t);
		diags_free(&d);
	}
	sb_free(&big);
}

/* Issue 16: the entry on a table's last line (the one added last, most
 * often) removed in place, the file's shape kept: with a newline, without
 * one after a LF line; after a CRLF line (whose '\r' would go) the table
 * is parsed again. Either way it is what a fresh parse gives. */
static void test_patch_last_line(void)
{
	const struct {
		const char *text, *after;
		bool in_place;
	} cases[] = {
		{ "a@d.org x\nb@d.org y\n", "a@d.org x\n", true },
		{ "a@d.org x\nb@d.org y", "a@d.org x", true },
		{ "a@d.org x\n# c\nb@d.org y,\n  z", "a@d.org x\n# c", true },
		{ "a@d.org x\r\nb@d.org y", "a@d.org x", false },
		{ "b@d.org w\na@d.org x\nb@d.org y", "a@d.org x", false },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		struct diags d = DIAGS_INIT;
		struct table *t = parse_str(cases[k].text, TABLE_INDEXED, &d);
		size_t parses = table_parses(t);
		CU_ASSERT_EQUAL(table_remove(t, "b@d.org", &d), 0);
		CU_ASSERT_EQUAL(table_parses(t) == parses, cases[k].in_place);
		struct strbuf out = STRBUF_INIT;
		doc_render(table_doc(t), &out);
		CU_ASSERT_STRING_EQUAL(sb_str(&out), cases[k].after);
		assert_as_parsed(t, (int)k);
		sb_free(&out);
		table_free(&t);
		diags_free(&d);
	}
}

/* The rendered bytes of t. */
static char *rendered(const struct table *t)
{
	struct strbuf out = STRBUF_INIT;
	doc_render(table_doc(t), &out);
	return sb_detach(&out);
}

/* Issue 16: many keys added (table_add_each) or removed
 * (table_remove_many) in one edit give the bytes of one table_add or
 * table_remove after another, and a fresh parse's entries; on a plain
 * table of 2,000 entries without one parse (tablepatch_add_run,
 * tablepatch_remove_many). Random runs of 1 to 40 keys, of a domain of
 * the table or a new one, on the texts of test_patch_as_parsed. */
static void test_patch_runs_as_parsed(void)
{
	struct strbuf big = STRBUF_INIT;
	for (int i = 0; i < 2000; i++)
		sb_addf(&big, "u%d@d%d.example.org\tu%d@d%d.example.org,x%d@elsewhere.net\n", i, i % 40, i,
			i % 40, i);
	const char *const texts[] = {
		"a@d.org x@d.org\n# c\nB@D.org y\nb@d.org dup\nc@d.org z,\n  more\n\nd@e.org w\n",
		"a@d.org x\r\nb@d.org y\r\n# c\r\nc@d.org z",
		"  orphan\nA@d.org x\n\"q u\"@d.org y\nb@d.org\ty\n  cont\n# end",
		"only@d.org v",
		"a@x.org\t\tv1\nb@y.org  v2\n",
		big.buf,
	};
	unsigned seed = 1600;
	for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
		struct diags d = DIAGS_INIT;
		struct table *t = parse_str(texts[k], TABLE_INDEXED, &d);
		struct table *one = parse_str(texts[k], TABLE_INDEXED, &d);
		for (int step = 0; step < 40; step++) {
			seed = seed * 1103515245u + 12345u;
			size_t n = table_count(t), m = 1 + (seed >> 8) % 40;
			const struct table_entry *e = n ? table_entry(t, (seed >> 4) % n) : NULL;
			const char *at = e ? strrchr(e->lookup_key, '@') : NULL;
			char **keys = xcalloc(m, sizeof *keys), **vals = xcalloc(m, sizeof *vals);
			size_t parses = table_parses(t), got = 0;
			if ((seed >> 20) % 2 == 0 || n < 2) {
				for (size_t i = 0; i < m; i++) {
					keys[i] = xasprintf("R%d.%zu%s", step, i, at && i % 3 ? at : "@new.net");
					vals[i] = xasprintf("v%d@d.org", step);
					CU_ASSERT_EQUAL(table_add(one, keys[i], vals[i], &d), 0);
				}
				got = m;
				CU_ASSERT_EQUAL(table_add_each(t, (const char *const *)keys, (const char *const *)vals, m, &d), 0);
			} else {
				/* distinct keys, not shadowed ones */
				for (size_t i = 0; i < m && got < n; i++) {
					const char *lk = table_entry(t, (seed >> 3) * (i + 1) % n)->lookup_key;
					bool dup = table_lookup(t, lk)->shadowed;
					for (size_t j = 0; j < got && !dup; j++)
						dup = strcmp(keys[j], lk) == 0;
					if (!dup)
						keys[got++] = xstrdup(lk);
				}
				for (size_t i = 0; i < got; i++)
					CU_ASSERT_EQUAL(table_remove(one, keys[i], &d), 0);
				CU_ASSERT_EQUAL(table_remove_many(t, (const char *const *)keys, got, &d), 0);
			}
			char *a = rendered(t), *b = rendered(one);
			CU_ASSERT_STRING_EQUAL(a, b);
			if (k == sizeof texts / sizeof *texts - 1)
				CU_ASSERT_EQUAL(table_parses(t), parses);
			assert_as_parsed(t, step);
			free(a);
			free(b);
			for (size_t i = 0; i < got; i++) {
				free(keys[i]);
				free(vals[i]);
			}
			free(keys);
			free(vals);
		}
		table_free(&t);
		table_free(&one);
		diags_free(&d);
	}
	sb_free(&big);
	/* each line's separator styled on the one before it, as table_add
	 * does: a single tab copied where table_add_many aligns the run */
	struct diags d = DIAGS_INIT;
	const char *keys[] = { "bob@x.org", "c@x.org" }, *vals[] = { "v2", "v3" };
	struct table *t = parse_str("a@x.org\t\tv1\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_add_each(t, keys, vals, 2, &d), 0);
	ASSERT_RENDER(t, "a@x.org\t\tv1\nbob@x.org\tv2\nc@x.org\tv3\n");
	table_free(&t);
	t = parse_str("a@x.org\t\tv1\n", TABLE_INDEXED, &d);
	CU_ASSERT_EQUAL(table_add_many(t, keys, vals, 2, &d), 0);
	ASSERT_RENDER(t, "a@x.org\t\tv1\nbob@x.org\tv2\nc@x.org\t\tv3\n");
	table_free(&t);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "fixture corpus: golden listings, byte-identical round trip", test_corpus },
		{ "continuation lines", test_continuation },
		{ "quoted keys, # in values, case folding", test_keys_and_values },
		{ "duplicates: first wins, later shadowed", test_duplicates },
		{ "malformed lines all reported, rest loads", test_malformed_all_reported },
		{ "add: next to its domain, separator style", test_add },
		{ "a new domain's lines apart at the end", test_end_apart },
		{ "remove: whole logical line, duplicates", test_remove },
		{ "remove many: one pass, all or nothing", test_remove_many },
		{ "set: key and separator kept", test_set },
		{ "domain lists", test_list },
		{ "regexp/pcre tables", test_regexp },
		{ "regexp /p1/!/p2/ and if/endif lines", test_regexp_two_patterns },
		{ "map references", test_ref_parse },
		{ "100k entries", test_100k },
		{ "an edit's entries and index in place are a fresh parse's", test_patch_as_parsed },
		{ "the last line's entry removed in place", test_patch_last_line },
		{ "many keys added or removed at once: one at a time's bytes, in place", test_patch_runs_as_parsed },
		CU_TEST_INFO_NULL,
	};
	return cu_run("table", tests);
}
