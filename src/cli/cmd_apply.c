/* vmailadm apply FILE|- : one edit per line (the words of the editing
 * commands), committed as one transaction (the loop is transact_batch). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "vmailadm/cli.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/op.h"
#include "vmailadm/xalloc.h"

/* One batch line. Batch lines may not read passwords from stdin: they
 * carry hashes or ask for generated ones (standard input may be the batch
 * itself, and one stream cannot serve many lines' passwords). */
static int apply_line(struct cli *cli, struct stage *s, const struct transact_opts *o,
		      const char *file, char *line, unsigned line_no, char **generated)
{
	int rc = EXIT_OK;
	struct diags d = DIAGS_INIT;
	int wc;
	char **lw = op_split_words(line, &wc, file, line_no, &d);
	if (!lw) {
		cli_diags(cli, &d);
		rc = EXIT_USAGE;
	} else if (wc > 0) {
		/* transact_take_options drops the front options from the array
		 * it is given: give it a copy, lw keeps every word to free. */
		char **ops = xcalloc((size_t)wc + 1, sizeof *ops);
		memcpy(ops, lw, (size_t)wc * sizeof *ops);
		struct transact_opts lo = *o;
		lo.password_stdin = false;
		lo.generate_password = false;
		int m = wc;
		if ((rc = transact_take_options(cli, &m, ops, &lo, file, line_no)) != EXIT_OK) {
			/* the message is printed */
		} else if (lo.password_stdin) {
			fprintf(stderr, _("%s:%u: --password-stdin cannot be used in a batch: give --password-hash or --generate-password on the line\n"),
				file, line_no);
			rc = EXIT_USAGE;
		} else if (!lo.generate_password && m >= 2 && strcmp(ops[0], "mailbox") == 0 &&
			   strcmp(ops[1], "passwd") == 0 && !strstr(line, "--password-hash")) {
			fprintf(stderr, _("%s:%u: 'mailbox passwd' in a batch needs --password-hash or --generate-password\n"),
				file, line_no);
			rc = EXIT_USAGE;
		} else {
			lo.dry_run = o->dry_run;
			rc = transact_stage_words(cli, s, m, ops, &lo, file, line_no, generated);
		}
		free(ops);
	}
	op_words_free(lw);
	diags_free(&d);
	return rc;
}

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	transact_timing_start();
	struct transact_opts o = { .json = cli->json };
	int n, rc;
	char **words = transact_words(cli, argc, argv, &o, &n, &rc);
	if (rc || n != 2) {
		free(words);
		return rc ? rc : cli_usage_error(cli, _("give one FILE, or - for standard input"));
	}
	const char *file = strcmp(words[1], "-") == 0 ? _("standard input") : words[1];
	rc = transact_batch(cli, &o, words[1], file, apply_line, _("%s: %s holds no edits\n"),
			    _("nothing was changed: the batch is applied whole or not at all\n"));
	free(words);
	return rc;
}
