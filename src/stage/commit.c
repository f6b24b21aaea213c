/* The commit: the only code that changes the mail server. Every step is
 * ordered so that Postfix and Dovecot never see a half-made change: maps are
 * built from a temporary source and renamed into place, maildirs are
 * archived only after the maps stop naming them, and a failure before the
 * reloads restores every file and map from the backups taken first. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vmailadm/atomicio.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/sha256.h"
#include "vmailadm/spawn.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

#define PROGRAM_TIMEOUT_MS 60000

struct run {
	const struct config *cfg;
	const struct commit_opts *opts;
	struct commit_result *res;
	struct diags *d;
};

static void step(struct run *r, bool ok, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void step(struct run *r, bool ok, const char *detail, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	sb_addf(&r->res->log, "%s %s%s%s\n", ok ? "ok  " : "FAIL", sb.buf, detail ? ": " : "",
		detail ? detail : "");
	if (r->opts && r->opts->progress)
		r->opts->progress(r->opts->ctx, sb.buf, ok, detail);
	sb_free(&sb);
}

static char *state_path(const struct config *cfg, const char *name)
{
	return xasprintf("%s/%s", cfg->state_dir, name);
}

static int ensure_state_dir(const struct config *cfg, struct diags *d)
{
	char *backups = state_path(cfg, "backups");
	int rc = 0;
	if ((mkdir(cfg->state_dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(backups, 0700) < 0 && errno != EEXIST)) {
		diag_error(d, cfg->state_dir, 0, _("cannot create the state directory: %s"), strerror(errno));
		rc = -1;
	}
	free(backups);
	return rc;
}

/* ---- lock --------------------------------------------------------------- */

static const char *user_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "?";
}

static int take_lock(const struct config *cfg, int wait_seconds, struct diags *d)
{
	char *path = state_path(cfg, "lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		diag_error(d, path, 0, _("cannot open the lock file: %s"), strerror(errno));
		free(path);
		return -1;
	}
	bool told = false;
	for (int waited = 0;; waited++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		char holder[256] = "";
		ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		if (waited >= wait_seconds * 10) {
			diag_error(d, path, 0, _("another vmailadm is committing (%s): try again when it is done"),
				   *holder ? holder : _("unknown process"));
			close(fd);
			free(path);
			return -1;
		}
		if (!told) {
			fprintf(stderr, _("vmailadm: waiting for another commit to finish (%s)\n"),
				*holder ? holder : _("unknown process"));
			told = true;
		}
		usleep(100000);
	}
	char who[256];
	const char *sudo = getenv("SUDO_USER");
	int len = snprintf(who, sizeof who, "pid %ld, user %s%s%s\n", (long)getpid(), user_name(),
			   sudo ? " via sudo from " : "", sudo ? sudo : "");
	if (ftruncate(fd, 0) == 0 && pwrite(fd, who, (size_t)len, 0) < 0) {
		/* The holder text is only informative. */
	}
	free(path);
	return fd;
}

/* Closing the descriptor releases the flock; the holder text goes too. */
static void release_lock(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0) {
		/* informative only */
	}
	close(fd);
}

/* ---- programs ----------------------------------------------------------- */

/* Run a configured command line; "" means disabled (returns 1). */
static int run_program(struct run *r, const char *cmdline, const char *const extra[], const char *what,
		       bool is_map)
{
	if (!cmdline || !*cmdline) {
		step(r, true, _("disabled in the configuration"), "%s", what);
		return 1;
	}
	char **argv = spawn_argv_split(cmdline);
	size_t n = 0;
	while (argv[n])
		n++;
	size_t nextra = 0;
	while (extra && extra[nextra])
		nextra++;
	const char **full = xcalloc(n + nextra + 1, sizeof *full);
	for (size_t i = 0; i < n; i++)
		full[i] = argv[i];
	for (size_t i = 0; i < nextra; i++)
		full[n + i] = extra[i];
	struct spawn_result res;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = spawn_run(full, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &res, r->d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->res->program_seconds += secs;
	if (is_map)
		r->res->map_seconds += secs;
	if (rc == 0)
		rc = spawn_result_check(full, &res, PROGRAM_TIMEOUT_MS, r->d);
	if (rc == 0 && res.err.len)
		/* postmap warns on stderr and still exits 0 (duplicate keys ...). */
		step(r, true, sb_str(&res.err), "%s", what);
	else
		step(r, rc == 0, rc == 0 ? NULL : sb_str(&res.err), "%s", what);
	spawn_result_free(&res);
	free(full);
	spawn_argv_free(argv);
	return rc;
}

static const char *map_suffix(const char *type)
{
	if (strcmp(type, "lmdb") == 0)
		return ".lmdb";
	if (strcmp(type, "cdb") == 0)
		return ".cdb";
	return ".db";
}

/* Write the source as a temporary file, build its map, then rename the map
 * and the source into place: running daemons notice the new inode at once
 * (reference §1.4-1.5) and never see a half-built table. */
static int write_map(struct run *r, const char *path, const char *type, const char *data,
		     size_t len, const char *program, const char *what)
{
	if (!program || !*program) {
		if (atomic_write(path, data, len, NULL, true, r->d) < 0)
			return -1;
		step(r, true, _("map rebuild disabled in the configuration"), "%s %s", what, path);
		return 0;
	}
	char *tmp = NULL;
	if (atomic_write_temp(path, data, len, NULL, &tmp, r->d) < 0)
		return -1;
	char *spec = xasprintf("%s:%s", type, tmp);
	char *tmpdb = xasprintf("%s%s", tmp, map_suffix(type));
	char *db = xasprintf("%s%s", path, map_suffix(type));
	struct strbuf cmd = STRBUF_INIT;
	sb_addf(&cmd, "%s -c %s", program, r->cfg->postfix_dir);
	const char *extra[] = { spec, NULL };
	int rc = run_program(r, cmd.buf, extra, what, true) == 0 ? 0 : -1;
	if (rc == 0)
		rc = atomic_rename(tmpdb, db, r->d);
	if (rc == 0)
		rc = atomic_rename(tmp, path, r->d);
	if (rc < 0) {
		unlink(tmpdb);
		unlink(tmp);
	}
	sb_free(&cmd);
	free(spec);
	free(tmpdb);
	free(db);
	free(tmp);
	return rc;
}

/* ---- files -------------------------------------------------------------- */

struct written {
	const struct staged_file *f;
	const char *type;   /* map type to rebuild, NULL for plain files */
	const char *program;
	const char *tool;   /* "postmap" or "postalias" */
	char *backup;       /* NULL when the file did not exist */
	char old_sha[65], new_sha[65];
	bool done;
};

static char *backup_name(const struct config *cfg, const char *path, const char *id)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s/backups/", cfg->state_dir);
	for (const char *p = path[0] == '/' ? path + 1 : path; *p; p++)
		sb_addc(&sb, *p == '/' ? '_' : *p);
	sb_addf(&sb, ".%s", id);
	return sb_detach(&sb);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep the newest `keep` backups of one file (names sort by their id). */
static void prune_backups(const struct config *cfg, const char *backup)
{
	char *dir = state_path(cfg, "backups");
	const char *base = strrchr(backup, '/') + 1;
	size_t prefix = (size_t)(strrchr(base, '.') - base) + 1;
	DIR *dp = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while (dp && (de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, base, prefix) != 0 || strchr(de->d_name + prefix, '.'))
			continue;
		xgrow(&names, &cap, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	if (dp)
		closedir(dp);
	qsort(names, n, sizeof *names, cmp_str);
	long keep = cfg->backups_keep > 0 ? cfg->backups_keep : 1;
	for (size_t i = 0; i < n; i++) {
		if ((long)(n - i) > keep) {
			char *p = xasprintf("%s/%s", dir, names[i]);
			unlink(p);
			free(p);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* The file is about to be replaced by a rename, so its inode, which still
 * holds exactly the bytes read (stage_refresh checked them under the lock),
 * can simply become the backup: no copy of a 20 MB passwd-file to write and
 * fsync. A copy is written when a link is impossible (another filesystem)
 * or the file no longer has the size it had. */
static int backup_file(const struct staged_file *f, const char *backup, struct diags *d)
{
	struct stat st;
	if (link(f->path, backup) == 0) {
		if (lstat(backup, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == f->old.len)
			return 0;
		unlink(backup);
	}
	struct file_owner own = { getuid(), getgid(), 0600 };
	return atomic_write(backup, sb_str(&f->old), f->old.len, &own, false, d);
}

static int write_file(struct run *r, struct written *w)
{
	const struct staged_file *f = w->f;
	if (w->type)
		return write_map(r, f->path, w->type, sb_str(&f->cur), f->cur.len, w->program, w->tool);
	/* The passwd-file: Dovecot misses a same-size rewrite within the same
	 * second (reference §4.4), so its mtime must move. */
	if (atomic_write(f->path, sb_str(&f->cur), f->cur.len, NULL, true, r->d) < 0)
		return -1;
	step(r, true, NULL, _("write %s"), f->path);
	return 0;
}

static void restore_files(struct run *r, struct written *ws, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		struct written *w = &ws[i];
		if (!w->done)
			continue;
		struct diags d = DIAGS_INIT;
		int rc;
		if (!w->f->existed) {
			rc = unlink(w->f->path) == 0 || errno == ENOENT ? 0 : -1;
		} else if (w->type) {
			struct diags *save = r->d;
			r->d = &d;
			rc = write_map(r, w->f->path, w->type, sb_str(&w->f->old), w->f->old.len, w->program,
				       "rebuild");
			r->d = save;
		} else {
			rc = atomic_write(w->f->path, sb_str(&w->f->old), w->f->old.len, NULL, true, &d);
		}
		step(r, rc == 0, rc == 0 ? NULL : d.n ? d.v[0].msg : NULL, _("restore %s"), w->f->path);
		if (rc < 0)
			diags_take(r->d, &d);
		diags_free(&d);
	}
}

/* ---- journal and audit ---------------------------------------------------- */

static int write_journal(struct run *r, struct stage *s, struct written *ws, size_t n)
{
	struct strbuf j = STRBUF_INIT;
	sb_addf(&j, "vmailadm-journal 1\nid %s\n", r->res->id);
	for (size_t i = 0; i < stage_count(s); i++) {
		sb_adds(&j, "op ");
		op_format(stage_op(s, i), &j);
		sb_addc(&j, '\n');
	}
	for (size_t i = 0; i < n; i++)
		sb_addf(&j, "file %s%s%s %s %s %s %s\n", ws[i].type ? ws[i].tool : "-",
			ws[i].type ? ":" : "", ws[i].type ? ws[i].type : "",
			ws[i].backup ? ws[i].backup : "-", ws[i].old_sha, ws[i].new_sha, ws[i].f->path);
	char *path = state_path(r->cfg, "journal");
	struct file_owner own = { getuid(), getgid(), 0600 };
	int rc = atomic_write(path, j.buf, j.len, &own, false, r->d);
	free(path);
	sb_free(&j);
	return rc;
}

static void remove_journal(const struct config *cfg)
{
	char *path = state_path(cfg, "journal");
	unlink(path);
	free(path);
}

static void append_audit(struct run *r, struct stage *s, struct written *ws, size_t n,
			 const struct plan *p, const char *result)
{
	json_t *rec = json_object();
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
	json_object_set_new(rec, "id", json_string(r->res->id));
	json_object_set_new(rec, "time", json_string(when));
	json_object_set_new(rec, "user", json_string(user_name()));
	const char *sudo = getenv("SUDO_USER");
	json_object_set_new(rec, "sudo_user", sudo ? json_string(sudo) : json_null());
	json_object_set_new(rec, "result", json_string(result));
	json_t *ops = json_array();
	for (size_t i = 0; i < stage_count(s); i++) {
		/* The description, never op_format: that one carries password hashes. */
		struct strbuf desc = STRBUF_INIT;
		op_describe(stage_op(s, i), &desc);
		json_array_append_new(ops, json_string(desc.buf));
		sb_free(&desc);
	}
	json_object_set_new(rec, "operations", ops);
	json_t *files = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_object();
		json_object_set_new(f, "path", json_string(ws[i].f->path));
		json_object_set_new(f, "sha256_before", ws[i].f->existed ? json_string(ws[i].old_sha) : json_null());
		json_object_set_new(f, "sha256_after", json_string(ws[i].new_sha));
		json_object_set_new(f, "backup", ws[i].backup ? json_string(ws[i].backup) : json_null());
		json_array_append_new(files, f);
	}
	json_object_set_new(rec, "files", files);
	json_t *acts = json_array();
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_MAILDIR_CREATE && a->kind != ACT_MAILDIR_ARCHIVE && a->kind != ACT_MAILDIR_PURGE &&
		    a->kind != ACT_MAILDIR_RESTORE)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "action", json_string(a->kind == ACT_MAILDIR_CREATE ? "create"
							     : a->kind == ACT_MAILDIR_ARCHIVE ? "archive"
							     : a->kind == ACT_MAILDIR_RESTORE ? "restore" : "purge"));
		/* "maildir" is always the place under the base, "archive" the other end. */
		bool rest = a->kind == ACT_MAILDIR_RESTORE;
		json_object_set_new(o, "maildir", json_string(rest ? a->target : a->path));
		if (a->target)
			json_object_set_new(o, "archive", json_string(rest ? a->path : a->target));
		json_array_append_new(acts, o);
	}
	json_object_set_new(rec, "maildirs", acts);
	/* Every map the commit built, whether its source changed or it was
	 * only rebuilt (lint --fix). */
	json_t *maps = json_array();
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_POSTMAP && a->kind != ACT_POSTALIAS)
			continue;
		bool only = false;
		for (size_t k = 0; k < p->nrebuilt; k++)
			only |= strcmp(p->rebuilt[k]->path, a->path) == 0;
		json_t *o = json_object();
		json_object_set_new(o, "tool", json_string(a->kind == ACT_POSTMAP ? "postmap" : "postalias"));
		char *spec = xasprintf("%s:%s", a->detail ? a->detail : "", a->path);
		json_object_set_new(o, "map", json_string(spec));
		free(spec);
		json_object_set_new(o, "source_changed", json_boolean(!only));
		json_array_append_new(maps, o);
	}
	json_object_set_new(rec, "maps", maps);
	char *line = json_dumps(rec, JSON_COMPACT);
	char *path = state_path(r->cfg, "audit.log");
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		size_t len = strlen(line);
		if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
			diag_warn(r->d, path, 0, _("cannot append the audit record: %s"), strerror(errno));
		close(fd);
	} else {
		diag_warn(r->d, path, 0, _("cannot open the audit log: %s"), strerror(errno));
	}
	free(path);
	free(line);
	json_decref(rec);
}

/* ---- maildirs ------------------------------------------------------------ */

/* path relative to base, or NULL when it is not under base. */
static const char *under(const char *base, const char *path)
{
	size_t n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	if (strncmp(path, base, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

/* rollback: an archived maildir moves back (back = true), or, when the
 * commit fails after that, to the archive again (back = false). */
static int maildir_restore(struct run *r, const char *base, const struct action *a, bool back)
{
	const char *arel = under(r->cfg->archive_dir, a->path);
	const char *rel = under(base, a->target);
	if (!arel || !rel) {
		diag_error(r->d, a->path, 0, _("maildir is not under virtual_mailbox_base %s nor archive_dir %s: refused"),
			   base, r->cfg->archive_dir);
		step(r, false, NULL, "%s", a->path);
		return -1;
	}
	int rc = back ? safe_rename(r->cfg->archive_dir, arel, base, rel, r->d)
		      : safe_rename(base, rel, r->cfg->archive_dir, arel, r->d);
	if (back)
		step(r, rc == 0, NULL, _("move archived maildir %s back to %s"), a->path, a->target);
	else
		step(r, rc == 0, NULL, _("return maildir %s to the archive"), a->target);
	return rc;
}

static int maildir_action(struct run *r, const char *base, const struct action *a)
{
	const char *rel = under(base, a->path);
	if (!rel) {
		diag_error(r->d, a->path, 0, _("maildir is not under virtual_mailbox_base %s: refused"), base);
		step(r, false, NULL, "%s", a->path);
		return -1;
	}
	int rc;
	switch (a->kind) {
	case ACT_MAILDIR_CREATE:
		rc = safe_make_maildir(base, rel, (uid_t)r->cfg->vmail_uid, (gid_t)r->cfg->vmail_gid, r->d);
		step(r, rc == 0, NULL, _("create maildir %s"), a->path);
		return rc;
	case ACT_MAILDIR_ARCHIVE: {
		const char *arel = under(r->cfg->archive_dir, a->target);
		struct stat st;
		if (lstat(a->path, &st) < 0 && errno == ENOENT) {
			step(r, true, _("no maildir: nothing to archive"), _("archive %s"), a->path);
			return 0;
		}
		rc = arel ? safe_rename(base, rel, r->cfg->archive_dir, arel, r->d) : -1;
		step(r, rc == 0, NULL, _("archive %s to %s"), a->path, a->target);
		return rc;
	}
	case ACT_MAILDIR_PURGE:
		rc = safe_remove_tree(base, rel, r->d);
		step(r, rc == 0, NULL, _("delete maildir %s"), a->path);
		return rc;
	default:
		return 0;
	}
}

/* ---- the commit ------------------------------------------------------------ */

/* Unique per commit: backups and `vmailadm rollback ID` are named by it, and
 * one process (the TUI, a test) may commit several times in one second. */
static char *make_id(void)
{
	static unsigned seq;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	unsigned n = seq++;
	return n ? xasprintf("%s-%ld-%u", stamp, (long)getpid(), n)
		 : xasprintf("%s-%ld", stamp, (long)getpid());
}

int stage_commit(struct stage *s, const struct commit_opts *opts, struct commit_result *res,
		 struct diags *d)
{
	const struct config *cfg = stage_config(s);
	memset(res, 0, sizeof *res);
	res->id = make_id();
	struct run r = { cfg, opts, res, d };
	if (stage_count(s) == 0) {
		diag_error(d, NULL, 0, _("nothing is staged"));
		return -1;
	}
	if (ensure_state_dir(cfg, d) < 0)
		return -1;
	int lock = take_lock(cfg, opts ? opts->lock_wait_seconds : 0, d);
	if (lock < 0)
		return -1;
	step(&r, true, NULL, _("lock %s/lock"), cfg->state_dir);

	/* Re-read every file and replay: a hand edit made since staging is
	 * merged, or the operation it breaks is named and nothing is written. */
	if (stage_refresh(s, &res->replayed, d) < 0) {
		step(&r, false, NULL, _("re-read the files"));
		release_lock(lock);
		return -1;
	}
	const struct plan *p = stage_plan(s);
	step(&r, true, res->replayed ? _("the files changed since staging: operations re-applied") : NULL,
	     _("re-read the files"));
	const char *maincf = stage_maincf_path(s);
	const char *base = maincf ? stage_mailbox_base(s) : "";

	struct written *ws = xcalloc(p->nfiles ? p->nfiles : 1, sizeof *ws);
	for (size_t i = 0; i < p->nfiles; i++) {
		ws[i].f = p->files[i];
		sha256_hex(sb_str(&p->files[i]->old), p->files[i]->old.len, ws[i].old_sha);
		sha256_hex(sb_str(&p->files[i]->cur), p->files[i]->cur.len, ws[i].new_sha);
		for (size_t k = 0; k < p->nactions; k++) {
			const struct action *a = &p->actions[k];
			if ((a->kind == ACT_POSTMAP || a->kind == ACT_POSTALIAS) && strcmp(a->path, ws[i].f->path) == 0) {
				ws[i].type = a->detail;
				ws[i].program = a->kind == ACT_POSTMAP ? cfg->postmap : cfg->postalias;
				ws[i].tool = a->kind == ACT_POSTMAP ? "postmap" : "postalias";
			}
		}
		if (ws[i].f->existed)
			ws[i].backup = backup_name(cfg, ws[i].f->path, res->id);
	}

	/* Maps rebuilt on request (lint --fix): their sources do not change, so
	 * they need no backup, no journal line and no restore; a map built
	 * from the source as it is never serves worse than a missing or stale
	 * one, so a later failure leaves it built. */
	struct written *rb = xcalloc(p->nrebuilt ? p->nrebuilt : 1, sizeof *rb);
	for (size_t i = 0; i < p->nrebuilt; i++) {
		rb[i].f = p->rebuilt[i];
		for (size_t k = 0; k < p->nactions; k++) {
			const struct action *a = &p->actions[k];
			if ((a->kind == ACT_POSTMAP || a->kind == ACT_POSTALIAS) && strcmp(a->path, rb[i].f->path) == 0) {
				rb[i].type = a->detail;
				rb[i].program = a->kind == ACT_POSTMAP ? cfg->postmap : cfg->postalias;
				rb[i].tool = a->kind == ACT_POSTMAP ? "postmap" : "postalias";
			}
		}
	}

	int rc = 0;
	/* Backups first: a copy of every file as it is now. */
	for (size_t i = 0; i < p->nfiles && rc == 0; i++) {
		if (!ws[i].backup)
			continue;
		rc = backup_file(ws[i].f, ws[i].backup, d);
		if (rc == 0)
			prune_backups(cfg, ws[i].backup);
	}
	if (rc == 0)
		rc = write_journal(&r, s, ws, p->nfiles);
	step(&r, rc == 0, NULL, _("back up %zu files and write the journal"), p->nfiles);

	/* Archived maildirs come back before any map names them again, so that
	 * a delivery in between cannot create an empty one in their place. */
	size_t nrestored = 0;
	for (size_t i = 0; i < p->nactions && rc == 0; i++) {
		if (p->actions[i].kind != ACT_MAILDIR_RESTORE)
			continue;
		rc = maildir_restore(&r, base, &p->actions[i], true);
		if (rc == 0)
			nrestored = i + 1;
	}

	/* Tables first, main.cf last: a domain is announced only once its
	 * mailboxes and aliases are in place. */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		/* Rebuilt maps are tables too: ready before main.cf names them. */
		for (size_t i = 0; i < p->nrebuilt && rc == 0 && pass == 1; i++) {
			if (!rb[i].type)
				continue;
			/* The source goes through write_map with the bytes it has
			 * (checked under the lock): the map is built aside and
			 * renamed in, never half-built where Postfix reads it. */
			rc = write_map(&r, rb[i].f->path, rb[i].type, sb_str(&rb[i].f->cur), rb[i].f->cur.len,
				       rb[i].program, rb[i].tool);
			step(&r, rc == 0, rc == 0 ? NULL : d->n ? d->v[d->n - 1].msg : NULL,
			     _("rebuild map %s:%s"), rb[i].type, rb[i].f->path);
		}
		for (size_t i = 0; i < p->nfiles && rc == 0; i++) {
			bool is_main = maincf && strcmp(ws[i].f->path, maincf) == 0;
			if (is_main != (pass == 1))
				continue;
			rc = write_file(&r, &ws[i]);
			ws[i].done = rc == 0;
			if (rc < 0)
				step(&r, false, d->n ? d->v[d->n - 1].msg : NULL, _("write %s"), ws[i].f->path);
		}
	}
	/* Maildirs: created once the maps name them, archived once they no
	 * longer do (Postfix recreates a maildir it still delivers to). */
	for (size_t i = 0; i < p->nactions && rc == 0; i++)
		if (p->actions[i].kind == ACT_MAILDIR_CREATE)
			rc = maildir_action(&r, base, &p->actions[i]);
	if (rc < 0) {
		restore_files(&r, ws, p->nfiles);
		for (size_t i = nrestored; i-- > 0;)
			if (p->actions[i].kind == ACT_MAILDIR_RESTORE)
				maildir_restore(&r, base, &p->actions[i], false);
		res->rolled_back = true;
		remove_journal(cfg);
		append_audit(&r, s, ws, p->nfiles, p, "rolled back");
		step(&r, true, NULL, _("rolled back: every file is as it was"));
	} else {
		res->committed = true;
		for (size_t i = 0; i < p->nactions; i++) {
			const struct action *a = &p->actions[i];
			if (a->kind == ACT_MAILDIR_ARCHIVE || a->kind == ACT_MAILDIR_PURGE)
				if (maildir_action(&r, base, a) < 0)
					rc = -1; /* the maps are right; the mail stays where it was */
		}
		for (size_t i = 0; i < p->nactions; i++) {
			const struct action *a = &p->actions[i];
			if (a->kind == ACT_RELOAD_POSTFIX && run_program(&r, cfg->postfix_reload, NULL, _("reload Postfix"), false) < 0)
				res->reload_failed = true;
			if (a->kind == ACT_RELOAD_DOVECOT && run_program(&r, cfg->dovecot_reload, NULL, _("reload Dovecot"), false) < 0)
				res->reload_failed = true;
		}
		if (res->reload_failed) {
			diag_warn(d, NULL, 0, _("the files are committed, but a reload failed: run it by hand once the service is running"));
			rc = -1;
		}
		append_audit(&r, s, ws, p->nfiles, p, rc == 0 ? "committed" : "committed with errors");
		remove_journal(cfg);
	}
	for (size_t i = 0; i < p->nfiles; i++)
		free(ws[i].backup);
	free(ws);
	free(rb);
	if (res->committed)
		stage_reset(s);
	release_lock(lock);
	return rc;
}

void commit_result_free(struct commit_result *res)
{
	free(res->id);
	sb_free(&res->log);
	memset(res, 0, sizeof *res);
}

/* ---- recovery ---------------------------------------------------------------- */

static int file_sha(const char *path, char hex[65], bool *exists)
{
	struct doc *doc;
	struct diags d = DIAGS_INIT;
	int rc = doc_load(path, true, &doc, &d);
	diags_free(&d);
	if (rc < 0)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	*exists = doc_exists(doc);
	sha256_hex(sb_str(&sb), sb.len, hex);
	sb_free(&sb);
	doc_free(&doc);
	return 0;
}

int commit_recover(const struct config *cfg, struct strbuf *said, struct diags *d)
{
	char *path = state_path(cfg, "journal");
	struct doc *j;
	if (doc_load(path, true, &j, d) < 0) {
		free(path);
		return -1;
	}
	if (!doc_exists(j)) {
		doc_free(&j);
		free(path);
		return 0;
	}
	struct commit_result res = { 0 };
	struct commit_opts opts = { 0 };
	struct run r = { cfg, &opts, &res, d };
	int rc = 0;
	char *id = NULL;
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		char *line = xmemdup0(t, len);
		if (strncmp(line, "id ", 3) == 0) {
			free(id);
			id = xstrdup(line + 3);
		}
		if (strncmp(line, "file ", 5) == 0) {
			char kind[64], backup[4096], old_sha[65], new_sha[65];
			int off = 0;
			if (sscanf(line + 5, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) < 4 || off == 0) {
				diag_error(d, path, (unsigned)i + 1, _("unreadable journal line"));
				rc = -1;
				free(line);
				continue;
			}
			const char *file = line + 5 + off;
			/* kind is "-" for a plain file, else "postmap:hash" / "postalias:hash". */
			char *type = strchr(kind, ':');
			bool alias_db = strncmp(kind, "postalias:", 10) == 0;
			if (type)
				*type++ = '\0';
			char now[65];
			bool exists;
			if (file_sha(file, now, &exists) < 0) {
				rc = -1;
			} else if (strcmp(now, new_sha) == 0) {
				/* Written by the killed commit: put the old bytes back. */
				int frc = 0;
				if (strcmp(backup, "-") == 0) {
					frc = unlink(file);
				} else {
					struct doc *b;
					if (doc_load(backup, false, &b, d) < 0) {
						frc = -1;
					} else {
						struct strbuf sb = STRBUF_INIT;
						doc_render(b, &sb);
						frc = !type ? atomic_write(file, sb_str(&sb), sb.len, NULL, true, d)
							    : write_map(&r, file, type, sb_str(&sb), sb.len,
									alias_db ? cfg->postalias : cfg->postmap, kind);
						sb_free(&sb);
						doc_free(&b);
					}
				}
				sb_addf(said, frc == 0 ? _("restored %s\n") : _("could not restore %s\n"), file);
				if (frc < 0)
					rc = -1;
			} else if (strcmp(now, old_sha) != 0) {
				sb_addf(said, _("left %s alone: it changed since the interrupted commit\n"), file);
			}
		}
		free(line);
	}
	if (rc == 0) {
		unlink(path);
		sb_addf(said, _("rolled back the interrupted commit %s\n"), id ? id : "?");
	}
	free(id);
	doc_free(&j);
	free(path);
	commit_result_free(&res);
	return rc;
}

/* ---- pending (staged, not committed) ------------------------------------------ */

int stage_save_pending(struct stage *s, struct diags *d)
{
	const struct config *cfg = stage_config(s);
	if (ensure_state_dir(cfg, d) < 0)
		return -1;
	char *path = state_path(cfg, "staged");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < stage_count(s); i++) {
		op_format(stage_op(s, i), &sb);
		sb_addc(&sb, '\n');
	}
	int rc;
	if (sb.len == 0)
		rc = unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	else {
		struct file_owner own = { getuid(), getgid(), 0600 };
		rc = atomic_write(path, sb.buf, sb.len, &own, false, d);
	}
	sb_free(&sb);
	free(path);
	return rc;
}

bool stage_has_pending(const struct config *cfg)
{
	char *path = state_path(cfg, "staged");
	bool yes = access(path, F_OK) == 0;
	free(path);
	return yes;
}

int stage_restore_pending(struct stage *s, size_t *n, struct diags *d)
{
	const struct config *cfg = stage_config(s);
	char *path = state_path(cfg, "staged");
	struct doc *doc;
	*n = 0;
	if (doc_load(path, true, &doc, d) < 0) {
		free(path);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < doc_count(doc) && rc == 0; i++) {
		size_t len;
		const char *t = doc_text(doc, i, &len);
		char *line = xmemdup0(t, len);
		int argc;
		char **words = op_split_words(line, &argc, path, (unsigned)i + 1, d);
		if (words && argc > 0) {
			struct op *op = op_from_words(argc, words, path, (unsigned)i + 1, d);
			if (!op || stage_push(s, op, d) < 0)
				rc = -1;
			else
				(*n)++;
		}
		op_words_free(words);
		free(line);
	}
	if (rc == 0)
		unlink(path);
	doc_free(&doc);
	free(path);
	return rc;
}
