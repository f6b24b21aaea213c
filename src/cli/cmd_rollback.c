/* vmailadm rollback: undo a commit as a new transaction. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_int.h"
#include "vmailadm/cli.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/op.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* The audit record of commit id, or of the last commit that wrote files
 * when id is NULL; NULL (message printed) when there is none. */
static json_t *rollback_find_commit(struct cli *cli, json_t *all, const char *id)
{
	for (size_t i = json_array_size(all); i-- > 0;) {
		json_t *rec = json_array_get(all, i);
		const char *rid = json_string_value(json_object_get(rec, "id"));
		const char *result = json_string_value(json_object_get(rec, "result"));
		if (id ? rid && strcmp(rid, id) == 0
		       : result && strncmp(result, "rolled back", 11) != 0)   /* "... by recovery" too */
			return rec;
	}
	if (id)
		fprintf(stderr, _("%s: no commit %s in the audit log (see vmailadm log)\n"), cli->who, id);
	else
		fprintf(stderr, _("%s: no commit to roll back\n"), cli->who);
	return NULL;
}

/* vmailadm rollback [ID] [--dry-run] [--force]: put the files of a commit
 * back to their backups and its archived maildirs back in place, as a new
 * transaction (diff, commit, audit) of file and maildir restores. A file that
 * changed since that commit is refused unless --force. */
int cmd_rollback(struct cli *cli, int argc, char **argv)
{
	transact_timing_start();
	struct transact_opts o = { .json = cli->json };
	int n, rc;
	char **words = transact_words(cli, argc, argv, &o, &n, &rc);
	bool force = false;
	const char *id = NULL;
	for (int i = 1; i < n && rc == 0; i++) {
		if (strcmp(words[i], "--force") == 0)
			force = true;
		else if (words[i][0] == '-' || id)
			rc = cli_usage_error(cli, _("unexpected argument '%s'"), words[i]);
		else
			id = words[i];
	}
	if (rc) {
		free(words);
		return rc;
	}
	if (transact_recover(cli) < 0) {
		free(words);
		return EXIT_PROBLEMS;
	}
	json_t *all = cli_audit_records(cli);
	json_t *rec = rollback_find_commit(cli, all, id);
	if (!rec) {
		json_decref(all);
		free(words);
		return EXIT_PROBLEMS;
	}
	const char *rid = json_string_value(json_object_get(rec, "id"));
	struct stage *s = transact_open_stage(cli);
	struct diags d = DIAGS_INIT;
	struct strbuf notes = STRBUF_INIT;
	size_t k;
	json_t *f;
	json_array_foreach(json_object_get(rec, "files"), k, f) {
		const char *path = json_string_value(json_object_get(f, "path"));
		const char *backup = json_string_value(json_object_get(f, "backup"));
		const char *after = json_string_value(json_object_get(f, "sha256_after"));
		if (!path)
			continue;
		if (!backup) {
			sb_addf(&notes, _("note: %s did not exist before %s; it is left in place\n"), path, rid);
			continue;
		}
		if (access(backup, R_OK) != 0) {
			diag_error(&d, backup, 0, _("the backup of %s is gone (only the last backups_keep are kept): %s cannot be rolled back"),
				   path, rid);
			rc = EXIT_PROBLEMS;
			break;
		}
		struct op *op = op_new(OP_FILE_RESTORE, path);
		op_add_target(op, backup);
		if (!force && after)
			op->sha256 = xstrdup(after);
		if (stage_push(s, op, &d) < 0) {
			rc = EXIT_PROBLEMS;
			break;
		}
	}
	json_t *m;
	json_array_foreach(json_object_get(rec, "maildirs"), k, m) {
		if (rc)
			break;
		const char *action = json_string_value(json_object_get(m, "action"));
		const char *maildir = json_string_value(json_object_get(m, "maildir"));
		const char *archive = json_string_value(json_object_get(m, "archive"));
		if (!action || !maildir)
			continue;
		if (strcmp(action, "create") == 0) {
			sb_addf(&notes, _("note: maildir %s, created by %s, is left in place (it may hold mail by now)\n"),
				maildir, rid);
		} else if (strcmp(action, "purge") == 0) {
			sb_addf(&notes, _("note: maildir %s was deleted by %s and cannot come back\n"), maildir, rid);
		} else if (strcmp(action, "archive") == 0 && archive) {
			struct op *op = op_new(OP_MAILDIR_RESTORE, maildir);
			op_add_target(op, archive);
			if (stage_push(s, op, &d) < 0)
				rc = EXIT_PROBLEMS;
		} else if (strcmp(action, "restore") == 0 && archive) {
			sb_addf(&notes, _("note: maildir %s, moved back by %s, stays where it is\n"), maildir, rid);
		}
	}
	cli_diags(cli, &d);
	diags_free(&d);
	if (rc == 0 && stage_count(s) == 0) {
		fprintf(stderr, _("%s: %s changed no file that can be restored\n"), cli->who, rid);
		rc = EXIT_PROBLEMS;
	}
	if (rc == 0) {
		if (!o.json)
			fprintf(stderr, _("rolling back %s\n"), rid);
		if (notes.len && !o.json)
			fputs(notes.buf, stdout);
		rc = transact_finish(cli, s, &o, NULL, 0);
	} else {
		fprintf(stderr, _("nothing was changed\n"));
	}
	sb_free(&notes);
	stage_free(&s);
	json_decref(all);
	free(words);
	return rc;
}
