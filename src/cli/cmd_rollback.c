/* vmailadm rollback: undo a commit as a new transaction (the restores are
 * the core's, stage/rollback.c, shared with the interface's history). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_int.h"
#include "vmailadm/cli.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/rollback.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* backend pgsql: the commit's change set compensated in the database
 * (pgcommit_rollback): the rows first, then the transaction's steps. */
static int rollback_pgsql(struct cli *cli, json_t *rec, const struct transact_opts *o)
{
	struct diags d = DIAGS_INIT;
	struct strbuf preview = STRBUF_INIT;
	struct commit_result res;
	const char *rid = json_string_value(json_object_get(rec, "id"));
	if (!o->dry_run)
		fprintf(stderr, _("rolling back %s\n"), rid);
	int rc = pgcommit_rollback(cli_config(cli), rec, o->dry_run, NULL, &preview, &res, &d);
	fputs(sb_str(&preview), stdout);
	if (res.log.len)
		fputs(res.log.buf, stderr);
	cli_diags(cli, &d);
	diags_free(&d);
	if (o->dry_run && rc == 0)
		fprintf(stderr, _("dry run: nothing was changed\n"));
	else if (res.committed)
		fprintf(stderr, rc == 0 ? _("committed (%s)\n") : _("committed with errors (%s)\n"), res.id);
	else
		fprintf(stderr, _("nothing was changed\n"));
	sb_free(&preview);
	commit_result_free(&res);
	return rc == 0 ? EXIT_OK : EXIT_PROBLEMS;
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
	json_t *rec = rollback_find(all, id);
	if (!rec) {
		if (id)
			fprintf(stderr, _("%s: no commit %s in the audit log (see vmailadm log)\n"), cli->who, id);
		else
			fprintf(stderr, _("%s: no commit to roll back\n"), cli->who);
		json_decref(all);
		free(words);
		return EXIT_PROBLEMS;
	}
	const char *rid = json_string_value(json_object_get(rec, "id"));
	if (cli_config(cli)->backend == BACKEND_PGSQL) {
		rc = rollback_pgsql(cli, rec, &o);
		json_decref(all);
		free(words);
		return rc;
	}
	struct stage *s = transact_open_stage(cli);
	struct diags d = DIAGS_INIT;
	struct strbuf notes = STRBUF_INIT;
	long staged = rollback_stage(s, rec, force, &notes, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	if (staged == 0 && notes.len) {
		/* only files it made, each kept: the notes say why */
		if (!o.json)
			fputs(notes.buf, stdout);
		fprintf(stderr, _("%s: %s made files and changed none that can be restored, and each is kept (see the notes)\n"),
			cli->who, rid);
		rc = EXIT_PROBLEMS;
	} else if (staged == 0) {
		fprintf(stderr, _("%s: %s changed no file that can be restored\n"), cli->who, rid);
		rc = EXIT_PROBLEMS;
	} else if (staged < 0) {
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
