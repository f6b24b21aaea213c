/* Alias domains in the stage (issue 15): `domain add B --alias-of A`
 * writes one "user@B user@A" line per address of A, and every later edit
 * that adds or removes an address of A adds or removes its line in the
 * same staged world, so the diff shows it. The rule of what the lines are
 * is the model's (vmailadm/aliasdom.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stage_int.h"
#include "vmailadm/aliasdom.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

/* The line of an address of target in alias domain: "user@B" or "@B". */
static char *aliasdom_apply_key(const char *address, const char *domain)
{
	const char *at = strrchr(address, '@');
	return xasprintf("%.*s@%s", (int)(at - address), address, domain);
}

int aliasdom_apply_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const char *target = op->alias_of;
	struct strbuf why = STRBUF_INIT;
	if (!stage_rule_alias_target(w, target, &why)) {
		diag_error(d, NULL, 0, "%s", why.buf);
		sb_free(&why);
		return -1;
	}
	sb_free(&why);
	const struct domain *tdom = world_domain_find(w, target);
	size_t nb, na;
	const struct mailbox *boxes = world_domain_mailboxes(w, tdom, &nb);
	const struct alias *aliases = world_domain_aliases(w, tdom, &na);
	bool catchall = tdom->catchall_alias || tdom->catchall_mailbox;
	struct table *t = apply_map_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", d);
	if (!t)
		return -1;
	/* B's lines go at the end, apart: else they read as the last block's
	 * (under its "# Domaine : ..." comment) */
	table_end_apart(t);
	if (apply_domain_listing_add(s, w, op->subject, DOMAIN_VIRTUAL_ALIAS, d) < 0)
		return -1;
	/* mailboxes then aliases, each address once (an identity entry is its
	 * mailbox's), then the catch-all: one edit of the table */
	char **keys = xcalloc(nb + na + 2, sizeof *keys), **vals = xcalloc(nb + na + 2, sizeof *vals);
	size_t lines = 0;
	for (size_t i = 0; i < nb + na; i++) {
		const char *addr = i < nb ? boxes[i].address : aliases[i - nb].address;
		if (i >= nb && world_mailbox_find(w, addr))
			continue;
		keys[lines] = aliasdom_apply_key(addr, op->subject);
		vals[lines++] = xstrdup(addr);
	}
	size_t n = lines;
	if (catchall) {
		keys[n] = xasprintf("@%s", op->subject);
		vals[n++] = xasprintf("@%s", target);
		stage_add_note(s, _("%s has a catch-all, so %s gets its own: @%s @%s (any user there goes on to %s)"),
			       target, op->subject, op->subject, target, target);
	}
	int rc = table_add_many(t, (const char *const *)keys, (const char *const *)vals, n, d);
	for (size_t i = 0; i < n; i++) {
		free(keys[i]);
		free(vals[i]);
	}
	free(keys);
	free(vals);
	if (rc == 0)
		stage_add_note(s, _("%s mirrors %s with one line per address (%zu), never a wildcard: Postfix refuses unknown users of %s at RCPT instead of bouncing them later (backscatter)"),
			       op->subject, target, lines, op->subject);
	return rc;
}

/* Does address exist in the edited maps (a mailbox, an alias, a catch-all
 * in either map)? The staged tables, not w's lists: op has changed them. */
static bool aliasdom_apply_exists(const struct world *w, const char *address)
{
	bool found = false;
	for (size_t i = 0; i < world_map_count(w) && !found; i++) {
		const struct world_map *m = world_map(w, i);
		if (m->table && (m->roles & (MAP_VIRTUAL_MAILBOX | MAP_VIRTUAL_ALIAS)))
			found = table_lookup(m->table, address) != NULL;
	}
	return found;
}

/* The line of alias domain ad for address (of its target), in the alias
 * map: NULL when there is none. */
static const struct table_entry *aliasdom_apply_line(const struct world *w, const char *key,
						     struct table **in)
{
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct world_map *m = world_map(w, i);
		const struct table_entry *e;
		if (m->table && (m->roles & MAP_VIRTUAL_ALIAS) && (e = table_lookup(m->table, key))) {
			*in = m->table;
			return e;
		}
	}
	return NULL;
}

/* address of ad->target exists after op: its line is there; it does not:
 * its line (when it is the mirror line) goes. */
static int aliasdom_apply_one(struct stage *s, struct world *w, const struct aliasdom *ad,
			      const char *address, struct diags *d)
{
	char *key = aliasdom_apply_key(address, ad->domain);
	char *value = address[0] == '@' ? xasprintf("@%s", ad->target) : xstrdup(address);
	struct table *t = NULL;
	const struct table_entry *e = aliasdom_apply_line(w, key, &t);
	bool exists = aliasdom_apply_exists(w, address);
	int rc = 0;
	if (exists && !e) {
		t = apply_map_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", d);
		rc = t ? table_add(t, key, value, d) : -1;
		if (rc == 0)
			stage_add_note(s, _("alias domain %s follows: %s → %s is added"), ad->domain, key, value);
	} else if (!exists && e && strcasecmp(e->value, value) == 0) {
		rc = table_remove(t, key, d);
		if (rc == 0)
			stage_add_note(s, _("alias domain %s follows: %s → %s is removed"), ad->domain, key, value);
	}
	free(key);
	free(value);
	return rc;
}

/* Which addresses op may have added or removed: for the kinds that add or
 * remove their subject, the subject ("@domain" for a catch-all edit); none
 * for the kinds that change no address; for any other kind (a rename, a
 * forward), the subject and the targets. */
enum aliasdom_touch { TOUCH_NONE, TOUCH_SUBJECT, TOUCH_CATCHALL, TOUCH_ALL };

static enum aliasdom_touch aliasdom_apply_touches(enum op_kind kind)
{
	switch (kind) {
	case OP_MAILBOX_ADD: case OP_MAILBOX_DEL: case OP_ALIAS_ADD: case OP_ALIAS_DEL:
	case OP_ALIAS_SET:
		return TOUCH_SUBJECT;
	case OP_CATCHALL_SET: case OP_CATCHALL_CLEAR:
		return TOUCH_CATCHALL;
	case OP_DOMAIN_ADD: case OP_DOMAIN_DEL: case OP_MAILBOX_PASSWD: case OP_MAILBOX_QUOTA:
	case OP_SYSALIAS_SET: case OP_SYSALIAS_DEL: case OP_FILE_RESTORE: case OP_FILE_REMOVE: case OP_MAILDIR_RESTORE:
	case OP_MAP_REBUILD: case OP_MAILDIR_CREATE: case OP_SENDAS_ALLOW: case OP_SENDAS_DENY:
	case OP_SENDAS_ENABLE: case OP_SENDAS_DISABLE: case OP_POSTFIX_USE_PGSQL:
		return TOUCH_NONE;
	case OP_MAILBOX_RENAME: case OP_FORWARD_SET: case OP_FORWARD_CLEAR:
		return TOUCH_ALL;
	}
	return TOUCH_ALL;
}

static int aliasdom_apply_address(struct stage *s, struct world *w, const char *address, struct diags *d)
{
	const char *at = strrchr(address, '@');
	if (!at || !at[1])
		return 0;
	size_t n;
	struct aliasdom *ads = aliasdom_list(w, at + 1, &n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = aliasdom_apply_one(s, w, &ads[i], address, d);
	free(ads);
	return rc;
}

int aliasdom_apply_sync(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	enum aliasdom_touch touch = aliasdom_apply_touches(op->kind);
	if (touch == TOUCH_NONE)
		return 0;
	if (s->excerpts) {
		/* The quick path read only the op's own keys: the lines that say
		 * which domains mirror this one are not in its world. With any
		 * alias domain about, the full path decides. */
		size_t nd;
		const struct domain *doms = world_domains(w, &nd);
		for (size_t i = 0; i < nd; i++)
			if (doms[i].classes & DOMAIN_VIRTUAL_ALIAS)
				return -1;
		return 0;
	}
	char *subject = touch == TOUCH_CATCHALL ? xasprintf("@%s", op->subject) : xstrdup(op->subject);
	int rc = aliasdom_apply_address(s, w, subject, d);
	free(subject);
	for (size_t i = 0; i < op->ntargets && rc == 0 && touch == TOUCH_ALL; i++)
		if (op->targets[i][0] != '@')
			rc = aliasdom_apply_address(s, w, op->targets[i], d);
	return rc;
}

int aliasdom_apply_domain_del(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct aliasdom self;
	if (aliasdom_find(w, op->subject, &self)) {
		/* Its lines are derived from its target: they go with it. */
		if (op->cascade)
			return 0;
		struct op *all = op_clone(op);
		all->cascade = true;
		int rc = apply_domain_del(s, w, all, d);
		op_free(&all);
		return rc < 0 ? -1 : 1;
	}
	size_t n;
	struct aliasdom *ads = aliasdom_list(w, op->subject, &n);
	int rc = 0;
	if (n && !op->cascade) {
		struct strbuf who = STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			sb_addf(&who, "%s%s", i ? ", " : "", ads[i].domain);
		diag_error(d, NULL, 0, _("%s is mirrored by the alias domains %s: remove them first (vmailadm domain del %s), or use --cascade"),
			   op->subject, who.buf, ads[0].domain);
		sb_free(&who);
		rc = -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct op *sub = op_new(OP_DOMAIN_DEL, ads[i].domain);
		sub->cascade = true;
		rc = apply_domain_del(s, w, sub, d) < 0 ? -1 : 0;
		op_free(&sub);
		if (rc == 0)
			stage_add_note(s, _("cascade: alias domain %s is removed with its lines"), ads[i].domain);
	}
	free(ads);
	return rc;
}
