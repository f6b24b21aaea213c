/* The Maildir scanner: counts and sizes per mailbox and folder (reference
 * §5.8), read with getdents64 on fds opened beneath the base without
 * symlinks, by an adaptive worker pool; the scanner owns all kept state. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmailadm/i18n.h"
#include "vmailadm/maildir.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define MAX_WORKERS 16
#define CHUNK 4                          /* boxes taken by a worker at a time */
/* How often a worker asks whether it waits on the disk (pool growth). */
#define POOL_CHECK_NS (10 * 1000 * 1000LL)
#define DENTS_BUF (64 * 1024)
#define TMP_STALE_SECS (36 * 3600)       /* Dovecot MAILDIR_TMP_DELETE_SECS */
/* Directory mtimes come from a coarse clock (one tick, <= 10 ms): a change
 * this close to the scan may share the mtime we saw, so it is not trusted. */
#define RACY_NS (50 * 1000 * 1000LL)
#define MT_UNKNOWN INT64_MIN

enum { F_NEW_MISSING = 1, F_CUR_MISSING = 2 };
/* box.has_maildirsize: seen in the root listing (with an unknown d_type),
 * and parsed into s->quotas by a one-shot scan. */
enum { MS_PRESENT = 1, MS_TYPE_UNKNOWN = 2, MS_KEPT = 4 };
#define MAILDIRSIZE_MAX 16384

/* One Maildir++ folder (index 0 is INBOX). Per-directory figures are kept
 * apart so that a changed cur/ is re-read without touching new/. */
struct folder {
	int64_t mt_new, mt_cur;
	uint64_t bytes_new, bytes_cur;
	uint32_t n_new, n_cur, unread_cur, deleted;
	uint32_t newest_new, newest_cur;
	uint16_t tmp, tmp_stale;
	uint32_t name_off;                /* into box->names */
	uint8_t err, flags, status;
};

struct box {
	uint32_t rel_off;                 /* into s->arena */
	uint16_t base;
	uint8_t status, err;
	uint8_t has_maildirsize;
	bool quota_unwanted;              /* maildir_scan_skip_quota */
	int64_t mt_root;
	struct folder *folders;           /* followed by the names, one allocation */
	char *names;                      /* NUL-terminated folder names; "" first */
	uint32_t nfolders, names_len;
};

/* short_eof: the filesystem fills a getdents64 buffer as far as it can, so
 * a short read is the end of the directory (saves one empty call per
 * directory); not trusted on FUSE or network filesystems. */
struct base { char *path; int fd, err; bool short_eof; };

/* An inode seen in new/ during this folder's read, so that a message moved
 * to cur/ meanwhile is not counted twice (ino 0: an empty slot). */
struct seen { uint64_t ino, size; };

/* The folders of one box, shared with idle workers: next is the next
 * folder to take; active counts helpers inside (the owner keeps the box fd
 * open until it drops to 0). active and changed are under s->lock. */
struct job {
	struct box *b;
	int fd;
	atomic_uint next;
	unsigned active;
	bool changed;
};

struct worker {
	struct maildir_scan *s;
	char *buf;
	struct seen *seen;                /* new/'s messages, in listing order */
	size_t nseen, seen_cap;
	struct seen *seen_tab;            /* the same by ino (open addressing) */
	size_t seen_mask, seen_tab_cap;
	struct strbuf folder_names;       /* read_root's listing */
	uint32_t *folder_offs;
	size_t nfolder_offs, folder_offs_cap;
	bool short_eof;                   /* of the current box's base */
	int dirfd;                        /* the directory read_dir lists */
	struct strbuf path;
	struct maildir_scan_stats st;
	size_t changed;
	struct job job;                   /* the box being scanned */
	bool job_pub;                     /* job open to helpers (under lock) */
};

struct maildir_scan {
	struct box *boxes;
	size_t n, cap;
	char *arena;                      /* every rel, NUL-terminated */
	size_t arena_len, arena_cap;
	struct base *bases;
	size_t nbases;
	unsigned max_workers;
	bool oneshot;                     /* no mtimes kept: a single scan */
	bool read_quota;                  /* one-shot: parse maildirsize too */
	bool skip_tmp;                    /* tmp/ is not read */
	struct maildir_quota *quotas;     /* by box id, with read_quota */
	struct maildir_scan_stats st;
	maildir_hook_fn hook;
	void *hook_arg;
	/* One run. */
	int64_t run_start_ns;
	const size_t *ids;
	size_t nids;
	atomic_size_t next;
	pthread_mutex_t lock;
	pthread_cond_t cond;              /* jobs published, helpers done, busy 0 */
	unsigned busy;                    /* workers still taking boxes */
	atomic_uint waiting;              /* helpers waiting for a job */
	pthread_t threads[MAX_WORKERS];
	struct worker workers[MAX_WORKERS];
	unsigned nthreads;
};

/* ---- names ---------------------------------------------------------- */

/* What a message name says (reference §5.2-5.4), from one pass over it: the
 * scanner parses a million of these, so no strlen + strrchr + memchr each. */
struct nameinfo {
	uint64_t size;
	uint32_t time;            /* the leading "time" of the unique name, or 0 */
	bool has_size, seen, trashed;
};

/* Eight ASCII digits at p as a number, or -1 when one is not a digit: all
 * eight at once (SWAR), since every name starts with a 10-digit time. */
static int64_t eight_digits(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	/* Each byte 0x30-0x39: high nibble 3, and still 3 after adding 6. */
	if ((v & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
	    ((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL)
		return -1;
	v -= 0x3030303030303030ULL;
	v = v * 10 + (v >> 8);            /* byte pairs -> 0..99 */
	v = (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
	     (((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
	return (int64_t)v;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void parse_name(const char *name, struct nameinfo *ni)
{
	const char *p = name, *end = name + strlen(name);
	uint64_t t = 0;
	int64_t hi;
	if (end - name > 10 && name[10] == '.' && is_digit(name[8]) && is_digit(name[9]) &&
	    (hi = eight_digits(name)) >= 0) {
		t = (uint64_t)hi * 100 + (uint64_t)(name[8] - '0') * 10 + (uint64_t)(name[9] - '0');
		p = name + 10;
	} else {
		for (; is_digit(*p) && p - name < 11; p++)
			t = t * 10 + (uint64_t)(*p - '0');
	}
	ni->time = (*p == '.' && t <= UINT32_MAX) ? (uint32_t)t : 0;
	/* The first ",S=" before the last ':' carries the size (§5.4). A name
	 * has a few ',' and one ':': let memchr and memrchr find them rather
	 * than testing every byte. */
	const char *colon = memrchr(p, ':', (size_t)(end - p));
	const char *lim = colon ? colon : end, *sz = p;
	while ((sz = memchr(sz, ',', (size_t)(lim - sz))) && !(sz[1] == 'S' && sz[2] == '='))
		sz++;
	ni->has_size = false;
	ni->size = 0;
	if (sz) {                 /* ",S=" lies wholly before lim: none is ':' */
		const char *q = sz + 3, *digits = q;
		while (q < lim && is_digit(*q))
			q++;
		/* 19 digits always fit in 64 bits; more may not (then no size). */
		bool ok = q > digits && q - digits <= 19;
		uint64_t v = 0;
		for (const char *d = digits; ok && d < q; d++)
			v = v * 10 + (uint64_t)(*d - '0');
		if (ok && (q == lim || *q == ',' || *q == ':')) {
			ni->has_size = true;
			ni->size = v;
		}
	}
	ni->seen = ni->trashed = false;
	if (colon && colon[1] == '2' && colon[2] == ',') {
		/* Anything after a second ',' inside the flags is not a flag (§5.3). */
		for (const char *f = colon + 3; *f && *f != ','; f++) {
			if (*f == 'S')
				ni->seen = true;
			else if (*f == 'T')
				ni->trashed = true;
		}
	}
}

bool maildir_name_size(const char *name, uint64_t *size)
{
	struct nameinfo ni;
	parse_name(name, &ni);
	if (ni.has_size)
		*size = ni.size;
	return ni.has_size;
}

void maildir_name_flags(const char *name, bool *seen, bool *trashed)
{
	struct nameinfo ni;
	parse_name(name, &ni);
	*seen = ni.seen;
	*trashed = ni.trashed;
}

uint32_t maildir_name_time(const char *name)
{
	struct nameinfo ni;
	parse_name(name, &ni);
	return ni.time;
}

/* Never messages (§5.7), wherever they turn up. */
static bool is_dovecot_file(const char *n)
{
	switch (n[0]) {
	case 'd': return strncmp(n, "dovecot", 7) == 0;
	case 's': return strcmp(n, "subscriptions") == 0;
	case 'm': return strcmp(n, "maildirsize") == 0 || strcmp(n, "maildirfolder") == 0;
	default: return false;
	}
}

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

/* ---- modified UTF-7 ------------------------------------------------- */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == ',') return 63;
	return -1;
}

static void add_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) { b[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
	else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	sb_add(sb, b, n);
}

bool maildir_mutf7_decode(const char *name, struct strbuf *out)
{
	size_t start = out->len;
	const unsigned char *p = (const unsigned char *)name;
	while (*p) {
		if (*p != '&') {
			if (*p < 0x20 || *p > 0x7e)
				goto bad;
			sb_addc(out, (char)*p++);
			continue;
		}
		p++;
		if (*p == '-') {          /* "&-" is a literal '&' */
			sb_addc(out, '&');
			p++;
			continue;
		}
		uint32_t bits = 0, hi = 0;
		int nbits = 0, units = 0;
		for (; *p && *p != '-'; p++) {
			int v = b64val(*p);
			if (v < 0)
				goto bad;
			bits = bits << 6 | (uint32_t)v;
			nbits += 6;
			if (nbits < 16)
				continue;
			nbits -= 16;
			uint32_t u = (bits >> nbits) & 0xffff;
			units++;
			if (hi) {
				if (u < 0xdc00 || u > 0xdfff)
					goto bad;
				add_utf8(out, 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00));
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				goto bad;
			} else {
				add_utf8(out, u);
			}
		}
		/* Must end with '-', hold at least one unit, leave only zero padding. */
		if (*p != '-' || units == 0 || hi || nbits >= 6 || (bits & ((1u << nbits) - 1)))
			goto bad;
		p++;
	}
	return true;
bad:
	sb_truncate(out, start);
	sb_adds(out, name);
	return false;
}

/* ---- maildirsize ---------------------------------------------------- */

bool maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q)
{
	q->limit_bytes = q->limit_msgs = -1;
	q->used_bytes = q->used_msgs = 0;
	const char *end = text + len, *nl = memchr(text, '\n', len);
	const char *p = text, *eol = nl ? nl : end;
	bool any = false;
	while (p < eol) {
		char *e;
		errno = 0;
		long long v = strtoll(p, &e, 10);
		if (e == p || errno || e >= eol || v < 0)
			return false;
		if (*e == 'S') q->limit_bytes = v;
		else if (*e == 'C') q->limit_msgs = v;
		else return false;
		any = true;
		p = e + 1;
		if (p < eol && *p == ',')
			p++;
		else if (p < eol)
			return false;
	}
	if (!any)
		return false;
	for (p = nl ? nl + 1 : end; p < end;) {
		const char *le = memchr(p, '\n', (size_t)(end - p));
		if (!le)
			le = end;
		char line[64];
		size_t l = (size_t)(le - p);
		if (l < sizeof line) {
			long long b, c;
			memcpy(line, p, l);
			line[l] = 0;
			if (sscanf(line, "%lld %lld", &b, &c) == 2) {
				q->used_bytes += b;
				q->used_msgs += c;
			}
		}
		p = le + 1;
	}
	return true;
}

/* ---- opening -------------------------------------------------------- */

/* rel must stay beneath its base: relative, no "." or "..", no control bytes. */
static bool rel_ok(const char *rel)
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
static int open_dir_flags(int dirfd, const char *path, int extra, uint64_t resolve)
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
static int open_dir_resolve(int dirfd, const char *path, uint64_t resolve)
{
	if (atomic_load_explicit(&noatime_ok, memory_order_relaxed)) {
		int fd = open_dir_flags(dirfd, path, O_NOATIME, resolve);
		if (fd >= 0 || errno != EPERM)
			return fd;
		atomic_store(&noatime_ok, 0);
	}
	return open_dir_flags(dirfd, path, 0, resolve);
}

/* A path we were given (a box's rel): the kernel also refuses "..". */
static int open_dir_beneath(int dirfd, const char *path)
{
	return open_dir_resolve(dirfd, path, RESOLVE_BENEATH);
}

/* ".Sent/new" in an open box: the folder name came from the box's own
 * listing (never "." or "..", no '/') and the rest is ours, so without
 * symlinks the path cannot leave the box; RESOLVE_BENEATH's ancestry check
 * at the end would only cost time (a third of all opens). */
static int open_in_box(int boxfd, const char *path)
{
	return open_dir_resolve(boxfd, path, 0);
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ts_ns(&t);
}

/* ---- reading one directory ------------------------------------------ */

struct dirfig {
	uint64_t bytes;
	uint32_t n, unread, deleted, newest, stale;
};

static size_t ino_slot(uint64_t ino, size_t mask)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* After new/ is read: its inodes in a table twice their number, so that
 * each cur/ entry costs one probe (most folders never see a move). */
static void index_seen(struct worker *w)
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
		size_t h = ino_slot(w->seen[i].ino, w->seen_mask);
		while (w->seen_tab[h].ino)
			h = (h + 1) & w->seen_mask;
		w->seen_tab[h] = w->seen[i];
	}
}

/* A cur/ entry that was also listed in new/ moved while we read (rename
 * keeps the inode, and so does a link-then-unlink move): take it out of
 * new/'s figures, it is counted here in cur/. */
static void unsee(struct worker *w, uint64_t ino, struct dirfig *newfig)
{
	for (size_t h = ino_slot(ino, w->seen_mask); w->seen_tab[h].ino; h = (h + 1) & w->seen_mask) {
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
static void add_message(struct worker *w, struct dirfig *f, char kind,
			const struct dirent64 *de, uint64_t st_size, bool dedupe,
			struct dirfig *newfig)
{
	struct nameinfo ni;
	parse_name(de->d_name, &ni);
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
	f->bytes += size;
	if (kind == 'n') {
		if (w->nseen == w->seen_cap)
			xgrow(&w->seen, &w->seen_cap, w->nseen + 1, sizeof *w->seen);
		w->seen[w->nseen++] = (struct seen){ de->d_ino, size };
	} else if (dedupe) {
		unsee(w, de->d_ino, newfig);
	}
	if (ni.time > f->newest)
		f->newest = ni.time;
	if (kind == 'n' || !ni.seen)
		f->unread++;
	if (kind == 'c' && ni.trashed)
		f->deleted++;
}

/* List one directory of messages (kind 'n', 'c') or tmp/ ('t'). newfig:
 * when reading cur/ right after new/, new/'s figures (see unsee). */
static int read_dir(struct worker *w, int fd, char kind, struct dirfig *f,
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
				index_seen(w);
			return 0;
		}
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(w->buf + off);
			off += de->d_reclen;
			const char *name = de->d_name;
			if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
				continue;
			if (name[0] == '.' || is_dovecot_file(name))
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
				add_message(w, f, kind, de, (uint64_t)sb.st_size, dedupe, newfig);
				continue;
			}
			add_message(w, f, kind, de, UINT64_MAX, dedupe, newfig);
		}
	}
}

static uint8_t clamp_err(int e)
{
	return (uint8_t)(e > 255 ? 255 : e <= 0 ? EIO : e);
}

/* The mtime of path beneath at ("" for at itself) from a statx that asks
 * for nothing else; MT_UNKNOWN when it fails or is not a directory. */
static int64_t dir_mtime(struct worker *w, int at, const char *path)
{
	struct statx sx;
	w->st.dir_stats++;
	if (statx(at, path, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT | (*path ? 0 : AT_EMPTY_PATH),
		  STATX_TYPE | STATX_MTIME, &sx) < 0 || !(sx.stx_mask & STATX_MTIME) ||
	    !S_ISDIR(sx.stx_mode))
		return MT_UNKNOWN;
	return (int64_t)sx.stx_mtime.tv_sec * 1000000000LL + sx.stx_mtime.tv_nsec;
}

/* Is the directory prefix+sub unchanged since it was last read? */
static bool dir_unchanged(struct worker *w, int boxfd, const char *prefix, const char *sub,
			  int64_t kept)
{
	if (kept == MT_UNKNOWN)
		return false;
	sb_reset(&w->path);
	sb_adds(&w->path, prefix);
	sb_adds(&w->path, sub);
	/* The folder itself is a directory the root listing saw, and the root's
	 * mtime did not change, so it was not swapped for a symlink. */
	return dir_mtime(w, boxfd, w->path.buf) == kept;
}

static int open_sub(struct worker *w, int boxfd, const char *prefix, const char *sub)
{
	sb_reset(&w->path);
	sb_adds(&w->path, prefix);
	sb_adds(&w->path, sub);
	return open_in_box(boxfd, w->path.buf);
}

/* The mtime to keep for a directory read now: an untrustworthy one forces
 * a read next time. */
static int64_t keep_mtime(struct worker *w, int fd)
{
	if (w->s->oneshot)
		return MT_UNKNOWN;
	w->st.dir_stats--;                /* not a check: the directory is read anyway */
	int64_t m = dir_mtime(w, fd, "");
	return m >= w->s->run_start_ns - RACY_NS ? MT_UNKNOWN : m;
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
	bool new_same = !force && dir_unchanged(w, boxfd, prefix, "new", f->mt_new);
	bool cur_same = !force && dir_unchanged(w, boxfd, prefix, "cur", f->mt_cur);
	if (new_same && cur_same)
		return false;

	struct folder old = *f;
	int err = 0;
	struct dirfig nfig, cfig;
	bool new_read = false;
	f->flags = 0;
	w->nseen = 0;
	if (!new_same) {
		int fd = open_sub(w, boxfd, prefix, "new");
		memset(&nfig, 0, sizeof nfig);
		f->mt_new = MT_UNKNOWN;
		if (fd < 0) {
			if (errno == ENOENT)
				f->flags |= F_NEW_MISSING;
			else
				err = errno;
		} else {
			int64_t m = keep_mtime(w, fd);
			if (read_dir(w, fd, 'n', &nfig, NULL) < 0)
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
		int fd = open_sub(w, boxfd, prefix, "cur");
		memset(&cfig, 0, sizeof cfig);
		f->mt_cur = MT_UNKNOWN;
		if (fd < 0) {
			if (errno == ENOENT)
				f->flags |= F_CUR_MISSING;
			else if (!err)
				err = errno;
		} else {
			int64_t m = keep_mtime(w, fd);
			if (read_dir(w, fd, 'c', &cfig, new_read ? &nfig : NULL) < 0) {
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
	int tfd = w->s->skip_tmp ? -1 : open_sub(w, boxfd, prefix, "tmp");
	f->tmp = f->tmp_stale = 0;
	if (tfd >= 0) {
		struct dirfig tfig;
		if (read_dir(w, tfd, 't', &tfig, NULL) == 0) {
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
	f->err = err ? clamp_err(err) : 0;
	return memcmp(&old.bytes_new, &f->bytes_new,
		      offsetof(struct folder, name_off) - offsetof(struct folder, bytes_new)) != 0 ||
	       old.status != f->status;
}

static int cmp_name_off(const void *a, const void *b, void *names)
{
	return strcmp((const char *)names + *(const uint32_t *)a, (const char *)names + *(const uint32_t *)b);
}

/* Re-read the box root: the folder list, keeping the state of folders that
 * are still there. The folders and their names (NUL-terminated, "" first
 * for INBOX) share one allocation; the listing's names gather in the
 * worker's buffers, not in a malloc each. */
static void read_root(struct worker *w, int boxfd, struct box *b)
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
		qsort_r(w->folder_offs, n, sizeof *w->folder_offs, cmp_name_off, names);

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

static void box_sum(const struct box *b, struct maildir_counts *out);

/* A rescan's cheapest question: has any directory of the box that can
 * change (its root, and new/ and cur/ of each folder) a new mtime? One
 * statx each, by path from the base, without opening the box. A path that
 * passes through a symlink swapped in since shows another mtime, and the
 * box is then read through open_dir_beneath, which refuses it. */
static bool box_unchanged(struct worker *w, int basefd, const char *rel, const struct box *b)
{
	if (b->mt_root == MT_UNKNOWN || !b->nfolders)
		return false;
	sb_reset(&w->path);
	sb_adds(&w->path, rel);
	while (w->path.len > 1 && w->path.buf[w->path.len - 1] == '/')
		sb_truncate(&w->path, w->path.len - 1);
	if (dir_mtime(w, basefd, w->path.buf) != b->mt_root)
		return false;
	sb_addc(&w->path, '/');
	size_t rl = w->path.len;
	for (size_t i = 0; i < b->nfolders; i++) {
		const struct folder *f = &b->folders[i];
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
		if (dir_mtime(w, basefd, w->path.buf) != f->mt_new)
			return false;
		sb_truncate(&w->path, fl);
		sb_adds(&w->path, "cur");
		if (dir_mtime(w, basefd, w->path.buf) != f->mt_cur)
			return false;
	}
	return true;
}

/* One-shot with maildir_scan_set_read_quota: read maildirsize now, on the
 * worker, while the box is open (the command line shows it for every box). */
static void keep_quota(struct worker *w, int boxfd, struct box *b)
{
	struct maildir_scan *s = w->s;
	b->has_maildirsize &= (uint8_t)~MS_KEPT;
	int fd = openat(boxfd, "maildirsize", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	struct stat sb;
	/* d_type said a regular file: no fstat to check it again. */
	if (!(b->has_maildirsize & MS_TYPE_UNKNOWN) || (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))) {
		size_t len = 0, cap = MAILDIRSIZE_MAX;
		for (ssize_t r; len < cap && (r = read(fd, w->buf + len, cap - len)) > 0;) {
			len += (size_t)r;
			/* A short read of a regular file on a local filesystem is
			 * its end: no second read to be told so. */
			if (w->short_eof && len < cap)
				break;
		}
		if (maildir_quota_parse(w->buf, len, &s->quotas[b - s->boxes]))
			b->has_maildirsize |= MS_KEPT;
	}
	close(fd);
}

static bool folder_task(struct worker *w, struct box *b, int boxfd, size_t i)
{
	struct folder *f = &b->folders[i];
	/* A fresh folder's figures show in the sums compared by scan_box. */
	bool fresh = f->status == MAILDIR_NOT_SCANNED;
	return scan_folder(w, boxfd, b->names + f->name_off, f) && !fresh;
}

/* Scan the folders of b (open as boxfd). Other workers that ran out of
 * boxes may take some of them (help), so that one box with many big
 * folders does not leave a single worker busy at the end of the run. */
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
		/* Offer the rest only once a helper waits (the end of the run):
		 * no lock per box before, where contention would look like
		 * blocking on the disk and grow the pool. */
		if (share && !pub && atomic_load_explicit(&s->waiting, memory_order_relaxed)) {
			pthread_mutex_lock(&s->lock);
			w->job_pub = pub = true;
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
		}
		if (folder_task(w, b, boxfd, i))
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

static bool scan_box(struct worker *w, struct box *b)
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
	else if (!rel_ok(rel))
		e = EXDEV;
	else if (!s->oneshot && box_unchanged(w, base->fd, rel, b))
		return false;
	else if ((boxfd = open_dir_beneath(base->fd, rel)) < 0)
		e = errno;
	if (boxfd < 0) {
		b->status = e == ENOENT ? MAILDIR_MISSING
			  : (e == ELOOP || e == EXDEV) ? MAILDIR_UNSAFE : MAILDIR_UNREADABLE;
		b->err = clamp_err(e);
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
	/* The one-shot scan keeps no mtimes: no statx of the root. */
	int64_t mt = s->oneshot ? MT_UNKNOWN : dir_mtime(w, boxfd, "");
	if (mt >= s->run_start_ns - RACY_NS)
		mt = MT_UNKNOWN;
	struct maildir_counts before, after;
	uint32_t nbefore = b->nfolders;
	box_sum(b, &before);
	if (b->mt_root == MT_UNKNOWN || mt != b->mt_root || !b->nfolders)
		read_root(w, boxfd, b);
	b->mt_root = mt;
	if (s->quotas && (b->has_maildirsize & MS_PRESENT) && !b->quota_unwanted)
		keep_quota(w, boxfd, b);

	changed = scan_folders(w, b, boxfd);
	/* A ".x" directory without cur/ and new/ is not a folder (§5.8). */
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
	box_sum(b, &after);
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

/* ---- the pool ------------------------------------------------------- */

/* Times this thread blocked (voluntary context switches): on a cold cache
 * every directory read waits for the disk; preemption by other processes
 * is involuntary and does not count. */
static long thread_blocks(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : 0;
}

static void *worker_main(void *arg);

/* Start one more worker; false when the pool is full. */
static bool spawn_worker(struct maildir_scan *s)
{
	pthread_mutex_lock(&s->lock);
	bool ok = false;
	if (s->nthreads < s->max_workers) {
		struct worker *w = &s->workers[s->nthreads];
		memset(w, 0, sizeof *w);
		w->s = s;
		s->busy++;
		if (pthread_create(&s->threads[s->nthreads], NULL, worker_main, w) == 0) {
			s->nthreads++;
			ok = true;
		} else {
			s->busy--;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/* Out of boxes: take folders of boxes other workers are still in, until
 * no worker is left with boxes. */
static void help(struct worker *w)
{
	struct maildir_scan *s = w->s;
	pthread_mutex_lock(&s->lock);
	s->busy--;
	if (atomic_load(&s->waiting))
		pthread_cond_broadcast(&s->cond);
	for (;;) {
		struct job *j = NULL;
		for (unsigned k = 0; k < s->nthreads && !j; k++) {
			struct worker *o = &s->workers[k];
			if (o != w && o->job_pub && atomic_load(&o->job.next) < o->job.b->nfolders)
				j = &o->job;
		}
		if (j) {
			/* active keeps the owner (and its box fd) waiting for us. */
			j->active++;
			pthread_mutex_unlock(&s->lock);
			bool ch = false;
			for (unsigned i; (i = atomic_fetch_add(&j->next, 1)) < j->b->nfolders;) {
				w->st.folders_shared++;
				ch |= folder_task(w, j->b, j->fd, i);
			}
			pthread_mutex_lock(&s->lock);
			j->changed |= ch;
			if (--j->active == 0)
				pthread_cond_broadcast(&s->cond);
			continue;
		}
		if (s->busy == 0)
			break;
		atomic_fetch_add(&s->waiting, 1);
		pthread_cond_wait(&s->cond, &s->lock);
		atomic_fetch_sub(&s->waiting, 1);
	}
	pthread_mutex_unlock(&s->lock);
}

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);   /* vDSO: no system call */
	return ts_ns(&t);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct maildir_scan *s = w->s;
	size_t total = s->ids ? s->nids : s->n;
	w->buf = xmalloc(DENTS_BUF);
	/* Waiting on the disk (cold cache): more workers keep it busy
	 * (measured: 16 workers 3.7x faster than 1). When the cache is warm
	 * nothing blocks and the pool stays at the number of cores. Asked
	 * every POOL_CHECK_NS, not per box: a warm scan makes ~70 getrusage
	 * calls per worker instead of one per 4 boxes. */
	long blocks0 = thread_blocks();
	size_t boxes0 = 0, boxes = 0;
	int64_t check_at = mono_ns() + POOL_CHECK_NS;
	for (;;) {
		size_t i = atomic_fetch_add(&s->next, CHUNK);
		if (i >= total)
			break;
		for (size_t k = i; k < i + CHUNK && k < total; k++, boxes++) {
			size_t id = s->ids ? s->ids[k] : k;
			if (id < s->n && scan_box(w, &s->boxes[id]))
				w->changed++;
		}
		int64_t now = mono_ns();
		if (now < check_at)
			continue;
		/* At least one wait per box since the last check: cold. */
		long blocks = thread_blocks();
		if (blocks - blocks0 >= (long)(boxes - boxes0) && i + CHUNK < total)
			spawn_worker(s);
		blocks0 = blocks;
		boxes0 = boxes;
		check_at = now + POOL_CHECK_NS;
	}
	help(w);
	xfree(&w->buf);
	xfree(&w->seen);
	xfree(&w->seen_tab);
	w->nseen = w->seen_cap = w->seen_tab_cap = 0;
	sb_free(&w->path);
	sb_free(&w->folder_names);
	xfree(&w->folder_offs);
	w->nfolder_offs = w->folder_offs_cap = 0;
	return NULL;
}

static size_t run(struct maildir_scan *s, const size_t *ids, size_t nids)
{
	s->run_start_ns = now_ns();
	for (size_t i = 0; i < s->nbases; i++) {
		struct base *b = &s->bases[i];
		if (b->fd >= 0)
			close(b->fd);
		b->fd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		b->err = b->fd < 0 ? errno : 0;
		struct statfs sf;
		b->short_eof = b->fd >= 0 && fstatfs(b->fd, &sf) == 0 &&
			       (sf.f_type == 0xEF53 /* ext2/3/4 */ || sf.f_type == 0x58465342 /* xfs */ ||
				sf.f_type == 0x9123683E /* btrfs */ || sf.f_type == 0x01021994 /* tmpfs */);
	}
	s->ids = ids;
	s->nids = nids;
	atomic_store(&s->next, 0);
	size_t total = ids ? nids : s->n;
	xfree(&s->quotas);
	if (s->read_quota && s->oneshot)
		s->quotas = xcalloc(s->n ? s->n : 1, sizeof *s->quotas);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned start = cores < 1 ? 1 : (unsigned)cores;
	if (start > s->max_workers)
		start = s->max_workers;
	if (start > (total + CHUNK - 1) / CHUNK)
		start = (unsigned)((total + CHUNK - 1) / CHUNK);
	s->nthreads = 0;
	s->busy = 0;
	atomic_store(&s->waiting, 0);
	size_t changed = 0;
	if (total == 0)
		goto out;
	for (unsigned i = 0; i < start; i++)
		spawn_worker(s);
	if (s->nthreads == 0) {       /* no threads at all: work here */
		struct worker *w = &s->workers[0];
		memset(w, 0, sizeof *w);
		w->s = s;
		s->busy = 1;
		worker_main(w);
		s->nthreads = 1;
	} else {
		/* Workers may start others until they finish; join in order. */
		for (unsigned i = 0;; i++) {
			pthread_mutex_lock(&s->lock);
			unsigned n = s->nthreads;
			pthread_mutex_unlock(&s->lock);
			if (i >= n)
				break;
			pthread_join(s->threads[i], NULL);
		}
	}
	for (unsigned i = 0; i < s->nthreads; i++) {
		struct worker *w = &s->workers[i];
		s->st.dir_reads += w->st.dir_reads;
		s->st.dir_stats += w->st.dir_stats;
		s->st.file_stats += w->st.file_stats;
		s->st.vanished += w->st.vanished;
		s->st.folders_shared += w->st.folders_shared;
		changed += w->changed;
	}
	if (s->nthreads > s->st.workers_max)
		s->st.workers_max = s->nthreads;
out:
	for (size_t i = 0; i < s->nbases; i++) {
		if (s->bases[i].fd >= 0)
			close(s->bases[i].fd);
		s->bases[i].fd = -1;
	}
	s->ids = NULL;
	return changed;
}

size_t maildir_scan_run(struct maildir_scan *s)
{
	return run(s, NULL, 0);
}

size_t maildir_scan_boxes(struct maildir_scan *s, const size_t *ids, size_t n)
{
	return run(s, ids, n);
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

static const struct box *get_box(const struct maildir_scan *s, size_t id)
{
	if (id >= s->n)
		vm_panic("maildir: no box %zu", id);
	return &s->boxes[id];
}

enum maildir_status maildir_box_status(const struct maildir_scan *s, size_t id, int *err)
{
	const struct box *b = get_box(s, id);
	if (err)
		*err = b->err;
	return (enum maildir_status)b->status;
}

static void folder_counts(const struct folder *f, struct maildir_counts *c)
{
	c->bytes = f->bytes_new + f->bytes_cur;
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
	box_sum(get_box(s, id), out);
}

static void box_sum(const struct box *b, struct maildir_counts *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < b->nfolders; i++) {
		struct maildir_counts c;
		folder_counts(&b->folders[i], &c);
		out->bytes += c.bytes;
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
	return get_box(s, id)->nfolders;
}

void maildir_box_folder(const struct maildir_scan *s, size_t id, size_t i,
			struct maildir_folder *out)
{
	const struct box *b = get_box(s, id);
	if (i >= b->nfolders)
		vm_panic("maildir: no folder %zu in box %zu", i, id);
	const struct folder *f = &b->folders[i];
	out->name = b->names + f->name_off;
	out->status = (enum maildir_status)f->status;
	out->err = f->err;
	folder_counts(f, &out->counts);
}

const char *maildir_box_rel(const struct maildir_scan *s, size_t id)
{
	return s->arena + get_box(s, id)->rel_off;
}

const char *maildir_box_base(const struct maildir_scan *s, size_t id)
{
	return s->bases[get_box(s, id)->base].path;
}

int maildir_box_open(const struct maildir_scan *s, size_t id, const char *sub)
{
	const struct box *b = get_box(s, id);
	const char *rel = s->arena + b->rel_off;
	if (!rel_ok(rel) || (*sub && (*sub == '/' || !rel_ok(sub)))) {
		errno = EXDEV;
		return -1;
	}
	int bfd = open(s->bases[b->base].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return -1;
	int dfd = open_dir_beneath(bfd, rel);
	int e = errno;
	close(bfd);
	if (dfd < 0 || !*sub) {
		errno = e;
		return dfd;
	}
	int fd = open_dir_beneath(dfd, sub);
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

static void box_path(const struct maildir_scan *s, const struct box *b, struct strbuf *sb)
{
	sb_reset(sb);
	sb_adds(sb, s->bases[b->base].path);
	if (sb->len && sb->buf[sb->len - 1] != '/')
		sb_addc(sb, '/');
	sb_adds(sb, s->arena + b->rel_off);
}

void maildir_box_diags(const struct maildir_scan *s, size_t id, struct diags *d)
{
	const struct box *b = get_box(s, id);
	struct strbuf p = STRBUF_INIT;
	box_path(s, b, &p);
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
	const struct box *b = get_box(s, id);
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
	int fd = openat(dfd, "maildirsize", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dfd);
	if (fd < 0)
		return false;
	char buf[16384];
	size_t len = 0;
	struct stat sb;
	bool ok = false;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		for (ssize_t r; len < sizeof buf && (r = read(fd, buf + len, sizeof buf - len)) > 0;)
			len += (size_t)r;
		ok = maildir_quota_parse(buf, len, q);
	}
	close(fd);
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

void maildir_scan_set_hook(struct maildir_scan *s, maildir_hook_fn fn, void *arg)
{
	s->hook = fn;
	s->hook_arg = arg;
}
