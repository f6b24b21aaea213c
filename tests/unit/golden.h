/* Helpers for parser tests over a fixture corpus: read a file, list a
 * fixture directory, and compare a listing with its golden ".out" file.
 * VMAILADM_UPDATE_GOLDEN=1 rewrites the golden files instead (review the
 * diff before committing them). */
#ifndef VMAILADM_TESTS_GOLDEN_H
#define VMAILADM_TESTS_GOLDEN_H
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* The whole file, or NULL. */
static inline char *golden_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t r;
	while ((r = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(&sb, buf, r);
	fclose(fp);
	*len = sb.len;
	if (!sb.buf)
		return xstrdup("");
	return sb_detach(&sb);
}

/* The document's text as it would be written now (never NULL). */
static inline char *golden_render(const struct doc *doc)
{
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* Written back unedited, the document gives the bytes it was read from;
 * on a difference name the file. */
static inline bool golden_round_trip(const struct doc *doc, const char *bytes, size_t len,
				     const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	bool same = sb.len == len && memcmp(sb_str(&sb), bytes, len) == 0;
	if (!same)
		fprintf(stderr, "\nround trip differs: %s\n", name);
	sb_free(&sb);
	return same;
}

/* The document renders as exactly want; both texts are printed when not. */
#define GOLDEN_ASSERT_DOC(doc, want) do { \
		char *got_ = golden_render(doc); \
		CU_ASSERT_STRING_EQUAL(got_, want); \
		if (strcmp(got_, want) != 0) \
			fprintf(stderr, "\n--- got:\n%s\n--- want:\n%s\n", got_, want); \
		free(got_); \
	} while (0)

static int golden_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the fixture files in dir (not ".out", not hidden),
 * NULL-terminated; *n gets the count. */
static inline char **golden_list(const char *dir, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	DIR *dp = opendir(dir);
	if (!dp)
		return NULL;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || (l > 4 && strcmp(de->d_name + l - 4, ".out") == 0))
			continue;
		xgrow(&v, &cap, *n + 2, sizeof *v);
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (v) {
		qsort(v, *n, sizeof *v, golden_cmp);
		v[*n] = NULL;
	}
	return v;
}

static inline void golden_list_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static inline void golden_add_diags(struct strbuf *out, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);
		sb_adds(out, "diag ");
		sb_adds(out, s);
		sb_addc(out, '\n');
		free(s);
	}
}

static inline void golden_field(struct strbuf *out, const char *name, const char *s)
{
	sb_addf(out, " %s=", name);
	sb_add_printable(out, s, strlen(s));
}

/* Compare actual with the golden file path; on a difference print the
 * first differing line. */
static inline bool golden_check(const char *path, const char *actual)
{
	const char *upd = getenv("VMAILADM_UPDATE_GOLDEN");
	if (upd && *upd == '1') {
		FILE *fp = fopen(path, "wb");
		if (!fp)
			return false;
		fputs(actual, fp);
		return fclose(fp) == 0;
	}
	size_t len;
	char *want = golden_read(path, &len);
	if (!want) {
		fprintf(stderr, "\nmissing golden file %s\n", path);
		return false;
	}
	bool same = strcmp(want, actual) == 0;
	if (!same) {
		const char *a = want, *b = actual;
		unsigned line = 1;
		while (*a && *a == *b) {
			if (*a == '\n')
				line++;
			a++;
			b++;
		}
		fprintf(stderr, "\n%s:%u: golden differs\n  want: %.*s\n  got:  %.*s\n", path, line,
			(int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
	}
	free(want);
	return same;
}

#endif
