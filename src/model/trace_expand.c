/* Virtual alias expansion as cleanup(8) runs it (cleanup_map1n.c): every
 * address looked up in virtual_alias_maps and replaced by its results,
 * with the recursion, expansion and length limits, identity termination,
 * extension propagation and duplicate removal. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* Split a lookup result into addresses (commas and whitespace, quoted
 * parts whole), apply "@otherdomain" to the first one, append @$myorigin
 * to bare names, and propagate the unmatched extension. */
static size_t crunch(const struct tracer *t, const char *value, const char *lhs, const char *ext,
		     char ***out)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	const char *p = value;
	const char *s;
	size_t len;
	while (table_value_next(&p, &s, &len)) {
		char *a = xstrndup(s, len);
		size_t al = strlen(a);
		if (al >= 2 && a[0] == '<' && a[al - 1] == '>') {
			memmove(a, a + 1, al - 2);
			a[al - 2] = '\0';
		}
		if (n == 0 && a[0] == '@') {
			/* same user, other domain: the local part without extension */
			const char *at = strrchr(lhs, '@');
			size_t ll = at ? (size_t)(at - lhs) : strlen(lhs);
			if (ext && strlen(ext) <= ll)
				ll -= strlen(ext);
			char *b = xasprintf("%.*s%s", (int)ll, lhs, a);
			free(a);
			a = b;
		} else if (!strchr(a, '@')) {
			char *b = xasprintf("%s@%s", a, t->myorigin);
			free(a);
			a = b;
		}
		if (ext && t->propagate) {
			const char *at = strrchr(a, '@');
			char *b = xasprintf("%.*s%s%s", (int)(at - a), a, ext, at);
			free(a);
			a = b;
		}
		xgrow(&v, &cap, n + 1, sizeof *v);
		v[n++] = a;
	}
	*out = v;
	return n;
}

char **trace_expand(struct tracer *t, struct trace_result *r, const char *addr, unsigned base,
		    size_t *nout)
{
	size_t n = 1, cap = 4;
	char **argv = xmalloc(cap * sizeof *argv);
	unsigned *depth = xmalloc(cap * sizeof *depth);
	argv[0] = xstrdup(addr);
	depth[0] = base;
	struct strmap *been = strmap_create(8);
	bool defer = false;
	for (size_t arg = 0; arg < n && !defer; arg++) {
		if ((long)n > t->expansion) {
			STEP(t, r, "limit", depth[arg], addr, t->maincf, 0,
			     _("more than virtual_alias_expansion_limit = %ld addresses: \"unreasonable virtual_alias_maps map expansion size for %s\""),
			     t->expansion, addr);
			r->limit = "expansion";
			defer = true;
			break;
		}
		for (long count = 0;; count++) {
			char *f = trace_fold(argv[arg]);
			bool seen = strmap_get(been, f) != NULL;
			free(f);
			if (seen) {
				STEP(t, r, "identity", depth[arg], argv[arg], NULL, 0,
				     _("%s expanded into itself: it is not looked up again"), argv[arg]);
				break;
			}
			if (count >= t->recursion) {
				STEP(t, r, "limit", depth[arg], argv[arg], t->maincf, 0,
				     _("nesting deeper than virtual_alias_recursion_limit = %ld: \"unreasonable virtual_alias_maps map nesting for %s\""),
				     t->recursion, addr);
				r->limit = "recursion";
				defer = true;
				break;
			}
			const char *at = strrchr(argv[arg], '@');
			bool lforms = at && trace_deliver_is_local(t, at + 1);
			struct hit h;
			enum form form;
			char *ext = NULL, *key = NULL;
			if (!trace_lookup_addr(t, t->amaps, t->namaps, argv[arg], lforms, &h, &form, &ext, &key)) {
				STEP(t, r, "alias-miss", depth[arg], argv[arg], NULL, 0,
				     _("no virtual alias for %s (%zu table(s) in virtual_alias_maps)"),
				     argv[arg], t->namaps);
				break;
			}
			char **res;
			size_t nres = crunch(t, h.value, argv[arg], ext, &res);
			struct strbuf list = STRBUF_INIT;
			for (size_t i = 0; i < nres && t->steps; i++)
				sb_addf(&list, "%s%s", i ? ", " : "", res[i]);
			STEP(t, r, "alias-hit", depth[arg], argv[arg], h.map->file, h.line,
			     ext && t->propagate
				     ? _("virtual alias %s (form %s, key %s) → %s (extension %s kept)")
				     : _("virtual alias %s (form %s, key %s) → %s%s"),
			     argv[arg], trace_lookup_form_name(form), key, sb_str(&list), ext && t->propagate ? ext : "");
			sb_free(&list);
			char *lhs = argv[arg];
			unsigned d0 = depth[arg];
			for (size_t i = 0; i < nres; i++) {
				if ((long)strlen(res[i]) > t->addrlen) {
					STEP(t, r, "limit", d0, res[i], h.map->file, h.line,
					     _("result longer than virtual_alias_address_length_limit = %ld"),
					     t->addrlen);
					r->limit = "length";
					defer = true;
					for (size_t k = i; k < nres; k++)
						free(res[k]);
					break;
				}
				if (strcasecmp(lhs, res[i]) == 0) {
					char *fl = trace_fold(lhs);
					strmap_put(been, fl, (void *)1);
					free(fl);
				}
				if (i == 0) {
					argv[arg] = res[0];
					depth[arg] = d0 + 1;
				} else {
					if (n == cap) {
						cap *= 2;
						argv = xreallocarray(argv, cap, sizeof *argv);
						depth = xreallocarray(depth, cap, sizeof *depth);
					}
					argv[n] = res[i];
					depth[n++] = d0 + 1;
				}
			}
			bool empty = nres == 0;
			if (empty)   /* nothing to expand into: keep the address */
				argv[arg] = xstrdup(lhs);
			free(lhs);
			free(res);
			free(h.value);
			free(ext);
			free(key);
			if (defer || empty)
				break;
		}
	}
	strmap_free(&been);
	char **out = NULL;
	size_t nfinal = 0;
	if (!defer) {
		/* cleanup's duplicate filter (case-insensitive) */
		struct strmap *dups = strmap_create(n);
		out = xcalloc(n + 1, sizeof *out);
		for (size_t i = 0; i < n; i++) {
			char *f = trace_fold(argv[i]);
			if (!strmap_add(dups, f, (void *)1))
				STEP(t, r, "duplicate", depth[i], argv[i], NULL, 0,
				     _("%s appears more than once: delivered once"), argv[i]);
			else
				out[nfinal++] = xstrdup(argv[i]);
			free(f);
		}
		strmap_free(&dups);
	}
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	free(depth);
	*nout = nfinal;
	return out;
}
