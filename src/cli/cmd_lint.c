/* `vmailadm lint [--json] [--fix [--commit]]`: the problems lint finds, as
 * "file:line: severity: [rule] message (fix: ...)" or a JSON array. --fix
 * stages the repairs lint knows and shows the plan like --dry-run; only
 * --fix --commit writes, through the stage's commit: file edits, map
 * rebuilds and maildirs in one transaction. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmailadm/cli.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lint.h"
#include "vmailadm/lint_fixes.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static void put_printable(FILE *fp, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add_printable(&sb, s, strlen(s));
	fputs(sb_str(&sb), fp);
	sb_free(&sb);
}

static void print_report(const struct lint_report *r, bool json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < r->n; i++) {
			const struct lint_problem *p = &r->v[i];
			json_t *o = json_object();
			json_object_set_new(o, "rule", json_string(lint_problem_rule(p)));
			json_object_set_new(o, "severity", json_string(lint_severity_name(p->severity)));
			json_object_set_new(o, "file", p->file ? json_string(p->file) : json_null());
			json_object_set_new(o, "line", p->line ? json_integer(p->line) : json_null());
			char *msg = lint_problem_message(p), *fix = lint_problem_fix(p);
			json_object_set_new(o, "message", json_string(msg));
			json_object_set_new(o, "fix", json_string(fix));
			free(msg);
			free(fix);
			if (p->subject) {   /* a map on the snapshot: named as the server's */
				char *named = diag_name_text(p->subject);
				json_object_set_new(o, "subject", json_string(named ? named : p->subject));
				free(named);
			}
			json_array_append_new(arr, o);
		}
		cli_json_print(arr);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_problem *p = &r->v[i];
		put_printable(stdout, p->file ? p->file : "-");
		if (p->line)
			printf(":%u", p->line);
		printf(": %s: [%s] ", lint_severity_name(p->severity), lint_problem_rule(p));
		char *msg = lint_problem_message(p), *fix = lint_problem_fix(p);
		put_printable(stdout, msg);
		if (fix[0]) {
			fputs(_(" (fix: "), stdout);
			put_printable(stdout, fix);
			fputs(")", stdout);
		}
		free(msg);
		free(fix);
		fputs("\n", stdout);
	}
}

static void show_progress(void *ctx, const char *what, bool ok, const char *detail)
{
	(void)ctx;
	fprintf(stderr, "%s %s%s%s\n", ok ? "  ok  " : "  FAIL", what, detail ? ": " : "",
		detail ? detail : "");
}

/* Every fix is an operation: the plan below is what the commit does, all
 * of it under one lock, journal and audit record. */
static int do_fix(struct cli *cli, const struct world *w, const struct lint_report *r, bool json,
		  bool commit)
{
	const struct config *cfg = cli_config(cli);
	struct diags d = DIAGS_INIT;
	struct lint_fixes f;
	lint_fixes(w, cfg, r, &f, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	struct stage *s = stage_create(cfg);
	stage_set_transient(s, true);   /* staged and committed in one go */
	if (stage_load(s, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		stage_free(&s);
		lint_fixes_free(&f);
		return EXIT_USAGE;
	}
	size_t refused = 0;
	for (size_t i = 0; i < f.nops; i++) {
		struct op *op = f.ops[i];
		f.ops[i] = NULL;   /* the stage owns or frees it now */
		if (stage_push(s, op, &d) < 0) {
			cli_diags(cli, &d);
			diags_free(&d);
			refused++;
		}
	}
	const struct plan *p = stage_plan(s);
	struct strbuf diff = STRBUF_INIT, acts = STRBUF_INIT;
	plan_diff(p, &diff);
	plan_describe_actions(p, cfg, &acts);
	if (json) {
		json_t *o = cli_json_plan(s, p, sb_str(&diff));
		cli_json_print(o);
	} else {
		for (size_t i = 0; i < stage_count(s); i++) {
			struct strbuf desc = STRBUF_INIT;
			op_describe(stage_op(s, i), &desc);
			fputs("* ", stdout);
			put_printable(stdout, sb_str(&desc));
			fputs("\n", stdout);
			sb_free(&desc);
		}
		fputs(sb_str(&diff), stdout);
		fputs(sb_str(&acts), stdout);
		if (stage_count(s) == 0)
			fputs(_("lint: nothing it can fix by itself\n"), stderr);
	}
	sb_free(&diff);
	sb_free(&acts);
	int rc = refused ? EXIT_PROBLEMS : EXIT_OK;
	if (!commit) {
		if (!json && stage_count(s))
			fputs(_("not committed: run 'vmailadm lint --fix --commit' to apply\n"), stderr);
	} else if (stage_count(s) > 0) {
		struct commit_opts copts = { .lock_wait_seconds = (int)cfg->lock_wait,
					     .progress = json ? NULL : show_progress };
		struct commit_result res;
		int crc = stage_commit(s, &copts, &res, &d);
		cli_diags(cli, &d);
		diags_free(&d);
		fprintf(stderr, crc == 0 ? _("committed (%s)\n") : _("not committed (%s)\n"),
			res.id ? res.id : "-");
		commit_result_free(&res);
		if (crc != 0)
			rc = EXIT_PROBLEMS;
	}
	stage_free(&s);
	lint_fixes_free(&f);
	return rc;
}

int cmd_lint(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "fix", no_argument, NULL, 'f' },
		{ "commit", no_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "jfq", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), fix = cli_arg(&a, "fix") != NULL;
	bool commit = cli_arg(&a, "commit") != NULL, quiet = cli_arg(&a, "quiet") != NULL;
	if (a.nops > 0)
		return cli_usage_error(cli, _("unexpected argument '%s'"), a.ops[0]);
	if (commit && !fix)
		return cli_usage_error(cli, _("--commit goes with --fix"));

	struct config *cfg = cli_config_dovecot(cli);
	struct diags d = DIAGS_INIT;
	cli_recover_read(cli);
	struct world *w = NULL;
	if (world_load(cfg, &w, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		return EXIT_USAGE;
	}
	struct lint_report r;
	lint_run(w, cfg, &d, &r);
	diags_free(&d);
	int rc = lint_count_problems(&r) ? EXIT_PROBLEMS : EXIT_OK;
	if (fix) {
		if (!json)
			print_report(&r, false);
		int frc = do_fix(cli, w, &r, json, commit);
		if (frc != EXIT_OK)
			rc = frc;
	} else {
		print_report(&r, json);
		/* Silence on a terminal looks like a hang or a crash; a script
		 * (stdout not a terminal) or --quiet gets nothing. */
		if (!json && r.n == 0 && !quiet && isatty(STDOUT_FILENO))
			puts(_("no problems found"));
	}
	lint_report_free(&r);
	world_free(&w);
	return rc;
}
