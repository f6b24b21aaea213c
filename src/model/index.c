/* The world's arrays put in order and indexed: a compact hash index over
 * an array the world owns, the sort of mailboxes and aliases by (domain,
 * local part), and the derived indexes built once the arrays are final
 * (catch-alls, per-domain ranges, the reverse index of alias targets). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static const char *hidx_key(const struct hidx *h, size_t i)
{
	const char *k;
	memcpy(&k, h->base + i * h->stride + h->koff, sizeof k);
	return k;
}

static size_t hidx_home(const struct hidx *h, uint32_t hash)
{
	return (size_t)(((uint64_t)hash * h->cap) >> 32);
}

void index_build(struct hidx *h, void *base, size_t n, size_t stride, size_t koff,
		 const uint32_t *hashes, uint32_t *dup)
{
	if (n >= UINT32_MAX)
		vm_fatal("too many entries to index (%zu)", n);
	h->base = base;
	h->stride = stride;
	h->koff = koff;
	h->cap = n + n / 2 + 8;
	h->slots = xcalloc(h->cap, sizeof *h->slots);
	arena_populate(h->slots, h->cap * sizeof *h->slots);
	h->n = 0;
	uint32_t *own = NULL;
	const uint32_t *hs = hashes;
	if (!hs) {
		own = xmalloc((n ? n : 1) * sizeof *own);
		for (size_t i = 0; i < n; i++)
			own[i] = strmap_hash(hidx_key(h, i));
		hs = own;
	}
	for (size_t i = 0; i < n; i++) {
		if (i + HIDX_AHEAD < n)
			__builtin_prefetch(&h->slots[hidx_home(h, hs[i + HIDX_AHEAD])], 1);
		const char *key = hidx_key(h, i);
		for (size_t j = hidx_home(h, hs[i]);; j = j + 1 == h->cap ? 0 : j + 1) {
			uint64_t sl = h->slots[j];
			if (!sl) {
				h->slots[j] = (uint64_t)hs[i] << 32 | (uint64_t)(i + 1);
				h->n++;
				if (dup)
					dup[i] = (uint32_t)i;
				break;
			}
			size_t at = (uint32_t)sl - 1;
			if ((uint32_t)(sl >> 32) == hs[i] && strcmp(hidx_key(h, at), key) == 0) {
				if (dup)
					dup[i] = (uint32_t)at;
				break;
			}
		}
	}
	free(own);
}

size_t index_find(const struct hidx *h, const char *key, uint32_t hash)
{
	if (!h->cap)
		return 0;
	for (size_t j = hidx_home(h, hash);; j = j + 1 == h->cap ? 0 : j + 1) {
		uint64_t sl = h->slots[j];
		if (!sl)
			return 0;
		size_t at = (uint32_t)sl - 1;
		if ((uint32_t)(sl >> 32) == hash && strcmp(hidx_key(h, at), key) == 0)
			return at + 1;
	}
}

void *index_get(const struct hidx *h, const char *key)
{
	size_t at = index_find(h, key, strmap_hash(key));
	return at ? h->base + (at - 1) * h->stride : NULL;
}

void index_find_many(const struct hidx *h, const char *const *keys, const uint32_t *hs,
		     size_t n, uint32_t *out)
{
	enum { D1 = HIDX_AHEAD, D2 = HIDX_AHEAD / 2, D3 = HIDX_AHEAD / 4 };
	for (size_t i = 0; i < n; i++) {
		if (!h->cap) {
			out[i] = 0;
			continue;
		}
		if (i + D1 < n && keys[i + D1])
			__builtin_prefetch(&h->slots[hidx_home(h, hs[i + D1])]);
		if (i + D2 < n && keys[i + D2]) {
			uint64_t sl = h->slots[hidx_home(h, hs[i + D2])];
			if (sl) {
				const char *e = h->base + ((uint32_t)sl - 1) * h->stride;
				for (size_t off = 0; off < h->stride; off += 64)
					__builtin_prefetch(e + off);
				__builtin_prefetch(e + h->stride - 1);
			}
		}
		if (i + D3 < n && keys[i + D3]) {
			uint64_t sl = h->slots[hidx_home(h, hs[i + D3])];
			if (sl && (uint32_t)(sl >> 32) == hs[i + D3])
				__builtin_prefetch(hidx_key(h, (uint32_t)sl - 1));
		}
		out[i] = keys[i] ? (uint32_t)index_find(h, keys[i], hs[i]) : 0;
	}
}

static size_t hidx_next(const struct hidx *h, size_t j)
{
	return j + 1 == h->cap ? 0 : j + 1;
}

/* Every slot naming a position past at (or at too: from) moved by delta. */
static void hidx_renumber(struct hidx *h, size_t from, int delta)
{
	for (size_t j = 0; j < h->cap; j++) {
		uint64_t sl = h->slots[j];
		if (sl && (uint32_t)sl - 1 >= from)
			h->slots[j] = delta > 0 ? sl + 1 : sl - 1;
	}
}

bool index_put_at(struct hidx *h, size_t at, uint32_t hash)
{
	if (!h->cap || (h->n + 1) * 4 > h->cap * 3 || at + 1 >= UINT32_MAX)
		return false;
	size_t j = hidx_home(h, hash);
	while (h->slots[j])
		j = hidx_next(h, j);
	h->slots[j] = (uint64_t)hash << 32 | (uint64_t)(at + 1);
	h->n++;
	return true;
}

bool index_insert_at(struct hidx *h, void *base, size_t at, uint32_t hash)
{
	if (!h->cap || (h->n + 1) * 4 > h->cap * 3 || at + 1 >= UINT32_MAX)
		return false;
	h->base = base;
	hidx_renumber(h, at, 1);
	return index_put_at(h, at, hash);
}

bool index_drop_at(struct hidx *h, size_t at, uint32_t hash)
{
	if (!h->cap)
		return false;
	size_t i = hidx_home(h, hash);
	while (h->slots[i] && (uint32_t)h->slots[i] != at + 1)
		i = hidx_next(h, i);
	if (!h->slots[i])
		return false;
	/* linear probing's deletion: each later slot of the run whose home is
	 * not between the hole and it moves into the hole */
	for (size_t k = hidx_next(h, i); h->slots[k]; k = hidx_next(h, k)) {
		size_t home = hidx_home(h, (uint32_t)(h->slots[k] >> 32));
		bool stays = i <= k ? home > i && home <= k : home > i || home <= k;
		if (!stays) {
			h->slots[i] = h->slots[k];
			i = k;
		}
	}
	h->slots[i] = 0;
	h->n--;
	return true;
}

bool index_remove_at(struct hidx *h, size_t at, uint32_t hash)
{
	if (!index_drop_at(h, at, hash))
		return false;
	hidx_renumber(h, at + 1, -1);
	return true;
}

void index_renumber(struct hidx *h, void *base, const size_t *where)
{
	h->base = base;
	for (size_t j = 0; j < h->cap; j++) {
		uint64_t sl = h->slots[j];
		if (sl)
			h->slots[j] = (sl & ~(uint64_t)UINT32_MAX) | (uint64_t)(where[(uint32_t)sl - 1] + 1);
	}
}

void index_free(struct hidx *h)
{
	free(h->slots);
	memset(h, 0, sizeof *h);
}

void index_reserve(void *vp, size_t *cap, size_t n, size_t sz)
{
	void **v = vp;
	if (n <= *cap)
		return;
	*v = xreallocarray(*v, n, sz);
	*cap = n;
	arena_populate(*v, n * sz);
}

/* ---- the world ---- */

/* ---- sorting ---- */

static int cmp_sortkey(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;
	if (x->dom != y->dom)
		return x->dom < y->dom ? -1 : 1;
	int c = strcmp(x->local, y->local);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* A counting sort by domain (stable,
 * so map order stays within a domain), then each domain's run by local part
 * only when it is not in order already. Files are usually written in order
 * within a domain, so most loads compare each local part once instead of
 * n log n times. */
void index_sort_keys(struct sortkey *keys, size_t n, size_t maxdom, bool *same)
{
	size_t *start = xcalloc(maxdom + 2, sizeof *start);
	for (size_t i = 0; i < n; i++) {
		if (keys[i].dom > maxdom)
			vm_panic("index_sort_keys: domain rank %u of %zu", keys[i].dom, maxdom);
		start[keys[i].dom + 1]++;
	}
	for (size_t r = 1; r <= maxdom + 1; r++)
		start[r] += start[r - 1];
	struct sortkey *out = xmalloc((n ? n : 1) * sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[start[keys[i].dom]++] = keys[i];
	memcpy(keys, out, n * sizeof *keys);
	free(out);
	free(start);
	/* same[k]: key k equals key k - 1 (a later duplicate), found by the
	 * comparisons that check the order, so that no caller compares the
	 * strings again. */
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		bool sorted = true;
		same[a] = false;
		for (; b < n && keys[b].dom == keys[a].dom; b++) {
			if (!sorted)
				continue;
			int c = strcmp(keys[b - 1].local, keys[b].local);
			sorted = c <= 0;
			same[b] = c == 0;
		}
		if (!sorted) {
			qsort(keys + a, b - a, sizeof *keys, cmp_sortkey);
			for (size_t k = a + 1; k < b; k++)
				same[k] = strcmp(keys[k - 1].local, keys[k].local) == 0;
		}
		a = b;
	}
}

/* Prefetch element k of size sz at a; return the next position of its cycle. */
static size_t prefetch_elem(const char *a, size_t sz, size_t k, const uint32_t *src)
{
	for (size_t off = 0; off < sz; off += 64)
		__builtin_prefetch(a + k * sz + off);
	__builtin_prefetch(a + k * sz + sz - 1);
	return src[k];
}

/* Each element moves once and in place: no second copy of 100,000 large
 * structs. */
void index_sort_permute(void *base, size_t n, size_t sz, const struct sortkey *keys)
{
	uint32_t *src = xmalloc((n ? n : 1) * sizeof *src);
	for (size_t i = 0; i < n; i++)
		src[i] = keys[i].idx;
	char *a = base, *tmp = xmalloc(sz);
	for (size_t i = 0; i < n; i++) {
		if (src[i] == i)
			continue;
		memcpy(tmp, a + i * sz, sz);
		/* Each step reads a random element: walk the cycle a few steps
		 * ahead and prefetch, so the reads overlap instead of waiting
		 * one after the other. */
		size_t ahead = src[i];
		for (int s = 0; s < 8 && ahead != i; s++)
			ahead = prefetch_elem(a, sz, ahead, src);
		size_t j = i;
		while (src[j] != i) {
			size_t k = src[j];
			if (ahead != i)
				ahead = prefetch_elem(a, sz, ahead, src);
			memcpy(a + j * sz, a + k * sz, sz);
			src[j] = (uint32_t)j;
			j = k;
		}
		memcpy(a + j * sz, tmp, sz);
		src[j] = (uint32_t)j;
	}
	free(tmp);
	free(src);
}

/* ---- the world's derived indexes ---- */

static int cmp_catchall(const void *a, const void *b)
{
	const struct catchall *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	return c ? c : (int)x->map - (int)y->map;
}

void index_catchalls(struct world *w)
{
	size_t ncatch = w->ncatchall_boxes;
	for (size_t i = 0; i < w->naliases; i++)
		ncatch += w->aliases[i].is_catchall;
	w->catchalls = xcalloc(ncatch ? ncatch : 1, sizeof *w->catchalls);
	for (size_t i = 0; i < w->naliases; i++) {
		const struct alias *a = &w->aliases[i];
		if (a->is_catchall)
			w->catchalls[w->ncatchalls++] = (struct catchall){
				a->domain, CATCHALL_IN_ALIAS_MAP, a, NULL, a->value, a->file, a->line };
	}
	for (size_t i = 0; i < w->ncatchall_boxes; i++) {
		const struct mailbox *b = &w->catchall_boxes[i];
		w->catchalls[w->ncatchalls++] = (struct catchall){
			b->domain, CATCHALL_IN_MAILBOX_MAP, NULL, b, b->value, b->file, b->line };
	}
	qsort(w->catchalls, w->ncatchalls, sizeof *w->catchalls, cmp_catchall);
	for (size_t i = 0; i < w->ncatchalls; i++) {
		struct domain *dom = index_get(&w->dom_idx, w->catchalls[i].domain);
		if (!dom)
			continue;
		if (w->catchalls[i].map == CATCHALL_IN_ALIAS_MAP)
			dom->catchall_alias = &w->catchalls[i];
		else
			dom->catchall_mailbox = &w->catchalls[i];
	}
}

/* Both arrays are in (domain, local part) order, so one merge pass finds
 * each mailbox's own alias entry. */
void index_ranges(struct world *w, const uint32_t *mb_rank, const uint32_t *al_rank)
{
	size_t mi = 0, ai = 0;
	for (size_t i = 0; i < w->ndomains; i++) {
		struct domain *dom = &w->domains[i];
		uint32_t r = (uint32_t)i + 1;
		while (ai < w->naliases && al_rank[ai] < r)
			ai++;
		while (ai < w->naliases && al_rank[ai] == r && w->aliases[ai].is_catchall)
			ai++;
		w->dom_al_first[i] = ai;
		while (mi < w->nmailboxes && mb_rank[mi] < r)
			mi++;   /* "user@": no domain */
		w->dom_mb_first[i] = mi;
		for (; mi < w->nmailboxes && mb_rank[mi] == r; mi++) {
			struct mailbox *b = &w->mailboxes[mi];
			int c = 1;
			while (ai < w->naliases && al_rank[ai] == r &&
			       (c = strcmp(w->aliases[ai].local, b->local)) < 0) {
				ai++;
				dom->naliases++;
			}
			b->alias = (ai < w->naliases && al_rank[ai] == r && c == 0) ? &w->aliases[ai] : NULL;
			b->swallowed = !b->alias && dom->catchall_alias;
			dom->nmailboxes++;
		}
		while (ai < w->naliases && al_rank[ai] == r) {
			ai++;
			dom->naliases++;
		}
	}
}

/* The reverse index in two passes over the targets: number the distinct
 * addresses, then lay every address's aliases out in one array. The hash
 * index built over the targets then names the ids (one address each in
 * rev_keys), so that a new address needs no target array. */
void index_reverse(struct world *w)
{
	uint32_t *ids = xmalloc((w->ntargets ? w->ntargets : 1) * sizeof *ids);
	index_build(&w->rev_idx, w->targets, w->ntargets, sizeof *w->targets,
		    offsetof(struct alias_target, address), NULL, ids);
	/* ids[k] is the first target with k's address; number those. */
	size_t nid = 0;
	for (size_t k = 0; k < w->ntargets; k++)
		ids[k] = ids[k] == k ? (uint32_t)nid++ : ids[ids[k]];
	w->rev_nid = nid;
	w->rev_keys = xmalloc((nid ? nid : 1) * sizeof *w->rev_keys);
	for (size_t k = 0; k < w->ntargets; k++)
		w->rev_keys[ids[k]] = w->targets[k].address;   /* the same address each time */
	struct hidx *h = &w->rev_idx;
	for (size_t j = 0; j < h->cap; j++)   /* a target's position + 1 -> its id + 1 */
		if (h->slots[j])
			h->slots[j] = (h->slots[j] & ~(uint64_t)UINT32_MAX) |
				      (uint64_t)(ids[(uint32_t)h->slots[j] - 1] + 1);
	h->base = (void *)w->rev_keys;
	h->stride = sizeof *w->rev_keys;
	h->koff = 0;
	w->rev_first = xcalloc(nid + 1, sizeof *w->rev_first);
	w->rev_n = xcalloc(nid + 1, sizeof *w->rev_n);
	for (size_t k = 0; k < w->ntargets; k++)
		w->rev_first[ids[k] + 1]++;
	for (size_t i = 1; i <= nid; i++)
		w->rev_first[i] += w->rev_first[i - 1];
	w->rev_list = xmalloc((w->ntargets ? w->ntargets : 1) * sizeof *w->rev_list);
	/* aliases in sorted order, so every address's list comes out sorted */
	for (size_t i = 0; i < w->naliases; i++) {
		const struct alias *a = &w->aliases[i];
		size_t first = (size_t)(a->targets - w->targets);
		for (size_t k = first; k < first + a->ntargets; k++) {
			uint32_t id = ids[k];
			const struct alias **slot = &w->rev_list[w->rev_first[id]];
			if (w->rev_n[id] > 0 && slot[w->rev_n[id] - 1] == a)
				continue;   /* "x, x" names the alias once */
			slot[w->rev_n[id]++] = a;
		}
	}
	free(ids);
}

/* Address id chained to the others of its domain. */
static void index_reverse_link(struct world *w, size_t id)
{
	const char *sign = strrchr(w->rev_keys[id], '@');
	if (!sign) {
		w->rev_dnext[id] = 0;
		return;
	}
	w->rev_dnext[id] = (uint32_t)(uintptr_t)strmap_get(w->rev_bydom, sign + 1);
	strmap_put(w->rev_bydom, sign + 1, (void *)(uintptr_t)(id + 1));
}

size_t index_reverse_in_domain(struct world *w, const char *domain, size_t **ids)
{
	if (!w->rev_bydom) {   /* one walk of the addresses, the first time */
		w->rev_bydom = strmap_create_borrowed(64);
		w->rev_dnext = xmalloc((w->rev_nid ? w->rev_nid : 1) * sizeof *w->rev_dnext);
		for (size_t id = w->rev_nid; id-- > 0;)   /* chains in id order */
			index_reverse_link(w, id);
	}
	size_t n = 0, cap = 0;
	*ids = NULL;
	for (uint32_t at = (uint32_t)(uintptr_t)strmap_get(w->rev_bydom, domain); at; at = w->rev_dnext[at - 1]) {
		xgrow(ids, &cap, n + 1, sizeof **ids);
		(*ids)[n++] = at - 1;
	}
	return n;
}

/* A new address's id: its empty list at the end, its key indexed. */
static size_t index_reverse_new(struct world *w, const char *address, uint32_t hash)
{
	size_t id = w->rev_nid++;
	w->rev_keys = xreallocarray(w->rev_keys, w->rev_nid, sizeof *w->rev_keys);
	w->rev_keys[id] = address;
	w->rev_n = xreallocarray(w->rev_n, w->rev_nid, sizeof *w->rev_n);
	w->rev_n[id] = 0;
	w->rev_first = xreallocarray(w->rev_first, w->rev_nid + 1, sizeof *w->rev_first);
	w->rev_first[id + 1] = w->rev_first[id];
	w->rev_idx.base = (void *)w->rev_keys;
	if (!index_put_at(&w->rev_idx, id, hash)) {   /* too full */
		index_free(&w->rev_idx);
		index_build(&w->rev_idx, (void *)w->rev_keys, w->rev_nid, sizeof *w->rev_keys, 0,
			    NULL, NULL);
	}
	if (w->rev_bydom) {
		w->rev_dnext = xreallocarray(w->rev_dnext, w->rev_nid, sizeof *w->rev_dnext);
		index_reverse_link(w, id);
	}
	return id;
}

void index_reverse_add(struct world *w, const struct alias *a, const char *address)
{
	uint32_t hash = strmap_hash(address);
	size_t at = index_find(&w->rev_idx, address, hash);
	size_t id = at ? at - 1 : index_reverse_new(w, address, hash);
	size_t first = w->rev_first[id], n = w->rev_n[id];
	const struct alias **v = &w->rev_list[first];
	size_t pos = 0;
	while (pos < n && v[pos] < a)
		pos++;
	if (pos < n && v[pos] == a)
		return;   /* named once */
	if (first + n == w->rev_first[id + 1]) {   /* no room left: every later list moves on */
		size_t len = w->rev_first[w->rev_nid];
		w->rev_list = xreallocarray(w->rev_list, len + 1, sizeof *w->rev_list);
		size_t end = w->rev_first[id + 1];
		memmove(&w->rev_list[end + 1], &w->rev_list[end], (len - end) * sizeof *w->rev_list);
		for (size_t i = id + 1; i <= w->rev_nid; i++)
			w->rev_first[i]++;
		v = &w->rev_list[first];
	}
	memmove(&v[pos + 1], &v[pos], (n - pos) * sizeof *v);
	v[pos] = a;
	w->rev_n[id]++;
}

/* Room in every list for extra[id] more: the lists laid out again, each
 * with its room (rev_first[id + 1] - rev_first[id]) or its length and
 * extra[id], whichever is more. */
static void index_reverse_room(struct world *w, const size_t *extra)
{
	size_t nid = w->rev_nid, len = 0;
	size_t *first = xmalloc((nid + 1) * sizeof *first);
	for (size_t id = 0; id < nid; id++) {
		size_t room = w->rev_first[id + 1] - w->rev_first[id], need = w->rev_n[id] + extra[id];
		first[id] = len;
		len += room > need ? room : need;
	}
	first[nid] = len;
	const struct alias **list = xmalloc((len ? len : 1) * sizeof *list);
	for (size_t id = 0; id < nid; id++)
		memcpy(&list[first[id]], &w->rev_list[w->rev_first[id]], w->rev_n[id] * sizeof *list);
	free(w->rev_list);
	free(w->rev_first);
	w->rev_list = list;
	w->rev_first = first;
}

void index_reverse_add_many(struct world *w, const struct alias *const *as, size_t n)
{
	/* every (address, alias) pair first, new addresses given ids */
	size_t np = 0, cap = 0;
	struct pair { size_t id; const struct alias *a; } *v = NULL;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < as[i]->ntargets; k++) {
			const char *address = as[i]->targets[k].address;
			uint32_t hash = strmap_hash(address);
			size_t at = index_find(&w->rev_idx, address, hash);
			xgrow(&v, &cap, np + 1, sizeof *v);
			v[np++] = (struct pair){ at ? at - 1 : index_reverse_new(w, address, hash), as[i] };
		}
	size_t *extra = xcalloc(w->rev_nid + 1, sizeof *extra);
	bool room = true;
	for (size_t i = 0; i < np; i++)
		extra[v[i].id]++;
	for (size_t id = 0; id < w->rev_nid && room; id++)
		room = w->rev_first[id] + w->rev_n[id] + extra[id] <= w->rev_first[id + 1];
	if (!room)
		index_reverse_room(w, extra);
	free(extra);
	/* each into its list, in the array's order, once ("x, x") */
	for (size_t i = 0; i < np; i++) {
		const struct alias **l = &w->rev_list[w->rev_first[v[i].id]];
		size_t m = w->rev_n[v[i].id], pos = 0;
		while (pos < m && l[pos] < v[i].a)
			pos++;
		if (pos < m && l[pos] == v[i].a)
			continue;
		memmove(&l[pos + 1], &l[pos], (m - pos) * sizeof *l);
		l[pos] = v[i].a;
		w->rev_n[v[i].id]++;
	}
	free(v);
}
