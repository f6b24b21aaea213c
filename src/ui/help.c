/* The help screen (F1 or ?): every key of the main screen, one line per row
 * of its key table, scrollable with the same list widget as the panes; q,
 * Esc or ? closes it. */
#include "config.h"

#include <stdlib.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/xalloc.h"

struct help {
	struct screen s;
	struct list list;
	const struct keytab *keys;    /* a screen's: one line per row */
};

static size_t help_count(void *arg)
{
	return ((struct help *)arg)->keys->n;
}

static void help_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	const struct keydef *d = &((struct help *)arg)->keys->v[i];
	if (!d->name) {
		ui_text(ui, y, x + 1, w - 1, _(d->help), ROLE_SECTION);
		return;
	}
	ui_label(ui, y, x + 3, 22, d->name, ROLE_TITLE);
	ui_text(ui, y, x + 27, w - 27, _(d->help), ROLE_NORMAL);
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
	if (list_scroll(&hp->list, hp->keys->n, k)) {
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
