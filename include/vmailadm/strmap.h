/* A string-keyed hash map (open addressing). Keys are copied; values are
 * opaque pointers the map does not own. Used for case-folded lookups. */
#ifndef VMAILADM_STRMAP_H
#define VMAILADM_STRMAP_H
#include <stdbool.h>
#include <stddef.h>

struct strmap;

struct strmap *strmap_create(size_t expected);
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

#endif
