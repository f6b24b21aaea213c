/* forward set / forward clear (issue 15): a mailbox's forwarding made
 * explicit. It is the mailbox's own entry in the alias map: with a copy,
 * the mailbox stays a target of it (the documented Postfix idiom: an
 * address naming itself ends the expansion there, so it is delivered);
 * without, its mail leaves and never reaches its INBOX. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "stage_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"

/* The alias map line of b gets value (a new line when it has none). */
static int forward_write(struct world *w, const struct mailbox *b, const char *value, struct diags *d)
{
	const struct alias *a = b->alias;
	if (a && (!a->map || !a->map->table)) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return -1;
	}
	struct table *t = a ? a->map->table
			    : apply_new_key_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", b->address, d);
	if (!t)
		return -1;
	return a ? table_set(t, b->address, value, d) : table_add(t, b->address, value, d);
}

int apply_forward_set(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = apply_need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	/* a forward to itself is refused by op_check (stage_apply_one) */
	if (apply_check_targets(w, op, d) < 0)
		return -1;
	struct strbuf v = STRBUF_INIT;
	if (!op->no_copy)
		sb_adds(&v, op->subject);
	apply_join_targets(op, &v);
	int rc = forward_write(w, b, v.buf, d);
	sb_free(&v);
	if (rc == 0 && op->no_copy)
		stage_add_note(s, b->pw ? _("the mail of %s leaves: it never reaches its INBOX, although the mailbox can still log in")
				       : _("the mail of %s leaves: it never reaches its INBOX"),
			       b->address);
	return rc;
}

int apply_forward_clear(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = apply_need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	if (!world_mailbox_forward(b, NULL)) {
		diag_error(d, NULL, 0, _("%s forwards nothing"), op->subject);
		return -1;
	}
	if (!b->alias->map || !b->alias->map->table) {
		diag_error(d, b->alias->file, b->alias->line, _("%s is in a table vmailadm cannot edit"), b->address);
		return -1;
	}
	/* A catch-all of the domain in the alias map would swallow the mailbox
	 * without its identity entry (§2.5): that stays. */
	const struct domain *dom = world_domain_find(w, b->domain);
	if (dom && dom->catchall_alias) {
		stage_add_note(s, _("%s keeps an identity entry in the alias map, because the catch-all of %s is there and would swallow it"),
			       b->address, dom->name);
		return table_set(b->alias->map->table, b->address, b->address, d);
	}
	return table_remove(b->alias->map->table, b->address, d);
}
