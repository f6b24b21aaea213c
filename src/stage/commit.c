/* The commit: the only code that changes the mail server. Every step is
 * ordered so that Postfix and Dovecot never see a half-made change: maps are
 * built from a temporary source and renamed into place, maildirs are
 * archived only after the maps stop naming them, and a failure before the
 * reloads restores every file and map from the backups taken first.
 *
 * Time: the map builds (postmap, ~150 ms on 100,000 entries) start as soon
 * as their sources are written, and everything that does not need them
 * (the other files' new versions, their fsyncs, the digests, the journal,
 * old backups pruned) is done while they run; every live file is renamed
 * only after the last build, in the order the server needs. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vmailadm/atomicio.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/digestcache.h"
#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/mapcheck.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/precheck.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/sha256.h"
#include "vmailadm/spawn.h"
#include "vmailadm/stage.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

#define PROGRAM_TIMEOUT_MS 60000

/* When a program ran (monotonic seconds), to add up the time spent in
 * programs without counting twice the ones that ran side by side. */
struct span {
	double from, to;
	bool map;
};

/* What became of a maildir action, for the audit record: it never says
 * "archived" unless the maildir was moved. */
enum act_state { ACT_PENDING, ACT_DONE, ACT_NOTHING, ACT_FAILED };

struct run {
	const struct config *cfg;
	const struct commit_opts *opts;
	struct commit_result *res;
	struct diags *d;
	struct span *spans;
	size_t nspans, cap;
	enum act_state *acts;   /* one per plan action, NULL in a recovery */
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

/* Only files of the configured places are written (issue 10): a table
 * main.cf names elsewhere (hash:/etc/passwd), or reached through a symlink
 * below the Postfix directory, stops the commit before anything changes. */
static int check_targets(const struct config *cfg, const struct plan *p, struct diags *d)
{
	const char *const dirs[] = { cfg->postfix_dir, NULL };
	const char *const files[] = { cfg->passwd_file, cfg->aliases_file, NULL };
	int rc = 0;
	for (size_t i = 0; i < p->nfiles; i++)
		if (safe_check_target(p->files[i]->path, dirs, files, d) < 0)
			rc = -1;
	for (size_t i = 0; i < p->nrebuilt; i++)
		if (safe_check_target(p->rebuilt[i]->path, dirs, files, d) < 0)
			rc = -1;
	return rc;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_span(struct run *r, double from, double seconds, bool map)
{
	xgrow(&r->spans, &r->cap, r->nspans + 1, sizeof *r->spans);
	r->spans[r->nspans++] = (struct span){ from, from + seconds, map };
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* The wall time covered by the spans (maps only, or all). */
static double span_union(struct run *r, bool maps_only)
{
	if (r->nspans > 1)   /* spans is NULL when nothing ran: qsort wants an array */
		qsort(r->spans, r->nspans, sizeof *r->spans, cmp_span);
	double total = 0, from = 0, to = -1;
	for (size_t i = 0; i < r->nspans; i++) {
		const struct span *s = &r->spans[i];
		if (maps_only && !s->map)
			continue;
		if (s->from > to) {
			total += to > from ? to - from : 0;
			from = s->from;
			to = s->to;
		} else if (s->to > to) {
			to = s->to;
		}
	}
	return total + (to > from ? to - from : 0);
}

/* ---- programs ----------------------------------------------------------- */

/* Run a configured command line; "" means disabled (returns 1). */
static int run_program(struct run *r, const char *cmdline, const char *what)
{
	if (!cmdline || !*cmdline) {
		step(r, true, _("disabled in the configuration"), "%s", what);
		return 1;
	}
	char **argv = spawn_argv_split(cmdline);
	struct spawn_result res;
	double t0 = mono_now();
	int rc = spawn_run((const char *const *)argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &res, r->d);
	add_span(r, t0, res.seconds, false);
	if (rc == 0)
		rc = spawn_result_check((const char *const *)argv, &res, PROGRAM_TIMEOUT_MS, r->d);
	step(r, rc == 0, rc == 0 ? NULL : sb_str(&res.err), "%s", what);
	spawn_result_free(&res);
	spawn_argv_free(argv);
	return rc;
}

/* What a crash may leave beside a map source: its temporary copy and the
 * map built from that. */
static const char *const map_suffixes[] = { ".db", ".lmdb", ".cdb", NULL };

/* A file's new version at a temporary name beside it, and for a map the
 * program building the map of that temporary file (postmap -c DIR
 * TYPE:TMP); installed by renaming both, the source first. */
struct build {
	struct atomic_temp src;
	char *tmpdb, *db;          /* maps only; once installed, tmpdb names the
	                            * old map when old_db, else it is NULL */
	char **argv;
	struct spawn_proc *proc;
	double started;
	bool src_in, db_in;        /* renamed into place (a rollback undoes both) */
	bool had_db;               /* a map was there before */
	bool old_db;               /* the map it replaced waits at tmpdb */
};

static int build_write(struct run *r, struct build *b, const char *path, const char *data, size_t len,
		       bool ensure_new_mtime)
{
	return atomic_temp_write(path, data, len, NULL, ensure_new_mtime, &b->src, r->d);
}

/* Start the program on the written source; it runs while we go on. */
static int build_start(struct run *r, struct build *b, const char *type, const char *program)
{
	char **words = spawn_argv_split(program);
	size_t n = 0;
	while (words[n])
		n++;
	b->argv = xcalloc(n + 4, sizeof *b->argv);
	memcpy(b->argv, words, n * sizeof *words);
	free(words);
	b->argv[n] = xstrdup("-c");
	b->argv[n + 1] = xstrdup(r->cfg->postfix_dir);
	b->argv[n + 2] = xasprintf("%s:%s", type, b->src.path);
	b->tmpdb = xasprintf("%s%s", b->src.path, table_type_built_suffix(type));
	b->db = xasprintf("%s%s", b->src.target, table_type_built_suffix(type));
	b->started = mono_now();
	return spawn_start((const char *const *)b->argv, NULL, 0, NULL, PROGRAM_TIMEOUT_MS, &b->proc, r->d);
}

/* Wait for the map's program; 0 when it built the map. */
static int build_wait(struct run *r, struct build *b, const char *what)
{
	if (!b->proc)
		return 0;
	struct spawn_result res;
	spawn_wait(&b->proc, &res);
	add_span(r, b->started, res.seconds, true);
	int rc = spawn_result_check((const char *const *)b->argv, &res, PROGRAM_TIMEOUT_MS, r->d);
	if (rc == 0 && res.err.len)
		/* postmap warns on stderr and still exits 0 (duplicate keys ...). */
		step(r, true, sb_str(&res.err), "%s", what);
	else
		step(r, rc == 0, rc == 0 ? NULL : sb_str(&res.err), "%s", what);
	spawn_result_free(&res);
	return rc;
}

/* Rename the new source over the file, then its map over the map (a crash
 * in between leaves the new source, which the journal recognises). The old
 * map is exchanged with the new one rather than replaced: it waits at the
 * temporary name until the commit ends, so a rollback puts back the very
 * map that served, without running postmap again (which may be what
 * failed). src_in and db_in say what is in place, even on failure: a half
 * installed map is rolled back whole (issue 10, defect 4). The directory
 * is synced by the caller. */
static int build_install(struct build *b, bool inject, struct diags *d)
{
	if (atomic_temp_rename(&b->src, d) < 0)
		return -1;
	b->src_in = true;
	if (!b->tmpdb)
		return inject ? inject_at("install-file", d) : 0;
	if (inject && inject_at("install-source", d) < 0)
		return -1;
	struct stat st;
	bool had = lstat(b->db, &st) == 0;
	b->had_db = had;
	if (had && !S_ISREG(st.st_mode)) {
		diag_error(d, b->db, 0, _("is not a regular file: the map built in %s cannot replace it"), b->tmpdb);
		return -1;
	}
	if (had && renameat2(AT_FDCWD, b->tmpdb, AT_FDCWD, b->db, RENAME_EXCHANGE) == 0) {
		b->old_db = true;
	} else if (rename(b->tmpdb, b->db) < 0) {
		/* An exchange the filesystem does not offer falls back to the
		 * rename; an immutable map refuses both. */
		diag_error(d, b->db, 0, _("cannot rename %s to it: %s"), b->tmpdb, strerror(errno));
		return -1;
	} else {
		xfree(&b->tmpdb);
	}
	b->db_in = true;
	return inject ? inject_at("install-map", d) : 0;
}

/* Wait for a program still running, remove what was not installed. */
static void build_discard(struct build *b)
{
	if (b->proc) {
		struct spawn_result res;
		spawn_wait(&b->proc, &res);
		spawn_result_free(&res);
	}
	if (b->tmpdb)
		unlink(b->tmpdb);
	atomic_temp_discard(&b->src);
	spawn_argv_free(b->argv);
	free(b->tmpdb);
	free(b->db);
	memset(b, 0, sizeof *b);
	b->src.fd = -1;
}

/* Write a map's source and build its map, now (a restore, a recovery). */
static int write_map(struct run *r, const char *path, const char *type, const char *data,
		     size_t len, const char *program, const char *what)
{
	if (!program || !*program) {
		if (atomic_write(path, data, len, NULL, true, r->d) < 0)
			return -1;
		step(r, true, _("map rebuild disabled in the configuration"), "%s %s", what, path);
		return 0;
	}
	struct build b = { .src.fd = -1 };
	int rc = build_write(r, &b, path, data, len, false);
	if (rc == 0)
		rc = atomic_temp_sync(&b.src, r->d);
	if (rc == 0)
		rc = build_start(r, &b, type, program);
	if (rc == 0)
		rc = build_wait(r, &b, what);
	if (rc == 0)
		rc = build_install(&b, false, r->d);
	if (rc == 0)
		rc = fsync_parent(path, r->d);
	build_discard(&b);
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
	struct file_digest dg;  /* of the new bytes, for the digest cache */
	struct build b;     /* the new version, until installed */
	bool done;          /* installed */
};

/* Is the map rebuilt by a program (else its source is a plain file)? */
static bool builds_map(const struct written *w)
{
	return w->type && w->program && *w->program;
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
		if (lstat(backup, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == f->st.st_size)
			return 0;
		unlink(backup);
	}
	struct file_owner own = { getuid(), getgid(), 0600 };
	const struct strbuf *old = stage_file_old(f);
	return atomic_write(backup, sb_str(old), old->len, &own, false, d);
}

/* The new version at its temporary name; for a map, its build started.
 * The passwd-file, and any file whose map is not rebuilt, must get a new
 * mtime second: Dovecot misses a same-size rewrite within the same second
 * (reference §4.4). */
static int prepare_file(struct run *r, struct written *w)
{
	const struct staged_file *f = w->f;
	if (!builds_map(w))
		return build_write(r, &w->b, f->path, sb_str(&f->cur), f->cur.len, true);
	if (build_write(r, &w->b, f->path, sb_str(&f->cur), f->cur.len, false) < 0)
		return -1;
	return build_start(r, &w->b, w->type, w->program);
}

/* The digests for the journal and the audit: "before" from the cache when
 * the file is still the one a commit wrote, "after" resumed from the marks
 * of the old bytes wherever the new ones share them. */
static void digest_file(struct written *w, const struct digest_cache *cache)
{
	const struct staged_file *f = w->f;
	const struct file_digest *known = f->existed ? digest_cache_find(cache, f->path, &f->st) : NULL;
	struct file_digest old = { .marks = NULL };
	if (!known) {
		const struct strbuf *bytes = stage_file_old(f);
		file_digest_compute(sb_str(bytes), bytes->len, &old);
		known = &old;
	}
	memcpy(w->old_sha, known->sha, sizeof w->old_sha);
	if (f->lazy)
		/* read in part: old is not held, but where cur starts to differ is known */
		file_digest_resume(known, (size_t)f->st.st_size, f->same_head, sb_str(&f->cur), f->cur.len,
				   &w->dg);
	else
		file_digest_update(known, sb_str(&f->old), f->old.len, sb_str(&f->cur), f->cur.len, &w->dg);
	memcpy(w->new_sha, w->dg.sha, sizeof w->new_sha);
	file_digest_free(&old);
}

/* Remember the digests of the files now in place, for the next commit: only
 * those still exactly as written (same inode, size and our mtime, which no
 * later write can keep). */
static void remember_digests(const struct config *cfg, struct written *ws, size_t n,
			     struct digest_cache *cache)
{
	for (size_t i = 0; i < n; i++) {
		struct written *w = &ws[i];
		struct stat st;
		digest_cache_forget(cache, w->f->path);
		if (!w->done || lstat(w->f->path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		const struct stat *t = &w->b.src.st;
		if (w->b.src.unique_mtime && st.st_ino == t->st_ino && st.st_dev == t->st_dev && st.st_size == t->st_size &&
		    st.st_mtim.tv_sec == t->st_mtim.tv_sec && st.st_mtim.tv_nsec == t->st_mtim.tv_nsec)
			digest_cache_put(cache, w->f->path, &st, &w->dg);
	}
	char *path = state_path(cfg, "digests");
	struct diags d = DIAGS_INIT;
	digest_cache_save(cache, path, &d); /* only a cache: a failure costs a hash */
	diags_free(&d);
	free(path);
}

/* Put back a map this commit installed, whole or in part: the source from
 * the bytes read, and the map it had (kept at the temporary name by the
 * exchange) or none when it had none. A map replaced where the exchange
 * was not offered is built again from the old source. */
static int restore_map(struct run *r, struct written *w, struct diags *d)
{
	struct build *b = &w->b;
	const struct strbuf *old = stage_file_old(w->f);
	if (b->db_in && !b->old_db && b->had_db) {
		struct diags *save = r->d;
		r->d = d;
		int rc = write_map(r, w->f->path, w->type, sb_str(old), old->len, w->program, "rebuild");
		r->d = save;
		return rc;
	}
	int rc = 0;
	if (b->src_in)
		rc = w->f->existed ? atomic_write(w->f->path, sb_str(old), old->len, NULL, true, d)
				   : unlink(w->f->path) == 0 || errno == ENOENT ? 0 : -1;
	if (rc == 0 && b->db_in && b->old_db) {
		if (rename(b->tmpdb, b->db) < 0) {
			diag_error(d, b->db, 0, _("cannot put the old map back from %s: %s"), b->tmpdb, strerror(errno));
			return -1;
		}
		xfree(&b->tmpdb);
		/* Newer than the source just rewritten: Postfix warns of a map
		 * older than its source. */
		utimensat(AT_FDCWD, b->db, NULL, 0);
	} else if (rc == 0 && b->db_in && unlink(b->db) < 0 && errno != ENOENT) {
		diag_error(d, b->db, 0, _("cannot remove the map this commit built: %s"), strerror(errno));
		return -1;
	}
	if (rc == 0)
		b->src_in = b->db_in = false;
	return rc;
}

/* Undo every file installed, in whole or in part. What was and was not
 * put back goes to res->undone, for the message; returns -1 when some
 * file could not be. */
static int restore_files(struct run *r, struct written *ws, size_t n)
{
	int bad = 0;
	for (size_t i = n; i-- > 0;) {
		struct written *w = &ws[i];
		if (!w->done)
			continue;
		struct diags d = DIAGS_INIT;
		int rc = inject_at("restore-file", &d);
		if (rc < 0)
			;
		else if (builds_map(w))
			rc = restore_map(r, w, &d);
		else if (!w->f->existed)
			rc = unlink(w->f->path) == 0 || errno == ENOENT ? 0 : -1;
		else {
			const struct strbuf *old = stage_file_old(w->f);
			rc = atomic_write(w->f->path, sb_str(old), old->len, NULL, true, &d);
		}
		w->done = rc < 0;
		const char *why = rc == 0 ? NULL : d.n ? d.v[0].msg : strerror(errno);
		step(r, rc == 0, why, _("restore %s"), w->f->path);
		if (rc == 0) {
			sb_addf(&r->res->undone, _("restored %s\n"), w->f->path);
		} else {
			sb_addf(&r->res->undone, _("NOT restored %s (%s): it keeps the new version"), w->f->path, why);
			if (w->backup)
				sb_addf(&r->res->undone, _("; the old one is %s"), w->backup);
			sb_addc(&r->res->undone, '\n');
			bad = -1;
		}
		diags_take(r->d, &d);
		diags_free(&d);
	}
	return bad;
}

/* Is there a temporary file of a commit (NAME.vmailadm-XXXXXX...) in dir? */
static bool has_temp(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	bool yes = false;
	while (dp && !yes && (de = readdir(dp)) != NULL)
		yes = de->d_name[0] != '.' && strstr(de->d_name, ".vmailadm-") != NULL;
	if (dp)
		closedir(dp);
	return yes;
}

/* Does a program argument name a temporary file in one of dirs
 * ("hash:/etc/postfix/vmailbox.vmailadm-Ab12Cd")? */
static bool names_temp(const char *arg, char *const dirs[], size_t ndirs)
{
	const char *slash = strrchr(arg, '/');
	if (!slash || !strstr(slash, ".vmailadm-"))
		return false;
	for (size_t k = 0; k < ndirs; k++) {
		size_t len = strlen(dirs[k]);
		const char *at = slash - len;
		if (at >= arg && strncmp(at, dirs[k], len) == 0 && (at == arg || at[-1] == ':' || at[-1] == '/'))
			return true;
	}
	return false;
}

static bool proc_gone(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	const char *paren = strrchr(buf, ')');   /* "PID (COMM) STATE ..." */
	return paren && paren[1] == ' ' && paren[2] == 'Z';
}

/* A commit killed while its postmap ran leaves that postmap running, and it
 * may create its temporary map after the leftovers are removed. Under the
 * lock no live commit has a program running, so one still working on a
 * temporary file of ours is an orphan: stop it and wait for its end (at
 * most 2 s). Only looked for when such a file is there (Linux /proc). */
static void stop_orphan_builds(char *const dirs[], size_t ndirs)
{
	bool any = false;
	for (size_t k = 0; k < ndirs && !any; k++)
		any = has_temp(dirs[k]);
	DIR *proc = any ? opendir("/proc") : NULL;
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while (proc && (de = readdir(proc)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		char path[64], cmd[8192];
		snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len <= 0)
			continue;
		cmd[len] = '\0';
		for (const char *arg = cmd; arg < cmd + len; arg += strlen(arg) + 1)
			if (names_temp(arg, dirs, ndirs) && kill((pid_t)pid, SIGKILL) == 0) {
				xgrow(&pids, &cap, n + 1, sizeof *pids);
				pids[n++] = (pid_t)pid;
				break;
			}
	}
	if (proc)
		closedir(proc);
	for (int tries = 0; tries < 200; tries++) {
		bool alive = false;
		for (size_t i = 0; i < n && !alive; i++)
			alive = !proc_gone(pids[i]);
		if (!alive)
			break;
		usleep(10000);
	}
	free(pids);
}

/* The directory of path ("." when it has none). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
}

/* Temporary files a killed commit left beside the files this one writes,
 * before its journal could name them (nobody else writes there while we
 * hold the lock). */
static void remove_leftovers(struct run *r, struct written *ws, size_t n, struct written *rb, size_t nrb)
{
	char **dirs = NULL;
	size_t ndirs = 0, cap = 0;
	for (size_t i = 0; i < n + nrb; i++) {
		char *dir = dir_of(i < n ? ws[i].f->path : rb[i - n].f->path);
		bool seen = false;
		for (size_t k = 0; k < ndirs && !seen; k++)
			seen = strcmp(dirs[k], dir) == 0;
		if (seen) {
			free(dir);
			continue;
		}
		xgrow(&dirs, &cap, ndirs + 1, sizeof *dirs);
		dirs[ndirs++] = dir;
	}
	stop_orphan_builds(dirs, ndirs);
	struct strbuf gone = STRBUF_INIT;
	for (size_t k = 0; k < ndirs; k++) {
		atomic_remove_leftovers(dirs[k], map_suffixes, &gone);
		free(dirs[k]);
	}
	free(dirs);
	for (char *line = gone.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		step(r, true, NULL, _("remove %s left by an interrupted commit"), line);
		line = nl + 1;
	}
	sb_free(&gone);
}

/* ---- journal and audit ---------------------------------------------------- */

/* The journal: the operations, every file with its backup and digests, and
 * every temporary file (a crash before the renames leaves those). Durable
 * before the first live file changes. */
static int write_journal(struct run *r, struct stage *s, struct written *ws, size_t n,
			 struct written *rb, size_t nrb)
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
	/* Every maildir action, so that a recovery moves the mail with the
	 * entries: "maildir<TAB>KIND<TAB>PATH<TAB>TARGET" (no path holds a
	 * control byte: safeopen refuses them). */
	const struct plan *p = stage_plan(s);
	if (stage_maincf_path(s))
		sb_addf(&j, "base %s\n", stage_mailbox_base(s));
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind == ACT_MAILDIR_CREATE || a->kind == ACT_MAILDIR_ARCHIVE ||
		    a->kind == ACT_MAILDIR_PURGE || a->kind == ACT_MAILDIR_RESTORE)
			sb_addf(&j, "maildir\t%s\t%s\t%s\n", plan_action_name(a->kind), a->path,
				a->target ? a->target : "-");
	}
	for (size_t i = 0; i < n + nrb; i++) {
		const struct build *b = i < n ? &ws[i].b : &rb[i - n].b;
		if (b->src.path)
			sb_addf(&j, "temp %s\n", b->src.path);
		if (b->tmpdb)
			sb_addf(&j, "temp %s\n", b->tmpdb);
	}
	int rc = state_journal_write(r->cfg, j.buf, j.len, r->d);
	sb_free(&j);
	return rc;
}

/* What became of the maildir action of the mailbox `address` (ACT_PENDING
 * when it has none). */
static enum act_state maildir_state(const struct run *r, const struct plan *p, const char *address)
{
	for (size_t i = 0; r->acts && i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if ((a->kind == ACT_MAILDIR_ARCHIVE || a->kind == ACT_MAILDIR_PURGE) && a->detail &&
		    strcmp(a->detail, address) == 0)
			return r->acts[i];
	}
	return ACT_PENDING;
}

/* The operation for the audit record, as it turned out: "(mail archived)"
 * only when a maildir was moved to the archive. */
static void audit_describe(const struct run *r, const struct plan *p, const struct op *op,
			   struct strbuf *out)
{
	if (op->kind == OP_MAILBOX_DEL && !op->keep_maildir) {
		enum act_state st = maildir_state(r, p, op->subject);
		if (st == ACT_NOTHING || st == ACT_PENDING) {
			sb_addf(out, _("remove mailbox %s (it had no maildir)"), op->subject);
			return;
		}
		if (st != ACT_DONE) {
			sb_addf(out, op->purge ? _("remove mailbox %s (its mail was NOT deleted)")
					       : _("remove mailbox %s (its mail was NOT archived)"), op->subject);
			return;
		}
	}
	op_describe(op, out);
}

static void append_audit(struct run *r, struct stage *s, struct written *ws, size_t n,
			 const struct plan *p, const char *result)
{
	json_t *rec = state_audit_record(r->res->id, result);
	json_t *ops = json_array();
	for (size_t i = 0; i < stage_count(s); i++) {
		/* The description, never op_format: that one carries password hashes. */
		struct strbuf desc = STRBUF_INIT;
		if (r->res->committed)
			audit_describe(r, p, stage_op(s, i), &desc);
		else
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
		if (r->acts && (a->kind == ACT_MAILDIR_ARCHIVE || a->kind == ACT_MAILDIR_PURGE ||
				a->kind == ACT_MAILDIR_CREATE))
			json_object_set_new(o, "done", json_string(r->acts[i] == ACT_DONE ? "yes"
								   : r->acts[i] == ACT_NOTHING ? "nothing to do" : "no"));
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
	state_audit_append(r->cfg, rec, r->d);
}

/* ---- maildirs ------------------------------------------------------------ */

/* rollback: an archived maildir moves back (back = true), or, when the
 * commit fails after that, to the archive again (back = false). */
static int maildir_restore(struct run *r, const char *base, const struct action *a, bool back)
{
	const char *arel = precheck_under(r->cfg->archive_dir, a->path);
	const char *rel = precheck_under(base, a->target);
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

static int maildir_action(struct run *r, const char *base, const struct action *a,
			  enum act_state *state)
{
	enum act_state ignored;
	if (!state)
		state = &ignored;
	*state = ACT_FAILED;
	const char *rel = precheck_under(base, a->path);
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
		break;
	case ACT_MAILDIR_ARCHIVE: {
		const char *arel = precheck_under(r->cfg->archive_dir, a->target);
		struct stat st;
		if (lstat(a->path, &st) < 0 && errno == ENOENT) {
			step(r, true, _("no maildir: nothing to archive"), _("archive %s"), a->path);
			*state = ACT_NOTHING;
			return 0;
		}
		rc = arel ? safe_rename(base, rel, r->cfg->archive_dir, arel, r->d) : -1;
		step(r, rc == 0, NULL, _("archive %s to %s"), a->path, a->target);
		break;
	}
	case ACT_MAILDIR_PURGE:
		rc = safe_remove_tree(base, rel, r->d);
		step(r, rc == 0, NULL, _("delete maildir %s"), a->path);
		break;
	default:
		return 0;
	}
	if (rc == 0)
		*state = ACT_DONE;
	return rc;
}

/* Undo or finish one maildir action of a commit that did not finish, as
 * the disk shows it now (each step is idempotent: a recovery killed in
 * turn is recovered again). phase 0: finish it (the commit's files are all
 * in place); 1: undo an archive (before the maps name the mailbox again);
 * 2: undo a create or a restore (once the maps no longer name it). What
 * was done goes to said, or to the commit's steps when said is NULL. */
static int maildir_undo(struct run *r, const char *base, const char *kind, const char *path,
			const char *target, int phase, struct strbuf *said)
{
	const char *arch = r->cfg->archive_dir;
	struct stat st;
	bool here = lstat(path, &st) == 0, there = strcmp(target, "-") != 0 && lstat(target, &st) == 0;
	struct strbuf msg = STRBUF_INIT;
	int rc = 0;
	bool archive = !strcmp(kind, "archive-maildir"), create = !strcmp(kind, "create-maildir");
	bool purge = !strcmp(kind, "purge-maildir"), restore = !strcmp(kind, "restore-maildir");
	const char *rel = precheck_under(base, restore ? target : path);
	const char *arel = precheck_under(arch, restore ? path : target);
	if (!rel)
		return 0;
	if (phase == 0 && archive && here && !there && arel) {
		rc = safe_rename(base, rel, arch, arel, r->d);
		sb_addf(&msg, _("archived %s to %s"), path, target);
	} else if (phase == 0 && purge && here) {
		rc = safe_remove_tree(base, rel, r->d);
		sb_addf(&msg, _("deleted maildir %s"), path);
	} else if (phase == 0 && create && !here) {
		rc = safe_make_maildir(base, rel, (uid_t)r->cfg->vmail_uid, (gid_t)r->cfg->vmail_gid, r->d);
		sb_addf(&msg, _("created maildir %s"), path);
	} else if (phase == 1 && archive && !here && there && arel) {
		rc = safe_rename(arch, arel, base, rel, r->d);
		sb_addf(&msg, _("moved the archived maildir %s back to %s"), target, path);
	} else if (phase == 2 && create && here) {
		long n = precheck_count_messages(base, rel);
		if (n == 0) {
			rc = safe_remove_tree(base, rel, r->d);
			sb_addf(&msg, _("removed the empty maildir %s the commit had created"), path);
		} else {
			sb_addf(&msg, _("left the maildir %s: it holds %ld messages delivered meanwhile"), path, n);
		}
	} else if (phase == 2 && restore && there && !here && arel) {
		rc = safe_rename(base, rel, arch, arel, r->d);
		sb_addf(&msg, _("returned maildir %s to the archive"), target);
	}
	if (msg.len) {
		if (said)
			sb_addf(said, rc == 0 ? "%s\n" : _("could not do it: %s\n"), msg.buf);
		else
			step(r, rc == 0, NULL, "%s", msg.buf);
	}
	sb_free(&msg);
	return rc;
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

/* The map each file needs rebuilt, from the plan's actions. */
static void find_map(const struct config *cfg, const struct plan *p, struct written *w)
{
	for (size_t k = 0; k < p->nactions; k++) {
		const struct action *a = &p->actions[k];
		if ((a->kind == ACT_POSTMAP || a->kind == ACT_POSTALIAS) && strcmp(a->path, w->f->path) == 0) {
			w->type = a->detail;
			w->program = a->kind == ACT_POSTMAP ? cfg->postmap : cfg->postalias;
			w->tool = a->kind == ACT_POSTMAP ? "postmap" : "postalias";
		}
	}
}

/* fsync every directory a file was installed in, once. */
static int sync_dirs(struct run *r, struct written *ws, size_t n, struct written *rb, size_t nrb)
{
	int rc = 0;
	for (size_t i = 0; i < n + nrb; i++) {
		const struct written *w = i < n ? &ws[i] : &rb[i - n];
		if (!w->done)
			continue;
		const char *slash = strrchr(w->f->path, '/');
		size_t dlen = slash ? (size_t)(slash - w->f->path) : 0;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++) {
			const struct written *o = k < n ? &ws[k] : &rb[k - n];
			const char *os = strrchr(o->f->path, '/');
			seen = o->done && (size_t)(os ? os - o->f->path : 0) == dlen &&
			       strncmp(o->f->path, w->f->path, dlen) == 0;
		}
		if (!seen && fsync_parent(w->f->path, r->d) < 0)
			rc = -1;
	}
	return rc;
}

/* Does the map just installed answer the keys its source changed as the
 * source says (issue 10, defect 4)? A postmap that exits 0 without
 * building what it was given is caught here, and the map is rolled back
 * with its source. One run of the program per map. */
static int verify_map(struct run *r, struct written *w)
{
	if (!builds_map(w) || !w->b.db_in)
		return 0;
	static const struct strbuf none = STRBUF_INIT;
	const struct strbuf *old = w->f->existed ? stage_file_old(w->f) : &none;
	const struct strbuf *cur = &w->f->cur;
	bool aliases = strcmp(w->tool, "postalias") == 0;
	struct mapcheck keys = { 0 };
	mapcheck_changed(sb_str(old), old->len, sb_str(cur), cur->len, aliases, &keys);
	double t0 = mono_now(), seconds;
	int rc = mapcheck_verify(w->program, r->cfg->postfix_dir, w->type, w->f->path, aliases, &keys,
				 &seconds, r->d);
	if (keys.n) {
		add_span(r, t0, seconds, true);
		step(r, rc == 0, rc == 0 ? NULL : r->d->n ? r->d->v[r->d->n - 1].msg : NULL,
		     ngettext("check that %s answers the %zu key that changed",
			      "check that %s answers the %zu keys that changed", keys.n), w->b.db, keys.n);
	}
	mapcheck_free(&keys);
	return rc == 0 ? inject_at("verify-map", r->d) : rc;
}

/* Put every file in place: tables first, main.cf last, so that a domain is
 * announced only once its mailboxes and aliases are in place; the maps
 * only rebuilt are tables too. A file is marked done as soon as any part
 * of it is in place, so that a rollback undoes what was half installed. */
static int install_files(struct run *r, const char *maincf, struct written *ws, size_t n,
			 struct written *rb, size_t nrb)
{
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < nrb && rc == 0 && pass == 1; i++) {
			if (!rb[i].type)
				continue;
			rc = build_install(&rb[i].b, true, r->d);
			rb[i].done = rb[i].b.src_in;
			step(r, rc == 0, rc == 0 ? NULL : r->d->n ? r->d->v[r->d->n - 1].msg : NULL,
			     _("rebuild map %s:%s"), rb[i].type, rb[i].f->path);
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			bool is_main = maincf && strcmp(ws[i].f->path, maincf) == 0;
			if (is_main != (pass == 1))
				continue;
			rc = build_install(&ws[i].b, true, r->d);
			ws[i].done = ws[i].b.src_in;
			if (rc < 0)
				step(r, false, r->d->n ? r->d->v[r->d->n - 1].msg : NULL, _("write %s"), ws[i].f->path);
			else if (ws[i].type && !builds_map(&ws[i]))
				step(r, true, _("map rebuild disabled in the configuration"), "%s %s",
				     ws[i].tool, ws[i].f->path);
			else if (!ws[i].type)
				step(r, true, NULL, _("write %s"), ws[i].f->path);
			if (rc == 0)
				rc = verify_map(r, &ws[i]);
		}
	}
	/* The renames survive a crash once their directories are synced. */
	if (rc == 0)
		rc = sync_dirs(r, ws, n, rb, nrb);
	if (rc == 0)
		rc = inject_at("sync-dirs", r->d);
	return rc;
}

/* Undo a commit that failed before its files were all in place: files and
 * maps, the maildirs it made, the archived ones it brought back. When
 * something cannot be undone, the result says what was and was not, and
 * the journal stays: the next vmailadm tries again from it. */
static void roll_back(struct run *r, struct stage *s, struct written *ws, const char *base,
		      size_t nrestored, bool journal)
{
	const struct plan *p = stage_plan(s);
	int rc = restore_files(r, ws, p->nfiles);
	/* No maildir the commit made outlives it (an empty one would be
	 * taken for an orphan by the next mailbox add). */
	for (size_t i = p->nactions; i-- > 0;)
		if (p->actions[i].kind == ACT_MAILDIR_CREATE && r->acts[i] == ACT_DONE &&
		    maildir_undo(r, base, "create-maildir", p->actions[i].path, "-", 2, NULL) < 0) {
			sb_addf(&r->res->undone, _("NOT removed the maildir %s the commit created\n"),
				p->actions[i].path);
			rc = -1;
		}
	for (size_t i = nrestored; i-- > 0;)
		if (p->actions[i].kind == ACT_MAILDIR_RESTORE &&
		    maildir_restore(r, base, &p->actions[i], false) < 0) {
			sb_addf(&r->res->undone, _("NOT returned the maildir %s to the archive\n"),
				p->actions[i].target);
			rc = -1;
		}
	if (rc == 0) {
		r->res->rolled_back = true;
		if (journal)
			state_journal_remove(r->cfg);
		append_audit(r, s, ws, p->nfiles, p, "rolled back");
		step(r, true, NULL, _("rolled back: every file is as it was"));
	} else {
		r->res->rollback_incomplete = true;
		append_audit(r, s, ws, p->nfiles, p, "rollback incomplete");
		step(r, false, journal ? _("the journal stays: the next vmailadm tries again") : NULL,
		     _("roll back: not everything could be put back"));
	}
}

/* Every file is in place: the mail of removed mailboxes moves, the
 * services reload. A failure here leaves the files committed. */
static int finish_commit(struct run *r, struct stage *s, struct written *ws, const char *base,
			 struct digest_cache *cache)
{
	const struct plan *p = stage_plan(s);
	const struct config *cfg = r->cfg;
	int rc = 0;
	r->res->committed = true;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_MAILDIR_ARCHIVE && a->kind != ACT_MAILDIR_PURGE)
			continue;
		if (inject_at(plan_action_name(a->kind), r->d) < 0) {
			r->acts[i] = ACT_FAILED;
			rc = -1;
		} else if (maildir_action(r, base, a, &r->acts[i]) < 0) {
			rc = -1; /* the maps are right; the mail stays where it was */
		}
	}
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		bool pf = a->kind == ACT_RELOAD_POSTFIX;
		if (!pf && a->kind != ACT_RELOAD_DOVECOT)
			continue;
		if (inject_at(pf ? "reload-postfix" : "reload-dovecot", r->d) < 0 ||
		    run_program(r, pf ? cfg->postfix_reload : cfg->dovecot_reload,
				pf ? _("reload Postfix") : _("reload Dovecot")) < 0)
			r->res->reload_failed = true;
	}
	if (r->res->reload_failed) {
		diag_warn(r->d, NULL, 0, _("the files are committed, but a reload failed: run it by hand once the service is running"));
		rc = -1;
	}
	append_audit(r, s, ws, p->nfiles, p, rc == 0 ? "committed" : "committed with errors");
	if (inject_at("audit", r->d) < 0)
		rc = -1;
	state_journal_remove(cfg);
	remember_digests(cfg, ws, p->nfiles, cache);
	return rc;
}

int stage_commit(struct stage *s, const struct commit_opts *opts, struct commit_result *res,
		 struct diags *d)
{
	const struct config *cfg = stage_config(s);
	memset(res, 0, sizeof *res);
	res->id = make_id();
	struct run r = { cfg, opts, res, d, NULL, 0, 0, NULL };
	if (stage_count(s) == 0) {
		diag_error(d, NULL, 0, _("nothing is staged"));
		return -1;
	}
	if (state_ensure_dir(cfg, d) < 0)
		return -1;
	int lock = state_lock_take(cfg, opts ? opts->lock_wait_seconds : 0, d);
	if (lock < 0)
		return -1;
	step(&r, true, NULL, _("lock %s/lock"), cfg->state_dir);
	inject_reset();
	if (inject_at("lock", d) < 0) {
		state_lock_release(lock);
		return -1;
	}

	/* Re-read every file and replay: a hand edit made since staging is
	 * merged, or the operation it breaks is named and nothing is written. */
	if (stage_refresh(s, &res->replayed, d) < 0) {
		step(&r, false, NULL, _("re-read the files"));
		state_lock_release(lock);
		return -1;
	}
	const struct plan *p = stage_plan(s);
	if (check_targets(cfg, p, d) < 0 || inject_at("refresh", d) < 0) {
		state_lock_release(lock);
		return -1;
	}
	step(&r, true, res->replayed ? _("the files changed since staging: operations re-applied") : NULL,
	     _("re-read the files"));
	const char *maincf = stage_maincf_path(s);
	const char *base = maincf ? stage_mailbox_base(s) : "";
	/* Every maildir action must be able to run before the first file
	 * changes: a commit stopped half-way leaves maps and mail disagreeing. */
	if (precheck_plan(cfg, p, base, true, DIAG_ERROR, d) < 0 || inject_at("precheck", d) < 0) {
		step(&r, false, d->n ? d->v[d->n - 1].msg : NULL, _("check that every action can run"));
		state_lock_release(lock);
		return -1;
	}
	step(&r, true, NULL, _("check that every action can run"));
	r.acts = xcalloc(p->nactions ? p->nactions : 1, sizeof *r.acts);

	struct written *ws = xcalloc(p->nfiles ? p->nfiles : 1, sizeof *ws);
	for (size_t i = 0; i < p->nfiles; i++) {
		ws[i].f = p->files[i];
		ws[i].b.src.fd = -1;
		find_map(cfg, p, &ws[i]);
		if (ws[i].f->existed)
			ws[i].backup = state_backup_path(cfg, ws[i].f->path, res->id);
	}
	/* Maps rebuilt on request (lint --fix): their sources do not change, so
	 * they need no backup, no journal line and no restore; a map built
	 * from the source as it is never serves worse than a missing or stale
	 * one, so a later failure leaves it built. */
	struct written *rb = xcalloc(p->nrebuilt ? p->nrebuilt : 1, sizeof *rb);
	for (size_t i = 0; i < p->nrebuilt; i++) {
		rb[i].f = p->rebuilt[i];
		rb[i].b.src.fd = -1;
		find_map(cfg, p, &rb[i]);
	}
	remove_leftovers(&r, ws, p->nfiles, rb, p->nrebuilt);

	/* Backups first: the files as they are now. */
	int rc = 0;
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (ws[i].backup)
			rc = backup_file(ws[i].f, ws[i].backup, d);
	if (rc == 0)
		rc = inject_at("backup", d);
	step(&r, rc == 0, NULL, _("back up %zu files"), p->nfiles);
	bool backed_up = rc == 0;

	/* New versions at temporary names; each map's build starts as soon as
	 * its source is written (the other files are written meanwhile). */
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (builds_map(&ws[i]))
			rc = prepare_file(&r, &ws[i]);
	for (size_t i = 0; i < p->nrebuilt && rc == 0; i++)
		if (builds_map(&rb[i])) {
			const struct staged_file *f = rb[i].f;
			rc = build_write(&r, &rb[i].b, f->path, sb_str(&f->cur), f->cur.len, false);
			if (rc == 0)
				rc = build_start(&r, &rb[i].b, rb[i].type, rb[i].program);
		}
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (!builds_map(&ws[i]))
			rc = prepare_file(&r, &ws[i]);
	/* While the maps build: every new version synced, the digests, the
	 * journal (durable before any live file changes), old backups pruned. */
	for (size_t i = 0; i < p->nfiles + p->nrebuilt && rc == 0; i++)
		rc = atomic_temp_sync(i < p->nfiles ? &ws[i].b.src : &rb[i - p->nfiles].b.src, d);
	if (rc == 0 && backed_up)
		rc = inject_at("temp-files", d);
	if (backed_up)
		step(&r, rc == 0, rc == 0 ? NULL : d->n ? d->v[d->n - 1].msg : NULL,
		     _("write %zu files under temporary names"), p->nfiles + p->nrebuilt);
	char *cache_path = state_path(cfg, "digests");
	struct digest_cache *cache = digest_cache_load(cache_path);
	free(cache_path);
	for (size_t i = 0; i < p->nfiles; i++)
		digest_file(&ws[i], cache);
	bool journal = false;
	if (rc == 0) {
		rc = write_journal(&r, s, ws, p->nfiles, rb, p->nrebuilt);
		journal = rc == 0;
		if (rc == 0)
			rc = inject_at("journal", d);
		step(&r, rc == 0, NULL, _("write the journal"));
	}
	for (size_t i = 0; i < p->nfiles && rc == 0; i++)
		if (ws[i].backup)
			state_backups_prune(cfg, ws[i].backup);
	/* Every build waited for, even after a failure: no program is left
	 * writing beside a file we are about to restore. */
	for (size_t i = 0; i < p->nfiles; i++)
		if (build_wait(&r, &ws[i].b, ws[i].tool) < 0)
			rc = -1;
	for (size_t i = 0; i < p->nrebuilt; i++)
		if (build_wait(&r, &rb[i].b, rb[i].tool) < 0) {
			step(&r, false, d->n ? d->v[d->n - 1].msg : NULL, _("rebuild map %s:%s"), rb[i].type,
			     rb[i].f->path);
			rc = -1;
		}
	if (rc == 0)
		rc = inject_at("map-builds", d);

	/* Archived maildirs come back before any map names them again, so that
	 * a delivery in between cannot create an empty one in their place. */
	size_t nrestored = 0;
	for (size_t i = 0; i < p->nactions && rc == 0; i++) {
		if (p->actions[i].kind != ACT_MAILDIR_RESTORE)
			continue;
		rc = maildir_restore(&r, base, &p->actions[i], true);
		if (rc == 0)
			nrestored = i + 1;
		if (rc == 0)
			rc = inject_at("restore-maildir", d);
	}
	if (rc == 0)
		rc = install_files(&r, maincf, ws, p->nfiles, rb, p->nrebuilt);
	/* Maildirs: created once the maps name them, archived once they no
	 * longer do (Postfix recreates a maildir it still delivers to). */
	for (size_t i = 0; i < p->nactions && rc == 0; i++)
		if (p->actions[i].kind == ACT_MAILDIR_CREATE) {
			rc = maildir_action(&r, base, &p->actions[i], &r.acts[i]);
			if (rc == 0)
				rc = inject_at("create-maildir", d);
		}
	if (rc < 0)
		roll_back(&r, s, ws, base, nrestored, journal);
	else
		rc = finish_commit(&r, s, ws, base, cache);
	for (size_t i = 0; i < p->nfiles; i++) {
		build_discard(&ws[i].b);
		file_digest_free(&ws[i].dg);
		free(ws[i].backup);
	}
	for (size_t i = 0; i < p->nrebuilt; i++)
		build_discard(&rb[i].b);
	digest_cache_free(&cache);
	free(ws);
	free(rb);
	res->program_seconds = span_union(&r, false);
	res->map_seconds = span_union(&r, true);
	free(r.spans);
	free(r.acts);
	if (res->committed)
		stage_reset(s);
	state_lock_release(lock);
	return rc;
}

void commit_result_free(struct commit_result *res)
{
	free(res->id);
	sb_free(&res->log);
	sb_free(&res->undone);
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

/* Has the file of a journal line ("KIND BACKUP OLD NEW PATH") the bytes
 * the commit wrote? */
static bool journal_file_is_new(const char *line)
{
	char kind[64], backup[4096], old_sha[65], new_sha[65], now[65];
	int off = 0;
	bool exists;
	if (sscanf(line, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) < 4 || off == 0)
		return false;
	return file_sha(line + off, now, &exists) == 0 && strcmp(now, new_sha) == 0;
}

/* Put back one file of the journal ("file KIND BACKUP OLD NEW PATH"). */
static int recover_file(struct run *r, const char *path, unsigned lineno, const char *line,
			struct strbuf *said)
{
	char kind[64], backup[4096], old_sha[65], new_sha[65];
	int off = 0;
	if (sscanf(line, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) < 4 || off == 0) {
		diag_error(r->d, path, lineno, _("unreadable journal line"));
		return -1;
	}
	const char *file = line + off;
	/* kind is "-" for a plain file, else "postmap:hash" / "postalias:hash". */
	char *type = strchr(kind, ':');
	bool alias_db = strncmp(kind, "postalias:", 10) == 0;
	if (type)
		*type++ = '\0';
	char now[65];
	bool exists;
	if (file_sha(file, now, &exists) < 0)
		return -1;
	if (strcmp(now, new_sha) == 0) {
		/* Written by the killed commit: put the old bytes back. */
		int frc = 0;
		if (strcmp(backup, "-") == 0) {
			frc = unlink(file);
		} else {
			struct doc *b;
			if (doc_load(backup, false, &b, r->d) < 0) {
				frc = -1;
			} else {
				struct strbuf sb = STRBUF_INIT;
				doc_render(b, &sb);
				frc = !type ? atomic_write(file, sb_str(&sb), sb.len, NULL, true, r->d)
					    : write_map(r, file, type, sb_str(&sb), sb.len,
							alias_db ? r->cfg->postalias : r->cfg->postmap, kind);
				sb_free(&sb);
				doc_free(&b);
			}
		}
		sb_addf(said, frc == 0 ? _("restored %s\n") : _("could not restore %s\n"), file);
		return frc < 0 ? -1 : 0;
	}
	if (strcmp(now, old_sha) != 0)
		sb_addf(said, _("left %s alone: it changed since the interrupted commit\n"), file);
	return 0;
}

/* Leftover temporary files beside the files commits write: named by the
 * journal, or, under the lock, found by their names in the configured
 * directories (a crash before the journal existed). */
static void recover_temps(const struct config *cfg, struct doc *j, bool locked, struct strbuf *said)
{
	char *dirs[3];
	size_t ndirs = 0;
	dirs[ndirs++] = xstrdup(cfg->postfix_dir);
	const char *files[] = { cfg->passwd_file, cfg->aliases_file };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!files[i] || !*files[i])
			continue;
		char *dir = dir_of(files[i]);
		bool seen = false;
		for (size_t k = 0; k < ndirs && !seen; k++)
			seen = strcmp(dirs[k], dir) == 0;
		if (seen)
			free(dir);
		else
			dirs[ndirs++] = dir;
	}
	if (locked)
		stop_orphan_builds(dirs, ndirs);
	struct strbuf gone = STRBUF_INIT;
	for (size_t i = 0; j && i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		if (len > 5 && strncmp(t, "temp ", 5) == 0) {
			char *p = xmemdup0(t + 5, len - 5);
			if (unlink(p) == 0)
				sb_addf(&gone, "%s\n", p);
			free(p);
		}
	}
	for (size_t k = 0; k < ndirs; k++) {
		if (locked)
			atomic_remove_leftovers(dirs[k], map_suffixes, &gone);
		free(dirs[k]);
	}
	/* The state directory's own leftovers (see state_remove_leftovers). */
	if (locked)
		state_remove_leftovers(cfg, map_suffixes, &gone);
	for (char *line = gone.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		sb_addf(said, _("removed %s, left by an interrupted commit\n"), line);
		line = nl + 1;
	}
	sb_free(&gone);
}

/* The audit record of a recovery: the files of the journal ("file KIND
 * BACKUP OLD NEW PATH"), as a commit's record gives them, so that
 * `vmailadm log` and `rollback` see how the commit ended. */
static void audit_recovered(const struct config *cfg, const struct doc *j, const char *id,
			    const char *result, struct diags *d)
{
	json_t *rec = state_audit_record(id, result);
	json_t *files = json_array();
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		char *line = xmemdup0(t, len);
		char kind[64], backup[4096], old_sha[65], new_sha[65];
		int off = 0;
		if (strncmp(line, "file ", 5) == 0 &&
		    sscanf(line + 5, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) >= 4 && off) {
			json_t *f = json_object();
			bool had = strcmp(backup, "-") != 0;
			json_object_set_new(f, "path", json_string(line + 5 + off));
			json_object_set_new(f, "sha256_before", had ? json_string(old_sha) : json_null());
			json_object_set_new(f, "sha256_after", json_string(new_sha));
			json_object_set_new(f, "backup", had ? json_string(backup) : json_null());
			json_array_append_new(files, f);
		}
		free(line);
	}
	json_object_set_new(rec, "operations", json_array());
	json_object_set_new(rec, "files", files);
	state_audit_append(cfg, rec, d);
}

/* What a journal says: its id, the mail base, whether every file it names
 * has the new bytes, whether it moves mail. */
static void journal_scan(const struct doc *j, char **id, char **base, bool *all_new, bool *moves)
{
	*all_new = true;
	*moves = false;
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		char *line = xmemdup0(t, len);
		if (strncmp(line, "id ", 3) == 0) {
			free(*id);
			*id = xstrdup(line + 3);
		} else if (strncmp(line, "base ", 5) == 0) {
			free(*base);
			*base = xstrdup(line + 5);
		} else if (strncmp(line, "file ", 5) == 0) {
			*all_new &= journal_file_is_new(line + 5);
		} else if (strncmp(line, "maildir\tarchive-", 16) == 0 || strncmp(line, "maildir\tpurge-", 14) == 0) {
			*moves = true;
		}
		free(line);
	}
}

/* The recovery proper, under the lock when lock >= 0 (-2: the lock file
 * cannot be opened, and a journal is still looked at, as always). */
static int recover_journal(const struct config *cfg, int lock, struct strbuf *said, struct diags *d)
{
	char *path = state_path(cfg, "journal");
	struct doc *j;
	if (doc_load(path, true, &j, d) < 0) {
		free(path);
		return -1;
	}
	if (!doc_exists(j)) {
		recover_temps(cfg, NULL, lock >= 0, said);
		doc_free(&j);
		free(path);
		return 0;
	}
	struct commit_result res = { 0 };
	struct commit_opts opts = { 0 };
	struct run r = { cfg, &opts, &res, d, NULL, 0, 0, NULL };
	int rc = 0;
	char *id = NULL, *base = NULL;
	/* Killed once every file was in place, with mail to archive or delete:
	 * the commit is finished (the mailbox wholly removed, its mail
	 * archived); otherwise it is undone, maildirs with the files. */
	bool all_new, moves;
	journal_scan(j, &id, &base, &all_new, &moves);
	bool forward = all_new && moves && base;
	for (int phase = forward ? 0 : 1; phase <= (forward ? 0 : 2); phase++) {
		for (size_t i = 0; i < doc_count(j); i++) {
			size_t len;
			const char *t = doc_text(j, i, &len);
			char *line = xmemdup0(t, len);
			char *f[4] = { NULL };
			char *save = NULL;
			if (strncmp(line, "maildir\t", 8) == 0 && base) {
				f[0] = strtok_r(line + 8, "\t", &save);
				f[1] = strtok_r(NULL, "\t", &save);
				f[2] = strtok_r(NULL, "\t", &save);
				if (f[2] && maildir_undo(&r, base, f[0], f[1], f[2], phase, said) < 0)
					rc = -1;
			}
			if (phase == 1 && strncmp(line, "file ", 5) == 0 &&
			    recover_file(&r, path, (unsigned)i + 1, line + 5, said) < 0)
				rc = -1;
			free(line);
		}
	}
	if (forward) {
		run_program(&r, cfg->postfix_reload, _("reload Postfix"));
		run_program(&r, cfg->dovecot_reload, _("reload Dovecot"));
	}
	recover_temps(cfg, j, lock >= 0, said);
	if (rc == 0) {
		/* The commit's own record, if it got that far, said "committed";
		 * this one says how it really ended. */
		audit_recovered(cfg, j, id ? id : "?", forward ? "finished by recovery" : "rolled back by recovery", d);
		unlink(path);
		sb_addf(said, forward ? _("finished the interrupted commit %s: its files were all in place\n")
				      : _("rolled back the interrupted commit %s\n"), id ? id : "?");
	}
	free(id);
	free(base);
	doc_free(&j);
	free(path);
	free(r.spans);
	commit_result_free(&res);
	return rc;
}

int commit_recover(const struct config *cfg, struct strbuf *said, struct diags *d)
{
	struct stat st;
	if (stat(cfg->state_dir, &st) < 0)
		return 0; /* no commit ever ran here */
	/* A commit running now owns its journal and temporary files. */
	int lock = state_lock_try(cfg);
	if (lock == -1)
		return 0;
	int rc = recover_journal(cfg, lock, said, d);
	state_lock_release(lock);
	return rc;
}

int commit_recover_read(const struct config *cfg, struct strbuf *said, struct strbuf *blocked,
			struct diags *d)
{
	struct stat st;
	if (stat(cfg->state_dir, &st) < 0)
		return 0;
	bool journal = state_journal_exists(cfg);
	/* Only under the lock: a reader without it must not write the files
	 * a commit may be writing, nor undo that commit's journal. */
	int lock = state_lock_try(cfg);
	if (lock == -1 && journal) {
		char who[256];
		state_lock_holder(cfg, who, sizeof who);
		sb_addf(blocked, _("a commit is running or was interrupted (the lock is held: %s): what is shown may be half changed; run vmailadm again once it is done to finish it"),
			who);
	} else if (lock == -2 && journal) {
		sb_addf(blocked, _("a commit was interrupted (%s/journal): what is shown may be half changed; run vmailadm as a user who can write %s to finish it"),
			cfg->state_dir, cfg->state_dir);
	}
	if (lock < 0)
		return 0;
	int rc = recover_journal(cfg, lock, said, d);
	state_lock_release(lock);
	if (rc < 0)
		sb_addf(blocked, _("the interrupted commit could not be finished (see above): what is shown may be half changed"));
	return rc;
}
