/* Lint rules over the loaded world, the tracer and the file system (modes,
 * owners, built maps, maildirs); see lint.h for the rule ids. The report
 * owns its strings (one arena) and keeps each text as its format and
 * arguments (lint_text.c); lint_fixes builds operations the caller stages. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lint_int.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/dovepath.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lint.h"
#include "vmailadm/maildir/quota.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/maincf.h"
#include "vmailadm/model.h"
#include "vmailadm/passhash.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

const char *lint_severity_name(enum lint_severity s)
{
	return s == LINT_ERROR ? "error" : s == LINT_WARNING ? "warning" : "info";
}

/* The report's strings: the files named (interned: a few dozen for
 * 300,000 problems), subjects and texts' arguments, in one arena. */
struct lint_store {
	struct arena a;
	struct strmap *files;   /* name -> its copy in a (the key too) */
	struct lint_text_recent recent;   /* subjects and arguments */
	/* The last problem added (its position + 1; 0: none) is open for
	 * its fix: its text is in block (its message's format and
	 * arguments, those in msg), copied into a once the fix is known (by
	 * lint_fix, the next lint_add or lint_seal at the end of the run):
	 * one block a problem, the fix's arguments after the message's. */
	size_t open;
	const char *open_fmt;
	struct strbuf msg, fix, block;
};

/* The open problem's text from block into the arena. */
static void lint_seal(struct lint_report *r)
{
	struct lint_store *st = r->store;
	if (!st || !st->open)
		return;
	char *t = arena_alloc(&st->a, st->block.len, 1);
	memcpy(t, st->block.buf, st->block.len);
	r->v[st->open - 1].text = t;
	st->open = 0;
}

static struct lint_store *lint_store_of(struct lint_report *r)
{
	if (!r->store) {
		r->store = xcalloc(1, sizeof *r->store);
		r->store->files = strmap_create_borrowed(64);
	}
	return r->store;
}

static const char *lint_intern(struct lint_report *r, const char *file)
{
	if (!file)
		return NULL;
	struct lint_store *st = lint_store_of(r);
	char *copy = strmap_get(st->files, file);
	if (!copy) {
		copy = arena_strdup(&st->a, file);
		strmap_put(st->files, copy, copy);
	}
	return copy;
}

void lint_add(struct lint_report *r, const char *rule, enum lint_severity sev, const char *file,
	      unsigned line, const char *subject, const char *fmt, ...)
{
	struct lint_store *st = lint_store_of(r);
	lint_seal(r);   /* the last one had no fix */
	if (r->n == r->cap)
		xgrow(&r->v, &r->cap, r->n + 1, sizeof *r->v);
	struct lint_problem *p = &r->v[r->n++];
	memset(p, 0, sizeof *p);
	p->rule_no = lint_text_fmt_number(rule);
	p->severity = (unsigned char)sev;
	p->line = line;
	p->file = lint_intern(r, file);
	p->subject = subject ? lint_text_keep(&st->a, &st->recent, subject) : NULL;
	va_list ap;
	va_start(ap, fmt);
	sb_reset(&st->msg);
	lint_text_capture_sb(&st->msg, &st->a, &st->recent, p->subject, fmt, ap);
	va_end(ap);
	lint_text_block(&st->block, fmt, &st->msg, NULL, NULL);
	p->text = st->block.buf;   /* until it is sealed */
	st->open = r->n;
	st->open_fmt = fmt;
}

void lint_fix(struct lint_report *r, const char *fmt, ...)
{
	struct lint_store *st = r->store;
	if (!st || st->open != r->n)
		vm_panic("lint_fix: no problem open for a fix");
	va_list ap;
	va_start(ap, fmt);
	sb_reset(&st->fix);
	lint_text_capture_sb(&st->fix, &st->a, &st->recent, r->v[r->n - 1].subject, fmt, ap);
	va_end(ap);
	lint_text_block(&st->block, st->open_fmt, &st->msg, fmt, &st->fix);
	r->v[r->n - 1].text = st->block.buf;
	lint_seal(r);
}

void lint_refile(struct lint_report *r, struct lint_problem *p, const char *file)
{
	p->file = lint_intern(r, file);
}

/* A text as shown: on backend pgsql a path of the snapshot in it (a rule
 * on the sender login map it links names it) named as the server's
 * (the diagnostics' namer, source.h). */
static char *lint_shown(struct strbuf *sb)
{
	char *named = diag_name_text(sb_str(sb));
	if (!named)
		return sb_detach_fit(sb);
	sb_free(sb);
	return named;
}

const char *lint_problem_rule(const struct lint_problem *p)
{
	return lint_text_fmt(p->rule_no);
}

char *lint_problem_message(const struct lint_problem *p)
{
	struct strbuf sb = STRBUF_INIT;
	lint_text_show(&sb, p->text, false, p->subject);
	return lint_shown(&sb);
}

char *lint_problem_fix(const struct lint_problem *p)
{
	struct strbuf sb = STRBUF_INIT;
	lint_text_show(&sb, p->text, true, p->subject);
	return lint_shown(&sb);
}

void lint_report_free(struct lint_report *r)
{
	if (r->store) {
		sb_free(&r->store->msg);
		sb_free(&r->store->fix);
		sb_free(&r->store->block);
		strmap_free(&r->store->files);
		lint_text_recent_free(&r->store->recent);
		arena_free(&r->store->a);
		free(r->store);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

size_t lint_report_bytes(const struct lint_report *r)
{
	return r->cap * sizeof *r->v + (r->store ? sizeof *r->store + r->store->a.total : 0);
}

size_t lint_count_problems(const struct lint_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].severity != LINT_INFO;
	return n;
}

char *lint_maildir_key(const char *p)
{
	char *s = xstrdup(p);
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

bool lint_stopped(const struct lint_stop *stop)
{
	return stop && stop->fn && stop->fn(stop->arg);
}

/* ---- aliases ---- */

/* A system alias (aliases file) whose address target resolves to nothing:
 * root's mail (cron's, postmaster's through root) bounces there. */
static void lint_sysalias_targets(const struct world *w, struct tracer *t, struct lint_report *r)
{
	const struct aliases *al = world_system_aliases(w);
	for (size_t i = 0; al && i < aliases_count(al); i++) {
		const struct alias_entry *e = aliases_entry(al, i);
		for (size_t k = 0; !e->shadowed && k < e->ntargets; k++) {
			if (!strchr(e->targets[k], '@') || e->targets[k][0] == '|' || e->targets[k][0] == '"')
				continue;
			struct trace_result tr;
			trace_address(t, e->targets[k], &tr);
			for (size_t n = 0; n < tr.ndests; n++) {
				if (tr.dests[n].kind != TRACE_REJECT)
					continue;
				lint_add(r, "dangling-alias-target", LINT_WARNING, doc_name(aliases_doc(al)), e->line,
					 e->lookup_key, _("system alias %s reaches %s, which resolves to nothing: that mail bounces (%s)"),
					 e->lookup_key, tr.dests[n].address, tr.dests[n].reason);
				lint_fix(r, _("create %s or point the system alias elsewhere (vmailadm sysalias set %s ...)"),
					 tr.dests[n].address, e->lookup_key);
				break;
			}
			trace_result_free(&tr);
		}
	}
}

static void lint_aliases(const struct world *w, struct lint_report *r, const struct lint_stop *st)
{
	/* a catch-all in the alias map captures every mailbox without an
	 * identity entry: aliasing runs before the mailbox lookup */
	size_t nd;
	const struct domain *doms = world_domains(w, &nd);
	for (size_t i = 0; i < nd; i++) {
		const struct domain *dom = &doms[i];
		if (!dom->catchall_alias || !(dom->classes & DOMAIN_VIRTUAL_MAILBOX))
			continue;
		size_t nb, nsw = 0;
		const struct mailbox *boxes = world_domain_mailboxes(w, dom, &nb);
		struct strbuf names = STRBUF_INIT;
		for (size_t k = 0; k < nb; k++) {
			if (!boxes[k].swallowed)
				continue;
			if (nsw < 3)
				sb_addf(&names, "%s%s", nsw ? ", " : "", boxes[k].address);
			nsw++;
		}
		if (nsw) {
			const struct catchall *c = dom->catchall_alias;
			lint_add(r, "catchall-swallows-mailboxes", LINT_ERROR, c->file, c->line, dom->name,
			    ngettext("catch-all @%s in the alias map swallows %zu mailbox (%s%s): its mail goes to %s",
				     "catch-all @%s in the alias map swallows %zu mailboxes (%s%s): their mail goes to %s",
				     nsw),
			    dom->name, nsw, sb_str(&names), nsw > 3 ? ", ..." : "", c->target);
			lint_fix(r, _("move the catch-all to virtual_mailbox_maps (@%s %s/catchall/) or add an identity entry (u@%s u@%s) for every mailbox"),
					 dom->name, dom->name, dom->name, dom->name);
		}
		sb_free(&names);
	}

	size_t na;
	const struct alias *al = world_aliases(w, &na);
	/* catch-all targets cannot be traced from their key: classify them */
	for (size_t i = 0; i < na; i++) {
		const struct alias *a = &al[i];
		if (!a->is_catchall)
			continue;
		for (size_t k = 0; k < a->ntargets; k++)
			if (a->targets[k].class == TARGET_UNKNOWN) {
				lint_add(r, "dangling-alias-target", LINT_WARNING, a->file, a->line,
				    a->address,
				    _("catch-all %s forwards to %s, which does not exist: that mail bounces"),
				    a->address, a->targets[k].address);
				lint_fix(r, _("create %s or point the catch-all elsewhere"),
						 a->targets[k].address);
			}
	}
	/* every other alias is traced the way Postfix resolves it */
	struct tracer *t = trace_create(w, NULL);
	for (size_t i = 0; i < na && !lint_stopped(st); i++) {
		const struct alias *a = &al[i];
		if (a->is_catchall || !a->domain[0])
			continue;
		struct trace_result tr;
		trace_address(t, a->address, &tr);
		if (tr.deferred && tr.limit) {
			bool loop = strcmp(tr.limit, "recursion") == 0;
			/* the alias of a mailbox is its forwarding (issue 15) */
			bool forward = loop && world_mailbox_find(w, a->address) != NULL;
			lint_add(r, forward ? "forward-loop" : loop ? "alias-loop" : "alias-limit", LINT_ERROR, a->file, a->line, a->address,
				 loop ? _("alias %s loops: Postfix defers its mail (4.6.0 Alias expansion error, unreasonable virtual_alias_maps map nesting)")
				      : _("alias %s exceeds the virtual_alias %s limit: Postfix defers its mail (4.6.0 Alias expansion error)"),
				 a->address, loop ? "" : tr.limit);
			if (loop)
				lint_fix(r, _("break the loop: one alias in the chain must end at a mailbox or map to itself"));
			else
				lint_fix(r, _("split the alias or raise virtual_alias_%s_limit"),
					 strcmp(tr.limit, "length") == 0 ? "address_length" : tr.limit);
		}
		for (size_t k = 0; k < tr.ndests; k++) {
			if (tr.dests[k].kind != TRACE_REJECT)
				continue;
			if (strcasecmp(tr.dests[k].address, a->address) == 0 && !a->is_identity)
				continue;   /* itself: an alias domain reject, reported elsewhere */
			lint_add(r, "dangling-alias-target", LINT_WARNING, a->file, a->line, a->address,
			    _("alias %s reaches %s, which resolves to nothing: that mail bounces (%s)"),
			    a->address, tr.dests[k].address, tr.dests[k].reason);
			lint_fix(r, _("create %s or remove it from the alias"), tr.dests[k].address);
		}
		trace_result_free(&tr);
	}
	lint_sysalias_targets(w, t, r);
	trace_free(&t);
}

/* ---- mailboxes and passwords ---- */

/* Where Dovecot looks for b's mail against where Postfix delivers it (dir):
 * a mismatch, or a location that needs a home nobody gives, is an error:
 * the mail is delivered where nobody reads it. */
static void lint_dovecot_path(const struct config *cfg, const struct mailbox *b, const char *dir,
			      const char *pwpath, struct lint_report *r)
{
	char *dp = NULL;
	enum dovepath_status st = dovepath_maildir(cfg, b->pw, b->address, &dp);
	enum dovepath_from from;
	char *loc = dovepath_location_from(cfg, b->pw, &from);
	if (st == DOVEPATH_NO_HOME) {
		lint_add(r, "dovecot-no-home", LINT_ERROR, b->pw ? pwpath : b->file,
		    b->pw ? b->pw->line : b->line, b->address,
		    _("Dovecot's mail_location %s needs a home for %s and none is given: Dovecot cannot open the mailbox Postfix delivers to %s"),
		    loc, b->address, dir);
		lint_fix(r, _("give %s a home in the passwd-file (field 6) or the userdb"), b->address);
	} else if (st == DOVEPATH_FOUND) {
		char *key = lint_maildir_key(dp);
		if (strcmp(key, dir) != 0) {
			lint_add(r, "dovecot-path-mismatch", LINT_ERROR, b->file, b->line, b->address,
			    _("Postfix delivers %s to %s but Dovecot reads %s: the user never sees that mail"),
			    b->address, dir, key);
			if (from == DOVEPATH_FROM_ENTRY)
				lint_fix(r, _("make the vmailbox path and the userdb_mail field of %s:%u (%s) agree"),
					 pwpath, b->pw->line, loc);
			else if (from == DOVEPATH_FROM_USERDB)
				lint_fix(r, _("make the vmailbox path and the mail field of Dovecot's userdb (%s) agree"), loc);
			else
				lint_fix(r, _("make the vmailbox path and dovecot_mail_location (%s) agree"), loc);
		}
		free(key);
	}
	free(dp);
	free(loc);
}

/* A mailbox's Maildir on disk: it exists below the base, owned by vmail. */
static void lint_maildir_on_disk(const struct config *cfg, const struct mailbox *b,
				 const char *base, const char *dir, struct lint_report *r)
{
	const char *rel = dir + strlen(base);
	while (*rel == '/')
		rel++;
	struct diags dd = DIAGS_INIT;
	int fd = strncmp(dir, base, strlen(base)) == 0 && *rel ? safe_open_dir(base, rel, &dd) : -1;
	struct stat st;
	/* A maildir this user may not look at is not a missing one. */
	bool hidden = fd < 0 && lstat(dir, &st) < 0 && errno != ENOENT && errno != ENOTDIR;
	if (hidden) {
		lint_add(r, "maildir-unreadable", LINT_INFO, b->file, b->line, dir,
			 _("the maildir %s of %s cannot be looked at (%s): it is not checked"),
			 dir, b->address, strerror(errno));
		lint_fix(r, _("run vmailadm as a user who can read it (root)"));
	} else if (fd < 0) {
		if (strncmp(dir, base, strlen(base)) == 0 && *rel) {
			lint_add(r, "mailbox-without-maildir", LINT_WARNING, b->file, b->line, dir,
			    _("the maildir %s of %s does not exist (virtual(8) creates it at the first delivery, Dovecot at the first login)"),
			    dir, b->address);
			lint_fix(r, _("create it (new cur tmp, 0700, owned by %ld:%ld)"),
					 cfg->vmail_uid, cfg->vmail_gid);
		}
	} else if (fstat(fd, &st) == 0 &&
		   (st.st_uid != (uid_t)cfg->vmail_uid || st.st_gid != (gid_t)cfg->vmail_gid)) {
		lint_add(r, "maildir-owner", LINT_WARNING, b->file, b->line, dir,
		    _("the maildir %s is owned by %ld:%ld, not by vmail %ld:%ld: delivery or login fails"),
		    dir, (long)st.st_uid, (long)st.st_gid, cfg->vmail_uid, cfg->vmail_gid);
		lint_fix(r, _("chown -R %ld:%ld %s"), cfg->vmail_uid, cfg->vmail_gid, dir);
	}
	if (fd >= 0)
		close(fd);
	diags_free(&dd);
}

/* The passwd-file: entries without a mailbox, schemes, mode. */
static void lint_pwfile(const struct world *w, const struct config *cfg, struct lint_report *r,
			const struct lint_stop *stop)
{
	const char *pwpath = doc_name(pwfile_doc(world_pwfile(w)));
	const struct pwfile *pf = world_pwfile(w);
	size_t np = pwfile_count(pf);
	for (size_t i = 0; i < np && !lint_stopped(stop); i++) {
		const struct pwfile_entry *e = pwfile_entry(pf, i);
		if (e->shadowed) {
			const struct pwfile_entry *first = pwfile_lookup(pf, e->user);
			lint_add(r, "duplicate-key", LINT_WARNING, pwpath, e->line, e->user,
			    _("user %s appears more than once: Dovecot uses the first line and logs \"User %s exists more than once\""),
			    e->user, e->user);
			lint_fix(r, _("remove line %u (line %u is the one Dovecot uses)"), e->line,
					 first ? first->line : 0);
			continue;
		}
		const struct mailbox *b = world_mailbox_find(w, e->user);
		if (!b || !b->local[0]) {
			lint_add(r, "password-without-mailbox", LINT_WARNING, pwpath, e->line, e->user,
			    _("%s can log in but has no mailbox in virtual_mailbox_maps: no mail is delivered to it"),
			    e->user);
			lint_fix(r, _("add the mailbox or remove the line (vmailadm mailbox add %s)"),
					 e->user);
		}
		char *scheme = pwfile_scheme(e);
		if (!strcasecmp(scheme, "PLAIN") || !strcasecmp(scheme, "CLEARTEXT") ||
		    !strcasecmp(scheme, "CLEAR")) {
			lint_add(r, "plain-password", LINT_ERROR, pwpath, e->line, e->user,
			    _("the password of %s is stored in clear ({%s}): anyone who reads the file has it"),
			    e->user, scheme);
			lint_fix(r, _("hash it: vmailadm lint --fix (rehashes with %s)"),
					 cfg->password_scheme);
		} else if (*scheme && passhash_scheme_weak(scheme)) {
			lint_add(r, "weak-password-scheme", LINT_WARNING, pwpath, e->line, e->user,
			    _("the password of %s uses the weak scheme %s"), e->user, scheme);
			lint_fix(r, _("set a new password (vmailadm mailbox passwd %s), hashed with %s"),
					 e->user, cfg->password_scheme);
		}
		free(scheme);
	}
	const struct stat *st = doc_exists(pwfile_doc(pf)) ? doc_stat(pwfile_doc(pf)) : NULL;
	if (st && (st->st_mode & 0007)) {
		lint_add(r, "passwd-file-mode", LINT_ERROR, pwpath, 0, pwpath,
		    _("the passwd-file %s has mode %04o: other users can read the password hashes"), pwpath,
		    (unsigned)(st->st_mode & 07777));
		lint_fix(r, _("chmod 0640 %s (owner root, group dovecot)"), pwpath);
	}
}

/* The set of the mailboxes' maildirs (lint_maildir_key's form) that
 * lint_orphan_maildirs asks: its keys in an arena, the map made for all
 * of them at once (issue 16: 100,000 copies by malloc and a map doubled
 * to 200,000 slots took 14 MB of every lint at 100,000 mailboxes). */
struct lint_maildirs {
	struct strmap *set;
	struct arena keys;
};

static void lint_maildirs_add(struct lint_maildirs *md, const char *dir)
{
	strmap_put(md->set, arena_strdup(&md->keys, dir), (void *)1);
}

static void lint_mailboxes(const struct world *w, const struct config *cfg, struct lint_report *r,
			   struct lint_maildirs *maildirs, const struct lint_stop *stop)
{
	size_t nb;
	const struct mailbox *boxes = world_mailboxes(w, &nb);
	const char *base = world_mailbox_base(w);
	const char *pwpath = doc_name(pwfile_doc(world_pwfile(w)));
	for (size_t i = 0; i < nb && !lint_stopped(stop); i++) {
		const struct mailbox *b = &boxes[i];
		char *dir = lint_maildir_key(b->maildir);
		lint_maildirs_add(maildirs, dir);
		if (!b->pw && !b->pw_unknown) {   /* unknown is not absent */
			lint_add(r, "mailbox-without-password", LINT_WARNING, b->file, b->line, b->address,
			    _("mailbox %s has no entry in the passwd-file %s: mail is delivered but nobody can log in to read it"),
			    b->address, pwpath);
			lint_fix(r, _("vmailadm mailbox passwd %s"), b->address);
		}
		bool copy;
		const struct alias *fw = world_mailbox_forward(b, &copy);
		if (fw && !copy && b->pw && pwfile_field_set(b->pw, PWFILE_PASSWORD)) {
			lint_add(r, "forward-without-copy", LINT_WARNING, fw->file, fw->line, b->address,
			    _("mailbox %s forwards its mail to %s without keeping a copy, but it still has a login: its INBOX never gets that mail"),
			    b->address, fw->value);
			lint_fix(r, _("vmailadm forward set %s TARGET... --keep-copy, or remove its password"),
					 b->address);
		}
		if (!b->is_maildir) {
			lint_add(r, "vmailbox-mbox-path", LINT_WARNING, b->file, b->line, b->address,
			    _("the path %s of %s has no trailing '/': virtual(8) writes an mbox file, not a Maildir"),
			    b->value, b->address);
			lint_fix(r, _("end the value with '/': %s/"), b->value);
		}
		size_t dl = strlen(b->domain);
		if (strncmp(b->value, b->domain, dl) != 0 || b->value[dl] != '/') {
			lint_add(r, "vmailbox-path-outside-domain", LINT_WARNING, b->file, b->line, b->address,
			    _("the path %s of %s is not under its domain directory %s/"), b->value,
			    b->address, b->domain);
			lint_fix(r, _("use %s/%s/"), b->domain, b->local);
		}
		/* the maildir's problems first: their subject, dir, is the
		 * report's copy that a Dovecot path's problem then points to
		 * (lint_text_keep's last strings), not a second one */
		if (b->is_maildir && *base)
			lint_maildir_on_disk(cfg, b, base, dir, r);
		if (b->is_maildir)
			lint_dovecot_path(cfg, b, dir, pwpath, r);
		free(dir);
	}
	size_t nc;
	const struct catchall *cs = world_catchalls(w, &nc);
	for (size_t i = 0; i < nc; i++)
		if (cs[i].map == CATCHALL_IN_MAILBOX_MAP) {
			char *dir = lint_maildir_key(cs[i].mailbox->maildir);
			lint_maildirs_add(maildirs, dir);
			free(dir);
		}

	if (!lint_stopped(stop))
		lint_pwfile(w, cfg, r, stop);
}

/* Directories base/DOMAIN/USER holding cur/ or new/ that no mailbox uses. */
static void lint_orphan_maildirs(const struct world *w, struct lint_report *r,
				 const struct lint_maildirs *maildirs, const struct lint_stop *stop)
{
	const char *base = world_mailbox_base(w);
	if (!*base)
		return;
	struct diags dd = DIAGS_INIT;
	int bfd = safe_open_dir(base, NULL, &dd);
	diags_free(&dd);
	if (bfd < 0)
		return;
	DIR *bd = fdopendir(bfd);
	if (!bd) {
		close(bfd);
		return;
	}
	char *sbase = lint_maildir_key(base);
	struct dirent *de;
	while (!lint_stopped(stop) && (de = readdir(bd))) {
		if (de->d_name[0] == '.')
			continue;
		int dfd = openat(bfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		DIR *dd2 = fdopendir(dfd);
		if (!dd2) {
			close(dfd);
			continue;
		}
		struct dirent *ue;
		while (!lint_stopped(stop) && (ue = readdir(dd2))) {
			if (ue->d_name[0] == '.')
				continue;
			struct stat st;
			char *cur = xasprintf("%s/cur", ue->d_name);
			char *nw = xasprintf("%s/new", ue->d_name);
			bool is_md = (fstatat(dfd, cur, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) ||
				     (fstatat(dfd, nw, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
			free(cur);
			free(nw);
			if (!is_md)
				continue;
			char *path = xasprintf("%s/%s/%s", sbase, de->d_name, ue->d_name);
			if (!strmap_get(maildirs->set, path)) {
				lint_add(r, "maildir-without-mailbox", LINT_WARNING, path, 0, path,
				    _("maildir %s belongs to no mailbox in virtual_mailbox_maps"), path);
				lint_fix(r, _("add a mailbox for it, or archive the directory"));
			}
			free(path);
		}
		closedir(dd2);
	}
	closedir(bd);
	free(sbase);
}

/* ---- main.cf and the mail base ---- */

static void lint_maincf(const struct world *w, const struct config *cfg, struct lint_report *r)
{
	const struct maincf *mc = world_maincf(w);
	const char *mpath = world_maincf_path(w);
	long min_uid = maincf_get_long(mc, "virtual_minimum_uid", 100);
	unsigned uline = 0, mline = 0;
	maincf_raw(mc, "virtual_uid_maps", &uline);
	char *uid = maincf_get(mc, "virtual_uid_maps");
	long suid = -1;
	if (strncmp(uid, "static:", 7) == 0) {
		char *end;
		suid = strtol(uid + 7, &end, 10);
		if (end == uid + 7 || *end)
			suid = -1;
	}
	free(uid);
	long vuid = suid >= 0 ? suid : cfg->vmail_uid;
	if (vuid < min_uid) {
		lint_add(r, "vmail-uid-below-minimum", LINT_ERROR, mpath, uline, NULL,
		    _("the vmail uid %ld is below virtual_minimum_uid = %ld: virtual(8) defers every delivery"),
		    vuid, min_uid);
		lint_fix(r, _("use a vmail uid of at least %ld (5000 is usual), or lower virtual_minimum_uid"),
				 min_uid);
	}
	/* Dovecot's own floor (doveconf; default 500): below it every login fails. */
	long dmin = cfg->dovecot ? cfg->dovecot->first_valid_uid : -1;
	if (dmin > 0 && vuid < dmin) {
		lint_add(r, "vmail-uid-below-dovecot-minimum", LINT_ERROR, cfg->dovecot->conf, 0, NULL,
		    _("the vmail uid %ld is below Dovecot's first_valid_uid = %ld: Dovecot refuses every login"),
		    vuid, dmin);
		lint_fix(r, _("use a vmail uid of at least %ld, or lower Dovecot's first_valid_uid"), dmin);
	}
	const char *raw = maincf_raw(mc, "virtual_mailbox_limit", &mline);
	if (raw) {
		long lim = maincf_get_long(mc, "virtual_mailbox_limit", 51200000);
		long msl = maincf_get_long(mc, "message_size_limit", 10240000);
		if (lim != 0 && lim < msl) {
			lint_add(r, "virtual-mailbox-limit-not-quota", LINT_ERROR, mpath, mline, NULL,
				 _("virtual_mailbox_limit = %ld is below message_size_limit = %ld: virtual(8) stops with a configuration error and every mail is deferred"),
				 lim, msl);
			lint_fix(r, _("remove virtual_mailbox_limit (or set it >= message_size_limit = %ld); use Dovecot's quota for quotas"),
				 msl);
		} else if (lim != 51200000 && lim != 0) {
			lint_add(r, "virtual-mailbox-limit-not-quota", LINT_WARNING, mpath, mline, NULL,
			    _("virtual_mailbox_limit = %ld only caps the size of one file, i.e. one message in a Maildir: it is not a quota"),
			    lim);
			lint_fix(r, _("for a quota use Dovecot's quota plugin (userdb_quota_rule) with LMTP delivery"));
		}
	}
	const char *base = world_mailbox_base(w);
	struct stat st;
	if (*base && stat(base, &st) == 0 && (st.st_mode & 0002)) {
		lint_add(r, "mail-base-mode", LINT_ERROR, base, 0, base,
		    _("the mail base %s has mode %04o: anyone can create or remove maildirs"), base,
		    (unsigned)(st.st_mode & 07777));
		lint_fix(r, _("chmod o-w %s (0770 or 0750, owned by vmail)"), base);
	} else if (*base && stat(base, &st) == 0 && (st.st_mode & 0004)) {
		lint_add(r, "mail-base-mode", LINT_WARNING, base, 0, base,
		    _("the mail base %s has mode %04o: any local user can list the domains and users"),
		    base, (unsigned)(st.st_mode & 07777));
		lint_fix(r, _("chmod o-rwx %s (0770 or 0750, owned by vmail)"), base);
	}
}

/* ---- loading diagnostics ---- */

static bool reported_at(const struct lint_report *r, size_t upto, const char *file, unsigned line)
{
	if (!file || !line)
		return false;
	for (size_t i = 0; i < upto; i++)
		if (r->v[i].line == line && r->v[i].file && strcmp(r->v[i].file, file) == 0)
			return true;
	return false;
}

static bool unreadable(const struct world *w, const char *file)
{
	for (size_t i = 0; file && i < world_unreadable_count(w); i++)
		if (strcmp(world_unreadable(w, i), file) == 0)
			return true;
	return false;
}

static int cmp_problem(const void *a, const void *b)
{
	const struct lint_problem *x = a, *y = b;
	int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->rule_no == y->rule_no ? 0 : strcmp(lint_problem_rule(x), lint_problem_rule(y));
}

void lint_run(const struct world *w, const struct config *cfg, const struct diags *load_diags,
	      struct lint_report *out)
{
	lint_run_with(w, cfg, load_diags, NULL, out);
}

void lint_run_with(const struct world *w, const struct config *cfg,
		   const struct diags *load_diags, const struct lint_with *with,
		   struct lint_report *out)
{
	const struct lint_stop st = { with ? with->stop : NULL, with ? with->arg : NULL,
				      with ? with->maildir_bytes : NULL };
	memset(out, 0, sizeof *out);
	/* the interface waits for a stop (issue 16): each rule asks for it */
	lint_domains(w, out, &st);
	if (!lint_stopped(&st))
		lint_maps(w, out, &st);
	if (!lint_stopped(&st))
		lint_aliases(w, out, &st);
	if (!lint_stopped(&st))
		lint_pattern(w, out, &st);
	if (!lint_stopped(&st))
		lint_alias_domains(w, out, &st);
	if (!lint_stopped(&st))
		lint_sendas(w, cfg, out);
	if (lint_stopped(&st))
		return;   /* given up: the caller waits until lint reads the world no more */
	size_t nb, nc;
	world_mailboxes(w, &nb);
	world_catchalls(w, &nc);
	struct lint_maildirs maildirs = { strmap_create_borrowed(nb + nc), ARENA_INIT };
	lint_mailboxes(w, cfg, out, &maildirs, &st);
	lint_orphan_maildirs(w, out, &maildirs, &st);
	lint_quota(w, cfg, out, &st);
	strmap_free(&maildirs.set);
	arena_free(&maildirs.keys);
	if (lint_stopped(&st)) {
		lint_seal(out);
		return;   /* given up: the caller waits until lint reads the world no more */
	}
	lint_maincf(w, cfg, out);
	lint_pgsql(w, cfg, out);
	/* What such a file holds is unknown: the rules above drew no
	 * conclusion from its absence, and this says why the report is
	 * incomplete. */
	for (size_t i = 0; i < world_unreadable_count(w); i++) {
		lint_add(out, "unreadable-file", LINT_ERROR, world_unreadable(w, i), 0, NULL,
			 _("%s cannot be read: what it holds is unknown, and no conclusion is drawn from it"),
			 world_unreadable(w, i));
		lint_fix(out, _("run vmailadm as a user who can read it (root)"));
	}
	size_t nrules = out->n;
	for (size_t i = 0; load_diags && i < load_diags->n; i++) {
		const struct diag *g = &load_diags->v[i];
		if (reported_at(out, nrules, g->file, g->line) ||
		    (g->line == 0 && unreadable(w, g->file)))
			continue;   /* the rule above says it better */
		if (g->level == DIAG_NOTE) {
			/* what vmailadm leaves aside (a pattern table's entries, an
			 * exclusion): nothing is wrong in the file, nothing to fix */
			lint_add(out, "not-modelled", LINT_INFO, g->file, g->line, NULL, "%s", g->msg);
			continue;
		}
		lint_add(out, "syntax", g->level == DIAG_ERROR ? LINT_ERROR : LINT_WARNING,
			 g->file, g->line, NULL, "%s", g->msg);
		lint_fix(out, _("correct the line"));
	}
	lint_pgsql_names(cfg, out);
	lint_seal(out);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_problem);
	if (out->n && out->cap > out->n) {   /* kept as long as it is shown */
		out->v = xreallocarray(out->v, out->n, sizeof *out->v);
		out->cap = out->n;
	}
}
