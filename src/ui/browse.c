/* The main screen: domains → entries of the selected domain (sections
 * mailboxes / aliases / catch-all, with live counts and quota bars) → details
 * of the selected entry. Three list widgets over the world's sorted arrays;
 * the filter and the entry rows are rebuilt only when the domain, the filter
 * or the statistics change. The panes show the staged world; entries staged
 * for removal stay visible (from the disk world), marked. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lint.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/stage.h"
#include "vmailadm/strmap.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

enum row_kind { ROW_SECTION, ROW_NONE, ROW_MAILBOX, ROW_ALIAS, ROW_CATCHALL };

/* How an entry differs from the files on disk. */
enum mark { MARK_NONE, MARK_ADD, MARK_DEL, MARK_CHANGE };

struct row {
	enum row_kind kind;
	enum mark mark;
	const void *p;            /* mailbox, alias or catchall (MARK_DEL: the disk world's) */
	size_t mbx;               /* ROW_MAILBOX: index in the disk world's mailboxes
	                           * (live statistics), SIZE_MAX: not on disk */
	const char *title;        /* ROW_SECTION */
	size_t count;             /* ROW_SECTION */
};

/* A domain of the staged world, the disk world, or both. */
struct dent {
	const struct domain *d;   /* staged world; NULL: staged for removal */
	const struct domain *old; /* disk world; NULL: staged addition */
	const char *name;
	enum mark mark;
};

struct dline {
	char *label;
	char *text;
	enum theme_role role;
	char *suffix;             /* dim, after text (file:line); may be NULL */
	bool heading;             /* a section title across the pane */
};

enum { PANE_DOMAINS, PANE_ENTRIES, PANE_DETAILS };

struct browse {
	struct screen s;
	struct ui *ui;
	const struct world *w;        /* the staged world (ui->view) */
	const struct world *disk;     /* the world on disk (ui->world) */
	struct dent *dents;
	size_t ndomains;
	const struct mailbox *boxes;  /* the disk world's */
	size_t nboxes;
	size_t *dvis, ndvis;          /* visible domains (indices in dents) */
	uint64_t *dnew;               /* new mail by domain index */
	struct row *rows;
	size_t nrows, caprows;
	size_t rows_for;              /* domain index of rows, SIZE_MAX: none */
	struct dline *det;
	size_t ndet, capdet;
	int det_w;                    /* columns for a details value (wrapping) */
	struct list dlist, elist, tlist;
	int focus;
	struct strbuf filter;
	bool filtering;
	unsigned gen;
	/* Lint of the shown world, run when the world or the stage changes
	 * (attach), never per key: subject -> worst severity (warnings and
	 * errors only; keys without trailing '/'), domain -> severity of its
	 * catch-all swallowing mailboxes, and per domain the worst of it and
	 * its entries. */
	struct lint_report lint;
	struct strmap *lsev, *lswallow;
	unsigned char *dsev;
	struct tracer *tracer;        /* over w, for the details' trace */
	bool lint_on;                 /* false until browse_lint: the first
	                               * paint does not wait for lint */
	/* The selection by name, copied whenever it is shown: browse_refresh
	 * runs after the world the rows point into was freed (a staged
	 * change, an undo, a reload), so it may not read them. */
	char *sel_dom, *sel_addr;
};

/* ---- filter ---- */

static bool has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

static bool mailbox_matches(const struct mailbox *b, const char *f)
{
	return has(b->address, f);
}

static bool alias_matches(const struct alias *a, const char *f)
{
	return has(a->address, f) || has(a->value, f);
}

static bool domain_has(const struct world *w, const struct domain *d, const char *f)
{
	if (!d)
		return false;
	size_t n;
	const struct mailbox *mb = world_domain_mailboxes(w, d, &n);
	for (size_t i = 0; i < n; i++)
		if (mailbox_matches(&mb[i], f))
			return true;
	const struct alias *al = world_domain_aliases(w, d, &n);
	for (size_t i = 0; i < n; i++)
		if (alias_matches(&al[i], f))
			return true;
	if (d->catchall_alias && has(d->catchall_alias->target, f))
		return true;
	return d->catchall_mailbox && has(d->catchall_mailbox->target, f);
}

static bool domain_visible(struct browse *B, const struct dent *e)
{
	const char *f = sb_str(&B->filter);
	if (!*f || has(e->name, f))
		return true;
	return domain_has(B->w, e->d, f) || (B->disk != B->w && domain_has(B->disk, e->old, f));
}

static const struct dent *cur_dent(struct browse *B)
{
	if (B->ndvis == 0)
		return NULL;
	return &B->dents[B->dvis[B->dlist.sel < B->ndvis ? B->dlist.sel : 0]];
}

/* The domain as staged, else as on disk (staged for removal). */
static const struct domain *cur_domain(struct browse *B)
{
	const struct dent *e = cur_dent(B);
	return e ? (e->d ? e->d : e->old) : NULL;
}

/* ---- lint marks ---- */

/* Paths are compared without their trailing '/': lint names a maildir
 * either way. */
static size_t key_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

static void sev_put(struct strmap *m, const char *key, size_t len, enum lint_severity sev)
{
	struct strbuf k = STRBUF_INIT;
	sb_add(&k, key, len);
	uintptr_t old = (uintptr_t)strmap_get(m, sb_str(&k));
	if ((uintptr_t)sev > old)
		strmap_put(m, sb_str(&k), (void *)(uintptr_t)sev);
	sb_free(&k);
}

/* Worst severity lint gave subject (0: none, else LINT_WARNING/ERROR). */
static int sev_get(const struct strmap *m, const char *subject)
{
	if (!m || !subject)
		return 0;
	size_t n = key_len(subject);
	if (!subject[n])
		return (int)(uintptr_t)strmap_get(m, subject);
	struct strbuf k = STRBUF_INIT;
	sb_add(&k, subject, n);
	int v = (int)(uintptr_t)strmap_get(m, sb_str(&k));
	sb_free(&k);
	return v;
}

static int max_sev(int a, int b)
{
	return a > b ? a : b;
}

/* A staged mailbox's maildir is created by the commit: lint's
 * mailbox-without-maildir is not news for it. */
static bool staged_new(const struct browse *B, const struct mailbox *b)
{
	return B->w != B->disk && !world_mailbox_find(B->disk, b->address);
}

static int mailbox_sev(const struct browse *B, const struct mailbox *b)
{
	int v = sev_get(B->lsev, b->address);
	if (!staged_new(B, b))
		v = max_sev(v, sev_get(B->lsev, b->maildir));
	if (b->swallowed)
		v = max_sev(v, sev_get(B->lswallow, b->domain));
	return v;
}

static int alias_sev(const struct browse *B, const struct alias *a)
{
	return sev_get(B->lsev, a->address);
}

static int catchall_sev(const struct browse *B, const struct catchall *c)
{
	struct strbuf k = STRBUF_INIT;
	sb_addf(&k, "@%s", c->domain);
	int v = max_sev(sev_get(B->lsev, sb_str(&k)), sev_get(B->lswallow, c->domain));
	sb_free(&k);
	return v;
}

static int domain_sev(const struct browse *B, const struct domain *d)
{
	int v = sev_get(B->lsev, d->name);
	size_t n;
	const struct mailbox *mb = world_domain_mailboxes(B->w, d, &n);
	for (size_t i = 0; i < n && v < LINT_ERROR; i++)
		v = max_sev(v, mailbox_sev(B, &mb[i]));
	const struct alias *al = world_domain_aliases(B->w, d, &n);
	for (size_t i = 0; i < n && v < LINT_ERROR; i++)
		v = max_sev(v, alias_sev(B, &al[i]));
	if (d->catchall_alias)
		v = max_sev(v, catchall_sev(B, d->catchall_alias));
	if (d->catchall_mailbox)
		v = max_sev(v, catchall_sev(B, d->catchall_mailbox));
	return v;
}

/* Lint and a tracer for the world the panes show. The old tracer may
 * outlive its world by this long: trace_free does not look at it. */
static double ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void lint_attach(struct browse *B)
{
	double t0 = ms_now();
	trace_free(&B->tracer);
	struct diags scratch = DIAGS_INIT;
	B->tracer = trace_create(B->w, &scratch);
	diags_free(&scratch);

	lint_report_free(&B->lint);
	strmap_free(&B->lsev);
	strmap_free(&B->lswallow);
	lint_run(B->w, B->ui->cfg, NULL, &B->lint);
	B->lsev = strmap_create(B->lint.n + 1);
	B->lswallow = strmap_create(8);
	for (size_t i = 0; i < B->lint.n; i++) {
		const struct lint_problem *p = &B->lint.v[i];
		if (!p->subject || p->severity < LINT_WARNING)
			continue;
		sev_put(B->lsev, p->subject, key_len(p->subject), p->severity);
		if (strcmp(p->rule, "catchall-swallows-mailboxes") == 0)
			sev_put(B->lswallow, p->subject, strlen(p->subject), p->severity);
	}
	for (size_t i = 0; i < B->ndomains; i++)
		B->dsev[i] = B->dents[i].d ? (unsigned char)domain_sev(B, B->dents[i].d) : 0;
	if (B->ui->timing) {   /* VMAILADM_UI_TIMING: is lint cheap enough? */
		fprintf(B->ui->timing, "lint %zu %.3f\n", B->lint.n, ms_now() - t0);
		fflush(B->ui->timing);
	}
}

static enum theme_role sev_role(int sev)
{
	return sev >= LINT_ERROR ? ROLE_ERROR : ROLE_WARNING;
}

/* The lint mark: a character, so that it reads without colours too. */
static void draw_lint(struct ui *ui, int y, int x, int sev)
{
	if (sev >= LINT_WARNING)
		ui_text(ui, y, x, 1, "!", sev_role(sev));
}

static void add_row(struct browse *B, struct row r)
{
	if (B->nrows == B->caprows) {
		B->caprows = B->caprows ? 2 * B->caprows : 32;
		B->rows = xreallocarray(B->rows, B->caprows, sizeof *B->rows);
	}
	B->rows[B->nrows++] = r;
}

static bool str_differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static enum mark mailbox_mark(const struct mailbox *now, const struct mailbox *old)
{
	if (str_differ(now->value, old->value) || str_differ(now->quota_rule, old->quota_rule))
		return MARK_CHANGE;
	const char *p1 = now->pw ? now->pw->password : NULL;
	const char *p2 = old->pw ? old->pw->password : NULL;
	return str_differ(p1, p2) ? MARK_CHANGE : MARK_NONE;
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
			if (all || mailbox_matches(&mb[i], f))
				add_row(B, (struct row){ .kind = ROW_MAILBOX, .p = &mb[i],
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
			r.mark = mailbox_mark(&mb[i++], &om[k++]);
		}
		if (all || mailbox_matches(r.p, f))
			add_row(B, r);
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
		if (all || alias_matches(r.p, f))
			add_row(B, r);
	}
}

static void row_catchall(struct browse *B, const struct catchall *now, const struct catchall *old)
{
	if (now)
		add_row(B, (struct row){ .kind = ROW_CATCHALL, .p = now, .mbx = SIZE_MAX,
					 .mark = B->w == B->disk ? MARK_NONE : !old ? MARK_ADD
					 : strcmp(now->target, old->target) ? MARK_CHANGE : MARK_NONE });
	else if (old && B->w != B->disk)
		add_row(B, (struct row){ .kind = ROW_CATCHALL, .p = old, .mbx = SIZE_MAX,
					 .mark = MARK_DEL });
}

static void build_rows(struct browse *B)
{
	const struct dent *e = cur_dent(B);
	const char *f = sb_str(&B->filter);
	B->nrows = 0;
	B->rows_for = e ? (size_t)(e - B->dents) : SIZE_MAX;
	if (!e)
		return;
	const struct domain *d = e->d, *o = e->old;
	/* When the domain's name matches, its whole content shows. */
	bool all = !*f || has(e->name, f);
	size_t sec = B->nrows;
	add_row(B, (struct row){ .kind = ROW_SECTION, .title = N_("Mailboxes") });
	rows_mailboxes(B, d, o, all, f);
	B->rows[sec].count = B->nrows - sec - 1;
	if (B->nrows == sec + 1)
		add_row(B, (struct row){ .kind = ROW_NONE });

	sec = B->nrows;
	add_row(B, (struct row){ .kind = ROW_SECTION, .title = N_("Aliases") });
	rows_aliases(B, d, o, all, f);
	B->rows[sec].count = B->nrows - sec - 1;
	if (B->nrows == sec + 1)
		add_row(B, (struct row){ .kind = ROW_NONE });

	sec = B->nrows;
	add_row(B, (struct row){ .kind = ROW_SECTION, .title = N_("Catch-all") });
	row_catchall(B, d ? d->catchall_alias : NULL, o ? o->catchall_alias : NULL);
	row_catchall(B, d ? d->catchall_mailbox : NULL, o ? o->catchall_mailbox : NULL);
	B->rows[sec].count = B->nrows - sec - 1;
	if (B->nrows == sec + 1)
		add_row(B, (struct row){ .kind = ROW_NONE });
}

static void build_details(struct browse *B);

static void refilter(struct browse *B)
{
	const struct dent *keep = cur_dent(B);
	B->ndvis = 0;
	size_t newsel = 0;
	for (size_t i = 0; i < B->ndomains; i++)
		if (domain_visible(B, &B->dents[i])) {
			if (keep == &B->dents[i])
				newsel = B->ndvis;
			B->dvis[B->ndvis++] = i;
		}
	list_select(&B->dlist, newsel);
	build_rows(B);
	list_select(&B->elist, 0);
	B->tlist.top = B->tlist.sel = 0;
	build_details(B);
}

static void domain_changed(struct browse *B)
{
	const struct dent *e = cur_dent(B);
	if (!e || (size_t)(e - B->dents) != B->rows_for) {
		build_rows(B);
		list_select(&B->elist, 0);
	}
	B->tlist.top = B->tlist.sel = 0;
	build_details(B);
}

/* New mail per domain, summed again when the statistics changed. */
static void sum_new(struct browse *B)
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

static void sync_stats(struct browse *B)
{
	unsigned g = live_generation(B->ui->live);
	if (g == B->gen)
		return;
	B->gen = g;
	sum_new(B);
	build_details(B);
}

/* ---- domains pane ---- */

static size_t dom_count(void *arg)
{
	return ((struct browse *)arg)->ndvis;
}

static void num(char *buf, size_t len, bool known, unsigned long long v)
{
	if (known)
		snprintf(buf, len, "%llu", v);
	else
		snprintf(buf, len, "%s", "·");
}

static const enum theme_role mark_role[] = {
	ROLE_NORMAL, ROLE_STAGED_ADD, ROLE_STAGED_DEL, ROLE_STAGED_CHANGE,
};

/* The mark in front of a staged entry: readable without colours too. */
static void draw_mark(struct ui *ui, int y, int x, enum mark m)
{
	static const char *const sign[] = { "", "+", "-", "~" };
	if (m != MARK_NONE)
		ui_text(ui, y, x, 1, sign[m], mark_role[m]);
}

static void dom_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct browse *B = arg;
	size_t di = B->dvis[i];
	const struct dent *e = &B->dents[di];
	const struct domain *d = e->d ? e->d : e->old;
	char a[24], b[24], c[24];
	bool known = !live_scanning(ui->live) || B->gen > 0;
	snprintf(a, sizeof a, "%zu", d->nmailboxes);
	snprintf(b, sizeof b, "%zu", d->naliases);
	num(c, sizeof c, known && B->gen > 0, B->dnew[di]);
	/* One column for both: a staged change is what the user is doing, the
	 * lint mark shows in the entries and the details. */
	if (e->mark != MARK_NONE)
		draw_mark(ui, y, x, e->mark);
	else
		draw_lint(ui, y, x, B->dsev[di]);
	ui_text(ui, y, x + 1, w - 15, d->name, e->mark != MARK_NONE ? mark_role[e->mark]
		: d->class == DOMAIN_OTHER ? ROLE_DIM : ROLE_NORMAL);
	ui_text_right(ui, y, x + w - 13, 3, a, ROLE_NORMAL);
	ui_text_right(ui, y, x + w - 9, 3, b, ROLE_NORMAL);
	ui_text_right(ui, y, x + w - 5, 4, c, B->dnew[di] ? ROLE_NEW_MAIL : ROLE_DIM);
}

static const struct list_ops dom_ops = { dom_count, dom_row, NULL };

/* ---- entries pane ---- */

static size_t ent_count(void *arg)
{
	return ((struct browse *)arg)->nrows;
}

static bool ent_selectable(void *arg, size_t i)
{
	enum row_kind k = ((struct browse *)arg)->rows[i].kind;
	return k != ROW_SECTION && k != ROW_NONE;
}

/* Widths of the mailbox columns, right of the name. */
enum { C_NEW = 4, C_UNREAD = 7, C_TOTAL = 6, C_SIZE = 9, C_BAR = 10 };
#define C_ALL (C_NEW + C_UNREAD + C_TOTAL + C_SIZE + C_BAR)

static long long quota_limit(struct browse *B, const struct mailbox *b, size_t mbx)
{
	struct maildir_quota q;
	if (b->quota_bytes >= 0)
		return b->quota_bytes;
	if (live_quota(B->ui->live, mbx, &q) && q.limit_bytes >= 0)
		return q.limit_bytes;
	return -1;
}

static void quota_bar(struct browse *B, struct ui *ui, int y, int x, const struct mailbox *b,
		      size_t mbx, uint64_t used, bool known)
{
	long long lim = quota_limit(B, b, mbx);
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
	enum theme_role r = frac >= 0.9 ? ROLE_QUOTA_HIGH : ROLE_QUOTA_OK;
	int cx = x + 1;
	cx += ui_text(ui, y, cx, 1, "[", ROLE_DIM);
	for (int i = 0; i < cells; i++)
		cx += ui_text(ui, y, cx, 1, i < full ? ui->g->bar_full : ui->g->bar_empty,
			      i < full ? r : ROLE_DIM);
	ui_text(ui, y, cx, 1, "]", ROLE_DIM);
}

static void ent_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct browse *B = arg;
	const struct row *r = &B->rows[i];
	char buf[64];
	switch (r->kind) {
	case ROW_SECTION: {
		char t[128];
		snprintf(t, sizeof t, "%s (%zu)", _(r->title), r->count);
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
		int nw = w - C_ALL - 3;
		ui_text(ui, y, x + 3, nw, b->local, mark_role[r->mark]);
		draw_mark(ui, y, x + 1, r->mark);
		draw_lint(ui, y, x + 2, mailbox_sev(B, b));
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
		num(buf, sizeof buf, known, c.new_msgs);
		ui_text_right(ui, y, cx, C_NEW, buf, c.new_msgs ? ROLE_NEW_MAIL : ROLE_DIM);
		num(buf, sizeof buf, known, c.unread);
		ui_text_right(ui, y, cx + C_NEW, C_UNREAD, buf, ROLE_NORMAL);
		num(buf, sizeof buf, known, maildir_total(&c));
		ui_text_right(ui, y, cx + C_NEW + C_UNREAD, C_TOTAL, buf, ROLE_NORMAL);
		if (known)
			ui_human(buf, sizeof buf, c.bytes);
		else
			snprintf(buf, sizeof buf, "·");
		ui_text_right(ui, y, cx + C_NEW + C_UNREAD + C_TOTAL, C_SIZE, buf, ROLE_NORMAL);
		quota_bar(B, ui, y, cx + C_ALL - C_BAR, b, r->mbx, c.bytes, known);
		break;
	}
	case ROW_ALIAS: {
		const struct alias *a = r->p;
		int cx = x + 3;
		int lw = w / 3;
		cx += ui_text(ui, y, cx, lw, a->local, mark_role[r->mark]);
		cx += ui_text(ui, y, cx, 4, " ", ROLE_NORMAL);
		cx += ui_text(ui, y, cx, 4, ui->g->arrow, ROLE_DIM);
		cx += ui_text(ui, y, cx, 1, " ", ROLE_NORMAL);
		draw_mark(ui, y, x + 1, r->mark);
		draw_lint(ui, y, x + 2, alias_sev(B, a));
		ui_text(ui, y, cx, x + w - cx, a->value,
			r->mark != MARK_NONE ? mark_role[r->mark] : ROLE_NORMAL);
		break;
	}
	case ROW_CATCHALL: {
		const struct catchall *c = r->p;
		int cx = x + 3;
		draw_mark(ui, y, x + 1, r->mark);
		draw_lint(ui, y, x + 2, catchall_sev(B, c));
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

static const struct list_ops ent_ops = { ent_count, ent_row, ent_selectable };

/* ---- details pane ---- */

static size_t det_count(void *arg)
{
	return ((struct browse *)arg)->ndet;
}

static void det_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct browse *B = arg;
	const struct dline *l = &B->det[i];
	if (l->heading) {
		ui_text(ui, y, x + 1, w - 1, l->text, ROLE_SECTION);
		return;
	}
	if (l->label)
		ui_text(ui, y, x + 1, 13, l->label, ROLE_TITLE);
	int used = ui_text(ui, y, x + 15, w - 15, l->text, l->role);
	if (l->suffix && 15 + used + 2 < w)
		ui_text(ui, y, x + 17 + used, w - 17 - used, l->suffix, ROLE_DIM);
}

static bool det_selectable(void *arg, size_t i)
{
	(void)arg;
	(void)i;
	return false;
}

static const struct list_ops det_ops = { det_count, det_row, det_selectable };

static void det_clear(struct browse *B)
{
	for (size_t i = 0; i < B->ndet; i++) {
		free(B->det[i].label);
		free(B->det[i].text);
		free(B->det[i].suffix);
	}
	B->ndet = 0;
}

static void det_add(struct browse *B, const char *label, enum theme_role role, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
static void det_add(struct browse *B, const char *label, enum theme_role role, const char *fmt,
		    ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (B->ndet == B->capdet) {
		B->capdet = B->capdet ? 2 * B->capdet : 16;
		B->det = xreallocarray(B->det, B->capdet, sizeof *B->det);
	}
	B->det[B->ndet++] = (struct dline){ label ? xstrdup(label) : NULL, sb_detach(&sb), role,
					    NULL, false };
}

/* The last line gets a dim "file:line" after its text. */
static void det_where(struct browse *B, const char *file, unsigned line)
{
	if (!B->ndet || !file)
		return;
	free(B->det[B->ndet - 1].suffix);
	B->det[B->ndet - 1].suffix = line ? xasprintf("%s:%u", file, line) : xstrdup(file);
}

static void det_heading(struct browse *B, const char *text)
{
	det_add(B, NULL, ROLE_SECTION, "%s", text);
	B->det[B->ndet - 1].heading = true;
}

/* The problems lint found about this entry (match says which). */
typedef bool (*problem_match)(const struct lint_problem *p, const void *arg);

static void det_problems(struct browse *B, problem_match match, const void *arg)
{
	size_t shown = 0;
	for (size_t i = 0; i < B->lint.n; i++) {
		const struct lint_problem *p = &B->lint.v[i];
		if (!p->subject || !match(p, arg))
			continue;
		if (shown++ == 0)
			det_heading(B, _("Problems"));
		enum theme_role role = p->severity == LINT_ERROR ? ROLE_ERROR
			: p->severity == LINT_WARNING ? ROLE_WARNING : ROLE_NORMAL;
		det_add(B, p->severity == LINT_ERROR ? _("error") : p->severity == LINT_WARNING
			? _("warning") : _("info"), role, "%s  %s", p->rule, p->message);
		if (p->fix && *p->fix)
			det_add(B, NULL, ROLE_NORMAL, _("fix: %s"), p->fix);
		if (p->file && p->line)
			det_add(B, NULL, ROLE_DIM, "%s:%u", p->file, p->line);
		else if (p->file)
			det_add(B, NULL, ROLE_DIM, "%s", p->file);
	}
}

static bool same_key(const char *subject, const char *key)
{
	if (!key)
		return false;
	size_t n = key_len(subject);
	return n == key_len(key) && strncmp(subject, key, n) == 0;
}

struct mailbox_arg {
	const struct mailbox *b;
	bool staged_new;
};

static bool match_mailbox(const struct lint_problem *p, const void *arg)
{
	const struct mailbox_arg *ma = arg;
	const struct mailbox *b = ma->b;
	if (same_key(p->subject, b->maildir))
		return !ma->staged_new || strcmp(p->rule, "mailbox-without-maildir") != 0;
	if (same_key(p->subject, b->address))
		return true;
	return b->swallowed && strcmp(p->rule, "catchall-swallows-mailboxes") == 0 &&
	       strcmp(p->subject, b->domain) == 0;
}

static bool match_alias(const struct lint_problem *p, const void *arg)
{
	return strcmp(p->subject, ((const struct alias *)arg)->address) == 0;
}

static bool match_catchall(const struct lint_problem *p, const void *arg)
{
	const struct catchall *c = arg;
	if (p->subject[0] == '@' && strcmp(p->subject + 1, c->domain) == 0)
		return true;
	return strcmp(p->rule, "catchall-swallows-mailboxes") == 0 &&
	       strcmp(p->subject, c->domain) == 0;
}

static bool match_domain(const struct lint_problem *p, const void *arg)
{
	return strcmp(p->subject, ((const struct domain *)arg)->name) == 0;
}

/* "Mail for ADDRESS goes": the tracer's steps indented by depth, each with
 * the file and line that decided it, then where the mail ends. */
static void det_trace(struct browse *B, const char *address, const char *note)
{
	if (!B->tracer)
		return;
	struct trace_result res;
	trace_address(B->tracer, address, &res);
	struct strbuf h = STRBUF_INIT;
	sb_addf(&h, _("Mail for %s goes"), address);
	det_heading(B, sb_str(&h));
	sb_free(&h);
	if (note)
		det_add(B, NULL, ROLE_DIM, "%s", note);
	for (size_t i = 0; i < res.nsteps; i++) {
		const struct trace_step *st = &res.steps[i];
		unsigned depth = st->depth < 8 ? st->depth : 8;
		enum theme_role role = strcmp(st->what, "warning") == 0 ||
			strcmp(st->what, "limit") == 0 ? ROLE_WARNING
			: strcmp(st->what, "reject") == 0 ? ROLE_ERROR : ROLE_NORMAL;
		det_add(B, i == 0 ? _("Steps") : NULL, role, "%*s%s", (int)(2 * depth), "",
			st->text);
		det_where(B, st->file, st->line);
	}
	for (size_t i = 0; i < res.ndests; i++) {
		const struct trace_dest *d = &res.dests[i];
		const char *label = i == 0 ? _("Ends") : NULL;
		switch (d->kind) {
		case TRACE_MAILDIR:
			det_add(B, label, ROLE_NORMAL, _("maildir %s"), d->path ? d->path : "?");
			break;
		case TRACE_MBOX:
			det_add(B, label, ROLE_WARNING, _("mbox file %s"), d->path ? d->path : "?");
			break;
		case TRACE_REMOTE:
			det_add(B, label, ROLE_NORMAL, _("relayed to another host: %s%s%s%s"), d->address,
				d->detail ? " (" : "", d->detail ? d->detail : "", d->detail ? ")" : "");
			break;
		case TRACE_LOCAL:
			det_add(B, label, ROLE_NORMAL, _("local delivery: %s%s%s%s"), d->address,
				d->detail ? " (" : "", d->detail ? d->detail : "", d->detail ? ")" : "");
			break;
		case TRACE_REJECT:
			det_add(B, label, ROLE_ERROR, _("rejected: %s"), d->reason ? d->reason : d->address);
			break;
		case TRACE_DEFER:
			det_add(B, label, ROLE_WARNING, _("deferred: %s"), d->reason ? d->reason : d->address);
			break;
		}
		det_where(B, d->file, d->line);
	}
	trace_result_free(&res);
}

/* An address of the domain that no entry names, to show where unknown
 * addresses go; letters and digits only, so that no recipient_delimiter
 * splits it into a real user and an extension. */
static void sample_unknown(const struct world *w, const char *domain, struct strbuf *out)
{
	uint32_t hv = strmap_hash(domain);
	for (unsigned i = 0;; i++) {
		sb_reset(out);
		sb_addf(out, "nosuchuser%06x@%s", (unsigned)((hv + i) & 0xffffff), domain);
		if (!world_mailbox_find(w, sb_str(out)) && !world_alias_find(w, sb_str(out)))
			return;
	}
}

static void det_reaching(struct browse *B, const struct world *w, const char *address)
{
	size_t n;
	const struct alias **v = world_aliases_reaching(w, address, &n);
	if (n == 0)
		det_add(B, _("Reached by"), ROLE_DIM, "%s", _("no alias"));
	for (size_t i = 0; i < n; i++)
		det_add(B, i == 0 ? _("Reached by") : NULL, ROLE_NORMAL, "%s", v[i]->address);
	free(v);
}

static void details_mailbox(struct browse *B, const struct world *w, const struct mailbox *b,
			    size_t mbx)
{
	struct ui *ui = B->ui;
	struct maildir_counts c;
	enum maildir_status st;
	bool known = live_counts(ui->live, mbx, &c, &st);
	char h[32];

	det_add(B, _("Mailbox"), ROLE_NORMAL, "%s", b->address);
	det_add(B, _("Maildir"), ROLE_NORMAL, "%s", b->maildir ? b->maildir : "?");
	det_add(B, _("Defined in"), ROLE_DIM, "%s:%u  (%s)", b->file, b->line, b->value);
	if (b->pw) {
		char *scheme = pwfile_scheme(b->pw);
		det_add(B, _("Password"), *scheme ? ROLE_NORMAL : ROLE_WARNING, "%s",
			*scheme ? scheme : _("none (cannot log in)"));
		free(scheme);
	} else {
		det_add(B, _("Password"), ROLE_WARNING, "%s",
			_("no passwd-file entry: Dovecot cannot log this user in"));
	}
	long long lim = quota_limit(B, b, mbx);
	if (lim < 0) {
		det_add(B, _("Quota"), ROLE_DIM, "%s", b->quota_rule ? b->quota_rule : _("none"));
	} else if (lim == 0) {
		det_add(B, _("Quota"), ROLE_NORMAL, "%s", _("unlimited"));
	} else {
		ui_human(h, sizeof h, (uint64_t)lim);
		double pct = known ? 100.0 * (double)c.bytes / (double)lim : 0;
		det_add(B, _("Quota"), pct >= 90 ? ROLE_QUOTA_HIGH : ROLE_NORMAL,
			_("%s (%s): %.0f%% used"), h, b->quota_rule ? b->quota_rule : "maildirsize",
			pct);
	}
	if (!known && mbx == SIZE_MAX) {
		det_add(B, _("Messages"), ROLE_DIM, "%s", _("the Maildir is created at commit"));
	} else if (!known) {
		det_add(B, _("Messages"), ROLE_DIM, "%s", live_scanning(ui->live)
			? _("scanning...") : _("not a Maildir"));
	} else if (st != MAILDIR_OK && st != MAILDIR_PARTIAL) {
		det_add(B, _("Messages"), ROLE_WARNING, _("the Maildir is %s"),
			maildir_status_name(st));
	} else {
		ui_human(h, sizeof h, c.bytes);
		det_add(B, _("Messages"), c.new_msgs ? ROLE_NEW_MAIL : ROLE_NORMAL,
			_("%llu (%u new, %u unread), %s"), (unsigned long long)maildir_total(&c),
			c.new_msgs, c.unread, h);
		struct strbuf f = STRBUF_INIT;
		if (live_folders(ui->live, mbx, &f))
			det_add(B, _("Folders"), ROLE_NORMAL, "%s", sb_str(&f));
		sb_free(&f);
	}
	det_reaching(B, w, b->address);
	if (b->alias && !b->alias->is_identity)
		det_add(B, _("Mail goes"), ROLE_WARNING, _("to %s (its alias entry wins)"),
			b->alias->value);
	else if (b->swallowed)
		det_add(B, _("Mail goes"), ROLE_WARNING, "%s",
			_("to the domain's catch-all: the mailbox needs an identity alias entry"));
	else
		det_add(B, _("Mail goes"), ROLE_NORMAL, "%s", _("into this Maildir"));
	struct mailbox_arg ma = { b, staged_new(B, b) };
	det_problems(B, match_mailbox, &ma);
	det_trace(B, b->address, NULL);
}

static void details_alias(struct browse *B, const struct world *w, const struct alias *a)
{
	det_add(B, _("Alias"), ROLE_NORMAL, "%s", a->address);
	det_add(B, _("Defined in"), ROLE_DIM, "%s:%u", a->file, a->line);
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct alias_target *t = &a->targets[i];
		det_add(B, i == 0 ? _("Targets") : NULL,
			t->class == TARGET_UNKNOWN ? ROLE_WARNING : ROLE_NORMAL, "%s  (%s)", t->text,
			model_target_class_name(t->class));
	}
	for (size_t i = 0; i < a->ntargets; i++)
		if (a->targets[i].class == TARGET_UNKNOWN)
			det_add(B, _("Warning"), ROLE_WARNING, _("%s does not exist: mail to it bounces"),
				a->targets[i].text);
	det_reaching(B, w, a->address);
	det_problems(B, match_alias, a);
	det_trace(B, a->address, NULL);
}

static void catchall_notes(struct browse *B, const struct world *w, const struct catchall *c)
{
	det_add(B, _("Catch-all"), ROLE_NORMAL, "@%s", c->domain);
	det_add(B, _("Goes to"), ROLE_NORMAL, "%s", c->target);
	det_add(B, _("Defined in"), ROLE_DIM, "%s:%u  (%s)", c->file, c->line,
		c->map == CATCHALL_IN_ALIAS_MAP ? "virtual_alias_maps" : "virtual_mailbox_maps");
	if (c->map != CATCHALL_IN_ALIAS_MAP) {
		det_add(B, _("Note"), ROLE_NORMAL, "%s",
			_("takes mail for unknown addresses; real mailboxes keep theirs"));
		return;
	}
	size_t n, lost = 0;
	const struct domain *d = world_domain_find(w, c->domain);
	const struct mailbox *mb = d ? world_domain_mailboxes(w, d, &n) : NULL;
	for (size_t i = 0; mb && i < n; i++)
		lost += mb[i].swallowed;
	if (lost)
		det_add(B, _("Warning"), ROLE_WARNING,
			ngettext("%zu mailbox has no identity entry: this catch-all takes its mail",
				 "%zu mailboxes have no identity entry: this catch-all takes their mail",
				 lost), lost);
	else
		det_add(B, _("Note"), ROLE_NORMAL, "%s",
			_("takes mail for every unknown address of the domain"));
}

static void details_catchall(struct browse *B, const struct world *w, const struct catchall *c)
{
	catchall_notes(B, w, c);
	det_problems(B, match_catchall, c);
	struct strbuf a = STRBUF_INIT;
	sample_unknown(B->w, c->domain, &a);
	det_trace(B, sb_str(&a), _("(a made-up address that no entry names: where unknown addresses go)"));
	sb_free(&a);
}

static void details_domain(struct browse *B, const struct domain *d)
{
	det_add(B, _("Domain"), ROLE_NORMAL, "%s", d->name);
	det_add(B, _("Class"), ROLE_NORMAL, "%s", model_domain_class_name(d->class));
	for (size_t i = 0; i < d->nlistings; i++) {
		const struct domain_listing *l = &d->listings[i];
		det_add(B, i == 0 ? _("Listed in") : NULL, ROLE_DIM, "%s:%u  (%s)", l->file, l->line,
			l->via);
	}
	det_add(B, _("Entries"), ROLE_NORMAL, _("%zu mailboxes, %zu aliases"), d->nmailboxes,
		d->naliases);
	if (d->conflict)
		det_add(B, _("Warning"), ROLE_WARNING, "%s",
			_("listed in more than one domain class: Postfix warns and uses one"));
	if (d->catchall_alias || d->catchall_mailbox)
		det_add(B, _("Catch-all"), ROLE_WARNING, "%s",
			d->catchall_alias ? d->catchall_alias->target : d->catchall_mailbox->target);
	det_problems(B, match_domain, d);
}

static void det_insert(struct browse *B, size_t at, struct dline l)
{
	if (B->ndet == B->capdet) {
		B->capdet = B->capdet ? 2 * B->capdet : 16;
		B->det = xreallocarray(B->det, B->capdet, sizeof *B->det);
	}
	memmove(&B->det[at + 1], &B->det[at], (B->ndet - at) * sizeof *B->det);
	B->ndet++;
	B->det[at] = l;
}

/* Long values (paths) wrap onto continuation lines rather than being cut. */
static void wrap_details(struct browse *B)
{
	int w = B->det_w > 10 ? B->det_w : 10;
	for (size_t i = 0; i < B->ndet; i++) {
		if (B->det[i].heading)
			continue;
		/* file:line that does not fit beside the text goes below it */
		char *suffix = B->det[i].suffix;
		if (suffix && ui_width(B->det[i].text) + 2 + ui_width(suffix) > w) {
			B->det[i].suffix = NULL;
			det_insert(B, i + 1, (struct dline){ NULL, suffix, ROLE_DIM, NULL, false });
		}
		char *t = B->det[i].text;
		size_t fit = ui_fit(t, w);
		if (!t[fit] || fit == 0)
			continue;
		/* break after a space when there is one in the second half; the
		 * continuation keeps the indentation of a trace step, plus two */
		size_t ind = strspn(t, " ");
		size_t cut = fit;
		for (size_t k = fit; k > fit / 2 && k > ind; k--)
			if (t[k - 1] == ' ') {
				cut = k;
				break;
			}
		size_t pad = ind ? ind + 2 : 0;
		if ((int)pad > w / 2)
			pad = 0;
		struct strbuf c = STRBUF_INIT;
		sb_addf(&c, "%*s%s", (int)pad, "", t + cut);
		/* the suffix stays with the last piece */
		det_insert(B, i + 1, (struct dline){ NULL, sb_detach(&c), B->det[i].role,
						     B->det[i].suffix, false });
		B->det[i].suffix = NULL;
		t[cut] = 0;
	}
}

static void build_details_raw(struct browse *B);

static void remember_selection(struct browse *B)
{
	free(B->sel_dom);
	free(B->sel_addr);
	const struct dent *e = cur_dent(B);
	B->sel_dom = e ? xstrdup(e->name) : NULL;
	B->sel_addr = NULL;
	if (B->nrows && B->elist.sel < B->nrows) {
		const struct row *r = &B->rows[B->elist.sel];
		if (r->kind == ROW_MAILBOX)
			B->sel_addr = xstrdup(((const struct mailbox *)r->p)->address);
		else if (r->kind == ROW_ALIAS)
			B->sel_addr = xstrdup(((const struct alias *)r->p)->address);
		else if (r->kind == ROW_CATCHALL)
			B->sel_addr = xasprintf("@%s", ((const struct catchall *)r->p)->domain);
	}
}

static void build_details(struct browse *B)
{
	remember_selection(B);
	build_details_raw(B);
	wrap_details(B);
}

static void build_details_raw(struct browse *B)
{
	det_clear(B);
	const struct domain *d = cur_domain(B);
	if (!d) {
		det_add(B, NULL, ROLE_DIM, "%s", sb_str(&B->filter)[0]
			? _("nothing matches the filter") : _("no domains"));
		return;
	}
	const struct row *r = B->nrows && B->focus != PANE_DOMAINS ? &B->rows[B->elist.sel] : NULL;
	static const char *const staged[] = {
		NULL, N_("added (not committed yet)"), N_("to be removed (not committed yet)"),
		N_("changed (not committed yet)"),
	};
	enum mark m = r && r->kind != ROW_SECTION && r->kind != ROW_NONE ? r->mark
		: cur_dent(B)->mark;
	if (m != MARK_NONE)
		det_add(B, _("Staged"), mark_role[m], "%s", _(staged[m]));
	const struct world *w = m == MARK_DEL ? B->disk : B->w;
	if (!r || r->kind == ROW_SECTION || r->kind == ROW_NONE)
		details_domain(B, d);
	else if (r->kind == ROW_MAILBOX)
		details_mailbox(B, w, r->p, r->mbx);
	else if (r->kind == ROW_ALIAS)
		details_alias(B, w, r->p);
	else
		details_catchall(B, w, r->p);
}

/* ---- the screen ---- */

static void pane_title(struct ui *ui, int y, int x, int w, const char *title, bool focused)
{
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, title, focused ? ROLE_SELECTION : ROLE_TITLE);
}

static void browse_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct browse *B = (struct browse *)s;
	char t[256];
	sync_stats(B);

	int dw = w * 3 / 10;
	if (dw < 30)
		dw = 30;
	if (dw > 40)
		dw = 40;
	int rx = x + dw + 1, rw = w - dw - 1;
	int eh = (h - 2) * 55 / 100;
	if (eh < 5)
		eh = 5;
	int th = h - 2 - eh;

	/* domains */
	snprintf(t, sizeof t, _("Domains (%zu)"), B->ndvis);
	pane_title(ui, y, x, dw, t, B->focus == PANE_DOMAINS);
	if (dw > 20) {
		ui_text_right(ui, y, x + dw - 13, 3, _("mbx"), ROLE_TITLE);
		ui_text_right(ui, y, x + dw - 9, 3, _("ali"), ROLE_TITLE);
		ui_text_right(ui, y, x + dw - 5, 4, _("new"), ROLE_TITLE);
	}
	list_draw(&B->dlist, ui, y + 1, x, h - 1, dw,
		  B->focus == PANE_DOMAINS ? ROLE_SELECTION : -1);
	for (int r = 0; r < h; r++)
		ui_text(ui, y + r, x + dw, 1, ui->g->vline, ROLE_BORDER);

	/* entries */
	const struct domain *d = cur_domain(B);
	if (d)
		snprintf(t, sizeof t, "%s", d->name);
	else
		snprintf(t, sizeof t, "%s", _("(no domain)"));
	pane_title(ui, y, rx, rw > C_ALL + 8 ? rw - C_ALL - 1 : rw, t, B->focus == PANE_ENTRIES);
	if (rw > C_ALL + 8) {   /* the mailbox column headings, over their columns */
		int cx = rx + rw - C_ALL;
		ui_fill(ui, y, cx - 1, C_ALL + 1, ROLE_TITLE);
		ui_text_right(ui, y, cx, C_NEW, _("new"), ROLE_TITLE);
		ui_text_right(ui, y, cx + C_NEW, C_UNREAD, _("unread"), ROLE_TITLE);
		ui_text_right(ui, y, cx + C_NEW + C_UNREAD, C_TOTAL, _("total"), ROLE_TITLE);
		ui_text_right(ui, y, cx + C_NEW + C_UNREAD + C_TOTAL, C_SIZE, _("size"), ROLE_TITLE);
		ui_text(ui, y, cx + C_ALL - C_BAR + 1, C_BAR - 1, _("quota"), ROLE_TITLE);
	}
	list_draw(&B->elist, ui, y + 1, rx, eh, rw,
		  B->focus == PANE_ENTRIES ? ROLE_SELECTION : -1);

	/* details */
	if (rw - 16 != B->det_w) {
		B->det_w = rw - 16;
		build_details(B);
	}
	if (B->ndet > (size_t)(th > 0 ? th : 0) && th > 0) {
		/* longer than the pane: say so, and how to scroll it */
		size_t last = B->tlist.top + (size_t)th;
		snprintf(t, sizeof t, _("Details  %zu-%zu/%zu  (Tab here, then PgDn/PgUp)"),
			 B->tlist.top + 1, last < B->ndet ? last : B->ndet, B->ndet);
	} else {
		snprintf(t, sizeof t, "%s", _("Details"));
	}
	pane_title(ui, y + 1 + eh, rx, rw, t, B->focus == PANE_DETAILS);
	list_draw(&B->tlist, ui, y + 2 + eh, rx, th, rw, -1);
}

static void set_focus(struct browse *B, int f)
{
	if (f < PANE_DOMAINS || f > PANE_DETAILS)
		return;
	if (f >= PANE_ENTRIES && B->ndvis == 0)
		return;
	B->focus = f;
	if (f == PANE_ENTRIES)
		list_clamp(&B->elist);
	B->tlist.top = 0;
	build_details(B);
}

/* The next mailbox with new mail after the selection, across the visible
 * domains, wrapping around. */
static const struct mailbox *next_new(struct browse *B, struct ui *ui, size_t *mbx_out)
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
			const char *f = sb_str(&B->filter);
			if (*f && !has(e->name, f) && !mailbox_matches(&mb[k], f))
				continue;
			list_select(&B->dlist, di);
			domain_changed(B);
			const struct mailbox *shown = NULL;
			for (size_t r = 0; r < B->nrows; r++)
				if (B->rows[r].kind == ROW_MAILBOX && B->rows[r].mbx == idx) {
					list_select(&B->elist, r);
					shown = B->rows[r].p;
				}
			B->focus = PANE_ENTRIES;
			build_details(B);
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

static void show_filter(struct browse *B, struct ui *ui)
{
	if (B->filtering)
		ui_status(ui, ROLE_FILTER, _("Filter: %s_   (Enter keeps it, Esc clears it)"),
			  sb_str(&B->filter));
	else if (B->filter.len)
		ui_status(ui, ROLE_FILTER, _("Filter: %s   (/ to change, Esc to clear)"),
			  sb_str(&B->filter));
	else
		ui_status(ui, ROLE_STATUS, "%s", "");
}

static bool filter_key(struct browse *B, struct ui *ui, ui_key k)
{
	if (k == 27) {
		B->filtering = false;
		sb_reset(&B->filter);
	} else if (k == '\r' || k == '\n' || k == UI_FN(KEY_ENTER)) {
		B->filtering = false;
	} else if (k == UI_FN(KEY_BACKSPACE) || k == 127 || k == 8) {
		/* drop the last character, not the last byte */
		size_t n = B->filter.len;
		while (n > 0 && ((unsigned char)B->filter.buf[n - 1] & 0xc0) == 0x80)
			n--;
		sb_truncate(&B->filter, n ? n - 1 : 0);
	} else if (k >= ' ' && k != 127) {
		char mb[8];
		mbstate_t st;
		memset(&st, 0, sizeof st);
		size_t n = wcrtomb(mb, (wchar_t)k, &st);
		if (n != (size_t)-1 && B->filter.len < 200)
			sb_add(&B->filter, mb, n);
	} else {
		return true;
	}
	refilter(B);
	show_filter(B, ui);
	return true;
}

static bool browse_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct browse *B = (struct browse *)s;
	ui->dirty = true;
	if (B->filtering)
		return filter_key(B, ui, k);
	switch (k) {
	case '/':
		B->filtering = true;
		show_filter(B, ui);
		return true;
	case 27:
		if (B->filter.len) {
			sb_reset(&B->filter);
			refilter(B);
			show_filter(B, ui);
		}
		return true;
	case '\t':
		set_focus(B, (B->focus + 1) % 3);
		return true;
	case UI_FN(KEY_BTAB):
		set_focus(B, (B->focus + 2) % 3);
		return true;
	case '\r': case '\n': case UI_FN(KEY_ENTER):
		/* On an entry, Enter acts: a mailbox opens, an alias is edited. */
		if (B->focus == PANE_ENTRIES && B->nrows) {
			const struct row *r = &B->rows[B->elist.sel];
			if (r->kind == ROW_MAILBOX && r->mark != MARK_ADD) {
				ui_push(ui, maillist_create(ui, r->p));
				return true;
			}
			if ((r->kind == ROW_ALIAS || r->kind == ROW_CATCHALL) && r->mark != MARK_DEL) {
				struct ui_sel sel;
				browse_selection(s, &sel);
				edit_edit(ui, &sel);
				return true;
			}
		}
		set_focus(B, B->focus + 1);
		return true;
	case UI_FN(KEY_RIGHT): case 'l':
		set_focus(B, B->focus + 1);
		return true;
	case 'o':
		if (B->focus == PANE_ENTRIES && B->nrows &&
		    B->rows[B->elist.sel].kind == ROW_MAILBOX)
			ui_push(ui, maillist_create(ui, B->rows[B->elist.sel].p));
		else
			ui_status(ui, ROLE_STATUS, "%s", _("select a mailbox to open its messages"));
		return true;
	case 'a': case 'd': case UI_FN(KEY_DC): case 'e': case 'p': case 'Q': {
		struct ui_sel sel;
		browse_selection(s, &sel);
		if (k == 'a')
			edit_add(ui, &sel);
		else if (k == 'd' || k == UI_FN(KEY_DC))
			edit_delete(ui, &sel);
		else if (k == 'e')
			edit_edit(ui, &sel);
		else if (k == 'p')
			edit_password(ui, &sel);
		else
			edit_quota(ui, &sel);
		return true;
	}
	case 'u':
		edit_undo(ui);
		return true;
	case 'D':
		if (ui->staged == 0)
			ui_status(ui, ROLE_STATUS, "%s", _("nothing is staged: a, d, e, p and Q stage changes"));
		else
			ui_push(ui, diffview_create(ui, false));
		return true;
	case 'q': case UI_FN(KEY_F(10)):
		edit_quit(ui);
		return true;
	case UI_FN(KEY_LEFT): case 'h': case UI_FN(KEY_BACKSPACE): case 127:
		set_focus(B, B->focus - 1);
		return true;
	case 'n':
		next_new(B, ui, NULL);
		return true;
	case 'r':
		if (live_rescan(ui->live))
			ui_status(ui, ROLE_STATUS, "%s", _("rescanning every Maildir..."));
		else
			ui_status(ui, ROLE_STATUS, "%s", _("a scan is already running"));
		return true;
	default:
		break;
	}
	if (B->focus == PANE_DOMAINS && list_key(&B->dlist, k)) {
		domain_changed(B);
		return true;
	}
	if (B->focus == PANE_ENTRIES && list_key(&B->elist, k)) {
		B->tlist.top = 0;
		build_details(B);
		return true;
	}
	if (B->focus == PANE_DETAILS) {
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
			ui->dirty = false;
			return false;
		}
		B->tlist.sel = B->tlist.top;
		return true;
	}
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
	det_clear(B);
	free(B->det);
	free(B->sel_dom);
	free(B->sel_addr);
	free(B->rows);
	free(B->dvis);
	free(B->dnew);
	free(B->dsev);
	free(B->dents);
	lint_report_free(&B->lint);
	strmap_free(&B->lsev);
	strmap_free(&B->lswallow);
	trace_free(&B->tracer);
	sb_free(&B->filter);
	free(B);
}

static const char *const *browse_keybar(struct screen *s)
{
	struct browse *B = (struct browse *)s;
	static const char *const normal[] = {
		"F1", N_("Help"), "Tab", N_("Pane"), "Enter", N_("Open"), "/", N_("Filter"),
		"a", N_("Add"), "d", N_("Del"), "e", N_("Edit"), "D", N_("Diff"), "q", N_("Quit"), NULL,
	};
	static const char *const filtering[] = {
		"Enter", N_("Keep filter"), "Esc", N_("Clear filter"), "Backspace", N_("Erase"), NULL,
	};
	return B->filtering ? filtering : normal;
}

static const struct screen_ops browse_ops = {
	browse_draw, browse_key, browse_resize, browse_free, browse_keybar,
};

/* The union of the staged and the disk domains, both sorted by name. */
static void build_dents(struct browse *B)
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
	free(B->dvis);
	free(B->dnew);
	free(B->dsev);
	B->dsev = xcalloc(B->ndomains ? B->ndomains : 1, sizeof *B->dsev);
	B->dvis = xcalloc(B->ndomains ? B->ndomains : 1, sizeof *B->dvis);
	B->dnew = xcalloc(B->ndomains ? B->ndomains : 1, sizeof *B->dnew);
	B->ndvis = 0;
	B->rows_for = SIZE_MAX;
}

static void attach(struct browse *B)
{
	B->w = B->ui->view ? B->ui->view : B->ui->world;
	B->disk = B->ui->world;
	B->boxes = world_mailboxes(B->disk, &B->nboxes);
	build_dents(B);
	if (B->lint_on)
		lint_attach(B);
}

struct screen *browse_create(struct ui *ui)
{
	struct browse *B = xcalloc(1, sizeof *B);
	B->s.ops = &browse_ops;
	B->ui = ui;
	sb_init(&B->filter);
	list_init(&B->dlist, &dom_ops, B);
	list_init(&B->elist, &ent_ops, B);
	list_init(&B->tlist, &det_ops, B);
	attach(B);
	/* Start on the first hosted domain rather than on localhost. */
	refilter(B);
	for (size_t i = 0; i < B->ndvis; i++) {
		const struct dent *e = &B->dents[B->dvis[i]];
		if (e->d && (e->d->class & DOMAIN_VIRTUAL_MAILBOX)) {
			list_select(&B->dlist, i);
			domain_changed(B);
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
	lint_attach(B);
	build_details(B);
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
	attach(B);
	B->gen = live_generation(B->ui->live) - 1;
	refilter(B);
	for (size_t i = 0; dom && i < B->ndvis; i++)
		if (strcmp(B->dents[B->dvis[i]].name, dom) == 0) {
			list_select(&B->dlist, i);
			break;
		}
	build_rows(B);
	list_select(&B->elist, esel);
	if (addr)
		browse_select_address(s, addr);
	sync_stats(B);
	build_details(B);
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
			build_details(B);
			return;
		}
	}
}

void browse_selection(struct screen *s, struct ui_sel *sel)
{
	struct browse *B = (struct browse *)s;
	memset(sel, 0, sizeof *sel);
	sel->mbx = SIZE_MAX;
	const struct dent *e = cur_dent(B);
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
	return next_new(B, B->ui, mbx);
}
