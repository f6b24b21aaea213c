/* `vmailadm demo DIR [--force]`: make the demo server tree (src/demo/demo.c)
 * and say what was made, how to log in and what to try next. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "vmailadm/cli.h"
#include "vmailadm/demo.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"

int cmd_demo(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "f", opts, &a))
		return EXIT_USAGE;
	bool force = cli_arg(&a, "force") != NULL;
	if (a.nops == 0)
		return cli_usage_error(cli, _("missing directory"));
	if (a.nops > 1)
		return cli_usage_error(cli, _("unexpected argument '%s'"), a.ops[1]);

	struct diags d = DIAGS_INIT;
	struct demo_summary sum;
	if (demo_create(a.ops[0], force, &sum, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		return EXIT_USAGE;
	}
	cli_diags(cli, &d);
	diags_free(&d);

	printf(_("Demo server created in %s\n"), sum.dir);
	printf(ngettext("  %zu domain, ", "  %zu domains, ", sum.domains), sum.domains);
	printf(ngettext("%zu mailbox, ", "%zu mailboxes, ", sum.mailboxes), sum.mailboxes);
	printf(ngettext("%zu alias, ", "%zu aliases, ", sum.aliases), sum.aliases);
	printf(ngettext("%zu message", "%zu messages", sum.messages), sum.messages);
	printf(_("; Maildirs owned by %ld:%ld\n"), sum.uid, sum.gid);
	puts(_("Demo passwords (also in the README):"));
	size_t n;
	const struct demo_user *u = demo_users(&n);
	for (size_t i = 0; i < n; i++)
		printf("  %-26s %s\n", u[i].address, u[i].password);
	printf(_("Try:\n  vmailadm --config %s/vmailadm.yaml list mailboxes\n"), sum.dir);
	printf(_("The Postfix tables have no .db yet; with Postfix installed, build them with\n"
		 "  postmap -c %s/etc/postfix hash:%s/etc/postfix/vmailbox (and the same for\n"
		 "  virtual_alias and virtual_domains).\n"), sum.dir, sum.dir);
	demo_summary_free(&sum);
	return EXIT_OK;
}
