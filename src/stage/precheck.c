/* Before a commit changes anything, every maildir action it will run is
 * tried on paper: the same walk, one component at a time without
 * following symlinks, that safeopen.c does when it acts. Owns the answer
 * to "would this commit stop half-way?"; commit.c and the dry run ask it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/precheck.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* A new maildir needs its three directories (and maybe the domain's): a
 * few blocks and inodes. Less than this free and the commit would stop
 * with the maps already naming a mailbox that has no maildir. */
#define MIN_FREE_BYTES (1024L * 1024L)
#define MIN_FREE_INODES 16

const char *precheck_under(const char *base, const char *path)
{
	size_t n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	if (strncmp(path, base, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

enum probe { PROBE_DIR, PROBE_ABSENT, PROBE_BAD };

/* Walk base/rel as the commit will. PROBE_DIR: it is a directory;
 * PROBE_ABSENT: a component is missing; either way *fdp is the deepest
 * directory that exists (the caller closes it). PROBE_BAD: d says why. */
static enum probe probe(const char *base, const char *rel, int *fdp, enum diag_level level,
			struct diags *d)
{
	*fdp = -1;
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		diag_add(d, level, base, 0, _("cannot open the directory: %s"), strerror(errno));
		return PROBE_BAD;
	}
	struct strbuf shown = STRBUF_INIT;
	sb_adds(&shown, base);
	enum probe res = PROBE_DIR;
	for (const char *p = rel; *p && res == PROBE_DIR;) {
		size_t len = strcspn(p, "/");
		if (len == 0) {
			p++;
			continue;
		}
		char *name = xstrndup(p, len);
		p += len;
		sb_addf(&shown, "/%s", name);
		struct stat st;
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT) {
				res = PROBE_ABSENT;
			} else {
				diag_add(d, level, shown.buf, 0, _("cannot examine: %s"), strerror(errno));
				res = PROBE_BAD;
			}
		} else if (S_ISLNK(st.st_mode)) {
			diag_add(d, level, shown.buf, 0, _("is a symbolic link; refusing to follow it"));
			res = PROBE_BAD;
		} else if (!S_ISDIR(st.st_mode)) {
			diag_add(d, level, shown.buf, 0, _("is not a directory"));
			res = PROBE_BAD;
		} else {
			int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0) {
				diag_add(d, level, shown.buf, 0, _("cannot open the directory: %s"), strerror(errno));
				res = PROBE_BAD;
			} else {
				close(fd);
				fd = next;
			}
		}
		free(name);
	}
	sb_free(&shown);
	if (res == PROBE_BAD)
		close(fd);
	else
		*fdp = fd;
	return res;
}

/* Can a directory be made in fd (writable, not read-only, room left)? */
static int room_for_dirs(int fd, const char *shown, enum diag_level level, struct diags *d)
{
	struct statvfs vfs;
	if (fstatvfs(fd, &vfs) == 0) {
		if (vfs.f_flag & ST_RDONLY) {
			diag_add(d, level, shown, 0, _("is on a read-only filesystem"));
			return -1;
		}
		unsigned long long bytes = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
		if (bytes < MIN_FREE_BYTES || (vfs.f_files && vfs.f_favail < MIN_FREE_INODES)) {
			diag_add(d, level, shown, 0, _("no space left on its filesystem (%llu bytes, %llu inodes free)"),
				 bytes, (unsigned long long)vfs.f_favail);
			return -1;
		}
	}
	if (faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		diag_add(d, level, shown, 0, _("cannot create anything in it: %s"), strerror(errno));
		return -1;
	}
	return 0;
}

static dev_t fd_dev(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_dev : (dev_t)-1;
}

/* Files in new/ and cur/ of one folder (fd: its directory). */
static long count_folder(int fd)
{
	long n = 0;
	for (int k = 0; k < 2; k++) {
		int sfd = openat(fd, k ? "cur" : "new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *dp = sfd >= 0 ? fdopendir(sfd) : NULL;
		if (!dp) {
			if (sfd >= 0)
				close(sfd);
			continue;
		}
		struct dirent *m;
		while ((m = readdir(dp)) != NULL)
			n += m->d_name[0] != '.';
		closedir(dp);
	}
	return n;
}

long precheck_count_messages(const char *base, const char *rel)
{
	int fd = -1;
	struct diags d = DIAGS_INIT;
	enum probe pr = probe(base, rel, &fd, DIAG_NOTE, &d);
	diags_free(&d);
	if (pr != PROBE_DIR) {
		if (fd >= 0)
			close(fd);
		return pr == PROBE_ABSENT ? 0 : -1;
	}
	/* The inbox, then every folder (".Name", Maildir++). */
	long n = count_folder(fd);
	int dfd = dup(fd);
	DIR *top = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	while (top && (de = readdir(top)) != NULL) {
		if (de->d_name[0] != '.' || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int ffd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ffd >= 0) {
			n += count_folder(ffd);
			close(ffd);
		}
	}
	if (top)
		closedir(top);
	else if (dfd >= 0)
		close(dfd);
	close(fd);
	return n;
}

/* The maildir of action a probed (probe), *relp its path below base;
 * PROBE_BAD, said, when it is not below base. */
static enum probe probe_action(const char *base, const struct action *a, const char **relp,
			       int *fdp, enum diag_level level, struct diags *d)
{
	*fdp = -1;
	*relp = precheck_under(base, a->path);
	if (!*relp) {
		diag_add(d, level, a->path, 0, _("maildir is not under virtual_mailbox_base %s: refused"), base);
		return PROBE_BAD;
	}
	return probe(base, *relp, fdp, level, d);
}

/* A maildir to create: absent, its parents makeable, room for it. */
static int check_create(const char *base, const struct action *a, enum diag_level level,
			struct diags *d)
{
	const char *rel;
	int fd;
	enum probe pr = probe_action(base, a, &rel, &fd, level, d);
	int rc = 0;
	if (pr == PROBE_DIR) {
		diag_add(d, level, a->path, 0, _("exists already (%ld messages): a new mailbox would take its mail"),
			 precheck_count_messages(base, rel));
		rc = -1;
	} else if (pr == PROBE_ABSENT) {
		rc = room_for_dirs(fd, a->path, level, d);
	} else {
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* archive_dir itself: it may be a symlink (a top the admin configured);
 * made 0700 when missing and `create`, else its parent must allow it. */
static int check_archive_top(const struct config *cfg, bool create, dev_t *dev, enum diag_level level,
			     struct diags *d)
{
	struct stat st;
	if (stat(cfg->archive_dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			diag_add(d, level, cfg->archive_dir, 0, _("archive_dir is not a directory"));
			return -1;
		}
		*dev = st.st_dev;
		return 0;
	}
	if (errno != ENOENT) {
		diag_add(d, level, cfg->archive_dir, 0, _("cannot examine archive_dir: %s"), strerror(errno));
		return -1;
	}
	if (create) {
		if (mkdir(cfg->archive_dir, 0700) < 0 && errno != EEXIST) {
			diag_add(d, level, cfg->archive_dir, 0, _("cannot create archive_dir: %s"), strerror(errno));
			return -1;
		}
		return check_archive_top(cfg, false, dev, level, d);
	}
	char *parent = xstrdup(cfg->archive_dir);
	char *slash = strrchr(parent, '/');
	if (slash)
		*(slash == parent ? slash + 1 : slash) = '\0';
	int rc = 0;
	int fd = open(slash ? parent : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		diag_add(d, level, cfg->archive_dir, 0, _("archive_dir cannot be created: %s: %s"), parent,
			 strerror(errno));
		rc = -1;
	} else {
		rc = room_for_dirs(fd, parent, level, d);
		*dev = fd_dev(fd);
		close(fd);
	}
	free(parent);
	return rc;
}

/* A maildir to archive (from the base) or restore (from the archive): the
 * source a directory or absent (nothing to archive), the other end free,
 * both ends on one filesystem (it is a rename). */
static int check_move(const struct config *cfg, const char *base, const struct action *a, bool create,
		      enum diag_level level, struct diags *d)
{
	bool restore = a->kind == ACT_MAILDIR_RESTORE;
	const char *mpath = restore ? a->target : a->path, *apath = restore ? a->path : a->target;
	const char *rel = precheck_under(base, mpath);
	const char *arel = precheck_under(cfg->archive_dir, apath);
	if (!rel || !arel) {
		diag_add(d, level, mpath, 0, _("maildir is not under virtual_mailbox_base %s nor archive_dir %s: refused"),
			 base, cfg->archive_dir);
		return -1;
	}
	dev_t adev = (dev_t)-1;
	if (check_archive_top(cfg, create, &adev, level, d) < 0)
		return -1;
	int mfd, afd = -1;
	enum probe mp = probe(base, rel, &mfd, level, d);
	if (mp == PROBE_BAD)
		return -1;
	dev_t mdev = fd_dev(mfd);
	close(mfd);
	int rc = 0;
	enum probe ap = PROBE_ABSENT;
	struct stat st;
	if (stat(cfg->archive_dir, &st) == 0)
		ap = probe(cfg->archive_dir, arel, &afd, level, d);
	if (ap == PROBE_BAD)
		rc = -1;
	else if (afd >= 0)
		adev = fd_dev(afd);
	if (rc == 0 && !restore && mp == PROBE_ABSENT)
		rc = 0; /* nothing to archive: the plan says so at commit time */
	else if (rc == 0 && !restore && ap == PROBE_DIR) {
		diag_add(d, level, apath, 0, _("already exists; not replacing it with %s"), mpath);
		rc = -1;
	} else if (rc == 0 && restore && ap != PROBE_DIR) {
		diag_add(d, level, apath, 0, _("the archived maildir is gone: %s cannot be moved back"), mpath);
		rc = -1;
	} else if (rc == 0 && restore && mp == PROBE_DIR) {
		diag_add(d, level, mpath, 0, _("%s exists again: the archived maildir %s is left where it is"),
			 mpath, apath);
		rc = -1;
	} else if (rc == 0 && mdev != adev) {
		diag_add(d, level, cfg->archive_dir, 0,
			 _("archive_dir is on another filesystem than the mail base %s: a maildir is moved by renaming it, so the archive must be on the same filesystem"),
			 base);
		rc = -1;
	}
	if (afd >= 0)
		close(afd);
	return rc;
}

/* A maildir to rename (mailbox rename): both places under the base, the
 * source a directory or absent (no mail yet: nothing to move), the new
 * place free, on the filesystem of the source (a missing domain directory
 * is made by the move). */
static int check_rename(const char *base, const struct action *a, enum diag_level level,
			struct diags *d)
{
	const char *rel = precheck_under(base, a->path), *nrel = precheck_under(base, a->target);
	if (!rel || !nrel) {
		diag_add(d, level, rel ? a->target : a->path, 0, _("maildir is not under virtual_mailbox_base %s: refused"),
			 base);
		return -1;
	}
	int fd, nfd;
	enum probe mp = probe(base, rel, &fd, level, d);
	if (mp == PROBE_BAD)
		return -1;
	dev_t mdev = fd_dev(fd);
	close(fd);
	enum probe np = probe(base, nrel, &nfd, level, d);
	if (np == PROBE_BAD)
		return -1;
	dev_t ndev = fd_dev(nfd);
	int rc = 0;
	if (np == PROBE_DIR) {
		diag_add(d, level, a->target, 0, _("already exists; not replacing it with %s"), a->path);
		rc = -1;
	} else if (mp == PROBE_DIR && mdev != ndev) {
		diag_add(d, level, a->target, 0, _("is on another filesystem than %s: a maildir is moved by renaming it"),
			 a->path);
		rc = -1;
	} else if (mp == PROBE_DIR) {
		rc = room_for_dirs(nfd, a->target, level, d);
	}
	close(nfd);
	return rc;
}

/* A maildir to delete: a directory or already gone, never a symlink. */
static int check_purge(const char *base, const struct action *a, enum diag_level level,
		       struct diags *d)
{
	const char *rel;
	int fd;
	enum probe pr = probe_action(base, a, &rel, &fd, level, d);
	if (fd >= 0)
		close(fd);
	return pr == PROBE_BAD ? -1 : 0;
}

int precheck_plan(const struct config *cfg, const struct plan *p, const char *base, bool create,
		  enum diag_level level, struct diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		int r = 0;
		switch (a->kind) {
		case ACT_MAILDIR_CREATE:
			r = check_create(base, a, level, d);
			break;
		case ACT_MAILDIR_ARCHIVE:
		case ACT_MAILDIR_RESTORE:
			r = check_move(cfg, base, a, create, level, d);
			break;
		case ACT_MAILDIR_PURGE:
			r = check_purge(base, a, level, d);
			break;
		case ACT_MAILDIR_RENAME:
			r = check_rename(base, a, level, d);
			break;
		default:
			break;
		}
		if (r < 0)
			rc = -1;
	}
	return rc;
}

/* Only files of the configured places are written (issue 10): a table
 * main.cf names elsewhere (hash:/etc/passwd), or reached through a symlink
 * below the Postfix directory, stops the commit before anything changes. */
int precheck_targets(const struct config *cfg, const struct plan *p, struct diags *d)
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
	/* a file a rollback removes (file remove) */
	for (size_t i = 0; i < p->nactions; i++)
		if (p->actions[i].kind == ACT_FILE_REMOVE && safe_check_target(p->actions[i].path, dirs, files, d) < 0)
			rc = -1;
	return rc;
}
