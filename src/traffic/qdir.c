/* The queue read from its files, as showq(8) walks it (Postfix 3.7
 * showq_service()): maildrop (flat), then active, incoming, deferred and
 * hold, each read depth-first in directory order, entering every
 * one-character subdirectory (mail_scan_dir_next). A name is listed when
 * it is a queue id (mail_queue_id_ok) and its file, at the place Postfix
 * would put it (mail_queue_dir: hash_queue_names, hash_queue_depth), is a
 * regular file with the owner bits rwx (mail_open_ok: "ready"; a file
 * cleanup is still writing is 0600); a file gone meanwhile is skipped,
 * as showq skips it. Directories are opened through safeopen (no symlink
 * followed below queue_directory), files with O_NOFOLLOW.
 *
 * Opening 200,000 files (queue files and defer logs) is the cost, so the
 * files are read on worker threads, one per core: the walker fills batches
 * of names, the workers read them, and the batches come back to the
 * visitor in the walk's order (the listing is the same from run to run).
 * At most SLOTS batches are in flight: memory does not grow with the
 * queue. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/qdir.h"
#include "vmailadm/qfile.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

#define BATCH 256
#define SLOTS 8
#define MAX_WORKERS 4
#define MAX_DEPTH 16    /* hash_queue_depth beyond this: clamped */
#define ID_MAX 255      /* VALID_HOSTNAME_LEN */

/* showq's order; maildrop is read flat. */
static const char *const queues[] = { "maildrop", "active", "incoming", "deferred", "hold" };
#define NQUEUES (sizeof queues / sizeof queues[0])

/* ---- where Postfix puts a file ---- */

/* safe_ultostr.c's alphabet: digits and letters without vowels. */
static int safe_digit(char c)
{
	static const char alphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

void qdir_hashed_path(char *buf, size_t len, const char *queue, const char *id, bool hashed,
		      long depth)
{
	size_t n = (size_t)snprintf(buf, len, "%s/", queue);
	if (!hashed || n >= len)
		return;
	/* A long queue id (time, 'z', inode) is hashed by its microseconds
	 * written as a short id would write them (MQID_LG_GET_HEX_USEC). */
	char usec[16];
	const char *key = id;
	const char *z = strrchr(id, 'z');
	if (z && z - id >= 10) {
		unsigned long v = 0;
		for (const char *p = z - 4; p < z; p++) {
			int dv = safe_digit(*p);
			if (dv < 0 || dv >= 52) {
				v = 0;
				break;
			}
			v = v * 52 + (unsigned long)dv;
		}
		snprintf(usec, sizeof usec, "%05lX", v);
		key = usec;
	}
	if (depth < 1)
		depth = 1;
	if (depth > MAX_DEPTH)
		depth = MAX_DEPTH;
	/* dir_forest(): one level per character, '_' once the key ends. */
	for (long i = 0; i < depth && n + 2 < len; i++) {
		buf[n++] = *key ? *key++ : '_';
		buf[n++] = '/';
	}
	buf[n] = '\0';
}

static bool queue_id_ok(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'A' && id[n] <= 'Z') ||
		      (id[n] >= 'a' && id[n] <= 'z') || id[n] == '_'))
			return false;
	return n > 0 && n <= ID_MAX;
}

/* ---- the directories, each opened once ---- */

struct dirs {
	const char *base;            /* queue_directory */
	struct strmap *fds;          /* rel (no trailing '/') -> fd + 2; 1: absent */
	int *all;
	size_t n, cap;
};

/* The directory base/rel (a trailing '/' ignored), opened through
 * safeopen and kept; -1 when it cannot be. */
static int dirs_get(struct dirs *ds, const char *rel, struct diags *d)
{
	char key[ID_MAX + 64];
	size_t len = strlen(rel);
	if (len && rel[len - 1] == '/')
		len--;
	if (len >= sizeof key)
		return -1;
	memcpy(key, rel, len);
	key[len] = '\0';
	uintptr_t v = (uintptr_t)strmap_get(ds->fds, key);
	if (v)
		return (int)v - 2;
	struct diags mine = DIAGS_INIT;
	int fd = safe_open_dir(ds->base, key, &mine);
	if (d)
		diags_take(d, &mine);
	diags_free(&mine);
	strmap_put(ds->fds, key, (void *)(uintptr_t)(fd + 2));
	if (fd >= 0) {
		if (ds->n == ds->cap) {
			ds->cap = ds->cap ? ds->cap * 2 : 32;
			ds->all = xreallocarray(ds->all, ds->cap, sizeof *ds->all);
		}
		ds->all[ds->n++] = fd;
	}
	return fd;
}

static void dirs_free(struct dirs *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		close(ds->all[i]);
	free(ds->all);
	strmap_free(&ds->fds);
}

/* ---- the walk (main thread) ---- */

struct frame {
	DIR *dp;
	int fd;
	size_t rel_len;
};

struct walker {
	struct dirs *ds;
	size_t qi;                     /* the queue being read, NQUEUES at the end */
	bool started;
	struct frame stack[MAX_DEPTH + 1];
	int depth;
	struct strbuf rel;             /* the directory being read */
	bool hashed[NQUEUES], defer_hashed;
	long hash_depth;
};

static bool walker_push(struct walker *w, int fd)
{
	int dfd = fd < 0 ? -1 : dup(fd);
	DIR *dp = dfd < 0 ? NULL : fdopendir(dfd);
	if (!dp) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	w->stack[w->depth++] = (struct frame){ dp, fd, w->rel.len };
	return true;
}

static void walker_pop(struct walker *w)
{
	struct frame *f = &w->stack[--w->depth];
	closedir(f->dp);
	if (w->depth > 0)
		sb_truncate(&w->rel, w->stack[w->depth - 1].rel_len);
}

/* The next name to look at, with the directory it was found in (rel, fd);
 * NULL at the end of the last queue. */
static const char *walker_next(struct walker *w, int *fd)
{
	for (;;) {
		if (w->depth == 0) {
			w->qi = w->started ? w->qi + 1 : 0;
			w->started = true;
			if (w->qi >= NQUEUES)
				return NULL;
			sb_reset(&w->rel);
			sb_adds(&w->rel, queues[w->qi]);
			walker_push(w, dirs_get(w->ds, w->rel.buf, NULL));
			continue;
		}
		struct frame *f = &w->stack[w->depth - 1];
		struct dirent *e = readdir(f->dp);
		if (!e) {
			walker_pop(w);
			continue;
		}
		const char *name = e->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (w->qi > 0 && name[1] == '\0') {
			/* A hash level (one character): read it first, then go on. */
			if (w->depth > MAX_DEPTH)
				continue;
			size_t keep = w->rel.len;
			sb_addc(&w->rel, '/');
			sb_adds(&w->rel, name);
			if (!walker_push(w, dirs_get(w->ds, w->rel.buf, NULL)))
				sb_truncate(&w->rel, keep);
			continue;
		}
		*fd = f->fd;
		return name;
	}
}

/* ---- the batches and the workers ---- */

struct entry {
	char *name;
	int dirfd, deferfd;
	unsigned char queue;
};

struct batch {
	size_t n;
	bool done;
	struct entry e[BATCH];
	struct queue_msg m[BATCH];
	bool have[BATCH];
};

struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct batch *slots;
	unsigned long produced, taken;
	bool finished;
	struct qfile_opts opts;
};

/* One entry: mail_open_ok() and showq_report() through qfile. */
static void entry_read(const struct pipeline *p, struct batch *b, size_t i)
{
	const struct entry *e = &b->e[i];
	b->have[i] = false;
	int fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return; /* gone since the directory was read, or not a file */
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXU) == S_IRWXU)
		b->have[i] = qfile_read(fd, &st, queues[e->queue], e->name, e->deferfd, &p->opts,
					&b->m[i]) == 1;
	close(fd);
}

static void batch_read(const struct pipeline *p, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		entry_read(p, b, i);
}

static void *pipeline_worker(void *arg)
{
	struct pipeline *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->taken == p->produced && !p->finished)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->taken == p->produced)
			break;
		struct batch *b = &p->slots[p->taken++ % SLOTS];
		pthread_mutex_unlock(&p->lock);
		batch_read(p, b);
		pthread_mutex_lock(&p->lock);
		b->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Fill b with the walk's next names; false when the walk is over. */
static bool batch_fill(struct walker *w, struct batch *b)
{
	b->n = 0;
	char where[ID_MAX + 64];
	while (b->n < BATCH) {
		int fd = -1;
		const char *name = walker_next(w, &fd);
		if (!name)
			return false;
		if (!queue_id_ok(name))
			continue;
		/* Postfix opens the file where it would have put it. */
		qdir_hashed_path(where, sizeof where, queues[w->qi], name, w->hashed[w->qi],
				 w->hash_depth);
		size_t wl = strlen(where) - 1;
		if (wl != w->rel.len || memcmp(where, w->rel.buf, wl) != 0)
			fd = dirs_get(w->ds, where, NULL);
		if (fd < 0)
			continue;
		qdir_hashed_path(where, sizeof where, "defer", name, w->defer_hashed, w->hash_depth);
		b->e[b->n++] = (struct entry){ xstrdup(name), fd, dirs_get(w->ds, where, NULL),
					       (unsigned char)w->qi };
	}
	return true;
}

/* The finished batch b to the visitor; false once the visitor said stop. */
static bool batch_emit(struct batch *b, queue_visit fn, void *ctx, bool go, long *count)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->have[i]) {
			if (go) {
				(*count)++;
				go = fn(ctx, &b->m[i]);
			}
			queue_msg_free(&b->m[i]);
		}
		free(b->e[i].name);
	}
	b->n = 0;
	return go;
}

static size_t worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (size_t)n;
}

/* The walk, the workers and the visitor, until the end or a stop. */
static long pipeline_run(struct pipeline *p, struct walker *w, queue_visit fn, void *ctx)
{
	pthread_t threads[MAX_WORKERS];
	size_t nthreads = 0, want = worker_count();
	while (nthreads < want &&
	       pthread_create(&threads[nthreads], NULL, pipeline_worker, p) == 0)
		nthreads++;
	long count = 0;
	unsigned long emitted = 0;
	bool walking = true, go = true;
	for (;;) {
		while (walking && go && p->produced - emitted < SLOTS) {
			struct batch *b = &p->slots[p->produced % SLOTS];
			walking = batch_fill(w, b);
			if (b->n == 0)
				break;
			b->done = false;
			if (nthreads == 0) {
				batch_read(p, b); /* no thread could start: read here */
				b->done = true;
			}
			pthread_mutex_lock(&p->lock);
			p->produced++;
			pthread_cond_signal(&p->work);
			pthread_mutex_unlock(&p->lock);
		}
		if (emitted == p->produced)
			break;
		struct batch *b = &p->slots[emitted % SLOTS];
		pthread_mutex_lock(&p->lock);
		while (!b->done)
			pthread_cond_wait(&p->done, &p->lock);
		pthread_mutex_unlock(&p->lock);
		go = batch_emit(b, fn, ctx, go, &count);
		emitted++;
	}
	pthread_mutex_lock(&p->lock);
	p->finished = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	return count;
}

/* ---- the listing ---- */

/* Open queue_directory and its queues; QDIR_UNREADABLE with why in d when
 * this process cannot read them (or none is there: not a Postfix queue). */
static int open_queues(struct dirs *ds, struct diags *d)
{
	struct diags mine = DIAGS_INIT;
	int top = safe_open_dir(ds->base, NULL, &mine);
	if (top < 0) {
		diags_take(d, &mine);
		diags_free(&mine);
		return QDIR_UNREADABLE;
	}
	size_t present = 0;
	for (size_t i = 0; i < NQUEUES && !diags_has_errors(&mine); i++) {
		struct stat st;
		if (fstatat(top, queues[i], &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			continue; /* not made yet: an empty queue */
		if (dirs_get(ds, queues[i], &mine) >= 0)
			present++;
	}
	close(top);
	if (!diags_has_errors(&mine) && present == 0)
		diag_error(&mine, ds->base, 0, _("no queue directories here (is it Postfix's?)"));
	int rc = diags_has_errors(&mine) ? QDIR_UNREADABLE : 0;
	diags_take(d, &mine);
	diags_free(&mine);
	return rc;
}

/* Every hash directory stays open for the listing (16 per hashed queue at
 * hash_queue_depth 1, 256 at 2): the soft limit of open files goes up to
 * the hard one, as far as it can. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

long qdir_list(const struct traffic_postfix *pf, queue_visit fn, void *ctx, struct diags *d)
{
	raise_nofile();
	struct dirs ds = { .base = pf->queue_directory, .fds = strmap_create(64) };
	if (open_queues(&ds, d) < 0) {
		dirs_free(&ds);
		return QDIR_UNREADABLE;
	}
	struct walker w = { .ds = &ds, .hash_depth = pf->hash_queue_depth };
	size_t nh = 0;
	char **names = maincf_split_list(pf->hash_queue_names, &nh);
	for (size_t i = 0; i < nh; i++) {
		for (size_t q = 0; q < NQUEUES; q++)
			w.hashed[q] |= strcasecmp(names[i], queues[q]) == 0;
		w.defer_hashed |= strcasecmp(names[i], "defer") == 0;
		free(names[i]);
	}
	free(names);
	struct pipeline p = {
		.slots = xcalloc(SLOTS, sizeof *p.slots),
		.opts = { .empty_addr = pf->empty_address_recipient,
			  .dup_limit = pf->duplicate_filter_limit,
			  .utf8 = pf->smtputf8_enable },
	};
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	long count = pipeline_run(&p, &w, fn, ctx);
	while (w.depth > 0)
		walker_pop(&w);
	pthread_cond_destroy(&p.work);
	pthread_cond_destroy(&p.done);
	pthread_mutex_destroy(&p.lock);
	free(p.slots);
	sb_free(&w.rel);
	dirs_free(&ds);
	return count;
}
