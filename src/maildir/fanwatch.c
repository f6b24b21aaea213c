/* fanotify with directory file handles (FAN_REPORT_DFID_NAME): each event
 * names the directory an entry was created in, deleted from or moved
 * through, as a file handle. Each followed directory's handle, taken once
 * with name_to_handle_at, maps back to its box. Deliveries (tmp/ → new/),
 * reads (new/ → cur/, flag renames) and folders coming and going are all
 * such events, so this sees what the inotify watches see. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fanwatch.h"
#include "vmailadm/xalloc.h"

#define FAN_EVENTS (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_DELETE_SELF | \
		    FAN_MOVE_SELF | FAN_ONDIR)
#define HANDLE_MAX 128          /* MAX_HANDLE_SZ */

struct fanwatch {
	int fd;
	/* fanwatch_add (the caller's thread) and fanwatch_drain (the
	 * watcher's) meet here: the map and the key buffers under lock. */
	pthread_mutex_t lock;
	struct dirslot *slots;   /* open addressing, a power of two */
	size_t nslots, nused;
	uint64_t *marked;        /* filesystems marked, by fsid */
	size_t nmarked;
	int *mount_ids;          /* mount ids seen, and their fsid */
	uint64_t *mount_fsids;
	size_t nmounts;
};

struct fanwatch *fanwatch_open(void)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK | FAN_CLOEXEC,
			       O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;     /* EPERM without CAP_SYS_ADMIN, EINVAL before 5.9 */
	struct fanwatch *fw = xcalloc(1, sizeof *fw);
	fw->fd = fd;
	pthread_mutex_init(&fw->lock, NULL);

	return fw;
}

void fanwatch_free(struct fanwatch **fwp)
{
	struct fanwatch *fw = *fwp;
	if (!fw)
		return;
	close(fw->fd);
	free(fw->slots);
	free(fw->marked);
	free(fw->mount_ids);
	free(fw->mount_fsids);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
	*fwp = NULL;
}

int fanwatch_fd(const struct fanwatch *fw)
{
	return fw->fd;
}

/* A followed directory: its handle's 96-bit fingerprint (a 64-bit and a
 * 32-bit hash of the filesystem, the handle's type and bytes) and its box.
 * 16 bytes for each of 700,000 directories at 100,000 boxes (24 with a
 * second 64-bit hash and a size_t box: 25 MB of slots, 16 now; issue 16),
 * where string keys cost six times as much; two different handles sharing
 * both hashes is a 2^-96 event (700,000 handles: under 2^-57 that any pair
 * does). */
struct dirslot {
	uint64_t a;
	uint32_t b;
	uint32_t id_plus1;       /* 0: a free slot */
};

static void fingerprint(uint64_t fsid, int type, const unsigned char *h, size_t n, uint64_t *a,
			uint32_t *b)
{
	uint64_t x = 1469598103934665603ULL ^ fsid, y = 0x9e3779b97f4a7c15ULL + fsid;
	x = (x ^ (uint32_t)type) * 1099511628211ULL;
	y = (y ^ (uint32_t)type) * 0xbf58476d1ce4e5b9ULL;
	for (size_t i = 0; i < n; i++) {
		x = (x ^ h[i]) * 1099511628211ULL;
		y = (y + h[i]) * 0x94d049bb133111ebULL;
		y ^= y >> 29;
	}
	*a = x;
	*b = (uint32_t)(y ^ (y >> 32) ^ n);
}

static struct dirslot *slot_for(struct dirslot *slots, size_t nslots, uint64_t a, uint32_t b)
{
	for (size_t i = (size_t)(a ^ (a >> 31)) & (nslots - 1);; i = (i + 1) & (nslots - 1))
		if (!slots[i].id_plus1 || (slots[i].a == a && slots[i].b == b))
			return &slots[i];
}

static void dirs_put(struct fanwatch *fw, uint64_t a, uint32_t b, size_t id)
{
	if ((fw->nused + 1) * 4 > fw->nslots * 3) {   /* keep it under 3/4 full */
		size_t n = fw->nslots ? fw->nslots * 2 : 1024;
		struct dirslot *grown = xcalloc(n, sizeof *grown);
		for (size_t i = 0; i < fw->nslots; i++)
			if (fw->slots[i].id_plus1)
				*slot_for(grown, n, fw->slots[i].a, fw->slots[i].b) = fw->slots[i];
		free(fw->slots);
		fw->slots = grown;
		fw->nslots = n;
	}
	struct dirslot *sl = slot_for(fw->slots, fw->nslots, a, b);
	if (!sl->id_plus1)
		fw->nused++;
	*sl = (struct dirslot){ a, b, (uint32_t)id + 1 };
}

static size_t dirs_get(const struct fanwatch *fw, uint64_t a, uint32_t b)
{
	if (!fw->nslots)
		return SIZE_MAX;
	const struct dirslot *sl = slot_for(fw->slots, fw->nslots, a, b);
	return sl->id_plus1 ? sl->id_plus1 - 1 : SIZE_MAX;
}

static uint64_t fsid_of(const int val[2])
{
	return (uint64_t)(uint32_t)val[0] << 32 | (uint32_t)val[1];
}

/* Mark the filesystem of dirfd once: every directory on it reports. */
static bool mark_filesystem(struct fanwatch *fw, int dirfd, uint64_t fsid)
{
	for (size_t i = 0; i < fw->nmarked; i++)
		if (fw->marked[i] == fsid)
			return true;
	if (fanotify_mark(fw->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_EVENTS, dirfd, NULL) < 0)
		return false;
	fw->marked = xreallocarray(fw->marked, fw->nmarked + 1, sizeof *fw->marked);
	fw->marked[fw->nmarked++] = fsid;
	return true;
}

/* The filesystem of dirfd, by its mount id: one fstatfs per mount, not
 * one per directory (100,000 boxes have 700,000 directories). */
static bool mount_fsid(struct fanwatch *fw, int dirfd, int mount_id, uint64_t *fsid)
{
	for (size_t i = 0; i < fw->nmounts; i++)
		if (fw->mount_ids[i] == mount_id) {
			*fsid = fw->mount_fsids[i];
			return true;
		}
	struct statfs sf;
	if (fstatfs(dirfd, &sf) < 0)
		return false;
	int val[2];
	memcpy(val, &sf.f_fsid, sizeof val);
	*fsid = fsid_of(val);
	fw->mount_ids = xreallocarray(fw->mount_ids, fw->nmounts + 1, sizeof *fw->mount_ids);
	fw->mount_fsids = xreallocarray(fw->mount_fsids, fw->nmounts + 1, sizeof *fw->mount_fsids);
	fw->mount_ids[fw->nmounts] = mount_id;
	fw->mount_fsids[fw->nmounts++] = *fsid;
	return true;
}

bool fanwatch_add(struct fanwatch *fw, int dirfd, size_t id)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[HANDLE_MAX];
	} h;
	h.fh.handle_bytes = HANDLE_MAX;
	int mount_id;
	uint64_t fsid;
	if (id >= UINT32_MAX)   /* beyond a slot's box number: not followed */
		return false;
	if (name_to_handle_at(dirfd, "", &h.fh, &mount_id, AT_EMPTY_PATH) < 0 ||
	    !mount_fsid(fw, dirfd, mount_id, &fsid) || !mark_filesystem(fw, dirfd, fsid))
		return false;
	uint64_t a;
	uint32_t b;
	fingerprint(fsid, h.fh.handle_type, h.fh.f_handle, h.fh.handle_bytes, &a, &b);
	pthread_mutex_lock(&fw->lock);
	dirs_put(fw, a, b, id);
	pthread_mutex_unlock(&fw->lock);
	return true;
}

/* The box of one event's directory (its info records from p to end), or
 * SIZE_MAX when it is not followed. The records are 4-byte aligned. */
static size_t event_box(struct fanwatch *fw, const char *p, const char *end)
{
	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		const struct fanotify_event_info_fid *info = (const void *)p;
		if (info->hdr.len == 0 || p + info->hdr.len > end)
			break;
		if (info->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
		    info->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID ||
		    info->hdr.info_type == FAN_EVENT_INFO_TYPE_FID) {
			const struct file_handle *fh = (const void *)info->handle;
			int val[2];
			memcpy(val, &info->fsid, sizeof val);
			uint64_t a;
			uint32_t b;
			fingerprint(fsid_of(val), fh->handle_type, fh->f_handle, fh->handle_bytes,
				    &a, &b);
			size_t id = dirs_get(fw, a, b);
			if (id != SIZE_MAX)
				return id;
		}
		p += info->hdr.len;
	}
	return SIZE_MAX;
}

bool fanwatch_drain(struct fanwatch *fw, void (*report)(void *arg, size_t id), void *arg)
{
	bool overflow = false;
	char buf[16384] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	for (ssize_t got; (got = read(fw->fd, buf, sizeof buf)) > 0;) {
		/* An event's length follows its name's: the next one may start
		 * off the metadata's 8-byte alignment, so it is copied out. */
		for (size_t off = 0; off + sizeof(struct fanotify_event_metadata) <= (size_t)got;) {
			struct fanotify_event_metadata ev;
			memcpy(&ev, buf + off, sizeof ev);
			if (ev.event_len < sizeof ev || off + ev.event_len > (size_t)got ||
			    ev.metadata_len < sizeof ev || ev.metadata_len > ev.event_len)
				break;
			if (ev.fd >= 0)
				close(ev.fd);   /* not with fid reports; never leak one */
			if (ev.mask & FAN_Q_OVERFLOW) {
				overflow = true;
			} else {
				pthread_mutex_lock(&fw->lock);
				size_t id = event_box(fw, buf + off + ev.metadata_len, buf + off + ev.event_len);
				pthread_mutex_unlock(&fw->lock);
				if (id != SIZE_MAX)
					report(arg, id);
			}
			off += ev.event_len;
		}
	}
	return overflow;
}
