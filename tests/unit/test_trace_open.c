/* trace_open() (no world, tables through tableidx) against trace_create() on
 * the loaded world: on every fixture server, for every key, value, target
 * and domain its tables name (and variants: upper case, extensions,
 * unknown users, bare names), the two tracers must give identical results,
 * step by step: kinds, addresses, paths, reasons, files, lines, texts;
 * and with steps turned off (--short), the same destinations. */
#include "config.h"

#include <ctype.h>

#include "worldtree.h"

#include "vmailadm/diag.h"
#include "vmailadm/model.h"
#include "vmailadm/strmap.h"
#include "vmailadm/trace.h"

static char *render(const struct trace_result *r, bool with_steps)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s rejected=%d deferred=%d limit=%s\n", r->address, r->rejected, r->deferred,
		r->limit ? r->limit : "-");
	for (size_t i = 0; i < r->nsteps && with_steps; i++) {
		const struct trace_step *s = &r->steps[i];
		sb_addf(&sb, "  step %s %u %s [%s:%u] %s\n", s->what, s->depth, s->address,
			s->file ? s->file : "-", s->line, s->text);
	}
	for (size_t i = 0; i < r->ndests; i++) {
		const struct trace_dest *d = &r->dests[i];
		sb_addf(&sb, "  => %s %s path=%s reason=%s detail=%s [%s:%u]\n",
			trace_kind_name(d->kind), d->address, d->path ? d->path : "-",
			d->reason ? d->reason : "-", d->detail ? d->detail : "-",
			d->file ? d->file : "-", d->line);
	}
	return sb_detach(&sb);
}

/* The addresses to try, each once. */
struct addrs {
	struct strmap *seen;
	char **v;
	size_t n, cap;
};

static void add(struct addrs *a, const char *s)
{
	if (!*s || strmap_get(a->seen, s))
		return;
	strmap_put(a->seen, s, (void *)1);
	xgrow(&a->v, &a->cap, a->n + 1, sizeof *a->v);
	a->v[a->n++] = xstrdup(s);
}

/* A word of a key or value and its variants. */
static void add_variants(struct addrs *a, const char *w)
{
	add(a, w);
	char *u = xstrdup(w);
	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	add(a, u);
	free(u);
	const char *at = strrchr(w, '@');
	if (!at) {
		char *x = xasprintf("postmaster@%s", w);   /* w may be a domain */
		add(a, x);
		free(x);
		x = xasprintf("nobody@%s", w);
		add(a, x);
		free(x);
		x = xasprintf("%s+ext", w);                /* or a bare name */
		add(a, x);
		free(x);
		return;
	}
	const char *dom = at + 1;
	char *x = at == w ? xasprintf("someone%s", w) : xasprintf("%.*s+tag%s", (int)(at - w), w, at);
	add(a, x);
	free(x);
	x = xasprintf("someone+tag@%s", dom);
	add(a, x);
	free(x);
	x = xasprintf("nobody@%s", dom);
	add(a, x);
	free(x);
	x = xasprintf("%.*s", (int)(at - w), w);
	add(a, x);
	free(x);
}

/* Every word of a text: split at whitespace, commas and ':'. */
static void add_words(struct addrs *a, const char *text)
{
	const char *p = text;
	while (*p) {
		while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == ':'))
			p++;
		const char *s = p;
		while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ':')
			p++;
		if (p > s) {
			char *w = xstrndup(s, (size_t)(p - s));
			if (w[0] != '/' && w[0] != '#' && w[0] != '!')
				add_variants(a, w);
			free(w);
		}
	}
}

static unsigned shown;

static void compare_world(const char *name, unsigned *ntraced)
{
	struct config *cfg = wt_make(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	struct diags dw = DIAGS_INIT, dt = DIAGS_INIT, dl = DIAGS_INIT;
	struct world *w = NULL;
	CU_ASSERT_EQUAL_FATAL(world_load(cfg, &w, &dw), 0);
	struct tracer *tw = trace_create(w, &dt);
	struct tracer *tl = trace_open(cfg, &dl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tl);

	/* the pattern warnings are the same */
	CU_ASSERT_EQUAL(trace_warnings(tw)->n, trace_warnings(tl)->n);
	/* each diagnostic of trace_open is one world_load + trace_create gave */
	for (size_t i = 0; i < dl.n; i++) {
		bool found = false;
		const struct diags *lists[] = { &dw, &dt };
		for (size_t l = 0; l < 2 && !found; l++)
			for (size_t k = 0; k < lists[l]->n && !found; k++)
				found = lists[l]->v[k].level == dl.v[i].level &&
					lists[l]->v[k].line == dl.v[i].line &&
					strcmp(lists[l]->v[k].msg, dl.v[i].msg) == 0;
		if (!found)
			fprintf(stderr, "\n%s: trace_open's own diagnostic: %s\n", name, dl.v[i].msg);
		CU_ASSERT(found);
	}

	struct addrs a = { strmap_create(256), NULL, 0, 0 };
	static const char *const fixed[] = { "root", "postmaster", "Postmaster", "root@localhost",
					     "MAILER-DAEMON", "owner-list", "list-request",
					     "nobody", "x", "a@b", "@", "user@", "user@@x",
					     /* domains only pattern tables name */
					     "x@regdom.test", "x@pat7.test", "x@patdotless",
					     "old-alice@mbox.test", "x123@mbox.test" };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		add(&a, fixed[i]);
	for (size_t m = 0; m < world_map_count(w); m++) {
		const struct table *t = world_map(w, m)->table;
		for (size_t i = 0; t && i < table_count(t); i++) {
			const struct table_entry *e = table_entry(t, i);
			add_words(&a, e->key);
			add_words(&a, e->value);
		}
	}
	size_t n;
	const struct domain *doms = world_domains(w, &n);
	for (size_t i = 0; i < n; i++)
		add_words(&a, doms[i].name);
	const struct aliases *al = world_system_aliases(w);
	for (size_t i = 0; i < aliases_count(al); i++) {
		add_words(&a, aliases_entry(al, i)->name);
		add_words(&a, aliases_entry(al, i)->value);
	}

	for (size_t i = 0; i < a.n; i++) {
		struct trace_result rw, rl;
		trace_address(tw, a.v[i], &rw);
		trace_address(tl, a.v[i], &rl);
		char *sw = render(&rw, true), *sl = render(&rl, true);
		if (strcmp(sw, sl) != 0 && shown++ < 3)
			fprintf(stderr, "\n%s: %s\n--- world:\n%s--- trace_open:\n%s", name, a.v[i], sw,
				sl);
		CU_ASSERT_STRING_EQUAL(sw, sl);
		free(sl);
		trace_result_free(&rl);

		/* without steps (vmailadm trace --short): the same destinations */
		trace_set_steps(tl, false);
		trace_address(tl, a.v[i], &rl);
		trace_set_steps(tl, true);
		CU_ASSERT_EQUAL(rl.nsteps, 0);
		free(sw);
		sw = render(&rw, false);
		sl = render(&rl, false);
		CU_ASSERT_STRING_EQUAL(sw, sl);
		free(sw);
		free(sl);
		trace_result_free(&rw);
		trace_result_free(&rl);
		free(a.v[i]);
	}
	*ntraced += (unsigned)a.n;
	free(a.v);
	strmap_free(&a.seen);
	trace_free(&tw);
	trace_free(&tl);
	world_free(&w);
	diags_free(&dw);
	diags_free(&dt);
	diags_free(&dl);
	wt_cfg_free(cfg);
	wt_remove();
}

static void test_every_world(void)
{
	static const char *const worlds[] = { "tricky", "domaintables", "basic", "filelist",
					      "hashdomains", "lintbad", "lintgood", "missing" };
	unsigned traced = 0;
	for (size_t i = 0; i < sizeof worlds / sizeof worlds[0]; i++)
		compare_world(worlds[i], &traced);
	/* the address lists were really built */
	CU_ASSERT(traced > 300);
}

/* What only trace_open can be asked: main.cf missing. */
static void test_no_maincf(void)
{
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.postfix_dir = (char *)"/nonexistent/vmailadm";
	struct diags d = DIAGS_INIT;
	CU_ASSERT_PTR_NULL(trace_open(&cfg, &d));
	CU_ASSERT(diags_has_errors(&d));
	diags_free(&d);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "trace_open gives trace_create's results on every fixture server", test_every_world },
		{ "no main.cf", test_no_maincf },
		CU_TEST_INFO_NULL,
	};
	return cu_run("trace_open", tests);
}
