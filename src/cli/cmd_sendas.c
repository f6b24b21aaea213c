/* `vmailadm sendas allow|deny|enable|disable ...` (edits, staged through
 * cmd_edit) and `sendas list [ADDRESS] [--json]`: who may send as which
 * address, from the sender login map (sendas.h), each owner said to come
 * from the rule (a mailbox, an alias delivering to it) or from a grant. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/cli.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/sendas.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* The owners of one line, each with where it comes from: a JSON array of
 * {"login", "granted"}, and the rule's owners the line lacks. */
static json_t *sendas_json_owners(const struct world *w, const char *key, const char *value,
				  json_t **missing)
{
	struct sendas_list have = { 0 }, rule = { 0 };
	sendas_list_parse(&have, value);
	sendas_computed(w, key, &rule);
	json_t *arr = json_array();
	for (size_t i = 0; i < have.n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "login", json_string(have.v[i]));
		json_object_set_new(o, "granted", json_boolean(!sendas_list_has(&rule, have.v[i])));
		json_array_append_new(arr, o);
	}
	*missing = json_array();
	for (size_t i = 0; i < rule.n; i++)
		if (!sendas_list_has(&have, rule.v[i]))
			json_array_append_new(*missing, json_string(rule.v[i]));
	sendas_list_free(&have);
	sendas_list_free(&rule);
	return arr;
}

json_t *cli_json_sendas(const struct world *w, const char *address)
{
	const struct world_map *m = sendas_map(w);
	if (!m || !sendas_present(w))
		return json_null();
	struct strbuf form = STRBUF_INIT;
	const struct table_entry *e = sendas_lookup(w, address, &form);
	json_t *o = json_object();
	json_object_set_new(o, "map", json_string(m->ref.path));
	json_object_set_new(o, "enabled", json_boolean(sendas_enabled(w) && sendas_restriction_param(w)));
	json_object_set_new(o, "key", e ? json_string(form.buf) : json_null());
	json_t *missing = NULL;
	json_object_set_new(o, "owners", sendas_json_owners(w, e ? form.buf : address, e ? e->value : "", &missing));
	json_object_set_new(o, "missing", missing);
	json_object_set_new(o, "line", json_integer(e ? e->line : 0));
	sb_free(&form);
	return o;
}

void cli_sendas_text(const struct world *w, const char *address, const char *label)
{
	const struct world_map *m = sendas_map(w);
	if (!m || !sendas_present(w))
		return;
	struct strbuf form = STRBUF_INIT, who = STRBUF_INIT;
	const struct table_entry *e = sendas_lookup(w, address, &form);
	sendas_owners_text(w, e ? form.buf : address, e ? e->value : "", &who);
	if (!who.len)
		sb_adds(&who, _("nobody (a client that logs in is refused it)"));
	if (e && strcmp(form.buf, address) != 0)
		sb_addf(&who, _(" (line %s)"), form.buf);
	if (!sendas_enabled(w) || !sendas_restriction_param(w))
		sb_adds(&who, _(" [not enforced: vmailadm sendas enable]"));
	printf("  %-22s %s\n", label, who.buf);
	sb_free(&who);
	sb_free(&form);
}

static int sendas_list_all(struct cli *cli, const struct world *w, const struct world_map *m, bool json)
{
	(void)cli;
	size_t n = table_count(m->table);
	json_t *arr = json ? json_array() : NULL;
	size_t width = 0;
	for (size_t k = 0; k < n && !json; k++) {
		const struct table_entry *e = table_entry(m->table, k);
		size_t l = strlen(e->lookup_key);
		if (!e->shadowed && l > width)
			width = l;
	}
	struct strbuf line = STRBUF_INIT;
	for (size_t k = 0; k < n; k++) {
		const struct table_entry *e = table_entry(m->table, k);
		if (e->shadowed || !*e->lookup_key)
			continue;
		if (json) {
			json_t *o = json_object(), *missing;
			json_object_set_new(o, "address", json_string(e->lookup_key));
			json_object_set_new(o, "owners", sendas_json_owners(w, e->lookup_key, e->value, &missing));
			json_object_set_new(o, "missing", missing);
			json_object_set_new(o, "line", json_integer(e->line));
			json_array_append_new(arr, o);
			continue;
		}
		sb_reset(&line);
		sb_add_printable(&line, e->lookup_key, strlen(e->lookup_key));
		for (size_t pad = strlen(e->lookup_key); pad < width + 2; pad++)
			sb_addc(&line, ' ');
		sendas_owners_text(w, e->lookup_key, e->value, &line);
		printf("%s\n", line.buf);
	}
	sb_free(&line);
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "map", json_string(m->ref.path));
		json_object_set_new(o, "exists", json_boolean(sendas_present(w)));
		json_object_set_new(o, "enabled", json_boolean(sendas_enabled(w)));
		const char *param = sendas_restriction_param(w);
		json_object_set_new(o, "restriction", param ? json_string(param) : json_null());
		json_object_set_new(o, "entries", arr);
		cli_json_print(o);
	}
	return EXIT_OK;
}

static int sendas_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc - 1, argv + 1, "", opts, &a))
		return EXIT_USAGE;
	if (a.nops > 1)
		return cli_usage_error(cli, _("give at most one address"));
	bool json = cli_json_wanted(cli, &a);
	const char *at = a.nops ? strrchr(a.ops[0], '@') : NULL;
	if (a.nops && (!at || !at[1]))
		return cli_usage_error(cli, _("'%s' is not an address (user@domain, or @domain)"), a.ops[0]);
	struct world *w = cli_world(cli);
	const struct world_map *m = sendas_map(w);
	int rc = EXIT_OK;
	if (!m) {
		cli_error(cli, _("smtpd_sender_login_maps names no table vmailadm can read"));
		rc = EXIT_PROBLEMS;
	} else if (a.nops == 0) {
		rc = sendas_list_all(cli, w, m, json);
	} else if (json) {
		char *addr = table_fold_key(a.ops[0]);
		json_t *o = cli_json_sendas(w, addr);
		if (json_is_object(o))
			json_object_set_new(o, "address", json_string(addr));
		cli_json_print(o);
		free(addr);
	} else {
		char *addr = table_fold_key(a.ops[0]);
		struct strbuf sb = STRBUF_INIT;
		sb_add_printable(&sb, addr, strlen(addr));
		printf("%s\n", sb_str(&sb));
		sb_free(&sb);
		cli_sendas_text(w, addr, _("may be sent as by:"));
		free(addr);
	}
	if (m && !json && !sendas_present(w))
		fprintf(stderr, _("%s: there is no sender login map yet (%s): vmailadm sendas allow or enable makes it\n"),
			cli->who, m->ref.path);
	else if (m && !json && (!sendas_enabled(w) || !sendas_restriction_param(w)))
		fprintf(stderr, _("%s: Postfix does not check it yet: vmailadm sendas enable\n"), cli->who);
	world_free(&w);
	return rc;
}

int cmd_sendas(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return sendas_list(cli, argc, argv);
	return cmd_edit(cli, argc, argv);
}
