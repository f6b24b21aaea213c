/* Editing in the interface: the forms and questions that turn keys into
 * operations (the same ops the command line stages, see cli/cmd_apply.c;
 * their fields' checks are in edit_check.c) and the quit question. The
 * session's stage they go to is staged.c's; staged changes kept across
 * sessions: session.c.
 * Passwords are hashed as soon as the form is submitted and wiped. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "edit_int.h"
#include "ui_int.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/stage.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* A generated password: as long as the password rule asks, at least 20
 * characters. */
static size_t generated_length(const struct ui *ui)
{
	return passhash_generated_len(ui->cfg->password_min_length);
}

/* ---- the forms' context ---- */

static void ctx_free(void *p)
{
	struct edit_ctx *c = p;
	if (!c)
		return;
	free(c->domain);
	free(c->subject);
	for (size_t i = 0; i < c->nold; i++)
		free(c->old_targets[i]);
	free(c->old_targets);
	free(c);
}

static struct edit_ctx *ctx_new(const char *domain, const char *subject)
{
	struct edit_ctx *c = xcalloc(1, sizeof *c);
	c->domain = domain ? xstrdup(domain) : NULL;
	c->subject = subject ? xstrdup(subject) : NULL;
	return c;
}

/* Every target typed in the field v, added to op. */
static void add_targets(struct op *op, const char *v)
{
	size_t n;
	char **t = edit_check_split_targets(v, &n);
	for (size_t i = 0; i < n; i++)
		op_add_target(op, t[i]);
	edit_check_free_targets(t, n);
}

/* ---- passwords ---- */

/* Stage op with the hash of plain (then wiped); when the hashing fails op
 * is freed and -1 returned with the reason in err. */
static int push_with_password(struct ui *ui, struct op *op, char *plain, struct strbuf *err)
{
	struct diags d = DIAGS_INIT;
	op->password_hash = passhash_hash(ui->cfg->password_scheme, plain, &d);
	passhash_wipe(plain);
	if (!op->password_hash) {
		staged_first_diag(&d, err, _("cannot hash the password"));
		diags_free(&d);
		op_free(&op);
		return -1;
	}
	diags_free(&d);
	return staged_push(ui, op, err);
}

static void show_generated(struct ui *ui, const char *address, const char *plain)
{
	struct strbuf t = STRBUF_INIT;
	sb_addf(&t, _("The password of %s is:\n\n    %s\n\nIt is shown only this once: note it now. "
		      "It takes effect at the commit (D, then c)."), address, plain);
	ui_push(ui, form_note_create(ui, _("Generated password"), sb_str(&t), ROLE_NORMAL));
	explicit_bzero(t.buf, t.cap);
	sb_free(&t);
}

/* ---- add ---- */

static int submit_mailbox(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	char *addr = edit_check_address(c, form_value(f, 0));
	struct op *op = op_new(OP_MAILBOX_ADD, addr);
	if (*form_value(f, 3))
		op->quota = xstrdup(form_value(f, 3));
	bool generated = !*form_value(f, 1);
	char *plain = generated ? passhash_generate(generated_length(ui))
		: xstrdup(form_value(f, 1));
	char *shown = generated ? xstrdup(plain) : NULL;
	form_wipe(f, 1);
	form_wipe(f, 2);
	int rc = push_with_password(ui, op, plain, err);
	if (rc == 0 && shown)
		show_generated(ui, addr, shown);
	passhash_wipe(shown);
	free(addr);
	return rc;
}

static int submit_alias(struct form *f, struct ui *ui, struct strbuf *err)
{
	char *addr = edit_check_address(form_ctx(f), form_value(f, 0));
	struct op *op = op_new(OP_ALIAS_ADD, addr);
	add_targets(op, form_value(f, 1));
	free(addr);
	return staged_push(ui, op, err);
}

static int submit_catchall(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	struct op *op = op_new(OP_CATCHALL_SET, c->domain);
	add_targets(op, form_value(f, 0));
	return staged_push(ui, op, err);
}

static int submit_domain(struct form *f, struct ui *ui, struct strbuf *err)
{
	char *name = edit_check_address(form_ctx(f), form_value(f, 0));
	struct op *op = op_new(OP_DOMAIN_ADD, name);
	free(name);
	return staged_push(ui, op, err);
}

static void form_mailbox(struct ui *ui, const char *domain)
{
	static const struct form_field fields[] = {
		{ N_("Address"), NULL, N_("a name: the domain is added"), false, edit_check_new_mailbox },
		{ N_("Password"), NULL, NULL, true, edit_check_password },
		{ N_("Again"), NULL, NULL, true, edit_check_again },
		{ N_("Quota"), NULL, N_("e.g. 1G, 500M, 0 = unlimited; empty: none"), false,
		  edit_check_quota },
	};
	char title[300];
	snprintf(title, sizeof title, _("New mailbox in %s"), domain);
	ui_push(ui, form_create(ui, title, fields, 4, submit_mailbox, ctx_new(domain, NULL),
				ctx_free));
}

static void form_alias(struct ui *ui, const char *domain)
{
	static const struct form_field fields[] = {
		{ N_("Address"), NULL, N_("a name: the domain is added"), false,
		  edit_check_alias_address },
		{ N_("Targets"), NULL, N_("addresses, separated by commas"), false, edit_check_targets },
	};
	char title[300];
	snprintf(title, sizeof title, _("New alias in %s"), domain);
	ui_push(ui, form_create(ui, title, fields, 2, submit_alias, ctx_new(domain, NULL),
				ctx_free));
}

static void form_catchall(struct ui *ui, const char *domain, const char *initial)
{
	struct form_field fields[] = {
		{ N_("Target"), initial, N_("where mail to unknown addresses goes"), false,
		  edit_check_catchall_target },
	};
	char title[300];
	snprintf(title, sizeof title, _("Catch-all of %s (mail for every unknown address)"), domain);
	ui_push(ui, form_create(ui, title, fields, 1, submit_catchall, ctx_new(domain, NULL),
				ctx_free));
}

/* An alias domain of domain (domain add --alias-of): its every address
 * gets a line in the new one. */
static int submit_alias_domain(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	struct op *op = op_new(OP_DOMAIN_ADD, form_value(f, 0));
	op->alias_of = xstrdup(c->domain);
	return staged_push(ui, op, err);
}

static void form_alias_domain(struct ui *ui, const char *domain)
{
	static const struct form_field fields[] = {
		{ N_("Domain"), NULL, N_("each address here gets the same address there"), false,
		  edit_check_domain },
	};
	char title[300];
	snprintf(title, sizeof title, _("New alias domain of %s"), domain);
	ui_push(ui, form_create(ui, title, fields, 1, submit_alias_domain, ctx_new(domain, NULL),
				ctx_free));
}

static void form_domain(struct ui *ui)
{
	static const struct form_field fields[] = {
		{ N_("Domain"), NULL, N_("a mailbox domain (virtual_mailbox_domains)"), false,
		  edit_check_domain },
	};
	ui_push(ui, form_create(ui, _("New mail domain"), fields, 1, submit_domain,
				ctx_new(NULL, NULL), ctx_free));
}

static const char *const add_choices[] = {
	"m", N_("Mailbox"), "a", N_("Alias"), "c", N_("Catch-all"), "d", N_("Alias domain"),
	"Esc", N_("Cancel"), NULL,
};

static void add_answer(struct ui *ui, void *ctx, int key)
{
	struct edit_ctx *c = ctx;
	if (key == 'm')
		form_mailbox(ui, c->domain);
	else if (key == 'a')
		form_alias(ui, c->domain);
	else if (key == 'c')
		form_catchall(ui, c->domain, NULL);
	else if (key == 'd') {
		struct strbuf why = STRBUF_INIT;
		if (stage_rule_alias_target(ui->view, c->domain, &why))
			form_alias_domain(ui, c->domain);
		else
			ui_status(ui, ROLE_WARNING, "%s", why.buf);
		sb_free(&why);
	}
}

void edit_add(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	if (!sel->in_entries || !sel->domain) {
		form_domain(ui);
		return;
	}
	if (sel->domain_staged_del) {
		ui_status(ui, ROLE_WARNING, _("%s is staged for removal: u undoes that"), sel->domain);
		return;
	}
	char text[400];
	snprintf(text, sizeof text, _("What to add to %s?"), sel->domain);
	ui_push(ui, form_ask_create(ui, _("Add"), text, add_choices, add_answer,
				    ctx_new(sel->domain, NULL), ctx_free));
}

/* ---- delete ---- */

static const char *const yes_no[] = { "y", N_("Yes"), "n", N_("No"), NULL };

struct del_ctx {
	struct op *op;
};

static void del_free(void *p)
{
	struct del_ctx *c = p;
	op_free(&c->op);
	free(c);
}

static void del_answer(struct ui *ui, void *ctx, int key)
{
	struct del_ctx *c = ctx;
	if (key != 'y') {
		ui_status(ui, ROLE_STATUS, "%s", _("nothing was staged"));
		return;
	}
	struct strbuf err = STRBUF_INIT;
	struct op *op = c->op;
	c->op = NULL;
	if (staged_push(ui, op, &err) < 0)
		ui_status(ui, ROLE_ERROR, "%s", sb_str(&err));
	sb_free(&err);
}

void edit_delete(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	struct strbuf t = STRBUF_INIT;
	struct op *op = NULL;
	if (sel->ghost || (sel->kind == SEL_DOMAIN && sel->domain_staged_del)) {
		ui_status(ui, ROLE_STATUS, "%s", _("already staged for removal: u undoes it"));
		return;
	}
	switch (sel->kind) {
	case SEL_NONE:
		ui_status(ui, ROLE_STATUS, "%s", _("select an entry to remove"));
		return;
	case SEL_DOMAIN:
		op = op_new(OP_DOMAIN_DEL, sel->domain);
		if (sel->nmailboxes || sel->naliases) {
			op->cascade = true;
			char *boxes_n, *aliases_n;
			model_entry_counts(sel->nmailboxes, sel->naliases, &boxes_n, &aliases_n);
			sb_addf(&t, _("Remove the domain %s with its %s and %s?\n"
				      "The mailboxes' mail is moved to the archive (%s), not deleted."),
				sel->domain, boxes_n, aliases_n, ui->cfg->archive_dir);
			free(boxes_n);
			free(aliases_n);
		} else {
			sb_addf(&t, _("Remove the domain %s?"), sel->domain);
		}
		break;
	case SEL_MAILBOX:
		op = op_new(OP_MAILBOX_DEL, sel->mailbox->address);
		sb_addf(&t, _("Remove the mailbox %s?\nIts mail is archived: the Maildir is moved "
			      "to %s, not deleted."), sel->mailbox->address, ui->cfg->archive_dir);
		break;
	case SEL_ALIAS:
		op = op_new(OP_ALIAS_DEL, sel->alias->address);
		char *to = ui_one_line(sel->alias->value);
		sb_addf(&t, _("Remove the alias %s (to %s)?"), sel->alias->address, to);
		free(to);
		break;
	case SEL_CATCHALL:
		op = op_new(OP_CATCHALL_CLEAR, sel->catchall->domain);
		sb_addf(&t, _("Remove the catch-all of %s (to %s)?\nMail to unknown addresses "
			      "will bounce."), sel->catchall->domain, sel->catchall->target);
		break;
	}
	sb_adds(&t, _("\n\nNothing changes on disk before the commit (D, then c)."));
	struct del_ctx *c = xcalloc(1, sizeof *c);
	c->op = op;
	ui_push(ui, form_ask_create(ui, _("Remove"), sb_str(&t), yes_no, del_answer, c, del_free));
	sb_free(&t);
}

/* ---- edit, password, quota ---- */

/* One alias set op, so that one edit is one staged line and u undoes all of
 * it (an add and a del were two, and u undid only the del). */
static int submit_alias_edit(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	struct op *op = op_new(OP_ALIAS_SET, c->subject);
	add_targets(op, form_value(f, 0));
	bool same = op->ntargets == c->nold;
	for (size_t i = 0; same && i < op->ntargets; i++)
		same = strcasecmp(op->targets[i], c->old_targets[i]) == 0;
	if (same) {
		op_free(&op);
		sb_adds(err, _("the targets are unchanged"));
		return -1;
	}
	return staged_push(ui, op, err);
}

static int submit_password(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	struct op *op = op_new(OP_MAILBOX_PASSWD, c->subject);
	char *plain = xstrdup(form_value(f, 0));
	form_wipe(f, 0);
	form_wipe(f, 1);
	return push_with_password(ui, op, plain, err);
}

static int submit_quota(struct form *f, struct ui *ui, struct strbuf *err)
{
	struct edit_ctx *c = form_ctx(f);
	struct op *op = op_new(OP_MAILBOX_QUOTA, c->subject);
	op->quota = xstrdup(form_value(f, 0));
	return staged_push(ui, op, err);
}

void edit_quota(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	if (sel->kind != SEL_MAILBOX || sel->ghost) {
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox to set its quota"));
		return;
	}
	/* "*:storage=1G" is shown as "1G", as it is typed. */
	const char *rule = sel->mailbox->quota_rule;
	const char *eq = rule ? strstr(rule, "storage=") : NULL;
	struct form_field fields[] = {
		{ N_("Quota"), eq ? eq + 8 : NULL,
		  N_("e.g. 1G, 500M, 0 = unlimited; empty: remove the rule"), false, edit_check_quota },
	};
	char title[300];
	snprintf(title, sizeof title, _("Quota of %s"), sel->mailbox->address);
	ui_push(ui, form_create(ui, title, fields, 1, submit_quota,
				ctx_new(sel->domain, sel->mailbox->address), ctx_free));
}

/* The address a catch-all delivers to, as the form takes it: the alias
 * map's value, or for one in the mailbox map the mailbox whose maildir
 * value it shares (its value is a path, which the form would refuse);
 * NULL when no mailbox has that path. */
static const char *catchall_address(const struct world *w, const struct catchall *c)
{
	if (c->map == CATCHALL_IN_ALIAS_MAP)
		return c->target;
	size_t n;
	const struct mailbox *mb = world_mailboxes(w, &n);
	for (size_t i = 0; i < n; i++)
		if (mb[i].value && strcmp(mb[i].value, c->target) == 0)
			return mb[i].address;
	return NULL;
}

void edit_edit(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	if (sel->ghost) {
		ui_status(ui, ROLE_STATUS, "%s", _("staged for removal: u undoes it"));
		return;
	}
	if (sel->kind == SEL_MAILBOX) {
		edit_quota(ui, sel);
	} else if (sel->kind == SEL_ALIAS) {
		struct edit_ctx *c = ctx_new(sel->domain, sel->alias->address);
		c->old_targets = xcalloc(sel->alias->ntargets + 1, sizeof *c->old_targets);
		for (size_t i = 0; i < sel->alias->ntargets; i++)
			c->old_targets[c->nold++] = xstrdup(sel->alias->targets[i].text);
		char *now = ui_one_line(sel->alias->value);   /* form_create copies it */
		struct form_field fields[] = {
			{ N_("Targets"), now, N_("addresses, separated by commas"), false,
			  edit_check_targets },
		};
		char title[300];
		snprintf(title, sizeof title, _("Targets of the alias %s"), sel->alias->address);
		ui_push(ui, form_create(ui, title, fields, 1, submit_alias_edit, c, ctx_free));
		free(now);
	} else if (sel->kind == SEL_CATCHALL) {
		form_catchall(ui, sel->catchall->domain, catchall_address(ui->view, sel->catchall));
	} else {
		ui_status(ui, ROLE_STATUS, "%s",
			  _("select an entry to edit (a domain has nothing to edit: a adds, d removes)"));
	}
}

static const char *const pw_choices[] = {
	"t", N_("Type it"), "g", N_("Generate one"), "Esc", N_("Cancel"), NULL,
};

static void pw_answer(struct ui *ui, void *ctx, int key)
{
	struct edit_ctx *c = ctx;
	if (key == 't') {
		static const struct form_field fields[] = {
			{ N_("New password"), NULL, NULL, true, edit_check_password_required },
			{ N_("Again"), NULL, NULL, true, edit_check_again },
		};
		char title[300];
		snprintf(title, sizeof title, _("Password of %s"), c->subject);
		ui_push(ui, form_create(ui, title, fields, 2, submit_password,
					ctx_new(c->domain, c->subject), ctx_free));
	} else if (key == 'g') {
		struct op *op = op_new(OP_MAILBOX_PASSWD, c->subject);
		char *plain = passhash_generate(generated_length(ui));
		char *shown = xstrdup(plain);
		struct strbuf err = STRBUF_INIT;
		int rc = push_with_password(ui, op, plain, &err);
		if (rc == 0)
			show_generated(ui, c->subject, shown);
		else
			ui_status(ui, ROLE_ERROR, "%s", sb_str(&err));
		passhash_wipe(shown);
		sb_free(&err);
	}
}

void edit_password(struct ui *ui, const struct ui_sel *sel)
{
	edit_check_for(ui);
	if (staged_refuse_unreadable(ui))
		return;
	if (sel->kind != SEL_MAILBOX || sel->ghost) {
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox to set its password"));
		return;
	}
	char text[400];
	snprintf(text, sizeof text, _("New password for %s: type it (twice, hidden) or generate "
				      "one (shown once)?"), sel->mailbox->address);
	ui_push(ui, form_ask_create(ui, _("Password"), text, pw_choices, pw_answer,
				    ctx_new(sel->domain, sel->mailbox->address), ctx_free));
}

/* ---- quit ---- */

static const char *const quit_choices[] = {
	"c", N_("Commit"), "d", N_("Discard"), "s", N_("Save for later"), "Esc", N_("Cancel"), NULL,
};

static void quit_answer(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	if (key == 'c') {
		ui->quit_after_commit = true;
		ui_push(ui, diffview_create(ui, true));
	} else if (key == 'd') {
		ui->quit = true;
		ui->discarded = true;
		session_discarded(ui);
	} else if (key == 's') {
		session_save(ui);
		ui->quit = true;
	} else {
		ui->interrupt_asked = false;   /* Esc: a later Ctrl-C asks again */
	}
}

void edit_quit(struct ui *ui)
{
	if (ui->staged == 0) {
		ui->quit = true;
		return;
	}
	char text[300];
	snprintf(text, sizeof text,
		 ngettext("%zu staged change is not committed.", "%zu staged changes are not committed.",
			  ui->staged), ui->staged);
	ui_push(ui, form_ask_create(ui, _("Quit"), text, quit_choices, quit_answer, NULL, NULL));
}
