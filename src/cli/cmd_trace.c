/* `vmailadm trace ADDRESS... [--json]`: where mail for each address goes,
 * step by step, exactly as Postfix resolves it (src/model/trace.c). With
 * "-" as the only address, addresses are read one per line from stdin
 * (for scripts and the benchmark). */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pgtrace.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

static void put_printable(FILE *fp, const char *s)
{
	/* Printable ASCII without '\\' is its own escaped form (the common
	 * case: 10,000 addresses a run for scripts). */
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x7f && *p != '\\')
		p++;
	if (!*p) {
		fputs(s, fp);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_add_printable(&sb, s, strlen(s));
	fputs(sb_str(&sb), fp);
	sb_free(&sb);
}

static void print_where(const char *file, unsigned line)
{
	if (!file)
		return;
	fputs("  [", stdout);
	put_printable(stdout, file);
	if (line)
		printf(":%u", line);
	fputs("]", stdout);
}

static void print_text(const struct trace_result *r)
{
	put_printable(stdout, r->address);
	fputs("\n", stdout);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct trace_step *s = &r->steps[i];
		for (unsigned k = 0; k <= s->depth && k < 20; k++)
			fputs("  ", stdout);
		put_printable(stdout, s->text);
		print_where(s->file, s->line);
		fputs("\n", stdout);
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r->nqueries; i++) {
		const struct trace_query *q = &r->queries[i];
		sb_reset(&sb);
		trace_query_text(q, &sb);
		fputs("  ", stdout);
		put_printable(stdout, sb_str(&sb));
		print_where(q->map, 0);
		fputs("\n", stdout);
	}
	sb_free(&sb);
	for (size_t i = 0; i < r->ndests; i++) {
		const struct trace_dest *d = &r->dests[i];
		fputs("  => ", stdout);
		put_printable(stdout, d->address);
		printf(": %s", trace_kind_label(d->kind));
		const char *extra = d->path ? d->path : d->reason ? d->reason : d->detail;
		if (extra) {
			fputs(" ", stdout);
			put_printable(stdout, extra);
		}
		fputs("\n", stdout);
	}
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *to_json(const struct trace_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(r->address));
	json_t *dests = json_array();
	for (size_t i = 0; i < r->ndests; i++) {
		const struct trace_dest *d = &r->dests[i];
		json_t *x = json_object();
		json_object_set_new(x, "address", json_string(d->address));
		json_object_set_new(x, "kind", json_string(trace_kind_name(d->kind)));
		json_object_set_new(x, "path", str_or_null(d->path));
		json_object_set_new(x, "reason", str_or_null(d->reason));
		if (d->detail)
			json_object_set_new(x, "detail", json_string(d->detail));
		json_object_set_new(x, "file", str_or_null(d->file));
		json_object_set_new(x, "line", d->line ? json_integer(d->line) : json_null());
		json_array_append_new(dests, x);
	}
	json_object_set_new(o, "destinations", dests);
	json_t *steps = json_array();
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct trace_step *s = &r->steps[i];
		json_t *x = json_object();
		json_object_set_new(x, "step", json_string(s->what));
		json_object_set_new(x, "depth", json_integer(s->depth));
		json_object_set_new(x, "address", json_string(s->address));
		json_object_set_new(x, "text", json_string(s->text));
		json_object_set_new(x, "file", str_or_null(s->file));
		json_object_set_new(x, "line", s->line ? json_integer(s->line) : json_null());
		json_array_append_new(steps, x);
	}
	json_object_set_new(o, "steps", steps);
	json_object_set_new(o, "queries", cli_json_trace_queries(r));
	return o;
}

/* Trace one address and print or collect it; returns whether it was
 * rejected or deferred. */
static bool one(struct tracer *t, const char *addr, bool json, json_t *arr, bool quiet, bool first)
{
	struct trace_result r;
	trace_address(t, addr, &r);
	bool bad = r.rejected || r.deferred;
	if (json) {
		json_array_append_new(arr, to_json(&r));
	} else if (quiet) {
		/* The fourth column is where the mail really ends up: the
		 * maildir a catch-all delivers to, not the address asked about. */
		for (size_t i = 0; i < r.ndests; i++) {
			const struct trace_dest *dst = &r.dests[i];
			const char *where = dst->path ? dst->path : dst->detail ? dst->detail
					  : dst->reason ? dst->reason : "";
			put_printable(stdout, r.address);
			printf("\t%s\t", trace_kind_name(dst->kind));
			put_printable(stdout, dst->address);
			fputs("\t", stdout);
			put_printable(stdout, where);
			fputs("\n", stdout);
		}
	} else {
		if (!first)
			fputs("\n", stdout);
		print_text(&r);
	}
	trace_result_free(&r);
	return bad;
}

int cmd_trace(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "short", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "js", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), quiet = cli_arg(&a, "short") != NULL;
	int op1 = 1;   /* the operands: argv[1..argc) */
	argc = 1 + a.nops;
	if (op1 >= argc)
		return cli_usage_error(cli, _("give at least one address"));
	for (int i = op1; i < argc; i++)
		if (!argv[i][0])
			return cli_usage_error(cli, _("empty address"));

	/* No world: the tracer reads main.cf and indexes the tables itself
	 * (never the passwd-file), which on large servers is most of the time
	 * a trace takes. */
	cli_recover_read(cli);
	struct config *cfg = cli_config(cli);
	/* pgsql: and proxy:pgsql: maps are asked the way Postfix asks them;
	 * on backend pgsql, through the server's own main.cf (pgtrace.h) */
	struct diags d = DIAGS_INIT;
	struct tracer *t = pgtrace_open(cfg, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	if (!t)
		return EXIT_USAGE;
	if (quiet && !json)
		trace_set_steps(t, false);   /* --short prints no step */
	json_t *arr = json ? json_array() : NULL;
	bool bad = false, first = true;
	bool from_stdin = argc - op1 == 1 && strcmp(argv[op1], "-") == 0;
	if (from_stdin) {
		/* A batch at a time: the tracer is told what comes (prefetch),
		 * then each address is traced and printed in order. */
		enum { BATCH = 32 };
		char *lines[BATCH] = { NULL };
		size_t caps[BATCH] = { 0 };
		bool eof = false;
		while (!eof) {
			size_t n = 0;
			while (n < BATCH) {
				ssize_t len = getline(&lines[n], &caps[n], stdin);
				if (len <= 0) {
					eof = true;
					break;
				}
				while (len > 0 && (lines[n][len - 1] == '\n' || lines[n][len - 1] == '\r'))
					lines[n][--len] = '\0';
				if (len > 0)
					n++;
			}
			trace_prefetch(t, (const char *const *)lines, n);
			for (size_t i = 0; i < n; i++) {
				bad |= one(t, lines[i], json, arr, quiet, first);
				first = false;
			}
		}
		for (size_t i = 0; i < BATCH; i++)
			free(lines[i]);
	} else {
		for (int i = op1; i < argc; i++) {
			bad |= one(t, argv[i], json, arr, quiet, first);
			first = false;
		}
	}
	if (json) {
		/* one address: the object itself; several: an array */
		if (json_array_size(arr) == 1 && !from_stdin) {
			json_t *o = json_incref(json_array_get(arr, 0));
			json_decref(arr);
			cli_json_print(o);
		} else {
			cli_json_print(arr);
		}
	}
	trace_free(&t);
	return bad ? EXIT_PROBLEMS : EXIT_OK;
}
