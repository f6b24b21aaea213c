/* The plan of a stage: the files that change, the unified diffs, and the
 * actions the commit runs (maps, maildirs, reloads), in the order it runs
 * them; their names and descriptions. */
#include "config.h"
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/diff.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/xalloc.h"

void plan_clear(struct plan *p)
{
	free(p->files);
	free(p->rebuilt);
	for (size_t i = 0; i < p->nactions; i++) {
		free(p->actions[i].path);
		free(p->actions[i].target);
		free(p->actions[i].detail);
	}
	free(p->actions);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	pgdb_diff_free(&p->rows);
	pgserver_free(p);
	memset(p, 0, sizeof *p);
}

static size_t plan_line_start_at(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] != '\n')
		at--;
	return at;
}

/* For a file read in part: cur's [*c0, *c1) holding every change and at
 * least `context` whole lines around them, old's bytes for the same
 * stretch in old, and the lines before it (the same on both sides). */
static size_t plan_undo_window(const struct staged_file *f, unsigned context, size_t *c0, size_t *c1,
			  struct strbuf *old)
{
	const struct staged_undo *u = f->undo;
	const char *c = f->cur.buf;
	size_t n = f->cur.len;
	size_t a = plan_line_start_at(c, u->v[0].cur_off);
	for (unsigned k = 0; k < context && a > 0; k++)
		a = plan_line_start_at(c, a - 1);
	size_t b = u->v[u->n - 1].cur_off + u->v[u->n - 1].cur_len;
	for (unsigned k = 0; k <= context && b < n; k++) {
		const char *nl = memchr(c + b, '\n', n - b);
		b = nl ? (size_t)(nl - c) + 1 : n;
	}
	*c0 = a;
	*c1 = b;
	stagefile_undo_rebuild(f, a, b, old);
	size_t lines = 0;
	for (const char *p = c, *end = c + a; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		lines++;
	return lines;
}

/* The domain-like keys of a table or list (first word of each entry line,
 * without '@'), in order. virtual_alias_domains defaults to
 * $virtual_alias_maps, so the alias table is also a domain list: only a
 * change of these keys needs a reload. */
static void plan_domain_keys(const char *t, size_t len, struct strbuf *out)
{
	const char *end = t + len;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		const char *e = nl ? nl : end;
		if (t < e && *t != '#' && *t != ' ' && *t != '\t') {
			size_t w = strcspn(t, " \t\n");
			if (w > (size_t)(e - t))
				w = (size_t)(e - t);
			if (!memchr(t, '@', w)) {
				sb_add(out, t, w);
				sb_addc(out, '\n');
			}
		}
		t = nl ? nl + 1 : end;
	}
}

static bool plan_domain_keys_changed(const struct staged_file *f)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	if (f->lazy && f->undo && f->undo->n) {
		/* outside the changed stretch the lines are the same */
		struct strbuf old = STRBUF_INIT;
		size_t c0, c1;
		plan_undo_window(f, 0, &c0, &c1, &old);
		plan_domain_keys(sb_str(&old), old.len, &a);
		plan_domain_keys(f->cur.buf + c0, c1 - c0, &b);
		sb_free(&old);
	} else {
		const struct strbuf *old = stagefile_old(f);
		plan_domain_keys(sb_str(old), old->len, &a);
		plan_domain_keys(sb_str(&f->cur), f->cur.len, &b);
	}
	bool changed = a.len != b.len || memcmp(sb_str(&a), sb_str(&b), a.len) != 0;
	sb_free(&a);
	sb_free(&b);
	return changed;
}

static void plan_add_action(struct plan *p, enum action_kind kind, const char *path,
			    const char *target, const char *detail)
{
	p->actions = xreallocarray(p->actions, p->nactions + 1, sizeof *p->actions);
	p->actions[p->nactions++] = (struct action){
		.kind = kind,
		.path = path ? xstrdup(path) : NULL,
		.target = target ? xstrdup(target) : NULL,
		.detail = detail ? xstrdup(detail) : NULL,
	};
}

/* backend pgsql: a file that stays a file beside the rows (the system
 * aliases file: its map is built and its diff shown), not one of the
 * snapshot's tables. Without a snapshot (a stage made on flat files for
 * the row diff alone) every file is rows. */
static bool plan_stays_file(const char *path)
{
	return pgdb_snapshot_dir() && !pgdb_snapshot_table(path);
}

/* backend: pgsql: the rows of the snapshot as read against the rows of
 * the staged world; the snapshot's texthash: tables are built by nobody
 * (no postmap) and Postfix and Dovecot read the database (no reload). */
static void plan_rows(struct stage *s, struct plan *p)
{
	p->rows = pgrowdiff(s);
	if (!p->rows) {
		struct diags quiet = DIAGS_INIT;
		struct world *before = NULL;
		const struct world *after = stage_world(s, &quiet);
		if (after && world_load(s->cfg, &before, &quiet) == 0)
			p->rows = pgdb_diff(before, after);
		world_free(&before);
		diags_free(&quiet);
	}
	size_t k = 0;
	for (size_t i = 0; i < p->nactions; i++) {
		if ((p->actions[i].kind == ACT_POSTMAP || p->actions[i].kind == ACT_POSTALIAS) &&
		    !plan_stays_file(p->actions[i].path)) {
			free(p->actions[i].path);
			free(p->actions[i].target);
			free(p->actions[i].detail);
			continue;
		}
		p->actions[k++] = p->actions[i];
	}
	p->nactions = k;
}

/* master.cf beside main.cf (sendas enable edits a service's -o): only a
 * reload makes the master read it. */
static bool plan_is_mastercf(const char *path, const char *maincf)
{
	const char *slash = strrchr(maincf, '/');
	size_t dir = slash ? (size_t)(slash - maincf) + 1 : 0;
	return strncmp(path, maincf, dir) == 0 && strcmp(path + dir, "master.cf") == 0;
}

const struct plan *stage_plan(struct stage *s)
{
	if (s->plan_valid)
		return &s->plan;
	plan_clear(&s->plan);
	struct plan *p = &s->plan;
	if (!s->layout.valid)
		stage_layout_load(s, NULL);   /* from main.cf alone: no world needed */
	const struct layout *w = s->layout.valid ? &s->layout : NULL;
	bool reload_postfix = false, reload_dovecot = false;
	for (size_t i = 0; i < s->npaths; i++) {
		struct staged_file *f = stagefile_get(s, s->paths[i]);
		if (!stagefile_changed(f))
			continue;
		stagefile_materialize(s, f);   /* the plan reads cur (stagedit.c) */
		p->files = xreallocarray(p->files, p->nfiles + 1, sizeof *p->files);
		p->files[p->nfiles++] = f;
		if (!w)
			continue;
		if (strcmp(f->path, w->maincf) == 0 || plan_is_mastercf(f->path, w->maincf))
			reload_postfix = true;
		if (strcmp(f->path, w->pwfile) == 0)
			reload_dovecot = true;
		if (strcmp(f->path, w->aliases) == 0)
			plan_add_action(p, ACT_POSTALIAS, f->path, NULL, "hash");
		for (size_t m = 0; m < w->nmaps; m++) {
			const struct layout_map *wm = &w->maps[m];
			if (!wm->path || strcmp(wm->path, f->path) != 0)
				continue;
			const char *type = wm->type;
			if (table_type_built_suffix(type))
				plan_add_action(p, ACT_POSTMAP, f->path, NULL, type);
			else
				/* /file/name lists and pattern files are read once per
				 * process: only a reload makes Postfix see them (§1.5). */
				reload_postfix = true;
			/* Measured (tests/integration/stage-live.sh): after a new
			 * domain in a rebuilt virtual_mailbox_domains table, the
			 * running smtpd still answers "Relay access denied" until
			 * a reload: its domain lists do not follow the table. */
			if ((wm->roles & (MAP_MAILBOX_DOMAINS | MAP_ALIAS_DOMAINS | MAP_MYDESTINATION)) &&
			    plan_domain_keys_changed(f))
				reload_postfix = true;
			break;
		}
	}
	/* Maps rebuilt on request (OP_MAP_REBUILD): the same action as for a
	 * changed file, once; an unchanged file is listed apart so that the
	 * commit builds it without writing, backing up or journalling it. */
	for (size_t i = 0; i < s->nacts; i++) {
		const struct action *a = &s->acts[i];
		if (a->kind != ACT_POSTMAP && a->kind != ACT_POSTALIAS)
			continue;
		bool have = false;
		for (size_t k = 0; k < p->nactions && !have; k++)
			have = p->actions[k].kind == a->kind && strcmp(p->actions[k].path, a->path) == 0;
		if (have)
			continue;
		plan_add_action(p, a->kind, a->path, NULL, a->detail);
		struct staged_file *f = stagefile_get(s, a->path);
		if (f && !stagefile_changed(f)) {
			stagefile_materialize(s, f);   /* the commit builds the map from cur */
			p->rebuilt = xreallocarray(p->rebuilt, p->nrebuilt + 1, sizeof *p->rebuilt);
			p->rebuilt[p->nrebuilt++] = f;
		}
		/* The running smtpd's domain lists do not follow a rebuilt table
		 * (see above), and a stale .db may have lacked a domain. */
		for (size_t m = 0; w && m < w->nmaps; m++)
			if (w->maps[m].path && strcmp(w->maps[m].path, a->path) == 0 &&
			    (w->maps[m].roles & (MAP_MAILBOX_DOMAINS | MAP_ALIAS_DOMAINS | MAP_MYDESTINATION)))
				reload_postfix = true;
	}
	/* Maildirs are created after the maps name them and archived after the
	 * maps stop naming them (Postfix recreates a maildir it still delivers to). */
	for (size_t i = 0; i < s->nacts; i++)
		if (s->acts[i].kind != ACT_POSTMAP && s->acts[i].kind != ACT_POSTALIAS)
			plan_add_action(p, s->acts[i].kind, s->acts[i].path, s->acts[i].target,
					s->acts[i].detail);
	if (s->cfg->backend == BACKEND_PGSQL)
		plan_rows(s, p);
	else if (reload_postfix)
		plan_add_action(p, ACT_RELOAD_POSTFIX, NULL, NULL, NULL);
	if (reload_dovecot && s->cfg->backend != BACKEND_PGSQL)
		plan_add_action(p, ACT_RELOAD_DOVECOT, NULL, NULL, NULL);
	for (size_t i = 0; i < s->nnotes; i++) {
		p->notes = xreallocarray(p->notes, p->nnotes + 1, sizeof *p->notes);
		p->notes[p->nnotes++] = xstrdup(s->notes[i]);
	}
	if (s->cfg->backend == BACKEND_PGSQL) {
		pgserver_plan(s->cfg, p);
		pgapply_plan(s, p);
	}
	s->plan_valid = true;
	return p;
}

const char *plan_action_name(enum action_kind k)
{
	switch (k) {
	case ACT_POSTMAP: return "postmap";
	case ACT_POSTALIAS: return "postalias";
	case ACT_MAILDIR_CREATE: return "create-maildir";
	case ACT_MAILDIR_ARCHIVE: return "archive-maildir";
	case ACT_MAILDIR_PURGE: return "purge-maildir";
	case ACT_RELOAD_POSTFIX: return "reload-postfix";
	case ACT_RELOAD_DOVECOT: return "reload-dovecot";
	case ACT_MAILDIR_RESTORE: return "restore-maildir";
	case ACT_MAILDIR_RENAME: return "rename-maildir";
	case ACT_DIR_CREATE: return "create-directory";
	case ACT_FILE_REMOVE: return "remove-file";
	}
	return "?";
}

/* A new file that holds a password, as the preview shows it: a
 * "password = ..." line and a URI's password= parameter say "(hidden)". */
static void plan_hide_password(const struct strbuf *in, struct strbuf *out)
{
	const char *t = sb_str(in), *end = t + in->len;
	while (t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t len = nl ? (size_t)(nl - t) + 1 : (size_t)(end - t);
		const char *pw = memmem(t, len, "password=", 9);
		if (len > 8 && strncmp(t, "password", 8) == 0 && strspn(t + 8, " \t=") > 0) {
			sb_adds(out, "password = (hidden)\n");
		} else if (pw && (pw[-1] == '&' || pw[-1] == '?')) {
			sb_add(out, t, (size_t)(pw - t) + 9);
			sb_adds(out, "(hidden)");
			const char *amp = memchr(pw, '&', (size_t)(t + len - pw));
			sb_add(out, amp ? amp : nl ? nl : t + len, amp ? (size_t)(t + len - amp) : nl ? 1 : 0);
		} else {
			sb_add(out, t, len);
		}
		t += len;
	}
}

void plan_diff(const struct plan *p, struct strbuf *out)
{
	/* backend pgsql: the rows, then the files that stay files */
	if (p->rows)
		pgdb_diff_print(p->rows, out);
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct staged_file *f = p->files[i];
		if (p->rows && !plan_stays_file(f->path))
			continue;
		const char *from = f->existed ? f->path : "/dev/null";
		if (f->lazy && f->undo && f->undo->n) {
			/* only the stretch around the changes: old is not held */
			struct strbuf old = STRBUF_INIT;
			size_t c0, c1;
			size_t before = plan_undo_window(f, 3, &c0, &c1, &old);
			diff_unified_at(from, f->path, sb_str(&old), old.len, f->cur.buf + c0, c1 - c0, 3,
					before, out);
			sb_free(&old);
			continue;
		}
		if (f->private_new) {
			struct strbuf shown = STRBUF_INIT;
			plan_hide_password(&f->cur, &shown);
			diff_unified(from, f->path, "", 0, sb_str(&shown), shown.len, 3, out);
			sb_free(&shown);
			continue;
		}
		const struct strbuf *old = stagefile_old(f);
		diff_unified(from, f->path, sb_str(old), old->len, sb_str(&f->cur), f->cur.len, 3, out);
	}
}

/* "create directory PATH (owner root, group postfix, mode 0750)". */
static void plan_describe_dir(const struct action *a, struct strbuf *out)
{
	gid_t gid = (gid_t)strtoul(a->detail ? a->detail : "0", NULL, 10);
	struct passwd *pw = getpwuid(geteuid());
	char *owner = pw ? xstrdup(pw->pw_name) : xasprintf("%lu", (unsigned long)geteuid());
	struct group *g = getgrgid(gid);
	char *group = g ? xstrdup(g->gr_name) : xasprintf("%lu", (unsigned long)gid);
	sb_addf(out, _("create directory %s (owner %s, group %s, mode 0750)\n"), a->path, owner, group);
	free(owner);
	free(group);
}

void plan_describe_actions(const struct plan *p, const struct config *cfg, struct strbuf *out)
{
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		switch (a->kind) {
		case ACT_POSTMAP:
			sb_addf(out, _("rebuild map %s:%s (postmap -c %s)\n"), a->detail, a->path,
				config_postfix_conf_dir(cfg));
			break;
		case ACT_POSTALIAS:
			sb_addf(out, _("rebuild aliases %s:%s (postalias)\n"), a->detail, a->path);
			break;
		case ACT_MAILDIR_CREATE:
			sb_addf(out, _("create maildir %s (owner %ld:%ld, mode 0700)\n"), a->path,
				cfg->vmail_uid, cfg->vmail_gid);
			break;
		case ACT_MAILDIR_ARCHIVE:
			sb_addf(out, _("archive maildir %s to %s\n"), a->path, a->target);
			break;
		case ACT_MAILDIR_PURGE:
			sb_addf(out, _("DELETE maildir %s and all its mail\n"), a->path);
			break;
		case ACT_MAILDIR_RESTORE:
			sb_addf(out, _("move archived maildir %s back to %s\n"), a->path, a->target);
			break;
		case ACT_MAILDIR_RENAME:
			sb_addf(out, _("move maildir %s to %s (a rename under the mail base)\n"), a->path, a->target);
			break;
		case ACT_DIR_CREATE:
			plan_describe_dir(a, out);
			break;
		case ACT_FILE_REMOVE:
			sb_addf(out, _("remove %s (made by the commit being undone, unchanged since) and the maps built from it, after the reloads\n"),
				a->path);
			break;
		case ACT_RELOAD_POSTFIX:
			sb_addf(out, _("reload Postfix (%s)\n"), *cfg->postfix_reload ? cfg->postfix_reload
								   : _("disabled in the configuration"));
			break;
		case ACT_RELOAD_DOVECOT:
			sb_addf(out, _("reload Dovecot (%s)\n"), *cfg->dovecot_reload ? cfg->dovecot_reload
								   : _("disabled in the configuration"));
			break;
		}
	}
	if (p->rows) {
		struct strbuf users = STRBUF_INIT;
		pgdb_diff_users(p->rows, &users);
		size_t n = 0;
		for (size_t i = 0; i < users.len; i++)
			n += users.buf[i] == '\n';
		if (n)
			sb_addf(out, ngettext("flush Dovecot's auth cache for %zu user (doveadm auth cache flush on %s)\n",
					      "flush Dovecot's auth cache for %zu users (doveadm auth cache flush on %s)\n", n),
				n, *cfg->imap_servers ? cfg->imap_servers : _("this host"));
		sb_free(&users);
	}
	for (size_t i = 0; i < p->nnotes; i++)
		sb_addf(out, _("note: %s\n"), p->notes[i]);
}
