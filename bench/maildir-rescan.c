/* maildir-rescan: in-process timings of the Maildir scanner for `make
 * bench` on a tree from gen-maildir: full scan, rescan with nothing
 * changed, rescan after a delivery to 1% of the boxes (found by mtime
 * checks of every box, or reported by the watcher), kept memory.
 *
 * maildir-rescan TREE [--once]   (TREE/boxes.txt lists the maildirs under
 * TREE/mail; --once: one full scan and its totals, for hyperfine) */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	if (argc != 2 && !once) {
		fprintf(stderr, "usage: maildir-rescan TREE [--once]\n");
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
