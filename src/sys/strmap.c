/* String-keyed open-addressing hash map (a word-at-a-time hash, linear
 * probing, tombstones), sized for the 100,000-entry tables the benchmarks
 * load without rounding up to a power of two. Also the string
 * arena in which the parsers keep their fields and the keys they borrow. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

#define TOMBSTONE ((char *)&tombstone_mark)
static char tombstone_mark;

struct slot {
	char *key;      /* NULL: empty; TOMBSTONE: deleted */
	void *value;
	uint32_t hash;
};

struct strmap {
	struct slot *slots;
	size_t cap;      /* any size: a hash picks its slot by multiplication */
	size_t count;    /* live keys */
	size_t used;     /* live keys + tombstones */
	bool borrowed;   /* keys belong to the caller */
};

uint32_t strmap_hash(const char *s)
{
	/* Eight bytes a step (FNV-1a took one: 100,000s of ~25-byte keys are
	 * hashed per load), then murmur3's finaliser so that every input bit
	 * reaches the high bits the slot choice uses. */
	size_t len = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15u ^ len;
	for (; len >= 8; len -= 8, s += 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 29;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* hash's first slot in a table of cap slots: (hash * cap) >> 32 maps the
 * hash evenly onto any size, no modulo, no power of two. */
static size_t home(uint32_t hash, size_t cap)
{
	return (size_t)(((uint64_t)hash * cap) >> 32);
}

/* Slots for n keys: at most 2/3 full (linear probing stays short). */
static size_t slots_for(size_t n)
{
	return n + n / 2 + 8;
}

struct strmap *strmap_create(size_t expected)
{
	struct strmap *m = xcalloc(1, sizeof *m);
	m->cap = slots_for(expected);
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	/* 100,000 keys land on every page of their slots anyway */
	arena_populate(m->slots, m->cap * sizeof *m->slots);
	return m;
}

struct strmap *strmap_create_borrowed(size_t expected)
{
	struct strmap *m = strmap_create(expected);
	m->borrowed = true;
	return m;
}

void strmap_free(struct strmap **mp)
{
	struct strmap *m = *mp;
	if (!m)
		return;
	for (size_t i = 0; !m->borrowed && i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
	*mp = NULL;
}

/* The slot holding key, or the slot where it would go (first tombstone seen). */
static struct slot *find(const struct strmap *m, const char *key, uint32_t h)
{
	struct slot *grave = NULL;
	for (size_t i = home(h, m->cap);; i = i + 1 == m->cap ? 0 : i + 1) {
		struct slot *s = &m->slots[i];
		if (s->key == NULL)
			return grave ? grave : s;
		if (s->key == TOMBSTONE) {
			if (!grave)
				grave = s;
		} else if (s->hash == h && strcmp(s->key, key) == 0) {
			return s;
		}
	}
}

static void rehash(struct strmap *m, size_t cap)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = xcalloc(cap, sizeof *m->slots);
	arena_populate(m->slots, cap * sizeof *m->slots);
	m->cap = cap;
	m->used = m->count;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key && old[i].key != TOMBSTONE) {
			struct slot *s = find(m, old[i].key, old[i].hash);
			*s = old[i];
		}
	}
	free(old);
}

static struct slot *insert_slot(struct strmap *m, const char *key, uint32_t h, bool *existed)
{
	/* Over 3/4 full (tombstones count: they lengthen probes too): grow,
	 * or only sweep the tombstones when the live keys fit. */
	if ((m->used + 1) * 4 > m->cap * 3)
		rehash(m, (m->count + 1) * 3 > m->cap * 2 ? m->cap * 2 : m->cap);
	struct slot *s = find(m, key, h);
	*existed = s->key && s->key != TOMBSTONE;
	if (!*existed) {
		if (s->key == NULL)
			m->used++;
		/* A borrowed key is never written through: the cast only
		 * lets one slot type serve both modes. */
		s->key = m->borrowed ? (char *)(uintptr_t)key : xstrdup(key);
		s->hash = h;
		m->count++;
	}
	return s;
}

bool strmap_add(struct strmap *m, const char *key, void *value)
{
	return strmap_add_hash(m, key, strmap_hash(key), value);
}

bool strmap_add_hash(struct strmap *m, const char *key, uint32_t hash, void *value)
{
	bool existed;
	struct slot *s = insert_slot(m, key, hash, &existed);
	if (existed)
		return false;
	s->value = value;
	return true;
}

void strmap_put(struct strmap *m, const char *key, void *value)
{
	bool existed;
	insert_slot(m, key, strmap_hash(key), &existed)->value = value;
}

void strmap_prefetch(const struct strmap *m, uint32_t hash)
{
	__builtin_prefetch(&m->slots[home(hash, m->cap)]);
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct slot *s = find(m, key, strmap_hash(key));
	return s->key && s->key != TOMBSTONE ? s->value : NULL;
}

bool strmap_del(struct strmap *m, const char *key)
{
	struct slot *s = find(m, key, strmap_hash(key));
	if (!s->key || s->key == TOMBSTONE)
		return false;
	if (!m->borrowed)
		free(s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	m->count--;
	return true;
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}

bool strmap_next(const struct strmap *m, size_t *pos, const char **key, void **value)
{
	for (; *pos < m->cap; (*pos)++) {
		struct slot *s = &m->slots[*pos];
		if (s->key && s->key != TOMBSTONE) {
			*key = s->key;
			if (value)
				*value = s->value;
			(*pos)++;
			return true;
		}
	}
	return false;
}

/* ---- the string arena ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

/* Chunks double from 4 KiB (a small file costs little) up to 1 MiB (a
 * large one few mallocs and little waste at each chunk's end). */
enum { ARENA_MIN = 4096, ARENA_MAX = 1024 * 1024 };

void *arena_alloc(struct arena *a, size_t size, size_t align)
{
	if (align == 0)
		align = sizeof(max_align_t);
	struct arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || at > c->cap || c->cap - at < size) {
		size_t cap = a->total < ARENA_MIN ? ARENA_MIN : a->total > ARENA_MAX ? ARENA_MAX : a->total;
		if (cap < size)
			cap = size;
		c = xmalloc(sizeof *c + cap);
		arena_populate(c, sizeof *c + cap);
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->total += cap;
		at = 0;
	}
	c->used = at + size;
	return (char *)c->data + at;
}

char *arena_memdup0(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1, 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup0(a, s, strlen(s));
}

char *arena_fold(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1, 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	p[n] = '\0';
	return p;
}

void arena_adopt(struct arena *dst, struct arena *src)
{
	if (!src->head)
		return;
	struct arena_chunk *tail = src->head;
	while (tail->next)
		tail = tail->next;
	tail->next = dst->head;
	dst->head = src->head;
	dst->total += src->total;
	src->head = NULL;
	src->total = 0;
}

void arena_populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	if (n < 256 * 1024)
		return;   /* a few faults cost less than the call */
	uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)p + n) & ~(uintptr_t)4095;
	/* A hint: on kernels before 5.14 it fails and the pages fault in one
	 * by one as before. */
	xalloc_hint_huge(p, n);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

void arena_free(struct arena *a)
{
	for (struct arena_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}
