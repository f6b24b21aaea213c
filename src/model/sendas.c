/* Send-as recognised in the files (sendas.h): the sender login map, the
 * owners the rule computes from the mailbox and alias tables, who Postfix
 * lets send as an address, and the lines out of step. The stage writes the
 * lines by the same rule (src/stage/sendas_apply.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/sendas.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* ---- owner lists ---- */

bool sendas_list_has(const struct sendas_list *l, const char *address)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], address) == 0)
			return true;
	return false;
}

void sendas_list_add(struct sendas_list *l, const char *address)
{
	if (!*address || sendas_list_has(l, address))
		return;
	xgrow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(address);
}

bool sendas_list_del(struct sendas_list *l, const char *address)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], address) == 0) {
			free(l->v[i]);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
			l->n--;
			return true;
		}
	return false;
}

void sendas_list_parse(struct sendas_list *l, const char *value)
{
	const char *p = value, *s;
	size_t len;
	while (table_value_next(&p, &s, &len)) {
		char *one = xmemdup0(s, len);
		sendas_list_add(l, one);
		free(one);
	}
}

void sendas_list_join(const struct sendas_list *l, struct strbuf *out)
{
	for (size_t i = 0; i < l->n; i++)
		sb_addf(out, "%s%s", i ? ", " : "", l->v[i]);
}

static int sendas_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sendas_list_sort(struct sendas_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, sendas_cmp);
}

void sendas_list_free(struct sendas_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* ---- the map and main.cf ---- */

char *sendas_default_path(const struct config *cfg)
{
	const char *dir = cfg->postfix_dir ? cfg->postfix_dir : "/etc/postfix";
	const char *p = cfg->sender_login_map;
	if (!p || !*p)
		return xasprintf("%s/sender_login", dir);
	return p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", dir, p);
}

struct world_map *sendas_map(const struct world *w)
{
	for (size_t i = 0; i < world_map_count(w); i++) {
		struct world_map *m = world_map(w, i);
		if ((m->roles & MAP_SENDER_LOGIN) && m->table && m->ref.path &&
		    table_syntax(m->table) == TABLE_INDEXED)
			return m;
	}
	return NULL;
}

bool sendas_enabled(const struct world *w)
{
	char *v = maincf_get(world_maincf(w), "smtpd_sender_login_maps");
	bool on = *v != '\0';
	free(v);
	return on;
}

bool sendas_present(const struct world *w)
{
	if (sendas_enabled(w))
		return true;
	const struct world_map *m = sendas_map(w);
	return m && (doc_exists(table_doc(m->table)) || table_count(m->table) > 0);
}

static bool sendas_is_mismatch(const char *item)
{
	return strcmp(item, "reject_sender_login_mismatch") == 0 ||
	       strcmp(item, "reject_authenticated_sender_login_mismatch") == 0 ||
	       strcmp(item, "reject_known_sender_login_mismatch") == 0 ||
	       strcmp(item, "reject_unauthenticated_sender_login_mismatch") == 0;
}

static bool sendas_list_mismatch(const char *value)
{
	size_t n;
	char **items = maincf_split_list(value, &n);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = sendas_is_mismatch(items[i]);
	maincf_list_free(items);
	return found;
}

/* A service of master.cf beside main.cf (read from the disk: the world
 * keeps no document of it) with a *_sender_login_mismatch in its -o
 * restrictions: a submission listener often has it there alone. */
static bool sendas_master_restricts(const struct world *w)
{
	const char *m = world_maincf_path(w), *slash = strrchr(m, '/');
	char *path = xasprintf("%.*s/master.cf", slash ? (int)(slash - m) : 1, slash ? m : ".");
	struct doc *doc = NULL;
	struct diags quiet = DIAGS_INIT;
	bool found = false;
	if (doc_load(path, true, &doc, &quiet) == 0) {
		for (size_t i = 0; i < doc_count(doc) && !found; i++) {
			size_t len, k = 0;
			const char *t = doc_text(doc, i, &len);
			while (k < len && (t[k] == ' ' || t[k] == '\t'))
				k++;
			found = k < len && t[k] != '#' && memmem(t, len, "-o", 2) &&
				memmem(t, len, "_sender_login_mismatch", 22);
		}
	}
	doc_free(&doc);
	diags_free(&quiet);
	free(path);
	return found;
}

const char *sendas_restriction_param(const struct world *w)
{
	static const char *const params[] = { "smtpd_sender_restrictions", "smtpd_recipient_restrictions",
					      "smtpd_relay_restrictions", "smtpd_data_restrictions" };
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
		char *v = maincf_get(world_maincf(w), params[i]);
		bool found = sendas_list_mismatch(v);
		free(v);
		if (found)
			return params[i];
	}
	return sendas_master_restricts(w) ? "master.cf" : NULL;
}

char *sendas_restriction_edit(const char *value, bool add, const char *sep)
{
	bool has = sendas_list_mismatch(value);
	if (add == has)
		return NULL;
	size_t n;
	char **items = maincf_split_list(value, &n);
	struct strbuf sb = STRBUF_INIT;
	/* First: a permit_sasl_authenticated before it would let the mail
	 * through unchecked (restrictions stop at the first decision). */
	if (add)
		sb_adds(&sb, "reject_authenticated_sender_login_mismatch");
	for (size_t i = 0; i < n; i++)
		if (!sendas_is_mismatch(items[i]))
			sb_addf(&sb, "%s%s", sb.len ? sep : "", items[i]);
	maincf_list_free(items);
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

/* ---- the rule ---- */

/* The first entry for key in the tables of role (the maps in order). */
static const struct table_entry *sendas_find(const struct world *w, unsigned role, const char *key)
{
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct world_map *m = world_map(w, i);
		const struct table_entry *e;
		if ((m->roles & role) && m->table && table_syntax(m->table) == TABLE_INDEXED &&
		    (e = table_lookup(m->table, key)))
			return e;
	}
	return NULL;
}

static bool sendas_is_address(const char *key)
{
	const char *at = strrchr(key, '@');
	return at && at != key && at[1];
}

static bool sendas_is_mailbox(const struct world *w, const char *address)
{
	return sendas_is_address(address) && sendas_find(w, MAP_VIRTUAL_MAILBOX, address);
}

/* The mailboxes reached from an alias value, through other aliases; seen
 * holds the aliases already followed (a loop ends there). */
static void sendas_expand(const struct world *w, const char *value, struct strmap *seen,
			  struct sendas_list *out)
{
	const char *p = value, *s;
	size_t len;
	while (table_value_next(&p, &s, &len)) {
		char *t = xmemdup0(s, len);
		char *k = table_fold_key(t);
		free(t);
		const struct table_entry *e;
		if (sendas_is_mailbox(w, k)) {
			sendas_list_add(out, k);
		} else if (sendas_is_address(k) && strmap_add(seen, k, NULL) &&
			   (e = sendas_find(w, MAP_VIRTUAL_ALIAS, k))) {
			sendas_expand(w, e->value, seen, out);
		}
		free(k);
	}
}

void sendas_computed(const struct world *w, const char *address, struct sendas_list *out)
{
	char *k = table_fold_key(address);
	const struct table_entry *e;
	if (sendas_is_mailbox(w, k)) {
		sendas_list_add(out, k);
	} else if (sendas_is_address(k) && (e = sendas_find(w, MAP_VIRTUAL_ALIAS, k))) {
		struct strmap *seen = strmap_create(8);
		strmap_add(seen, k, NULL);
		struct sendas_list l = { 0 };
		sendas_expand(w, e->value, seen, &l);
		sendas_list_sort(&l);
		for (size_t i = 0; i < l.n; i++)
			sendas_list_add(out, l.v[i]);
		sendas_list_free(&l);
		strmap_free(&seen);
	}
	free(k);
}

static void sendas_all_role(const struct world *w, unsigned role, struct strmap *done,
			    struct sendas_all *out, size_t *cap)
{
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct world_map *m = world_map(w, i);
		if (!(m->roles & role) || !m->table || table_syntax(m->table) != TABLE_INDEXED)
			continue;
		size_t n = table_count(m->table);
		for (size_t k = 0; k < n; k++) {
			const struct table_entry *e = table_entry(m->table, k);
			if (e->shadowed || !sendas_is_address(e->lookup_key) || !strmap_add(done, e->lookup_key, NULL))
				continue;
			struct sendas_list l = { 0 };
			sendas_computed(w, e->lookup_key, &l);
			if (!l.n)
				continue;
			xgrow(&out->address, cap, out->n + 1, sizeof *out->address);
			out->owners = xreallocarray(out->owners, *cap, sizeof *out->owners);
			out->address[out->n] = xstrdup(e->lookup_key);
			out->owners[out->n++] = l;
		}
	}
}

void sendas_computed_all(const struct world *w, struct sendas_all *out)
{
	memset(out, 0, sizeof *out);
	size_t cap = 0;
	struct strmap *done = strmap_create(256);
	sendas_all_role(w, MAP_VIRTUAL_MAILBOX, done, out, &cap);
	sendas_all_role(w, MAP_VIRTUAL_ALIAS, done, out, &cap);
	strmap_free(&done);
}

void sendas_all_free(struct sendas_all *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->address[i]);
		sendas_list_free(&a->owners[i]);
	}
	free(a->address);
	free(a->owners);
	memset(a, 0, sizeof *a);
}

/* ---- Postfix's lookup ---- */

static const struct table_entry *sendas_ask(const struct world *w, const char *key, struct strbuf *form)
{
	const struct table_entry *e = sendas_find(w, MAP_SENDER_LOGIN, key);
	if (e && form) {
		sb_reset(form);
		sb_adds(form, key);
	}
	return e;
}

const struct table_entry *sendas_lookup(const struct world *w, const char *address, struct strbuf *form)
{
	char *a = table_fold_key(address);
	const char *at = strrchr(a, '@');
	char *delims = maincf_get(world_maincf(w), "recipient_delimiter");
	size_t ulen = at ? (size_t)(at - a) : strlen(a);
	/* the user part without its extension (mail_addr_find.c) */
	size_t blen = *delims ? strcspn(a, delims) : ulen;
	if (blen > ulen || blen == 0)
		blen = ulen;
	const struct table_entry *e = sendas_ask(w, a, form);
	if (!e && blen < ulen && at) {
		char *k = xasprintf("%.*s%s", (int)blen, a, at);
		e = sendas_ask(w, k, form);
		free(k);
	}
	/* "user" alone only for a local domain (myorigin, mydestination) */
	if (!e && at && world_domain_class(w, at + 1, NULL) == DOMAIN_LOCAL) {
		char *k = xasprintf("%.*s", (int)blen, a);
		e = sendas_ask(w, k, form);
		free(k);
	}
	if (!e && at)
		e = sendas_ask(w, at, form);
	free(delims);
	free(a);
	return e;
}

void sendas_owners_text(const struct world *w, const char *key, const char *value, struct strbuf *out)
{
	struct sendas_list have = { 0 }, rule = { 0 };
	sendas_list_parse(&have, value);
	sendas_computed(w, key, &rule);
	for (size_t i = 0; i < have.n; i++) {
		sb_adds(out, i ? ", " : "");
		sb_add_printable(out, have.v[i], strlen(have.v[i]));
		if (!sendas_list_has(&rule, have.v[i]))
			sb_adds(out, _(" (granted)"));
	}
	for (size_t i = 0; i < rule.n; i++)
		if (!sendas_list_has(&have, rule.v[i]))
			sb_addf(out, _("%s%s (missing: the rule gives it)"), out->len ? ", " : "", rule.v[i]);
	sendas_list_free(&have);
	sendas_list_free(&rule);
}

void sendas_grants(const struct world *w, const char *address, struct sendas_list *out)
{
	const struct world_map *m = sendas_map(w);
	const struct table_entry *e = m ? table_lookup(m->table, address) : NULL;
	struct sendas_list have = { 0 }, rule = { 0 };
	if (e)
		sendas_list_parse(&have, e->value);
	sendas_computed(w, address, &rule);
	for (size_t i = 0; i < have.n; i++)
		if (!sendas_list_has(&rule, have.v[i]))
			sendas_list_add(out, have.v[i]);
	sendas_list_free(&have);
	sendas_list_free(&rule);
}

/* ---- out of step ---- */

static void sendas_check_line(const struct world *w, const struct world_map *m, const struct table_entry *e,
			      void (*report)(void *arg, const struct sendas_problem *p), void *arg)
{
	struct sendas_list have = { 0 }, want = { 0 };
	sendas_list_parse(&have, e->value);
	sendas_computed(w, e->lookup_key, &want);
	for (size_t i = 0; i < want.n; i++)
		if (!sendas_list_has(&have, want.v[i])) {
			struct sendas_problem p = { SENDAS_MISSING_OWNER, e->lookup_key, want.v[i], m->ref.path, e->line };
			report(arg, &p);
		}
	for (size_t i = 0; i < have.n; i++) {
		char *k = table_fold_key(have.v[i]);
		if (!sendas_list_has(&want, k) && !sendas_is_mailbox(w, k)) {
			struct sendas_problem p = { SENDAS_UNKNOWN_LOGIN, e->lookup_key, have.v[i], m->ref.path, e->line };
			report(arg, &p);
		}
		free(k);
	}
	sendas_list_free(&have);
	sendas_list_free(&want);
}

void sendas_check(const struct world *w, void (*report)(void *arg, const struct sendas_problem *p), void *arg)
{
	const struct world_map *m = sendas_map(w);
	if (!m || !sendas_present(w))
		return;
	size_t n = table_count(m->table);
	for (size_t k = 0; k < n; k++) {
		const struct table_entry *e = table_entry(m->table, k);
		if (!e->shadowed && e->lookup_key && *e->lookup_key)
			sendas_check_line(w, m, e, report, arg);
	}
	struct sendas_all all;
	sendas_computed_all(w, &all);
	for (size_t i = 0; i < all.n; i++)
		if (!table_lookup(m->table, all.address[i])) {
			struct sendas_problem p = { SENDAS_MISSING_LINE, all.address[i], NULL, m->ref.path, 0 };
			report(arg, &p);
		}
	sendas_all_free(&all);
}
