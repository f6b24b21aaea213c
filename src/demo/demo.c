/* The demo server tree (`vmailadm demo DIR`): the files of the course
 * "Alias et Tables Virtuelles", corrected where the course is wrong, with
 * every path inside DIR, made in order (the Maildirs: demomail.c; DIR
 * checked: demodir.c). The sample files themselves are src/demo/tree/,
 * compiled in; their comments are in the course's language (French) on
 * purpose: they are sample data, not messages. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo_int.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/demo.h"
#include "vmailadm/embedded.h"
#include "vmailadm/i18n.h"
#include "vmailadm/passhash.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* Memorable on purpose (README "Demo server"); the course's own two first. */
static const struct demo_user users[] = {
	{ "johndoe@andromed.cloud", "MotDePasse123!", "*:storage=1G" },
	{ "janedoe@andromed.cloud", "MotDePasse456!", NULL },
	{ "contact@andromed.cloud", "Contact-Andromed-1", "*:storage=1M" },
	{ "support@andromed.cloud", "Support-Andromed-2", "*:storage=2G" },
	{ "admin@andromed.cloud", "Admin-Andromed-3", NULL },
	{ "contact@ascent.cloud", "Contact-Ascent-4", NULL },
	{ "admin@ascent.cloud", "Admin-Ascent-5", NULL },
};
#define NUSERS (sizeof users / sizeof users[0])

const struct demo_user *demo_users(size_t *n)
{
	*n = NUSERS;
	return users;
}

/* What the sample files hold: six aliases in two domains. The course's
 * support@ alias shadowed the support@ mailbox (aliasing runs first), and
 * its catch-all swallowed every mailbox: neither is in virtual_alias. */
#define NALIASES 6
#define NDOMAINS 2

/* ---- the files ---- */
const struct embedded_file *demo_sample(const char *rel)
{
	for (const struct embedded_file *f = demo_files; f->path; f++)
		if (strcmp(f->path, rel) == 0)
			return f;
	vm_panic("no sample file %s in the demo tree", rel);
}

int demo_put_file(struct demo *D, const char *rel, const char *text, size_t len, uid_t uid,
		  gid_t gid, mode_t mode)
{
	char *path = xasprintf("%s/%s", D->dir, rel);
	struct file_owner fo = { uid, gid, mode };
	int rc = atomic_write(path, text, len, &fo, false, D->d);
	free(path);
	return rc;
}

static int put_etc(struct demo *D, const char *rel, const char *text)
{
	return demo_put_file(D, rel, text, strlen(text), geteuid(), getegid(), 0644);
}

/* The sample file rel as it is. */
static int put_sample(struct demo *D, const char *rel)
{
	const struct embedded_file *f = demo_sample(rel);
	return demo_put_file(D, rel, f->text, f->len, geteuid(), getegid(), 0644);
}

/* The sample file rel with the tree's own values for @DIR@ (the tree's
 * absolute path), @UID@ and @GID@ (the Maildirs' owner) and @MINUID@
 * (virtual_minimum_uid: not above 5000). */
static char *fill_sample(const struct demo *D, const char *rel)
{
	const struct embedded_file *f = demo_sample(rel);
	char uid[24], gid[24], minuid[24];
	snprintf(uid, sizeof uid, "%ld", (long)D->uid);
	snprintf(gid, sizeof gid, "%ld", (long)D->gid);
	snprintf(minuid, sizeof minuid, "%ld", (long)(D->uid < 5000 ? D->uid : 5000));
	const struct {
		const char *token, *value;
	} fills[] = { { "@DIR@", D->dir }, { "@UID@", uid }, { "@GID@", gid }, { "@MINUID@", minuid } };
	struct strbuf sb = STRBUF_INIT;
	const char *p = f->text;
	while (*p) {
		size_t k = 0;
		while (k < sizeof fills / sizeof fills[0] &&
		       strncmp(p, fills[k].token, strlen(fills[k].token)) != 0)
			k++;
		if (k < sizeof fills / sizeof fills[0]) {
			sb_adds(&sb, fills[k].value);
			p += strlen(fills[k].token);
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_detach(&sb);
}

static int write_users(struct demo *D)
{
	struct strbuf sb = STRBUF_INIT;
	const char *last_domain = "";
	int rc = -1;

	/* The sample file is the head; each user's line has a fresh hash. */
	const struct embedded_file *head = demo_sample("etc/dovecot/users");
	sb_add(&sb, head->text, head->len);
	for (size_t i = 0; i < NUSERS; i++) {
		const char *dom = strchr(users[i].address, '@') + 1;
		if (strcmp(dom, last_domain) != 0) {
			sb_addf(&sb, "%s#\n# Domaine : %s\n", i ? "\n" : "", dom);
			last_domain = dom;
		}
		char *hash = passhash_hash("SHA512-CRYPT", users[i].password, D->d);
		if (!hash)
			goto out;
		sb_addf(&sb, "%s:%s:%ld:%ld::::", users[i].address, hash, (long)D->uid,
			(long)D->gid);
		if (users[i].quota_rule)
			sb_addf(&sb, "userdb_quota_rule=%s", users[i].quota_rule);
		sb_addc(&sb, '\n');
		free(hash);
	}
	/* Dovecot's auth process reads it as user dovecot: group-readable. */
	gid_t g = getegid();
	if (geteuid() == 0) {
		struct group *gr = getgrnam("dovecot");
		if (gr)
			g = gr->gr_gid;
	}
	rc = demo_put_file(D, "etc/dovecot/users", sb.buf, sb.len, geteuid(), g, 0640);
out:
	sb_free(&sb);
	return rc;
}


/* The directories of the tree: etc/ for the configuration, state/ and
 * archive/ private to vmailadm, vhosts/ the mail base owned by vmail. */
static int make_dirs(struct demo *D)
{
	static const struct {
		const char *rel;
		mode_t mode;
		bool vmail;
	} dirs[] = {
		{ "etc/postfix", 0755, false }, { "etc/dovecot", 0755, false },
		{ "state", 0700, false },       { "archive", 0700, false },
		{ "vhosts", 0770, true },
	};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int fd = safe_mkdirs(D->dir, dirs[i].rel, dirs[i].mode,
				     dirs[i].vmail ? D->uid : (uid_t)-1,
				     dirs[i].vmail ? D->gid : (gid_t)-1, D->d);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* Everything in the opened D->dir, in an order that leaves a half-made
 * tree replaceable (the marker first) and unusable (vmailadm.yaml last). */
static int make_tree(struct demo *D, bool replace, size_t *messages)
{
	if (put_sample(D, DEMO_MARKER) < 0)
		return -1;
	if (replace && demodir_remove_owned(D) < 0)
		return -1;
	if (make_dirs(D) < 0)
		return -1;
	char *text = fill_sample(D, "etc/postfix/main.cf");
	int rc = -1;
	if (put_etc(D, "etc/postfix/main.cf", text) < 0 ||
	    put_sample(D, "etc/postfix/virtual_domains") < 0 ||
	    put_sample(D, "etc/postfix/vmailbox") < 0 || put_sample(D, "etc/postfix/virtual_alias") < 0 ||
	    put_sample(D, "etc/aliases") < 0 || put_sample(D, "etc/mailname") < 0 ||
	    write_users(D) < 0 || demomail_write(D, messages) < 0)
		goto out;
	free(text);
	text = fill_sample(D, "vmailadm.yaml");
	/* Last: a tree is usable only once everything it points at exists. */
	if (put_etc(D, "vmailadm.yaml", text) < 0)
		goto out;
	rc = 0;
out:
	free(text);
	return rc;
}

int demo_create(const char *dir, bool force, struct demo_summary *sum, struct diags *d)
{
	struct demo D = { .dirfd = -1, .d = d, .now = time(NULL) };
	int empty, rc = -1;

	memset(sum, 0, sizeof *sum);
	char *abs = demodir_prepare(dir, force, &empty, d);
	if (!abs)
		return -1;
	D.dir = abs;
	D.dirfd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (D.dirfd < 0) {
		diag_error(d, NULL, 0, _("cannot open %s: %s"), abs, strerror(errno));
		goto out;
	}
	/* Postfix and Dovecot insist on uid 5000 when run by root; anyone else
	 * owns the tree themselves, so that nothing shows as the wrong owner. */
	D.uid = geteuid() == 0 ? 5000 : getuid();
	D.gid = geteuid() == 0 ? 5000 : getgid();
	if (make_tree(&D, empty == 0, &sum->messages) < 0)
		goto out;

	sum->dir = abs;
	abs = NULL;
	sum->uid = D.uid;
	sum->gid = D.gid;
	sum->domains = NDOMAINS;
	sum->mailboxes = NUSERS;
	sum->aliases = NALIASES;
	rc = 0;
out:
	if (D.dirfd >= 0)
		close(D.dirfd);
	free(abs);
	return rc;
}

void demo_summary_free(struct demo_summary *sum)
{
	xfree(&sum->dir);
}

