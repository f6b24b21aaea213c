/* vmailadm: administer Postfix + Dovecot virtual mail domains. main() only
 * sets up the locale and ties the command line to the TUI. */
#include "config.h"

#include <locale.h>

#include "vmailadm/cli.h"
#include "vmailadm/i18n.h"
#include "vmailadm/ui.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
	return cli_main(argc, argv, ui_run);
}
