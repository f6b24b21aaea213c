/* The Postfix log, read once: each line's head (time, program) is cut
 * without copying, the queue id of a postfix/ line keys a table of the
 * messages in flight (sender, client, their records), and a delivery line
 * (to=<...>, status=...) for the address asked becomes or updates a record.
 * The table forgets a message at qmgr's "removed", so a reused queue id
 * starts afresh. Owns its records and the in-flight table. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vmailadm/i18n.h"
#include "vmailadm/maillog.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define QID_MAX 24

/* A message in flight: its queue id and what earlier lines said. */
struct inflight {
	char qid[QID_MAX];     /* "" = free slot */
	char *sender;          /* qmgr's from=, NULL before it */
	char *client;          /* smtpd's client= */
	size_t *recs;          /* indices of its records */
	size_t nrecs, caprecs;
};

struct maillog {
	struct maillog_query q;
	char *address;         /* lower case */
	size_t addrlen;
	bool domain_only;      /* "@domain" */
	struct inflight *tab;  /* open addressing, linear probing */
	size_t tabcap, tabn;
	struct maillog_record *recs;
	size_t nrecs, caprecs;
	struct strbuf partial; /* a line cut between two feeds */
	uint64_t lines;
	/* The last syslog time stamp turned into seconds (the same second
	 * comes back on many lines). */
	char last_stamp[16];
	int64_t last_time;
	int this_year;
};

const char *maillog_status_name(enum maillog_status s)
{
	switch (s) {
	case MAILLOG_SENT: return "sent";
	case MAILLOG_DEFERRED: return "deferred";
	case MAILLOG_BOUNCED: return "bounced";
	case MAILLOG_EXPIRED: return "expired";
	case MAILLOG_REJECTED: return "rejected";
	case MAILLOG_LOGIN: return "login";
	case MAILLOG_LOGIN_FAILED: return "login-failed";
	}
	return "?";
}

struct maillog *maillog_new(const struct maillog_query *q)
{
	struct maillog *m = xcalloc(1, sizeof *m);
	m->q = *q;
	if (!m->q.now)
		m->q.now = (int64_t)time(NULL);
	m->address = xstrdup(q->address ? q->address : "");
	for (char *p = m->address; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	m->addrlen = strlen(m->address);
	m->domain_only = m->address[0] == '@';
	m->q.address = m->address;
	m->tabcap = 1024;
	m->tab = xcalloc(m->tabcap, sizeof *m->tab);
	time_t now = (time_t)m->q.now;
	struct tm tm;
	localtime_r(&now, &tm);
	m->this_year = tm.tm_year + 1900;
	return m;
}

static void record_free(struct maillog_record *r)
{
	free(r->queue_id);
	free(r->sender);
	free(r->recipient);
	free(r->orig_recipient);
	free(r->relay);
	free(r->client);
	free(r->dsn);
	free(r->text);
}

void maillog_free(struct maillog **mp)
{
	struct maillog *m = *mp;
	if (!m)
		return;
	for (size_t i = 0; i < m->tabcap; i++) {
		free(m->tab[i].sender);
		free(m->tab[i].client);
		free(m->tab[i].recs);
	}
	free(m->tab);
	for (size_t i = 0; i < m->nrecs; i++)
		record_free(&m->recs[i]);
	free(m->recs);
	free(m->address);
	sb_free(&m->partial);
	free(m);
	*mp = NULL;
}

const struct maillog_record *maillog_records(const struct maillog *m, size_t *n)
{
	*n = m->nrecs;
	return m->recs;
}

uint64_t maillog_lines(const struct maillog *m)
{
	return m->lines;
}

/* ---- the in-flight table ---- */

static size_t qid_hash(const char *s, size_t len)
{
	size_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct inflight *tab_find(struct maillog *m, const char *qid, size_t len)
{
	size_t mask = m->tabcap - 1;
	for (size_t i = qid_hash(qid, len) & mask;; i = (i + 1) & mask) {
		struct inflight *e = &m->tab[i];
		if (!e->qid[0])
			return NULL;
		if (strncmp(e->qid, qid, len) == 0 && e->qid[len] == '\0')
			return e;
	}
}

static void tab_grow(struct maillog *m)
{
	struct inflight *old = m->tab;
	size_t oldcap = m->tabcap;
	m->tabcap *= 2;
	m->tab = xcalloc(m->tabcap, sizeof *m->tab);
	size_t mask = m->tabcap - 1;
	for (size_t k = 0; k < oldcap; k++) {
		if (!old[k].qid[0])
			continue;
		size_t i = qid_hash(old[k].qid, strlen(old[k].qid)) & mask;
		while (m->tab[i].qid[0])
			i = (i + 1) & mask;
		m->tab[i] = old[k];
	}
	free(old);
}

static struct inflight *tab_get(struct maillog *m, const char *qid, size_t len)
{
	struct inflight *e = tab_find(m, qid, len);
	if (e)
		return e;
	if (2 * (m->tabn + 1) > m->tabcap)
		tab_grow(m);
	size_t mask = m->tabcap - 1;
	size_t i = qid_hash(qid, len) & mask;
	while (m->tab[i].qid[0])
		i = (i + 1) & mask;
	e = &m->tab[i];
	memcpy(e->qid, qid, len);
	e->qid[len] = '\0';
	m->tabn++;
	return e;
}

/* Forget a message; backward-shift deletion keeps every probe chain whole. */
static void tab_remove(struct maillog *m, struct inflight *e)
{
	free(e->sender);
	free(e->client);
	free(e->recs);
	memset(e, 0, sizeof *e);
	m->tabn--;
	size_t mask = m->tabcap - 1;
	size_t hole = (size_t)(e - m->tab);
	for (size_t i = (hole + 1) & mask; m->tab[i].qid[0]; i = (i + 1) & mask) {
		size_t home = qid_hash(m->tab[i].qid, strlen(m->tab[i].qid)) & mask;
		/* Move it into the hole unless its home lies cyclically in (hole, i]. */
		bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (stays)
			continue;
		m->tab[hole] = m->tab[i];
		memset(&m->tab[i], 0, sizeof m->tab[i]);
		hole = i;
	}
}

/* ---- small scanners over [p, end) ---- */

static char *dup_range(const char *p, const char *end)
{
	return xstrndup(p, (size_t)(end - p));
}

/* The value of "key<...>" (key given with its '<'), or false. */
static bool find_angle(const char *p, const char *end, const char *key, const char **vs,
		       const char **ve)
{
	size_t kl = strlen(key);
	while (p + kl <= end) {
		const char *k = memchr(p, key[0], (size_t)(end - p));
		if (!k || k + kl > end)
			return false;
		if (memcmp(k, key, kl) == 0 && (k == p || k[-1] == ' ' || k[-1] == ',')) {
			const char *s = k + kl;
			const char *e = memchr(s, '>', (size_t)(end - s));
			if (!e)
				return false;
			/* An address may hold '>' inside quotes; Postfix quotes so
			 * that the '>' followed by ',' / ' ' / end closes it. */
			while (e + 1 < end && e[1] != ',' && e[1] != ' ') {
				const char *n = memchr(e + 1, '>', (size_t)(end - e - 1));
				if (!n)
					break;
				e = n;
			}
			*vs = s;
			*ve = e;
			return true;
		}
		p = k + 1;
	}
	return false;
}

/* The value of "key=" up to ", " or the end (relay=, dsn=, status=). */
static bool find_word(const char *p, const char *end, const char *key, const char **vs,
		      const char **ve)
{
	size_t kl = strlen(key);
	for (;;) {
		const char *k = memchr(p, key[0], (size_t)(end - p));
		if (!k || k + kl > end)
			return false;
		if (memcmp(k, key, kl) == 0 && (k[-1] == ' ' || k[-1] == ',')) {
			const char *s = k + kl, *e = s;
			while (e < end && *e != ',' && *e != ' ')
				e++;
			*vs = s;
			*ve = e;
			return true;
		}
		p = k + 1;
	}
}

static bool addr_matches(const struct maillog *m, const char *s, const char *e)
{
	size_t len = (size_t)(e - s);
	if (m->domain_only) {
		if (len < m->addrlen)
			return false;
		return strncasecmp(e - m->addrlen, m->address, m->addrlen) == 0;
	}
	return len == m->addrlen && strncasecmp(s, m->address, len) == 0;
}

/* ---- time stamps ---- */

static int month_of(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (memcmp(months + 3 * i, p, 3) == 0)
			return i;
	return -1;
}

/* "Dec  6 13:29:40" (syslog, local time, no year: the current one, or the
 * one before when that would lie more than a day ahead) or
 * "2026-12-06T13:29:40.123456+01:00" (RFC 3339). */
static int64_t stamp_time(struct maillog *m, const char *p, size_t len)
{
	struct tm tm = { 0 };
	if (len >= 19 && p[4] == '-' && p[10] == 'T') {
		tm.tm_year = atoi(p) - 1900;
		tm.tm_mon = atoi(p + 5) - 1;
		tm.tm_mday = atoi(p + 8);
		tm.tm_hour = atoi(p + 11);
		tm.tm_min = atoi(p + 14);
		tm.tm_sec = atoi(p + 17);
		const char *z = p + 19;
		const char *end = p + len;
		while (z < end && (*z == '.' || isdigit((unsigned char)*z)))
			z++;
		if (z < end && (*z == '+' || *z == '-') && end - z >= 6) {
			long off = (atoi(z + 1) * 60 + atoi(z + 4)) * 60;
			return (int64_t)timegm(&tm) - (*z == '-' ? -off : off);
		}
		if (z < end && *z == 'Z')
			return (int64_t)timegm(&tm);
		tm.tm_isdst = -1;
		return (int64_t)mktime(&tm);
	}
	if (len < 15)
		return 0;
	if (memcmp(m->last_stamp, p, 15) == 0)
		return m->last_time;
	int mon = month_of(p);
	if (mon < 0)
		return 0;
	tm.tm_mon = mon;
	tm.tm_mday = atoi(p + 4);
	tm.tm_hour = atoi(p + 7);
	tm.tm_min = atoi(p + 10);
	tm.tm_sec = atoi(p + 13);
	tm.tm_year = m->this_year - 1900;
	tm.tm_isdst = -1;
	struct tm copy = tm;
	int64_t t = (int64_t)mktime(&tm);
	if (t > m->q.now + 86400) {
		copy.tm_year--;
		t = (int64_t)mktime(&copy);
	}
	memcpy(m->last_stamp, p, 15);
	m->last_time = t;
	return t;
}

/* ---- records ---- */

static struct maillog_record *record_add(struct maillog *m)
{
	if (m->nrecs == m->caprecs) {
		m->caprecs = m->caprecs ? 2 * m->caprecs : 16;
		m->recs = xreallocarray(m->recs, m->caprecs, sizeof *m->recs);
	}
	struct maillog_record *r = &m->recs[m->nrecs++];
	memset(r, 0, sizeof *r);
	return r;
}

static void set_str(char **dst, const char *s, const char *e)
{
	free(*dst);
	*dst = s ? dup_range(s, e) : NULL;
}

static bool same_range(const char *a, const char *s, const char *e)
{
	if (!a || !s)
		return !a && !s;
	size_t len = (size_t)(e - s);
	return strncasecmp(a, s, len) == 0 && a[len] == '\0';
}

/* The parts of one line the handlers share. */
struct line {
	const char *stamp;   /* the time stamp */
	size_t stamplen;
	const char *prog;    /* "postfix/smtpd", "dovecot", "imap-login" */
	size_t proglen;
	const char *msg;     /* after "prog[pid]: " */
	const char *end;
};

static const char *daemon_of(const struct line *l, size_t *len)
{
	const char *slash = memrchr(l->prog, '/', l->proglen);
	const char *d = slash ? slash + 1 : l->prog;
	*len = (size_t)(l->prog + l->proglen - d);
	return d;
}

/* "QID: to=<R>, orig_to=<O>, relay=X, delay=.., dsn=D, status=S (TEXT)" */
static void on_delivery(struct maillog *m, const struct line *l, const char *qid, size_t qlen,
			const char *p)
{
	const char *ts, *te, *os = NULL, *oe = NULL, *ss, *se;
	if (!find_angle(p, l->end, "to=<", &ts, &te))
		return;
	struct inflight *e = tab_find(m, qid, qlen);
	bool match = addr_matches(m, ts, te);
	if (find_angle(te, l->end, "orig_to=<", &os, &oe) && !match)
		match = addr_matches(m, os, oe);
	if (!match && e && e->sender)
		match = addr_matches(m, e->sender, e->sender + strlen(e->sender));
	if (!match)
		return;
	if (!find_word(te, l->end, "status=", &ss, &se))
		return;
	enum maillog_status st;
	size_t sl = (size_t)(se - ss);
	if (sl == 4 && memcmp(ss, "sent", 4) == 0)
		st = MAILLOG_SENT;
	else if (sl == 8 && memcmp(ss, "deferred", 8) == 0)
		st = MAILLOG_DEFERRED;
	else if (sl == 7 && memcmp(ss, "bounced", 7) == 0)
		st = MAILLOG_BOUNCED;
	else
		return; /* sendmail -bv probes (deliverable, undeliverable): nothing moved */
	int64_t t = stamp_time(m, l->stamp, l->stamplen);
	if (!e)
		e = tab_get(m, qid, qlen);
	/* One record per recipient of a message: a retry updates it. */
	struct maillog_record *r = NULL;
	for (size_t i = 0; i < e->nrecs && !r; i++) {
		struct maillog_record *c = &m->recs[e->recs[i]];
		if (same_range(c->recipient, ts, te) && same_range(c->orig_recipient, os, oe))
			r = c;
	}
	if (!r) {
		r = record_add(m);
		r->queue_id = dup_range(qid, qid + qlen);
		r->recipient = dup_range(ts, te);
		r->orig_recipient = os ? dup_range(os, oe) : NULL;
		r->sender = e->sender ? xstrdup(e->sender) : NULL;
		r->client = e->client ? xstrdup(e->client) : NULL;
		if (e->nrecs == e->caprecs) {
			e->caprecs = e->caprecs ? 2 * e->caprecs : 2;
			e->recs = xreallocarray(e->recs, e->caprecs, sizeof *e->recs);
		}
		e->recs[e->nrecs++] = (size_t)(r - m->recs);
	}
	r->time = t;
	r->status = st;
	r->attempts++;
	const char *vs, *ve;
	if (find_word(te, l->end, "relay=", &vs, &ve))
		set_str(&r->relay, vs, ve);
	if (find_word(te, l->end, "dsn=", &vs, &ve))
		set_str(&r->dsn, vs, ve);
	/* The text: "(...)" after the status, to the end of the line. */
	const char *x = se;
	while (x < l->end && *x == ' ')
		x++;
	if (x < l->end && *x == '(' && l->end[-1] == ')')
		set_str(&r->text, x + 1, l->end - 1);
	else
		set_str(&r->text, x, l->end);
}

/* "reject: RCPT from host[ip]: 550 5.1.1 <x>: Recipient address rejected:
 * User unknown ...; from=<s> to=<r> proto=ESMTP helo=<h>" (smtpd, also
 * cleanup's header/body rejections and milter-reject). */
static void on_reject(struct maillog *m, const struct line *l, const char *qid, size_t qlen,
		      const char *p)
{
	const char *fs = NULL, *fe = NULL, *ts = NULL, *te = NULL;
	const char *semi = NULL;
	for (const char *k = l->end; k > p; k--)
		if (k[-1] == ';' && k < l->end && *k == ' ' && l->end - k > 6 &&
		    (memcmp(k + 1, "from=<", 6) == 0 || memcmp(k + 1, "to=<", 4) == 0)) {
			semi = k - 1;
			break;
		}
	if (!semi)
		return;
	find_angle(semi + 2, l->end, "from=<", &fs, &fe);
	find_angle(semi + 2, l->end, "to=<", &ts, &te);
	bool match = (ts && addr_matches(m, ts, te)) || (fs && addr_matches(m, fs, fe));
	if (!match)
		return;
	struct maillog_record *r = record_add(m);
	r->time = stamp_time(m, l->stamp, l->stamplen);
	r->status = MAILLOG_REJECTED;
	r->attempts = 1;
	r->queue_id = qlen ? dup_range(qid, qid + qlen) : NULL;
	r->sender = fs ? dup_range(fs, fe) : NULL;
	r->recipient = ts ? dup_range(ts, te) : NULL;
	/* "RCPT from host[ip]: CODE D.S.N text" */
	const char *x = p;
	const char *from = memmem(x, (size_t)(semi - x), " from ", 6);
	if (from) {
		const char *hs = from + 6, *he = hs;
		while (he < semi && *he != ':' && *he != ' ')
			he++;
		r->relay = dup_range(hs, he);
		x = he;
		if (x < semi && *x == ':')
			x++;
		while (x < semi && *x == ' ')
			x++;
		/* The SMTP code, then the enhanced status code. */
		const char *c = x;
		while (c < semi && isdigit((unsigned char)*c))
			c++;
		if (c > x && c < semi && *c == ' ') {
			const char *ds = c + 1, *de = ds;
			while (de < semi && (isdigit((unsigned char)*de) || *de == '.'))
				de++;
			if (de > ds && de < semi && *de == ' ') {
				r->dsn = dup_range(ds, de);
				x = de + 1;
			} else {
				x = c + 1;
			}
		}
	}
	r->text = dup_range(x, semi);
	(void)l;
}

static void on_postfix(struct maillog *m, const struct line *l)
{
	/* The queue id: letters and digits, then ": ". */
	const char *p = l->msg, *q = p;
	while (q < l->end && isalnum((unsigned char)*q))
		q++;
	size_t qlen = (size_t)(q - p);
	if (qlen == 0 || qlen >= QID_MAX || q + 2 > l->end || q[0] != ':' || q[1] != ' ')
		return;
	const char *rest = q + 2;
	size_t rl = (size_t)(l->end - rest);
	bool noqueue = qlen == 7 && memcmp(p, "NOQUEUE", 7) == 0;
	if (rl > 4 && memcmp(rest, "to=<", 4) == 0) {
		if (!noqueue)
			on_delivery(m, l, p, qlen, rest);
		return;
	}
	if ((rl > 8 && memcmp(rest, "reject: ", 8) == 0) ||
	    (rl > 15 && memcmp(rest, "milter-reject: ", 15) == 0)) {
		on_reject(m, l, noqueue ? NULL : p, noqueue ? 0 : qlen, rest);
		return;
	}
	if (noqueue)
		return;
	size_t dl;
	const char *d = daemon_of(l, &dl);
	if (dl == 4 && memcmp(d, "qmgr", 4) == 0) {
		if (rl == 7 && memcmp(rest, "removed", 7) == 0) {
			struct inflight *e = tab_find(m, p, qlen);
			if (e)
				tab_remove(m, e);
			return;
		}
		const char *fs, *fe;
		if (rl > 6 && memcmp(rest, "from=<", 6) == 0 &&
		    find_angle(rest, l->end, "from=<", &fs, &fe)) {
			struct inflight *e = tab_get(m, p, qlen);
			if (fe + 17 <= l->end && memcmp(fe + 1, ", status=expired", 16) == 0) {
				/* Returned to the sender: what waited is now lost. */
				for (size_t i = 0; i < e->nrecs; i++) {
					struct maillog_record *r = &m->recs[e->recs[i]];
					if (r->status == MAILLOG_DEFERRED) {
						r->status = MAILLOG_EXPIRED;
						r->time = stamp_time(m, l->stamp, l->stamplen);
					}
				}
				return;
			}
			if (!e->sender || !same_range(e->sender, fs, fe))
				set_str(&e->sender, fs, fe);
		}
		return;
	}
	if (dl == 5 && memcmp(d, "smtpd", 5) == 0 && rl > 7 && memcmp(rest, "client=", 7) == 0) {
		/* A new message under this id: what an older one left goes. */
		struct inflight *e = tab_find(m, p, qlen);
		if (e)
			tab_remove(m, e);
		e = tab_get(m, p, qlen);
		const char *ce = rest + 7;
		while (ce < l->end && *ce != ',' && *ce != ' ')
			ce++;
		set_str(&e->client, rest + 7, ce);
	}
}

/* Dovecot: "imap-login: Login: user=<u>, method=PLAIN, rip=1.2.3.4, ...",
 * "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<u>,
 * ...", "auth: passwd-file(u,1.2.3.4): Password mismatch"; with "Info: "
 * after the process name in Dovecot's own log file. */
static void on_dovecot(struct maillog *m, const struct line *l, const char *proc, size_t plen,
		       const char *p)
{
	if (p + 6 <= l->end && (memcmp(p, "Info: ", 6) == 0))
		p += 6;
	else if (p + 8 <= l->end && memcmp(p, "Notice: ", 8) == 0)
		p += 8;
	bool login = plen > 6 && memcmp(proc + plen - 6, "-login", 6) == 0;
	bool auth = plen >= 4 && memcmp(proc, "auth", 4) == 0;
	const char *us = NULL, *ue = NULL;
	enum maillog_status st;
	if (login) {
		if (!find_angle(p, l->end, "user=<", &us, &ue) || us == ue)
			return;
		if (l->end - p > 7 && memcmp(p, "Login: ", 7) == 0)
			st = MAILLOG_LOGIN;
		else if (memmem(p, (size_t)(l->end - p), "auth failed", 11))
			st = MAILLOG_LOGIN_FAILED;
		else
			return;
	} else if (auth) {
		/* "driver(user,ip...): reason" */
		const char *o = memchr(p, '(', (size_t)(l->end - p));
		if (!o)
			return;
		us = o + 1;
		ue = us;
		while (ue < l->end && *ue != ',' && *ue != ')')
			ue++;
		const char *r = memchr(ue, ':', (size_t)(l->end - ue));
		if (!r)
			return;
		p = r + 1;
		while (p < l->end && *p == ' ')
			p++;
		st = MAILLOG_LOGIN_FAILED;
	} else {
		return;
	}
	if (!addr_matches(m, us, ue))
		return;
	struct maillog_record *r = record_add(m);
	r->time = stamp_time(m, l->stamp, l->stamplen);
	r->status = st;
	r->attempts = 1;
	r->recipient = dup_range(us, ue);
	r->relay = NULL;
	const char *rs, *re;
	if (find_word(p, l->end, "rip=", &rs, &re))
		r->relay = dup_range(rs, re);
	r->text = dup_range(p, l->end);
	r->dsn = NULL;
	r->queue_id = NULL;
	(void)proc;
}

/* One line: "STAMP HOST PROG[PID]: MSG" (syslog, journalctl -o short) or
 * "STAMP PROCESS: MSG" (Dovecot's log_path). */
static void on_line(struct maillog *m, const char *p, const char *end)
{
	m->lines++;
	if (end > p && end[-1] == '\r')
		end--;
	struct line l = { .stamp = p, .end = end };
	const char *x;
	if (end - p >= 19 && p[4] == '-' && p[10] == 'T') {
		x = memchr(p, ' ', (size_t)(end - p));
		if (!x)
			return;
		l.stamplen = (size_t)(x - p);
	} else {
		if (end - p < 16 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
			return;
		x = p + 15;
		while (x < end && *x != ' ')
			x++; /* fractions of a second, when a logger adds them */
		l.stamplen = 15;
	}
	x++;
	/* Next token: a host, or a process name ending in ':' (Dovecot). */
	const char *t = x;
	while (x < end && *x != ' ')
		x++;
	if (x >= end)
		return;
	if (x[-1] != ':') {
		t = ++x;
		while (x < end && *x != ' ')
			x++;
		if (x >= end || x[-1] != ':')
			return;
	}
	const char *br = memchr(t, '[', (size_t)(x - t));
	l.prog = t;
	l.proglen = (size_t)((br ? br : x - 1) - t);
	l.msg = x + 1;
	if (l.proglen >= 7 && memcmp(t, "postfix", 7) == 0 && memchr(t, '/', l.proglen)) {
		on_postfix(m, &l);
		return;
	}
	if (!m->q.logins)
		return;
	if (l.proglen >= 7 && memcmp(t, "dovecot", 7) == 0) {
		/* syslog: "dovecot: imap-login: ..." */
		const char *ps = l.msg, *pe = ps;
		while (pe < end && *pe != ':' && *pe != ' ')
			pe++;
		if (pe + 2 <= end && *pe == ':')
			on_dovecot(m, &l, ps, (size_t)(pe - ps), pe + 2);
		return;
	}
	on_dovecot(m, &l, l.prog, l.proglen, l.msg);
}

void maillog_feed(struct maillog *m, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	if (m->partial.len) {
		const char *nl = memchr(p, '\n', len);
		if (!nl) {
			sb_add(&m->partial, p, len);
			return;
		}
		sb_add(&m->partial, p, (size_t)(nl - p));
		on_line(m, m->partial.buf, m->partial.buf + m->partial.len);
		sb_reset(&m->partial);
		p = nl + 1;
	}
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		on_line(m, p, nl);
		p = nl + 1;
	}
	if (p < end)
		sb_add(&m->partial, p, (size_t)(end - p));
}

void maillog_finish(struct maillog *m)
{
	if (m->partial.len)
		on_line(m, m->partial.buf, m->partial.buf + m->partial.len);
	sb_reset(&m->partial);
	/* Records older than --since go now: a message's last line decides. */
	if (m->q.since) {
		size_t k = 0;
		for (size_t i = 0; i < m->nrecs; i++) {
			if (m->recs[i].time >= m->q.since)
				m->recs[k++] = m->recs[i];
			else
				record_free(&m->recs[i]);
		}
		m->nrecs = k;
	}
}

bool maillog_parse_since(const char *s, int64_t now, int64_t *out)
{
	char *end;
	if (s[0] == '@') {
		long long v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || *end)
			return false;
		*out = v;
		return true;
	}
	if (isdigit((unsigned char)s[0])) {
		long long v = strtoll(s, &end, 10);
		if (end[0] && !end[1]) {
			int64_t unit = end[0] == 'd' ? 86400 : end[0] == 'h' ? 3600 : end[0] == 'm' ? 60 : 0;
			if (unit && v >= 0) {
				*out = now - v * unit;
				return true;
			}
		}
	}
	struct tm tm = { 0 };
	int n = 0, y, mo, d, h = 0, mi = 0, sec = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return false;
	const char *r = s + n;
	if (*r == ' ' || *r == 'T') {
		int k = 0;
		if (sscanf(r + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
			return false;
		r += 1 + k;
		if (*r == ':') {
			if (sscanf(r + 1, "%2d%n", &sec, &k) != 1)
				return false;
			r += 1 + k;
		}
	}
	if (*r || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*out = (int64_t)mktime(&tm);
	return true;
}

static void put(struct strbuf *sb, const char *s)
{
	sb_add_printable(sb, s ? s : "-", s ? strlen(s) : 1);
}

void maillog_format(const struct maillog_record *r, struct strbuf *sb)
{
	char when[32];
	time_t tt = (time_t)r->time;
	struct tm tm;
	if (!r->time || !localtime_r(&tt, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof when, "-");
	sb_addf(sb, "%s  %-12s %-12s ", when, r->queue_id ? r->queue_id : "-",
		maillog_status_name(r->status));
	if (r->status == MAILLOG_LOGIN || r->status == MAILLOG_LOGIN_FAILED) {
		put(sb, r->recipient);
		sb_adds(sb, _(" from "));
		put(sb, r->relay);
	} else {
		put(sb, r->sender && !r->sender[0] ? "<>" : r->sender);
		sb_adds(sb, " -> ");
		put(sb, r->recipient);
		if (r->orig_recipient) {
			sb_adds(sb, " (");
			put(sb, r->orig_recipient);
			sb_adds(sb, ")");
		}
		if (r->relay) {
			sb_adds(sb, _(" via "));
			put(sb, r->relay);
		}
	}
	sb_adds(sb, "\n    ");
	if (r->dsn) {
		put(sb, r->dsn);
		sb_adds(sb, " ");
	}
	put(sb, r->text);
	if (r->attempts > 1)
		sb_addf(sb, ngettext(" (%u attempt)", " (%u attempts)", r->attempts), r->attempts);
	sb_adds(sb, "\n");
}
