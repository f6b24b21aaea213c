/* The help screen (F1 or ?): every key of the interface, scrollable with the
 * same list widget as the panes; q, Esc or ? closes it. */
#include "config.h"

#include <stdlib.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/xalloc.h"

/* Key and what it does; a NULL key is a section title. */
static const struct {
	const char *key;
	const char *what;
} help_lines[] = {
	{ NULL, N_("Moving around") },
	{ "Tab  S-Tab", N_("next / previous pane (domains, entries, details)") },
	{ "Right  l  Enter", N_("go into the selected domain or entry") },
	{ "Left  h  Backspace", N_("back to the previous pane") },
	{ "Up Down  k j", N_("previous / next row") },
	{ "PgUp PgDn  C-b C-f", N_("one page up / down") },
	{ "Home End  g G", N_("first / last row") },
	{ "n", N_("next mailbox with new mail") },
	{ "Tab Tab, PgUp PgDn", N_("in the details pane: scroll the problems and the trace") },
	{ "!", N_("mark: lint found a problem (the details say which)") },
	{ NULL, N_("Editing (nothing changes on disk before the commit)") },
	{ "a", N_("add: a domain (domains pane); a mailbox, alias or catch-all (entries pane)") },
	{ "d  Delete", N_("remove the selected domain or entry (asks first; mail is archived)") },
	{ "e  Enter", N_("edit the selected alias's targets, catch-all, or mailbox quota") },
	{ "p", N_("set the selected mailbox's password (typed twice, or generated)") },
	{ "Q", N_("set the selected mailbox's quota") },
	{ "u", N_("undo the last staged change") },
	{ "D", N_("preview the staged changes (diff, actions); c there commits") },
	{ NULL, N_("Mail") },
	{ "Enter  o", N_("on a mailbox: its messages; Enter on a message reads it") },
	{ NULL, N_("Finding") },
	{ "/", N_("filter domains and entries by text (Enter keeps it, Esc clears it)") },
	{ "Esc", N_("clear the filter") },
	{ NULL, N_("Mail statistics") },
	{ "r", N_("rescan every Maildir (new mail shows by itself within a second)") },
	{ NULL, N_("Screen") },
	{ "F1  ?", N_("this help") },
	{ "C-l", N_("redraw the screen") },
	{ "q  F10", N_("quit (closes this help first; asks when changes are staged)") },
};

#define NLINES (sizeof help_lines / sizeof help_lines[0])

struct help {
	struct screen s;
	struct list list;
};

static size_t help_count(void *arg)
{
	(void)arg;
	return NLINES;
}

static void help_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	(void)arg;
	if (!help_lines[i].key) {
		ui_text(ui, y, x + 1, w - 1, _(help_lines[i].what), ROLE_SECTION);
		return;
	}
	ui_text(ui, y, x + 3, 22, help_lines[i].key, ROLE_TITLE);
	ui_text(ui, y, x + 27, w - 27, _(help_lines[i].what), ROLE_NORMAL);
}

/* Nothing to select: the text only scrolls. */
static bool help_selectable(void *arg, size_t i)
{
	(void)arg;
	(void)i;
	return false;
}

static const struct list_ops help_list_ops = { help_count, help_row, help_selectable };

static void help_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct help *hp = (struct help *)s;
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, _("Help: every key (q, Esc or ? to close)"), ROLE_TITLE);
	list_draw(&hp->list, ui, y + 1, x, h - 1, w, -1);
}

static bool help_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct help *hp = (struct help *)s;
	if (k == 'q' || k == 27 || k == '?' || k == UI_FN(KEY_F(1)) || k == 'Q') {
		ui_pop(ui);
		return true;
	}
	/* Scroll the text (no selection to show). */
	if (k == UI_FN(KEY_DOWN) || k == 'j' || k == UI_FN(KEY_NPAGE)) {
		size_t last = NLINES > (size_t)hp->list.height ? NLINES - (size_t)hp->list.height : 0;
		size_t step = k == UI_FN(KEY_NPAGE) ? (size_t)hp->list.height : 1;
		hp->list.top = hp->list.top + step > last ? last : hp->list.top + step;
		hp->list.sel = hp->list.top;
		ui->dirty = true;
		return true;
	}
	if (k == UI_FN(KEY_UP) || k == 'k' || k == UI_FN(KEY_PPAGE)) {
		size_t step = k == UI_FN(KEY_PPAGE) ? (size_t)hp->list.height : 1;
		hp->list.top = hp->list.top > step ? hp->list.top - step : 0;
		hp->list.sel = hp->list.top;
		ui->dirty = true;
		return true;
	}
	return k != UI_FN(KEY_F(10));   /* every other key is swallowed here */
}

static void help_free(struct screen *s)
{
	free(s);
}

static const char *const *help_keybar(struct screen *s)
{
	(void)s;
	static const char *const kb[] = { "q", N_("Close"), "Up/Down", N_("Scroll"), NULL };
	return kb;
}

static const struct screen_ops help_ops = { help_draw, help_key, NULL, help_free, help_keybar };

struct screen *help_create(struct ui *ui)
{
	(void)ui;
	struct help *hp = xcalloc(1, sizeof *hp);
	hp->s.ops = &help_ops;
	list_init(&hp->list, &help_list_ops, hp);
	return &hp->s;
}
