/* The mailbox rename form (M on a mailbox, issue 15): the new address,
 * checked as typed by the rules of a new mailbox, and whether the old one
 * stays as an alias; it stages the same `mailbox rename` the command line
 * does (src/stage/rename.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edit_int.h"
#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static void edit_rename_ctx_free(void *p)
{
	struct edit_ctx *c = p;
	if (!c)
		return;
	free(c->domain);
	free(c->subject);
	free(c);
}

/* "y", "yes", or the word (or its first letter) in the user's language. */
static bool edit_rename_is(const char *v, const char *en, const char *word)
{
	return strcasecmp(v, en) == 0 || (v[0] == en[0] && !v[1]) || strcasecmp(v, word) == 0 ||
	       (v[0] && v[0] == word[0] && !v[1]);
}

static bool edit_rename_yes(const char *v)
{
	return edit_rename_is(v, "yes", _("yes"));
}

static bool edit_rename_check_keep(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	if (edit_rename_yes(v)) {
		sb_adds(why, _("the old address stays, as an alias of the new one"));
		return true;
	}
	if (!*v || edit_rename_is(v, "no", _("no"))) {
		sb_adds(why, _("mail to the old address will be refused"));
		return true;
	}
	sb_adds(why, _("y or n"));
	return false;
}

static int edit_rename_submit(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	char *to = edit_check_address(c, form_value(f, 0));
	struct op *op = op_new(OP_MAILBOX_RENAME, c->subject);
	op_add_target(op, to);
	op->keep_old = edit_rename_yes(form_value(f, 1));
	free(to);
	return staged_push(ui, op, err);
}

void edit_rename(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	if (sel->kind != SEL_MAILBOX || sel->ghost || !sel->mailbox) {
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox to rename it"));
		return;
	}
	struct form_field fields[] = {
		{ N_("New address"), NULL, N_("a name in this domain, or user@other-domain"), false,
		  edit_check_new_mailbox },
		{ N_("Keep the old address as an alias (y/n)"), "n", NULL, false, edit_rename_check_keep },
	};
	struct edit_ctx *c = xcalloc(1, sizeof *c);
	c->domain = xstrdup(sel->mailbox->domain);
	c->subject = xstrdup(sel->mailbox->address);
	char title[300];
	snprintf(title, sizeof title, _("Rename %s (its maildir moves)"), sel->mailbox->address);
	ui_push(ui, form_create(ui, title, fields, 2, edit_rename_submit, c, edit_rename_ctx_free));
}
