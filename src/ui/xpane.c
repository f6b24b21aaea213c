/* The exercise pane (x): beside the browser, the current exercise's steps
 * ticked from the real state (src/exercise), the current step's hint (h),
 * the course's manual way beside the vmailadm way, and what the course gets
 * wrong. It re-checks by itself after every commit (the world the interface
 * shows changes) and every change on disk (inotify on the directories the
 * checks read), without a key. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/clock.h"
#include "vmailadm/config.h"
#include "vmailadm/exercise.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

/* Files are often written in bursts (a table, then its .db): wait this long
 * after the last event before checking again. */
#define SETTLE_MS 200

struct xpane {
	bool open;
	bool allowed;                  /* a tree that is not a demo: the user said yes */
	bool hint;                     /* h: show the current step's hint */
	int number;                    /* the exercise shown */
	struct exercise_result *res;   /* one per step of the exercise shown */
	size_t nres, done;
	struct world *w;               /* what the last check read */
	unsigned seen;                 /* ui->world_gen at the last check */
	int ifd;                       /* inotify, -1 when unavailable */
	double due;                    /* ms: check again then; 0 = nothing pending */
};

static void xpane_watch(struct xpane *X, const char *path)
{
	diskwatch_add_dir(X->ifd, path);
}

static void xpane_watch_dir_of(struct xpane *X, const char *file)
{
	diskwatch_add_dir_of(X->ifd, file);
}

/* Every directory whose change may change a step: the maps' and the
 * passwd-file's, the mail base and the exercises' domains and Maildirs,
 * the archive. Directories made later are added at the next check. */
static void xpane_rewatch(struct ui *ui, struct xpane *X)
{
	static const char *const boxes[] = {
		"andromed.cloud/alice", "andromed.cloud/bob", "exemple.local/contact",
		"exemple.local/admin",
	};
	const struct config *cfg = ui->cfg;
	xpane_watch(X, cfg->postfix_dir);
	xpane_watch_dir_of(X, cfg->passwd_file);
	for (size_t i = 0; X->w && i < world_map_count(X->w); i++)
		xpane_watch_dir_of(X, world_map(X->w, i)->ref.path);
	const char *base = X->w ? world_mailbox_base(X->w) : NULL;
	if (base) {
		xpane_watch(X, base);
		for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; i++) {
			char *p = xasprintf("%s/%s", base, boxes[i]);
			char *slash = strrchr(p, '/');
			*slash = '\0';
			xpane_watch(X, p);                 /* the domain */
			*slash = '/';
			xpane_watch(X, p);                 /* the maildir */
			char *n = xasprintf("%s/new", p);
			xpane_watch(X, n);
			free(n);
			free(p);
		}
	}
	xpane_watch(X, cfg->archive_dir);
	char *a = xasprintf("%s/andromed.cloud", cfg->archive_dir);
	xpane_watch(X, a);
	free(a);
}

static void xpane_results_clear(struct xpane *X)
{
	exercise_results_free(X->res, X->nres);
	free(X->res);
	X->res = NULL;
	X->nres = X->done = 0;
}

/* Read the files again (hand edits are not in ui->world) and check every
 * step of the exercise shown. */
static void xpane_recheck(struct ui *ui, struct xpane *X)
{
	const struct exercise *x = exercise_get(X->number);
	struct diags d = DIAGS_INIT;
	struct world *w = NULL;
	X->seen = ui->world_gen;
	X->due = 0;
	if (world_load(ui->cfg, &w, &d) < 0) {
		diags_free(&d);
		ui_status(ui, ROLE_ERROR, _("exercise: cannot read %s/main.cf"), config_postfix_conf_dir(ui->cfg));
		return;
	}
	diags_free(&d);
	xpane_results_clear(X);
	X->res = xcalloc(x->nsteps, sizeof *X->res);
	X->nres = x->nsteps;
	struct exercise_env *e = exercise_env_create(ui->cfg, w, true);
	X->done = exercise_check(e, x, X->res, &d);
	exercise_env_free(&e);
	if (d.n)
		ui_status(ui, ROLE_ERROR, "%s", d.v[0].msg);
	diags_free(&d);
	world_free(&X->w);
	X->w = w;
	xpane_rewatch(ui, X);
}

static struct xpane *xpane_get(struct ui *ui)
{
	if (!ui->xpane) {
		struct xpane *X = xcalloc(1, sizeof *X);
		X->number = 1;
		X->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		ui->xpane = X;
	}
	return ui->xpane;
}

static void xpane_show(struct ui *ui, struct xpane *X)
{
	X->open = true;
	X->hint = false;
	xpane_recheck(ui, X);
	/* Start on the first exercise not finished yet. */
	int first = X->number;
	while (X->done == X->nres && X->number < (int)exercise_count()) {
		X->number++;
		xpane_recheck(ui, X);
	}
	if (X->done == X->nres && X->number != first) {
		X->number = first;
		xpane_recheck(ui, X);
	}
	ui->dirty = true;
}

static const char *const yes_no[] = { "y", N_("Yes"), "n", N_("No"), NULL };

static void xpane_allow_answer(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	struct xpane *X = xpane_get(ui);
	if (key == 'y') {
		X->allowed = true;
		xpane_show(ui, X);
	}
}

static void xpane_toggle(struct ui *ui)
{
	struct xpane *X = xpane_get(ui);
	if (X->open) {
		X->open = false;
		ui->dirty = true;
		return;
	}
	if (!X->allowed && !exercise_tree_is_demo(ui->cfg)) {
		char *text = xasprintf(_("This tree is not a demo: the exercises will query its servers and keep their progress in %s. Continue?"),
				       ui->cfg->state_dir);
		ui_push(ui, form_ask_create(ui, _("Exercises"), text, yes_no, xpane_allow_answer, NULL, NULL));
		free(text);
		return;
	}
	xpane_show(ui, X);
}

bool xpane_key(struct ui *ui, ui_key k)
{
	if (k == 'x') {
		xpane_toggle(ui);
		return true;
	}
	struct xpane *X = ui->xpane;
	if (!X || !X->open)
		return false;
	switch (k) {
	case 'h':
		X->hint = !X->hint;
		break;
	case '[':
	case ']': {
		int n = X->number + (k == ']' ? 1 : -1);
		if (!exercise_get(n))
			return true;
		X->number = n;
		X->hint = false;
		xpane_recheck(ui, X);
		break;
	}
	default:
		return false;
	}
	ui->dirty = true;
	return true;
}

int xpane_width(struct ui *ui, int w)
{
	const struct xpane *X = ui->xpane;
	if (!X || !X->open)
		return 0;
	int pw = w >= 120 ? w * 35 / 100 : w * 42 / 100;
	return pw < 30 ? 30 : pw;
}

/* A step title's indent: its mark and number ("✓ 5. "). */
#define XPANE_STEP_INDENT 5

/* Do every step title, wrapped to w columns, and the current step's why
 * fit in rows? Else only the current step's title is wrapped: on 80x24 the
 * why (what the check found) comes before the other titles' ends. */
static bool xpane_titles_fit(const struct exercise *ex, const struct xpane *X, size_t cur, int w, int rows)
{
	int need = 1;   /* the blank row before the why */
	char **lines;
	size_t n;
	for (size_t i = 0; i < X->nres; i++) {
		n = ui_wrap(_(ex->steps[i].title), w - XPANE_STEP_INDENT > 0 ? w - XPANE_STEP_INDENT : 1, &lines);
		need += (int)(n ? n : 1);
		ui_wrap_free(lines, n);
	}
	if (cur < X->nres && X->res[cur].why) {
		n = ui_wrap(X->res[cur].why, w, &lines);
		need += (int)n;
		ui_wrap_free(lines, n);
	}
	return need <= rows;
}

/* A labelled section: the label on its own line, then the text. */
static int xpane_section(struct ui *ui, int y, int x, int w, int ymax, const char *label,
		   const char *text, enum theme_role role)
{
	if (!text || y >= ymax)
		return y;
	ui_text(ui, y++, x, w, label, ROLE_SECTION);
	char *t = exercise_expand(ui->cfg, ui->xpane->w, _(text));
	y = ui_text_para(ui, y, x, w, ymax, 1, t, role);
	free(t);
	return y;
}

void xpane_draw(struct ui *ui, int y, int x, int h, int w)
{
	struct xpane *X = ui->xpane;
	if (X->seen != ui->world_gen)   /* a commit or a reload since the last check */
		xpane_recheck(ui, X);
	const struct exercise *ex = exercise_get(X->number);
	for (int r = 0; r < h; r++)
		ui_text(ui, y + r, x, 1, ui->g->vline, ROLE_BORDER);
	x++;
	w--;
	int ymax = y + h - 1;   /* the last row is the pane's own key line */

	char *title = xasprintf(_("Exercise %d: %s"), ex->number, _(ex->title));
	char count[32];
	snprintf(count, sizeof count, " %zu/%zu", X->done, ex->nsteps);
	int cw = ui_width(count);
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - cw - 2, title, ROLE_TITLE);
	ui_text_right(ui, y, x + w - cw - 1, cw, count, ROLE_TITLE);
	free(title);
	y++;

	size_t cur = X->nres;
	for (size_t i = 0; i < X->nres; i++)
		if (X->res[i].state != EXERCISE_DONE) {
			cur = i;
			break;
		}
	bool all = xpane_titles_fit(ex, X, cur, w, ymax - y);
	for (size_t i = 0; i < X->nres && y < ymax; i++) {
		enum exercise_state st = X->res[i].state;
		const char *mark = st == EXERCISE_DONE ? (ui->utf8 ? "✓" : "x")
			: st == EXERCISE_SKIPPED ? "-" : (i == cur ? ui->g->arrow : " ");
		enum theme_role role = st == EXERCISE_DONE ? ROLE_QUOTA_OK
			: st == EXERCISE_SKIPPED ? ROLE_DIM : i == cur ? ROLE_SELECTION : ROLE_NORMAL;
		/* the title wrapped by display width under itself, not cut: a
		 * narrow pane (42% of 80 columns) cut most of them */
		char *prefix = xasprintf("%s %zu. ", mark, i + 1);
		int pw = XPANE_STEP_INDENT;
		char **lines;
		size_t n = ui_wrap(_(ex->steps[i].title), w - pw > 0 ? w - pw : 1, &lines);
		size_t shown = n;   /* lines drawn; all n are freed below */
		if (!all && i != cur && n > 1) {
			/* no room: this one on its line, cut (the current step's whole) */
			ui_text(ui, y, x, pw, prefix, role);
			ui_text(ui, y++, x + pw, w - pw, _(ex->steps[i].title), role);
			shown = 0;
		}
		for (size_t k = 0; k < shown && y < ymax; k++, y++) {
			if (role == ROLE_SELECTION)
				ui_fill(ui, y, x, w, role);
			if (k == 0)
				ui_text(ui, y, x, pw, prefix, role);
			ui_text(ui, y, x + pw, w - pw, lines[k], role);
		}
		ui_wrap_free(lines, n);
		free(prefix);
	}
	if (y < ymax)
		y++;
	if (cur == X->nres) {
		y = ui_text_para(ui, y, x, w, ymax, 0,
			 X->number < (int)exercise_count() ? _("Every step is done. ] for the next exercise.")
							   : _("Every step is done: the course's exercises are finished."),
			 ROLE_QUOTA_OK);
	} else {
		const struct exercise_step *s = &ex->steps[cur];
		const struct exercise_result *r = &X->res[cur];
		y = ui_text_para(ui, y, x, w, ymax, 0, r->why,
			 r->state == EXERCISE_SKIPPED ? ROLE_DIM : ROLE_WARNING);
		if (X->hint)
			y = xpane_section(ui, y, x, w, ymax, _("Hint:"), s->hint, ROLE_NORMAL);
		y = xpane_section(ui, y, x, w, ymax, _("The course's way:"), s->manual, ROLE_NORMAL);
		y = xpane_section(ui, y, x, w, ymax, _("With vmailadm:"), s->vmailadm, ROLE_NORMAL);
		y = xpane_section(ui, y, x, w, ymax, _("Where the course is wrong:"), s->wrong, ROLE_WARNING);
	}
	ui_text(ui, ymax, x, w, _("h hint  [ ] exercise  x close"), ROLE_DIM);
}

int xpane_pollfds(struct ui *ui, struct pollfd *fds, int max)
{
	const struct xpane *X = ui->xpane;
	if (!X || !X->open || X->ifd < 0 || max < 1)
		return 0;
	fds[0] = (struct pollfd){ .fd = X->ifd, .events = POLLIN };
	return 1;
}

int xpane_timeout(struct ui *ui)
{
	const struct xpane *X = ui->xpane;
	return X && X->open ? diskwatch_settle_timeout(X->due) : -1;
}

bool xpane_handle(struct ui *ui)
{
	struct xpane *X = ui->xpane;
	if (!X || !X->open || !diskwatch_settled(X->ifd, &X->due, SETTLE_MS))
		return false;
	xpane_recheck(ui, X);
	return true;
}

void xpane_free(struct ui *ui)
{
	struct xpane *X = ui->xpane;
	if (!X)
		return;
	xpane_results_clear(X);
	world_free(&X->w);
	if (X->ifd >= 0)
		close(X->ifd);
	free(X);
	ui->xpane = NULL;
}
