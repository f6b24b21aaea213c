/* Staged changes across sessions in the interface: an interrupted commit
 * finished at start, staged changes saved when the session is lost
 * (SIGHUP, SIGTERM) or on request at quit and offered back at the next
 * start, and what is said on the terminal once the interface closes. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/stage.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* Said on the terminal after the interface closes. */
static struct strbuf exit_message = STRBUF_INIT;

void session_save(struct ui *ui)
{
	struct diags d = DIAGS_INIT;
	size_t n = stage_count(ui->stage);
	if (stage_save_pending(ui->stage, &d) == 0) {
		sb_reset(&exit_message);
		sb_addf(&exit_message,
			ngettext("vmailadm: %zu staged change saved in %s/staged; it is offered back at the next start\n",
				 "vmailadm: %zu staged changes saved in %s/staged; they are offered back at the next start\n",
				 n), n, ui->cfg->state_dir);
	} else {
		for (size_t i = 0; i < d.n; i++) {
			char *m = diag_format(&d.v[i]);
			sb_addf(&exit_message, "vmailadm: %s\n", m);
			free(m);
		}
	}
	diags_free(&d);
}

void session_discarded(struct ui *ui)
{
	sb_reset(&exit_message);
	sb_addf(&exit_message, ngettext("vmailadm: %zu staged change discarded\n",
					"vmailadm: %zu staged changes discarded\n", ui->staged),
		ui->staged);
}

void session_recover(struct ui *ui)
{
	struct strbuf said = STRBUF_INIT, blocked = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	int rc = recover_interrupted_read(ui->cfg, &said, &blocked, &d);
	if (rc < 0) {
		struct strbuf m = STRBUF_INIT;
		staged_first_diag(&d, &m, _("an interrupted commit could not be undone"));
		ui_status(ui, ROLE_ERROR, "%s", sb_str(&m));
		sb_free(&m);
	} else if (blocked.len) {
		ui_status(ui, ROLE_WARNING, "%s", sb_str(&blocked));
	} else if (said.len) {
		while (said.len && said.buf[said.len - 1] == '\n')
			sb_truncate(&said, said.len - 1);
		for (size_t i = 0; i < said.len; i++)
			if (said.buf[i] == '\n')
				said.buf[i] = ';';
		ui_status(ui, ROLE_WARNING, "%s", sb_str(&said));
	}
	diags_free(&d);
	sb_free(&said);
	sb_free(&blocked);
}

/* The saved changes, one a line as the command line writes them
 * ("alias add ..."): their number, and the first few into list so that
 * the question can show what it offers. */
#define SESSION_LIST_MAX 8
static size_t session_pending(const struct ui *ui, struct strbuf *list)
{
	size_t n;
	char **lines = state_pending_lines(ui->cfg, &n);
	for (size_t i = 0; i < n && i < SESSION_LIST_MAX; i++)
		sb_addf(list, "  %s\n", lines[i]);
	if (n > SESSION_LIST_MAX)
		sb_addf(list, _("  ... and %zu more\n"), n - SESSION_LIST_MAX);
	state_pending_lines_free(lines);
	return n;
}

static const char *const session_restore_choices[] = {
	"y", N_("Restore"), "n", N_("Discard"), "Esc", N_("Ask again next time"), NULL,
};

static void session_restore_answer(struct ui *ui, void *ctx, int key)
{
	(void)ctx;
	if (key == 'n') {
		char *path = state_pending_path(ui->cfg);
		if (state_pending_discard(ui->cfg) < 0)
			ui_status(ui, ROLE_ERROR, "%s: %s", path, strerror(errno));
		else
			ui_status(ui, ROLE_STATUS, "%s", _("the earlier staged changes were discarded"));
		free(path);
		return;
	}
	if (key != 'y') {
		ui_status(ui, ROLE_STATUS, "%s", _("kept: they are offered again at the next start"));
		return;
	}
	struct strbuf err = STRBUF_INIT;
	struct stage *s = staged_stage(ui, &err);
	if (!s) {
		ui_status(ui, ROLE_ERROR, "%s", sb_str(&err));
		sb_free(&err);
		return;
	}
	size_t n = 0;
	struct diags d = DIAGS_INIT;
	lintmark_stop(ui);   /* restoring rebuilds the world lint reads */
	int rc = stage_restore_pending(s, &n, &d);
	staged_view_changed(ui);
	if (rc < 0) {
		staged_first_diag(&d, &err, _("the saved changes could not be restored"));
		ui_status(ui, ROLE_ERROR, _("%s (%zu restored; the file is kept)"), sb_str(&err), n);
	} else {
		ui_status(ui, ROLE_STAGED_ADD,
			  ngettext("restored %zu staged change: D previews and commits it",
				   "restored %zu staged changes: D previews and commits them", n), n);
	}
	diags_free(&d);
	sb_free(&err);
}

void session_offer(struct ui *ui)
{
	if (!stage_has_pending(ui->cfg))
		return;
	struct strbuf list = STRBUF_INIT, text = STRBUF_INIT;
	size_t n = session_pending(ui, &list);
	sb_addf(&text, ngettext("%zu staged change from an earlier session:\n",
				"%zu staged changes from an earlier session:\n", n), n);
	sb_adds(&text, sb_str(&list));
	sb_adds(&text, ngettext("Restore it? y/n", "Restore them? y/n", n));
	ui_push(ui, form_ask_create(ui, _("Staged changes"), sb_str(&text), session_restore_choices,
				    session_restore_answer, NULL, NULL));
	sb_free(&list);
	sb_free(&text);
}

void session_save_on_signal(struct ui *ui)
{
	if (ui->stage && stage_count(ui->stage) > 0)
		session_save(ui);
}

void session_cleanup(struct ui *ui)
{
	if (exit_message.len)
		fputs(sb_str(&exit_message), stderr);
	sb_free(&exit_message);
	staged_prep_drop(ui);
	stage_free(&ui->stage);
}
