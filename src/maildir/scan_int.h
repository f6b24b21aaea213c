/* The scanner's state, shared by its parts: scan.c (a box's scan, the
 * incremental cache, the results), readdir.c (reading one directory) and
 * pool.c (the workers). The scanner owns all of it. */
#ifndef VMAILADM_MAILDIR_SCAN_INT_H
#define VMAILADM_MAILDIR_SCAN_INT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/maildir/quota.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/strbuf.h"

#define MAX_WORKERS 16
#define CHUNK 4                          /* boxes taken by a worker at a time */
/* How often a worker asks whether it waits on the disk (pool growth). */
#define POOL_CHECK_NS (10 * 1000 * 1000LL)
#define DENTS_BUF (64 * 1024)
#define TMP_STALE_SECS (36 * 3600)       /* Dovecot MAILDIR_TMP_DELETE_SECS */
/* Directory mtimes come from a coarse clock (one tick, <= 10 ms): a change
 * this close to the scan may share the mtime we saw, so it is not trusted. */
#define RACY_NS (50 * 1000 * 1000LL)
#define MT_UNKNOWN INT64_MIN
/* A kept mtime: the directory's as last seen (> 0), MT_UNKNOWN (read it
 * next time), or MT_READ_AT(T): read by the run that started at T (ns,
 * CLOCK_REALTIME), its mtime not taken yet (scan.c's scan_mtime_same). */
#define MT_READ_AT(t) (-(int64_t)(t))
#define MT_IS_READ_AT(v) ((v) < 0 && (v) != MT_UNKNOWN)
#define MT_READ_AT_TIME(v) (-(v))

enum { F_NEW_MISSING = 1, F_CUR_MISSING = 2 };
/* box.has_maildirsize: seen in the root listing (with an unknown d_type),
 * and parsed into s->quotas by a one-shot scan. */
enum { MS_PRESENT = 1, MS_TYPE_UNKNOWN = 2, MS_KEPT = 4 };
#define MAILDIRSIZE_MAX 16384

/* One Maildir++ folder (index 0 is INBOX). Per-directory figures are kept
 * apart so that a changed cur/ is re-read without touching new/. */
struct folder {
	int64_t mt_new, mt_cur;
	uint64_t bytes_new, bytes_cur;
	uint32_t n_new, n_cur, unread_cur, deleted;
	uint32_t newest_new, newest_cur;
	uint16_t tmp, tmp_stale;
	uint32_t name_off;                /* into box->names */
	uint8_t err, flags, status;
};

struct box {
	uint32_t rel_off;                 /* into s->arena */
	uint16_t base;
	uint8_t status, err;
	uint8_t has_maildirsize;
	bool quota_unwanted;              /* maildir_scan_skip_quota */
	int64_t mt_root;
	struct folder *folders;           /* followed by the names, one allocation */
	char *names;                      /* NUL-terminated folder names; "" first */
	uint32_t nfolders, names_len;
};

/* short_eof: the filesystem fills a getdents64 buffer as far as it can, so
 * a short read is the end of the directory (saves one empty call per
 * directory); not trusted on FUSE or network filesystems. */
struct base { char *path; int fd, err; bool short_eof; };

/* An inode seen in new/ during this folder's read, so that a message moved
 * to cur/ meanwhile is not counted twice (ino 0: an empty slot). */
struct seen { uint64_t ino, size; };

/* The folders of one box, shared with idle workers: next is the next
 * folder to take; active counts helpers inside (the owner keeps the box fd
 * open until it drops to 0). active and changed are under s->lock. */
struct job {
	struct box *b;
	int fd;
	atomic_uint next;
	unsigned active;
	bool changed;
};

struct worker {
	struct maildir_scan *s;
	char *buf;
	struct seen *seen;                /* new/'s messages, in listing order */
	size_t nseen, seen_cap;
	struct seen *seen_tab;            /* the same by ino (open addressing) */
	size_t seen_mask, seen_tab_cap;
	struct strbuf folder_names;       /* read_root's listing */
	uint32_t *folder_offs;
	size_t nfolder_offs, folder_offs_cap;
	bool short_eof;                   /* of the current box's base */
	int dirfd;                        /* the directory read_dir lists */
	struct strbuf path;
	struct maildir_scan_stats st;
	size_t changed;
	struct job job;                   /* the box being scanned */
	bool job_pub;                     /* job open to helpers (under lock) */
};

struct maildir_scan {
	struct box *boxes;
	size_t n, cap;
	char *arena;                      /* every rel, NUL-terminated */
	size_t arena_len, arena_cap;
	struct base *bases;
	size_t nbases;
	unsigned max_workers;
	bool oneshot;                     /* no mtimes kept: a single scan */
	bool read_quota;                  /* one-shot: parse maildirsize too */
	bool skip_tmp;                    /* tmp/ is not read */
	struct maildir_quota *quotas;     /* by box id, with read_quota */
	struct maildir_scan_stats st;
	maildir_hook_fn hook;
	void *hook_arg;
	const atomic_bool *stop;          /* maildir_scan_set_stop, else NULL */
	/* One run. */
	int64_t run_start_ns;
	const size_t *ids;
	size_t nids;
	const atomic_bool *yield;         /* maildir_scan_boxes_yield, else NULL */
	unsigned yield_workers;           /* the last such run's workers (pool.c) */
	atomic_size_t next;
	pthread_mutex_t lock;
	pthread_cond_t cond;              /* jobs published, helpers done, busy 0 */
	unsigned busy;                    /* workers still taking boxes */
	atomic_uint waiting;              /* helpers waiting for a job */
	pthread_t threads[MAX_WORKERS];
	struct worker workers[MAX_WORKERS];
	unsigned nthreads;
};

/* scan.c: scan box b (its folders may be shared with helpers); true when
 * its figures changed. */
bool scan_box(struct worker *w, struct box *b);
/* Scan folder i of b (open as boxfd); true when its figures changed. */
bool scan_folder_task(struct worker *w, struct box *b, int boxfd, size_t i);

#endif
