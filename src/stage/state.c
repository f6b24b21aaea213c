/* The state directory: lock, journal, backups, audit log (writing and
 * reading), pending file. Every name below state_dir is made here, so that
 * a file of it has one owner; see state.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vmailadm/atomicio.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

char *state_path(const struct config *cfg, const char *name)
{
	return xasprintf("%s/%s", cfg->state_dir, name);
}

int state_ensure_dir(const struct config *cfg, struct diags *d)
{
	if (mkdir(cfg->state_dir, 0700) < 0 && errno != EEXIST) {
		diag_error(d, cfg->state_dir, 0, _("cannot create the state directory: %s"), strerror(errno));
		return -1;
	}
	/* The state directory may be a symlink as configured; backups/ below
	 * it is never followed (a planted one would send the backups away). */
	int fd = safe_mkdirs(cfg->state_dir, "backups", 0700, (uid_t)-1, (gid_t)-1, d);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* The state directory's files (journal, digests, backups) are written
 * through atomicio like the live files, the digests after the journal is
 * gone: a kill there left digests.vmailadm-XXXXXX for good (found by the
 * random kills). */
void state_remove_leftovers(const struct config *cfg, const char *const suffixes[], struct strbuf *gone)
{
	char *backups = state_path(cfg, "backups");
	atomic_remove_leftovers(cfg->state_dir, suffixes, gone);
	atomic_remove_leftovers(backups, suffixes, gone);
	free(backups);
}

/* ---- lock --------------------------------------------------------------- */

const char *state_user_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "?";
}

static void state_lock_write_holder(int fd)
{
	char who[256];
	const char *sudo = getenv("SUDO_USER");
	int len = snprintf(who, sizeof who, "pid %ld, user %s%s%s\n", (long)getpid(), state_user_name(),
			   sudo ? " via sudo from " : "", sudo ? sudo : "");
	if (ftruncate(fd, 0) == 0 && pwrite(fd, who, (size_t)len, 0) < 0) {
		/* The holder text is only informative. */
	}
}

int state_lock_take(const struct config *cfg, int wait_seconds, struct diags *d)
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
			const char *who = *holder ? holder : _("unknown process");
			if (wait_seconds > 0)
				diag_error(d, path, 0, _("another vmailadm is still committing after %d s (%s): try again when it is done"),
					   wait_seconds, who);
			else
				diag_error(d, path, 0, _("another vmailadm is committing (%s): try again when it is done"), who);
			close(fd);
			free(path);
			return -1;
		}
		/* Whom it waits for, on a terminal (a script sees only the
		 * outcome: the lock, or the message above). */
		if (!told && isatty(STDERR_FILENO)) {
			fprintf(stderr, _("vmailadm: waiting up to %d s for another commit to finish (%s)\n"),
				wait_seconds, *holder ? holder : _("unknown process"));
			told = true;
		}
		usleep(100000);
	}
	state_lock_write_holder(fd);
	free(path);
	return fd;
}

int state_lock_try(const struct config *cfg)
{
	char *path = state_path(cfg, "lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd < 0)
		return -2;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	state_lock_write_holder(fd);
	return fd;
}

void state_lock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0) {
		/* informative only */
	}
	close(fd);
}

void state_lock_holder(const struct config *cfg, char *buf, size_t size)
{
	char *path = state_path(cfg, "lock");
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	ssize_t n = fd >= 0 ? pread(fd, buf, size - 1, 0) : -1;
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
	if (!*buf)
		snprintf(buf, size, "%s", _("unknown process"));
}

/* ---- journal -------------------------------------------------------------- */

int state_journal_write(const struct config *cfg, const char *text, size_t len, struct diags *d)
{
	char *path = state_path(cfg, "journal");
	struct file_owner own = { getuid(), getgid(), 0600 };
	int rc = atomic_write(path, text, len, &own, false, d);
	free(path);
	return rc;
}

void state_journal_remove(const struct config *cfg)
{
	char *path = state_path(cfg, "journal");
	unlink(path);
	free(path);
}

bool state_journal_exists(const struct config *cfg)
{
	struct stat st;
	char *path = state_path(cfg, "journal");
	bool yes = lstat(path, &st) == 0;
	free(path);
	return yes;
}

/* ---- backups ---------------------------------------------------------------- */

char *state_backup_path(const struct config *cfg, const char *path, const char *id)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s/backups/", cfg->state_dir);
	for (const char *p = path[0] == '/' ? path + 1 : path; *p; p++)
		sb_addc(&sb, *p == '/' ? '_' : *p);
	sb_addf(&sb, ".%s", id);
	return sb_detach(&sb);
}

static int state_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names sort by their id, so the oldest go first. */
void state_backups_prune(const struct config *cfg, const char *backup)
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
	if (n > 1)   /* names is NULL when there is no backup yet */
		qsort(names, n, sizeof *names, state_cmp_str);
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

/* ---- digests ------------------------------------------------------------------ */

char *state_digests_path(const struct config *cfg)
{
	return state_path(cfg, "digests");
}

/* ---- audit log ---------------------------------------------------------------- */

json_t *state_audit_record(const char *id, const char *result)
{
	json_t *rec = json_object();
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "time", json_string(when));
	json_object_set_new(rec, "user", json_string(state_user_name()));
	const char *sudo = getenv("SUDO_USER");
	json_object_set_new(rec, "sudo_user", sudo ? json_string(sudo) : json_null());
	json_object_set_new(rec, "result", json_string(result));
	return rec;
}

void state_audit_append(const struct config *cfg, json_t *rec, struct diags *d)
{
	char *line = json_dumps(rec, JSON_COMPACT);
	char *path = state_path(cfg, "audit.log");
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		size_t len = strlen(line);
		if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
			diag_warn(d, path, 0, _("cannot append the audit record: %s"), strerror(errno));
		close(fd);
	} else {
		diag_warn(d, path, 0, _("cannot open the audit log: %s"), strerror(errno));
	}
	free(path);
	free(line);
	json_decref(rec);
}

const char *state_audit_result_text(const char *result)
{
	static const char *const words[] = {
		N_("committed"), N_("committed with errors"), N_("rolled back"),
		N_("rollback incomplete"), N_("finished by recovery"), N_("rolled back by recovery"),
	};
	for (size_t i = 0; result && i < sizeof words / sizeof words[0]; i++)
		if (strcmp(result, words[i]) == 0)
			return _(words[i]);
	return result ? result : "";
}

void state_audit_read(const struct config *cfg, struct state_audit *a)
{
	memset(a, 0, sizeof *a);
	a->records = json_array();
	a->path = state_path(cfg, "audit.log");
	FILE *fp = fopen(a->path, "r");
	if (!fp) {
		if (errno != ENOENT)
			a->error = errno;
		return;
	}
	char *line = NULL;
	size_t cap = 0, nbadcap = 0;
	unsigned n = 0;
	while (getline(&line, &cap, fp) >= 0) {
		n++;
		json_error_t err;
		json_t *rec = json_loads(line, 0, &err);
		if (!rec || !json_is_object(rec)) {
			xgrow(&a->bad, &nbadcap, a->nbad + 1, sizeof *a->bad);
			a->bad[a->nbad++] = (struct state_audit_bad){ n, xstrdup(err.text) };
			json_decref(rec);
			continue;
		}
		json_array_append_new(a->records, rec);
	}
	free(line);
	fclose(fp);
}

void state_audit_free(struct state_audit *a)
{
	json_decref(a->records);
	for (size_t i = 0; i < a->nbad; i++)
		free(a->bad[i].why);
	free(a->bad);
	free(a->path);
	memset(a, 0, sizeof *a);
}

/* ---- pending -------------------------------------------------------------------- */

char *state_pending_path(const struct config *cfg)
{
	return state_path(cfg, "staged");
}

int state_pending_write(const struct config *cfg, const char *text, size_t len, struct diags *d)
{
	if (state_ensure_dir(cfg, d) < 0)
		return -1;
	char *path = state_pending_path(cfg);
	int rc;
	if (len == 0) {
		rc = unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	} else {
		struct file_owner own = { getuid(), getgid(), 0600 };
		rc = atomic_write(path, text, len, &own, false, d);
	}
	free(path);
	return rc;
}

bool state_pending_exists(const struct config *cfg)
{
	char *path = state_pending_path(cfg);
	bool yes = access(path, F_OK) == 0;
	free(path);
	return yes;
}

int state_pending_load(const struct config *cfg, struct doc **doc, struct diags *d)
{
	char *path = state_pending_path(cfg);
	int rc = doc_load(path, true, doc, d);
	free(path);
	return rc;
}

char **state_pending_lines(const struct config *cfg, size_t *n)
{
	char **lines = NULL;
	size_t cap = 0;
	*n = 0;
	char *path = state_pending_path(cfg);
	FILE *fp = fopen(path, "re");
	free(path);
	if (fp) {
		char *line = NULL;
		size_t lcap = 0;
		ssize_t len;
		while ((len = getline(&line, &lcap, fp)) >= 0) {
			size_t i = 0;
			while (i < (size_t)len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n'))
				i++;
			if (i >= (size_t)len || line[i] == '#')
				continue;
			size_t end = (size_t)len;
			while (end > i && (line[end - 1] == '\n' || line[end - 1] == ' '))
				end--;
			xgrow(&lines, &cap, *n + 2, sizeof *lines);
			lines[(*n)++] = xmemdup0(line + i, end - i);
		}
		free(line);
		fclose(fp);
	}
	if (!lines)
		lines = xcalloc(1, sizeof *lines);
	lines[*n] = NULL;
	return lines;
}

void state_pending_lines_free(char **lines)
{
	for (size_t i = 0; lines && lines[i]; i++)
		free(lines[i]);
	free(lines);
}

int state_pending_discard(const struct config *cfg)
{
	char *path = state_pending_path(cfg);
	int rc = unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	int saved = errno;
	free(path);
	errno = saved;
	return rc;
}
