/* A final recipient's fate: its domain's class (trivial-rewrite's
 * resolve.c; without a world, answered per name from the domain lists and
 * tables), then what the delivery agent does: virtual(8)'s mailbox lookup,
 * local(8) with /etc/aliases, the error transport of a virtual alias
 * domain, or relay to another host. */
#include "config.h"

#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"
#include "vmailadm/aliases.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/xalloc.h"

/* ---- domain classes (resolve.c) ---- */

static int class_slot(unsigned cls)
{
	return cls == DOMAIN_LOCAL ? 0 : cls == DOMAIN_VIRTUAL_ALIAS ? 1 : 2;
}

/* string_list_match() on a database map: the name alone (mydestination
 * and virtual_*_domains are string lists for trivial-rewrite: no parent
 * domain is asked, as the server's log shows); the query recorded in the
 * trace. */
static bool ext_domain_hit(const struct tmap *m, const char *name)
{
	char *v;
	if (trace_ext_lookup(m, name, &v) != TRACE_EXT_FOUND)
		return false;
	free(v);
	return true;
}

/* trace_open: the classes of a folded domain name, as world_load would
 * have listed it: an item naming it, or a domain table holding it as a
 * key (from a table that also holds addresses, only a name with a dot);
 * a dotless name in an indexed domain table counts without a listing
 * (classify.c's classify_table_classes). Computed once per name. */
static const struct dclass *open_classes(struct tracer *t, const char *folded)
{
	struct dclass *c = strmap_get(t->dclasses, folded);
	if (c)
		return c;
	c = arena_alloc(&t->pool, sizeof *c, 0);
	memset(c, 0, sizeof *c);
	bool dotless = !strchr(folded, '.') && !strchr(folded, '@');
	for (size_t i = 0; i < t->nditems; i++) {
		const struct ditem *di = &t->ditems[i];
		const char *file = t->maincf;
		unsigned line = di->line;
		bool listed = false;
		if (di->name) {
			listed = strcmp(di->name, folded) == 0;
		} else if (di->map->ext) {
			if (!ext_domain_hit(di->map, folded))
				continue;
			listed = true;
			file = di->map->file;
			line = 0;
		} else {
			const struct tmap *m = di->map;
			bool hit;
			enum table_syntax syn;
			if (m->idx) {
				hit = tableidx_lookup(m->idx, folded, &line, NULL, NULL);
				syn = tableidx_syntax(m->idx);
			} else {
				const struct table_entry *e = table_lookup(m->table, folded);
				hit = e != NULL;
				line = e ? e->line : 0;
				syn = table_syntax(m->table);
			}
			if (!hit)
				continue;
			bool address_map = (m->roles & (MAP_VIRTUAL_ALIAS | MAP_VIRTUAL_MAILBOX)) != 0;
			listed = classify_key_is_domain(folded, address_map);
			file = m->file;
			if (dotless && syn == TABLE_INDEXED)
				c->mask |= di->cls;
		}
		if (!listed)
			continue;
		c->mask |= di->cls;
		int k = class_slot(di->cls);
		if (!c->listing[k].set) {
			c->listing[k].set = true;
			c->listing[k].file = file;
			c->listing[k].line = line;
			c->listing[k].via = di->via;
		}
	}
	strmap_put(t->dclasses, folded, c);
	return c;
}

/* open_classes for a name in any case; the last answer is kept, since a
 * trace asks about the same domain several times in a row. */
static const struct dclass *classes_of(struct tracer *t, const char *domain)
{
	if (t->last_class) {
		/* ASCII folding only, as Postfix folds (strcasecmp follows the locale) */
		const char *a = t->last_domain, *b = domain;
		while (*a && *a == ((*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b)) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return t->last_class;
	}
	char buf[256];
	size_t n = strlen(domain);
	char *f = n < sizeof buf ? buf : xmalloc(n + 1);
	for (size_t i = 0; i <= n; i++)
		f[i] = (domain[i] >= 'A' && domain[i] <= 'Z') ? (char)(domain[i] - 'A' + 'a') : domain[i];
	const struct dclass *c = open_classes(t, f);
	t->last_class = NULL;
	if (n < sizeof t->last_domain) {
		memcpy(t->last_domain, f, n + 1);
		t->last_class = c;
	}
	if (f != buf)
		free(f);
	return c;
}

/* Every class a domain is in (world_domain_class's mask). */
static unsigned domain_mask(struct tracer *t, const char *domain)
{
	unsigned mask = 0;
	if (trace_local_literal(t, domain))
		return DOMAIN_LOCAL;
	if (t->w) {
		world_domain_class(t->w, domain, &mask);
		return mask;
	}
	return classes_of(t, domain)->mask;
}

/* Where a (folded) domain is listed in class cls: the first listing. */
static void domain_listing(struct tracer *t, const char *domain, unsigned cls, const char **file,
			   unsigned *line, const char **via)
{
	if (t->w) {
		const struct domain *dom = world_domain_find(t->w, domain);
		if (dom)
			for (size_t i = 0; i < dom->nlistings; i++)
				if (dom->listings[i].class == cls) {
					*file = dom->listings[i].file;
					*line = dom->listings[i].line;
					*via = dom->listings[i].via;
					return;
				}
		return;
	}
	if (!cls)
		return;
	const struct dclass *c = classes_of(t, domain);
	int k = class_slot(cls);
	if (c->listing[k].set) {
		*file = c->listing[k].file;
		*line = c->listing[k].line;
		*via = c->listing[k].via;
	}
}

static bool pattern_domain_match(struct tracer *t, enum map_role role, const char *domain,
				 const char **file, unsigned *line)
{
	for (size_t i = 0; i < t->nmaps; i++) {
		struct tmap *m = t->maps[i];
		if (!(m->roles & role) || !m->pattern)
			continue;
		struct tmap *one[] = { m };
		struct hit h;
		if (trace_lookup_maps(one, 1, domain, 0, &h)) {
			free(h.value);
			*file = m->file;
			*line = h.line;
			return true;
		}
	}
	return false;
}

/* Every class domain is in, and where the one Postfix uses is listed. */
static unsigned domain_classes(struct tracer *t, const char *domain, const char **file,
			       unsigned *line, const char **via)
{
	unsigned mask = domain_mask(t, domain);
	*file = NULL;
	*line = 0;
	*via = NULL;
	const char *pf;
	unsigned pl;
	if (pattern_domain_match(t, MAP_ALIAS_DOMAINS, domain, &pf, &pl))
		mask |= DOMAIN_VIRTUAL_ALIAS;
	if (pattern_domain_match(t, MAP_MAILBOX_DOMAINS, domain, &pf, &pl))
		mask |= DOMAIN_VIRTUAL_MAILBOX;
	unsigned cls = classify_effective(mask);
	domain_listing(t, domain, cls, file, line, via);
	if (!*file && cls) {
		/* a dotless name matched by a domain table, or a pattern */
		*file = t->maincf;
		if (cls != DOMAIN_LOCAL && pattern_domain_match(t, cls == DOMAIN_VIRTUAL_ALIAS
								   ? MAP_ALIAS_DOMAINS : MAP_MAILBOX_DOMAINS,
								   domain, &pf, &pl)) {
			*file = pf;
			*line = pl;
		}
	}
	return mask;
}

unsigned trace_domain_classes(struct tracer *t, const char *domain, const char **file,
			      unsigned *line)
{
	char *f = trace_fold(domain);
	const char *via;
	unsigned mask = domain_classes(t, f, file, line, &via);
	unsigned pl;
	const char *pf;
	/* where a pattern names it an alias domain: the rule, for lint */
	if ((mask & DOMAIN_VIRTUAL_ALIAS) && pattern_domain_match(t, MAP_ALIAS_DOMAINS, f, &pf, &pl)) {
		*file = pf;
		*line = pl;
	}
	free(f);
	return mask;
}

unsigned trace_deliver_class_step(struct tracer *t, struct trace_result *r, unsigned depth,
				  const char *addr, const char *domain)
{
	const char *file, *via;
	unsigned line;
	unsigned mask = domain_classes(t, domain, &file, &line, &via);
	unsigned cls = classify_effective(mask);
	switch (cls) {
	case DOMAIN_LOCAL:
		STEP(t, r, "domain-class", depth, addr, file, line,
		     _("domain %s is local (mydestination): local(8) delivers"), domain);
		break;
	case DOMAIN_VIRTUAL_ALIAS:
		STEP(t, r, "domain-class", depth, addr, file, line,
		     _("domain %s is a virtual alias domain (virtual_alias_domains)"), domain);
		break;
	case DOMAIN_VIRTUAL_MAILBOX:
		STEP(t, r, "domain-class", depth, addr, file, line,
		     _("domain %s is a virtual mailbox domain (virtual_mailbox_domains)"), domain);
		break;
	default:
		STEP(t, r, "domain-class", depth, addr, NULL, 0,
		     _("domain %s is not hosted here"), domain);
		break;
	}
	static const unsigned order[] = { DOMAIN_LOCAL, DOMAIN_VIRTUAL_ALIAS, DOMAIN_VIRTUAL_MAILBOX };
	for (size_t i = 0; i < 3; i++)
		if ((mask & order[i]) && order[i] != cls && order[i] > cls)
			STEP(t, r, "warning", depth, addr, file, line,
			     _("conflict: %s is also listed in %s; Postfix warns \"do not list domain %s in BOTH %s and %s\" and uses %s"),
			     domain, classify_param(order[i]), domain, classify_param(cls),
			     classify_param(order[i]), classify_param(cls));
	return cls;
}

/* resolve_local() alone: mydestination's items (cleanup asks no other
 * list, so a database map of another list must not be queried here). */
static bool local_listed(struct tracer *t, const char *domain)
{
	if (trace_local_literal(t, domain))
		return true;
	char *f = trace_fold(domain);
	bool hit = false;
	unsigned line;
	for (size_t i = 0; i < t->nditems && !hit; i++) {
		const struct ditem *di = &t->ditems[i];
		if (di->cls != DOMAIN_LOCAL)
			continue;
		if (di->name)
			hit = strcmp(di->name, f) == 0;
		else if (di->map->ext)
			hit = ext_domain_hit(di->map, f);
		else if (di->map->idx)
			hit = tableidx_lookup(di->map->idx, f, &line, NULL, NULL);
		else
			hit = di->map->table && table_lookup(di->map->table, f);
	}
	free(f);
	return hit;
}

bool trace_deliver_is_local(struct tracer *t, const char *domain)
{
	if (strcasecmp(domain, t->myorigin) == 0)
		return true;
	if (t->has_ext && !t->w)
		return local_listed(t, domain);
	return (domain_mask(t, domain) & DOMAIN_LOCAL) != 0;
}

/* ---- delivery of one final recipient ---- */

static void local_user(struct tracer *t, struct trace_result *r, const char *addr,
		       const char *local, unsigned depth)
{
	char *user = trace_fold(local);
	long split = trace_split_extension(user, strlen(user), t->delims);
	if (split >= 0)
		user[split] = '\0';
	struct passwd *pw = getpwnam(user);
	if (pw) {
		STEP(t, r, "local-user", depth, addr, "/etc/passwd", 0,
		     _("local user %s: local(8) delivers to its mailbox"), user);
		struct trace_dest *d = trace_add_dest(r, addr, TRACE_LOCAL, "/etc/passwd", 0);
		d->detail = xasprintf("user %s", user);
	} else {
		STEP(t, r, "reject", depth, addr, NULL, 0, _("no alias and no local user %s"), user);
		struct trace_dest *d = trace_add_dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf("5.1.1 <%s>: unknown user: \"%s\"", addr, user);
	}
	free(user);
}

static void local_deliver(struct tracer *t, struct trace_result *r, const char *addr,
			  const char *local, unsigned depth, int hops, struct strmap *seen);

/* An alias value's target with its RFC 822 comments dropped ("admin
 * (Info desk)" is admin, as tok822 reads it), trimmed. */
static char *target_text(const char *tg)
{
	struct strbuf sb = STRBUF_INIT;
	bool inq = false;
	int depth = 0;
	for (const char *p = tg; *p; p++) {
		if (*p == '\\' && p[1]) {
			if (!depth)
				sb_add(&sb, p, 2);
			p++;
			continue;
		}
		if (*p == '"' && !depth)
			inq = !inq;
		else if (*p == '(' && !inq) {
			depth++;
			continue;
		} else if (*p == ')' && !inq && depth) {
			depth--;
			continue;
		}
		if (!depth)
			sb_addc(&sb, *p);
	}
	char *s = sb_detach(&sb);
	if (!s)
		return xstrdup("");
	const char *v = s;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	char *out = xstrndup(v, n);
	free(s);
	return out;
}

/* local(8)'s allow_mail_to_commands / allow_mail_to_files: may a target
 * found in an alias (include false) or an :include: file do this? */
static bool local_allowed(const struct tracer *t, bool command, bool include)
{
	unsigned mask = command ? t->cmd_mask : t->file_mask;
	return (mask & (include ? EXP_INCLUDE : EXP_ALIAS)) != 0;
}

static void local_include(struct tracer *t, struct trace_result *r, const char *addr,
			  const char *path, const char *file, unsigned line, unsigned depth, int hops,
			  struct strmap *seen, int level);

/* One target of an alias (or of an :include: file): a command, a file,
 * an :include:, or an address local(8) resolves: a local one it delivers
 * itself, any other goes back through cleanup as a new message. */
static void local_target(struct tracer *t, struct trace_result *r, const char *addr,
			 const char *target, const char *key, const char *file, unsigned line,
			 unsigned depth, int hops, struct strmap *seen, int level)
{
	char *tg = target_text(target);
	struct trace_dest *d;
	const char *bare = tg[0] == '"' ? tg + 1 : tg;
	if (bare[0] == '|' || bare[0] == '/') {
		bool cmd = bare[0] == '|';
		size_t n = strlen(bare);
		char *what = xstrndup(cmd ? bare + 1 : bare, tg[0] == '"' && n && bare[n - 1] == '"'
							     ? n - 1 - (cmd ? 1 : 0) : n - (cmd ? 1 : 0));
		if (!local_allowed(t, cmd, level > 0)) {
			d = trace_add_dest(r, addr, TRACE_REJECT, file, line);
			d->reason = xasprintf("5.7.1 mail to %s is restricted", cmd ? "command" : "file");
			STEP(t, r, "reject", depth, addr, file, line,
			     cmd ? _("a command in an :include: file: allow_mail_to_commands does not allow it")
				 : _("a file in an :include: file: allow_mail_to_files does not allow it"));
		} else {
			d = trace_add_dest(r, addr, TRACE_LOCAL, file, line);
			d->detail = xasprintf(cmd ? "command %s" : "file %s", what);
			STEP(t, r, "local-alias", depth, addr, file, line,
			     cmd ? _("local(8) delivers to command: %s") : _("local(8) delivers to file: %s"),
			     what);
		}
		free(what);
	} else if (strncasecmp(tg, ":include:", 9) == 0) {
		local_include(t, r, addr, tg + 9, file, line, depth, hops, seen, level + 1);
	} else if (tg[0]) {
		/* rewritten like any address (a bare name gets @$myorigin), then
		 * resolved: local(8) keeps only what its own transport gets */
		char *a2 = trace_rewrite(t, tg);
		const char *at = strrchr(a2, '@');
		char *fdom = trace_fold(at + 1);
		bool local = (domain_mask(t, fdom) & DOMAIN_LOCAL) != 0;
		char *l = xstrndup(a2, (size_t)(at - a2));
		char *fl = trace_fold(l);
		if (local && key && strcmp(fl, key) == 0) {
			local_user(t, r, addr, l, depth + 1);
		} else if (local) {
			local_deliver(t, r, a2, l, depth + 1, hops, seen);
		} else {
			/* forwarded: a new message through cleanup, aliased again */
			STEP(t, r, "local-alias", depth + 1, a2, file, line,
			     _("forwarded by local(8): virtual aliasing applies again"));
			size_t nf;
			char **fin = trace_expand(t, r, a2, depth + 1, &nf);
			if (!fin) {
				d = trace_add_dest(r, a2, TRACE_DEFER, file, line);
				d->reason = xstrdup("4.6.0 Alias expansion error");
			}
			for (size_t k = 0; fin && k < nf; k++) {
				trace_deliver(t, r, fin[k], depth + 1, hops + 1);
				free(fin[k]);
			}
			free(fin);
		}
		free(fl);
		free(l);
		free(fdom);
		free(a2);
	}
	free(tg);
}

/* :include:path (include.c): every line not starting with '#', its
 * addresses as an alias's; nested at most 10 deep (the "include" type
 * of allow_mail_to_commands/files governs commands and files there). */
static void local_include(struct tracer *t, struct trace_result *r, const char *addr,
			  const char *path, const char *file, unsigned line, unsigned depth, int hops,
			  struct strmap *seen, int level)
{
	struct trace_dest *d;
	if (level > 10 || path[0] != '/') {
		d = trace_add_dest(r, addr, TRACE_REJECT, file, line);
		d->reason = level > 10 ? xstrdup("5.4.6 :include: nesting limit exceeded")
				       : xasprintf("5.3.5 :include:%s uses a relative path", path);
		STEP(t, r, "reject", depth, addr, file, line, "%s", d->reason);
		return;
	}
	char *once = xasprintf("include %s", path);
	bool again = strmap_get(seen, once) != NULL;
	if (!again)
		strmap_put(seen, once, (void *)1);
	free(once);
	if (again)
		return;
	FILE *fp = fopen(path, "r");
	if (!fp) {
		d = trace_add_dest(r, addr, TRACE_REJECT, file, line);
		d->reason = xasprintf("5.3.5 unable to lookup :include: file %s", path);
		STEP(t, r, "reject", depth, addr, file, line, "%s", d->reason);
		return;
	}
	STEP(t, r, "local-alias", depth, addr, path, 0, _(":include: file %s"), path);
	char buf[4096];
	unsigned ln = 0;
	while (fgets(buf, sizeof buf, fp)) {
		ln++;
		if (buf[0] == '#')
			continue;
		buf[strcspn(buf, "\r\n")] = '\0';
		const char *p = buf, *s;
		size_t len;
		while (table_value_next(&p, &s, &len)) {
			char *tg = xstrndup(s, len);
			local_target(t, r, addr, tg, NULL, path, ln, depth + 1, hops, seen, level);
			free(tg);
		}
	}
	fclose(fp);
}

/* local(8): /etc/aliases by local part (with, then without extension),
 * recursively; an alias naming itself delivers to the user. */
static void local_deliver(struct tracer *t, struct trace_result *r, const char *addr,
			  const char *local, unsigned depth, int hops, struct strmap *seen)
{
	const struct aliases *al = t->aliases;
	const char *afile = doc_name(aliases_doc(al));
	char *key = trace_fold(local);
	const struct alias_entry *e = aliases_lookup(al, key);
	if (!e) {
		long split = trace_split_extension(key, strlen(key), t->delims);
		if (split >= 0) {
			key[split] = '\0';
			e = aliases_lookup(al, key);
		}
	}
	if (!e || strmap_get(seen, key)) {
		if (e)
			STEP(t, r, "local-alias", depth, addr, afile, e->line,
			     _("alias %s already expanded: delivered to the user"), key);
		else
			STEP(t, r, "local-alias", depth, addr, afile, 0, _("no entry for %s in the aliases file"),
			     key);
		local_user(t, r, addr, local, depth);
		free(key);
		return;
	}
	strmap_put(seen, key, (void *)1);
	STEP(t, r, "local-alias", depth, addr, afile, e->line, _("aliases: %s → %s"), key, e->value);
	for (size_t i = 0; i < e->ntargets; i++)
		local_target(t, r, addr, e->targets[i], key, afile, e->line, depth, hops, seen, 0);
	free(key);
}

static bool in_relay_domains(const struct tracer *t, const char *domain)
{
	for (size_t i = 0; i < t->nrelay; i++) {
		const char *it = t->relay[i];
		if (strcmp(it, domain) == 0)
			return true;
		size_t il = strlen(it), dl = strlen(domain);
		/* parent_domain_matches_subdomains: "example.com" covers sub.example.com */
		if (dl > il && domain[dl - il - 1] == '.' && strcmp(domain + dl - il, it) == 0)
			return true;
	}
	return false;
}

/* virtual(8)'s delivery of addr in a virtual mailbox domain: the maildir
 * or mbox its map names, or why it bounces or defers. */
static void trace_deliver_mailbox(struct tracer *t, struct trace_result *r, const char *addr,
				  unsigned depth)
{
	struct trace_dest *d;
	/* virtual(8) looks the folded address up, in maps where a pattern
	 * rule with $n does not exist ("regular expression substitution
	 * is not allowed: skipping this rule") */
	char *key = trace_fold(addr);
	struct hit h;
	enum form form;
	char *ext = NULL, *used = NULL;
	if (!trace_lookup_addr(t, t->mmaps, t->nmmaps, key, false, LOOKUP_NO_REGSUB, &h, &form,
			       &ext, &used)) {
		d = trace_add_dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf(
			"5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table",
			addr);
		STEP(t, r, "mailbox-miss", depth, addr, NULL, 0,
		     _("not in virtual_mailbox_maps (%zu table(s)): User unknown in virtual mailbox table"),
		     t->nmmaps);
		struct hit h2;
		if (t->steps && trace_lookup_maps(t->mmaps, t->nmmaps, key, 0, &h2)) {
			STEP(t, r, "mailbox-miss", depth, addr, h2.map->file, h2.line,
			     _("this rule has $n: virtual(8) skips it (\"regular expression substitution is not allowed\"), while smtpd accepts the address at RCPT"));
			free(h2.value);
		}
		free(key);
		return;
	}
	size_t vl = strlen(h.value);
	bool maildir = vl > 0 && h.value[vl - 1] == '/';
	const char *base = t->base;
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	const char *v = h.value;
	while (*v == '/')
		v++;
	STEP(t, r, "mailbox-hit", depth, addr, h.map->file, h.line,
	     _("virtual mailbox %s (form %s, key %s) → %s"), key, trace_lookup_form_name(form), used,
	     h.value);
	if (t->static_uid >= 0 && t->static_uid < t->min_uid) {
		d = trace_add_dest(r, addr, TRACE_DEFER, t->maincf, t->uid_line);
		d->reason = xasprintf("4.3.0 <%s>: bad uid %ld in virtual_uid_maps (below virtual_minimum_uid = %ld)",
				      addr, t->static_uid, t->min_uid);
		STEP(t, r, "limit", depth, addr, t->maincf, t->uid_line,
		     _("uid %ld is below virtual_minimum_uid = %ld: virtual(8) defers"),
		     t->static_uid, t->min_uid);
	} else {
		d = trace_add_dest(r, addr, maildir ? TRACE_MAILDIR : TRACE_MBOX, h.map->file, h.line);
		d->path = xasprintf("%.*s/%s", (int)bl, base, v);
	}
	free(h.value);
	free(ext);
	free(used);
	free(key);
}

void trace_deliver(struct tracer *t, struct trace_result *r, const char *addr, unsigned depth,
		   int hops)
{
	struct trace_dest *d;
	if (hops > 20) {
		d = trace_add_dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf("5.4.6 <%s>: mail forwarding loop", addr);
		STEP(t, r, "reject", depth, addr, NULL, 0, _("mail forwarding loop"));
		return;
	}
	const char *at = strrchr(addr, '@');
	const char *domain = at ? at + 1 : t->myorigin;
	char *local = at ? xstrndup(addr, (size_t)(at - addr)) : xstrdup(addr);
	if ((local[0] == '-' || (local[0] == '"' && local[1] == '-')) && !t->allow_min_user) {
		/* resolve.c: a recipient starting with '-' could pass as an
		 * option to a command; without allow_min_user qmgr bounces it */
		d = trace_add_dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf("5.1.3 <%s>: bad address syntax", addr);
		STEP(t, r, "reject", depth, addr, NULL, 0,
		     _("the address starts with '-' and allow_min_user = no: bad address syntax"));
		free(local);
		return;
	}
	char *fdom = trace_fold(domain);
	unsigned cls = trace_deliver_class_step(t, r, depth, addr, fdom);
	char *pct = cls == DOMAIN_LOCAL && t->percent_hack && local[0] != '"' ? strrchr(local, '%') : NULL;
	if (pct) {
		/* resolve.c: the local domain stripped, user%domain is resolved
		 * again as user@domain (after cleanup: no virtual aliasing) */
		*pct = '@';
		STEP(t, r, "percent-hack", depth, addr, t->maincf, 0,
		     _("allow_percent_hack: %s is resolved as %s"), addr, local);
		trace_deliver(t, r, local, depth + 1, hops + 1);
		free(local);
		free(fdom);
		return;
	}
	switch (cls) {
	case DOMAIN_LOCAL: {
		struct strmap *seen = strmap_create(8);
		local_deliver(t, r, addr, local, depth, hops, seen);
		strmap_free(&seen);
		break;
	}
	case DOMAIN_VIRTUAL_ALIAS:
		d = trace_add_dest(r, addr, TRACE_REJECT, NULL, 0);
		d->reason = xasprintf(
			"5.1.1 <%s>: Recipient address rejected: User unknown in virtual alias table",
			addr);
		STEP(t, r, "reject", depth, addr, NULL, 0,
		     _("no virtual alias matched in a virtual alias domain: User unknown in virtual alias table"));
		break;
	case DOMAIN_VIRTUAL_MAILBOX:
		trace_deliver_mailbox(t, r, addr, depth);
		break;
	default:
		d = trace_add_dest(r, addr, TRACE_REMOTE, NULL, 0);
		d->detail = xstrdup(in_relay_domains(t, fdom) ? "relay_transport" : "default_transport");
		STEP(t, r, "remote", depth, addr, NULL, 0,
		     in_relay_domains(t, fdom) ? _("relayed (relay_domains, relay_transport)")
					       : _("sent to another host (default_transport)"));
		break;
	}
	free(local);
	free(fdom);
}
