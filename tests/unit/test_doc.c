/* Unit tests for documents (doc.c): byte-identical round trips of every
 * fixture, line ends kept through edits, and Postfix logical lines. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cu.h"
#include "golden.h"
#include "vmailadm/doc.h"
#include "vmailadm/xalloc.h"

#define ASSERT_RENDER(doc, want) GOLDEN_ASSERT_DOC(doc, want)

/* Round-trip every regular file under dir, recursively; returns the count. */
static size_t roundtrip_tree(const char *dir)
{
	size_t count = 0;
	DIR *dp = opendir(dir);
	if (!dp)
		return 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			count += roundtrip_tree(path);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		struct diags d = DIAGS_INIT;
		struct doc *doc = NULL;
		CU_ASSERT_EQUAL_FATAL(doc_load(path, false, &doc, &d), 0);
		size_t len = 0;
		char *want = golden_read(path, &len);
		CU_ASSERT(golden_round_trip(doc, want, len, path));
		CU_ASSERT_FALSE(doc_dirty(doc));
		CU_ASSERT_PTR_NOT_NULL(doc_stat(doc));
		free(want);
		doc_free(&doc);
		diags_free(&d);
		count++;
	}
	closedir(dp);
	return count;
}

static void test_fixture_roundtrip(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cu_fixture(""));
	size_t n = roundtrip_tree(dir);
	CU_ASSERT(n >= 15);
}

static void test_line_ends(void)
{
	const char data[] = "a\r\nb\nc\r\nlast";
	struct doc *doc = doc_from_mem("m", data, sizeof data - 1);
	CU_ASSERT_EQUAL(doc_count(doc), 4);
	size_t len = 0;
	const char *text = doc_text(doc, 0, &len);
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(text[0], 'a');
	CU_ASSERT_STRING_EQUAL(doc_eol(doc, 0), "\r\n");
	CU_ASSERT_STRING_EQUAL(doc_eol(doc, 1), "\n");
	CU_ASSERT_STRING_EQUAL(doc_eol(doc, 3), "");
	CU_ASSERT_STRING_EQUAL(doc_default_eol(doc), "\r\n");
	ASSERT_RENDER(doc, data);
	CU_ASSERT_FALSE(doc_dirty(doc));

	/* Replace keeps the line's own end; insert uses the majority end. */
	doc_replace(doc, 1, "B");
	doc_insert(doc, 0, "first");
	ASSERT_RENDER(doc, "first\r\na\r\nB\nc\r\nlast");
	CU_ASSERT_TRUE(doc_dirty(doc));
	/* Appending after a last line without newline gives it one. */
	doc_insert(doc, doc_count(doc), "end");
	ASSERT_RENDER(doc, "first\r\na\r\nB\nc\r\nlast\r\nend\r\n");
	/* Deleting the last line of a file without a final newline keeps that. */
	doc_free(&doc);
	CU_ASSERT_PTR_NULL(doc);
	doc = doc_from_mem("m", "x\ny\nz", 5);
	doc_delete(doc, 2, 1);
	ASSERT_RENDER(doc, "x\ny");
	doc_delete(doc, 0, 1);
	ASSERT_RENDER(doc, "y");
	doc_insert(doc, 1, "w");
	ASSERT_RENDER(doc, "y\nw\n");

	struct doc *c = doc_clone(doc);
	doc_replace(doc, 0, "changed");
	ASSERT_RENDER(c, "y\nw\n");
	doc_free(&c);
	doc_free(&doc);

	/* Empty file; an empty last line; NUL bytes survive. */
	doc = doc_from_mem("e", "", 0);
	CU_ASSERT_EQUAL(doc_count(doc), 0);
	ASSERT_RENDER(doc, "");
	doc_insert(doc, 0, "only");
	ASSERT_RENDER(doc, "only\n");
	doc_free(&doc);
	const char nul[] = "a\0b\n\n";
	doc = doc_from_mem("n", nul, sizeof nul - 1);
	CU_ASSERT_EQUAL(doc_count(doc), 2);
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	CU_ASSERT(sb.len == sizeof nul - 1 && memcmp(sb.buf, nul, sb.len) == 0);
	sb_free(&sb);
	doc_free(&doc);
}

static void test_load_missing(void)
{
	struct diags d = DIAGS_INIT;
	struct doc *doc = NULL;
	CU_ASSERT_EQUAL(doc_load("/nonexistent/vmailadm/x", true, &doc, &d), 0);
	CU_ASSERT_FALSE(doc_exists(doc));
	CU_ASSERT_EQUAL(doc_count(doc), 0);
	doc_free(&doc);
	CU_ASSERT_EQUAL(doc_load("/nonexistent/vmailadm/x", false, &doc, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].file, "/nonexistent/vmailadm/x");
	diags_free(&d);
}

/* Collect the logical lines of text as "first+nlines:text|..." */
static char *logical(const char *text)
{
	struct doc *doc = doc_from_mem("l", text, strlen(text));
	struct strbuf out = STRBUF_INIT, t = STRBUF_INIT;
	size_t pos = 0, first, nlines;
	while (doc_next_logical(doc, &pos, &t, &first, &nlines)) {
		sb_addf(&out, "%zu+%zu:", first, nlines);
		sb_add_printable(&out, t.buf, t.len);
		sb_addc(&out, '|');
	}
	sb_free(&t);
	doc_free(&doc);
	return out.buf ? sb_detach(&out) : xstrdup("");
}

static void test_logical_lines(void)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "# c\n\n   \n\t# c\n", "" },
		{ "a b\nc d", "0+1:a b|1+1:c d|" },
		{ "k a,\n  b\n", "0+2:k a,  b|" },
		/* comments and blank lines inside a continued line */
		{ "k a,\n# c\n\n\tb\n# after\nn v\n", "0+4:k a,\\tb|5+1:n v|" },
		/* trailing comment and blank lines are not part of the line */
		{ "k v\n# c\n\n", "0+1:k v|" },
		/* an indented first line is a logical line of its own */
		{ "# c\n  x\n y\nz\n", "1+2:  x y|3+1:z|" },
		/* CRLF: the \r stays, as in readlline() */
		{ "k a,\r\n  b\r\n\r\nn v", "0+2:k a,\\r  b\\r|3+1:n v|" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = logical(cases[i][0]);
		CU_ASSERT_STRING_EQUAL(got, cases[i][1]);
		if (strcmp(got, cases[i][1]) != 0)
			fprintf(stderr, "\ncase %zu: got %s want %s\n", i, got, cases[i][1]);
		free(got);
	}
}

/* doc_changed_span (issue 16: the stage renders only the changed lines):
 * after any run of edits, the bytes as last clean with the lines between
 * the kept head and tail replaced by their rendering are the whole
 * rendering, whatever the line ends, the last line's newline and the
 * edits (random runs, a fixed seed). */
static void test_changed_span(void)
{
	static const char *const starts[] = {
		"a 1\nb 2\nc 3\nd 4\ne 5\n", "a 1\r\nb 2\r\nc 3", "only", "", "x\ny\r\nz",
	};
	unsigned seed = 16;
	for (size_t k = 0; k < sizeof starts / sizeof *starts; k++) {
		struct doc *doc = doc_from_mem("t", starts[k], strlen(starts[k]));
		struct strbuf clean = STRBUF_INIT, now = STRBUF_INIT, spliced = STRBUF_INIT;
		doc_render(doc, &clean);
		size_t head, tail;
		CU_ASSERT_FALSE(doc_changed_span(doc, &head, &tail));
		for (int step = 0; step < 400; step++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = (seed >> 16) % 7, n = (unsigned)doc_count(doc);
			unsigned at = n ? (seed >> 8) % n : 0;
			char text[32];
			snprintf(text, sizeof text, "l%d", step);
			if (r <= 1 || n == 0) {
				doc_insert(doc, r == 0 ? n : at, text);
			} else if (r == 2) {
				doc_replace(doc, at, text);
			} else if (r == 3) {
				doc_delete(doc, at, n - at > 1 && (seed & 1) ? 2 : 1);
			} else if (r == 4) {
				bool *drop = xcalloc(n, sizeof *drop);
				drop[at] = drop[n - 1 - at / 2] = true;
				doc_delete_marked(doc, drop);
				free(drop);
			} else if (r == 5) {
				doc_delete(doc, n - 1, 1);
			}
			sb_reset(&now);
			doc_render(doc, &now);
			size_t nl = doc_count(doc);
			if (doc_changed_span(doc, &head, &tail)) {
				size_t pre = doc_render_size(doc, 0, head);
				size_t post = doc_render_size(doc, nl - tail, nl);
				CU_ASSERT_FATAL(pre + post <= clean.len);
				sb_reset(&spliced);
				sb_add(&spliced, sb_str(&clean), pre);
				doc_render_lines(doc, head, nl - tail, &spliced);
				sb_add(&spliced, sb_str(&clean) + clean.len - post, post);
				CU_ASSERT_EQUAL(spliced.len, now.len);
				/* sb_str: an empty buffer's buf is NULL, which memcmp must not get */
				CU_ASSERT(spliced.len == now.len &&
					  memcmp(sb_str(&spliced), sb_str(&now), now.len) == 0);
			} else {
				CU_ASSERT(clean.len == now.len && memcmp(sb_str(&clean), sb_str(&now), now.len) == 0);
			}
			if (r == 6) {   /* the stage took the bytes: clean again */
				doc_clean(doc);
				sb_reset(&clean);
				sb_add(&clean, sb_str(&now), now.len);
			}
		}
		sb_free(&clean);
		sb_free(&now);
		sb_free(&spliced);
		doc_free(&doc);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "every fixture round-trips byte for byte", test_fixture_roundtrip },
		{ "line ends through edits", test_line_ends },
		{ "missing files", test_load_missing },
		{ "Postfix logical lines", test_logical_lines },
		{ "the lines changed since clean, spliced, are the rendering", test_changed_span },
		CU_TEST_INFO_NULL,
	};
	return cu_run("doc", tests);
}
