/* Unit tests for the staged edits: every operation, the validation
 * messages, the plan (diff, actions, notes) and undo, on demo trees made in
 * a temporary directory (tests/unit/stagetree.h). The commit itself is
 * test_commit.c's. */
#include "stagetree.h"
#include "../../src/stage/stage_int.h"   /* stagefile_splice, stagedit_* */

/* ---- mailboxes ------------------------------------------------------------ */

static void test_mailbox_add(void)
{
	setup();
	chmod(USERS, 0640);
	struct stat before;
	stat(USERS, &before);
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add Alice@Andromed.Cloud --quota 1G --password-hash '" HASH "'"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT_EQUAL(p->nfiles, 2);
	CU_ASSERT(plan_has(p, ACT_POSTMAP, "vmailbox"));
	CU_ASSERT(plan_has(p, ACT_MAILDIR_CREATE, "vhosts/andromed.cloud/alice"));
	CU_ASSERT(plan_has(p, ACT_RELOAD_DOVECOT, NULL));
	CU_ASSERT(!plan_has(p, ACT_RELOAD_POSTFIX, NULL));
	/* Nothing is on disk before the commit. */
	CU_ASSERT(!contains(VMB, "alice@"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	CU_ASSERT(res.committed);
	CU_ASSERT(!res.rolled_back);
	CU_ASSERT(!res.replayed);
	CU_ASSERT(has_entry(VMB, "alice@andromed.cloud", "andromed.cloud/alice/"));
	CU_ASSERT(has_entry(USERS, "alice@andromed.cloud", HASH ":5000:5000::::userdb_quota_rule=*:storage=1G"));
	/* The fake postmap ran on a temporary copy whose .db was renamed in place. */
	char *db = slurp(P("etc/postfix/vmailbox.db"));
	char *src = slurp(VMB);
	CU_ASSERT(db && src && strcmp(db, src) == 0);
	free(db);
	free(src);
	char log[512];
	snprintf(log, sizeof log, "%s/postmap.log", top);
	CU_ASSERT(contains(log, "-c "));
	/* The maildir: new cur tmp, 0700, vmail. */
	struct stat st;
	CU_ASSERT_EQUAL(stat(P("vhosts/andromed.cloud/alice/new"), &st), 0);
	CU_ASSERT(exists(P("vhosts/andromed.cloud/alice/cur")));
	CU_ASSERT(exists(P("vhosts/andromed.cloud/alice/tmp")));
	CU_ASSERT_EQUAL(stat(P("vhosts/andromed.cloud/alice"), &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	CU_ASSERT_EQUAL((long)st.st_uid, cfg->vmail_uid);
	/* Owner and mode of the rewritten file are the original's. */
	struct stat after;
	stat(USERS, &after);
	CU_ASSERT_EQUAL(after.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(after.st_uid, before.st_uid);
	CU_ASSERT_EQUAL(after.st_gid, before.st_gid);
	/* Backups, no journal, an audit record without any hash. */
	CU_ASSERT(!exists(P("state/journal")));
	char *audit = slurp(P("state/audit.log"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(audit);
	CU_ASSERT(strstr(audit, res.id) != NULL);
	CU_ASSERT(strstr(audit, "add mailbox alice@andromed.cloud") != NULL);
	CU_ASSERT(strstr(audit, "\"sha256_after\"") != NULL);
	CU_ASSERT(strstr(audit, "$6$") == NULL);
	CU_ASSERT(strstr(audit, "SHA512-CRYPT") == NULL);
	CU_ASSERT(strstr(audit, "\"create\"") != NULL);
	free(audit);
	char *b = xasprintf("%s/backups/", cfg->state_dir);
	int nb = 0;
	struct strbuf bname = STRBUF_INIT;
	for (const char *q = demo + 1; *q; q++)
		sb_addc(&bname, *q == '/' ? '_' : *q);
	char *bk = xasprintf("%s%s_etc_dovecot_users.%s", b, bname.buf, res.id);
	char *orig = bk ? slurp(bk) : NULL;
	CU_ASSERT_PTR_NOT_NULL(orig);
	CU_ASSERT(orig && !strstr(orig, "alice@"));
	nb += orig != NULL;
	free(orig);
	free(bk);
	free(b);
	sb_free(&bname);
	CU_ASSERT_EQUAL(nb, 1);
	commit_result_free(&res);
	CU_ASSERT_EQUAL(stage_count(s), 0);
	stage_free(&s);
	teardown();
}

static void test_mailbox_add_without_password(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add bob@andromed.cloud"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT_EQUAL(p->nfiles, 1);
	CU_ASSERT(notes_have(p, "no password"));
	CU_ASSERT(!plan_has(p, ACT_RELOAD_DOVECOT, NULL));
	stage_free(&s);
	teardown();
}

static void test_mailbox_del_archive_and_purge(void)
{
	setup();
	/* janedoe is a target of equipe@: refused. */
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox del janedoe@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "equipe@andromed.cloud") != NULL);
	CU_ASSERT_EQUAL(stage_count(s), 0);
	/* support@ is no target: archived. */
	CU_ASSERT_EQUAL(push(s, "mailbox del support@andromed.cloud"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT(plan_has(p, ACT_MAILDIR_ARCHIVE, "andromed.cloud/support"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!contains(VMB, "support@"));
	CU_ASSERT(!contains(USERS, "support@"));
	CU_ASSERT(!exists(P("vhosts/andromed.cloud/support")));
	char *cmd = xasprintf("%s/andromed.cloud", cfg->archive_dir);
	int n = 0;
	DIR *dp = opendir(cmd);
	struct dirent *de;
	while (dp && (de = readdir(dp)))
		if (strncmp(de->d_name, "support-", 8) == 0) {
			char *cur = xasprintf("%s/%s/cur", cmd, de->d_name);
			n += exists(cur);
			free(cur);
		}
	if (dp)
		closedir(dp);
	CU_ASSERT_EQUAL(n, 1);
	free(cmd);
	/* --purge deletes. */
	CU_ASSERT_EQUAL(push(s, "mailbox del contact@ascent.cloud --purge"), 0);
	CU_ASSERT(plan_has(stage_plan(s), ACT_MAILDIR_PURGE, "ascent.cloud/contact"));
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!exists(P("vhosts/ascent.cloud/contact")));
	/* Unknown mailbox. */
	CU_ASSERT_EQUAL(push(s, "mailbox del nobody@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "is not a mailbox") != NULL);
	stage_free(&s);
	teardown();
}

/* mailbox rename (issue 15): the maildir moves (across domains), the map,
 * passwd-file and alias lines follow, --keep-old leaves an alias, and NEW
 * existing in any form is refused. */
static void test_mailbox_rename(void)
{
	setup();
	char *before = slurp(USERS);
	const char *jl = strstr(before, "\njohndoe@andromed.cloud:");
	CU_ASSERT_PTR_NOT_NULL_FATAL(jl);
	char *fields = xstrndup(strchr(jl + 1, ':'), strcspn(strchr(jl + 1, ':'), "\n"));
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox rename johndoe@andromed.cloud admin@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "already exists") != NULL);
	CU_ASSERT_EQUAL(push(s, "mailbox rename johndoe@andromed.cloud info@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "is an alias") != NULL);
	CU_ASSERT_EQUAL(push(s, "mailbox rename johndoe@andromed.cloud x@nowhere.example"), -1);
	CU_ASSERT(strstr(msg, "not a virtual mailbox domain") != NULL);
	CU_ASSERT_EQUAL(push(s, "mailbox rename nobody@andromed.cloud x@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "is not a mailbox") != NULL);
	CU_ASSERT_EQUAL(push(s, "mailbox rename johndoe@andromed.cloud johndoe@andromed.cloud"), -1);
	CU_ASSERT_EQUAL(push(s, "mailbox rename johndoe@andromed.cloud JDoe@Ascent.cloud --keep-old"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT(plan_has(p, ACT_MAILDIR_RENAME, "andromed.cloud/johndoe"));
	CU_ASSERT(notes_have(p, "stays, as an alias of jdoe@ascent.cloud"));
	struct strbuf acts = STRBUF_INIT;
	plan_describe_actions(p, cfg, &acts);
	CU_ASSERT(strstr(acts.buf, "move maildir ") != NULL && strstr(acts.buf, "ascent.cloud/jdoe") != NULL);
	sb_free(&acts);
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VMB, "jdoe@ascent.cloud", "ascent.cloud/jdoe/"));
	CU_ASSERT(!has_entry(VMB, "johndoe@andromed.cloud", NULL));
	CU_ASSERT(has_entry(VAL, "johndoe@andromed.cloud", "jdoe@ascent.cloud"));
	CU_ASSERT(has_entry(VAL, "info@andromed.cloud", "jdoe@ascent.cloud"));
	CU_ASSERT(has_entry(VAL, "equipe@andromed.cloud", "jdoe@ascent.cloud, janedoe@andromed.cloud"));
	char *want = xasprintf("\njdoe@ascent.cloud%s\n", fields);   /* hash, ids, quota kept */
	CU_ASSERT(contains(USERS, want));
	CU_ASSERT(!contains(USERS, "johndoe@"));
	CU_ASSERT(exists(P("vhosts/ascent.cloud/jdoe/cur")));
	CU_ASSERT(!exists(P("vhosts/andromed.cloud/johndoe")));
	/* Without --keep-old the old name goes; a self-forward follows. */
	CU_ASSERT_EQUAL(push(s, "alias add janedoe@andromed.cloud boss@elsewhere.example"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox rename janedoe@andromed.cloud jane@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "jane@andromed.cloud", "jane@andromed.cloud, boss@elsewhere.example"));
	CU_ASSERT(!has_entry(VAL, "janedoe@andromed.cloud", NULL));
	CU_ASSERT(has_entry(VAL, "equipe@andromed.cloud", "jdoe@ascent.cloud, jane@andromed.cloud"));
	CU_ASSERT(exists(P("vhosts/andromed.cloud/jane/cur")));
	free(want);
	free(fields);
	free(before);
	stage_free(&s);
	teardown();
}

/* forward set/clear (issue 15): with a copy the mailbox stays a target of
 * its own entry, without it does not; clear removes the entry. */
static void test_forward(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "forward set info@andromed.cloud x@elsewhere.example --keep-copy"), -1);
	CU_ASSERT(strstr(msg, "is not a mailbox") != NULL);
	CU_ASSERT_EQUAL(push(s, "forward set janedoe@andromed.cloud janedoe@andromed.cloud --keep-copy"), -1);
	CU_ASSERT(strstr(msg, "cannot forward to itself") != NULL);
	CU_ASSERT_EQUAL(push(s, "forward clear janedoe@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "forwards nothing") != NULL);
	CU_ASSERT_EQUAL(push(s, "forward set janedoe@andromed.cloud boss@elsewhere.example --keep-copy"), 0);
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "janedoe@andromed.cloud", "janedoe@andromed.cloud, boss@elsewhere.example"));
	CU_ASSERT_EQUAL(push(s, "forward set janedoe@andromed.cloud boss@elsewhere.example --no-copy"), 0);
	CU_ASSERT(notes_have(stage_plan(s), "never reaches its INBOX"));
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "janedoe@andromed.cloud", "boss@elsewhere.example"));
	/* a loop back to the mailbox is refused */
	CU_ASSERT_EQUAL(push(s, "forward set johndoe@andromed.cloud janedoe@andromed.cloud --no-copy"), 0);
	CU_ASSERT_EQUAL(push(s, "forward set janedoe@andromed.cloud johndoe@andromed.cloud --no-copy"), -1);
	CU_ASSERT(strstr(msg, "loop") != NULL);
	CU_ASSERT_EQUAL(push(s, "forward clear janedoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!has_entry(VAL, "janedoe@andromed.cloud", NULL));
	CU_ASSERT(has_entry(VAL, "johndoe@andromed.cloud", "janedoe@andromed.cloud"));
	stage_free(&s);
	teardown();
}

/* domain_limits (issue 15): each kind of growth refused in one line at
 * the limit, allowed below it; the quick path does not take such a domain. */
static void test_domain_limits(void)
{
	setup();
	free(cfg->domain_limits);
	cfg->domain_limits = xstrdup("{ascent.cloud: {mailboxes: 3, aliases: 1}, andromed.cloud: {quota_total: 4G}}");
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add a1@ascent.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox add a2@ascent.cloud"), -1);
	CU_ASSERT_STRING_EQUAL(msg, "ascent.cloud is at its limit of 3 mailboxes (domain_limits)");
	CU_ASSERT_EQUAL(push(s, "alias add x@ascent.cloud admin@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "at its limit of 1 aliases") != NULL);
	CU_ASSERT_EQUAL(push(s, "alias add postmaster@ascent.cloud contact@ascent.cloud"), 0); /* not a new alias */
	CU_ASSERT_EQUAL(push(s, "mailbox rename janedoe@andromed.cloud jane@ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "limit of 3 mailboxes") != NULL);
	/* andromed.cloud: quotas 1M + 1G + 2G already */
	CU_ASSERT_EQUAL(push(s, "mailbox add n@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "needs a quota") != NULL);
	CU_ASSERT_EQUAL(push(s, "mailbox add n@andromed.cloud --quota 2G"), -1);
	CU_ASSERT(strstr(msg, "over its quota_total of 4096 MiB") != NULL);
	CU_ASSERT_EQUAL(push(s, "mailbox add n@andromed.cloud --quota 500M"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox quota johndoe@andromed.cloud 2G"), -1);
	CU_ASSERT_EQUAL(push(s, "mailbox quota johndoe@andromed.cloud 512M"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox quota johndoe@andromed.cloud none"), -1);
	CU_ASSERT_EQUAL(stage_count(s), 4);
	stage_free(&s);
	teardown();
}

static void test_passwd_and_quota(void)
{
	setup();
	CU_ASSERT_EQUAL(run1("mailbox passwd janedoe@andromed.cloud --password-hash '{CRYPT}$y$j9T$newsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG'"), 0);
	CU_ASSERT(has_entry(USERS, "janedoe@andromed.cloud", "{CRYPT}$y$j9T$newsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG:5000:5000::::"));
	CU_ASSERT_EQUAL(run1("mailbox quota janedoe@andromed.cloud 500M"), 0);
	CU_ASSERT(contains(USERS, "\njanedoe@andromed.cloud:{CRYPT}$y$j9T$newsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG:5000:5000::::userdb_quota_rule=*:storage=500M\n"));
	CU_ASSERT_EQUAL(run1("mailbox quota janedoe@andromed.cloud none"), 0);
	/* The rule is gone (the empty extra field may go with it). */
	CU_ASSERT(has_entry(USERS, "janedoe@andromed.cloud", "{CRYPT}$y$j9T$newsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG:5000:5000::::") ||
		  has_entry(USERS, "janedoe@andromed.cloud", "{CRYPT}$y$j9T$newsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG:5000:5000:::"));
	CU_ASSERT_EQUAL(run1("mailbox quota janedoe@andromed.cloud lots"), -1);
	CU_ASSERT(strstr(msg, "lots") != NULL);
	teardown();
}

/* ---- aliases ---------------------------------------------------------------- */

static void test_aliases(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "alias add ventes@andromed.cloud johndoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias add ventes@andromed.cloud janedoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias add ventes@andromed.cloud johndoe@andromed.cloud"), 0); /* no duplicate target */
	/* A mailbox that also forwards keeps itself as a target. */
	CU_ASSERT_EQUAL(push(s, "alias add admin@andromed.cloud boss@elsewhere.example"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT(notes_have(p, "admin@andromed.cloud stays a target"));
	CU_ASSERT(plan_has(p, ACT_POSTMAP, "virtual_alias"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "ventes@andromed.cloud", "johndoe@andromed.cloud, janedoe@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "admin@andromed.cloud", "admin@andromed.cloud, boss@elsewhere.example"));
	/* Remove one target, then the whole alias. */
	CU_ASSERT_EQUAL(push(s, "alias del ventes@andromed.cloud janedoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias del equipe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias del info@andromed.cloud janedoe@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "is not a target of info@andromed.cloud") != NULL);
	CU_ASSERT_EQUAL(push(s, "alias del nosuch@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "is not an alias") != NULL);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "ventes@andromed.cloud", "johndoe@andromed.cloud"));
	CU_ASSERT(!has_entry(VAL, "equipe@andromed.cloud", NULL));
	stage_free(&s);
	teardown();
}

/* The plan's diff, as `--dry-run` prints it (a new string). */
static char *diff_of(struct stage *s)
{
	struct strbuf diff = STRBUF_INIT;
	plan_diff(stage_plan(s), &diff);
	return sb_detach(&diff);
}

static void test_alias_set(void)
{
	setup();
	/* A key written in capitals with a tab: table_set keeps both. */
	set_line(VAL, "info@andromed.cloud", "INFO@andromed.cloud\tjohndoe@andromed.cloud");
	struct stage *s = stage_new();
	/* Replace, reorder, create: one staged op each. */
	CU_ASSERT_EQUAL(push(s, "alias set info@andromed.cloud janedoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias set equipe@andromed.cloud janedoe@andromed.cloud johndoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias set ventes@andromed.cloud support@andromed.cloud comptable@cabinet-expert.fr support@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(stage_count(s), 3);
	char *diff = diff_of(s);
	CU_ASSERT(strstr(diff, "-INFO@andromed.cloud\tjohndoe@andromed.cloud\n"
			       "+INFO@andromed.cloud\tjanedoe@andromed.cloud\n") != NULL);
	CU_ASSERT(strstr(diff, "-equipe@andromed.cloud        johndoe@andromed.cloud, janedoe@andromed.cloud\n"
			       "+equipe@andromed.cloud        janedoe@andromed.cloud, johndoe@andromed.cloud\n") != NULL);
	/* A target given twice is written once. */
	CU_ASSERT(strstr(diff, "+ventes@andromed.cloud        support@andromed.cloud, comptable@cabinet-expert.fr\n") != NULL);
	free(diff);

	/* Refusals, as alias add: a hosted target that does not exist, a
	 * target leading back, a target without a domain. Nothing staged. */
	CU_ASSERT_EQUAL(push(s, "alias set info@andromed.cloud ghost@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "neither a mailbox nor an alias") != NULL);
	CU_ASSERT_EQUAL(push(s, "alias set postmaster@andromed.cloud webmaster@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias set webmaster@andromed.cloud janedoe@andromed.cloud postmaster@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "alias loop") != NULL);
	CU_ASSERT_EQUAL(push(s, "alias set info@andromed.cloud nodomain"), -1);
	CU_ASSERT(strstr(msg, "no domain") != NULL);
	CU_ASSERT_EQUAL(push(s, "alias set x@unknown.example johndoe@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "not a virtual domain") != NULL);
	CU_ASSERT_EQUAL(stage_count(s), 4);

	/* A mailbox keeps itself as a target: created without it, set again
	 * without it; where the list names it, it stays where it is named. */
	CU_ASSERT_EQUAL(push(s, "alias set admin@andromed.cloud boss@elsewhere.example"), 0);
	CU_ASSERT(notes_have(stage_plan(s), "admin@andromed.cloud stays a target"));
	diff = diff_of(s);
	CU_ASSERT(strstr(diff, "+admin@andromed.cloud         admin@andromed.cloud, boss@elsewhere.example\n") != NULL);
	free(diff);
	CU_ASSERT_EQUAL(push(s, "alias set admin@andromed.cloud chef@elsewhere.example"), 0);
	diff = diff_of(s);
	CU_ASSERT(strstr(diff, "+admin@andromed.cloud         admin@andromed.cloud, chef@elsewhere.example\n") != NULL);
	free(diff);
	CU_ASSERT_EQUAL(push(s, "alias set janedoe@andromed.cloud chef@elsewhere.example JaneDoe@andromed.cloud"), 0);
	diff = diff_of(s);
	CU_ASSERT(strstr(diff, "+janedoe@andromed.cloud       chef@elsewhere.example, JaneDoe@andromed.cloud\n") != NULL);
	free(diff);

	/* Undo takes back the whole edit: the staged diff is again exactly
	 * what it was before it. */
	char *before = diff_of(s);
	CU_ASSERT_EQUAL(push(s, "alias set equipe@andromed.cloud support@andromed.cloud"), 0);
	diff = diff_of(s);
	CU_ASSERT(strcmp(diff, before) != 0);
	free(diff);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	diff = diff_of(s);
	CU_ASSERT_STRING_EQUAL(diff, before);
	free(diff);
	free(before);

	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(contains(VAL, "\nINFO@andromed.cloud\tjanedoe@andromed.cloud\n"));
	CU_ASSERT(has_entry(VAL, "equipe@andromed.cloud", "janedoe@andromed.cloud, johndoe@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "ventes@andromed.cloud", "support@andromed.cloud, comptable@cabinet-expert.fr"));
	CU_ASSERT(has_entry(VAL, "postmaster@andromed.cloud", "webmaster@andromed.cloud"));
	CU_ASSERT(has_entry(VAL, "admin@andromed.cloud", "admin@andromed.cloud, chef@elsewhere.example"));
	CU_ASSERT(has_entry(VAL, "janedoe@andromed.cloud", "chef@elsewhere.example, JaneDoe@andromed.cloud"));
	stage_free(&s);
	teardown();
}

/* ---- catch-alls -------------------------------------------------------------- */

static void test_catchall_mailbox_form(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "catchall set andromed.cloud admin@andromed.cloud"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT_EQUAL(p->nfiles, 1);
	CU_ASSERT(notes_have(p, "mailbox map"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VMB, "@andromed.cloud", "andromed.cloud/admin/"));
	CU_ASSERT(!has_entry(VAL, "@andromed.cloud", NULL));
	/* A new mailbox needs no identity entry in this form. */
	CU_ASSERT_EQUAL(push(s, "mailbox add new@andromed.cloud"), 0);
	CU_ASSERT(!contains(VAL, "new@"));
	stage_reset(s);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_load(s, &d), 0);
	diags_free(&d);
	CU_ASSERT_EQUAL(push(s, "catchall clear andromed.cloud"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!has_entry(VMB, "@andromed.cloud", NULL));
	CU_ASSERT_EQUAL(push(s, "catchall clear andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "has no catch-all") != NULL);
	stage_free(&s);
	teardown();
}

/* Every mailbox of the domain must have an identity entry in t. */
static void check_identities(const char *domain, bool want)
{
	struct world *w;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(world_load(cfg, &w, &d), 0);
	size_t n;
	const struct mailbox *boxes = world_mailboxes(w, &n);
	size_t checked = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(boxes[i].domain, domain) != 0)
			continue;
		checked++;
		const struct alias *a = world_alias_find(w, boxes[i].address);
		bool identity = a && a->is_identity;
		CU_ASSERT_EQUAL(identity, want);
		CU_ASSERT_EQUAL(boxes[i].swallowed, false);
	}
	CU_ASSERT(checked >= 2);
	world_free(&w);
	diags_free(&d);
}

static void test_catchall_identity_form(void)
{
	setup();
	cfg->catchall_form = CATCHALL_IDENTITY;
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "catchall set ascent.cloud admin@ascent.cloud"), 0);
	CU_ASSERT(notes_have(stage_plan(s), "identity"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "@ascent.cloud", "admin@ascent.cloud"));
	CU_ASSERT(!has_entry(VMB, "@ascent.cloud", NULL));
	check_identities("ascent.cloud", true);
	/* A new mailbox in that domain gets its identity entry with it. */
	CU_ASSERT_EQUAL(push(s, "mailbox add sales@ascent.cloud"), 0);
	CU_ASSERT(notes_have(stage_plan(s), "identity entry"));
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "sales@ascent.cloud", "sales@ascent.cloud"));
	check_identities("ascent.cloud", true);
	/* Another catch-all in its place: the identity entries the old one's
	 * removal took are written again (they were lost: every mailbox of
	 * the domain swallowed by the new catch-all). */
	CU_ASSERT_EQUAL(push(s, "catchall set ascent.cloud catch@elsewhere.example"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "@ascent.cloud", "catch@elsewhere.example"));
	CU_ASSERT(has_entry(VAL, "sales@ascent.cloud", "sales@ascent.cloud"));
	check_identities("ascent.cloud", true);
	/* Removing the mailbox removes its identity entry. */
	CU_ASSERT_EQUAL(push(s, "mailbox del sales@ascent.cloud"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!contains(VAL, "sales@ascent.cloud"));
	/* Clearing the catch-all drops the identity entries. */
	CU_ASSERT_EQUAL(push(s, "catchall clear ascent.cloud"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!has_entry(VAL, "@ascent.cloud", NULL));
	check_identities("ascent.cloud", false);
	stage_free(&s);
	teardown();
}

static void test_catchall_external(void)
{
	setup();
	/* Default form, but the target is not a local mailbox: the alias map
	 * with identity entries for every mailbox of the domain. */
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "catchall set andromed.cloud catch@elsewhere.example"), 0);
	CU_ASSERT(notes_have(stage_plan(s), "not a local mailbox"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "@andromed.cloud", "catch@elsewhere.example"));
	check_identities("andromed.cloud", true);
	/* mailbox add in a domain with an alias-map catch-all: identity entry. */
	CU_ASSERT_EQUAL(push(s, "mailbox add zoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VAL, "zoe@andromed.cloud", "zoe@andromed.cloud"));
	check_identities("andromed.cloud", true);
	stage_free(&s);
	teardown();
}

static void test_sysalias(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "sysalias set webadmin admin@andromed.cloud"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT(plan_has(p, ACT_POSTALIAS, "aliases"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(P("etc/aliases"), "webadmin:", "admin@andromed.cloud"));
	CU_ASSERT(exists(P("etc/aliases.db")));
	CU_ASSERT_EQUAL(push(s, "sysalias del webadmin"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!contains(P("etc/aliases"), "webadmin"));
	CU_ASSERT_EQUAL(push(s, "sysalias del webadmin"), -1);
	CU_ASSERT(strstr(msg, "not in the aliases file") != NULL);
	stage_free(&s);
	teardown();
}

/* ---- domains ------------------------------------------------------------------ */

static void test_domain_add_hash_table(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain add Exemple.Local"), 0);
	CU_ASSERT(plan_has(stage_plan(s), ACT_POSTMAP, "virtual_domains"));
	CU_ASSERT(plan_has(stage_plan(s), ACT_RELOAD_POSTFIX, NULL));
	CU_ASSERT_EQUAL(push(s, "mailbox add contact@exemple.local"), 0);
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(has_entry(VDOM, "exemple.local", "OK"));
	CU_ASSERT(exists(P("vhosts/exemple.local/contact/new")));
	/* Refusals: hosted already, local, bad name. */
	CU_ASSERT_EQUAL(push(s, "domain add exemple.local"), -1);
	CU_ASSERT(strstr(msg, "already hosted") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain add localhost"), -1);
	CU_ASSERT(strstr(msg, "mydestination") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain add bad_name.example"), -1);
	CU_ASSERT(strstr(msg, "bad_name.example") != NULL);
	stage_free(&s);
	teardown();
}

static void test_domain_add_file_list(void)
{
	setup();
	spit(P("etc/postfix/vdomains"), "# domains\nandromed.cloud\nascent.cloud\n");
	char *line = xasprintf("virtual_mailbox_domains = %s", P("etc/postfix/vdomains"));
	set_line(MAINCF, "virtual_mailbox_domains", line);
	free(line);
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain add exemple.local"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT_EQUAL(p->nfiles, 1);
	/* A /file/name list is read once per process: Postfix needs a reload. */
	CU_ASSERT(plan_has(p, ACT_RELOAD_POSTFIX, NULL));
	CU_ASSERT(!plan_has(p, ACT_POSTMAP, NULL));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(contains(P("etc/postfix/vdomains"), "ascent.cloud\nexemple.local"));
	CU_ASSERT(!contains(P("etc/postfix/vdomains"), "OK"));
	CU_ASSERT_EQUAL(push(s, "domain del exemple.local"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!contains(P("etc/postfix/vdomains"), "exemple"));
	stage_free(&s);
	teardown();
}

static void test_domain_add_inline(void)
{
	setup();
	set_line(MAINCF, "virtual_mailbox_domains", "virtual_mailbox_domains = andromed.cloud, ascent.cloud");
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain add exemple.local"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT_EQUAL(p->nfiles, 1);
	CU_ASSERT(strcmp(p->files[0]->path, MAINCF) == 0);
	CU_ASSERT(plan_has(p, ACT_RELOAD_POSTFIX, NULL));
	CU_ASSERT(notes_have(p, "inline"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(contains(MAINCF, "\nvirtual_mailbox_domains = andromed.cloud, ascent.cloud, exemple.local\n"));
	CU_ASSERT_EQUAL(push(s, "domain del exemple.local"), 0);
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(contains(MAINCF, "\nvirtual_mailbox_domains = andromed.cloud, ascent.cloud\n"));
	stage_free(&s);
	teardown();
}

static void test_domain_del(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "domain del ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "2 mailboxes") != NULL);
	CU_ASSERT(strstr(msg, "--cascade") != NULL);
	CU_ASSERT_EQUAL(push(s, "domain del ascent.cloud --cascade"), 0);
	const struct plan *p = stage_plan(s);
	CU_ASSERT(plan_has(p, ACT_MAILDIR_ARCHIVE, "ascent.cloud/contact"));
	CU_ASSERT(plan_has(p, ACT_MAILDIR_ARCHIVE, "ascent.cloud/admin"));
	CU_ASSERT(notes_have(p, "cascade: alias postmaster@ascent.cloud"));
	struct commit_result res;
	CU_ASSERT_EQUAL(commit(s, &res), 0);
	commit_result_free(&res);
	CU_ASSERT(!contains(VDOM, "ascent"));
	CU_ASSERT(!contains(VMB, "@ascent"));
	CU_ASSERT(!contains(VAL, "@ascent"));
	CU_ASSERT(!contains(USERS, "@ascent"));
	CU_ASSERT(!exists(P("vhosts/ascent.cloud/admin")));
	CU_ASSERT_EQUAL(push(s, "domain del ascent.cloud"), -1);
	CU_ASSERT(strstr(msg, "not a virtual domain") != NULL);
	stage_free(&s);
	teardown();
}

/* ---- validation ------------------------------------------------------------- */

static void test_validation(void)
{
	setup();
	set_line(MAINCF, "virtual_alias_domains", "virtual_alias_domains = aliasonly.example");
	struct stage *s = stage_new();
	struct {
		const char *line, *want;
	} cases[] = {
		{ "mailbox add 'a b@andromed.cloud'", "whitespace" },
		{ "mailbox add a:b@andromed.cloud", "':'" },
		{ "mailbox add a/b@andromed.cloud", "'/'" },
		{ "mailbox add x@unknown.example", "not a virtual mailbox domain" },
		{ "mailbox add johndoe@andromed.cloud", "already exists" },
		{ "mailbox add info@andromed.cloud", "is an alias" },
		{ "mailbox add x@aliasonly.example", "not a virtual mailbox domain" },
		{ "alias add x@unknown.example johndoe@andromed.cloud", "not a virtual domain" },
		{ "alias add y@andromed.cloud ghost@andromed.cloud", "neither a mailbox nor an alias" },
		{ "alias add y@andromed.cloud nodomain", "no domain" },
		{ "domain add localhost", "mydestination" },
		{ "catchall set nosuch.example admin@andromed.cloud", "not a virtual domain" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = push(s, cases[i].line);
		CU_ASSERT_EQUAL(rc, -1);
		if (!strstr(msg, cases[i].want))
			fprintf(stderr, "\n%s: got '%s', want '%s'\n", cases[i].line, msg, cases[i].want);
		CU_ASSERT(strstr(msg, cases[i].want) != NULL);
	}
	/* An alias domain takes aliases. */
	CU_ASSERT_EQUAL(push(s, "alias add x@aliasonly.example johndoe@andromed.cloud"), 0);
	/* A loop a -> b -> a. */
	CU_ASSERT_EQUAL(push(s, "alias add a@andromed.cloud johndoe@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias add b@andromed.cloud a@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias add a@andromed.cloud b@andromed.cloud"), -1);
	CU_ASSERT(strstr(msg, "alias loop") != NULL);
	CU_ASSERT_EQUAL(stage_count(s), 3);
	stage_free(&s);
	teardown();
}

/* ---- plan, undo ------------------------------------------------------------ */

static void test_plan_exact_diff(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "alias add ventes@ascent.cloud admin@ascent.cloud"), 0);
	const struct plan *p = stage_plan(s);
	struct strbuf diff = STRBUF_INIT, acts = STRBUF_INIT;
	plan_diff(p, &diff);
	char *want = xasprintf("--- %s\n+++ %s\n"
			       "@@ -17,3 +17,4 @@\n"
			       " \n"
			       " # Domaine : ascent.cloud\n"
			       " postmaster@ascent.cloud      admin@ascent.cloud\n"
			       "+ventes@ascent.cloud          admin@ascent.cloud\n",
			       VAL, VAL);
	CU_ASSERT_STRING_EQUAL(diff.buf, want);
	if (strcmp(diff.buf, want) != 0)
		fprintf(stderr, "\ngot:\n%s\nwant:\n%s\n", diff.buf, want);
	free(want);
	plan_describe_actions(p, cfg, &acts);
	want = xasprintf("rebuild map hash:%s (postmap -c %s)\n", VAL, P("etc/postfix"));
	CU_ASSERT_STRING_EQUAL(acts.buf, want);
	free(want);
	sb_free(&diff);
	sb_free(&acts);
	/* The diff applies with patch and gives the staged bytes. */
	stage_free(&s);
	teardown();
}

static void test_undo(void)
{
	setup();
	struct stage *s = stage_new();
	CU_ASSERT_EQUAL(push(s, "mailbox add u1@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "mailbox add u2@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(push(s, "alias add team2@andromed.cloud u2@andromed.cloud"), 0);
	CU_ASSERT_EQUAL(stage_count(s), 3);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	CU_ASSERT_EQUAL(stage_undo(s, &d), 0);
	diags_free(&d);
	CU_ASSERT_EQUAL(stage_count(s), 1);
	const struct plan *p = stage_plan(s);
	struct strbuf diff = STRBUF_INIT;
	plan_diff(p, &diff);
	CU_ASSERT(strstr(diff.buf, "+u1@andromed.cloud") != NULL);
	CU_ASSERT(strstr(diff.buf, "u2@") == NULL);
	CU_ASSERT(!plan_has(p, ACT_POSTMAP, "virtual_alias"));
	CU_ASSERT(plan_has(p, ACT_MAILDIR_CREATE, "/u1"));
	CU_ASSERT(!plan_has(p, ACT_MAILDIR_CREATE, "/u2"));
	sb_free(&diff);
	/* u2 can be staged again: the undo really forgot it. */
	CU_ASSERT_EQUAL(push(s, "mailbox add u2@andromed.cloud"), 0);
	stage_free(&s);
	teardown();
}

/* Issue 16: an edited file's bytes kept as the bytes read with spans
 * replaced (stagedit.c) are, made whole at any point, those the same
 * splices give on a whole copy. */
static unsigned long long edit_rng = 42;

static size_t edit_rnd(size_t n)
{
	edit_rng = edit_rng * 6364136223846793005ull + 1442695040888963407ull;
	return n ? (size_t)((edit_rng >> 33) % n) : 0;
}

static void test_stagedit_spans(void)
{
	struct staged_file *f = xcalloc(1, sizeof *f);
	struct strbuf naive = STRBUF_INIT;
	for (size_t i = 0; i < 4000; i++)
		sb_addc(&f->old, (char)('a' + edit_rnd(26)));
	sb_add(&naive, f->old.buf, f->old.len);
	for (int round = 0; round < 3000; round++) {
		/* mostly near the others (spans met and merged), some anywhere */
		size_t off = edit_rnd(4) ? edit_rnd(naive.len / 8 + 1) * 8 % (naive.len + 1) : edit_rnd(naive.len + 1);
		size_t len = edit_rnd(naive.len - off < 24 ? naive.len - off + 1 : 24);
		char text[16];
		size_t n = edit_rnd(sizeof text);
		for (size_t k = 0; k < n; k++)
			text[k] = (char)('A' + edit_rnd(26));
		stagefile_splice(f, off, len, text, n);
		struct strbuf next = STRBUF_INIT;
		sb_add(&next, naive.buf, off);
		sb_add(&next, text, n);
		sb_add(&next, naive.buf + off + len, naive.len - off - len);
		sb_free(&naive);
		naive = next;
		CU_ASSERT_EQUAL_FATAL(stagedit_len(f), naive.len);
		if (edit_rnd(10) == 0 || round == 2999) {
			const struct strbuf *w = stagedit_whole(f);
			CU_ASSERT_EQUAL_FATAL(w->len, naive.len);
			CU_ASSERT_FATAL(memcmp(w->buf, naive.buf, naive.len) == 0);
			if (edit_rnd(2))
				stagedit_drop_whole(f);
		}
	}
	CU_ASSERT(stagefile_changed(f));
	/* every change undone by a splice of the bytes read: unchanged */
	stagefile_splice(f, 0, stagedit_len(f), f->old.buf, f->old.len);
	CU_ASSERT(!stagefile_changed(f));
	CU_ASSERT_EQUAL(stagedit_whole(f)->len, f->old.len);
	stagedit_free(f);
	sb_free(&f->old);
	sb_free(&naive);
	free(f);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "mailbox add: files, map, maildir, owner/mode, backup, audit", test_mailbox_add },
		{ "mailbox add without a password", test_mailbox_add_without_password },
		{ "mailbox del: refused while aliased, archive, purge", test_mailbox_del_archive_and_purge },
		{ "mailbox passwd and quota", test_passwd_and_quota },
		{ "mailbox rename: maildir, map, passwd-file, aliases, --keep-old", test_mailbox_rename },
		{ "forward set --keep-copy/--no-copy, clear, refusals", test_forward },
		{ "domain_limits: mailboxes, aliases, quota_total", test_domain_limits },
		{ "alias add/del: targets, self-forward, external", test_aliases },
		{ "alias set: replace, reorder, create, refusals, self kept, undo", test_alias_set },
		{ "catch-all in the mailbox map (default)", test_catchall_mailbox_form },
		{ "catch-all identity form keeps mailboxes", test_catchall_identity_form },
		{ "catch-all to an external address", test_catchall_external },
		{ "sysalias set/del", test_sysalias },
		{ "domain add: hash table", test_domain_add_hash_table },
		{ "domain add/del: /file/name list", test_domain_add_file_list },
		{ "domain add/del: inline in main.cf", test_domain_add_inline },
		{ "domain del: refused, --cascade", test_domain_del },
		{ "validation messages", test_validation },
		{ "plan: exact diff and actions", test_plan_exact_diff },
		{ "undo", test_undo },
		{ "staged bytes as spans over the bytes read", test_stagedit_spans },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("stage", tests);
	/* Again with every file read in part where the quick path can (the
	 * demo's files are small: the 256 KiB floor would keep them whole):
	 * mappings, rebuilt old bytes, windowed diffs and resumed digests
	 * must give every result the whole files give. */
	stage_set_excerpt_min(0);
	transient = true;
	int rc2 = cu_run("stage, quick path on every file, transient stages", tests);
	return rc ? rc : rc2;
}
