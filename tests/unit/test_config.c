/* Unit tests for the configuration: defaults, a full file, relative paths,
 * every kind of error with its exact "file:line: error: ..." text, several
 * errors together, the file chosen by $VMAILADM_CONFIG, the printers, and
 * the committed man page doc/vmailadm.yaml.5 matching the settings table. */
#include "config.h"

#include <limits.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static char *fixture(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof rel, "config/%s", name);
	return xstrdup(cu_fixture(rel));
}

/* Load a fixture that must load cleanly. */
static struct config *load_ok(const char *name)
{
	char *path = fixture(name);
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	int rc = config_load(path, &c, &d);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(d.n, 0);
	if (d.n)
		diags_print(&d, stderr);
	diags_free(&d);
	free(path);
	return c;
}

/* Load a fixture that must fail with exactly the given messages (each
 * "LINE: message", the file name is prepended here). */
static void load_fails(const char *name, const char *const *expected)
{
	char *path = fixture(name);
	struct diags d = DIAGS_INIT;
	struct config *c = (struct config *)&d; /* must be reset to NULL */
	CU_ASSERT_EQUAL(config_load(path, &c, &d), -1);
	CU_ASSERT_PTR_NULL(c);
	size_t n = 0;
	while (expected[n])
		n++;
	CU_ASSERT_EQUAL(d.n, n);
	for (size_t i = 0; i < d.n && i < n; i++) {
		char *got = diag_format(&d.v[i]);
		char *want = xasprintf("%s:%s", path, expected[i]);
		CU_ASSERT_STRING_EQUAL(got, want);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
		free(got);
		free(want);
	}
	diags_free(&d);
	free(path);
}

static void check_defaults(const struct config *c)
{
	CU_ASSERT_STRING_EQUAL(c->postfix_dir, "/etc/postfix");
	CU_ASSERT_STRING_EQUAL(c->passwd_file, "/etc/dovecot/users");
	CU_ASSERT_STRING_EQUAL(c->aliases_file, "/etc/aliases");
	CU_ASSERT_EQUAL(c->vmail_uid, 5000);
	CU_ASSERT_EQUAL(c->vmail_gid, 5000);
	CU_ASSERT_STRING_EQUAL(c->password_scheme, "SHA512-CRYPT");
	CU_ASSERT_STRING_EQUAL(c->state_dir, "/var/lib/vmailadm");
	CU_ASSERT_STRING_EQUAL(c->archive_dir, "/var/lib/vmailadm/archive");
	CU_ASSERT_STRING_EQUAL(c->theme, "default");
	CU_ASSERT_STRING_EQUAL(c->postmap, "postmap");
	CU_ASSERT_STRING_EQUAL(c->postalias, "postalias");
	CU_ASSERT_STRING_EQUAL(c->postfix, "postfix");
	CU_ASSERT_STRING_EQUAL(c->doveadm, "doveadm");
	CU_ASSERT_STRING_EQUAL(c->postfix_reload, "postfix -c /etc/postfix reload");
	CU_ASSERT_STRING_EQUAL(c->dovecot_reload, "doveadm reload");
	CU_ASSERT_STRING_EQUAL(c->dovecot_mail_location, "maildir:/var/mail/vhosts/%d/%n");
	CU_ASSERT_EQUAL(c->catchall_form, CATCHALL_MAILBOX_MAP);
	CU_ASSERT_EQUAL(c->backups_keep, 10);
	CU_ASSERT_STRING_EQUAL(c->language, "");
	CU_ASSERT_STRING_EQUAL(config_origin(c, "postfix_dir"), "default");
	CU_ASSERT_STRING_EQUAL(config_origin(c, "language"), "default");
}

static void test_empty_file_is_defaults(void)
{
	static const char *const names[] = { "empty.yaml", "comments.yaml" };
	for (size_t i = 0; i < 2; i++) {
		struct config *c = load_ok(names[i]);
		if (!c)
			continue;
		check_defaults(c);
		CU_ASSERT_PTR_NOT_NULL(c->file);
		config_free(&c);
		CU_ASSERT_PTR_NULL(c);
	}
}

static void test_missing_default_file_is_defaults(void)
{
	if (access(CONFIG_DEFAULT_PATH, F_OK) == 0) {
		fprintf(stderr, "(skipped: %s exists) ", CONFIG_DEFAULT_PATH);
		return;
	}
	unsetenv("VMAILADM_CONFIG");
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	CU_ASSERT_EQUAL(config_load(NULL, &c, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NULL(c->file);
	check_defaults(c);
	config_free(&c);
	diags_free(&d);
}

static void test_explicit_missing_file_fails(void)
{
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	CU_ASSERT_EQUAL(config_load("/nonexistent/vmailadm.yaml", &c, &d), -1);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	char *s = diag_format(&d.v[0]);
	CU_ASSERT_STRING_EQUAL(s, "/nonexistent/vmailadm.yaml: error: cannot read the "
				  "configuration file: No such file or directory");
	free(s);
	diags_free(&d);

	/* The same through the environment: a named file must exist. */
	setenv("VMAILADM_CONFIG", "/nonexistent/env.yaml", 1);
	CU_ASSERT_EQUAL(config_load(NULL, &c, &d), -1);
	CU_ASSERT_EQUAL(d.n, 1);
	unsetenv("VMAILADM_CONFIG");
	diags_free(&d);
}

static void test_too_large_file(void)
{
	char path[] = "/tmp/test_config_XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	fputs("# padding\n", fp);
	for (int i = 0; i < 7000; i++)
		fputs("#123456789\n", fp);
	fclose(fp);
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	CU_ASSERT_EQUAL(config_load(path, &c, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "the configuration file is larger than 64 KiB");
	diags_free(&d);
	unlink(path);
}

static void test_load_from_memory(void)
{
	static const char text[] = "postfix_dir: pf\nvmail_uid: 42\n";
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(config_load_mem("/srv/demo/vmailadm.yaml", text, sizeof text - 1,
					      &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->postfix_dir, "/srv/demo/pf");
	CU_ASSERT_STRING_EQUAL(c->postfix_reload, "postfix -c /srv/demo/pf reload");
	CU_ASSERT_EQUAL(c->vmail_uid, 42);
	CU_ASSERT_STRING_EQUAL(config_origin(c, "vmail_uid"), "/srv/demo/vmailadm.yaml:2");
	config_free(&c);
	/* An empty key is an unknown key, not a crash (found by fuzz_config). */
	CU_ASSERT_EQUAL(config_load_mem("/x.yaml", "&a : 1\n", 7, &c, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "unknown key '' (see vmailadm.yaml(5))");
	diags_free(&d);
}

/* domain_limits (issue 15): a mapping kept as canonical text, read back
 * per domain (case-insensitively); bad shapes and values name their line. */
static void test_domain_limits(void)
{
	static const char text[] = "domain_limits:\n"
				   "  A.example: {mailboxes: 50, aliases: 200, quota_total: 20G}\n"
				   "  b.example:\n"
				   "    aliases: 3\n";
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(config_load_mem("/x.yaml", text, sizeof text - 1, &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->domain_limits,
			       "{a.example: {mailboxes: 50, aliases: 200, quota_total: 20G}, b.example: {aliases: 3}}");
	struct domain_limits l;
	CU_ASSERT(config_domain_limits(c, "a.EXAMPLE", &l));
	CU_ASSERT(l.mailboxes == 50 && l.aliases == 200 && l.quota_total == 20LL << 30);
	CU_ASSERT(config_domain_limits(c, "b.example", &l));
	CU_ASSERT(l.mailboxes == -1 && l.aliases == 3 && l.quota_total == -1);
	CU_ASSERT(!config_domain_limits(c, "example", &l));
	CU_ASSERT(!config_domain_limits(c, "c.example", &l));
	config_free(&c);
	CU_ASSERT_EQUAL_FATAL(config_load_mem("/x.yaml", "", 0, &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->domain_limits, "{}");
	CU_ASSERT(!config_domain_limits(c, "a.example", &l));
	config_free(&c);
	static const struct { const char *text, *msg; } bad[] = {
		{ "domain_limits: 5\n", "domain_limits: expected a mapping of domains" },
		{ "domain_limits: {a.example: 5}\n", "a.example: expected a mapping of mailboxes" },
		{ "domain_limits: {a.example: {boxes: 5}}\n", "unknown limit 'boxes'" },
		{ "domain_limits: {a.example: {mailboxes: -1}}\n", "mailboxes: expected a number" },
		{ "domain_limits: {a.example: {quota_total: 20X}}\n", "expected a size such as 20G" },
		{ "domain_limits: {'a b': {mailboxes: 1}}\n", "'a b' is not a domain name" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		diags_free(&d);
		CU_ASSERT_EQUAL(config_load_mem("/x.yaml", bad[i].text, strlen(bad[i].text), &c, &d), -1);
		CU_ASSERT(d.n == 1 && strstr(d.v[0].msg, bad[i].msg) && d.v[0].line == 1);
		if (!(d.n == 1 && strstr(d.v[0].msg, bad[i].msg)))
			fprintf(stderr, "\n%s: %s", bad[i].text, d.n ? d.v[0].msg : "(none)");
	}
	diags_free(&d);
}

static void test_full_file(void)
{
	struct config *c = load_ok("full.yaml");
	if (!c)
		return;
	CU_ASSERT_STRING_EQUAL(c->postfix_dir, "/srv/mail/postfix");
	CU_ASSERT_STRING_EQUAL(c->passwd_file, "/srv/mail/dovecot/users");
	CU_ASSERT_STRING_EQUAL(c->aliases_file, "/srv/mail/aliases");
	CU_ASSERT_EQUAL(c->vmail_uid, 5001);
	CU_ASSERT_EQUAL(c->vmail_gid, 5002);
	CU_ASSERT_STRING_EQUAL(c->password_scheme, "BLF-CRYPT");
	CU_ASSERT_STRING_EQUAL(c->state_dir, "/srv/mail/state");
	CU_ASSERT_STRING_EQUAL(c->archive_dir, "/srv/mail/archive");
	CU_ASSERT_STRING_EQUAL(c->theme, "dark");
	CU_ASSERT_STRING_EQUAL(c->postmap, "/usr/sbin/postmap");
	CU_ASSERT_STRING_EQUAL(c->postalias, "/usr/sbin/postalias");
	CU_ASSERT_STRING_EQUAL(c->postfix, "/usr/sbin/postfix");
	CU_ASSERT_STRING_EQUAL(c->doveadm, "/usr/bin/doveadm");
	CU_ASSERT_STRING_EQUAL(c->postfix_reload, "postfix -c /srv/mail/postfix reload");
	CU_ASSERT_STRING_EQUAL(c->dovecot_reload, "");
	CU_ASSERT_STRING_EQUAL(c->dovecot_mail_location, "maildir:/srv/mail/vhosts/%d/%n");
	CU_ASSERT_EQUAL(c->catchall_form, CATCHALL_IDENTITY);
	CU_ASSERT_EQUAL(c->backups_keep, 0);
	CU_ASSERT_STRING_EQUAL(c->language, "fr");

	char *path = fixture("full.yaml");
	CU_ASSERT_STRING_EQUAL(c->file, path);
	char *want = xasprintf("%s:6", path);
	CU_ASSERT_STRING_EQUAL(config_origin(c, "vmail_gid"), want);
	free(want);
	want = xasprintf("%s:20", path);
	CU_ASSERT_STRING_EQUAL(config_origin(c, "language"), want);
	free(want);
	CU_ASSERT_PTR_NULL(config_origin(c, "no_such_setting"));
	free(path);

	/* An empty reload command disables the reload. */
	char **argv = config_command_argv(c, c->dovecot_reload);
	CU_ASSERT_PTR_NULL(argv);
	argv = config_command_argv(c, c->postfix_reload);
	CU_ASSERT_PTR_NOT_NULL_FATAL(argv);
	CU_ASSERT_STRING_EQUAL(argv[0], "postfix");
	CU_ASSERT_STRING_EQUAL(argv[1], "-c");
	CU_ASSERT_STRING_EQUAL(argv[2], "/srv/mail/postfix");
	CU_ASSERT_STRING_EQUAL(argv[3], "reload");
	CU_ASSERT_PTR_NULL(argv[4]);
	config_argv_free(&argv);
	CU_ASSERT_PTR_NULL(argv);

	/* language: fr takes effect through $LANGUAGE. */
	unsetenv("LANGUAGE");
	config_apply_language(c);
	CU_ASSERT_STRING_EQUAL(getenv("LANGUAGE") ? getenv("LANGUAGE") : "(unset)", "fr");
	unsetenv("LANGUAGE");
	config_free(&c);
}

static void test_relative_paths(void)
{
	struct config *c = load_ok("relative.yaml");
	if (!c)
		return;
	/* The fixture directory, absolute. */
	char *path = fixture("relative.yaml");
	struct strbuf dir = STRBUF_INIT;
	if (path[0] != '/') {
		char cwd[4096];
		CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
		sb_addf(&dir, "%s/", cwd);
	}
	sb_adds(&dir, path);
	sb_truncate(&dir, (size_t)(strrchr(dir.buf, '/') - dir.buf));
	/* The loader normalises "." and ".." (top_srcdir is "build/.." after
	 * `../configure`): compare with the resolved directory. */
	char resolved[4096];
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(dir.buf, resolved));
	const char *d = resolved;
	char *s;
	CU_ASSERT_EQUAL(d[0], '/');
	s = xasprintf("%s/postfix", d);
	CU_ASSERT_STRING_EQUAL(c->postfix_dir, s);
	free(s);
	s = xasprintf("%s/dovecot/users", d);
	CU_ASSERT_STRING_EQUAL(c->passwd_file, s);
	free(s);
	/* "../aliases": one level up from the fixture directory. */
	s = xstrdup(d);
	*strrchr(s, '/') = '\0';
	char *up = xasprintf("%s/aliases", s);
	CU_ASSERT_STRING_EQUAL(c->aliases_file, up);
	free(up);
	free(s);
	CU_ASSERT_STRING_EQUAL(c->state_dir, d);
	s = xasprintf("%s/themes/mine.yaml", d);
	CU_ASSERT_STRING_EQUAL(c->theme, s);
	free(s);
	s = xasprintf("%s/bin/fake-postmap", d);
	CU_ASSERT_STRING_EQUAL(c->postmap, s);
	free(s);
	/* A bare program name stays a name, looked up in PATH at run time. */
	CU_ASSERT_STRING_EQUAL(c->postalias, "postalias");
	s = xasprintf("%s/postfix/reload.sh --dir=%s/postfix", d, d);
	CU_ASSERT_STRING_EQUAL(c->postfix_reload, s);
	free(s);
	/* Absolute defaults are untouched. */
	CU_ASSERT_STRING_EQUAL(c->archive_dir, "/var/lib/vmailadm/archive");
	sb_free(&dir);
	free(path);
	config_free(&c);
}

static void test_placeholder_order_independent(void)
{
	struct config *c = load_ok("order.yaml");
	if (!c)
		return;
	CU_ASSERT_STRING_EQUAL(c->postfix_reload, "postfix -c /srv/pf reload");
	CU_ASSERT_STRING_EQUAL(c->dovecot_reload,
			       "doveadm -c /srv/pf/../dovecot/dovecot.conf reload");
	config_free(&c);
}

static void test_env_override(void)
{
	char *full = fixture("full.yaml"), *rel = fixture("relative.yaml");
	struct diags d = DIAGS_INIT;
	struct config *c = NULL;
	setenv("VMAILADM_CONFIG", full, 1);
	CU_ASSERT_EQUAL_FATAL(config_load(NULL, &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->file, full);
	CU_ASSERT_STRING_EQUAL(c->postfix_dir, "/srv/mail/postfix");
	char *mem = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&mem, &len);
	config_print(c, fp, true);
	fclose(fp);
	json_t *j = json_loads(mem, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "file_origin")), "environment");
	json_decref(j);
	free(mem);
	config_free(&c);

	/* --config (an explicit path) wins over the environment. */
	CU_ASSERT_EQUAL_FATAL(config_load(rel, &c, &d), 0);
	CU_ASSERT_STRING_EQUAL(c->file, rel);
	CU_ASSERT_STRING_EQUAL(c->password_scheme, "SHA512-CRYPT");
	config_free(&c);
	unsetenv("VMAILADM_CONFIG");
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
	free(full);
	free(rel);
}

static void test_unknown_key(void)
{
	static const char *const want[] = {
		"2: error: unknown key 'postfx_dir'; did you mean 'postfix_dir'?",
		"3: error: unknown key 'colour_scheme' (see vmailadm.yaml(5))",
		NULL,
	};
	load_fails("unknown-key.yaml", want);
}

static void test_wrong_type(void)
{
	static const char *const want[] = {
		"2: error: postfix_dir: expected a single value, found a mapping",
		"3: error: vmail_uid: expected an integer, found 'five thousand'",
		"4: error: theme: expected a single value, found a list",
		NULL,
	};
	load_fails("wrong-type.yaml", want);
}

static void test_bad_values(void)
{
	static const char *const want[] = {
		"1: error: password_scheme: PLAIN is refused: it stores the password itself "
		"(or a fast, unsalted digest of it) in the passwd-file, so anyone who reads that "
		"file or a backup of it has every password; use SHA512-CRYPT, BLF-CRYPT or CRYPT",
		"2: error: vmail_uid: 0 is out of range (1 to 4294967294)",
		"3: error: vmail_gid: 99999999999 is out of range (1 to 4294967294)",
		"4: error: backups_keep: -1 is out of range (0 to 100000)",
		"5: error: catchall_form: unknown value 'alias-map'; expected one of mailbox-map, "
		"identity",
		"6: error: dovecot_mail_location: 'mdbox:~/mdbox' is not supported: only "
		"maildir:PATH locations are",
		"7: error: state_dir: must not be empty",
		NULL,
	};
	load_fails("bad-values.yaml", want);
}

static void test_duplicate_key(void)
{
	static const char *const want[] = {
		"3: error: duplicate key 'postfix_dir' (first set at line 1)",
		NULL,
	};
	load_fails("duplicate.yaml", want);
}

static void test_yaml_syntax(void)
{
	static const char *const unterminated[] = {
		"4: error: YAML syntax error: found unexpected end of stream (while scanning a "
		"quoted scalar at line 2)",
		NULL,
	};
	load_fails("syntax.yaml", unterminated);
	static const char *const indent[] = {
		"2: error: YAML syntax error: mapping values are not allowed in this context",
		NULL,
	};
	load_fails("syntax2.yaml", indent);
}

static void test_top_level_shape(void)
{
	static const char *const list[] = {
		"1: error: the top level must be a mapping of settings (key: value), found a list",
		NULL,
	};
	load_fails("not-mapping.yaml", list);
	static const char *const two[] = {
		"3: error: only one YAML document is allowed; remove the second one",
		NULL,
	};
	load_fails("two-docs.yaml", two);
}

static void test_all_errors_reported(void)
{
	static const char *const want[] = {
		"3: error: vmail_gid: -5 is out of range (1 to 4294967294)",
		"4: error: unknown key 'pasword_scheme'; did you mean 'password_scheme'?",
		"6: error: catchall_form: expected a single value, found a list",
		NULL,
	};
	load_fails("many-errors.yaml", want);
}

static void test_print_text_and_json(void)
{
	struct config *c = load_ok("full.yaml");
	if (!c)
		return;
	char *path = fixture("full.yaml");
	char *mem = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&mem, &len);
	config_print(c, fp, false);
	fclose(fp);
	/* Names padded to the longest (dovecot_mail_location, 21 chars). */
	char *want = xasprintf("\nvmail_uid             = 5001 ");
	CU_ASSERT_PTR_NOT_NULL(strstr(mem, want));
	free(want);
	want = xasprintf("(%s:5)\n", path);
	CU_ASSERT_PTR_NOT_NULL(strstr(mem, want));
	free(want);
	CU_ASSERT_PTR_NOT_NULL(strstr(mem, "\ndovecot_reload        = \"\" "));
	want = xasprintf("# configuration file: %s (from --config)\n", path);
	CU_ASSERT_EQUAL(strncmp(mem, want, strlen(want)), 0);
	free(want);
	/* 29 settings plus the header line. */
	size_t lines = 0;
	for (char *p = mem; *p; p++)
		lines += *p == '\n';
	CU_ASSERT_EQUAL(lines, 30);
	free(mem);

	mem = NULL;
	fp = open_memstream(&mem, &len);
	config_print(c, fp, true);
	fclose(fp);
	json_error_t err;
	json_t *j = json_loads(mem, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "file")), path);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "file_origin")),
			       "command line");
	json_t *set = json_object_get(j, "settings");
	CU_ASSERT_EQUAL(json_object_size(set), 29);
	json_t *uid = json_object_get(set, "vmail_uid");
	CU_ASSERT_TRUE(json_is_integer(json_object_get(uid, "value")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(uid, "value")), 5001);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(uid, "line")), 5);
	json_t *cf = json_object_get(set, "catchall_form");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(cf, "value")), "identity");
	json_decref(j);
	free(mem);
	free(path);
	config_free(&c);
}

/* The committed man page must be exactly what the table prints now. */
static void test_man_page_up_to_date(void)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&mem, &len);
	config_print_man(fp);
	fclose(fp);

	const char *top = getenv("top_srcdir");
	char *path = xasprintf("%s/doc/vmailadm.yaml.5", top ? top : ".");
	struct strbuf file = STRBUF_INIT;
	FILE *in = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		sb_add(&file, buf, n);
	fclose(in);
	CU_ASSERT_EQUAL(file.len, len);
	CU_ASSERT(file.len == len && memcmp(file.buf, mem, len) == 0);
	if (file.len != len || memcmp(file.buf, mem, len) != 0)
		fprintf(stderr, "\n%s is stale: regenerate it with "
			"`make update-man` (vmailadm config --man)\n", path);
	/* Every setting is documented. */
	CU_ASSERT_PTR_NOT_NULL(strstr(mem, ".B catchall_form\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(mem, ".B vmail_uid\n"));
	sb_free(&file);
	free(path);
	free(mem);
}

/* doveconf's output as Dovecot 2.3 prints it: settings, then the sections
 * with their fields (nested sections ignored). */
static void test_doveconf_parse(void)
{
	static const char out[] =
		"mail_location = maildir:~/Maildir:LAYOUT=fs\n"
		"first_valid_uid = 5000\n"
		"passdb {\n"
		"  args = scheme=SHA512-CRYPT username_format=%u /srv/dovecot/users\n"
		"  default_fields = \n"
		"  driver = passwd-file\n"
		"}\n"
		"userdb {\n"
		"  args = uid=5000 gid=5000 home=/srv/mail/%d/%n\n"
		"  driver = static\n"
		"}\n"
		"userdb {\n"
		"  args = username_format=%u /srv/dovecot/users\n"
		"  default_fields = uid=vmail gid=vmail home=/srv/h/%u\n"
		"  driver = passwd-file\n"
		"  override_fields = \n"
		"}\n";
	struct doveconf *dc = doveconf_parse(out, sizeof out - 1);
	CU_ASSERT_STRING_EQUAL(dc->mail_location, "maildir:~/Maildir:LAYOUT=fs");
	CU_ASSERT_EQUAL(dc->first_valid_uid, 5000);
	CU_ASSERT_EQUAL_FATAL(dc->npassdb, 1);
	CU_ASSERT_STRING_EQUAL(dc->passdb[0].driver, "passwd-file");
	CU_ASSERT_STRING_EQUAL(dc->passdb[0].default_fields, "");
	CU_ASSERT_EQUAL_FATAL(dc->nuserdb, 2);
	/* The userdb of the passwd-file managed, not merely the first. */
	const struct doveconf_db *u = doveconf_userdb(dc, "/srv/dovecot/users");
	CU_ASSERT_PTR_EQUAL(u, &dc->userdb[1]);
	CU_ASSERT_PTR_EQUAL(doveconf_userdb(dc, "/srv/dovecot/users2"), &dc->userdb[0]);
	char *h = doveconf_field(u->default_fields, "", "home");
	CU_ASSERT_STRING_EQUAL(h, "/srv/h/%u");
	free(h);
	CU_ASSERT_PTR_NULL(doveconf_field(u->default_fields, "", "mail"));
	h = doveconf_field("userdb_quota_rule=*:storage=1G userdb_home=/h/x", "userdb_", "home");
	CU_ASSERT_STRING_EQUAL(h, "/h/x");
	free(h);
	doveconf_free(&dc);
	CU_ASSERT_PTR_NULL(dc);
}

static void write_exec(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0755);
}

/* doveconf_apply asks about the dovecot.conf beside passwd_file only: none
 * there leaves the built-in location; one there gives Dovecot's, unless
 * the file sets dovecot_mail_location (an override). */
static void test_doveconf_apply(void)
{
	char dir[] = "/tmp/vmailadm-dc-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *prog = xasprintf("%s/doveconf", dir), *conf = xasprintf("%s/dovecot.conf", dir);
	char *args = xasprintf("%s/args", dir);
	char *script = xasprintf("#!/bin/sh\necho \"$@\" >%s\n"
				 "echo 'mail_location = maildir:~/Maildir'\necho 'first_valid_uid = 1000'\n", args);
	write_exec(prog, script);
	char *yaml = xasprintf("passwd_file: %s/users\ndoveconf: %s\n", dir, prog);
	struct config *c = NULL;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(config_load_mem("t.yaml", yaml, strlen(yaml), &c, &d), 0);
	CU_ASSERT_EQUAL(doveconf_apply(c, &d), 0);
	CU_ASSERT_PTR_NULL(c->dovecot);       /* no dovecot.conf: nothing asked */
	CU_ASSERT_EQUAL(access(args, F_OK), -1);
	CU_ASSERT_STRING_EQUAL(c->dovecot_mail_location, "maildir:/var/mail/vhosts/%d/%n");
	config_free(&c);

	write_exec(conf, "# only its name matters to the fake doveconf\n");
	CU_ASSERT_EQUAL_FATAL(config_load_mem("t.yaml", yaml, strlen(yaml), &c, &d), 0);
	CU_ASSERT_EQUAL(doveconf_apply(c, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->dovecot);
	CU_ASSERT_EQUAL(c->dovecot->first_valid_uid, 1000);
	CU_ASSERT_STRING_EQUAL(c->dovecot_mail_location, "maildir:~/Maildir");
	char *origin = xasprintf("doveconf %s", conf);
	CU_ASSERT_STRING_EQUAL(config_origin(c, "dovecot_mail_location"), origin);
	free(origin);
	struct strbuf got = STRBUF_INIT;
	FILE *f = fopen(args, "r");
	char line[512];
	if (f && fgets(line, sizeof line, f))
		sb_adds(&got, line);
	if (f)
		fclose(f);
	char *want = xasprintf("-c %s mail_location first_valid_uid passdb userdb\n", conf);
	CU_ASSERT_STRING_EQUAL(sb_str(&got), want);
	free(want);
	sb_free(&got);
	config_free(&c);

	char *yaml2 = xasprintf("%sdovecot_mail_location: maildir:/m/%%d/%%n\n", yaml);
	CU_ASSERT_EQUAL_FATAL(config_load_mem("t.yaml", yaml2, strlen(yaml2), &c, &d), 0);
	CU_ASSERT_EQUAL(doveconf_apply(c, &d), 0);
	CU_ASSERT_PTR_NOT_NULL(c->dovecot);   /* asked, for the userdb ... */
	CU_ASSERT_STRING_EQUAL(c->dovecot_mail_location, "maildir:/m/%d/%n"); /* ... not obeyed */
	CU_ASSERT_STRING_EQUAL(config_origin(c, "dovecot_mail_location"), "t.yaml:3");
	config_free(&c);

	/* A broken dovecot.conf: a warning naming it, the built-in values. */
	write_exec(prog, "#!/bin/sh\necho 'doveconf: Fatal: Error in configuration file' >&2\nexit 89\n");
	CU_ASSERT_EQUAL_FATAL(config_load_mem("t.yaml", yaml, strlen(yaml), &c, &d), 0);
	CU_ASSERT_EQUAL(doveconf_apply(c, &d), 0);
	CU_ASSERT_PTR_NULL(c->dovecot);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT(d.n == 1 && d.v[0].level == DIAG_WARNING && !strcmp(d.v[0].file, conf));
	CU_ASSERT_STRING_EQUAL(c->dovecot_mail_location, "maildir:/var/mail/vhosts/%d/%n");
	config_free(&c);
	diags_free(&d);

	unlink(prog); unlink(conf); unlink(args);
	rmdir(dir);
	free(prog); free(conf); free(args); free(script); free(yaml); free(yaml2);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "empty file = defaults", test_empty_file_is_defaults },
		{ "missing default file = defaults", test_missing_default_file_is_defaults },
		{ "explicit missing file fails", test_explicit_missing_file_fails },
		{ "too large file", test_too_large_file },
		{ "load from memory", test_load_from_memory },
		{ "full file", test_full_file },
		{ "domain_limits", test_domain_limits },
		{ "relative paths", test_relative_paths },
		{ "{postfix_dir} in any order", test_placeholder_order_independent },
		{ "VMAILADM_CONFIG and --config", test_env_override },
		{ "unknown key", test_unknown_key },
		{ "wrong type", test_wrong_type },
		{ "bad values", test_bad_values },
		{ "duplicate key", test_duplicate_key },
		{ "YAML syntax error", test_yaml_syntax },
		{ "top level shape", test_top_level_shape },
		{ "all errors reported", test_all_errors_reported },
		{ "print text and JSON", test_print_text_and_json },
		{ "man page up to date", test_man_page_up_to_date },
		{ "doveconf output", test_doveconf_parse },
		{ "doveconf beside passwd_file", test_doveconf_apply },
		CU_TEST_INFO_NULL,
	};
	return cu_run("config", tests);
}
