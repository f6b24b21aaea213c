/* A string-keyed hash map (open addressing). Keys are copied, or borrowed
 * from the caller (strmap_create_borrowed: no allocation per key); values
 * are opaque pointers the map does not own. Used for case-folded lookups.
 * Beside it, the string arena that borrowed keys usually live in. */
#ifndef VMAILADM_STRMAP_H
#define VMAILADM_STRMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap;

struct strmap *strmap_create(size_t expected);
/* A map that does not copy its keys: each key must stay valid and unchanged
 * while it is in the map (a string in an arena or a document the caller
 * owns). For 100,000 keys this saves as many allocations and frees. */
struct strmap *strmap_create_borrowed(size_t expected);
void strmap_free(struct strmap **m);
/* Insert key → value. When the key exists, keep the old value and return
 * false (first wins, as Postfix tables do); otherwise return true. */
bool strmap_add(struct strmap *m, const char *key, void *value);
/* Insert or replace. */
void strmap_put(struct strmap *m, const char *key, void *value);
void *strmap_get(const struct strmap *m, const char *key);
bool strmap_del(struct strmap *m, const char *key);
size_t strmap_count(const struct strmap *m);
/* Iterate: start with *pos = 0; returns false at the end. */
bool strmap_next(const struct strmap *m, size_t *pos, const char **key, void **value);
/* The hash the map uses, for other indexes over the same strings. */
uint32_t strmap_hash(const char *s);
/* For loops that insert 100,000 keys into a map larger than the cache:
 * strmap_prefetch starts loading the slot a key of that hash goes to (a
 * hint, the map is unchanged), and strmap_add_hash is strmap_add with the
 * key's strmap_hash given. Prefetch one key, do other work (parse the next
 * line), then add it: the probe then rarely waits for memory. */
void strmap_prefetch(const struct strmap *m, uint32_t hash);
bool strmap_add_hash(struct strmap *m, const char *key, uint32_t hash, void *value);

/* A string arena: many small strings allocated one after the other in large
 * chunks and freed together. For parsers that build one string per field
 * of 100,000 lines, malloc's per-block overhead and the frees would cost
 * more than the parse. Start with an all-zero struct arena (ARENA_INIT). */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t total;           /* bytes of chunks allocated, for sizing the next */
};
#define ARENA_INIT { NULL, 0 }

/* size bytes aligned for any type (align 0) or to align (a power of two). */
void *arena_alloc(struct arena *a, size_t size, size_t align);
/* n bytes of s (NUL bytes included) and a final NUL. */
char *arena_memdup0(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* n bytes of s with ASCII upper case folded to lower case, as Postfix and
 * Dovecot fold keys (UTF-8 bytes untouched), and a final NUL. */
char *arena_fold(struct arena *a, const char *s, size_t n);
/* Map in one call the pages of a large block (from malloc) that is about
 * to be filled: a 24 MB file otherwise takes 6,000 page faults, a quarter
 * of the load's time. Blocks under 256 KiB are left alone. Arena chunks,
 * strmap slots and documents' buffers use it. */
void arena_populate(void *p, size_t n);
/* Free every chunk; the arena is empty (and usable) again. */
void arena_free(struct arena *a);
/* Move every chunk of src into dst (src is empty afterwards): strings a
 * caller may still hold stay valid until dst is freed. */
void arena_adopt(struct arena *dst, struct arena *src);

#endif
