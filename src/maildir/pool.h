/* The scanner's worker pool (pool.c). */
#ifndef VMAILADM_SRC_MAILDIR_POOL_H
#define VMAILADM_SRC_MAILDIR_POOL_H
#include <stddef.h>

struct maildir_scan;

/* Scan the boxes ids (NULL: every box) with as many workers as there are
 * cores, more while they wait on the disk; returns how many changed. */
size_t pool_run(struct maildir_scan *s, const size_t *ids, size_t nids);

#endif
