/* The alias operations applied to a world (alias add/set/del, the
 * catch-all, the system aliases of /etc/aliases): checked against the
 * world as it will be, then edited in the alias and mailbox maps. The
 * domain and mailbox operations are in apply.c. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

/* What alias add and alias set both ask of the address and the targets:
 * a new alias is a new address (no dangerous characters), and only a
 * mailbox may name itself (Postfix stops the expansion there, §2.4: mail
 * to an alias that names itself bounces). */
static int apply_alias_check(const struct stage *s, const struct world *w, const struct op *op,
		       struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	bool mailbox = world_mailbox_find(w, op->subject) != NULL;
	if (!mailbox && !world_alias_find(w, op->subject) &&
	    !op_safe_local_part(op->subject, s->cfg->local_part_allow, &why))
		return apply_refuse(d, &why);
	for (size_t i = 0; i < op->ntargets && !mailbox; i++)
		if (strcasecmp(op->targets[i], op->subject) == 0 &&
		    !stage_rule_target(w, op->subject, op->targets[i], &why))
			return apply_refuse(d, &why);
	sb_free(&why);
	const char *domain = strrchr(op->subject, '@') + 1;
	unsigned classes;
	world_domain_class(w, domain, &classes);
	if (!(classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		diag_error(d, NULL, 0, _("%s is not a virtual domain here: Postfix would not accept mail for %s"),
			   domain, op->subject);
		return -1;
	}
	if (!mailbox && !world_alias_find(w, op->subject) &&
	    !stage_rule_domain_limits(s->cfg, w, domain, 0, 1, 0, false, &why))
		return apply_refuse(d, &why);
	return apply_check_targets(w, op, d);
}

/* The alias line gets value: a's own line (its key and separator kept as
 * written), or a new line in the alias map when there is no alias yet. */
static int apply_alias_write(struct world *w, const struct alias *a, const char *address,
		       const char *value, struct diags *d)
{
	if (!a) {
		struct table *t = apply_new_key_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", address, d);
		return t ? table_add(t, address, value, d) : -1;
	}
	if (!a->map || !a->map->table) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return -1;
	}
	return table_set(a->map->table, address, value, d);
}

/* Aliasing runs before delivery: a mailbox whose alias leaves itself out
 * stops receiving mail (§2.1), so its address stays first in the value. */
static void apply_keep_self_target(struct stage *s, const char *address, struct strbuf *v)
{
	sb_adds(v, address);
	stage_add_note(s, _("%s stays a target of its own alias, so its mailbox keeps receiving mail"), address);
}

int apply_alias_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	if (apply_alias_check(s, w, op, d) < 0)
		return -1;
	const struct alias *a = world_alias_find(w, op->subject);
	const struct mailbox *b = world_mailbox_find(w, op->subject);
	struct strbuf v = STRBUF_INIT;
	if (a)
		sb_adds(&v, a->value);
	else if (b)
		apply_keep_self_target(s, op->subject, &v);
	for (size_t i = 0; i < op->ntargets; i++) {
		bool dup = false;
		if (a)
			for (size_t k = 0; k < a->ntargets; k++)
				dup |= strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (b && strcasecmp(op->targets[i], op->subject) == 0)
			dup = true;
		if (dup)
			continue;
		sb_addf(&v, "%s%s", v.len ? ", " : "", op->targets[i]);
	}
	int rc = apply_alias_write(w, a, op->subject, v.buf, d);
	sb_free(&v);
	return rc;
}

void apply_join_targets(const struct op *op, struct strbuf *v)
{
	for (size_t i = 0; i < op->ntargets; i++) {
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= strcasecmp(op->targets[k], op->targets[i]) == 0;
		if (!dup)
			sb_addf(v, "%s%s", v->len ? ", " : "", op->targets[i]);
	}
}

/* alias set: the targets become exactly op's, in op's order (a target given
 * twice is written once). A mailbox that gets its own mail through the
 * alias (no alias yet, as alias add creates it, or one naming itself)
 * keeps itself as a target even when the new list leaves it out. */
int apply_alias_set(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	if (apply_alias_check(s, w, op, d) < 0)
		return -1;
	const struct alias *a = world_alias_find(w, op->subject);
	const struct mailbox *b = world_mailbox_find(w, op->subject);
	bool listed = false;
	for (size_t i = 0; i < op->ntargets; i++)
		listed |= strcasecmp(op->targets[i], op->subject) == 0;
	struct strbuf v = STRBUF_INIT;
	if (b && (!a || a->is_identity) && !listed)
		apply_keep_self_target(s, op->subject, &v);
	apply_join_targets(op, &v);
	int rc = apply_alias_write(w, a, op->subject, v.buf, d);
	sb_free(&v);
	return rc;
}

/* The whole entry of alias a goes. When a is a mailbox's own address and
 * its domain has a catch-all in the alias map, the entry is what keeps the
 * mailbox's mail from the catch-all (2.5): an identity entry is kept
 * (refused), any other value becomes the identity entry, with a note. */
static int apply_alias_drop(struct stage *s, struct world *w, const struct alias *a, struct diags *d)
{
	const struct domain *dom = world_domain_find(w, a->domain);
	const struct catchall *c = dom ? dom->catchall_alias : NULL;
	if (!c || !world_mailbox_find(w, a->address) || strcasecmp(c->target, a->address) == 0)
		return table_remove(a->map->table, a->address, d);
	if (apply_is_identity(a)) {
		diag_error(d, a->file, a->line, _("%s keeps the mail of the mailbox %s from the catch-all @%s: without it that mail would go to %s (clear the catch-all first: vmailadm catchall clear %s)"),
			   a->address, a->address, dom->name, c->target, dom->name);
		return -1;
	}
	stage_add_note(s, _("%s keeps an identity entry in the alias map, because the catch-all of %s is there and would swallow it"),
		       a->address, dom->name);
	return table_set(a->map->table, a->address, a->address, d);
}

int apply_alias_del(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct alias *a = world_alias_find(w, op->subject);
	if (!a || a->is_catchall) {
		diag_error(d, NULL, 0, _("%s is not an alias"), op->subject);
		return -1;
	}
	if (!a->map || !a->map->table) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return -1;
	}
	if (op->ntargets == 0)
		return apply_alias_drop(s, w, a, d);
	struct strbuf v = STRBUF_INIT;
	for (size_t i = 0; i < op->ntargets; i++) {
		bool found = false;
		for (size_t k = 0; k < a->ntargets; k++)
			found |= strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (!found) {
			diag_error(d, a->file, a->line, _("%s is not a target of %s"), op->targets[i], a->address);
			sb_free(&v);
			return -1;
		}
	}
	for (size_t k = 0; k < a->ntargets; k++) {
		bool drop = false;
		for (size_t i = 0; i < op->ntargets; i++)
			drop |= strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (!drop)
			sb_addf(&v, "%s%s", v.len ? ", " : "", a->targets[k].text);
	}
	int rc = v.len ? table_set(a->map->table, a->address, v.buf, d) : apply_alias_drop(s, w, a, d);
	sb_free(&v);
	return rc;
}

static int apply_catchall_remove(struct stage *s, struct world *w, const struct domain *dom,
			  struct diags *d)
{
	if (dom->catchall_mailbox) {
		const struct mailbox *cb = dom->catchall_mailbox->mailbox;
		if (!cb->map->table || table_remove(cb->map->table, cb->address, d) < 0)
			return -1;
	}
	if (dom->catchall_alias) {
		/* with the identity entries, which only served to protect
		 * mailboxes from it: removed together, each table once (issue
		 * 16: one table_remove each moved a 100,000-line map a
		 * thousand times) */
		const struct alias *ca = dom->catchall_alias->alias;
		struct table *t = apply_alias_table(ca, d);
		struct apply_removal *rm = NULL;
		size_t nrm = 0, caprm = 0, na;
		if (!t)
			return -1;
		apply_removal_add(&rm, &nrm, &caprm, t, ca->address);
		const struct alias *aliases = world_domain_aliases(w, dom, &na);
		for (size_t i = 0; i < na && t; i++) {
			if (!aliases[i].is_identity || aliases[i].ntargets != 1 ||
			    !world_mailbox_find(w, aliases[i].address))
				continue;
			if ((t = apply_alias_table(&aliases[i], d)) == NULL)
				break;
			apply_removal_add(&rm, &nrm, &caprm, t, aliases[i].address);
			stage_add_note(s, _("identity entry %s is removed: without the catch-all it is not needed"),
				 aliases[i].address);
		}
		return apply_removals_run(rm, nrm, t != NULL, d);
	}
	return 0;
}

bool apply_catchall_in_mailbox_map(const struct stage *s, const struct world *w,
				   const struct domain *dom, const char *target)
{
	const struct mailbox *tb = world_mailbox_find(w, target);
	return (dom->classes & DOMAIN_VIRTUAL_MAILBOX) && tb && tb->is_maildir &&
	       s->cfg->catchall_form == CATCHALL_MAILBOX_MAP;
}

int apply_catchall_set(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct domain *dom = world_domain_find(w, op->subject);
	if (!dom || !(dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		diag_error(d, NULL, 0, _("%s is not a virtual domain here"), op->subject);
		return -1;
	}
	struct op probe = *op;
	if (apply_check_targets(w, &probe, d) < 0)
		return -1;
	const char *target = op->targets[0];
	const struct mailbox *tb = world_mailbox_find(w, target);
	/* before the removal: the world's pointers are the files' as read */
	bool in_mailbox_map = apply_catchall_in_mailbox_map(s, w, dom, target);
	/* the identity entries apply_catchall_remove takes out with a
	 * catch-all of the alias map are gone from the file, not from the
	 * world: their mailboxes need them again below */
	bool identities_gone = dom->catchall_alias != NULL;
	if (apply_catchall_remove(s, w, dom, d) < 0)
		return -1;
	char *key = xasprintf("@%s", dom->name);
	int rc;
	bool mailbox_domain = dom->classes & DOMAIN_VIRTUAL_MAILBOX;
	if (in_mailbox_map) {
		struct table *t = apply_map_table(w, MAP_VIRTUAL_MAILBOX, "virtual_mailbox_maps", d);
		rc = t ? table_add(t, key, tb->value, d) : -1;
		stage_add_note(s, _("the catch-all of %s is written in the mailbox map (@%s %s): Postfix looks up real mailboxes first there, so they keep their mail"),
			 dom->name, dom->name, tb->value);
	} else {
		struct table *t = apply_map_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", d);
		/* the catch-all, then the identity entries of the mailboxes
		 * without an alias entry: added as one after another, in one
		 * edit (issue 16: a thousand table_add at 100,000 lines) */
		size_t nb = 0, n = 1;
		const struct mailbox *boxes = mailbox_domain ? world_domain_mailboxes(w, dom, &nb) : NULL;
		const char **keys = xmalloc((nb + 1) * sizeof *keys);
		keys[0] = key;
		for (size_t i = 0; i < nb; i++) {
			const struct alias *own = boxes[i].alias;
			if (!own || (identities_gone && own->is_identity && own->ntargets == 1))
				keys[n++] = boxes[i].address;
		}
		const char **values = xmalloc(n * sizeof *values);
		values[0] = target;
		for (size_t i = 1; i < n; i++)
			values[i] = keys[i];
		rc = t ? table_add_each(t, keys, values, n, d) : -1;
		free(keys);
		free(values);
		if (rc == 0 && mailbox_domain) {
			stage_add_note(s, tb ? _("the catch-all of %s goes in the alias map (catchall_form: identity); every mailbox of %s gets an identity entry so that the catch-all cannot swallow it")
				       : _("the catch-all of %s forwards to %s, which is not a local mailbox, so it goes in the alias map; every mailbox of the domain gets an identity entry so that the catch-all cannot swallow it"),
				 dom->name, tb ? dom->name : target);
		}
	}
	free(key);
	return rc;
}

int apply_sysalias(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct aliases *al = world_system_aliases(w);
	/* the name's and the targets' form is op_check's (stage_apply_one) */
	if (op->kind == OP_SYSALIAS_DEL) {
		if (!aliases_lookup(al, op->subject)) {
			diag_error(d, doc_name(aliases_doc(al)), 0, _("%s is not in the aliases file"), op->subject);
			return -1;
		}
		return aliases_remove(al, op->subject, d);
	}
	/* A new name meets the rule of new addresses: /etc/aliases names end
	 * up in the same scripts and, with '|', are read as pipes. */
	struct strbuf why = STRBUF_INIT;
	if (!aliases_lookup(al, op->subject) &&
	    !op_safe_local_part(op->subject, s->cfg->local_part_allow, &why))
		return apply_refuse(d, &why);
	sb_free(&why);
	struct strbuf v = STRBUF_INIT;
	for (size_t i = 0; i < op->ntargets; i++) {
		/* An address of a hosted domain must exist there, as for a
		 * virtual alias: else root's mail (cron's, the bounces to
		 * postmaster) would bounce. */
		if (!stage_rule_target(w, NULL, op->targets[i], &why)) {
			sb_free(&v);
			return apply_refuse(d, &why);
		}
		sb_addf(&v, "%s%s", i ? ", " : "", op->targets[i]);
	}
	int rc = aliases_set(al, op->subject, v.buf, d);
	sb_free(&v);
	return rc;
}

int apply_catchall_clear(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct domain *dom = world_domain_find(w, op->subject);
	if (!dom || (!dom->catchall_alias && !dom->catchall_mailbox)) {
		diag_error(d, NULL, 0, _("%s has no catch-all"), op->subject);
		return -1;
	}
	return apply_catchall_remove(s, w, dom, d);
}
