/* Unit tests for backend: pgsql's preview, the row diff (src/db/rowset.c
 * through the stage's plan): the rows of the demo tree as read against
 * the rows as staged, one line a row with the columns that change, the
 * tables in the order a transaction writes them, never a password hash;
 * no postmap and no reload on this backend. The commit itself is tested
 * on a real PostgreSQL (tests/integration/pgsql-commit.sh). */
#include "stagetree.h"

static char *row_diff(struct stage *s)
{
	const struct plan *p = stage_plan(s);
	struct strbuf out = STRBUF_INIT;
	plan_diff(p, &out);
	return sb_detach(&out);
}

static struct stage *pg_stage(void)
{
	setup();
	cfg->backend = BACKEND_PGSQL;
	return stage_new();
}

static void test_insert(void)
{
	struct stage *s = pg_stage();
	CU_ASSERT_EQUAL(push(s, "mailbox add Alice@Andromed.Cloud --quota 1G --password-hash '" HASH "'"), 0);
	char *t = row_diff(s);
	CU_ASSERT_STRING_EQUAL(t, "--- pgsql (the snapshot read)\n+++ pgsql (as staged)\n@@ 1 row @@\n"
				  "+mailbox alice@andromed.cloud password=(set) maildir=andromed.cloud/alice/ "
				  "quota=1073741824 local_part=alice domain=andromed.cloud\n");
	CU_ASSERT(strstr(t, "$6$") == NULL);
	const struct plan *p = stage_plan(s);
	CU_ASSERT(plan_has(p, ACT_MAILDIR_CREATE, "vhosts/andromed.cloud/alice"));
	CU_ASSERT(!plan_has(p, ACT_POSTMAP, NULL));
	CU_ASSERT(!plan_has(p, ACT_RELOAD_DOVECOT, NULL));
	CU_ASSERT(!plan_has(p, ACT_RELOAD_POSTFIX, NULL));
	free(t);
	stage_free(&s);
	teardown();
}

static void test_update_and_secret(void)
{
	struct stage *s = pg_stage();
	CU_ASSERT_EQUAL(push(s, "alias add info@andromed.cloud janedoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox passwd janedoe@andromed.cloud --password-hash '" HASH "'"), 0);
	char *t = row_diff(s);
	CU_ASSERT_STRING_EQUAL(t, "--- pgsql (the snapshot read)\n+++ pgsql (as staged)\n@@ 2 rows @@\n"
				  "~mailbox janedoe@andromed.cloud password: changed\n"
				  "~alias info@andromed.cloud goto: johndoe@andromed.cloud -> "
				  "johndoe@andromed.cloud,janedoe@andromed.cloud\n");
	CU_ASSERT(strstr(t, "$6$") == NULL);
	free(t);
	stage_free(&s);
	teardown();
}

/* A new domain comes before its rows, a removed one after theirs. */
static void test_order_and_delete(void)
{
	struct stage *s = pg_stage();
	CU_ASSERT_EQUAL(push(s, "domain add zeta.example"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox add a@zeta.example --password-hash '" HASH "'"), 0);
	CU_ASSERT_EQUAL(push(s, "alias del facturation@andromed.cloud"), 0);
	char *t = row_diff(s);
	CU_ASSERT_STRING_EQUAL(t, "--- pgsql (the snapshot read)\n+++ pgsql (as staged)\n@@ 3 rows @@\n"
				  "+domain zeta.example\n"
				  "+mailbox a@zeta.example password=(set) maildir=zeta.example/a/ quota=0 "
				  "local_part=a domain=zeta.example\n"
				  "-alias facturation@andromed.cloud goto=comptable@cabinet-expert.fr "
				  "domain=andromed.cloud\n");
	free(t);
	stage_free(&s);
	teardown();
}

/* An alias domain is a domain row and an alias_domain row, its user@B
 * lines no alias rows; removed, the alias_domain row goes before the
 * domain row it references (every removal after the inserts). */
static void test_alias_domain(void)
{
	struct stage *s = pg_stage();
	CU_ASSERT_EQUAL(push(s, "domain add mirror.example --alias-of andromed.cloud"), 0);
	char *t = row_diff(s);
	CU_ASSERT_STRING_EQUAL(t, "--- pgsql (the snapshot read)\n+++ pgsql (as staged)\n@@ 2 rows @@\n"
				  "+domain mirror.example\n"
				  "+alias_domain mirror.example target_domain=andromed.cloud\n");
	free(t);
	stage_free(&s);
	teardown();
	s = pg_stage();
	CU_ASSERT_EQUAL(push(s, "domain add zeta.example"), 0);
	CU_ASSERT_EQUAL(push(s, "domain del ascent.cloud --cascade"), 0);
	t = row_diff(s);
	const char *add = strstr(t, "+domain zeta.example"), *box = strstr(t, "-mailbox admin@ascent.cloud");
	const char *al = strstr(t, "-alias postmaster@ascent.cloud"), *dom = strstr(t, "-domain ascent.cloud");
	CU_ASSERT(add && box && al && dom && add < al && al < box && box < dom);
	free(t);
	stage_free(&s);
	teardown();
}

/* A change undone is no row at all; on files the plan has no rows. */
static void test_nothing(void)
{
	struct stage *s = pg_stage();
	CU_ASSERT_EQUAL(push(s, "alias add info@andromed.cloud janedoe@andromed.cloud"), 0);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	char *t = row_diff(s);
	CU_ASSERT_STRING_EQUAL(t, "");
	free(t);
	stage_free(&s);
	cfg->backend = BACKEND_FILES;
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "alias add info@andromed.cloud janedoe@andromed.cloud"), 0);
	CU_ASSERT_PTR_NULL(stage_plan(s)->rows);
	t = row_diff(s);
	CU_ASSERT(strstr(t, "+++ ") && strstr(t, "virtual_alias"));
	free(t);
	stage_free(&s);
	teardown();
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "a new mailbox: one + line, (set) for the hash, no postmap or reload", test_insert },
		{ "changed columns only, a password as changed", test_update_and_secret },
		{ "domains first, deletes with their columns", test_order_and_delete },
		{ "no change, no rows; files keep their diff", test_nothing },
		{ "an alias domain's two rows; removals after inserts, references first", test_alias_domain },
		CU_TEST_INFO_NULL,
	};
	return cu_run("rowset", tests);
}
