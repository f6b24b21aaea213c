/* The help screen (F1 or ?): every key of the main screen, one line per row
 * of its key table, scrollable with the same list widget as the panes; q,
 * Esc or ? closes it. */
#include "config.h"

#include <stdlib.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/xalloc.h"

/* One line on the screen: a key's help wrapped at spaces to the width of
 * the last draw, its key's name on its first line only. */
struct help_line {
	const struct keydef *d;
	char *text;
	bool first;
};

struct help {
	struct screen s;
	struct list list;
	const struct keytab *keys;    /* a screen's: one or more lines per row */
	struct help_line *lines;
	size_t nlines;
	int wrap_w;                   /* the text's width they were wrapped to */
};

#define HELP_TEXT_X 27   /* the help text's column; the key's name before it */

static void help_lines_free(struct help *hp)
{
	for (size_t i = 0; i < hp->nlines; i++)
		free(hp->lines[i].text);
	free(hp->lines);
	hp->lines = NULL;
	hp->nlines = 0;
}

/* The help's lines for a screen w columns wide: a section's title on one
 * line (cut if it must be), a key's help wrapped instead of cut. */
static void help_wrap(struct help *hp, int w)
{
	help_lines_free(hp);
	hp->wrap_w = w;
	size_t cap = 0;
	for (size_t i = 0; i < hp->keys->n; i++) {
		const struct keydef *d = &hp->keys->v[i];
		char **wl = NULL;
		size_t n = d->name && w > HELP_TEXT_X + 1 ? ui_wrap(_(d->help), w - HELP_TEXT_X - 1, &wl) : 0;
		for (size_t k = 0; k < (n ? n : 1); k++) {
			xgrow(&hp->lines, &cap, hp->nlines + 1, sizeof *hp->lines);
			hp->lines[hp->nlines++] = (struct help_line){
				d, n ? wl[k] : xstrdup(_(d->help)), k == 0 };
		}
		free(wl);   /* its strings now belong to the lines */
	}
	list_clamp(&hp->list);
}

static size_t help_count(void *arg)
{
	return ((struct help *)arg)->nlines;
}

static void help_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	const struct help_line *l = &((struct help *)arg)->lines[i];
	if (!l->d->name) {
		ui_text(ui, y, x + 1, w - 1, l->text, ROLE_SECTION);
		return;
	}
	if (l->first)
		ui_label(ui, y, x + 3, 22, l->d->name, ROLE_TITLE);
	ui_text(ui, y, x + HELP_TEXT_X, w - HELP_TEXT_X, l->text, ROLE_NORMAL);
}

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
	if (w != hp->wrap_w || !hp->lines)
		help_wrap(hp, w);
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
	if (list_scroll(&hp->list, hp->nlines, k)) {
		ui->dirty = true;
		return true;
	}
	return k != UI_FN(KEY_F(10));   /* every other key is swallowed here */
}

static void help_free(struct screen *s)
{
	help_lines_free((struct help *)s);
	free(s);
}

static const char *const *help_keybar(struct screen *s)
{
	(void)s;
	static const char *const kb[] = { "q", N_("Close"), "Up/Down", N_("Scroll"), NULL };
	return kb;
}

static const struct screen_ops help_ops = {
	help_draw, help_key, NULL, help_free, help_keybar, NULL,
};

struct screen *help_create(struct ui *ui, const struct keytab *keys)
{
	(void)ui;
	struct help *hp = xcalloc(1, sizeof *hp);
	hp->s.ops = &help_ops;
	hp->keys = keys;
	list_init(&hp->list, &help_list_ops, hp);
	return &hp->s;
}
