/* The Postfix queue read from its files (src/traffic/qdir.c), when this
 * process may read queue_directory (root): the directories showq(8) walks,
 * in its order, each file read by qfile.c on worker threads and handed to
 * the visitor one message at a time, in the walk's order, with a bounded
 * number of messages in memory. queue.c falls back to postqueue when the
 * directory cannot be read. No curses. */
#ifndef VMAILADM_QDIR_H
#define VMAILADM_QDIR_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/queue.h"

struct traffic_postfix;

#define QDIR_UNREADABLE (-2)

/* List pf's queue from its files. Returns the number of messages visited,
 * -1 with d on an error mid-walk, or QDIR_UNREADABLE with the reason in d
 * when the queue directory or one of its queues cannot be opened by this
 * process (nothing was visited then). */
long qdir_list(const struct traffic_postfix *pf, queue_visit fn, void *ctx, struct diags *d);

/* Postfix mail_queue_dir(): where id's file of queue is below
 * queue_directory ("deferred/A/", "hold/"), into buf. hashed: the queue is
 * in hash_queue_names; depth: hash_queue_depth. */
void qdir_hashed_path(char *buf, size_t len, const char *queue, const char *id, bool hashed,
		      long depth);

#endif
