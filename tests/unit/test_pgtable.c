/* Unit tests for pgsql_table(5) files (src/db/pgtable.c) without a
 * server: the file's errors (naming the line), the queries Postfix skips
 * (no connection is even tried), the legacy query form, a server that
 * does not answer (an error, never "no entry"), the "domain" match list
 * (names, /file/name, type:table, "!"), and the order the hosts are tried. The expanded and quoted
 * text itself is compared with Postfix's on a real PostgreSQL
 * (tests/integration/pgsql-trace.sh). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/maincf.h"
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

/* A file of text at a new temporary path (its name in p). */
static void write_file(char *p, size_t size, const char *text)
{
	snprintf(p, size, "/tmp/test_pgtable_list.XXXXXX");
	int fd = mkstemp(p);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* "domain" is a Postfix match list (string_list): names, /file/name
 * (its logical lines, comments skipped), type:table (its keys), "!" to
 * exclude, the first pattern that matches deciding. Listed: asked (an
 * error here, the server does not answer); not listed: skipped. */
static void test_domain_list(void)
{
	char list[64], table[64], cf[512];
	write_file(list, sizeof list, "# the hosted domains\nfile-a.example\n  file-b.example, !file-no.example\n"
				     "!neg.example\n");
	write_file(table, sizeof table, "Table.Example OK\n# a comment\nother.example whatever\n");
	snprintf(cf, sizeof cf, NOHOST "query = SELECT 1 WHERE '%%s' <> ''\n"
		 "domain = !excluded.example, Plain.Example %s\n  hash:%s, !neg.example neg.example\n",
		 list, table);
	struct diags d = DIAGS_INIT;
	struct pgtable *t = open_text(cf, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(d.n, 0);
	static const struct {
		const char *key;
		enum pgtable_rc rc;
	} cases[] = {
		{ "u@plain.example", PGTABLE_ERROR },       /* a name, in any case */
		{ "u@PLAIN.example", PGTABLE_ERROR },
		{ "u@file-a.example", PGTABLE_ERROR },      /* from the file */
		{ "u@file-b.example", PGTABLE_ERROR },      /* its continuation line */
		{ "u@table.example", PGTABLE_ERROR },       /* a key of the table (folded by postmap) */
		{ "u@other.example", PGTABLE_ERROR },
		{ "u@excluded.example", PGTABLE_SKIPPED },  /* !name */
		{ "u@file-no.example", PGTABLE_SKIPPED },   /* !name in the file */
		{ "u@neg.example", PGTABLE_SKIPPED },       /* the file's ! comes first */
		{ "u@sub.plain.example", PGTABLE_SKIPPED }, /* no parent-domain match */
		{ "u@comment", PGTABLE_SKIPPED },
		{ "u@unlisted.example", PGTABLE_SKIPPED },
		{ "@plain.example", PGTABLE_SKIPPED },      /* no local part */
		{ "plain.example", PGTABLE_SKIPPED },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *err = NULL;
		enum pgtable_rc rc = lookup(t, cases[i].key, &err);
		if (rc != cases[i].rc)
			fprintf(stderr, "%s: %d, expected %d (%s)\n", cases[i].key, rc, cases[i].rc,
				err ? err : "");
		CU_ASSERT_EQUAL(rc, cases[i].rc);
		CU_ASSERT(rc == PGTABLE_ERROR ? err && strstr(err, "no database server answered") : !err);
		free(err);
	}
	pgtable_free(&t);
	/* A list file that cannot be read: a lookup fails (never "not
	 * listed"), as Postfix's surrogate table fails. */
	t = open_text(NOHOST "query = SELECT 1\ndomain = /nonexistent/vmailadm-domains\n", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	char *err = NULL;
	CU_ASSERT_EQUAL(lookup(t, "u@any.example", &err), PGTABLE_ERROR);
	CU_ASSERT(err && strstr(err, "/nonexistent/vmailadm-domains") != NULL);
	free(err);
	pgtable_free(&t);
	/* A table type vmailadm cannot read: an error naming it. */
	t = open_text(NOHOST "query = SELECT 1\ndomain = ldap:/etc/postfix/ldap-domains.cf\n", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	err = NULL;
	CU_ASSERT_EQUAL(lookup(t, "u@any.example", &err), PGTABLE_ERROR);
	CU_ASSERT(err && strstr(err, "ldap:/etc/postfix/ldap-domains.cf") != NULL);
	free(err);
	pgtable_free(&t);
	/* "!" alone: the file's line named. */
	CU_ASSERT_PTR_NULL(open_text(NOHOST "query = SELECT 1\ndomain = a.example, !\n", &d));
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].line, 5);
	diags_free(&d);
	unlink(list);
	unlink(table);
}

/* hosts: the UNIX sockets first, then the TCP hosts, then the URIs (as
 * dict_pgsql.c prefers them), each group in random order: every host of
 * a group comes first in some of 200 draws. */
static void test_host_order(void)
{
	const char *hosts = "db1:5432 postgresql://u@db4/postfix inet:db2 unix:/run/pg /run/pg2 db3";
	int first_unix[2] = { 0, 0 }, first_inet[3] = { 0, 0, 0 };
	for (int draw = 0; draw < 200; draw++) {
		char **v = pgtable_host_order(hosts);
		size_t n = 0;
		while (v[n])
			n++;
		CU_ASSERT_EQUAL_FATAL(n, 6);
		/* the two sockets, then the three TCP hosts, then the URI */
		for (size_t i = 0; i < 2; i++)
			CU_ASSERT(strstr(v[i], "/run/pg") != NULL);
		for (size_t i = 2; i < 5; i++)
			CU_ASSERT(strstr(v[i], "db") != NULL && !strstr(v[i], "://"));
		CU_ASSERT_STRING_EQUAL(v[5], "postgresql://u@db4/postfix");
		first_unix[strcmp(v[0], "unix:/run/pg") == 0 ? 0 : 1]++;
		first_inet[strstr(v[2], "db1") ? 0 : strstr(v[2], "db2") ? 1 : 2]++;
		maincf_list_free(v);
	}
	CU_ASSERT(first_unix[0] > 0 && first_unix[1] > 0);
	CU_ASSERT(first_inet[0] > 0 && first_inet[1] > 0 && first_inet[2] > 0);
	/* none: localhost */
	char **v = pgtable_host_order("");
	CU_ASSERT_STRING_EQUAL(v[0], "localhost");
	CU_ASSERT_PTR_NULL(v[1]);
	maincf_list_free(v);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "a bad file names its line", test_file_errors },
		{ "the queries Postfix skips", test_skipped },
		{ "the legacy query form", test_legacy },
		{ "domain is a match list", test_domain_list },
		{ "hosts in dict_pgsql.c's order", test_host_order },
		CU_TEST_INFO_NULL,
	};
	return cu_run("pgtable", tests);
}
