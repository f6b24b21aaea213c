/* Paths under the mail base and the archive, walked one component at a time
 * from directory fds with O_NOFOLLOW: a symlink planted anywhere below the
 * base (by a mail user, a compromised daemon) can never redirect a mkdir,
 * chown, rename or delete to somewhere else (Postfix safe_open). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* Deeper than any Maildir++ tree; a deeper one is a trap, not mail. */
#define MAX_DEPTH 64

bool safe_component(const char *name)
{
	if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* "base/a/b" for messages, never for opening. */
static char *join(const char *base, const char *rel)
{
	if (rel == NULL || rel[0] == '\0')
		return xstrdup(base);
	size_t bl = strlen(base);
	return xasprintf("%s%s%s", base, bl && base[bl - 1] == '/' ? "" : "/", rel);
}

/* Explain why openat(at, name, DIR_FLAGS) failed with err. */
static void open_failed(int at, const char *name, const char *shown, int err, struct diags *d)
{
	struct stat st;
	if (err == ELOOP
	    || (err == ENOTDIR && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0
		&& S_ISLNK(st.st_mode)))
		diag_error(d, shown, 0, _("is a symbolic link; refusing to follow it"));
	else if (err == ENOTDIR)
		diag_error(d, shown, 0, _("is not a directory"));
	else
		diag_error(d, shown, 0, _("cannot open: %s"), strerror(err));
}

static int open_base(const char *base, struct diags *d)
{
	if (base == NULL || base[0] != '/') {
		diag_error(d, base, 0, _("the base directory must be an absolute path"));
		return -1;
	}
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		diag_error(d, base, 0, _("cannot open directory: %s"), strerror(errno));
	return fd;
}

/* Check rel ("a/b/c", repeated and trailing slashes allowed) and count its
 * components; -1 with a diagnostic for an absolute path, "..", "." or a
 * control byte. */
/* The next component of the '/'-separated path at *p, as a new string of
 * *len bytes, or NULL at the end; *p moves past it. Repeated and trailing
 * slashes are skipped. */
static char *next_component(const char **p, size_t *len)
{
	const char *s = *p;
	while (*s == '/')
		s++;
	*p = s;
	if (*s == '\0')
		return NULL;
	const char *e = strchr(s, '/');
	*len = e ? (size_t)(e - s) : strlen(s);
	*p = s + *len;
	return xstrndup(s, *len);
}

static int check_rel(const char *base, const char *rel, struct diags *d)
{
	if (rel == NULL)
		return 0;
	char *shown = join(base, rel);
	if (rel[0] == '/') {
		diag_error(d, shown, 0, _("must be relative to %s"), base);
		free(shown);
		return -1;
	}
	int n = 0;
	const char *p = rel;
	size_t len;
	char *c;
	while ((c = next_component(&p, &len))) {
		bool ok = safe_component(c);
		if (!ok)
			diag_error(d, shown, 0, _("invalid path component \"%.*s\""), (int)len, c);
		free(c);
		if (!ok) {
			free(shown);
			return -1;
		}
		n++;
	}
	free(shown);
	return n;
}

/* Walk rel below base; with create, make missing directories (mkdirat 0700
 * first, so nothing can open them before they get their owner and mode,
 * then fchown and fchmod on the opened fd, which cannot be a symlink). */
static int walk(const char *base, const char *rel, bool create, mode_t mode, uid_t uid,
		gid_t gid, struct diags *d)
{
	if (check_rel(base, rel, d) < 0)
		return -1;
	int fd = open_base(base, d);
	if (fd < 0 || rel == NULL)
		return fd;
	struct strbuf shown = STRBUF_INIT;
	sb_adds(&shown, base);
	const char *p = rel;
	size_t len;
	char *c;
	while ((c = next_component(&p, &len))) {
		if (shown.len == 0 || shown.buf[shown.len - 1] != '/')
			sb_addc(&shown, '/');
		sb_add(&shown, c, len);

		int nfd = openat(fd, c, DIR_FLAGS);
		bool created = false;
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, c, 0700) == 0)
				created = true;
			else if (errno != EEXIST) {
				diag_error(d, sb_str(&shown), 0, _("cannot create directory: %s"),
					   strerror(errno));
				goto fail;
			}
			nfd = openat(fd, c, DIR_FLAGS);
		}
		if (nfd < 0) {
			open_failed(fd, c, sb_str(&shown), errno, d);
			goto fail;
		}
		if (created) {
			if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(nfd, uid, gid) < 0) {
				diag_error(d, sb_str(&shown), 0, _("cannot set owner %ld:%ld: %s"),
					   (long)(int)uid, (long)(int)gid, strerror(errno));
				close(nfd);
				goto fail;
			}
			if (fchmod(nfd, mode & 07777) < 0) {
				diag_error(d, sb_str(&shown), 0, _("cannot set mode %04o: %s"),
					   (unsigned)(mode & 07777), strerror(errno));
				close(nfd);
				goto fail;
			}
		}
		close(fd);
		fd = nfd;
		free(c);
		continue;
fail:
		free(c);
		close(fd);
		sb_free(&shown);
		return -1;
	}
	sb_free(&shown);
	return fd;
}

int safe_open_dir(const char *base, const char *rel, struct diags *d)
{
	return walk(base, rel, false, 0, (uid_t)-1, (gid_t)-1, d);
}

int safe_mkdirs(const char *base, const char *rel, mode_t mode, uid_t uid, gid_t gid,
		struct diags *d)
{
	return walk(base, rel, true, mode, uid, gid, d);
}

int safe_make_maildir(const char *base, const char *rel, uid_t uid, gid_t gid,
		      struct diags *d)
{
	int n = check_rel(base, rel, d);
	if (n < 0)
		return -1;
	if (n == 0) {
		diag_error(d, base, 0, _("no Maildir path given below the base"));
		return -1;
	}
	int fd = walk(base, rel, true, 0700, uid, gid, d);
	if (fd < 0)
		return -1;
	static const char *const subs[] = { "cur", "new", "tmp" };
	char *top = join(base, rel);
	int rc = 0;
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		char *shown = xasprintf("%s%s%s", top, top[strlen(top) - 1] == '/' ? "" : "/", subs[i]);
		bool created = mkdirat(fd, subs[i], 0700) == 0;
		if (!created && errno != EEXIST) {
			diag_error(d, shown, 0, _("cannot create directory: %s"), strerror(errno));
			rc = -1;
		} else {
			/* An existing one must still be a real directory. */
			int sfd = openat(fd, subs[i], DIR_FLAGS);
			if (sfd < 0) {
				open_failed(fd, subs[i], shown, errno, d);
				rc = -1;
			} else {
				if (created && ((uid != (uid_t)-1 || gid != (gid_t)-1)
						&& fchown(sfd, uid, gid) < 0)) {
					diag_error(d, shown, 0, _("cannot set owner %ld:%ld: %s"),
						   (long)(int)uid, (long)(int)gid, strerror(errno));
					rc = -1;
				}
				if (rc == 0 && created && fchmod(sfd, 0700) < 0) {
					diag_error(d, shown, 0, _("cannot set mode %04o: %s"), 0700u,
						   strerror(errno));
					rc = -1;
				}
				close(sfd);
			}
		}
		free(shown);
	}
	free(top);
	close(fd);
	return rc;
}

/* Split rel into its parent (newly allocated, "" for none) and its last
 * component (pointing into rel, trailing slashes cut into *last_len). */
static char *split_last(const char *rel, const char **last, size_t *last_len)
{
	size_t n = strlen(rel);
	while (n > 0 && rel[n - 1] == '/')
		n--;
	size_t s = n;
	while (s > 0 && rel[s - 1] != '/')
		s--;
	*last = rel + s;
	*last_len = n - s;
	return xstrndup(rel, s);
}

int safe_rename(const char *base, const char *rel, const char *archive_base,
		const char *archive_rel, struct diags *d)
{
	int n1 = check_rel(base, rel, d);
	if (n1 < 0)
		return -1;
	int n2 = check_rel(archive_base, archive_rel, d);
	if (n2 < 0)
		return -1;
	if (n1 == 0 || n2 == 0) {
		diag_error(d, n1 == 0 ? base : archive_base, 0,
			   _("refusing to move the base directory itself"));
		return -1;
	}
	const char *l1, *l2;
	size_t len1, len2;
	char *p1 = split_last(rel, &l1, &len1), *p2 = split_last(archive_rel, &l2, &len2);
	char *name1 = xstrndup(l1, len1), *name2 = xstrndup(l2, len2);
	char *from = join(base, rel), *to = join(archive_base, archive_rel);
	int rc = -1, sfd = -1, dfd = -1;

	sfd = safe_open_dir(base, p1, d);
	if (sfd < 0)
		goto out;
	struct stat st;
	if (fstatat(sfd, name1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		diag_error(d, from, 0, _("cannot move: %s"), strerror(errno));
		goto out;
	}
	/* The archive's new parents belong to whoever owns what is moved
	 * (vmail for a Maildir), mode 0700 like the mail tree's own. */
	dfd = safe_mkdirs(archive_base, p2, 0700, st.st_uid, st.st_gid, d);
	if (dfd < 0)
		goto out;
	int r = renameat2(sfd, name1, dfd, name2, RENAME_NOREPLACE);
	if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
		/* A filesystem without RENAME_NOREPLACE: check, then rename
		 * (racy only against someone writing into the archive). */
		struct stat dst;
		if (fstatat(dfd, name2, &dst, AT_SYMLINK_NOFOLLOW) == 0) {
			errno = EEXIST;
			r = -1;
		} else {
			r = renameat(sfd, name1, dfd, name2);
		}
	}
	if (r < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			diag_error(d, to, 0, _("already exists; not replacing it with %s"), from);
		else if (errno == EXDEV)
			diag_error(d, to, 0,
				   _("is on another filesystem than %s; the archive must be on the same one"),
				   from);
		else
			diag_error(d, to, 0, _("cannot move %s here: %s"), from, strerror(errno));
		goto out;
	}
	if (fsync(dfd) < 0 && errno != EINVAL)
		diag_warn(d, to, 0, _("cannot sync directory: %s"), strerror(errno));
	if (fsync(sfd) < 0 && errno != EINVAL)
		diag_warn(d, from, 0, _("cannot sync directory: %s"), strerror(errno));
	rc = 0;
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	free(p1), free(p2), free(name1), free(name2), free(from), free(to);
	return rc;
}

/* Remove name (in directory at) and, if it is a directory, everything below it.
 * Never descends into another filesystem (a bind mount inside a Maildir
 * must not be emptied). */
static int remove_at(int at, const char *name, dev_t dev, int depth, struct strbuf *shown,
		     struct diags *d)
{
	size_t mark = shown->len;
	sb_addc(shown, '/');
	sb_adds(shown, name);
	int rc = -1;
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			rc = 0; /* gone meanwhile: that is what we wanted */
		else
			diag_error(d, sb_str(shown), 0, _("cannot remove: %s"), strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
			diag_error(d, sb_str(shown), 0, _("cannot remove: %s"), strerror(errno));
		else
			rc = 0;
		goto out;
	}
	if (st.st_dev != dev) {
		diag_error(d, sb_str(shown), 0, _("is another filesystem; not removing it"));
		goto out;
	}
	if (depth >= MAX_DEPTH) {
		diag_error(d, sb_str(shown), 0, _("too deeply nested; not removing it"));
		goto out;
	}
	int fd = openat(at, name, DIR_FLAGS);
	if (fd < 0) {
		open_failed(at, name, sb_str(shown), errno, d);
		goto out;
	}
	DIR *dp = fdopendir(fd);
	if (dp == NULL) {
		diag_error(d, sb_str(shown), 0, _("cannot read directory: %s"), strerror(errno));
		close(fd);
		goto out;
	}
	/* Names are collected first: deleting while readdir runs may make it
	 * skip entries. */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		xgrow(&names, &cap, n + 1, sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	bool ok = errno == 0;
	if (!ok)
		diag_error(d, sb_str(shown), 0, _("cannot read directory: %s"), strerror(errno));
	for (size_t i = 0; i < n; i++) {
		if (ok && remove_at(dirfd(dp), names[i], dev, depth + 1, shown, d) < 0)
			ok = false;
		free(names[i]);
	}
	free(names);
	closedir(dp);
	if (!ok)
		goto out;
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		diag_error(d, sb_str(shown), 0, _("cannot remove: %s"), strerror(errno));
	else
		rc = 0;
out:
	sb_truncate(shown, mark);
	return rc;
}

int safe_remove_tree(const char *base, const char *rel, struct diags *d)
{
	int n = check_rel(base, rel, d);
	if (n < 0)
		return -1;
	if (n == 0) {
		diag_error(d, base, 0, _("refusing to remove the base directory itself"));
		return -1;
	}
	const char *last;
	size_t len;
	char *parent = split_last(rel, &last, &len);
	char *name = xstrndup(last, len);
	int pfd = safe_open_dir(base, parent, d);
	int rc = -1;
	if (pfd >= 0) {
		struct stat st;
		if (fstat(pfd, &st) < 0) {
			diag_error(d, base, 0, _("cannot open directory: %s"), strerror(errno));
		} else {
			struct strbuf shown = STRBUF_INIT;
			char *p = join(base, parent);
			size_t pl = strlen(p);
			sb_add(&shown, p, pl && p[pl - 1] == '/' ? pl - 1 : pl);
			free(p);
			rc = remove_at(pfd, name, st.st_dev, 0, &shown, d);
			if (rc == 0 && fsync(pfd) < 0 && errno != EINVAL)
				diag_warn(d, sb_str(&shown), 0, _("cannot sync directory: %s"),
					  strerror(errno));
			sb_free(&shown);
		}
		close(pfd);
	}
	free(parent);
	free(name);
	return rc;
}

/* ---- files vmailadm may write ---------------------------------------- */

/* Account databases no table may be: a main.cf naming hash:/etc/passwd
 * must not get vmailadm to edit and postmap it. */
static const char *const system_files[] = { "/etc/passwd", "/etc/shadow", "/etc/group",
					    "/etc/gshadow", "/etc/sudoers", NULL };

/* rel when path is dir or lies beneath it ("" for dir itself), else NULL. */
static const char *beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	const char *rel = path + n;
	while (*rel == '/')
		rel++;
	return rel;
}

/* path (rel beneath dir): its parent directories opened from dir without
 * following a symlink, and the file itself a regular file or absent. */
static int check_beneath(const char *path, const char *dir, const char *rel, struct diags *d)
{
	const char *last;
	size_t len;
	char *parent = split_last(rel, &last, &len);
	char *name = xstrndup(last, len);
	int rc = -1;
	int fd = len ? safe_open_dir(dir, parent, d) : -1;
	if (!len)
		diag_error(d, path, 0, _("is a directory, not a file"));
	if (fd >= 0) {
		struct stat st;
		int r = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW);
		if (r < 0 && errno == ENOENT)
			rc = 0;
		else if (r < 0)
			diag_error(d, path, 0, _("cannot stat: %s"), strerror(errno));
		else if (S_ISLNK(st.st_mode))
			diag_error(d, path, 0, _("is a symbolic link; refusing to write through it"));
		else if (!S_ISREG(st.st_mode))
			diag_error(d, path, 0, _("is not a regular file; refusing to edit it"));
		else
			rc = 0;
		close(fd);
	}
	free(parent);
	free(name);
	return rc;
}

int safe_check_target(const char *path, const char *const dirs[], const char *const files[],
		      struct diags *d)
{
	if (path == NULL || path[0] != '/') {
		diag_error(d, path, 0, _("is not an absolute path; refusing to edit it"));
		return -1;
	}
	char *real = realpath(path, NULL);
	for (size_t i = 0; system_files[i]; i++)
		if (strcmp(path, system_files[i]) == 0 || (real && strcmp(real, system_files[i]) == 0)) {
			diag_error(d, path, 0, _("is a system file, not a mail table; refusing to edit it"));
			free(real);
			return -1;
		}
	free(real);
	/* A configured file is written where it is configured. */
	for (size_t i = 0; files && files[i]; i++) {
		if (strcmp(path, files[i]) != 0)
			continue;
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			diag_error(d, path, 0, _("is not a regular file; refusing to edit it"));
			return -1;
		}
		return 0;
	}
	/* Beneath a configured directory, as configured or as resolved (a top
	 * may be a symlink, followed once): nothing below it is followed. */
	for (size_t i = 0; dirs && dirs[i]; i++) {
		const char *rel = beneath(path, dirs[i]);
		if (rel)
			return check_beneath(path, dirs[i], rel, d);
		char *top = realpath(dirs[i], NULL);
		rel = top ? beneath(path, top) : NULL;
		int rc = rel ? check_beneath(path, top, rel, d) : 1;
		free(top);
		if (rc <= 0)
			return rc;
	}
	diag_error(d, path, 0, _("is outside %s; vmailadm edits only tables there and the configured passwd-file and aliases file"),
		   dirs && dirs[0] ? dirs[0] : "?");
	return -1;
}
