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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = cli->json, man = false;
	int c;

	opterr = 0; /* one message, ours, naming the option */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'm': man = true; break;
		case 'h':
			printf(_("Usage: %s config [--json | --man]\n"
				 "Print every effective setting and where it came from (default,\n"
				 "FILE:LINE); --man prints the man page vmailadm.yaml(5).\n"), cli->prog);
			return EXIT_OK;
		default:
			return cli_usage_error(cli, _("config: unknown option '%s'"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, _("config: unexpected argument '%s'"), argv[optind]);
	if (man && json)
		return cli_usage_error(cli, _("config: --man and --json exclude each other"));
	if (man) {
		/* Needs no configuration: the page documents the defaults. */
		config_print_man(stdout);
		return EXIT_OK;
	}
	config_print(cli_config(cli), stdout, json);
	return EXIT_OK;
}
