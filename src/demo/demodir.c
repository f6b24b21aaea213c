/* Where `vmailadm demo DIR` may put its tree: DIR made absolute, refused
 * when it is /, a system directory, the home directory or a parent of it,
 * a symlink, a path main.cf cannot hold, or a non-empty directory that is
 * not a demo tree; --force removes what the demo makes and nothing else. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo_int.h"
#include "vmailadm/demo.h"
#include "vmailadm/i18n.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* What --force removes: exactly what demo_create makes. */
static const char *const owned[] = { "etc", "vhosts", "state", "archive", "vmailadm.yaml" };

static bool path_ok_for_main_cf(const char *p)
{
	for (const unsigned char *s = (const unsigned char *)p; *s; s++)
		if (*s <= ' ' || *s == 0x7f || strchr(",:$#\"'\\{}", *s))
			return false;
	return true;
}

/* Is a equal to b or one of b's parent directories? */
static bool is_same_or_parent(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

static bool is_protected(const char *abs, bool force, struct strbuf *why)
{
	static const char *const system_dirs[] = {
		"/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media",
		"/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
		"/var", "/usr/local", "/var/lib", "/var/mail", "/var/spool", "/var/tmp",
		"/var/mail/vhosts", "/etc/postfix", "/etc/dovecot", "/var/lib/vmailadm",
	};
	if (strcmp(abs, "/") == 0) {
		sb_adds(why, _("it is the root directory"));
		return true;
	}
	for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++)
		if (strcmp(abs, system_dirs[i]) == 0) {
			sb_adds(why, _("it is a system directory"));
			return true;
		}
	const char *homes[2] = { getenv("HOME"), NULL };
	struct passwd *pw = getpwuid(getuid());
	if (pw)
		homes[1] = pw->pw_dir;
	for (int i = 0; i < 2; i++) {
		char real[PATH_MAX];
		if (!homes[i] || !*homes[i] || !realpath(homes[i], real))
			continue;
		if (is_same_or_parent(abs, real)) {
			sb_adds(why, _("it is your home directory or one of its parents"));
			return true;
		}
	}
	if (force) {
		size_t depth = 0;
		for (const char *p = abs; *p; p++)
			depth += *p == '/';
		if (depth < 2) {
			sb_adds(why, _("--force needs a directory at least two levels below /"));
			return true;
		}
	}
	return false;
}

/* Make dir absolute and canonical (its parent must exist). */
static char *absolute_dir(const char *dir, struct diags *d)
{
	char buf[PATH_MAX];
	char *joined;
	if (dir[0] == '/')
		joined = xstrdup(dir);
	else {
		if (!getcwd(buf, sizeof buf)) {
			diag_error(d, NULL, 0, _("cannot find the current directory: %s"), strerror(errno));
			return NULL;
		}
		joined = xasprintf("%s/%s", buf, dir);
	}
	size_t n = strlen(joined);
	while (n > 1 && joined[n - 1] == '/')
		joined[--n] = '\0';
	struct stat st;
	if (lstat(joined, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			diag_error(d, NULL, 0, _("%s is a symbolic link; give the real directory"), dir);
			free(joined);
			return NULL;
		}
		if (!S_ISDIR(st.st_mode)) {
			diag_error(d, NULL, 0, _("%s exists and is not a directory"), dir);
			free(joined);
			return NULL;
		}
		char *r = realpath(joined, buf) ? xstrdup(buf) : NULL;
		if (!r)
			diag_error(d, NULL, 0, "%s: %s", dir, strerror(errno));
		free(joined);
		return r;
	}
	if (errno != ENOENT) {
		diag_error(d, NULL, 0, "%s: %s", dir, strerror(errno));
		free(joined);
		return NULL;
	}
	char *slash = strrchr(joined, '/');
	const char *base = slash + 1;
	char *parent = slash == joined ? xstrdup("/") : xstrndup(joined, (size_t)(slash - joined));
	char *r = NULL;
	if (strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
		diag_error(d, NULL, 0, _("%s: give a directory name, not '.' or '..'"), dir);
	else if (!realpath(parent, buf))
		diag_error(d, NULL, 0, _("cannot use %s: its parent directory %s: %s"), dir, parent,
			   strerror(errno));
	else
		r = strcmp(buf, "/") == 0 ? xasprintf("/%s", base) : xasprintf("%s/%s", buf, base);
	free(parent);
	free(joined);
	return r;
}

static int is_empty_dir(const char *abs, bool *has_marker)
{
	DIR *dp = opendir(abs);
	struct dirent *e;
	int n = 0;
	*has_marker = false;
	if (!dp)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (strcmp(e->d_name, DEMO_MARKER) == 0)
			*has_marker = true;
	}
	closedir(dp);
	return n == 0;
}

int demodir_remove_owned(struct demo *D)
{
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
		struct stat st;
		if (fstatat(D->dirfd, owned[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			diag_error(D->d, NULL, 0, "%s/%s: %s", D->dir, owned[i], strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (safe_remove_tree(D->dir, owned[i], D->d) < 0)
				return -1;
		} else if (unlinkat(D->dirfd, owned[i], 0) < 0) {
			diag_error(D->d, NULL, 0, _("cannot remove %s/%s: %s"), D->dir, owned[i],
				   strerror(errno));
			return -1;
		}
	}
	return 0;
}


char *demodir_prepare(const char *dir, bool force, int *empty, struct diags *d)
{
	struct strbuf why = STRBUF_INIT;
	char *abs = NULL;
	bool marker;
	*empty = -1;
	if (!*dir) {
		diag_error(d, NULL, 0, _("the demo directory must not be empty"));
		return NULL;
	}
	if (!(abs = absolute_dir(dir, d)))
		return NULL;
	if (!path_ok_for_main_cf(abs)) {
		diag_error(d, NULL, 0, _("%s cannot be used: the path goes into main.cf, so it must "
					"not contain spaces, control characters or any of , : $ # \" ' \\ { }"),
			   abs);
		goto refused;
	}
	if (is_protected(abs, force, &why)) {
		diag_error(d, NULL, 0, _("refusing to put the demo in %s: %s"), abs, why.buf);
		goto refused;
	}
	*empty = is_empty_dir(abs, &marker);
	if (*empty < 0 && errno != ENOENT) {
		diag_error(d, NULL, 0, _("cannot read %s: %s"), abs, strerror(errno));
		goto refused;
	}
	if (*empty == 0 && !force) {
		diag_error(d, NULL, 0, _("%s exists and is not empty; use --force to replace a demo "
					"tree made earlier"), abs);
		goto refused;
	}
	if (*empty == 0 && !marker) {
		diag_error(d, NULL, 0, _("%s is not a demo tree (it has no %s file): refusing to "
					"replace anything in it, even with --force"), abs, DEMO_MARKER);
		goto refused;
	}
	if (*empty < 0 && mkdir(abs, 0755) < 0) {
		diag_error(d, NULL, 0, _("cannot create %s: %s"), abs, strerror(errno));
		goto refused;
	}
	sb_free(&why);
	return abs;
refused:
	sb_free(&why);
	free(abs);
	return NULL;
}
