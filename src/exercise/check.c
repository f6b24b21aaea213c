/* The checks behind the exercises' steps. Each reads the real state — the
 * model built from the files, the built maps, the passwd-file's hashes,
 * the Maildirs (opened under the base without following symlinks), the
 * tracer, the running servers — and says done, todo or skipped with why.
 * Nothing here remembers what was typed; progress.c only keeps what a
 * later step of exercise 4 erases. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exercise_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/passhash.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/source.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

typedef enum exercise_state state;
#define DONE EXERCISE_DONE
#define TODO EXERCISE_TODO
#define SKIPPED EXERCISE_SKIPPED

/* Messages read per directory, and bytes of headers per message. */
#define MSG_SCAN_MAX 2000
#define HEADER_MAX 65536

/* ---- the model ---- */

static const struct mailbox *need_mailbox(struct exercise_env *e, const char *addr,
					  struct strbuf *why)
{
	const struct mailbox *b = world_mailbox_find(exercise_env_world(e), addr);
	if (!b) {
		sb_addf(why, _("%s is not in the mailbox map (virtual_mailbox_maps)"), addr);
		return NULL;
	}
	if (!b->is_maildir) {
		sb_addf(why, _("%s's path %s does not end in '/': Postfix would write an mbox file, not a Maildir"),
			addr, b->value);
		return NULL;
	}
	return b;
}

/* The maildir of addr relative to the base: the map's value, else where
 * the course puts it (domain/local/). */
static char *maildir_rel(struct exercise_env *e, const char *addr)
{
	const struct mailbox *b = world_mailbox_find(exercise_env_world(e), addr);
	if (b && b->is_maildir)
		return xstrdup(b->value);
	const char *at = strchr(addr, '@');
	return xasprintf("%s/%.*s/", at + 1, (int)(at - addr), addr);
}

static bool password_hashed(struct exercise_env *e, const char *addr, struct strbuf *why)
{
	const struct pwfile *pw = world_pwfile(exercise_env_world(e));
	const struct pwfile_entry *u = pwfile_lookup(pw, addr);
	const char *file = exercise_env_config(e)->passwd_file;
	if (!u) {
		if (source_is_row(exercise_env_config(e), file)) {   /* backend pgsql */
			char *where = source_text(exercise_env_config(e), file, 0);
			sb_addf(why, _("%s has no row in %s"), addr, where);
			free(where);
		} else {
			sb_addf(why, _("%s has no line in %s"), addr, file);
		}
		return false;
	}
	char *scheme = pwfile_scheme(u);
	char *where = source_text(exercise_env_config(e), file, u->line);
	bool ok = false;
	if (!*scheme)
		sb_addf(why, _("%s has an empty password in %s"), addr, where);
	else if (passhash_scheme_weak(scheme))
		sb_addf(why, _("%s's password is stored as {%s} in %s: that is not a safe hash"), addr,
			scheme, where);
	else {
		sb_addf(why, _("{%s} hash in %s"), scheme, where);
		ok = true;
	}
	free(where);
	free(scheme);
	return ok;
}

/* ---- the Maildirs ---- */

/* base/rel/{,new,cur,tmp}: real directories, owned by the configured
 * vmail uid:gid, mode 0700. On a demo tree made without root the
 * configuration names the caller's own ids, so "owned by vmail" means
 * owned by vmail_uid:vmail_gid, whatever they are. */
static bool maildir_ok(struct exercise_env *e, const char *rel, struct strbuf *why)
{
	const struct config *cfg = exercise_env_config(e);
	const char *base = world_mailbox_base(exercise_env_world(e));
	struct diags d = DIAGS_INIT;
	int fd = safe_open_dir(base, rel, &d);
	if (fd < 0) {
		sb_addf(why, _("no maildir at %s/%s"), base, rel);
		diags_free(&d);
		return false;
	}
	static const char *const subs[] = { ".", "new", "cur", "tmp" };
	bool ok = true;
	for (size_t i = 0; ok && i < 4; i++) {
		struct stat st;
		if (fstatat(fd, subs[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
			sb_addf(why, _("%s/%s%s is missing"), base, rel, subs[i]);
			ok = false;
		} else if ((long)st.st_uid != cfg->vmail_uid || (long)st.st_gid != cfg->vmail_gid) {
			sb_addf(why, _("%s/%s%s is owned by %ld:%ld, not by vmail (vmail_uid:vmail_gid %ld:%ld)"),
				base, rel, i ? subs[i] : "", (long)st.st_uid, (long)st.st_gid,
				cfg->vmail_uid, cfg->vmail_gid);
			ok = false;
		} else if ((st.st_mode & 07777) != 0700) {
			sb_addf(why, _("%s/%s%s has mode %04o, not 0700"), base, rel, i ? subs[i] : "",
				(unsigned)(st.st_mode & 07777));
			ok = false;
		}
	}
	close(fd);
	if (ok)
		sb_addf(why, _("%s/%s: %ld:%ld, 0700"), base, rel, cfg->vmail_uid, cfg->vmail_gid);
	return ok;
}

/* Does the header part of message fd name rcpt in Delivered-To? */
static bool delivered_to(int fd, const char *rcpt)
{
	char *buf = xmalloc(HEADER_MAX + 1);
	ssize_t n = read(fd, buf, HEADER_MAX);
	bool hit = false;
	if (n > 0) {
		buf[n] = '\0';
		size_t rl = strlen(rcpt);
		for (char *line = buf; line && *line && *line != '\n' && *line != '\r';) {
			if (strncasecmp(line, "Delivered-To:", 13) == 0) {
				const char *v = line + 13;
				v += strspn(v, " \t");
				if (strncasecmp(v, rcpt, rl) == 0 && strchr("\r\n \t", v[rl]))
					hit = true;
			}
			line = strchr(line, '\n');
			if (line)
				line++;
		}
	}
	free(buf);
	return hit;
}

/* Messages in rel's new/ and cur/ under base; with rcpt, only those
 * delivered to it. -1 when the maildir cannot be opened. */
static long count_messages(const char *base, const char *rel, const char *rcpt)
{
	struct diags d = DIAGS_INIT;
	int fd = safe_open_dir(base, rel, &d);
	diags_free(&d);
	if (fd < 0)
		return -1;
	long count = 0, seen = 0;
	static const char *const subs[] = { "new", "cur" };
	for (size_t i = 0; i < 2; i++) {
		int sfd = openat(fd, subs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *dir = sfd >= 0 ? fdopendir(sfd) : NULL;
		if (!dir) {
			if (sfd >= 0)
				close(sfd);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(dir)) && seen < MSG_SCAN_MAX) {
			if (de->d_name[0] == '.')
				continue;
			int mfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			if (mfd < 0)
				continue;
			struct stat st;
			if (fstat(mfd, &st) == 0 && S_ISREG(st.st_mode)) {
				seen++;
				if (!rcpt || delivered_to(mfd, rcpt))
					count++;
			}
			close(mfd);
		}
		closedir(dir);
	}
	close(fd);
	return count;
}

/* ---- the built maps ---- */

/* postmap -q key on spec must give value (NULL: any value). */
static state built(struct exercise_env *e, const char *spec, const char *key, const char *value,
		   struct strbuf *why)
{
	char *got = NULL;
	struct strbuf pwhy = STRBUF_INIT;
	int rc = probe_postmap(exercise_env_probe(e), spec, key, &got, &pwhy);
	state s;
	if (rc < 0) {
		sb_adds(why, pwhy.buf ? pwhy.buf : "");
		s = SKIPPED;
	} else if (rc == 0) {
		if (pwhy.len)
			sb_adds(why, pwhy.buf);
		else
			sb_addf(why, _("postmap -q %s %s finds nothing: rebuild the table with postmap"), key,
				spec);
		s = TODO;
	} else if (value && strcmp(got, value) != 0) {
		sb_addf(why, _("the built table answers \"%s\" for %s, the file says \"%s\": rebuild it with postmap"),
			got, key, value);
		s = TODO;
	} else {
		sb_addf(why, _("postmap -q %s answers %s"), key, got);
		s = DONE;
	}
	free(got);
	sb_free(&pwhy);
	return s;
}

/* ---- the tracer ---- */

static void strip_slashes(char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
}

static bool same_path(const char *a, const char *b)
{
	char *x = xstrdup(a), *y = xstrdup(b);
	strip_slashes(x);
	strip_slashes(y);
	bool same = strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

static void describe(const struct trace_result *r, struct strbuf *why)
{
	sb_addf(why, _("%s goes to:"), r->address);
	for (size_t i = 0; i < r->ndests; i++) {
		const struct trace_dest *t = &r->dests[i];
		sb_addf(why, " %s (%s%s%s)%s", t->address, trace_kind_label(t->kind),
			t->path || t->reason ? " " : "", t->path ? t->path : t->reason ? t->reason : "",
			i + 1 < r->ndests ? "," : "");
	}
}

/* Does mail for addr end in exactly the maildirs of want (mailbox
 * addresses), and nowhere else? */
static state trace_to(struct exercise_env *e, const char *addr, const char *const *want, size_t n,
		      struct strbuf *why)
{
	const struct world *w = exercise_env_world(e);
	const char *path[4];
	for (size_t i = 0; i < n; i++) {
		const struct mailbox *b = world_mailbox_find(w, want[i]);
		if (!b || !b->is_maildir) {
			sb_addf(why, _("%s is not a mailbox yet"), want[i]);
			return TODO;
		}
		path[i] = b->maildir;
	}
	struct trace_result r;
	struct tracer *t = exercise_env_tracer(e);
	trace_set_steps(t, false);
	trace_address(t, addr, &r);
	bool ok = !r.rejected && !r.deferred && r.ndests == n;
	for (size_t i = 0; ok && i < r.ndests; i++) {
		bool found = false;
		for (size_t k = 0; k < n && !found; k++)
			found = r.dests[i].kind == TRACE_MAILDIR && same_path(r.dests[i].path, path[k]);
		ok = found;
	}
	describe(&r, why);
	trace_result_free(&r);
	return ok ? DONE : TODO;
}

/* ---- exercise 1 ---- */

static state alice_built(struct exercise_env *e, struct strbuf *why)
{
	const struct mailbox *b = need_mailbox(e, EX_ALICE, why);
	if (!b)
		return TODO;
	return built(e, b->map->ref.spec, EX_ALICE, b->value, why);
}

static state delivered(struct exercise_env *e, const char *addr, struct strbuf *why)
{
	const char *base = world_mailbox_base(exercise_env_world(e));
	char *rel = maildir_rel(e, addr);
	long n = count_messages(base, rel, addr);
	state s;
	if (n > 0) {
		sb_addf(why, ngettext("%ld message delivered to %s in %s/%s",
				      "%ld messages delivered to %s in %s/%s", (unsigned long)n),
			n, addr, base, rel);
		s = DONE;
	} else if (!probe_postfix(exercise_env_probe(e), why)) {
		s = SKIPPED;
	} else {
		sb_addf(why, _("no message delivered to %s in %s/%s yet (a Delivered-To: header names it)"),
			addr, base, rel);
		s = TODO;
	}
	free(rel);
	return s;
}

static state login(struct exercise_env *e, const char *addr, struct strbuf *why)
{
	struct strbuf tmp = STRBUF_INIT;
	if (!password_hashed(e, addr, &tmp)) {
		sb_adds(why, tmp.buf);
		sb_free(&tmp);
		return TODO;
	}
	sb_free(&tmp);
	struct exercise_probe *p = exercise_env_probe(e);
	if (!probe_dovecot(p, why))
		return SKIPPED;
	int rc = probe_login(p, addr, why);
	if (rc < 0)
		return SKIPPED;
	if (rc == 0) {
		sb_addf(why, _("no login of %s in Dovecot's log yet: log in with a mail client"), addr);
		return TODO;
	}
	sb_addf(why, _("Dovecot logged a login of %s"), addr);
	return DONE;
}

/* ---- exercise 2 ---- */

static state billing(struct exercise_env *e, struct strbuf *why)
{
	struct tracer *t = exercise_env_tracer(e);
	struct trace_result r;
	trace_set_steps(t, false);
	trace_address(t, EX_BILLING, &r);
	bool ok = r.ndests > 0 && !r.rejected && !r.deferred;
	for (size_t i = 0; ok && i < r.ndests; i++)
		ok = r.dests[i].kind == TRACE_REMOTE;
	describe(&r, why);
	trace_result_free(&r);
	return ok ? DONE : TODO;
}

static state aliases_built(struct exercise_env *e, struct strbuf *why)
{
	static const char *const keys[] = { EX_INFO, EX_TEAM, EX_BILLING };
	state s = DONE;
	for (size_t i = 0; i < 3 && s == DONE; i++) {
		const struct alias *a = world_alias_find(exercise_env_world(e), keys[i]);
		if (i)
			sb_adds(why, "; ");
		if (!a) {
			sb_addf(why, _("%s has no entry in virtual_alias_maps"), keys[i]);
			s = TODO;
		} else
			s = built(e, a->map->ref.spec, keys[i], a->value, why);
	}
	return s;
}

/* ---- exercise 3 ---- */

static state domain3(struct exercise_env *e, struct strbuf *why)
{
	const struct domain *d = world_domain_find(exercise_env_world(e), EX_DOMAIN3);
	if (!d || !(d->classes & DOMAIN_VIRTUAL_MAILBOX)) {
		sb_addf(why, _("%s is not in virtual_mailbox_domains"), EX_DOMAIN3);
		return TODO;
	}
	if (d->class != DOMAIN_VIRTUAL_MAILBOX) {
		sb_addf(why, _("%s is also listed as a %s domain, which Postfix checks first"),
			EX_DOMAIN3, model_domain_class_name(d->class));
		return TODO;
	}
	const struct domain_listing *l = d->nlistings ? &d->listings[0] : NULL;
	sb_addf(why, _("a mailbox domain through %s"), l ? l->via : "virtual_mailbox_domains");
	return DONE;
}

static state mailbox_complete(struct exercise_env *e, const char *addr, struct strbuf *why)
{
	if (!need_mailbox(e, addr, why))
		return TODO;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	char *rel = maildir_rel(e, addr);
	state s = TODO;
	if (!password_hashed(e, addr, &a))
		sb_adds(why, a.buf);
	else if (!maildir_ok(e, rel, &b))
		sb_adds(why, b.buf);
	else {
		sb_addf(why, "%s; %s", a.buf, b.buf);
		s = DONE;
	}
	free(rel);
	sb_free(&a);
	sb_free(&b);
	return s;
}

static state catchall3(struct exercise_env *e, struct strbuf *why)
{
	static const char *const admin[] = { EX_ADMIN3 };
	return trace_to(e, EX_RANDOM3, admin, 1, why);
}

static state not_swallowed3(struct exercise_env *e, struct strbuf *why)
{
	const struct domain *d = world_domain_find(exercise_env_world(e), EX_DOMAIN3);
	if (!d || (!d->catchall_alias && !d->catchall_mailbox)) {
		sb_addf(why, _("%s has no catch-all yet"), EX_DOMAIN3);
		return TODO;
	}
	static const char *const contact[] = { EX_CONTACT3 }, *const admin[] = { EX_ADMIN3 };
	state s = trace_to(e, EX_CONTACT3, contact, 1, why);
	if (s == DONE) {
		sb_adds(why, "; ");
		s = trace_to(e, EX_ADMIN3, admin, 1, why);
	}
	const struct world *w = exercise_env_world(e);
	if (s != DONE && d->catchall_alias && world_mailbox_find(w, EX_CONTACT3) &&
	    world_mailbox_find(w, EX_ADMIN3))
		sb_addf(why, _(" — the catch-all in %s swallows it"), d->catchall_alias->file);
	return s;
}

static state built3(struct exercise_env *e, struct strbuf *why)
{
	const struct world *w = exercise_env_world(e);
	const struct domain *d = world_domain_find(w, EX_DOMAIN3);
	if (!d || !(d->classes & DOMAIN_VIRTUAL_MAILBOX)) {
		sb_addf(why, _("%s is not in virtual_mailbox_domains"), EX_DOMAIN3);
		return TODO;
	}
	state s = DONE;
	/* A domain listed through a table is looked up in its built form; one
	 * written in main.cf or a /file/name list has nothing to build. */
	for (size_t i = 0; i < d->nlistings && s == DONE; i++) {
		const struct domain_listing *l = &d->listings[i];
		const char *colon = strchr(l->via, ':');
		if (l->class != DOMAIN_VIRTUAL_MAILBOX || !colon || l->via[0] == '/')
			continue;
		s = built(e, l->via, EX_DOMAIN3, NULL, why);
		sb_adds(why, "; ");
	}
	static const char *const boxes[] = { EX_CONTACT3, EX_ADMIN3 };
	for (size_t i = 0; i < 2 && s == DONE; i++) {
		const struct mailbox *b = need_mailbox(e, boxes[i], why);
		s = b ? built(e, b->map->ref.spec, boxes[i], b->value, why) : TODO;
		sb_adds(why, "; ");
	}
	if (s != DONE)
		return s;
	if (d->catchall_mailbox) {
		const struct mailbox *c = d->catchall_mailbox->mailbox;
		return built(e, c->map->ref.spec, c->address, c->value, why);
	}
	if (d->catchall_alias) {
		const struct alias *a = d->catchall_alias->alias;
		return built(e, a->map->ref.spec, a->address, a->value, why);
	}
	sb_addf(why, _("%s has no catch-all yet"), EX_DOMAIN3);
	return TODO;
}

/* ---- exercise 4: bob is created, then removed; what the removal erases
 * was seen before and kept in the progress file ---- */

static bool bob_gone(struct exercise_env *e)
{
	const struct world *w = exercise_env_world(e);
	return !world_mailbox_find(w, EX_BOB) && !pwfile_lookup(world_pwfile(w), EX_BOB);
}

static state bob_created(struct exercise_env *e, struct strbuf *why)
{
	struct exercise_progress *p = exercise_env_progress(e);
	struct strbuf now = STRBUF_INIT;
	state s = mailbox_complete(e, EX_BOB, &now);
	if (s == DONE) {
		progress_add(p, 4, "created");
		sb_adds(why, now.buf);
	} else if (progress_has(p, 4, "created") && bob_gone(e)) {
		sb_addf(why, _("%s was created, and is now removed"), EX_BOB);
		s = DONE;
	} else
		sb_adds(why, now.buf ? now.buf : "");
	sb_free(&now);
	return s;
}

static state bob_mail(struct exercise_env *e, struct strbuf *why)
{
	struct exercise_progress *p = exercise_env_progress(e);
	const char *base = world_mailbox_base(exercise_env_world(e));
	if (!world_mailbox_find(exercise_env_world(e), EX_BOB)) {
		if (progress_has(p, 4, "mail") && bob_gone(e)) {
			sb_addf(why, _("%s had mail before the removal"), EX_BOB);
			return DONE;
		}
		sb_addf(why, _("%s is not in the mailbox map (virtual_mailbox_maps)"), EX_BOB);
		return TODO;
	}
	char *rel = maildir_rel(e, EX_BOB);
	long n = count_messages(base, rel, NULL);
	state s;
	if (n > 0) {
		progress_add(p, 4, "mail");
		sb_addf(why, ngettext("%s/%s holds %ld message", "%s/%s holds %ld messages",
				      (unsigned long)n), base, rel, n);
		s = DONE;
	} else if (!probe_postfix(exercise_env_probe(e), why)) {
		s = SKIPPED;
	} else {
		sb_addf(why, _("%s/%s holds no message yet"), base, rel);
		s = TODO;
	}
	free(rel);
	return s;
}

static state bob_removed(struct exercise_env *e, struct strbuf *why)
{
	const struct world *w = exercise_env_world(e);
	if (!progress_has(exercise_env_progress(e), 4, "created")) {
		sb_addf(why, _("create %s first (step 1)"), EX_BOB);
		return TODO;
	}
	const struct mailbox *b = world_mailbox_find(w, EX_BOB);
	const struct pwfile_entry *u = pwfile_lookup(world_pwfile(w), EX_BOB);
	if (b || u) {
		char *where = b ? source_text(exercise_env_config(e), b->file, b->line)
			: source_text(exercise_env_config(e), exercise_env_config(e)->passwd_file, u->line);
		sb_addf(why, _("%s is still in %s"), EX_BOB, where);
		free(where);
		return TODO;
	}
	const struct world_map *m = world_map_for(w, MAP_VIRTUAL_MAILBOX);
	if (!m) {
		sb_addf(why, _("%s is in no map"), EX_BOB);
		return DONE;
	}
	char *got = NULL;
	struct strbuf pwhy = STRBUF_INIT;
	int rc = probe_postmap(exercise_env_probe(e), m->ref.spec, EX_BOB, &got, &pwhy);
	state s;
	if (rc < 0) {
		sb_adds(why, pwhy.buf ? pwhy.buf : "");
		s = SKIPPED;
	} else if (rc == 1) {
		sb_addf(why, _("the built table still answers %s for %s: rebuild it with postmap"), got,
			EX_BOB);
		s = TODO;
	} else {
		sb_addf(why, _("%s is gone from the maps, the built table and the passwd-file"), EX_BOB);
		s = DONE;
	}
	free(got);
	sb_free(&pwhy);
	return s;
}

static state bob_archived(struct exercise_env *e, struct strbuf *why)
{
	const struct config *cfg = exercise_env_config(e);
	const char *base = world_mailbox_base(exercise_env_world(e));
	char *rel = maildir_rel(e, EX_BOB);
	struct diags d = DIAGS_INIT;
	int fd = safe_open_dir(base, rel, &d);
	diags_free(&d);
	if (fd >= 0) {
		close(fd);
		sb_addf(why, _("%s/%s is still in the mail base"), base, rel);
		free(rel);
		return TODO;
	}
	free(rel);
	/* vmailadm archives to archive_dir/DOMAIN/LOCAL-STAMP; by hand it may
	 * be LOCAL or LOCAL-anything there. */
	char *dom = xasprintf("%s/%s", cfg->archive_dir, EX_DOMAIN1);
	DIR *dir = opendir(dom);
	const char *local = "bob";
	size_t ll = strlen(local);
	state s = TODO;
	struct dirent *de;
	while (dir && s == TODO && (de = readdir(dir))) {
		if (strncmp(de->d_name, local, ll) != 0 || (de->d_name[ll] && de->d_name[ll] != '-'))
			continue;
		long n = count_messages(dom, de->d_name, NULL);
		if (n > 0) {
			sb_addf(why, ngettext("%s/%s holds %ld message", "%s/%s holds %ld messages",
					      (unsigned long)n), dom, de->d_name, n);
			s = DONE;
		}
	}
	if (dir)
		closedir(dir);
	if (s == TODO)
		sb_addf(why, _("no archive of %s's maildir with his mail in %s"), EX_BOB, dom);
	free(dom);
	return s;
}

state check_run(struct exercise_env *e, int number, int check, struct strbuf *why)
{
	static const char *const alice[] = { EX_ALICE };
	static const char *const team[] = { EX_ALICE, EX_JOHN };
	(void)number;
	switch ((enum exercise_check)check) {
	case CK_ALICE_ENTRY: {
		const struct mailbox *b = need_mailbox(e, EX_ALICE, why);
		if (b) {
			char *where = source_text(exercise_env_config(e), b->file, b->line);
			sb_addf(why, _("%s in %s"), b->value, where);
			free(where);
		}
		return b ? DONE : TODO;
	}
	case CK_ALICE_BUILT: return alice_built(e, why);
	case CK_ALICE_PASSWORD: return password_hashed(e, EX_ALICE, why) ? DONE : TODO;
	case CK_ALICE_MAILDIR: {
		char *rel = maildir_rel(e, EX_ALICE);
		bool ok = maildir_ok(e, rel, why);
		free(rel);
		return ok ? DONE : TODO;
	}
	case CK_ALICE_DELIVERED: return delivered(e, EX_ALICE, why);
	case CK_ALICE_LOGIN: return login(e, EX_ALICE, why);
	case CK_INFO: return trace_to(e, EX_INFO, alice, 1, why);
	case CK_TEAM: return trace_to(e, EX_TEAM, team, 2, why);
	case CK_BILLING: return billing(e, why);
	case CK_ALIASES_BUILT: return aliases_built(e, why);
	case CK_DOMAIN3: return domain3(e, why);
	case CK_CONTACT3: return mailbox_complete(e, EX_CONTACT3, why);
	case CK_ADMIN3: return mailbox_complete(e, EX_ADMIN3, why);
	case CK_CATCHALL3: return catchall3(e, why);
	case CK_NOT_SWALLOWED3: return not_swallowed3(e, why);
	case CK_BUILT3: return built3(e, why);
	case CK_BOB_CREATED: return bob_created(e, why);
	case CK_BOB_MAIL: return bob_mail(e, why);
	case CK_BOB_REMOVED: return bob_removed(e, why);
	case CK_BOB_ARCHIVED: return bob_archived(e, why);
	}
	return TODO;
}
