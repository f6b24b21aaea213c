/* Unit tests for the names of places (src/model/source.c) on backend
 * pgsql: the snapshot's table files are the database's tables, its other
 * files the server's of the same name (main.cf at the same line, unless
 * the line is one the snapshot added), texts with those paths renamed;
 * on flat files nothing changes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/config.h"
#include "vmailadm/source.h"

#define SNAP "/s/state/pgsql/snapshot.42"
#define SERVER "/etc/postfix"

static struct config pg = { .postfix_dir = SNAP, .server_postfix_dir = SERVER };
static struct config flat = { .postfix_dir = SERVER };

static void check(const struct config *cfg, const char *file, unsigned line, const char *want)
{
	char *t = source_text(cfg, file, line);
	CU_ASSERT_STRING_EQUAL(t, want);
	free(t);
}

static void test_files(void)
{
	source_set_maincf_lines(80);
	check(&pg, SNAP "/vmailbox", 5, "pgsql:mailbox");
	check(&pg, SNAP "/users", 3, "pgsql:mailbox");
	check(&pg, SNAP "/virtual_alias", 0, "pgsql:alias");
	check(&pg, SNAP "/main.cf", 12, SERVER "/main.cf:12");
	check(&pg, SNAP "/main.cf", 80, SERVER "/main.cf:80");
	check(&pg, SNAP "/main.cf", 81, SERVER "/main.cf");   /* the snapshot's own */
	check(&pg, SNAP "/sender_login", 4, SERVER "/sender_login:4");
	check(&pg, SNAP "/master.cf", 0, SERVER "/master.cf");
	check(&pg, SNAP, 0, SERVER);
	check(&pg, SNAP ".1/main.cf", 3, SNAP ".1/main.cf:3");   /* another directory */
	check(&pg, "/var/mail/x", 0, "/var/mail/x");
	check(&flat, SERVER "/main.cf", 81, SERVER "/main.cf:81");
	check(&flat, SERVER "/vmailbox", 5, SERVER "/vmailbox:5");
	CU_ASSERT_TRUE(source_is_row(&pg, SNAP "/vmailbox"));
	CU_ASSERT_FALSE(source_is_row(&pg, SNAP "/main.cf"));
	CU_ASSERT_FALSE(source_is_row(&flat, SERVER "/vmailbox"));
}

static void test_text(void)
{
	char *t = source_rename_text(&pg, "the sender login map " SNAP "/sender_login exists, in " SNAP
					 "/main.cf. Rows of " SNAP "/vmailbox; postmap -c " SNAP ")");
	CU_ASSERT_STRING_EQUAL(t, "the sender login map " SERVER "/sender_login exists, in " SERVER
				  "/main.cf. Rows of pgsql:mailbox; postmap -c " SERVER ")");
	free(t);
	t = source_rename_text(&pg, SNAP "1/main.cf " SNAP "/main.cf");
	CU_ASSERT_STRING_EQUAL(t, SNAP "1/main.cf " SERVER "/main.cf");
	free(t);
	CU_ASSERT_PTR_NULL(source_rename_text(&pg, "nothing of the snapshot"));
	CU_ASSERT_PTR_NULL(source_rename_text(&flat, SERVER "/main.cf"));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "files named as the server's", test_files },
		{ "paths in a text", test_text },
		CU_TEST_INFO_NULL,
	};
	return cu_run("source", tests);
}
