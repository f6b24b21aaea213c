/* `vmailadm show ADDRESS [--json]`: everything the model knows about one
 * address — mailbox line and maildir, passwd-file scheme (never the hash),
 * quota, its alias entry, the aliases that reach it, its domain's class and
 * catch-all, and the catch-all trap (a catch-all in virtual_alias_maps
 * takes the mail of every mailbox without an identity entry). */
#include "config.h"

#include <getopt.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmailadm/aliases.h"
#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/source.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* Print a label and a value from a file, escaped. */
static void field(const char *label, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add_printable(&sb, value, strlen(value));
	printf("  %-22s %s\n", label, sb_str(&sb));
	sb_free(&sb);
}

static void fieldf(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fieldf(const char *label, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	field(label, sb_str(&sb));
	sb_free(&sb);
}

static const char *target_text(enum target_class c)
{
	switch (c) {
	case TARGET_MAILBOX: return _("mailbox");
	case TARGET_ALIAS: return _("alias");
	case TARGET_CATCHALL: return _("caught by the catch-all");
	case TARGET_UNKNOWN: return _("UNKNOWN: bounces");
	case TARGET_LOCAL: return _("local");
	case TARGET_EXTERNAL: return _("external");
	}
	return "?";
}

struct facts {
	const struct world *w;
	const struct config *cfg;   /* names where entries are defined */
	char *address;   /* folded */
	const char *domain;
	enum domain_class cls;
	unsigned classes;
	const struct domain *dom;
	const struct mailbox *mb;
	const struct alias *alias;
	const struct pwfile_entry *pw;
	const struct alias *const *direct;
	size_t ndirect;
	const struct alias **reach;
	size_t nreach;
	const struct alias_entry *sysalias;
	const char *sysalias_file;
	const struct alias_entry **sysfrom;   /* /etc/aliases entries delivering to it */
	size_t nsysfrom;
	bool exists;
	bool swallowed;
	bool pw_unknown;   /* the passwd-file could not be read */
	int exists_errno;  /* why the maildir could not be looked at */
};

static void show_json(const struct facts *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(f->address));
	json_object_set_new(o, "domain", json_string(f->domain));
	json_object_set_new(o, "class", json_string(model_domain_class_name(f->cls)));
	json_object_set_new(o, "hosted", json_boolean(f->cls != DOMAIN_OTHER));
	json_object_set_new(o, "mailbox", f->mb ? cli_json_mailbox(f->cfg, f->mb) : json_null());
	json_t *pw = json_null();
	if (f->pw) {
		pw = json_object();
		char *scheme = pwfile_scheme(f->pw);
		json_object_set_new(pw, "line", source_is_row(f->cfg, f->cfg->passwd_file)
					? json_null() : json_integer(f->pw->line));
		json_object_set_new(pw, "password_scheme", *scheme ? json_string(scheme) : json_null());
		json_object_set_new(pw, "has_password", json_boolean(*scheme));
		size_t rlen;
		bool size_only;
		const char *found = model_entry_quota(f->pw, &rlen, &size_only);
		char *rule = found ? xmemdup0(found, rlen) : NULL;
		json_object_set_new(pw, "quota_rule", rule ? json_string(rule) : json_null());
		long long bytes;
		json_object_set_new(pw, "quota", rule && model_entry_quota_bytes(rule, size_only, &bytes)
					 ? json_integer(bytes) : json_null());
		free(rule);
		free(scheme);
	}
	json_object_set_new(o, "passwd", pw);
	json_object_set_new(o, "passwd_known", json_boolean(!f->pw_unknown));
	json_object_set_new(o, "alias", f->alias ? cli_json_alias(f->cfg, f->alias) : json_null());
	/* A mailbox's forwarding (issue 15): its own entry's other targets. */
	bool copy;
	const struct alias *fw = f->mb ? world_mailbox_forward(f->mb, &copy) : NULL;
	json_t *fwo = json_null();
	if (fw) {
		json_t *to = json_array();
		for (size_t i = 0; i < fw->ntargets; i++)
			if (strcmp(fw->targets[i].address, f->mb->address) != 0)
				json_array_append_new(to, json_string(fw->targets[i].address));
		fwo = json_object();
		json_object_set_new(fwo, "targets", to);
		json_object_set_new(fwo, "keep_copy", json_boolean(copy));
	}
	json_object_set_new(o, "forward", fwo);
	json_t *arr = json_array();
	for (size_t i = 0; i < f->ndirect; i++)
		json_array_append_new(arr, json_string(f->direct[i]->address));
	json_object_set_new(o, "aliased_from", arr);
	arr = json_array();
	for (size_t i = 0; i < f->nsysfrom; i++)
		json_array_append_new(arr, json_string(f->sysfrom[i]->lookup_key));
	json_object_set_new(o, "system_aliased_from", arr);
	arr = json_array();
	for (size_t i = 0; i < f->nreach; i++)
		json_array_append_new(arr, json_string(f->reach[i]->address));
	json_object_set_new(o, "reached_from", arr);
	const struct catchall *c = f->dom ? (f->dom->catchall_alias ? f->dom->catchall_alias
					     : f->dom->catchall_mailbox) : NULL;
	json_t *co = json_null();
	if (c) {
		co = json_object();
		json_object_set_new(co, "target", json_string(c->target));
		json_object_set_new(co, "map", json_string(model_catchall_map_name(c->map)));
		cli_json_source(co, f->cfg, c->file, c->line);
	}
	json_object_set_new(o, "catchall", co);
	json_object_set_new(o, "swallowed_by_catchall", json_boolean(f->swallowed));
	if (f->sysalias) {
		json_object_set_new(o, "system_alias", cli_json_sysalias(f->sysalias, f->sysalias_file));
	} else {
		json_object_set_new(o, "system_alias", json_null());
	}
	json_object_set_new(o, "sendas", cli_json_sendas(f->w, f->address));
	cli_json_print(o);
}

static void show_text(const struct facts *f)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add_printable(&sb, f->address, strlen(f->address));
	printf("%s\n", sb_str(&sb));
	sb_free(&sb);

	field(_("domain:"), f->domain);
	field(_("class:"), model_domain_class_text(f->cls));
	if (f->dom && f->dom->conflict)
		field("", _("warning: the domain is listed in more than one class"));

	if (f->mb) {
		const struct mailbox *b = f->mb;
		char *where = source_text(f->cfg, b->file, b->line);
		fieldf(_("vmailbox:"), "%s: %s", where, b->value);
		free(where);
		if (f->exists || f->exists_errno == ENOENT)
			fieldf(b->is_maildir ? _("maildir:") : _("mbox file:"), "%s%s", b->maildir,
			       f->exists ? "" : _(" (does not exist yet)"));
		else   /* a maildir we may not look at is not a missing one */
			fieldf(b->is_maildir ? _("maildir:") : _("mbox file:"), _("%s (cannot be looked at: %s)"),
			       b->maildir, strerror(f->exists_errno));
	} else {
		field(_("vmailbox:"), _("no mailbox"));
	}
	if (f->pw) {
		char *scheme = pwfile_scheme(f->pw);
		if (source_is_row(f->cfg, f->cfg->passwd_file)) {   /* a row: no line */
			char *where = source_text(f->cfg, f->cfg->passwd_file, 0);
			fieldf(_("passwd-file:"), "%s, %s", where, *scheme ? scheme : _("no password"));
			free(where);
		} else {
			fieldf(_("passwd-file:"), _("line %u, %s"), f->pw->line,
			       *scheme ? scheme : _("no password"));
		}
		free(scheme);
		if (f->mb) {
			char *q = cli_format_quota(f->mb);
			field(_("quota:"), *q ? q : _("none (the global default applies)"));
			free(q);
		}
	} else if (f->pw_unknown) {
		field(_("passwd-file:"), _("unknown: the passwd-file cannot be read"));
	} else if (f->mb) {
		field(_("passwd-file:"), _("no entry: this mailbox cannot log in"));
	}

	if (f->alias) {
		const struct alias *a = f->alias;
		char *where = source_text(f->cfg, a->file, a->line);
		fieldf(_("alias:"), "%s", where);
		free(where);
		for (size_t i = 0; i < a->ntargets; i++)
			fieldf(i == 0 ? _("  delivers to:") : "", "%s (%s)", a->targets[i].address,
			       target_text(a->targets[i].class));
	}
	bool copy;
	if (f->mb && world_mailbox_forward(f->mb, &copy))
		field(_("forwarding:"), copy ? _("with a copy in this mailbox (forward set ... --keep-copy)")
					     : _("WITHOUT a copy: its mail leaves, its INBOX gets none"));
	if (f->ndirect) {
		for (size_t i = 0; i < f->ndirect; i++) {
			char *where = source_text(f->cfg, f->direct[i]->file, f->direct[i]->line);
			fieldf(i == 0 ? _("aliased from:") : "", "%s (%s)", f->direct[i]->address, where);
			free(where);
		}
	}
	for (size_t i = 0; i < f->nsysfrom; i++)
		fieldf(i == 0 && !f->ndirect ? _("aliased from:") : "", _("%s (system alias, %s:%u)"),
		       f->sysfrom[i]->lookup_key, f->sysalias_file, f->sysfrom[i]->line);
	if (f->nreach > f->ndirect) {
		struct strbuf r = STRBUF_INIT;
		for (size_t i = 0; i < f->nreach; i++) {
			if (i)
				sb_adds(&r, ", ");
			sb_adds(&r, f->reach[i]->address);
		}
		field(_("reached from:"), sb_str(&r));
		sb_free(&r);
	}
	if (f->dom) {
		const struct catchall *c[2] = { f->dom->catchall_alias, f->dom->catchall_mailbox };
		for (int i = 0; i < 2; i++)
			if (c[i]) {
				char *where = source_text(f->cfg, c[i]->file, c[i]->line);
				fieldf(_("domain catch-all:"), _("%s (%s map, %s)"), c[i]->target,
				       c[i]->map == CATCHALL_IN_ALIAS_MAP ? _("alias") : _("mailbox"), where);
				free(where);
			}
	}
	if (f->sysalias) {
		struct strbuf t = STRBUF_INIT;
		for (size_t i = 0; i < f->sysalias->ntargets; i++) {
			if (i)
				sb_adds(&t, ", ");
			sb_adds(&t, f->sysalias->targets[i]);
		}
		fieldf(_("/etc/aliases:"), _("line %u: %s"), f->sysalias->line, sb_str(&t));
		sb_free(&t);
	}
	cli_sendas_text(f->w, f->address, _("may be sent as by:"));
	if (f->swallowed)
		printf(_("warning: the catch-all %s in the alias map takes this mailbox's mail: add the "
			 "identity entry \"%s %s\" or move the catch-all to the mailbox map "
			 "(aliasing runs before the mailbox lookup, see virtual(5))\n"),
		       f->dom->catchall_alias->alias->address, f->address, f->address);
	else if (!f->mb && !f->alias && f->dom && (f->dom->catchall_alias || f->dom->catchall_mailbox))
		printf(_("note: no entry of its own; the domain's catch-all receives its mail\n"));
}

static const char *sysalias_file(const struct world *w)
{
	const struct doc *doc = aliases_doc(world_system_aliases(w));
	return doc ? doc_name(doc) : NULL;
}

/* `show NAME` (no @): a system alias, the /etc/aliases entry local(8) uses
 * for NAME@ every mydestination domain (root, postmaster ...). */
static int show_sysalias(struct cli *cli, const char *name, bool json)
{
	struct world *w = cli_world(cli);
	const struct alias_entry *e = aliases_lookup(world_system_aliases(w), name);
	if (!e) {
		cli_error(cli, _("%s is not a system alias (see 'vmailadm list sysaliases'); an address is user@domain"),
			  name);
		world_free(&w);
		return EXIT_PROBLEMS;
	}
	if (json) {
		cli_json_print(cli_json_sysalias(e, sysalias_file(w)));
	} else {
		struct strbuf t = STRBUF_INIT;
		for (size_t i = 0; i < e->ntargets; i++) {
			if (i)
				sb_adds(&t, ", ");
			sb_adds(&t, e->targets[i]);
		}
		fieldf(_("system alias:"), "%s", e->lookup_key);
		fieldf(_("/etc/aliases:"), _("line %u: %s"), e->line, sb_str(&t));
		sb_free(&t);
	}
	world_free(&w);
	return EXIT_OK;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a);
	if (a.nops != 1)
		return cli_usage_error(cli, _("give exactly one address"));

	struct facts f;
	memset(&f, 0, sizeof f);
	f.address = xstrdup(a.ops[0]);
	for (char *p = f.address; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const char *at = strrchr(f.address, '@');
	if (!at && f.address[0]) {
		int rc = show_sysalias(cli, f.address, json);
		free(f.address);
		return rc;
	}
	if (!at || at == f.address || !at[1]) {
		free(f.address);
		return cli_usage_error(cli, _("'%s' is not an address (user@domain)"), a.ops[0]);
	}
	f.domain = at + 1;
	/* trivial-rewrite drops a trailing dot (the FQDN form): so do we */
	size_t fl = strlen(f.address), was = fl;
	while (f.address[fl - 1] == '.' && &f.address[fl - 1] > at + 1)
		f.address[--fl] = '\0';
	if (fl != was)
		fprintf(stderr, _("%s: note: %s is written %s (Postfix drops the domain's trailing dot)\n"),
			cli->who, a.ops[0], f.address);

	struct world *w = cli_world(cli);
	f.w = w;
	f.cfg = cli->cfg;
	f.cls = world_domain_class(w, f.domain, &f.classes);
	f.dom = world_domain_find(w, f.domain);
	f.mb = world_mailbox_find(w, f.address);
	f.alias = world_alias_find(w, f.address);
	f.pw = pwfile_lookup(world_pwfile(w), f.address);
	f.direct = world_aliases_to(w, f.address, &f.ndirect);
	f.reach = world_aliases_reaching(w, f.address, &f.nreach);
	f.sysfrom = world_sysaliases_to(w, f.address, &f.nsysfrom);
	f.sysalias_file = sysalias_file(w);
	if (f.cls == DOMAIN_LOCAL) {
		char *local = xstrndup(f.address, (size_t)(at - f.address));
		f.sysalias = aliases_lookup(world_system_aliases(w), local);
		f.sysalias_file = sysalias_file(w);
		free(local);
	}
	if (f.mb) {
		struct stat st;
		f.exists = stat(f.mb->maildir, &st) == 0;
		f.exists_errno = f.exists ? 0 : errno;
		f.swallowed = f.mb->swallowed;
	}
	f.pw_unknown = !world_passwd_known(w);
	bool known = f.mb || f.alias || f.pw || f.ndirect || f.nsysfrom || f.sysalias;
	if (json)
		show_json(&f);
	else
		show_text(&f);
	if (!known)
		fprintf(stderr, _("%s: %s is not known: no mailbox, alias or passwd-file entry\n"),
			cli->who, f.address);
	free(f.reach);
	free(f.sysfrom);
	free(f.address);
	bool complete = world_unreadable_count(w) == 0;
	world_free(&w);
	return known && complete ? EXIT_OK : EXIT_PROBLEMS;
}
