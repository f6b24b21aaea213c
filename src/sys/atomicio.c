/* The one way vmailadm writes a file: a temporary file beside the target,
 * given the final owner and mode before any byte is written, fsynced,
 * renamed over the target, and the directory fsynced. On any error the
 * temporary file is removed and the target is left as it was. */
#include "config.h"

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

int fsync_parent(const char *path, struct diags *d)
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

/* Everything up to (not including) the rename. On success *tmp_path is the
 * fully written and fsynced temporary file; on failure nothing is left. */
static int write_temp(const char *path, const void *data, size_t len,
		      const struct file_owner *fallback, bool ensure_new_mtime, char **tmp_path,
		      struct diags *d)
{
	*tmp_path = NULL;
	struct stat old;
	bool have_old = false;
	if (lstat(path, &old) == 0) {
		/* rename would replace the link itself with a file, silently
		 * cutting the admin's link to wherever the real file lives. */
		if (S_ISLNK(old.st_mode)) {
			diag_error(d, path, 0,
				   _("is a symbolic link; refusing to replace it (name the real file)"));
			return -1;
		}
		if (!S_ISREG(old.st_mode)) {
			diag_error(d, path, 0, _("is not a regular file"));
			return -1;
		}
		have_old = true;
	} else if (errno != ENOENT) {
		diag_error(d, path, 0, _("cannot write: %s"), strerror(errno));
		return -1;
	}

	struct file_owner want;
	if (have_old)
		want = (struct file_owner){ old.st_uid, old.st_gid, old.st_mode & 07777 };
	else if (fallback)
		want = *fallback;
	else
		want = (struct file_owner){ geteuid(), getegid(), 0644 & ~current_umask() };

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
	/* Dovecot notices a changed passwd-file by mtime second and size only
	 * (reference §4.4). Rather than sleep into the next second, the new
	 * file is dated one second after the old one when they would clash:
	 * at most a second in the future, and no commit is ever delayed. */
	if (ensure_new_mtime && have_old) {
		if (fstat(fd, &st) < 0) {
			what = _("cannot write: %s");
			goto fail;
		}
		if (st.st_mtim.tv_sec == old.st_mtim.tv_sec) {
			struct timespec ts[2] = { { 0, UTIME_OMIT }, { old.st_mtim.tv_sec + 1, 0 } };
			if (futimens(fd, ts) < 0) {
				what = _("cannot set the modification time: %s");
				goto fail;
			}
		}
	}
	/* Write errors (ENOSPC, EIO, quota) may surface only here. */
	if (fsync(fd) < 0) {
		what = _("cannot write: %s");
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		what = _("cannot write: %s");
		goto fail;
	}
	*tmp_path = tmp;
	return 0;

fail:
	err = errno;
	diag_error(d, path, 0, what, strerror(err));
cleanup:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int atomic_write(const char *path, const void *data, size_t len,
		 const struct file_owner *fallback, bool ensure_new_mtime, struct diags *d)
{
	char *tmp;
	if (write_temp(path, data, len, fallback, ensure_new_mtime, &tmp, d) < 0)
		return -1;
	if (rename(tmp, path) < 0) {
		diag_error(d, path, 0, _("cannot replace: %s"), strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	/* The new content is in place; a failing directory sync only means it
	 * might not survive a crash, so it is reported, not undone. */
	struct diags sd = DIAGS_INIT;
	if (fsync_parent(path, &sd) < 0) {
		for (size_t i = 0; i < sd.n; i++)
			sd.v[i].level = DIAG_WARNING;
	}
	diags_take(d, &sd);
	diags_free(&sd);
	return 0;
}

int atomic_write_temp(const char *path, const void *data, size_t len,
		      const struct file_owner *fallback, char **tmp_path, struct diags *d)
{
	return write_temp(path, data, len, fallback, false, tmp_path, d);
}

int atomic_rename(const char *from, const char *to, struct diags *d)
{
	if (rename(from, to) < 0) {
		diag_error(d, to, 0, _("cannot rename %s to it: %s"), from, strerror(errno));
		return -1;
	}
	int rc = fsync_parent(to, d);
	char *a = dir_of(from), *b = dir_of(to);
	if (strcmp(a, b) != 0 && fsync_parent(from, d) < 0)
		rc = -1;
	free(a);
	free(b);
	return rc;
}
