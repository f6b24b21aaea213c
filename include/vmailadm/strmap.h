/* A string-keyed hash map (open addressing). Keys are copied, or borrowed
 * from the caller (strmap_create_borrowed: no allocation per key); values
 * are opaque pointers the map does not own. Used for case-folded lookups.
 * Borrowed keys usually live in an arena (arena.h, included here). */
#ifndef VMAILADM_STRMAP_H
#define VMAILADM_STRMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/arena.h"

struct strmap;

struct strmap *strmap_create(size_t expected);
/* A map that does not copy its keys: each key must stay valid and unchanged
 * while it is in the map (a string in an arena or a document the caller
 * owns). For 100,000 keys this saves as many allocations and frees. */
struct strmap *strmap_create_borrowed(size_t expected);
void strmap_free(struct strmap **m);
/* A copy of a map of borrowed keys (the same keys, the same values). */
struct strmap *strmap_clone_borrowed(const struct strmap *m);
/* Insert key → value. When the key exists, keep the old value and return
 * false (first wins, as Postfix tables do); otherwise return true. */
bool strmap_add(struct strmap *m, const char *key, void *value);
/* Insert or replace. */
void strmap_put(struct strmap *m, const char *key, void *value);
void *strmap_get(const struct strmap *m, const char *key);
bool strmap_del(struct strmap *m, const char *key);
size_t strmap_count(const struct strmap *m);
/* The slots made as few as the keys it holds need (a map created for more
 * keys than it got: lint's marks, one key per subject, created for one per
 * problem), its tombstones swept. */
void strmap_fit(struct strmap *m);
/* Every value that is a number (uintptr_t) >= from moved by delta, in one
 * pass over the slots, no key hashed: an index of positions after an
 * element was inserted or removed (issue 16: the entries after an edited
 * line of a 100,000-line file were each put again). */
void strmap_shift_values(struct strmap *m, uintptr_t from, intptr_t delta);
/* Iterate: start with *pos = 0; returns false at the end. */
bool strmap_next(const struct strmap *m, size_t *pos, const char **key, void **value);
/* The hash the map uses, for other indexes over the same strings (of a
 * string, or of its first len bytes). */
uint32_t strmap_hash(const char *s);
uint32_t strmap_hash_n(const char *s, size_t len);
/* For loops that insert 100,000 keys into a map larger than the cache:
 * strmap_prefetch starts loading the slot a key of that hash goes to (a
 * hint, the map is unchanged), and strmap_add_hash is strmap_add with the
 * key's strmap_hash given. Prefetch one key, do other work (parse the next
 * line), then add it: the probe then rarely waits for memory. */
void strmap_prefetch(const struct strmap *m, uint32_t hash);
bool strmap_add_hash(struct strmap *m, const char *key, uint32_t hash, void *value);

#endif
