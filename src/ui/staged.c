/* The interface's session world: the files as read (reloaded after a
 * commit or when they change on disk), the stage made at the first edit,
 * the view (the world with the staged changes applied), a change staged or
 * undone, and the one way its errors are said. The forms that make the
 * changes are edit.c's; keeping them across sessions is session.c's. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ui_int.h"
#include "vmailadm/clock.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

void staged_first_diag(const struct diags *d, struct strbuf *out, const char *fallback)
{
	if (d->n == 0) {
		sb_adds(out, fallback);
		return;
	}
	/* The last error is the one that names the operation. */
	const struct diag *g = &d->v[d->n - 1];
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == DIAG_ERROR) {
			g = &d->v[i];
			break;
		}
	char *m = diag_format(g);
	sb_adds(out, m);
	free(m);
}

/* The message for a world with a file that could not be read, or NULL. */
static char *unreadable_message(const struct ui *ui)
{
	if (world_unreadable_count(ui->world) == 0)
		return NULL;
	return xasprintf(_("read-only: %s cannot be read, so what it holds is unknown; nothing can be edited"),
			 world_unreadable(ui->world, 0));
}

bool staged_refuse_unreadable(struct ui *ui)
{
	char *m = unreadable_message(ui);
	if (m)
		ui_status(ui, ROLE_ERROR, "%s", m);
	free(m);
	if (!m && ui->main)   /* an edit begins (not the start-up's check) */
		staged_prepare(ui);
	return m != NULL;
}

/* ---- the stage made before the first edit (issue 16) ----
 * The first edit used to load the staged world (a second full load, 0.1 s
 * at 10,000 mailboxes) once its key was answered; every later edit
 * updates that world in place (stage.c). It is made in a thread as soon as
 * an edit begins (its form or question opens: staged_refuse_unreadable),
 * while the user reads and types, and adopted when the edit is staged if
 * the files were not read again meanwhile. Not before: the second world
 * would double the memory of a session that edits nothing. */
struct staged_prep {
	pthread_t thread;
	struct stage *s;
	int rc;
	unsigned gen;   /* ui->world_gen it was made for */
	FILE *timing;   /* VMAILADM_UI_TIMING (stdio locks it), else NULL */
	double t_start;
};

static void *staged_prep_run(void *arg)
{
	background_thread();
	struct staged_prep *p = arg;
	struct diags d = DIAGS_INIT;
	p->rc = stage_load(p->s, &d) < 0 || !stage_world(p->s, &d) ? -1 : 0;
	diags_free(&d);
	if (p->timing) {
		fprintf(p->timing, "stage-ready %.3f\n", clock_ms() - p->t_start);
		fflush(p->timing);
	}
	return NULL;
}

void staged_prepare(struct ui *ui)
{
	/* A stage emptied by a commit is made anew too (it kept no world). */
	if ((ui->stage && stage_count(ui->stage) > 0) || ui->prep ||
	    world_unreadable_count(ui->world) > 0)
		return;
	struct staged_prep *p = xcalloc(1, sizeof *p);
	p->s = stage_create(ui->cfg);
	stage_set_share(p->s, ui->world);   /* read in the thread: freed only after it is joined */
	p->gen = ui->world_gen;
	p->timing = ui->timing;
	p->t_start = ui->t_start;
	sigset_t all, old;
	/* The thread must not take the interface's signals (SIGWINCH, SIGTERM). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&p->thread, NULL, staged_prep_run, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {   /* no thread: the first edit loads it, as before */
		stage_free(&p->s);
		free(p);
		return;
	}
	ui->prep = p;
}

/* The prepared stage (its thread waited for), or NULL when there is none,
 * it failed or the files were read again since. */
static struct stage *staged_prep_take(struct ui *ui)
{
	struct staged_prep *p = ui->prep;
	if (!p)
		return NULL;
	pthread_join(p->thread, NULL);
	ui->prep = NULL;
	struct stage *s = p->rc == 0 && p->gen == ui->world_gen ? p->s : NULL;
	if (!s)
		stage_free(&p->s);
	free(p);
	return s;
}

void staged_prep_drop(struct ui *ui)
{
	struct stage *s = staged_prep_take(ui);
	stage_free(&s);
}

struct stage *staged_stage(struct ui *ui, struct strbuf *err)
{
	char *m = unreadable_message(ui);
	if (m) {   /* stage.c refuses such a world too; say it plainly */
		sb_adds(err, m);
		free(m);
		return NULL;
	}
	if (ui->stage && (stage_count(ui->stage) > 0 || !ui->prep))
		return ui->stage;
	struct stage *s = staged_prep_take(ui);
	if (s) {   /* in place of an empty one, which holds nothing */
		stage_free(&ui->stage);
		ui->stage = s;
		return s;
	}
	if (ui->stage)
		return ui->stage;
	s = stage_create(ui->cfg);
	stage_set_share(s, ui->world);
	struct diags d = DIAGS_INIT;
	if (stage_load(s, &d) < 0) {
		staged_first_diag(&d, err, _("cannot read the files to stage changes"));
		diags_free(&d);
		stage_free(&s);
		return NULL;
	}
	diags_free(&d);
	ui->stage = s;
	return s;
}

void staged_view_changed(struct ui *ui)
{
	ui->staged = ui->stage ? stage_count(ui->stage) : 0;
	ui->view = ui->world;
	if (ui->staged) {
		struct diags d = DIAGS_INIT;
		const struct world *w = stage_world(ui->stage, &d);
		if (w) {
			ui->view = w;
		} else {
			struct strbuf m = STRBUF_INIT;
			staged_first_diag(&d, &m, _("cannot build the staged world"));
			ui_status(ui, ROLE_ERROR, "%s", sb_str(&m));
			sb_free(&m);
		}
		diags_free(&d);
	}
	if (ui->main)
		browse_refresh(ui->main);
	ui->dirty = true;
}

/* The cursor goes to what was just staged: a new domain in the domains
 * pane, a mailbox or alias in its domain, a catch-all on its row. */
static void show_staged(struct ui *ui, const struct op *op)
{
	if (op->kind == OP_CATCHALL_SET || op->kind == OP_CATCHALL_CLEAR) {
		char *at = xasprintf("@%s", op->subject);
		browse_show_subject(ui->main, at);
		free(at);
	} else {
		browse_show_subject(ui->main, op->subject);
	}
}

int staged_push(struct ui *ui, struct op *op, struct strbuf *err)
{
	struct stage *s = staged_stage(ui, err);
	if (!s) {
		op_free(&op);
		return -1;
	}
	struct strbuf desc = STRBUF_INIT;
	op_describe(op, &desc);
	struct diags d = DIAGS_INIT;
	double t[5];
	t[0] = clock_ms();
	lintmark_stop(ui);   /* the push frees the world lint reads */
	t[1] = clock_ms();
	int rc = stage_push(s, op, &d);
	t[2] = clock_ms();
	if (rc < 0)
		staged_first_diag(&d, err, _("the change cannot be staged"));
	diags_free(&d);
	/* VMAILADM_UI_TIMING: the staged world made again apart, so that the
	 * benchmark can say where a staging's time goes (a world that cannot
	 * be made is made again below, to say why: timing runs only). */
	if (ui->timing && stage_count(s) > 0) {
		struct diags quiet = DIAGS_INIT;
		stage_world(s, &quiet);
		diags_free(&quiet);
	}
	t[3] = clock_ms();
	/* Even a refused push rebuilds the stage's world: refresh the view. */
	staged_view_changed(ui);
	t[4] = clock_ms();
	if (ui->timing) {   /* VMAILADM_UI_TIMING: staged (0) or refused (-1) */
		fprintf(ui->timing, "stage-parts lint-stop %.3f push %.3f world %.3f view %.3f\n",
			t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3]);
		fprintf(ui->timing, "stage %d\n", rc);
		fflush(ui->timing);
	}
	if (rc == 0) {
		ui_status(ui, ROLE_STAGED_ADD,
			  ngettext("staged: %s  (%zu change: D previews and commits, u undoes)",
				   "staged: %s  (%zu changes: D previews and commits, u undoes)",
				   ui->staged), sb_str(&desc), ui->staged);
		const struct op *last = stage_op(s, stage_count(s) - 1);
		if (ui->main && last)
			show_staged(ui, last);
	}
	sb_free(&desc);
	return rc;
}

int staged_reload(struct ui *ui)
{
	struct world *nw;
	struct diags d = DIAGS_INIT;
	diskwatch_before_read(ui->diskwatch);
	if (world_load(ui->cfg, &nw, &d) < 0) {
		struct strbuf m = STRBUF_INIT;
		staged_first_diag(&d, &m, _("cannot read the files again"));
		ui_status(ui, ROLE_ERROR, "%s", sb_str(&m));
		sb_free(&m);
		diags_free(&d);
		staged_view_changed(ui);
		return -1;
	}
	diags_free(&d);
	staged_prep_drop(ui);   /* made from the files as they were */
	lintmark_stop(ui);   /* it may be reading the world freed here */
	live_free(&ui->live);
	/* the stage's world keeps what it borrowed; it borrows from nw now */
	if (ui->stage)
		stage_set_share(ui->stage, nw);
	world_free(&ui->world);
	ui->world = nw;
	ui->world_gen++;
	ui->view = nw;
	ui->live = live_create(nw);
	live_start(ui->live, NULL, 0);
	if (ui->diskwatch)   /* what we read now is the new reference */
		diskwatch_arm(ui->diskwatch, ui->cfg, nw);
	staged_view_changed(ui);
	return 0;
}

void staged_reread(struct ui *ui, bool by_hand)
{
	ui->reread_pending = false;
	if (staged_reload(ui) < 0)
		return;
	size_t n = ui->stage ? stage_count(ui->stage) : 0;
	int rc = 0;
	struct diags d = DIAGS_INIT;
	if (ui->stage) {
		/* The stage holds the files as they were read: bring it up to date
		 * even with nothing staged, or the next change would be made on
		 * the old text (the commit would catch it, later). */
		bool replayed;
		lintmark_stop(ui);   /* the replay rebuilds the world lint reads */
		rc = stage_refresh(ui->stage, &replayed, &d);
		staged_view_changed(ui);
	}
	if (rc < 0) {
		/* The last error names the staged change, the first says why. */
		struct strbuf m = STRBUF_INIT;
		if (d.n > 1)
			/* TRANSLATORS: a staged change that no longer applies, then why */
			sb_addf(&m, _("%s: %s"), d.v[d.n - 1].msg, d.v[0].msg);
		else
			staged_first_diag(&d, &m, _("the staged changes no longer apply"));
		ui_status(ui, ROLE_ERROR, _("%s (u undoes the last staged change)"), sb_str(&m));
		sb_free(&m);
	} else if (n && by_hand) {
		ui_status(ui, ROLE_WARNING,
			  ngettext("files read again; %zu staged change applied to them anew",
				   "files read again; %zu staged changes applied to them anew", n), n);
	} else if (n) {
		ui_status(ui, ROLE_WARNING,
			  ngettext("the files changed on disk: read again; %zu staged change applied to them anew",
				   "the files changed on disk: read again; %zu staged changes applied to them anew",
				   n), n);
	} else {
		ui_status(ui, by_hand ? ROLE_STATUS : ROLE_WARNING, "%s",
			  by_hand ? _("files read again") : _("the files changed on disk: read again"));
	}
	diags_free(&d);
}

void staged_undo(struct ui *ui)
{
	if (!ui->stage || stage_count(ui->stage) == 0) {
		ui_status(ui, ROLE_STATUS, "%s", _("nothing to undo"));
		return;
	}
	struct strbuf desc = STRBUF_INIT;
	op_describe(stage_op(ui->stage, stage_count(ui->stage) - 1), &desc);
	struct diags d = DIAGS_INIT;
	lintmark_stop(ui);   /* the undo frees the world lint reads */
	int rc = stage_undo(ui->stage, &d);
	staged_view_changed(ui);
	if (rc < 0) {
		struct strbuf m = STRBUF_INIT;
		staged_first_diag(&d, &m, _("cannot undo"));
		ui_status(ui, ROLE_ERROR, "%s", sb_str(&m));
		sb_free(&m);
	} else {
		ui_status(ui, ROLE_STATUS, _("undone: %s  (%zu staged)"), sb_str(&desc), ui->staged);
	}
	diags_free(&d);
	sb_free(&desc);
}
