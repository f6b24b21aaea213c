/* The rows of the main screen's two lists: the domains (the staged world's
 * merged with the disk's, with new-mail sums) and the entries of the
 * selected domain (sections mailboxes / aliases / catch-all, with live
 * counts and quota bars), and the filter that chooses which show. Rows are
 * rebuilt only when the domain, the filter or the statistics change. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/human.h"
#include "vmailadm/aliasdom.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maildir/quota.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

/* ---- filter ---- */

static bool rows_has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

static bool rows_mailbox_matches(const struct mailbox *b, const char *f)
{
	return rows_has(b->address, f);
}

static bool rows_alias_matches(const struct alias *a, const char *f)
{
	return rows_has(a->address, f) || rows_has(a->value, f);
}

static bool rows_domain_has(const struct world *w, const struct domain *d, const char *f)
{
	if (!d)
		return false;
	size_t n;
	const struct mailbox *mb = world_domain_mailboxes(w, d, &n);
	for (size_t i = 0; i < n; i++)
		if (rows_mailbox_matches(&mb[i], f))
			return true;
	const struct alias *al = world_domain_aliases(w, d, &n);
	for (size_t i = 0; i < n; i++)
		if (rows_alias_matches(&al[i], f))
			return true;
	if (d->catchall_alias && rows_has(d->catchall_alias->target, f))
		return true;
	return d->catchall_mailbox && rows_has(d->catchall_mailbox->target, f);
}

static bool rows_domain_visible(struct browse *B, const struct dent *e)
{
	const char *f = sb_str(&B->filter);
	if (!*f || rows_has(e->name, f))
		return true;
	return rows_domain_has(B->w, e->d, f) || (B->disk != B->w && rows_domain_has(B->disk, e->old, f));
}

bool rows_mailbox_shown(struct browse *B, const struct dent *e, const struct mailbox *b)
{
	const char *f = sb_str(&B->filter);
	return !*f || rows_has(e->name, f) || rows_mailbox_matches(b, f);
}

const struct dent *rows_cur_dent(struct browse *B)
{
	if (B->ndvis == 0)
		return NULL;
	return &B->dents[B->dvis[B->dlist.sel < B->ndvis ? B->dlist.sel : 0]];
}

const struct domain *rows_cur_domain(struct browse *B)
{
	const struct dent *e = rows_cur_dent(B);
	return e ? (e->d ? e->d : e->old) : NULL;
}

static void rows_add(struct browse *B, struct row r)
{
	if (B->nrows == B->caprows) {
		B->caprows = B->caprows ? 2 * B->caprows : 32;
		B->rows = xreallocarray(B->rows, B->caprows, sizeof *B->rows);
	}
	B->rows[B->nrows++] = r;
}

static bool rows_str_differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static enum mark rows_mailbox_mark(const struct mailbox *now, const struct mailbox *old)
{
	if (rows_str_differ(now->value, old->value) || rows_str_differ(now->quota_rule, old->quota_rule))
		return MARK_CHANGE;
	if (!now->pw || !old->pw)
		return now->pw != old->pw ? MARK_CHANGE : MARK_NONE;
	size_t l1, l2;
	const char *p1 = pwfile_field(now->pw, PWFILE_PASSWORD, &l1);
	const char *p2 = pwfile_field(old->pw, PWFILE_PASSWORD, &l2);
	return l1 != l2 || memcmp(p1, p2, l1) != 0 ? MARK_CHANGE : MARK_NONE;
}

/* Mailboxes of the staged domain d merged with those of the disk domain o
 * (both sorted by local part): staged-only ones are additions, disk-only
 * ones removals. */
static void rows_mailboxes(struct browse *B, const struct domain *d, const struct domain *o,
			   bool all, const char *f)
{
	size_t n = 0, m = 0, i = 0, k = 0;
	const struct mailbox *mb = d ? world_domain_mailboxes(B->w, d, &n) : NULL;
	const struct mailbox *om = NULL;
	if (B->w == B->disk) {
		for (i = 0; i < n; i++)
			if (all || rows_mailbox_matches(&mb[i], f))
				rows_add(B, (struct row){ .kind = ROW_MAILBOX, .p = &mb[i],
							 .mbx = (size_t)(&mb[i] - B->boxes) });
		return;
	}
	om = o ? world_domain_mailboxes(B->disk, o, &m) : NULL;
	while (i < n || k < m) {
		int c = i >= n ? 1 : k >= m ? -1 : strcmp(mb[i].local, om[k].local);
		struct row r = { .kind = ROW_MAILBOX, .mbx = SIZE_MAX };
		if (c < 0) {
			r.p = &mb[i++];
			r.mark = MARK_ADD;
		} else if (c > 0) {
			r.p = &om[k];
			r.mbx = (size_t)(&om[k++] - B->boxes);
			r.mark = MARK_DEL;
		} else {
			r.p = &mb[i];
			r.mbx = (size_t)(&om[k] - B->boxes);
			r.mark = rows_mailbox_mark(&mb[i++], &om[k++]);
		}
		if (all || rows_mailbox_matches(r.p, f))
			rows_add(B, r);
	}
}

static void rows_aliases(struct browse *B, const struct domain *d, const struct domain *o,
			 bool all, const char *f)
{
	size_t n = 0, m = 0, i = 0, k = 0;
	const struct alias *al = d ? world_domain_aliases(B->w, d, &n) : NULL;
	const struct alias *ol = NULL;
	if (B->w != B->disk && o)
		ol = world_domain_aliases(B->disk, o, &m);
	if (B->w == B->disk)
		m = 0;
	while (i < n || k < m) {
		int c = i >= n ? 1 : k >= m ? -1 : strcmp(al[i].local, ol[k].local);
		struct row r = { .kind = ROW_ALIAS, .mbx = SIZE_MAX };
		if (c < 0) {
			r.p = &al[i++];
			r.mark = B->w == B->disk ? MARK_NONE : MARK_ADD;
		} else if (c > 0) {
			r.p = &ol[k++];
			r.mark = MARK_DEL;
		} else {
			r.p = &al[i];
			r.mark = strcmp(al[i].value, ol[k].value) ? MARK_CHANGE : MARK_NONE;
			i++;
			k++;
		}
		if (all || rows_alias_matches(r.p, f))
			rows_add(B, r);
	}
}

static void rows_catchall(struct browse *B, const struct catchall *now, const struct catchall *old)
{
	if (now)
		rows_add(B, (struct row){ .kind = ROW_CATCHALL, .p = now, .mbx = SIZE_MAX,
					 .mark = B->w == B->disk ? MARK_NONE : !old ? MARK_ADD
					 : strcmp(now->target, old->target) ? MARK_CHANGE : MARK_NONE });
	else if (old && B->w != B->disk)
		rows_add(B, (struct row){ .kind = ROW_CATCHALL, .p = old, .mbx = SIZE_MAX,
					 .mark = MARK_DEL });
}

/* A section title; returns its row for rows_section_end. */
static size_t rows_section(struct browse *B, const char *title)
{
	rows_add(B, (struct row){ .kind = ROW_SECTION, .title = title });
	return B->nrows - 1;
}

/* The section's count, and "(none)" under an empty one. */
static void rows_section_end(struct browse *B, size_t sec)
{
	B->rows[sec].count = B->nrows - sec - 1;
	if (B->nrows == sec + 1)
		rows_add(B, (struct row){ .kind = ROW_NONE });
}

void rows_build(struct browse *B)
{
	const struct dent *e = rows_cur_dent(B);
	const char *f = sb_str(&B->filter);
	B->nrows = 0;
	B->rows_for = e ? (size_t)(e - B->dents) : SIZE_MAX;
	if (!e)
		return;
	const struct domain *d = e->d, *o = e->old;
	/* When the domain's name matches, its whole content shows. */
	bool all = !*f || rows_has(e->name, f);
	size_t sec = rows_section(B, N_("Mailboxes"));
	B->rows[sec].sorted = true;
	rows_mailboxes(B, d, o, all, f);
	B->name_w = 0;
	for (size_t i = sec + 1; i < B->nrows; i++) {
		int nw = ui_width(((const struct mailbox *)B->rows[i].p)->local);
		if (nw > B->name_w)
			B->name_w = nw;
	}
	rowsort_mailboxes(B, sec + 1, B->nrows);
	rows_section_end(B, sec);

	sec = rows_section(B, N_("Aliases"));
	rows_aliases(B, d, o, all, f);
	rows_section_end(B, sec);

	sec = rows_section(B, N_("Catch-all"));
	rows_catchall(B, d ? d->catchall_alias : NULL, o ? o->catchall_alias : NULL);
	rows_catchall(B, d ? d->catchall_mailbox : NULL, o ? o->catchall_mailbox : NULL);
	rows_section_end(B, sec);
}

void rows_refilter(struct browse *B)
{
	const struct dent *keep = rows_cur_dent(B);
	B->ndvis = 0;
	size_t newsel = 0;
	for (size_t i = 0; i < B->ndomains; i++)
		if (rows_domain_visible(B, &B->dents[i])) {
			if (keep == &B->dents[i])
				newsel = B->ndvis;
			B->dvis[B->ndvis++] = i;
		}
	list_select(&B->dlist, newsel);
	rows_build(B);
	list_select(&B->elist, 0);
	B->tlist.top = B->tlist.sel = 0;
	details_build(B);
}

void rows_domain_changed(struct browse *B)
{
	const struct dent *e = rows_cur_dent(B);
	if (!e || (size_t)(e - B->dents) != B->rows_for) {
		rows_build(B);
		list_select(&B->elist, 0);
	}
	B->tlist.top = B->tlist.sel = 0;
	details_build(B);
}

/* New mail per domain, summed again when the statistics changed. */
static void rows_sum_new(struct browse *B)
{
	memset(B->dnew, 0, B->ndomains * sizeof *B->dnew);
	for (size_t i = 0; i < B->ndomains; i++) {
		size_t n;
		if (!B->dents[i].old)
			continue;
		const struct mailbox *mb = world_domain_mailboxes(B->disk, B->dents[i].old, &n);
		for (size_t k = 0; k < n; k++) {
			struct maildir_counts c;
			if (live_counts(B->ui->live, (size_t)(&mb[k] - B->boxes), &c, NULL))
				B->dnew[i] += c.new_msgs;
		}
	}
}

size_t browse_first_mailboxes(struct screen *s, size_t *mbx, size_t max)
{
	struct browse *B = (struct browse *)s;
	size_t n = 0;
	for (size_t i = B->elist.top; i < B->nrows && n < max; i++)
		if (B->rows[i].kind == ROW_MAILBOX && B->rows[i].mbx != SIZE_MAX)
			mbx[n++] = B->rows[i].mbx;
	return n;
}

bool browse_counts_shown(struct screen *s, bool domains)
{
	struct browse *B = (struct browse *)s;
	struct maildir_counts c;
	for (size_t i = B->dlist.top; domains && i < B->ndvis && i < B->dlist.top + (size_t)B->dlist.height; i++) {
		const struct dent *e = &B->dents[B->dvis[i]];
		size_t n;
		const struct mailbox *mb = e->old ? world_domain_mailboxes(B->disk, e->old, &n) : NULL;
		for (size_t k = 0; mb && k < n; k++)
			if (mb[k].is_maildir && !live_counts(B->ui->live, (size_t)(&mb[k] - B->boxes), &c, NULL))
				return false;
	}
	for (size_t i = B->elist.top; i < B->nrows && i < B->elist.top + (size_t)B->elist.height; i++)
		if (B->rows[i].kind == ROW_MAILBOX && B->rows[i].mbx != SIZE_MAX &&
		    ((const struct mailbox *)B->rows[i].p)->is_maildir &&
		    !live_counts(B->ui->live, B->rows[i].mbx, &c, NULL))
			return false;
	return true;
}

void rows_sync_stats(struct browse *B)
{
	unsigned g = live_generation(B->ui->live);
	if (g == B->gen)
		return;
	B->gen = g;
	rows_sum_new(B);
	details_build(B);
	if (rowsort_by_stats(B))
		rows_resort(B);
}

void rows_resort(struct browse *B)
{
	/* details_build remembered the selection by name: keep it there. */
	char *addr = B->sel_addr ? xstrdup(B->sel_addr) : NULL;
	rows_build(B);
	if (addr)
		browse_select_address(&B->s, addr);
	free(addr);
}

/* ---- domains pane ---- */

static size_t rows_dom_count(void *arg)
{
	return ((struct browse *)arg)->ndvis;
}

/* A count in at most width columns: exact when it fits, else in thousands
 * (then millions...) rounded down, "12k" for 12,345: never cut into "12…",
 * never more than there is. */
static void rows_num(char *buf, size_t len, bool known, unsigned long long v, int width)
{
	if (!known) {
		snprintf(buf, len, "%s", "·");
		return;
	}
	snprintf(buf, len, "%llu", v);
	static const char units[] = "kMGTPE";
	for (int u = 0; (int)strlen(buf) > width && units[u]; u++) {
		v /= 1000;
		snprintf(buf, len, "%llu%c", v, units[u]);
	}
}

const enum theme_role rows_mark_role[] = {
	ROLE_NORMAL, ROLE_STAGED_ADD, ROLE_STAGED_DEL, ROLE_STAGED_CHANGE,
};

/* The mark in front of a staged entry: readable without colours too. */
static void rows_draw_mark(struct ui *ui, int y, int x, enum mark m)
{
	static const char *const sign[] = { "", "+", "-", "~" };
	if (m != MARK_NONE)
		ui_text(ui, y, x, 1, sign[m], rows_mark_role[m]);
}

int rows_counts_width(const struct browse *B, int w)
{
	/* Counts right after the longest name (and a little room), not at the
	 * far edge of a wide terminal, where the eye loses the row. */
	int want = 3 + (B->name_w > 16 ? B->name_w : 16) + 2 + C_ALL;
	if (want < 70)
		want = 70;   /* up to a 100-column terminal's pane: as wide as it is */
	return w < want ? w : want;
}

/* The tag mark (Space), left of the staged and lint marks. */
static void rows_draw_tag(const struct browse *B, struct ui *ui, int y, int x, const char *address)
{
	if (tags_has(B, address))
		ui_text(ui, y, x, 1, "*", ROLE_FILTER);
}

static void rows_dom_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct browse *B = arg;
	size_t di = B->dvis[i];
	const struct dent *e = &B->dents[di];
	const struct domain *d = e->d ? e->d : e->old;
	char a[24], b[24], c[24];
	bool known = !live_scanning(ui->live) || B->gen > 0;
	rows_num(a, sizeof a, true, d->nmailboxes, 3);
	rows_num(b, sizeof b, true, d->naliases, 3);
	rows_num(c, sizeof c, known && B->gen > 0, B->dnew[di], 4);
	/* One column for both: a staged change is what the user is doing, the
	 * lint mark shows in the entries and the details. */
	if (e->mark != MARK_NONE)
		rows_draw_mark(ui, y, x, e->mark);
	else
		lintmark_draw(ui, y, x, B->dsev[di]);
	bool narrow = w < 26;   /* beside the exercise pane: the name alone */
	int qw = B->qwait && !narrow ? 5 : 0;   /* messages in the queue for it */
	int ind = e->alias_of && !narrow ? 2 : 0;   /* under the domain it mirrors */
	ui_text(ui, y, x + 1 + ind, narrow ? w - 1 : w - 15 - qw - ind, d->name,
		e->mark != MARK_NONE ? rows_mark_role[e->mark]
		: d->class == DOMAIN_OTHER ? ROLE_DIM : ROLE_NORMAL);
	if (narrow)
		return;
	if (qw) {
		char q[24];
		size_t nq = qstate_domain(ui, d->name);
		rows_num(q, sizeof q, true, nq, 4);
		ui_text_right(ui, y, x + w - 18, 4, q, nq ? ROLE_WARNING : ROLE_DIM);
	}
	ui_text_right(ui, y, x + w - 13, 3, a, ROLE_NORMAL);
	ui_text_right(ui, y, x + w - 9, 3, b, ROLE_NORMAL);
	ui_text_right(ui, y, x + w - 5, 4, c, B->dnew[di] ? ROLE_NEW_MAIL : ROLE_DIM);
}

const struct list_ops rows_domain_ops = { rows_dom_count, rows_dom_row, NULL };

/* ---- entries pane ---- */

static size_t rows_ent_count(void *arg)
{
	return ((struct browse *)arg)->nrows;
}

static bool rows_ent_selectable(void *arg, size_t i)
{
	enum row_kind k = ((struct browse *)arg)->rows[i].kind;
	return k != ROW_SECTION && k != ROW_NONE;
}

enum theme_role rows_quota_role(double used)
{
	return used >= 0.95 ? ROLE_QUOTA_HIGH : used >= 0.80 ? ROLE_QUOTA_WARN : ROLE_QUOTA_OK;
}

long long rows_quota_limit(struct browse *B, const struct mailbox *b, size_t mbx)
{
	struct maildir_quota q;
	/* maildirsize is read from the disk: not when the rule decides */
	bool have_q = b->quota_bytes < 0 && live_quota(B->ui->live, mbx, &q);
	return maildir_quota_limit(b->quota_bytes, have_q ? &q : NULL);
}

static void rows_quota_bar(struct browse *B, struct ui *ui, int y, int x, const struct mailbox *b,
		      size_t mbx, uint64_t used, bool known)
{
	long long lim = rows_quota_limit(B, b, mbx);
	if (lim <= 0 || !known) {
		ui_text(ui, y, x + 1, C_BAR - 1, lim == 0 ? _("unlimited") : "", ROLE_DIM);
		return;
	}
	int cells = C_BAR - 3;
	double frac = (double)used / (double)lim;
	int full = (int)(frac * cells + 0.5);
	if (full > cells)
		full = cells;
	if (full == 0 && used > 0)
		full = 1;
	enum theme_role r = rows_quota_role(frac);
	int cx = x + 1;
	cx += ui_text(ui, y, cx, 1, "[", ROLE_DIM);
	for (int i = 0; i < cells; i++)
		cx += ui_text(ui, y, cx, 1, i < full ? ui->g->bar_full : ui->g->bar_empty,
			      i < full ? r : ROLE_DIM);
	ui_text(ui, y, cx, 1, "]", ROLE_DIM);
}

static void rows_ent_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct browse *B = arg;
	const struct row *r = &B->rows[i];
	char buf[64];
	switch (r->kind) {
	case ROW_SECTION: {
		char t[256];
		int n = snprintf(t, sizeof t, "%s (%zu)", _(r->title), r->count);
		if (r->sorted && (B->sort != SORT_NAME || B->sort_rev))
			snprintf(t + n, sizeof t - (size_t)n, "  %s", rowsort_describe(B));
		ui_text(ui, y, x + 1, w - 1, t, ROLE_SECTION);
		break;
	}
	case ROW_NONE:
		ui_text(ui, y, x + 3, w - 3, _("(none)"), ROLE_DIM);
		break;
	case ROW_MAILBOX: {
		const struct mailbox *b = r->p;
		struct maildir_counts c;
		enum maildir_status st;
		bool known = live_counts(ui->live, r->mbx, &c, &st);
		bool narrow = w < C_ALL + 12;   /* no room for the counts: the name alone */
		w = rows_counts_width(B, w);
		int nw = narrow ? w - 3 : w - C_ALL - 3;
		int used = ui_text(ui, y, x + 3, nw, b->local, rows_mark_role[r->mark]);
		/* its mail leaves without a copy (issue 15): said in red on the row */
		bool copy;
		if (world_mailbox_forward(b, &copy) && !copy && used < nw)
			ui_text(ui, y, x + 3 + used, nw - used, _(" (forwarded, no copy)"), ROLE_ERROR);
		rows_draw_tag(B, ui, y, x, b->address);
		rows_draw_mark(ui, y, x + 1, r->mark);
		lintmark_draw(ui, y, x + 2, lintmark_mailbox(B, b));
		if (narrow)
			break;
		int cx = x + w - C_ALL;
		if (r->mark == MARK_ADD) {
			ui_text_right(ui, y, cx, C_ALL - C_BAR, _("staged: new"), ROLE_STAGED_ADD);
			break;
		}
		if (r->mark == MARK_DEL) {
			ui_text_right(ui, y, cx, C_ALL - C_BAR, _("staged: removed"), ROLE_STAGED_DEL);
			break;
		}
		if (known && st != MAILDIR_OK && st != MAILDIR_PARTIAL) {
			ui_text_right(ui, y, cx, C_ALL - C_BAR, maildir_status_name(st), ROLE_WARNING);
			break;
		}
		if (!b->is_maildir) {
			ui_text_right(ui, y, cx, C_ALL - C_BAR, _("mbox file"), ROLE_DIM);
			break;
		}
		rows_num(buf, sizeof buf, known, c.new_msgs, C_NEW);
		ui_text_right(ui, y, cx, C_NEW, buf, c.new_msgs ? ROLE_NEW_MAIL : ROLE_DIM);
		rows_num(buf, sizeof buf, known, c.unread, C_UNREAD - 1);
		ui_text_right(ui, y, cx + C_NEW, C_UNREAD, buf, ROLE_NORMAL);
		rows_num(buf, sizeof buf, known, maildir_total(&c), C_TOTAL - 1);
		ui_text_right(ui, y, cx + C_NEW + C_UNREAD, C_TOTAL, buf, ROLE_NORMAL);
		if (known)
			human_size(buf, sizeof buf, c.bytes);
		else
			snprintf(buf, sizeof buf, "·");
		ui_text_right(ui, y, cx + C_NEW + C_UNREAD + C_TOTAL, C_SIZE, buf, ROLE_NORMAL);
		rows_quota_bar(B, ui, y, cx + C_ALL - C_BAR, b, r->mbx, c.bytes, known);
		break;
	}
	case ROW_ALIAS: {
		const struct alias *a = r->p;
		int cx = x + 3;
		int lw = w / 3;
		cx += ui_text(ui, y, cx, lw, a->local, rows_mark_role[r->mark]);
		rows_draw_tag(B, ui, y, x, a->address);
		cx += ui_text(ui, y, cx, 4, " ", ROLE_NORMAL);
		cx += ui_text(ui, y, cx, 4, ui->g->arrow, ROLE_DIM);
		cx += ui_text(ui, y, cx, 1, " ", ROLE_NORMAL);
		rows_draw_mark(ui, y, x + 1, r->mark);
		lintmark_draw(ui, y, x + 2, lintmark_alias(B, a));
		char *v = ui_one_line(a->value);
		ui_text(ui, y, cx, x + w - cx, v,
			r->mark != MARK_NONE ? rows_mark_role[r->mark] : ROLE_NORMAL);
		free(v);
		break;
	}
	case ROW_CATCHALL: {
		const struct catchall *c = r->p;
		int cx = x + 3;
		rows_draw_mark(ui, y, x + 1, r->mark);
		lintmark_draw(ui, y, x + 2, lintmark_catchall(B, c));
		cx += ui_text(ui, y, cx, w / 3, "@", ROLE_WARNING);
		cx += ui_text(ui, y, cx, w / 3, c->domain, ROLE_WARNING);
		cx += ui_text(ui, y, cx, 1, " ", ROLE_NORMAL);
		cx += ui_text(ui, y, cx, 4, ui->g->arrow, ROLE_DIM);
		cx += ui_text(ui, y, cx, 1, " ", ROLE_NORMAL);
		cx += ui_text(ui, y, cx, x + w - cx, c->target, ROLE_NORMAL);
		snprintf(buf, sizeof buf, "  (%s)", c->map == CATCHALL_IN_ALIAS_MAP
			 ? _("virtual_alias_maps") : _("virtual_mailbox_maps"));
		ui_text(ui, y, cx, x + w - cx, buf, ROLE_DIM);
		break;
	}
	}
}

const struct list_ops rows_entry_ops = { rows_ent_count, rows_ent_row, rows_ent_selectable };

/* ---- details pane ---- */

/* Each alias domain (aliasdom.h) moves right under the domain it mirrors,
 * when that is listed too. */
static void rows_alias_domains_under(struct browse *B)
{
	size_t n = B->ndomains, nalias = 0;
	for (size_t i = 0; i < n; i++) {
		struct dent *e = &B->dents[i];
		struct aliasdom ad;
		if ((e->d && aliasdom_find(B->w, e->name, &ad)) || (!e->d && aliasdom_find(B->disk, e->name, &ad)))
			e->alias_of = ad.target;
		nalias += e->alias_of != NULL;
	}
	if (!nalias)
		return;
	struct dent *v = xcalloc(n + 1, sizeof *v);
	bool *placed = xcalloc(n + 1, sizeof *placed);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dent *e = &B->dents[i];
		if (e->alias_of) {
			bool target_listed = false;
			for (size_t j = 0; j < n && !target_listed; j++)
				target_listed = !B->dents[j].alias_of && strcmp(B->dents[j].name, e->alias_of) == 0;
			if (target_listed)
				continue;   /* placed under it */
		}
		v[k++] = *e;
		placed[i] = true;
		for (size_t j = 0; j < n && !e->alias_of; j++)
			if (!placed[j] && B->dents[j].alias_of && strcmp(B->dents[j].alias_of, e->name) == 0) {
				v[k++] = B->dents[j];
				placed[j] = true;
			}
	}
	free(placed);
	free(B->dents);
	B->dents = v;
}

/* The union of the staged and the disk domains, both sorted by name. */
void rows_build_dents(struct browse *B)
{
	size_t n = 0, m = 0, i = 0, k = 0;
	const struct domain *dv = world_domains(B->w, &n);
	const struct domain *dd = B->w == B->disk ? NULL : world_domains(B->disk, &m);
	free(B->dents);
	B->dents = xcalloc(n + m + 1, sizeof *B->dents);
	B->ndomains = 0;
	/* Domains named by a staged operation are "changed". */
	struct stage *st = B->ui->stage;
	size_t nops = B->w == B->disk || !st ? 0 : stage_count(st);
	while (i < n || k < m) {
		int c = i >= n ? 1 : k >= m ? -1 : strcmp(dv[i].name, dd[k].name);
		struct dent e = { 0 };
		if (c < 0) {
			e.d = &dv[i++];
			e.mark = dd ? MARK_ADD : MARK_NONE;
		} else if (c > 0) {
			e.old = &dd[k++];
			e.mark = MARK_DEL;
		} else {
			e.d = &dv[i++];
			e.old = &dd[k++];
		}
		if (!dd)
			e.old = e.d;
		e.name = e.d ? e.d->name : e.old->name;
		for (size_t o = 0; o < nops && e.mark == MARK_NONE; o++) {
			const char *subj = stage_op(st, o)->subject;
			const char *at = strrchr(subj, '@');
			if (strcmp(at ? at + 1 : subj, e.name) == 0)
				e.mark = MARK_CHANGE;
		}
		B->dents[B->ndomains++] = e;
	}
	rows_alias_domains_under(B);
	free(B->dvis);
	free(B->dnew);
	free(B->dsev);
	B->dsev = xcalloc(B->ndomains ? B->ndomains : 1, sizeof *B->dsev);
	B->dvis = xcalloc(B->ndomains ? B->ndomains : 1, sizeof *B->dvis);
	B->dnew = xcalloc(B->ndomains ? B->ndomains : 1, sizeof *B->dnew);
	B->ndvis = 0;
	B->rows_for = SIZE_MAX;
}
