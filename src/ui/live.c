/* Live Maildir statistics for the interface: the first (and every full)
 * scan runs in a thread so the screen paints before it ends, and that
 * thread then places the watches (~1 s of opens and inotify_add_watch for
 * 10,000 boxes with folders) while the main thread shows the figures; the
 * scanner is changed, and the watcher touched, by the main thread only when
 * no scan thread runs. The watcher's reports are rescanned in the main loop
 * (a few boxes: fast); its mtime checks of the boxes inotify cannot cover
 * run on its own thread. A delivery between a box's scan and its watch
 * shows no event: once every box is watched, a second, incremental scan
 * (only the directories whose mtime moved are read) checks them again.
 * A full scan reads the boxes in chunks, in the world's order (domain by
 * domain, as the panes list them), and hands each chunk's figures over as
 * soon as it is read: the counts fill in, the first screen's first. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/maildir/name.h"
#include "vmailadm/model.h"
#include "vmailadm/watch.h"
#include "vmailadm/xalloc.h"

struct live {
	struct maildir_scan *scan;
	const struct world *w;       /* its boxes are added by the scan thread */
	bool added;
	struct maildir_watch *watch;
	size_t nboxes;               /* mailboxes in the world */
	size_t *box_of;              /* mailbox index → scanner id, SIZE_MAX: none */
	size_t *mbx_of;              /* scanner id → mailbox index */
	struct maildir_counts *counts; /* by mailbox index, copied from the scanner */
	enum maildir_status *status;
	bool known;                  /* a scan has finished */
	/* A full scan's chunks read so far, not taken by the main thread yet:
	 * the figures, copied from the scanner by the scan thread. */
	pthread_mutex_t part_lock;
	struct live_part { size_t id; struct maildir_counts c; enum maildir_status st; } *parts;
	size_t nparts, capparts;
	/* Under the same lock: the boxes the screen shows now, not read yet
	 * (live_want), read before the rest of the chunk; wanted[id]: asked
	 * for; yield: some are waiting (the chunk being read gives way). */
	size_t *want, nwant, capwant;
	unsigned char *wanted;
	atomic_bool yield;
	/* live_free is waiting for the scan thread: the scan stops (the chunk
	 * being read gives way, as to a key: yield; any run, the recheck's
	 * too, reads no further box: maildir_scan_set_stop), no watch is
	 * placed, the tests' gates open. Set under part_lock with yield. */
	atomic_bool closing;
	/* of the scan thread; RECHECKING: the incremental scan once the
	 * watches are placed (the scanner is written as in SCANNING, but the
	 * figures shown stay and the header does not say "scanning") */
	enum { IDLE, SCANNING, RECHECKING, WATCHING } phase;
	bool rechecked;              /* that scan was started */
	pthread_t thread;
	int pipe[2];                 /* the thread's MSG_* bytes */
	unsigned gen;
	size_t *first, nfirst;       /* scanner ids read before the others:
	                              * the rows on the first screen */
	size_t *ids;                 /* watcher drain buffer */
	size_t nids, capids;
	bool report_watch;           /* VMAILADM_WATCH_LIMIT: counts on exit */
};

/* With VMAILADM_WATCH_LIMIT, the watcher's counts on standard error at
 * exit, for the tests: the interface's thread must have made no mtime
 * check. Machine-readable on purpose: not translated. */
static void report_watch(const struct live *l)
{
	size_t watched, polled, checks, elsewhere;
	maildir_watch_counts(l->watch, &watched, &polled);
	maildir_watch_check_counts(l->watch, &checks, &elsewhere);
	fprintf(stderr,
		"vmailadm-watch: watched=%zu fanotify=%zu polled=%zu checks=%zu checks_elsewhere=%zu\n",
		watched, maildir_watch_fanotify_count(l->watch), polled, checks, elsewhere);
}

/* What the scan thread tells the main thread: the figures are there (the
 * scanner is only read from now on), then the watches are placed (the
 * thread ends). */
enum { MSG_SCANNED = 1, MSG_WATCHED = 2, MSG_PART = 3 };

/* The first chunk is about a screenful (its rows' counts come first), the
 * others large enough that the pool's start costs nothing. */
#define FIRST_CHUNK 128
#define CHUNK 2048   /* between chunks, the boxes the screen moved to */

static void tell(struct live *l, char msg)
{
	while (write(l->pipe[1], &msg, 1) < 0 && errno == EINTR)
		;
}

/* Watch every box, again after every full scan: new folders may have
 * appeared. On the scan thread, which owns the watcher until MSG_WATCHED. */
static void watch_boxes(struct live *l)
{
	if (!l->watch) {
		l->watch = maildir_watch_create(l->scan, 0);
		/* VMAILADM_WATCH_LIMIT: fewer inotify watches than the kernel
		 * gives, so that tests and benchmarks reach the polled boxes. */
		const char *lim = getenv("VMAILADM_WATCH_LIMIT");
		if (l->watch && lim && *lim) {
			maildir_watch_set_limit(l->watch, strtoul(lim, NULL, 10));
			l->report_watch = true;
		}
		/* VMAILADM_WATCH_FANOTIFY=0: poll past the watches even as
		 * root, so that tests reach the polling fallback. */
		const char *fan = getenv("VMAILADM_WATCH_FANOTIFY");
		if (l->watch && fan && strcmp(fan, "0") == 0)
			maildir_watch_set_fanotify(l->watch, false);
	}
	/* live_free waits for this thread: q pressed just after the scan
	 * waited for every watch (1.5 s at 10,000 boxes under load, half a
	 * minute at 100,000); the watches are freed with it anyway. */
	size_t n = maildir_scan_count(l->scan);
	for (size_t id = 0; l->watch && id < n && !atomic_load(&l->closing); id++)
		maildir_watch_add(l->watch, id);
}

/* Tests only: VMAILADM_WATCH_GATE, the watches are not placed before
 * this file exists, so that a test can deliver between a box's scan and
 * its watch, by order rather than by time; VMAILADM_SCAN_GATE, a full
 * scan reads only the boxes keys ask for after its first chunk, until it
 * exists (scan_chunks). True while the gate var names holds, and the
 * interface is not closing: a test that failed before it made the file
 * left an interface waiting for ever to join the scan thread. */
static bool gate_held(struct live *l, const char *var)
{
	const char *gate = getenv(var);
	return gate && *gate && !atomic_load(&l->closing) && access(gate, F_OK) != 0;
}

static void gate_wait(struct live *l, const char *var)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	while (gate_held(l, var))
		nanosleep(&tick, NULL);
}

/* Read the k boxes ids and hand the figures of those read over: all of
 * them, or (yield) the first ones, read before a key asked for others. */
static size_t scan_part(struct live *l, const size_t *ids, size_t k, bool yield)
{
	size_t done = k;
	if (yield)
		maildir_scan_boxes_yield(l->scan, ids, k, &l->yield, &done);
	else
		maildir_scan_boxes(l->scan, ids, k);
	pthread_mutex_lock(&l->part_lock);
	xgrow(&l->parts, &l->capparts, l->nparts + done, sizeof *l->parts);
	for (size_t i = 0; i < done; i++) {
		struct live_part *p = &l->parts[l->nparts++];
		p->id = ids[i];
		maildir_box_counts(l->scan, p->id, &p->c);
		p->st = maildir_box_status(l->scan, p->id, NULL);
	}
	pthread_mutex_unlock(&l->part_lock);
	if (done)
		tell(l, MSG_PART);
	return done;
}

/* The boxes the screen moved to (live_want), read now; ids has room for
 * CHUNK. */
static void scan_wanted(struct live *l, size_t *ids)
{
	for (;;) {
		pthread_mutex_lock(&l->part_lock);
		size_t nw = l->nwant < CHUNK ? l->nwant : CHUNK;
		if (nw)   /* want is NULL until a key asks for boxes */
			memcpy(ids, l->want + l->nwant - nw, nw * sizeof *ids);
		l->nwant -= nw;
		if (l->nwant == 0 && !atomic_load(&l->closing))
			atomic_store(&l->yield, false);
		pthread_mutex_unlock(&l->part_lock);
		if (!nw)
			return;
		scan_part(l, ids, nw, false);
	}
}

/* A full scan, chunk by chunk, each chunk's figures handed over: the
 * boxes of the first screen's rows first (they are read again with their
 * chunk: a few dozen boxes). A chunk gives way as soon as a key asks for
 * boxes not read yet (a chunk is some 0.5 s of reading at 10,000 boxes:
 * the rows moved to waited that long): they are read, then the rest of
 * the chunk. */
static void scan_chunks(struct live *l)
{
	size_t n = maildir_scan_count(l->scan);
	size_t *ids = xcalloc(CHUNK, sizeof *ids);
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	if (l->nfirst)
		scan_part(l, l->first, l->nfirst, false);
	for (size_t a = 0, len = FIRST_CHUNK; a < n && !atomic_load(&l->closing);) {
		scan_wanted(l, ids);
		/* held after the first chunk, the wanted boxes still read */
		if (a > 0 && gate_held(l, "VMAILADM_SCAN_GATE")) {
			nanosleep(&tick, NULL);
			continue;
		}
		size_t k = n - a < len ? n - a : len;
		for (size_t i = 0; i < k; i++)
			ids[i] = a + i;
		a += scan_part(l, ids, k, true);
		len = CHUNK;
	}
	free(ids);
}

/* The boxes given to the scanner, in the order of the ids live_create
 * gave them (10,000 boxes: some 7 ms the first paint waited for). */
static void add_boxes(struct live *l)
{
	size_t n;
	const struct mailbox *boxes = world_mailboxes(l->w, &n);
	const char *base = world_mailbox_base(l->w);
	for (size_t i = 0; i < n; i++)
		if (l->box_of[i] != SIZE_MAX)
			maildir_scan_add(l->scan, base, boxes[i].value);
	l->added = true;
}

static void *scan_thread(void *arg)
{
	struct live *l = arg;
	bool recheck = l->phase == RECHECKING;
	if (!l->added)
		add_boxes(l);
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	while (recheck && !maildir_watch_signed(l->watch) && !atomic_load(&l->closing))
		nanosleep(&tick, NULL);   /* the polled boxes' first round */
	size_t changed = 0;
	if (!recheck)
		scan_chunks(l);
	else if (!atomic_load(&l->closing))
		changed = maildir_scan_run(l->scan);
	tell(l, MSG_SCANNED);
	if (!recheck)
		gate_wait(l, "VMAILADM_WATCH_GATE");
	/* A box the recheck read again may have new folders to watch. */
	if ((!recheck || changed) && !atomic_load(&l->closing))
		watch_boxes(l);
	tell(l, MSG_WATCHED);
	return NULL;
}

/* The scan on its thread: background work (background_thread). */
static void *scan_thread_run(void *arg)
{
	background_thread();
	return scan_thread(arg);
}

static void start_scan(struct live *l, bool recheck)
{
	sigset_t all, old;
	/* The thread must not take the interface's signals (SIGWINCH, SIGTERM). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	l->phase = recheck ? RECHECKING : SCANNING;   /* before: the thread reads it */
	int rc = pthread_create(&l->thread, NULL, scan_thread_run, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		l->thread = pthread_self();
		scan_thread(l);              /* no thread: scan now */
	}
}

static void copy_box(struct live *l, size_t id)
{
	size_t i = l->mbx_of[id];
	int err;
	maildir_box_counts(l->scan, id, &l->counts[i]);
	l->status[i] = maildir_box_status(l->scan, id, &err);
}

struct live *live_create(struct world *w)
{
	struct live *l = xcalloc(1, sizeof *l);
	const struct mailbox *boxes = world_mailboxes(w, &l->nboxes);
	const char *base = world_mailbox_base(w);
	size_t nids = 0;
	l->scan = maildir_scan_create(0);
	/* The interface shows no tmp/ figures (only `stats --json` has
	 * them): not listing tmp/ saves a third of the directories a scan
	 * opens (issue 16: the whole tree's counts within 1.2x `stats`,
	 * which skips it too). */
	maildir_scan_set_skip_tmp(l->scan, true);
	/* The end (q, a signal, a reread) waited for the recheck's statx of
	 * every directory: 2 s at 100,000 boxes. */
	maildir_scan_set_stop(l->scan, &l->closing);
	l->w = w;
	l->box_of = xcalloc(l->nboxes ? l->nboxes : 1, sizeof *l->box_of);
	l->mbx_of = xcalloc(l->nboxes ? l->nboxes : 1, sizeof *l->mbx_of);
	l->counts = xcalloc(l->nboxes ? l->nboxes : 1, sizeof *l->counts);
	l->wanted = xcalloc(l->nboxes ? l->nboxes : 1, sizeof *l->wanted);
	l->status = xcalloc(l->nboxes ? l->nboxes : 1, sizeof *l->status);
	for (size_t i = 0; i < l->nboxes; i++) {
		l->box_of[i] = SIZE_MAX;
		l->status[i] = MAILDIR_NOT_SCANNED;
		if (!boxes[i].is_maildir || !base || !*base || !boxes[i].value)
			continue;
		l->box_of[i] = nids;   /* the id maildir_scan_add gives it (add_boxes) */
		l->mbx_of[nids++] = i;
	}
	if (pipe2(l->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		vm_fatal("pipe: %s", strerror(errno));
	pthread_mutex_init(&l->part_lock, NULL);
	return l;
}

size_t live_want(struct live *l, const size_t *mbx, size_t n)
{
	if (l->phase != SCANNING)
		return 0;
	size_t added = 0;
	pthread_mutex_lock(&l->part_lock);
	for (size_t k = 0; k < n; k++) {
		size_t i = mbx[k];
		if (i >= l->nboxes || l->box_of[i] == SIZE_MAX || l->wanted[l->box_of[i]] ||
		    l->status[i] != MAILDIR_NOT_SCANNED)
			continue;
		l->wanted[l->box_of[i]] = 1;
		xgrow(&l->want, &l->capwant, l->nwant + 1, sizeof *l->want);
		l->want[l->nwant++] = l->box_of[i];
		added++;
	}
	if (l->nwant)
		atomic_store(&l->yield, true);
	pthread_mutex_unlock(&l->part_lock);
	return added;
}

void live_start(struct live *l, const size_t *first, size_t nfirst)
{
	l->first = xcalloc(nfirst ? nfirst : 1, sizeof *l->first);
	for (size_t k = 0; k < nfirst; k++)
		if (first[k] < l->nboxes && l->box_of[first[k]] != SIZE_MAX)
			l->first[l->nfirst++] = l->box_of[first[k]];
	start_scan(l, false);
}

/* The scan thread's messages: the figures are copied as soon as they are
 * there; the thread is joined once the watches are placed. True when the
 * figures changed. */
static bool read_messages(struct live *l)
{
	char buf[16];
	bool scanned = false, watched = false, part = false;
	for (ssize_t got; (got = read(l->pipe[0], buf, sizeof buf)) > 0;)
		for (ssize_t i = 0; i < got; i++) {
			scanned |= buf[i] == MSG_SCANNED;
			watched |= buf[i] == MSG_WATCHED;
			part |= buf[i] == MSG_PART;
		}
	if (part) {
		pthread_mutex_lock(&l->part_lock);
		for (size_t k = 0; k < l->nparts; k++) {
			size_t i = l->mbx_of[l->parts[k].id];
			l->counts[i] = l->parts[k].c;
			l->status[i] = l->parts[k].st;
		}
		l->nparts = 0;
		pthread_mutex_unlock(&l->part_lock);
		l->gen++;
	}
	if (scanned) {
		l->phase = WATCHING;
		l->known = true;
		size_t n = maildir_scan_count(l->scan);
		for (size_t id = 0; id < n; id++)
			copy_box(l, id);
		l->gen++;
	}
	if (watched) {
		if (!pthread_equal(l->thread, pthread_self()))
			pthread_join(l->thread, NULL);
		l->phase = IDLE;
		if (!l->rechecked && l->watch) {
			l->rechecked = true;
			start_scan(l, true);
		}
	}
	return scanned || part;
}

void live_free(struct live **lp)
{
	struct live *l = *lp;
	if (!l)
		return;
	/* A first scan of 100,000 boxes left running made the interface's
	 * end (q, a signal) or a reread wait for all of it: a minute under
	 * load. */
	pthread_mutex_lock(&l->part_lock);
	atomic_store(&l->closing, true);
	atomic_store(&l->yield, true);
	pthread_mutex_unlock(&l->part_lock);
	if (l->phase != IDLE && !pthread_equal(l->thread, pthread_self()))
		pthread_join(l->thread, NULL);
	if (l->watch && l->report_watch)
		report_watch(l);
	maildir_watch_free(&l->watch);
	maildir_scan_free(&l->scan);
	close(l->pipe[0]);
	close(l->pipe[1]);
	free(l->box_of);
	free(l->mbx_of);
	free(l->counts);
	free(l->status);
	free(l->ids);
	free(l->first);
	free(l->want);
	free(l->wanted);
	free(l->parts);
	pthread_mutex_destroy(&l->part_lock);
	free(l);
	*lp = NULL;
}

int live_pollfds(struct live *l, struct pollfd *fds, int max)
{
	int n = 0;
	if (n < max && l->phase != IDLE)
		fds[n++] = (struct pollfd){ .fd = l->pipe[0], .events = POLLIN };
	/* While a thread scans, the watcher waits: the scan sees the change. */
	if (n < max && l->phase == IDLE && l->watch)
		fds[n++] = (struct pollfd){ .fd = maildir_watch_fd(l->watch), .events = POLLIN };
	return n;
}

bool live_handle(struct live *l)
{
	if (l->phase != IDLE)
		return read_messages(l);
	if (!l->watch)
		return false;
	struct pollfd p = { .fd = maildir_watch_fd(l->watch), .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return false;
	l->nids = 0;
	maildir_watch_drain(l->watch, &l->ids, &l->nids, &l->capids);
	if (l->nids == 0)
		return false;
	maildir_scan_boxes(l->scan, l->ids, l->nids);
	for (size_t k = 0; k < l->nids; k++) {
		copy_box(l, l->ids[k]);
		maildir_watch_add(l->watch, l->ids[k]);   /* a folder may be new */
	}
	l->gen++;
	return true;
}

bool live_rescan(struct live *l)
{
	if (l->phase != IDLE)
		return false;
	maildir_scan_invalidate(l->scan);
	start_scan(l, false);
	return true;
}

bool live_scanning(const struct live *l)
{
	return l->phase == SCANNING;
}

bool live_settled(const struct live *l)
{
	return l->phase == IDLE && (l->rechecked || !l->watch);
}

unsigned live_generation(const struct live *l)
{
	return l->gen;
}

bool live_counts(const struct live *l, size_t i, struct maildir_counts *c,
		 enum maildir_status *st)
{
	if (i >= l->nboxes || l->box_of[i] == SIZE_MAX || l->status[i] == MAILDIR_NOT_SCANNED) {
		memset(c, 0, sizeof *c);
		if (st)
			*st = MAILDIR_NOT_SCANNED;
		return false;
	}
	*c = l->counts[i];
	if (st)
		*st = l->status[i];
	return true;
}

bool live_quota(const struct live *l, size_t i, struct maildir_quota *q)
{
	if (l->phase == SCANNING || l->phase == RECHECKING || !l->known || i >= l->nboxes ||
	    l->box_of[i] == SIZE_MAX)
		return false;
	return maildir_box_quota(l->scan, l->box_of[i], q);
}

size_t live_folders(const struct live *l, size_t i, struct strbuf *names)
{
	if (l->phase == SCANNING || l->phase == RECHECKING || !l->known || i >= l->nboxes ||
	    l->box_of[i] == SIZE_MAX)
		return 0;
	size_t id = l->box_of[i], n = maildir_box_folder_count(l->scan, id);
	for (size_t k = 0; k < n; k++) {
		struct maildir_folder f;
		maildir_box_folder(l->scan, id, k, &f);
		if (k)
			sb_adds(names, ", ");
		if (!*f.name) {
			sb_adds(names, "INBOX");
		} else {
			struct strbuf dec = STRBUF_INIT;
			maildir_mutf7_decode(f.name, &dec);
			sb_add(names, dec.buf, dec.len);
			sb_free(&dec);
		}
	}
	return n;
}
