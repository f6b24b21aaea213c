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
		}
		/* canonicalized as cleanup does (bare name: @$myorigin) */
		char *c = trace_rewrite(t, a);
		free(a);
		a = c;
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

/* The addresses of an expansion in cleanup's order, each with its
 * nesting; been: the folded addresses that expanded into themselves. */
struct expansion {
	char **argv;
	unsigned *depth;
	size_t n, cap;
	struct strmap *been;
};

/* Look x->argv[arg] up again and again (its first result takes its place,
 * the others go to the end) until no alias matches; true when a limit
 * defers the message. addr is the address traced, for the messages. */
static bool expand_arg(struct tracer *t, struct trace_result *r, const char *addr,
		       struct expansion *x, size_t arg)
{
	bool defer = false;
	for (long count = 0;; count++) {
		char *f = trace_fold(x->argv[arg]);
		bool seen = strmap_get(x->been, f) != NULL;
		free(f);
		if (seen) {
			STEP(t, r, "identity", x->depth[arg], x->argv[arg], NULL, 0,
			     _("%s expanded into itself: it is not looked up again"), x->argv[arg]);
			break;
		}
		if (count >= t->recursion) {
			STEP(t, r, "limit", x->depth[arg], x->argv[arg], t->maincf, 0,
			     _("nesting deeper than virtual_alias_recursion_limit = %ld: \"unreasonable virtual_alias_maps map nesting for %s\""),
			     t->recursion, addr);
			r->limit = "recursion";
			defer = true;
			break;
		}
		const char *at = strrchr(x->argv[arg], '@');
		bool lforms = at && trace_deliver_is_local(t, at + 1);
		struct hit h;
		enum form form;
		char *ext = NULL, *key = NULL;
		if (!trace_lookup_addr(t, t->amaps, t->namaps, x->argv[arg], lforms, 0, &h, &form, &ext,
				       &key)) {
			STEP(t, r, "alias-miss", x->depth[arg], x->argv[arg], NULL, 0,
			     _("no virtual alias for %s (%zu table(s) in virtual_alias_maps)"),
			     x->argv[arg], t->namaps);
			break;
		}
		char **res;
		size_t nres = crunch(t, h.value, x->argv[arg], ext, &res);
		struct strbuf list = STRBUF_INIT;
		for (size_t i = 0; i < nres && t->steps; i++)
			sb_addf(&list, "%s%s", i ? ", " : "", res[i]);
		STEP(t, r, "alias-hit", x->depth[arg], x->argv[arg], h.map->file, h.line,
		     ext && t->propagate
			     ? _("virtual alias %s (form %s, key %s) → %s (extension %s kept)")
			     : _("virtual alias %s (form %s, key %s) → %s%s"),
		     x->argv[arg], trace_lookup_form_name(form), key, sb_str(&list), ext && t->propagate ? ext : "");
		sb_free(&list);
		char *lhs = x->argv[arg];
		unsigned d0 = x->depth[arg];
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
				strmap_put(x->been, fl, (void *)1);
				free(fl);
			}
			if (i == 0) {
				x->argv[arg] = res[0];
				x->depth[arg] = d0 + 1;
			} else {
				if (x->n == x->cap) {
					x->cap *= 2;
					x->argv = xreallocarray(x->argv, x->cap, sizeof *x->argv);
					x->depth = xreallocarray(x->depth, x->cap, sizeof *x->depth);
				}
				x->argv[x->n] = res[i];
				x->depth[x->n++] = d0 + 1;
			}
		}
		bool empty = nres == 0;
		if (empty)   /* nothing to expand into: keep the address */
			x->argv[arg] = xstrdup(lhs);
		free(lhs);
		free(res);
		free(h.value);
		free(ext);
		free(key);
		if (defer || empty)
			break;
	}
	return defer;
}

/* cleanup's duplicate filter (case-insensitive): the final recipients. */
static char **expand_unique(struct tracer *t, struct trace_result *r, const struct expansion *x,
			    size_t *nfinal)
{
	struct strmap *dups = strmap_create(x->n);
	char **out = xcalloc(x->n + 1, sizeof *out);
	*nfinal = 0;
	for (size_t i = 0; i < x->n; i++) {
		char *f = trace_fold(x->argv[i]);
		if (!strmap_add(dups, f, (void *)1))
			STEP(t, r, "duplicate", x->depth[i], x->argv[i], NULL, 0,
			     _("%s appears more than once: delivered once"), x->argv[i]);
		else
			out[(*nfinal)++] = xstrdup(x->argv[i]);
		free(f);
	}
	strmap_free(&dups);
	return out;
}

char **trace_expand(struct tracer *t, struct trace_result *r, const char *addr, unsigned base,
		    size_t *nout)
{
	struct expansion x = { NULL, NULL, 1, 4, strmap_create(8) };
	x.argv = xmalloc(x.cap * sizeof *x.argv);
	x.depth = xmalloc(x.cap * sizeof *x.depth);
	x.argv[0] = xstrdup(addr);
	x.depth[0] = base;
	bool defer = false;
	for (size_t arg = 0; arg < x.n && !defer; arg++) {
		if ((long)x.n > t->expansion) {
			STEP(t, r, "limit", x.depth[arg], addr, t->maincf, 0,
			     _("more than virtual_alias_expansion_limit = %ld addresses: \"unreasonable virtual_alias_maps map expansion size for %s\""),
			     t->expansion, addr);
			r->limit = "expansion";
			defer = true;
			break;
		}
		defer = expand_arg(t, r, addr, &x, arg);
	}
	strmap_free(&x.been);
	char **out = NULL;
	size_t nfinal = 0;
	if (!defer)
		out = expand_unique(t, r, &x, &nfinal);
	for (size_t i = 0; i < x.n; i++)
		free(x.argv[i]);
	free(x.argv);
	free(x.depth);
	*nout = nfinal;
	return out;
}
