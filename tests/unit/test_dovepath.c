/* Unit tests for dovepath: where Dovecot looks for a user's maildir, from
 * mail_location, the passwd-file line and the userdb doveconf reports. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/config.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/dovepath.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static struct config *cfg_with(const char *location, const char *doveconf_out)
{
	struct config *c = xcalloc(1, sizeof *c);
	c->passwd_file = xstrdup("/srv/dovecot/users");
	c->dovecot_mail_location = xstrdup(location);
	if (doveconf_out)
		c->dovecot = doveconf_parse(doveconf_out, strlen(doveconf_out));
	return c;
}

static void cfg_free(struct config *c)
{
	free(c->passwd_file);
	free(c->dovecot_mail_location);
	doveconf_free(&c->dovecot);
	free(c);
}

static char user[] = "info@example.com", pass[] = "{PLAIN}x", id[] = "5000", none[] = "";
static struct strbuf linebuf = STRBUF_INIT;

/* One passwd-file line of info@example.com with this home and extra fields
 * (valid until the next). */
static struct pwfile_entry entry(const char *home, const char *extra)
{
	struct pwfile_fields f = { .user = user, .password = pass, .uid = id, .gid = id,
				   .gecos = none, .home = home, .shell = none, .extra = extra };
	struct pwfile_entry e;
	pwfile_entry_of(&f, &linebuf, &e);
	return e;
}

/* Expect dovepath_maildir to answer st (and path when found). */
static void expect(const struct config *c, const struct pwfile_entry *e, enum dovepath_status st,
		   const char *path)
{
	char *out = NULL;
	enum dovepath_status got = dovepath_maildir(c, e, "info@example.com", &out);
	CU_ASSERT_EQUAL(got, st);
	if (path) {
		CU_ASSERT(out && !strcmp(out, path));
		if (!out || strcmp(out, path))
			fprintf(stderr, "\n  want %s, got %s\n", path, out ? out : "(null)");
	} else {
		CU_ASSERT_PTR_NULL(out);
	}
	free(out);
}

static void test_absolute_location(void)
{
	struct config *c = cfg_with("maildir:/var/mail/vhosts/%d/%n", NULL);
	expect(c, NULL, DOVEPATH_FOUND, "/var/mail/vhosts/example.com/info");
	free(c->dovecot_mail_location);
	c->dovecot_mail_location = xstrdup("maildir:/m/%{domain}/%Lu/:LAYOUT=fs:INDEX=/i/%u");
	expect(c, NULL, DOVEPATH_FOUND, "/m/example.com/info@example.com");
	free(c->dovecot_mail_location);
	c->dovecot_mail_location = xstrdup("maildir:/m/%r/%n");   /* %r: not modelled */
	expect(c, NULL, DOVEPATH_UNKNOWN, NULL);
	cfg_free(c);
}

/* ~/Maildir: the home of the passwd-file line (field 6, or userdb_home),
 * and without one, no home: Dovecot cannot open the mailbox. */
static void test_home_from_passwd_file(void)
{
	struct config *c = cfg_with("maildir:~/Maildir", NULL);
	struct pwfile_entry e = entry("/var/mail/vhosts/example.com/info", "");
	expect(c, &e, DOVEPATH_FOUND, "/var/mail/vhosts/example.com/info/Maildir");
	e = entry("", "userdb_quota_rule=*:storage=1G userdb_home=/h/%d/%n");
	expect(c, &e, DOVEPATH_FOUND, "/h/example.com/info/Maildir");
	e = entry("", "");
	expect(c, &e, DOVEPATH_NO_HOME, NULL);
	expect(c, NULL, DOVEPATH_NO_HOME, NULL);
	free(c->dovecot_mail_location);
	c->dovecot_mail_location = xstrdup("maildir:%h/mail");
	e = entry("/home/x/", "");
	expect(c, &e, DOVEPATH_FOUND, "/home/x//mail");
	/* a per-user mail= wins over mail_location */
	e = entry("/home/x", "userdb_mail=maildir:/other/%n");
	expect(c, &e, DOVEPATH_FOUND, "/other/info");
	cfg_free(c);
}

/* The userdb doveconf reports: a static userdb ignores the line's home,
 * default_fields give one where the line has none, override_fields win. */
static void test_home_from_userdb(void)
{
	struct config *c = cfg_with("maildir:~/Maildir",
		"userdb {\n  args = uid=5000 gid=5000 home=/s/%d/%n\n  driver = static\n}\n");
	struct pwfile_entry e = entry("/ignored", "");
	expect(c, &e, DOVEPATH_FOUND, "/s/example.com/info/Maildir");
	cfg_free(c);
	c = cfg_with("maildir:~/Maildir",
		"userdb {\n  args = /srv/dovecot/users\n  default_fields = home=/d/%u\n"
		"  driver = passwd-file\n  override_fields = \n}\n");
	e = entry("", "");
	expect(c, &e, DOVEPATH_FOUND, "/d/info@example.com/Maildir");
	e = entry("/line", "");
	expect(c, &e, DOVEPATH_FOUND, "/line/Maildir");
	cfg_free(c);
	c = cfg_with("maildir:~/Maildir",
		"userdb {\n  args = /srv/dovecot/users\n  driver = passwd-file\n"
		"  override_fields = home=/o/%n mail=maildir:~/M2\n}\n");
	expect(c, &e, DOVEPATH_FOUND, "/o/info/M2");
	cfg_free(c);
	/* An SQL userdb gives homes vmailadm cannot see: unknown, not absent. */
	c = cfg_with("maildir:~/Maildir",
		"userdb {\n  args = /etc/dovecot/dovecot-sql.conf.ext\n  driver = sql\n}\n");
	e = entry("", "");
	expect(c, &e, DOVEPATH_UNKNOWN, NULL);
	CU_ASSERT_FALSE(dovepath_modelled(c));
	cfg_free(c);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "absolute location", test_absolute_location },
		{ "home from the passwd-file", test_home_from_passwd_file },
		{ "home from the userdb", test_home_from_userdb },
		CU_TEST_INFO_NULL,
	};
	return cu_run("dovepath", tests);
}
