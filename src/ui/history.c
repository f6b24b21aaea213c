/* The commit history (H): every commit of the audit log, newest first (who,
 * when, what, with its files below the list), read by the core's reader
 * (state_audit_read); r rolls the selected one back after a question,
 * through the core that `vmailadm rollback` uses (rollback_stage): its
 * restores are staged like any edit, D previews and commits them; on
 * backend pgsql the rollback is its own transaction (pgcommit_rollback),
 * previewed at once in the diff view, whose c commits it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ui_int.h"
#include "vmailadm/audit.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/rollback.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

struct history {
	struct screen s;
	struct state_audit log;    /* records oldest first; shown newest first */
	size_t n;
	struct list list;
	char *target;              /* the commit id being asked about */
};

static const char *history_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Row i of the list: the newest commit first. */
static json_t *history_at(const struct history *H, size_t i)
{
	return json_array_get(H->log.records, H->n - 1 - i);
}

/* "user" or "user/sudo_user": who ran the commit. */
static void history_who(json_t *rec, struct strbuf *out)
{
	const char *sudo = json_string_value(json_object_get(rec, "sudo_user"));
	sb_addf(out, "%s%s%s", history_str(rec, "user"), sudo ? "/" : "", sudo ? sudo : "");
}

static enum theme_role history_role(json_t *rec)
{
	const char *r = history_str(rec, "result");
	return strcmp(r, "committed") == 0 ? ROLE_NORMAL
	       : strncmp(r, "rolled back", 11) == 0 ? ROLE_DIM : ROLE_WARNING;
}

static size_t history_count(void *arg)
{
	return ((struct history *)arg)->n;
}

static void history_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	json_t *rec = history_at(arg, i);
	json_t *ops = json_object_get(rec, "operations");
	struct strbuf t = STRBUF_INIT;
	/* the time without its seconds and zone: "2026-12-06 20:14" */
	const char *time = history_str(rec, "time");
	sb_add(&t, time, strlen(time) > 16 ? 16 : strlen(time));
	if (t.len > 10 && t.buf[10] == 'T')
		t.buf[10] = ' ';
	sb_adds(&t, "  ");
	history_who(rec, &t);
	sb_addf(&t, "  %s  ", state_audit_result_text(history_str(rec, "result")));
	size_t nops = json_array_size(ops);
	if (nops)
		audit_operation_text(rec, 0, &t);   /* in the reader's language */
	if (nops > 1)
		sb_addf(&t, ngettext(" (+%zu more)", " (+%zu more)", nops - 1), nops - 1);
	ui_text(ui, y, x + 1, w - 1, sb_str(&t), history_role(rec));
	sb_free(&t);
}

static const struct list_ops history_ops = { history_count, history_row, NULL };

/* Below the list: the selected commit whole (id, who, result, every
 * operation, file and Maildir), as many rows as there is room for. */
static void history_details(struct history *H, struct ui *ui, int y, int x, int h, int w)
{
	json_t *rec = history_at(H, H->list.sel);
	struct strbuf t = STRBUF_INIT;
	sb_addf(&t, _("Commit %s, %s by "), history_str(rec, "id"), history_str(rec, "time"));
	history_who(rec, &t);
	sb_addf(&t, ": %s\n", state_audit_result_text(history_str(rec, "result")));
	size_t k;
	json_t *v;
	for (k = 0; k < json_array_size(json_object_get(rec, "operations")); k++) {
		sb_adds(&t, "  ");
		audit_operation_text(rec, k, &t);
		sb_addc(&t, '\n');
	}
	json_array_foreach(json_object_get(rec, "files"), k, v)
		sb_addf(&t, _("  file %s\n"), history_str(v, "path"));
	json_array_foreach(json_object_get(rec, "maildirs"), k, v)
		sb_addf(&t, _("  maildir %s: %s\n"), history_str(v, "maildir"), history_str(v, "action"));
	ui_text_wrapped(ui, y, x + 1, w - 2, h, sb_str(&t), ROLE_NORMAL);
	sb_free(&t);
}

static void history_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct history *H = (struct history *)s;
	char t[160];
	snprintf(t, sizeof t, _("Commit history (%zu): r rolls the selected commit back"), H->n);
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, t, ROLE_TITLE);
	int row = y + 1;
	if (H->log.error) {
		char *m = xasprintf(_("%s cannot be read: %s"), H->log.path, strerror(H->log.error));
		row += ui_text_wrapped(ui, row, x + 1, w - 2, 3, m, ROLE_ERROR);
		free(m);
	}
	if (H->log.nbad) {
		char *m = xasprintf(ngettext("%s: %zu line is not a record and is left out (line %u)",
					     "%s: %zu lines are not records and are left out (line %u first)",
					     H->log.nbad), H->log.path, H->log.nbad, H->log.bad[0].line);
		row += ui_text_wrapped(ui, row, x + 1, w - 2, 3, m, ROLE_WARNING);
		free(m);
	}
	if (!H->n) {
		ui_text(ui, row + 1, x + 2, w - 2, _("no commits recorded yet"), ROLE_DIM);
		return;
	}
	int left = y + h - row;
	int lh = left / 2 > 3 ? left / 2 : 3;
	list_draw(&H->list, ui, row, x, lh, w, ROLE_SELECTION);
	row += lh;
	if (row < y + h) {
		ui_fill(ui, row, x, w, ROLE_TITLE);
		ui_text(ui, row, x + 1, w - 1, history_str(history_at(H, H->list.sel), "id"), ROLE_TITLE);
	}
	if (row + 1 < y + h)
		history_details(H, ui, row + 1, x, y + h - row - 1, w);
}

static bool history_k_move(struct screen *s, struct ui *ui, ui_key k)
{
	(void)ui;
	return list_key(&((struct history *)s)->list, k);
}

/* backend pgsql: a rollback is a transaction of its own, the rows of the
 * commit's change set compensated from their before images by the core
 * `vmailadm rollback` uses (pgcommit_rollback): previewed at once, c in
 * the preview commits it; the staged edits stay staged. */
static int history_pg_commit(void *ctx, const struct config *cfg, const struct commit_opts *o,
			     struct commit_result *res, struct diags *d)
{
	struct strbuf again = STRBUF_INIT;   /* the preview shown already */
	int rc = pgcommit_rollback(cfg, ctx, false, o, &again, res, d);
	sb_free(&again);
	return rc;
}

static void history_pg_free(void *ctx)
{
	json_decref(ctx);
}

static void history_pg_preview(struct ui *ui, json_t *rec)
{
	struct strbuf preview = STRBUF_INIT;
	struct commit_result res;
	struct diags d = DIAGS_INIT;
	sb_addf(&preview, _("Roll back %s (change set %s): the rows it changed go back to their "
			    "before images\n"), history_str(rec, "id"), history_str(rec, "changeset"));
	int rc = pgcommit_rollback(ui->cfg, rec, true, NULL, &preview, &res, &d);
	commit_result_free(&res);
	if (rc < 0) {
		struct strbuf m = STRBUF_INIT;
		staged_first_diag(&d, &m, _("the rollback cannot be previewed"));
		ui_status(ui, ROLE_ERROR, _("nothing was changed: %s"), sb_str(&m));
		sb_free(&m);
	} else {
		struct diffview_txn *t = xcalloc(1, sizeof *t);
		t->title = _("The rollback: the rows that change");
		t->preview = sb_detach(&preview);
		t->commit = history_pg_commit;
		t->ctx = json_incref(rec);
		t->free = history_pg_free;
		ui_push(ui, diffview_create_txn(ui, t));
	}
	diags_free(&d);
	sb_free(&preview);
}

/* The answer to "roll back?": y stages the restores, f the same without
 * insisting that the files are as the commit left them (backend pgsql: y
 * previews the compensating rows). */
static void history_answer(struct ui *ui, void *ctx, int key)
{
	struct history *H = ctx;
	if (key != 'y' && key != 'f') {
		ui_status(ui, ROLE_STATUS, "%s", _("nothing was staged"));
		return;
	}
	json_t *rec = rollback_find(H->log.records, H->target);
	if (rec && ui->cfg->backend == BACKEND_PGSQL) {
		json_incref(rec);
		ui_pop(ui);   /* the history (frees H): the preview takes its place */
		history_pg_preview(ui, rec);
		json_decref(rec);
		return;
	}
	struct strbuf err = STRBUF_INIT, notes = STRBUF_INIT;
	struct stage *st = rec ? staged_stage(ui, &err) : NULL;
	if (!rec)
		sb_addf(&err, _("no commit %s in the audit log"), H->target);
	long n = -1;
	if (st) {
		struct diags d = DIAGS_INIT;
		n = rollback_stage(st, rec, key == 'f', &notes, &d);
		if (n < 0) {
			char *m = d.n ? diag_format(&d.v[0]) : xstrdup(_("the rollback cannot be staged"));
			sb_adds(&err, m);
			free(m);
		} else if (n == 0) {
			sb_addf(&err, _("%s changed no file that can be restored"), H->target);
		}
		diags_free(&d);
		staged_view_changed(ui);
	}
	char *id = xstrdup(H->target);
	ui_pop(ui);   /* the history (frees H): the staged restores show on the main screen */
	if (n > 0) {
		ui_status(ui, ROLE_STAGED_ADD,
			  ngettext("staged %ld restore to roll back %s: D previews and commits it, u undoes",
				   "staged %ld restores to roll back %s: D previews and commits them, u undoes",
				   (unsigned long)n), n, id);
		if (notes.len)
			ui_push(ui, form_note_create(ui, _("What the rollback leaves"), sb_str(&notes), ROLE_NORMAL));
	} else if (key == 'y') {
		ui_status(ui, ROLE_ERROR, _("nothing was staged: %s (in the question, f instead of y restores over later changes)"),
			  sb_str(&err));
	} else {
		ui_status(ui, ROLE_ERROR, _("nothing was staged: %s"), sb_str(&err));
	}
	free(id);
	sb_free(&notes);
	sb_free(&err);
}

static const char *const history_choices[] = {
	"y", N_("Yes"), "f", N_("Yes, over later changes"), "n", N_("No"), NULL,
};
static const char *const history_pg_choices[] = {
	"y", N_("Yes, preview it"), "n", N_("No"), NULL,
};

/* r: the question, then history_answer. */
static bool history_k_rollback(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct history *H = (struct history *)s;
	if (!H->n)
		return true;
	json_t *rec = history_at(H, H->list.sel);
	free(H->target);
	H->target = xstrdup(history_str(rec, "id"));
	struct strbuf t = STRBUF_INIT, who = STRBUF_INIT;
	history_who(rec, &who);
	bool pg = ui->cfg->backend == BACKEND_PGSQL;
	if (pg)
		sb_addf(&t, _("Roll back commit %s (%s, by %s)? The database rows it changed go back "
			      "to what they were before it, as a new transaction, previewed first: c "
			      "commits it. A row changed since is refused."),
			H->target, history_str(rec, "time"), sb_str(&who));
	else
		sb_addf(&t, _("Roll back commit %s (%s, by %s)? Its files go back to the backups taken "
			      "before it and the Maildirs it archived back in place, staged as new changes: "
			      "D previews them, c commits. A file changed since is refused, unless f."),
			H->target, history_str(rec, "time"), sb_str(&who));
	ui_push(ui, form_ask_create(ui, _("Roll back"), sb_str(&t),
				    pg ? history_pg_choices : history_choices, history_answer, H, NULL));
	sb_free(&who);
	sb_free(&t);
	return true;
}

static const struct keydef history_keys[] = {
	{ .help = N_("Commit history") },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j' }, .run = history_k_move,
	  .name = "Up Down  k j", .help = N_("previous / next commit") },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' },
	  .run = history_k_move, .name = "PgUp PgDn  g G",
	  .help = N_("a page up / down, the newest / oldest commit") },
	{ .keys = { 'r' }, .run = history_k_rollback, .name = "r",
	  .help = N_("roll the selected commit back (asks first; staged, D previews and commits; "
		     "backend pgsql: previewed at once, c commits)"),
	  .bar_key = "r", .bar = N_("Roll back"), .bar_pos = 2 },
	{ .name = "F1  ?", .help = N_("this help"), .bar_key = "F1", .bar = N_("Help"), .bar_pos = 1 },
	{ .name = "q  Esc", .help = N_("back to the main screen"), .bar_key = "q", .bar = N_("Back"),
	  .bar_pos = 3 },
};
static const struct keytab history_tab = KEYTAB(history_keys);

static void history_free(struct screen *s)
{
	struct history *H = (struct history *)s;
	state_audit_free(&H->log);
	free(H->target);
	free(H);
}

static const struct screen_ops history_screen_ops = {
	history_draw, keys_run_or_back, NULL, history_free, NULL, &history_tab,
};

struct screen *history_create(struct ui *ui)
{
	struct history *H = xcalloc(1, sizeof *H);
	H->s.ops = &history_screen_ops;
	state_audit_read(ui->cfg, &H->log);
	H->n = json_array_size(H->log.records);
	list_init(&H->list, &history_ops, H);
	return &H->s;
}
