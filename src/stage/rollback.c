/* Undoing a commit from its audit record (rollback.h): one owner for what
 * `vmailadm rollback` and the interface's commit history stage. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "vmailadm/i18n.h"
#include "vmailadm/op.h"
#include "vmailadm/config.h"
#include "vmailadm/rollback.h"
#include "vmailadm/sha256.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

json_t *rollback_find(json_t *records, const char *id)
{
	for (size_t i = json_array_size(records); i-- > 0;) {
		json_t *rec = json_array_get(records, i);
		const char *rid = json_string_value(json_object_get(rec, "id"));
		const char *result = json_string_value(json_object_get(rec, "result"));
		if (id ? rid && strcmp(rid, id) == 0
		       : result && strncmp(result, "rolled back", 11) != 0)   /* "... by recovery" too */
			return rec;
	}
	return NULL;
}

bool rollback_file(json_t *rec, size_t k, const char *rid, struct strbuf *notes, const char **path,
		   const char **backup, const char **after)
{
	json_t *f = json_array_get(json_object_get(rec, "files"), k);
	*path = json_string_value(json_object_get(f, "path"));
	*backup = json_string_value(json_object_get(f, "backup"));
	*after = json_string_value(json_object_get(f, "sha256_after"));
	if (*path && !*backup)
		sb_addf(notes, _("note: %s did not exist before %s; it is left in place\n"), *path, rid);
	return *path && *backup;
}

/* A file rec's commit made (no backup): removed, with the maps built from
 * it, when it still holds the bytes that commit gave it and main.cf as
 * the rollback leaves it no longer names it (the restores are staged
 * first); otherwise kept, and the note says why. */
static int rollback_made(struct stage *s, const char *path, const char *after, const char *rid,
			 struct strbuf *notes, struct diags *d, long *n)
{
	char now[65];
	struct strbuf bytes = STRBUF_INIT;
	FILE *fp = fopen(path, "re");
	if (!fp) {
		if (errno == ENOENT)
			sb_addf(notes, _("note: %s, made by %s, is gone already\n"), path, rid);
		else
			sb_addf(notes, _("note: %s, made by %s, cannot be read: it is left in place\n"), path, rid);
		return 0;
	}
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(&bytes, buf, got);
	fclose(fp);
	sha256_hex(sb_str(&bytes), bytes.len, now);
	sb_free(&bytes);
	if (!after || strcmp(now, after) != 0) {
		sb_addf(notes, _("note: %s, made by %s, changed since (a later commit or a hand edit): it is left in place, "
				 "since removing it would lose that change; remove it and the maps built from it by hand "
				 "if nothing needs it\n"), path, rid);
		return 0;
	}
	if (stagefile_maincf_names(s, path)) {
		sb_addf(notes, _("note: %s, made by %s, is left in place: main.cf, as this rollback leaves it, still "
				 "names it, and Postfix stops at a map it cannot open\n"), path, rid);
		return 0;
	}
	struct op *op = op_new(OP_FILE_REMOVE, path);
	op->sha256 = xstrdup(after);
	if (stage_push(s, op, d) < 0)
		return -1;
	++*n;
	return 0;
}

/* The restores of rec's files, then the removals of those it made; -1
 * when a backup is gone. */
static int rollback_files(struct stage *s, json_t *rec, const char *rid, bool force,
			  struct strbuf *notes, struct diags *d, long *n)
{
	const char *path, *backup, *after;
	size_t k;
	json_t *f;
	json_array_foreach(json_object_get(rec, "files_removed"), k, f) {
		diag_error(d, json_string_value(f), 0, _("%s removed this file, made by the commit it rolled back, and cannot "
							 "make it again: make it with the edit that first made it (e.g. "
							 "vmailadm sendas enable)"), rid);
		return -1;
	}
	for (k = 0; k < json_array_size(json_object_get(rec, "files")); k++) {
		f = json_array_get(json_object_get(rec, "files"), k);
		if (json_is_null(json_object_get(f, "backup")) && json_string_value(json_object_get(f, "path")))
			continue;   /* made by the commit: below, once main.cf's restore is staged */
		if (!rollback_file(rec, k, rid, notes, &path, &backup, &after))
			continue;
		if (access(backup, R_OK) != 0) {
			diag_error(d, backup, 0, _("the backup of %s is gone (only the last backups_keep are kept): %s cannot be rolled back"),
				   path, rid);
			return -1;
		}
		struct op *op = op_new(OP_FILE_RESTORE, path);
		op_add_target(op, backup);
		if (!force && after)
			op->sha256 = xstrdup(after);
		if (stage_push(s, op, d) < 0)
			return -1;
		++*n;
	}
	json_array_foreach(json_object_get(rec, "files"), k, f)
		if (json_is_null(json_object_get(f, "backup")) && json_string_value(json_object_get(f, "path")) &&
		    rollback_made(s, json_string_value(json_object_get(f, "path")),
				  json_string_value(json_object_get(f, "sha256_after")), rid, notes, d, n) < 0)
			return -1;
	return 0;
}

/* The restores of the Maildirs rec archived; what else it did to Maildirs
 * stays, said in notes. */
static int rollback_maildirs(struct stage *s, json_t *rec, const char *rid, struct strbuf *notes,
			     struct diags *d, long *n)
{
	size_t k;
	json_t *m;
	json_array_foreach(json_object_get(rec, "maildirs"), k, m) {
		const char *action = json_string_value(json_object_get(m, "action"));
		const char *maildir = json_string_value(json_object_get(m, "maildir"));
		const char *archive = json_string_value(json_object_get(m, "archive"));
		if (!action || !maildir)
			continue;
		if (strcmp(action, "create") == 0) {
			sb_addf(notes, _("note: maildir %s, created by %s, is left in place (it may hold mail by now)\n"),
				maildir, rid);
		} else if (strcmp(action, "purge") == 0) {
			sb_addf(notes, _("note: maildir %s was deleted by %s and cannot come back\n"), maildir, rid);
		} else if (strcmp(action, "archive") == 0 && archive) {
			struct op *op = op_new(OP_MAILDIR_RESTORE, maildir);
			op_add_target(op, archive);
			if (stage_push(s, op, d) < 0)
				return -1;
			++*n;
		} else if (strcmp(action, "rename") == 0) {
			/* The files put back would name the old place while the
			 * mail stays at the new one: a rename is undone by
			 * another rename, which moves both. */
			const char *from = json_string_value(json_object_get(m, "from"));
			diag_error(d, NULL, 0, _("%s moved the maildir %s to %s (a mailbox rename): undo it with vmailadm mailbox rename, not rollback"),
				   rid, from ? from : "?", maildir);
			return -1;
		} else if (strcmp(action, "restore") == 0 && archive) {
			sb_addf(notes, _("note: maildir %s, moved back by %s, stays where it is\n"), maildir, rid);
		}
	}
	return 0;
}

long rollback_stage(struct stage *s, json_t *rec, bool force, struct strbuf *notes, struct diags *d)
{
	const char *rid = json_string_value(json_object_get(rec, "id"));
	if (!rid)
		rid = "?";
	if (stage_config(s)->backend == BACKEND_PGSQL) {
		/* Its files would be the snapshot's: there a rollback is
		 * its own transaction from the change set (pgcommit_rollback,
		 * which both front ends call instead). */
		diag_error(d, NULL, 0, _("backend pgsql: a rollback is not staged, it is committed "
					 "from the commit's change set (nothing was changed)"));
		return -1;
	}
	long n = 0;
	int rc = rollback_files(s, rec, rid, force, notes, d, &n);
	if (rc == 0)
		rc = rollback_maildirs(s, rec, rid, notes, d, &n);
	if (rc < 0) {
		/* all or nothing: the restores staged so far go again */
		struct diags ignore = DIAGS_INIT;
		while (n-- > 0)
			stage_undo(s, &ignore);
		diags_free(&ignore);
		return -1;
	}
	return n;
}
