/* The one list widget every pane uses: rows come from callbacks (count,
 * draw_row, selectable), the widget owns only the selection and the scroll
 * position, so a pane over 10,000 rows costs nothing until drawn. */
#include "config.h"

#include "ui_int.h"

void list_init(struct list *l, const struct list_ops *ops, void *arg)
{
	l->ops = ops;
	l->arg = arg;
	l->sel = l->top = 0;
	l->height = 1;
}

static bool selectable(const struct list *l, size_t i)
{
	return !l->ops->selectable || l->ops->selectable(l->arg, i);
}

/* From i in direction dir (+1/-1), the first selectable row; or i. */
static size_t find(const struct list *l, size_t i, int dir)
{
	size_t n = l->ops->count(l->arg);
	for (size_t j = i; j < n; j = dir > 0 ? j + 1 : j - 1) {
		if (selectable(l, j))
			return j;
		if (dir < 0 && j == 0)
			break;
	}
	return SIZE_MAX;
}

void list_clamp(struct list *l)
{
	size_t n = l->ops->count(l->arg);
	if (n == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= n)
		l->sel = n - 1;
	size_t j = find(l, l->sel, +1);
	if (j == SIZE_MAX)
		j = find(l, l->sel, -1);
	l->sel = j == SIZE_MAX ? 0 : j;
	if (l->top > l->sel)
		l->top = l->sel;
}

void list_select(struct list *l, size_t i)
{
	l->sel = i;
	list_clamp(l);
}

static void list_move(struct list *l, long delta)
{
	size_t n = l->ops->count(l->arg);
	if (n == 0)
		return;
	long t = (long)l->sel + delta;
	if (t < 0)
		t = 0;
	if ((size_t)t >= n)
		t = (long)n - 1;
	size_t j = find(l, (size_t)t, delta >= 0 ? +1 : -1);
	if (j == SIZE_MAX)
		j = find(l, (size_t)t, delta >= 0 ? -1 : +1);
	if (j != SIZE_MAX)
		l->sel = j;
	/* Above the first selectable row there may be a section title: show it. */
	if (delta < 0 && find(l, 0, +1) == l->sel)
		l->top = 0;
}

bool list_key(struct list *l, ui_key k)
{
	long page = l->height > 1 ? l->height - 1 : 1;
	size_t n = l->ops->count(l->arg);
	switch (k) {
	case UI_FN(KEY_UP): case 'k': list_move(l, -1); return true;
	case UI_FN(KEY_DOWN): case 'j': list_move(l, +1); return true;
	case UI_FN(KEY_PPAGE): case UI_CTRL('b'): list_move(l, -page); return true;
	case UI_FN(KEY_NPAGE): case UI_CTRL('f'): case ' ': list_move(l, page); return true;
	case UI_FN(KEY_HOME): case 'g': list_move(l, -(long)n); return true;
	case UI_FN(KEY_END): case 'G': list_move(l, (long)n); return true;
	default: return false;
	}
}

void list_draw(struct list *l, struct ui *ui, int y, int x, int h, int w, int focus)
{
	size_t n = l->ops->count(l->arg);
	l->height = h > 0 ? h : 1;
	if (n && l->sel >= n)
		list_clamp(l);
	/* Scroll so that the selection is visible, keeping the top where it was
	 * when possible (no jumping while moving inside the page). */
	if (l->sel < l->top)
		l->top = l->sel;
	if (h > 0 && l->sel >= l->top + (size_t)h)
		l->top = l->sel - (size_t)h + 1;
	if (l->top && n - l->top < (size_t)h)
		l->top = n > (size_t)h ? n - (size_t)h : 0;
	for (int r = 0; r < h; r++) {
		size_t i = l->top + (size_t)r;
		if (i >= n) {
			ui_fill(ui, y + r, x, w, ROLE_NORMAL);
			continue;
		}
		bool sel = i == l->sel && selectable(l, i);
		if (sel) {
			ui->row_role = focus >= 0 ? focus : ROLE_SELECTION_DIM;
			ui_fill(ui, y + r, x, w, (enum theme_role)ui->row_role);
		} else {
			ui_fill(ui, y + r, x, w, ROLE_NORMAL);
		}
		l->ops->draw_row(l->arg, ui, y + r, x, w, i);
		ui->row_role = -1;
	}
}

bool list_scroll(struct list *l, size_t n, ui_key k)
{
	size_t h = (size_t)(l->height > 0 ? l->height : 1);
	size_t last = n > h ? n - h : 0, top = l->top;
	switch (k) {
	case UI_FN(KEY_DOWN): case 'j': case '\r': case '\n': top = top < last ? top + 1 : last; break;
	case UI_FN(KEY_UP): case 'k': top = top ? top - 1 : 0; break;
	case UI_FN(KEY_NPAGE): case ' ': case UI_CTRL('f'): top = top + h < last ? top + h : last; break;
	case UI_FN(KEY_PPAGE): case UI_CTRL('b'): top = top > h ? top - h : 0; break;
	case UI_FN(KEY_HOME): case 'g': top = 0; break;
	case UI_FN(KEY_END): case 'G': top = last; break;
	default: return false;
	}
	l->top = l->sel = top;
	return true;
}
