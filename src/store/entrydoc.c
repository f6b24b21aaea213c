/* The skeleton the entry documents share (table.c, aliases.c, pwfile.c):
 * the document each owns, the index of first keys, the entries' strings,
 * and the indexing of a parsed entry a few entries later, with the warning
 * about a duplicate put where it belongs. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/xalloc.h"

void entrydoc_restart(struct entrydoc *e, size_t nlines)
{
	if (e->borrowed)
		vm_panic("entrydoc: %s parsed again while borrowed", doc_name(e->doc));
	arena_adopt(&e->retired, &e->arena);
	e->n = 0;
	e->npend = 0;
	strmap_free(&e->index);
	e->index = strmap_create_borrowed(nlines);
}

void entrydoc_forget_retired(struct entrydoc *e)
{
	arena_free(&e->retired);
}

void entrydoc_free(struct entrydoc *e)
{
	arena_free(&e->arena);
	arena_free(&e->retired);
	if (e->borrowed) {
		e->index = NULL;
		e->doc = NULL;
		return;
	}
	strmap_free(&e->index);
	doc_free(&e->doc);
}

void entrydoc_borrow(struct entrydoc *e, const struct entrydoc *base)
{
	if (base->npend)
		vm_panic("entrydoc_borrow: %s is being parsed", doc_name(base->doc));
	memset(e, 0, sizeof *e);
	e->doc = base->doc;
	e->n = base->n;
	e->index = base->index;
	e->borrowed = true;
}

bool entrydoc_own(struct entrydoc *e)
{
	if (!e->borrowed)
		return false;
	e->doc = doc_share(e->doc);
	e->index = strmap_clone_borrowed(e->index);
	e->borrowed = false;
	return true;
}

void entrydoc_check(const struct entrydoc *e, size_t i, const char *who)
{
	if (i >= e->n)
		vm_panic("%s: %zu of %zu", who, i, e->n);
}

size_t entrydoc_find(const struct entrydoc *e, const char *key)
{
	return (size_t)(uintptr_t)strmap_get(e->index, key);
}

/* Move d's last diagnostic to position at (the others keep their order). */
static void diag_move_last(struct diags *d, size_t at)
{
	if (at + 1 >= d->n)
		return;
	struct diag g = d->v[d->n - 1];
	memmove(d->v + at + 1, d->v + at, (d->n - 1 - at) * sizeof *d->v);
	d->v[at] = g;
}

/* Index the oldest pending entry. A duplicate's warning is inserted where
 * it belongs, so the later pending entries' marks move on by one. */
static void index_oldest(struct entrydoc *e, entrydoc_dup_fn *dup, void *obj, struct diags *d)
{
	struct entrydoc_pending p = e->pend[0];
	e->npend--;
	memmove(e->pend, e->pend + 1, e->npend * sizeof *e->pend);
	/* One probe for the common case: the add fails only for a duplicate,
	 * which is then looked up for the message. */
	if (strmap_add_hash(e->index, p.key, p.hash, (void *)(uintptr_t)(p.idx + 1)))
		return;
	size_t before = d->n;
	dup(obj, p.idx, entrydoc_find(e, p.key) - 1, d);
	if (d->n > before) {
		diag_move_last(d, p.mark);
		for (size_t k = 0; k < e->npend; k++)
			e->pend[k].mark++;
	}
}

void entrydoc_index_later(struct entrydoc *e, size_t idx, const char *key, entrydoc_dup_fn *dup,
			  void *obj, struct diags *d)
{
	if (e->npend == sizeof e->pend / sizeof *e->pend)
		index_oldest(e, dup, obj, d);
	struct entrydoc_pending *p = &e->pend[e->npend++];
	p->idx = idx;
	p->key = key;
	p->hash = strmap_hash(key);
	p->mark = d->n;
	strmap_prefetch(e->index, p->hash);
}

void entrydoc_index_pending(struct entrydoc *e, entrydoc_dup_fn *dup, void *obj, struct diags *d)
{
	while (e->npend)
		index_oldest(e, dup, obj, d);
}
