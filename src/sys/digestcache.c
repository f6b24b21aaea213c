/* Remembered digests (see digestcache.h). The cache is a small text file,
 * one line per file:
 *   DEV INO SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS SHA256 NMARKS MARKS PATH
 * MARKS being the NMARKS saved states as 64 hex digits each, run together
 * ("-" for none), and PATH the rest of the line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmailadm/atomicio.h"
#include "vmailadm/digestcache.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define HEADER "vmailadm-digests 1"
/* A few maps, the passwd-file, main.cf: more than enough. */
#define MAX_ENTRIES 64
#define MAX_FILE_SIZE ((off_t)4 << 20)

struct entry {
	char *path;
	struct stat st;   /* only the identity fields are kept */
	struct file_digest dg;
};

struct digest_cache {
	struct entry *v;
	size_t n, cap;
};

/* ---- digests --------------------------------------------------------------- */

/* Hash data[from..len) into c (which holds the state after `from` bytes),
 * saving a mark at every stride boundary into out. */
static void hash_marking(struct sha256 *c, const unsigned char *data, size_t from, size_t len,
			 struct file_digest *out)
{
	size_t nmarks = len / DIGEST_STRIDE;
	out->marks = xrealloc(out->marks, (nmarks ? nmarks : 1) * sizeof *out->marks);
	size_t off = from;
	while (off < len) {
		size_t next = (off / DIGEST_STRIDE + 1) * DIGEST_STRIDE;
		size_t end = next < len ? next : len;
		sha256_update(c, data + off, end - off);
		off = end;
		if (off % DIGEST_STRIDE == 0)
			sha256_export(c, &out->marks[off / DIGEST_STRIDE - 1]);
	}
	out->nmarks = nmarks;
	sha256_final_hex(c, out->sha);
}

void digestcache_file_compute(const void *data, size_t len, struct file_digest *out)
{
	struct sha256 c;
	sha256_init(&c);
	*out = (struct file_digest){ .marks = NULL };
	hash_marking(&c, data, 0, len, out);
}

void digestcache_file_resume(const struct file_digest *old_dg, size_t old_len, size_t shared,
			     const void *cur, size_t cur_len, struct file_digest *out)
{
	/* Whole strides cur shares with old from the start; a mark exists
	 * for each only when old had that many bytes. */
	size_t k = shared / DIGEST_STRIDE;
	if (k > old_dg->nmarks)
		k = old_dg->nmarks;
	if (k > old_len / DIGEST_STRIDE)
		k = old_len / DIGEST_STRIDE;
	if (k > cur_len / DIGEST_STRIDE)
		k = cur_len / DIGEST_STRIDE;
	*out = (struct file_digest){ .marks = NULL };
	struct sha256 c;
	sha256_init(&c);
	if (k > 0) {
		sha256_import(&c, &old_dg->marks[k - 1]);
		out->marks = xmalloc((cur_len / DIGEST_STRIDE) * sizeof *out->marks);
		memcpy(out->marks, old_dg->marks, k * sizeof *out->marks);
	}
	hash_marking(&c, cur, k * DIGEST_STRIDE, cur_len, out);
}

void digestcache_file_update(const struct file_digest *old_dg, const void *old, size_t old_len,
			     const void *cur, size_t cur_len, struct file_digest *out)
{
	size_t shared = 0, limit = old_len < cur_len ? old_len : cur_len;
	const unsigned char *o = old, *n = cur;
	while (shared + DIGEST_STRIDE <= limit && memcmp(o + shared, n + shared, DIGEST_STRIDE) == 0)
		shared += DIGEST_STRIDE;
	digestcache_file_resume(old_dg, old_len, shared, cur, cur_len, out);
}

void digestcache_file_free(struct file_digest *dg)
{
	free(dg->marks);
	dg->marks = NULL;
	dg->nmarks = 0;
}

static void digest_copy(struct file_digest *to, const struct file_digest *from)
{
	memcpy(to->sha, from->sha, sizeof to->sha);
	to->nmarks = from->nmarks;
	to->marks = xmalloc((from->nmarks ? from->nmarks : 1) * sizeof *to->marks);
	memcpy(to->marks, from->marks, from->nmarks * sizeof *to->marks);
}

/* ---- the cache --------------------------------------------------------------- */

static bool same_identity(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse_hex32(const char *p, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 8; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return false;
		x = x << 4 | (uint32_t)h;
	}
	*v = x;
	return true;
}

/* One number and the blank after it. */
static bool next_num(const char **p, unsigned long long *v)
{
	char *end;
	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno || *end != ' ')
		return false;
	*p = end + 1;
	return true;
}

static bool parse_line(const char *line, struct entry *e)
{
	unsigned long long dev, ino, size, ms, mns, cs, cns, nmarks;
	const char *p = line;
	if (!next_num(&p, &dev) || !next_num(&p, &ino) || !next_num(&p, &size) || !next_num(&p, &ms) ||
	    !next_num(&p, &mns) || !next_num(&p, &cs) || !next_num(&p, &cns) || mns > 999999999 ||
	    cns > 999999999 || size > INT64_MAX || ms > INT64_MAX || cs > INT64_MAX ||
	    (unsigned long long)(dev_t)dev != dev || (unsigned long long)(ino_t)ino != ino)
		return false;
	for (int i = 0; i < 64; i++)
		if (hexval(p[i]) < 0)
			return false;
	if (p[64] != ' ')
		return false;
	memcpy(e->dg.sha, p, 64);
	e->dg.sha[64] = '\0';
	p += 65;
	if (!next_num(&p, &nmarks) || nmarks != size / DIGEST_STRIDE)
		return false;
	size_t hexlen = nmarks ? (size_t)nmarks * 64 : 1;
	if (strnlen(p, hexlen + 1) < hexlen + 1 || p[hexlen] != ' ' || (!nmarks && *p != '-'))
		return false;
	e->dg.marks = xmalloc((nmarks ? nmarks : 1) * sizeof *e->dg.marks);
	e->dg.nmarks = nmarks;
	for (size_t i = 0; i < nmarks; i++) {
		e->dg.marks[i].len = (uint64_t)(i + 1) * DIGEST_STRIDE;
		for (int w = 0; w < 8; w++)
			if (!parse_hex32(p + i * 64 + w * 8, &e->dg.marks[i].h[w])) {
				digestcache_file_free(&e->dg);
				return false;
			}
	}
	p += hexlen + 1;
	if (*p != '/') {
		digestcache_file_free(&e->dg);
		return false;
	}
	e->path = xstrdup(p);
	memset(&e->st, 0, sizeof e->st);
	e->st.st_dev = (dev_t)dev;
	e->st.st_ino = (ino_t)ino;
	e->st.st_size = (off_t)size;
	e->st.st_mtim = (struct timespec){ (time_t)ms, (long)mns };
	e->st.st_ctim = (struct timespec){ (time_t)cs, (long)cns };
	return true;
}

static void entry_free(struct entry *e)
{
	free(e->path);
	digestcache_file_free(&e->dg);
}

static void cache_clear(struct digest_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_free(&c->v[i]);
	c->n = 0;
}

/* The file's bytes when it is a regular file of ours that only we can
 * write, and not absurdly large. */
static bool read_own(const char *path, struct strbuf *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	struct stat st;
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		  (st.st_mode & 022) == 0 && st.st_size < MAX_FILE_SIZE;
	if (ok) {
		sb_grow(out, (size_t)st.st_size + 1);
		for (;;) {
			ssize_t r = read(fd, out->buf + out->len, out->cap - out->len - 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				ok = r == 0;
				break;
			}
			out->len += (size_t)r;
			out->buf[out->len] = '\0';
			sb_grow(out, 4096);
		}
	}
	close(fd);
	return ok;
}

struct digest_cache *digestcache_load(const char *path)
{
	struct digest_cache *c = xcalloc(1, sizeof *c);
	struct strbuf sb = STRBUF_INIT;
	if (!read_own(path, &sb)) {
		sb_free(&sb);
		return c;
	}
	char *text = sb.buf;
	char *nl = text ? strchr(text, '\n') : NULL;
	char header[64];
	snprintf(header, sizeof header, "%s %zu", HEADER, DIGEST_STRIDE);
	if (!nl || (size_t)(nl - text) != strlen(header) || strncmp(text, header, strlen(header)) != 0) {
		sb_free(&sb);
		return c;
	}
	for (char *line = nl + 1; *line;) {
		nl = strchr(line, '\n');
		if (!nl || c->n >= MAX_ENTRIES) {
			cache_clear(c); /* cut short or too long: not ours to trust */
			break;
		}
		*nl = '\0';
		xgrow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
		if (!parse_line(line, &c->v[c->n])) {
			cache_clear(c);
			break;
		}
		c->n++;
		line = nl + 1;
	}
	sb_free(&sb);
	return c;
}

const struct file_digest *digestcache_find(const struct digest_cache *c, const char *path,
					   const struct stat *st)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->v[i].path, path) == 0)
			return same_identity(&c->v[i].st, st) ? &c->v[i].dg : NULL;
	return NULL;
}

void digestcache_forget(struct digest_cache *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].path, path) == 0) {
			entry_free(&c->v[i]);
			memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof *c->v);
			c->n--;
			return;
		}
}

void digestcache_put(struct digest_cache *c, const char *path, const struct stat *st,
		     const struct file_digest *dg)
{
	digestcache_forget(c, path);
	if (path[0] != '/' || strchr(path, '\n') || dg->nmarks != (size_t)st->st_size / DIGEST_STRIDE)
		return;
	if (c->n >= MAX_ENTRIES) { /* the oldest goes */
		entry_free(&c->v[0]);
		memmove(&c->v[0], &c->v[1], (c->n - 1) * sizeof *c->v);
		c->n--;
	}
	xgrow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
	struct entry *e = &c->v[c->n++];
	e->path = xstrdup(path);
	memset(&e->st, 0, sizeof e->st);
	e->st.st_dev = st->st_dev;
	e->st.st_ino = st->st_ino;
	e->st.st_size = st->st_size;
	e->st.st_mtim = st->st_mtim;
	e->st.st_ctim = st->st_ctim;
	digest_copy(&e->dg, dg);
}

int digestcache_save(const struct digest_cache *c, const char *path, struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s %zu\n", HEADER, DIGEST_STRIDE);
	for (size_t i = 0; i < c->n; i++) {
		const struct entry *e = &c->v[i];
		sb_addf(&sb, "%ju %ju %jd %jd %ld %jd %ld %s %zu ", (uintmax_t)e->st.st_dev,
			(uintmax_t)e->st.st_ino, (intmax_t)e->st.st_size, (intmax_t)e->st.st_mtim.tv_sec,
			e->st.st_mtim.tv_nsec, (intmax_t)e->st.st_ctim.tv_sec, e->st.st_ctim.tv_nsec,
			e->dg.sha, e->dg.nmarks);
		for (size_t k = 0; k < e->dg.nmarks; k++)
			for (int w = 0; w < 8; w++)
				sb_addf(&sb, "%08" PRIx32, e->dg.marks[k].h[w]);
		if (!e->dg.nmarks)
			sb_addc(&sb, '-');
		sb_addf(&sb, " %s\n", e->path);
	}
	struct file_owner own = { geteuid(), getegid(), 0600 };
	/* Not synced: a cache lost or emptied in a crash is only ignored. */
	int rc = atomic_write_unsynced(path, sb.buf, sb.len, &own, false, d);
	sb_free(&sb);
	return rc;
}

void digestcache_free(struct digest_cache **cp)
{
	if (!*cp)
		return;
	cache_clear(*cp);
	free((*cp)->v);
	free(*cp);
	*cp = NULL;
}
