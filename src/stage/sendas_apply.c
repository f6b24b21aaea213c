/* Send-as in the stage (issue 15): `sendas allow|deny` edit a line of the
 * sender login map, `sendas enable|disable` main.cf, and every edit that
 * adds, removes or renames an address rewrites the lines whose computed
 * owners it changed, in the same staged world, keeping each line's grants
 * (the owners the rule does not give). The rule is the model's
 * (vmailadm/sendas.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stage_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/sendas.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* The map to edit, or NULL with why. */
static struct world_map *sendas_apply_map(const struct world *w, struct diags *d)
{
	struct world_map *m = sendas_map(w);
	if (!m)
		diag_error(d, world_maincf_path(w), 0,
			   _("smtpd_sender_login_maps names no table vmailadm can edit (a hash, btree, lmdb or cdb file)"));
	return m;
}

/* A line for every address with computed owners that has none (a new
 * map, or one out of step). Returns the lines added, or -1. */
static long sendas_apply_fill(struct world *w, struct world_map *m, struct diags *d)
{
	struct sendas_all all;
	sendas_computed_all(w, &all);
	char **keys = xcalloc(all.n + 1, sizeof *keys), **vals = xcalloc(all.n + 1, sizeof *vals);
	size_t n = 0;
	for (size_t i = 0; i < all.n; i++) {
		if (table_lookup(m->table, all.address[i]))
			continue;
		struct strbuf v = STRBUF_INIT;
		sendas_list_join(&all.owners[i], &v);
		keys[n] = all.address[i];
		vals[n++] = sb_detach(&v);
	}
	int rc = n ? table_add_many(m->table, (const char *const *)keys, (const char *const *)vals, n, d) : 0;
	for (size_t i = 0; i < n; i++)
		free(vals[i]);
	free(keys);
	free(vals);
	sendas_all_free(&all);
	return rc < 0 ? -1 : (long)n;
}

/* The map made on first use: every mailbox and alias with its owners. */
static int sendas_apply_start(struct stage *s, struct world *w, struct world_map *m, struct diags *d)
{
	if (sendas_present(w))
		return 0;
	long n = sendas_apply_fill(w, m, d);
	if (n < 0)
		return -1;
	stage_add_note(s, ngettext("the sender login map %s is new: each mailbox owns its address, each alias is owned by the mailboxes it delivers to (%ld line), kept in step by every later edit",
				   "the sender login map %s is new: each mailbox owns its address, each alias is owned by the mailboxes it delivers to (%ld lines), kept in step by every later edit",
				   (unsigned long)n),
		       m->ref.path, n);
	if (!sendas_enabled(w))
		stage_add_note(s, _("Postfix does not use it until `vmailadm sendas enable`"));
	return 0;
}

/* The line of key becomes l (removed when l is empty). */
static int sendas_apply_write(struct table *t, const char *key, const struct sendas_list *l, struct diags *d)
{
	const struct table_entry *e = table_lookup(t, key);
	if (!l->n)
		return e ? table_remove(t, key, d) : 0;
	struct strbuf v = STRBUF_INIT;
	sendas_list_join(l, &v);
	int rc = e ? table_set(t, key, v.buf, d) : table_add(t, key, v.buf, d);
	sb_free(&v);
	return rc;
}

/* Same owners, whatever their order and spelling on the line. */
static bool sendas_apply_same(const struct table_entry *e, const struct sendas_list *l)
{
	struct sendas_list have = { 0 };
	if (e)
		sendas_list_parse(&have, e->value);
	bool same = have.n == l->n;
	for (size_t i = 0; same && i < l->n; i++)
		same = sendas_list_has(&have, l->v[i]);
	sendas_list_free(&have);
	return same;
}

int apply_sendas_allow(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct world_map *m = sendas_apply_map(w, d);
	if (!m || sendas_apply_start(s, w, m, d) < 0)
		return -1;
	struct sendas_list now = { 0 }, rule = { 0 };
	sendas_computed(w, op->subject, &rule);
	for (size_t i = 0; i < rule.n; i++)
		sendas_list_add(&now, rule.v[i]);
	const struct table_entry *e = table_lookup(m->table, op->subject);
	if (e)
		sendas_list_parse(&now, e->value);
	int rc = 0;
	for (size_t i = 0; i < op->ntargets && rc == 0; i++) {
		char *login = table_fold_key(op->targets[i]);
		if (!world_mailbox_find(w, login)) {
			diag_error(d, NULL, 0, _("%s is not a mailbox: only a mailbox logs in (the SASL logins are the passwd-file's users)"),
				   op->targets[i]);
			rc = -1;
		} else if (sendas_list_has(&rule, login)) {
			stage_add_note(s, _("%s already sends as %s by the rule (no grant needed)"), login, op->subject);
		}
		sendas_list_add(&now, login);
		free(login);
	}
	/* the rule's owners a hand-edited line lacks come back too */
	if (rc == 0 && sendas_apply_same(table_lookup(m->table, op->subject), &now)) {
		diag_error(d, NULL, 0, _("nothing to change: they may already send as %s"), op->subject);
		rc = -1;
	}
	if (rc == 0)
		rc = sendas_apply_write(m->table, op->subject, &now, d);
	sendas_list_free(&now);
	sendas_list_free(&rule);
	return rc;
}

int apply_sendas_deny(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	(void)s;
	struct world_map *m = sendas_apply_map(w, d);
	if (!m)
		return -1;
	const struct table_entry *e = table_lookup(m->table, op->subject);
	struct sendas_list now = { 0 }, rule = { 0 };
	if (e)
		sendas_list_parse(&now, e->value);
	sendas_computed(w, op->subject, &rule);
	int rc = 0;
	for (size_t i = 0; i < op->ntargets && rc == 0; i++) {
		char *login = table_fold_key(op->targets[i]);
		if (sendas_list_has(&rule, login)) {
			diag_error(d, NULL, 0, _("%s sends as %s by the rule (its own mailbox, or an alias delivering to it): change the mailbox or the alias instead"),
				   login, op->subject);
			rc = -1;
		} else if (!sendas_list_del(&now, login)) {
			diag_error(d, e ? m->ref.path : NULL, e ? e->line : 0, _("%s is not allowed to send as %s"),
				   login, op->subject);
			rc = -1;
		}
		free(login);
	}
	if (rc == 0)
		rc = sendas_apply_write(m->table, op->subject, &now, d);
	sendas_list_free(&now);
	sendas_list_free(&rule);
	return rc;
}

/* master.cf beside main.cf: the services' own -o smtpd_sender_restrictions
 * get the restriction (add) or lose it, and so do the main.cf parameters
 * they name ($name). The number of edits, written only when write; -1
 * when master.cf cannot be read. */
static long sendas_apply_master(struct stage *s, struct world *w, bool add, bool write, struct diags *d)
{
	const char *mpath = world_maincf_path(w), *slash = strrchr(mpath, '/');
	char *path = xasprintf("%.*s/master.cf", slash ? (int)(slash - mpath) : 1, slash ? mpath : ".");
	struct staged_file *f = stagefile_get(s, path);
	if (!f)
		f = stagefile_read(s, path, true, d);
	long n = -1;
	if (f) {
		const struct strbuf *b = stagefile_bytes(s, f);
		unsigned braced = add ? sendas_master_braced(sb_str(b), b->len) : 0;
		if (braced) {
			diag_error(d, path, braced,
				   _("this service sets smtpd_sender_restrictions in the -o { } form, which "
				     "vmailadm does not rewrite, without the login mismatch restriction: add "
				     "reject_authenticated_sender_login_mismatch first in it, then enable "
				     "again (nothing was changed)"));
			free(path);
			return -1;
		}
		struct sendas_list params = { 0 };
		size_t edits = 0;
		char *text = sendas_master_edit(sb_str(b), b->len, add, &params, &edits);
		n = (long)edits;
		for (size_t i = 0; i < params.n; i++) {
			const char *raw = maincf_raw(world_maincf(w), params.v[i], NULL);
			char *v = sendas_restriction_edit(raw ? raw : "", add, ", ");
			if (v && write) {
				maincf_set(world_maincf(w), params.v[i], v);
				stage_add_note(s, _("main.cf's %s, which a service of master.cf uses as its smtpd_sender_restrictions, is edited too"),
					       params.v[i]);
			}
			n += v != NULL;
			free(v);
		}
		if (text && write) {
			struct strbuf nb = STRBUF_INIT;
			sb_adds(&nb, text);
			stagefile_set(f, &nb);
			stage_add_note(s, ngettext("%s: %zu service sets its own smtpd_sender_restrictions (-o): it is edited too",
						   "%s: %zu services set their own smtpd_sender_restrictions (-o): they are edited too", edits),
				       path, edits);
		}
		free(text);
		sendas_list_free(&params);
	}
	free(path);
	return n;
}

int apply_sendas_enable(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	(void)op;
	struct world_map *m = sendas_apply_map(w, d);
	if (!m)
		return -1;
	struct maincf *mc = world_maincf(w);
	bool maps = sendas_enabled(w), restricted = sendas_restriction_param(w) != NULL;
	long master = sendas_apply_master(s, w, true, false, d);
	if (master < 0)
		return -1;
	if (maps && restricted && master == 0) {
		unsigned line = 0;   /* where the restriction is */
		maincf_raw(mc, sendas_restriction_param(w), &line);
		diag_error(d, world_maincf_path(w), line, _("send-as is already enabled: main.cf sets smtpd_sender_login_maps and %s holds a sender login mismatch restriction"),
			   sendas_restriction_param(w));
		return -1;
	}
	long n = sendas_apply_fill(w, m, d);
	if (n < 0)
		return -1;
	if (n > 0)
		stage_add_note(s, ngettext("%s gets a line for the %ld address that had none",
					   "%s gets a line for each of the %ld addresses that had none", (unsigned long)n),
			       m->ref.path, n);
	if (!maps) {
		char *spec = xasprintf("%s:%s", m->ref.type, m->ref.path);
		maincf_set(mc, "smtpd_sender_login_maps", spec);
		free(spec);
	}
	if (!restricted) {
		const char *raw = maincf_raw(mc, "smtpd_sender_restrictions", NULL);
		char *v = sendas_restriction_edit(raw ? raw : "", true, ", ");
		maincf_set(mc, "smtpd_sender_restrictions", v);
		free(v);
	}
	sendas_apply_master(s, w, true, true, d);
	char *sasl = maincf_get(mc, "smtpd_sasl_auth_enable");
	if (strcasecmp(sasl, "yes") != 0)
		stage_add_note(s, _("main.cf leaves smtpd_sasl_auth_enable off: the check applies to the clients that log in, e.g. on a submission service of master.cf with -o smtpd_sasl_auth_enable=yes"));
	free(sasl);
	return 0;
}

int apply_sendas_disable(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	(void)op;
	struct maincf *mc = world_maincf(w);
	const char *param = sendas_restriction_param(w);
	long master = sendas_apply_master(s, w, false, false, d);
	if (master < 0)
		return -1;
	if (!sendas_enabled(w) && !param && master == 0) {
		diag_error(d, world_maincf_path(w), 0, _("send-as is not enabled: main.cf sets no smtpd_sender_login_maps"));
		return -1;
	}
	const struct world_map *m = sendas_map(w);
	if (m)
		stage_add_note(s, _("%s stays (and is kept in step while it exists); remove it by hand if it is no longer wanted"),
			       m->ref.path);
	maincf_unset(mc, "smtpd_sender_login_maps");
	sendas_apply_master(s, w, false, true, d);
	const char *raw = param ? maincf_raw(mc, param, NULL) : NULL;
	if (raw) {
		char *v = sendas_restriction_edit(raw, false, ", ");
		if (v && *v)
			maincf_set(mc, param, v);
		else if (v)
			maincf_unset(mc, param);
		free(v);
	}
	return 0;
}

/* ---- kept in step ---- */

static bool sendas_apply_touches(enum op_kind kind)
{
	switch (kind) {
	case OP_MAILBOX_ADD: case OP_MAILBOX_DEL: case OP_MAILBOX_RENAME: case OP_ALIAS_ADD:
	case OP_ALIAS_DEL: case OP_ALIAS_SET: case OP_FORWARD_SET: case OP_FORWARD_CLEAR:
	case OP_DOMAIN_ADD: case OP_DOMAIN_DEL:
		return true;
	default:
		return false;
	}
}

int sendas_apply_before(struct stage *s, struct world *w, const struct op *op, struct sendas_all **before)
{
	*before = NULL;
	if (!sendas_apply_touches(op->kind) || !sendas_map(w) || !sendas_present(w))
		return 0;
	/* The quick path read a few keys: the owners of the others are not in
	 * its world. The full path decides. */
	if (s->excerpts)
		return -1;
	*before = xcalloc(1, sizeof **before);
	sendas_computed_all(w, *before);
	return 0;
}

void sendas_apply_free(struct sendas_all **before)
{
	if (*before)
		sendas_all_free(*before);
	free(*before);
	*before = NULL;
}

static const struct sendas_list *sendas_apply_of(const struct strmap *idx, const struct sendas_all *a,
						 const char *key)
{
	static const struct sendas_list none;
	void *v = strmap_get(idx, key);
	return v ? &a->owners[(size_t)v - 1] : &none;
}

static struct strmap *sendas_apply_index(const struct sendas_all *a, struct strmap *keys)
{
	struct strmap *idx = strmap_create(a->n + 1);
	for (size_t i = 0; i < a->n; i++) {
		strmap_add(idx, a->address[i], (void *)(i + 1));
		strmap_add(keys, a->address[i], NULL);
	}
	return idx;
}

/* What an edit does to logins: a rename gives OLD's grants to NEW (as a
 * login and as an address), a removed mailbox's login loses its grants. */
struct sendas_move {
	const char *old, *new;         /* new NULL: old is gone */
	struct sendas_list moved;      /* the grants of old's own line */
};

/* By domain, then user: the lines of a domain come together. */
static int sendas_apply_cmp(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');
	int c = strcmp(da ? da : "", db ? db : "");
	return c ? c : strcmp(a, b);
}

/* The grants of key's line (owners the rule gave neither before nor
 * after), with the login changes of mv. */
static void sendas_apply_grants(const struct table_entry *e, const struct sendas_list *b,
				const struct sendas_list *a, const struct sendas_move *mv,
				struct sendas_list *out)
{
	struct sendas_list have = { 0 };
	if (e)
		sendas_list_parse(&have, e->value);
	for (size_t i = 0; i < have.n; i++) {
		const char *h = have.v[i];
		if (sendas_list_has(b, h) || sendas_list_has(a, h))
			continue;
		if (mv->old && strcasecmp(h, mv->old) == 0)
			h = mv->new;
		if (h)
			sendas_list_add(out, h);
	}
	sendas_list_free(&have);
}

int sendas_apply_sync(struct stage *s, struct world *w, const struct op *op, struct sendas_all *before,
		      struct diags *d)
{
	struct world_map *m = before ? sendas_map(w) : NULL;
	if (!m)
		return 0;
	struct sendas_all after;
	sendas_computed_all(w, &after);
	struct strmap *keys = strmap_create(after.n + before->n + 1);
	struct strmap *bi = sendas_apply_index(before, keys), *ai = sendas_apply_index(&after, keys);
	struct sendas_move mv = { 0 };
	if (op->kind == OP_MAILBOX_RENAME && op->ntargets)
		mv = (struct sendas_move){ op->subject, op->targets[0], { 0 } };
	else if (op->kind == OP_MAILBOX_DEL)
		mv.old = op->subject;
	size_t n = table_count(m->table);
	for (size_t k = 0; k < n; k++) {
		const struct table_entry *e = table_entry(m->table, k);
		if (!e->shadowed && *e->lookup_key)
			strmap_add(keys, e->lookup_key, NULL);
	}
	if (mv.new) {
		struct sendas_move none = { 0 };
		sendas_apply_grants(table_lookup(m->table, mv.old), sendas_apply_of(bi, before, mv.old),
				    sendas_apply_of(ai, &after, mv.old), &none, &mv.moved);
		strmap_add(keys, mv.new, NULL);
	}
	/* in address order, so that the diff reads in order too */
	size_t nk = 0, pos = 0, changed = 0;
	const char **order = xcalloc(strmap_count(keys) + 1, sizeof *order);
	const char *key;
	void *unused;
	while (strmap_next(keys, &pos, &key, &unused))
		order[nk++] = key;
	qsort(order, nk, sizeof *order, sendas_apply_cmp);
	int rc = 0;
	for (size_t i = 0; i < nk && rc == 0; i++) {
		key = order[i];
		const struct sendas_list *b = sendas_apply_of(bi, before, key), *a = sendas_apply_of(ai, &after, key);
		const struct table_entry *e = table_lookup(m->table, key);
		struct sendas_list l = { 0 };
		for (size_t j = 0; j < a->n; j++)
			sendas_list_add(&l, a->v[j]);
		if (!mv.new || strcasecmp(key, mv.old) != 0)
			sendas_apply_grants(e, b, a, &mv, &l);
		for (size_t j = 0; mv.new && strcasecmp(key, mv.new) == 0 && j < mv.moved.n; j++)
			sendas_list_add(&l, mv.moved.v[j]);
		if (!sendas_apply_same(e, &l)) {
			rc = sendas_apply_write(m->table, key, &l, d);
			changed++;
		}
		sendas_list_free(&l);
	}
	free((void *)order);
	if (rc == 0 && changed)
		stage_add_note(s, ngettext("who may send as the addresses this changes follows in %s (%zu line)",
					   "who may send as the addresses this changes follows in %s (%zu lines)", changed),
			       m->ref.path, changed);
	sendas_list_free(&mv.moved);
	strmap_free(&keys);
	strmap_free(&bi);
	strmap_free(&ai);
	sendas_all_free(&after);
	return rc;
}
