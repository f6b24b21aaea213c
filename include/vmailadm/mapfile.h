/* Reading a large file through a read-only mapping: no page is zeroed or
 * copied (a 23 MB passwd-file: ~2 ms instead of 10-20 ms through read(2)
 * into fresh memory on these VMs). A file that someone truncates while it
 * is mapped raises SIGBUS when a page past its new end is touched:
 * mapfile_try() runs a reader with that signal turned into a failure, so
 * the reader can fall back to read(2). Keep mappings short-lived. */
#ifndef VMAILADM_MAPFILE_H
#define VMAILADM_MAPFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "vmailadm/diag.h"

struct mapfile {
	const char *data;  /* NULL for an empty file */
	size_t len;
	struct stat st;    /* of the descriptor that was mapped */
};

/* Map path (a regular file). Returns 0; 1 when it does not exist (m is
 * empty); -1 with a diagnostic naming the file. */
int mapfile_open(const char *path, struct mapfile *m, struct diags *d);
void mapfile_close(struct mapfile *m);

/* A writable copy-on-write view of path with room bytes to grow after
 * it, provided the file is still the one described by want (inode, size,
 * mtime): pages that are never written stay the page cache's, so a copy
 * edited near its end costs a few pages instead of the whole file. The
 * same SIGBUS caveat holds for the pages not written yet: only for a
 * one-shot command. NULL when it cannot be made; free with
 * mapfile_cow_free(p, *maplen). */
char *mapfile_cow(const char *path, const struct stat *want, size_t room, size_t *maplen);
void mapfile_cow_free(char *p, size_t maplen);

/* Run fn(arg) on this thread; false when a SIGBUS (a mapped file cut
 * short) stopped it. What fn allocated before is lost: a leak, never a
 * crash. Not re-entrant on one thread. */
bool mapfile_try(void (*fn)(void *arg), void *arg);

#endif
