/* `vmailadm maillog ADDRESS [--since TIME] [--json] [--logins] [--trace]
 * [--file FILE]...`: what the Postfix log says happened to the mail to and
 * from an address, one line per message and recipient
 * (src/traffic/maillog.c); with --trace, first the tracer's prediction
 * beside the last message to it, marked where they differ
 * (src/traffic/tracecmp.c). */
#include "config.h"

#include <getopt.h>  /* struct option, for cli_parse */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmailadm/cli.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maillog.h"
#include "vmailadm/pgtrace.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/trace.h"
#include "vmailadm/tracecmp.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *record_json(const struct maillog_record *r)
{
	char iso[40];
	json_t *o = json_object();
	time_t tt = (time_t)r->time;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S%z", &tm);
	json_object_set_new(o, "time", json_string(iso));
	json_object_set_new(o, "epoch", json_integer(r->time));
	json_object_set_new(o, "queue_id", opt_string(r->queue_id));
	json_object_set_new(o, "status", json_string(maillog_status_name(r->status)));
	json_object_set_new(o, "sender", opt_string(r->sender));
	json_object_set_new(o, "recipient", opt_string(r->recipient));
	json_object_set_new(o, "original_recipient", opt_string(r->orig_recipient));
	json_object_set_new(o, "relay", opt_string(r->relay));
	json_object_set_new(o, "client", opt_string(r->client));
	json_object_set_new(o, "dsn", opt_string(r->dsn));
	json_object_set_new(o, "text", opt_string(r->text));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	return o;
}

static json_t *dest_json(const struct trace_dest *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(d->address));
	json_object_set_new(o, "kind", json_string(trace_kind_name(d->kind)));
	json_object_set_new(o, "path", opt_string(d->path));
	json_object_set_new(o, "reason", opt_string(d->reason));
	json_object_set_new(o, "detail", opt_string(d->detail));
	return o;
}

/* The comparison as JSON: "why" in English, a stable text for scripts. */
static json_t *compare_json(const struct tracecmp *c)
{
	json_t *o = json_object(), *rows = json_array();
	json_object_set_new(o, "last", c->last ? record_json(c->last) : json_null());
	json_object_set_new(o, "differs", json_boolean(c->differs));
	for (size_t i = 0; i < c->n; i++) {
		const struct tracecmp_row *r = &c->rows[i];
		json_t *x = json_object();
		json_object_set_new(x, "predicted", r->predicted ? dest_json(r->predicted) : json_null());
		json_object_set_new(x, "real", r->real ? record_json(r->real) : json_null());
		json_object_set_new(x, "differs", json_boolean(r->differs));
		json_object_set_new(x, "why", opt_string(r->why));
		json_array_append_new(rows, x);
	}
	json_object_set_new(o, "rows", rows);
	return o;
}

/* --trace: the tracer's prediction for address beside records v, into *c
 * (and res, which c points into). false with a message when the tracer
 * cannot be opened. */
static bool compare(struct cli *cli, const char *address, const struct maillog_record *v,
		    size_t n, struct trace_result *res, struct tracecmp *c)
{
	struct diags d = DIAGS_INIT;
	struct tracer *t = pgtrace_open(cli_config(cli), &d);
	cli_diags(cli, &d);
	diags_free(&d);
	if (!t)
		return false;
	trace_set_steps(t, false);
	trace_address(t, address, res);
	trace_free(&t);
	tracecmp_run(res, address, v, n, c);
	return true;
}

int cmd_maillog(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "logins", no_argument, NULL, 'l' },
		{ "file", required_argument, NULL, 'f' },
		{ "trace", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "j", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), traced = cli_arg(&a, "trace") != NULL;
	struct maillog_query q = { .now = (int64_t)time(NULL), .logins = cli_arg(&a, "logins") };
	const char *since = cli_arg(&a, "since");
	if (since && !maillog_parse_since(since, q.now, &q.since))
		return cli_usage_error(cli, _("cannot read the time '%s' (YYYY-MM-DD[ HH:MM[:SS]], Nd, Nh, Nm ago, or @EPOCH)"), since);
	if (a.nops != 1 || !a.ops[0][0] || strchr(a.ops[0], '@') == NULL)
		return cli_usage_error(cli, _("give one address (or @DOMAIN)"));
	if (traced && a.ops[0][0] == '@')
		return cli_usage_error(cli, _("--trace follows one address, not a domain"));
	q.address = a.ops[0];
	size_t nfiles;
	char *const *given = cli_arg_all(&a, "file", &nfiles);
	const char **files = NULL;   /* NULL-terminated for traffic_maillog */
	if (nfiles) {
		files = xcalloc(nfiles + 1, sizeof *files);
		memcpy(files, given, nfiles * sizeof *files);
	}

	struct diags d = DIAGS_INIT;
	struct maillog *m = NULL;
	char *source = NULL;
	int rc = traffic_maillog(cli_config(cli), &q, files, &m, &source, &d);
	diags_print(&d, stderr);
	diags_free(&d);
	free(files);
	size_t n;
	const struct maillog_record *v = maillog_records(m, &n);
	struct trace_result res;
	struct tracecmp c = { 0 };
	if (traced && !compare(cli, q.address, v, n, &res, &c)) {
		free(source);
		maillog_free(&m);
		return EXIT_USAGE;
	}
	/* No log read at all is an error (exit 2), and then nothing is
	 * printed on stdout (doc/json.md): "[]" would read as "no mail". */
	if (json && !(rc < 0 && n == 0)) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, record_json(&v[i]));
		if (traced) {
			json_t *o = json_object();
			json_object_set_new(o, "address", json_string(q.address));
			json_t *tj = compare_json(&c);
			json_object_set_new(tj, "queries", cli_json_trace_queries(&res));
			json_object_set_new(o, "trace", tj);
			json_object_set_new(o, "records", arr);
			arr = o;
		}
		cli_json_print(arr);
	} else if (!json) {
		struct strbuf sb = STRBUF_INIT;
		if (traced) {
			tracecmp_format(&c, q.address, true, &sb); /* "≠": asciiout.c writes "!=" */
			sb_addc(&sb, '\n');
		}
		for (size_t i = 0; i < n; i++)
			maillog_format(&v[i], &sb);
		fputs(sb_str(&sb), stdout);
		sb_free(&sb);
		if (n == 0 && rc == 0) {
			struct strbuf shown = STRBUF_INIT;
			sb_add_printable(&shown, q.address, strlen(q.address));
			fprintf(stderr, _("%s: nothing for %s in %s\n"), cli->prog, sb_str(&shown),
				source ? source : "?");
			sb_free(&shown);
		}
	}
	bool differs = c.differs;
	if (traced) {
		tracecmp_free(&c);
		trace_result_free(&res);
	}
	free(source);
	maillog_free(&m);
	if (rc < 0 && n == 0)
		return EXIT_USAGE;
	return n && !differs ? EXIT_OK : EXIT_PROBLEMS;
}
