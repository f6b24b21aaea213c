/* The SHA-256 digests of the files a commit wrote, remembered by each
 * file's identity (device, inode, size, mtime and ctime to the nanosecond)
 * in the state directory, so that the next commit need not hash them
 * again: the "sha256 before" of a file still as written comes from here,
 * and its "sha256 after" resumes from the SHA-256 state saved at the last
 * mark (every DIGEST_STRIDE bytes) before its first changed byte. The
 * digests only feed the journal and the audit trail, never a security
 * decision; anything odd (missing, malformed, another owner, a different
 * identity) and the bytes are hashed. */
#ifndef VMAILADM_DIGESTCACHE_H
#define VMAILADM_DIGESTCACHE_H
#include <stddef.h>
#include <sys/stat.h>

#include "vmailadm/diag.h"
#include "vmailadm/sha256.h"

#define DIGEST_STRIDE ((size_t)1 << 20)

struct file_digest {
	char sha[65];
	struct sha256_state *marks;  /* marks[i]: the state after (i + 1) strides */
	size_t nmarks;
};

/* The digest of data, with its marks. */
void digestcache_file_compute(const void *data, size_t len, struct file_digest *out);
/* The digest of cur, the new version of old whose digest (with marks) is
 * old_dg: the strides cur shares with old from the start keep old's marks,
 * and only the rest of cur is hashed. */
void digestcache_file_update(const struct file_digest *old_dg, const void *old, size_t old_len,
			     const void *cur, size_t cur_len, struct file_digest *out);
/* The same when the first `shared` bytes of cur are known to be old's
 * (old's bytes need not be at hand). */
void digestcache_file_resume(const struct file_digest *old_dg, size_t old_len, size_t shared,
			     const void *cur, size_t cur_len, struct file_digest *out);
void digestcache_file_free(struct file_digest *dg);

struct digest_cache;

/* Read the cache at path; an empty cache when it is missing, not a regular
 * file owned by us and writable by us alone, or malformed. */
struct digest_cache *digestcache_load(const char *path);
/* The digest recorded for path when st is the identity recorded with it. */
const struct file_digest *digestcache_find(const struct digest_cache *c, const char *path,
					   const struct stat *st);
/* Record dg (copied) for path with identity st, replacing what path had.
 * st must be the identity of the file holding exactly the bytes digested,
 * taken when no later write could leave it unchanged: a file atomicio wrote
 * with an mtime no later write gives (atomic_temp.unique_mtime) and still
 * carrying that mtime. Paths with a newline are not recorded. */
void digestcache_put(struct digest_cache *c, const char *path, const struct stat *st,
		     const struct file_digest *dg);
/* Forget what path had. */
void digestcache_forget(struct digest_cache *c, const char *path);
/* Write the cache to path (0600, atomically, not synced). */
int digestcache_save(const struct digest_cache *c, const char *path, struct diags *d);
void digestcache_free(struct digest_cache **cp);

#endif
