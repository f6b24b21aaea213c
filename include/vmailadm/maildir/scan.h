/* The Maildir scanner (src/maildir/scan.c, with readdir.c and pool.c):
 * counts, unread, sizes and errors for a list of mailboxes, scanned by a
 * worker pool with getdents64 on directory fds, kept between scans so that
 * a rescan re-reads only changed directories. The scanner knows nothing of
 * the model: it takes (base, rel) pairs. */
#ifndef VMAILADM_MAILDIR_SCAN_H
#define VMAILADM_MAILDIR_SCAN_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"

struct maildir_scan;
struct maildir_quota;

/* What became of a mailbox (or of one folder) in the last scan. */
enum maildir_status {
	MAILDIR_OK = 0,
	MAILDIR_NOT_SCANNED,   /* added but no scan has run yet */
	MAILDIR_MISSING,       /* the maildir (or the base) does not exist */
	MAILDIR_NOT_MAILDIR,   /* a directory without cur/ and new/ */
	MAILDIR_UNREADABLE,    /* could not be opened or read (errno says why) */
	MAILDIR_UNSAFE,        /* a symlink or a path leaving the base: refused */
	MAILDIR_PARTIAL,       /* read, but some directory inside failed */
};

/* Figures for one folder or summed over a mailbox: messages are the files
 * of new/ and cur/ (names not starting with '.'), tmp/ holds deliveries
 * under way. */
struct maildir_counts {
	uint64_t bytes;        /* sum of ,S= when present, else st_size */
	uint32_t new_msgs;     /* files in new/ */
	uint32_t cur_msgs;     /* files in cur/ */
	uint32_t unread;       /* new/ + cur/ without the S flag */
	uint32_t deleted;      /* cur/ files flagged T (still in the totals) */
	uint32_t tmp;          /* files in tmp/ (not messages) */
	uint32_t tmp_stale;    /* of those, changed more than 36 hours ago */
	int64_t newest;        /* newest delivery time (from the unique name),
	                        * seconds since the epoch; 0 when none */
};

/* a + b, held at INT64_MAX: sizes come from file names anyone who can
 * deliver may choose, and the sums go out as JSON's signed integers. */
static inline uint64_t maildir_bytes_add(uint64_t a, uint64_t b)
{
	const uint64_t max = (uint64_t)INT64_MAX;
	return a >= max || b >= max - a ? max : a + b;
}

static inline uint64_t maildir_total(const struct maildir_counts *c)
{
	return (uint64_t)c->new_msgs + c->cur_msgs;
}

struct maildir_folder {
	const char *name;      /* on-disk name without the leading dot ("Sent",
	                        * "a.b", "&AMk-l&AOk-ments"); "" for INBOX. Valid
	                        * until the next scan. */
	enum maildir_status status;
	int err;               /* errno of the first failed directory, or 0 */
	struct maildir_counts counts;
};

/* Counters for tests and the benchmark (summed over every scan so far). */
struct maildir_scan_stats {
	uint64_t dir_reads;      /* directories opened and listed */
	uint64_t dir_stats;      /* statx of a directory to compare its mtime */
	uint64_t file_stats;     /* fstatat of a message (no usable ,S=, DT_UNKNOWN) */
	uint64_t vanished;       /* files gone between getdents and fstatat */
	uint64_t workers_max;    /* most workers used by one scan */
	uint64_t folders_shared; /* folders scanned by a worker helping another
	                          * one with its box (end of a run) */
};

/* Hook points for tests (a file moved while a scan runs). */
enum maildir_hook_point { MAILDIR_HOOK_AFTER_NEW, MAILDIR_HOOK_BEFORE_STAT };
typedef void (*maildir_hook_fn)(enum maildir_hook_point where, const char *name, void *arg);

/* A scanner. max_workers 0 means the default: an adaptive pool that starts
 * at the number of cores and grows up to 16 while workers wait on the disk. */
struct maildir_scan *maildir_scan_create(unsigned max_workers);
void maildir_scan_free(struct maildir_scan **sp);

/* Add a mailbox: base is an absolute directory (opened normally, it is the
 * admin's, e.g. virtual_mailbox_base); rel the maildir beneath it ("d/u/").
 * rel is checked (no "..", not absolute, no control bytes) and every open
 * under base refuses symlinks. Returns the box id (0, 1, 2 ... in order). */
size_t maildir_scan_add(struct maildir_scan *s, const char *base, const char *rel);
size_t maildir_scan_count(const struct maildir_scan *s);

/* Scan every box: the first time in full, then only directories whose mtime
 * changed (or that changed too close to the last scan to be trusted).
 * Returns the number of boxes whose figures changed. */
size_t maildir_scan_run(struct maildir_scan *s);
/* The same for some boxes only (those a watcher reported). */
size_t maildir_scan_boxes(struct maildir_scan *s, const size_t *ids, size_t n);
/* maildir_scan_boxes that gives way: once *yield is true the workers take
 * no more boxes, finish those they hold and return; *done is then how many
 * of ids (always the first ones) were read. The interface's scan thread
 * stops a long chunk this way when the screen moved to boxes not read yet
 * (issue 16), instead of making them wait for the whole chunk. */
size_t maildir_scan_boxes_yield(struct maildir_scan *s, const size_t *ids, size_t n,
				const atomic_bool *yield, size_t *done);
/* Forget every kept mtime so that the next scan reads everything. */
void maildir_scan_invalidate(struct maildir_scan *s);

/* Results of the last scan. */
enum maildir_status maildir_box_status(const struct maildir_scan *s, size_t id, int *err);
void maildir_box_counts(const struct maildir_scan *s, size_t id, struct maildir_counts *out);
size_t maildir_box_folder_count(const struct maildir_scan *s, size_t id);
/* Folder i of box id; 0 is INBOX, the others sorted by on-disk name. */
void maildir_box_folder(const struct maildir_scan *s, size_t id, size_t i,
			struct maildir_folder *out);
/* Add a diagnostic (file = the directory) for every problem of box id. */
void maildir_box_diags(const struct maildir_scan *s, size_t id, struct diags *d);
/* Read the box's maildirsize now (only opened when the last scan saw one);
 * false when it is absent or unreadable. */
bool maildir_box_quota(const struct maildir_scan *s, size_t id, struct maildir_quota *q);
/* rel of box id as added, and its base. */
const char *maildir_box_rel(const struct maildir_scan *s, size_t id);
const char *maildir_box_base(const struct maildir_scan *s, size_t id);
/* Open the directory sub ("" for the maildir itself, "new", ".Sent/cur")
 * of box id beneath its base, refusing symlinks and "..": an fd or -1 with
 * errno. */
int maildir_box_open(const struct maildir_scan *s, size_t id, const char *sub);

void maildir_scan_get_stats(const struct maildir_scan *s, struct maildir_scan_stats *out);
/* Bytes of state kept between scans (results, mtimes, names, paths), and the
 * part of it that only serves incremental rescans (mtimes). */
size_t maildir_scan_memory(const struct maildir_scan *s, size_t *incremental_part);
/* A scanner used once (the command line) keeps no mtimes: one fstat less
 * per directory; every later scan reads everything again. */
void maildir_scan_set_oneshot(struct maildir_scan *s, bool oneshot);
/* With a one-shot scanner: parse each box's maildirsize during the scan,
 * on the workers, so that maildir_box_quota needs no I/O afterwards. */
void maildir_scan_set_read_quota(struct maildir_scan *s, bool on);
/* ... except for box id, whose quota comes from elsewhere (the passwd-file):
 * its maildirsize is not opened and maildir_box_quota says false. */
void maildir_scan_skip_quota(struct maildir_scan *s, size_t id);
/* Do not read tmp/ (a third of all directories): tmp and tmp_stale stay 0.
 * For callers that show neither, like the command line's table. */
void maildir_scan_set_skip_tmp(struct maildir_scan *s, bool skip);
/* Once *stop is true, every run (maildir_scan_run and the others) reads no
 * further box: each worker finishes the box it is in (with the folders
 * others help with) and returns. The boxes not reached keep the figures
 * they had; *done of maildir_scan_boxes_yield may count some of them. For
 * the interface, whose end must not wait for a statx of every directory
 * (issue 16: 2 s at 100,000 boxes); NULL: never stopped. */
void maildir_scan_set_stop(struct maildir_scan *s, const atomic_bool *stop);
void maildir_scan_set_hook(struct maildir_scan *s, maildir_hook_fn fn, void *arg);

const char *maildir_status_name(enum maildir_status st); /* "ok", "missing" ... */

#endif
