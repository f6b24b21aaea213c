/* The watcher: inotify watches on the directories that change when mail
 * arrives or is read, an epoll fd that also carries a timer for the boxes
 * polled by mtime once watches run out (ENOSPC). The scanner owns paths. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vmailadm/maildir.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/watch.h"
#include "vmailadm/xalloc.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
		    IN_MOVE_SELF | IN_ONLYDIR)
#define NO_BOX SIZE_MAX

struct polled { size_t id; uint64_t sig; };

struct maildir_watch {
	const struct maildir_scan *s;
	int ifd, tfd, efd;
	size_t *wd_box;          /* inotify wd -> box id (NO_BOX when unused) */
	size_t nwd;
	size_t nwatches, limit;
	unsigned char *state;    /* per box: 0 unwatched, 1 inotify, 2 polled */
	size_t nstate;
	struct polled *polled;
	size_t npolled, polled_cap;
	unsigned char *mark;     /* per box: already reported by this drain */
	size_t nwatched;
	/* The base of the polled boxes, opened once per round of checks. */
	const char *base_path;
	int base_fd;
	struct strbuf path, sub;
};

enum { ST_NONE, ST_INOTIFY, ST_POLLED };

struct maildir_watch *maildir_watch_create(const struct maildir_scan *s, unsigned poll_ms)
{
	struct maildir_watch *w = xcalloc(1, sizeof *w);
	w->s = s;
	w->base_fd = -1;
	w->efd = epoll_create1(EPOLL_CLOEXEC);
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->efd < 0 || w->tfd < 0) {
		maildir_watch_free(&w);
		return NULL;
	}
	if (poll_ms == 0)
		poll_ms = 500;
	struct itimerspec it = {
		.it_interval = { poll_ms / 1000, (long)(poll_ms % 1000) * 1000000L },
		.it_value = { poll_ms / 1000, (long)(poll_ms % 1000) * 1000000L },
	};
	timerfd_settime(w->tfd, 0, &it, NULL);
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = w->tfd;
	epoll_ctl(w->efd, EPOLL_CTL_ADD, w->tfd, &ev);
	if (w->ifd >= 0) {       /* without inotify (EMFILE) everything is polled */
		ev.data.fd = w->ifd;
		epoll_ctl(w->efd, EPOLL_CTL_ADD, w->ifd, &ev);
	}
	return w;
}

void maildir_watch_free(struct maildir_watch **wp)
{
	struct maildir_watch *w = *wp;
	if (!w)
		return;
	if (w->ifd >= 0) close(w->ifd);
	if (w->tfd >= 0) close(w->tfd);
	if (w->efd >= 0) close(w->efd);
	if (w->base_fd >= 0) close(w->base_fd);
	sb_free(&w->path);
	sb_free(&w->sub);
	free(w->wd_box);
	free(w->state);
	free(w->polled);
	free(w->mark);
	free(w);
	*wp = NULL;
}

void maildir_watch_set_limit(struct maildir_watch *w, size_t max_watches)
{
	w->limit = max_watches;
}

int maildir_watch_fd(const struct maildir_watch *w)
{
	return w->efd;
}

void maildir_watch_counts(const struct maildir_watch *w, size_t *watched, size_t *polled)
{
	*watched = w->nwatched;
	*polled = w->npolled;
}

/* The directories that change with mail: the root (folders come and go),
 * then new/ and cur/ of INBOX and of each folder. sub[] gets one at a time. */
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

static int base_fd(struct maildir_watch *w, size_t id)
{
	const char *path = maildir_box_base(w->s, id);
	if (w->base_fd >= 0 && (path == w->base_path || strcmp(path, w->base_path) == 0))
		return w->base_fd;
	if (w->base_fd >= 0)
		close(w->base_fd);
	w->base_path = path;
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

/* A signature of every watched directory's mtime (and existence), from
 * one fstatat each by path from the base: opening the base and the box
 * for each check cost as much as the checks. Nothing is opened; a symlink
 * swapped in on the way shows another mtime, so the box is reported and
 * the scanner, which refuses symlinks, reads it. A box the last scan found
 * unsafe (a symlink, a path leaving the base) is not looked into. */
static uint64_t box_signature(struct maildir_watch *w, size_t id)
{
	uint64_t h = 1469598103934665603ULL;
	int bfd = maildir_box_status(w->s, id, NULL) == MAILDIR_UNSAFE ? -1 : base_fd(w, id);
	sb_reset(&w->path);
	sb_adds(&w->path, maildir_box_rel(w->s, id));
	while (w->path.len > 1 && w->path.buf[w->path.len - 1] == '/')
		sb_truncate(&w->path, w->path.len - 1);
	size_t rl = w->path.len;
	for (size_t k = 0; box_dirs(w->s, id, k, &w->sub); k++) {
		sb_truncate(&w->path, rl);
		if (k) {
			sb_addc(&w->path, '/');
			sb_adds(&w->path, w->sub.buf);
		}
		struct stat sb;
		int64_t v = -1;
		if (bfd >= 0 && fstatat(bfd, w->path.buf, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			v = (int64_t)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
		h = (h ^ (uint64_t)v) * 1099511628211ULL;
	}
	return h;
}

static void ensure_state(struct maildir_watch *w, size_t id)
{
	size_t n = maildir_scan_count(w->s);
	if (id >= n)
		n = id + 1;
	if (n > w->nstate) {
		w->state = xrealloc(w->state, n);
		w->mark = xrealloc(w->mark, n);
		memset(w->state + w->nstate, 0, n - w->nstate);
		memset(w->mark + w->nstate, 0, n - w->nstate);
		w->nstate = n;
	}
}

static void set_polled(struct maildir_watch *w, size_t id)
{
	if (w->state[id] == ST_INOTIFY && w->nwatched)
		w->nwatched--;
	if (w->state[id] != ST_POLLED) {
		xgrow(&w->polled, &w->polled_cap, w->npolled + 1, sizeof *w->polled);
		w->polled[w->npolled++] = (struct polled){ id, 0 };
	}
	w->state[id] = ST_POLLED;
	for (size_t i = 0; i < w->npolled; i++)
		if (w->polled[i].id == id)
			w->polled[i].sig = box_signature(w, id);
}

bool maildir_watch_add(struct maildir_watch *w, size_t id)
{
	ensure_state(w, id);
	if (w->state[id] == ST_POLLED || w->ifd < 0) {
		set_polled(w, id);
		return false;
	}
	struct strbuf sub = STRBUF_INIT;
	bool ok = true;
	for (size_t k = 0; box_dirs(w->s, id, k, &sub); k++) {
		if (w->limit && w->nwatches >= w->limit) {
			ok = false;
			break;
		}
		/* Open beneath the base without symlinks, then watch the opened
		 * directory itself through /proc (no path is resolved again). */
		int fd = maildir_box_open(w->s, id, sb_str(&sub));
		if (fd < 0)
			continue;        /* new/ or cur/ may be absent; the root shows it */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		int wd = inotify_add_watch(w->ifd, proc, WATCH_MASK);
		int e = errno;
		close(fd);
		if (wd < 0) {
			if (e == ENOSPC || e == ENOMEM) {
				ok = false;
				break;
			}
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
	sb_free(&sub);
	if (!ok) {
		/* Out of watches: this box is checked by mtime from now on (its
		 * watches already placed still report, harmlessly). */
		set_polled(w, id);
		return false;
	}
	if (w->state[id] != ST_INOTIFY)
		w->nwatched++;
	w->state[id] = ST_INOTIFY;
	return true;
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
	uint64_t ticks;
	if (read(w->tfd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks) {
		forget_base(w);
		for (size_t i = 0; i < w->npolled; i++) {
			uint64_t sig = box_signature(w, w->polled[i].id);
			if (sig != w->polled[i].sig) {
				w->polled[i].sig = sig;
				report(w, w->polled[i].id, ids, n, cap);
			}
		}
	}
	for (size_t i = first; i < *n; i++)
		w->mark[(*ids)[i]] = 0;
	return *n - first;
}
