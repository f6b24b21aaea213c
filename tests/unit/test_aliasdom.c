/* Alias domains (issue 15): `domain add B --alias-of A` through the stage
 * (one line per address, never a wildcard), kept in step by later edits,
 * recognised from the files alone (model/aliasdom.c), lines out of step
 * named. On the demo tree, whole files and then the quick path. */
#include "stagetree.h"

#include "vmailadm/aliasdom.h"

static void test_add(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain add b.example --alias-of andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+johndoe@b.example"));
	CU_ASSERT(diff_has(s, "+equipe@b.example"));
	CU_ASSERT(!diff_has(s, "+@b.example"));
	CU_ASSERT(notes_have(stage_plan(s), "never a wildcard"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	/* every mailbox and alias once; the domain line (the demo's
	 * virtual_alias_domains is $virtual_alias_maps) */
	CU_ASSERT(has_entry(VAL, "b.example", NULL));
	CU_ASSERT(has_entry(VAL, "johndoe@b.example", "johndoe@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "admin@b.example", "admin@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "info@b.example", "info@andromed.cloud"));
	CU_ASSERT(!has_entry(VAL, "@b.example", NULL));
	CU_ASSERT(!contains(VDOM, "b.example"));
	struct world *w = load();
	struct aliasdom ad;
	CU_ASSERT_FATAL(aliasdom_find(w, "b.example", &ad));
	CU_ASSERT_STRING_EQUAL(ad.target, "andromed.cloud");
	CU_ASSERT_PTR_NULL(ad.wildcard);
	CU_ASSERT_EQUAL(ad.nlines, 10);
	CU_ASSERT_EQUAL(world_domain_class(w, "b.example", NULL), DOMAIN_VIRTUAL_ALIAS);
	size_t n;
	struct aliasdom *all = aliasdom_list(w, "andromed.cloud", &n);
	CU_ASSERT_EQUAL(n, 1);
	free(all);
	all = aliasdom_list(w, "ascent.cloud", &n);
	CU_ASSERT_EQUAL(n, 0);
	free(all);
	CU_ASSERT(!aliasdom_find(w, "andromed.cloud", &ad));
	world_free(&w);
	teardown();
}

static void test_refused(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain add b.example --alias-of nowhere.example"), -1);
	CU_ASSERT(strstr(msg, "not a virtual domain") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain add ascent.cloud --alias-of andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "already hosted") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain add b.example --alias-of b.example"), -1);
	CU_ASSERT_EQUAL(push(s, "domain add empty.example"), 0);
	CU_ASSERT_EQUAL(push(s, "domain add b.example --alias-of empty.example"), -1);
	CU_ASSERT(strstr(msg, "no mailbox, alias or catch-all") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain add b.example --alias-of andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "domain add c.example --alias-of b.example"), -1);
	CU_ASSERT(strstr(msg, "itself an alias domain of andromed.cloud") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain add c.example --alias-of"), -1);
	CU_ASSERT(strstr(msg, "needs a value") != NULL);
	stage_free(&s);
	teardown();
}

/* Every edit that adds or removes an address of the target adds or
 * removes its line, in the same staged world (so in the diff). */
static void test_in_step(void)
{
	setup();
	CU_ASSERT_EQUAL(run1("domain add b.example --alias-of andromed.cloud"), 0);
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add zoe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+zoe@b.example"));
	CU_ASSERT(notes_have(stage_plan(s), "alias domain b.example follows"));
	CU_ASSERT_EQUAL(push(s, "alias add ventes@andromed.cloud zoe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+ventes@b.example"));
	CU_ASSERT_EQUAL(push(s, "alias del info@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "-info@b.example"));
	/* the mirror line is no alias of its own: it does not stop the removal */
	CU_ASSERT_EQUAL(push(s, "mailbox del contact@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "-contact@b.example"));
	/* an alias of a mailbox that stays: the line stays */
	CU_ASSERT_EQUAL(push(s, "alias add admin@andromed.cloud zoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias del admin@andromed.cloud"), 0);
	CU_ASSERT(!diff_has(s, "-admin@b.example"));
	CU_ASSERT_EQUAL(push(s, "catchall set andromed.cloud admin@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+@b.example"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	CU_ASSERT(has_entry(VAL, "zoe@b.example", "zoe@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "ventes@b.example", "ventes@andromed.cloud"));
	CU_ASSERT(!has_entry(VAL, "info@b.example", NULL));
	CU_ASSERT(!has_entry(VAL, "contact@b.example", NULL));
	CU_ASSERT(has_entry(VAL, "admin@b.example", "admin@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "@b.example", "@andromed.cloud"));
	struct world *w = load();
	struct aliasdom ad;
	CU_ASSERT_FATAL(aliasdom_find(w, "b.example", &ad));
	CU_ASSERT_PTR_NOT_NULL(ad.wildcard);
	world_free(&w);
	CU_ASSERT_EQUAL(run1("catchall clear andromed.cloud"), 0);
	CU_ASSERT(!has_entry(VAL, "@b.example", NULL));
	/* undo forgets the derived line with its edit */
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add yann@andromed.cloud"), 0);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	CU_ASSERT(!diff_has(s, "yann@b.example"));
	stage_free(&s);
	teardown();
}

static void test_domain_del(void)
{
	setup();
	CU_ASSERT_EQUAL(run1("domain add b.example --alias-of andromed.cloud"), 0);
	CU_ASSERT_EQUAL(run1("domain add c.example --alias-of andromed.cloud"), 0);
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain del andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "mirrored by the alias domains b.example, c.example") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain del andromed.cloud --cascade"), 0);
	CU_ASSERT(notes_have(stage_plan(s), "alias domain b.example is removed"));
	stage_free(&s);
	/* an alias domain goes with its lines, no --cascade needed */
	CU_ASSERT_EQUAL(run1("domain del c.example"), 0);
	CU_ASSERT(!contains(VAL, "c.example"));
	CU_ASSERT(contains(VAL, "b.example"));
	CU_ASSERT_EQUAL(run1("domain del andromed.cloud --cascade"), 0);
	CU_ASSERT(!contains(VAL, "b.example"));
	CU_ASSERT(!contains(VAL, "@andromed.cloud"));
	teardown();
}

/* virtual_alias_domains written inline in main.cf: the new alias domain
 * goes there (never into virtual_mailbox_domains too). */
static void test_inline_list(void)
{
	setup();
	set_line(MAINCF, "virtual_alias_domains", "virtual_alias_domains = old.example");
	CU_ASSERT_EQUAL(run1("domain add b.example --alias-of ascent.cloud"), 0);
	CU_ASSERT(contains(MAINCF, "virtual_alias_domains = old.example, b.example"));
	CU_ASSERT(!has_entry(VAL, "b.example", NULL));
	CU_ASSERT(!contains(VDOM, "b.example"));
	CU_ASSERT(has_entry(VAL, "contact@b.example", "contact@ascent.cloud"));
	CU_ASSERT(has_entry(VAL, "postmaster@b.example", "postmaster@ascent.cloud"));
	/* removed again, then the list's last item (it crashed: the empty
	 * list was written from a NULL buffer) */
	CU_ASSERT_EQUAL(run1("domain del b.example"), 0);
	CU_ASSERT(contains(MAINCF, "virtual_alias_domains = old.example\n"));
	CU_ASSERT(!contains(VAL, "b.example"));
	CU_ASSERT_EQUAL(run1("domain del old.example"), 0);
	CU_ASSERT(contains(MAINCF, "virtual_alias_domains =\n") || contains(MAINCF, "virtual_alias_domains = \n"));
	teardown();
}

struct seen {
	int missing, dangling, wildcard;
	char last[256];
};

static void on_problem(void *arg, const struct aliasdom_problem *p)
{
	struct seen *s = arg;
	if (p->fault == ALIASDOM_MISSING)
		s->missing++;
	else if (p->fault == ALIASDOM_DANGLING)
		s->dangling++;
	else
		s->wildcard++;
	snprintf(s->last, sizeof s->last, "%s", p->address);
}

/* Hand-written files: recognised when every line follows the rule; the
 * lines out of step and a bare wildcard named. */
static void test_recognised(void)
{
	setup();
	char *t = slurp(VAL);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, t);
	sb_adds(&sb, "hand.example  OK\n"
		     "contact@hand.example  contact@ascent.cloud\n"
		     "gone@hand.example  gone@ascent.cloud\n"
		     "wild.example  OK\n"
		     "@wild.example  @ascent.cloud\n"
		     "mixed.example  OK\n"
		     "contact@mixed.example  contact@ascent.cloud\n"
		     "boss@mixed.example  admin@ascent.cloud\n");
	spit(VAL, sb.buf);
	sb_free(&sb);
	free(t);
	struct world *w = load();
	struct aliasdom ad;
	CU_ASSERT_FATAL(aliasdom_find(w, "hand.example", &ad));
	struct seen seen = { 0 };
	aliasdom_check(w, &ad, on_problem, &seen);
	/* admin and postmaster of ascent.cloud have no line; gone has no address */
	CU_ASSERT_EQUAL(seen.missing, 2);
	CU_ASSERT_EQUAL(seen.dangling, 1);
	CU_ASSERT_EQUAL(seen.wildcard, 0);
	CU_ASSERT_FATAL(aliasdom_find(w, "wild.example", &ad));
	CU_ASSERT_PTR_NOT_NULL(ad.wildcard);
	memset(&seen, 0, sizeof seen);
	aliasdom_check(w, &ad, on_problem, &seen);
	CU_ASSERT_EQUAL(seen.wildcard, 1);
	CU_ASSERT_STRING_EQUAL(seen.last, "@wild.example");
	/* a line to another user: an ordinary alias domain, not a mirror */
	CU_ASSERT(!aliasdom_find(w, "mixed.example", &ad));
	CU_ASSERT(!aliasdom_find(w, "ascent.cloud", &ad));
	world_free(&w);
	/* the stage keeps a recognised domain in step too */
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add neuf@ascent.cloud"), 0);
	CU_ASSERT(diff_has(s, "+neuf@hand.example"));
	CU_ASSERT(!diff_has(s, "neuf@mixed.example"));
	stage_free(&s);
	teardown();
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "domain add --alias-of: one line per address, recognised", test_add },
		{ "domain add --alias-of: refusals", test_refused },
		{ "kept in step: mailbox, alias, catch-all edits, undo", test_in_step },
		{ "domain del: refused while mirrored, --cascade, alias domain", test_domain_del },
		{ "virtual_alias_domains inline in main.cf", test_inline_list },
		{ "recognised from hand-written lines; out of step, wildcard", test_recognised },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("aliasdom", tests);
	/* again with every file read in part where the quick path can */
	stage_set_excerpt_min(0);
	transient = true;
	int rc2 = cu_run("aliasdom, quick path on every file, transient stages", tests);
	return rc ? rc : rc2;
}
