/* Reading Maildir directories (readdir.c). */
#ifndef VMAILADM_SRC_MAILDIR_READDIR_H
#define VMAILADM_SRC_MAILDIR_READDIR_H
#include <stdbool.h>
#include <stdint.h>

struct worker;

/* The figures of one directory of messages (or of tmp/). */
struct dirfig {
	uint64_t bytes;
	uint32_t n, unread, deleted, newest, stale;
};

/* rel must stay beneath its base: relative, no "." or "..", no control bytes. */
bool readdir_rel_ok(const char *rel);
/* A path we were given (a box's rel) beneath dirfd, no symlinks; the
 * kernel also refuses "..". */
int readdir_open_beneath(int dirfd, const char *path);
/* ".Sent/new" in an open box, no symlinks. */
int readdir_open_in_box(int boxfd, const char *path);
/* List one directory of messages (kind 'n', 'c') or tmp/ ('t') open as fd
 * into f. newfig: when reading cur/ right after new/, new/'s figures (a
 * message moved meanwhile is taken out of them). -1 with errno. */
int readdir_dir(struct worker *w, int fd, char kind, struct dirfig *f, struct dirfig *newfig);

#endif
