/* Unit tests for /etc/aliases (aliases.c): the fixture corpus against
 * golden listings, byte-identical round trips, targets, duplicates, and
 * line-exact edits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "golden.h"
#include "vmailadm/aliases.h"
#include "vmailadm/doc.h"
#include "vmailadm/xalloc.h"

static struct aliases *parse_str(const char *text, struct diags *d)
{
	return aliases_parse(doc_from_mem("aliases", text, strlen(text)), d);
}

#define ASSERT_RENDER(a, want) GOLDEN_ASSERT_DOC(aliases_doc(a), want)

static void listing(const struct aliases *a, const struct diags *d, struct strbuf *out)
{
	for (size_t i = 0; i < aliases_count(a); i++) {
		const struct alias_entry *e = aliases_entry(a, i);
		sb_addf(out, "%u %zu+%zu", e->line, e->first, e->nlines);
		golden_field(out, "name", e->name);
		golden_field(out, "lookup", e->lookup_key);
		golden_field(out, "value", e->value);
		sb_addf(out, " targets=%zu", e->ntargets);
		for (size_t k = 0; k < e->ntargets; k++) {
			sb_adds(out, k ? "|" : "[");
			sb_add_printable(out, e->targets[k], strlen(e->targets[k]));
		}
		sb_adds(out, e->ntargets ? "]" : "");
		if (e->shadowed)
			sb_adds(out, " shadowed");
		sb_addc(out, '\n');
	}
	golden_add_diags(out, d);
}

static void test_corpus(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cu_fixture("aliases"));
	size_t n;
	char **names = golden_list(dir, &n);
	CU_ASSERT_FATAL(names != NULL);
	CU_ASSERT(n >= 4);
	for (size_t i = 0; i < n; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		size_t len = 0;
		char *data = golden_read(path, &len);
		CU_ASSERT_FATAL(data != NULL);
		struct diags d = DIAGS_INIT;
		struct aliases *a = aliases_parse(doc_from_mem(names[i], data, len), &d);
		CU_ASSERT(aliases_count(a) > 0);
		CU_ASSERT(golden_round_trip(aliases_doc(a), data, len, names[i]));

		struct strbuf out = STRBUF_INIT;
		listing(a, &d, &out);
		char gold[4300];
		snprintf(gold, sizeof gold, "%s.out", path);
		CU_ASSERT(golden_check(gold, sb_str(&out)));
		sb_free(&out);
		aliases_free(&a);
		diags_free(&d);
		free(data);
	}
	golden_list_free(names);
}

static void test_targets(void)
{
	struct diags d = DIAGS_INIT;
	struct aliases *a = parse_str("Root:admin@x.org,  \"|/bin/prog a, b\" ,\n"
				      "# c\n"
				      "\t:include:/etc/l, , \"a b\"@x\n"
				      "dev: /dev/null\n", &d);
	CU_ASSERT_EQUAL_FATAL(aliases_count(a), 2);
	const struct alias_entry *e = aliases_lookup(a, "ROOT");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->name, "Root");
	CU_ASSERT_STRING_EQUAL(e->lookup_key, "root");
	CU_ASSERT_EQUAL(e->nlines, 3);
	CU_ASSERT_EQUAL_FATAL(e->ntargets, 4);
	CU_ASSERT_STRING_EQUAL(e->targets[0], "admin@x.org");
	CU_ASSERT_STRING_EQUAL(e->targets[1], "\"|/bin/prog a, b\"");
	CU_ASSERT_STRING_EQUAL(e->targets[2], ":include:/etc/l");
	CU_ASSERT_STRING_EQUAL(e->targets[3], "\"a b\"@x");
	CU_ASSERT_PTR_NULL(e->targets[4]);
	CU_ASSERT_STRING_EQUAL(aliases_lookup(a, "dev")->value, "/dev/null");
	CU_ASSERT_EQUAL(aliases_lookup(a, "dev")->line, 4);
	CU_ASSERT_EQUAL(d.n, 0);
	aliases_free(&a);
	CU_ASSERT_PTR_NULL(a);
	diags_free(&d);
}

static void test_duplicates_and_errors(void)
{
	struct diags d = DIAGS_INIT;
	struct aliases *a = parse_str("postmaster: root\n"
				      "bad line\n"
				      "empty:\n"
				      "PostMaster: other\n"
				      "  orphan? no: continues PostMaster\n"
				      ": x\n"
				      "ok: y\n", &d);
	CU_ASSERT_EQUAL_FATAL(aliases_count(a), 3);
	CU_ASSERT_STRING_EQUAL(aliases_lookup(a, "postmaster")->value, "root");
	CU_ASSERT_TRUE(aliases_entry(a, 1)->shadowed);
	CU_ASSERT_EQUAL(aliases_entry(a, 1)->nlines, 2);
	CU_ASSERT_PTR_NOT_NULL(aliases_lookup(a, "ok"));
	CU_ASSERT_EQUAL_FATAL(d.n, 4);
	CU_ASSERT_EQUAL(d.v[0].line, 2);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "need name:value pair");
	CU_ASSERT_EQUAL(d.v[1].line, 3);
	CU_ASSERT_EQUAL(d.v[2].level, DIAG_WARNING);
	CU_ASSERT_EQUAL(d.v[2].line, 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[2].msg, "line 1"));
	CU_ASSERT_EQUAL(d.v[3].line, 6);
	aliases_free(&a);
	diags_free(&d);
}

static void test_edits(void)
{
	struct diags d = DIAGS_INIT;
	struct aliases *a = parse_str("# /etc/aliases\n"
				      "postmaster:    root\n"
				      "# the admins\n"
				      "root:          admin@x.org,\n"
				      "# second\n"
				      "               other@x.org\n"
				      "abuse:         postmaster", &d);
	CU_ASSERT_EQUAL(aliases_set(a, "ROOT", "boss@x.org", &d), 0);
	ASSERT_RENDER(a, "# /etc/aliases\n"
			 "postmaster:    root\n"
			 "# the admins\n"
			 "root:          boss@x.org\n"
			 "abuse:         postmaster");
	CU_ASSERT_EQUAL(aliases_set(a, "hostmaster", "root, boss@x.org", &d), 0);
	CU_ASSERT_EQUAL(aliases_set(a, "a-very-long-name", "root", &d), 0);
	ASSERT_RENDER(a, "# /etc/aliases\n"
			 "postmaster:    root\n"
			 "# the admins\n"
			 "root:          boss@x.org\n"
			 "abuse:         postmaster\n"
			 "hostmaster:    root, boss@x.org\n"
			 "a-very-long-name: root\n");
	CU_ASSERT_EQUAL(aliases_lookup(a, "hostmaster")->ntargets, 2);
	CU_ASSERT_EQUAL(aliases_remove(a, "Root", &d), 0);
	ASSERT_RENDER(a, "# /etc/aliases\n"
			 "postmaster:    root\n"
			 "# the admins\n"
			 "abuse:         postmaster\n"
			 "hostmaster:    root, boss@x.org\n"
			 "a-very-long-name: root\n");
	CU_ASSERT_PTR_NULL(aliases_lookup(a, "root"));
	CU_ASSERT_EQUAL(aliases_lookup(a, "abuse")->line, 4);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(aliases_remove(a, "root", &d), -1);
	CU_ASSERT_EQUAL(aliases_set(a, "x", "", &d), -1);
	CU_ASSERT_EQUAL(aliases_set(a, "x:y", "v", &d), -1);
	CU_ASSERT_EQUAL(aliases_set(a, "x", "a\nb", &d), -1);
	CU_ASSERT_EQUAL(d.n, 4);
	aliases_free(&a);
	diags_free(&d);

	/* Duplicates go together; a tab layout and CRLF are copied. */
	a = parse_str("x:\ta\r\ny:\tb\r\nX:\tc\r\n", &d);
	CU_ASSERT_EQUAL(aliases_remove(a, "x", &d), 0);
	CU_ASSERT_EQUAL(aliases_set(a, "z", "d", &d), 0);
	ASSERT_RENDER(a, "y:\tb\r\nz:\td\r\n");
	aliases_free(&a);
	a = parse_str("", &d);
	CU_ASSERT_EQUAL(aliases_set(a, "root", "admin", &d), 0);
	ASSERT_RENDER(a, "root: admin\n");
	aliases_free(&a);
	diags_free(&d);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "fixture corpus: golden listings, byte-identical round trip", test_corpus },
		{ "targets: commas, quotes, continuation", test_targets },
		{ "duplicates and malformed lines", test_duplicates_and_errors },
		{ "set and remove", test_edits },
		CU_TEST_INFO_NULL,
	};
	return cu_run("aliases", tests);
}
