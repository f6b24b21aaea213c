/* The order of the mailbox rows in the entries pane: by name, or by one of
 * the live statistics (new, unread, total, size, quota use), as htop and
 * ncdu sort: s picks the next key, S reverses. Counts sort largest first,
 * names in alphabetical order; a mailbox whose figure is not known (not
 * scanned yet, staged, an mbox file, no quota) goes last either way, so
 * that reversing shows the smallest known figures first, not the unknown
 * ones. Aliases and the catch-all keep their alphabetical order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

/* The column headings' words; the order in words, each way. */
static const char *const rowsort_labels[SORT_KEYS] = {
	N_("name"), N_("new"), N_("unread"), N_("total"), N_("size"), N_("quota"),
};
static const char *const rowsort_words[SORT_KEYS][2] = {
	{ N_("by name"), N_("by name, Z to A") },
	{ N_("by new mail, most first"), N_("by new mail, fewest first") },
	{ N_("by unread, most first"), N_("by unread, fewest first") },
	{ N_("by total, most first"), N_("by total, fewest first") },
	{ N_("by size, largest first"), N_("by size, smallest first") },
	{ N_("by quota use, fullest first"), N_("by quota use, emptiest first") },
};

const char *rowsort_label(enum sort_key k)
{
	return _(rowsort_labels[k]);
}

/* One mailbox row with the figure it sorts by. */
struct rowsort_item {
	struct row row;
	const char *local;
	double v;
	bool known;
};

static bool rowsort_figure(struct browse *B, const struct row *r, double *v)
{
	const struct mailbox *b = r->p;
	struct maildir_counts c;
	enum maildir_status st;
	if (r->mark == MARK_ADD || r->mark == MARK_DEL || !b->is_maildir ||
	    !live_counts(B->ui->live, r->mbx, &c, &st) || (st != MAILDIR_OK && st != MAILDIR_PARTIAL))
		return false;
	switch (B->sort) {
	case SORT_NEW: *v = (double)c.new_msgs; return true;
	case SORT_UNREAD: *v = (double)c.unread; return true;
	case SORT_TOTAL: *v = (double)maildir_total(&c); return true;
	case SORT_SIZE: *v = (double)c.bytes; return true;
	case SORT_QUOTA: {
		long long lim = rows_quota_limit(B, b, r->mbx);
		if (lim <= 0)
			return false;   /* unlimited or none: no fraction to compare */
		*v = (double)c.bytes / (double)lim;
		return true;
	}
	default:
		return false;
	}
}

static int rowsort_by_name(const void *a, const void *b)
{
	return strcmp(((const struct rowsort_item *)a)->local, ((const struct rowsort_item *)b)->local);
}

/* Known figures first, largest first; ties by name. */
static int rowsort_by_figure(const void *a, const void *b)
{
	const struct rowsort_item *x = a, *y = b;
	if (x->known != y->known)
		return x->known ? -1 : 1;
	if (x->known && x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return strcmp(x->local, y->local);
}

void rowsort_mailboxes(struct browse *B, size_t from, size_t to)
{
	if (to <= from + 1 || (B->sort == SORT_NAME && !B->sort_rev))
		return;   /* the rows are built in name order */
	size_t n = to - from;
	struct rowsort_item *v = xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		v[i].row = B->rows[from + i];
		v[i].local = ((const struct mailbox *)v[i].row.p)->local;
		if (B->sort != SORT_NAME)
			v[i].known = rowsort_figure(B, &v[i].row, &v[i].v);
	}
	qsort(v, n, sizeof *v, B->sort == SORT_NAME ? rowsort_by_name : rowsort_by_figure);
	if (B->sort_rev) {
		/* reverse the known ones only: the unknown stay last */
		size_t k = 0;
		while (k < n && (B->sort == SORT_NAME || v[k].known))
			k++;
		for (size_t i = 0; i < k / 2; i++) {
			struct rowsort_item t = v[i];
			v[i] = v[k - 1 - i];
			v[k - 1 - i] = t;
		}
	}
	for (size_t i = 0; i < n; i++)
		B->rows[from + i] = v[i].row;
	free(v);
}

const char *rowsort_describe(const struct browse *B)
{
	return _(rowsort_words[B->sort][B->sort_rev]);
}

const char *rowsort_mark(const struct browse *B, const struct ui *ui)
{
	bool down = B->sort != SORT_NAME && !B->sort_rev;
	return ui->utf8 ? (down ? "▼" : "▲") : (down ? "v" : "^");
}

bool rowsort_by_stats(const struct browse *B)
{
	return B->sort != SORT_NAME;
}
