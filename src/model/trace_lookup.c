/* The tracer's table lookups, as Postfix's maps.c and mail_addr_find.c
 * make them: every table of a list in order, pattern tables with $n
 * substitution, the query forms of an address, the extension split
 * (split_addr.c), and the prefetch of a batch's first lookups. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/xalloc.h"

long trace_split_extension(const char *local, size_t len, const char *delims)
{
	if (!delims || !*delims || len == 0)
		return -1;
	/* split_addr.c: these are never split, whatever the delimiter */
	static const char *const keep[] = { "postmaster", "mailer-daemon", "double-bounce" };
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (strlen(keep[i]) == len && strncasecmp(local, keep[i], len) == 0)
			return -1;
	if (strchr(delims, '-')) {
		if (len >= 6 && strncasecmp(local, "owner-", 6) == 0)
			return -1;
		if (len > 8 && strncasecmp(local + len - 8, "-request", 8) == 0)
			return -1;
	}
	/* the first delimiter found; none at the start ("+tag@d" stays whole) */
	for (size_t i = 0; i < len; i++)
		if (strchr(delims, local[i]))
			return i == 0 ? -1 : (long)i;
	return -1;
}

bool trace_lookup_maps(struct tmap *const *maps, size_t n, const char *key, unsigned flags,
		       struct hit *h)
{
	for (size_t i = 0; i < n; i++) {
		const struct tmap *m = maps[i];
		if (m->static_value) {
			h->map = m;
			h->line = 0;
			h->value = xstrdup(m->static_value);
			return true;
		}
		if (m->ext) {
			/* a fixed-key map for maps.c, %u and %d or not */
			char *value;
			if (trace_ext_lookup(m, key, &value) == TRACE_EXT_FOUND) {
				h->map = m;
				h->line = 0;
				h->value = value;
				return true;
			}
			continue;
		}
		if (m->idx) {
			unsigned line;
			char *value;
			if (tableidx_lookup(m->idx, key, &line, &value, NULL)) {
				h->map = m;
				h->line = line;
				h->value = value;
				return true;
			}
			continue;
		}
		if (!m->table)
			continue;
		if (!m->pattern) {
			const struct table_entry *e = table_lookup(m->table, key);
			if (e && e->lookup_key[0]) {
				h->map = m;
				h->line = e->line;
				h->value = xstrdup(e->value);
				return true;
			}
			continue;
		}
		if (flags & LOOKUP_FIXED)
			continue;
		if (trace_pattern_lookup(m, key, (flags & LOOKUP_NO_REGSUB) != 0, h))
			return true;
	}
	return false;
}

bool trace_lookup_addr(const struct tracer *t, struct tmap *const *maps, size_t n,
		       const char *addr, bool local_forms, unsigned flags, struct hit *h,
		       enum form *form, char **ext, char **key_used)
{
	*ext = NULL;
	const char *at = strrchr(addr, '@');
	size_t llen = at ? (size_t)(at - addr) : strlen(addr);
	long split = trace_split_extension(addr, llen, t->delims);
	/* the query forms, side by side in one buffer (this runs for every
	 * address of every expansion) */
	size_t alen = strlen(addr);
	char small[512];
	char *mem = 4 * (alen + 2) <= sizeof small ? small : xmalloc(4 * (alen + 2));
	char *p = mem;
	char *bare = NULL, *bare_local = NULL, *at_domain = NULL;
	size_t dlen = at ? alen - llen : 0;   /* "@domain" */
	if (split >= 0) {
		bare = p;
		p = mempcpy(mempcpy(p, addr, (size_t)split), at ? at : "", dlen);
		*p++ = '\0';
		bare_local = p;
		p = mempcpy(p, addr, (size_t)split);
		*p++ = '\0';
	}
	char *full_local = p;
	p = mempcpy(p, addr, llen);
	*p++ = '\0';
	if (at) {
		at_domain = p;
		p = mempcpy(p, at, dlen);
		*p = '\0';
	}
	/* mail_addr_find(): each address form asked quoted (as given), then,
	 * when that differs, unquoted (MA_FORM_EXTERNAL_FIRST) */
	char *addr_int = NULL, *bare_int = NULL;
	if (strchr(addr, '"')) {
		addr_int = trace_unquote(addr);
		bare_int = bare ? trace_unquote(bare) : NULL;
		if (strcmp(addr_int, addr) == 0)
			xfree(&addr_int);
		if (bare_int && strcmp(bare_int, bare) == 0)
			xfree(&bare_int);
	}
	struct {
		const char *key;
		bool fixed;
		enum form form;
		bool noext;
	} tries[] = {
		{ addr, false, FORM_FULL, false },
		{ addr_int, false, FORM_FULL, false },
		{ bare, true, FORM_NOEXT, true },
		{ bare_int, true, FORM_NOEXT, true },
		{ local_forms ? full_local : NULL, true, FORM_LOCAL_EXT, false },
		{ local_forms ? bare_local : NULL, true, FORM_LOCAL, true },
		/* mail_addr_find returns the extension only for the user@domain
		 * and user forms, so a catch-all never propagates it (checked
		 * with sendmail -bv: worker+x@d via @d goes to the target bare) */
		{ at_domain, true, FORM_DOMAIN, false },
	};
	bool found = false;
	for (size_t i = 0; i < sizeof tries / sizeof tries[0] && !found; i++) {
		if (!tries[i].key)
			continue;
		if (trace_lookup_maps(maps, n, tries[i].key, flags | (tries[i].fixed ? LOOKUP_FIXED : 0), h)) {
			found = true;
			*form = tries[i].form;
			*key_used = t->steps ? xstrdup(tries[i].key) : NULL;   /* for steps only */
			if (tries[i].noext && split >= 0)
				*ext = xstrndup(addr + split, llen - (size_t)split);
		}
	}
	if (mem != small)
		free(mem);
	free(addr_int);
	free(bare_int);
	return found;
}

const char *trace_lookup_form_name(enum form f)
{
	switch (f) {
	case FORM_FULL: return "full address";
	case FORM_NOEXT: return "user@domain";
	case FORM_LOCAL_EXT: return "user+ext";
	case FORM_LOCAL: return "user";
	case FORM_DOMAIN: return "@domain";
	}
	return "";
}

/* The full address and, with an extension, the address without it: the
 * first keys trace_address asks the indexed alias and mailbox maps. */
static void prefetch_forms(const struct tracer *t, const char *addr, bool entry)
{
	const char *at = strrchr(addr, '@');
	if (!at)
		return;
	size_t llen = (size_t)(at - addr);
	long split = trace_split_extension(addr, llen, t->delims);
	char bare[256];
	bool has_bare = split >= 0 && strlen(addr) - llen + (size_t)split < sizeof bare;
	if (has_bare)
		snprintf(bare, sizeof bare, "%.*s%s", (int)split, addr, at);
	struct tmap *const *lists[] = { t->amaps, t->mmaps };
	size_t counts[] = { t->namaps, t->nmmaps };
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct tableidx *x = lists[l][i]->idx;
			if (!x)
				continue;
			tableidx_prefetch(x, addr, entry);
			if (has_bare)
				tableidx_prefetch(x, bare, entry);
		}
}

void trace_prefetch(struct tracer *t, const char *const *addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		prefetch_forms(t, addrs[i], false);
	for (size_t i = 0; i < n; i++)
		prefetch_forms(t, addrs[i], true);
}
