/* Lint's rules over the domains and the maps: domain lists (a domain in
 * two classes, a list file that needs a reload, bare domain keys in an
 * alias map),
 * alias domains out of step, each map's entries (a '#' in a value, pattern
 * rules' substitutions and case) and its built file (missing or older than
 * its source). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lint_int.h"
#include "vmailadm/aliasdom.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

static const char *map_file(const struct world *w, const struct world_map *m)
{
	return m->ref.path ? m->ref.path : world_maincf_path(w);
}

/* An alias domain's lines out of step with its target (aliasdom.h). */
static void lint_aliasdom_problem(void *arg, const struct aliasdom_problem *p)
{
	struct lint_report *r = arg;
	const char *b = p->ad->domain, *a = p->ad->target;
	if (p->fault == ALIASDOM_MISSING) {
		const char *at = strrchr(p->address, '@');
		char *key = xasprintf("%.*s@%s", (int)(at - p->address), p->address, b);
		lint_add(r, "aliasdom-out-of-step", LINT_WARNING, p->file, p->line, b,
			 _("%s is an alias domain of %s (each of its lines maps user@%s to user@%s), but %s has no line %s: mail to it is refused"),
			 b, a, b, a, p->address, key);
		lint_fix(r, _("add the line: vmailadm alias add %s %s"), key, p->address);
		free(key);
	} else if (p->fault == ALIASDOM_DANGLING) {
		lint_add(r, "aliasdom-out-of-step", LINT_WARNING, p->file, p->line, p->address,
			 _("%s is a line of the alias domain %s, but its address at %s no longer exists: mail to it bounces after it was accepted"),
			 p->address, b, a);
		lint_fix(r, _("remove the line: vmailadm alias del %s"), p->address);
	} else {
		lint_add(r, "aliasdom-wildcard", LINT_WARNING, p->file, p->line, p->address,
			 _("%s %s makes %s a wildcard alias domain of %s, which has no catch-all: Postfix accepts every user of %s at RCPT time and bounces the unknown ones afterwards, to senders that are often forged (backscatter; virtual(5), smtpd_reject_unlisted_recipient)"),
			 p->address, p->ad->wildcard->value, b, a, b);
		lint_fix(r, _("one line per address instead: vmailadm domain del %s, then vmailadm domain add %s --alias-of %s"),
			 b, b, a);
	}
}

void lint_alias_domains(const struct world *w, struct lint_report *r, const struct lint_stop *stop)
{
	size_t n;
	struct aliasdom *ads = aliasdom_list(w, NULL, &n);
	for (size_t i = 0; i < n && !lint_stopped(stop); i++)
		aliasdom_check(w, &ads[i], lint_aliasdom_problem, r);
	free(ads);
}

void lint_domains(const struct world *w, struct lint_report *r, const struct lint_stop *stop)
{
	size_t nd;
	const struct domain *doms = world_domains(w, &nd);
	struct tracer *t = trace_create(w, NULL);
	for (size_t i = 0; i < nd && !lint_stopped(stop); i++) {
		const struct domain *dom = &doms[i];
		const char *pf;
		unsigned pl;
		if (!dom->conflict && (dom->classes & DOMAIN_VIRTUAL_MAILBOX) &&
		    (trace_domain_classes(t, dom->name, &pf, &pl) & DOMAIN_VIRTUAL_ALIAS)) {
			/* a pattern alias table matches the bare name: with the
			 * default virtual_alias_domains it makes an alias domain */
			lint_add(r, "domain-in-two-classes", LINT_ERROR, pf, pl, dom->name,
			    _("mailbox domain %s is matched by this pattern of virtual_alias_maps (virtual_alias_domains = $virtual_alias_maps): Postfix warns \"do not list domain %s in BOTH virtual_alias_domains and virtual_mailbox_domains\" and bounces its mailboxes (User unknown in virtual alias table)"),
			    dom->name, dom->name);
			lint_fix(r, _("anchor the pattern on an address (/@%s$/ or /^user@/), or set virtual_alias_domains explicitly"),
					 dom->name);
		}
		if (dom->conflict) {
			const struct domain_listing *l = &dom->listings[dom->nlistings - 1];
			lint_add(r, "domain-in-two-classes", LINT_ERROR, l->file, l->line, dom->name,
				 _("domain %s is listed in more than one class; Postfix warns \"do not list domain %s in BOTH ...\" and treats it as %s"),
				 dom->name, dom->name, model_domain_class_name(dom->class));
			lint_fix(r, _("list %s in one class only (a mailbox domain belongs in virtual_mailbox_domains alone)"),
				 dom->name);
		}
		for (size_t k = 0; k < dom->nlistings; k++) {
			const struct domain_listing *l = &dom->listings[k];
			if (l->via[0] != '/')
				continue;
			lint_add(r, "domain-list-file-needs-reload", LINT_WARNING, l->file, l->line, l->via,
			    _("domain list %s is a plain /file/name: Postfix reads it once per process and needs a reload to see changes"),
			    l->via);
			lint_fix(r, _("use hash:%s (rebuilt with postmap, seen without reload) or run postfix reload after each change"),
					 l->via);
			break;
		}
	}

	/* a bare domain key in the alias map makes the domain an alias domain */
	for (size_t i = 0; i < world_map_count(w); i++) {
		const struct world_map *m = world_map(w, i);
		if (!(m->roles & MAP_VIRTUAL_ALIAS) || !m->table || table_syntax(m->table) != TABLE_INDEXED)
			continue;
		size_t n = table_count(m->table);
		for (size_t k = 0; k < n && !lint_stopped(stop); k++) {
			const struct table_entry *e = table_entry(m->table, k);
			if (e->shadowed || strchr(e->lookup_key, '@'))
				continue;
			unsigned mask = 0;
			world_domain_class(w, e->lookup_key, &mask);
			if (!(mask & DOMAIN_VIRTUAL_MAILBOX))
				continue;
			lint_add(r, "bare-domain-alias-key", LINT_ERROR, map_file(w, m), e->line, e->lookup_key,
			    _("bare domain key %s in the alias map turns mailbox domain %s into a virtual alias domain: every mailbox bounces (User unknown in virtual alias table)"),
			    e->key, e->lookup_key);
			lint_fix(r, _("remove the line '%s' from %s"), e->key, map_file(w, m));
		}
	}
	trace_free(&t);
}

/* "$n" in a pattern rule's result. */
static bool has_substitution(const char *v)
{
	for (const char *p = strchr(v, '$'); p; p = strchr(p + 1, '$')) {
		if (p[1] == '$') {
			p++;
			continue;
		}
		if ((p[1] >= '0' && p[1] <= '9') || ((p[1] == '{' || p[1] == '(') && p[2] >= '0' && p[2] <= '9'))
			return true;
	}
	return false;
}

/* A pattern rule that only matches upper case: its flags make it
 * case-sensitive (both regexp and pcre ignore case unless "i" toggles it)
 * and an upper-case letter, not an escape like \D, is in its pattern. */
static bool upper_only_rule(const struct table_entry *e)
{
	unsigned toggles = 0;
	for (const char *f = e->rule ? e->rule->flags : ""; *f; f++)
		toggles += *f == 'i';
	if (toggles % 2 == 0)
		return false;
	for (const char *p = e->lookup_key; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p >= 'A' && *p <= 'Z')
			return true;
	}
	return false;
}

/* One entry's value: a "#" taken for a comment in an alias map (each word
 * is a recipient), "$n" in a pattern mailbox map (virtual(8) refuses it),
 * a case-sensitive upper-case rule (smtpd asks with the folded address). */
static void lint_value(const struct world_map *m, const struct table_entry *e, struct lint_report *r)
{
	if ((m->roles & (MAP_VIRTUAL_ALIAS | MAP_VIRTUAL_MAILBOX)) &&
	    table_syntax(m->table) == TABLE_REGEXP && upper_only_rule(e)) {
		lint_add(r, "case-sensitive-pattern", LINT_WARNING, m->ref.path, e->line, e->key,
		    _("%s is case-sensitive (flag i) and needs upper case: smtpd looks the recipient up in lower case, so over SMTP it answers 550 (unknown user) for mail that cleanup, for a local submission, delivers by this rule"),
		    e->key);
		lint_fix(r, _("write the pattern in lower case, or drop the i flag"));
	}
	if ((m->roles & MAP_VIRTUAL_ALIAS) && table_syntax(m->table) != TABLE_LIST) {
		const char *p = e->value, *s;
		size_t len;
		while (table_value_next(&p, &s, &len))
			if (s[0] == '#') {
				lint_add(r, "hash-in-value", LINT_WARNING, m->ref.path, e->line, e->key,
				    _("\"%s\": a # in a lookup table value is no comment: every word after it (\"%s\") is one more recipient"),
				    e->value, s);
				lint_fix(r, _("put the comment on a line of its own, starting with #"));
				break;
			}
	}
	if ((m->roles & MAP_VIRTUAL_MAILBOX) && table_syntax(m->table) == TABLE_REGEXP &&
	    has_substitution(e->value)) {
		lint_add(r, "mailbox-map-substitution", LINT_ERROR, m->ref.path, e->line, e->key,
		    _("%s → %s: virtual(8) refuses $n in virtual_mailbox_maps (\"regular expression substitution is not allowed: skipping this rule\"): smtpd accepts these addresses at RCPT, then virtual(8) bounces them"),
		    e->key, e->value);
		lint_fix(r, _("list the mailboxes one by one, or use a fixed path"));
	}
}

void lint_maps(const struct world *w, struct lint_report *r, const struct lint_stop *stop)
{
	for (size_t i = 0; i < world_map_count(w) && !lint_stopped(stop); i++) {
		const struct world_map *m = world_map(w, i);
		const char *suffix;
		if (m->table && m->ref.path) {
			size_t n = table_count(m->table);
			for (size_t k = 0; k < n && !lint_stopped(stop); k++) {
				const struct table_entry *e = table_entry(m->table, k);
				lint_value(m, e, r);
				if (!e->shadowed)
					continue;
				const struct table_entry *first = table_lookup(m->table, e->lookup_key);
				lint_add(r, "duplicate-key", LINT_WARNING, m->ref.path, e->line, e->lookup_key,
				    _("duplicate key %s: Postfix uses the first entry and ignores this one"),
				    e->key);
				lint_fix(r, _("remove or merge line %u (the first entry, line %u, is the one used)"),
						 e->line, first ? first->line : 0);
			}
		}
		if (!m->ref.path || !(suffix = table_type_built_suffix(m->ref.type)))
			continue;
		struct stat src, db;
		if (stat(m->ref.path, &src) != 0)
			continue;   /* a missing source is reported by the model */
		char *dbp = xasprintf("%s%s", m->ref.path, suffix);
		char *subject = xasprintf("%s:%s", m->ref.type, m->ref.path);
		if (stat(dbp, &db) != 0) {
			lint_add(r, "map-not-built", LINT_ERROR, m->ref.path, 0, subject,
				 _("%s does not exist: postmap was never run, Postfix cannot open this table"), dbp);
			lint_fix(r, _("run postmap %s:%s"), m->ref.type, m->ref.path);
		} else if (db.st_mtim.tv_sec < src.st_mtim.tv_sec ||
			   (db.st_mtim.tv_sec == src.st_mtim.tv_sec &&
			    db.st_mtim.tv_nsec < src.st_mtim.tv_nsec)) {
			lint_add(r, "map-older-than-source", LINT_ERROR, m->ref.path, 0, subject,
				 _("%s is older than its source: Postfix still uses the old entries (\"database %s is older than source file %s\")"),
				 dbp, dbp, m->ref.path);
			lint_fix(r, _("run postmap %s:%s"), m->ref.type, m->ref.path);
		}
		free(subject);
		free(dbp);
	}
}
