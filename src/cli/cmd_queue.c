/* `vmailadm queue ...`: the Postfix queue (src/traffic/queue.c): the
 * listing, streamed as postqueue gives it or grouped by reason or domain;
 * hold, release, requeue and delete by queue id; flush; one message shown
 * decoded. Deletion asks on a terminal, and needs --yes otherwise. */
#include "config.h"

#include <getopt.h>  /* struct option, for cli_parse */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmailadm/cli.h"
#include "vmailadm/i18n.h"
#include "vmailadm/mailmsg.h"
#include "vmailadm/queue.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

#define SHOW_MAX (4u << 20)

static void put(struct strbuf *sb, const char *s)
{
	sb_add_printable(sb, s, strlen(s));
}

/* Text of several lines, each escaped (sb_add_printable escapes the
 * newlines too), each ended by a newline. */
static void put_lines(struct strbuf *sb, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		sb_add_printable(sb, p, len);
		sb_addc(sb, '\n');
		p += len + (nl ? 1 : 0);
	}
}

static json_t *msg_json(const struct queue_msg *m, int64_t now)
{
	json_t *o = json_object();
	json_object_set_new(o, "queue_id", json_string(m->queue_id));
	json_object_set_new(o, "queue_name", json_string(m->queue_name));
	json_object_set_new(o, "arrival_time", json_integer(m->arrival_time));
	json_object_set_new(o, "age", json_integer(now - m->arrival_time));
	json_object_set_new(o, "message_size", json_integer((json_int_t)m->size));
	json_object_set_new(o, "forced_expire", json_boolean(m->forced_expire));
	json_object_set_new(o, "sender", json_string(m->sender));
	json_t *r = json_array();
	for (size_t i = 0; i < m->nrcpts; i++) {
		json_t *x = json_object();
		json_object_set_new(x, "address", json_string(m->rcpts[i].address));
		json_object_set_new(x, "delay_reason",
				    m->rcpts[i].reason ? json_string(m->rcpts[i].reason) : json_null());
		json_array_append_new(r, x);
	}
	json_object_set_new(o, "recipients", r);
	return o;
}

/* One message as text: "ID  queue  age  size  sender", then each
 * recipient and its reason. */
static void msg_text(const struct queue_msg *m, int64_t now, struct strbuf *sb)
{
	char age[32];
	queue_format_age(now - m->arrival_time, age, sizeof age);
	put(sb, m->queue_id);
	sb_addf(sb, "  %-8s %5s %9llu  ", m->queue_name, age, (unsigned long long)m->size);
	put(sb, m->sender[0] ? m->sender : "<>");
	sb_addc(sb, '\n');
	for (size_t i = 0; i < m->nrcpts; i++) {
		sb_adds(sb, "    -> ");
		put(sb, m->rcpts[i].address);
		if (m->rcpts[i].reason) {
			sb_adds(sb, "\n       ");
			put(sb, m->rcpts[i].reason);
		}
		sb_addc(sb, '\n');
	}
}

struct lister {
	int64_t now;
	bool json;
	int by;              /* 0 none, 'r' reason, 'd' domain */
	long n;
	uint64_t bytes;
	struct strmap *groups;   /* key -> struct group * */
};

struct group {
	long messages, recipients;
	uint64_t size;
	const struct queue_msg *last; /* to count a message once per group */
	char *last_id;
};

static void group_add(struct lister *l, const char *key, const struct queue_msg *m)
{
	struct group *g = strmap_get(l->groups, key);
	if (!g) {
		g = xcalloc(1, sizeof *g);
		strmap_put(l->groups, key, g);
	}
	g->recipients++;
	if (!g->last_id || strcmp(g->last_id, m->queue_id) != 0) {
		free(g->last_id);
		g->last_id = xstrdup(m->queue_id);
		g->messages++;
		g->size += m->size;
	}
}

static bool list_visit(void *ctx, const struct queue_msg *m)
{
	struct lister *l = ctx;
	l->n++;
	l->bytes += m->size;
	if (l->by) {
		for (size_t i = 0; i < m->nrcpts; i++) {
			const char *key;
			if (l->by == 'r')
				key = m->rcpts[i].reason ? m->rcpts[i].reason : m->queue_name;
			else {
				const char *at = strrchr(m->rcpts[i].address, '@');
				key = at ? at + 1 : m->rcpts[i].address;
			}
			group_add(l, key, m);
		}
		return true;
	}
	if (l->json) {
		json_t *o = msg_json(m, l->now);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputs(l->n > 1 ? ",\n" : "[\n", stdout);
		fputs(s, stdout);
		free(s);
		json_decref(o);
		return true;
	}
	struct strbuf sb = STRBUF_INIT;
	msg_text(m, l->now, &sb);
	fputs(sb.buf, stdout);
	sb_free(&sb);
	return true;
}

struct group_row {
	const char *key;
	struct group *g;
};

static int group_cmp(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;
	if (x->g->recipients != y->g->recipients)
		return x->g->recipients > y->g->recipients ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void print_groups(struct lister *l)
{
	size_t n = strmap_count(l->groups), k = 0, pos = 0;
	struct group_row *rows = xcalloc(n ? n : 1, sizeof *rows);
	const char *key;
	void *v;
	while (strmap_next(l->groups, &pos, &key, &v))
		rows[k++] = (struct group_row){ key, v };
	qsort(rows, k, sizeof *rows, group_cmp);
	json_t *arr = l->json ? json_array() : NULL;
	for (size_t i = 0; i < k; i++) {
		struct group *g = rows[i].g;
		if (arr) {
			json_t *o = json_object();
			json_object_set_new(o, l->by == 'r' ? "reason" : "domain", json_string(rows[i].key));
			json_object_set_new(o, "messages", json_integer(g->messages));
			json_object_set_new(o, "recipients", json_integer(g->recipients));
			json_object_set_new(o, "size", json_integer((json_int_t)g->size));
			json_array_append_new(arr, o);
		} else {
			struct strbuf sb = STRBUF_INIT;
			sb_addf(&sb, "%7ld %7ld %10llu  ", g->messages, g->recipients,
				(unsigned long long)g->size);
			put(&sb, rows[i].key);
			puts(sb.buf);
			sb_free(&sb);
		}
		free(g->last_id);
		free(g);
	}
	free(rows);
	if (arr)
		cli_json_print(arr);
}

static int do_list(struct cli *cli, const struct traffic_postfix *pf, enum queue_source from,
		   bool json, int by)
{
	struct lister l = { .now = (int64_t)time(NULL), .json = json, .by = by };
	if (by) {
		l.groups = strmap_create(64);
		if (!json)
			printf(_("%7s %7s %10s  %s\n"), _("msgs"), _("rcpts"), _("bytes"),
			       by == 'r' ? _("reason") : _("domain"));
	}
	struct diags d = DIAGS_INIT;
	enum queue_source used = from;
	long rc = queue_list_from(pf, from, &used, list_visit, &l, &d);
	/* Said in the text only: the JSON is the messages, as postqueue -j's. */
	const char *via = used == QUEUE_FROM_FILES ? _("read from the queue files")
						   : _("read through postqueue");
	if (by)
		print_groups(&l);
	else if (json)
		fputs(l.n ? "\n]\n" : "[]\n", stdout);
	else if (rc >= 0 && l.n == 0)
		printf(_("The queue of %s is empty (%s).\n"), pf->myhostname, via);
	else if (rc >= 0)
		printf(ngettext("-- %ld message, %llu bytes, in the queue of %s (%s)\n",
				"-- %ld messages, %llu bytes, in the queue of %s (%s)\n",
				(unsigned long)l.n),
		       l.n, (unsigned long long)l.bytes, pf->myhostname, via);
	strmap_free(&l.groups);
	cli_diags(cli, &d);
	diags_free(&d);
	return rc < 0 ? EXIT_USAGE : EXIT_OK;
}

/* The messages to delete, listed, and the user's yes. */
struct picker {
	char **ids;
	size_t n;
	struct queue_ref *refs;
	size_t nrefs;
	int64_t now;
	struct strbuf text;
};

static bool pick_visit(void *ctx, const struct queue_msg *m)
{
	struct picker *p = ctx;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ids[i], m->queue_id) == 0) {
			p->refs[p->nrefs++] = (struct queue_ref){ p->ids[i], m->arrival_time };
			msg_text(m, p->now, &p->text);
			break;
		}
	return true;
}

static bool confirm(const char *question)
{
	fputs(question, stderr);
	fflush(stderr);
	char buf[32];
	if (!fgets(buf, sizeof buf, stdin))
		return false;
	/* Both the English and the translated "yes" initial. */
	return buf[0] == 'y' || buf[0] == 'Y' || buf[0] == _("y")[0];
}

static int do_act(struct cli *cli, const struct traffic_postfix *pf, enum queue_action a,
		  char **ids, size_t n, bool yes)
{
	struct diags d = DIAGS_INIT;
	struct queue_ref *refs = xcalloc(n, sizeof *refs);
	size_t nrefs = n;
	int rc = EXIT_OK;
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct queue_ref){ ids[i], 0 };
	if (a == QUEUE_DELETE) {
		if (!yes && !isatty(STDIN_FILENO)) {
			free(refs);
			return cli_usage_error(cli, _("delete: standard input is not a terminal; "
						      "give --yes to delete without asking"));
		}
		/* Delete what the user saw: the ids with their arrival times. */
		struct picker p = { .ids = ids, .n = n, .refs = refs, .now = (int64_t)time(NULL) };
		long lr = queue_list(pf, pick_visit, &p, &d);
		nrefs = p.nrefs;
		if (lr >= 0 && nrefs < n)
			rc = EXIT_PROBLEMS;
		for (size_t i = 0; lr >= 0 && i < n; i++) {
			bool seen = false;
			for (size_t k = 0; k < nrefs; k++)
				seen |= refs[k].queue_id == ids[i];
			if (!seen)
				diag_error(&d, NULL, 0, _("%s: not in the queue of %s"), ids[i],
					   pf->myhostname);
		}
		cli_diags(cli, &d);
		diags_free(&d);
		if (lr < 0 || nrefs == 0) {
			sb_free(&p.text);
			free(refs);
			return lr < 0 ? EXIT_USAGE : EXIT_PROBLEMS;
		}
		if (!yes) {
			fputs(sb_str(&p.text), stderr);
			char *q = xasprintf(ngettext("Delete %zu message from the queue of %s? [y/N] ",
						     "Delete %zu messages from the queue of %s? [y/N] ",
						     nrefs),
					    nrefs, pf->myhostname);
			bool ok = confirm(q);
			free(q);
			if (!ok) {
				fputs(_("Nothing deleted.\n"), stderr);
				sb_free(&p.text);
				free(refs);
				return EXIT_PROBLEMS;
			}
		}
		sb_free(&p.text);
	}
	struct strbuf done = STRBUF_INIT;
	long count = queue_act(pf, a, refs, nrefs, &done, &d);
	struct strbuf out = STRBUF_INIT;
	put_lines(&out, sb_str(&done));
	fputs(sb_str(&out), stdout);
	sb_free(&out);
	sb_free(&done);
	if (count < 0)
		rc = EXIT_USAGE;
	else if (diags_has_errors(&d) && rc == EXIT_OK)
		rc = EXIT_PROBLEMS; /* some id refused, or postsuper complained */
	cli_diags(cli, &d);
	diags_free(&d);
	free(refs);
	return rc;
}

static int do_show(struct cli *cli, const struct traffic_postfix *pf, const char *id, bool json)
{
	struct diags d = DIAGS_INIT;
	struct queue_msg m;
	struct strbuf raw = STRBUF_INIT;
	struct queue_ref ref = { id, 0 };
	int rc = queue_message(pf, &ref, SHOW_MAX, &m, &raw, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	if (rc < 0) {
		sb_free(&raw);
		return EXIT_PROBLEMS;
	}
	int64_t now = (int64_t)time(NULL);
	struct strbuf text = STRBUF_INIT;
	mailmsg_render(raw.buf ? raw.buf : "", raw.len, &text);
	if (json) {
		json_t *o = msg_json(&m, now);
		json_object_set_new(o, "text", json_stringn(sb_str(&text), text.len));
		cli_json_print(o);
	} else {
		struct strbuf sb = STRBUF_INIT;
		msg_text(&m, now, &sb);
		sb_addc(&sb, '\n');
		put_lines(&sb, sb_str(&text));
		fputs(sb_str(&sb), stdout);
		sb_free(&sb);
	}
	sb_free(&text);
	sb_free(&raw);
	queue_msg_free(&m);
	return EXIT_OK;
}

/* The verbs, in the order of the usage line; an action's enum beside it. */
static const struct {
	const char *name;
	int act;   /* enum queue_action, or -1 for list, show and flush */
} verbs[] = {
	{ "list", -1 }, { "show", -1 }, { "hold", QUEUE_HOLD }, { "release", QUEUE_RELEASE },
	{ "requeue", QUEUE_REQUEUE }, { "delete", QUEUE_DELETE }, { "flush", -1 },
};
#define NVERBS (sizeof verbs / sizeof verbs[0])

/* The verb's index, or NVERBS after a usage error (with "did you mean"). */
static size_t queue_verb(struct cli *cli, const char *word)
{
	const char *names[NVERBS];
	for (size_t i = 0; i < NVERBS; i++) {
		names[i] = verbs[i].name;
		if (strcmp(word, verbs[i].name) == 0)
			return i;
	}
	cli_unknown(cli, _("unknown subcommand '%s'"), word, names, NVERBS);
	return NVERBS;
}

/* The operands a verb takes: 0 when they fit, else EXIT_USAGE after the message. */
static int check_operands(struct cli *cli, const char *verb, int act, int n, char **ops)
{
	if (act >= 0 && n == 0)
		return cli_usage_error(cli, _("%s: give at least one queue id"), verb);
	if (strcmp(verb, "show") == 0 && n != 1)
		return cli_usage_error(cli, _("%s: give one queue id"), verb);
	if (strcmp(verb, "flush") == 0 && n > 1)
		return cli_usage_error(cli, _("%s: at most one domain"), verb);
	if (strcmp(verb, "list") == 0 && n > 0)
		return cli_usage_error(cli, _("unexpected argument '%s'"), ops[0]);
	return 0;
}

int cmd_queue(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "by", required_argument, NULL, 'b' },
		{ "yes", no_argument, NULL, 'y' },
		{ "source", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_args a;
	if (cli_parse(cli, argc, argv, "y", opts, &a))
		return EXIT_USAGE;
	bool json = cli_json_wanted(cli, &a), yes = cli_arg(&a, "yes") != NULL;
	int by = 0;
	const char *bys = cli_arg(&a, "by");
	if (bys) {
		static const char *const kinds[] = { "reason", "domain" };
		if (strcmp(bys, "reason") == 0 || strcmp(bys, "domain") == 0)
			by = bys[0];
		else
			return cli_unknown(cli, _("--by takes reason or domain, not '%s'"), bys, kinds, 2);
	}
	enum queue_source from = QUEUE_FROM_AUTO;
	const char *src = cli_arg(&a, "source");
	if (src) {
		static const char *const kinds[] = { "files", "postqueue" };
		if (strcmp(src, "files") == 0)
			from = QUEUE_FROM_FILES;
		else if (strcmp(src, "postqueue") == 0)
			from = QUEUE_FROM_POSTQUEUE;
		else
			return cli_unknown(cli, _("--source takes files or postqueue, not '%s'"), src,
					   kinds, 2);
	}
	size_t v = a.nops ? queue_verb(cli, a.ops[0]) : 0;
	if (v == NVERBS)
		return EXIT_USAGE;
	char **rest = a.nops ? a.ops + 1 : a.ops;
	int nrest = a.nops ? a.nops - 1 : 0;
	if (check_operands(cli, verbs[v].name, verbs[v].act, nrest, rest))
		return EXIT_USAGE;
	if (by && v != 0)
		return cli_usage_error(cli, _("--by goes with the listing, not with %s"), verbs[v].name);
	if (src && v != 0)
		return cli_usage_error(cli, _("--source goes with the listing, not with %s"),
				       verbs[v].name);

	struct traffic_postfix pf;
	struct diags d = DIAGS_INIT;
	if (traffic_postfix_load(cli_config(cli), &pf, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		return EXIT_USAGE;
	}
	diags_free(&d);
	int rc;
	if (v == 0) {
		rc = do_list(cli, &pf, from, json, by);
	} else if (verbs[v].act >= 0) {
		rc = do_act(cli, &pf, (enum queue_action)verbs[v].act, rest, (size_t)nrest, yes);
	} else if (strcmp(verbs[v].name, "show") == 0) {
		rc = do_show(cli, &pf, rest[0], json);
	} else {
		rc = queue_flush(&pf, nrest ? rest[0] : NULL, &d) < 0 ? EXIT_USAGE : EXIT_OK;
		cli_diags(cli, &d);
		diags_free(&d);
	}
	traffic_postfix_free(&pf);
	return rc;
}
