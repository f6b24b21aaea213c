/* String-keyed open-addressing hash map (FNV-1a, linear probing, tombstones).
 * Sized for the 100,000-entry tables the benchmarks load. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	size_t cap;      /* power of two */
	size_t count;    /* live keys */
	size_t used;     /* live keys + tombstones */
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct strmap *strmap_create(size_t expected)
{
	struct strmap *m = xcalloc(1, sizeof *m);
	size_t cap = 16;
	while (cap < expected * 2)
		cap *= 2;
	m->slots = xcalloc(cap, sizeof *m->slots);
	m->cap = cap;
	return m;
}

void strmap_free(struct strmap **mp)
{
	struct strmap *m = *mp;
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
	*mp = NULL;
}

/* The slot holding key, or the slot where it would go (first tombstone seen). */
static struct slot *find(const struct strmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	struct slot *grave = NULL;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
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
	if ((m->used + 1) * 4 > m->cap * 3)
		rehash(m, m->count * 2 + 1 > m->cap / 2 ? m->cap * 2 : m->cap);
	struct slot *s = find(m, key, h);
	*existed = s->key && s->key != TOMBSTONE;
	if (!*existed) {
		if (s->key == NULL)
			m->used++;
		s->key = xstrdup(key);
		s->hash = h;
		m->count++;
	}
	return s;
}

bool strmap_add(struct strmap *m, const char *key, void *value)
{
	bool existed;
	struct slot *s = insert_slot(m, key, hash_str(key), &existed);
	if (existed)
		return false;
	s->value = value;
	return true;
}

void strmap_put(struct strmap *m, const char *key, void *value)
{
	bool existed;
	insert_slot(m, key, hash_str(key), &existed)->value = value;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct slot *s = find(m, key, hash_str(key));
	return s->key && s->key != TOMBSTONE ? s->value : NULL;
}

bool strmap_del(struct strmap *m, const char *key)
{
	struct slot *s = find(m, key, hash_str(key));
	if (!s->key || s->key == TOMBSTONE)
		return false;
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
