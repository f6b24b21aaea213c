/* The editing commands: domain, mailbox, alias, catchall, sysalias VERB
 * ... Each stages one operation, prints the exact diff and actions, and
 * commits unless --dry-run (transact.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "vmailadm/cli.h"
#include "vmailadm/i18n.h"
#include "vmailadm/passhash.h"
#include "vmailadm/stage.h"

/* vmailadm domain|mailbox|alias|catchall|sysalias VERB ... */
int cmd_edit(struct cli *cli, int argc, char **argv)
{
	transact_timing_start();
	struct transact_opts o = { .json = cli->json };
	int n, rc;
	char **words = transact_words(cli, argc, argv, &o, &n, &rc);
	if (rc) {
		free(words);
		return rc;
	}
	const char *verbs[8];
	size_t nverbs = op_verbs(argv[0], verbs, 8);
	if (n < 2 || words[1][0] == '-') {
		free(words);
		return cli_usage_error(cli, _("what? %s"), _(cli_command_usage(cli)));
	}
	bool known = false;
	for (size_t i = 0; i < nverbs; i++)
		known |= strcmp(words[1], verbs[i]) == 0;
	if (!known) {
		rc = cli_unknown(cli, _("unknown subcommand '%s'"), words[1], verbs, nverbs);
		free(words);
		return rc;
	}
	if (transact_recover(cli) < 0) {
		free(words);
		return EXIT_PROBLEMS;
	}
	struct stage *s = transact_open_stage(cli);
	char *generated = NULL;
	rc = transact_stage_words(cli, s, n, words, &o, NULL, 0, &generated);
	if (rc == EXIT_OK)
		rc = transact_finish(cli, s, &o, &generated, 1);
	passhash_wipe(generated);
	stage_free(&s);
	free(words);
	return rc;
}
