/* vmailadm: administer Postfix + Dovecot virtual mail domains. main() only
 * sets up the locale and ties the command line to the TUI. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "vmailadm/cli.h"
#include "vmailadm/i18n.h"
#include "vmailadm/ui.h"

/* The interface when no command is given: the terminal is checked before the
 * configuration is loaded, so that a script without one hears about that. */
static int main_interactive(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int rc = ui_check_terminal();
	return rc ? rc : ui_run(cli_config_dovecot(cli), cli->theme);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* VMAILADM_LOCALEDIR overrides the built-in catalog directory, for the
	 * test suite (tests/i18n.sh) and for running a build that is not installed. */
	const char *localedir = getenv("VMAILADM_LOCALEDIR");
	bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
	textdomain(PACKAGE);
	return cli_main(argc, argv, main_interactive);
}
