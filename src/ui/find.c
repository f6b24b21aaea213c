/* Finding things on the main screen, with less's and htop's keys: the
 * filter (\) hides what does not match; the search (/) hides nothing and
 * moves the selection to the next match, as it is typed, then n and N go
 * to the next and previous ones, across the domains, wrapping around.
 * Both are typed in the status line; while one is, its own small key
 * table decides the keys (Enter keeps, Esc cancels, the rest edits). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"

#define FIND_MAX 200   /* bytes of a pattern */

/* ---- the filter ---- */

static void find_show_filter(struct browse *B, struct ui *ui)
{
	lineedit_filter_status(ui, &B->filter, B->typing == FIND_FILTER);
}

bool find_k_filter(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)k;
	B->typing = FIND_FILTER;
	find_show_filter(B, ui);
	return true;
}

bool find_k_clear(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)k;
	if (B->filter.len) {
		sb_reset(&B->filter);
		rows_refilter(B);
		find_show_filter(B, ui);
	}
	return true;
}

/* ---- the search ---- */

static bool find_has(const char *hay, const char *pat)
{
	return hay && strcasestr(hay, pat) != NULL;
}

/* Position k of the selected domain: 0 is the domain itself (its row in
 * the domains pane), k >= 1 the entry row k - 1. */
static bool find_matches(const struct browse *B, size_t k, const char *pat)
{
	if (k == 0)
		return find_has(B->dents[B->dvis[B->dlist.sel]].name, pat);
	const struct row *r = &B->rows[k - 1];
	switch (r->kind) {
	case ROW_MAILBOX:
		return find_has(((const struct mailbox *)r->p)->address, pat);
	case ROW_ALIAS: {
		const struct alias *a = r->p;
		return find_has(a->address, pat) || find_has(a->value, pat);
	}
	case ROW_CATCHALL: {
		const struct catchall *c = r->p;
		return find_has(c->target, pat) || (pat[0] == '@' && find_has(c->domain, pat + 1));
	}
	default:
		return false;
	}
}

static void find_show_domain(struct browse *B, size_t di)
{
	list_select(&B->dlist, di);
	if (B->rows_for != B->dvis[di])
		rows_build(B);
}

static void find_select(struct browse *B, size_t k)
{
	details_forget_trace(B);
	if (k == 0) {
		B->focus = PANE_DOMAINS;
	} else {
		B->focus = PANE_ENTRIES;
		list_select(&B->elist, k - 1);
	}
	B->tlist.top = B->tlist.sel = 0;
	details_build(B);
}

/* Move to the next match of pat in direction dir (+1, -1) from the
 * selection, the selection itself included when incl (typing). Returns
 * false, with the selection where it was, when nothing matches. */
static bool find_move(struct browse *B, const char *pat, int dir, bool incl)
{
	size_t nd = B->ndvis;
	if (!nd || !*pat)
		return false;
	size_t d0 = B->dlist.sel, e0 = B->elist.sel;
	int f0 = B->focus;
	size_t k0 = f0 == PANE_DOMAINS ? 0 : e0 + 1;
	/* Step 0 is the rest of the selected domain, step nd its part before
	 * the selection (wrapped around). */
	for (size_t step = 0; step <= nd; step++) {
		size_t di = (d0 + nd + (size_t)dir * (step % nd)) % nd;
		find_show_domain(B, di);
		size_t last = B->nrows;   /* positions 0..last */
		long k, end;
		if (step == 0) {
			k = (long)k0 + (incl ? 0 : dir);
			end = dir > 0 ? (long)last : 0;
		} else if (step == nd) {
			k = dir > 0 ? 0 : (long)last;
			end = (long)k0 - dir * (incl ? 1 : 0);
		} else {
			k = dir > 0 ? 0 : (long)last;
			end = dir > 0 ? (long)last : 0;
		}
		for (; dir > 0 ? k <= end : k >= end; k += dir) {
			if (k < 0 || k > (long)last)
				break;
			if (find_matches(B, (size_t)k, pat)) {
				find_select(B, (size_t)k);
				return true;
			}
		}
	}
	find_show_domain(B, d0);
	list_select(&B->elist, e0);
	B->focus = f0;
	details_build(B);
	return false;
}

static void find_show_search(struct browse *B, struct ui *ui, bool found)
{
	if (B->typing == FIND_SEARCH)
		ui_status(ui, found || !B->search.len ? ROLE_FILTER : ROLE_WARNING,
			  found || !B->search.len ? _("Search: %s_   (Enter keeps it, Esc goes back)")
						  : _("Search: %s_   (not found)"),
			  sb_str(&B->search));
	else if (found)
		ui_status(ui, ROLE_FILTER, _("Search: %s   (n next, N previous)"), sb_str(&B->search));
	else
		ui_status(ui, ROLE_WARNING, _("Not found: %s"), sb_str(&B->search));
}

bool find_k_search(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	(void)k;
	B->typing = FIND_SEARCH;
	sb_reset(&B->search);
	B->search_from_dom = B->dlist.sel;
	B->search_from_row = B->elist.sel;
	B->search_from_focus = B->focus;
	find_show_search(B, ui, true);
	return true;
}

bool find_k_next(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	if (!B->search.len) {
		ui_status(ui, ROLE_STATUS, "%s", _("no search yet: / searches"));
		return true;
	}
	find_show_search(B, ui, find_move(B, sb_str(&B->search), k == 'N' ? -1 : 1, false));
	return true;
}

/* Back where the search started (Esc, or a pattern edited shorter). */
static void find_search_restart(struct browse *B)
{
	find_show_domain(B, B->search_from_dom);
	list_select(&B->elist, B->search_from_row);
	B->focus = B->search_from_focus;
	details_build(B);
}

/* ---- typing either ---- */

static bool find_done(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	enum find_mode m = B->typing;
	B->typing = FIND_NONE;
	if (m == FIND_FILTER) {
		if (k == 27)
			sb_reset(&B->filter);
		rows_refilter(B);
		find_show_filter(B, ui);
	} else if (k == 27 || !B->search.len) {
		sb_reset(&B->search);
		find_search_restart(B);
		ui_status(ui, ROLE_STATUS, "%s", "");
	} else {
		find_show_search(B, ui, find_move(B, sb_str(&B->search), 1, true));
	}
	return true;
}

static bool find_edit(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	struct strbuf *line = B->typing == FIND_FILTER ? &B->filter : &B->search;
	if (!lineedit_key(line, k, FIND_MAX))
		return true;
	if (B->typing == FIND_FILTER) {
		rows_refilter(B);
		find_show_filter(B, ui);
		return true;
	}
	/* Incremental: the first match from where the search started. */
	find_search_restart(B);
	find_show_search(B, ui, !line->len || find_move(B, sb_str(line), 1, true));
	return true;
}

static const struct keydef find_filter_keys[] = {
	{ .keys = { '\r', '\n', UI_FN(KEY_ENTER) }, .name = "Enter", .run = find_done,
	  .bar_key = "Enter", .bar = N_("Keep filter"), .bar_pos = 1 },
	{ .keys = { 27 }, .name = "Esc", .run = find_done,
	  .bar_key = "Esc", .bar = N_("Clear filter"), .bar_pos = 2 },
	{ .keys = { UI_FN(KEY_BACKSPACE), 127, 8 }, .name = "Backspace", .run = find_edit,
	  .bar_key = "Backspace", .bar = N_("Erase"), .bar_pos = 3 },
};
static const struct keydef find_search_keys[] = {
	{ .keys = { '\r', '\n', UI_FN(KEY_ENTER) }, .name = "Enter", .run = find_done,
	  .bar_key = "Enter", .bar = N_("Keep search"), .bar_pos = 1 },
	{ .keys = { 27 }, .name = "Esc", .run = find_done,
	  .bar_key = "Esc", .bar = N_("Go back"), .bar_pos = 2 },
	{ .keys = { UI_FN(KEY_BACKSPACE), 127, 8 }, .name = "Backspace", .run = find_edit,
	  .bar_key = "Backspace", .bar = N_("Erase"), .bar_pos = 3 },
};
static const struct keytab find_filter_tab = KEYTAB(find_filter_keys);
static const struct keytab find_search_tab = KEYTAB(find_search_keys);

const struct keytab *find_keys(const struct browse *B)
{
	return B->typing == FIND_FILTER ? &find_filter_tab : &find_search_tab;
}

bool find_typing_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	const struct keydef *d = keys_find(find_keys(B), k);
	return d ? d->run(s, ui, k) : find_edit(s, ui, k);
}
