/* The Maildir scanner: counts and sizes per mailbox and folder (messages
 * are the files of new/ and cur/; unread lack the S flag, as IMAP's UNSEEN
 * counts them), kept between runs so that a rescan reads only the directories
 * whose mtime changed; the boxes are read by readdir.c on the workers of
 * pool.c. The scanner owns all kept state (scan_int.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"
#include "quota.h"
#include "readdir.h"
#include "scan_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

const char *maildir_status_name(enum maildir_status st)
{
	switch (st) {
	case MAILDIR_OK: return "ok";
	case MAILDIR_NOT_SCANNED: return "not-scanned";
	case MAILDIR_MISSING: return "missing";
	case MAILDIR_NOT_MAILDIR: return "not-maildir";
	case MAILDIR_UNREADABLE: return "unreadable";
	case MAILDIR_UNSAFE: return "unsafe";
	case MAILDIR_PARTIAL: return "partial";
	}
	return "?";
}

static uint8_t scan_clamp_err(int e)
{
	return (uint8_t)(e > 255 ? 255 : e <= 0 ? EIO : e);
}

/* The mtime of path beneath at ("" for at itself) from a statx that asks
 * for nothing else; MT_UNKNOWN when it fails, is not a directory, or is
 * not after 1970 (kept values below 0 are MT_READ_AT). */
static int64_t scan_dir_mtime(struct worker *w, int at, const char *path)
{
	struct statx sx;
	w->st.dir_stats++;
	if (statx(at, path, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT | (*path ? 0 : AT_EMPTY_PATH),
		  STATX_TYPE | STATX_MTIME, &sx) < 0 || !(sx.stx_mask & STATX_MTIME) ||
	    !S_ISDIR(sx.stx_mode))
		return MT_UNKNOWN;
	int64_t m = (int64_t)sx.stx_mtime.tv_sec * 1000000000LL + sx.stx_mtime.tv_nsec;
	return m > 0 ? m : MT_UNKNOWN;
}

/* Is the directory path beneath at unchanged since it was last read (its
 * kept mtime, *kept)? A directory read without its mtime taken (MT_READ_AT:
 * by a run that started at T) is unchanged when its mtime is older than T
 * (less the coarse clock's margin): it has not changed since before it was
 * read. Its mtime is then kept as seen, and later checks compare it
 * exactly, as for one whose mtime was taken when it was read. */
static bool scan_mtime_same(struct worker *w, int at, const char *path, int64_t *kept)
{
	if (*kept == MT_UNKNOWN)
		return false;
	int64_t m = scan_dir_mtime(w, at, path);
	if (m == MT_UNKNOWN)
		return false;
	if (!MT_IS_READ_AT(*kept))
		return m == *kept;
	if (m >= MT_READ_AT_TIME(*kept) - RACY_NS)
		return false;
	*kept = m;
	return true;
}

/* Is the directory prefix+sub unchanged since it was last read? */
static bool scan_dir_unchanged(struct worker *w, int boxfd, const char *prefix, const char *sub,
			       int64_t *kept)
{
	if (*kept == MT_UNKNOWN)
		return false;
	sb_reset(&w->path);
	sb_adds(&w->path, prefix);
	sb_adds(&w->path, sub);
	/* The folder itself is a directory the root listing saw, and the root's
	 * mtime did not change, so it was not swapped for a symlink. */
	return scan_mtime_same(w, boxfd, w->path.buf, kept);
}

static int scan_open_sub(struct worker *w, int boxfd, const char *prefix, const char *sub)
{
	sb_reset(&w->path);
	sb_adds(&w->path, prefix);
	sb_adds(&w->path, sub);
	return readdir_open_in_box(boxfd, w->path.buf);
}

/* What to keep for a directory read now: that this run read it, and its
 * mtime taken only when it is next checked (scan_mtime_same). A statx of
 * each directory read made the interface's first scan, which reads every
 * one, 73,000 system calls longer at 10,000 boxes than `stats` (issue 16:
 * the whole tree within 1.2x its time); the check after the watches, which
 * looks at each directory anyway, now takes them. */
static int64_t scan_keep_mtime(const struct worker *w)
{
	return w->s->oneshot ? MT_UNKNOWN : MT_READ_AT(w->s->run_start_ns);
}

/* Scan one folder; returns true when its figures changed. */
static bool scan_folder(struct worker *w, int boxfd, const char *name, struct folder *f)
{
	char prefix[300];
	if (*name)
		snprintf(prefix, sizeof prefix, ".%s/", name);
	else
		prefix[0] = 0;
	bool force = f->status != MAILDIR_OK;
	bool new_same = !force && scan_dir_unchanged(w, boxfd, prefix, "new", &f->mt_new);
	bool cur_same = !force && scan_dir_unchanged(w, boxfd, prefix, "cur", &f->mt_cur);
	if (new_same && cur_same)
		return false;

	struct folder old = *f;
	int err = 0;
	struct dirfig nfig, cfig;
	bool new_read = false;
	f->flags = 0;
	w->nseen = 0;
	if (!new_same) {
		int fd = scan_open_sub(w, boxfd, prefix, "new");
		memset(&nfig, 0, sizeof nfig);
		f->mt_new = MT_UNKNOWN;
		if (fd < 0) {
			if (errno == ENOENT)
				f->flags |= F_NEW_MISSING;
			else
				err = errno;
		} else {
			int64_t m = scan_keep_mtime(w);
			if (readdir_dir(w, fd, 'n', &nfig, NULL) < 0)
				err = errno;
			else
				f->mt_new = m;
			new_read = true;
			close(fd);
		}
	}
	if (w->s->hook)
		w->s->hook(MAILDIR_HOOK_AFTER_NEW, prefix, w->s->hook_arg);
	if (!cur_same) {
		int fd = scan_open_sub(w, boxfd, prefix, "cur");
		memset(&cfig, 0, sizeof cfig);
		f->mt_cur = MT_UNKNOWN;
		if (fd < 0) {
			if (errno == ENOENT)
				f->flags |= F_CUR_MISSING;
			else if (!err)
				err = errno;
		} else {
			int64_t m = scan_keep_mtime(w);
			if (readdir_dir(w, fd, 'c', &cfig, new_read ? &nfig : NULL) < 0) {
				if (!err)
					err = errno;
			} else {
				f->mt_cur = m;
			}
			close(fd);
		}
		f->n_cur = cfig.n;
		f->unread_cur = cfig.unread;
		f->deleted = cfig.deleted;
		f->bytes_cur = cfig.bytes;
		f->newest_cur = cfig.newest;
	} else if (old.flags & F_CUR_MISSING) {
		f->flags |= F_CUR_MISSING;
	}
	if (!new_same) {
		f->n_new = nfig.n;
		f->bytes_new = nfig.bytes;
		f->newest_new = nfig.newest;
	} else if (old.flags & F_NEW_MISSING) {
		f->flags |= F_NEW_MISSING;
	}
	/* tmp/ changes with every delivery into new/ or cur/: read it then
	 * (unless nobody looks at it: a third of all directories). */
	int tfd = w->s->skip_tmp ? -1 : scan_open_sub(w, boxfd, prefix, "tmp");
	f->tmp = f->tmp_stale = 0;
	if (tfd >= 0) {
		struct dirfig tfig;
		if (readdir_dir(w, tfd, 't', &tfig, NULL) == 0) {
			f->tmp = (uint16_t)(tfig.n > UINT16_MAX ? UINT16_MAX : tfig.n);
			f->tmp_stale = (uint16_t)(tfig.stale > UINT16_MAX ? UINT16_MAX : tfig.stale);
		}
		close(tfd);
	}
	if ((f->flags & (F_NEW_MISSING | F_CUR_MISSING)) == (F_NEW_MISSING | F_CUR_MISSING))
		f->status = MAILDIR_NOT_MAILDIR;
	else if (err)
		f->status = (err == ELOOP || err == EXDEV) ? MAILDIR_UNSAFE : MAILDIR_UNREADABLE;
	else
		f->status = MAILDIR_OK;
	f->err = err ? scan_clamp_err(err) : 0;
	return memcmp(&old.bytes_new, &f->bytes_new,
		      offsetof(struct folder, name_off) - offsetof(struct folder, bytes_new)) != 0 ||
	       old.status != f->status;
}

static int scan_cmp_name_off(const void *a, const void *b, void *names)
{
	return strcmp((const char *)names + *(const uint32_t *)a, (const char *)names + *(const uint32_t *)b);
}

/* Re-read the box root: the folder list, keeping the state of folders that
 * are still there. The folders and their names (NUL-terminated, "" first
 * for INBOX) share one allocation; the listing's names gather in the
 * worker's buffers, not in a malloc each. */
static void scan_read_root(struct worker *w, int boxfd, struct box *b)
{
	sb_reset(&w->folder_names);
	w->nfolder_offs = 0;
	w->st.dir_reads++;
	b->has_maildirsize = 0;
	int rfd = boxfd;
	bool done = false;
	for (ssize_t got; !done && (got = getdents64(rfd, w->buf, DENTS_BUF)) > 0;) {
		done = w->short_eof && got <= DENTS_BUF - 1024;
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(w->buf + off);
			off += de->d_reclen;
			const char *nm = de->d_name;
			if (nm[0] == 'm' && strcmp(nm, "maildirsize") == 0 &&
			    (de->d_type == DT_REG || de->d_type == DT_UNKNOWN))
				b->has_maildirsize = MS_PRESENT |
					(de->d_type == DT_UNKNOWN ? MS_TYPE_UNKNOWN : 0);
			size_t len;
			if (nm[0] != '.' || nm[1] == 0 || (nm[1] == '.' && nm[2] == 0) ||
			    (len = strlen(nm)) > 250)
				continue;
			if (de->d_type == DT_UNKNOWN) {
				struct stat sb;
				if (fstatat(rfd, nm, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
				    !S_ISDIR(sb.st_mode))
					continue;
			} else if (de->d_type != DT_DIR) {
				continue;
			}
			xgrow(&w->folder_offs, &w->folder_offs_cap, w->nfolder_offs + 1,
			      sizeof *w->folder_offs);
			w->folder_offs[w->nfolder_offs++] = (uint32_t)w->folder_names.len;
			sb_add(&w->folder_names, nm + 1, len);   /* without the dot, with the NUL */
		}
	}
	size_t n = w->nfolder_offs;
	char *names = w->folder_names.buf;
	if (n > 1)   /* folder_offs is NULL when there is none: qsort_r wants an array */
		qsort_r(w->folder_offs, n, sizeof *w->folder_offs, scan_cmp_name_off, names);

	struct folder *nf = xmalloc((n + 1) * sizeof *nf + 1 + w->folder_names.len);
	char *blob = (char *)(nf + n + 1);
	blob[0] = 0;                      /* INBOX: "" */
	size_t at = 1;
	nf[0] = b->nfolders ? b->folders[0] : (struct folder){ .mt_new = MT_UNKNOWN,
		.mt_cur = MT_UNKNOWN, .status = MAILDIR_NOT_SCANNED };
	nf[0].name_off = 0;
	size_t j = 1;
	for (size_t i = 0; i < n; i++) {
		struct folder *f = &nf[i + 1];
		const char *name = names + w->folder_offs[i];
		*f = (struct folder){ .mt_new = MT_UNKNOWN, .mt_cur = MT_UNKNOWN,
				      .status = MAILDIR_NOT_SCANNED };
		/* Both lists are sorted: walk the old one along. */
		while (j < b->nfolders && strcmp(b->names + b->folders[j].name_off, name) < 0)
			j++;
		if (j < b->nfolders && strcmp(b->names + b->folders[j].name_off, name) == 0)
			*f = b->folders[j];
		size_t l = strlen(name) + 1;
		f->name_off = (uint32_t)at;
		memcpy(blob + at, name, l);
		at += l;
	}
	free(b->folders);                 /* and the names with them */
	b->folders = nf;
	b->nfolders = (uint32_t)(n + 1);
	b->names_len = (uint32_t)at;
	b->names = blob;
}

static void scan_box_sum(const struct box *b, struct maildir_counts *out);

/* A rescan's cheapest question: has any directory of the box that can
 * change (its root, and new/ and cur/ of each folder) a new mtime? One
 * statx each, by path from the base, without opening the box. A path that
 * passes through a symlink swapped in since shows another mtime, and the
 * box is then read through readdir_open_beneath, which refuses it. */
static bool scan_box_unchanged(struct worker *w, int basefd, const char *rel, struct box *b)
{
	if (b->mt_root == MT_UNKNOWN || !b->nfolders)
		return false;
	sb_reset(&w->path);
	sb_adds(&w->path, rel);
	while (w->path.len > 1 && w->path.buf[w->path.len - 1] == '/')
		sb_truncate(&w->path, w->path.len - 1);
	if (!scan_mtime_same(w, basefd, w->path.buf, &b->mt_root))
		return false;
	sb_addc(&w->path, '/');
	size_t rl = w->path.len;
	for (size_t i = 0; i < b->nfolders; i++) {
		struct folder *f = &b->folders[i];
		if (f->status != MAILDIR_OK || f->mt_new == MT_UNKNOWN || f->mt_cur == MT_UNKNOWN)
			return false;
		sb_truncate(&w->path, rl);
		if (i) {
			sb_addc(&w->path, '.');
			sb_adds(&w->path, b->names + f->name_off);
			sb_addc(&w->path, '/');
		}
		size_t fl = w->path.len;
		sb_adds(&w->path, "new");
		if (!scan_mtime_same(w, basefd, w->path.buf, &f->mt_new))
			return false;
		sb_truncate(&w->path, fl);
		sb_adds(&w->path, "cur");
		if (!scan_mtime_same(w, basefd, w->path.buf, &f->mt_cur))
			return false;
	}
	return true;
}

/* One-shot with maildir_scan_set_read_quota: read maildirsize now, on the
 * worker, while the box is open (the command line shows it for every box). */
static void scan_keep_quota(struct worker *w, int boxfd, struct box *b)
{
	struct maildir_scan *s = w->s;
	b->has_maildirsize &= (uint8_t)~MS_KEPT;
	/* d_type said a regular file: no fstat to check it again. */
	if (quota_read(boxfd, w->buf, MAILDIRSIZE_MAX, b->has_maildirsize & MS_TYPE_UNKNOWN,
		       w->short_eof, &s->quotas[b - s->boxes]))
		b->has_maildirsize |= MS_KEPT;
}

bool scan_folder_task(struct worker *w, struct box *b, int boxfd, size_t i)
{
	struct folder *f = &b->folders[i];
	/* A fresh folder's figures show in the sums compared by scan_box. */
	bool fresh = f->status == MAILDIR_NOT_SCANNED;
	return scan_folder(w, boxfd, b->names + f->name_off, f) && !fresh;
}

/* Scan the folders of b (open as boxfd). Other workers that ran out of
 * boxes may take some of them (help), so that one box with many big
 * folders does not leave a single worker busy at the end of the pool_run. */
static bool scan_folders(struct worker *w, struct box *b, int boxfd)
{
	struct maildir_scan *s = w->s;
	struct job *j = &w->job;
	bool changed = false, share = s->max_workers > 1 && b->nfolders > 1, pub = false;
	j->b = b;
	j->fd = boxfd;
	j->active = 0;
	j->changed = false;
	atomic_store(&j->next, 0);
	for (unsigned i; (i = atomic_fetch_add(&j->next, 1)) < b->nfolders;) {
		/* Offer the rest only once a helper waits (the end of the pool_run):
		 * no lock per box before, where contention would look like
		 * blocking on the disk and grow the pool. */
		if (share && !pub && atomic_load_explicit(&s->waiting, memory_order_relaxed)) {
			pthread_mutex_lock(&s->lock);
			w->job_pub = pub = true;
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
		}
		if (scan_folder_task(w, b, boxfd, i))
			changed = true;
	}
	if (pub) {
		pthread_mutex_lock(&s->lock);
		w->job_pub = false;
		while (j->active)
			pthread_cond_wait(&s->cond, &s->lock);
		changed |= j->changed;
		pthread_mutex_unlock(&s->lock);
	}
	return changed;
}

bool scan_box(struct worker *w, struct box *b)
{
	struct maildir_scan *s = w->s;
	struct base *base = &s->bases[b->base];
	const char *rel = s->arena + b->rel_off;
	uint8_t old_status = b->status;
	w->short_eof = base->short_eof;
	bool changed = false;
	int boxfd = -1, e = 0;
	if (base->fd < 0)
		e = base->err;
	else if (!readdir_rel_ok(rel))
		e = EXDEV;
	else if (!s->oneshot && scan_box_unchanged(w, base->fd, rel, b))
		return false;
	else if ((boxfd = readdir_open_beneath(base->fd, rel)) < 0)
		e = errno;
	if (boxfd < 0) {
		b->status = e == ENOENT ? MAILDIR_MISSING
			  : (e == ELOOP || e == EXDEV) ? MAILDIR_UNSAFE : MAILDIR_UNREADABLE;
		b->err = scan_clamp_err(e);
		if (b->nfolders) {
			free(b->folders);
			b->folders = NULL;
			b->names = NULL;
			b->nfolders = 0;
			b->mt_root = MT_UNKNOWN;
			changed = true;
		}
		return changed || old_status != b->status;
	}
	struct maildir_counts before, after;
	uint32_t nbefore = b->nfolders;
	scan_box_sum(b, &before);
	/* The root listed again unless its mtime says it has not changed (no
	 * statx for a root never read, nor by the one-shot scan). */
	if (!b->nfolders || !scan_mtime_same(w, boxfd, "", &b->mt_root)) {
		scan_read_root(w, boxfd, b);
		b->mt_root = scan_keep_mtime(w);
	}
	if (s->quotas && (b->has_maildirsize & MS_PRESENT) && !b->quota_unwanted)
		scan_keep_quota(w, boxfd, b);

	changed = scan_folders(w, b, boxfd);
	/* A ".x" directory without cur/ and new/ is not a Maildir++ folder. */
	bool partial = false;
	size_t k = 1;
	for (size_t i = 1; i < b->nfolders; i++) {
		if (b->folders[i].status == MAILDIR_NOT_MAILDIR) {
			changed = true;
			continue;
		}
		if (b->folders[i].status != MAILDIR_OK)
			partial = true;
		b->folders[k++] = b->folders[i];
	}
	b->nfolders = (uint32_t)k;
	close(boxfd);
	scan_box_sum(b, &after);
	if (nbefore != b->nfolders || memcmp(&before, &after, sizeof before) != 0)
		changed = true;
	struct folder *in = &b->folders[0];
	if (in->status == MAILDIR_NOT_MAILDIR) {
		b->status = MAILDIR_NOT_MAILDIR;
	} else if (in->status != MAILDIR_OK) {
		b->status = MAILDIR_PARTIAL;
		partial = true;
	} else {
		b->status = partial ? MAILDIR_PARTIAL : MAILDIR_OK;
	}
	if (partial)
		b->mt_root = MT_UNKNOWN;  /* retry the failed directories next time */
	b->err = 0;
	return changed || old_status != b->status;
}

size_t maildir_scan_run(struct maildir_scan *s)
{
	return pool_run(s, NULL, 0);
}

size_t maildir_scan_boxes(struct maildir_scan *s, const size_t *ids, size_t n)
{
	return pool_run(s, ids, n);
}

size_t maildir_scan_boxes_yield(struct maildir_scan *s, const size_t *ids, size_t n,
				const atomic_bool *yield, size_t *done)
{
	s->yield = yield;
	size_t changed = pool_run(s, ids, n);
	/* Workers take boxes in order and look at *yield before each take:
	 * every box below the last take was read, none after. */
	size_t taken = atomic_load(&s->next);
	*done = taken < n ? taken : n;
	s->yield = NULL;
	return changed;
}

void maildir_scan_invalidate(struct maildir_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct box *b = &s->boxes[i];
		b->mt_root = MT_UNKNOWN;
		for (size_t j = 0; j < b->nfolders; j++)
			b->folders[j].mt_new = b->folders[j].mt_cur = MT_UNKNOWN;
	}
}

/* ---- life and results ----------------------------------------------- */

struct maildir_scan *maildir_scan_create(unsigned max_workers)
{
	struct maildir_scan *s = xcalloc(1, sizeof *s);
	s->max_workers = max_workers == 0 ? MAX_WORKERS
		       : max_workers > MAX_WORKERS ? MAX_WORKERS : max_workers;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	return s;
}

void maildir_scan_free(struct maildir_scan **sp)
{
	struct maildir_scan *s = *sp;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->boxes[i].folders);    /* and the names with them */
	for (size_t i = 0; i < s->nbases; i++)
		free(s->bases[i].path);
	free(s->bases);
	free(s->boxes);
	free(s->arena);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->quotas);
	free(s);
	*sp = NULL;
}

size_t maildir_scan_add(struct maildir_scan *s, const char *base, const char *rel)
{
	size_t bi;
	for (bi = 0; bi < s->nbases; bi++)
		if (strcmp(s->bases[bi].path, base) == 0)
			break;
	if (bi == s->nbases) {
		if (bi >= UINT16_MAX)
			vm_panic("maildir: too many base directories");
		s->bases = xreallocarray(s->bases, bi + 1, sizeof *s->bases);
		s->bases[bi] = (struct base){ .path = xstrdup(base), .fd = -1 };
		s->nbases++;
	}
	size_t l = strlen(rel) + 1;
	xgrow(&s->arena, &s->arena_cap, s->arena_len + l, 1);
	memcpy(s->arena + s->arena_len, rel, l);
	xgrow(&s->boxes, &s->cap, s->n + 1, sizeof *s->boxes);
	s->boxes[s->n] = (struct box){ .rel_off = (uint32_t)s->arena_len, .base = (uint16_t)bi,
				       .status = MAILDIR_NOT_SCANNED, .mt_root = MT_UNKNOWN };
	s->arena_len += l;
	return s->n++;
}

size_t maildir_scan_count(const struct maildir_scan *s)
{
	return s->n;
}

static const struct box *scan_get_box(const struct maildir_scan *s, size_t id)
{
	if (id >= s->n)
		vm_panic("maildir: no box %zu", id);
	return &s->boxes[id];
}

enum maildir_status maildir_box_status(const struct maildir_scan *s, size_t id, int *err)
{
	const struct box *b = scan_get_box(s, id);
	if (err)
		*err = b->err;
	return (enum maildir_status)b->status;
}

static void scan_folder_counts(const struct folder *f, struct maildir_counts *c)
{
	c->bytes = maildir_bytes_add(f->bytes_new, f->bytes_cur);
	c->new_msgs = f->n_new;
	c->cur_msgs = f->n_cur;
	c->unread = f->n_new + f->unread_cur;
	c->deleted = f->deleted;
	c->tmp = f->tmp;
	c->tmp_stale = f->tmp_stale;
	c->newest = f->newest_new > f->newest_cur ? f->newest_new : f->newest_cur;
}

void maildir_box_counts(const struct maildir_scan *s, size_t id, struct maildir_counts *out)
{
	scan_box_sum(scan_get_box(s, id), out);
}

static void scan_box_sum(const struct box *b, struct maildir_counts *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < b->nfolders; i++) {
		struct maildir_counts c;
		scan_folder_counts(&b->folders[i], &c);
		out->bytes = maildir_bytes_add(out->bytes, c.bytes);
		out->new_msgs += c.new_msgs;
		out->cur_msgs += c.cur_msgs;
		out->unread += c.unread;
		out->deleted += c.deleted;
		out->tmp += c.tmp;
		out->tmp_stale += c.tmp_stale;
		if (c.newest > out->newest)
			out->newest = c.newest;
	}
}

size_t maildir_box_folder_count(const struct maildir_scan *s, size_t id)
{
	return scan_get_box(s, id)->nfolders;
}

void maildir_box_folder(const struct maildir_scan *s, size_t id, size_t i,
			struct maildir_folder *out)
{
	const struct box *b = scan_get_box(s, id);
	if (i >= b->nfolders)
		vm_panic("maildir: no folder %zu in box %zu", i, id);
	const struct folder *f = &b->folders[i];
	out->name = b->names + f->name_off;
	out->status = (enum maildir_status)f->status;
	out->err = f->err;
	scan_folder_counts(f, &out->counts);
}

const char *maildir_box_rel(const struct maildir_scan *s, size_t id)
{
	return s->arena + scan_get_box(s, id)->rel_off;
}

const char *maildir_box_base(const struct maildir_scan *s, size_t id)
{
	return s->bases[scan_get_box(s, id)->base].path;
}

int maildir_box_open(const struct maildir_scan *s, size_t id, const char *sub)
{
	const struct box *b = scan_get_box(s, id);
	const char *rel = s->arena + b->rel_off;
	if (!readdir_rel_ok(rel) || (*sub && (*sub == '/' || !readdir_rel_ok(sub)))) {
		errno = EXDEV;
		return -1;
	}
	int bfd = open(s->bases[b->base].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return -1;
	int dfd = readdir_open_beneath(bfd, rel);
	int e = errno;
	close(bfd);
	if (dfd < 0 || !*sub) {
		errno = e;
		return dfd;
	}
	int fd = readdir_open_beneath(dfd, sub);
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

static void scan_box_path(const struct maildir_scan *s, const struct box *b, struct strbuf *sb)
{
	sb_reset(sb);
	sb_adds(sb, s->bases[b->base].path);
	if (sb->len && sb->buf[sb->len - 1] != '/')
		sb_addc(sb, '/');
	sb_adds(sb, s->arena + b->rel_off);
}

void maildir_box_diags(const struct maildir_scan *s, size_t id, struct diags *d)
{
	const struct box *b = scan_get_box(s, id);
	struct strbuf p = STRBUF_INIT;
	scan_box_path(s, b, &p);
	switch ((enum maildir_status)b->status) {
	case MAILDIR_MISSING:
		diag_error(d, p.buf, 0, _("maildir does not exist"));
		break;
	case MAILDIR_NOT_MAILDIR:
		diag_error(d, p.buf, 0, _("not a maildir (no cur/ and no new/)"));
		break;
	case MAILDIR_UNSAFE:
		diag_error(d, p.buf, 0, _("refused: a symlink or a path leaving the mail base (%s)"),
			   strerror(b->err));
		break;
	case MAILDIR_UNREADABLE:
		diag_error(d, p.buf, 0, _("cannot read the maildir: %s"), strerror(b->err));
		break;
	default:
		break;
	}
	size_t plen = p.len;
	for (size_t i = 0; i < b->nfolders; i++) {
		const struct folder *f = &b->folders[i];
		if (f->status == MAILDIR_OK)
			continue;
		sb_truncate(&p, plen);
		if (i) {
			if (p.len && p.buf[p.len - 1] != '/')
				sb_addc(&p, '/');
			sb_addc(&p, '.');
			sb_adds(&p, b->names + f->name_off);
		}
		if (f->status == MAILDIR_NOT_MAILDIR)
			diag_error(d, p.buf, 0, _("not a maildir (no cur/ and no new/)"));
		else
			diag_error(d, p.buf, 0, _("cannot read a directory of the maildir: %s"),
				   strerror(f->err));
	}
	sb_free(&p);
}

bool maildir_box_quota(const struct maildir_scan *s, size_t id, struct maildir_quota *q)
{
	const struct box *b = scan_get_box(s, id);
	if (!b->has_maildirsize || b->quota_unwanted)
		return false;
	if (s->quotas) {                  /* read by the one-shot scan */
		if (b->has_maildirsize & MS_KEPT)
			*q = s->quotas[id];
		return b->has_maildirsize & MS_KEPT;
	}
	int dfd = maildir_box_open(s, id, "");
	if (dfd < 0)
		return false;
	char buf[MAILDIRSIZE_MAX];
	bool ok = quota_read(dfd, buf, sizeof buf, true, false, q);
	close(dfd);
	return ok;
}

void maildir_scan_get_stats(const struct maildir_scan *s, struct maildir_scan_stats *out)
{
	*out = s->st;
}

size_t maildir_scan_memory(const struct maildir_scan *s, size_t *incremental_part)
{
	size_t m = s->cap * sizeof *s->boxes + s->arena_cap, inc = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct box *b = &s->boxes[i];
		m += b->nfolders * sizeof *b->folders + b->names_len;
		inc += sizeof b->mt_root + b->nfolders * 2 * sizeof(int64_t);
	}
	if (incremental_part)
		*incremental_part = inc;
	return m;
}

void maildir_scan_set_oneshot(struct maildir_scan *s, bool oneshot)
{
	s->oneshot = oneshot;
}

void maildir_scan_set_read_quota(struct maildir_scan *s, bool on)
{
	s->read_quota = on;
}

void maildir_scan_skip_quota(struct maildir_scan *s, size_t id)
{
	if (id >= s->n)
		vm_panic("maildir: no box %zu", id);
	s->boxes[id].quota_unwanted = true;
}

void maildir_scan_set_skip_tmp(struct maildir_scan *s, bool skip)
{
	s->skip_tmp = skip;
}

void maildir_scan_set_stop(struct maildir_scan *s, const atomic_bool *stop)
{
	s->stop = stop;
}

void maildir_scan_set_hook(struct maildir_scan *s, maildir_hook_fn fn, void *arg)
{
	s->hook = fn;
	s->hook_arg = arg;
}
