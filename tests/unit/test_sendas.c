/* Send-as (issue 15): the computed owners (model/sendas.c), sendas
 * allow|deny|enable|disable through the stage, the map kept in step by
 * later edits (grants kept, a renamed login followed), the relation
 * recovered from a hand-edited file, Postfix's lookup order, and lint's
 * send-as rules. On the demo tree, whole files and then the quick path. */
#include "stagetree.h"

#include "vmailadm/lint.h"
#include "vmailadm/sendas.h"
#include "vmailadm/table.h"

#define SL P("etc/postfix/sender_login")

/* The computed owners of address, joined ("a@x, b@x"). */
static char *owners(const struct world *w, const char *address)
{
	struct sendas_list l = { 0 };
	sendas_computed(w, address, &l);
	struct strbuf sb = STRBUF_INIT;
	sendas_list_join(&l, &sb);
	sendas_list_free(&l);
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

static bool owners_are(const struct world *w, const char *address, const char *want)
{
	char *got = owners(w, address);
	bool same = strcmp(got, want) == 0;
	if (!same)
		fprintf(stderr, "\n%s: owners '%s', want '%s'\n", address, got, want);
	free(got);
	return same;
}

static void test_computed(void)
{
	setup();
	CU_ASSERT_EQUAL(run1("alias add chain@andromed.cloud equipe@andromed.cloud"), 0);
	/* a loop the stage refuses to write, by hand */
	char *t = slurp(VAL);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%sloop1@andromed.cloud loop2@andromed.cloud\n"
		     "loop2@andromed.cloud loop1@andromed.cloud, admin@andromed.cloud\n", t);
	spit(VAL, sb.buf);
	sb_free(&sb);
	free(t);
	struct world *w = load();
	CU_ASSERT(owners_are(w, "johndoe@andromed.cloud", "johndoe@andromed.cloud"));
	CU_ASSERT(owners_are(w, "JohnDoe@Andromed.Cloud", "johndoe@andromed.cloud"));
	CU_ASSERT(owners_are(w, "info@andromed.cloud", "johndoe@andromed.cloud"));
	CU_ASSERT(owners_are(w, "equipe@andromed.cloud", "janedoe@andromed.cloud, johndoe@andromed.cloud"));
	/* through another alias, and a loop ends */
	CU_ASSERT(owners_are(w, "chain@andromed.cloud", "janedoe@andromed.cloud, johndoe@andromed.cloud"));
	CU_ASSERT(owners_are(w, "loop1@andromed.cloud", "admin@andromed.cloud"));
	/* an alias to a mailbox of another domain */
	CU_ASSERT(owners_are(w, "postmaster@ascent.cloud", "admin@ascent.cloud"));
	/* outside: nobody owns it; nor a catch-all, nor an unknown address */
	CU_ASSERT(owners_are(w, "facturation@andromed.cloud", ""));
	CU_ASSERT(owners_are(w, "@andromed.cloud", ""));
	CU_ASSERT(owners_are(w, "nobody@andromed.cloud", ""));
	struct sendas_all all;
	sendas_computed_all(w, &all);
	CU_ASSERT(all.n >= 12);
	bool ext = false;
	for (size_t i = 0; i < all.n; i++)
		ext |= strcmp(all.address[i], "facturation@andromed.cloud") == 0;
	CU_ASSERT(!ext);
	sendas_all_free(&all);
	/* no map yet: nothing present, nothing enabled */
	CU_ASSERT_PTR_NOT_NULL(sendas_map(w));
	CU_ASSERT(!sendas_present(w));
	CU_ASSERT(!sendas_enabled(w));
	world_free(&w);
	teardown();
}

/* The first allow makes the map: every address with its owners, plus the
 * grant; the commit builds it. */
static void test_allow(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas allow contact@ascent.cloud johndoe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+info@andromed.cloud\tjohndoe@andromed.cloud"));
	CU_ASSERT(diff_has(s, "+contact@ascent.cloud\tcontact@ascent.cloud, johndoe@andromed.cloud"));
	CU_ASSERT(notes_have(stage_plan(s), "is new"));
	CU_ASSERT(notes_have(stage_plan(s), "sendas enable"));
	CU_ASSERT(plan_has(stage_plan(s), ACT_POSTMAP, "sender_login"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	CU_ASSERT(exists(P("etc/postfix/sender_login.db")));
	CU_ASSERT(has_entry(SL, "equipe@andromed.cloud", "janedoe@andromed.cloud, johndoe@andromed.cloud"));
	CU_ASSERT(!has_entry(SL, "facturation@andromed.cloud", NULL));
	/* refusals */
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas allow contact@ascent.cloud johndoe@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "nothing to change") != NULL);
	CU_ASSERT_EQUAL(push(s, "sendas allow contact@ascent.cloud ghost@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "not a mailbox") != NULL);
	CU_ASSERT_EQUAL(push(s, "sendas allow not-an-address johndoe@andromed.cloud"), -1);
	CU_ASSERT_EQUAL(push(s, "sendas allow contact@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "at least one") != NULL);
	CU_ASSERT_EQUAL(push(s, "sendas deny contact@ascent.cloud contact@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "by the rule") != NULL);
	CU_ASSERT_EQUAL(push(s, "sendas deny contact@ascent.cloud admin@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "is not allowed") != NULL);
	/* a domain-wide grant, then deny of the first grant */
	CU_ASSERT_EQUAL(push(s, "sendas allow @ascent.cloud admin@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+@ascent.cloud\tadmin@andromed.cloud"));
	CU_ASSERT_EQUAL(push(s, "sendas deny contact@ascent.cloud johndoe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+contact@ascent.cloud\tcontact@ascent.cloud\n"));
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	/* the lookup order: user@domain, then @domain */
	struct world *w = load();
	CU_ASSERT(sendas_present(w));
	struct strbuf form = STRBUF_INIT;
	const struct table_entry *e = sendas_lookup(w, "Contact@Ascent.Cloud", &form);
	CU_ASSERT(e && strcmp(form.buf, "contact@ascent.cloud") == 0 && strcmp(e->value, "contact@ascent.cloud") == 0);
	e = sendas_lookup(w, "someone@ascent.cloud", &form);
	CU_ASSERT(e && strcmp(form.buf, "@ascent.cloud") == 0);
	CU_ASSERT_PTR_NULL(sendas_lookup(w, "someone@elsewhere.example", &form));
	sb_free(&form);
	world_free(&w);
	/* an extension is looked up without it (recipient_delimiter) */
	set_line(MAINCF, "recipient_delimiter", "recipient_delimiter = +");
	w = load();
	sb_init(&form);
	e = sendas_lookup(w, "johndoe+news@andromed.cloud", &form);
	CU_ASSERT(e && strcmp(form.buf, "johndoe@andromed.cloud") == 0);
	sb_free(&form);
	world_free(&w);
	teardown();
}

/* Every edit of an address rewrites the lines whose computed owners it
 * changes, in the same staged world; grants stay, a renamed login follows. */
static void test_in_step(void)
{
	setup();
	CU_ASSERT_EQUAL(run1("sendas allow contact@ascent.cloud johndoe@andromed.cloud support@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(run1("sendas allow info@andromed.cloud admin@andromed.cloud"), 0);
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add zoe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+zoe@andromed.cloud\tzoe@andromed.cloud"));
	CU_ASSERT(notes_have(stage_plan(s), "who may send as"));
	CU_ASSERT_EQUAL(push(s, "alias add info@andromed.cloud zoe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+info@andromed.cloud\tjohndoe@andromed.cloud, zoe@andromed.cloud, admin@andromed.cloud"));
	CU_ASSERT_EQUAL(push(s, "alias add ventes@andromed.cloud equipe@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+ventes@andromed.cloud\tjanedoe@andromed.cloud, johndoe@andromed.cloud"));
	/* a removed mailbox: its address, its ownership, its grants go */
	CU_ASSERT_EQUAL(push(s, "mailbox del support@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "-support@andromed.cloud\tsupport@andromed.cloud"));
	CU_ASSERT(diff_has(s, "+contact@ascent.cloud\tcontact@ascent.cloud, johndoe@andromed.cloud\n"));
	/* a rename: its line, the aliases it owns, its grants */
	CU_ASSERT_EQUAL(push(s, "mailbox rename johndoe@andromed.cloud john@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "+john@andromed.cloud\tjohn@andromed.cloud"));
	CU_ASSERT(diff_has(s, "-johndoe@andromed.cloud\tjohndoe@andromed.cloud"));
	CU_ASSERT(diff_has(s, "+contact@ascent.cloud\tcontact@ascent.cloud, john@andromed.cloud\n"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	CU_ASSERT(has_entry(SL, "info@andromed.cloud", "john@andromed.cloud, zoe@andromed.cloud, admin@andromed.cloud"));
	CU_ASSERT(has_entry(SL, "equipe@andromed.cloud", "janedoe@andromed.cloud, john@andromed.cloud"));
	CU_ASSERT(has_entry(SL, "ventes@andromed.cloud", "janedoe@andromed.cloud, john@andromed.cloud"));
	CU_ASSERT(!has_entry(SL, "johndoe@andromed.cloud", NULL));
	CU_ASSERT(!has_entry(SL, "support@andromed.cloud", NULL));
	/* an alias domain's lines are aliases too: they get owners */
	CU_ASSERT_EQUAL(run1("domain add b.example --alias-of andromed.cloud"), 0);
	CU_ASSERT(has_entry(SL, "zoe@b.example", "zoe@andromed.cloud"));
	CU_ASSERT(has_entry(SL, "info@b.example", "john@andromed.cloud, zoe@andromed.cloud"));
	/* rename --keep-old: OLD stays, owned by NEW */
	CU_ASSERT_EQUAL(run1("mailbox rename zoe@andromed.cloud zoe2@andromed.cloud --keep-old"), 0);
	CU_ASSERT(has_entry(SL, "zoe@andromed.cloud", "zoe2@andromed.cloud"));
	CU_ASSERT(has_entry(SL, "zoe2@andromed.cloud", "zoe2@andromed.cloud"));
	/* undo forgets the derived lines with their edit */
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add yann@andromed.cloud"), 0);
	CU_ASSERT(diff_has(s, "yann@andromed.cloud\tyann"));
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	CU_ASSERT(!diff_has(s, "yann@andromed.cloud"));
	stage_free(&s);
	struct world *w = load();
	struct lint_report r;
	lint_run(w, cfg, NULL, &r);
	for (size_t i = 0; i < r.n; i++)
		CU_ASSERT(strncmp(lint_problem_rule(&r.v[i]), "sendas-out-of-step", 18) != 0 &&
			  strcmp(lint_problem_rule(&r.v[i]), "sendas-unknown-login") != 0);
	lint_report_free(&r);
	world_free(&w);
	teardown();
}

static void test_enable(void)
{
	setup();
	set_line(MAINCF, "smtpd_sender_restrictions", "smtpd_sender_restrictions = permit_mynetworks,\n  reject_unknown_sender_domain");
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas enable"), 0);
	CU_ASSERT(diff_has(s, "+smtpd_sender_login_maps = hash:"));
	/* in front of the first item, on its line (the list's lines kept) */
	CU_ASSERT(diff_has(s, "+smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch, permit_mynetworks,"));
	CU_ASSERT(!diff_has(s, "-  reject_unknown_sender_domain"));
	CU_ASSERT(diff_has(s, "+johndoe@andromed.cloud\tjohndoe@andromed.cloud"));
	CU_ASSERT(notes_have(stage_plan(s), "smtpd_sasl_auth_enable"));
	CU_ASSERT_EQUAL(push(s, "sendas enable"), -1);
	CU_ASSERT(strstr(msg, "already enabled") != NULL);
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	CU_ASSERT(contains(MAINCF, "\nsmtpd_sender_login_maps = hash:"));
	CU_ASSERT(contains(MAINCF, "/etc/postfix/sender_login\n"));
	struct world *w = load();
	CU_ASSERT(sendas_enabled(w));
	CU_ASSERT_STRING_EQUAL(sendas_restriction_param(w), "smtpd_sender_restrictions");
	world_free(&w);
	/* the edits keep the map main.cf names in step */
	CU_ASSERT_EQUAL(run1("mailbox add zoe@andromed.cloud"), 0);
	CU_ASSERT(has_entry(SL, "zoe@andromed.cloud", "zoe@andromed.cloud"));
	CU_ASSERT_EQUAL(run1("sendas disable"), 0);
	CU_ASSERT(!contains(MAINCF, "smtpd_sender_login_maps"));
	CU_ASSERT(!contains(MAINCF, "login_mismatch"));
	CU_ASSERT(contains(MAINCF, "smtpd_sender_restrictions = permit_mynetworks,\n  reject_unknown_sender_domain\n"));
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas disable"), -1);
	CU_ASSERT(strstr(msg, "not enabled") != NULL);
	stage_free(&s);
	/* the file stays, and is still kept in step; lint says it is unused */
	CU_ASSERT_EQUAL(run1("mailbox del zoe@andromed.cloud"), 0);
	CU_ASSERT(!has_entry(SL, "zoe@andromed.cloud", NULL));
	w = load();
	struct lint_report r;
	lint_run(w, cfg, NULL, &r);
	bool unused = false;
	for (size_t i = 0; i < r.n; i++)
		unused |= strcmp(lint_problem_rule(&r.v[i]), "sendas-not-enabled") == 0;
	CU_ASSERT(unused);
	lint_report_free(&r);
	world_free(&w);
	teardown();
}

/* A service of master.cf with its own smtpd_sender_restrictions gets the
 * restriction too (a "$name" one: main.cf's name); comments and every other
 * byte stay; disable takes it out again. */
static void test_master(void)
{
	setup();
	const char *master =
		"# master.cf\r\n"
		"smtp      inet  n  -  y  -  -  smtpd\r\n"
		"submission inet n  -  y  -  -  smtpd\r\n"
		"  -o smtpd_sasl_auth_enable=yes\r\n"
		"#  -o smtpd_sender_restrictions=commented\r\n"
		"  -o smtpd_sender_restrictions=permit_sasl_authenticated,reject\r\n"
		"smtps     inet  n  -  y  -  -  smtpd\r\n"
		"  -o smtpd_sender_restrictions=$mua_sender_restrictions\r\n";
	spit(P("etc/postfix/master.cf"), master);
	set_line(MAINCF, "mua_sender_restrictions", "mua_sender_restrictions = permit_mynetworks");
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas enable"), 0);
	CU_ASSERT(diff_has(s, "+  -o smtpd_sender_restrictions=reject_authenticated_sender_login_mismatch,permit_sasl_authenticated,reject\r\n"));
	CU_ASSERT(diff_has(s, "+mua_sender_restrictions = reject_authenticated_sender_login_mismatch, permit_mynetworks"));
	CU_ASSERT(notes_have(stage_plan(s), "1 service sets its own smtpd_sender_restrictions"));
	CU_ASSERT(plan_has(stage_plan(s), ACT_RELOAD_POSTFIX, NULL));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	CU_ASSERT(contains(P("etc/postfix/master.cf"), "#  -o smtpd_sender_restrictions=commented\r\n"));
	CU_ASSERT(contains(P("etc/postfix/master.cf"), "  -o smtpd_sender_restrictions=$mua_sender_restrictions\r\n"));
	/* main.cf without it, a service with it: Postfix checks there */
	char *mc = slurp(MAINCF);
	set_line(MAINCF, "smtpd_sender_restrictions", "smtpd_sender_restrictions =");
	set_line(MAINCF, "mua_sender_restrictions", "mua_sender_restrictions = permit_mynetworks");
	struct world *w = load();
	CU_ASSERT(sendas_enabled(w) && sendas_restriction_param(w) && strcmp(sendas_restriction_param(w), "master.cf") == 0);
	world_free(&w);
	spit(MAINCF, mc);
	free(mc);
	/* only master.cf lacking it: enable still has work */
	set_line(P("etc/postfix/master.cf"), "  -o smtpd_sender_restrictions=reject_authenticated",
		 "  -o smtpd_sender_restrictions=reject\r");
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas enable"), 0);
	CU_ASSERT(diff_has(s, "+  -o smtpd_sender_restrictions=reject_authenticated_sender_login_mismatch,reject\r\n"));
	CU_ASSERT(!diff_has(s, "main.cf\n"));
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	stage_free(&s);
	CU_ASSERT_EQUAL(run1("sendas disable"), 0);
	CU_ASSERT(contains(P("etc/postfix/master.cf"), "  -o smtpd_sender_restrictions=reject\r\n"));
	CU_ASSERT(contains(MAINCF, "mua_sender_restrictions = permit_mynetworks\n"));
	CU_ASSERT(!contains(MAINCF, "login_mismatch"));
	CU_ASSERT(!contains(P("etc/postfix/master.cf"), "login_mismatch"));
	teardown();
}

/* A service with "-o { smtpd_sender_restrictions = ... }" (Postfix 3.0's
 * form, here over two lines) is not rewritten: enable refuses, naming its
 * line, rather than leave that listener unchecked; once the restriction is
 * there by hand, or in a comment only, enable goes on. */
static void test_master_braced(void)
{
	setup();
	const char *master =
		"# master.cf\n"
		"smtp      inet  n  -  y  -  -  smtpd\n"
		"#submission inet n  -  y  -  -  smtpd -o { smtpd_sender_restrictions = reject }\n"
		"submission inet n  -  y  -  -  smtpd\n"
		"  -o smtpd_sasl_auth_enable=yes\n"
		"  -o {\n"
		"     smtpd_sender_restrictions = permit_sasl_authenticated, reject }\n";
	spit(P("etc/postfix/master.cf"), master);
	struct stage *s = stage_new();
	struct diags d = DIAGS_INIT;
	int argc;
	char **words = op_split_words("sendas enable", &argc, NULL, 0, &d);
	struct op *op = op_from_words(argc, words, NULL, 0, &d);
	op_words_free(words);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(stage_push(s, op, &d), -1);
	CU_ASSERT(d.n >= 1 && d.v[0].line == 6 && strstr(d.v[0].msg, "-o { }") != NULL);
	diags_free(&d);
	CU_ASSERT(stage_count(s) == 0);
	stage_free(&s);
	/* with the restriction in it: nothing to refuse there */
	set_line(P("etc/postfix/master.cf"), "     smtpd_sender_restrictions",
		 "     smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch, reject }");
	s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sendas enable"), 0);
	stage_free(&s);
	teardown();
}

struct seen {
	int missing_owner, missing_line, unknown;
};

static void on_problem(void *arg, const struct sendas_problem *p)
{
	struct seen *s = arg;
	if (p->fault == SENDAS_MISSING_OWNER && strcmp(p->address, "info@andromed.cloud") == 0)
		s->missing_owner += strcmp(p->login, "johndoe@andromed.cloud") == 0;
	else if (p->fault == SENDAS_MISSING_LINE)
		s->missing_line++;
	else if (p->fault == SENDAS_UNKNOWN_LOGIN)
		s->unknown += strcmp(p->login, "ghost@andromed.cloud") == 0 && p->line == 3;
}

/* A file written by hand: its grants are recognised (an owner the rule
 * does not give), the lines out of step named, and edits keep the grants. */
static void test_recovered(void)
{
	setup();
	spit(SL, "# written by hand\n"
		 "info@andromed.cloud   admin@andromed.cloud\n"
		 "boss@andromed.cloud   ghost@andromed.cloud\n"
		 "johndoe@andromed.cloud johndoe@andromed.cloud\n");
	struct world *w = load();
	CU_ASSERT(sendas_present(w));
	struct seen seen = { 0 };
	sendas_check(w, on_problem, &seen);
	CU_ASSERT_EQUAL(seen.missing_owner, 1);
	CU_ASSERT_EQUAL(seen.unknown, 1);
	CU_ASSERT(seen.missing_line >= 8);
	struct lint_report r;
	lint_run(w, cfg, NULL, &r);
	int out = 0, unknown = 0, off = 0;
	for (size_t i = 0; i < r.n; i++) {
		out += strcmp(lint_problem_rule(&r.v[i]), "sendas-out-of-step") == 0;
		char *fix = lint_problem_fix(&r.v[i]);
		unknown += strcmp(lint_problem_rule(&r.v[i]), "sendas-unknown-login") == 0 && strstr(fix, "sendas deny") != NULL;
		free(fix);
		off += strcmp(lint_problem_rule(&r.v[i]), "sendas-not-enabled") == 0;
	}
	CU_ASSERT(out >= 9);
	CU_ASSERT_EQUAL(unknown, 1);
	CU_ASSERT_EQUAL(off, 1);
	lint_report_free(&r);
	world_free(&w);
	/* an edit keeps admin's grant and puts the rule's owners on the line */
	CU_ASSERT_EQUAL(run1("alias add info@andromed.cloud support@andromed.cloud"), 0);
	CU_ASSERT(has_entry(SL, "info@andromed.cloud", "johndoe@andromed.cloud, support@andromed.cloud, admin@andromed.cloud"));
	CU_ASSERT(contains(SL, "# written by hand\n"));
	CU_ASSERT(has_entry(SL, "boss@andromed.cloud", "ghost@andromed.cloud"));
	/* allow with an owner the rule gives repairs a line */
	spit(SL, "info@andromed.cloud   admin@andromed.cloud\n");
	CU_ASSERT_EQUAL(run1("sendas allow info@andromed.cloud admin@andromed.cloud"), 0);
	CU_ASSERT(has_entry(SL, "info@andromed.cloud", "johndoe@andromed.cloud, support@andromed.cloud, admin@andromed.cloud"));
	CU_ASSERT_EQUAL(run1("sendas deny boss@andromed.cloud ghost@andromed.cloud"), -1);
	teardown();
}

static void test_words(void)
{
	struct diags d = DIAGS_INIT;
	const char *lines[] = { "sendas enable", "sendas disable",
				"sendas allow a@x.example b@x.example c@x.example",
				"sendas deny @x.example b@x.example" };
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		int argc;
		char **w = op_split_words(lines[i], &argc, NULL, 0, &d);
		struct op *op = op_from_words(argc, w, NULL, 0, &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(op);
		struct strbuf back = STRBUF_INIT, desc = STRBUF_INIT;
		op_format(op, &back);
		CU_ASSERT_STRING_EQUAL(back.buf, lines[i]);
		op_describe(op, &desc);
		CU_ASSERT(desc.len > 0);
		sb_free(&back);
		sb_free(&desc);
		op_free(&op);
		op_words_free(w);
	}
	int argc;
	char **w = op_split_words("sendas enable now", &argc, NULL, 0, &d);
	CU_ASSERT_PTR_NULL(op_from_words(argc, w, NULL, 0, &d));
	op_words_free(w);
	diags_free(&d);
	/* the restriction goes first, once */
	char *v = sendas_restriction_edit("permit_sasl_authenticated, reject", true, ", ");
	CU_ASSERT_STRING_EQUAL(v, "reject_authenticated_sender_login_mismatch, permit_sasl_authenticated, reject");
	free(v);
	CU_ASSERT_PTR_NULL(sendas_restriction_edit("reject_sender_login_mismatch", true, ", "));
	CU_ASSERT_PTR_NULL(sendas_restriction_edit("permit_mynetworks", false, ", "));
	v = sendas_restriction_edit("reject_authenticated_sender_login_mismatch, permit_mynetworks", false, ", ");
	CU_ASSERT_STRING_EQUAL(v, "permit_mynetworks");
	free(v);
	v = sendas_restriction_edit("", true, ",");
	CU_ASSERT_STRING_EQUAL(v, "reject_authenticated_sender_login_mismatch");
	free(v);
	v = sendas_restriction_edit("permit_sasl_authenticated,reject", true, ",");
	CU_ASSERT_STRING_EQUAL(v, "reject_authenticated_sender_login_mismatch,permit_sasl_authenticated,reject");
	free(v);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "computed owners: mailbox, alias, chain, loop, none", test_computed },
		{ "allow makes the map; deny; refusals; lookup order", test_allow },
		{ "kept in step: add, alias, del, rename, alias domain, undo", test_in_step },
		{ "enable and disable main.cf", test_enable },
		{ "enable and disable master.cf's own restrictions", test_master },
		{ "a service's -o { } restrictions: enable refuses, naming the line", test_master_braced },
		{ "recovered from a hand-edited file; lint", test_recovered },
		{ "words, restrictions", test_words },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("sendas", tests);
	/* again with every file read in part where the quick path can */
	stage_set_excerpt_min(0);
	transient = true;
	int rc2 = cu_run("sendas, quick path on every file, transient stages", tests);
	return rc ? rc : rc2;
}
