/* `vmailadm config`: print every effective setting and its origin (text or
 * JSON), or with --man the man page vmailadm.yaml(5) generated from the
 * settings table (config_print.c prints; src/sys/settings.c is the table,
 * src/sys/config.c loads it). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"

int cmd_config(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "man", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), man = cli_arg(&a, "man") != NULL;
	if (a.nops > 0)
		return cli_usage_error(cli, _("unexpected argument '%s'"), a.ops[0]);
	if (man && json)
		return cli_usage_error(cli, _("--man and --json exclude each other"));
	if (man) {
		/* Needs no configuration: the page documents the defaults. */
		config_print_man(stdout);
		return EXIT_OK;
	}
	config_print(cli_config_dovecot(cli), stdout, json);
	return EXIT_OK;
}
