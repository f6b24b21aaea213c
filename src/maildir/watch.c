/* The watcher: inotify watches on the directories that change when mail
 * arrives or is read, and, for the boxes polled by mtime once watches run
 * out (ENOSPC), a thread of its own that checks them on a timer: 10,000
 * polled boxes cost ~0.14 s a round, which the interface's thread must not
 * pay. The thread never reads the scanner (the caller rescans boxes while
 * it runs): each polled box carries a copy of the paths to check. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fanwatch.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/watch.h"
#include "vmailadm/xalloc.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
		    IN_MOVE_SELF | IN_ONLYDIR)
#define NO_BOX SIZE_MAX

/* A polled box. dirs: its base, then the ndirs directories to check,
 * relative to the base, each ending with a NUL; copied from the scanner by
 * the caller's thread so that the polling thread never reads the scanner. */
struct polled {
	size_t id;
	uint64_t sig;            /* of the root and new/ directories */
	uint64_t sig_cur;        /* of the cur/ directories */
	bool has_sig;            /* the first round has taken it */
	bool has_cur;            /* ... and sig_cur */
	bool ready;              /* in ready[], not drained yet */
	bool unsafe;             /* the last scan refused it: not looked into */
	unsigned ndirs;
	char *dirs;
	size_t dirs_len;
};

struct maildir_watch {
	const struct maildir_scan *s;
	int ifd, tfd, efd;
	size_t *wd_box;          /* inotify wd -> box id (NO_BOX when unused) */
	size_t nwd;
	size_t nwatches, limit;
	unsigned char *state;    /* per box: 0 unwatched, 1 inotify, 2 polled */
	size_t *slot;            /* per box: its index in polled[] when polled */
	size_t nstate;
	unsigned char *mark;     /* per box: already reported by this drain */
	size_t nwatched;
	/* Past inotify's watches: one fanotify mark per filesystem, when the
	 * process may have one; polling only where it may not. Its events
	 * are read on the watcher's thread (a busy filesystem makes many that
	 * concern no box: the caller's loop must not wake for them). */
	struct fanwatch *fan;
	size_t nfanned;
	struct strbuf sub, snap; /* the caller's scratch */
	struct itimerspec period;

	/* Shared with the polling thread, under lock. Entries are only
	 * appended, so an index stays valid across the lock's release. */
	pthread_mutex_t lock;
	struct polled *polled;
	size_t npolled, polled_cap;
	size_t *ready;           /* boxes whose signature changed */
	size_t nready, ready_cap;
	size_t *fan_ready;       /* boxes fanotify reported (repeats allowed) */
	size_t nfan_ready, fan_ready_cap;
	bool fan_overflow;       /* fanotify lost events */
	bool fresh;              /* boxes without a first signature: a round is due now */

	pthread_t thread;
	bool threaded;           /* the thread runs */
	bool inline_polls;       /* no thread could start: drain checks */
	int ready_fd;            /* eventfd in the epoll set: ready[] has ids */
	int stop_fd;             /* eventfd: the thread ends */
	atomic_bool stopping;    /* ... even within a round */
	unsigned round;          /* rounds made (cur/ checked every CUR_ROUNDS) */
	atomic_size_t checks, checks_elsewhere;

	/* Whoever runs the rounds (the thread): the base opened once per round,
	 * and the box being checked, copied out of the lock. */
	struct strbuf base_path, box;
	int base_fd;
};

enum { ST_NONE, ST_INOTIFY, ST_POLLED, ST_FANOTIFY };

/* Set on the polling thread: the checks made there are its own. */
static _Thread_local const struct maildir_watch *polling_for;

static void add_to_epoll(struct maildir_watch *w, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	epoll_ctl(w->efd, EPOLL_CTL_ADD, fd, &ev);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof one) < 0) {
		/* an eventfd far below its maximum: cannot fail */
	}
}

/* The inotify watches this watcher may take: half of the user's
 * fs.inotify.max_user_watches. The limit is the user's, shared with every
 * program the user runs (as root: systemd, udev, an editor, our own
 * diskwatch, another vmailadm); taking watches until ENOSPC starved them
 * all while 100,000 boxes were watched. 0 (no limit of ours) when the
 * kernel's figure cannot be read. */
static size_t inotify_budget(void)
{
	FILE *f = fopen("/proc/sys/fs/inotify/max_user_watches", "re");
	unsigned long max = 0;
	if (f) {
		if (fscanf(f, "%lu", &max) != 1)
			max = 0;
		fclose(f);
	}
	return max / 2;
}

struct maildir_watch *maildir_watch_create(const struct maildir_scan *s, unsigned poll_ms)
{
	struct maildir_watch *w = xcalloc(1, sizeof *w);
	w->s = s;
	w->base_fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	w->efd = epoll_create1(EPOLL_CLOEXEC);
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0 || w->tfd < 0 || w->ready_fd < 0 || w->stop_fd < 0) {
		maildir_watch_free(&w);
		return NULL;
	}
	if (poll_ms == 0)
		poll_ms = 500;
	struct timespec period = { poll_ms / 1000, (long)(poll_ms % 1000) * 1000000L };
	/* Armed with the first polled box (poll_soon): none, no rounds. */
	w->period = (struct itimerspec){ .it_interval = period, .it_value = period };
	w->limit = inotify_budget();
	w->fan = fanwatch_open();   /* no mark yet: no event before a box needs it */
	add_to_epoll(w, w->ready_fd);
	if (w->ifd >= 0)         /* without inotify (EMFILE) everything is polled */
		add_to_epoll(w, w->ifd);
	return w;
}

void maildir_watch_free(struct maildir_watch **wp)
{
	struct maildir_watch *w = *wp;
	if (!w)
		return;
	if (w->threaded) {
		atomic_store(&w->stopping, true);
		signal_fd(w->stop_fd);
		pthread_join(w->thread, NULL);
	}
	int fds[] = { w->ifd, w->tfd, w->efd, w->ready_fd, w->stop_fd, w->base_fd };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (size_t i = 0; i < w->npolled; i++)
		free(w->polled[i].dirs);
	fanwatch_free(&w->fan);
	sb_free(&w->sub);
	sb_free(&w->snap);
	sb_free(&w->base_path);
	sb_free(&w->box);
	free(w->wd_box);
	free(w->state);
	free(w->slot);
	free(w->polled);
	free(w->ready);
	free(w->fan_ready);
	free(w->mark);
	pthread_mutex_destroy(&w->lock);
	free(w);
	*wp = NULL;
}

void maildir_watch_set_limit(struct maildir_watch *w, size_t max_watches)
{
	w->limit = max_watches;
}

size_t maildir_watch_limit(const struct maildir_watch *w)
{
	return w->limit;
}

void maildir_watch_set_fanotify(struct maildir_watch *w, bool on)
{
	if (!on)
		fanwatch_free(&w->fan);
}

int maildir_watch_fd(const struct maildir_watch *w)
{
	return w->efd;
}

void maildir_watch_counts(const struct maildir_watch *w, size_t *watched, size_t *polled)
{
	*watched = w->nwatched;
	*polled = w->npolled;   /* only the caller's thread changes it */
}

size_t maildir_watch_fanotify_count(const struct maildir_watch *w)
{
	return w->nfanned;
}

void maildir_watch_check_counts(const struct maildir_watch *w, size_t *checks,
				size_t *on_other_threads)
{
	*checks = atomic_load(&w->checks);
	*on_other_threads = atomic_load(&w->checks_elsewhere);
}

/* The directories that change with mail: the root (folders come and go),
 * then new/ and cur/ of INBOX and of each folder (dir_is_cur). sub[] gets
 * one at a time. */
static size_t box_dirs(const struct maildir_scan *s, size_t id, size_t k, struct strbuf *sub)
{
	size_t nf = maildir_box_folder_count(s, id);
	if (nf == 0)
		nf = 1;
	if (k >= 1 + 2 * nf)
		return 0;
	sb_reset(sub);
	if (k == 0)
		return 1;
	size_t fi = (k - 1) / 2;
	if (fi > 0) {
		struct maildir_folder f;
		maildir_box_folder(s, id, fi, &f);
		sb_addc(sub, '.');
		sb_adds(sub, f.name);
		sb_addc(sub, '/');
	}
	sb_adds(sub, (k - 1) % 2 ? "cur" : "new");
	return 1;
}

/* Is box_dirs' k-th directory a cur/? */
static bool dir_is_cur(size_t k)
{
	return k > 0 && (k - 1) % 2 == 1;
}

/* What the thread checks for box id, read from the scanner by the
 * caller's thread: the base, then box_dirs() relative to it. */
static unsigned box_snapshot(struct maildir_watch *w, size_t id, struct strbuf *out)
{
	sb_reset(out);
	sb_adds(out, maildir_box_base(w->s, id));
	sb_addc(out, '\0');
	const char *rel = maildir_box_rel(w->s, id);
	size_t rl = strlen(rel);
	while (rl > 1 && rel[rl - 1] == '/')
		rl--;
	unsigned n = 0;
	for (size_t k = 0; box_dirs(w->s, id, k, &w->sub); k++, n++) {
		sb_add(out, rel, rl);
		if (k) {
			sb_addc(out, '/');
			sb_adds(out, w->sub.buf);
		}
		sb_addc(out, '\0');
	}
	return n;
}

static int base_fd(struct maildir_watch *w, const char *path)
{
	if (w->base_fd >= 0 && strcmp(path, w->base_path.buf) == 0)
		return w->base_fd;
	if (w->base_fd >= 0)
		close(w->base_fd);
	sb_reset(&w->base_path);
	sb_adds(&w->base_path, path);
	w->base_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return w->base_fd;
}

/* Next round: open the base again (it may have been replaced). */
static void forget_base(struct maildir_watch *w)
{
	if (w->base_fd >= 0)
		close(w->base_fd);
	w->base_fd = -1;
}

/* A signature of every checked directory's mtime (and existence), from
 * one fstatat each by path from the base: opening the base and the box
 * for each check cost as much as the checks. Nothing is opened; a symlink
 * swapped in on the way shows another mtime, so the box is reported and
 * the scanner, which refuses symlinks, reads it. A box the last scan found
 * unsafe (a symlink, a path leaving the base) is not looked into. */
enum { SIG_SEED = 0 };
static uint64_t sig_step(uint64_t h, int64_t mtime)
{
	if (h == SIG_SEED)
		h = 1469598103934665603ULL;
	return (h ^ (uint64_t)mtime) * 1099511628211ULL;
}

/* The signature of a box none of whose directories exists, without
 * looking: what its maildir's appearance is compared with (of its cur/
 * directories when cur, else of the others). */
static uint64_t absent_signature(unsigned ndirs, bool cur)
{
	uint64_t h = SIG_SEED;
	for (unsigned k = 0; k < ndirs; k++)
		if (dir_is_cur(k) == cur)
			h = sig_step(h, -1);
	return h;
}

/* The signature of the root and new/ directories, and with cur of the
 * cur/ ones in *sig_cur. */
static uint64_t box_signature(struct maildir_watch *w, const char *dirs, unsigned ndirs,
			      bool unsafe, bool cur, uint64_t *sig_cur)
{
	atomic_fetch_add_explicit(&w->checks, 1, memory_order_relaxed);
	if (polling_for != w)
		atomic_fetch_add_explicit(&w->checks_elsewhere, 1, memory_order_relaxed);
	uint64_t h = SIG_SEED, hc = SIG_SEED;
	int bfd = unsafe ? -1 : base_fd(w, dirs);
	const char *d = dirs + strlen(dirs) + 1;
	for (unsigned k = 0; k < ndirs; k++, d += strlen(d) + 1) {
		bool is_cur = dir_is_cur(k);
		if (is_cur && !cur)
			continue;
		struct stat sb;
		int64_t v = -1;
		if (bfd >= 0 && fstatat(bfd, d, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			v = (int64_t)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
		if (is_cur)
			hc = sig_step(hc, v);
		else
			h = sig_step(h, v);
	}
	*sig_cur = hc;
	return h;
}

/* A round checks the root and new/ of each box, and its cur/ directories
 * every CUR_ROUNDS rounds (and in a box's first round). A delivery lands
 * in new/ (virtual(8), Dovecot's LDA and LMTP), a new folder changes the
 * root: both show within a period. cur/ changes when a client reads, flags
 * or expunges a message, or stores one with flags (an IMAP APPEND of a
 * sent message, a Sieve addflag): such a change shows within CUR_ROUNDS
 * periods. cur/ is some 40 % of the directories a round checks (43 % of
 * 725,604 on the 100,000-box bench tree), and at 100,000 boxes a round
 * of one statx each (some 2 us here) is longer than the period. */
#define CUR_ROUNDS MAILDIR_POLL_CUR_ROUNDS

/* Check every polled box once; the changed ones go to ready[], and the
 * first one there wakes the caller. The lock is held to copy a box out and
 * to record its signature, never across the checks' system calls. A round
 * over 10,000 boxes is long: maildir_watch_free does not wait for its end. */
static void poll_round(struct maildir_watch *w)
{
	forget_base(w);
	bool with_cur = w->round++ % CUR_ROUNDS == 0;
	for (size_t i = 0; !atomic_load_explicit(&w->stopping, memory_order_relaxed); i++) {
		pthread_mutex_lock(&w->lock);
		if (i >= w->npolled) {
			w->fresh = false;   /* every box added so far has a signature */
			pthread_mutex_unlock(&w->lock);
			break;
		}
		const struct polled *p = &w->polled[i];
		sb_reset(&w->box);
		sb_add(&w->box, p->dirs, p->dirs_len);
		unsigned ndirs = p->ndirs;
		bool unsafe = p->unsafe, cur = with_cur || !p->has_cur;
		pthread_mutex_unlock(&w->lock);

		uint64_t sig_cur;
		uint64_t sig = box_signature(w, w->box.buf, ndirs, unsafe, cur, &sig_cur);

		pthread_mutex_lock(&w->lock);
		struct polled *q = &w->polled[i];
		bool wake = false;
		bool changed = (q->has_sig && sig != q->sig) ||
			       (cur && q->has_cur && sig_cur != q->sig_cur);
		if (changed && !q->ready) {
			q->ready = true;
			xgrow(&w->ready, &w->ready_cap, w->nready + 1, sizeof *w->ready);
			w->ready[w->nready++] = q->id;
			wake = w->nready == 1;
		}
		q->sig = sig;
		q->has_sig = true;
		if (cur) {
			q->sig_cur = sig_cur;
			q->has_cur = true;
		}
		pthread_mutex_unlock(&w->lock);
		if (wake)
			signal_fd(w->ready_fd);
	}
}

static void fan_queue(void *arg, size_t id)
{
	struct maildir_watch *w = arg;
	pthread_mutex_lock(&w->lock);
	xgrow(&w->fan_ready, &w->fan_ready_cap, w->nfan_ready + 1, sizeof *w->fan_ready);
	w->fan_ready[w->nfan_ready++] = id;
	bool wake = w->nfan_ready == 1 && !w->fan_overflow;
	pthread_mutex_unlock(&w->lock);
	if (wake)
		signal_fd(w->ready_fd);
}

/* Read fanotify's events: the boxes they concern go to fan_ready[], and
 * the first one there wakes the caller; the others wake nobody. */
static void fan_round(struct maildir_watch *w)
{
	if (!fanwatch_drain(w->fan, fan_queue, w))
		return;
	pthread_mutex_lock(&w->lock);
	bool wake = !w->fan_overflow && w->nfan_ready == 0;
	w->fan_overflow = true;
	pthread_mutex_unlock(&w->lock);
	if (wake)
		signal_fd(w->ready_fd);
}

/* fanotify follows the whole filesystem: every file any program creates,
 * renames or removes on it wakes this thread, one event a read (hundreds a
 * second while others build on the machine: 2.6 % of a core for an idle
 * interface at 100,000 boxes, issue 16). After a read the thread waits
 * this long, so that the next read takes what came meanwhile at once: a
 * delivery shows up to that much later (the target is 1 s). */
#define FAN_BATCH_MS 100

static void *poll_thread(void *arg)
{
	struct maildir_watch *w = arg;
	polling_for = w;
	struct pollfd fds[3] = {
		{ .fd = w->tfd, .events = POLLIN },
		{ .fd = w->stop_fd, .events = POLLIN },
		{ .fd = w->fan ? fanwatch_fd(w->fan) : -1, .events = POLLIN },
	};
	for (;;) {
		if (poll(fds, 3, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (fds[2].revents) {
			fan_round(w);
			struct pollfd stop = { .fd = w->stop_fd, .events = POLLIN };
			if (poll(&stop, 1, FAN_BATCH_MS) > 0)
				break;
		}
		uint64_t ticks;
		if (read(w->tfd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks)
			poll_round(w);
	}
	return NULL;
}

/* The thread starts with the first polled box (most servers never need
 * it). It takes none of the caller's signals (SIGWINCH, SIGTERM). */
static void start_thread(struct maildir_watch *w)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->threaded = pthread_create(&w->thread, NULL, poll_thread, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!w->threaded) {
		/* No thread: the timer and fanotify join the epoll set and drain
		 * checks and reads. */
		w->inline_polls = true;
		add_to_epoll(w, w->tfd);
		if (w->fan)
			add_to_epoll(w, fanwatch_fd(w->fan));
	}
}

/* A round now, for the boxes that have no signature yet. */
static void poll_soon(struct maildir_watch *w)
{
	if (!w->threaded && !w->inline_polls)
		start_thread(w);
	struct itimerspec soon = w->period;
	soon.it_value = (struct timespec){ 0, 1 };
	timerfd_settime(w->tfd, 0, &soon, NULL);
}

static void ensure_state(struct maildir_watch *w, size_t id)
{
	size_t n = maildir_scan_count(w->s);
	if (id >= n)
		n = id + 1;
	if (n > w->nstate) {
		w->state = xrealloc(w->state, n);
		w->mark = xrealloc(w->mark, n);
		w->slot = xreallocarray(w->slot, n, sizeof *w->slot);
		memset(w->state + w->nstate, 0, n - w->nstate);
		memset(w->mark + w->nstate, 0, n - w->nstate);
		w->nstate = n;
	}
}

/* Poll box id, or refresh what is checked for it (its folders may have
 * changed). Its signature is the thread's to take: the caller's thread
 * makes no check. */
static void set_polled(struct maildir_watch *w, size_t id)
{
	if (w->state[id] == ST_INOTIFY && w->nwatched)
		w->nwatched--;
	unsigned ndirs = box_snapshot(w, id, &w->snap);
	enum maildir_status st = maildir_box_status(w->s, id, NULL);
	bool unsafe = st == MAILDIR_UNSAFE;
	bool kick = false;
	pthread_mutex_lock(&w->lock);
	if (w->state[id] != ST_POLLED) {
		xgrow(&w->polled, &w->polled_cap, w->npolled + 1, sizeof *w->polled);
		w->slot[id] = w->npolled;
		/* A maildir the scan found missing is compared with "absent"
		 * from the start: one that appears before the first round (a
		 * first delivery, a restore) is reported, not taken as is. */
		bool absent = st == MAILDIR_MISSING;
		w->polled[w->npolled++] = (struct polled){
			.id = id, .has_sig = absent, .has_cur = absent,
			.sig = absent ? absent_signature(ndirs, false) : 0,
			.sig_cur = absent ? absent_signature(ndirs, true) : 0 };
		kick = !w->fresh;
		w->fresh = true;
	}
	/* A new list keeps the old signature: the next round then reports the
	 * box once more, which costs one rescan; taking a new signature here
	 * could hide a delivery made since the caller's rescan. */
	struct polled *p = &w->polled[w->slot[id]];
	if (!p->dirs || p->dirs_len != w->snap.len || memcmp(p->dirs, w->snap.buf, w->snap.len)) {
		free(p->dirs);
		p->dirs = xmemdup0(w->snap.buf, w->snap.len);
		p->dirs_len = w->snap.len;
	}
	p->ndirs = ndirs;
	p->unsafe = unsafe;
	pthread_mutex_unlock(&w->lock);
	w->state[id] = ST_POLLED;
	if (kick)
		poll_soon(w);
}

bool maildir_watch_signed(struct maildir_watch *w)
{
	if (!w->threaded)
		return true;   /* rounds run in drain: none is under way */
	pthread_mutex_lock(&w->lock);
	bool fresh = w->fresh;
	pthread_mutex_unlock(&w->lock);
	return !fresh;
}

/* Place box id's inotify watches; false when watches run out. */
static bool inotify_box(struct maildir_watch *w, size_t id)
{
	for (size_t k = 0; box_dirs(w->s, id, k, &w->sub); k++) {
		if (w->limit && w->nwatches >= w->limit)
			return false;
		/* Open beneath the base without symlinks, then watch the opened
		 * directory itself through /proc (no path is resolved again). */
		int fd = maildir_box_open(w->s, id, sb_str(&w->sub));
		if (fd < 0)
			continue;        /* new/ or cur/ may be absent; the root shows it */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		int wd = inotify_add_watch(w->ifd, proc, WATCH_MASK);
		int e = errno;
		close(fd);
		if (wd < 0) {
			if (e == ENOSPC || e == ENOMEM)
				return false;
			continue;
		}
		if ((size_t)wd >= w->nwd) {
			size_t n = (size_t)wd * 2 + 16;
			w->wd_box = xreallocarray(w->wd_box, n, sizeof *w->wd_box);
			for (size_t i = w->nwd; i < n; i++)
				w->wd_box[i] = NO_BOX;
			w->nwd = n;
		}
		if (w->wd_box[wd] == NO_BOX)
			w->nwatches++;
		w->wd_box[wd] = id;
	}
	return true;
}

/* Follow box id's directories with fanotify (its events read on the
 * watcher's thread, started with the first such box); false when it
 * cannot be had or refuses a directory of the box. */
static bool fanotify_box(struct maildir_watch *w, size_t id)
{
	if (!w->fan)
		return false;
	size_t followed = 0;
	for (size_t k = 0; box_dirs(w->s, id, k, &w->sub); k++) {
		int fd = maildir_box_open(w->s, id, sb_str(&w->sub));
		if (fd < 0)
			continue;        /* as above: the root shows new/ or cur/ coming */
		bool ok = fanwatch_add(w->fan, fd, id);
		close(fd);
		if (!ok)
			return false;
		followed++;
	}
	if (followed && !w->threaded && !w->inline_polls)
		start_thread(w);
	return followed > 0;
}

bool maildir_watch_add(struct maildir_watch *w, size_t id)
{
	ensure_state(w, id);
	/* Once polled, always polled: its thread holds the reference. A box
	 * without maildir is polled too (its appearance changes its
	 * signature), not forgotten: there is nothing to place a watch on. */
	if (w->state[id] == ST_POLLED ||
	    maildir_box_status(w->s, id, NULL) == MAILDIR_MISSING) {
		if (w->state[id] == ST_FANOTIFY && w->nfanned)
			w->nfanned--;    /* its maildir went away: polled from now on */
		set_polled(w, id);
		return false;
	}
	if (w->state[id] != ST_FANOTIFY && w->ifd >= 0 && inotify_box(w, id)) {
		if (w->state[id] != ST_INOTIFY)
			w->nwatched++;
		w->state[id] = ST_INOTIFY;
		return true;
	}
	/* Out of watches: fanotify, or mtime checks from now on (the inotify
	 * watches already placed for it still report, harmlessly). */
	if (fanotify_box(w, id)) {
		if (w->state[id] == ST_INOTIFY && w->nwatched)
			w->nwatched--;
		if (w->state[id] != ST_FANOTIFY)
			w->nfanned++;
		w->state[id] = ST_FANOTIFY;
		return true;
	}
	if (w->state[id] == ST_FANOTIFY && w->nfanned)
		w->nfanned--;
	set_polled(w, id);
	return false;
}

static void report(struct maildir_watch *w, size_t id, size_t **ids, size_t *n, size_t *cap)
{
	if (id >= w->nstate || w->mark[id])
		return;
	w->mark[id] = 1;
	xgrow(ids, cap, *n + 1, sizeof **ids);
	(*ids)[(*n)++] = id;
}

size_t maildir_watch_drain(struct maildir_watch *w, size_t **ids, size_t *n, size_t *cap)
{
	size_t first = *n;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (ssize_t got; w->ifd >= 0 && (got = read(w->ifd, buf, sizeof buf)) > 0;) {
		for (ssize_t off = 0; off < got;) {
			const struct inotify_event *ev = (const void *)(buf + off);
			off += (ssize_t)(sizeof *ev + ev->len);
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: every watched box may have changed. */
				for (size_t i = 0; i < w->nstate; i++)
					if (w->state[i] == ST_INOTIFY)
						report(w, i, ids, n, cap);
				continue;
			}
			if (ev->wd < 0 || (size_t)ev->wd >= w->nwd || w->wd_box[ev->wd] == NO_BOX)
				continue;
			report(w, w->wd_box[ev->wd], ids, n, cap);
			if (ev->mask & IN_IGNORED) {
				w->wd_box[ev->wd] = NO_BOX;
				if (w->nwatches)
					w->nwatches--;
			}
		}
	}
	uint64_t count;
	if (w->inline_polls && read(w->tfd, &count, sizeof count) == (ssize_t)sizeof count)
		poll_round(w);
	if (w->inline_polls && w->fan)
		fan_round(w);
	/* The polled boxes the thread (or the round above) found changed. */
	if (read(w->ready_fd, &count, sizeof count) == (ssize_t)sizeof count) {
		pthread_mutex_lock(&w->lock);
		for (size_t i = 0; i < w->nready; i++) {
			report(w, w->ready[i], ids, n, cap);
			w->polled[w->slot[w->ready[i]]].ready = false;
		}
		w->nready = 0;
		/* The boxes fanotify reported; all it follows when it lost events. */
		for (size_t i = 0; i < w->nfan_ready; i++)
			report(w, w->fan_ready[i], ids, n, cap);
		for (size_t i = 0; w->fan_overflow && i < w->nstate; i++)
			if (w->state[i] == ST_FANOTIFY)
				report(w, i, ids, n, cap);
		w->nfan_ready = 0;
		w->fan_overflow = false;
		pthread_mutex_unlock(&w->lock);
	}
	for (size_t i = first; i < *n; i++)
		w->mark[(*ids)[i]] = 0;
	return *n - first;
}
