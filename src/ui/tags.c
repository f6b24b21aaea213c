/* Tagging (mc's and ncdu's Insert, mutt's Space): mailboxes and aliases of
 * the entries pane are tagged by address, so that the tags survive the
 * rows being rebuilt (a sort, a refresh, new mail); then d removes every
 * tagged entry and Q sets every tagged mailbox's quota, as one batch: the
 * whole batch is staged, or none of it (a refusal undoes the part already
 * staged and names the entry that was refused). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

static size_t tags_find(const struct browse *B, const char *address)
{
	for (size_t i = 0; i < B->ntags; i++)
		if (strcmp(B->tags[i], address) == 0)
			return i;
	return SIZE_MAX;
}

bool tags_has(const struct browse *B, const char *address)
{
	return B->ntags && tags_find(B, address) != SIZE_MAX;
}

void tags_clear(struct browse *B)
{
	for (size_t i = 0; i < B->ntags; i++)
		free(B->tags[i]);
	free(B->tags);
	B->tags = NULL;
	B->ntags = 0;
}

/* The selected row's address, when it is a mailbox or an alias on disk or
 * staged (not one staged for removal). */
static const char *tags_row_address(const struct browse *B)
{
	if (B->focus != PANE_ENTRIES || !B->nrows)
		return NULL;
	const struct row *r = &B->rows[B->elist.sel];
	if (r->mark == MARK_DEL)
		return NULL;
	if (r->kind == ROW_MAILBOX)
		return ((const struct mailbox *)r->p)->address;
	if (r->kind == ROW_ALIAS)
		return ((const struct alias *)r->p)->address;
	return NULL;
}

static void tags_say(struct browse *B, struct ui *ui)
{
	if (B->ntags)
		ui_status(ui, ROLE_FILTER,
			  ngettext("%zu entry tagged: d removes it, Q sets its quota; Space again untags",
				   "%zu entries tagged: d removes them, Q sets their quota; Space again untags",
				   B->ntags), B->ntags);
	else
		ui_status(ui, ROLE_STATUS, "%s", _("no entry tagged"));
}

bool tags_k_toggle(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct browse *B = (struct browse *)s;
	const char *a = tags_row_address(B);
	if (!a) {
		ui_status(ui, ROLE_STATUS, "%s", _("only mailboxes and aliases are tagged (Tab to the entries)"));
		return true;
	}
	size_t i = tags_find(B, a);
	if (i != SIZE_MAX) {
		free(B->tags[i]);
		B->tags[i] = B->tags[--B->ntags];
	} else {
		B->tags = xreallocarray(B->tags, B->ntags + 1, sizeof *B->tags);
		B->tags[B->ntags++] = xstrdup(a);
	}
	list_key(&B->elist, UI_FN(KEY_DOWN));   /* on to the next, as mc does */
	details_build(B);
	tags_say(B, ui);
	return true;
}

/* Stage ops[0..n) in order; on a refusal undo the ones this batch staged,
 * so that it is all or nothing. Takes the ops. */
static void tags_stage_all(struct ui *ui, struct browse *B, struct op **ops, size_t n)
{
	struct strbuf err = STRBUF_INIT;
	size_t done = 0;
	for (; done < n; done++) {
		struct op *op = ops[done];
		ops[done] = NULL;
		if (staged_push(ui, op, &err) < 0)
			break;
	}
	if (done < n) {
		for (size_t i = done + 1; i < n; i++)
			op_free(&ops[i]);
		struct diags d = DIAGS_INIT;
		lintmark_stop(ui);   /* the undos free the world lint reads */
		for (size_t i = 0; i < done && ui->stage; i++)
			stage_undo(ui->stage, &d);
		diags_free(&d);
		staged_view_changed(ui);
		ui_status(ui, ROLE_ERROR, _("nothing of the batch was staged: %s"), sb_str(&err));
	} else {
		tags_clear(B);
		ui_status(ui, ROLE_STAGED_ADD,
			  ngettext("staged %zu change on the tagged entries: D previews them, u undoes one",
				   "staged %zu changes on the tagged entries: D previews them, u undoes one",
				   n), n);
	}
	free(ops);
	sb_free(&err);
}

static void tags_del_answer(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	struct browse *B = (struct browse *)ui->main;
	if (key != 'y') {
		ui_status(ui, ROLE_STATUS, "%s", _("nothing was staged"));
		return;
	}
	struct op **ops = xcalloc(B->ntags, sizeof *ops);
	for (size_t i = 0; i < B->ntags; i++)
		ops[i] = op_new(world_mailbox_find(ui->view, B->tags[i]) ? OP_MAILBOX_DEL : OP_ALIAS_DEL,
				B->tags[i]);
	tags_stage_all(ui, B, ops, B->ntags);
}

static const char *const tags_yes_no[] = { "y", N_("Yes"), "n", N_("No"), NULL };

/* d with entries tagged: one question for all of them, listed. */
void tags_delete(struct browse *B, struct ui *ui)
{
	struct strbuf t = STRBUF_INIT;
	sb_addf(&t, ngettext("Remove the %zu tagged entry?\n", "Remove the %zu tagged entries?\n",
			     B->ntags), B->ntags);
	for (size_t i = 0; i < B->ntags && i < 8; i++)
		sb_addf(&t, "  %s\n", B->tags[i]);
	if (B->ntags > 8)
		sb_addf(&t, _("  ... and %zu more\n"), B->ntags - 8);
	sb_addf(&t, _("Mailboxes' mail is moved to the archive (%s), not deleted."), ui->cfg->archive_dir);
	ui_push(ui, form_ask_create(ui, _("Remove"), sb_str(&t), tags_yes_no, tags_del_answer, NULL,
				    NULL));
	sb_free(&t);
}

static int tags_quota_submit(struct form *f, struct ui *ui, struct strbuf *err)
{
	(void)err;
	struct browse *B = form_ctx(f);
	size_t n = 0;
	struct op **ops = xcalloc(B->ntags, sizeof *ops);
	for (size_t i = 0; i < B->ntags; i++)
		if (world_mailbox_find(ui->view, B->tags[i])) {   /* an alias has no quota */
			ops[n] = op_new(OP_MAILBOX_QUOTA, B->tags[i]);
			ops[n++]->quota = xstrdup(form_value(f, 0));
		}
	if (!n) {
		free(ops);
		sb_adds(err, _("no tagged entry is a mailbox"));
		return -1;
	}
	tags_stage_all(ui, B, ops, n);
	return 0;
}

/* Q with entries tagged: one quota for every tagged mailbox. */
void tags_quota(struct browse *B, struct ui *ui)
{
	edit_check_for(ui);
	const struct form_field fields[] = {
		{ N_("Quota"), NULL, N_("e.g. 1G, 500M, 0 = unlimited; empty: remove the rule"), false,
		  edit_check_quota },
	};
	char title[200];
	snprintf(title, sizeof title,
		 ngettext("Quota of the %zu tagged entry", "Quota of the %zu tagged entries", B->ntags),
		 B->ntags);
	ui_push(ui, form_create(ui, title, fields, 1, tags_quota_submit, B, NULL));
}
