/* A commit's maildir actions (create, archive, purge, restore) done, and
 * undone or finished by a rollback or a recovery; only below the mail base
 * and the archive (safeopen). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/precheck.h"
#include "vmailadm/safeopen.h"

/* rollback: an archived maildir moves back (back = true), or, when the
 * commit fails after that, to the archive again (back = false). */
int maildiract_restore(struct run *r, const char *base, const struct action *a, bool back)
{
	const char *arel = precheck_under(r->cfg->archive_dir, a->path);
	const char *rel = precheck_under(base, a->target);
	if (!arel || !rel) {
		diag_error(r->d, a->path, 0, _("maildir is not under virtual_mailbox_base %s nor archive_dir %s: refused"),
			   base, r->cfg->archive_dir);
		commit_step(r, false, NULL, "%s", a->path);
		return -1;
	}
	int rc = back ? safe_rename(r->cfg->archive_dir, arel, base, rel, r->d)
		      : safe_rename(base, rel, r->cfg->archive_dir, arel, r->d);
	if (back)
		commit_step(r, rc == 0, NULL, _("move archived maildir %s back to %s"), a->path, a->target);
	else
		commit_step(r, rc == 0, NULL, _("return maildir %s to the archive"), a->target);
	return rc;
}

/* mailbox rename: the maildir moves to its new place under the base
 * (back = false), or back again when the commit fails before its files are
 * all in place (back = true). A mailbox that never got mail has nothing to
 * move (ACT_NOTHING). */
int maildiract_rename(struct run *r, const char *base, const struct action *a, bool back,
		      enum act_state *state)
{
	const char *rel = precheck_under(base, a->path), *nrel = precheck_under(base, a->target);
	if (!rel || !nrel) {
		diag_error(r->d, a->path, 0, _("maildir is not under virtual_mailbox_base %s: refused"), base);
		commit_step(r, false, NULL, "%s", a->path);
		return -1;
	}
	struct stat st;
	if (!back && lstat(a->path, &st) < 0 && errno == ENOENT) {
		commit_step(r, true, _("no maildir yet: nothing to move"), _("move maildir %s to %s"), a->path,
			    a->target);
		*state = ACT_NOTHING;
		return 0;
	}
	int rc = back ? safe_rename(base, nrel, base, rel, r->d) : safe_rename(base, rel, base, nrel, r->d);
	if (back)
		commit_step(r, rc == 0, NULL, _("move maildir %s back to %s"), a->target, a->path);
	else
		commit_step(r, rc == 0, NULL, _("move maildir %s to %s"), a->path, a->target);
	if (!back)
		*state = rc == 0 ? ACT_DONE : ACT_FAILED;
	return rc;
}

int maildiract_run(struct run *r, const char *base, const struct action *a,
			  enum act_state *state)
{
	enum act_state ignored;
	if (!state)
		state = &ignored;
	*state = ACT_FAILED;
	const char *rel = precheck_under(base, a->path);
	if (!rel) {
		diag_error(r->d, a->path, 0, _("maildir is not under virtual_mailbox_base %s: refused"), base);
		commit_step(r, false, NULL, "%s", a->path);
		return -1;
	}
	int rc;
	switch (a->kind) {
	case ACT_MAILDIR_CREATE:
		rc = safe_make_maildir(base, rel, (uid_t)r->cfg->vmail_uid, (gid_t)r->cfg->vmail_gid, r->d);
		commit_step(r, rc == 0, NULL, _("create maildir %s"), a->path);
		break;
	case ACT_MAILDIR_ARCHIVE: {
		const char *arel = precheck_under(r->cfg->archive_dir, a->target);
		struct stat st;
		if (lstat(a->path, &st) < 0 && errno == ENOENT) {
			commit_step(r, true, _("no maildir: nothing to archive"), _("archive %s"), a->path);
			*state = ACT_NOTHING;
			return 0;
		}
		rc = arel ? safe_rename(base, rel, r->cfg->archive_dir, arel, r->d) : -1;
		commit_step(r, rc == 0, NULL, _("archive %s to %s"), a->path, a->target);
		break;
	}
	case ACT_MAILDIR_PURGE:
		rc = safe_remove_tree(base, rel, r->d);
		commit_step(r, rc == 0, NULL, _("delete maildir %s"), a->path);
		break;
	default:
		return 0;
	}
	if (rc == 0)
		*state = ACT_DONE;
	return rc;
}

/* Undo or finish one maildir action of a commit that did not finish, as
 * the disk shows it now (each step is idempotent: a recovery killed in
 * turn is recovered again). phase 0: finish it (the commit's files are all
 * in place, or its pgsql transaction committed); 1: undo an archive (before the maps name the mailbox again);
 * 2: undo a create or a restore (once the maps no longer name it). What
 * was done goes to said, or to the commit's steps when said is NULL. */
int maildiract_undo(struct run *r, const char *base, const char *kind, const char *path,
			const char *target, int phase, struct strbuf *said)
{
	const char *arch = r->cfg->archive_dir;
	struct stat st;
	bool here = lstat(path, &st) == 0, there = strcmp(target, "-") != 0 && lstat(target, &st) == 0;
	struct strbuf msg = STRBUF_INIT;
	int rc = 0;
	bool archive = !strcmp(kind, "archive-maildir"), create = !strcmp(kind, "create-maildir");
	bool purge = !strcmp(kind, "purge-maildir"), restore = !strcmp(kind, "restore-maildir");
	bool rename = !strcmp(kind, "rename-maildir");
	const char *rel = precheck_under(base, restore ? target : path);
	const char *arel = precheck_under(arch, restore ? path : target);
	const char *nrel = rename ? precheck_under(base, target) : NULL;
	if (!rel)
		return 0;
	if (rename && nrel && phase == 0 && here && !there) {
		rc = safe_rename(base, rel, base, nrel, r->d);
		sb_addf(&msg, _("moved maildir %s to %s"), path, target);
	} else if (rename && nrel && phase == 2 && there && !here) {
		/* the maps name the old place again: the mail goes back there */
		rc = safe_rename(base, nrel, base, rel, r->d);
		sb_addf(&msg, _("moved maildir %s back to %s"), target, path);
	} else if (rename && phase == 2 && there && here) {
		sb_addf(&msg, _("left the maildir %s: %s exists again (mail delivered meanwhile); move the mail by hand"),
			target, path);
		rc = -1;
	} else if (rename) {
		/* nothing to do in this phase */
	} else if (phase == 0 && archive && here && !there && arel) {
		rc = safe_rename(base, rel, arch, arel, r->d);
		sb_addf(&msg, _("archived %s to %s"), path, target);
	} else if (phase == 0 && purge && here) {
		rc = safe_remove_tree(base, rel, r->d);
		sb_addf(&msg, _("deleted maildir %s"), path);
	} else if (phase == 0 && create && !here) {
		rc = safe_make_maildir(base, rel, (uid_t)r->cfg->vmail_uid, (gid_t)r->cfg->vmail_gid, r->d);
		sb_addf(&msg, _("created maildir %s"), path);
	} else if (phase == 0 && restore && here && !there && arel) {
		rc = safe_rename(arch, arel, base, rel, r->d);
		sb_addf(&msg, _("moved the archived maildir %s back to %s"), path, target);
	} else if (phase == 1 && archive && !here && there && arel) {
		rc = safe_rename(arch, arel, base, rel, r->d);
		sb_addf(&msg, _("moved the archived maildir %s back to %s"), target, path);
	} else if (phase == 2 && create && here) {
		long n = precheck_count_messages(base, rel);
		if (n == 0) {
			rc = safe_remove_tree(base, rel, r->d);
			sb_addf(&msg, _("removed the empty maildir %s the commit had created"), path);
		} else {
			sb_addf(&msg, _("left the maildir %s: it holds %ld messages delivered meanwhile"), path, n);
		}
	} else if (phase == 2 && restore && there && !here && arel) {
		rc = safe_rename(base, rel, arch, arel, r->d);
		sb_addf(&msg, _("returned maildir %s to the archive"), target);
	}
	if (msg.len) {
		if (said)
			sb_addf(said, rc == 0 ? "%s\n" : _("could not do it: %s\n"), msg.buf);
		else
			commit_step(r, rc == 0, NULL, "%s", msg.buf);
	}
	sb_free(&msg);
	return rc;
}
