/* The main screen: domains → entries of the selected domain → details of
 * the selected entry, three list widgets (their rows: rows.c, details.c,
 * lint marks: lintmark.c), and the keys. The panes show the staged world;
 * entries staged for removal stay visible (from the disk world), marked. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

static void browse_pane_title(struct ui *ui, int y, int x, int w, const char *title, bool focused)
{
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, title, focused ? ROLE_SELECTION : ROLE_TITLE);
}

/* t made to fit room columns, its count kept: "Domains (12)" becomes
 * "Doma… (12)" (the word cut before " (", in any language that ends the
 * title with it), not "Domains (1" run into the column headings. */
static void title_fit_count(struct ui *ui, char *t, size_t size, int room)
{
	if (room < 1 || ui_width(t) <= room)
		return;
	char *paren = strrchr(t, '(');
	if (!paren || paren == t || paren[-1] != ' ')
		return;
	int word = room - ui_width(paren - 1) - ui_width(ui->g->ellipsis);
	if (word < 1)
		return;
	char *tail = xstrdup(paren - 1);
	size_t keep = ui_fit(t, word);
	snprintf(t + keep, size - keep, "%s%s", ui->g->ellipsis, tail);
	free(tail);
}

/* The mailbox column headings over their columns; the sorted one (s)
 * stands out, with an arrow for its direction. */
static void browse_headings(struct browse *B, struct ui *ui, int y, int cx)
{
	static const struct { enum sort_key key; int x, w; bool right; } col[] = {
		{ SORT_NEW, 0, C_NEW, true },
		{ SORT_UNREAD, C_NEW, C_UNREAD, true },
		{ SORT_TOTAL, C_NEW + C_UNREAD, C_TOTAL, true },
		{ SORT_SIZE, C_NEW + C_UNREAD + C_TOTAL, C_SIZE, true },
		{ SORT_QUOTA, C_ALL - C_BAR + 1, C_BAR - 1, false },
	};
	ui_fill(ui, y, cx - 1, C_ALL + 1, ROLE_TITLE);
	for (size_t i = 0; i < sizeof col / sizeof col[0]; i++) {
		bool sorted = B->sort == col[i].key;
		char t[64];
		snprintf(t, sizeof t, "%s%s", sorted ? rowsort_mark(B, ui) : "", rowsort_label(col[i].key));
		enum theme_role role = sorted ? ROLE_SELECTION : ROLE_TITLE;
		if (col[i].right)
			ui_text_right(ui, y, cx + col[i].x, col[i].w, t, role);
		else
			ui_text(ui, y, cx + col[i].x, col[i].w, t, role);
	}
}

static void browse_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct browse *B = (struct browse *)s;
	char t[256];
	rows_sync_stats(B);
	int xw = xpane_width(ui, w);   /* the exercise pane, on the right */
	if (xw) {
		xpane_draw(ui, y, x + w - xw, h, xw);
		w -= xw;
	}

	int dw = w * 3 / 10;
	if (dw < 30)
		dw = 30;
	if (dw > 40)
		dw = 40;
	if (xw && dw > w * 2 / 5)      /* beside the exercise pane: narrower */
		dw = w * 2 / 5;
	int rx = x + dw + 1, rw = w - dw - 1;
	int eh = (h - 2) * 55 / 100;
	if (eh < 5)
		eh = 5;
	int th = h - 2 - eh;

	/* domains */
	B->qwait = false;
	for (size_t i = 0; i < B->ndvis && !B->qwait; i++) {
		const struct dent *e = &B->dents[B->dvis[i]];
		B->qwait = qstate_domain(ui, (e->d ? e->d : e->old)->name) > 0;
	}
	snprintf(t, sizeof t, _("Domains (%zu)"), B->ndvis);
	if (dw > 20)   /* the title ends a blank before the column headings */
		title_fit_count(ui, t, sizeof t, dw - (B->qwait ? 18 : 13) - 2);
	browse_pane_title(ui, y, x, dw, t, B->focus == PANE_DOMAINS);
	if (dw > 20) {
		if (B->qwait)
			ui_text_right(ui, y, x + dw - 18, 4, _("wait"), ROLE_TITLE);
		ui_text_right(ui, y, x + dw - 13, 3, _("mbx"), ROLE_TITLE);
		ui_text_right(ui, y, x + dw - 9, 3, _("ali"), ROLE_TITLE);
		ui_text_right(ui, y, x + dw - 5, 4, _("new"), ROLE_TITLE);
	}
	list_draw(&B->dlist, ui, y + 1, x, h - 1, dw,
		  B->focus == PANE_DOMAINS ? ROLE_SELECTION : -1);
	for (int r = 0; r < h; r++)
		ui_text(ui, y + r, x + dw, 1, ui->g->vline, ROLE_BORDER);

	/* entries */
	const struct domain *d = rows_cur_domain(B);
	if (d)
		snprintf(t, sizeof t, "%s", d->name);
	else
		snprintf(t, sizeof t, "%s", _("(no domain)"));
	int cw = rows_counts_width(B, rw);
	ui_fill(ui, y, rx, rw, ROLE_TITLE);
	browse_pane_title(ui, y, rx, rw > C_ALL + 8 ? cw - C_ALL - 1 : rw, t, B->focus == PANE_ENTRIES);
	if (rw > C_ALL + 8)   /* the mailbox column headings, over their columns */
		browse_headings(B, ui, y, rx + cw - C_ALL);
	list_draw(&B->elist, ui, y + 1, rx, eh, rw,
		  B->focus == PANE_ENTRIES ? ROLE_SELECTION : -1);

	/* details */
	if (rw - 16 != B->det_w) {
		B->det_w = rw - 16;
		details_build(B);
	}
	if (B->ndet > (size_t)(th > 0 ? th : 0) && th > 0) {
		/* longer than the pane: say so, and how to scroll it */
		size_t last = B->tlist.top + (size_t)th;
		snprintf(t, sizeof t, _("Details  %zu-%zu/%zu  (Tab here, then PgDn/PgUp)"),
			 B->tlist.top + 1, last < B->ndet ? last : B->ndet, B->ndet);
	} else {
		snprintf(t, sizeof t, "%s", _("Details"));
	}
	browse_pane_title(ui, y + 1 + eh, rx, rw, t, B->focus == PANE_DETAILS);
	list_draw(&B->tlist, ui, y + 2 + eh, rx, th, rw, -1);
}

static void browse_set_focus(struct browse *B, int f)
{
	if (f < PANE_DOMAINS || f > PANE_DETAILS)
		return;
	if (f >= PANE_ENTRIES && B->ndvis == 0)
		return;
	if (f != PANE_DETAILS)
		details_forget_trace(B);
	B->focus = f;
	if (f == PANE_ENTRIES)
		list_clamp(&B->elist);
	B->tlist.top = 0;
	details_build(B);
}

/* The next mailbox with new mail after the selection, across the visible
 * domains, wrapping around. */
static const struct mailbox *browse_find_new(struct browse *B, struct ui *ui, size_t *mbx_out)
{
	size_t nd = B->ndvis;
	if (!nd)
		return NULL;
	size_t start_d = B->dlist.sel;
	size_t cur = SIZE_MAX;   /* disk index of the selected mailbox */
	if (B->focus != PANE_DOMAINS && B->nrows && B->rows[B->elist.sel].kind == ROW_MAILBOX)
		cur = B->rows[B->elist.sel].mbx;
	bool skip = cur != SIZE_MAX;
	for (size_t step = 0; step <= nd; step++) {
		size_t di = (start_d + step) % nd;
		const struct dent *e = &B->dents[B->dvis[di]];
		size_t n = 0;
		const struct mailbox *mb = e->old ? world_domain_mailboxes(B->disk, e->old, &n) : NULL;
		for (size_t k = 0; k < n; k++) {
			size_t idx = (size_t)(&mb[k] - B->boxes);
			if (step == 0 && skip && idx <= cur)
				continue;
			struct maildir_counts c;
			if (!live_counts(ui->live, idx, &c, NULL) || !c.new_msgs)
				continue;
			if (!rows_mailbox_shown(B, e, &mb[k]))
				continue;
			list_select(&B->dlist, di);
			rows_domain_changed(B);
			const struct mailbox *shown = NULL;
			for (size_t r = 0; r < B->nrows; r++)
				if (B->rows[r].kind == ROW_MAILBOX && B->rows[r].mbx == idx) {
					list_select(&B->elist, r);
					shown = B->rows[r].p;
				}
			B->focus = PANE_ENTRIES;
			details_build(B);
			ui_status(ui, ROLE_NEW_MAIL, _("%s: %u new"), mb[k].address, c.new_msgs);
			if (mbx_out)
				*mbx_out = idx;
			return shown ? shown : &mb[k];
		}
		if (step == 0)
			skip = false;   /* the rest of the first domain is done */
	}
	ui_status(ui, ROLE_STATUS, "%s", live_scanning(ui->live)
		  ? _("still scanning: no new mail found yet") : _("no new mail anywhere"));
	return NULL;
}

/* ---- keys ---- */

static bool browse_k_pane(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)ui;
	browse_set_focus(B, (B->focus + (k == '\t' ? 1 : 2)) % 3);
	return true;
}

static bool browse_k_into(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	/* On an entry, Enter acts: a mailbox opens, an alias is edited. */
	bool enter = k == '\r' || k == '\n' || k == UI_FN(KEY_ENTER);
	if (enter && B->focus == PANE_ENTRIES && B->nrows) {
		const struct row *r = &B->rows[B->elist.sel];
		if (r->kind == ROW_MAILBOX && r->mark != MARK_ADD) {
			ui_push(ui, mailview_list_create(ui, r->p));
			return true;
		}
		if ((r->kind == ROW_ALIAS || r->kind == ROW_CATCHALL) && r->mark != MARK_DEL) {
			struct ui_sel sel;
			browse_selection(s, &sel);
			edit_edit(ui, &sel);
			return true;
		}
	}
	browse_set_focus(B, B->focus + 1);
	return true;
}

static bool browse_k_back(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)ui;
	(void)k;
	browse_set_focus(B, B->focus - 1);
	return true;
}

static bool browse_k_open(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)k;
	if (B->focus == PANE_ENTRIES && B->nrows && B->rows[B->elist.sel].kind == ROW_MAILBOX)
		ui_push(ui, mailview_list_create(ui, B->rows[B->elist.sel].p));
	else
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox to open its messages"));
	return true;
}

/* The editing keys act on the selection (edit.c). */
static bool browse_k_edit(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	struct ui_sel sel;
	browse_selection(s, &sel);
	if (B->ntags && (k == 'd' || k == UI_FN(KEY_DC)))
		tags_delete(B, ui);   /* tagged entries: the action is theirs */
	else if (B->ntags && k == 'Q')
		tags_quota(B, ui);
	else if (k == 'a')
		edit_add(ui, &sel);
	else if (k == 'd' || k == UI_FN(KEY_DC))
		edit_delete(ui, &sel);
	else if (k == 'e')
		edit_edit(ui, &sel);
	else if (k == 'p')
		edit_password(ui, &sel);
	else if (k == 'M')
		edit_mailbox_rename(ui, &sel);
	else if (k == 'f')
		edit_mailbox_forward(ui, &sel);
	else if (k == 'A')
		edit_mailbox_sendas(ui, &sel);
	else
		edit_quota(ui, &sel);
	return true;
}

/* The mail log of the selected mailbox or alias (logview.c). */
static bool browse_k_history(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	ui_push(ui, history_create(ui));
	return true;
}

static bool browse_k_log(struct screen *s, struct ui *ui, ui_key k)
{
	struct ui_sel sel;
	(void)k;
	browse_selection(s, &sel);
	/* The tracer of the details: its prediction goes beside the log's. */
	struct tracer *tr = ((struct browse *)s)->tracer;
	if (sel.kind == SEL_MAILBOX && sel.mailbox)
		logview_show(ui, sel.mailbox->address, tr);
	else if (sel.kind == SEL_ALIAS && sel.alias)
		logview_show(ui, sel.alias->address, tr);
	else
		ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox or an alias to see its mail log"));
	return true;
}

/* The Postfix queue (queueview.c). */
static bool browse_k_queue(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	ui_push(ui, queueview_create(ui));
	return true;
}

/* The keys about the staged changes as a whole: undo, preview, quit. */
static bool browse_k_staged(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	if (k == 'u')
		staged_undo(ui);
	else if (k != 'D')
		edit_quit(ui);
	else if (ui->staged == 0)
		ui_status(ui, ROLE_STATUS, "%s", _("nothing is staged: a, d, e, p and Q stage changes"));
	else
		ui_push(ui, diffview_create(ui, false));
	return true;
}

static bool browse_k_next_new(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	browse_find_new((struct browse *)s, ui, NULL);
	return true;
}

static bool browse_k_rescan(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	if (live_rescan(ui->live))
		ui_status(ui, ROLE_STATUS, "%s", _("rescanning every Maildir..."));
	else
		ui_status(ui, ROLE_STATUS, "%s", _("a scan is already running"));
	return true;
}

/* The exercise pane's keys (xpane.c): x opens or closes it; while it is
 * open h shows the current step's hint and [ ] change exercise. Closed, h
 * is still Left and [ ] do nothing. */
static bool browse_k_exercise(struct screen *s, struct ui *ui, ui_key k)
{
	if (xpane_key(ui, k))
		return true;
	return k == 'h' && browse_k_back(s, ui, k);
}

static bool browse_k_problems(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct browse *B = (struct browse *)s;
	if (!B->lint_on) {
		ui_status(ui, ROLE_STATUS, "%s", _("lint has not run yet: try again in a moment"));
		return true;
	}
	if (lintmark_running(ui)) {   /* it opens when lint ends (lintmark.c) */
		B->problems_wanted = true;
		ui_status(ui, ROLE_STATUS, "%s",
			  _("lint is still running: its findings open here when it ends"));
		return true;
	}
	ui_push(ui, problems_create(B));
	return true;
}

bool browse_show_subject(struct screen *s, const char *subject)
{
	return browse_goto_subject((struct browse *)s, subject);
}

bool browse_goto_subject(struct browse *B, const char *subject)
{
	char *key = xstrdup(subject);
	char *at = strrchr(key, '@');
	char *slash = strchr(at ? at : key, '/');
	if (slash && !at) {   /* a path: no entry */
		free(key);
		return false;
	}
	if (slash)
		*slash = '\0';   /* "address/maildir..." */
	const char *dom = at ? at + 1 : key;
	bool found = false;
	for (size_t i = 0; i < B->ndvis && !found; i++) {
		if (strcmp(B->dents[B->dvis[i]].name, dom) != 0)
			continue;
		details_forget_trace(B);
		list_select(&B->dlist, i);
		rows_domain_changed(B);
		B->focus = at ? PANE_ENTRIES : PANE_DOMAINS;   /* "@dom": its catch-all */
		if (B->focus == PANE_ENTRIES)
			browse_select_address(&B->s, key);
		details_build(B);
		found = true;
	}
	free(key);
	return found;
}

/* R: the files as they are on disk now, the staged changes replayed. */
static bool browse_k_reread(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	staged_reread(ui, true);
	return true;
}

/* s: the next sort key for the mailbox rows; S: the other direction. */
static bool browse_k_sort(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	if (k == 's')
		B->sort = (B->sort + 1) % SORT_KEYS;
	else
		B->sort_rev = !B->sort_rev;
	rows_resort(B);
	ui_status(ui, ROLE_STATUS, _("Mailboxes sorted %s"), rowsort_describe(B));
	return true;
}

/* The details pane scrolls its text: it has nothing to select. */
static bool browse_scroll_details(struct browse *B, ui_key k)
{
	if (k == UI_FN(KEY_DOWN) || k == 'j') {
		if (B->tlist.top + 1 < B->ndet)
			B->tlist.top++;
		B->tlist.sel = B->tlist.top;
		return true;
	}
	if (k == UI_FN(KEY_UP) || k == 'k') {
		if (B->tlist.top)
			B->tlist.top--;
		B->tlist.sel = B->tlist.top;
		return true;
	}
	/* a page: the problems and the trace can be longer than the pane */
	size_t page = B->tlist.height > 1 ? (size_t)B->tlist.height - 1 : 1;
	size_t last = B->ndet > (size_t)B->tlist.height && B->tlist.height > 0
		? B->ndet - (size_t)B->tlist.height : 0;
	if (k == UI_FN(KEY_NPAGE) || k == UI_CTRL('f') || k == ' ') {
		B->tlist.top = B->tlist.top + page < last ? B->tlist.top + page : last;
	} else if (k == UI_FN(KEY_PPAGE) || k == UI_CTRL('b')) {
		B->tlist.top = B->tlist.top > page ? B->tlist.top - page : 0;
	} else if (k == UI_FN(KEY_HOME) || k == 'g') {
		B->tlist.top = 0;
	} else if (k == UI_FN(KEY_END) || k == 'G') {
		B->tlist.top = last;
	} else {
		return false;
	}
	B->tlist.sel = B->tlist.top;
	return true;
}

/* Moving in the focused pane (the list widget's keys). */
static bool browse_k_move(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)ui;
	if (B->focus == PANE_DOMAINS && list_key(&B->dlist, k)) {
		rows_domain_changed(B);
		return true;
	}
	if (B->focus == PANE_ENTRIES && list_key(&B->elist, k)) {
		B->tlist.top = 0;
		details_build(B);
		return true;
	}
	return B->focus == PANE_DETAILS && browse_scroll_details(B, k);
}

/* Every key of the main screen, in the help's order. Rows without keys are
 * handled by ui.c for every screen, or are only a line of help. */
static const struct keydef browse_keys[] = {
	{ .help = N_("Moving around") },
	{ .keys = { '\t', UI_FN(KEY_BTAB) }, .run = browse_k_pane, .name = "Tab  S-Tab",
	  .help = N_("next / previous pane (domains, entries, details)") },
	{ .keys = { UI_FN(KEY_RIGHT), 'l', '\r', '\n', UI_FN(KEY_ENTER) }, .run = browse_k_into,
	  .name = "Right  l  Enter", .help = N_("go into the selected domain or entry"),
	  .bar_key = "Enter", .bar = N_("Open"), .bar_pos = 2 },
	/* h: the exercise's row below, which moves back too while the pane is closed */
	{ .keys = { UI_FN(KEY_LEFT), UI_FN(KEY_BACKSPACE), 127 }, .run = browse_k_back,
	  .name = "Left  h  Backspace", .help = N_("back to the previous pane") },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j' }, .run = browse_k_move,
	  .name = "Up Down  k j", .help = N_("previous / next row") },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), UI_CTRL('b'), UI_CTRL('f') },
	  .run = browse_k_move, .name = "PgUp PgDn  C-b C-f", .help = N_("one page up / down") },
	{ .keys = { UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' }, .run = browse_k_move,
	  .name = "Home End  g G", .help = N_("first / last row") },
	{ .keys = { 'm' }, .run = browse_k_next_new, .name = "m",
	  .help = N_("next mailbox with new mail"), .bar_key = "m", .bar = N_("New"), .bar_pos = 4 },
	{ .name = "Tab Tab, PgUp PgDn",
	  .help = N_("in the details pane: scroll the problems and the trace") },
	{ .keys = { '!' }, .run = browse_k_problems, .name = "!",
	  .help = N_("every problem lint found (the ! mark in the lists), Enter goes to its entry") },
	{ .help = N_("Editing (nothing changes on disk before the commit)") },
	{ .keys = { 'a' }, .run = browse_k_edit, .name = "a",
	  .help = N_("add: a domain (domains pane); a mailbox, alias, catch-all or alias domain (entries pane)"),
	  .bar_key = "a", .bar = N_("Add"), .bar_pos = 5 },
	{ .keys = { 'd', UI_FN(KEY_DC) }, .run = browse_k_edit, .name = "d  Delete",
	  .help = N_("remove the selected domain or entry (asks first; mail is archived)"),
	  .bar_key = "d", .bar = N_("Del"), .bar_pos = 6 },
	{ .keys = { 'e' }, .run = browse_k_edit, .name = "e  Enter",
	  .help = N_("edit the selected alias's targets, catch-all, or mailbox quota"),
	  .bar_key = "e", .bar = N_("Edit"), .bar_pos = 7 },
	{ .keys = { 'p' }, .run = browse_k_edit, .name = "p",
	  .help = N_("set the selected mailbox's password (typed twice, or generated)") },
	{ .keys = { 'Q' }, .run = browse_k_edit, .name = "Q",
	  .help = N_("set the selected mailbox's quota") },
	{ .keys = { 'f' }, .run = browse_k_edit, .name = "f",
	  .help = N_("the selected mailbox's forwarding: its targets, with or without a copy in the mailbox") },
	{ .keys = { 'A' }, .run = browse_k_edit, .name = "A",
	  .help = N_("who may send as the selected mailbox or alias: the logins granted beside its owners (sender login map)") },
	{ .keys = { 'M' }, .run = browse_k_edit, .name = "M",
	  .help = N_("rename the selected mailbox (its maildir moves; the old address may stay as an alias)") },
	{ .keys = { ' ', UI_FN(KEY_IC) }, .run = tags_k_toggle, .name = "Space  Insert",
	  .help = N_("tag or untag a mailbox or alias; d and Q then act on every tagged one, as one batch") },
	{ .keys = { 'u' }, .run = browse_k_staged, .name = "u",
	  .help = N_("undo the last staged change") },
	{ .keys = { 'D' }, .run = browse_k_staged, .name = "D",
	  .help = N_("preview the staged changes (diff, actions); c there commits"),
	  .bar_key = "D", .bar = N_("Diff"), .bar_pos = 8 },
	{ .help = N_("Mail") },
	{ .keys = { 'o' }, .run = browse_k_open, .name = "Enter  o",
	  .help = N_("on a mailbox: its messages; Enter on a message reads it") },
	{ .keys = { 'L' }, .run = browse_k_log, .name = "L",
	  .help = N_("on a mailbox or alias: its deliveries and rejections of the last 7 days (mail log)") },
	{ .keys = { 'w' }, .run = browse_k_queue, .name = "w",
	  .help = N_("the mail queue, live: what waits and why; hold, release, requeue, delete, flush") },
	{ .help = N_("History") },
	{ .keys = { 'H' }, .run = browse_k_history, .name = "H",
	  .help = N_("the commit history: who changed what and when; r there rolls a commit back") },
	{ .help = N_("Finding") },
	{ .keys = { '/' }, .run = find_k_search, .name = "/",
	  .help = N_("search: the selection moves to the first match as you type (Enter keeps it, Esc goes back)"),
	  .bar_key = "/", .bar = N_("Search"), .bar_pos = 3 },
	{ .keys = { 'n', 'N' }, .run = find_k_next, .name = "n  N",
	  .help = N_("next / previous match of the search, across the domains") },
	{ .keys = { '\\' }, .run = find_k_filter, .name = "\\",
	  .help = N_("filter: show only the domains and entries that match (Enter keeps it, Esc clears it)") },
	{ .keys = { 27 }, .run = find_k_clear, .name = "Esc", .help = N_("clear the filter") },
	{ .keys = { 's' }, .run = browse_k_sort, .name = "s",
	  .help = N_("sort the mailboxes by name, new, unread, total, size or quota use (each s the next)") },
	{ .keys = { 'S' }, .run = browse_k_sort, .name = "S",
	  .help = N_("reverse the mailboxes' order (the ones not scanned yet stay last)") },
	{ .keys = { 't' }, .run = details_k_trace, .name = "t",
	  .help = N_("trace any address: where Postfix would deliver its mail, step by step") },
	{ .keys = { 'R' }, .run = browse_k_reread, .name = "R",
	  .help = N_("read the files again (done by itself when someone else changes them)") },
	{ .help = N_("Mail statistics") },
	{ .keys = { 'r' }, .run = browse_k_rescan, .name = "r",
	  .help = N_("rescan every Maildir (new mail shows by itself within a second)") },
	{ .help = N_("The course's exercises") },
	{ .keys = { 'x' }, .run = browse_k_exercise, .name = "x",
	  .help = N_("open or close the exercise pane: each step ticks by itself from what is on disk"),
	  .bar_key = "x", .bar = N_("Exercise"), .bar_pos = 10 },
	{ .keys = { 'h' }, .run = browse_k_exercise, .name = "h",
	  .help = N_("while the exercise pane is open: the current step's hint (Left still moves)") },
	{ .keys = { '[', ']' }, .run = browse_k_exercise, .name = "[  ]",
	  .help = N_("while the exercise pane is open: previous / next exercise") },
	{ .help = N_("Columns") },
	{ .name = "mbx ali new", .help = N_("domains: its mailboxes, its aliases, its new messages") },
	{ .name = "new unread total", .help = N_("a mailbox's new messages (new/), unread ones, all of them") },
	{ .name = "size quota", .help = N_("what its messages take, and that as a share of its quota") },
	{ .name = "! + - ~", .help = N_("marks: a lint problem; staged to be added, removed, changed") },
	{ .help = N_("Screen") },
	{ .name = "F1  ?", .help = N_("this help"), .bar_key = "F1", .bar = N_("Help"), .bar_pos = 1 },
	{ .name = "C-l", .help = N_("redraw the screen") },
	{ .keys = { 'q', UI_FN(KEY_F(10)) }, .run = browse_k_staged, .name = "q  F10",
	  .help = N_("quit (closes this help first; asks when changes are staged)"),
	  .bar_key = "q", .bar = N_("Quit"), .bar_pos = 9 },
};
static const struct keytab browse_tab = KEYTAB(browse_keys);

static bool browse_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	ui->dirty = true;
	if (B->typing)
		return find_typing_key(s, ui, k);
	const struct keydef *d = keys_find(&browse_tab, k);
	if (d && d->run && d->run(s, ui, k))
		return true;
	ui->dirty = false;
	return false;
}

static void browse_resize(struct screen *s, struct ui *ui)
{
	(void)s;
	ui->dirty = true;
}

static void browse_free(struct screen *s)
{
	struct browse *B = (struct browse *)s;
	details_free(B);
	free(B->sel_dom);
	free(B->sel_addr);
	tags_clear(B);
	free(B->rows);
	free(B->dvis);
	free(B->dnew);
	free(B->dsev);
	free(B->dents);
	lintmark_free(B);
	sb_free(&B->filter);
	sb_free(&B->search);
	free(B);
}

static const char *const *browse_keybar(struct screen *s)
{
	struct browse *B = (struct browse *)s;
	/* made once from the tables */
	static const char *normal[2 * 16 + 1], *typing[2][2 * 4 + 1];
	if (!normal[0])
		keys_bar(&browse_tab, normal, sizeof normal / sizeof normal[0]);
	if (!B->typing)
		return normal;
	const char **bar = typing[B->typing == FIND_SEARCH];
	if (!bar[0])
		keys_bar(find_keys(B), bar, sizeof typing[0] / sizeof typing[0][0]);
	return bar;
}

static const struct screen_ops browse_ops = {
	browse_draw, browse_key, browse_resize, browse_free, browse_keybar, &browse_tab,
};

static void browse_attach(struct browse *B)
{
	B->w = B->ui->view ? B->ui->view : B->ui->world;
	B->disk = B->ui->world;
	B->boxes = world_mailboxes(B->disk, &B->nboxes);
	rows_build_dents(B);
	if (B->lint_on)
		lintmark_attach(B);
}

struct screen *browse_create(struct ui *ui)
{
	struct browse *B = xcalloc(1, sizeof *B);
	B->s.ops = &browse_ops;
	B->ui = ui;
	sb_init(&B->filter);
	list_init(&B->dlist, &rows_domain_ops, B);
	list_init(&B->elist, &rows_entry_ops, B);
	list_init(&B->tlist, &details_ops, B);
	browse_attach(B);
	/* Start on the first hosted domain rather than on localhost. */
	rows_refilter(B);
	for (size_t i = 0; i < B->ndvis; i++) {
		const struct dent *e = &B->dents[B->dvis[i]];
		if (e->d && (e->d->class & DOMAIN_VIRTUAL_MAILBOX)) {
			list_select(&B->dlist, i);
			rows_domain_changed(B);
			break;
		}
	}
	return &B->s;
}

void browse_lint(struct screen *s)
{
	struct browse *B = (struct browse *)s;
	if (B->lint_on)
		return;
	B->lint_on = true;
	lintmark_attach(B);
	details_build(B);
	B->ui->dirty = true;
}

void browse_refresh(struct screen *s)
{
	struct browse *B = (struct browse *)s;
	/* Keep the selection by name: the pointers died with the old world. */
	char *dom = B->sel_dom, *addr = B->sel_addr;
	B->sel_dom = B->sel_addr = NULL;
	size_t esel = B->elist.sel;
	B->nrows = 0;
	B->ndvis = 0;
	browse_attach(B);
	B->gen = live_generation(B->ui->live) - 1;
	rows_refilter(B);
	for (size_t i = 0; dom && i < B->ndvis; i++)
		if (strcmp(B->dents[B->dvis[i]].name, dom) == 0) {
			list_select(&B->dlist, i);
			break;
		}
	rows_build(B);
	list_select(&B->elist, esel);
	if (addr)
		browse_select_address(s, addr);
	rows_sync_stats(B);
	details_build(B);
	free(dom);
	free(addr);
	B->ui->dirty = true;
}

void browse_select_address(struct screen *s, const char *address)
{
	struct browse *B = (struct browse *)s;
	for (size_t r = 0; r < B->nrows; r++) {
		const struct row *row = &B->rows[r];
		const char *a = NULL;
		if (row->kind == ROW_MAILBOX)
			a = ((const struct mailbox *)row->p)->address;
		else if (row->kind == ROW_ALIAS)
			a = ((const struct alias *)row->p)->address;
		bool hit = a && strcmp(a, address) == 0;
		if (row->kind == ROW_CATCHALL && address[0] == '@')
			hit = strcmp(((const struct catchall *)row->p)->domain, address + 1) == 0;
		if (hit) {
			list_select(&B->elist, r);
			B->tlist.top = 0;
			details_build(B);
			return;
		}
	}
}

void browse_selection(struct screen *s, struct ui_sel *sel)
{
	struct browse *B = (struct browse *)s;
	memset(sel, 0, sizeof *sel);
	sel->mbx = SIZE_MAX;
	const struct dent *e = rows_cur_dent(B);
	if (!e)
		return;
	sel->domain = e->name;
	sel->domain_staged_del = e->mark == MARK_DEL;
	const struct domain *d = e->d ? e->d : e->old;
	sel->nmailboxes = d->nmailboxes;
	sel->naliases = d->naliases;
	sel->kind = SEL_DOMAIN;
	if (B->focus == PANE_DOMAINS || !B->nrows)
		return;
	sel->in_entries = true;
	const struct row *r = &B->rows[B->elist.sel];
	sel->ghost = r->mark == MARK_DEL;
	switch (r->kind) {
	case ROW_MAILBOX:
		sel->kind = SEL_MAILBOX;
		sel->mailbox = r->p;
		sel->mbx = r->mbx;
		break;
	case ROW_ALIAS:
		sel->kind = SEL_ALIAS;
		sel->alias = r->p;
		break;
	case ROW_CATCHALL:
		sel->kind = SEL_CATCHALL;
		sel->catchall = r->p;
		break;
	default:
		sel->kind = SEL_NONE;
		break;
	}
}

const struct mailbox *browse_next_new(struct screen *s, size_t *mbx)
{
	struct browse *B = (struct browse *)s;
	return browse_find_new(B, B->ui, mbx);
}
