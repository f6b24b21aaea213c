/* Knowing when the Postfix queue changes without listing it: inotify
 * watches on the queue directories (incoming, active, deferred, hold,
 * maildrop, their hashed subdirectories as they appear) and on public/,
 * where Postfix's showq socket appears when Postfix starts. Reading those
 * directories takes root (they are Postfix's, mode 0700): without it
 * nothing is watched and the caller polls. No curses. */
#ifndef VMAILADM_QWATCH_H
#define VMAILADM_QWATCH_H
#include <stdbool.h>

struct traffic_postfix;
struct qwatch;

/* Never NULL; qwatch_fd tells whether anything is watched. */
struct qwatch *qwatch_create(const struct traffic_postfix *pf);
/* The inotify descriptor to poll, or -1 when nothing could be watched. */
int qwatch_fd(const struct qwatch *w);
/* Read the pending events: true when the queue may have changed. A
 * hashed subdirectory made since is watched from now on. */
bool qwatch_drain(struct qwatch *w);
/* false when Postfix is certainly not running (no showq socket): listing
 * the queue then fails after seconds of retries, so do not try. */
bool qwatch_postfix_up(const struct traffic_postfix *pf);
void qwatch_free(struct qwatch **w);

#endif
