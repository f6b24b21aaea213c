/* The one way vmailadm writes a file: a temporary file beside the target,
 * given the final owner and mode before any byte is written, fsynced,
 * renamed over the target, and the directory fsynced. On any error the
 * temporary file is removed and the target is left as it was. The steps
 * are also offered one by one (atomic_temp_*), for a commit that writes
 * several files, syncs them while a program runs, and renames them later. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "vmailadm/atomicio.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* Temporary names are "TARGET.vmailadm-XXXXXX": visible in `ls`, so that a
 * leftover from a crash (it may hold password hashes) is noticed, and easy
 * to tell from the admin's own files. */
#define TMP_SUFFIX ".vmailadm-XXXXXX"

static mode_t current_umask(void)
{
	mode_t m = umask(022);
	umask(m);
	return m;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int atomic_fsync_parent(const char *path, struct diags *d)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;
	/* Some filesystems cannot fsync a directory (EINVAL): nothing more can
	 * be done there, and the rename itself succeeded. */
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL)) {
		diag_error(d, path, 0, _("cannot sync directory %s: %s"), dir, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The kernel dates a write with the current time, from a clock that may
 * tick only every few milliseconds: a second write within the same tick
 * would leave the same mtime. So the new file is dated 1 ns before the
 * kernel's own date of our write, a time no later write can give it (they
 * are dated now or later): whoever remembers the file by its identity
 * (size, mtime, ctime) sees any later write, even in the same tick. */
static struct timespec stamp_before(struct timespec t)
{
	if (t.tv_nsec > 0) {
		t.tv_nsec--;
	} else {
		t.tv_sec--;
		t.tv_nsec = 999999999;
	}
	return t;
}

/* The owner and mode the new file at path gets: the old file's, else
 * fallback's, else ours under the umask. *old gets the old file's status,
 * *have_old whether there is one. -1 (said in d) when path is a link, not
 * a regular file, or cannot be looked at. */
static int atomic_target_owner(const char *path, const struct file_owner *fallback,
			       struct stat *old, bool *have_old, struct file_owner *want,
			       struct diags *d)
{
	*have_old = false;
	if (lstat(path, old) == 0) {
		/* rename would replace the link itself with a file, silently
		 * cutting the admin's link to wherever the real file lives. */
		if (S_ISLNK(old->st_mode)) {
			diag_error(d, path, 0,
				   _("is a symbolic link; refusing to replace it (name the real file)"));
			return -1;
		}
		if (!S_ISREG(old->st_mode)) {
			diag_error(d, path, 0, _("is not a regular file"));
			return -1;
		}
		*have_old = true;
	} else if (errno != ENOENT) {
		diag_error(d, path, 0, _("cannot write: %s"), strerror(errno));
		return -1;
	}
	if (*have_old)
		*want = (struct file_owner){ old->st_uid, old->st_gid, old->st_mode & 07777 };
	else if (fallback)
		*want = *fallback;
	else
		*want = (struct file_owner){ geteuid(), getegid(), 0644 & ~current_umask() };
	return 0;
}

int atomic_temp_write(const char *path, const void *data, size_t len,
		      const struct file_owner *fallback, bool ensure_new_mtime, struct atomic_temp *t,
		      struct diags *d)
{
	*t = (struct atomic_temp){ .fd = -1 };
	struct stat old;
	bool have_old;
	struct file_owner want;
	if (atomic_target_owner(path, fallback, &old, &have_old, &want, d) < 0)
		return -1;

	char *tmp = xasprintf("%s%s", path, TMP_SUFFIX);
	/* mkostemp: O_CREAT|O_EXCL, mode 0600, so nobody else can open it
	 * before it has its final owner and mode. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		diag_error(d, path, 0, _("cannot create a temporary file beside it: %s"),
			   strerror(errno));
		free(tmp);
		return -1;
	}

	struct stat st;
	const char *what = NULL;
	int err = 0;
	if (fstat(fd, &st) < 0) {
		what = _("cannot write: %s");
		goto fail;
	}
	/* Owner first: chown clears set-id bits, so the mode comes after. An
	 * owner we cannot give (not root) is an error: a passwd-file quietly
	 * changing hands would break Dovecot or expose it. */
	if ((st.st_uid != want.uid || st.st_gid != want.gid) && fchown(fd, want.uid, want.gid) < 0) {
		err = errno;
		diag_error(d, path, 0, _("cannot give the new file owner %lu:%lu: %s"),
			   (unsigned long)want.uid, (unsigned long)want.gid, strerror(err));
		goto cleanup;
	}
	if (fchmod(fd, want.mode & 07777) < 0) {
		err = errno;
		diag_error(d, path, 0, _("cannot give the new file mode %04o: %s"),
			   (unsigned)(want.mode & 07777), strerror(err));
		goto cleanup;
	}
	if (write_all(fd, data, len) < 0) {
		what = _("cannot write: %s");
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		what = _("cannot write: %s");
		goto fail;
	}
	/* A filesystem that dates to the second only (st_mtim.tv_nsec 0) dates
	 * a later write in the same second alike: no promise then. */
	bool unique = st.st_mtim.tv_nsec != 0;
	struct timespec mtime = stamp_before(st.st_mtim);
	/* Dovecot notices a changed passwd-file by mtime second and size only
	 * (reference §4.4). Rather than sleep into the next second, the new
	 * file is dated one second after the old one when they would clash:
	 * at most a second in the future, and no commit is ever delayed. */
	if (ensure_new_mtime && have_old && mtime.tv_sec == old.st_mtim.tv_sec)
		mtime = (struct timespec){ old.st_mtim.tv_sec + 1, 0 };
	struct timespec ts[2] = { { 0, UTIME_OMIT }, mtime };
	if (futimens(fd, ts) < 0 || fstat(fd, &st) < 0) {
		what = _("cannot set the modification time: %s");
		goto fail;
	}
	t->target = xstrdup(path);
	t->path = tmp;
	t->fd = fd;
	t->st = st;
	t->unique_mtime = unique;
	return 0;

fail:
	err = errno;
	diag_error(d, path, 0, what, strerror(err));
cleanup:
	close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int atomic_temp_sync(struct atomic_temp *t, struct diags *d)
{
	if (t->fd < 0)
		return 0;
	/* Write errors (ENOSPC, EIO, quota) may surface only here. */
	int rc = fsync(t->fd);
	int err = errno;
	if (close(t->fd) < 0 && rc == 0) {
		rc = -1;
		err = errno;
	}
	t->fd = -1;
	if (rc < 0) {
		diag_error(d, t->target, 0, _("cannot write: %s"), strerror(err));
		return -1;
	}
	return 0;
}

int atomic_temp_rename(struct atomic_temp *t, struct diags *d)
{
	if (atomic_temp_sync(t, d) < 0)
		return -1;
	if (rename(t->path, t->target) < 0) {
		diag_error(d, t->target, 0, _("cannot replace: %s"), strerror(errno));
		return -1;
	}
	free(t->path);
	t->path = NULL;
	return 0;
}

void atomic_temp_discard(struct atomic_temp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->path)
		unlink(t->path);
	free(t->path);
	free(t->target);
	*t = (struct atomic_temp){ .fd = -1 };
}

int atomic_write(const char *path, const void *data, size_t len,
		 const struct file_owner *fallback, bool ensure_new_mtime, struct diags *d)
{
	struct atomic_temp t;
	if (atomic_temp_write(path, data, len, fallback, ensure_new_mtime, &t, d) < 0)
		return -1;
	if (atomic_temp_rename(&t, d) < 0) {
		atomic_temp_discard(&t);
		return -1;
	}
	atomic_temp_discard(&t);
	/* The new content is in place; a failing directory sync only means it
	 * might not survive a crash, so it is reported, not undone. */
	struct diags sd = DIAGS_INIT;
	if (atomic_fsync_parent(path, &sd) < 0) {
		for (size_t i = 0; i < sd.n; i++)
			sd.v[i].level = DIAG_WARNING;
	}
	diags_take(d, &sd);
	diags_free(&sd);
	return 0;
}

int atomic_write_unsynced(const char *path, const void *data, size_t len,
			  const struct file_owner *fallback, bool ensure_new_mtime,
			  struct diags *d)
{
	struct atomic_temp t;
	if (atomic_temp_write(path, data, len, fallback, ensure_new_mtime, &t, d) < 0)
		return -1;
	close(t.fd);
	t.fd = -1;
	int rc = rename(t.path, path);
	if (rc < 0)
		diag_error(d, path, 0, _("cannot replace: %s"), strerror(errno));
	else
		xfree(&t.path);
	atomic_temp_discard(&t);
	return rc;
}

int atomic_rename(const char *from, const char *to, struct diags *d)
{
	if (rename(from, to) < 0) {
		diag_error(d, to, 0, _("cannot rename %s to it: %s"), from, strerror(errno));
		return -1;
	}
	int rc = atomic_fsync_parent(to, d);
	char *a = dir_of(from), *b = dir_of(to);
	if (strcmp(a, b) != 0 && atomic_fsync_parent(from, d) < 0)
		rc = -1;
	free(a);
	free(b);
	return rc;
}

/* NAME is BASE + ".vmailadm-" + the six letters or digits mkostemp picks,
 * then nothing or one of suffixes. */
static bool is_leftover(const char *name, const char *const suffixes[])
{
	static const char mark[] = ".vmailadm-";
	for (const char *m = strstr(name, mark); m; m = strstr(m + 1, mark)) {
		if (m == name)
			continue;
		const char *x = m + sizeof mark - 1;
		size_t n = 0;
		while (n < 6 && ((x[n] >= 'a' && x[n] <= 'z') || (x[n] >= 'A' && x[n] <= 'Z') ||
				 (x[n] >= '0' && x[n] <= '9')))
			n++;
		if (n < 6)
			continue;
		if (x[6] == '\0')
			return true;
		for (size_t i = 0; suffixes && suffixes[i]; i++)
			if (strcmp(x + 6, suffixes[i]) == 0)
				return true;
	}
	return false;
}

int atomic_remove_leftovers(const char *dir, const char *const suffixes[], struct strbuf *removed)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	DIR *dp = fdopendir(dfd);
	if (!dp) {
		close(dfd);
		return -1;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dp)) != NULL) {
		if (!is_leftover(de->d_name, suffixes))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0) {
			n++;
			if (removed)
				sb_addf(removed, "%s/%s\n", dir, de->d_name);
		}
	}
	closedir(dp);
	return n;
}
