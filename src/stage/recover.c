/* The recovery of a commit that was killed: its journal read, every file
 * it wrote put back (or, when all were in place and mail had to move, the
 * commit finished), maildirs with the files, leftovers removed, and an
 * audit record saying how it ended. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commit_int.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* Put back one file of the journal ("file KIND BACKUP OLD NEW PATH"). */
static int recover_file(struct run *r, const char *path, unsigned lineno, const char *line,
			struct strbuf *said)
{
	char kind[64], backup[4096], old_sha[65], new_sha[65];
	int off = 0;
	if (sscanf(line, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) < 4 || off == 0) {
		diag_error(r->d, path, lineno, _("unreadable journal line"));
		return -1;
	}
	const char *file = line + off;
	/* kind is "-" for a plain file, else "postmap:hash" / "postalias:hash". */
	char *type = strchr(kind, ':');
	bool alias_db = strncmp(kind, "postalias:", 10) == 0;
	if (type)
		*type++ = '\0';
	char now[65];
	bool exists;
	if (journal_file_sha(file, now, &exists) < 0)
		return -1;
	if (strcmp(now, new_sha) == 0) {
		/* Written by the killed commit: put the old bytes back. */
		int frc = 0;
		if (strcmp(backup, "-") == 0) {
			frc = unlink(file);
		} else {
			struct doc *b;
			if (doc_load(backup, false, &b, r->d) < 0) {
				frc = -1;
			} else {
				struct strbuf sb = STRBUF_INIT;
				doc_render(b, &sb);
				frc = !type ? atomic_write(file, sb_str(&sb), sb.len, NULL, true, r->d)
					    : build_map(r, file, type, sb_str(&sb), sb.len,
							alias_db ? r->cfg->postalias : r->cfg->postmap, kind);
				sb_free(&sb);
				doc_free(&b);
			}
		}
		sb_addf(said, frc == 0 ? _("restored %s\n") : _("could not restore %s\n"), file);
		return frc < 0 ? -1 : 0;
	}
	if (strcmp(now, old_sha) != 0)
		sb_addf(said, _("left %s alone: it changed since the interrupted commit\n"), file);
	return 0;
}

/* A map the commit built where there was none ("newmap OLD_SHA SUFFIX
 * SOURCE"): once the source has its old bytes again, the map goes too (a
 * rollback leaves no file that was not there before; restoring the source
 * rebuilt it). A source someone changed since keeps its map. */
static void recover_newmap(const char *line, struct strbuf *said)
{
	char old_sha[65], suffix[16];
	int off = 0;
	if (sscanf(line, "%64s %15s %n", old_sha, suffix, &off) < 2 || off == 0)
		return;
	const char *source = line + off;
	char now[65];
	bool exists;
	if (journal_file_sha(source, now, &exists) < 0 || strcmp(now, old_sha) != 0)
		return;
	char *db = xasprintf("%s%s", source, suffix);
	if (unlink(db) == 0)
		sb_addf(said, _("removed %s, which was not there before\n"), db);
	free(db);
}

/* The recovery proper, under the lock when lock >= 0 (-2: the lock file
 * cannot be opened, and a journal is still looked at, as always). */
int recover_journal(const struct config *cfg, int lock, struct strbuf *said, struct diags *d)
{
	char *path = state_path(cfg, "journal");
	struct doc *j;
	if (doc_load(path, true, &j, d) < 0) {
		free(path);
		return -1;
	}
	if (!doc_exists(j)) {
		leftover_recover(cfg, NULL, lock >= 0, said);
		doc_free(&j);
		free(path);
		return 0;
	}
	struct commit_result res = { 0 };
	struct commit_opts opts = { 0 };
	struct run r = { cfg, &opts, &res, d, NULL, 0, 0, NULL };
	int rc = 0;
	char *id = NULL, *base = NULL;
	/* Killed once every file was in place, with mail to archive or delete:
	 * the commit is finished (the mailbox wholly removed, its mail
	 * archived); otherwise it is undone, maildirs with the files. */
	bool all_new, moves;
	journal_scan(j, &id, &base, &all_new, &moves);
	/* backend pgsql: the database says whether the commit happened; if
	 * so its maildir actions are finished, if not none was started. */
	int pg = pgcommit_landed(cfg, j, id, said, d);
	if (pg == -1) {
		free(id);
		free(base);
		doc_free(&j);
		free(path);
		return -1;
	}
	bool forward = pg == -2 ? all_new && moves && base : pg == 1 && base;
	int last = forward ? 0 : pg == -2 ? 2 : -1;
	for (int phase = forward ? 0 : 1; phase <= last; phase++) {
		for (size_t i = 0; i < doc_count(j); i++) {
			size_t len;
			const char *t = doc_text(j, i, &len);
			char *line = xmemdup0(t, len);
			char *f[4] = { NULL };
			char *save = NULL;
			if (strncmp(line, "maildir\t", 8) == 0 && base) {
				f[0] = strtok_r(line + 8, "\t", &save);
				f[1] = strtok_r(NULL, "\t", &save);
				f[2] = strtok_r(NULL, "\t", &save);
				if (f[2] && maildiract_undo(&r, base, f[0], f[1], f[2], phase, said) < 0)
					rc = -1;
			}
			if (phase == 1 && strncmp(line, "file ", 5) == 0 &&
			    recover_file(&r, path, (unsigned)i + 1, line + 5, said) < 0)
				rc = -1;
			if (phase == 1 && strncmp(line, "newmap ", 7) == 0)
				recover_newmap(line + 7, said);
			free(line);
		}
	}
	if (pg == 1 && pgfiles_recover(&r, j, said) < 0)
		rc = -1;
	if (forward && pg == -2) {
		commit_run_program(&r, cfg->postfix_reload, _("reload Postfix"));
		commit_run_program(&r, cfg->dovecot_reload, _("reload Dovecot"));
		/* then the files a rolled back commit made ("remove SHA PATH"),
		 * as the commit does after its reloads */
		for (size_t i = 0; i < doc_count(j); i++) {
			size_t len;
			const char *t = doc_text(j, i, &len);
			if (len > 7 + 65 && strncmp(t, "remove ", 7) == 0 && t[7 + 64] == ' ') {
				char sha[65], *file = xmemdup0(t + 7 + 65, len - 7 - 65);
				memcpy(sha, t + 7, 64);
				sha[64] = '\0';
				if (install_remove(&r, file, sha, said) < 0)
					rc = -1;
				free(file);
			}
		}
	}
	/* The rows changed: Dovecot may still answer from its cache what it
	 * read before them (an old password). A commit that never reached
	 * the database (pg 0) changed nothing Dovecot could have cached. */
	if (pg == 1 && id)
		pgcommit_recover_flush(&r, id, said);
	leftover_recover(cfg, j, lock >= 0, said);
	/* backend pgsql, the commit not in the database: the directories it
	 * made for its files go again (their temporary files gone first) */
	if (pg == 0 && lock >= 0)
		pgfiles_recover_dirs(j, said);
	if (rc == 0) {
		/* The commit's own record, if it got that far, said "committed";
		 * this one says how it really ended. */
		audit_recovered(cfg, j, id ? id : "?", forward || pg == 1 ? "finished by recovery" : "rolled back by recovery", d);
		unlink(path);
		if (pg == -2)
			sb_addf(said, forward ? _("finished the interrupted commit %s: its files were all in place\n")
					      : _("rolled back the interrupted commit %s\n"), id ? id : "?");
	}
	free(id);
	free(base);
	doc_free(&j);
	free(path);
	free(r.spans);
	commit_result_free(&res);
	return rc;
}

/* ---- the entry points: a recovery under the lock -------------------------- */

int recover_interrupted(const struct config *cfg, struct strbuf *said, struct diags *d)
{
	struct stat st;
	if (stat(cfg->state_dir, &st) < 0)
		return 0; /* no commit ever ran here */
	/* A commit running now owns its journal and temporary files. */
	int lock = state_lock_try(cfg);
	if (lock == -1)
		return 0;
	int rc = recover_journal(cfg, lock, said, d);
	state_lock_release(lock);
	return rc;
}

int recover_interrupted_read(const struct config *cfg, struct strbuf *said,
			     struct strbuf *blocked, struct diags *d)
{
	struct stat st;
	if (stat(cfg->state_dir, &st) < 0)
		return 0;
	bool journal = state_journal_exists(cfg);
	/* Only under the lock: a reader without it must not write the files
	 * a commit may be writing, nor undo that commit's journal. */
	int lock = state_lock_try(cfg);
	if (lock == -1 && journal) {
		char who[256];
		state_lock_holder(cfg, who, sizeof who);
		sb_addf(blocked, _("a commit is running or was interrupted (the lock is held: %s): what is shown may be half changed; run vmailadm again once it is done to finish it"),
			who);
	} else if (lock == -2 && journal) {
		sb_addf(blocked, _("a commit was interrupted (%s/journal): what is shown may be half changed; run vmailadm as a user who can write %s to finish it"),
			cfg->state_dir, cfg->state_dir);
	}
	if (lock < 0)
		return 0;
	int rc = recover_journal(cfg, lock, said, d);
	state_lock_release(lock);
	if (rc < 0)
		sb_addf(blocked, _("the interrupted commit could not be finished (see above): what is shown may be half changed"));
	return rc;
}
