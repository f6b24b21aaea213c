/* Unit tests for the Dovecot passwd-file (pwfile.c): the fixture corpus
 * against golden listings and byte-identical round trips, duplicates,
 * extra fields, schemes, line-exact edits, a 100k-entry parse. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cu.h"
#include "golden.h"
#include "vmailadm/doc.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/xalloc.h"

/* Field f of entry e is want. */
#define ASSERT_FIELD(e, f, want)                                \
	do {                                                    \
		char *got_ = pwfile_field_dup((e), (f));         \
		CU_ASSERT_STRING_EQUAL(got_, (want));           \
		free(got_);                                     \
	} while (0)

static struct pwfile *parse_str(const char *text, struct diags *d)
{
	struct diags scratch = DIAGS_INIT;
	struct pwfile *p = pwfile_parse(doc_from_mem("users", text, strlen(text)),
					d ? d : &scratch);
	diags_free(&scratch);
	return p;
}

#define ASSERT_RENDER(p, want) GOLDEN_ASSERT_DOC(pwfile_doc(p), want)

static const char *const extra_keys[] = { "quota_rule", "userdb_mail", "allow_nets",
					  "nopassword", NULL };

static void listing(const struct pwfile *p, const struct diags *d, struct strbuf *out)
{
	for (size_t i = 0; i < pwfile_count(p); i++) {
		const struct pwfile_entry *e = pwfile_entry(p, i);
		sb_addf(out, "%u %zu", e->line, PWFILE_FIRST(e));
		golden_field(out, "user", e->user);
		char *scheme = pwfile_scheme(e);
		golden_field(out, "scheme", scheme);
		free(scheme);
		static const char *const names[] = { "uid", "gid", "gecos", "home", "shell", "extra" };
		for (size_t k = 0; k < 6; k++) {
			char *v = pwfile_field_dup(e, (enum pwfile_field)(PWFILE_UID + k));
			golden_field(out, names[k], v);
			free(v);
		}
		for (size_t k = 0; extra_keys[k]; k++) {
			char *v = pwfile_extra_get(e, extra_keys[k]);
			if (v)
				golden_field(out, extra_keys[k], v);
			free(v);
		}
		if (e->shadowed)
			sb_adds(out, " shadowed");
		sb_addc(out, '\n');
	}
	golden_add_diags(out, d);
}

static void test_corpus(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cu_fixture("pwfile"));
	size_t n;
	char **names = golden_list(dir, &n);
	CU_ASSERT_FATAL(names != NULL);
	CU_ASSERT(n >= 7);
	for (size_t i = 0; i < n; i++) {
		char path[4200], out_path[4300];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(out_path, sizeof out_path, "%s.out", path);
		size_t len = 0;
		char *bytes = golden_read(path, &len);
		CU_ASSERT_FATAL(bytes != NULL);
		struct diags d = DIAGS_INIT;
		struct doc *doc = NULL;
		CU_ASSERT_FATAL(doc_load(path, false, &doc, &d) == 0);
		struct pwfile *p = pwfile_parse(doc, &d);
		CU_ASSERT(golden_round_trip(pwfile_doc(p), bytes, len, path));
		for (size_t k = 0; k < d.n; k++) {
			free(d.v[k].file);
			d.v[k].file = xstrdup(names[i]);
		}
		struct strbuf out = STRBUF_INIT;
		listing(p, &d, &out);
		CU_ASSERT(golden_check(out_path, sb_str(&out)));
		sb_free(&out);
		pwfile_free(&p);
		CU_ASSERT_PTR_NULL(p);
		diags_free(&d);
		free(bytes);
	}
	golden_list_free(names);
}

static void test_fields_and_duplicates(void)
{
	struct diags d = DIAGS_INIT;
	struct pwfile *p = parse_str(
		"# c\n"
		"\n"
		"a@x.org:{PLAIN}pw:5000:5001:Gecos:/home/a:/bin/false:userdb_quota_rule=*:storage=1G "
		"userdb_mail=maildir:~/M\n"
		"b@x.org:{PLAIN}pw\n"
		"A@X.org:{PLAIN}again\n"
		"c@x.org\n", &d);
	CU_ASSERT_EQUAL_FATAL(pwfile_count(p), 4);
	const struct pwfile_entry *a = pwfile_lookup(p, "A@x.ORG");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->user, "a@x.org");
	ASSERT_FIELD(a, PWFILE_PASSWORD, "{PLAIN}pw");
	ASSERT_FIELD(a, PWFILE_UID, "5000");
	ASSERT_FIELD(a, PWFILE_GID, "5001");
	ASSERT_FIELD(a, PWFILE_GECOS, "Gecos");
	ASSERT_FIELD(a, PWFILE_HOME, "/home/a");
	ASSERT_FIELD(a, PWFILE_SHELL, "/bin/false");
	ASSERT_FIELD(a, PWFILE_EXTRA, "userdb_quota_rule=*:storage=1G userdb_mail=maildir:~/M");
	CU_ASSERT_EQUAL(a->line, 3);
	CU_ASSERT_EQUAL(PWFILE_FIRST(a), 2);
	CU_ASSERT_FALSE(a->shadowed);
	const struct pwfile_entry *dup = pwfile_entry(p, 2);
	CU_ASSERT_TRUE(dup->shadowed);
	ASSERT_FIELD(dup, PWFILE_PASSWORD, "{PLAIN}again");
	const struct pwfile_entry *c = pwfile_lookup(p, "c@x.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	ASSERT_FIELD(c, PWFILE_PASSWORD, "");
	ASSERT_FIELD(c, PWFILE_EXTRA, "");
	CU_ASSERT_PTR_NULL(pwfile_lookup(p, "nobody@x.org"));
	/* Warnings: upper case, and the duplicate naming both lines. */
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_WARNING), 2);
	CU_ASSERT_FALSE(diags_has_errors(&d));
	bool named = false;
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].line == 5 && strstr(d.v[i].msg, "line 3"))
			named = true;
	CU_ASSERT_TRUE(named);
	pwfile_free(&p);
	diags_free(&d);
}

static void test_malformed(void)
{
	struct diags d = DIAGS_INIT;
	struct pwfile *p = parse_str("ok@x.org:{PLAIN}a:5000:5000::/h::\n"
				     ":{PLAIN}nobody\n"
				     "zero@x.org:{PLAIN}a:0:5000::/h::\n"
				     "bad@x.org:{PLAIN}a:5x:5000::/h::\n"
				     "gid@x.org:{PLAIN}a:5000:99999999999::/h::\n"
				     "name@x.org:{PLAIN}a:vmail:vmail::/h::\n"
				     "ok2@x.org:{PLAIN}b\n", &d);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 4);
	unsigned want[] = { 2, 3, 4, 5 };
	CU_ASSERT_EQUAL_FATAL(d.n, 4);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(d.v[i].line, want[i]);
	/* The rest loads. */
	CU_ASSERT_PTR_NOT_NULL(pwfile_lookup(p, "ok@x.org"));
	CU_ASSERT_PTR_NOT_NULL(pwfile_lookup(p, "ok2@x.org"));
	CU_ASSERT_PTR_NOT_NULL(pwfile_lookup(p, "name@x.org"));
	CU_ASSERT_EQUAL(pwfile_count(p), 6);
	pwfile_free(&p);
	diags_free(&d);
}

static void test_extras(void)
{
	struct pwfile *p = parse_str(
		"a@x:{P}p::::::userdb_quota_rule=*:storage=1G nopassword allow_nets=10.0.0.0/8\n"
		"b@x:{P}p::::::quota_rule=*:storage=2G\n"
		"c@x:{P}p::::::quota_rule=*:storage=2G  userdb_quota_rule=*:storage=3G\n"
		"d@x:{P}p::::::userdb_x=1 userdb_x=2\n"
		"e@x:{P}p\n", NULL);
	const struct pwfile_entry *a = pwfile_lookup(p, "a@x");
	char *v = pwfile_extra_get(a, "quota_rule");
	CU_ASSERT_STRING_EQUAL(v, "*:storage=1G");
	free(v);
	v = pwfile_extra_get(a, "userdb_quota_rule");
	CU_ASSERT_STRING_EQUAL(v, "*:storage=1G");
	free(v);
	v = pwfile_extra_get(a, "nopassword");
	CU_ASSERT_STRING_EQUAL(v, "");
	free(v);
	v = pwfile_extra_get(a, "allow_nets");
	CU_ASSERT_STRING_EQUAL(v, "10.0.0.0/8");
	free(v);
	CU_ASSERT_PTR_NULL(pwfile_extra_get(a, "userdb_allow_nets"));
	CU_ASSERT_PTR_NULL(pwfile_extra_get(a, "quota"));
	CU_ASSERT_PTR_NULL(pwfile_extra_get(a, "userdb_quota"));
	/* A bare field is a passdb field: the userdb_ name does not find it. */
	const struct pwfile_entry *b = pwfile_lookup(p, "b@x");
	CU_ASSERT_PTR_NULL(pwfile_extra_get(b, "userdb_quota_rule"));
	v = pwfile_extra_get(b, "quota_rule");
	CU_ASSERT_STRING_EQUAL(v, "*:storage=2G");
	free(v);
	/* The userdb_ field is preferred for a bare name. */
	v = pwfile_extra_get(pwfile_lookup(p, "c@x"), "quota_rule");
	CU_ASSERT_STRING_EQUAL(v, "*:storage=3G");
	free(v);
	v = pwfile_extra_get(pwfile_lookup(p, "d@x"), "x");
	CU_ASSERT_STRING_EQUAL(v, "2");
	free(v);
	CU_ASSERT_PTR_NULL(pwfile_extra_get(pwfile_lookup(p, "e@x"), "quota_rule"));
	pwfile_free(&p);
}

/* An entry made of fields (pwfile_entry_of) reads them back as given, a
 * field holding ':' whole; without extra, the line has six colons. */
static void test_entry_of(void)
{
	struct pwfile_fields f = { .user = "a@x", .password = "{PLAIN}p", .uid = "5000",
				   .home = "/h:ome", .extra = "userdb_mail=maildir:~/M" };
	struct strbuf line = STRBUF_INIT;
	struct pwfile_entry e;
	pwfile_entry_of(&f, &line, &e);
	CU_ASSERT_STRING_EQUAL(sb_str(&line), "a@x:{PLAIN}p:5000:::/h:ome::userdb_mail=maildir:~/M");
	CU_ASSERT_STRING_EQUAL(e.user, "a@x");
	ASSERT_FIELD(&e, PWFILE_PASSWORD, "{PLAIN}p");
	ASSERT_FIELD(&e, PWFILE_UID, "5000");
	ASSERT_FIELD(&e, PWFILE_GID, "");
	ASSERT_FIELD(&e, PWFILE_HOME, "/h:ome");
	ASSERT_FIELD(&e, PWFILE_SHELL, "");
	ASSERT_FIELD(&e, PWFILE_EXTRA, "userdb_mail=maildir:~/M");
	f.extra = NULL;
	pwfile_entry_of(&f, &line, &e);
	CU_ASSERT_STRING_EQUAL(sb_str(&line), "a@x:{PLAIN}p:5000:::/h:ome:");
	ASSERT_FIELD(&e, PWFILE_SHELL, "");
	ASSERT_FIELD(&e, PWFILE_EXTRA, "");
	CU_ASSERT_FALSE(pwfile_field_set(&e, PWFILE_EXTRA));
	CU_ASSERT_TRUE(pwfile_field_set(&e, PWFILE_HOME));
	sb_free(&line);
}

static void test_scheme(void)
{
	static const struct {
		const char *pw, *scheme;
	} cases[] = {
		{ "{SHA512-CRYPT}$6$abc$def", "SHA512-CRYPT" },
		{ "{plain}secret", "PLAIN" },
		{ "{Blf-Crypt}$2y$05$x", "BLF-CRYPT" },
		{ "{CRYPT}$y$j9T$a$b", "CRYPT" },
		{ "$6$salt$hash", "SHA512-CRYPT" },
		{ "$5$salt$hash", "SHA256-CRYPT" },
		{ "$2y$05$hash", "BLF-CRYPT" },
		{ "$2b$05$hash", "BLF-CRYPT" },
		{ "$2a$05$hash", "BLF-CRYPT" },
		{ "$y$j9T$a$b", "CRYPT" },
		{ "$1$salt$hash", "MD5-CRYPT" },
		{ "abJnggxhB/yWI", "CRYPT" },
		{ "5f4dcc3b5aa765d61d8327deb882cf99[34]", "PLAIN-MD5" },
		{ "abJnggxhB/yWI[13]", "CRYPT" },
		{ "{broken", "CRYPT" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pwfile_fields f = { .user = "u", .password = cases[i].pw };
		struct strbuf line = STRBUF_INIT;
		struct pwfile_entry e;
		pwfile_entry_of(&f, &line, &e);
		char *s = pwfile_scheme(&e);
		sb_free(&line);
		CU_ASSERT_STRING_EQUAL(s, cases[i].scheme);
		if (strcmp(s, cases[i].scheme) != 0)
			fprintf(stderr, "\n%s: got %s\n", cases[i].pw, s);
		free(s);
	}
}

static void test_add(void)
{
	const char *orig = "# users\n"
			   "a@one.org:{P}1\n"
			   "b@one.org:{P}2\n"
			   "\n"
			   "x@two.org:{P}3\n"
			   "# end";
	struct pwfile *p = parse_str(orig, NULL);
	struct diags d = DIAGS_INIT;
	struct pwfile_fields e = { .user = "c@one.org", .password = "{SHA512-CRYPT}$6$s$h",
				  .uid = "5000", .gid = "5000",
				  .home = "/var/mail/vhosts/one.org/c" };
	CU_ASSERT_EQUAL(pwfile_add(p, &e, &d), 0);
	struct pwfile_fields f = { .user = "y@three.org", .password = "{PLAIN}z",
				  .extra = "userdb_quota_rule=*:storage=1G" };
	CU_ASSERT_EQUAL(pwfile_add(p, &f, &d), 0);
	struct pwfile_fields g = { .user = "z@two.org", .password = "{PLAIN}q" };
	CU_ASSERT_EQUAL(pwfile_add(p, &g, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	ASSERT_RENDER(p, "# users\n"
			 "a@one.org:{P}1\n"
			 "b@one.org:{P}2\n"
			 "c@one.org:{SHA512-CRYPT}$6$s$h:5000:5000::/var/mail/vhosts/one.org/c:\n"
			 "\n"
			 "x@two.org:{P}3\n"
			 "z@two.org:{PLAIN}q:::::\n"
			 "# end\n"
			 "\n"   /* a new domain's first user apart from the last block */
			 "y@three.org:{PLAIN}z::::::userdb_quota_rule=*:storage=1G\n");
	const struct pwfile_entry *c = pwfile_lookup(p, "c@one.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->line, 4);
	ASSERT_FIELD(c, PWFILE_HOME, "/var/mail/vhosts/one.org/c");
	CU_ASSERT_EQUAL(pwfile_lookup(p, "y@three.org")->line, 10);
	char *q = pwfile_extra_get(pwfile_lookup(p, "y@three.org"), "quota_rule");
	CU_ASSERT_STRING_EQUAL(q, "*:storage=1G");
	free(q);

	/* Refused: existing (any case), bad names and fields; nothing changes. */
	char *before = golden_render(pwfile_doc(p));
	struct pwfile_fields bad[] = {
		{ .user = "A@one.org", .password = "x" },
		{ .user = "a@one.org", .password = "x" },
		{ .user = "", .password = "x" },
		{ .user = "sp ace@one.org", .password = "x" },
		{ .user = "#c@one.org", .password = "x" },
		{ .user = "co:lon@one.org", .password = "x" },
		{ .user = "n@one.org", .password = "pa:ss" },
		{ .user = "n@one.org", .password = "x", .uid = "0" },
		{ .user = "n@one.org", .password = "x", .home = "/a\nb" },
		{ .user = "n@one.org", .password = "x", .extra = "a=1\nb=2" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct diags bd = DIAGS_INIT;
		CU_ASSERT_EQUAL(pwfile_add(p, &bad[i], &bd), -1);
		CU_ASSERT_EQUAL(diags_count(&bd, DIAG_ERROR), 1);
		diags_free(&bd);
	}
	ASSERT_RENDER(p, before);
	free(before);
	pwfile_free(&p);
	diags_free(&d);

	/* CRLF and a file without final newline. */
	p = parse_str("a@one.org:{P}1\r\nb@two.org:{P}2\r\n", NULL);
	struct pwfile_fields h = { .user = "c@one.org", .password = "{P}3" };
	CU_ASSERT_EQUAL(pwfile_add(p, &h, NULL), 0);
	ASSERT_RENDER(p, "a@one.org:{P}1\r\nc@one.org:{P}3:::::\r\nb@two.org:{P}2\r\n");
	pwfile_free(&p);
	p = parse_str("a@one.org:{P}1", NULL);
	CU_ASSERT_EQUAL(pwfile_add(p, &h, NULL), 0);
	ASSERT_RENDER(p, "a@one.org:{P}1\nc@one.org:{P}3:::::\n");
	pwfile_free(&p);
}

static void test_remove(void)
{
	struct pwfile *p = parse_str("# c\n"
				     "a@x:{P}1\n"
				     "b@x:{P}2\n"
				     "A@x:{P}shadowed\n"
				     "c@x:{P}3", NULL);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(pwfile_remove(p, "A@X", &d), 0);
	ASSERT_RENDER(p, "# c\nb@x:{P}2\nc@x:{P}3");
	CU_ASSERT_PTR_NULL(pwfile_lookup(p, "a@x"));
	CU_ASSERT_EQUAL(pwfile_remove(p, "c@x", &d), 0);
	ASSERT_RENDER(p, "# c\nb@x:{P}2");
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(pwfile_remove(p, "zz@x", &d), -1);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 1);
	CU_ASSERT_EQUAL(pwfile_count(p), 1);
	pwfile_free(&p);
	diags_free(&d);
}

static void test_remove_many(void)
{
	const char *text = "a@x:{P}1\n"
			   "# c\n"
			   "b@x:{P}2\n"
			   "A@x:{P}shadowed\n"
			   "c@x:{P}3";
	struct pwfile *p = parse_str(text, NULL);
	struct diags d = DIAGS_INIT;
	const char *bad[] = { "a@x", "zz@x" };
	CU_ASSERT_EQUAL(pwfile_remove_many(p, bad, 2, &d), -1);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 1);
	ASSERT_RENDER(p, text);
	const char *users[] = { "A@X", "c@x" };
	CU_ASSERT_EQUAL(pwfile_remove_many(p, users, 2, &d), 0);
	ASSERT_RENDER(p, "# c\nb@x:{P}2");
	CU_ASSERT_PTR_NULL(pwfile_lookup(p, "a@x"));
	CU_ASSERT_EQUAL(pwfile_count(p), 1);
	pwfile_free(&p);
	diags_free(&d);
}

static void test_set_password(void)
{
	struct pwfile *p = parse_str("a@x:{PLAIN}old:5000:5000:G:/h:/s:userdb_quota_rule=*:storage=1G  x=y\r\n"
				     "b@x:{PLAIN}old\n"
				     "c@x\n"
				     "b@x:{PLAIN}shadow\n", NULL);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(pwfile_set_password(p, "A@x", "{SHA512-CRYPT}$6$n$h", &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_password(p, "b@x", "", &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_password(p, "c@x", "{PLAIN}new", &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	ASSERT_RENDER(p, "a@x:{SHA512-CRYPT}$6$n$h:5000:5000:G:/h:/s:userdb_quota_rule=*:storage=1G  x=y\r\n"
			 "b@x:\n"
			 "c@x:{PLAIN}new\n"
			 "b@x:{PLAIN}shadow\n");
	ASSERT_FIELD(pwfile_lookup(p, "a@x"), PWFILE_PASSWORD, "{SHA512-CRYPT}$6$n$h");
	CU_ASSERT_EQUAL(pwfile_set_password(p, "a@x", "bad:pw", &d), -1);
	CU_ASSERT_EQUAL(pwfile_set_password(p, "nobody@x", "x", &d), -1);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 2);
	pwfile_free(&p);
	diags_free(&d);
}

static void test_set_extra(void)
{
	struct pwfile *p = parse_str(
		"a@x:{P}1:5000:5000::/h::userdb_quota_rule=*:storage=1G  nopassword userdb_mail=m:~/M\n"
		"b@x:{P}2\n"
		"c@x:{P}3::::::quota_rule=*:storage=2G\n"
		"d@x:{P}4::::::userdb_x=1 keep=1 userdb_x=2 \n"
		"e@x:{P}5::::::only=1\n", NULL);
	struct diags d = DIAGS_INIT;
	/* Replace in place, by the bare or the prefixed name. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "quota_rule", "*:storage=5G", &d), 0);
	/* Add to a short line: padded to seven colons. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "b@x", "userdb_quota_rule", "*:storage=1G", &d), 0);
	/* The bare passdb field is the one a bare name finds. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "c@x", "quota_rule", "*:storage=3G", &d), 0);
	/* Duplicates collapse into the first. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "d@x", "x", "9", &d), 0);
	/* Removing the only field drops the extra part. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "e@x", "only", NULL, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	ASSERT_RENDER(p,
		"a@x:{P}1:5000:5000::/h::userdb_quota_rule=*:storage=5G  nopassword userdb_mail=m:~/M\n"
		"b@x:{P}2::::::userdb_quota_rule=*:storage=1G\n"
		"c@x:{P}3::::::quota_rule=*:storage=3G\n"
		"d@x:{P}4::::::userdb_x=9 keep=1 \n"
		"e@x:{P}5:::::\n");
	/* Remove one in the middle and the first: the others keep order. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "nopassword", NULL, &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "userdb_quota_rule", NULL, &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "absent", NULL, &d), 0);
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "userdb_new", "v", &d), 0);
	ASSERT_RENDER(p,
		"a@x:{P}1:5000:5000::/h::userdb_mail=m:~/M userdb_new=v\n"
		"b@x:{P}2::::::userdb_quota_rule=*:storage=1G\n"
		"c@x:{P}3::::::quota_rule=*:storage=3G\n"
		"d@x:{P}4::::::userdb_x=9 keep=1 \n"
		"e@x:{P}5:::::\n");
	char *v = pwfile_extra_get(pwfile_lookup(p, "a@x"), "mail");
	CU_ASSERT_STRING_EQUAL(v, "m:~/M");
	free(v);
	/* Refused. */
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "k", "has space", &d), -1);
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "k=", "v", &d), -1);
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "a@x", "", "v", &d), -1);
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "none@x", "k", "v", &d), -1);
	CU_ASSERT_EQUAL(diags_count(&d, DIAG_ERROR), 4);
	pwfile_free(&p);
	diags_free(&d);
}

/* Every corpus file: an edit changes exactly one line. */
static void test_edit_corpus_line_exact(void)
{
	size_t len;
	char *bytes = golden_read(cu_fixture("pwfile/quota-extras.users"), &len);
	CU_ASSERT_FATAL(bytes != NULL);
	struct pwfile *p = parse_str(bytes, NULL);
	const struct pwfile_entry *e = pwfile_lookup(p, "contact@andromed.cloud");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	unsigned line = e->line;
	CU_ASSERT_EQUAL(pwfile_set_extra(p, "contact@andromed.cloud", "quota_rule",
					 "*:storage=2G", NULL), 0);
	char *out = golden_render(pwfile_doc(p));
	const char *a = bytes, *b = out;
	unsigned ln = 1, diffs = 0;
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la) != 0) {
			diffs++;
			CU_ASSERT_EQUAL(ln, line);
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
		ln++;
	}
	CU_ASSERT_EQUAL(diffs, 1);
	e = pwfile_lookup(p, "contact@andromed.cloud");
	ASSERT_FIELD(e, PWFILE_EXTRA, "userdb_mail=maildir:~/Maildir  "
			       "userdb_quota_rule=*:storage=2G allow_nets=192.0.2.0/24,127.0.0.1");
	free(out);
	free(bytes);
	pwfile_free(&p);
}

static void test_100k(void)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100000; i++)
		sb_addf(&sb, "user%d@dom%d.example:{SHA512-CRYPT}$6$abcdefghijklmnop$"
			"GWbTF8e2a5cZxI1xGHB1uFYDVfq4TeOIds3se/e4TQicY7TMHoh4AUO.JB6aAhnzmPMt04nuP3HU9"
			"DGezS3IL.:5000:5000::/var/mail/vhosts/dom%d.example/user%d::"
			"userdb_quota_rule=*:storage=%dM\n", i, i % 100, i % 100, i, i % 1000);
	clock_t t0 = clock();
	struct diags d = DIAGS_INIT;
	struct pwfile *p = parse_str(sb_str(&sb), &d);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CU_ASSERT_EQUAL(pwfile_count(p), 100000);
	CU_ASSERT_EQUAL(d.n, 0);
	const struct pwfile_entry *e = pwfile_lookup(p, "USER99999@dom99.example");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->line, 100000);
	char *q = pwfile_extra_get(e, "quota_rule");
	CU_ASSERT_STRING_EQUAL(q, "*:storage=999M");
	free(q);
	/* Generous bound for a shared 2-core machine; it takes ~0.1 s. */
	CU_ASSERT(secs < 3.0);
	fprintf(stderr, "\n100k-entry parse: %.3f s\n", secs);
	pwfile_free(&p);
	diags_free(&d);
	sb_free(&sb);
}

/* The lookup of every user of q (and of users that are not there) gives
 * the entry at the same position in p and q, or none in both. */
static void same_index(const struct pwfile *p, const struct pwfile *q, const char *extra)
{
	for (size_t i = 0; i < pwfile_count(q) + 1; i++) {
		const char *u = i < pwfile_count(q) ? pwfile_entry(q, i)->user : extra;
		const struct pwfile_entry *a = pwfile_lookup(p, u), *b = pwfile_lookup(q, u);
		CU_ASSERT_EQUAL(a ? (long)(a - pwfile_entry(p, 0)) : -1L,
				b ? (long)(b - pwfile_entry(q, 0)) : -1L);
	}
}

/* Issue 16: add, remove, set_password and set_extra edit the entries and
 * the index in place; after each of a random sequence of them (on lines
 * with comments, blanks, CRLF, short and indented lines, shadowed
 * duplicates and upper-case users) every entry and lookup is what a parse
 * of the edited bytes gives, and nothing was parsed again. */
static void test_edits_in_place(void)
{
	const char *start = "# users\n"
			    "a@one.org:{P}1:5000:5000::/h/a::userdb_quota_rule=*:storage=1G\n"
			    "\n"
			    "B@one.org:{P}2\r\n"
			    "  indented@one.org:{P}x\n"
			    "c@two.org:{P}3:::::\n"
			    "b@one.org:{P}shadowed\n"
			    "#\n"
			    "d@two.org\n"
			    "a@ONE.org:{P}shadowed too::\n"
			    "e@three.org:{P}5:5000:5000::/h/e::x=y userdb_quota_rule=*:storage=2G";
	struct pwfile *p = parse_str(start, NULL);
	srand(16);
	struct diags d = DIAGS_INIT;
	for (int step = 0; step < 400; step++) {
		char user[64], val[64];
		int k = rand() % 12, what = rand() % 5 % 4;   /* adds twice as often */
		snprintf(user, sizeof user, "u%d@%s.org", k, k % 3 ? "one" : "four");
		if (k == 10)
			snprintf(user, sizeof user, "%s", "b@one.org");
		else if (k == 11)
			snprintf(user, sizeof user, "%s", "a@one.org");
		snprintf(val, sizeof val, "v%d", step);
		if (what == 0) {
			struct pwfile_fields e = { .user = user, .password = val, .uid = step % 2 ? "5000" : "",
						  .gid = step % 2 ? "5000" : "", .extra = step % 3 ? "" : "a=b" };
			pwfile_add(p, &e, &d);
		} else if (what == 1) {
			pwfile_remove(p, user, &d);
		} else if (what == 2) {
			pwfile_set_password(p, user, val, &d);
		} else {
			pwfile_set_extra(p, user, step % 2 ? "userdb_quota_rule" : "x",
					 step % 5 ? val : NULL, &d);
		}
		diags_free(&d);
		char *bytes = golden_render(pwfile_doc(p));
		struct pwfile *q = parse_str(bytes, NULL);
		struct strbuf lp = STRBUF_INIT, lq = STRBUF_INIT;
		struct diags none = DIAGS_INIT;
		listing(p, &none, &lp);
		listing(q, &none, &lq);
		if (strcmp(sb_str(&lp), sb_str(&lq)) != 0) {
			fprintf(stderr, "\nstep %d (%d %s): in place\n%s\nparsed\n%s\n", step, what,
				user, sb_str(&lp), sb_str(&lq));
			CU_FAIL("an edit in place differs from a parse");
		}
		same_index(p, q, user);
		sb_free(&lp);
		sb_free(&lq);
		pwfile_free(&q);
		free(bytes);
	}
	CU_ASSERT_EQUAL(pwfile_parses(p), 0);
	CU_ASSERT(pwfile_count(p) > 6);
	pwfile_free(&p);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "corpus: golden + round trip", test_corpus },
		{ "fields, lookup, duplicates", test_fields_and_duplicates },
		{ "malformed lines all reported", test_malformed },
		{ "extra fields and the userdb_ prefix", test_extras },
		{ "password schemes", test_scheme },
		{ "an entry made of fields", test_entry_of },
		{ "add next to the domain", test_add },
		{ "remove, duplicates included", test_remove },
		{ "remove many: one pass, all or nothing", test_remove_many },
		{ "set_password touches only field 2", test_set_password },
		{ "set_extra keeps the other fields", test_set_extra },
		{ "an edit changes exactly one line", test_edit_corpus_line_exact },
		{ "edits in place = a parse of the edited bytes", test_edits_in_place },
		{ "100k entries", test_100k },
		CU_TEST_INFO_NULL,
	};
	return cu_run("pwfile", tests);
}
