/* Watches on the Postfix queue directories (include/vmailadm/qwatch.h):
 * the interface lists the queue again when a message arrives, moves or
 * leaves, instead of every few seconds. Postfix makes the hashed
 * subdirectories of deferred/ and hold/ on demand, so each change rescans
 * the watched directories for new ones. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmailadm/qwatch.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

/* Where messages are while Postfix has them (flush/, bounce/ and defer/
 * hold logs, not messages). */
static const char *const queues[] = { "incoming", "active", "deferred", "hold", "maildrop" };
#define NQUEUES (sizeof queues / sizeof queues[0])

struct qwatch {
	int fd;
	char *dir;   /* queue_directory */
};

static bool qwatch_add(struct qwatch *w, const char *path)
{
	return inotify_add_watch(w->fd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
						     IN_CLOSE_WRITE | IN_ONLYDIR) >= 0;
}

/* The queue directories and their subdirectories (one level, the default
 * hash_queue_depth; a deeper hash is caught one level late, at the next
 * event). Adding a watch twice is harmless: inotify keeps one. */
static size_t qwatch_scan(struct qwatch *w)
{
	size_t n = 0;
	for (size_t i = 0; i < NQUEUES; i++) {
		char *q = xasprintf("%s/%s", w->dir, queues[i]);
		if (qwatch_add(w, q)) {
			n++;
			DIR *dp = opendir(q);
			struct dirent *e;
			while (dp && (e = readdir(dp)) != NULL) {
				if (e->d_name[0] == '.' || e->d_type != DT_DIR)
					continue;
				char *sub = xasprintf("%s/%s", q, e->d_name);
				n += qwatch_add(w, sub);
				free(sub);
			}
			if (dp)
				closedir(dp);
		}
		free(q);
	}
	char *pub = xasprintf("%s/public", w->dir);
	n += qwatch_add(w, pub);
	free(pub);
	return n;
}

struct qwatch *qwatch_create(const struct traffic_postfix *pf)
{
	struct qwatch *w = xcalloc(1, sizeof *w);
	w->dir = xstrdup(pf->queue_directory ? pf->queue_directory : "");
	w->fd = w->dir[0] == '/' ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
	if (w->fd >= 0 && qwatch_scan(w) == 0) {
		close(w->fd);   /* not root: nothing readable, the caller polls */
		w->fd = -1;
	}
	return w;
}

int qwatch_fd(const struct qwatch *w)
{
	return w ? w->fd : -1;
}

bool qwatch_drain(struct qwatch *w)
{
	if (!w || w->fd < 0)
		return false;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false, newdir = false;
	ssize_t r;
	while ((r = read(w->fd, buf, sizeof buf)) > 0) {
		any = true;
		for (char *p = buf; p < buf + r;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			newdir |= (e->mask & IN_ISDIR) != 0;
			p += sizeof *e + e->len;
		}
	}
	if (newdir)
		qwatch_scan(w);
	return any;
}

bool qwatch_postfix_up(const struct traffic_postfix *pf)
{
	if (!pf->queue_directory || !pf->queue_directory[0])
		return true;
	char *sock = xasprintf("%s/public/showq", pf->queue_directory);
	struct stat st;
	/* Only a socket known to be missing says no: without the right to
	 * look (EACCES), postqueue may still reach it. */
	bool up = stat(sock, &st) == 0 || errno != ENOENT;
	free(sock);
	return up;
}

void qwatch_free(struct qwatch **wp)
{
	struct qwatch *w = *wp;
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	free(w);
	*wp = NULL;
}
