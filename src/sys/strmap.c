/* String-keyed open-addressing hash map (a word-at-a-time hash, linear
 * probing, tombstones), sized for the 100,000-entry tables the benchmarks
 * load without rounding up to a power of two. Its keys often live in an
 * arena (arena.c). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/arena.h"
#include "vmailadm/diag.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

#define TOMBSTONE ((char *)&tombstone_mark)
static char tombstone_mark;

struct slot {
	char *key;      /* NULL: empty; TOMBSTONE: deleted */
	void *value;
};

/* Each slot's key hash is in hashes[], beside the slots: 20 bytes a slot,
 * not 24 with the hash padded inside it (issue 16: the maps of 100,000
 * keys the tables, the passwd-file and their staged copies index, 3.6 MB
 * each), and a probe reads the hashes, 16 to a cache line, before any
 * slot. */
struct strmap {
	struct slot *slots;
	uint32_t *hashes;
	size_t cap;      /* any size: a hash picks its slot by multiplication */
	size_t count;    /* live keys */
	size_t used;     /* live keys + tombstones */
	bool borrowed;   /* keys belong to the caller */
};

uint32_t strmap_hash_n(const char *s, size_t len)
{
	/* Eight bytes a step (FNV-1a took one: 100,000s of ~25-byte keys are
	 * hashed per load), then murmur3's finaliser so that every input bit
	 * reaches the high bits the slot choice uses. */
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

uint32_t strmap_hash(const char *s)
{
	return strmap_hash_n(s, strlen(s));
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
	m->hashes = xcalloc(m->cap, sizeof *m->hashes);
	/* 100,000 keys land on every page of their slots anyway */
	arena_populate(m->slots, m->cap * sizeof *m->slots);
	arena_populate(m->hashes, m->cap * sizeof *m->hashes);
	return m;
}

struct strmap *strmap_create_borrowed(size_t expected)
{
	struct strmap *m = strmap_create(expected);
	m->borrowed = true;
	return m;
}

struct strmap *strmap_clone_borrowed(const struct strmap *m)
{
	if (!m->borrowed)
		vm_panic("strmap_clone_borrowed: the map owns its keys");
	struct strmap *c = xmalloc(sizeof *c);
	*c = *m;
	c->slots = xreallocarray(NULL, m->cap, sizeof *c->slots);
	memcpy(c->slots, m->slots, m->cap * sizeof *c->slots);
	c->hashes = xreallocarray(NULL, m->cap, sizeof *c->hashes);
	memcpy(c->hashes, m->hashes, m->cap * sizeof *c->hashes);
	return c;
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
	free(m->hashes);
	free(m);
	*mp = NULL;
}

/* The slot holding key, or the slot where it would go (first tombstone seen). */
static struct slot *find(const struct strmap *m, const char *key, uint32_t h)
{
	struct slot *grave = NULL;
	for (size_t i = home(h, m->cap);; i = i + 1 == m->cap ? 0 : i + 1) {
		/* another key's hash: not this one (an empty slot's and a
		 * tombstone's hash is 0, so they are looked at, as is a key
		 * whose hash is 0) */
		if (m->hashes[i] != h && m->hashes[i] != 0)
			continue;
		struct slot *s = &m->slots[i];
		if (s->key == NULL)
			return grave ? grave : s;
		if (s->key == TOMBSTONE) {
			if (!grave)
				grave = s;
		} else if (m->hashes[i] == h && strcmp(s->key, key) == 0) {
			return s;
		}
	}
}

static void rehash(struct strmap *m, size_t cap)
{
	struct slot *old = m->slots;
	uint32_t *oldh = m->hashes;
	size_t oldcap = m->cap;
	m->slots = xcalloc(cap, sizeof *m->slots);
	m->hashes = xcalloc(cap, sizeof *m->hashes);
	arena_populate(m->slots, cap * sizeof *m->slots);
	arena_populate(m->hashes, cap * sizeof *m->hashes);
	m->cap = cap;
	m->used = m->count;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key && old[i].key != TOMBSTONE) {
			struct slot *s = find(m, old[i].key, oldh[i]);
			*s = old[i];
			m->hashes[s - m->slots] = oldh[i];
		}
	}
	free(old);
	free(oldh);
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
		m->hashes[s - m->slots] = h;
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
	size_t i = home(hash, m->cap);
	__builtin_prefetch(&m->hashes[i]);
	__builtin_prefetch(&m->slots[i]);
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
	m->hashes[s - m->slots] = 0;   /* looked at by find: a place to reuse */
	m->count--;
	return true;
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}

void strmap_fit(struct strmap *m)
{
	size_t cap = slots_for(m->count);
	if (cap < m->cap || m->used > m->count)
		rehash(m, cap < m->cap ? cap : m->cap);
}

void strmap_shift_values(struct strmap *m, uintptr_t from, intptr_t delta)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];
		if (s->key && s->key != TOMBSTONE && (uintptr_t)s->value >= from)
			s->value = (void *)((uintptr_t)s->value + (uintptr_t)delta);
	}
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
