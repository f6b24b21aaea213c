/* The operations applied to a world (one handler per kind, apply_op
 * choosing): checked against the world as it will be, then edited in the
 * world's documents; the maildir actions they need are noted in the stage. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stage_int.h"
#include "vmailadm/aliasdom.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lint.h"
#include "vmailadm/model.h"
#include "vmailadm/precheck.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

/* Does the entry a new user goes next to name a uid? Then the new one
 * should too. (The neighbour, not a count over the file: the quick path
 * reads only the lines that matter, and this is one of them.) */
static bool apply_pwfile_has_ids(const struct pwfile *p, const char *user)
{
	const struct pwfile_entry *e = pwfile_neighbour(p, user);
	return e && pwfile_field_set(e, PWFILE_UID);
}

struct table *apply_map_table(const struct world *w, enum map_role role, const char *param,
			       struct diags *d)
{
	struct world_map *m = world_map_for(w, role);
	if (m)
		return m->table;
	for (size_t i = 0; i < world_map_count(w); i++)
		if (world_map(w, i)->roles & (unsigned)role) {
			/* only pattern tables, or maps of a kind vmailadm reads only */
			diag_error(d, world_maincf_path(w), 0,
				   _("%s names %s, which vmailadm cannot edit"), param, world_map(w, i)->ref.spec);
			return NULL;
		}
	diag_error(d, world_maincf_path(w), 0, _("%s is not set: there is no table to edit"), param);
	return NULL;
}

/* Does a rule of a pattern table of role listed before the table t (the
 * one new keys go to) answer for address already, so that its new entry
 * would never be read? Refused then, naming the rule. */
static bool apply_pattern_before(const struct world *w, enum map_role role, const char *param,
				 const struct table *t, const char *address, struct diags *d)
{
	bool before = false;
	for (size_t i = 0; i < world_map_count(w) && world_map(w, i)->table != t; i++) {
		const struct world_map *m = world_map(w, i);
		before |= (m->roles & (unsigned)role) && m->table && table_syntax(m->table) == TABLE_REGEXP;
	}
	if (!before)
		return false;
	const char *hit = role == MAP_VIRTUAL_ALIAS ? "alias-hit" : "mailbox-hit";
	struct tracer *tr = trace_create(w, NULL);
	struct trace_result r;
	trace_address(tr, address, &r);
	const struct trace_step *st = NULL;
	for (size_t i = 0; !st && i < r.nsteps; i++)
		if (r.steps[i].file && strcmp(r.steps[i].what, hit) == 0 &&
		    strcasecmp(r.steps[i].address, address) == 0)
			st = &r.steps[i];
	bool shadowed = false;
	for (size_t i = 0; st && !shadowed && world_map(w, i)->table != t; i++) {
		const struct world_map *m = world_map(w, i);
		shadowed = (m->roles & (unsigned)role) && m->table && table_syntax(m->table) == TABLE_REGEXP &&
			   m->ref.path && strcmp(m->ref.path, st->file) == 0;
	}
	if (shadowed)
		diag_error(d, st->file, st->line,
			   _("%s would never be read in %s: this rule of %s, listed before it, answers for %s first; narrow the rule, or list %s first"),
			   address, doc_name(table_doc(t)), param, address, doc_name(table_doc(t)));
	trace_result_free(&r);
	trace_free(&tr);
	return shadowed;
}

struct table *apply_new_key_table(const struct world *w, enum map_role role, const char *param,
				  const char *address, struct diags *d)
{
	const char *at = strrchr(address, '@');
	struct world_map *m = world_map_for_domain(w, role, at ? at + 1 : NULL);
	struct table *t = m ? m->table : apply_map_table(w, role, param, d);
	return t && !apply_pattern_before(w, role, param, t, address, d) ? t : NULL;
}

int apply_refuse(struct diags *d, struct strbuf *why)
{
	diag_error(d, NULL, 0, "%s", sb_str(why));
	sb_free(why);
	return -1;
}

static char *apply_archive_path(const struct config *cfg, const struct mailbox *b)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s/%s/%s-%s", cfg->archive_dir, b->domain, b->local, stamp);
}

int apply_domain_listing_add(struct stage *s, struct world *w, const char *domain,
			      enum domain_class cls, struct diags *d)
{
	/* New domains go to the first table or /file/name of the list; with
	 * none, to the inline list in main.cf. */
	bool alias = cls == DOMAIN_VIRTUAL_ALIAS;
	const char *param = alias ? "virtual_alias_domains" : "virtual_mailbox_domains";
	struct world_map *m = world_map_for(w, alias ? MAP_ALIAS_DOMAINS : MAP_MAILBOX_DOMAINS);
	if (m && m->table) {
		const char *value = "";
		if (table_syntax(m->table) == TABLE_INDEXED) {
			/* Postfix only asks whether the key exists; keep the file's habit
			 * (not in the alias map itself, whose values are addresses). */
			value = table_count(m->table) && !(m->roles & MAP_VIRTUAL_ALIAS)
				? table_entry(m->table, 0)->value : "OK";
		}
		return table_add(m->table, domain, value, d);
	}
	if (m && !m->table) {
		diag_error(d, world_maincf_path(w), 0, _("%s names %s, which vmailadm cannot edit"), param,
			   m->ref.spec);
		return -1;
	}
	unsigned line;
	const char *raw = maincf_raw(world_maincf(w), param, &line);
	struct strbuf v = STRBUF_INIT;
	if (raw && *raw)
		sb_addf(&v, "%s, %s", raw, domain);
	else
		sb_adds(&v, domain);
	maincf_set(world_maincf(w), param, v.buf);
	sb_free(&v);
	stage_add_note(s, _("%s is added to the inline %s list of main.cf"), domain, param);
	return 0;
}

static int apply_domain_listing_remove(struct stage *s, struct world *w, const struct domain *dom,
				 struct diags *d)
{
	for (size_t i = 0; i < dom->nlistings; i++) {
		const struct domain_listing *l = &dom->listings[i];
		if (l->class != DOMAIN_VIRTUAL_MAILBOX && l->class != DOMAIN_VIRTUAL_ALIAS)
			continue;
		const char *param = l->class == DOMAIN_VIRTUAL_MAILBOX ? "virtual_mailbox_domains"
								       : "virtual_alias_domains";
		bool done = false;
		for (size_t m = 0; m < world_map_count(w) && !done; m++) {
			struct world_map *wm = world_map(w, m);
			if (wm->table && wm->ref.path && l->file && strcmp(wm->ref.path, l->file) == 0) {
				if (table_remove(wm->table, dom->name, d) < 0)
					return -1;
				done = true;
			}
		}
		if (done)
			continue;
		/* An inline item of main.cf: rewrite the list without it. */
		unsigned line;
		const char *raw = maincf_raw(world_maincf(w), param, &line);
		if (!raw)
			continue;
		size_t n;
		char **items = maincf_split_list(raw, &n);
		struct strbuf v = STRBUF_INIT;
		for (size_t k = 0; k < n; k++) {
			if (strcasecmp(items[k], dom->name) == 0)
				continue;
			sb_addf(&v, "%s%s", v.len ? ", " : "", items[k]);
		}
		maincf_list_free(items);
		/* the last item gone: an empty list (v.buf is NULL then) */
		maincf_set(world_maincf(w), param, sb_str(&v));
		sb_free(&v);
		stage_add_note(s, _("%s is removed from %s in main.cf"), dom->name, param);
	}
	return 0;
}

bool apply_is_identity(const struct alias *a)
{
	return a->ntargets == 1 && strcmp(a->targets[0].address, a->address) == 0;
}

/* What becomes of a removed mailbox's mail: archived, purged, or left. */
static void apply_mailbox_mail(struct stage *s, const struct mailbox *b, const struct op *op)
{
	if (!b->is_maildir || op->keep_maildir)
		return;
	if (op->purge) {
		stage_add_action(s, ACT_MAILDIR_PURGE, b->maildir, NULL, b->address);
	} else {
		char *to = apply_archive_path(s->cfg, b);
		stage_add_action(s, ACT_MAILDIR_ARCHIVE, b->maildir, to, b->address);
		free(to);
	}
}

static int apply_mailbox_remove(struct stage *s, struct world *w, const struct mailbox *b,
			  const struct op *op, bool cascade, struct diags *d)
{
	size_t n;
	const struct alias *const *in = world_aliases_to(w, b->address, &n);
	struct strbuf why = STRBUF_INIT;
	const char *file;
	unsigned line;
	if (!stage_rule_pattern_target(w, b->address, &why, &file, &line)) {
		diag_error(d, file, line, "%s", why.buf);
		sb_free(&why);
		return -1;
	}
	if (!cascade) {
		struct strbuf who = STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			if (strcmp(in[i]->address, b->address) != 0 && !aliasdom_is_line(w, in[i]))
				sb_addf(&who, "%s%s", who.len ? ", " : "", in[i]->address);
		if (who.len) {
			diag_error(d, NULL, 0, _("%s is a target of %s: remove it there first (vmailadm alias del ALIAS %s), or mail to them will bounce"),
				   b->address, who.buf, b->address);
			sb_free(&who);
			return -1;
		}
		sb_free(&who);
		/* /etc/aliases too: root's mail (cron's, postmaster's) would bounce. */
		size_t ns;
		const struct alias_entry **sys = world_sysaliases_to(w, b->address, &ns);
		if (ns) {
			diag_error(d, doc_name(aliases_doc(world_system_aliases(w))), sys[0]->line,
				   _("%s is a target of the system alias %s: change it first (vmailadm sysalias set %s ...), or its mail will bounce"),
				   b->address, sys[0]->lookup_key, sys[0]->lookup_key);
			free(sys);
			return -1;
		}
	}
	if (table_remove(b->map->table, b->address, d) < 0)
		return -1;
	if (b->pw && pwfile_remove(world_pwfile(w), b->address, d) < 0)
		return -1;
	if (b->alias && apply_is_identity(b->alias) && b->alias->map->table &&
	    table_remove(b->alias->map->table, b->address, d) < 0)
		return -1;
	apply_mailbox_mail(s, b, op);
	return 0;
}

struct table *apply_alias_table(const struct alias *a, struct diags *d)
{
	if (!a->map || !a->map->table) {
		diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
		return NULL;
	}
	return a->map->table;
}

int apply_alias_remove(struct world *w, const struct alias *a, struct diags *d)
{
	struct table *t = apply_alias_table(a, d);
	return t ? table_remove(t, a->address, d) : -1;
}

/* Would mail to `from` come back to `from` through the aliases if `from`
 * also pointed at the given targets? Identity entries end a chain (§2.4). */
static bool apply_reaches(const struct world *w, const char *from, const char *to, int depth)
{
	if (depth > 100)
		return true;
	const struct alias *a = world_alias_find(w, from);
	if (!a)
		return false;
	for (size_t i = 0; i < a->ntargets; i++) {
		const char *t = a->targets[i].address;
		if (strcmp(t, a->address) == 0)
			continue;
		if (strcmp(t, to) == 0 || apply_reaches(w, t, to, depth + 1))
			return true;
	}
	return false;
}

int apply_check_targets(const struct world *w, const struct op *op, struct diags *d)
{
	/* the targets' form is op_check's (stage_apply_one) */
	for (size_t i = 0; i < op->ntargets; i++) {
		struct strbuf why = STRBUF_INIT;
		const char *t = op->targets[i];
		if (!stage_rule_target(w, NULL, t, &why))
			return apply_refuse(d, &why);
		sb_free(&why);
		if (strcasecmp(t, op->subject) != 0 && apply_reaches(w, t, op->subject, 0)) {
			diag_error(d, NULL, 0, _("alias loop: %s → %s leads back to %s"), op->subject, t, op->subject);
			return -1;
		}
	}
	return 0;
}

int apply_domain_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	if (!stage_rule_new_domain(w, op->subject, &why))
		return apply_refuse(d, &why);
	sb_free(&why);
	if (op->alias_of)
		return aliasdom_apply_add(s, w, op, d);
	return apply_domain_listing_add(s, w, op->subject, DOMAIN_VIRTUAL_MAILBOX, d);
}

void apply_removal_add(struct apply_removal **v, size_t *n, size_t *cap, struct table *t, const char *key)
{
	size_t i = 0;
	while (i < *n && (*v)[i].t != t)
		i++;
	if (i == *n) {
		xgrow(v, cap, *n + 1, sizeof **v);
		(*v)[(*n)++] = (struct apply_removal){ .t = t };
	}
	struct apply_removal *r = &(*v)[i];
	xgrow(&r->keys, &r->cap, r->n + 1, sizeof *r->keys);
	r->keys[r->n++] = key;
}

int apply_removals_run(struct apply_removal *rm, size_t n, bool run, struct diags *d)
{
	int rc = run ? 0 : -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = table_remove_many(rm[i].t, rm[i].keys, rm[i].n, d);
	for (size_t i = 0; i < n; i++)
		free(rm[i].keys);
	free(rm);
	return rc;
}

static int apply_domain_cascade(struct stage *s, struct world *w, const struct op *op,
				const struct alias *aliases, size_t na, const struct mailbox *boxes, size_t nb,
				struct diags *d)
{
	struct apply_removal *rm = NULL;
	size_t nrm = 0, caprm = 0, npw = 0;
	const char **users = xcalloc(nb + 1, sizeof *users);
	int rc = 0;
	for (size_t i = 0; i < na && rc == 0; i++) {
		const struct alias *a = &aliases[i];
		if (a->is_identity && world_mailbox_find(w, a->address))
			continue; /* goes with its mailbox */
		if (!a->map || !a->map->table) {
			diag_error(d, a->file, a->line, _("%s is in a table vmailadm cannot edit"), a->address);
			rc = -1;
		} else {
			apply_removal_add(&rm, &nrm, &caprm, a->map->table, a->address);
			stage_add_note(s, _("cascade: alias %s is removed"), a->address);
		}
	}
	for (size_t i = 0; i < nb && rc == 0; i++) {
		const struct mailbox *b = &boxes[i];
		apply_removal_add(&rm, &nrm, &caprm, b->map->table, b->address);
		if (b->pw)
			users[npw++] = b->address;
		if (b->alias && apply_is_identity(b->alias) && b->alias->map->table)
			apply_removal_add(&rm, &nrm, &caprm, b->alias->map->table, b->address);
		apply_mailbox_mail(s, b, op);
		stage_add_note(s, _("cascade: mailbox %s is removed (mail archived)"), b->address);
	}
	rc = apply_removals_run(rm, nrm, rc == 0, d);
	if (rc == 0 && npw)
		rc = pwfile_remove_many(world_pwfile(w), users, npw, d);
	free(users);
	return rc;
}

int apply_domain_del(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct domain *dom = world_domain_find(w, op->subject);
	if (!dom || !(dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS))) {
		diag_error(d, NULL, 0, _("%s is not a virtual domain here"), op->subject);
		return -1;
	}
	int rc = aliasdom_apply_domain_del(s, w, op, d);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	size_t nb, na;
	const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
	const struct alias *aliases = world_domain_aliases(w, dom, &na);
	size_t ncatch = (dom->catchall_alias != NULL) + (dom->catchall_mailbox != NULL);
	if ((nb || na || ncatch) && !op->cascade) {
		char *boxes_n, *aliases_n;
		model_entry_counts(nb, na, &boxes_n, &aliases_n);
		diag_error(d, NULL, 0, _("%s still has %s and %s: remove them first, or use --cascade"),
			   op->subject, boxes_n, aliases_n);
		free(boxes_n);
		free(aliases_n);
		return -1;
	}
	if (apply_domain_cascade(s, w, op, aliases, na, boxes, nb, d) < 0)
		return -1;
	if (dom->catchall_alias && apply_alias_remove(w, dom->catchall_alias->alias, d) < 0)
		return -1;
	if (dom->catchall_mailbox && table_remove(dom->catchall_mailbox->mailbox->map->table,
						  dom->catchall_mailbox->mailbox->address, d) < 0)
		return -1;
	return apply_domain_listing_remove(s, w, dom, d);
}

/* The quota goes in the field the installed Dovecot reads; the other
 * version's, left from before an upgrade, goes with it (Dovecot 2.4 would
 * refuse the old one, 2.3 ignore the new). */
static int apply_quota_field(struct pwfile *pf, const char *user, const char *rule, struct diags *d)
{
	const char *field = model_dovecot_quota_field(NULL);
	const char *other = strcmp(field, MODEL_QUOTA_FIELD_23) == 0 ? MODEL_QUOTA_FIELD_24 : MODEL_QUOTA_FIELD_23;
	if (pwfile_set_extra(pf, user, field, rule ? model_quota_field_value(field, rule) : NULL, d) < 0)
		return -1;
	return pwfile_set_extra(pf, user, other, NULL, d);   /* absent: a no-op */
}

/* The new mailbox's maildir: created by the commit, unless one is there
 * already (an orphan, a half-done removal): its mail would go to the new
 * owner, so it is taken on only when asked (--adopt-maildir). */
static int apply_mailbox_maildir(struct stage *s, struct world *w, const struct op *op, const char *rel,
			   struct diags *d)
{
	const char *base = world_mailbox_base(w);
	char *path = xasprintf("%s/%s", base, rel);
	path[strlen(path) - 1] = '\0'; /* no trailing '/' */
	struct stat st;
	int rc = 0;
	if (lstat(path, &st) < 0) {
		stage_add_action(s, ACT_MAILDIR_CREATE, path, NULL, op->subject);
	} else {
		long n = precheck_count_messages(base, rel);
		if (!op->adopt_maildir) {
			const char *at = strrchr(op->subject, '@');
			diag_error(d, path, 0,
				   _("a maildir is already there, with %ld messages: mailbox %s would receive them; take it on with --adopt-maildir, or move it away first (e.g. to %s/%s/)"),
				   n, op->subject, s->cfg->archive_dir, at + 1);
			rc = -1;
		} else {
			stage_add_note(s, _("%s takes on the maildir %s already there (%ld messages)"), op->subject, path, n);
		}
	}
	free(path);
	return rc;
}

/* Add op->subject's passwd-file line with op's hash, home and extra fields
 * (either may be NULL); uid and gid when the file names them per user. */
static int apply_pwfile_add_line(struct stage *s, struct world *w, const struct op *op,
				 char *home, char *extra, struct diags *d)
{
	struct pwfile_fields e = { .user = op->subject, .password = op->password_hash, .uid = "",
				  .gid = "", .gecos = "", .home = home ? home : "", .shell = "",
				  .extra = extra ? extra : "" };
	char uid[24], gid[24];
	if (apply_pwfile_has_ids(world_pwfile(w), op->subject)) {
		/* Follow the file's habit of naming uid and gid per user. */
		snprintf(uid, sizeof uid, "%ld", s->cfg->vmail_uid);
		snprintf(gid, sizeof gid, "%ld", s->cfg->vmail_gid);
		e.uid = uid;
		e.gid = gid;
	}
	return pwfile_add(world_pwfile(w), &e, d);
}

/* The passwd-file line of a new mailbox whose map value is value: the
 * home Dovecot's location needs (home), else the home and userdb_mail of
 * the line it goes next to when they make Dovecot read where Postfix
 * delivers (a server whose lines each say where the user's mail is got a
 * line saying nothing, and Dovecot looked elsewhere); uid and gid when
 * the neighbour names them; the quota rule. */
static int apply_mailbox_pwline(struct stage *s, struct world *w, const struct op *op,
				const char *value, char *home, const struct strbuf *rule,
				struct diags *d)
{
	char *fields = NULL, *followed = NULL;
	const char *base = world_mailbox_base(w);
	if (!home && base && *base) {
		char *dir = xasprintf("%s/%s", base, value);
		char *key = lint_maildir_key(dir);
		dovelayout_neighbour_fields(s, w, op->subject, key, &followed, &fields);
		free(key);
		free(dir);
		home = followed;
	}
	const char *field = model_dovecot_quota_field(NULL);
	char *extra = rule->len ? xasprintf("%s%s%s=%s", fields ? fields : "", fields ? " " : "", field,
					    model_quota_field_value(field, rule->buf))
				: NULL;
	int rc = apply_pwfile_add_line(s, w, op, home, extra ? extra : fields, d);
	free(extra);
	free(fields);
	free(followed);
	return rc;
}

/* A rule of a pattern alias table (regexp:, pcre:) that would take the
 * mail of a new mailbox address before its mailbox is looked up (a
 * catch-all there): refused, naming the rule, since vmailadm cannot add
 * the identity entry it adds before a catch-all of a hash alias map. */
static bool apply_pattern_takes(const struct world *w, const char *address, struct diags *d)
{
	if (!lint_pattern_has_tables(w))
		return false;
	struct tracer *t = trace_create(w, NULL);
	char *file = NULL, *to = NULL;
	unsigned line = 0;
	bool taken = lint_pattern_takes(w, t, address, NULL, &file, &line, &to);
	if (taken)
		diag_error(d, file, line, _("%s would never get mail: this rule of virtual_alias_maps takes it first (to %s); narrow the rule, or put before it one that maps %s to itself"),
			   address, to, address);
	free(file);
	free(to);
	trace_free(&t);
	return taken;
}

int apply_mailbox_add(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	/* the address's form is op_check's (stage_apply_one); which
	 * characters a new one may hold is this server's setting */
	struct strbuf why = STRBUF_INIT;
	if (!op_safe_local_part(op->subject, s->cfg->local_part_allow, &why))
		return apply_refuse(d, &why);
	const char *at = strrchr(op->subject, '@');
	const char *domain = at + 1;
	char *local = xstrndup(op->subject, (size_t)(at - op->subject));
	int rc = -1;
	struct strbuf rule = STRBUF_INIT, value = STRBUF_INIT;
	struct table *vmailbox;
	const char *file;
	unsigned line;
	char *home = NULL;   /* the passwd-file home Dovecot needs, or none */
	long long qb = op->quota && *op->quota ? config_size_bytes(op->quota) : 0;
	if (!stage_rule_new_mailbox(w, op->subject, &why, &file, &line)) {
		diag_error(d, file, line, "%s", why.buf);
	} else if (!stage_rule_domain_limits(s->cfg, w, domain, 1, 0, qb, qb <= 0, &why)) {
		diag_error(d, NULL, 0, "%s", why.buf);
	} else if (op->quota && *op->quota && !op_quota_rule(op->quota, &rule, &why)) {
		diag_error(d, NULL, 0, "%s", why.buf);
	} else if (apply_pattern_takes(w, op->subject, d)) {
		/* said */
	} else if ((vmailbox = apply_new_key_table(w, MAP_VIRTUAL_MAILBOX, "virtual_mailbox_maps", op->subject,
						   d)) != NULL &&
		   table_add(vmailbox, op->subject, dovelayout_new_mailbox(s, w, local, domain, &value, &home),
			     d) == 0) {
		rc = 0;
		if (op->password_hash)
			rc = apply_mailbox_pwline(s, w, op, value.buf, home, &rule, d);
		else
			stage_add_note(s, _("%s has no password: it receives mail, but nobody can log in to read it until one is set"),
				 op->subject);
		/* A catch-all in the alias map swallows every mailbox without an
		 * identity entry (§2.5): keep the identity entries in step. */
		const struct domain *dom = world_domain_find(w, domain);
		if (rc == 0 && dom->catchall_alias) {
			struct table *va = dom->catchall_alias->alias->map->table;
			rc = va ? table_add(va, op->subject, op->subject, d) : -1;
			stage_add_note(s, _("%s gets an identity entry in the alias map, because the catch-all of %s is there and would swallow it"),
				 op->subject, domain);
		}
		if (rc == 0)
			rc = apply_mailbox_maildir(s, w, op, value.buf, d);
	}
	free(local);
	free(home);
	sb_free(&rule);
	sb_free(&why);
	sb_free(&value);
	return rc;
}

const struct mailbox *apply_need_mailbox(const struct world *w, const char *address, struct diags *d)
{
	const struct mailbox *b = world_mailbox_find(w, address);
	if (!b)
		diag_error(d, NULL, 0, _("%s is not a mailbox"), address);
	else if (!b->map || !b->map->table) {
		diag_error(d, b->file, b->line, _("%s is in a table vmailadm cannot edit"), address);
		b = NULL;
	}
	return b;
}

int apply_mailbox_passwd(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = apply_need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	if (b->pw)
		return pwfile_set_password(world_pwfile(w), op->subject, op->password_hash, d);
	char *dir = b->is_maildir ? lint_maildir_key(b->maildir) : NULL;
	char *home = dir ? dovelayout_home(s->cfg, op->subject, dir) : NULL, *fields = NULL;
	if (dir && !home)   /* as mailbox add: the neighbour's home and userdb_mail */
		dovelayout_neighbour_fields(s, w, op->subject, dir, &home, &fields);
	int rc = apply_pwfile_add_line(s, w, op, home, fields, d);
	free(fields);
	free(home);
	free(dir);
	return rc;
}

int apply_mailbox_quota(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = apply_need_mailbox(w, op->subject, d);
	if (!b)
		return -1;
	if (!b->pw) {
		diag_error(d, NULL, 0, _("%s has no passwd-file entry to hold a quota: set a password first"),
			   op->subject);
		return -1;
	}
	struct strbuf rule = STRBUF_INIT, why = STRBUF_INIT;
	int rc = -1;
	long long qb = op->quota && *op->quota ? config_size_bytes(op->quota) : 0;
	if (op->quota && *op->quota && !op_quota_rule(op->quota, &rule, &why))
		diag_error(d, NULL, 0, "%s", why.buf);
	else if (!stage_rule_domain_limits(s->cfg, w, b->domain, 0, 0, qb - (b->quota_bytes > 0 ? b->quota_bytes : 0),
					   qb <= 0, &why))
		diag_error(d, NULL, 0, "%s", why.buf);
	else
		rc = apply_quota_field(world_pwfile(w), op->subject, rule.len ? rule.buf : NULL, d);
	sb_free(&rule);
	sb_free(&why);
	return rc;
}

int apply_mailbox_del(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = apply_need_mailbox(w, op->subject, d);
	return b ? apply_mailbox_remove(s, w, b, op, false, d) : -1;
}

/* The kind's handler, from its row in op.c's table. */
int apply_op(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	struct sendas_all *before = NULL;
	if (sendas_apply_before(s, w, op, &before) < 0)
		return -1;
	int rc = op_handler(op->kind)(s, w, op, d);
	/* the alias domains of what op added or removed follow it, then who
	 * may send as the addresses it changed */
	if (rc == 0)
		rc = aliasdom_apply_sync(s, w, op, d);
	if (rc == 0)
		rc = sendas_apply_sync(s, w, op, before, d);
	sendas_apply_free(&before);
	return rc;
}
