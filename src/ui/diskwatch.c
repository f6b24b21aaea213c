/* Notice when someone else changes the files the interface shows (an admin
 * with an editor, a script, another vmailadm): inotify on the directories
 * of main.cf, the maps, the passwd-file and the aliases file (an atomic
 * rename replaces the inode, so the files themselves cannot be watched),
 * then, once the events have settled, a comparison of each file's
 * identity (device, inode, size, mtime) with the one seen at the last
 * load. Our own commits change the files too: the interface reloads after
 * them and re-arms, so their events compare equal and cost nothing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/config.h"
#include "vmailadm/model.h"
#include "vmailadm/clock.h"
#include "vmailadm/xalloc.h"

/* Writes come in bursts (a table, then its .db; a file, then its
 * rename): wait this long after the last event. */
#define DISKWATCH_SETTLE_MS 200

struct seen_file {
	char *path;
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct diskwatch {
	int ifd;                 /* -1: inotify unavailable (R still works) */
	struct seen_file *files;
	size_t nfiles;
	double due;              /* ms: compare then; 0 = nothing pending */
	bool before_read;        /* files[] identities taken before a read */
};

void diskwatch_add_dir(int ifd, const char *dir)
{
	if (ifd >= 0 && dir)
		inotify_add_watch(ifd, dir, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
					    IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR);
}

void diskwatch_add_dir_of(int ifd, const char *file)
{
	const char *slash = file ? strrchr(file, '/') : NULL;
	if (!slash)
		return;
	char *dir = slash == file ? xstrdup("/") : xstrndup(file, (size_t)(slash - file));
	diskwatch_add_dir(ifd, dir);
	free(dir);
}

bool diskwatch_settled(int fd, double *due, int settle_ms)
{
	char buf[4096];
	bool any = false;
	while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
		any = true;
	if (any)
		*due = clock_ms() + settle_ms;
	if (!*due || clock_ms() < *due)
		return false;
	*due = 0;
	return true;
}

int diskwatch_settle_timeout(double due)
{
	if (!due)
		return -1;
	double left = due - clock_ms();
	return left <= 0 ? 0 : (int)left + 1;
}

static void seen_take(struct seen_file *f)
{
	struct stat st;
	f->exists = stat(f->path, &st) == 0;
	if (!f->exists)
		return;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
}

static bool seen_same(const struct seen_file *f)
{
	struct seen_file now = { .path = f->path };
	seen_take(&now);
	if (now.exists != f->exists)
		return false;
	return !now.exists || (now.dev == f->dev && now.ino == f->ino && now.size == f->size &&
			       now.mtime.tv_sec == f->mtime.tv_sec && now.mtime.tv_nsec == f->mtime.tv_nsec);
}

/* A file to watch, its identity the one in before (taken before the
 * files were read) when it is there, else as it is now. */
static void diskwatch_add(struct diskwatch *W, const char *path, const struct seen_file *before,
			  size_t nbefore)
{
	if (!path)
		return;
	for (size_t i = 0; i < W->nfiles; i++)
		if (strcmp(W->files[i].path, path) == 0)
			return;
	W->files = xreallocarray(W->files, W->nfiles + 1, sizeof *W->files);
	struct seen_file *f = &W->files[W->nfiles++];
	memset(f, 0, sizeof *f);
	bool known = false;
	for (size_t i = 0; i < nbefore && !known; i++)
		if (strcmp(before[i].path, path) == 0)
			*f = before[i], known = true;
	f->path = xstrdup(path);
	if (!known)
		seen_take(f);
	diskwatch_add_dir_of(W->ifd, path);
}

static void seen_files_free(struct seen_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

static void diskwatch_clear(struct diskwatch *W)
{
	seen_files_free(W->files, W->nfiles);
	W->files = NULL;
	W->nfiles = 0;
	if (W->ifd >= 0)
		close(W->ifd);
	W->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	W->due = 0;
}

void diskwatch_before_read(struct diskwatch *W)
{
	for (size_t i = 0; W && i < W->nfiles; i++)
		seen_take(&W->files[i]);
	if (W)
		W->before_read = true;
}

void diskwatch_arm(struct diskwatch *W, const struct config *cfg, const struct world *w)
{
	/* Identities taken before the read are kept: a file changed while it
	 * was read then differs from them, and the watch, new, saw no event
	 * of it: compare at once. */
	struct seen_file *before = W->before_read ? W->files : NULL;
	size_t nbefore = W->before_read ? W->nfiles : 0;
	W->files = NULL;
	W->nfiles = 0;
	W->before_read = false;
	diskwatch_clear(W);
	diskwatch_add(W, w ? world_maincf_path(w) : NULL, before, nbefore);
	diskwatch_add(W, cfg->passwd_file, before, nbefore);
	diskwatch_add(W, cfg->aliases_file, before, nbefore);
	for (size_t i = 0; w && i < world_map_count(w); i++)
		diskwatch_add(W, world_map(w, i)->ref.path, before, nbefore);
	for (size_t i = 0; nbefore && i < W->nfiles; i++)
		if (!seen_same(&W->files[i]))
			W->due = clock_ms();
	seen_files_free(before, nbefore);
}

struct diskwatch *diskwatch_create(const struct config *cfg, const struct world *w)
{
	struct diskwatch *W = xcalloc(1, sizeof *W);
	W->ifd = -1;
	diskwatch_arm(W, cfg, w);
	return W;
}

void diskwatch_free(struct diskwatch **wp)
{
	struct diskwatch *W = *wp;
	if (!W)
		return;
	diskwatch_clear(W);
	if (W->ifd >= 0)
		close(W->ifd);
	free(W);
	*wp = NULL;
}

int diskwatch_pollfd(const struct diskwatch *W, struct pollfd *fd)
{
	if (!W || W->ifd < 0)
		return 0;
	*fd = (struct pollfd){ .fd = W->ifd, .events = POLLIN };
	return 1;
}

int diskwatch_timeout(const struct diskwatch *W)
{
	return W ? diskwatch_settle_timeout(W->due) : -1;
}

bool diskwatch_changed(struct diskwatch *W)
{
	if (!W || !diskwatch_settled(W->ifd, &W->due, DISKWATCH_SETTLE_MS))
		return false;
	for (size_t i = 0; i < W->nfiles; i++)
		if (!seen_same(&W->files[i]))
			return true;
	return false;
}
