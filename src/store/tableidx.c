/* A read-only lookup index over a Postfix table source (see tableidx.h):
 * one pass over the mapped file finds the logical lines and their keys the
 * way doc_next_logical() and table.c do, and keeps key hash -> entry in an
 * open-addressing table; values are only cut out of the file on a hit.
 * The index owns its mapping (or its copy of the data). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/xalloc.h"

/* A key that is not plain (see below): where it is in its logical line. */
struct ent {
	size_t off;        /* first byte of the logical line in data */
	uint32_t koff;     /* the key within the logical text */
	uint32_t klen;
	bool multi;        /* the logical line has continuation lines: its text
	                    * must be joined again to read the key or value */
};

/* One distinct key. Most keys are "plain": on a one-line entry, starting
 * the line, made of bytes that are not whitespace, '"', '\\' or NUL, and
 * ended by whitespace. A plain key needs nothing but its offset: its
 * length is the query's, checked by the whitespace after it; so a hit
 * costs the slot and the line, and no third lookup in memory. */
struct slot {
	uint32_t hash;
	uint32_t line;     /* 1-based line number of the entry */
	uint64_t ref;      /* 0: empty; odd: a plain key at offset ref >> 1;
	                    * even: ents[(ref >> 1) - 1] */
};

/* A key waiting to be entered: its slot is being prefetched meanwhile (the
 * slot array is larger than the cache, and a miss per key would cost more
 * than reading the line). */
struct pending {
	size_t off;
	unsigned line;
	uint32_t klen;
	uint32_t hash;
};

#define PENDING_MAX 16

struct tableidx {
	char *name;
	enum table_syntax syntax;
	bool exists;
	const char *data;
	size_t len;
	void *map;         /* the mapping, when the file was mapped */
	size_t maplen;
	char *copy;        /* the data, when copied */
	struct ent *ents;  /* the keys that are not plain */
	size_t nents, cap;
	size_t n;          /* distinct keys */
	struct slot *slots;
	size_t mask;       /* slots - 1 (a power of two less one) */
	struct pending pend[PENDING_MAX];
	size_t npend;
};

static char fold_c(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Bytes a plain key has none of, and where the fast scan stops. */
static const unsigned char key_stop[256] = {
	[0] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\v'] = 1, ['\f'] = 1,
	['"'] = 1, ['\\'] = 1,
};

/* ASCII upper case to lower case in eight bytes at once (bytes >= 0x80,
 * UTF-8, untouched), as postmap folds keys. */
static uint64_t fold8(uint64_t x)
{
	uint64_t low7 = x & 0x7f7f7f7f7f7f7f7full;
	uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3full;   /* high bit: >= 'A' */
	uint64_t gt_z = low7 + 0x2525252525252525ull;   /* high bit: > 'Z' */
	uint64_t upper = ge_a & ~gt_z & ~x & 0x8080808080808080ull;
	return x | (upper >> 2);
}

/* The hash of n bytes as folded, eight at a time. */
static uint32_t hash_key(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	uint64_t w;
	if (n < 8) {
		w = 0;
		for (size_t i = 0; i < n; i++)
			w = w << 8 | (unsigned char)s[i];
		h = (h ^ fold8(w)) * 0xff51afd7ed558ccdull;
	} else {
		/* whole words, the last one overlapping the one before */
		const char *last = s + n - 8;
		for (; s < last; s += 8) {
			memcpy(&w, s, 8);
			h = (h ^ fold8(w)) * 0xff51afd7ed558ccdull;
			h ^= h >> 32;
		}
		memcpy(&w, last, 8);
		h = (h ^ fold8(w)) * 0xff51afd7ed558ccdull;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static bool is_plain(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (key_stop[(unsigned char)s[i]])
			return false;
	return true;
}

/* ---- logical lines (doc_next_logical) ---- */

static const char *line_end(const struct tableidx *t, const char *p)
{
	const char *end = t->data + t->len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

/* A physical line readlline() drops: empty, all whitespace, or a comment. */
static bool dropped(const char *p, const char *le)
{
	while (p < le && ascii_is_ws(*p))
		p++;
	return p == le || *p == '#';
}

/* The text of the logical line starting at off with its continuation
 * lines, as doc_next_logical() joins them (without the newlines; the "\r"
 * of a CRLF line end stays). */
static void join_logical(const struct tableidx *t, size_t off, struct strbuf *sb)
{
	const char *end = t->data + t->len;
	const char *p = t->data + off;
	const char *le = line_end(t, p);
	sb_reset(sb);
	sb_add(sb, p, (size_t)(le - p));
	for (p = le < end ? le + 1 : end; p < end; p = le < end ? le + 1 : end) {
		le = line_end(t, p);
		if (dropped(p, le))
			continue;
		if (!ascii_is_ws(*p))
			break;
		sb_add(sb, p, (size_t)(le - p));
	}
}

/* The logical text at off: in the file itself, or joined into sb. *n is
 * its length up to the first NUL (the parsers read it as a C string). */
static const char *text_at(const struct tableidx *t, size_t off, bool multi, struct strbuf *sb,
			   size_t *n)
{
	const char *s;
	if (multi) {
		join_logical(t, off, sb);
		s = sb->buf ? sb->buf : "";
		*n = sb->len;
	} else {
		s = t->data + off;
		*n = (size_t)(line_end(t, s) - s);
	}
	const char *nul = memchr(s, '\0', *n);
	if (nul)
		*n = (size_t)(nul - s);
	return s;
}

/* ---- the hash table ---- */

/* A key being looked for: its bytes (not necessarily folded). */
struct probe {
	const char *key;
	size_t n;
	uint32_t hash;
	bool plain;
};

static struct probe probe_of(const char *key, size_t n)
{
	return (struct probe){ key, n, hash_key(key, n), is_plain(key, n) };
}

static bool same_folded(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold_c(a[i]) != fold_c(b[i]))
			return false;
	return true;
}

/* Whether slot s holds the key of p; *key gets where the stored key is
 * (in data, or in sb when its line was joined). */
static bool slot_matches(const struct tableidx *t, const struct slot *s, const struct probe *p,
			 struct strbuf *sb, const char **key)
{
	if (s->hash != p->hash)
		return false;
	if (s->ref & 1) {
		/* plain: no stop byte inside, whitespace right after */
		size_t off = (size_t)(s->ref >> 1);
		if (!p->plain || off + p->n >= t->len || !ascii_is_ws(t->data[off + p->n]))
			return false;
		*key = t->data + off;
		return same_folded(*key, p->key, p->n);
	}
	const struct ent *e = &t->ents[(s->ref >> 1) - 1];
	if (e->klen != p->n)
		return false;
	size_t tl;
	*key = text_at(t, e->off, e->multi, sb, &tl) + e->koff;
	return same_folded(*key, p->key, p->n);
}

static const struct slot *find(const struct tableidx *t, const struct probe *p, struct strbuf *sb,
			       const char **key)
{
	if (!t->slots)
		return NULL;
	for (size_t k = p->hash & t->mask; t->slots[k].ref; k = (k + 1) & t->mask)
		if (slot_matches(t, &t->slots[k], p, sb, key))
			return &t->slots[k];
	return NULL;
}

/* The slot array, zeroed. A large one is mapped apart, in huge pages where
 * the kernel allows (a lookup is a random access: fewer TLB misses), and
 * written at once: a zero page first read by a probe and then written
 * would fault twice. */
#define SLOTS_MAPPED (1u << 20)   /* bytes */

static struct slot *slots_alloc(size_t nslots)
{
	size_t bytes = nslots * sizeof(struct slot);
	if (bytes < SLOTS_MAPPED)
		return xcalloc(nslots, sizeof(struct slot));
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		vm_fatal("out of memory (%zu bytes)", bytes);
#ifdef MADV_HUGEPAGE
	madvise(m, bytes, MADV_HUGEPAGE);
#endif
	/* one write a page: the kernel gives zeroed pages, once each */
	for (size_t i = 0; i < bytes; i += 4096)
		((volatile char *)m)[i] = 0;
	return m;
}

static void slots_free(struct slot *v, size_t nslots)
{
	if (nslots * sizeof(struct slot) < SLOTS_MAPPED)
		free(v);
	else if (v)
		munmap(v, nslots * sizeof(struct slot));
}

static void slots_grow(struct tableidx *t)
{
	size_t nslots = (t->mask + 1) * 2;
	struct slot *v = slots_alloc(nslots);
	for (size_t i = 0; i <= t->mask; i++) {
		if (!t->slots[i].ref)
			continue;
		size_t k = t->slots[i].hash & (nslots - 1);
		while (v[k].ref)
			k = (k + 1) & (nslots - 1);
		v[k] = t->slots[i];
	}
	slots_free(t->slots, t->mask + 1);
	t->slots = v;
	t->mask = nslots - 1;
}

/* Enter the key of p, from the line at off; a later duplicate is reported
 * and left out, since Postfix uses the first. A key that is not plain (or
 * not at the start of a one-line entry) is remembered in ents. */
static void insert_key(struct tableidx *t, const struct probe *p, size_t off, unsigned line,
		       bool multi, size_t koff, struct strbuf *sb, struct diags *d)
{
	const char *stored;
	const struct slot *first = find(t, p, sb, &stored);
	if (first) {
		char *folded = xmemdup0(p->key, p->n);
		for (char *c = folded; *c; c++)
			*c = fold_c(*c);
		tableline_duplicate(d, t->name, t->syntax, line, folded, first->line);
		free(folded);
		return;
	}
	if ((t->n + 1) * 2 > t->mask + 1)
		slots_grow(t);
	uint64_t ref;
	if (p->plain && !multi && koff == 0 && t->syntax == TABLE_INDEXED) {
		ref = ((uint64_t)off << 1) | 1;
	} else {
		xgrow(&t->ents, &t->cap, t->nents + 1, sizeof *t->ents);
		t->ents[t->nents++] = (struct ent){ off, (uint32_t)koff, (uint32_t)p->n, multi };
		ref = (uint64_t)t->nents << 1;
	}
	size_t k = p->hash & t->mask;
	while (t->slots[k].ref)
		k = (k + 1) & t->mask;
	t->slots[k] = (struct slot){ p->hash, line, ref };
	t->n++;
}

/* The keys waiting in the queue, in file order (so that duplicates and
 * their warnings come out as table_parse gives them). */
static void flush(struct tableidx *t, struct strbuf *sb, struct diags *d)
{
	for (size_t i = 0; i < t->npend; i++) {
		const struct pending *q = &t->pend[i];
		struct probe p = { t->data + q->off, q->klen, q->hash, true };
		insert_key(t, &p, q->off, q->line, false, 0, sb, d);
	}
	t->npend = 0;
}

/* A key found by the full parser: after the queue, in order. */
static void add_key(struct tableidx *t, const char *text, size_t off, unsigned line, bool multi,
		    size_t koff, size_t klen, struct strbuf *sb, struct diags *d)
{
	flush(t, sb, d);
	/* the key may sit in the joined text, which find() may reuse: copy */
	char *key = xmemdup0(text + koff, klen);
	struct probe p = probe_of(key, klen);
	insert_key(t, &p, off, line, multi, koff, sb, d);
	free(key);
}

/* ---- parsing one logical line (tableline.c's grammar) ---- */

static void parse_indexed(struct tableidx *t, const char *s, size_t n, size_t off, unsigned line,
			  bool multi, struct strbuf *sb, struct diags *d)
{
	size_t klen, vlen;
	const char *val;
	if (tableline_indexed(s, n, t->name, line, &klen, &val, &vlen, d))
		add_key(t, s, off, line, multi, 0, klen, sb, d);
}

static void parse_list(struct tableidx *t, const char *s, size_t n, size_t off, unsigned line,
		       bool multi, struct strbuf *sb, struct diags *d)
{
	size_t pos = 0, start, len;
	while (tableline_list_next(s, n, &pos, &start, &len, t->name, line, d))
		add_key(t, s, off, line, multi, start, len, sb, d);
}

/* The common line, "key<whitespace>value" on one line with a plain key
 * (not ending in ':'): queued, its slot prefetched. Returns false for
 * anything else (the full parser's business). */
static bool fast_line(struct tableidx *t, size_t off, const char *first_end, unsigned line)
{
	const char *s = t->data + off;
	size_t n = (size_t)(first_end - s), i = 0;
	/* Eight bytes at a time: the first byte below '!', '"' or '\\' is
	 * a candidate (the lowest flagged byte is exact); the table decides
	 * (control bytes other than whitespace belong to the key). */
	while (i < n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (i + 8 <= n) {
			uint64_t w, q, b;
			memcpy(&w, s + i, 8);
			q = w ^ 0x2222222222222222ull;   /* '"' -> 0 */
			b = w ^ 0x5c5c5c5c5c5c5c5cull;   /* '\\' -> 0 */
			uint64_t hit = (((w - 0x2121212121212121ull) & ~w) |
					((q - 0x0101010101010101ull) & ~q) |
					((b - 0x0101010101010101ull) & ~b)) & 0x8080808080808080ull;
			if (!hit) {
				i += 8;
				continue;
			}
			i += (size_t)__builtin_ctzll(hit) / 8;
		}
#endif
		if (key_stop[(unsigned char)s[i]])
			break;
		i++;
	}
	if (i == 0 || i == n || s[i - 1] == ':' || !ascii_is_ws(s[i]))
		return false;
	size_t v = i;
	while (v < n && ascii_is_ws(s[v]))
		v++;
	if (v == n || s[v] == '\0')
		return false;
	uint32_t h = hash_key(s, i);
	__builtin_prefetch(&t->slots[h & t->mask]);
	t->pend[t->npend++] = (struct pending){ off, line, (uint32_t)i, h };
	return true;
}

static void logical_line(struct tableidx *t, size_t off, const char *first_end, unsigned line,
			 bool multi, struct strbuf *join, struct strbuf *sb, struct diags *d)
{
	if (!multi && t->syntax == TABLE_INDEXED) {
		if (t->npend == PENDING_MAX)
			flush(t, sb, d);
		if (fast_line(t, off, first_end, line))
			return;
	}
	/* everything else in order after the queue, diagnostics included */
	flush(t, sb, d);
	const char *s = t->data + off;
	size_t n = (size_t)(first_end - s);
	if (multi) {
		join_logical(t, off, join);
		s = join->buf;
		n = join->len;
	}
	const char *nul = memchr(s, '\0', n);
	if (nul)
		n = (size_t)(nul - s);
	/* readlline() refuses text without a line to continue. */
	if (n > 0 && ascii_is_ws(s[0])) {
		diag_warn(d, t->name, line, _("logical line must not start with whitespace"));
		return;
	}
	if (t->syntax == TABLE_LIST)
		parse_list(t, s, n, off, line, multi, sb, d);
	else
		parse_indexed(t, s, n, off, line, multi, sb, d);
}

static void scan(struct tableidx *t, struct diags *d)
{
	const char *p = t->data, *end = t->data + t->len;
	size_t nslots = 16;
	while (nslots < t->len / 24)
		nslots *= 2;
	t->slots = slots_alloc(nslots);
	t->mask = nslots - 1;
	struct strbuf join = STRBUF_INIT, sb = STRBUF_INIT;
	bool have = false, multi = false;
	size_t off = 0;
	const char *first_end = NULL;
	unsigned line = 0, cur_line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		line++;
		/* The common case, a line starting with a key, needs no scan
		 * for the drop test. */
		if (!ascii_is_ws(*p) && *p != '#') {
			if (have)
				logical_line(t, off, first_end, cur_line, multi, &join, &sb, d);
			have = true;
			multi = false;
			off = (size_t)(p - t->data);
			first_end = le;
			cur_line = line;
		} else if (!dropped(p, le)) {
			if (*p == '#' || !ascii_is_ws(*p))
				vm_panic("tableidx: line classification");
			if (have) {
				multi = true;
			} else {
				/* no line to continue: it starts a logical line that
				 * is refused as a whole */
				have = true;
				multi = false;
				off = (size_t)(p - t->data);
				first_end = le;
				cur_line = line;
			}
		}
		p = next;
	}
	if (have)
		logical_line(t, off, first_end, cur_line, multi, &join, &sb, d);
	flush(t, &sb, d);
	sb_free(&join);
	sb_free(&sb);
}

/* ---- public ---- */

static struct tableidx *idx_new(const char *name, enum table_syntax syntax)
{
	if (syntax == TABLE_REGEXP)
		vm_panic("tableidx: pattern tables are not indexed (%s)", name);
	struct tableidx *t = xcalloc(1, sizeof *t);
	t->name = xstrdup(name);
	t->syntax = syntax;
	t->exists = true;
	t->data = "";
	return t;
}

struct tableidx *tableidx_from_mem(const char *name, const char *data, size_t len,
				   enum table_syntax syntax, struct diags *d)
{
	struct tableidx *t = idx_new(name, syntax);
	t->copy = xmemdup0(data, len);
	t->data = t->copy;
	t->len = len;
	scan(t, d);
	return t;
}

int tableidx_open(const char *path, enum table_syntax syntax, bool missing_ok,
		  struct tableidx **out, struct diags *d)
{
	*out = NULL;
	int fd;
	struct stat st;
	int rc = doc_open(path, missing_ok, &fd, &st, d);
	if (rc <= 0) {
		if (rc == 0) {
			*out = tableidx_from_mem(path, "", 0, syntax, d);
			(*out)->exists = false;
		}
		return rc;
	}
	struct tableidx *t = idx_new(path, syntax);
	if (st.st_size > 0) {
		/* Mapped, not read: the pages are the page cache's own, and
		 * MAP_POPULATE maps them in one go rather than a fault each. */
		int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
		flags |= MAP_POPULATE;
#endif
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
		if (m == MAP_FAILED) {
			diag_error(d, path, 0, _("cannot read: %s"), strerror(errno));
			close(fd);
			tableidx_free(&t);
			return -1;
		}
		t->map = m;
		t->maplen = (size_t)st.st_size;
		t->data = m;
		t->len = t->maplen;
	}
	close(fd);
	scan(t, d);
	*out = t;
	return 0;
}

void tableidx_free(struct tableidx **tp)
{
	struct tableidx *t = *tp;
	if (!t)
		return;
	if (t->map)
		munmap(t->map, t->maplen);
	free(t->copy);
	free(t->ents);
	if (t->slots)
		slots_free(t->slots, t->mask + 1);
	free(t->name);
	free(t);
	*tp = NULL;
}

const char *tableidx_name(const struct tableidx *t) { return t->name; }
bool tableidx_exists(const struct tableidx *t) { return t->exists; }
enum table_syntax tableidx_syntax(const struct tableidx *t) { return t->syntax; }
size_t tableidx_count(const struct tableidx *t) { return t->n; }

bool tableidx_lookup(const struct tableidx *t, const char *key, unsigned *line, char **value,
		     char **key_as_written)
{
	struct probe p = probe_of(key, strlen(key));
	struct strbuf sb = STRBUF_INIT;
	const char *stored;
	const struct slot *sl = find(t, &p, &sb, &stored);
	if (!sl) {
		sb_free(&sb);
		return false;
	}
	if (line)
		*line = sl->line;
	if (value || key_as_written) {
		/* the logical text again (find may have joined another line) */
		size_t off = (size_t)(sl->ref >> 1), koff = 0, tl;
		bool multi = false;
		if (!(sl->ref & 1)) {
			const struct ent *e = &t->ents[off - 1];
			off = e->off;
			koff = e->koff;
			multi = e->multi;
		}
		const char *s = text_at(t, off, multi, &sb, &tl);
		if (key_as_written)
			*key_as_written = xmemdup0(s + koff, p.n);
		if (value && t->syntax == TABLE_LIST) {
			*value = xstrdup("");
		} else if (value) {
			size_t vlen;
			const char *v = tableline_trim(s + koff + p.n, tl - koff - p.n, &vlen);
			*value = xmemdup0(v, vlen);
		}
	}
	sb_free(&sb);
	return true;
}

void tableidx_prefetch(const struct tableidx *t, const char *key, bool entry)
{
	if (!t->slots)
		return;
	struct probe p = probe_of(key, strlen(key));
	size_t k = p.hash & t->mask;
	if (!entry) {
		__builtin_prefetch(&t->slots[k]);
		return;
	}
	/* no comparison: that would wait for the very line being asked for */
	for (; t->slots[k].ref; k = (k + 1) & t->mask)
		if (t->slots[k].hash == p.hash && (t->slots[k].ref & 1))
			__builtin_prefetch(t->data + (t->slots[k].ref >> 1));
}
