/* The items of a flat-file server's account lists (virtual_mailbox_domains,
 * virtual_mailbox_maps, virtual_alias_maps, virtual_alias_domains) and
 * what becomes of each on the database: a domain name, a /file/name list,
 * an inline: table and an indexed table (hash, btree, texthash ...) are
 * rows (db import); a regexp: or pcre: table cannot be (its keys are
 * patterns), nor can a map vmailadm does not read (mysql:, ldap:, static:
 * ...): those stay as main.cf names them, files to be copied to every
 * server. One owner for that rule: db import names them, db
 * postfix-config keeps them in their place in each list beside the
 * database's maps, so that Postfix searches the lists in the same order. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

enum kept_kind { KEPT_ROWS, KEPT_PATTERN, KEPT_OTHER };

/* The database's own maps (a server already on pgsql) are rows too:
 * replaced by the new ones, never kept beside them. */
static bool keptmaps_is_pgsql(const char *it)
{
	return !strncmp(it, "pgsql:", 6) || !strncmp(it, "proxy:pgsql:", 12);
}

static enum kept_kind keptmaps_kind(const char *it)
{
	if (keptmaps_is_pgsql(it) || !strncmp(it, "inline:", 7))
		return KEPT_ROWS;
	if (it[0] == '!')
		return KEPT_OTHER;   /* an exclusion, kept as written */
	if (it[0] != '/' && !strchr(it, ':'))
		return KEPT_ROWS;    /* a domain name */
	struct table_ref ref;
	bool ok = table_ref_parse(it, &ref);
	enum kept_kind k = !ok ? KEPT_OTHER : ref.syntax == TABLE_REGEXP ? KEPT_PATTERN : KEPT_ROWS;
	table_ref_free(&ref);
	return k;
}

/* The four parameters, in the order db postfix-config prints them; the
 * database's maps that take their row items' place are pgmaps.c's. The
 * domains of virtual_alias_domains are domain rows (searched through
 * virtual_mailbox_domains): it keeps only its items that stay. */
struct kept_param {
	const char *name;
};

static const struct kept_param params[] = {
	{ "virtual_mailbox_domains" },
	{ "virtual_mailbox_maps" },
	{ "virtual_alias_maps" },
	{ "virtual_alias_domains" },
};
#define NPARAMS (sizeof params / sizeof *params)

/* Whether a kept item was already named (one warning per table, whatever
 * the number of lists it is in). */
static bool keptmaps_seen(char **seen, size_t n, const char *it)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(seen[i], it))
			return true;
	return false;
}

static void keptmaps_param(const struct kept_param *kp, const struct maincf *mc, const char *dir,
			   const char *maincf_path, struct strbuf *out, struct diags *d);

/* A kept table named by a relative path: Postfix's daemons open it from
 * queue_directory, where each runs (as the model reads it: load_maps.c),
 * so it is that directory's file on every server that is to find it. */
static void keptmaps_relative(const struct maincf *mc, const char *it, const char *param,
			      const char *maincf_path, unsigned line, struct diags *d)
{
	struct table_ref ref;
	if (table_ref_parse(it, &ref) && ref.path && ref.path[0] != '/') {
		char *qdir = maincf_get(mc, "queue_directory");
		diag_warn(d, maincf_path, line,
			  _("%s (%s): a relative path: Postfix's daemons open it from queue_directory "
			    "(%s/%s), not from main.cf's directory; put it there on every server, or "
			    "name it by its absolute path"),
			  it, param, qdir, ref.path);
		free(qdir);
	}
	table_ref_free(&ref);
}

void pgdb_keptmaps_report(const struct maincf *mc, const char *maincf_path, struct diags *d)
{
	char **seen = NULL;
	size_t nseen = 0, cap = 0;
	for (size_t p = 0; p < NPARAMS; p++) {
		unsigned line = 0;
		maincf_raw(mc, params[p].name, &line);
		char *value = maincf_get(mc, params[p].name);
		size_t n;
		char **items = maincf_split_list(value, &n);
		for (size_t i = 0; i < n; i++) {
			enum kept_kind k = keptmaps_kind(items[i]);
			if (k == KEPT_ROWS || keptmaps_seen(seen, nseen, items[i]))
				continue;
			xgrow(&seen, &cap, nseen + 1, sizeof *seen);
			seen[nseen++] = xstrdup(items[i]);
			if (k == KEPT_PATTERN)
				diag_warn(d, maincf_path, line,
					  _("%s (%s): a pattern table cannot be rows of the database: it "
					    "stays a file, kept as it is; copy it to every server (db "
					    "postfix-config keeps it in its place in the list)"),
					  items[i], params[p].name);
			else
				diag_warn(d, maincf_path, line,
					  _("%s (%s): not a table vmailadm can read into rows: nothing "
					    "of it is imported; it stays as main.cf names it, on every "
					    "server (db postfix-config keeps it in its place in the list)"),
					  items[i], params[p].name);
			keptmaps_relative(mc, items[i], params[p].name, maincf_path, line, d);
		}
		maincf_list_free(items);
		free(value);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	/* The search order db postfix-config's lists change, said now. */
	struct strbuf scratch = STRBUF_INIT;
	for (size_t p = 0; p < NPARAMS; p++)
		keptmaps_param(&params[p], mc, "", maincf_path, &scratch, d);
	sb_free(&scratch);
}

/* One parameter's new list, its items joined by ", ": rows (the items that replace
 * its row items, "" for none) where the first row item stood (last when
 * there is none: the kept items keep their order for every key), every
 * kept item in its place. A row item after a kept one in an address list
 * is searched before it now: said in d (may be NULL), naming both. */
static void keptmaps_value(const char *name, const struct maincf *mc, const char *rows,
			   const char *maincf_path, struct strbuf *out, struct diags *d)
{
	unsigned line = 0;
	if (mc)
		maincf_raw(mc, name, &line);
	/* A domain list is a membership test: its order means nothing. */
	bool ordered = !strcmp(name + strlen(name) - 5, "_maps");
	char *value = mc ? maincf_get(mc, name) : xstrdup("");
	size_t n;
	char **items = maincf_split_list(value, &n);
	bool placed = false, first = true;
	const char *last_kept = NULL;
	for (size_t i = 0; i <= n; i++) {
		if (i == n && placed)
			break;
		bool is_rows = i == n || keptmaps_kind(items[i]) == KEPT_ROWS;
		if (is_rows && placed) {
			if (last_kept && ordered && d)
				diag_warn(d, maincf_path, line,
					  _("%s: %s came after %s; its rows, now in the database's "
					    "maps, are searched before it: a key both answer gets the "
					    "database's answer, no longer %s's"),
					  name, items[i], last_kept, last_kept);
			continue;
		}
		const char *text = is_rows ? rows : items[i];
		if (*text) {
			sb_addf(out, "%s%s", first ? "" : ", ", text);
			first = false;
		}
		if (is_rows)
			placed = true;
		else
			last_kept = items[i];
	}
	maincf_list_free(items);
	free(value);
}

/* "name = value\n", as db postfix-config prints it ("name =" when empty). */
static void keptmaps_line(const char *name, const char *value, struct strbuf *out)
{
	sb_addf(out, "%s =%s%s\n", name, *value ? " " : "", value);
}

static void keptmaps_list(const char *name, const struct maincf *mc, const char *rows,
			  const char *maincf_path, struct strbuf *out, struct diags *d)
{
	struct strbuf v = STRBUF_INIT;
	keptmaps_value(name, mc, rows, maincf_path, &v, d);
	keptmaps_line(name, sb_str(&v), out);
	sb_free(&v);
}

/* Does any item of the list stay as written? */
static bool keptmaps_any(const struct maincf *mc, const char *name)
{
	char *value = mc ? maincf_get(mc, name) : xstrdup("");
	size_t n;
	char **items = maincf_split_list(value, &n);
	bool kept = false;
	for (size_t i = 0; i < n && !kept; i++)
		kept = keptmaps_kind(items[i]) != KEPT_ROWS;
	maincf_list_free(items);
	free(value);
	return kept;
}

/* The database's maps of one list, as its row items' replacement. */
static void keptmaps_pg_rows(const char *name, const char *dir, struct strbuf *rows)
{
	for (size_t m = 0; m < pgdb_postfix_map_count(); m++)
		if (!strcmp(pgdb_postfix_map_param(m), name))
			sb_addf(rows, "%sproxy:pgsql:%s/%s.cf", rows->len ? ", " : "", dir,
				pgdb_postfix_map_name(m));
}

/* One parameter of db postfix-config; virtual_alias_domains only when
 * main.cf sets it or keeps an item in it. */
static void keptmaps_param(const struct kept_param *kp, const struct maincf *mc, const char *dir,
			   const char *maincf_path, struct strbuf *out, struct diags *d)
{
	struct strbuf rows = STRBUF_INIT;
	keptmaps_pg_rows(kp->name, dir, &rows);
	if (rows.len || keptmaps_any(mc, kp->name) || (mc && maincf_raw(mc, kp->name, NULL)))
		keptmaps_list(kp->name, mc, sb_str(&rows), maincf_path, out, d);
	sb_free(&rows);
}

void pgdb_keptmaps_line(const struct maincf *mc, const char *name, const char *rows,
			struct strbuf *out)
{
	keptmaps_list(name, mc, rows, NULL, out, NULL);
}

/* A proxy_read_maps of main.cf's own (Postfix's default names the account
 * parameters) must approve the database's maps of each list: it names the
 * list ($name, ${name}, $(name)) or every one of its proxy:pgsql: maps;
 * else "$name" is added. Empty when nothing is missing. */
static void keptmaps_proxy_read(const struct maincf *mc, const struct pgdb_setting *v, size_t n,
				struct strbuf *out)
{
	const char *raw = mc ? maincf_raw(mc, "proxy_read_maps", NULL) : NULL;
	if (!raw)
		return;
	size_t ni;
	char **items = maincf_split_list(raw, &ni);
	struct strbuf add = STRBUF_INIT;
	bool comma = maincf_list_has_comma(raw);
	const char *sep = comma ? ", " : " ";
	for (size_t k = 0; k < n; k++) {
		if (!strstr(v[k].value, "proxy:pgsql:"))
			continue;
		bool named = false, every = true;
		size_t nm;
		char **maps = maincf_split_list(v[k].value, &nm);
		for (size_t m = 0; m < nm; m++) {
			if (strncmp(maps[m], "proxy:pgsql:", 12) != 0)
				continue;
			bool listed = false;
			for (size_t i = 0; i < ni && !listed; i++)
				listed = strcmp(items[i], maps[m]) == 0;
			every &= listed;
		}
		maincf_list_free(maps);
		for (size_t i = 0; i < ni && !named; i++) {
			const char *it = items[i];
			size_t len = strlen(v[k].name);
			named = it[0] == '$' &&
				((!strncmp(it + 1, v[k].name, len) && !it[1 + len]) ||
				 ((it[1] == '{' || it[1] == '(') && !strncmp(it + 2, v[k].name, len) &&
				  it[2 + len] == (it[1] == '{' ? '}' : ')') && !it[3 + len]));
		}
		if (!named && !every)
			sb_addf(&add, "%s$%s", add.len ? sep : "", v[k].name);
	}
	/* main.cf's own value, its separators kept (commas or spaces), then
	 * the lists it lacks in the same style */
	if (add.len && ni) {
		size_t len = strlen(raw);
		sb_adds(out, raw);
		sb_adds(out, !comma ? " " : len && raw[len - 1] == ',' ? " " : ", ");
	}
	sb_add(out, sb_str(&add), add.len);
	sb_free(&add);
	maincf_list_free(items);
}

size_t pgdb_postfix_settings(const char *dir, const struct maincf *mc, const char *maincf_path,
			     struct pgdb_setting **out, struct diags *d)
{
	struct pgdb_setting *v = xcalloc(NPARAMS + 1, sizeof *v);
	size_t n = 0;
	for (size_t p = 0; p < NPARAMS; p++) {
		const char *name = params[p].name;
		struct strbuf rows = STRBUF_INIT, value = STRBUF_INIT;
		keptmaps_pg_rows(name, dir, &rows);
		if (rows.len || keptmaps_any(mc, name) || (mc && maincf_raw(mc, name, NULL))) {
			keptmaps_value(name, mc, sb_str(&rows), maincf_path, &value, d);
			v[n].name = xstrdup(name);
			v[n++].value = sb_detach(&value);
		}
		sb_free(&value);
		sb_free(&rows);
	}
	struct strbuf prm = STRBUF_INIT;
	keptmaps_proxy_read(mc, v, n, &prm);
	if (prm.len) {
		v[n].name = xstrdup("proxy_read_maps");
		v[n++].value = sb_detach(&prm);
	}
	sb_free(&prm);
	*out = v;
	return n;
}

void pgdb_settings_free(struct pgdb_setting *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void pgdb_postfix_maincf(const char *dir, const struct maincf *mc, const char *maincf_path,
			 struct strbuf *out, struct diags *d)
{
	sb_adds(out, "# proxy:pgsql: (not pgsql:): smtpd runs chrooted and cannot reach the\n"
		     "# database's socket; proxymap is not. The default proxy_read_maps names\n"
		     "# these three parameters: a proxy_read_maps of your own must too.\n");
	struct pgdb_setting *v;
	size_t n = pgdb_postfix_settings(dir, mc, maincf_path, &v, d);
	for (size_t i = 0; i < n; i++)
		keptmaps_line(v[i].name, v[i].value, out);
	pgdb_settings_free(v, n);
}
