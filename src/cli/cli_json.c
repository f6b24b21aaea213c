/* The JSON forms the commands share (doc/json.md): a mailbox, an alias, a
 * system alias, a staged plan, and the one way a document is printed. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <jansson.h>

#include "vmailadm/aliases.h"
#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/source.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/trace.h"

/* true or false, or null (-1) when it cannot be looked at (EACCES):
 * unknown is not absent. */
static int path_exists(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/* A string as jansson's dump_string writes it without flags: '"', '\\'
 * and the control characters escaped, everything else (UTF-8 that
 * json_string checked) as it is. */
static void cli_json_string(struct strbuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	sb_addc(out, '"');
	size_t from = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_add(out, s + from, i - from);
		from = i + 1;
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
				: c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
				: c == '\t' ? "\\t" : NULL;
		if (esc) {
			sb_adds(out, esc);
		} else {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '\0' };
			sb_adds(out, u);
		}
	}
	sb_add(out, s + from, len - from);
	sb_addc(out, '"');
}

static void cli_json_indent(struct strbuf *out, int depth)
{
	static const char nl_spaces[] = "\n                ";   /* 8 levels */
	size_t n = 1 + 2 * (size_t)depth;
	if (n < sizeof nl_spaces) {
		sb_add(out, nl_spaces, n);
		return;
	}
	sb_addc(out, '\n');
	for (int i = 0; i < depth; i++)
		sb_add(out, "  ", 2);
}

/* jansson's utf8_check_string: what json_string accepts (shortest forms,
 * no surrogates, nothing past U+10FFFF); it gives NULL for the rest, and
 * the member is then left out of its object. */
static bool cli_json_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p++, n, v;
		if (c < 0x80)
			continue;
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, v = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, v = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, v = c & 0x07;
		else
			return false;
		for (unsigned k = 0; k < n; k++, p++) {
			if (*p < 0x80 || *p > 0xBF)
				return false;
			v = v << 6 | (*p & 0x3F);
		}
		if ((n == 2 && v < 0x800) || (n == 3 && v < 0x10000) || v > 0x10FFFF ||
		    (v >= 0xD800 && v <= 0xDFFF))
			return false;
	}
	return true;
}

/* One description of an object for two uses: a json_t (show puts it in a
 * larger document), or its text appended to out as cli_json_dump would lay
 * out that json_t at depth (the streamed lists: at 100,000 mailboxes,
 * making the jansson objects only to dump them was 40 % of the time). */
struct jobj {
	json_t *o;            /* NULL: text into out */
	struct strbuf *out;
	int depth;
	size_t n;             /* members written */
};

static void jobj_key(struct jobj *j, const char *key)
{
	if (j->n++)
		sb_addc(j->out, ',');
	cli_json_indent(j->out, j->depth + 1);
	cli_json_string(j->out, key, strlen(key));
	sb_add(j->out, ": ", 2);
}

/* A string member; as json_object_set_new(json_string(s)) does, none at
 * all when s is NULL or not UTF-8. */
static void jobj_str(struct jobj *j, const char *key, const char *s)
{
	if (j->o) {
		json_object_set_new(j->o, key, s ? json_string(s) : NULL);
	} else if (s && cli_json_utf8(s)) {
		jobj_key(j, key);
		cli_json_string(j->out, s, strlen(s));
	}
}

/* -1 null, 0 false, 1 true */
static void jobj_tri(struct jobj *j, const char *key, int v)
{
	if (j->o) {
		json_object_set_new(j->o, key, v < 0 ? json_null() : json_boolean(v));
		return;
	}
	jobj_key(j, key);
	sb_adds(j->out, v < 0 ? "null" : v ? "true" : "false");
}

/* A string, or null when s is NULL. */
static void jobj_nstr(struct jobj *j, const char *key, const char *s)
{
	if (s)
		jobj_str(j, key, s);
	else
		jobj_tri(j, key, -1);
}

static void jobj_int(struct jobj *j, const char *key, json_int_t v)
{
	if (j->o) {
		json_object_set_new(j->o, key, json_integer(v));
		return;
	}
	jobj_key(j, key);
	sb_addf(j->out, "%" JSON_INTEGER_FORMAT, v);
}

/* "file" and "line": where an entry is defined (source.h); a database
 * row on backend pgsql has no line (null), as in lint's problems. */
static void jobj_source(struct jobj *j, const struct config *cfg, const char *file, unsigned line)
{
	struct source src;
	source_of(cfg, file, line, &src);
	jobj_str(j, "file", src.file);
	if (src.file == file)
		jobj_int(j, "line", line);
	else
		jobj_tri(j, "line", -1);
	source_free(&src);
}

void cli_json_source(json_t *o, const struct config *cfg, const char *file, unsigned line)
{
	struct jobj j = { .o = o };
	jobj_source(&j, cfg, file, line);
}

/* The mailbox object of doc/json.md, the one place its members are named. */
static void mailbox_members(struct jobj *j, const struct config *cfg, const struct mailbox *b)
{
	jobj_str(j, "address", b->address);
	jobj_str(j, "local", b->local);
	jobj_str(j, "domain", b->domain);
	jobj_str(j, "maildir", b->maildir);
	jobj_str(j, "format", b->is_maildir ? "maildir" : "mbox");
	jobj_tri(j, "exists", path_exists(b->maildir));
	jobj_str(j, "value", b->value);
	jobj_source(j, cfg, b->file, b->line);
	char *scheme = b->pw ? pwfile_scheme(b->pw) : NULL;
	/* An unreadable passwd-file: null (unknown), never false. */
	jobj_tri(j, "passwd_known", !b->pw_unknown);
	jobj_tri(j, "has_password", b->pw_unknown ? -1 : scheme && *scheme);
	jobj_nstr(j, "password_scheme", scheme && *scheme ? scheme : NULL);
	free(scheme);
	if (b->pw && !source_is_row(cfg, cfg ? cfg->passwd_file : NULL))
		jobj_int(j, "passwd_line", b->pw->line);
	else
		jobj_tri(j, "passwd_line", -1);
	jobj_nstr(j, "quota_rule", b->quota_rule);
	if (b->quota_bytes >= 0)
		jobj_int(j, "quota", b->quota_bytes);
	else
		jobj_tri(j, "quota", -1);
	jobj_tri(j, "swallowed_by_catchall", b->swallowed);
}

json_t *cli_json_mailbox(const struct config *cfg, const struct mailbox *b)
{
	struct jobj j = { .o = json_object() };
	mailbox_members(&j, cfg, b);
	return j.o;
}

void cli_json_mailbox_write(struct strbuf *out, const struct config *cfg, const struct mailbox *b,
			    int depth)
{
	struct jobj j = { .out = out, .depth = depth };
	sb_addc(out, '{');
	mailbox_members(&j, cfg, b);
	if (j.n)
		cli_json_indent(out, depth);
	sb_addc(out, '}');
}

json_t *cli_json_alias(const struct config *cfg, const struct alias *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(a->address));
	json_object_set_new(o, "domain", json_string(a->domain));
	json_t *targets = json_array(), *details = json_array();
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct alias_target *t = &a->targets[i];
		json_array_append_new(targets, json_string(t->address));
		json_t *td = json_object();
		json_object_set_new(td, "address", json_string(t->address));
		json_object_set_new(td, "class", json_string(model_target_class_name(t->class)));
		json_array_append_new(details, td);
	}
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "target_classes", details);
	json_object_set_new(o, "catchall", json_boolean(a->is_catchall));
	json_object_set_new(o, "identity", json_boolean(a->is_identity));
	cli_json_source(o, cfg, a->file, a->line);
	return o;
}

json_t *cli_json_sysalias(const struct alias_entry *e, const char *file)
{
	json_t *o = json_object();
	json_t *t = json_array();
	for (size_t i = 0; i < e->ntargets; i++)
		json_array_append_new(t, json_string(e->targets[i]));
	json_object_set_new(o, "name", json_string(e->lookup_key));
	json_object_set_new(o, "targets", t);
	json_object_set_new(o, "file", file ? json_string(file) : json_null());
	json_object_set_new(o, "line", json_integer(e->line));
	return o;
}

json_t *cli_json_plan(struct stage *s, const struct plan *p, const char *diff)
{
	json_t *o = json_object();
	json_t *ops = json_array();
	for (size_t i = 0; i < stage_count(s); i++) {
		struct strbuf desc = STRBUF_INIT;
		op_describe(stage_op(s, i), &desc);
		json_array_append_new(ops, json_string(sb_str(&desc)));
		sb_free(&desc);
	}
	json_object_set_new(o, "operations", ops);
	json_t *files = json_array();
	for (size_t i = 0; i < p->nfiles; i++)
		json_array_append_new(files, json_string(p->files[i]->path));
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "diff", json_string(diff));
	json_t *actions = json_array();
	for (size_t i = 0; i < p->nactions; i++) {
		json_t *a = json_object();
		json_object_set_new(a, "action", json_string(plan_action_name(p->actions[i].kind)));
		if (p->actions[i].path)
			json_object_set_new(a, "path", json_string(p->actions[i].path));
		if (p->actions[i].target)
			json_object_set_new(a, "target", json_string(p->actions[i].target));
		json_array_append_new(actions, a);
	}
	json_object_set_new(o, "actions", actions);
	json_t *notes = json_array();
	for (size_t i = 0; i < p->nnotes; i++)
		json_array_append_new(notes, json_string(p->notes[i]));
	json_object_set_new(o, "notes", notes);
	return o;
}

void cli_json_print(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

/* Byte for byte json_dumpf's JSON_INDENT(2) layout (jansson's do_dump:
 * an empty array or object closed on its line, keys in the object's own
 * order), without its per-call table of parents and callback per token:
 * 100,000 mailboxes spent more in json_dumps than in everything else. */
void cli_json_dump(struct strbuf *out, const json_t *j, int depth)
{
	char *real;
	switch (json_typeof(j)) {
	case JSON_NULL: sb_adds(out, "null"); break;
	case JSON_TRUE: sb_adds(out, "true"); break;
	case JSON_FALSE: sb_adds(out, "false"); break;
	case JSON_INTEGER: sb_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); break;
	case JSON_REAL:   /* a scalar: no layout; jansson's digits */
		real = json_dumps(j, JSON_ENCODE_ANY);
		sb_adds(out, real ? real : "null");
		free(real);
		break;
	case JSON_STRING: cli_json_string(out, json_string_value(j), json_string_length(j)); break;
	case JSON_ARRAY:
		sb_addc(out, '[');
		for (size_t i = 0; i < json_array_size(j); i++) {
			if (i)
				sb_addc(out, ',');
			cli_json_indent(out, depth + 1);
			cli_json_dump(out, json_array_get(j, i), depth + 1);
		}
		if (json_array_size(j))
			cli_json_indent(out, depth);
		sb_addc(out, ']');
		break;
	case JSON_OBJECT:
		sb_addc(out, '{');
		for (void *it = json_object_iter((json_t *)(uintptr_t)j); it;) {
			cli_json_indent(out, depth + 1);
			cli_json_string(out, json_object_iter_key(it), strlen(json_object_iter_key(it)));
			sb_adds(out, ": ");
			cli_json_dump(out, json_object_iter_value(it), depth + 1);
			it = json_object_iter_next((json_t *)(uintptr_t)j, it);
			if (it)
				sb_addc(out, ',');
		}
		if (json_object_size(j))
			cli_json_indent(out, depth);
		sb_addc(out, '}');
		break;
	}
}

static json_t *cli_json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *cli_json_trace_queries(const struct trace_result *r)
{
	json_t *queries = json_array();
	for (size_t i = 0; i < r->nqueries; i++) {
		const struct trace_query *q = &r->queries[i];
		json_t *x = json_object();
		json_object_set_new(x, "map", json_string(q->map));
		json_object_set_new(x, "key", json_string(q->key));
		json_object_set_new(x, "query", cli_json_str_or_null(q->query));
		json_object_set_new(x, "result", cli_json_str_or_null(q->result));
		json_object_set_new(x, "error", cli_json_str_or_null(q->error));
		json_array_append_new(queries, x);
	}
	return queries;
}
