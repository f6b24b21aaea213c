/* Unit tests for the unified diff: exact output on small cases, and random
 * edits whose diff must turn the old text into the new one under patch(1). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/diff.h"
#include "vmailadm/strbuf.h"

static char *diff_of(const char *a, const char *b, unsigned ctx)
{
	struct strbuf out = STRBUF_INIT;
	diff_unified("a", "b", a, strlen(a), b, strlen(b), ctx, &out);
	return sb_detach(&out);
}

static void test_equal_is_empty(void)
{
	char *d = diff_of("x\ny\n", "x\ny\n", 3);
	CU_ASSERT_STRING_EQUAL(d, "");
	free(d);
	d = diff_of("", "", 3);
	CU_ASSERT_STRING_EQUAL(d, "");
	free(d);
}

static void test_one_line_added(void)
{
	char *d = diff_of("a\nb\nc\n", "a\nb\nnew\nc\n", 3);
	CU_ASSERT_STRING_EQUAL(d, "--- a\n+++ b\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n");
	free(d);
}

static void test_new_file_and_no_newline(void)
{
	char *d = diff_of("", "x\n", 3);
	CU_ASSERT_STRING_EQUAL(d, "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
	free(d);
	d = diff_of("k v\nlast", "k v\nlast\nadded\n", 3);
	CU_ASSERT_STRING_EQUAL(d, "--- a\n+++ b\n@@ -1,2 +1,3 @@\n k v\n-last\n\\ No newline at end of file\n+last\n+added\n");
	free(d);
}

static void test_two_hunks(void)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	for (int i = 0; i < 30; i++) {
		sb_addf(&a, "line %d\n", i);
		if (i != 2 && i != 25)
			sb_addf(&b, "line %d\n", i);
	}
	struct strbuf out = STRBUF_INIT;
	size_t h = diff_unified("a", "b", a.buf, a.len, b.buf, b.len, 3, &out);
	CU_ASSERT_EQUAL(h, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "@@ -1,6 +1,5 @@\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "@@ -23,7 +22,6 @@\n"));
	sb_free(&a);
	sb_free(&b);
	sb_free(&out);
}

static void write_file(const char *path, const char *s, size_t len)
{
	FILE *fp = fopen(path, "wb");
	CU_ASSERT_FATAL(fp != NULL);
	fwrite(s, 1, len, fp);
	fclose(fp);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t r;
	if (!fp)
		return NULL;
	while ((r = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(&sb, buf, r);
	fclose(fp);
	*len = sb.len;
	return sb_detach(&sb);
}

/* The diff of a against b turns a into b under patch(1). */
static void check_applies(const char *a, size_t alen, const char *b, size_t blen, unsigned ctx,
			  struct strbuf *out)
{
	char dir[] = "/tmp/vmailadm-diff-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char fa[4200], fp[4200], cmd[9000];
	snprintf(fa, sizeof fa, "%s/file", dir);
	snprintf(fp, sizeof fp, "%s/p.diff", dir);
	diff_unified(fa, fa, a, alen, b, blen, ctx, out);
	write_file(fa, a, alen);
	write_file(fp, sb_str(out), out->len);
	snprintf(cmd, sizeof cmd, "patch -s -p0 %s < %s", fa, fp);
	CU_ASSERT_EQUAL(out->len ? system(cmd) : 0, 0);
	size_t len = 0;
	char *got = read_file(fa, &len);
	CU_ASSERT_FATAL(got != NULL);
	CU_ASSERT(len == blen && memcmp(got, b, len) == 0);
	free(got);
	unlink(fa);
	unlink(fp);
	rmdir(dir);
}

static size_t count_prefixed(const char *s, char tag)
{
	size_t n = 0;
	for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += *p == tag && p[1] != tag;   /* not the ---/+++ header */
	return n;
}

/* A cascade in a large table (thousands of lines gone, changed and added,
 * far past Myers' edit limit): the diff is still minimal, line for line
 * (cut at the lines found once on each side), and applies; with runs of
 * equal lines between them too. */
static void test_large_edit_stays_minimal(void)
{
	if (system("command -v patch >/dev/null 2>&1") != 0) {
		fprintf(stderr, "patch(1) missing: skipped\n");
		return;
	}
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, out = STRBUF_INIT;
	size_t gone = 0, added = 0;
	for (int i = 0; i < 30000; i++) {
		if (i % 100 == 50) {   /* comments and blank lines: not unique */
			sb_adds(&a, "\n# section\n");
			sb_adds(&b, "\n# section\n");
		}
		sb_addf(&a, "user%d@example.com example.com/user%d/\n", i, i);
		if (i % 7 == 3) {
			gone++;
		} else if (i % 13 == 5) {
			sb_addf(&b, "user%d@example.com example.com/moved%d/\n", i, i);
			gone++, added++;
		} else {
			sb_addf(&b, "user%d@example.com example.com/user%d/\n", i, i);
		}
		if (i % 11 == 0)
			sb_addf(&b, "new%d@example.com example.com/new%d/\n", i, i), added++;
	}
	check_applies(a.buf, a.len, b.buf, b.len, 3, &out);
	CU_ASSERT_EQUAL(count_prefixed(out.buf, '-'), gone);
	CU_ASSERT_EQUAL(count_prefixed(out.buf, '+'), added);
	sb_free(&a);
	sb_free(&b);
	sb_free(&out);
}

/* Random texts and edits; patch(1) must reproduce the new text exactly. */
static void test_random_edits_apply_with_patch(void)
{
	if (system("command -v patch >/dev/null 2>&1") != 0) {
		fprintf(stderr, "patch(1) missing: skipped\n");
		return;
	}
	char dir[] = "/tmp/vmailadm-diff-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char fa[4200], fp[4200], cmd[9000];
	snprintf(fa, sizeof fa, "%s/file", dir);
	snprintf(fp, sizeof fp, "%s/p.diff", dir);
	srand(42);
	for (int round = 0; round < 40; round++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		int n = 1 + rand() % 60;
		for (int i = 0; i < n; i++) {
			int v = rand() % 8; /* small alphabet: many equal lines */
			sb_addf(&a, "k%d v%d\n", v, i % 3);
			int r = rand() % 10;
			if (r == 0)
				continue;                    /* delete */
			if (r == 1)
				sb_addf(&b, "new %d\n", i);  /* insert before */
			sb_addf(&b, r == 2 ? "k%d changed\n" : "k%d v%d\n", v, i % 3);
		}
		if (round % 5 == 0 && b.len)
			sb_truncate(&b, b.len - 1);          /* no final newline */
		struct strbuf out = STRBUF_INIT;
		diff_unified(fa, fa, a.buf, a.len, b.buf ? b.buf : "", b.len, (unsigned)(round % 4), &out);
		write_file(fa, a.buf, a.len);
		write_file(fp, sb_str(&out), out.len);
		snprintf(cmd, sizeof cmd, "patch -s -p0 %s < %s", fa, fp);
		int rc = out.len ? system(cmd) : 0;
		CU_ASSERT_EQUAL(rc, 0);
		size_t len = 0;
		char *got = read_file(fa, &len);
		CU_ASSERT_FATAL(got != NULL);
		CU_ASSERT_EQUAL(len, b.len);
		CU_ASSERT(len == b.len && memcmp(got, sb_str(&b), len) == 0);
		free(got);
		sb_free(&a);
		sb_free(&b);
		sb_free(&out);
	}
	unlink(fa);
	unlink(fp);
	rmdir(dir);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "equal texts give no diff", test_equal_is_empty },
		{ "one added line", test_one_line_added },
		{ "new file and missing final newline", test_new_file_and_no_newline },
		{ "distant changes make two hunks", test_two_hunks },
		{ "random edits apply with patch(1)", test_random_edits_apply_with_patch },
		{ "a large edit stays minimal", test_large_edit_stays_minimal },
		CU_TEST_INFO_NULL,
	};
	return cu_run("diff", tests);
}
