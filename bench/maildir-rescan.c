/* maildir-rescan: in-process timings of the Maildir scanner for `make
 * bench` on a tree from gen-maildir: full scan, rescan with nothing
 * changed, rescan after a delivery to 1% of the boxes (found by mtime
 * checks of every box, or reported by the watcher), kept memory; and two
 * floors, what the kernel alone costs for the same work.
 *
 * maildir-rescan TREE [--once | --floor | --check-round]   (TREE/boxes.txt
 * lists the maildirs under TREE/mail; --once: one full scan and its totals,
 * for hyperfine; --floor: the bare walk below, for hyperfine too;
 * --check-round: the checks below on one thread, as the interface's
 * polling thread makes them (root and new/ each round, cur/ every
 * MAILDIR_POLL_CUR_ROUNDS rounds), the median of three passes, wall and
 * CPU, of an average round: bench/tui-idle.sh's floor for polling) */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "vmailadm/maildir.h"
#include "vmailadm/watch.h"
#include "vmailadm/xalloc.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char **boxes;
static size_t nboxes;

/* ---- floors ------------------------------------------------------------
 * What the kernel alone costs for the same work, measured without the
 * scanner: one thread per core over the same boxes, nothing kept, no
 * checks of names beyond ",S=". The walk: open and list each box root, new/
 * and cur/ of it and of its Maildir++ folders, and fstatat every message
 * whose name has no ",S=" (what `vmailadm stats` reads for its table). The
 * checks: one statx per directory a rescan must look at (each root, new/
 * and cur/ of each folder), by path from the base. */

struct floor_run {
	int basefd;
	bool short_eof;              /* as the scanner: ext4, xfs, btrfs, tmpfs */
	char **paths;                /* the checks */
	size_t npaths;
	int only_cur;                /* -1: every check; 1: cur/ only; 0: the others */
	atomic_size_t next;
	atomic_ulong names, stats;
};

static void walk_list(struct floor_run *r, int fd, char *buf)
{
	unsigned long names = 0, stats = 0;
	for (;;) {
		ssize_t got = getdents64(fd, buf, 65536);
		if (got <= 0)
			break;
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
			off += de->d_reclen;
			names++;
			struct stat sb;
			if (de->d_name[0] != '.' && !strstr(de->d_name, ",S=") &&
			    fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
				stats++;
		}
		if (r->short_eof && got < 65536 - 1024)
			break;
	}
	atomic_fetch_add(&r->names, names);
	atomic_fetch_add(&r->stats, stats);
}

/* Calls fn(arg, folder_prefix) for INBOX ("") and each ".x/" of the box
 * open as boxfd, from its root listing (read into buf). */
static void each_folder(const struct floor_run *r, int boxfd, char *buf,
			void (*fn)(void *, const char *), void *arg)
{
	fn(arg, "");
	for (ssize_t got; (got = getdents64(boxfd, buf, 65536)) > 0;) {
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
			off += de->d_reclen;
			const char *n = de->d_name;
			if (n[0] != '.' || !n[1] || (n[1] == '.' && !n[2]) || de->d_type != DT_DIR ||
			    strlen(n) > 250)
				continue;
			char prefix[300];
			snprintf(prefix, sizeof prefix, "%s/", n);
			fn(arg, prefix);
		}
		if (r->short_eof && got < 65536 - 1024)
			break;
	}
}

struct walk_box { struct floor_run *r; int boxfd; char *buf; };

static void walk_folder(void *arg, const char *prefix)
{
	struct walk_box *wb = arg;
	char p[600];
	for (int k = 0; k < 2; k++) {
		snprintf(p, sizeof p, "%s%s", prefix, k ? "cur" : "new");
		int fd = openat(wb->boxfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			walk_list(wb->r, fd, wb->buf);
			close(fd);
		}
	}
}

static void *walk_worker(void *arg)
{
	struct floor_run *r = arg;
	char *buf = xmalloc(65536), *root = xmalloc(65536);
	for (size_t i; (i = atomic_fetch_add(&r->next, 1)) < nboxes;) {
		int boxfd = openat(r->basefd, boxes[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (boxfd < 0)
			continue;
		struct walk_box wb = { r, boxfd, buf };
		each_folder(r, boxfd, root, walk_folder, &wb);
		close(boxfd);
	}
	free(buf);
	free(root);
	return NULL;
}

struct path_list { struct floor_run *r; size_t cap; const char *box; };

static void add_path(struct path_list *pl, const char *p)
{
	xgrow(&pl->r->paths, &pl->cap, pl->r->npaths + 1, sizeof *pl->r->paths);
	pl->r->paths[pl->r->npaths++] = xstrdup(p);
}

static void add_check_paths(void *arg, const char *prefix)
{
	struct path_list *pl = arg;
	char p[700];
	for (int k = 0; k < 2; k++) {
		snprintf(p, sizeof p, "%s/%s%s", pl->box, prefix, k ? "cur" : "new");
		add_path(pl, p);
	}
}

static void *check_worker(void *arg)
{
	struct floor_run *r = arg;
	for (size_t i; (i = atomic_fetch_add(&r->next, 64)) < r->npaths;) {
		for (size_t k = i; k < i + 64 && k < r->npaths; k++) {
			struct statx sx;
			if (r->only_cur >= 0) {
				size_t l = strlen(r->paths[k]);
				bool cur = l >= 4 && strcmp(r->paths[k] + l - 4, "/cur") == 0;
				if (cur != (r->only_cur == 1))
					continue;
			}
			if (statx(r->basefd, r->paths[k], AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MTIME, &sx) == 0)
				atomic_fetch_add_explicit(&r->stats, 1, memory_order_relaxed);
		}
	}
	return NULL;
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One pass with a thread per core (threads 0) or threads; the seconds it
 * took, and (cpu) the CPU seconds of the process meanwhile. */
static double floor_pass_on(const char *mail, bool checks, unsigned threads, unsigned long *names,
			    unsigned long *stats, double *cpu, int only_cur)
{
	struct floor_run r = { 0 };
	r.only_cur = only_cur;
	r.basefd = open(mail, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.basefd < 0) {
		perror(mail);
		exit(1);
	}
	struct statfs sf;
	r.short_eof = fstatfs(r.basefd, &sf) == 0 &&
		      (sf.f_type == 0xEF53 || sf.f_type == 0x58465342 || sf.f_type == 0x9123683E ||
		       sf.f_type == 0x01021994);
	if (checks) {            /* the paths a rescan knows, gathered untimed */
		char *buf = xmalloc(65536);
		struct path_list pl = { &r, 0, NULL };
		for (size_t i = 0; i < nboxes; i++) {
			pl.box = boxes[i];
			add_path(&pl, boxes[i]);
			int boxfd = openat(r.basefd, boxes[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (boxfd >= 0) {
				each_folder(&r, boxfd, buf, add_check_paths, &pl);
				close(boxfd);
			}
		}
		free(buf);
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cores < 1 ? 1 : cores > 16 ? 16 : (unsigned)cores;
	if (threads)
		n = threads;
	pthread_t th[16];
	double t = now(), c = cpu_now();
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, checks ? check_worker : walk_worker, &r) != 0)
			n = i;
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	t = now() - t;
	if (cpu)
		*cpu = cpu_now() - c;
	close(r.basefd);
	for (size_t i = 0; i < r.npaths; i++)
		free(r.paths[i]);
	free(r.paths);
	*names = r.names;
	*stats = r.stats;
	return t;
}

static double floor_pass(const char *mail, bool checks, unsigned long *names, unsigned long *stats)
{
	return floor_pass_on(mail, checks, 0, names, stats, NULL, -1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* --check-round: what one polling round cannot go below, on average: the
 * root and new/ checks of every box, and a MAILDIR_POLL_CUR_ROUNDS-th of
 * its cur/ checks (each part the median of three passes); the round that
 * checks every directory too (check_full_round_*). */
static int check_round(const char *mail)
{
	double wall[2][3], cpu[2][3];
	unsigned long names, stats[2] = { 0, 0 };
	for (int part = 0; part < 2; part++) {
		for (int i = 0; i < 3; i++)
			wall[part][i] = floor_pass_on(mail, true, 1, &names, &stats[part],
						      &cpu[part][i], part);
		qsort(wall[part], 3, sizeof *wall[part], cmp_double);
		qsort(cpu[part], 3, sizeof *cpu[part], cmp_double);
	}
	double k = MAILDIR_POLL_CUR_ROUNDS;
	printf("check_round_seconds=%.4f check_round_cpu_seconds=%.4f check_round_statx=%.0f "
	       "check_full_round_cpu_seconds=%.4f check_full_round_statx=%lu cur_rounds=%d\n",
	       wall[0][1] + wall[1][1] / k, cpu[0][1] + cpu[1][1] / k,
	       (double)stats[0] + (double)stats[1] / k, cpu[0][1] + cpu[1][1], stats[0] + stats[1],
	       MAILDIR_POLL_CUR_ROUNDS);
	return 0;
}

/* Deliver one message to every 100th box starting at off (tmp/ then
 * rename into new/, as virtual(8) does); undo removes them again. */
static void deliver(const char *mail, size_t off, bool undo)
{
	char a[4096], b[4096];
	for (size_t i = off; i < nboxes; i += 100) {
		snprintf(b, sizeof b, "%s/%s/new/1800000000.M%zuP1.bench,S=1234", mail, boxes[i], off);
		if (undo) {
			unlink(b);
			continue;
		}
		snprintf(a, sizeof a, "%s/%s/tmp/1800000000.M%zuP1.bench,S=1234", mail, boxes[i], off);
		FILE *fp = fopen(a, "w");
		if (!fp || fclose(fp) != 0 || rename(a, b) != 0) {
			fprintf(stderr, "maildir-rescan: %s: %s\n", a, strerror(errno));
			exit(1);
		}
	}
}

static void totals(const struct maildir_scan *s, const char *tag)
{
	uint64_t msgs = 0, unread = 0, bytes = 0, nw = 0, folders = 0, bad = 0;
	for (size_t i = 0; i < maildir_scan_count(s); i++) {
		struct maildir_counts c;
		maildir_box_counts(s, i, &c);
		msgs += maildir_total(&c);
		unread += c.unread;
		bytes += c.bytes;
		nw += c.new_msgs;
		folders += maildir_box_folder_count(s, i);
		bad += maildir_box_status(s, i, NULL) != MAILDIR_OK;
	}
	printf("%s_messages=%" PRIu64 " %s_new=%" PRIu64 " %s_unread=%" PRIu64
	       " %s_bytes=%" PRIu64 " %s_folders=%" PRIu64 " %s_bad=%" PRIu64 "\n",
	       tag, msgs, tag, nw, tag, unread, tag, bytes, tag, folders, tag, bad);
}

int main(int argc, char **argv)
{
	bool once = argc == 3 && strcmp(argv[2], "--once") == 0;
	bool walk = argc == 3 && strcmp(argv[2], "--floor") == 0;
	bool round = argc == 3 && strcmp(argv[2], "--check-round") == 0;
	if (argc != 2 && !once && !walk && !round) {
		fprintf(stderr, "usage: maildir-rescan TREE [--once | --floor | --check-round]\n");
		return 2;
	}
	char mail[4096], list[4096], line[4096];
	snprintf(mail, sizeof mail, "%s/mail", argv[1]);
	snprintf(list, sizeof list, "%s/boxes.txt", argv[1]);
	FILE *fp = fopen(list, "r");
	if (!fp) {
		perror(list);
		return 1;
	}
	size_t cap = 0, ml = strlen(mail);
	while (fgets(line, sizeof line, fp)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, mail, ml) != 0 || line[ml] != '/')
			continue;
		xgrow(&boxes, &cap, nboxes + 1, sizeof *boxes);
		boxes[nboxes++] = xstrdup(line + ml + 1);
	}
	fclose(fp);
	if (round)
		return check_round(mail);
	if (walk) {
		unsigned long names, stats;
		double t = floor_pass(mail, false, &names, &stats);
		printf("floor_walk_seconds=%.4f floor_names=%lu floor_stats=%lu\n", t, names, stats);
		return 0;
	}

	const char *wk = getenv("BENCH_WORKERS");
	struct maildir_scan *s = maildir_scan_create(wk ? (unsigned)atoi(wk) : 0);
	maildir_scan_set_oneshot(s, once);
	for (size_t i = 0; i < nboxes; i++)
		maildir_scan_add(s, mail, boxes[i]);
	double t = now();
	maildir_scan_run(s);
	double full = now() - t;
	totals(s, "scan");
	if (once) {
		maildir_scan_free(&s);
		return 0;
	}
	struct maildir_scan_stats st;
	maildir_scan_get_stats(s, &st);
	printf("full_scan_seconds=%.4f workers=%" PRIu64 " dir_reads=%" PRIu64
	       " file_stats=%" PRIu64 " folders_shared=%" PRIu64 "\n", full, st.workers_max,
	       st.dir_reads, st.file_stats, st.folders_shared);

	t = now();
	maildir_scan_run(s);
	double noop = now() - t;
	printf("rescan_unchanged_seconds=%.4f\n", noop);

	/* 1% of the boxes get mail; every box's mtimes are checked. */
	deliver(mail, 1, false);
	struct maildir_scan_stats st0;
	maildir_scan_get_stats(s, &st0);
	t = now();
	size_t changed = maildir_scan_run(s);
	double poll_rescan = now() - t;
	maildir_scan_get_stats(s, &st);
	printf("rescan_1pct_mtime_seconds=%.4f changed=%zu ratio=%.3f dir_statx=%" PRIu64
	       " dir_reads=%" PRIu64 "\n", poll_rescan, changed, poll_rescan / full,
	       st.dir_stats - st0.dir_stats, st.dir_reads - st0.dir_reads);
	/* The same statx, alone: the least an mtime rescan can cost. */
	unsigned long fnames, fstats;
	double check_floor = floor_pass(mail, true, &fnames, &fstats);
	printf("check_floor_seconds=%.4f check_floor_statx=%lu ratio=%.3f\n", check_floor, fstats,
	       check_floor / full);

	/* 1% more, reported by the watcher: only those boxes are looked at. */
	struct maildir_watch *w = maildir_watch_create(s, 0);
	for (size_t i = 0; w && i < nboxes; i++)
		maildir_watch_add(w, i);
	size_t watched = 0, polled = 0;
	if (w) {
		size_t *ids = NULL, n = 0, idcap = 0;
		maildir_watch_drain(w, &ids, &n, &idcap);
		n = 0;
		deliver(mail, 2, false);
		double t0 = now(), seen = -1;
		size_t want = (nboxes + 97) / 100;
		while (now() - t0 < 3 && n < want) {
			struct pollfd pfd = { .fd = maildir_watch_fd(w), .events = POLLIN };
			poll(&pfd, 1, 100);
			maildir_watch_drain(w, &ids, &n, &idcap);
		}
		seen = now() - t0;
		maildir_watch_counts(w, &watched, &polled);
		t = now();
		changed = maildir_scan_boxes(s, ids, n);
		double wrescan = now() - t;
		printf("watch_reported=%zu of %zu in %.3fs watched=%zu polled=%zu\n", n, want, seen,
		       watched, polled);
		printf("rescan_1pct_watch_seconds=%.4f changed=%zu ratio=%.4f\n", wrescan, changed,
		       wrescan / full);
		free(ids);
		maildir_watch_free(&w);
	}
	totals(s, "after");
	size_t inc, mem = maildir_scan_memory(s, &inc);
	printf("memory_bytes=%zu per_box=%.1f incremental_per_box=%.1f\n", mem,
	       (double)mem / (double)nboxes, (double)inc / (double)nboxes);
	deliver(mail, 1, true);
	deliver(mail, 2, true);
	maildir_scan_free(&s);
	for (size_t i = 0; i < nboxes; i++)
		free(boxes[i]);
	free(boxes);
	return 0;
}
