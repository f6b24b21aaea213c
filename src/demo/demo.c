/* The demo server tree (`vmailadm demo DIR`): the files of the course
 * "Alias et Tables Virtuelles", corrected where the course is wrong, with
 * every path inside DIR, made in order (the Maildirs: demomail.c; DIR
 * checked: demodir.c). The files' own comments are in the course's
 * language (French) on purpose: they are sample data, not messages. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo_int.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/demo.h"
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

static const char vmailbox_text[] =
	"# Format : adresse@domaine    chemin/relatif/\n"
	"# (relatif à virtual_mailbox_base ; le / final veut dire Maildir)\n"
	"#\n"
	"# Domaine : andromed.cloud\n"
	"johndoe@andromed.cloud       andromed.cloud/johndoe/\n"
	"janedoe@andromed.cloud       andromed.cloud/janedoe/\n"
	"contact@andromed.cloud       andromed.cloud/contact/\n"
	"support@andromed.cloud       andromed.cloud/support/\n"
	"admin@andromed.cloud         andromed.cloud/admin/\n"
	"\n"
	"# Domaine : ascent.cloud\n"
	"contact@ascent.cloud         ascent.cloud/contact/\n"
	"admin@ascent.cloud           ascent.cloud/admin/\n";

/* The course's support@ alias shadowed the support@ mailbox (aliasing runs
 * first), and its catch-all swallowed every mailbox: neither is here. */
static const char virtual_alias_text[] =
	"# Redirections d'alias vers boîtes virtuelles\n"
	"#\n"
	"# Format : adresse@domaine    destination[, destination ...]\n"
	"# L'ordre des lignes ne compte pas dans une table hash:. Pas de catch-all\n"
	"# @domaine ici : il avalerait toutes les boîtes du domaine.\n"
	"#\n"
	"# Domaine : andromed.cloud\n"
	"info@andromed.cloud          johndoe@andromed.cloud\n"
	"webmaster@andromed.cloud     admin@andromed.cloud\n"
	"postmaster@andromed.cloud    admin@andromed.cloud\n"
	"\n"
	"# Redirection externe\n"
	"facturation@andromed.cloud   comptable@cabinet-expert.fr\n"
	"\n"
	"# Équipe : plusieurs boîtes\n"
	"equipe@andromed.cloud        johndoe@andromed.cloud, janedoe@andromed.cloud\n"
	"\n"
	"# Domaine : ascent.cloud\n"
	"postmaster@ascent.cloud      admin@ascent.cloud\n";
#define NALIASES 6
#define NDOMAINS 2

static const char virtual_domains_text[] =
	"# Domaines virtuels gérés par ce serveur\n"
	"#\n"
	"# Format : domaine    valeur\n"
	"# C'est une table hash: (virtual_mailbox_domains = hash:...) : Postfix\n"
	"# ignore la valeur, mais postmap exige une clé ET une valeur.\n"
	"andromed.cloud               OK\n"
	"ascent.cloud                 OK\n";

static const char aliases_text[] =
	"# See man 5 aliases for format\n"
	"postmaster:    root\n"
	"\n"
	"# Redirections des comptes système\n"
	"abuse:         root\n"
	"\n"
	"# Rediriger root vers une vraie boîte\n"
	"root:          admin@andromed.cloud\n";


/* ---- the files ---- */
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

static char *main_cf(const struct demo *D)
{
	struct strbuf sb = STRBUF_INIT;
	const char *dir = D->dir;
	sb_addf(&sb,
		"# See /usr/share/postfix/main.cf.dist for a commented, more complete version\n"
		"#\n"
		"# Serveur de démonstration de vmailadm (vmailadm demo) : la configuration\n"
		"# du module « Alias et Tables Virtuelles », chemins sous %s.\n"
		"\n"
		"\n"
		"# Debian specific:  Specifying a file name will cause the first\n"
		"# line of that file to be used as the name.  The Debian default\n"
		"# is /etc/mailname.\n"
		"myorigin = %s/etc/mailname\n"
		"\n"
		"smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)\n"
		"biff = no\n"
		"\n"
		"# appending .domain is the MUA's job.\n"
		"append_dot_mydomain = no\n"
		"\n"
		"# Uncomment the next line to generate \"delayed mail\" warnings\n"
		"#delay_warning_time = 4h\n"
		"\n"
		"readme_directory = no\n"
		"\n"
		"# See http://www.postfix.org/COMPATIBILITY_README.html -- default to 3.6 on\n"
		"# fresh installs.\n"
		"compatibility_level = 3.6\n"
		"\n"
		"\n"
		"\n"
		"# TLS parameters\n"
		"smtpd_tls_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem\n"
		"smtpd_tls_key_file=/etc/ssl/private/ssl-cert-snakeoil.key\n"
		"smtpd_tls_security_level=may\n"
		"\n"
		"smtp_tls_CApath=/etc/ssl/certs\n"
		"smtp_tls_security_level=may\n"
		"smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache\n"
		"\n"
		"\n"
		"smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated "
		"defer_unauth_destination\n"
		"myhostname = mail.andromed.cloud\n"
		"alias_maps = hash:%s/etc/aliases\n"
		"alias_database = hash:%s/etc/aliases\n"
		"mydestination = $myhostname, localhost.localdomain, localhost\n"
		"relayhost =\n"
		"mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128\n"
		"mailbox_size_limit = 0\n"
		"recipient_delimiter = +\n"
		"inet_interfaces = all\n"
		"inet_protocols = all\n"
		"\n"
		"# ============================================\n"
		"# DOMAINES VIRTUELS (Virtual Mailbox)\n"
		"# ============================================\n"
		"\n"
		"# Domaines virtuels avec vraies boîtes mail.\n"
		"# Une table hash: plutôt qu'une liste /fichier : Postfix voit tout seul\n"
		"# une table reconstruite par postmap, alors qu'un /fichier n'est lu qu'au\n"
		"# démarrage de ses processus (il faudrait un « postfix reload »).\n"
		"virtual_mailbox_domains = hash:%s/etc/postfix/virtual_domains\n"
		"\n"
		"# Mapping adresse → chemin mailbox\n"
		"virtual_mailbox_maps = hash:%s/etc/postfix/vmailbox\n"
		"\n"
		"# Répertoire de base pour les mailbox\n"
		"virtual_mailbox_base = %s/vhosts\n"
		"\n"
		"# UID et GID de vmail\n"
		"virtual_uid_maps = static:%ld\n"
		"virtual_gid_maps = static:%ld\n"
		"\n"
		"# UID minimum (sécurité)\n"
		"virtual_minimum_uid = %ld\n"
		"\n"
		"# Pas de virtual_mailbox_limit : ce n'est pas un quota (en Maildir il\n"
		"# limite la taille d'UN message). Les quotas sont ceux de Dovecot\n"
		"# (userdb_quota_rule dans %s/etc/dovecot/users).\n"
		"\n"
		"# Alias virtuels (redirections)\n"
		"virtual_alias_maps = hash:%s/etc/postfix/virtual_alias\n",
		dir, dir, dir, dir, dir, dir, dir, (long)D->uid, (long)D->gid,
		(long)(D->uid < 5000 ? D->uid : 5000), dir, dir);
	return sb_detach(&sb);
}

static int write_users(struct demo *D)
{
	struct strbuf sb = STRBUF_INIT;
	const char *last_domain = "";
	int rc = -1;

	sb_adds(&sb, "# Utilisateurs virtuels Dovecot (passdb passwd-file)\n"
		     "#\n"
		     "# Format : adresse:{SCHÉMA}hash:uid:gid:gecos:home:shell:champs_extra\n"
		     "# Toujours un hash, jamais {PLAIN} : doveadm pw -s SHA512-CRYPT\n"
		     "# Quota (plugin quota de Dovecot) : userdb_quota_rule=*:storage=TAILLE\n");
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


static char *yaml_text(const struct demo *D)
{
	return xasprintf(
		"# vmailadm demo server, made by `vmailadm demo` (demo passwords: README).\n"
		"# Relative paths are relative to the directory of this file.\n"
		"postfix_dir: etc/postfix\n"
		"passwd_file: etc/dovecot/users\n"
		"aliases_file: etc/aliases\n"
		"vmail_uid: %ld\n"
		"vmail_gid: %ld\n"
		"password_scheme: SHA512-CRYPT\n"
		"state_dir: state\n"
		"archive_dir: archive\n"
		"dovecot_mail_location: \"maildir:%s/vhosts/%%d/%%n\"\n"
		"# No Postfix or Dovecot runs on this tree, so there is nothing to reload;\n"
		"# tests/integration/lib.sh fills these in when it starts real servers.\n"
		"postfix_reload: \"\"\n"
		"dovecot_reload: \"\"\n",
		(long)D->uid, (long)D->gid, D->dir);
}

static const char marker_text[] =
	"This directory was made by `vmailadm demo`. `vmailadm demo --force` may\n"
	"replace etc/, vhosts/, state/, archive/ and vmailadm.yaml here, and nothing else.\n";


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
	if (demo_put_file(D, DEMO_MARKER, marker_text, sizeof marker_text - 1, geteuid(),
			  getegid(), 0644) < 0)
		return -1;
	if (replace && demodir_remove_owned(D) < 0)
		return -1;
	if (make_dirs(D) < 0)
		return -1;
	char *text = main_cf(D);
	int rc = -1;
	if (put_etc(D, "etc/postfix/main.cf", text) < 0 ||
	    put_etc(D, "etc/postfix/virtual_domains", virtual_domains_text) < 0 ||
	    put_etc(D, "etc/postfix/vmailbox", vmailbox_text) < 0 ||
	    put_etc(D, "etc/postfix/virtual_alias", virtual_alias_text) < 0 ||
	    put_etc(D, "etc/aliases", aliases_text) < 0 ||
	    put_etc(D, "etc/mailname", "mail.andromed.cloud\n") < 0 || write_users(D) < 0 ||
	    demomail_write(D, messages) < 0)
		goto out;
	free(text);
	text = yaml_text(D);
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

