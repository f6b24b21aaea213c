/* Unit tests for operations: the word form round-trips, options are
 * checked per edit, and the syntax checks refuse what Postfix or Dovecot
 * files cannot hold. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/op.h"

static struct op *parse(const char *line, struct diags *d)
{
	int argc = 0;
	char **w = op_split_words(line, &argc, "batch", 7, d);
	if (!w)
		return NULL;
	struct op *op = op_from_words(argc, w, "batch", 7, d);
	op_words_free(w);
	return op;
}

static void test_round_trip(void)
{
	const char *lines[] = {
		"mailbox add alice@example.com --quota 1G --password-hash '{PBKDF2}$1$salt$5000$h a'\\''sh'",
		"alias add team@example.com a@example.com b@other.org",
		"alias del team@example.com",
		"alias set team@example.com b@other.org a@example.com",
		"domain del example.com --cascade",
		"domain add b.example --alias-of a.example",
		"mailbox quota bob@example.com none",
		"mailbox del bob@example.com --purge",
		"catchall set exemple.local admin@exemple.local",
		"sysalias set root admin@example.com",
		"file restore /etc/Postfix/VMailbox /var/lib/vmailadm/backups/x.1 --if-sha 0a1b",
		"maildir restore /var/mail/vhosts/d/U/ /var/lib/vmailadm/archive/d/U-1",
		"map rebuild hash:/etc/Postfix/Virtual",
		"map rebuild 'lmdb:/etc/postfix/odd name'",
		"maildir create bob@example.com",
		"mailbox rename bob@example.com robert@example.org --keep-old",
		"mailbox rename bob@example.com robert@example.org",
		"forward set bob@example.com a@example.org b@example.net --keep-copy",
		"forward set bob@example.com a@example.org --no-copy",
		"forward clear bob@example.com",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		struct diags d = DIAGS_INIT;
		struct op *op = parse(lines[i], &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(op);
		struct strbuf a = STRBUF_INIT;
		op_format(op, &a);
		struct op *op2 = parse(a.buf, &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(op2);
		struct strbuf b = STRBUF_INIT;
		op_format(op2, &b);
		CU_ASSERT_STRING_EQUAL(a.buf, b.buf);
		CU_ASSERT_EQUAL(d.n, 0);
		sb_free(&a);
		sb_free(&b);
		op_free(&op);
		op_free(&op2);
		diags_free(&d);
	}
}

static void test_fields(void)
{
	struct diags d = DIAGS_INIT;
	struct op *op = parse("mailbox add Alice@Example.COM --quota 2G --password-hash '{CRYPT}$y$j9T$abcdefghijklmnopqrstuv$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg'", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_MAILBOX_ADD);
	CU_ASSERT_STRING_EQUAL(op->subject, "alice@example.com");
	CU_ASSERT_STRING_EQUAL(op->quota, "2G");
	CU_ASSERT_STRING_EQUAL(op->password_hash, "{CRYPT}$y$j9T$abcdefghijklmnopqrstuv$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg");
	struct strbuf s = STRBUF_INIT;
	op_describe(op, &s);
	CU_ASSERT_PTR_NULL(strstr(s.buf, "$y$"));  /* never shows the hash */
	sb_free(&s);
	op_free(&op);
	op = parse("alias add info@andromed.cloud johndoe@andromed.cloud", &d);
	CU_ASSERT_EQUAL(op->ntargets, 1);
	CU_ASSERT_STRING_EQUAL(op->targets[0], "johndoe@andromed.cloud");
	op_free(&op);
	/* alias set keeps the targets in the order given. */
	op = parse("alias set Team@Example.com z@other.org a@example.com", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_ALIAS_SET);
	CU_ASSERT_STRING_EQUAL(op->subject, "team@example.com");
	CU_ASSERT_EQUAL_FATAL(op->ntargets, 2);
	CU_ASSERT_STRING_EQUAL(op->targets[0], "z@other.org");
	CU_ASSERT_STRING_EQUAL(op->targets[1], "a@example.com");
	sb_init(&s);
	op_format(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "alias set team@example.com z@other.org a@example.com");
	sb_free(&s);
	op_describe(op, &s);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.buf, "team@example.com"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.buf, "z@other.org, a@example.com"));
	sb_free(&s);
	op_free(&op);
	/* mailbox rename: NEW folds like the subject, --keep-old read and said. */
	op = parse("mailbox rename Bob@Example.com Robert@Example.ORG --keep-old", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_MAILBOX_RENAME);
	CU_ASSERT_STRING_EQUAL(op->targets[0], "robert@example.org");
	CU_ASSERT(op->keep_old);
	op_describe(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "rename mailbox bob@example.com to robert@example.org (bob@example.com kept as an alias)");
	sb_free(&s);
	op_free(&op);
	CU_ASSERT_PTR_NULL(parse("mailbox rename bob@example.com", &d));
	CU_ASSERT_PTR_NULL(parse("mailbox rename a@b.c d@e.f g@h.i", &d));
	CU_ASSERT_PTR_NULL(parse("mailbox add a@b.c --keep-old", &d));
	/* forward set: the copy is said, once */
	CU_ASSERT_PTR_NULL(parse("forward set a@b.c x@y.z", &d));
	CU_ASSERT_PTR_NULL(parse("forward set a@b.c x@y.z --keep-copy --no-copy", &d));
	op = parse("forward set a@b.c 'x@y.z, w@y.z' --no-copy", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT(op->no_copy && op->ntargets == 2);
	op_describe(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "forward the mail of a@b.c to x@y.z, w@y.z (no copy kept)");
	sb_free(&s);
	op_free(&op);
	diags_free(&d);
}

static void test_restore_keeps_case(void)
{
	struct diags d = DIAGS_INIT;
	struct op *op = parse("file restore /etc/Postfix/VMailbox /b/Backup.1 --if-sha AbC", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_FILE_RESTORE);
	CU_ASSERT_STRING_EQUAL(op->subject, "/etc/Postfix/VMailbox");
	CU_ASSERT_STRING_EQUAL(op->targets[0], "/b/Backup.1");
	CU_ASSERT_STRING_EQUAL(op->sha256, "AbC");
	struct op *c = op_clone(op);
	CU_ASSERT_STRING_EQUAL(c->sha256, "AbC");
	op_free(&c);
	op_free(&op);
	/* --if-sha belongs to file restore only. */
	CU_ASSERT_PTR_NULL(parse("mailbox add a@b.c --if-sha x", &d));
	diags_free(&d);
}

static void test_repair_ops(void)
{
	struct diags d = DIAGS_INIT;
	struct op *op = parse("map rebuild hash:/etc/Postfix/VMailbox", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_MAP_REBUILD);
	CU_ASSERT_STRING_EQUAL(op->subject, "hash:/etc/Postfix/VMailbox");  /* case kept */
	CU_ASSERT_EQUAL(op->ntargets, 0);
	struct strbuf s = STRBUF_INIT;
	op_describe(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "rebuild map hash:/etc/Postfix/VMailbox");
	sb_reset(&s);
	op_format(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "map rebuild hash:/etc/Postfix/VMailbox");
	struct op *c = op_clone(op);
	CU_ASSERT_EQUAL(c->kind, OP_MAP_REBUILD);
	CU_ASSERT_STRING_EQUAL(c->subject, op->subject);
	op_free(&c);
	op_free(&op);
	op = parse("maildir create Bob@Example.COM", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_MAILDIR_CREATE);
	CU_ASSERT_STRING_EQUAL(op->subject, "bob@example.com");          /* an address folds */
	sb_reset(&s);
	op_describe(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "create the missing maildir of bob@example.com");
	sb_reset(&s);
	op_format(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "maildir create bob@example.com");
	op_free(&op);
	sb_free(&s);
	CU_ASSERT_EQUAL(d.n, 0);
	/* No targets, no options, and each needs its subject. */
	const char *bad[] = { "map rebuild", "map rebuild hash:/a hash:/b", "maildir create",
			      "maildir create a@b.c x@y.z", "map rebuild hash:/a --purge",
			      "maildir create a@b.c --if-sha 00" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct diags e = DIAGS_INIT;
		CU_ASSERT_PTR_NULL(parse(bad[i], &e));
		CU_ASSERT_EQUAL(e.n, 1);
		diags_free(&e);
	}
	struct diags e = DIAGS_INIT;
	CU_ASSERT_PTR_NULL(parse("map rebuild", &e));
	CU_ASSERT(e.n == 1 && strstr(e.v[0].msg, "type:path") != NULL);
	diags_free(&e);
	diags_free(&d);
}

/* postfix use-pgsql DIR KEY=VALUE...: the directory keeps its case, the
 * words read back as written, the role in the description (issue 18). */
static void test_use_pgsql(void)
{
	struct diags d = DIAGS_INIT;
	struct op *op = parse("postfix use-pgsql /etc/Postfix/pgsql user=MailReader password-file=/root/pw", &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	CU_ASSERT_EQUAL(op->kind, OP_POSTFIX_USE_PGSQL);
	CU_ASSERT_STRING_EQUAL(op->subject, "/etc/Postfix/pgsql");
	CU_ASSERT_EQUAL(op->ntargets, 2);
	struct strbuf s = STRBUF_INIT;
	op_format(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "postfix use-pgsql /etc/Postfix/pgsql user=MailReader password-file=/root/pw");
	sb_reset(&s);
	op_describe(op, &s);
	CU_ASSERT_STRING_EQUAL(s.buf, "point the server's main.cf at the database's maps (proxy:pgsql: files in "
				      "/etc/Postfix/pgsql), as role MailReader");
	struct op *c = op_clone(op);
	CU_ASSERT_EQUAL(c->ntargets, 2);
	op_free(&c);
	op_free(&op);
	sb_free(&s);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_PTR_NULL(parse("postfix use-pgsql", &d));
	CU_ASSERT(d.n == 1 && strstr(d.v[0].msg, "a directory") != NULL);
	diags_free(&d);
	CU_ASSERT_PTR_NULL(parse("postfix use-pgsql /x --purge", &d));
	diags_free(&d);
}

static void test_errors_name_file_and_line(void)
{
	const char *bad[] = {
		"mailbox frobnicate a@b.c",
		"mailbox add",
		"mailbox add a@b.c --cascade",
		"alias add x@y.z",
		"alias set x@y.z",
		"alias set x@y.z a@y.z --cascade",
		"catchall set d.com a@d.com b@d.com",
		"mailbox del a@b.c --purge --keep-maildir",
		"mailbox passwd a@b.c",
		"mailbox add a@b.c --quota",
		"domain add b.example --alias-of",
		"domain del b.example --alias-of a.example",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct diags d = DIAGS_INIT;
		struct op *op = parse(bad[i], &d);
		CU_ASSERT_PTR_NULL(op);
		CU_ASSERT_EQUAL(d.n, 1);
		if (d.n) {
			CU_ASSERT_STRING_EQUAL(d.v[0].file, "batch");
			CU_ASSERT_EQUAL(d.v[0].line, 7);
		}
		op_free(&op);
		diags_free(&d);
	}
	struct diags d = DIAGS_INIT;
	int argc;
	CU_ASSERT_PTR_NULL(op_split_words("alias add 'x@y.z", &argc, "f", 3, &d));
	CU_ASSERT_EQUAL(d.n, 1);
	diags_free(&d);
}

static void test_address_checks(void)
{
	const char *good[] = { "johndoe@andromed.cloud", "first.last+tag@sub.example.org",
			       "o'brien@example.ie", "a@b" };
	const char *badv[] = { "johndoe", "@andromed.cloud", "john doe@x.org", "john:doe@x.org",
			       "a,b@x.org", "a/b@x.org", "a\"b@x.org", ".a@x.org", "a.@x.org",
			       "a..b@x.org", "a@-x.org", "a@x..org", "a@x_y.org", "a\x1b@x.org",
			       "#a@x.org", "j\xc3\xa9r\xc3\xb4me@x.org", "a@" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct strbuf why = STRBUF_INIT;
		CU_ASSERT_TRUE(op_valid_address(good[i], &why));
		sb_free(&why);
	}
	for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
		struct strbuf why = STRBUF_INIT;
		CU_ASSERT_FALSE(op_valid_address(badv[i], &why));
		CU_ASSERT(why.len > 0);
		sb_free(&why);
	}
	char longlocal[80];
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@x.org");
	struct strbuf why = STRBUF_INIT;
	CU_ASSERT_FALSE(op_valid_address(longlocal, &why));
	sb_reset(&why);
	CU_ASSERT_FALSE(op_valid_target("bare", &why));
	sb_reset(&why);
	CU_ASSERT_TRUE(op_valid_target("comptable@cabinet-expert.fr", &why));
	sb_free(&why);
}

static void test_quota_rule(void)
{
	const char *in[] = { "1G", "500m", "2048k", "0", "3GB" };
	const char *out[] = { "*:storage=1G", "*:storage=500M", "*:storage=2048k", "*:storage=0",
			      "*:storage=3G" };
	for (size_t i = 0; i < 5; i++) {
		struct strbuf r = STRBUF_INIT, why = STRBUF_INIT;
		CU_ASSERT_TRUE(op_quota_rule(in[i], &r, &why));
		CU_ASSERT_STRING_EQUAL(sb_str(&r), out[i]);
		sb_free(&r);
		sb_free(&why);
	}
	const char *bad[] = { "", "G", "1X", "-1", "1Gx" };
	for (size_t i = 0; i < 5; i++) {
		struct strbuf r = STRBUF_INIT, why = STRBUF_INIT;
		CU_ASSERT_FALSE(op_quota_rule(bad[i], &r, &why));
		sb_free(&r);
		sb_free(&why);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "word form round-trips", test_round_trip },
		{ "fields and description", test_fields },
		{ "restore ops keep the case of paths", test_restore_keeps_case },
		{ "map rebuild and maildir create", test_repair_ops },
		{ "postfix use-pgsql", test_use_pgsql },
		{ "errors name file and line", test_errors_name_file_and_line },
		{ "address and target checks", test_address_checks },
		{ "quota rules", test_quota_rule },
		CU_TEST_INFO_NULL,
	};
	return cu_run("op", tests);
}
