/* Unit tests for the mail model on the fixture servers of
 * tests/fixtures/world/NAME/: each tree is copied to a temporary directory
 * with @DIR@ replaced by that directory (main.cf needs absolute paths). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "worldtree.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

/* ---- fixture trees ---- */

/* The world/NAME tree from worldtree.h, with a config that names only the
 * three files: the model tests load without a mail location, a password
 * scheme or a vmail owner, as they always have. */
static struct config *tree_make(const char *name)
{
	struct config *cfg = wt_make(name);
	if (!cfg)
		return NULL;
	free(cfg->password_scheme);
	cfg->password_scheme = NULL;
	free(cfg->dovecot_mail_location);
	cfg->dovecot_mail_location = NULL;
	cfg->vmail_uid = 0;
	cfg->vmail_gid = 0;
	return cfg;
}

static struct world *load(const char *name, struct diags *d)
{
	struct config *cfg = tree_make(name);
	struct world *w = NULL;
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(world_load(cfg, &w, d), 0);
	wt_cfg_free(cfg);
	return w;
}

static bool has_diag(const struct diags *d, enum diag_level lvl, const char *file_end,
		     unsigned line, const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		if (g->level != lvl || (line && g->line != line))
			continue;
		if (file_end && (!g->file || strlen(g->file) < strlen(file_end) ||
				 strcmp(g->file + strlen(g->file) - strlen(file_end), file_end) != 0))
			continue;
		if (needle && !strstr(g->msg, needle))
			continue;
		return true;
	}
	return false;
}

static const char *const *target_addrs(const struct alias *a, const char **buf, size_t max)
{
	for (size_t i = 0; i < a->ntargets && i < max; i++)
		buf[i] = a->targets[i].address;
	return buf;
}

/* ---- basic: inline domain list, both kinds of catch-all, quotas ---- */

static void test_basic_domains(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("basic", &d);
	CU_ASSERT_FATAL(w != NULL);
	size_t n;
	const struct domain *doms = world_domains(w, &n);
	/* two mailbox domains + mydestination's three names, sorted */
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_STRING_EQUAL(doms[0].name, "andromed.cloud");
	CU_ASSERT_STRING_EQUAL(doms[1].name, "ascent.cloud");
	CU_ASSERT_STRING_EQUAL(doms[2].name, "localhost");
	CU_ASSERT_STRING_EQUAL(doms[3].name, "localhost.example.test");
	CU_ASSERT_STRING_EQUAL(doms[4].name, "mail.example.test");
	CU_ASSERT_EQUAL(doms[0].class, DOMAIN_VIRTUAL_MAILBOX);
	CU_ASSERT_EQUAL(doms[4].class, DOMAIN_LOCAL);
	CU_ASSERT_FALSE(doms[0].conflict);
	CU_ASSERT_EQUAL(doms[0].nmailboxes, 4);
	CU_ASSERT_EQUAL(doms[0].naliases, 7);
	CU_ASSERT_EQUAL(doms[1].nmailboxes, 2);
	CU_ASSERT_EQUAL(doms[1].naliases, 0);
	/* listed inline in main.cf: the listing points at the parameter */
	CU_ASSERT_EQUAL_FATAL(doms[1].nlistings, 1);
	CU_ASSERT_EQUAL(doms[1].listings[0].line, 6);
	CU_ASSERT_PTR_NOT_NULL(strstr(doms[1].listings[0].file, "main.cf"));
	/* catch-alls: alias map for andromed, mailbox map for ascent */
	CU_ASSERT_PTR_NOT_NULL(doms[0].catchall_alias);
	CU_ASSERT_PTR_NULL(doms[0].catchall_mailbox);
	CU_ASSERT_PTR_NULL(doms[1].catchall_alias);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doms[1].catchall_mailbox);
	CU_ASSERT_STRING_EQUAL(doms[1].catchall_mailbox->target, "ascent.cloud/contact/");
	CU_ASSERT_EQUAL(doms[1].catchall_mailbox->line, 10);
	const struct catchall *c = world_catchalls(w, &n);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(c[0].domain, "andromed.cloud");
	CU_ASSERT_EQUAL(c[0].map, CATCHALL_IN_ALIAS_MAP);
	CU_ASSERT_STRING_EQUAL(c[0].target, "admin@andromed.cloud");
	CU_ASSERT_EQUAL(c[1].map, CATCHALL_IN_MAILBOX_MAP);
	CU_ASSERT_EQUAL(world_domain_class(w, "ANDROMED.cloud", NULL), DOMAIN_VIRTUAL_MAILBOX);
	CU_ASSERT_EQUAL(world_domain_class(w, "localhost", NULL), DOMAIN_LOCAL);
	CU_ASSERT_EQUAL(world_domain_class(w, "gmail.com", NULL), DOMAIN_OTHER);
	CU_ASSERT_PTR_EQUAL(world_domain_find(w, "Ascent.Cloud"), &doms[1]);
	world_free(&w);
	CU_ASSERT_PTR_NULL(w);
	diags_free(&d);
}

static void test_basic_mailboxes(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("basic", &d);
	CU_ASSERT_FATAL(w != NULL);
	size_t n;
	const struct mailbox *b = world_mailboxes(w, &n);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	const char *want[] = { "admin@andromed.cloud", "contact@andromed.cloud",
			       "janedoe@andromed.cloud", "johndoe@andromed.cloud",
			       "admin@ascent.cloud", "contact@ascent.cloud" };
	for (size_t i = 0; i < 6; i++)
		CU_ASSERT_STRING_EQUAL(b[i].address, want[i]);
	/* case folding and the first duplicate winning */
	const struct mailbox *j = world_mailbox_find(w, "JOHNDOE@andromed.CLOUD");
	CU_ASSERT_PTR_EQUAL_FATAL(j, &b[3]);
	CU_ASSERT_STRING_EQUAL(j->value, "andromed.cloud/johndoe/");
	CU_ASSERT_EQUAL(j->line, 2);
	CU_ASSERT_STRING_EQUAL(j->local, "johndoe");
	CU_ASSERT_STRING_EQUAL(j->domain, "andromed.cloud");
	char *path = xasprintf("%s/mail/andromed.cloud/johndoe/", wt_dir);
	CU_ASSERT_STRING_EQUAL(j->maildir, path);
	free(path);
	CU_ASSERT_TRUE(j->is_maildir);
	CU_ASSERT_FALSE(b[0].is_maildir);   /* admin: no trailing slash = mbox */
	/* passwd-file and quotas */
	CU_ASSERT_PTR_NOT_NULL_FATAL(j->pw);
	CU_ASSERT_EQUAL(j->pw->line, 2);
	CU_ASSERT_STRING_EQUAL(j->quota_rule, "*:storage=1G");
	CU_ASSERT_EQUAL(j->quota_bytes, 1073741824LL);
	CU_ASSERT_EQUAL(b[2].quota_bytes, 512000LL * 1024);  /* kilobytes without suffix */
	CU_ASSERT_EQUAL(b[1].quota_bytes, 0);                /* unlimited */
	CU_ASSERT_EQUAL(b[4].quota_bytes, 1048576);          /* bytes= */
	CU_ASSERT_PTR_NULL(b[0].pw);
	CU_ASSERT_EQUAL(b[0].quota_bytes, -1);
	/* the alias catch-all swallows the mailboxes without an alias entry */
	CU_ASSERT_FALSE(j->swallowed);
	CU_ASSERT_PTR_NOT_NULL(j->alias);
	CU_ASSERT_TRUE(b[2].swallowed);
	CU_ASSERT_FALSE(b[4].swallowed);   /* ascent's catch-all is in the mailbox map */
	/* per-domain range */
	const struct domain *asc = world_domain_find(w, "ascent.cloud");
	CU_ASSERT_FATAL(asc != NULL);
	const struct mailbox *r = world_domain_mailboxes(w, asc, &n);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_EQUAL(r, &b[4]);
	/* the catch-all is not a mailbox but is found as "@domain" */
	const struct mailbox *cb = world_mailbox_find(w, "@ascent.cloud");
	CU_ASSERT_PTR_NOT_NULL(cb);
	world_free(&w);
	diags_free(&d);
}

static void test_basic_aliases(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("basic", &d);
	CU_ASSERT_FATAL(w != NULL);
	size_t n;
	const struct alias *a = world_aliases(w, &n);
	CU_ASSERT_EQUAL_FATAL(n, 8);
	CU_ASSERT_STRING_EQUAL(a[0].address, "@andromed.cloud");  /* catch-all first */
	CU_ASSERT_TRUE(a[0].is_catchall);
	const struct domain *dom = world_domain_find(w, "andromed.cloud");
	size_t dn;
	const struct alias *da = world_domain_aliases(w, dom, &dn);
	CU_ASSERT_EQUAL(dn, 7);
	CU_ASSERT_STRING_EQUAL(da[0].address, "all@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(da[6].address, "team@andromed.cloud");

	/* a key written in mixed case, with a continuation line */
	const struct alias *team = world_alias_find(w, "team@andromed.cloud");
	CU_ASSERT_FATAL(team != NULL);
	CU_ASSERT_EQUAL_FATAL(team->ntargets, 3);
	const char *buf[3];
	target_addrs(team, buf, 3);
	CU_ASSERT_STRING_EQUAL(buf[0], "johndoe@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(buf[1], "janedoe@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(buf[2], "boss@elsewhere.example");
	CU_ASSERT_EQUAL(team->targets[0].class, TARGET_ALIAS);    /* johndoe has an identity entry */
	CU_ASSERT_EQUAL(team->targets[1].class, TARGET_CATCHALL); /* swallowed by @andromed.cloud */
	CU_ASSERT_EQUAL(team->targets[2].class, TARGET_EXTERNAL);
	CU_ASSERT_EQUAL(team->line, 3);

	const struct alias *self = world_alias_find(w, "johndoe@andromed.cloud");
	CU_ASSERT_FATAL(self != NULL);
	CU_ASSERT_TRUE(self->is_identity);
	CU_ASSERT_EQUAL(self->targets[0].class, TARGET_MAILBOX);
	CU_ASSERT_PTR_EQUAL(self->targets[0].mailbox, world_mailbox_find(w, "johndoe@andromed.cloud"));

	const struct alias *pm = world_alias_find(w, "postmaster@andromed.cloud");
	CU_ASSERT_EQUAL(pm->targets[0].class, TARGET_LOCAL);
	const struct alias *ghost = world_alias_find(w, "ghost@andromed.cloud");
	CU_ASSERT_EQUAL(ghost->targets[0].class, TARGET_CATCHALL); /* ascent: mailbox-map catch-all */
	CU_ASSERT_EQUAL(ghost->targets[1].class, TARGET_CATCHALL);
	CU_ASSERT_EQUAL(world_alias_find(w, "facturation@andromed.cloud")->targets[0].class,
			TARGET_EXTERNAL);

	/* the system aliases are loaded */
	CU_ASSERT_EQUAL(aliases_count(world_system_aliases(w)), 3);
	world_free(&w);
	diags_free(&d);
}

static void test_reverse_index(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("basic", &d);
	CU_ASSERT_FATAL(w != NULL);
	size_t n;
	const struct alias *const *v = world_aliases_to(w, "JohnDoe@andromed.cloud", &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(v[0]->address, "info@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(v[1]->address, "johndoe@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(v[2]->address, "team@andromed.cloud");
	const struct alias **r = world_aliases_reaching(w, "johndoe@andromed.cloud", &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);   /* all@ reaches johndoe through team@; not itself */
	CU_ASSERT_STRING_EQUAL(r[0]->address, "all@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(r[1]->address, "info@andromed.cloud");
	CU_ASSERT_STRING_EQUAL(r[2]->address, "team@andromed.cloud");
	free(r);
	v = world_aliases_to(w, "nobody@nowhere.example", &n);
	CU_ASSERT_EQUAL(n, 0);
	r = world_aliases_reaching(w, "boss@elsewhere.example", &n);
	CU_ASSERT_EQUAL(n, 2);   /* team, all */
	free(r);
	world_free(&w);
	diags_free(&d);
}

static void test_maps_kept(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("basic", &d);
	CU_ASSERT_FATAL(w != NULL);
	/* and the sender login map beside main.cf (sendas.h), read though absent */
	CU_ASSERT_EQUAL(world_map_count(w), 3);
	struct world_map *sl = world_map_for(w, MAP_SENDER_LOGIN);
	CU_ASSERT(sl && sl->table && table_count(sl->table) == 0 && !doc_exists(table_doc(sl->table)));
	struct world_map *mb = world_map_for(w, MAP_VIRTUAL_MAILBOX);
	struct world_map *al = world_map_for(w, MAP_VIRTUAL_ALIAS);
	CU_ASSERT_FATAL(mb && al && mb != al);
	CU_ASSERT_STRING_EQUAL(mb->ref.type, "hash");
	CU_ASSERT_PTR_NOT_NULL(strstr(mb->ref.path, "/etc/postfix/vmailbox"));
	CU_ASSERT_EQUAL(table_count(mb->table), 8);
	CU_ASSERT_PTR_NOT_NULL(world_maincf(w));
	CU_ASSERT_EQUAL(pwfile_count(world_pwfile(w)), 5);
	world_free(&w);
	diags_free(&d);
}

/* ---- a /file/name domain list, an unsupported map, an mbox ---- */

static void test_filelist(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("filelist", &d);
	CU_ASSERT_FATAL(w != NULL);
	CU_ASSERT_TRUE(has_diag(&d, DIAG_WARNING, "main.cf", 6, "mysql:"));
	size_t n;
	const struct domain *doms = world_domains(w, &n);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_STRING_EQUAL(doms[0].name, "forward.example");
	CU_ASSERT_EQUAL(doms[0].class, DOMAIN_VIRTUAL_ALIAS);
	CU_ASSERT_STRING_EQUAL(doms[2].name, "one.example");
	CU_ASSERT_EQUAL(doms[2].class, DOMAIN_VIRTUAL_MAILBOX);
	CU_ASSERT_STRING_EQUAL(doms[3].name, "three.example");  /* folded */
	CU_ASSERT_EQUAL(doms[3].class, DOMAIN_VIRTUAL_MAILBOX);
	CU_ASSERT_EQUAL_FATAL(doms[3].nlistings, 1);
	CU_ASSERT_EQUAL(doms[3].listings[0].line, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(doms[3].listings[0].file, "virtual_domains"));
	CU_ASSERT_EQUAL(world_domain_class(w, "TWO.example", NULL), DOMAIN_VIRTUAL_MAILBOX);

	const struct mailbox *c = world_mailbox_find(w, "c@three.example");
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_FALSE(c->is_maildir);
	char *path = xasprintf("%s/mail/three.example/c", wt_dir);
	CU_ASSERT_STRING_EQUAL(c->maildir, path);   /* no doubled '/' after the base */
	free(path);
	CU_ASSERT_PTR_NULL(c->pw);

	const struct alias *x = world_alias_find(w, "x@forward.example");
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT_EQUAL(x->targets[0].class, TARGET_ALIAS);   /* b@two has an identity entry */
	CU_ASSERT_EQUAL(x->targets[1].class, TARGET_MAILBOX);
	const struct domain *fw = world_domain_find(w, "forward.example");
	CU_ASSERT_PTR_NOT_NULL(fw->catchall_alias);
	CU_ASSERT_EQUAL(fw->naliases, 1);
	/* the missing /etc/aliases is a note, not an error */
	CU_ASSERT_TRUE(has_diag(&d, DIAG_NOTE, "etc/aliases", 0, NULL));
	CU_ASSERT_FALSE(diags_has_errors(&d));
	world_free(&w);
	diags_free(&d);
}

/* ---- a hash: table as domain list, default virtual_alias_domains ---- */

static void test_hashdomains(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("hashdomains", &d);
	CU_ASSERT_FATAL(w != NULL);
	CU_ASSERT_EQUAL(world_domain_class(w, "alpha.example", NULL), DOMAIN_VIRTUAL_MAILBOX);
	CU_ASSERT_EQUAL(world_domain_class(w, "BETA.example", NULL), DOMAIN_VIRTUAL_MAILBOX);
	/* listed nowhere: a mailbox entry alone does not host a domain */
	CU_ASSERT_EQUAL(world_domain_class(w, "gamma.example", NULL), DOMAIN_OTHER);
	CU_ASSERT_PTR_NOT_NULL(world_domain_find(w, "gamma.example"));
	/* virtual_alias_domains defaults to $virtual_alias_maps: the bare key
	 * fwd.example makes it an alias domain, and is not an alias itself */
	CU_ASSERT_EQUAL(world_domain_class(w, "fwd.example", NULL), DOMAIN_VIRTUAL_ALIAS);
	CU_ASSERT_PTR_NULL(world_alias_find(w, "fwd.example"));
	/* mydestination's default: $myhostname, localhost.$mydomain, localhost */
	CU_ASSERT_EQUAL(world_domain_class(w, "mx.hash.test", NULL), DOMAIN_LOCAL);
	CU_ASSERT_EQUAL(world_domain_class(w, "localhost.hash.test", NULL), DOMAIN_LOCAL);
	const struct domain *alpha = world_domain_find(w, "alpha.example");
	CU_ASSERT_FATAL(alpha != NULL);
	CU_ASSERT_EQUAL_FATAL(alpha->nlistings, 1);
	CU_ASSERT_EQUAL(alpha->listings[0].line, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(alpha->listings[0].via, "hash:"));
	size_t n;
	world_aliases(w, &n);
	CU_ASSERT_EQUAL(n, 2);
	const struct alias *x = world_alias_find(w, "x@fwd.example");
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT_EQUAL(x->targets[0].class, TARGET_MAILBOX);
	world_free(&w);
	diags_free(&d);
}

/* ---- missing files ---- */

static void test_missing_files(void)
{
	struct diags d = DIAGS_INIT;
	struct world *w = load("missing", &d);
	CU_ASSERT_FATAL(w != NULL);
	size_t n;
	world_mailboxes(w, &n);
	CU_ASSERT_EQUAL(n, 0);
	world_domains(w, &n);
	CU_ASSERT_EQUAL(n, 1 + 3);  /* lonely.example + mydestination's defaults */
	CU_ASSERT_TRUE(has_diag(&d, DIAG_NOTE, "etc/dovecot/users", 0, NULL));
	CU_ASSERT_TRUE(has_diag(&d, DIAG_WARNING, "main.cf", 3, "vmailbox"));
	CU_ASSERT_FALSE(diags_has_errors(&d));
	CU_ASSERT_EQUAL(pwfile_count(world_pwfile(w)), 0);
	world_free(&w);
	diags_free(&d);

	/* without main.cf nothing loads, and the error names the file */
	struct config *cfg = tree_make("missing");
	char *mc = xasprintf("%s/etc/postfix/main.cf", wt_dir);
	unlink(mc);
	struct diags d2 = DIAGS_INIT;
	w = NULL;
	CU_ASSERT_EQUAL(world_load(cfg, &w, &d2), -1);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT_TRUE(diags_has_errors(&d2));
	CU_ASSERT_TRUE(has_diag(&d2, DIAG_ERROR, "etc/postfix/main.cf", 0, NULL));
	diags_free(&d2);
	free(mc);
	wt_cfg_free(cfg);
}

static void test_quota_parse(void)
{
	long long b = -5;
	CU_ASSERT_TRUE(model_quota_bytes("*:storage=1G", &b));
	CU_ASSERT_EQUAL(b, 1073741824LL);
	CU_ASSERT_TRUE(model_quota_bytes("*:storage=100", &b));
	CU_ASSERT_EQUAL(b, 102400);
	CU_ASSERT_TRUE(model_quota_bytes("*:storage=10M", &b));
	CU_ASSERT_EQUAL(b, 10485760);
	CU_ASSERT_TRUE(model_quota_bytes("*:storage=2T", &b));
	CU_ASSERT_EQUAL(b, 2LL << 40);
	CU_ASSERT_TRUE(model_quota_bytes("*:storage=512k", &b));
	CU_ASSERT_EQUAL(b, 524288);
	CU_ASSERT_TRUE(model_quota_bytes("*:bytes=1234", &b));
	CU_ASSERT_EQUAL(b, 1234);
	CU_ASSERT_TRUE(model_quota_bytes("*:storage=0", &b));
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_FALSE(model_quota_bytes("*:messages=1000", &b));
	CU_ASSERT_FALSE(model_quota_bytes("*:storage=10%", &b));
	CU_ASSERT_FALSE(model_quota_bytes("*:storage=", &b));
	CU_ASSERT_FALSE(model_quota_bytes("*:storage=1X", &b));
	CU_ASSERT_FALSE(model_quota_bytes(NULL, &b));
}

/* Dovecot 2.4 renamed the field: the version chooses it, and both load. */
static void test_quota_fields(void)
{
	CU_ASSERT_STRING_EQUAL(model_quota_field_for("2.3.19.1"), "userdb_quota_rule");
	CU_ASSERT_STRING_EQUAL(model_quota_field_for("2.4.1"), "userdb_quota_storage_size");
	CU_ASSERT_STRING_EQUAL(model_quota_field_for("3.0.0"), "userdb_quota_storage_size");
	CU_ASSERT_STRING_EQUAL(model_quota_field_for(""), "userdb_quota_rule");
	CU_ASSERT_STRING_EQUAL(model_quota_field_for(NULL), "userdb_quota_rule");
	CU_ASSERT_STRING_EQUAL(model_quota_field_value("userdb_quota_rule", "*:storage=1G"), "*:storage=1G");
	CU_ASSERT_STRING_EQUAL(model_quota_field_value("userdb_quota_storage_size", "*:storage=1G"), "1G");
	long long b = -5;
	CU_ASSERT_TRUE(model_quota_size_bytes("1G", &b));
	CU_ASSERT_EQUAL(b, 1073741824LL);
	CU_ASSERT_TRUE(model_quota_size_bytes("100", &b));   /* bytes when bare, unlike 2.3's kilobytes */
	CU_ASSERT_EQUAL(b, 100);
	CU_ASSERT_TRUE(model_quota_size_bytes("unlimited", &b));
	CU_ASSERT_EQUAL(b, 0);
	CU_ASSERT_FALSE(model_quota_size_bytes("*:storage=1G", &b));
	CU_ASSERT_FALSE(model_quota_size_bytes("10%", &b));

	char user[] = "a@x", one[] = "userdb_quota_storage_size=2M",
	     both[] = "userdb_quota_storage_size=2M userdb_quota_rule=*:storage=3M", none[] = "nopassword";
	struct pwfile_fields f = { .user = user, .extra = one };
	struct strbuf line = STRBUF_INIT;
	struct pwfile_entry e;
	pwfile_entry_of(&f, &line, &e);
	size_t len;
	bool size_only;
	const char *v = model_entry_quota(&e, &len, &size_only);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_TRUE(size_only);
	CU_ASSERT_TRUE(model_entry_quota_bytes("2M", size_only, &b));
	CU_ASSERT_EQUAL(b, 2097152);
	/* 2.3's wins when an upgrade left both */
	f.extra = both;
	pwfile_entry_of(&f, &line, &e);
	v = model_entry_quota(&e, &len, &size_only);
	CU_ASSERT_FALSE(size_only);
	CU_ASSERT_NSTRING_EQUAL(v, "*:storage=3M", len);
	f.extra = none;
	pwfile_entry_of(&f, &line, &e);
	CU_ASSERT_PTR_NULL(model_entry_quota(&e, &len, &size_only));
	sb_free(&line);
}

static void test_class_names(void)
{
	CU_ASSERT_STRING_EQUAL(model_domain_class_name(DOMAIN_VIRTUAL_MAILBOX), "virtual-mailbox");
	CU_ASSERT_STRING_EQUAL(model_domain_class_name(DOMAIN_OTHER), "other");
	CU_ASSERT_STRING_EQUAL(model_target_class_name(TARGET_EXTERNAL), "external");
	CU_ASSERT_STRING_EQUAL(model_catchall_map_name(CATCHALL_IN_MAILBOX_MAP), "mailbox");
}

/* ---- a relative table path: from queue_directory, as Postfix's daemons ---- */

static void put(const char *rel, const char *text, const char *mode)
{
	FILE *fp = fopen(wt_path(rel), mode);
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
}

/* Every Postfix daemon chdirs to queue_directory before it opens its
 * maps: "regexp:relalias" is queue_directory/relalias, not the file of
 * that name beside main.cf. The world and the tracer read that one. */
static void test_relative_table(void)
{
	struct config *cfg = tree_make("basic");
	CU_ASSERT_FATAL(cfg != NULL);
	mkdir(wt_path("spool"), 0755);
	char *more = xasprintf("queue_directory = %s/spool\n"
			       "virtual_alias_maps = hash:%s/etc/postfix/virtual, regexp:relalias\n",
			       wt_dir, wt_dir);
	put("etc/postfix/main.cf", more, "a");
	free(more);
	put("spool/relalias", "/^spooled@andromed\\.cloud$/ johndoe@andromed.cloud\n", "w");
	put("etc/postfix/relalias", "/^beside@andromed\\.cloud$/ johndoe@andromed.cloud\n", "w");
	struct diags d = DIAGS_INIT;
	struct world *w = NULL;
	CU_ASSERT_EQUAL_FATAL(world_load(cfg, &w, &d), 0);
	bool found = false;
	for (size_t i = 0; i < world_map_count(w); i++)
		if (world_map(w, i)->ref.path && strstr(world_map(w, i)->ref.path, "relalias")) {
			char *want = xasprintf("%s/spool/relalias", wt_dir);
			CU_ASSERT_STRING_EQUAL(world_map(w, i)->ref.path, want);
			free(want);
			found = true;
		}
	CU_ASSERT_TRUE(found);
	struct tracer *t = trace_open(cfg, &d);
	CU_ASSERT_FATAL(t != NULL);
	struct trace_result r;
	trace_address(t, "spooled@andromed.cloud", &r);
	CU_ASSERT_EQUAL_FATAL(r.ndests, 1);
	CU_ASSERT_STRING_EQUAL(r.dests[0].address, "johndoe@andromed.cloud");
	trace_result_free(&r);
	trace_address(t, "beside@andromed.cloud", &r);   /* the catch-all's */
	CU_ASSERT_EQUAL_FATAL(r.ndests, 1);
	CU_ASSERT_STRING_EQUAL(r.dests[0].address, "admin@andromed.cloud");
	trace_result_free(&r);
	trace_free(&t);
	world_free(&w);
	diags_free(&d);
	wt_cfg_free(cfg);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "basic: domains and catch-alls", test_basic_domains },
		{ "basic: mailboxes, folding, duplicates, quotas", test_basic_mailboxes },
		{ "basic: aliases and target classes", test_basic_aliases },
		{ "reverse index, direct and transitive", test_reverse_index },
		{ "documents kept for edits", test_maps_kept },
		{ "domains from a /file/name list", test_filelist },
		{ "domains from a hash: table", test_hashdomains },
		{ "missing files", test_missing_files },
		{ "quota rules", test_quota_parse },
		{ "quota fields of Dovecot 2.3 and 2.4", test_quota_fields },
		{ "stable class names", test_class_names },
		{ "a relative table path is queue_directory's", test_relative_table },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("model", tests);
	wt_remove();
	return rc;
}
