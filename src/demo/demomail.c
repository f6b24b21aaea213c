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
#include "vmailadm/diag.h"
#include "vmailadm/embedded.h"
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

/* The sample messages, src/demo/mail/ compiled in (src/demo/local.mk), in
 * the order they are written (the names and ids below depend on it). Each
 * is "Name: value" lines, a blank line, then the body as is: Box, Folder
 * (none: INBOX), Style (postfix or dovecot), Info (none: in new/), Age (in
 * minutes), From, To, Delivered-To (none: saved by a client), X-Original-To
 * (when it differs), Subject (UTF-8), Encoding (raw, qp or base64) and
 * Attachment (SIZE TYPE NAME, made up). The cast: johndoe has new mail,
 * read, flagged-unread, replied and a Sent folder; janedoe mail through
 * the team alias and a folder named in modified UTF-7 (Outlook's "Éléments
 * envoyés"); contact three large messages, close to its 1M quota; support
 * a queue of tickets; admin mail through webmaster@ and /etc/aliases
 * (root); ascent.cloud's admin has never received any. */
extern const struct embedded_file demo_mail[];

/* m from the sample f; its strings point into *hdr (free it) and f. A
 * malformed sample is a bug of the build: panic. */
static void msg_parse(const struct embedded_file *f, struct msg *m, char **hdr)
{
	const char *body = strstr(f->text, "\n\n");
	if (!body)
		vm_panic("demo mail %s: no blank line after the header", f->path);
	*hdr = xstrndup(f->text, (size_t)(body - f->text) + 1);
	memset(m, 0, sizeof *m);
	m->folder = "";
	m->body = body + 2;
	for (char *line = *hdr, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		char *v = strchr(line, ':');
		if (!v)
			vm_panic("demo mail %s: '%s' is not a field", f->path, line);
		*v++ = '\0';
		if (*v == ' ')
			v++;
		if (strcmp(line, "Box") == 0) {
			m->box = v;
		} else if (strcmp(line, "Folder") == 0) {
			m->folder = v;
		} else if (strcmp(line, "Style") == 0) {
			m->style = strcmp(v, "dovecot") == 0 ? DC : PF;
		} else if (strcmp(line, "Info") == 0) {
			m->info = v;
		} else if (strcmp(line, "Age") == 0) {
			m->age_min = atoi(v);
		} else if (strcmp(line, "From") == 0) {
			m->from = v;
		} else if (strcmp(line, "To") == 0) {
			m->to = v;
		} else if (strcmp(line, "Delivered-To") == 0) {
			m->rcpt = v;
		} else if (strcmp(line, "X-Original-To") == 0) {
			m->orig = v;
		} else if (strcmp(line, "Subject") == 0) {
			m->subject = v;
		} else if (strcmp(line, "Encoding") == 0) {
			m->enc = strcmp(v, "qp") == 0 ? QP : strcmp(v, "base64") == 0 ? B64 : RAW;
		} else if (strcmp(line, "Attachment") == 0) {
			m->attach = strtoul(v, &v, 10);
			m->attach_type = strtok(v, " ");
			m->attach_name = strtok(NULL, "");
		} else {
			vm_panic("demo mail %s: unknown field %s", f->path, line);
		}
	}
	if (!m->box || !m->from || !m->to || !m->subject || (m->attach && !m->attach_name))
		vm_panic("demo mail %s: a field is missing", f->path);
}

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
	struct seen *seen;        /* one per message at most */
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
	size_t nmsgs = 0;
	while (demo_mail[nmsgs].path)
		nmsgs++;
	struct mailrun R = { .D = D, .vhosts = xasprintf("%s/vhosts", D->dir),
			     .seen = xcalloc(nmsgs, sizeof *R.seen) };
	char **hdrs = xcalloc(nmsgs, sizeof *hdrs);   /* R.seen points into them */
	int rc = make_boxes(&R);
	for (size_t i = 0; rc == 0 && i < nmsgs; i++) {
		struct msg m;
		msg_parse(&demo_mail[i], &m, &hdrs[i]);
		rc = write_message(&R, &m);
		if (rc == 0)
			(*count)++;
	}
	if (rc == 0)
		rc = write_uidlists(&R);
	if (rc == 0)
		rc = write_client_files(&R);
	for (size_t k = 0; k < R.nseen; k++)
		sb_free(&R.seen[k].list);
	free(R.seen);
	for (size_t i = 0; i < nmsgs; i++)
		free(hdrs[i]);
	free(hdrs);
	free(R.vhosts);
	return rc < 0 ? -1 : 0;
}
