/* The demo's Maildirs and their sample mail (`vmailadm demo`): messages as
 * virtual(8) and Dovecot deliver them (names, Delivered-To, encoded
 * subjects, attachments), Maildir++ folders, what Dovecot leaves behind
 * (dovecot-uidlist, subscriptions, maildirsize). The mail is in the
 * course's language (French) on purpose: it is sample data. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo_int.h"
#include "vmailadm/demo.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

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

/* Every (box, folder) that got a message in cur/, for dovecot-uidlist. */
struct seen {
	const char *box, *folder;
	struct strbuf list;
	unsigned next;
};

struct mailrun {
	struct demo *D;
	char *vhosts;
	struct seen seen[NMSGS];
	size_t nseen;
	uint64_t contact_bytes;   /* contact@andromed.cloud's INBOX, for its maildirsize */
	unsigned contact_msgs;
};

/* Domain directories as the course makes them (vmail, 0770), and each
 * user's Maildir. */
static int make_boxes(struct mailrun *R)
{
	struct demo *D = R->D;
	size_t nusers;
	const struct demo_user *users = demo_users(&nusers);
	for (size_t i = 0; i < nusers; i++) {
		const char *dom = strchr(users[i].address, '@') + 1;
		size_t ul = (size_t)(dom - 1 - users[i].address);
		char *rel = xasprintf("%s/%.*s", dom, (int)ul, users[i].address);
		int fd = safe_mkdirs(R->vhosts, dom, 0770, D->uid, D->gid, D->d);
		if (fd >= 0) {
			close(fd);
			fd = safe_make_maildir(R->vhosts, rel, D->uid, D->gid, D->d);
		}
		free(rel);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* The (box, folder) entry of R->seen for m, added when new. */
static struct seen *seen_for(struct mailrun *R, const struct msg *m)
{
	for (size_t k = 0; k < R->nseen; k++)
		if (strcmp(R->seen[k].box, m->box) == 0 && strcmp(R->seen[k].folder, m->folder) == 0)
			return &R->seen[k];
	struct seen *s = &R->seen[R->nseen++];
	s->box = m->box;
	s->folder = m->folder;
	sb_init(&s->list);
	s->next = 1;
	return s;
}

/* Message m in its (folder's) Maildir, named as its deliverer names it. */
static int write_message(struct mailrun *R, const struct msg *m)
{
	struct demo *D = R->D;
	char *mdir = *m->folder ? xasprintf("%s/%s", m->box, m->folder) : xstrdup(m->box);
	int fd = safe_make_maildir(R->vhosts, mdir, D->uid, D->gid, D->d);
	if (fd < 0) {
		free(mdir);
		return -1;
	}
	close(fd);
	if (*m->folder) {
		char *mf = xasprintf("vhosts/%s/maildirfolder", mdir);
		int r = demo_put_file(D, mf, "", 0, D->uid, D->gid, 0600);
		free(mf);
		if (r < 0) {
			free(mdir);
			return -1;
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
		struct seen *s = seen_for(R, m);
		sb_addf(&s->list, "%u :%s\n", s->next++, name.buf);
	}
	char *rel = xasprintf("vhosts/%s/%s/%s%s%s", mdir, m->info ? "cur" : "new", name.buf,
			      m->info ? ":2," : "", m->info ? m->info : "");
	int r = demo_put_file(D, rel, text.buf, text.len, D->uid, D->gid, 0600);
	if (strcmp(m->box, "andromed.cloud/contact") == 0 && !*m->folder) {
		R->contact_bytes += text.len;
		R->contact_msgs++;
	}
	free(rel);
	free(mdir);
	sb_free(&text);
	sb_free(&name);
	return r < 0 ? -1 : 0;
}

/* What Dovecot leaves after a client has seen the messages in cur/. */
static int write_uidlists(struct mailrun *R)
{
	struct demo *D = R->D;
	for (size_t k = 0; k < R->nseen; k++) {
		const struct seen *s = &R->seen[k];
		struct strbuf sb = STRBUF_INIT;
		char guid[33];
		for (size_t j = 0; j < 32; j++)
			guid[j] = "0123456789abcdef"[lcg() % 16];
		guid[32] = '\0';
		sb_addf(&sb, "3 V%lld N%u G%s\n%s", (long long)(D->now - 86400 * 30), s->next, guid,
			s->list.buf);
		char *rel = *s->folder ? xasprintf("vhosts/%s/%s/dovecot-uidlist", s->box, s->folder)
				       : xasprintf("vhosts/%s/dovecot-uidlist", s->box);
		int r = demo_put_file(D, rel, sb.buf, sb.len, D->uid, D->gid, 0600);
		free(rel);
		sb_free(&sb);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The folders a client subscribed to, and the quota plugin's maildirsize. */
static int write_client_files(struct mailrun *R)
{
	struct demo *D = R->D;
	static const char *const subscriptions[] = { "vhosts/andromed.cloud/johndoe/subscriptions",
						     "vhosts/andromed.cloud/janedoe/subscriptions" };
	for (size_t i = 0; i < sizeof subscriptions / sizeof subscriptions[0]; i++) {
		const struct embedded_file *f = demo_sample(subscriptions[i]);
		if (demo_put_file(D, f->path, f->text, f->len, D->uid, D->gid, 0600) < 0)
			return -1;
	}
	/* Dovecot's quota plugin keeps this for a box with a limit (Maildir++). */
	char *msize = xasprintf("1048576S\n%llu %u\n", (unsigned long long)R->contact_bytes,
				R->contact_msgs);
	int r = demo_put_file(D, "vhosts/andromed.cloud/contact/maildirsize", msize, strlen(msize),
			      D->uid, D->gid, 0600);
	free(msize);
	return r;
}

int demomail_write(struct demo *D, size_t *count)
{
	struct mailrun R = { .D = D, .vhosts = xasprintf("%s/vhosts", D->dir) };
	int rc = make_boxes(&R);
	for (size_t i = 0; rc == 0 && i < NMSGS; i++) {
		rc = write_message(&R, &msgs[i]);
		if (rc == 0)
			(*count)++;
	}
	if (rc == 0)
		rc = write_uidlists(&R);
	if (rc == 0)
		rc = write_client_files(&R);
	for (size_t k = 0; k < R.nseen; k++)
		sb_free(&R.seen[k].list);
	free(R.vhosts);
	return rc < 0 ? -1 : 0;
}
