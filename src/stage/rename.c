/* mailbox rename OLD NEW (issue 15): one operation that moves the maildir
 * and rewrites every line naming OLD — the mailbox map line, the
 * passwd-file line (hash, quota and extra fields kept), every alias target,
 * the catch-alls delivering to its maildir, the system aliases of the
 * aliases file (and, through apply_op, the alias-domain and sender login
 * map lines) — so that nothing is left
 * pointing at a name or a place that no longer exists. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "stage_int.h"
#include "vmailadm/aliasdom.h"
#include "vmailadm/config.h"
#include "vmailadm/dovepath.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

/* One table line to write once every new value is known: the world's
 * entries are not to be trusted after the first edit. */
struct rename_edit {
	struct table *t;
	char *key, *value;   /* value NULL: the line goes */
};

struct rename_plan {
	struct rename_edit *v;
	size_t n, cap;
};

static void rename_plan_add(struct rename_plan *p, struct table *t, const char *key, const char *value)
{
	xgrow(&p->v, &p->cap, p->n + 1, sizeof *p->v);
	p->v[p->n++] = (struct rename_edit){ t, xstrdup(key), value ? xstrdup(value) : NULL };
}

static void rename_plan_free(struct rename_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
}

/* A path field (home, userdb_mail=..., userdb_home=...) that names the old
 * maildir names the new one: the text with every occurrence of from that
 * ends at '/', ' ', ':' or the end replaced by to. */
static char *rename_path_text(const char *text, const char *from, const char *to, bool *changed)
{
	struct strbuf sb = STRBUF_INIT;
	size_t fl = strlen(from);
	for (const char *p = text; *p;) {
		if (fl && strncmp(p, from, fl) == 0 && strchr("/ :", p[fl]) != NULL) {
			sb_adds(&sb, to);
			p += fl;
			*changed = true;
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_detach(&sb);
}

/* The value of an alias with every target naming old naming new instead
 * (the other targets as written); "" when it named only old and drop_self. */
static char *rename_alias_value(const struct alias *a, const char *old, const char *new)
{
	struct strbuf v = STRBUF_INIT;
	for (size_t k = 0; k < a->ntargets; k++) {
		const char *t = strcmp(a->targets[k].address, old) == 0 ? new : a->targets[k].text;
		sb_addf(&v, "%s%s", v.len ? ", " : "", t);
	}
	return sb_detach(&v);
}

/* The checks on NEW: a valid new address, in a mailbox domain, that is
 * nothing yet (the rules of mailbox add, stagerule.c), and whose maildir
 * place is free on disk. */
static int rename_check_new(struct stage *s, const struct world *w, const struct mailbox *b, const char *new,
			    bool keep_old, struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	const char *file;
	unsigned line;
	int rc = -1;
	if (strcmp(new, b->address) == 0)
		diag_error(d, NULL, 0, _("%s is already the name of this mailbox"), new);
	else if (!op_safe_local_part(new, s->cfg->local_part_allow, &why))   /* its form: op_check */
		diag_error(d, NULL, 0, "%s", why.buf);
	else if (!stage_rule_new_mailbox(w, new, &why, &file, &line))
		diag_error(d, file, line, "%s", why.buf);
	else if (strcmp(strrchr(new, '@') + 1, b->domain) != 0 &&
		 !stage_rule_domain_limits(s->cfg, w, strrchr(new, '@') + 1, 1, 0,
					   b->quota_bytes > 0 ? b->quota_bytes : 0, b->quota_bytes <= 0, &why))
		diag_error(d, NULL, 0, "%s", why.buf);
	else if (keep_old && !stage_rule_domain_limits(s->cfg, w, b->domain, 0, 1, 0, false, &why))
		diag_error(d, NULL, 0, "%s", why.buf);
	else
		rc = 0;
	sb_free(&why);
	return rc;
}

/* The passwd-file line of NEW: OLD's fields, its home and path fields
 * following the maildir (or the home Dovecot needs there, need_home, when
 * OLD had none). */
/* Where Dovecot reads e's user (address) is dir? */
static bool rename_dovecot_reads(const struct config *cfg, const struct pwfile_entry *e,
				 const char *address, const char *dir)
{
	char *dp = NULL;
	bool same = dovepath_maildir(cfg, e, address, &dp) == DOVEPATH_FOUND && strcmp(dp, dir) == 0;
	free(dp);
	return same;
}

/* The same for the line of fields f. */
static bool rename_fields_read(const struct config *cfg, const struct pwfile_fields *f,
			       const char *address, const char *dir)
{
	struct strbuf line = STRBUF_INIT;
	struct pwfile_entry e;
	pwfile_entry_of(f, &line, &e);
	bool same = rename_dovecot_reads(cfg, &e, address, dir);
	sb_free(&line);
	return same;
}

/* The maildir below the home (home/Maildir, ~/Maildir): the home moves
 * with it. e (home, extra) was Dovecot's way to from for old; when it no
 * longer leads to to for new, the home is moved as the maildir is, if
 * that makes it lead there. -1 with an error when Dovecot would then
 * read elsewhere: the user would see an empty mailbox, the mail in
 * another. */
static int rename_home(struct stage *s, const struct pwfile_entry *o, const char *old,
		       struct pwfile_fields *e, char **e_home, char **e_extra, const char *new,
		       const char *from, const char *to, struct diags *d)
{
	if (!rename_dovecot_reads(s->cfg, o, old, from) || rename_fields_read(s->cfg, e, new, to))
		return 0;
	char *h = dovepath_home(s->cfg, o, old, NULL);
	size_t hl = h ? strlen(h) : 0, fl = strlen(from), tl = strlen(to);
	const char *tail = hl && strncmp(from, h, hl) == 0 && from[hl] == '/' ? from + hl : NULL;
	int rc = -1;
	if (tail && tl > fl - hl && strcmp(to + tl - (fl - hl), tail) == 0) {
		char *nh = xstrndup(to, tl - (fl - hl));
		bool changed = false;
		char *home = rename_path_text(*e_home, h, nh, &changed);
		char *extra = rename_path_text(*e_extra, h, nh, &changed);
		e->home = home;
		e->extra = extra;
		if (changed && rename_fields_read(s->cfg, e, new, to)) {
			stage_add_note(s, _("the home of %s moves with its maildir: %s (what else %s holds stays there)"),
				       new, nh, h);
			free(*e_home);
			free(*e_extra);
			*e_home = home;
			*e_extra = extra;
			rc = 0;
		} else {
			e->home = *e_home;
			e->extra = *e_extra;
			free(home);
			free(extra);
		}
		free(nh);
	}
	if (rc < 0) {
		char *dp = NULL;
		struct strbuf line = STRBUF_INIT;
		struct pwfile_entry ne;
		pwfile_entry_of(e, &line, &ne);
		dovepath_maildir(s->cfg, &ne, new, &dp);
		sb_free(&line);
		diag_error(d, NULL, 0, _("after the rename Dovecot would read %s's mail in %s, not in %s where it goes: change the passwd-file line of %s first"),
			   new, dp ? dp : "?", to, old);
		free(dp);
	}
	free(h);
	return rc;
}

static int rename_pwfile(struct stage *s, struct world *w, const struct mailbox *b, const char *new,
			 const char *from, const char *to, const char *need_home, struct diags *d)
{
	const struct pwfile_entry *o = b->pw;
	bool changed = false;
	char *old_home = pwfile_field_dup(o, PWFILE_HOME), *old_extra = pwfile_field_dup(o, PWFILE_EXTRA);
	char *home = rename_path_text(old_home, from, to, &changed);
	if (!*home && need_home) {
		free(home);
		home = xstrdup(need_home);
	}
	char *extra = rename_path_text(old_extra, from, to, &changed);
	free(old_home);
	free(old_extra);
	char *password = pwfile_field_dup(o, PWFILE_PASSWORD), *uid = pwfile_field_dup(o, PWFILE_UID);
	char *gid = pwfile_field_dup(o, PWFILE_GID), *gecos = pwfile_field_dup(o, PWFILE_GECOS);
	char *shell = pwfile_field_dup(o, PWFILE_SHELL), *user = xstrdup(new);
	char *scheme = pwfile_scheme(o);
	struct pwfile_fields e = { .user = user, .password = password, .uid = uid, .gid = gid,
				   .gecos = gecos, .home = home, .shell = shell, .extra = extra };
	int rc = rename_home(s, o, b->address, &e, &home, &extra, new, from, to, d);
	if (rc == 0)
		rc = pwfile_remove(world_pwfile(w), b->address, d);
	if (rc == 0)
		rc = pwfile_add(world_pwfile(w), &e, d);
	if (rc == 0 && changed)
		stage_add_note(s, _("the passwd-file fields of %s that named %s now name %s"), new, from, to);
	/* DIGEST-MD5 hashes the user name with the password (RFC 2831). */
	if (rc == 0 && strcmp(scheme, "DIGEST-MD5") == 0)
		stage_add_note(s, _("the DIGEST-MD5 hash of %s was made with the old name: set a new password (vmailadm mailbox passwd %s)"),
			       new, new);
	free(scheme);
	free(home);
	free(extra);
	free(password);
	free(uid);
	free(gid);
	free(gecos);
	free(shell);
	free(user);
	return rc;
}

/* The alias lines: every alias naming OLD names NEW; OLD's own entry (an
 * identity entry, a forward keeping a copy) becomes NEW's; --keep-old
 * leaves OLD as an alias of NEW; a catch-all of NEW's domain in the alias
 * map needs NEW to have an entry. */
/* a is "user@B user@A" where B mirrors b's domain A and user@A is b: the
 * alias domain's own line, left as it is here for aliasdom_apply_sync to
 * keep (--keep-old: OLD stays an address of A) or drop with OLD. Pointed
 * at NEW, it would keep OLD alive at B after OLD left A. */
static bool rename_mirror_line(const struct world *w, const struct alias *a, const struct mailbox *b)
{
	if (a->ntargets != 1 || strcmp(a->value, b->address) != 0 || strcmp(a->local, b->local) != 0)
		return false;
	size_t n;
	struct aliasdom *ads = aliasdom_list(w, b->domain, &n);
	bool mirror = false;
	for (size_t i = 0; i < n && !mirror; i++)
		mirror = strcmp(ads[i].domain, a->domain) == 0;
	free(ads);
	return mirror;
}

static int rename_aliases(struct stage *s, struct world *w, const struct mailbox *b, const struct op *op,
			  const char *new, struct rename_plan *p, struct diags *d)
{
	const char *old = b->address;
	size_t n;
	struct strbuf why = STRBUF_INIT;
	const char *file;
	unsigned line;
	if (!op->keep_old && !stage_rule_pattern_target(w, old, &why, &file, &line)) {
		diag_error(d, file, line, "%s", why.buf);
		sb_free(&why);
		return -1;
	}
	const struct alias *const *in = world_aliases_to(w, old, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(in[i]->address, old) == 0 || rename_mirror_line(w, in[i], b))
			continue;
		if (!in[i]->map || !in[i]->map->table) {
			diag_error(d, in[i]->file, in[i]->line, _("%s is in a table vmailadm cannot edit"), in[i]->address);
			return -1;
		}
		char *v = rename_alias_value(in[i], old, new);
		rename_plan_add(p, in[i]->map->table, in[i]->address, v);
		free(v);
	}
	const struct domain *ndom = world_domain_find(w, strrchr(new, '@') + 1);
	bool guard = ndom && ndom->catchall_alias;
	const struct alias *own = b->alias;
	const struct world_map *am = world_map_for(w, MAP_VIRTUAL_ALIAS);
	struct table *t = own ? own->map ? own->map->table : NULL : am ? am->table : NULL;
	if (own && !t) {
		diag_error(d, own->file, own->line, _("%s is in a table vmailadm cannot edit"), old);
		return -1;
	}
	char *v = own ? rename_alias_value(own, old, new) : NULL;
	bool identity = v && strcmp(v, new) == 0;
	if (own)
		rename_plan_add(p, t, old, op->keep_old ? new : NULL);
	else if (op->keep_old && t)
		rename_plan_add(p, t, old, new);
	else if (op->keep_old)
		return apply_map_table(w, MAP_VIRTUAL_ALIAS, "virtual_alias_maps", d) ? 0 : -1;
	if (v && (!identity || guard))
		rename_plan_add(p, t, new, v);
	else if (!v && guard && t)
		rename_plan_add(p, t, new, new);
	if (guard)
		stage_add_note(s, _("%s gets an identity entry in the alias map, because the catch-all of %s is there and would swallow it"),
			       new, ndom->name);
	if (op->keep_old)
		stage_add_note(s, _("%s stays, as an alias of %s: mail to it is delivered to the renamed mailbox"), old, new);
	free(v);
	return 0;
}

/* /etc/aliases: a system alias delivering to OLD (root: john@example.com)
 * delivers to NEW, its other targets as written. The names are gathered
 * first: an edit rebuilds the entries. */
static int rename_sysaliases(struct stage *s, struct world *w, const char *old, const char *new,
			     struct diags *d)
{
	struct aliases *al = world_system_aliases(w);
	char **names = NULL, **values = NULL;
	size_t n = 0, cap = 0, vcap = 0;
	for (size_t i = 0; i < aliases_count(al); i++) {
		const struct alias_entry *e = aliases_entry(al, i);
		struct strbuf v = STRBUF_INIT;
		bool hit = false;
		for (size_t k = 0; !e->shadowed && k < e->ntargets; k++) {
			bool same = strcasecmp(e->targets[k], old) == 0;
			hit |= same;
			sb_addf(&v, "%s%s", v.len ? ", " : "", same ? new : e->targets[k]);
		}
		if (hit) {
			xgrow(&names, &cap, n + 1, sizeof *names);
			xgrow(&values, &vcap, n + 1, sizeof *values);
			names[n] = xstrdup(e->lookup_key);
			values[n++] = sb_detach(&v);
		}
		sb_free(&v);
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && (rc = aliases_set(al, names[i], values[i], d)) == 0)
			stage_add_note(s, _("the system alias %s (aliases file) now delivers to %s"), names[i], new);
		free(names[i]);
		free(values[i]);
	}
	free(names);
	free(values);
	return rc;
}

int apply_mailbox_rename(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = apply_need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	const char *new = op->targets[0];
	if (!b->local[0] || !b->is_maildir) {
		diag_error(d, b->file, b->line, _("%s is delivered to %s, not to a maildir: only a mailbox with a maildir can be renamed"),
			   b->address, b->maildir);
		return -1;
	}
	if (rename_check_new(s, w, b, new, op->keep_old, d) < 0)
		return -1;
	const char *at = strrchr(new, '@');
	char *local = xstrndup(new, (size_t)(at - new));
	struct strbuf value = STRBUF_INIT;
	char *home = NULL;   /* the home Dovecot needs at the new place, if any */
	dovelayout_new_mailbox(s, w, local, at + 1, &value, &home);
	char *from = xstrdup(b->maildir), *to = xasprintf("%s/%s", world_mailbox_base(w), value.buf);
	for (size_t k = strlen(from); k > 1 && from[k - 1] == '/';)
		from[--k] = '\0';
	for (size_t k = strlen(to); k > 1 && to[k - 1] == '/';)
		to[--k] = '\0';
	struct rename_plan p = { 0 };
	struct stat st;
	int rc = -1;
	if (lstat(to, &st) == 0) {
		diag_error(d, to, 0, _("a maildir is already where %s's would go: move it away first"), new);
	} else if (rename_aliases(s, w, b, op, new, &p, d) == 0) {
		/* A catch-all kept in the mailbox map delivers to this maildir
		 * by its path: it follows the mail. */
		size_t nc;
		const struct catchall *c = world_catchalls(w, &nc);
		for (size_t i = 0; i < nc; i++)
			if (c[i].map == CATCHALL_IN_MAILBOX_MAP && c[i].mailbox->map->table &&
			    strcmp(c[i].mailbox->maildir, b->maildir) == 0)
				rename_plan_add(&p, c[i].mailbox->map->table, c[i].mailbox->address, value.buf);
		struct table *vm = b->map->table;
		rc = table_remove(vm, b->address, d);
		if (rc == 0)
			rc = table_add(vm, new, value.buf, d);
		for (size_t i = 0; i < p.n && rc == 0; i++) {
			const struct rename_edit *e = &p.v[i];
			if (!e->value)
				rc = table_remove(e->t, e->key, d);
			else
				rc = table_lookup(e->t, e->key) ? table_set(e->t, e->key, e->value, d)
								: table_add(e->t, e->key, e->value, d);
		}
		if (rc == 0 && b->pw)
			rc = rename_pwfile(s, w, b, new, from, to, home, d);
		if (rc == 0)
			rc = rename_sysaliases(s, w, b->address, new, d);
		if (rc == 0) {
			stage_add_action(s, ACT_MAILDIR_RENAME, from, to, b->address);
			if (!b->pw)
				stage_add_note(s, _("%s has no password: it receives mail, but nobody can log in to read it until one is set"),
					       new);
		}
	}
	rename_plan_free(&p);
	free(local);
	free(from);
	free(to);
	free(home);
	sb_free(&value);
	return rc;
}
