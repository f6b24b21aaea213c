/* The preview of the staged changes (D): the operations, the unified diff of
 * every file they rewrite (coloured per line: file headers, hunks, + and -),
 * then the other work a commit does (maps, Maildirs, reloads) and notes;
 * c commits from here, showing each step as it finishes, and the result:
 * committed, or the error and the rollback. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui_int.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/op.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

struct dline {
	char *text;
	enum theme_role role;
};

enum dv_state { DV_PREVIEW, DV_COMMITTING, DV_DONE_OK, DV_DONE_FAIL };

/* A row on the screen: a piece of a line, which wraps instead of being cut
 * (a long alias's targets, a path: the preview shows what is committed). */
struct drow {
	size_t line, off, len;
};

struct diffview {
	struct screen s;
	struct ui *ui;
	struct dline *v;
	size_t n, cap;
	struct drow *rows;
	size_t nrows, rows_cap, rows_n;   /* rows_n: lines they were made from */
	int rows_w;                       /* and the width, 0: none yet */
	struct list list;
	enum dv_state state;
	bool quit_after;
	struct diffview_txn *txn;   /* a transaction of its own, else NULL: the stage's */
};

static void add_line(struct diffview *D, enum theme_role role, const char *text, size_t len)
{
	if (D->n == D->cap) {
		D->cap = D->cap ? 2 * D->cap : 64;
		D->v = xreallocarray(D->v, D->cap, sizeof *D->v);
	}
	/* Tabs (vmailbox, virtual) become spaces to the next stop of 8. */
	struct strbuf sb = STRBUF_INIT;
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\t') {
			do
				sb_addc(&sb, ' ');
			while (++col % 8);
		} else {
			sb_addc(&sb, text[i]);
			if (((unsigned char)text[i] & 0xc0) != 0x80)
				col++;
		}
	}
	D->v[D->n++] = (struct dline){ sb_detach(&sb), role };
}

static void add_str(struct diffview *D, enum theme_role role, const char *s)
{
	add_line(D, role, s, strlen(s));
}

static void clear_lines(struct diffview *D)
{
	for (size_t i = 0; i < D->n; i++)
		free(D->v[i].text);
	D->n = 0;
	D->rows_w = 0;   /* the rows are made again */
	D->list.top = D->list.sel = 0;
}

static enum theme_role diff_role(const char *p, size_t len)
{
	if (len >= 4 && (!strncmp(p, "--- ", 4) || !strncmp(p, "+++ ", 4)))
		return ROLE_TITLE;
	if (len >= 2 && !strncmp(p, "@@", 2))
		return ROLE_SECTION;
	if (len && *p == '+')
		return ROLE_STAGED_ADD;
	if (len && *p == '-')
		return ROLE_STAGED_DEL;
	if (len && *p == '\\')
		return ROLE_DIM;
	return ROLE_NORMAL;
}

static void add_text(struct diffview *D, const char *text, bool is_diff)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		add_line(D, is_diff ? diff_role(p, len) : ROLE_NORMAL, p, len);
		p += len + (nl ? 1 : 0);
	}
}

static void build_preview(struct diffview *D)
{
	struct ui *ui = D->ui;
	clear_lines(D);
	if (D->txn) {
		add_str(D, ROLE_SECTION, D->txn->title);
		add_text(D, D->txn->preview, true);
		return;
	}
	struct stage *s = ui->stage;
	if (!s || stage_count(s) == 0) {
		add_str(D, ROLE_DIM, _("Nothing is staged."));
		return;
	}
	add_str(D, ROLE_SECTION, _("Staged changes"));
	for (size_t i = 0; i < stage_count(s); i++) {
		struct strbuf desc = STRBUF_INIT;
		sb_addf(&desc, "  %zu. ", i + 1);
		op_describe(stage_op(s, i), &desc);
		add_str(D, ROLE_NORMAL, sb_str(&desc));
		sb_free(&desc);
	}
	add_str(D, ROLE_NORMAL, "");
	lintmark_stop(ui);   /* stage_plan may rebuild the world lint reads */
	const struct plan *p = stage_plan(s);
	struct strbuf diff = STRBUF_INIT, acts = STRBUF_INIT;
	plan_diff(p, &diff);
	plan_describe_actions(p, ui->cfg, &acts);
	/* No heading over no file (a map rebuilt from its source as it is):
	 * it would say that a file changes. */
	if (p->nfiles)
		add_str(D, ROLE_SECTION, ngettext("The file that changes", "The files that change",
						  p->nfiles));
	for (size_t i = 0; i < p->nfiles; i++) {
		struct strbuf t = STRBUF_INIT;
		sb_addf(&t, "  %s%s", p->files[i]->path,
			p->files[i]->existed ? "" : _("  (created)"));
		add_str(D, ROLE_TITLE, sb_str(&t));
		sb_free(&t);
	}
	if (p->nfiles) {
		add_str(D, ROLE_NORMAL, "");
		add_text(D, sb_str(&diff), true);
	}
	if (acts.len) {
		if (p->nfiles)
			add_str(D, ROLE_NORMAL, "");
		add_str(D, ROLE_SECTION, p->nfiles ? _("The commit also does")
				       : _("No file changes; the commit does"));
		add_text(D, sb_str(&acts), false);
	}
	sb_free(&diff);
	sb_free(&acts);
	/* stage_plan may have rebuilt the staged world */
	staged_view_changed(ui);
}

/* The rows for a text w columns wide (each line cut into pieces of w - 1
 * columns, on character boundaries), made again when the width or the
 * lines changed. */
static void dv_rows(struct diffview *D, int w)
{
	if (w == D->rows_w && D->n == D->rows_n)
		return;
	D->nrows = 0;
	D->rows_w = w;
	D->rows_n = D->n;
	int cols = w - 1 > 8 ? w - 1 : 8;
	for (size_t i = 0; i < D->n; i++) {
		const char *t = D->v[i].text;
		size_t len = strlen(t), off = 0;
		do {
			size_t fit = ui_fit(t + off, cols);
			if (fit == 0 && off < len)
				fit = 1;
			xgrow(&D->rows, &D->rows_cap, D->nrows + 1, sizeof *D->rows);
			D->rows[D->nrows++] = (struct drow){ i, off, fit };
			off += fit;
		} while (off < len);
	}
}

/* The rows at the width of the last draw (the screen's before the first). */
static size_t dv_nrows(struct diffview *D)
{
	dv_rows(D, D->rows_w ? D->rows_w : D->ui->cols);
	return D->nrows;
}

static size_t dv_count(void *arg)
{
	return dv_nrows(arg);
}

static void dv_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct diffview *D = arg;
	const struct drow *r = &D->rows[i];
	char *piece = xmemdup0(D->v[r->line].text + r->off, r->len);
	if (r->off)   /* a line's continuation, marked in the margin */
		ui_text(ui, y, x, 1, ui->g->ellipsis, ROLE_DIM);
	ui_text(ui, y, x + 1, w - 1, piece, D->v[r->line].role);
	free(piece);
}

static bool dv_selectable(void *arg, size_t i)
{
	(void)arg;
	(void)i;
	return false;
}

static const struct list_ops dv_ops = { dv_count, dv_row, dv_selectable };

static void dv_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct diffview *D = (struct diffview *)s;
	const char *title;
	switch (D->state) {
	case DV_PREVIEW:
		title = D->txn ? _("Preview: c commits it as one transaction, q goes back")
			: D->quit_after ? _("Preview: c commits and quits, q goes back")
			: _("Preview of the staged changes: c commits, q goes back");
		break;
	case DV_COMMITTING: title = _("Committing..."); break;
	case DV_DONE_OK: title = _("Committed"); break;
	default: title = _("The commit failed"); break;
	}
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, title, ROLE_TITLE);
	dv_rows(D, w);
	list_draw(&D->list, ui, y + 1, x, h - 1, w, -1);
}

static void scroll_end(struct diffview *D)
{
	size_t h = (size_t)(D->list.height > 0 ? D->list.height : 1), n = dv_nrows(D);
	D->list.top = n > h ? n - h : 0;
	D->list.sel = D->list.top;
}

static void on_step(void *ctx, const char *step, bool ok, const char *detail)
{
	struct diffview *D = ctx;
	struct strbuf t = STRBUF_INIT;
	sb_addf(&t, "%s %s", ok ? "  ok  " : "  FAIL", step);
	if (detail && *detail)
		sb_addf(&t, ": %s", detail);
	add_str(D, ok ? ROLE_NORMAL : ROLE_ERROR, sb_str(&t));
	sb_free(&t);
	scroll_end(D);
	ui_paint_now(D->ui);
}

static void run_commit(struct diffview *D)
{
	struct ui *ui = D->ui;
	clear_lines(D);
	D->state = DV_COMMITTING;
	add_str(D, ROLE_SECTION, _("Commit"));
	ui_paint_now(ui);
	struct commit_opts opts = { .lock_wait_seconds = 2, .progress = on_step, .ctx = D };
	struct commit_result res;
	struct diags d = DIAGS_INIT;
	lintmark_stop(ui);   /* the commit rebuilds the world lint reads */
	int rc = D->txn ? D->txn->commit(D->txn->ctx, ui->cfg, &opts, &res, &d)
		 : stage_commit(ui->stage, &opts, &res, &d);
	add_str(D, ROLE_NORMAL, "");
	for (size_t i = 0; i < d.n; i++) {
		char *m = diag_format(&d.v[i]);
		add_str(D, d.v[i].level == DIAG_ERROR ? ROLE_ERROR : ROLE_WARNING, m);
		free(m);
	}
	struct strbuf t = STRBUF_INIT;
	if (rc == 0) {
		sb_addf(&t, _("Committed (%s). The files and Maildirs are read again."),
			res.id ? res.id : "-");
		add_str(D, ROLE_STAGED_ADD, sb_str(&t));
		D->state = DV_DONE_OK;
	} else {
		if (res.rollback_incomplete) {
			add_str(D, ROLE_ERROR, _("The rollback is incomplete:"));
			for (char *l = res.undone.buf, *nl; l && *l; l = nl + 1) {
				nl = strchr(l, '\n');
				*nl = '\0';
				add_str(D, ROLE_ERROR, l);
			}
		} else if (res.rolled_back)
			/* backend pgsql: the transaction did not commit, and the
			 * files that stay files were only temporary versions */
			add_str(D, ROLE_WARNING,
				ui->cfg->backend == BACKEND_PGSQL
					? _("Nothing was written to the database, and no file was changed.")
					: _("Everything was rolled back: the files and maps are as they were."));
		else if (res.committed)
			add_str(D, ROLE_WARNING,
				_("The files are written, but a later step failed (see above)."));
		else
			add_str(D, ROLE_WARNING, _("Nothing was changed; the changes stay staged."));
		D->state = res.committed ? DV_DONE_OK : DV_DONE_FAIL;
	}
	add_str(D, ROLE_DIM, _("Press q to close."));
	sb_free(&t);
	diags_free(&d);
	bool committed = res.committed;
	commit_result_free(&res);
	scroll_end(D);
	if (committed) {
		if (D->txn)   /* the staged changes stay, applied to what it wrote */
			staged_reread(ui, true);
		else
			staged_reload(ui);
		ui_status(ui, rc == 0 ? ROLE_STAGED_ADD : ROLE_WARNING, "%s",
			  rc == 0 ? _("committed") : _("committed with errors"));
	} else {
		staged_view_changed(ui);
		ui_status(ui, ROLE_ERROR, "%s", _("the commit failed: nothing was changed"));
	}
	ui->dirty = true;
}

/* q, Esc (and Enter once the commit is over): back; after the commit of
 * a quit question's "commit", the interface ends. */
static bool dv_k_back(struct screen *s, struct ui *ui, ui_key k)
{
	struct diffview *D = (struct diffview *)s;
	if ((k == '\r' || k == '\n') && D->state < DV_DONE_OK)
		return list_scroll(&D->list, dv_nrows(D), k);   /* in the preview Enter scrolls */
	bool quit = D->quit_after && D->state == DV_DONE_OK;
	ui_pop(ui);
	if (quit)
		ui->quit = true;
	ui->quit_after_commit = false;
	return true;
}

static bool dv_k_commit(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct diffview *D = (struct diffview *)s;
	if (D->state != DV_PREVIEW)
		return true;
	if (ui->staged == 0 && !D->txn)
		ui_status(ui, ROLE_STATUS, "%s", _("nothing is staged"));
	else
		run_commit(D);
	return true;
}

static bool dv_k_scroll(struct screen *s, struct ui *ui, ui_key k)
{
	(void)ui;
	struct diffview *D = (struct diffview *)s;
	return list_scroll(&D->list, dv_nrows(D), k);
}

static const struct keydef dv_keys[] = {
	{ .help = N_("The staged changes: preview and commit") },
	{ .keys = { 'c' }, .run = dv_k_commit, .name = "c",
	  .help = N_("commit: write every file shown, build the maps, reload, as one transaction"),
	  .bar_key = "c", .bar = N_("Commit"), .bar_pos = 2 },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j' }, .run = dv_k_scroll,
	  .name = "Up Down  k j", .help = N_("scroll a line"), .bar_key = "Up/Down PgUp/PgDn",
	  .bar = N_("Scroll"), .bar_pos = 3 },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), ' ', UI_CTRL('b'), UI_CTRL('f') },
	  .run = dv_k_scroll, .name = "PgUp PgDn  Space", .help = N_("scroll a page") },
	{ .keys = { UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' }, .run = dv_k_scroll,
	  .name = "Home End  g G", .help = N_("the start / the end") },
	{ .name = "F1  ?", .help = N_("this help"), .bar_key = "F1", .bar = N_("Help"), .bar_pos = 1 },
	{ .keys = { 'q', 27, '\r', '\n' }, .run = dv_k_back, .name = "q  Esc",
	  .help = N_("back to the main screen (after the commit, Enter too); nothing is lost: the changes stay staged"),
	  .bar_key = "q", .bar = N_("Back"), .bar_pos = 4 },
};
static const struct keytab dv_tab = KEYTAB(dv_keys);

static bool dv_key(struct screen *s, struct ui *ui, ui_key k)
{
	ui->dirty = true;
	const struct keydef *d = keys_find(&dv_tab, k);
	if (d && d->run)
		return d->run(s, ui, k);
	/* the preview swallows the other keys, but for the help */
	return k != UI_FN(KEY_F(1)) && k != '?';
}

static void dv_free(struct screen *s)
{
	struct diffview *D = (struct diffview *)s;
	clear_lines(D);
	free(D->v);
	free(D->rows);
	if (D->txn) {
		D->txn->free(D->txn->ctx);
		free(D->txn->preview);
		free(D->txn);
	}
	free(D);
}

static const char *const *dv_keybar(struct screen *s)
{
	struct diffview *D = (struct diffview *)s;
	static const char *preview[2 * 4 + 1];
	static const char *const done[] = { "Up/Down", N_("Scroll"), "q", N_("Close"), NULL };
	if (!preview[0])
		keys_bar(&dv_tab, preview, sizeof preview / sizeof preview[0]);
	return D->state == DV_PREVIEW ? preview : done;
}

static const struct screen_ops dv_screen_ops = { dv_draw, dv_key, NULL, dv_free, dv_keybar, &dv_tab };

static struct screen *diffview_new(struct ui *ui, bool quit_after, struct diffview_txn *t)
{
	struct diffview *D = xcalloc(1, sizeof *D);
	D->s.ops = &dv_screen_ops;
	D->ui = ui;
	D->quit_after = quit_after;
	D->txn = t;
	list_init(&D->list, &dv_ops, D);
	build_preview(D);
	return &D->s;
}

struct screen *diffview_create(struct ui *ui, bool quit_after)
{
	return diffview_new(ui, quit_after, NULL);
}

struct screen *diffview_create_txn(struct ui *ui, struct diffview_txn *t)
{
	return diffview_new(ui, false, t);
}
