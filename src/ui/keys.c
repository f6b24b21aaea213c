/* Key tables (tig's request table): a screen lists its keys once, and the
 * same rows dispatch the keys, make its key bar and its help, so that the
 * three cannot drift. */
#include "config.h"

#include "ui_int.h"

const struct keydef *keys_find(const struct keytab *t, ui_key k)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < KEYS_MAX && t->v[i].keys[j]; j++)
			if (t->v[i].keys[j] == k)
				return &t->v[i];
	return NULL;
}

size_t keys_bar(const struct keytab *t, const char **out, size_t max)
{
	size_t n = 0;
	for (int pos = 1; n + 3 <= max; pos++) {
		const struct keydef *d = NULL;
		for (size_t i = 0; i < t->n && !d; i++)
			if (t->v[i].bar_pos == pos)
				d = &t->v[i];
		if (!d)
			break;
		out[n++] = d->bar_key;
		out[n++] = d->bar;
	}
	out[n] = NULL;
	return n / 2;
}

bool keys_run_or_back(struct screen *s, struct ui *ui, ui_key k)
{
	ui->dirty = true;
	if (k == 27) {
		ui_pop(ui);
		return true;
	}
	const struct keydef *d = keys_find(s->ops->keys, k);
	return d && d->run && d->run(s, ui, k);
}
