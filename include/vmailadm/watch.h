/* Live mailbox changes for the interface: inotify on new/, cur/
 * and the root of every folder of the watched boxes; for the boxes left
 * over when the kernel runs out of watches, one fanotify mark on their
 * filesystem where the process may have it (root), and periodic mtime
 * checks where it may not. The
 * checks run on a thread of the watcher's own, so that the caller's loop
 * (the interface's) never waits for them. The functions below are called
 * by one thread at a time (the caller's), and only that one may change the
 * scanner while the watcher lives (the thread works from copies of the
 * paths). */
#ifndef VMAILADM_WATCH_H
#define VMAILADM_WATCH_H
#include <stdbool.h>
#include <stddef.h>

struct maildir_scan;
struct maildir_watch;

/* A polled box's root and new/ directories are checked every period, its
 * cur/ directories every MAILDIR_POLL_CUR_ROUNDS periods (watch.c says
 * why; bench/maildir-rescan's polling floor counts the same). */
#define MAILDIR_POLL_CUR_ROUNDS 2

/* A watcher over the boxes of s (which must outlive it). poll_ms is the
 * period of the fallback checks (0: 500 ms, so that a delivery shows within
 * a second either way, a change in cur/ within MAILDIR_POLL_CUR_ROUNDS
 * periods); their thread starts with the first polled box.
 * NULL when no descriptor can be had at all. */
struct maildir_watch *maildir_watch_create(const struct maildir_scan *s, unsigned poll_ms);
void maildir_watch_free(struct maildir_watch **wp);

/* Watch box id with the folders the last scan found; call again after a
 * rescan of that box to pick up new folders. Returns true when inotify or
 * fanotify covers it, false when it is polled instead (its first check is made
 * on the watcher's thread at once). */
bool maildir_watch_add(struct maildir_watch *w, size_t id);
/* Has every polled box its first signature (the reference its changes
 * are seen against)? A caller checking the boxes again once they are
 * watched does it after this, or a change between its check and that
 * first signature would be taken as the reference and never reported. */
bool maildir_watch_signed(struct maildir_watch *w);
/* Stop inotify watches past this many (default: half of the user's
 * fs.inotify.max_user_watches, the rest left to the other programs; tests
 * of the fallback set fewer); 0 = no cap. */
void maildir_watch_set_limit(struct maildir_watch *w, size_t max_watches);
size_t maildir_watch_limit(const struct maildir_watch *w);
/* Past inotify's watches, try fanotify (the default) or poll at once
 * (tests of the polling fallback). Set before the first maildir_watch_add. */
void maildir_watch_set_fanotify(struct maildir_watch *w, bool on);

/* One descriptor to poll() for POLLIN: readable when something changed or
 * when a periodic check is due. */
int maildir_watch_fd(const struct maildir_watch *w);
/* Read what is pending (without blocking) and append the ids of the boxes
 * that changed, each once, to *ids (grown with xrealloc; *n items, *cap
 * capacity). Returns the number appended. */
size_t maildir_watch_drain(struct maildir_watch *w, size_t **ids, size_t *n, size_t *cap);
/* Boxes covered by inotify and boxes polled. */
void maildir_watch_counts(const struct maildir_watch *w, size_t *watched, size_t *polled);
/* Boxes covered by fanotify. */
size_t maildir_watch_fanotify_count(const struct maildir_watch *w);
/* Mtime checks of polled boxes made so far, and how many of them ran on
 * another thread than the watcher's own: 0 unless its thread could not
 * start (then drain checks). For the tests. */
void maildir_watch_check_counts(const struct maildir_watch *w, size_t *checks,
				size_t *on_other_threads);

#endif
