/* vmailadm log: the audit trail of commits (state_dir/audit.log, one JSON
 * record per line), newest last, as text or JSON. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vmailadm/audit.h"
#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "n:", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a);
	long limit = 20;
	if (cli_arg(&a, "limit") && cli_number(cli, "--limit", cli_arg(&a, "limit"), 0, &limit))
		return EXIT_USAGE;
	if (a.nops > 0)
		return cli_usage_error(cli, _("unexpected argument '%s'"), a.ops[0]);
	json_t *all = cli_audit_records(cli);
	size_t n = json_array_size(all);
	size_t from = limit > 0 && (size_t)limit < n ? n - (size_t)limit : 0;
	if (json) {
		json_t *tail = json_array();
		for (size_t i = from; i < n; i++)
			json_array_append(tail, json_array_get(all, i));
		char *text = json_dumps(tail, JSON_INDENT(2));
		puts(text);
		free(text);
		json_decref(tail);
	} else {
		for (size_t i = from; i < n; i++) {
			json_t *rec = json_array_get(all, i);
			const char *sudo = json_string_value(json_object_get(rec, "sudo_user"));
			printf("%s  %s  %s%s%s  %s\n", str(rec, "id"), str(rec, "time"), str(rec, "user"),
			       sudo ? "/" : "", sudo ? sudo : "", state_audit_result_text(str(rec, "result")));
			size_t k;
			for (k = 0; k < json_array_size(json_object_get(rec, "operations")); k++) {
				struct strbuf op = STRBUF_INIT;
				audit_operation_text(rec, k, &op);   /* in the reader's language */
				printf("    %s\n", sb_str(&op));
				sb_free(&op);
			}
			json_t *files = json_object_get(rec, "files"), *f;
			json_array_foreach(files, k, f)
				printf(_("    file %s\n"), str(f, "path"));
		}
		if (n == 0)
			printf(_("no commits recorded yet\n"));
	}
	json_decref(all);
	return n ? EXIT_OK : EXIT_PROBLEMS;
}
