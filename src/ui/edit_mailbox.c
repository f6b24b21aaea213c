/* The forms of a mailbox's issue-15 edits: rename (M) — the new address
 * checked as typed by the rules of a new mailbox, the old one kept as an
 * alias or not — forwarding (f) — the targets, a copy kept or not — and
 * send-as (A, a mailbox or an alias) — the logins granted beside the
 * rule's owners. They stage the same `mailbox rename`, `forward set|clear`
 * and `sendas allow|deny` the command line does (src/stage/rename.c,
 * forward.c, sendas_apply.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edit_int.h"
#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/sendas.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static void edit_mailbox_ctx_free(void *p)
{
	struct edit_ctx *c = p;
	if (!c)
		return;
	free(c->domain);
	free(c->subject);
	free(c);
}

static struct edit_ctx *edit_mailbox_ctx(const struct mailbox *b)
{
	struct edit_ctx *c = xcalloc(1, sizeof *c);
	c->domain = xstrdup(b->domain);
	c->subject = xstrdup(b->address);
	return c;
}

/* "y", "yes", or the word (or its first letter) in the user's language. */
static bool edit_mailbox_is(const char *v, const char *en, const char *word)
{
	return strcasecmp(v, en) == 0 || (v[0] == en[0] && !v[1]) || strcasecmp(v, word) == 0 ||
	       (v[0] && v[0] == word[0] && !v[1]);
}

static bool edit_mailbox_yes(const char *v)
{
	return edit_mailbox_is(v, "yes", _("yes"));
}

/* A y/n field; what each answer means is said as it is typed. */
static bool edit_mailbox_yes_no(const char *v, const char *yes, const char *no, struct strbuf *why)
{
	if (edit_mailbox_yes(v)) {
		sb_adds(why, yes);
		return true;
	}
	if (!*v || edit_mailbox_is(v, "no", _("no"))) {
		sb_adds(why, no);
		return true;
	}
	sb_adds(why, _("y or n"));
	return false;
}

static bool edit_mailbox_check_keep(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	return edit_mailbox_yes_no(v, _("the old address stays, as an alias of the new one"),
				   _("mail to the old address will be refused"), why);
}

static bool edit_mailbox_check_copy(struct form *f, size_t i, const char *v, struct strbuf *why)
{
	(void)f;
	(void)i;
	return edit_mailbox_yes_no(v, _("the mailbox gets the mail too"),
				   _("NO copy: the mail leaves, its INBOX gets none of it"), why);
}

/* ---- rename ---- */

static int edit_mailbox_rename_submit(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	char *to = edit_check_address(c, form_value(f, 0));
	struct op *op = op_new(OP_MAILBOX_RENAME, c->subject);
	op_add_target(op, to);
	op->keep_old = edit_mailbox_yes(form_value(f, 1));
	free(to);
	return staged_push(ui, op, err);
}

void edit_mailbox_rename(struct ui *ui, const struct ui_sel *sel)
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
		{ N_("Keep the old address as an alias (y/n)"), "n", NULL, false, edit_mailbox_check_keep },
	};
	char title[300];
	snprintf(title, sizeof title, _("Rename %s (its maildir moves)"), sel->mailbox->address);
	/* the y/n default is replaced by the answer typed over it, not added to */
	ui_push(ui, form_preselect(form_create(ui, title, fields, 2, edit_mailbox_rename_submit,
						edit_mailbox_ctx(sel->mailbox), edit_mailbox_ctx_free), 1));
}

/* ---- forwarding ---- */

static int edit_mailbox_forward_submit(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	size_t n;
	char **t = edit_check_split_targets(form_value(f, 0), &n);
	struct op *op = op_new(n ? OP_FORWARD_SET : OP_FORWARD_CLEAR, c->subject);
	for (size_t i = 0; i < n; i++)
		op_add_target(op, t[i]);
	edit_check_free_targets(t, n);
	op->no_copy = !edit_mailbox_yes(form_value(f, 1));
	return staged_push(ui, op, err);
}

void edit_mailbox_forward(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	if (sel->kind != SEL_MAILBOX || sel->ghost || !sel->mailbox) {
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox to set its forwarding"));
		return;
	}
	const struct mailbox *b = sel->mailbox;
	bool copy = true;
	const struct alias *fw = world_mailbox_forward(b, &copy);
	struct strbuf now = STRBUF_INIT;
	for (size_t i = 0; fw && i < fw->ntargets; i++)
		if (strcmp(fw->targets[i].address, b->address) != 0)
			sb_addf(&now, "%s%s", now.len ? ", " : "", fw->targets[i].text);
	struct form_field fields[] = {
		{ N_("Forward to"), now.len ? now.buf : NULL,
		  N_("addresses, separated by commas; empty: stop forwarding"), false, NULL },
		{ N_("Keep a copy in the mailbox (y/n)"), copy || !fw ? "y" : "n", NULL, false, edit_mailbox_check_copy },
	};
	char title[300];
	snprintf(title, sizeof title, _("Forwarding of %s"), b->address);
	ui_push(ui, form_preselect(form_create(ui, title, fields, 2, edit_mailbox_forward_submit,
						edit_mailbox_ctx(b), edit_mailbox_ctx_free), 1));
	sb_free(&now);
}

/* ---- send-as ---- */

/* The grants typed (bare names completed), against those of the line:
 * one allow for the new ones, one deny for the ones taken out. */
static int edit_mailbox_sendas_submit(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	size_t n;
	char **t = edit_check_split_targets(form_value(f, 0), &n);
	struct sendas_list now = { 0 }, was = { 0 };
	for (size_t i = 0; i < n; i++) {
		char *a = edit_check_address(c, t[i]);
		sendas_list_add(&now, a);
		free(a);
	}
	edit_check_free_targets(t, n);
	sendas_grants(ui->view, c->subject, &was);
	struct op *allow = op_new(OP_SENDAS_ALLOW, c->subject), *deny = op_new(OP_SENDAS_DENY, c->subject);
	for (size_t i = 0; i < now.n; i++)
		if (!sendas_list_has(&was, now.v[i]))
			op_add_target(allow, now.v[i]);
	for (size_t i = 0; i < was.n; i++)
		if (!sendas_list_has(&now, was.v[i]))
			op_add_target(deny, was.v[i]);
	int rc = 0;
	if (deny->ntargets)
		rc = staged_push(ui, deny, err);
	else
		op_free(&deny);
	if (rc == 0 && allow->ntargets)
		rc = staged_push(ui, allow, err);
	else
		op_free(&allow);
	if (rc == 0 && !was.n && !now.n)
		ui_status(ui, ROLE_STATUS, "%s", _("no grant: nothing to change"));
	sendas_list_free(&now);
	sendas_list_free(&was);
	return rc;
}

void edit_mailbox_sendas(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	const char *address = sel->kind == SEL_MAILBOX && sel->mailbox ? sel->mailbox->address
			    : sel->kind == SEL_ALIAS && sel->alias && !sel->alias->is_catchall ? sel->alias->address
			    : NULL;
	if (sel->ghost || !address) {
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox or an alias to say who may send as it"));
		return;
	}
	struct sendas_list grants = { 0 }, rule = { 0 };
	sendas_grants(ui->view, address, &grants);
	sendas_computed(ui->view, address, &rule);
	struct strbuf now = STRBUF_INIT, owners = STRBUF_INIT;
	sendas_list_join(&grants, &now);
	sendas_list_join(&rule, &owners);
	struct form_field fields[] = {
		{ N_("Also allowed"), now.len ? now.buf : NULL,
		  N_("mailboxes, separated by commas; empty: only the owners"), false, edit_check_logins },
	};
	char title[600];
	snprintf(title, sizeof title, _("Who may send as %s (its owners: %s)"), address,
		 owners.len ? owners.buf : _("none"));
	struct edit_ctx *c = xcalloc(1, sizeof *c);
	const char *at = strrchr(address, '@');
	c->domain = xstrdup(at ? at + 1 : "");
	c->subject = xstrdup(address);
	ui_push(ui, form_create(ui, title, fields, 1, edit_mailbox_sendas_submit, c, edit_mailbox_ctx_free));
	sb_free(&now);
	sb_free(&owners);
	sendas_list_free(&grants);
	sendas_list_free(&rule);
}
