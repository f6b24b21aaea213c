/* Command-line dispatch: global options, then one command from the table.
 * Each command lives in its own cmd_*.c and parses its own options. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"

struct command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *usage;   /* N_() */
};

/* The command table: one line per command (keep sorted by name). */
static const struct command commands[] = {
	{ "alias", cmd_edit, N_("alias add|del|set ADDRESS [TARGET...]  add, remove or replace alias targets") },
	{ "apply", cmd_apply, N_("apply FILE|-             run a batch of edits as one transaction") },
	{ "catchall", cmd_edit, N_("catchall set|clear DOMAIN [TARGET]") },
	{ "config", cmd_config, N_("config [--json|--man]    print every effective setting and its origin") },
	{ "demo", cmd_demo, N_("demo DIR [--force]       create a demo server tree to try vmailadm on") },
	{ "domain", cmd_edit, N_("domain add|del DOMAIN [--cascade]") },
	{ "exercise", cmd_exercise, N_("exercise [N|reset [N]] [--json] [--yes]  the course's exercises, checked step by step") },
	{ "import", cmd_import, N_("import --csv FILE        create mailboxes from address,password,quota rows") },
	{ "list", cmd_list, N_("list domains|mailboxes|aliases|catchalls [DOMAIN] [--json]") },
	{ "lint", cmd_lint, N_("lint [--json] [--fix [--commit]]  problems that lose mail or expose passwords") },
	{ "log", cmd_log, N_("log [--limit N] [--json] the audit trail of commits") },
	{ "mailbox", cmd_edit, N_("mailbox add|del|passwd|quota ADDRESS [...]") },
	{ "maillog", cmd_maillog, N_("maillog ADDRESS [--since TIME] [--json] [--logins]  what the mail log says\n"
				     "                          happened to mail to and from an address") },
	{ "rollback", cmd_rollback, N_("rollback [ID] [--dry-run] [--force]  undo a commit as a new one") },
	{ "show", cmd_show, N_("show ADDRESS [--json]    everything known about one address") },
	{ "stats", cmd_stats, N_("stats [DOMAIN|ADDRESS...] [--json] [--sort name|new|unread|size] [--folders]\n"
				 "                          messages, unread and size of each mailbox") },
	{ "sysalias", cmd_edit, N_("sysalias set|del NAME [TARGET...]  /etc/aliases entries") },
	{ "trace", cmd_trace, N_("trace ADDRESS... [--json] where mail for an address goes, step by step") },
};

static void print_help(FILE *fp, const char *prog)
{
	fprintf(fp, _("Usage: %s [--config FILE] [--json] COMMAND [ARGS]\n"
		    "       %s [--config FILE] [--theme NAME]   (the interactive interface)\n"), prog,
		prog);
	fputs(_("Administer Postfix + Dovecot virtual mail domains.\n\n"), fp);
	fputs(_("Commands:\n"), fp);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(fp, "  %s\n", _(commands[i].usage));
	/* The path goes in through %s: a macro inside the literal would cut the
	 * msgid xgettext extracts short of the string looked up at run time. */
	fprintf(fp, _("\nGlobal options:\n"
		      "  -c, --config FILE   configuration file (default: $VMAILADM_CONFIG, then\n"
		      "                      %s)\n"
		      "      --json          machine-readable output\n"
		      "      --theme NAME    colour theme of the interface (default, dark, light,\n"
		      "                      mono, or a theme file)\n"
		      "  -h, --help          this help\n"
		      "  -V, --version       print the version\n"), CONFIG_DEFAULT_PATH);
	fputs(_("\nExit status: 0 success, 1 nothing found or problems found, 2 usage or\n"
		"configuration error.\n"), fp);
}

int cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fprintf(stderr, _("Try '%s --help' for more information.\n"), cli->prog);
	return EXIT_USAGE;
}

struct config *cli_config(struct cli *cli)
{
	if (cli->cfg)
		return cli->cfg;
	struct diags d = DIAGS_INIT;
	if (config_load(cli->config_path, &cli->cfg, &d) < 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		exit(EXIT_USAGE);
	}
	diags_print(&d, stderr); /* warnings */
	diags_free(&d);
	config_apply_language(cli->cfg); /* the `language` setting, for what follows */
	return cli->cfg;
}

int cli_main(int argc, char **argv, cli_interactive_fn interactive)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "theme", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .prog = "vmailadm" };
	int c, rc;

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_path = optarg; break;
		case 'j': cli.json = true; break;
		case 'T': cli.theme = optarg; break;
		case 'h': print_help(stdout, cli.prog); return EXIT_OK;
		case 'V': printf("vmailadm %s\n", PACKAGE_VERSION); return EXIT_OK;
		default: return cli_usage_error(&cli, _("unknown option"));
		}
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* commands run getopt again from their own argv[0] */

	if (argc == 0) {
		if (interactive)
			rc = interactive(&cli, argc, argv);
		else {
			print_help(stderr, cli.prog);
			rc = EXIT_USAGE;
		}
	} else {
		const struct command *cmd = NULL;
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (strcmp(commands[i].name, argv[0]) == 0)
				cmd = &commands[i];
		if (!cmd)
			return cli_usage_error(&cli, _("unknown command '%s'"), argv[0]);
		rc = cmd->fn(&cli, argc, argv);
	}
	config_free(&cli.cfg);
	return rc;
}
