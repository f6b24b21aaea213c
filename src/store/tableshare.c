/* Tables shared between worlds (issue 16): the staged world borrows the
 * interface's world's tables whose bytes are unchanged instead of parsing
 * them again (a second copy of every entry, string and index: half of the
 * interface's memory at 100,000 mailboxes), and makes a table its own at
 * its first edit. A borrowed table is a handle over its base's entries,
 * events, document and index; it holds base (refs) until it is freed, for
 * its entries, even once owned, keep base's strings. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

struct table *table_borrow(struct table *base)
{
	struct table *t = xmalloc(sizeof *t);
	*t = *base;
	entrydoc_borrow(&t->ed, &base->ed);
	__atomic_add_fetch(&base->refs, 1, __ATOMIC_RELAXED);
	t->base = base;
	t->refs = 1;
	t->moved = NULL;
	t->moved_ctx = NULL;
	return t;
}

void table_on_move(struct table *t, table_moved_fn *moved, void *ctx)
{
	t->moved = moved;
	t->moved_ctx = ctx;
}

bool table_borrowed(const struct table *t) { return t->ed.borrowed; }

bool table_own(struct table *t)
{
	if (!t->ed.borrowed)
		return false;
	const struct table_entry *old = t->v;
	t->cap = t->ed.n ? t->ed.n : 1;
	t->v = xreallocarray(NULL, t->cap, sizeof *t->v);
	if (t->ed.n)
		memcpy(t->v, old, t->ed.n * sizeof *t->v);
	const struct table_event *ev = t->events;
	t->evcap = t->nevents;
	t->events = t->nevents ? xreallocarray(NULL, t->nevents, sizeof *t->events) : NULL;
	if (t->nevents)
		memcpy(t->events, ev, t->nevents * sizeof *t->events);
	entrydoc_own(&t->ed);
	t->parses++;
	if (t->moved)
		t->moved(t->moved_ctx, old, t->v, t->ed.n * sizeof *t->v);
	return true;
}

void table_edit(struct table *t)
{
	if (__atomic_load_n(&t->refs, __ATOMIC_ACQUIRE) > 1)
		vm_panic("table %s edited while another world borrows it", doc_name(t->ed.doc));
	table_own(t);
}
