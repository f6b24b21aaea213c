/* Reading the files, for the world and for trace_open (one loader): main.cf,
 * the maps and domain lists it names, the sender login map, /etc/aliases;
 * every document through the stage's source when there is one, a file that
 * cannot be read noted once. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/sendas.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/xalloc.h"

/* ---- the files ---- */

/* Every document the model reads comes through here, so that a stage can
 * show the world as its edits will make it. */
static int load_read(const struct doc_source *src, const char *path, bool missing_ok,
		     struct doc **out, struct diags *d)
{
	if (src)
		return src->load(src->ctx, path, missing_ok, out, d);
	return doc_load(path, missing_ok, out, d);
}

/* load_read for a file the world keeps: one that exists but cannot be read
 * is noted (world_unreadable), for it is unknown, not empty. */
int load_read_noted(struct load_maps *lm, const char *path, bool missing_ok,
			   struct doc **out, struct diags *d)
{
	int rc = load_read(lm->src, path, missing_ok, out, d);
	if (rc < 0) {
		lm->unreadable = xreallocarray(lm->unreadable, lm->nunreadable + 1,
					       sizeof *lm->unreadable);
		lm->unreadable[lm->nunreadable++] = xstrdup(path);
	}
	return rc;
}

bool load_maincf(const struct config *cfg, const struct doc_source *src, char **path,
		 struct maincf **mc, char **base, struct diags *d)
{
	*path = xasprintf("%s/main.cf", cfg->postfix_dir ? cfg->postfix_dir : "/etc/postfix");
	struct doc *mdoc = NULL;
	if (load_read(src, *path, false, &mdoc, d) < 0) {
		if (mdoc && !diags_has_errors(d))
			diag_error(d, *path, 0, _("cannot read main.cf"));
		return false;
	}
	*mc = maincf_parse(mdoc, d);
	*base = maincf_get(*mc, "virtual_mailbox_base");
	if (!**base) {
		unsigned line = 0;
		maincf_raw(*mc, "virtual_mailbox_base", &line);
		diag_warn(d, *path, line,
			  _("virtual_mailbox_base is empty: maildir paths are relative"));
	}
	return true;
}

struct aliases *load_sysaliases(const struct config *cfg, const struct doc_source *src,
				struct diags *d)
{
	struct doc *doc = NULL;
	if (cfg->aliases_file && load_read(src, cfg->aliases_file, true, &doc, d) == 0) {
		if (!doc_exists(doc))
			diag_add(d, DIAG_NOTE, cfg->aliases_file, 0, _("the aliases file does not exist"));
	} else {
		doc = doc_from_mem(cfg->aliases_file ? cfg->aliases_file : "aliases", "", 0);
	}
	return aliases_parse(doc, d);
}

/* ---- maps ---- */

/* A map reference main.cf names (param, on line): ref parsed, *is_inline
 * for an inline:{...} map; false, with a warning, when vmailadm cannot
 * read its type (ref is freed then). */
static bool load_map_ref(const char *spec, const char *maincf, const char *queue_dir, unsigned line,
			 const char *param, struct table_ref *ref, bool *is_inline, struct diags *d)
{
	memset(ref, 0, sizeof *ref);
	bool ok = table_ref_parse(spec, ref);
	*is_inline = strncmp(spec, "inline:", 7) == 0;
	if (!ok && !*is_inline) {
		diag_warn(d, maincf, line,
			  _("%s: map type of '%s' cannot be read by vmailadm; its entries are ignored"),
			  param, spec);
		table_ref_free(ref);
		return false;
	}
	load_ref_resolve(ref, queue_dir);
	return true;
}

void load_ref_resolve(struct table_ref *ref, const char *queue_dir)
{
	if (!ref->path || ref->path[0] == '/' || !queue_dir || !*queue_dir)
		return;
	/* Postfix's daemons open a relative table path from the directory
	 * they run in: every one chdirs to queue_directory before it opens
	 * its maps (single_server.c, multi_server.c ...: "Run pre-jail
	 * initialization"), and a chrooted one is jailed there too. Never
	 * main.cf's directory, nor whatever directory vmailadm runs in. */
	char *abs = xasprintf("%s%s%s", queue_dir,
			      queue_dir[strlen(queue_dir) - 1] == '/' ? "" : "/", ref->path);
	free(ref->path);
	ref->path = abs;
}

/* Issue 16: the table of the world lm's source shares (doc_source's
 * share) for the same file read as the same syntax, when it was parsed
 * from the bytes doc holds; else NULL. */
static struct table *load_shared_table(const struct load_maps *lm, const struct world_map *m,
				       const struct doc *doc)
{
	const struct world *sw = lm->src ? lm->src->share : NULL;
	for (size_t i = 0; sw && m->ref.path && i < sw->maps.n; i++) {
		const struct world_map *o = sw->maps.v[i];
		if (o->table && o->ref.path && strcmp(o->ref.path, m->ref.path) == 0 &&
		    o->ref.syntax == m->ref.syntax && table_syntax(o->table) == m->ref.syntax &&
		    !doc_dirty(table_doc(o->table)) && doc_same(table_doc(o->table), doc))
			return o->table;
	}
	return NULL;
}

/* lm's base for relative table paths, from mc (once). */
static void load_queue_dir(struct load_maps *lm, const struct maincf *mc)
{
	if (!lm->queue_dir && mc)
		lm->queue_dir = maincf_get(mc, "queue_directory");
}

/* The contents of a new map m: an inline table, a pattern table (a
 * document), an indexed table or list (a document, or with use_index a
 * tableidx: a key index, values parsed on a hit). */
static void load_map_read(struct load_maps *lm, struct world_map *m, struct tableidx **idx,
			  const char *spec, bool is_inline, const char *param, unsigned line,
			  struct diags *d)
{
	const struct table_ref *ref = &m->ref;
	struct doc *doc = NULL;
	if (is_inline) {
		doc = table_inline_doc(spec);
		if (!doc)
			diag_warn(d, lm->maincf, line,
				  _("%s: cannot read '%s'; its entries are ignored"), param, spec);
		m->ref.syntax = TABLE_INDEXED;
	} else if (ref->path && lm->use_index && ref->syntax != TABLE_REGEXP) {
		if (tableidx_open(ref->path, ref->syntax, true, idx, d) == 0 && !tableidx_exists(*idx))
			diag_warn(d, lm->maincf, line, _("%s: %s does not exist"), param, ref->path);
	} else if (ref->path && load_read_noted(lm, ref->path, true, &doc, d) == 0 &&
		   !doc_exists(doc)) {
		diag_warn(d, lm->maincf, line, _("%s: %s does not exist"), param, ref->path);
	}
	struct table *shared = doc ? load_shared_table(lm, m, doc) : NULL;
	if (shared) {
		m->table = table_borrow(shared);
		doc_free(&doc);
	} else if (doc) {
		m->table = table_parse(doc, m->ref.syntax, d);
	}
}

/* The position of the map for spec, read the first time it is named; -1
 * when its type cannot be read. */
static long load_map(struct load_maps *lm, const char *spec, unsigned role, const char *param,
		     unsigned line, struct diags *d)
{
	struct table_ref ref;
	bool is_inline;
	struct diags quiet = DIAGS_INIT;
	bool ext = lm->external && lm->external(spec);
	bool ok = load_map_ref(spec, lm->maincf, lm->queue_dir, line, param, &ref, &is_inline,
			       ext ? &quiet : d);
	diags_free(&quiet);
	if (!ok)
		return -1;
	for (size_t i = 0; i < lm->n; i++)
		if (table_ref_same(&lm->v[i]->ref, &ref)) {
			table_ref_free(&ref);
			lm->v[i]->roles |= role;
			return (long)i;
		}

	struct world_map *m = xcalloc(1, sizeof *m);
	m->ref = ref;
	m->roles = role;
	struct tableidx *idx = NULL;
	load_map_read(lm, m, &idx, spec, is_inline, param, line, d);
	for (size_t i = 0; i < lm->n; i++)
		if (lm->v[i]->roles & role)
			m->order++;
	xgrow(&lm->v, &lm->cap, lm->n + 1, sizeof *lm->v);
	xgrow(&lm->idx, &lm->icap, lm->n + 1, sizeof *lm->idx);
	lm->v[lm->n] = m;
	lm->idx[lm->n] = idx;
	return (long)lm->n++;
}

static void load_address_maps(struct load_maps *lm, const struct maincf *mc, const char *param,
			      unsigned role, struct diags *d)
{
	unsigned line = 0;
	maincf_raw(mc, param, &line);
	char *value = maincf_get(mc, param);
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++)
		load_map(lm, items[i], role, param, line, d);
	maincf_list_free(items);
	free(value);
}

static void load_domain_param(struct load_maps *lm, const struct maincf *mc, const char *param,
			      enum domain_class cls, unsigned role, load_domain_item_fn *item,
			      void *ctx, struct diags *d)
{
	unsigned line = 0;
	maincf_raw(mc, param, &line);
	char *value = maincf_get(mc, param);
	size_t n;
	char **items = maincf_split_list(value, &n);
	for (size_t i = 0; i < n; i++) {
		const char *it = items[i];
		if (it[0] == '!') {
			diag_add(d, DIAG_NOTE, lm->maincf, line,
				 _("%s: exclusion '%s' is not evaluated by vmailadm"), param, it);
			continue;
		}
		struct world_map *m = NULL;
		if (it[0] == '/' || strchr(it, ':')) {
			long at = load_map(lm, it, role, param, line, d);
			if (at < 0 && lm->external && lm->external(it))
				item(ctx, it, NULL, cls, line);
			if (at < 0 || (!lm->v[at]->table && !lm->idx[at]))
				continue;
			m = lm->v[at];
			if (m->table && table_syntax(m->table) == TABLE_REGEXP) {
				diag_add(d, DIAG_NOTE, lm->maincf, line,
					 _("%s: the domains matched by pattern table '%s' are not listed"),
					 param, it);
				continue;
			}
		}
		item(ctx, it, m, cls, line);
	}
	maincf_list_free(items);
	free(value);
}

void load_maps_read(struct load_maps *lm, const struct maincf *mc, load_domain_item_fn *item,
		    void *ctx, struct diags *d)
{
	load_queue_dir(lm, mc);
	load_address_maps(lm, mc, "virtual_mailbox_maps", MAP_VIRTUAL_MAILBOX, d);
	load_address_maps(lm, mc, "virtual_alias_maps", MAP_VIRTUAL_ALIAS, d);
	load_domain_param(lm, mc, "mydestination", DOMAIN_LOCAL, MAP_MYDESTINATION, item, ctx, d);
	load_domain_param(lm, mc, "virtual_alias_domains", DOMAIN_VIRTUAL_ALIAS, MAP_ALIAS_DOMAINS,
			  item, ctx, d);
	load_domain_param(lm, mc, "virtual_mailbox_domains", DOMAIN_VIRTUAL_MAILBOX,
			  MAP_MAILBOX_DOMAINS, item, ctx, d);
}

/* The sender login map (sendas.h): main.cf's, else the setting's file,
 * which need not exist yet (then an empty table, and no word said). */
void load_sender_maps(struct load_maps *lm, const struct maincf *mc, const struct config *cfg,
			     struct diags *d)
{
	load_queue_dir(lm, mc);
	load_address_maps(lm, mc, "smtpd_sender_login_maps", MAP_SENDER_LOGIN, d);
	for (size_t i = 0; i < lm->n; i++)
		if (lm->v[i]->roles & MAP_SENDER_LOGIN)
			return;
	char *path = sendas_default_path(cfg), *spec = xasprintf("hash:%s", path);
	struct diags quiet = DIAGS_INIT;
	long at = load_map(lm, spec, MAP_SENDER_LOGIN, "sender_login_map", 0, &quiet);
	if (at >= 0 && lm->v[at]->table && doc_exists(table_doc(lm->v[at]->table)))
		diags_take(d, &quiet);
	diags_free(&quiet);
	free(spec);
	free(path);
}

struct tableidx *load_maps_idx(const struct load_maps *lm, size_t i)
{
	return i < lm->n ? lm->idx[i] : NULL;
}

void load_maps_free(struct load_maps *lm)
{
	for (size_t i = 0; i < lm->n; i++) {
		table_free(&lm->v[i]->table);
		table_ref_free(&lm->v[i]->ref);
		free(lm->v[i]);
		tableidx_free(&lm->idx[i]);
	}
	for (size_t i = 0; i < lm->nunreadable; i++)
		free(lm->unreadable[i]);
	free(lm->unreadable);
	lm->unreadable = NULL;
	free(lm->queue_dir);
	lm->queue_dir = NULL;
	lm->nunreadable = 0;
	free(lm->v);
	free(lm->idx);
	lm->v = NULL;
	lm->idx = NULL;
	lm->n = lm->cap = lm->icap = 0;
}
