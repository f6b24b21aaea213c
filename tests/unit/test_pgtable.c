/* Unit tests for pgsql_table(5) files (src/db/pgtable.c) without a
 * server: the file's errors (naming the line), the queries Postfix skips
 * (no connection is even tried), the legacy query form, and a server that
 * does not answer (an error, never "no entry"). The expanded and quoted
 * text itself is compared with Postfix's on a real PostgreSQL
 * (tests/integration/pgsql-trace.sh). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/pgtable.h"
#include "vmailadm/xalloc.h"

static char path[64];

/* The map file with text, opened; its diagnostics in *d. */
static struct pgtable *open_text(const char *text, struct diags *d)
{
	snprintf(path, sizeof path, "/tmp/test_pgtable.XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	struct pgtable *t = pgtable_open(path, d);
	unlink(path);
	return t;
}

/* A server that cannot answer: a socket directory that does not exist. */
#define NOHOST "hosts = unix:/nonexistent/vmailadm-test\nuser = u\ndbname = postfix\n"

static enum pgtable_rc lookup(struct pgtable *t, const char *key, char **error)
{
	char *query, *value;
	enum pgtable_rc rc = pgtable_lookup(t, key, &query, &value, error);
	free(query);
	free(value);
	return rc;
}

static void test_file_errors(void)
{
	struct diags d = DIAGS_INIT;
	CU_ASSERT_PTR_NULL(open_text(NOHOST "# a comment\nthis line has no equals sign\n", &d));
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].line, 5);
	diags_free(&d);
	CU_ASSERT_PTR_NULL(open_text(NOHOST "query = SELECT x FROM t WHERE k = '%q'\n", &d));
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].line, 4);
	diags_free(&d);
	CU_ASSERT_PTR_NULL(open_text(NOHOST, &d));   /* no query at all */
	CU_ASSERT_EQUAL(d.n, 1);
	diags_free(&d);
}

/* %d needs a domain, %u a local part; the domain list only lets in
 * user@listed-domain: all skipped before any connection. */
static void test_skipped(void)
{
	struct diags d = DIAGS_INIT;
	char *err = NULL;
	struct pgtable *t = open_text(NOHOST "query = SELECT g FROM a WHERE d = '%d'\n  AND u = '%u'\n", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(lookup(t, "example.org", &err), PGTABLE_SKIPPED);
	CU_ASSERT_EQUAL(lookup(t, "@example.org", &err), PGTABLE_SKIPPED);
	CU_ASSERT_EQUAL(lookup(t, "user@", &err), PGTABLE_SKIPPED);
	CU_ASSERT_PTR_NULL(err);
	pgtable_free(&t);
	t = open_text(NOHOST "query = SELECT g FROM a WHERE k = '%s'\ndomain = example.org, example.net\n", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(lookup(t, "user@example.com", &err), PGTABLE_SKIPPED);
	CU_ASSERT_EQUAL(lookup(t, "@example.org", &err), PGTABLE_SKIPPED);
	CU_ASSERT_EQUAL(lookup(t, "example.org", &err), PGTABLE_SKIPPED);
	CU_ASSERT_PTR_NULL(err);
	/* listed (in any case): asked, and the server's silence is an error */
	CU_ASSERT_EQUAL(lookup(t, "User@Example.NET", &err), PGTABLE_ERROR);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT(err && strstr(err, "no database server answered") != NULL);
	free(err);
	pgtable_free(&t);
	/* %2 needs two labels */
	t = open_text(NOHOST "query = SELECT 1 WHERE '%2' = 'example'\n", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	err = NULL;
	CU_ASSERT_EQUAL(lookup(t, "user@localhost", &err), PGTABLE_SKIPPED);
	CU_ASSERT_EQUAL(lookup(t, "user@example.org", &err), PGTABLE_ERROR);
	free(err);
	pgtable_free(&t);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

/* table, select_field, where_field, additional_conditions: no error, and
 * a lookup that needs the server reports the server. */
static void test_legacy(void)
{
	struct diags d = DIAGS_INIT;
	struct pgtable *t = open_text(NOHOST "table = alias\nselect_field = goto\nwhere_field = address\n"
					     "additional_conditions = AND active\n", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(d.n, 0);
	char *err = NULL;
	CU_ASSERT_EQUAL(lookup(t, "a@b.c", &err), PGTABLE_ERROR);
	CU_ASSERT(err && strstr(err, "/nonexistent/vmailadm-test") != NULL);
	free(err);
	pgtable_free(&t);
	diags_free(&d);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "a bad file names its line", test_file_errors },
		{ "the queries Postfix skips", test_skipped },
		{ "the legacy query form", test_legacy },
		CU_TEST_INFO_NULL,
	};
	return cu_run("pgtable", tests);
}
