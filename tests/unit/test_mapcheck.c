/* Unit tests for mapcheck: the keys a change of a table source touches
 * (added, removed, value changed, continuation lines, a duplicate in the
 * unchanged part, aliases syntax), and the verification against a program
 * that answers like postmap -q - (a script here). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/mapcheck.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* "key=value key2=(absent) ..." of the changes from a to b, in order. */
static char *changes(const char *a, const char *b, bool aliases)
{
	struct mapcheck m = { 0 };
	mapcheck_changed(a, strlen(a), b, strlen(b), aliases, &m);
	struct strbuf sb = STRBUF_INIT;
	/* the order of a hash map: sort the words for a stable comparison */
	char **words = xcalloc(m.n + 1, sizeof *words);
	for (size_t i = 0; i < m.n; i++)
		words[i] = xasprintf("%s=%s", m.v[i].key, m.v[i].value ? m.v[i].value : "(absent)");
	for (size_t i = 0; i < m.n; i++)
		for (size_t k = i + 1; k < m.n; k++)
			if (strcmp(words[k], words[i]) < 0) {
				char *t = words[i];
				words[i] = words[k];
				words[k] = t;
			}
	for (size_t i = 0; i < m.n; i++) {
		sb_addf(&sb, "%s%s", i ? " " : "", words[i]);
		free(words[i]);
	}
	free(words);
	mapcheck_free(&m);
	return sb_detach(&sb);
}

#define EXPECT(a, b, aliases, want)                                   \
	do {                                                          \
		char *got_ = changes(a, b, aliases);                  \
		CU_ASSERT_STRING_EQUAL(got_ ? got_ : "", want);       \
		if (strcmp(got_ ? got_ : "", want) != 0)              \
			fprintf(stderr, "\ngot: '%s'\n", got_);       \
		free(got_);                                           \
	} while (0)

static void test_changed_keys(void)
{
	const char *base = "# head\na@x  x/a/\nb@x  x/b/\nc@x  x/c/\n";
	EXPECT(base, base, false, "");
	EXPECT(base, "# head\na@x  x/a/\nnew@x  x/new/\nb@x  x/b/\nc@x  x/c/\n", false, "new@x=x/new/");
	EXPECT(base, "# head\na@x  x/a/\nc@x  x/c/\n", false, "b@x=(absent)");
	EXPECT(base, "# head\na@x  x/a/\nb@x  x/B2/\nc@x  x/c/\n", false, "b@x=x/B2/");
	/* At the end, without a final newline; keys are case-folded. */
	EXPECT("a@x  x/a/", "a@x  x/a/\nNew@X  n", false, "new@x=n");
	/* A value continued on the next line: the whole entry, joined. */
	EXPECT("a@x  one,\n  two\nb@x  y\n", "a@x  one,\n  three\nb@x  y\n", false, "a@x=one,  three");
	/* A key the unchanged head holds first: its answer is not this change's. */
	EXPECT("a@x  1\nb@x  2\n", "a@x  1\nb@x  2\na@x  3\n", false, "");
	EXPECT("a@x  1\nb@x  2\nc@x 3\n", "b@x  2\nc@x 3\n", false, "a@x=(absent)");
	/* A line gone whose key the unchanged tail still holds: not "absent". */
	EXPECT("a@x  1\nb@x  2\na@x  1\n", "b@x  2\na@x  1\n", false, "");
	/* aliases(5): "name: value". */
	EXPECT("root: admin\n", "root: admin\npostmaster: root\n", true, "postmaster=root");
	EXPECT("root: admin\npostmaster: root\n", "root: admin\n", true, "postmaster=(absent)");
}

static char dir[64];

/* A program that prints "KEY<TAB>VALUE" for the keys in its answers file. */
static const char *answering(const char *answers)
{
	static char prog[128];
	char path[128];
	snprintf(path, sizeof path, "%s/answers", dir);
	FILE *fp = fopen(path, "w");
	fputs(answers, fp);
	fclose(fp);
	snprintf(prog, sizeof prog, "%s/fake", dir);
	fp = fopen(prog, "w");
	fprintf(fp, "#!/bin/sh\nexec awk -F '\\t' 'NR == FNR { a[$1] = $0; next } ($0 in a) { print a[$0]; n++ }"
		    " END { exit n ? 0 : 1 }' %s -\n", path);
	fclose(fp);
	chmod(prog, 0755);
	return prog;
}

static void test_verify(void)
{
	snprintf(dir, sizeof dir, "/tmp/vmailadm-test-mapcheck.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	struct mapcheck m = { 0 };
	mapcheck_changed("a@x 1\n", 6, "a@x 1\nb@x 2\n", 12, false, &m);
	mapcheck_changed("c@x 3\n", 6, "", 0, false, &m);
	CU_ASSERT_EQUAL(m.n, 2);
	double secs;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(mapcheck_verify(answering("b@x\t2\n"), dir, "hash", "/t", false, &m, &secs, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(mapcheck_verify(answering("b@x\t9\n"), dir, "hash", "/t", false, &m, &secs, &d), -1);
	CU_ASSERT(d.n && strstr(d.v[d.n - 1].msg, "answers b@x with \"9\", not \"2\""));
	CU_ASSERT_EQUAL(mapcheck_verify(answering("a@x\t1\n"), dir, "hash", "/t", false, &m, &secs, &d), -1);
	CU_ASSERT(d.n && strstr(d.v[d.n - 1].msg, "does not answer b@x"));
	CU_ASSERT_EQUAL(mapcheck_verify(answering("b@x\t2\nc@x\t3\n"), dir, "hash", "/t", false, &m, &secs, &d), -1);
	CU_ASSERT(d.n && strstr(d.v[d.n - 1].msg, "still answers c@x"));
	/* A program that fails (the map cannot be opened) fails the check. */
	CU_ASSERT_EQUAL(mapcheck_verify("/bin/false", dir, "hash", "/t", false, &m, &secs, &d), -1);
	diags_free(&d);
	mapcheck_free(&m);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "the keys a change touches", test_changed_keys },
		{ "the map asked for them", test_verify },
		CU_TEST_INFO_NULL,
	};
	return cu_run("mapcheck", tests);
}
