/* Allocation that never returns NULL: out of memory is not a condition a
 * mail administration tool can recover from meaningfully. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmailadm/diag.h"
#include "vmailadm/xalloc.h"

static void *check(void *p, size_t size)
{
	if (p == NULL && size != 0)
		vm_fatal("out of memory (%zu bytes)", size);
	return p;
}

void *xmalloc(size_t size)
{
	return check(malloc(size ? size : 1), size ? size : 1);
}

void *xcalloc(size_t nmemb, size_t size)
{
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	return check(calloc(nmemb, size), nmemb * size);
}

void *xrealloc(void *ptr, size_t size)
{
	return check(realloc(ptr, size ? size : 1), size ? size : 1);
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		vm_fatal("allocation overflow (%zu * %zu)", nmemb, size);
	return xrealloc(ptr, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xmemdup0(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	const char *end = memchr(s, '\0', n);
	return xmemdup0(s, end ? (size_t)(end - s) : n);
}

char *xmemdup0(const void *p, size_t n)
{
	char *s = xmalloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		vm_fatal("out of memory (formatting)");
	return s;
}

void xgrow(void *vp, size_t *cap, size_t need, size_t sz)
{
	void **v = vp;
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	*v = xreallocarray(*v, n, sz);
	*cap = n;
}

void xalloc_hint_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	if (n < 2 * huge)
		return;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + n) & ~(huge - 1);
	/* Only a hint: without transparent huge pages the call fails, harmlessly. */
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}
