/* The one way vmailadm writes a file: a temporary file in the same
 * directory, created with the final owner, group and mode (never readable by
 * others even for an instant), written, fsynced, renamed over the target,
 * then the directory fsynced (Postfix edit_file, DESIGN.md convention 6). */
#ifndef VMAILADM_ATOMICIO_H
#define VMAILADM_ATOMICIO_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct file_owner {
	uid_t uid;
	gid_t gid;
	mode_t mode;   /* permission bits */
};

/* Write data to path atomically. The new file takes owner, group and mode
 * from the existing file, else from *fallback (NULL: the process's own ids
 * and 0644 & ~umask). ensure_new_mtime: make sure the new file's mtime second
 * differs from the old one's (Dovecot and Postfix detect changes by whole
 * seconds, reference §4.4). Either way the mtime is 1 ns before the kernel's
 * date of the write, a date no later write can give the file, so that any
 * later write changes its identity (see digestcache). On error nothing is
 * changed and a diagnostic names the file. */
int atomic_write(const char *path, const void *data, size_t len,
		 const struct file_owner *fallback, bool ensure_new_mtime, struct diags *d);

/* The same without any fsync, for a cache or a scratch copy that is only
 * worth a little time: after a crash the file may be the old one, the new
 * one, or empty. */
int atomic_write_unsynced(const char *path, const void *data, size_t len,
			  const struct file_owner *fallback, bool ensure_new_mtime,
			  struct diags *d);

/* The same steps one by one, for a commit that writes several files, syncs
 * them while a program runs and renames them later. */
struct atomic_temp {
	char *target;
	char *path;       /* TARGET.vmailadm-XXXXXX; NULL once renamed */
	int fd;           /* open until atomic_temp_sync */
	struct stat st;   /* of the written file (its final size and mtime) */
	bool unique_mtime;  /* no later write can give the file this mtime
			     * (false where the filesystem dates to the second) */
};
/* Create the temporary file beside path and write data: owner, group and
 * mode as atomic_write gives them, the mtime too; not synced yet. On error
 * nothing is left and t needs no discard. */
int atomic_temp_write(const char *path, const void *data, size_t len,
		      const struct file_owner *fallback, bool ensure_new_mtime, struct atomic_temp *t,
		      struct diags *d);
/* fsync and close it (a no-op the second time). */
int atomic_temp_sync(struct atomic_temp *t, struct diags *d);
/* Sync (when not yet done) and rename it over the target. The directory is
 * not synced: atomic_fsync_parent, once for every directory, before relying on it. */
int atomic_temp_rename(struct atomic_temp *t, struct diags *d);
/* Remove the temporary file unless it was renamed; free t's strings. */
void atomic_temp_discard(struct atomic_temp *t);

/* Remove from dir the temporary files a crash left: NAME.vmailadm-XXXXXX,
 * followed by nothing or by one of suffixes (NULL-terminated, may be NULL;
 * ".db" for a map built from such a file). Only call it when no other
 * vmailadm can be writing there (the commit lock). Appends each path
 * removed, one a line, to removed (may be NULL). Returns how many, or -1
 * when dir cannot be read (a missing dir has none). */
int atomic_remove_leftovers(const char *dir, const char *const suffixes[], struct strbuf *removed);

/* rename(from, to) followed by an fsync of to's directory. */
int atomic_rename(const char *from, const char *to, struct diags *d);

/* fsync the directory that holds path. */
int atomic_fsync_parent(const char *path, struct diags *d);

#endif
