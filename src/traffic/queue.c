/* The Postfix queue: listed from its files when this process can read
 * them (qdir.c, as root), else through postqueue -j streamed line by line
 * into struct queue_msg (jansson per line); postsuper for
 * hold/release/requeue/delete after checking each id against a fresh
 * listing, postqueue -f/-s, postcat -bh. Everything runs through spawn. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/i18n.h"
#include "vmailadm/qdir.h"
#include "vmailadm/queue.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strmap.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

#define QUEUE_TIMEOUT_MS (120 * 1000)

void queue_msg_free(struct queue_msg *m)
{
	free(m->queue_name);
	free(m->queue_id);
	free(m->sender);
	for (size_t i = 0; i < m->nrcpts; i++) {
		free(m->rcpts[i].address);
		free(m->rcpts[i].reason);
	}
	free(m->rcpts);
	memset(m, 0, sizeof *m);
}

void queue_format_age(int64_t secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;   /* a clock set back: not a negative age */
	if (secs < 60)
		snprintf(buf, len, "%llds", (long long)secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lldm", (long long)(secs / 60));
	else if (secs < 86400)
		snprintf(buf, len, "%lldh", (long long)(secs / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(secs / 86400));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void queue_msg_copy(struct queue_msg *dst, const struct queue_msg *src)
{
	*dst = *src;
	dst->queue_name = dup_or_null(src->queue_name);
	dst->queue_id = dup_or_null(src->queue_id);
	dst->sender = dup_or_null(src->sender);
	dst->rcpts = src->nrcpts ? xcalloc(src->nrcpts, sizeof *dst->rcpts) : NULL;
	for (size_t i = 0; i < src->nrcpts; i++) {
		dst->rcpts[i].address = dup_or_null(src->rcpts[i].address);
		dst->rcpts[i].reason = dup_or_null(src->rcpts[i].reason);
	}
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int queue_parse_line(const char *line, size_t len, unsigned lineno, struct queue_msg *m,
		     struct diags *d)
{
	memset(m, 0, sizeof *m);
	json_error_t err;
	json_t *o = json_loadb(line, len, JSON_DISABLE_EOF_CHECK, &err);
	if (!o || !json_is_object(o)) {
		diag_error(d, "postqueue -j", lineno, _("not a JSON object: %s"),
			   o ? _("another JSON value") : err.text);
		json_decref(o);
		return -1;
	}
	const char *name = jstr(o, "queue_name"), *id = jstr(o, "queue_id");
	const char *sender = jstr(o, "sender");
	json_t *rc = json_object_get(o, "recipients");
	if (!name || !id || !sender || !json_is_array(rc)) {
		diag_error(d, "postqueue -j", lineno,
			   _("a message without queue_name, queue_id, sender or recipients"));
		json_decref(o);
		return -1;
	}
	m->queue_name = xstrdup(name);
	m->queue_id = xstrdup(id);
	m->sender = xstrdup(sender);
	m->arrival_time = json_integer_value(json_object_get(o, "arrival_time"));
	json_int_t size = json_integer_value(json_object_get(o, "message_size"));
	m->size = size > 0 ? (uint64_t)size : 0;
	m->forced_expire = json_is_true(json_object_get(o, "forced_expire"));
	m->nrcpts = json_array_size(rc);
	m->rcpts = m->nrcpts ? xcalloc(m->nrcpts, sizeof *m->rcpts) : NULL;
	for (size_t i = 0; i < m->nrcpts; i++) {
		json_t *r = json_array_get(rc, i);
		const char *a = json_is_object(r) ? jstr(r, "address") : NULL;
		const char *why = json_is_object(r) ? jstr(r, "delay_reason") : NULL;
		m->rcpts[i].address = xstrdup(a ? a : "");
		m->rcpts[i].reason = why && why[0] ? xstrdup(why) : NULL;
	}
	json_decref(o);
	return 0;
}

/* The listing's reader: whole lines out of the pieces spawn hands on. */
struct lister {
	queue_visit fn;
	void *ctx;
	struct strbuf partial;
	unsigned lineno;
	long count;
	bool stopped;
	struct diags *d;
	size_t bad;
};

static void lister_line(struct lister *l, const char *p, size_t len)
{
	l->lineno++;
	if (l->stopped || len == 0)
		return;
	struct queue_msg m;
	if (queue_parse_line(p, len, l->lineno, &m, l->d) < 0) {
		l->bad++;
		return;
	}
	l->count++;
	if (!l->fn(l->ctx, &m))
		l->stopped = true;
	queue_msg_free(&m);
}

static void lister_feed(void *ctx, const char *data, size_t len)
{
	struct lister *l = ctx;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			sb_add(&l->partial, p, (size_t)(end - p));
			return;
		}
		if (l->partial.len) {
			sb_add(&l->partial, p, (size_t)(nl - p));
			lister_line(l, l->partial.buf, l->partial.len);
			sb_reset(&l->partial);
		} else {
			lister_line(l, p, (size_t)(nl - p));
		}
		p = nl + 1;
	}
}

static long queue_list_postqueue(const struct traffic_postfix *pf, queue_visit fn, void *ctx,
				 struct diags *d)
{
	const char *argv[] = { "postqueue", "-c", pf->config_dir, "-j", NULL };
	struct lister l = { .fn = fn, .ctx = ctx, .d = d };
	struct spawn_result res;
	int rc = spawn_stream(argv, NULL, QUEUE_TIMEOUT_MS, lister_feed, &l, &res, d);
	if (rc == 0) {
		if (l.partial.len)
			lister_line(&l, l.partial.buf, l.partial.len);
		rc = spawn_result_check(argv, &res, QUEUE_TIMEOUT_MS, d);
	}
	spawn_result_free(&res);
	sb_free(&l.partial);
	if (rc < 0 || l.bad)
		return -1;
	return l.count;
}

long queue_list_from(const struct traffic_postfix *pf, enum queue_source want,
		     enum queue_source *used, queue_visit fn, void *ctx, struct diags *d)
{
	if (want != QUEUE_FROM_POSTQUEUE) {
		struct diags why = DIAGS_INIT;
		long n = qdir_list(pf, fn, ctx, &why);
		if (n != QDIR_UNREADABLE || want == QUEUE_FROM_FILES) {
			diags_take(d, &why);
			diags_free(&why);
			if (used)
				*used = QUEUE_FROM_FILES;
			return n < 0 ? -1 : n;
		}
		/* Not root: Postfix's own programs can read it for us. */
		diags_free(&why);
	}
	if (used)
		*used = QUEUE_FROM_POSTQUEUE;
	return queue_list_postqueue(pf, fn, ctx, d);
}

long queue_list(const struct traffic_postfix *pf, queue_visit fn, void *ctx, struct diags *d)
{
	return queue_list_from(pf, QUEUE_FROM_AUTO, NULL, fn, ctx, d);
}

/* ---- the queue in memory (the interface) ---- */

/* The domain of an address, folded to lower case (Postfix compares domains
 * without regard to case), into buf; NULL when there is no '@'. */
static const char *fold_domain(const char *address, char *buf, size_t len)
{
	const char *at = strrchr(address, '@');
	if (!at || !at[1] || strlen(at + 1) >= len)
		return NULL;
	size_t i = 0;
	for (const char *p = at + 1; *p; p++)
		buf[i++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	buf[i] = '\0';
	return buf;
}

static bool snapshot_visit(void *ctx, const struct queue_msg *m)
{
	struct queue_snapshot *s = ctx;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	queue_msg_copy(&s->v[s->n++], m);
	s->bytes += m->size;
	/* Once per domain and message: a message to two people of one domain
	 * is one message waiting for it. */
	char buf[256], other[256];
	for (size_t i = 0; i < m->nrcpts; i++) {
		const char *dom = fold_domain(m->rcpts[i].address, buf, sizeof buf);
		bool seen = !dom;
		for (size_t k = 0; k < i && !seen; k++) {
			const char *o = fold_domain(m->rcpts[k].address, other, sizeof other);
			seen = o && strcmp(o, dom) == 0;
		}
		if (!seen) {
			uintptr_t c = (uintptr_t)strmap_get(s->domains, dom);
			strmap_put(s->domains, dom, (void *)(c + 1));
		}
	}
	return true;
}

long queue_snapshot_take(const struct traffic_postfix *pf, struct queue_snapshot *s,
			 struct diags *d)
{
	queue_snapshot_free(s);
	s->domains = strmap_create(64);
	return queue_list_from(pf, QUEUE_FROM_AUTO, &s->source, snapshot_visit, s, d);
}

size_t queue_snapshot_domain(const struct queue_snapshot *s, const char *domain)
{
	char buf[256];
	char *at = xasprintf("@%s", domain);
	const char *dom = s->domains ? fold_domain(at, buf, sizeof buf) : NULL;
	free(at);
	return dom ? (size_t)(uintptr_t)strmap_get(s->domains, dom) : 0;
}

void queue_snapshot_free(struct queue_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		queue_msg_free(&s->v[i]);
	free(s->v);
	strmap_free(&s->domains);
	memset(s, 0, sizeof *s);
}

/* ---- actions ---- */

/* The refs a fresh listing holds with the same arrival time. */
struct checker {
	struct strmap *want;    /* queue id -> index in refs */
	const struct queue_ref *refs;
	bool *found;
	bool *held;             /* in the hold queue now, when asked */
	struct queue_msg *keep; /* the message of refs[0], when asked */
};

static bool check_visit(void *ctx, const struct queue_msg *m)
{
	struct checker *c = ctx;
	void *v = strmap_get(c->want, m->queue_id);
	if (!v)
		return true;
	size_t i = (size_t)(uintptr_t)v - 1;
	if (c->refs[i].arrival_time && c->refs[i].arrival_time != m->arrival_time)
		return true;
	c->found[i] = true;
	if (c->held)
		c->held[i] = m->queue_name && strcmp(m->queue_name, "hold") == 0;
	if (c->keep && i == 0)
		queue_msg_copy(c->keep, m);
	return true;
}

/* Mark in found[] the refs the queue holds now; refuse the others in d. */
static int check_refs(const struct traffic_postfix *pf, const struct queue_ref *refs, size_t n,
		      bool *found, bool *held, struct queue_msg *keep, struct diags *d)
{
	struct checker c = { .want = strmap_create(n), .refs = refs, .found = found, .held = held,
			     .keep = keep };
	/* An id given twice is looked for once: its first place says found
	 * (the second was "not in the queue" though it was acted on). */
	bool *again = xcalloc(n ? n : 1, sizeof *again);
	for (size_t i = 0; i < n; i++) {
		if (strmap_get(c.want, refs[i].queue_id))
			again[i] = true;
		else
			strmap_put(c.want, refs[i].queue_id, (void *)(uintptr_t)(i + 1));
	}
	long rc = queue_list(pf, check_visit, &c, d);
	strmap_free(&c.want);
	if (rc < 0) {
		free(again);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!found[i] && !again[i])
			diag_error(d, NULL, 0,
				   refs[i].arrival_time
					   ? _("%s: no longer in the queue of %s as listed (delivered, "
					       "removed, or the id now names another message)")
					   : _("%s: not in the queue of %s"),
				   refs[i].queue_id, pf->myhostname);
	free(again);
	return 0;
}

static bool valid_id(const char *id)
{
	if (!id[0] || strlen(id) > 32)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

long queue_act(const struct traffic_postfix *pf, enum queue_action a, const struct queue_ref *refs,
	       size_t n, struct strbuf *done, struct diags *d)
{
	static const char *const flags[] = { "-h", "-H", "-r", "-d" };
	for (size_t i = 0; i < n; i++)
		if (!valid_id(refs[i].queue_id)) {
			diag_error(d, NULL, 0, _("'%s' is not a queue id"), refs[i].queue_id);
			return -1;
		}
	bool *found = xcalloc(n ? n : 1, sizeof *found);
	bool *held = xcalloc(n ? n : 1, sizeof *held);
	if (check_refs(pf, refs, n, found, held, NULL, d) < 0) {
		free(found);
		free(held);
		return -1;
	}
	struct strbuf in = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (!found[i])
			continue;
		/* postsuper -h / -H pass over such a message without a word. */
		if (a == QUEUE_HOLD && held[i])
			diag_error(d, NULL, 0, _("%s: already on hold: nothing done"),
				   refs[i].queue_id);
		else if (a == QUEUE_RELEASE && !held[i])
			diag_error(d, NULL, 0, _("%s: not on hold: nothing done"), refs[i].queue_id);
		else
			sb_addf(&in, "%s\n", refs[i].queue_id);
	}
	free(found);
	free(held);
	if (!in.len) {
		sb_free(&in);
		return 0; /* each refusal is in d */
	}
	/* "-" reads the ids from stdin: one run, no argv limit. */
	const char *argv[] = { "postsuper", "-c", pf->config_dir, flags[a], "-", NULL };
	struct spawn_result res;
	int rc = spawn_run(argv, in.buf, in.len, NULL, QUEUE_TIMEOUT_MS, &res, d);
	sb_free(&in);
	long count = 0;
	if (rc == 0) {
		/* "postsuper: 4F2A31E0A5: removed" per message, on stderr. */
		const char *p = sb_str(&res.err);
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			if (len > 11 && memcmp(p, "postsuper: ", 11) == 0) {
				const char *id = p + 11, *colon = memchr(id, ':', len - 11);
				if (colon && colon > id && colon[1] == ' ' &&
				    memchr(id, ' ', (size_t)(colon - id)) == NULL) {
					sb_add(done, id, len - 11);
					sb_addc(done, '\n');
					count++;
				}
			}
			p += len + (nl ? 1 : 0);
		}
		if (res.status != 0)
			spawn_result_check(argv, &res, QUEUE_TIMEOUT_MS, d);
	}
	spawn_result_free(&res);
	return rc < 0 ? -1 : count;
}

int queue_flush(const struct traffic_postfix *pf, const char *domain, struct diags *d)
{
	const char *argv[] = { "postqueue", "-c", pf->config_dir, domain ? "-s" : "-f", domain,
			       NULL };
	return spawn_check(argv, QUEUE_TIMEOUT_MS, d);
}

int queue_message(const struct traffic_postfix *pf, const struct queue_ref *ref, size_t max,
		  struct queue_msg *m, struct strbuf *raw, struct diags *d)
{
	memset(m, 0, sizeof *m);
	if (!valid_id(ref->queue_id)) {
		diag_error(d, NULL, 0, _("'%s' is not a queue id"), ref->queue_id);
		return -1;
	}
	bool found = false;
	if (check_refs(pf, ref, 1, &found, NULL, m, d) < 0 || !found)
		return -1;
	const char *argv[] = { "postcat", "-c", pf->config_dir, "-bh", "-q", ref->queue_id, NULL };
	struct spawn_result res;
	int rc = spawn_run(argv, NULL, 0, NULL, QUEUE_TIMEOUT_MS, &res, d);
	if (rc == 0)
		rc = spawn_result_check(argv, &res, QUEUE_TIMEOUT_MS, d);
	if (rc == 0)
		sb_add(raw, res.out.buf, res.out.len < max ? res.out.len : max);
	spawn_result_free(&res);
	if (rc < 0)
		queue_msg_free(m);
	return rc;
}
