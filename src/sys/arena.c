/* The string arena in which the parsers keep their fields and the keys
 * they borrow: chunks growing with what was allocated, freed together;
 * and the one call that maps a large block's pages at once. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmailadm/arena.h"
#include "vmailadm/xalloc.h"

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
