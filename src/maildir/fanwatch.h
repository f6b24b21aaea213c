/* Directory changes over a whole filesystem through one fanotify mark,
 * for the boxes left over once inotify's watches run out: no per-directory
 * limit and no periodic checks, so an idle interface stays idle at 100,000
 * boxes. It needs CAP_SYS_ADMIN and Linux 5.9 (directory file handles with
 * names); without them fanwatch_open says so and the caller polls. */
#ifndef VMAILADM_MAILDIR_FANWATCH_H
#define VMAILADM_MAILDIR_FANWATCH_H
#include <stdbool.h>
#include <stddef.h>

struct fanwatch;

/* NULL when fanotify cannot be had here (not privileged, old kernel). */
struct fanwatch *fanwatch_open(void);
void fanwatch_free(struct fanwatch **fwp);
/* Readable when events are pending. */
int fanwatch_fd(const struct fanwatch *fw);
/* Report changes of the entries of directory dirfd (opened by the caller
 * beneath the base) as box id: its filesystem is marked on first use.
 * False when that directory cannot be followed (no file handles there, or
 * the mark is refused): the caller polls the box. */
bool fanwatch_add(struct fanwatch *fw, int dirfd, size_t id);
/* fanwatch_add and fanwatch_drain may run on two threads at once (the
 * caller's and the watcher's); the rest on one thread at a time.
 * Read what is pending without blocking; report(arg, id) for each event
 * on a followed directory (a box may come more than once). Returns true
 * when the kernel's queue overflowed: every followed box may have changed. */
bool fanwatch_drain(struct fanwatch *fw, void (*report)(void *arg, size_t id), void *arg);

#endif
