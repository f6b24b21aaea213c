/* `vmailadm list domains|mailboxes|aliases|catchalls [DOMAIN] [--json]`:
 * the model as aligned text columns or as stable JSON (doc/json.md). Also
 * home of cli_world(), the loader every read-only command shares. */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/aliasdom.h"
#include "vmailadm/aliases.h"
#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/source.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* ---- a tiny column formatter: rows of printable cells, padded on output ---- */

struct table_out {
	size_t ncols;
	char **cells;   /* row-major */
	size_t nrows, cap;
	size_t *width;
};

static void tout_init(struct table_out *t, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->width = xcalloc(ncols, sizeof *t->width);
}

static void tout_row(struct table_out *t, const char *const *cols)
{
	xgrow(&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof *t->cells);
	for (size_t c = 0; c < t->ncols; c++) {
		struct strbuf sb = STRBUF_INIT;
		const char *s = cols[c] ? cols[c] : "";
		sb_add_printable(&sb, s, strlen(s));
		char *cell = sb_detach(&sb);
		if (!cell)
			cell = xstrdup("");
		size_t wd = utf8_columns(cell);
		if (wd > t->width[c])
			t->width[c] = wd;
		t->cells[t->nrows * t->ncols + c] = cell;
	}
	t->nrows++;
}

static void tout_print(struct table_out *t, FILE *fp)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;
			fputs(cell, fp);
			if (!last)
				for (size_t k = utf8_columns(cell); k < t->width[c] + 2; k++)
					fputc(' ', fp);
		}
		fputc('\n', fp);
	}
}

static void tout_free(struct table_out *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
}

/* ---- shared formatting ---- */

static json_t *json_catchall(const struct config *cfg, const struct catchall *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "domain", json_string(c->domain));
	json_object_set_new(o, "target", json_string(c->target));
	json_object_set_new(o, "map", json_string(model_catchall_map_name(c->map)));
	cli_json_source(o, cfg, c->file, c->line);
	return o;
}

/* The domains with their alias domains (aliasdom.h): JSON in name order,
 * the table with each alias domain right under the domain it mirrors. */
struct domain_rows {
	const struct domain *doms;
	struct aliasdom *ads;
	size_t nads;
	size_t *order;            /* the table's rows: indices in doms */
	const char **alias_of;    /* per row: the domain it mirrors, or NULL */
};

static const char *domain_alias_of(const struct domain_rows *r, const char *name)
{
	for (size_t i = 0; i < r->nads; i++)
		if (strcmp(r->ads[i].domain, name) == 0)
			return r->ads[i].target;
	return NULL;
}

static void domain_rows_make(const struct world *w, struct domain_rows *r, size_t *n)
{
	r->doms = world_domains(w, n);
	r->ads = aliasdom_list(w, NULL, &r->nads);
	r->order = xcalloc(*n + 1, sizeof *r->order);
	r->alias_of = xcalloc(*n + 1, sizeof *r->alias_of);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		const char *of = domain_alias_of(r, r->doms[i].name);
		if (of && world_domain_find(w, of))
			continue;   /* placed under its target */
		r->alias_of[k] = of;
		r->order[k++] = i;
		for (size_t a = 0; a < r->nads && !of; a++) {
			if (strcmp(r->ads[a].target, r->doms[i].name) != 0)
				continue;
			const struct domain *ad = world_domain_find(w, r->ads[a].domain);
			r->alias_of[k] = r->doms[i].name;
			r->order[k++] = (size_t)(ad - r->doms);
		}
	}
}

static void domain_rows_free(struct domain_rows *r)
{
	free(r->ads);
	free(r->order);
	free(r->alias_of);
}

static json_t *json_domain(const struct config *cfg, const struct domain *dom,
			   const struct domain_rows *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "domain", json_string(dom->name));
	json_object_set_new(o, "class", json_string(model_domain_class_name(dom->class)));
	const char *of = domain_alias_of(r, dom->name);
	json_object_set_new(o, "alias_of", of ? json_string(of) : json_null());
	json_t *mirrors = json_array();
	for (size_t i = 0; i < r->nads; i++)
		if (strcmp(r->ads[i].target, dom->name) == 0)
			json_array_append_new(mirrors, json_string(r->ads[i].domain));
	json_object_set_new(o, "alias_domains", mirrors);
	json_t *classes = json_array();
	for (unsigned bit = DOMAIN_LOCAL; bit <= DOMAIN_VIRTUAL_MAILBOX; bit <<= 1)
		if (dom->classes & bit)
			json_array_append_new(classes,
					      json_string(model_domain_class_name((enum domain_class)bit)));
	json_object_set_new(o, "classes", classes);
	json_object_set_new(o, "mailboxes", json_integer((json_int_t)dom->nmailboxes));
	json_object_set_new(o, "aliases", json_integer((json_int_t)dom->naliases));
	json_object_set_new(o, "catchall", dom->catchall_alias ? json_catchall(cfg, dom->catchall_alias)
				: dom->catchall_mailbox ? json_catchall(cfg, dom->catchall_mailbox)
				: json_null());
	json_t *listed = json_array();
	for (size_t i = 0; i < dom->nlistings; i++) {
		const struct domain_listing *l = &dom->listings[i];
		json_t *lo = json_object();
		json_object_set_new(lo, "class", json_string(model_domain_class_name(l->class)));
		/* listed by the database: the table, not the snapshot's file */
		struct source src;
		source_of(cfg, l->file, l->line, &src);
		json_object_set_new(lo, "via", json_string(source_is_row(cfg, l->file) ? src.file : l->via));
		source_free(&src);
		cli_json_source(lo, cfg, l->file, l->line);
		json_array_append_new(listed, lo);
	}
	json_object_set_new(o, "listed", listed);
	return o;
}

/* ---- the lists ---- */

enum what { LIST_DOMAINS, LIST_MAILBOXES, LIST_ALIASES, LIST_CATCHALLS, LIST_SYSALIASES };

static const char *class_label(enum domain_class c)
{
	switch (c) {
	case DOMAIN_VIRTUAL_MAILBOX: return _("virtual mailbox");
	case DOMAIN_VIRTUAL_ALIAS: return _("virtual alias");
	case DOMAIN_LOCAL: return _("local");
	case DOMAIN_OTHER: break;
	}
	return _("not hosted");
}

/* The lists share their frame: a table under a header row, or a JSON
 * array (list_json_array). */
static void list_begin(struct table_out *t, size_t ncols, const char *const *header)
{
	tout_init(t, ncols);
	tout_row(t, header);
}

/* A table with no rows is not printed at all (not even its header). */
static size_t list_end(struct table_out *t, size_t count)
{
	if (count)
		tout_print(t, stdout);
	tout_free(t);
	return count;
}

/* What a list shows: one domain's entries (only; NULL: all), and the
 * configuration that names where each is defined (source.h). */
struct list_filter {
	const char *only;
	const struct config *cfg;
};

/* Element i of a list appended to out as JSON one level deep, or false
 * (nothing appended) when it is filtered out (another domain than only).
 * Runs on two threads at once: reads only. */
typedef bool list_elem_fn(struct strbuf *out, const void *items, size_t i, const struct list_filter *f);

/* An element made with jansson (e may be NULL: filtered out). */
static bool list_elem_json(struct strbuf *out, json_t *e)
{
	if (!e)
		return false;
	cli_json_dump(out, e, 1);
	json_decref(e);
	return true;
}

/* A run of elements, made and dumped into out, each after ",\n  " and
 * indented one level deeper than on its own. */
struct list_chunk {
	list_elem_fn *elem;
	const void *items;
	const struct list_filter *f;
	size_t from, to, count;
	struct strbuf out;
};

enum { LIST_CHUNK = 512 };

static void *list_chunk_make(void *arg)
{
	struct list_chunk *c = arg;
	for (size_t i = c->from; i < c->to; i++) {
		size_t at = c->out.len;
		sb_adds(&c->out, ",\n  ");
		if (c->elem(&c->out, c->items, i, c->f))
			c->count++;
		else
			sb_truncate(&c->out, at);
	}
	return NULL;
}

/* The n elements as a JSON array on stdout, byte for byte what json_dumpf
 * prints of the whole array with JSON_INDENT(2), but made LIST_CHUNK at a
 * time on two threads and printed in order as they come: 100,000 mailboxes
 * never sit in memory as 100,000 objects, and making them (a stat per
 * maildir, jansson) takes both cores. Returns how many were printed. */
static size_t list_json_array(const void *items, size_t n, list_elem_fn *elem, const struct list_filter *f)
{
	size_t count = 0;
	for (size_t at = 0; at < n; at += 2 * LIST_CHUNK) {
		struct list_chunk c[2];
		for (size_t k = 0; k < 2; k++) {
			size_t from = at + k * LIST_CHUNK, to = from + LIST_CHUNK;
			c[k] = (struct list_chunk){ elem, items, f, from < n ? from : n, to < n ? to : n,
						    0, STRBUF_INIT };
		}
		pthread_t tid;
		bool threaded = c[1].from < c[1].to && pthread_create(&tid, NULL, list_chunk_make, &c[1]) == 0;
		list_chunk_make(&c[0]);
		if (threaded)
			pthread_join(tid, NULL);
		else
			list_chunk_make(&c[1]);
		for (size_t k = 0; k < 2; k++) {
			if (c[k].count) {
				/* The first element opens the array instead of following a comma. */
				fputs(count ? ",\n  " : "[\n  ", stdout);
				fwrite(sb_str(&c[k].out) + 4, 1, c[k].out.len - 4, stdout);
				count += c[k].count;
			}
			sb_free(&c[k].out);
		}
	}
	fputs(count ? "\n]\n" : "[]\n", stdout);
	return count;
}

/* Row i of a list into t, or false when it is filtered out (another
 * domain than f->only). */
typedef bool list_row_fn(struct table_out *t, const void *items, size_t i, const struct list_filter *f);

static bool domain_elem(struct strbuf *out, const void *items, size_t i, const struct list_filter *f)
{
	const struct domain_rows *r = items;
	const struct domain *dom = &r->doms[i];
	return list_elem_json(out, f->only && strcmp(dom->name, f->only) != 0 ? NULL : json_domain(f->cfg, dom, r));
}

static bool domain_row(struct table_out *t, const void *items, size_t i, const struct list_filter *f)
{
	const struct domain_rows *r = items;
	const struct domain *dom = &r->doms[r->order[i]];
	const char *alias_of = r->alias_of[i];
	if (f->only && strcmp(dom->name, f->only) != 0)
		return false;
	char nm[32], na[32];
	snprintf(nm, sizeof nm, "%zu", dom->nmailboxes);
	snprintf(na, sizeof na, "%zu", dom->naliases);
	const struct catchall *c = dom->catchall_alias ? dom->catchall_alias : dom->catchall_mailbox;
	char *cls = dom->conflict ? xasprintf(_("%s (listed in several classes)"), class_label(dom->class))
		  : alias_of ? xasprintf(_("alias domain of %s"), alias_of)
			     : xstrdup(class_label(dom->class));
	/* under its target, indented (the first word is still the name) */
	char *name = alias_of && !f->only ? xasprintf("  %s", dom->name) : xstrdup(dom->name);
	tout_row(t, (const char *const[]){ name, cls, nm, na, c ? c->target : "-" });
	free(name);
	free(cls);
	return true;
}

static bool mailbox_elem(struct strbuf *out, const void *items, size_t i, const struct list_filter *f)
{
	const struct mailbox *b = (const struct mailbox *)items + i;
	if (f->only && strcmp(b->domain, f->only) != 0)
		return false;
	cli_json_mailbox_write(out, f->cfg, b, 1);
	return true;
}

static bool mailbox_row(struct table_out *t, const void *items, size_t i, const struct list_filter *f)
{
	const struct mailbox *b = (const struct mailbox *)items + i;
	if (f->only && strcmp(b->domain, f->only) != 0)
		return false;
	char *quota = cli_format_quota(b);
	char *scheme = b->pw ? pwfile_scheme(b->pw) : NULL;
	const char *pw = b->pw_unknown ? _("(unknown: passwd-file unreadable)")
			 : !b->pw ? _("(no passwd-file entry)")
			 : (!scheme || !*scheme) ? _("(none)") : scheme;
	char *dir = b->is_maildir ? xstrdup(b->maildir) : xasprintf(_("%s (mbox)"), b->maildir);
	tout_row(t, (const char *const[]){ b->address, dir, *quota ? quota : "-", pw });
	free(dir);
	free(quota);
	free(scheme);
	return true;
}

static bool alias_elem(struct strbuf *out, const void *items, size_t i, const struct list_filter *f)
{
	const struct alias *a = (const struct alias *)items + i;
	return list_elem_json(out, f->only && strcmp(a->domain, f->only) != 0 ? NULL : cli_json_alias(f->cfg, a));
}

static bool alias_row(struct table_out *t, const void *items, size_t i, const struct list_filter *f)
{
	const struct alias *a = (const struct alias *)items + i;
	if (f->only && strcmp(a->domain, f->only) != 0)
		return false;
	struct strbuf sb = STRBUF_INIT;
	for (size_t k = 0; k < a->ntargets; k++) {
		if (k)
			sb_adds(&sb, ", ");
		sb_adds(&sb, a->targets[k].address);
		if (a->targets[k].class == TARGET_EXTERNAL)
			sb_adds(&sb, _(" (external)"));
		else if (a->targets[k].class == TARGET_UNKNOWN)
			sb_adds(&sb, _(" (unknown!)"));
	}
	char *where = source_text(f->cfg, a->file, a->line);
	tout_row(t, (const char *const[]){ a->address, sb_str(&sb), where });
	free(where);
	sb_free(&sb);
	return true;
}

static bool catchall_elem(struct strbuf *out, const void *items, size_t i, const struct list_filter *f)
{
	const struct catchall *c = (const struct catchall *)items + i;
	return list_elem_json(out, f->only && strcmp(c->domain, f->only) != 0 ? NULL : json_catchall(f->cfg, c));
}

static bool catchall_row(struct table_out *t, const void *items, size_t i, const struct list_filter *f)
{
	const struct catchall *c = (const struct catchall *)items + i;
	if (f->only && strcmp(c->domain, f->only) != 0)
		return false;
	char *where = source_text(f->cfg, c->file, c->line);
	tout_row(t, (const char *const[]){ c->domain,
		c->map == CATCHALL_IN_ALIAS_MAP ? _("alias") : _("mailbox"), c->target, where });
	free(where);
	return true;
}

/* The system aliases (/etc/aliases): local(8)'s, for the mydestination
 * domains (root, postmaster ...); items is the struct aliases. */
static const char *sysalias_file(const struct aliases *al)
{
	return aliases_doc(al) ? doc_name(aliases_doc(al)) : NULL;
}

static bool sysalias_elem(struct strbuf *out, const void *items, size_t i, const struct list_filter *f)
{
	(void)f;
	const struct aliases *al = items;
	return list_elem_json(out, cli_json_sysalias(aliases_entry(al, i), sysalias_file(al)));
}

static bool sysalias_row(struct table_out *t, const void *items, size_t i, const struct list_filter *f)
{
	(void)f;
	const struct aliases *al = items;
	const struct alias_entry *e = aliases_entry(al, i);
	const char *file = sysalias_file(al);
	struct strbuf sb = STRBUF_INIT;
	for (size_t k = 0; k < e->ntargets; k++) {
		if (k)
			sb_adds(&sb, ", ");
		sb_adds(&sb, e->targets[k]);
	}
	char *where = xasprintf("%s:%u", file ? file : "-", e->line);
	tout_row(t, (const char *const[]){ e->lookup_key, sb_str(&sb), where });
	free(where);
	sb_free(&sb);
	return true;
}

/* One row per list (enum what's order): its word, its columns, its
 * elements as JSON and as rows. */
static const struct list_kind {
	const char *name;
	size_t ncols;
	const char *head[5];   /* untranslated */
	list_elem_fn *elem;
	list_row_fn *row;
} list_kinds[] = {
	[LIST_DOMAINS] = { "domains", 5, { N_("DOMAIN"), N_("CLASS"), N_("MAILBOXES"), N_("ALIASES"),
					   N_("CATCH-ALL") }, domain_elem, domain_row },
	[LIST_MAILBOXES] = { "mailboxes", 4, { N_("ADDRESS"), N_("MAILDIR"), N_("QUOTA"), N_("PASSWORD") },
			     mailbox_elem, mailbox_row },
	[LIST_ALIASES] = { "aliases", 3, { N_("ADDRESS"), N_("TARGETS"), N_("WHERE") }, alias_elem,
			   alias_row },
	[LIST_CATCHALLS] = { "catchalls", 4, { N_("DOMAIN"), N_("MAP"), N_("TARGET"), N_("WHERE") },
			     catchall_elem, catchall_row },
	[LIST_SYSALIASES] = { "sysaliases", 3, { N_("NAME"), N_("TARGETS"), N_("WHERE") }, sysalias_elem,
			      sysalias_row },
};
#define NLISTS (sizeof list_kinds / sizeof list_kinds[0])

/* The n items of a list as JSON (list_json_array) or as a table with a
 * header row; returns how many were shown. */
static size_t list_run(const struct list_kind *k, const void *items, size_t n, const struct list_filter *f,
		       bool json)
{
	if (json)
		return list_json_array(items, n, k->elem, f);
	const char *head[5] = { NULL };   /* only ncols are set */
	for (size_t c = 0; c < k->ncols; c++)
		head[c] = _(k->head[c]);
	struct table_out t;
	list_begin(&t, k->ncols, head);
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += k->row(&t, items, i, f);
	return list_end(&t, count);
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a);
	if (a.nops == 0)
		return cli_usage_error(cli, _("what? domains, mailboxes, aliases or catchalls"));
	const char *names[NLISTS];
	for (size_t i = 0; i < NLISTS; i++)
		names[i] = list_kinds[i].name;
	const char *what_s = a.ops[0];
	size_t what = NLISTS;
	for (size_t i = 0; i < NLISTS; i++)
		if (strcmp(what_s, names[i]) == 0 ||
		    (strlen(what_s) + 1 == strlen(names[i]) && strncmp(what_s, names[i], strlen(what_s)) == 0))
			what = i;   /* "domain" works as well as "domains" */
	if (what == NLISTS)
		return cli_unknown(cli, _("unknown list '%s' (domains, mailboxes, aliases, catchalls, sysaliases)"),
				   what_s, names, NLISTS);
	if (a.nops > 2)
		return cli_usage_error(cli, _("too many arguments"));
	if (a.nops == 2 && what == LIST_SYSALIASES)
		return cli_usage_error(cli, _("the system aliases belong to no virtual domain: no DOMAIN"));
	char *only = NULL;
	if (a.nops == 2) {
		only = xstrdup(a.ops[1]);
		for (char *p = only; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}

	struct world *w = cli_world(cli);
	if (only && !world_domain_find(w, only)) {
		cli_error(cli, _("%s is not a domain this server hosts"), only);
		world_free(&w);
		free(only);
		return EXIT_PROBLEMS;
	}
	const void *items = NULL;
	size_t n = 0;
	struct domain_rows rows = { 0 };
	switch ((enum what)what) {
	case LIST_DOMAINS:
		domain_rows_make(w, &rows, &n);
		items = &rows;
		break;
	case LIST_MAILBOXES: items = world_mailboxes(w, &n); break;
	case LIST_ALIASES: items = world_aliases(w, &n); break;
	case LIST_CATCHALLS: items = world_catchalls(w, &n); break;
	case LIST_SYSALIASES:
		items = world_system_aliases(w);
		n = aliases_count(items);
		break;
	}
	struct list_filter filter = { only, cli->cfg };
	size_t count = list_run(&list_kinds[what], items, n, &filter, json);
	/* An empty text list says so (on stderr: stdout stays empty for a
	 * script, and the exit status is 1); --json prints [] instead. */
	static const char *const none[] = {
		N_("no domain"), N_("no mailbox"), N_("no alias"), N_("no catch-all"),
		N_("no system alias"),
	};
	if (!count && !json) {
		if (only)
			fprintf(stderr, "%s: %s (%s)\n", cli->who, _(none[what]), only);
		else
			fprintf(stderr, "%s: %s\n", cli->who, _(none[what]));
	}
	domain_rows_free(&rows);
	bool complete = world_unreadable_count(w) == 0;
	world_free(&w);
	free(only);
	return count && complete ? EXIT_OK : EXIT_PROBLEMS;
}
