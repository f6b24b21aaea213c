/* The problems view (!): every finding of lint on the world shown, the
 * ones tied to no entry too (a map not built, the mail base's mode), worst
 * first; the selected one's file, line and fix below the list; Enter goes
 * to its entry on the main screen; f stages the repair lint --fix knows
 * for it (lint_fixes.c), previewed and committed with D like any edit
 * (on backend pgsql, pgsql-maps-unused's is db postfix-config --apply's
 * edit of the server's main.cf). It reads the main screen's report,
 * which cannot change while this view is up (a reload waits for the main
 * screen). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lint_fixes.h"
#include "vmailadm/op.h"
#include "vmailadm/xalloc.h"

struct problems {
	struct screen s;
	struct browse *B;
	size_t *order;            /* indices in B->lint, worst first */
	size_t n;
	struct list list;
};

static const char *problems_severity(enum lint_severity s)
{
	return s == LINT_ERROR ? _("error") : s == LINT_WARNING ? _("warning") : _("info");
}

static enum theme_role problems_role(enum lint_severity s)
{
	return s == LINT_ERROR ? ROLE_ERROR : s == LINT_WARNING ? ROLE_WARNING : ROLE_DIM;
}

static const struct lint_problem *problems_at(const struct problems *P, size_t i)
{
	return &P->B->lint.v[P->order[i]];
}

static size_t problems_count(void *arg)
{
	return ((struct problems *)arg)->n;
}

static void problems_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	const struct lint_problem *p = problems_at(arg, i);
	int cx = x + 1;
	cx += ui_text(ui, y, cx, 9, problems_severity(p->severity), problems_role(p->severity));
	cx = x + 11;
	char *msg = lint_problem_message(p);   /* made when shown (issue 16) */
	ui_text(ui, y, cx, x + w - cx, msg, ROLE_NORMAL);
	free(msg);
}

static const struct list_ops problems_ops = { problems_count, problems_row, NULL };

static void problems_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct problems *P = (struct problems *)s;
	char t[128];
	snprintf(t, sizeof t, _("Problems (%zu)"), P->n);
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, t, ROLE_TITLE);
	if (!P->n) {
		ui_text(ui, y + 2, x + 2, w - 2, _("lint found no problem"), ROLE_DIM);
		return;
	}
	int lh = h - 6 > 3 ? h - 6 : 3;
	list_draw(&P->list, ui, y + 1, x, lh, w, ROLE_SELECTION);
	const struct lint_problem *p = problems_at(P, P->list.sel);
	int dy = y + 1 + lh;
	ui_fill(ui, dy, x, w, ROLE_TITLE);
	ui_text(ui, dy, x + 1, w - 1, lint_problem_rule(p), ROLE_TITLE);
	struct strbuf where = STRBUF_INIT;
	if (p->file && p->line)
		sb_addf(&where, "%s:%u", p->file, p->line);
	else if (p->file)
		sb_adds(&where, p->file);
	if (dy + 1 < y + h)
		ui_text(ui, dy + 1, x + 1, w - 1, sb_str(&where), ROLE_DIM);
	sb_free(&where);
	if (dy + 2 < y + h) {
		char *msg = lint_problem_message(p);
		ui_text(ui, dy + 2, x + 1, w - 1, msg, problems_role(p->severity));
		free(msg);
	}
	if (dy + 3 < y + h) {   /* "Fix: " even when there is none, as before */
		char *text = lint_problem_fix(p);
		char *fix = xasprintf(_("Fix: %s"), text);
		ui_text(ui, dy + 3, x + 1, w - 1, fix, ROLE_NORMAL);
		free(fix);
		free(text);
	}
}

/* Enter: the problem's entry on the main screen. */
static bool problems_k_go(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct problems *P = (struct problems *)s;
	if (!P->n)
		return true;
	char *subject = xstrdup(problems_at(P, P->list.sel)->subject
				? problems_at(P, P->list.sel)->subject : "");
	struct browse *B = P->B;
	ui_pop(ui);   /* frees P */
	if (!browse_goto_subject(B, subject))
		ui_status(ui, ROLE_STATUS, _("this problem is not about one entry: %s"),
			  *subject ? subject : _("see its file and fix"));
	free(subject);
	return true;
}

/* f: the selected problem's repair staged (the view closes first: the
 * staged world's lint replaces the report it shows). */
static bool problems_k_fix(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct problems *P = (struct problems *)s;
	if (!P->n || staged_refuse_unreadable(ui))
		return true;
	struct browse *B = P->B;
	struct lint_report one = { .v = &B->lint.v[P->order[P->list.sel]], .n = 1 };
	struct lint_fixes f;
	struct diags d = DIAGS_INIT;
	lint_fixes(B->w, ui->cfg, &one, &f, &d);
	if (!f.nops) {
		struct strbuf why = STRBUF_INIT;
		staged_first_diag(&d, &why, _("see its fix"));
		ui_status(ui, ROLE_STATUS, _("lint cannot fix this problem by itself: %s"), sb_str(&why));
		sb_free(&why);
		diags_free(&d);
		lint_fixes_free(&f);
		return true;
	}
	diags_free(&d);
	ui_pop(ui);   /* frees P */
	struct strbuf err = STRBUF_INIT;
	for (size_t i = 0; i < f.nops; i++) {
		struct op *op = f.ops[i];
		f.ops[i] = NULL;   /* the stage owns or frees it now */
		if (staged_push(ui, op, &err) < 0) {
			ui_status(ui, ROLE_ERROR, "%s", sb_str(&err));
			break;
		}
	}
	sb_free(&err);
	lint_fixes_free(&f);
	return true;
}

static bool problems_k_move(struct screen *s, struct ui *ui, ui_key k)
{
	(void)ui;
	return list_key(&((struct problems *)s)->list, k);
}

static const struct keydef problems_keys[] = {
	{ .help = N_("Problems") },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j' }, .run = problems_k_move,
	  .name = "Up Down  k j", .help = N_("previous / next row") },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' },
	  .run = problems_k_move, .name = "PgUp PgDn  g G", .help = N_("a page up / down, first / last row") },
	{ .keys = { '\r', '\n', UI_FN(KEY_ENTER), UI_FN(KEY_RIGHT), 'l' }, .run = problems_k_go,
	  .name = "Enter", .help = N_("go to the problem's entry on the main screen"),
	  .bar_key = "Enter", .bar = N_("Go to entry"), .bar_pos = 2 },
	{ .keys = { 'f' }, .run = problems_k_fix, .name = "f",
	  .help = N_("stage the problem's repair, as lint --fix does (D previews and commits it)"),
	  .bar_key = "f", .bar = N_("Fix"), .bar_pos = 4 },
	{ .name = "F1  ?", .help = N_("this help"), .bar_key = "F1", .bar = N_("Help"), .bar_pos = 1 },
	{ .name = "q  Esc", .help = N_("back to the main screen"), .bar_key = "q", .bar = N_("Back"),
	  .bar_pos = 3 },
};
static const struct keytab problems_tab = KEYTAB(problems_keys);

static void problems_free(struct screen *s)
{
	struct problems *P = (struct problems *)s;
	free(P->order);
	free(P);
}

static const struct screen_ops problems_screen_ops = {
	problems_draw, keys_run_or_back, NULL, problems_free, NULL, &problems_tab,
};

struct screen *problems_create(struct browse *B)
{
	struct problems *P = xcalloc(1, sizeof *P);
	P->s.ops = &problems_screen_ops;
	P->B = B;
	P->order = xcalloc(B->lint.n ? B->lint.n : 1, sizeof *P->order);
	/* worst first, in lint's order within a severity */
	for (int sev = LINT_ERROR; sev >= LINT_INFO; sev--)
		for (size_t i = 0; i < B->lint.n; i++)
			if ((int)B->lint.v[i].severity == sev)
				P->order[P->n++] = i;
	list_init(&P->list, &problems_ops, P);
	return &P->s;
}
