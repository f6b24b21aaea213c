/* A string arena (arena.c): many small strings allocated one after the
 * other in large chunks and freed together. For parsers that build one
 * string per field of 100,000 lines, malloc's per-block overhead and the
 * frees would cost more than the parse. Start with an all-zero struct arena
 * (ARENA_INIT). */
#ifndef VMAILADM_ARENA_H
#define VMAILADM_ARENA_H
#include <stddef.h>

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
