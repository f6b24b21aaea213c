/* Reading Maildir directories: opening them beneath the mail base without
 * following symlinks (openat2, else one component at a time), and listing
 * new/, cur/ and tmp/ with getdents64 into a directory's figures (moves
 * from new/ to cur/ during the listing counted once). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "name.h"
#include "readdir.h"
#include "scan_int.h"
#include "vmailadm/xalloc.h"

/* Dovecot's own files (uidlist, indexes, keywords, subscriptions,
 * maildirsize ...): never messages, wherever they turn up. */
static bool readdir_is_dovecot_file(const char *n)
{
	switch (n[0]) {
	case 'd': return strncmp(n, "dovecot", 7) == 0;
	case 's': return strcmp(n, "subscriptions") == 0;
	case 'm': return strcmp(n, "maildirsize") == 0 || strcmp(n, "maildirfolder") == 0;
	default: return false;
	}
}

/* ---- opening beneath the base ---- */

/* rel must stay beneath its base: relative, no "." or "..", no control bytes. */
bool readdir_rel_ok(const char *rel)
{
	if (!*rel || *rel == '/')
		return false;
	for (const char *p = rel; *p;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return false;
		p += l;
		while (*p == '/')
			p++;
	}
	return true;
}

static int openat2_works = 1;

/* Open a directory beneath dirfd refusing symlinks anywhere on the way
 * (openat2 RESOLVE_NO_SYMLINKS, plus the resolve flags given); without
 * openat2, one component at a time with O_NOFOLLOW. */
static int readdir_open_flags(int dirfd, const char *path, int extra, uint64_t resolve)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | extra;
	if (!strchr(path, '/'))
		return openat(dirfd, path, flags);
	if (openat2_works) {
		struct open_how how = { .flags = (uint64_t)flags,
			.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | resolve };
		int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		openat2_works = 0;
	}
	char comp[256];
	int fd = dirfd;
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l >= sizeof comp) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (l) {
			memcpy(comp, p, l);
			comp[l] = 0;
			int nfd = openat(fd, comp, flags);
			if (fd != dirfd)
				close(fd);
			fd = nfd;
			if (fd < 0)
				return -1;
		}
		p += l;
		while (*p == '/')
			p++;
	}
	return fd == dirfd ? openat(dirfd, ".", flags) : fd;
fail:
	if (fd != dirfd)
		close(fd);
	return -1;
}

static atomic_int noatime_ok = 1;

/* Reading a directory changed since it was last read updates its atime
 * (relatime): a read-only scan would dirty an inode per directory and make
 * the journal write them out. O_NOATIME needs the owner or CAP_FOWNER (root,
 * or vmail on its own tree); without either, open normally from then on. */
static int readdir_open_resolve(int dirfd, const char *path, uint64_t resolve)
{
	if (atomic_load_explicit(&noatime_ok, memory_order_relaxed)) {
		int fd = readdir_open_flags(dirfd, path, O_NOATIME, resolve);
		if (fd >= 0 || errno != EPERM)
			return fd;
		atomic_store(&noatime_ok, 0);
	}
	return readdir_open_flags(dirfd, path, 0, resolve);
}

/* A path we were given (a box's rel): the kernel also refuses "..". */
int readdir_open_beneath(int dirfd, const char *path)
{
	return readdir_open_resolve(dirfd, path, RESOLVE_BENEATH);
}

/* ".Sent/new" in an open box: the folder name came from the box's own
 * listing (never "." or "..", no '/') and the rest is ours, so without
 * symlinks the path cannot leave the box; RESOLVE_BENEATH's ancestry check
 * at the end would only cost time (a third of all opens). */
int readdir_open_in_box(int boxfd, const char *path)
{
	return readdir_open_resolve(boxfd, path, 0);
}

/* ---- reading one directory ---- */

static size_t readdir_ino_slot(uint64_t ino, size_t mask)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* After new/ is read: its inodes in a table twice their number, so that
 * each cur/ entry costs one probe (most folders never see a move). */
static void readdir_index_seen(struct worker *w)
{
	size_t size = 16;
	while (size < 2 * w->nseen)
		size *= 2;
	if (size > w->seen_tab_cap) {
		free(w->seen_tab);
		w->seen_tab = xcalloc(size, sizeof *w->seen_tab);
		w->seen_tab_cap = size;
	} else {
		memset(w->seen_tab, 0, size * sizeof *w->seen_tab);
	}
	w->seen_mask = size - 1;
	for (size_t i = 0; i < w->nseen; i++) {
		size_t h = readdir_ino_slot(w->seen[i].ino, w->seen_mask);
		while (w->seen_tab[h].ino)
			h = (h + 1) & w->seen_mask;
		w->seen_tab[h] = w->seen[i];
	}
}

/* A cur/ entry that was also listed in new/ moved while we read (rename
 * keeps the inode, and so does a link-then-unlink move): take it out of
 * new/'s figures, it is counted here in cur/. */
static void readdir_unsee(struct worker *w, uint64_t ino, struct dirfig *newfig)
{
	for (size_t h = readdir_ino_slot(ino, w->seen_mask); w->seen_tab[h].ino; h = (h + 1) & w->seen_mask) {
		struct seen *e = &w->seen_tab[h];
		if (e->ino != ino || e->size == UINT64_MAX)
			continue;
		newfig->n--;
		newfig->unread--;
		newfig->bytes -= e->size;
		e->size = UINT64_MAX;
		return;
	}
}

/* Count one message of new/ or cur/. st_size: its size when already
 * stat'ed, else UINT64_MAX (a stat is made only when the name has no ,S=). */
static void readdir_add_message(struct worker *w, struct dirfig *f, char kind,
			const struct dirent64 *de, uint64_t st_size, bool dedupe,
			struct dirfig *newfig)
{
	struct nameinfo ni;
	name_parse(de->d_name, &ni);
	uint64_t size = ni.size;
	if (!ni.has_size) {
		if (st_size == UINT64_MAX) {
			struct stat sb;
			if (w->s->hook)
				w->s->hook(MAILDIR_HOOK_BEFORE_STAT, de->d_name, w->s->hook_arg);
			w->st.file_stats++;
			if (fstatat(w->dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
				/* Moved (new/ to cur/) or expunged since getdents. */
				w->st.vanished++;
				return;
			}
			if (!S_ISREG(sb.st_mode))
				return;
			st_size = (uint64_t)sb.st_size;
		}
		size = st_size;
	}
	f->n++;
	f->bytes = maildir_bytes_add(f->bytes, size);
	if (kind == 'n') {
		if (w->nseen == w->seen_cap)
			xgrow(&w->seen, &w->seen_cap, w->nseen + 1, sizeof *w->seen);
		w->seen[w->nseen++] = (struct seen){ de->d_ino, size };
	} else if (dedupe) {
		readdir_unsee(w, de->d_ino, newfig);
	}
	if (ni.time > f->newest)
		f->newest = ni.time;
	if (kind == 'n' || !ni.seen)
		f->unread++;
	if (kind == 'c' && ni.trashed)
		f->deleted++;
}

/* List one directory of messages (kind 'n', 'c') or tmp/ ('t'). newfig:
 * when reading cur/ right after new/, new/'s figures (see readdir_unsee). */
int readdir_dir(struct worker *w, int fd, char kind, struct dirfig *f,
		    struct dirfig *newfig)
{
	memset(f, 0, sizeof *f);
	if (kind == 'n')
		w->nseen = 0;
	bool dedupe = kind == 'c' && newfig && w->nseen;
	w->dirfd = fd;
	w->st.dir_reads++;
	int64_t stale_before = w->s->run_start_ns / 1000000000LL - TMP_STALE_SECS;
	for (bool done = false;;) {
		ssize_t got = done ? 0 : getdents64(fd, w->buf, DENTS_BUF);
		if (got < 0) {
			if (kind == 'n')
				w->nseen = 0;     /* no index of a partial listing */
			return -1;
		}
		done = w->short_eof && got <= DENTS_BUF - 1024;
		if (got == 0) {
			if (kind == 'n')
				readdir_index_seen(w);
			return 0;
		}
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(w->buf + off);
			off += de->d_reclen;
			const char *name = de->d_name;
			if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
				continue;
			if (name[0] == '.' || readdir_is_dovecot_file(name))
				continue;
			if (kind == 't' || de->d_type == DT_UNKNOWN) {
				struct stat sb;
				if (w->s->hook)
					w->s->hook(MAILDIR_HOOK_BEFORE_STAT, name, w->s->hook_arg);
				w->st.file_stats++;
				if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
					w->st.vanished++;
					continue;
				}
				if (!S_ISREG(sb.st_mode))
					continue;
				if (kind == 't') {
					f->n++;
					if (sb.st_ctime < stale_before)
						f->stale++;
					continue;
				}
				/* d_type was unknown; go on as if it had said DT_REG,
				 * keeping the size in case the name lacks one. */
				readdir_add_message(w, f, kind, de, (uint64_t)sb.st_size, dedupe, newfig);
				continue;
			}
			readdir_add_message(w, f, kind, de, UINT64_MAX, dedupe, newfig);
		}
	}
}
