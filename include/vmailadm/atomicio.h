/* The one way vmailadm writes a file: a temporary file in the same
 * directory, created with the final owner, group and mode (never readable by
 * others even for an instant), written, fsynced, renamed over the target,
 * then the directory fsynced (Postfix edit_file, DESIGN.md convention 6). */
#ifndef VMAILADM_ATOMICIO_H
#define VMAILADM_ATOMICIO_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vmailadm/diag.h"

struct file_owner {
	uid_t uid;
	gid_t gid;
	mode_t mode;   /* permission bits */
};

/* Write data to path atomically. The new file takes owner, group and mode
 * from the existing file, else from *fallback (NULL: the process's own ids
 * and 0644 & ~umask). ensure_new_mtime: make sure the new file's mtime second
 * differs from the old one's (Dovecot and Postfix detect changes by whole
 * seconds, reference §4.4). On error nothing is changed and a diagnostic
 * names the file. */
int atomic_write(const char *path, const void *data, size_t len,
		 const struct file_owner *fallback, bool ensure_new_mtime, struct diags *d);

/* The same, but leave the result at a fresh temporary name in the target's
 * directory instead of renaming it: *tmp_path gets that name (caller frees).
 * The commit uses this to run postmap on the new source before renaming. */
int atomic_write_temp(const char *path, const void *data, size_t len,
		      const struct file_owner *fallback, char **tmp_path, struct diags *d);

/* rename(from, to) followed by an fsync of to's directory. */
int atomic_rename(const char *from, const char *to, struct diags *d);

/* fsync the directory that holds path. */
int fsync_parent(const char *path, struct diags *d);

#endif
