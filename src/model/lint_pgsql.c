/* Lint's database traps (issue 18), read from the server's own main.cf and
 * master.cf: on backend pgsql the world's main.cf is the snapshot's copy,
 * whose account maps are texthash: files, so these rules read the files
 * the snapshot replaced (config's server_postfix_dir). They hold on the
 * flat files too: a proxy: or pgsql: map may sit in any parameter.
 * - proxy-map-not-approved: proxymap serves only the tables that the
 *   expanded proxy_read_maps lists with proxy: (proxymap.c,
 *   authorize_proxied_maps); Postfix's default names the $virtual_*
 *   parameters, so a default main.cf approves its own maps.
 * - pgsql-map-in-chroot: a direct pgsql: map that smtpd opens while
 *   master.cf chroots it (a "-" is y below compatibility_level 1,
 *   master_ent.c).
 * - non-ascii-key-latin1: Postfix before 3.8 queries PostgreSQL with
 *   client_encoding LATIN1.
 * - pgsql-maps-unused: on backend pgsql, an account parameter of the
 *   server's main.cf that names no pgsql: map (db postfix-config not
 *   applied): Postfix delivers by tables vmailadm no longer edits.
 * A mailbox without its self-alias under a catch-all is lint.c's
 * catchall-swallows-mailboxes, which sees the snapshot's alias rows. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/model.h"
#include "vmailadm/source.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* A map written in a main.cf definition (its items expanded one by one). */
struct lint_pg_use {
	char *spec;         /* "proxy:pgsql:/etc/postfix/pgsql/alias.cf" */
	const char *param;  /* the definition's name (main.cf's string) */
	unsigned line;
};

struct lint_pg {
	const struct world *w;
	const struct config *cfg;
	struct lint_report *r;
	struct maincf *own;        /* the server's main.cf read here (pgsql), or NULL */
	const struct maincf *mc;
	char *mcpath, *mspath;     /* main.cf, master.cf */
	struct lint_pg_use *uses;
	size_t nuses, cap;
};

/* ---- map specs in a list value ---- */

typedef void lint_pg_visit(void *arg, const char *spec);

static bool lint_pg_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Each map of a list value, as proxymap.c walks proxy_read_maps: a
 * "{ type:name attr=value }" item is its first word, a pipemap:{...} or
 * unionmap:{...} the maps inside. */
static void lint_pg_walk(const char *value, lint_pg_visit *fn, void *arg)
{
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++) {
		char *it = items[i];
		size_t len = strlen(it);
		if (it[0] == '{' && len > 1 && it[len - 1] == '}') {
			it[len - 1] = '\0';
			char **inner = maincf_split_list(it + 1, NULL);
			if (inner[0])
				fn(arg, inner[0]);
			maincf_list_free(inner);
			continue;
		}
		const char *nest = lint_pg_prefix(it, "pipemap:") ? it + 8
				   : lint_pg_prefix(it, "unionmap:") ? it + 9 : NULL;
		if (nest) {
			size_t nl = strlen(nest);
			if (nest[0] == '{' && nl > 1 && nest[nl - 1] == '}') {
				char *inner = xmemdup0(nest + 1, nl - 2);
				lint_pg_walk(inner, fn, arg);
				free(inner);
			}
			continue;
		}
		fn(arg, it);
	}
	maincf_list_free(items);
}

/* The table proxymap is asked for: spec without its proxy: prefixes. */
static const char *lint_pg_unproxied(const char *spec)
{
	while (lint_pg_prefix(spec, "proxy:"))
		spec += 6;
	return spec;
}

struct lint_pg_collect {
	struct lint_pg *c;
	const char *param;
	unsigned line;
};

static void lint_pg_collect_one(void *arg, const char *spec)
{
	struct lint_pg_collect *k = arg;
	if (!lint_pg_prefix(spec, "proxy:") && !lint_pg_prefix(spec, "pgsql:"))
		return;
	struct lint_pg *c = k->c;
	xgrow(&c->uses, &c->cap, c->nuses + 1, sizeof *c->uses);
	c->uses[c->nuses++] = (struct lint_pg_use){ xstrdup(spec), k->param, k->line };
}

/* The proxy: and pgsql: maps main.cf's definitions write: a "$name" item
 * is that parameter's (collected at its own definition), any other item is
 * expanded alone ("proxy:pgsql:$config_directory/x.cf"). */
static void lint_pg_collect(struct lint_pg *c)
{
	for (size_t i = 0; i < maincf_count(c->mc); i++) {
		const char *value;
		bool over;
		struct lint_pg_collect k = { c, NULL, 0 };
		k.param = maincf_def_at(c->mc, i, &value, &k.line, &over);
		if (over || !strcmp(k.param, "proxy_read_maps") || !strcmp(k.param, "proxy_write_maps"))
			continue;
		char **items = maincf_split_list(value, NULL);
		for (size_t j = 0; items[j]; j++) {
			if (items[j][0] == '$')
				continue;
			char *x = maincf_expand(c->mc, items[j], NULL);
			lint_pg_walk(x, lint_pg_collect_one, &k);
			free(x);
		}
		maincf_list_free(items);
	}
}

/* ---- proxy-map-not-approved ---- */

static void lint_pg_approve(void *arg, const char *spec)
{
	if (!lint_pg_prefix(spec, "proxy:"))
		return;   /* proxymap skips what has no proxy: */
	const char *t = lint_pg_unproxied(spec);
	if (strchr(t, ':'))
		strmap_put(arg, t, (void *)1);
}

static void lint_pg_proxy(struct lint_pg *c)
{
	struct strmap *ok = strmap_create(64);
	char *prm = maincf_get(c->mc, "proxy_read_maps");
	lint_pg_walk(prm, lint_pg_approve, ok);
	unsigned pline = 0;
	bool own = maincf_raw(c->mc, "proxy_read_maps", &pline) != NULL;
	struct strmap *told = strmap_create(16);
	for (size_t i = 0; i < c->nuses; i++) {
		const struct lint_pg_use *u = &c->uses[i];
		const char *t = lint_pg_unproxied(u->spec);
		if (!lint_pg_prefix(u->spec, "proxy:") || !strchr(t, ':') || strmap_get(ok, t) ||
		    strmap_get(told, u->spec))
			continue;
		strmap_put(told, u->spec, (void *)1);
		lint_add(c->r, "proxy-map-not-approved", LINT_ERROR, c->mcpath, u->line, u->spec,
			 _("%s uses %s, but proxy_read_maps does not list it: proxymap refuses it (\"request for unapproved table\") and every lookup in it fails (451 4.3.0 Temporary lookup failure)"),
			 u->param, u->spec);
		if (own)
			lint_fix(c->r, _("add proxy:%s to proxy_read_maps (line %u of %s), or name $%s there as Postfix's default does"),
				 t, pline, c->mcpath, u->param);
		else
			lint_fix(c->r, _("add proxy:%s to proxy_read_maps"), t);
	}
	strmap_free(&told);
	strmap_free(&ok);
	free(prm);
}

/* ---- pgsql-map-in-chroot ---- */

/* The parameters smtpd(8) looks maps up in: recipient validation, relay
 * control, restrictions (and the classes they name), sender logins. */
static const char *const lint_pg_smtpd[] = {
	"virtual_alias_maps", "virtual_alias_domains", "virtual_mailbox_maps",
	"virtual_mailbox_domains", "relay_recipient_maps", "relay_domains", "local_recipient_maps",
	"mydestination", "mynetworks", "smtpd_sender_login_maps", "smtpd_client_restrictions",
	"smtpd_helo_restrictions", "smtpd_sender_restrictions", "smtpd_relay_restrictions",
	"smtpd_recipient_restrictions", "smtpd_data_restrictions", "smtpd_end_of_data_restrictions",
	"smtpd_etrn_restrictions", "smtpd_milter_maps", "smtpd_reject_footer_maps",
	"smtpd_discard_ehlo_keyword_address_maps", "smtpd_command_filter", NULL,
};

static bool lint_pg_smtpd_param(const struct lint_pg *c, const char *name)
{
	for (size_t i = 0; lint_pg_smtpd[i]; i++)
		if (!strcmp(lint_pg_smtpd[i], name))
			return true;
	char *classes = maincf_get(c->mc, "smtpd_restriction_classes");
	char **v = maincf_split_list(classes, NULL);
	bool found = false;
	for (size_t i = 0; v[i] && !found; i++)
		found = !strcmp(v[i], name);
	maincf_list_free(v);
	free(classes);
	return found;
}

static void lint_pg_direct(void *arg, const char *spec)
{
	if (lint_pg_prefix(spec, "pgsql:"))
		strmap_put(arg, spec, (void *)1);
}

/* A chrooted smtpd service of master.cf: its first line. */
struct lint_pg_svc {
	unsigned line;
	char *name;
	bool dash;   /* chroot "-", y by compatibility_level */
};

/* The chroot column says y: "y", or "-" below compatibility_level 1. */
static bool lint_pg_chrooted(const struct lint_pg *c, const char *col, bool *dash)
{
	*dash = !strcmp(col, "-");
	if (!*dash)
		return !strcmp(col, "y");
	char *lvl = maincf_get(c->mc, "compatibility_level");
	bool below = strtol(lvl, NULL, 10) < 1;
	free(lvl);
	return below;
}

static void lint_pg_report_chroot(struct lint_pg *c, const struct lint_pg_svc *s, const char *file,
				  unsigned line, const char *param, const char *spec)
{
	char *where = xasprintf("%s:%u", c->mspath, s->line);
	lint_add(c->r, "pgsql-map-in-chroot", LINT_ERROR, file, line, spec,
		 s->dash ? _("%s uses %s directly, but smtpd runs chrooted (%s: \"-\" is y below compatibility_level 1): with the database's socket outside the chroot, or a host name the chroot cannot resolve, every lookup fails (451 4.3.0 Temporary lookup failure)")
			 : _("%s uses %s directly, but smtpd runs chrooted (%s): with the database's socket outside the chroot, or a host name the chroot cannot resolve, every lookup fails (451 4.3.0 Temporary lookup failure)"),
		 param, spec, where);
	lint_fix(c->r, _("use proxy:%s (proxymap is not chrooted; list it in proxy_read_maps), or set the chroot column of %s to n"),
		 spec, s->name);
	free(where);
}

/* A logical line of master.cf (the entry and its indented lines): its
 * -o name=value overrides of smtpd's parameters with direct pgsql: maps. */
static void lint_pg_overrides(struct lint_pg *c, const struct lint_pg_svc *s, struct doc *doc, size_t from,
			      size_t to)
{
	bool after_o = false;
	for (size_t i = from; i < to; i++) {
		size_t len;
		const char *t = doc_text(doc, i, &len);
		char *line = xmemdup0(t, len);
		char *save = NULL;
		for (char *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
			char *eq = after_o ? strchr(w, '=') : NULL;
			after_o = !strcmp(w, "-o");
			if (!eq)
				continue;
			*eq = '\0';
			if (!lint_pg_smtpd_param(c, w))
				continue;
			struct strmap *direct = strmap_create(8);
			char *x = maincf_expand(c->mc, eq + 1, NULL);
			lint_pg_walk(x, lint_pg_direct, direct);
			size_t pos = 0;
			const char *spec;
			while (strmap_next(direct, &pos, &spec, NULL))
				lint_pg_report_chroot(c, s, c->mspath, (unsigned)i + 1, w, spec);
			free(x);
			strmap_free(&direct);
		}
		free(line);
	}
}

/* master.cf's smtpd services that run chrooted: the first kept in *first,
 * each one's -o overrides checked. */
static bool lint_pg_master(struct lint_pg *c, struct lint_pg_svc *first)
{
	struct doc *doc = NULL;
	struct diags quiet = DIAGS_INIT;
	bool any = false;
	if (doc_load(c->mspath, true, &doc, &quiet) == 0 && doc) {
		size_t n = doc_count(doc);
		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *t = doc_text(doc, i, &len);
			if (!len || t[0] == ' ' || t[0] == '\t' || t[0] == '#')
				continue;
			char *line = xmemdup0(t, len), *save = NULL, *f[8] = { 0 };
			size_t nf = 0;
			for (char *w = strtok_r(line, " \t\r", &save); w && nf < 8; w = strtok_r(NULL, " \t\r", &save))
				f[nf++] = w;
			struct lint_pg_svc s = { (unsigned)i + 1, NULL, false };
			if (nf == 8 && !strcmp(f[7], "smtpd") && lint_pg_chrooted(c, f[4], &s.dash)) {
				s.name = xasprintf("%s/%s", f[0], f[1]);
				size_t end = i + 1;
				while (end < n) {
					size_t l2;
					const char *t2 = doc_text(doc, end, &l2);
					if (l2 && t2[0] != ' ' && t2[0] != '\t' && t2[0] != '#')
						break;
					end++;
				}
				lint_pg_overrides(c, &s, doc, i, end);
				if (!any)
					*first = s;
				else
					free(s.name);
				any = true;
			}
			free(line);
		}
	}
	doc_free(&doc);
	diags_free(&quiet);
	return any;
}

static void lint_pg_chroot(struct lint_pg *c)
{
	struct lint_pg_svc s = { 0 };
	if (!lint_pg_master(c, &s))
		return;
	/* the maps smtpd reaches through main.cf, each reported at the
	 * definition that writes it */
	struct strmap *direct = strmap_create(16);
	for (size_t i = 0; lint_pg_smtpd[i]; i++) {
		char *v = maincf_get(c->mc, lint_pg_smtpd[i]);
		lint_pg_walk(v, lint_pg_direct, direct);
		free(v);
	}
	char *classes = maincf_get(c->mc, "smtpd_restriction_classes");
	char **cl = maincf_split_list(classes, NULL);
	for (size_t i = 0; cl[i]; i++) {
		char *v = maincf_get(c->mc, cl[i]);
		lint_pg_walk(v, lint_pg_direct, direct);
		free(v);
	}
	maincf_list_free(cl);
	free(classes);
	struct strmap *told = strmap_create(16);
	for (size_t i = 0; i < c->nuses; i++) {
		const struct lint_pg_use *u = &c->uses[i];
		if (!strmap_get(direct, u->spec) || strmap_get(told, u->spec))
			continue;
		strmap_put(told, u->spec, (void *)1);
		lint_pg_report_chroot(c, &s, c->mcpath, u->line, u->param, u->spec);
	}
	strmap_free(&told);
	strmap_free(&direct);
	free(s.name);
}

/* ---- non-ascii-key-latin1 ---- */

/* Postfix's version: $VMAILADM_POSTFIX_VERSION (the Postfix of another
 * machine), else postconf's mail_version; "" when unknown. */
static char lint_pg_version[64];
static pthread_once_t lint_pg_version_once = PTHREAD_ONCE_INIT;

static void lint_pg_ask_version(void)
{
	const char *given = getenv("VMAILADM_POSTFIX_VERSION");
	if (given) {
		snprintf(lint_pg_version, sizeof lint_pg_version, "%s", given);
		return;
	}
	static const char *const argv[] = { "postconf", "-d", "-h", "mail_version", NULL };
	spawn_first_word(argv, lint_pg_version, sizeof lint_pg_version);
}

static bool lint_pg_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* what: "the domain %s", "the mailbox %s" or "the alias %s" (translated). */
static void lint_pg_key(struct lint_pg *c, const char *key, const char *what, const char *file,
			unsigned line)
{
	if (lint_pg_ascii(key))
		return;
	char *named = xasprintf(what, key);
	lint_add(c->r, "non-ascii-key-latin1", LINT_WARNING, file, line, key,
		 _("%s is not ASCII, and Postfix %s queries PostgreSQL with client_encoding LATIN1 (UTF8 from 3.8): its UTF-8 bytes are read as Latin-1 and match no row, so mail to it is refused"),
		 named, lint_pg_version);
	lint_fix(c->r, _("use the ASCII form (an IDN domain as xn--...), or Postfix 3.8 or later"));
	free(named);
}

static bool lint_pg_uses_pgsql(const struct lint_pg *c)
{
	if (c->cfg->backend == BACKEND_PGSQL)
		return true;
	for (size_t i = 0; i < c->nuses; i++)
		if (lint_pg_prefix(lint_pg_unproxied(c->uses[i].spec), "pgsql:"))
			return true;
	return false;
}

static void lint_pg_encoding(struct lint_pg *c)
{
	if (!lint_pg_uses_pgsql(c))
		return;
	pthread_once(&lint_pg_version_once, lint_pg_ask_version);
	int major = 0, minor = 0;
	if (sscanf(lint_pg_version, "%d.%d", &major, &minor) != 2 || major > 3 || (major == 3 && minor >= 8))
		return;
	size_t n;
	const struct domain *doms = world_domains(c->w, &n);
	for (size_t i = 0; i < n; i++) {
		const struct domain_listing *l = doms[i].nlistings ? &doms[i].listings[0] : NULL;
		lint_pg_key(c, doms[i].name, _("the domain %s"), l ? l->file : NULL, l ? l->line : 0);
	}
	const struct mailbox *b = world_mailboxes(c->w, &n);
	for (size_t i = 0; i < n; i++)
		lint_pg_key(c, b[i].address, _("the mailbox %s"), b[i].file, b[i].line);
	const struct alias *a = world_aliases(c->w, &n);
	for (size_t i = 0; i < n; i++)
		if (!world_mailbox_find(c->w, a[i].address))   /* a self-alias: said once */
			lint_pg_key(c, a[i].address, _("the alias %s"), a[i].file, a[i].line);
}

/* ---- pgsql-maps-unused ---- */

static void lint_pg_any_pgsql(void *arg, const char *spec)
{
	if (lint_pg_prefix(lint_pg_unproxied(spec), "pgsql:"))
		*(bool *)arg = true;
}

/* On backend pgsql vmailadm edits the database's rows; a server whose
 * account parameters still name other tables (the flat files before db
 * postfix-config was applied) delivers by those, which no longer follow
 * the edits: every commit "succeeds" and the mail goes by the old files. */
static void lint_pg_unused(struct lint_pg *c)
{
	static const char *const account_params[] = {
		"virtual_mailbox_domains", "virtual_mailbox_maps", "virtual_alias_maps", NULL,
	};
	if (c->cfg->backend != BACKEND_PGSQL || !c->own)
		return;
	for (size_t i = 0; account_params[i]; i++) {
		unsigned line = 0;
		const char *raw = maincf_raw(c->mc, account_params[i], &line);
		char *value = maincf_get(c->mc, account_params[i]);
		bool pg = false;
		lint_pg_walk(value, lint_pg_any_pgsql, &pg);
		if (!pg && value && *value) {
			lint_add(c->r, "pgsql-maps-unused", LINT_WARNING, c->mcpath, raw ? line : 0,
				 account_params[i],
				 _("%s reads %s, not the database: Postfix delivers by it, while vmailadm (backend pgsql) edits the database's rows"),
				 account_params[i], value);
			lint_fix(c->r, "%s", _("vmailadm db postfix-config --apply (or lint --fix): main.cf's lines and the missing map files, staged and diffed, then a reload"));
		}
		free(value);
	}
}

/* ---- the rules, and the snapshot's files named as the database ---- */

void lint_pgsql(const struct world *w, const struct config *cfg, struct lint_report *r)
{
	struct lint_pg c = { .w = w, .cfg = cfg, .r = r };
	if (cfg->server_postfix_dir) {
		c.mcpath = xasprintf("%s/main.cf", cfg->server_postfix_dir);
		struct doc *doc = NULL;
		struct diags quiet = DIAGS_INIT;
		if (doc_load(c.mcpath, false, &doc, &quiet) == 0)
			c.own = maincf_parse(doc, &quiet);
		diags_free(&quiet);
		c.mc = c.own;
	} else {
		c.mcpath = xstrdup(world_maincf_path(w));
		c.mc = world_maincf(w);
	}
	const char *slash = strrchr(c.mcpath, '/');
	c.mspath = xasprintf("%.*s/master.cf", slash ? (int)(slash - c.mcpath) : 1, slash ? c.mcpath : ".");
	if (c.mc) {
		lint_pg_collect(&c);
		lint_pg_proxy(&c);
		lint_pg_chroot(&c);
		lint_pg_encoding(&c);
		lint_pg_unused(&c);
	}
	for (size_t i = 0; i < c.nuses; i++)
		free(c.uses[i].spec);
	free(c.uses);
	maincf_free(&c.own);
	free(c.mcpath);
	free(c.mspath);
}

/* On backend pgsql the rules name the snapshot's files, which vanish at
 * exit: name them as the admin knows them (source.h). */
void lint_pgsql_names(const struct config *cfg, struct lint_report *r)
{
	if (!cfg->server_postfix_dir)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct lint_problem *p = &r->v[i];
		struct source s;
		source_of(cfg, p->file, p->line, &s);
		if (s.file != p->file) {
			lint_refile(r, p, s.file);
			p->line = s.line;
		}
		source_free(&s);
	}
}
