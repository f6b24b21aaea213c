/* What a killed commit leaves behind: temporary files beside the files it
 * was writing, and the map builds it had started (orphans still writing
 * them). Found and removed under the lock, by the next commit or the
 * recovery. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* Is there a temporary file of a commit (NAME.vmailadm-XXXXXX...) in dir? */
static bool leftover_has_temp(const char *dir)
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
static bool leftover_names_temp(const char *arg, char *const dirs[], size_t ndirs)
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

static bool leftover_proc_gone(pid_t pid)
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
static void leftover_stop_orphans(char *const dirs[], size_t ndirs)
{
	bool any = false;
	for (size_t k = 0; k < ndirs && !any; k++)
		any = leftover_has_temp(dirs[k]);
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
			if (leftover_names_temp(arg, dirs, ndirs) && kill((pid_t)pid, SIGKILL) == 0) {
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
			alive = !leftover_proc_gone(pids[i]);
		if (!alive)
			break;
		usleep(10000);
	}
	free(pids);
}

/* The directory of path ("." when it has none). */
static char *leftover_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
}

/* Temporary files a killed commit left beside the files this one writes,
 * before its journal could name them (nobody else writes there while we
 * hold the lock). */
void leftover_remove(struct run *r, struct written *ws, size_t n, struct written *rb, size_t nrb)
{
	char **dirs = NULL;
	size_t ndirs = 0, cap = 0;
	for (size_t i = 0; i < n + nrb; i++) {
		char *dir = leftover_dir_of(i < n ? ws[i].f->path : rb[i - n].f->path);
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
	leftover_stop_orphans(dirs, ndirs);
	struct strbuf gone = STRBUF_INIT;
	for (size_t k = 0; k < ndirs; k++) {
		atomic_remove_leftovers(dirs[k], build_map_suffixes, &gone);
		free(dirs[k]);
	}
	free(dirs);
	for (char *line = gone.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		commit_step(r, true, NULL, _("remove %s left by an interrupted commit"), line);
		line = nl + 1;
	}
	sb_free(&gone);
}

/* Leftover temporary files beside the files commits write: named by the
 * journal, or, under the lock, found by their names in the configured
 * directories (a crash before the journal existed). */
void leftover_recover(const struct config *cfg, struct doc *j, bool locked, struct strbuf *said)
{
	char *dirs[3];
	size_t ndirs = 0;
	dirs[ndirs++] = xstrdup(cfg->postfix_dir);
	const char *files[] = { cfg->passwd_file, cfg->aliases_file };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!files[i] || !*files[i])
			continue;
		char *dir = leftover_dir_of(files[i]);
		bool seen = false;
		for (size_t k = 0; k < ndirs && !seen; k++)
			seen = strcmp(dirs[k], dir) == 0;
		if (seen)
			free(dir);
		else
			dirs[ndirs++] = dir;
	}
	if (locked)
		leftover_stop_orphans(dirs, ndirs);
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
			atomic_remove_leftovers(dirs[k], build_map_suffixes, &gone);
		free(dirs[k]);
	}
	/* The state directory's own leftovers (see state_remove_leftovers). */
	if (locked)
		state_remove_leftovers(cfg, build_map_suffixes, &gone);
	for (char *line = gone.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		sb_addf(said, _("removed %s, left by an interrupted commit\n"), line);
		line = nl + 1;
	}
	sb_free(&gone);
}
