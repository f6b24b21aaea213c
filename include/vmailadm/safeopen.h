/* Opening and creating under a directory without following symlinks: every
 * path under the mail base or the archive goes through here (openat with
 * O_NOFOLLOW one component at a time; Postfix safe_open). */
#ifndef VMAILADM_SAFEOPEN_H
#define VMAILADM_SAFEOPEN_H
#include <stdbool.h>
#include <sys/types.h>

#include "vmailadm/diag.h"

/* Is name usable as one path component: not empty, not "." or "..", no '/',
 * no NUL, no control bytes. */
bool safe_component(const char *name);

/* Open the directory base (an absolute path, opened normally: it is the
 * admin's) and then each '/'-separated component of rel beneath it with
 * O_DIRECTORY|O_NOFOLLOW. Repeated and trailing slashes are allowed (vmailbox
 * paths end in '/'); NULL or "" gives base itself. Rejects "..", ".",
 * control bytes, an absolute rel and symlinks ("is a symbolic link; refusing
 * to follow it"). Returns an O_CLOEXEC fd (caller closes) or -1 with a
 * diagnostic naming base/rel up to the offending component. */
int safe_open_dir(const char *base, const char *rel, struct diags *d);

/* Like safe_open_dir, but create missing components with mode and owner
 * (mkdirat 0700, then fchown + fchmod on the directory opened O_NOFOLLOW, so
 * the mode is exact whatever the umask); an owner of -1 keeps the process's.
 * Existing components are not changed. */
int safe_mkdirs(const char *base, const char *rel, mode_t mode, uid_t uid, gid_t gid,
		struct diags *d);

/* Create a Maildir (rel/{cur,new,tmp}) under base, mode 0700, owned by
 * uid:gid. Missing parents (the domain directory) are created the same way,
 * 0700 uid:gid, as Postfix virtual(8) and Dovecot do. Existing directories
 * are left as they are (only checked to be real directories). Returns 0 or
 * -1 with a diagnostic. */
int safe_make_maildir(const char *base, const char *rel, uid_t uid, gid_t gid,
		      struct diags *d);

/* Move base/rel to archive_base/archive_rel (renameat2 RENAME_NOREPLACE, no
 * copy; both must be on one filesystem: EXDEV is reported as such), creating
 * the archive's missing parent directories 0700, owned like the moved
 * entry. An existing archive_rel is never replaced. Returns 0 or -1. */
int safe_rename(const char *base, const char *rel, const char *archive_base,
		const char *archive_rel, struct diags *d);

/* Delete base/rel recursively by walking from directory fds with unlinkat,
 * never following symlinks (a symlink is removed, not followed) and never
 * entering another filesystem. A missing base/rel is not an error; rel must
 * not be empty. Returns 0 or -1 (stops at the first failure). */
int safe_remove_tree(const char *base, const char *rel, struct diags *d);

/* May vmailadm write the file path (issue 10)? Yes when it is one of files
 * (NULL-terminated, may be NULL: the configured passwd-file and aliases
 * file), or lies beneath one of dirs (NULL-terminated: the Postfix
 * configuration directory), with no symlink below that directory (which may
 * itself be one, as configured), and is a regular file or absent. Never an
 * account database (/etc/passwd, /etc/shadow...) nor a relative path.
 * Returns 0, or -1 with an error naming path and why. */
int safe_check_target(const char *path, const char *const dirs[], const char *const files[],
		      struct diags *d);

#endif
