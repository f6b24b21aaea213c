/* The demo server tree (`vmailadm demo DIR`): the files and Maildirs of the
 * course "Alias et Tables Virtuelles", corrected where the course is wrong,
 * with every path inside DIR. The files' own comments are in the course's
 * language (French) on purpose: they are sample data, not messages. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ---- sample mail ---- */

enum style { PF, DC };          /* Postfix virtual(8) or Dovecot file name */
enum enc { RAW, QP, B64 };      /* Subject as is (ASCII) or as an encoded-word */

struct msg {
	const char *box;        /* maildir under vhosts */
	const char *folder;     /* Maildir++ folder ("" for INBOX) */
	enum style style;
	const char *info;       /* NULL: in new/; else in cur/ with ":2," info */
	int age_min;            /* delivered that many minutes ago */
	const char *from;       /* From: header ("Name <addr>") */
	const char *to;         /* To: header */
	const char *rcpt;       /* Delivered-To (NULL: saved by a client, e.g. Sent) */
	const char *orig;       /* X-Original-To when it differs (an alias) */
	const char *subject;    /* UTF-8 */
	enum enc enc;
	const char *body;
	size_t attach;          /* bytes of a generated attachment, 0 for none */
	const char *attach_name, *attach_type;
};

#define JOHN "John Doe <johndoe@andromed.cloud>"
#define JANE "Jane Doe <janedoe@andromed.cloud>"
#define JULIE "Julie Moreau <julie.moreau@example.fr>"

static const struct msg msgs[] = {
	/* johndoe: new mail, read, flagged-unread, replied, and a Sent folder. */
	{ "andromed.cloud/johndoe", "", PF, NULL, 25, JANE, JOHN,
	  "johndoe@andromed.cloud", NULL, "Réunion décalée à jeudi 14h", QP,
	  "Bonjour John,\n\nLa réunion de lundi est décalée à jeudi 14h, même salle.\n"
	  "Peux-tu prévenir l'équipe ?\n\nMerci,\nJane\n", 0, NULL, NULL },
	{ "andromed.cloud/johndoe", "", PF, NULL, 190,
	  "Claire Martin <claire.martin@example.fr>", "info@andromed.cloud",
	  "johndoe@andromed.cloud", "info@andromed.cloud",
	  "Demande de devis pour un site vitrine", RAW,
	  "Bonjour,\n\nNous souhaiterions un devis pour un site vitrine de cinq pages\n"
	  "avec formulaire de contact. Quels sont vos délais ?\n\n"
	  "Cordialement,\nClaire Martin\n", 0, NULL, NULL },
	{ "andromed.cloud/johndoe", "", PF, "S", 2880,
	  "Nuage Hosting <no-reply@nuage-hosting.example>", JOHN,
	  "johndoe@andromed.cloud", NULL, "Renouvellement du domaine andromed.cloud", RAW,
	  "Bonjour,\n\nLe domaine andromed.cloud expire dans 30 jours.\n"
	  "Le renouvellement automatique est activé.\n\n-- \nNuage Hosting\n", 0, NULL, NULL },
	{ "andromed.cloud/johndoe", "", DC, "F", 1500, JANE, JOHN,
	  "johndoe@andromed.cloud", NULL, "Planning de la semaine", RAW,
	  "Salut John,\n\nVoici le planning : lundi support, mardi migration du\n"
	  "serveur, mercredi formation Postfix.\n\nJane\n", 0, NULL, NULL },
	{ "andromed.cloud/johndoe", "", PF, "RS", 5000,
	  "Admin <admin@andromed.cloud>", JOHN, "johndoe@andromed.cloud", NULL,
	  "Accès au serveur de mail", QP,
	  "John,\n\nTon compte johndoe@andromed.cloud est prêt.\n"
	  "IMAP : mail.andromed.cloud, port 993 (SSL/TLS).\n\nL'admin\n", 0, NULL, NULL },
	{ "andromed.cloud/johndoe", ".Sent", DC, "S", 20, JOHN, JANE, NULL, NULL,
	  "Re: Réunion décalée à jeudi 14h", QP,
	  "C'est noté, je préviens tout le monde.\n\nJohn\n", 0, NULL, NULL },

	/* janedoe: mail through the team alias, unread in cur/, a folder whose
	 * name is in modified UTF-7 (Outlook's "Éléments envoyés"). */
	{ "andromed.cloud/janedoe", "", PF, NULL, 60, JOHN, "equipe@andromed.cloud",
	  "janedoe@andromed.cloud", "equipe@andromed.cloud", "Point d'équipe vendredi", B64,
	  "Bonjour à tous,\n\nPoint d'équipe vendredi 10h pour la migration.\n\nJohn\n",
	  0, NULL, NULL },
	{ "andromed.cloud/janedoe", "", PF, "S", 4000,
	  "The Weekly Digest <digest@news.example.com>", JANE, "janedoe@andromed.cloud", NULL,
	  "Your weekly digest: 5 stories about mail servers", RAW,
	  "Hi Jane,\n\nThis week: DMARC reports explained, Postfix 3.9 released,\n"
	  "and why your catch-all attracts spam.\n\nUnsubscribe: https://news.example.com/u\n",
	  0, NULL, NULL },
	{ "andromed.cloud/janedoe", "", PF, "", 1400,
	  "Billing <billing@saas.example.com>", JANE, "janedoe@andromed.cloud", NULL,
	  "Invoice INV-2024-118 is due", RAW,
	  "Hello,\n\nInvoice INV-2024-118 (EUR 49.00) is due in 7 days.\n\nThank you.\n",
	  0, NULL, NULL },
	{ "andromed.cloud/janedoe", ".&AMk-l&AOk-ments envoy&AOk-s", DC, "S", 1450, JANE, JOHN,
	  NULL, NULL, "Re: Planning de la semaine", RAW,
	  "Parfait pour moi.\n\nJane\n", 0, NULL, NULL },

	/* contact: three large messages, close to its 1M quota. */
	{ "andromed.cloud/contact", "", PF, NULL, 300,
	  "Paul Bernard <p.bernard@example.org>", "contact@andromed.cloud",
	  "contact@andromed.cloud", NULL, "Proposition de partenariat", RAW,
	  "Bonjour,\n\nVous trouverez ci-joint notre présentation.\n\nPaul Bernard\n",
	  225000, "presentation.pdf", "application/pdf" },
	{ "andromed.cloud/contact", "", PF, "S", 2000,
	  "Sophie Leroy <sophie.leroy@example.net>", "contact@andromed.cloud",
	  "contact@andromed.cloud", NULL, "Candidature spontanée – développeuse web", QP,
	  "Madame, Monsieur,\n\nJe vous adresse ma candidature (CV joint).\n\n"
	  "Sophie Leroy\n", 240000, "CV-Sophie-Leroy.pdf", "application/pdf" },
	{ "andromed.cloud/contact", "", PF, "S", 7000, "Marc Petit <marc@example.com>",
	  "contact@andromed.cloud", "contact@andromed.cloud", NULL, "Photos de l'événement", B64,
	  "Bonjour,\n\nLes photos du salon sont dans l'archive jointe.\n\nMarc\n",
	  210000, "photos.zip", "application/zip" },

	/* support: a queue of tickets, mostly unread. */
	{ "andromed.cloud/support", "", PF, NULL, 15,
	  "Alex Turner <alex.turner@example.co.uk>", "support@andromed.cloud",
	  "support@andromed.cloud", NULL, "Cannot log in to webmail", RAW,
	  "Hello,\n\nSince this morning I get \"authentication failed\" on the webmail.\n"
	  "My address is alex@ascent.cloud.\n\nThanks,\nAlex\n", 0, NULL, NULL },
	{ "andromed.cloud/support", "", PF, NULL, 95, JULIE, "support@andromed.cloud",
	  "support@andromed.cloud", NULL, "[Ticket #456] Question support", RAW,
	  "Bonjour,\n\nComment configurer mon client mail sur mobile ?\n\nJulie\n",
	  0, NULL, NULL },
	{ "andromed.cloud/support", "", PF, NULL, 400, "Sam Green <sam@example.com>",
	  "support@andromed.cloud", "support@andromed.cloud", NULL, "Password reset request", RAW,
	  "Hi,\n\nCould you reset the password of sam.green@andromed.cloud?\n\nSam\n",
	  0, NULL, NULL },
	{ "andromed.cloud/support", "", PF, "S", 3000, JULIE, "support@andromed.cloud",
	  "support@andromed.cloud", NULL, "Re: [Ticket #455] Problème résolu", QP,
	  "Merci, tout fonctionne à nouveau.\n\nJulie\n", 0, NULL, NULL },

	/* admin: mail through webmaster@ and through /etc/aliases (root). */
	{ "andromed.cloud/admin", "", PF, NULL, 45,
	  "Site andromed.cloud <www-data@andromed.cloud>", "webmaster@andromed.cloud",
	  "admin@andromed.cloud", "webmaster@andromed.cloud", "Formulaire de contact du site", RAW,
	  "Nouveau message depuis le formulaire de contact :\n\n"
	  "Nom : Lucas Garnier\nMessage : Le lien vers les mentions légales est cassé.\n",
	  0, NULL, NULL },
	{ "andromed.cloud/admin", "", PF, "S", 600,
	  "Cron Daemon <root@mail.andromed.cloud>", "root@mail.andromed.cloud",
	  "admin@andromed.cloud", "root@mail.andromed.cloud",
	  "Cron <root@mail> /usr/local/sbin/backup-mail.sh", RAW,
	  "backup-mail.sh: /var/mail/vhosts archived (2 domains, 7 mailboxes).\n", 0, NULL,
	  NULL },
	{ "andromed.cloud/admin", "", PF, "", 2200,
	  "Monitoring <monitoring@andromed.cloud>", "admin@andromed.cloud",
	  "admin@andromed.cloud", NULL, "Alerte : espace disque à 85 %", QP,
	  "Le disque /var/mail est rempli à 85 %.\n", 0, NULL, NULL },

	/* ascent.cloud: contact has mail, admin has never received any. */
	{ "ascent.cloud/contact", "", PF, NULL, 130,
	  "Emma Wilson <emma.wilson@example.com>", "contact@ascent.cloud",
	  "contact@ascent.cloud", NULL, "Hello from Ascent - onboarding call", RAW,
	  "Hi,\n\nCan we schedule the onboarding call for Tuesday?\n\nBest,\nEmma\n",
	  0, NULL, NULL },
	{ "ascent.cloud/contact", "", DC, "S", 10000, "Admin <admin@ascent.cloud>",
	  "contact@ascent.cloud", "contact@ascent.cloud", NULL, "Bienvenue à bord !", QP,
	  "Bienvenue sur la messagerie d'ascent.cloud.\n", 0, NULL, NULL },
};
#define NMSGS (sizeof msgs / sizeof msgs[0])

/* Names, ids and attachment bytes need not be random, only plausible:
 * a small LCG keeps the code simple and needs no entropy. */
static uint32_t lcg_state = 20240611;
static uint32_t lcg(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return lcg_state >> 8;
}

static void base64(struct strbuf *sb, const unsigned char *p, size_t n, size_t wrap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char out[4] = { tab[(v >> 18) & 63], tab[(v >> 12) & 63],
				i + 1 < n ? tab[(v >> 6) & 63] : '=', i + 2 < n ? tab[v & 63] : '=' };
		sb_add(sb, out, 4);
		col += 4;
		if (wrap && col >= wrap) {
			sb_addc(sb, '\n');
			col = 0;
		}
	}
	if (wrap && col)
		sb_addc(sb, '\n');
}

/* RFC 2047 encoded-word: Q keeps ASCII readable, B is what many clients send. */
static void encode_subject(struct strbuf *sb, const char *s, enum enc enc)
{
	if (enc == RAW) {
		sb_adds(sb, s);
		return;
	}
	if (enc == B64) {
		sb_adds(sb, "=?UTF-8?B?");
		base64(sb, (const unsigned char *)s, strlen(s), 0);
		sb_adds(sb, "?=");
		return;
	}
	sb_adds(sb, "=?UTF-8?Q?");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ')
			sb_addc(sb, '_');
		else if (*p >= 0x80 || *p == '=' || *p == '?' || *p == '_')
			sb_addf(sb, "=%02X", *p);
		else
			sb_addc(sb, (char)*p);
	}
	sb_adds(sb, "?=");
}

/* RFC 5322 date in English whatever the locale (strftime's %a/%b are not). */
static void rfc5322_date(struct strbuf *sb, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	sb_addf(sb, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "Name <a@b>" -> "a@b" (into a static buffer; addresses here are short). */
static const char *addr_of(const char *hdr)
{
	static char buf[256];
	const char *lt = strchr(hdr, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt) {
		snprintf(buf, sizeof buf, "%s", hdr);
		return buf;
	}
	snprintf(buf, sizeof buf, "%.*s", (int)(gt - lt - 1), lt + 1);
	return buf;
}

static void msg_text(struct strbuf *sb, const struct msg *m, time_t when)
{
	const char *sender = addr_of(m->from);
	const char *sdom = strchr(sender, '@') ? strchr(sender, '@') + 1 : "localhost";
	char qid[13];
	static const char qchars[] = "BCDFGHJKLMNPQRSTVWXZbcdfghjklmnpqrstvwxz0123456789";

	for (size_t i = 0; i < sizeof qid - 1; i++)
		qid[i] = qchars[lcg() % (sizeof qchars - 1)];
	qid[sizeof qid - 1] = '\0';

	if (m->rcpt) {
		/* What virtual(8) (or Dovecot LMTP) prepends on delivery. */
		sb_addf(sb, "Return-Path: <%s>\n", sender);
		if (m->style == PF)
			sb_addf(sb, "X-Original-To: %s\n", m->orig ? m->orig : m->rcpt);
		sb_addf(sb, "Delivered-To: %s\n", m->rcpt);
		sb_addf(sb, "Received: from %s (%s [203.0.113.%u])\n\tby mail.andromed.cloud "
			"(Postfix) with ESMTPS id 4X%s\n\tfor <%s>; ", sdom, sdom,
			(unsigned)(lcg() % 200 + 10), qid, m->orig ? m->orig : m->rcpt);
		rfc5322_date(sb, when);
		sb_addc(sb, '\n');
	}
	sb_adds(sb, "Date: ");
	rfc5322_date(sb, when - 7);
	sb_addf(sb, "\nFrom: %s\nTo: %s\nSubject: ", m->from, m->to);
	encode_subject(sb, m->subject, m->enc);
	sb_addf(sb, "\nMessage-ID: <%lld.%06u@%s>\nMIME-Version: 1.0\n", (long long)when,
		(unsigned)(lcg() % 1000000), sdom);
	if (!m->attach) {
		sb_addf(sb, "Content-Type: text/plain; charset=UTF-8\n"
			    "Content-Transfer-Encoding: 8bit\n\n%s", m->body);
		return;
	}
	unsigned boundary = lcg();
	sb_addf(sb, "Content-Type: multipart/mixed; boundary=\"=_demo_%08x\"\n\n"
		    "This is a multi-part message in MIME format.\n\n"
		    "--=_demo_%08x\nContent-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: 8bit\n\n%s\n"
		    "--=_demo_%08x\nContent-Type: %s; name=\"%s\"\n"
		    "Content-Disposition: attachment; filename=\"%s\"\n"
		    "Content-Transfer-Encoding: base64\n\n",
		boundary, boundary, m->body, boundary, m->attach_type, m->attach_name,
		m->attach_name);
	unsigned char *data = xmalloc(m->attach);
	for (size_t i = 0; i < m->attach; i++)
		data[i] = (unsigned char)lcg();
	if (strcmp(m->attach_type, "application/pdf") == 0 && m->attach > 9)
		memcpy(data, "%PDF-1.4\n", 9);
	base64(sb, data, m->attach, 76);
	free(data);
	sb_addf(sb, "--=_demo_%08x--\n", boundary);
}

/* ---- the tree ---- */

struct demo {
	const char *dir;       /* absolute */
	int dirfd;
	uid_t uid;             /* Maildir owner */
	gid_t gid;
	time_t now;
	struct diags *d;
};

static int put_file(struct demo *D, const char *rel, const char *text, size_t len,
		    uid_t uid, gid_t gid, mode_t mode)
{
	char *path = xasprintf("%s/%s", D->dir, rel);
	struct file_owner fo = { uid, gid, mode };
	int rc = atomic_write(path, text, len, &fo, false, D->d);
	free(path);
	return rc;
}

static int put_etc(struct demo *D, const char *rel, const char *text)
{
	return put_file(D, rel, text, strlen(text), geteuid(), getegid(), 0644);
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
	/* The auth process reads it as user dovecot (reference §4.1). */
	gid_t g = getegid();
	if (geteuid() == 0) {
		struct group *gr = getgrnam("dovecot");
		if (gr)
			g = gr->gr_gid;
	}
	rc = put_file(D, "etc/dovecot/users", sb.buf, sb.len, geteuid(), g, 0640);
out:
	sb_free(&sb);
	return rc;
}

/* Every (box, folder) that got a message in cur/, for dovecot-uidlist. */
struct seen {
	const char *box, *folder;
	struct strbuf list;
	unsigned next;
};

static int write_mail(struct demo *D, size_t *count)
{
	char *vhosts = xasprintf("%s/vhosts", D->dir);
	struct seen seen[NMSGS];
	size_t nseen = 0;
	uint64_t contact_bytes = 0;
	unsigned contact_msgs = 0;
	int rc = -1;

	/* Domain directories as the course makes them (vmail, 0770). */
	for (size_t i = 0; i < NUSERS; i++) {
		const char *dom = strchr(users[i].address, '@') + 1;
		size_t ul = (size_t)(dom - 1 - users[i].address);
		char *rel = xasprintf("%s/%.*s", dom, (int)ul, users[i].address);
		int fd = safe_mkdirs(vhosts, dom, 0770, D->uid, D->gid, D->d);
		if (fd >= 0) {
			close(fd);
			fd = safe_make_maildir(vhosts, rel, D->uid, D->gid, D->d);
		}
		free(rel);
		if (fd < 0)
			goto out;
		close(fd);
	}

	for (size_t i = 0; i < NMSGS; i++) {
		const struct msg *m = &msgs[i];
		char *mdir = *m->folder ? xasprintf("%s/%s", m->box, m->folder) : xstrdup(m->box);
		int fd = safe_make_maildir(vhosts, mdir, D->uid, D->gid, D->d);
		if (fd < 0) {
			free(mdir);
			goto out;
		}
		close(fd);
		if (*m->folder) {
			char *mf = xasprintf("vhosts/%s/maildirfolder", mdir);
			int r = put_file(D, mf, "", 0, D->uid, D->gid, 0600);
			free(mf);
			if (r < 0) {
				free(mdir);
				goto out;
			}
		}

		time_t when = D->now - (time_t)m->age_min * 60 - (time_t)(lcg() % 50);
		struct strbuf text = STRBUF_INIT, name = STRBUF_INIT;
		msg_text(&text, m, when);
		if (m->style == PF) {
			sb_addf(&name, "%lld.Vfd01I%xM%06u.mail", (long long)when,
				(unsigned)(0x10000 + lcg() % 0xeffff), (unsigned)(lcg() % 1000000));
		} else {
			size_t lines = 0;
			for (size_t k = 0; k < text.len; k++)
				lines += text.buf[k] == '\n';
			sb_addf(&name, "%lld.M%06uP%u.mail,S=%zu,W=%zu", (long long)when,
				(unsigned)(lcg() % 1000000), (unsigned)(1000 + lcg() % 30000), text.len,
				text.len + lines);
		}
		if (m->info) {
			struct seen *s = NULL;
			for (size_t k = 0; k < nseen; k++)
				if (strcmp(seen[k].box, m->box) == 0 && strcmp(seen[k].folder, m->folder) == 0)
					s = &seen[k];
			if (!s) {
				s = &seen[nseen++];
				s->box = m->box;
				s->folder = m->folder;
				sb_init(&s->list);
				s->next = 1;
			}
			sb_addf(&s->list, "%u :%s\n", s->next++, name.buf);
		}
		char *rel = xasprintf("vhosts/%s/%s/%s%s%s", mdir, m->info ? "cur" : "new", name.buf,
				      m->info ? ":2," : "", m->info ? m->info : "");
		int r = put_file(D, rel, text.buf, text.len, D->uid, D->gid, 0600);
		if (strcmp(m->box, "andromed.cloud/contact") == 0 && !*m->folder) {
			contact_bytes += text.len;
			contact_msgs++;
		}
		free(rel);
		free(mdir);
		sb_free(&text);
		sb_free(&name);
		if (r < 0)
			goto out;
		(*count)++;
	}

	/* What Dovecot leaves after a client has seen the messages in cur/. */
	for (size_t k = 0; k < nseen; k++) {
		struct strbuf sb = STRBUF_INIT;
		char guid[33];
		for (size_t j = 0; j < 32; j++)
			guid[j] = "0123456789abcdef"[lcg() % 16];
		guid[32] = '\0';
		sb_addf(&sb, "3 V%lld N%u G%s\n%s", (long long)(D->now - 86400 * 30), seen[k].next,
			guid, seen[k].list.buf);
		char *rel = *seen[k].folder
				    ? xasprintf("vhosts/%s/%s/dovecot-uidlist", seen[k].box, seen[k].folder)
				    : xasprintf("vhosts/%s/dovecot-uidlist", seen[k].box);
		int r = put_file(D, rel, sb.buf, sb.len, D->uid, D->gid, 0600);
		free(rel);
		sb_free(&sb);
		if (r < 0)
			goto out;
	}
	static const char subs_john[] = "Sent\n", subs_jane[] = "&AMk-l&AOk-ments envoy&AOk-s\n";
	if (put_file(D, "vhosts/andromed.cloud/johndoe/subscriptions", subs_john,
		     sizeof subs_john - 1, D->uid, D->gid, 0600) < 0 ||
	    put_file(D, "vhosts/andromed.cloud/janedoe/subscriptions", subs_jane,
		     sizeof subs_jane - 1, D->uid, D->gid, 0600) < 0)
		goto out;
	/* Dovecot's quota plugin keeps this for a box with a limit (M++ §5.6). */
	char *msize = xasprintf("1048576S\n%llu %u\n", (unsigned long long)contact_bytes,
				contact_msgs);
	int r = put_file(D, "vhosts/andromed.cloud/contact/maildirsize", msize, strlen(msize),
			 D->uid, D->gid, 0600);
	free(msize);
	if (r < 0)
		goto out;
	rc = 0;
out:
	for (size_t k = 0; k < nseen; k++)
		sb_free(&seen[k].list);
	free(vhosts);
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

/* What --force removes: exactly what demo_create makes. */
static const char *const owned[] = { "etc", "vhosts", "state", "archive", "vmailadm.yaml" };

/* ---- checking DIR ---- */

static bool path_ok_for_main_cf(const char *p)
{
	for (const unsigned char *s = (const unsigned char *)p; *s; s++)
		if (*s <= ' ' || *s == 0x7f || strchr(",:$#\"'\\{}", *s))
			return false;
	return true;
}

/* Is a equal to b or one of b's parent directories? */
static bool is_same_or_parent(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

static bool is_protected(const char *abs, bool force, struct strbuf *why)
{
	static const char *const system_dirs[] = {
		"/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media",
		"/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
		"/var", "/usr/local", "/var/lib", "/var/mail", "/var/spool", "/var/tmp",
		"/var/mail/vhosts", "/etc/postfix", "/etc/dovecot", "/var/lib/vmailadm",
	};
	if (strcmp(abs, "/") == 0) {
		sb_adds(why, _("it is the root directory"));
		return true;
	}
	for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++)
		if (strcmp(abs, system_dirs[i]) == 0) {
			sb_adds(why, _("it is a system directory"));
			return true;
		}
	const char *homes[2] = { getenv("HOME"), NULL };
	struct passwd *pw = getpwuid(getuid());
	if (pw)
		homes[1] = pw->pw_dir;
	for (int i = 0; i < 2; i++) {
		char real[PATH_MAX];
		if (!homes[i] || !*homes[i] || !realpath(homes[i], real))
			continue;
		if (is_same_or_parent(abs, real)) {
			sb_adds(why, _("it is your home directory or one of its parents"));
			return true;
		}
	}
	if (force) {
		size_t depth = 0;
		for (const char *p = abs; *p; p++)
			depth += *p == '/';
		if (depth < 2) {
			sb_adds(why, _("--force needs a directory at least two levels below /"));
			return true;
		}
	}
	return false;
}

/* Make dir absolute and canonical (its parent must exist). */
static char *absolute_dir(const char *dir, struct diags *d)
{
	char buf[PATH_MAX];
	char *joined;
	if (dir[0] == '/')
		joined = xstrdup(dir);
	else {
		if (!getcwd(buf, sizeof buf)) {
			diag_error(d, NULL, 0, _("cannot find the current directory: %s"), strerror(errno));
			return NULL;
		}
		joined = xasprintf("%s/%s", buf, dir);
	}
	size_t n = strlen(joined);
	while (n > 1 && joined[n - 1] == '/')
		joined[--n] = '\0';
	struct stat st;
	if (lstat(joined, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			diag_error(d, NULL, 0, _("%s is a symbolic link; give the real directory"), dir);
			free(joined);
			return NULL;
		}
		if (!S_ISDIR(st.st_mode)) {
			diag_error(d, NULL, 0, _("%s exists and is not a directory"), dir);
			free(joined);
			return NULL;
		}
		char *r = realpath(joined, buf) ? xstrdup(buf) : NULL;
		if (!r)
			diag_error(d, NULL, 0, "%s: %s", dir, strerror(errno));
		free(joined);
		return r;
	}
	if (errno != ENOENT) {
		diag_error(d, NULL, 0, "%s: %s", dir, strerror(errno));
		free(joined);
		return NULL;
	}
	char *slash = strrchr(joined, '/');
	const char *base = slash + 1;
	char *parent = slash == joined ? xstrdup("/") : xstrndup(joined, (size_t)(slash - joined));
	char *r = NULL;
	if (strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
		diag_error(d, NULL, 0, _("%s: give a directory name, not '.' or '..'"), dir);
	else if (!realpath(parent, buf))
		diag_error(d, NULL, 0, _("cannot use %s: its parent directory %s: %s"), dir, parent,
			   strerror(errno));
	else
		r = strcmp(buf, "/") == 0 ? xasprintf("/%s", base) : xasprintf("%s/%s", buf, base);
	free(parent);
	free(joined);
	return r;
}

static int is_empty_dir(const char *abs, bool *has_marker)
{
	DIR *dp = opendir(abs);
	struct dirent *e;
	int n = 0;
	*has_marker = false;
	if (!dp)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (strcmp(e->d_name, DEMO_MARKER) == 0)
			*has_marker = true;
	}
	closedir(dp);
	return n == 0;
}

static int remove_owned(struct demo *D)
{
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
		struct stat st;
		if (fstatat(D->dirfd, owned[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			diag_error(D->d, NULL, 0, "%s/%s: %s", D->dir, owned[i], strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (safe_remove_tree(D->dir, owned[i], D->d) < 0)
				return -1;
		} else if (unlinkat(D->dirfd, owned[i], 0) < 0) {
			diag_error(D->d, NULL, 0, _("cannot remove %s/%s: %s"), D->dir, owned[i],
				   strerror(errno));
			return -1;
		}
	}
	return 0;
}

int demo_create(const char *dir, bool force, struct demo_summary *sum, struct diags *d)
{
	struct demo D = { .dirfd = -1, .d = d, .now = time(NULL) };
	struct strbuf why = STRBUF_INIT;
	char *abs = NULL, *text = NULL;
	int rc = -1, fd;

	memset(sum, 0, sizeof *sum);
	if (!*dir) {
		diag_error(d, NULL, 0, _("the demo directory must not be empty"));
		return -1;
	}
	if (!(abs = absolute_dir(dir, d)))
		return -1;
	if (!path_ok_for_main_cf(abs)) {
		diag_error(d, NULL, 0, _("%s cannot be used: the path goes into main.cf, so it must "
					"not contain spaces, control characters or any of , : $ # \" ' \\ { }"),
			   abs);
		goto out;
	}
	if (is_protected(abs, force, &why)) {
		diag_error(d, NULL, 0, _("refusing to put the demo in %s: %s"), abs, why.buf);
		goto out;
	}
	bool marker;
	int empty = is_empty_dir(abs, &marker);
	if (empty < 0 && errno != ENOENT) {
		diag_error(d, NULL, 0, _("cannot read %s: %s"), abs, strerror(errno));
		goto out;
	}
	if (empty == 0 && !force) {
		diag_error(d, NULL, 0, _("%s exists and is not empty; use --force to replace a demo "
					"tree made earlier"), abs);
		goto out;
	}
	if (empty == 0 && !marker) {
		diag_error(d, NULL, 0, _("%s is not a demo tree (it has no %s file): refusing to "
					"replace anything in it, even with --force"), abs, DEMO_MARKER);
		goto out;
	}
	if (empty < 0 && mkdir(abs, 0755) < 0) {
		diag_error(d, NULL, 0, _("cannot create %s: %s"), abs, strerror(errno));
		goto out;
	}

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

	/* The marker first: a tree left half-made can still be replaced. */
	if (put_file(&D, DEMO_MARKER, marker_text, sizeof marker_text - 1, geteuid(), getegid(),
		     0644) < 0)
		goto out;
	if (empty == 0 && remove_owned(&D) < 0)
		goto out;

	if ((fd = safe_mkdirs(abs, "etc/postfix", 0755, (uid_t)-1, (gid_t)-1, d)) < 0)
		goto out;
	close(fd);
	if ((fd = safe_mkdirs(abs, "etc/dovecot", 0755, (uid_t)-1, (gid_t)-1, d)) < 0)
		goto out;
	close(fd);
	if ((fd = safe_mkdirs(abs, "state", 0700, (uid_t)-1, (gid_t)-1, d)) < 0)
		goto out;
	close(fd);
	if ((fd = safe_mkdirs(abs, "archive", 0700, (uid_t)-1, (gid_t)-1, d)) < 0)
		goto out;
	close(fd);
	if ((fd = safe_mkdirs(abs, "vhosts", 0770, D.uid, D.gid, d)) < 0)
		goto out;
	close(fd);

	text = main_cf(&D);
	if (put_etc(&D, "etc/postfix/main.cf", text) < 0 ||
	    put_etc(&D, "etc/postfix/virtual_domains", virtual_domains_text) < 0 ||
	    put_etc(&D, "etc/postfix/vmailbox", vmailbox_text) < 0 ||
	    put_etc(&D, "etc/postfix/virtual_alias", virtual_alias_text) < 0 ||
	    put_etc(&D, "etc/aliases", aliases_text) < 0 ||
	    put_etc(&D, "etc/mailname", "mail.andromed.cloud\n") < 0 || write_users(&D) < 0)
		goto out;
	if (write_mail(&D, &sum->messages) < 0)
		goto out;
	free(text);
	text = yaml_text(&D);
	/* Last: a tree is usable only once everything it points at exists. */
	if (put_etc(&D, "vmailadm.yaml", text) < 0)
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
	free(text);
	free(abs);
	sb_free(&why);
	return rc;
}

void demo_summary_free(struct demo_summary *sum)
{
	xfree(&sum->dir);
}
