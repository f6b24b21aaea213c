/* pgsql_table(5) maps as Postfix reads them (dict_pgsql.c, db_common.c,
 * cfg_parser.c), so that the tracer runs the very queries Postfix runs:
 * the same text, byte for byte, which a server's log_statement = all
 * shows. The key is lowercased (DICT_FLAG_FOLD_FIX); the "domain" match
 * list (names, /file/name, type:table, "!") restricts the keys; a key
 * without the parts a template needs skips the query; the hosts are tried
 * as dict_pgsql.c tries them (sockets, TCP, URIs, each group in random
 * order); each expanded value goes through PQescapeStringConn on the map's
 * connection (the escaping depends on the server's settings); the rows'
 * columns go through result_format and are joined with commas. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/pgtable.h"
#include "vmailadm/pqlib.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

/* db_common.c's template flags */
enum {
	KEY_DOMAIN = 1, KEY_USER = 2, VALUE_DOMAIN = 4, VALUE_USER = 8,
};

struct pgtable {
	char *path;
	char *hosts, *user, *password, *dbname, *encoding;
	char *query, *result_format;
	struct pgdom *domains;   /* the "domain" match list, in its order */
	size_t ndomains;
	bool has_domains;        /* "domain" set: only listed domains are asked */
	long expansion_limit;
	int flags;               /* KEY_* and VALUE_* of both templates */
	int nparts;              /* the highest %[1-9] */
	PGconn *conn;
	char *conn_error;        /* why no host answered (kept: not retried) */
	char *open_error;        /* its file could not be read or parsed: every
				  * lookup fails, as on Postfix's surrogate table
				  * (dict_surrogate), and the mail is deferred */
};

/* One pattern of the "domain" match list (match_list.c, string_list.h):
 * a name (folded), a type:table whose keys are the names, or a /file/name
 * that cannot be read (every lookup then fails, as Postfix's surrogate
 * table does); match false after an odd number of '!'. */
enum pgdom_kind { PGDOM_NAME, PGDOM_TABLE, PGDOM_NOFILE };
struct pgdom {
	enum pgdom_kind kind;
	bool match;
	char *pat;
	struct tableidx *idx;    /* a table read from its source, on first use */
	struct pgtable *pg;      /* a pgsql: table, on first use */
	char *error;             /* why the table cannot be asked (kept) */
};

/* ---- the .cf file (cfg_parser.c: main.cf syntax, the last one wins) ---- */

struct cfline {
	char *name, *value;
	unsigned line;
};

static void pgtable_cf_add(struct cfline **v, size_t *n, struct strbuf *logical, unsigned line)
{
	char *s = logical->buf ? logical->buf : "";
	char *eq = strchr(s, '=');
	char *name_end = eq ? eq : s;
	while (name_end > s && (name_end[-1] == ' ' || name_end[-1] == '\t'))
		name_end--;
	char *val = eq ? eq + 1 : s;
	while (*val == ' ' || *val == '\t')
		val++;
	size_t vl = strlen(val);
	while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\t' || val[vl - 1] == '\r'))
		vl--;
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].name = eq && name_end > s ? xstrndup(s, (size_t)(name_end - s)) : NULL;
	(*v)[*n].value = xstrndup(val, vl);
	(*v)[*n].line = line;
	(*n)++;
	sb_reset(logical);
}

/* The logical lines of path as Postfix's readlline() makes them: '#'
 * lines and blank lines skipped, a line that starts with white space
 * continuing the one before; fn gets each with the number of its first
 * line. -1 (errno set) when the file cannot be opened. */
typedef void pgtable_line_fn(void *ctx, struct strbuf *logical, unsigned line);
static int pgtable_read_lines(const char *path, pgtable_line_fn *fn, void *ctx)
{
	FILE *fp = fopen(path, "re");
	if (!fp)
		return -1;
	struct strbuf logical = STRBUF_INIT;
	char *buf = NULL;
	size_t cap = 0;
	unsigned lineno = 0, start = 0;
	ssize_t len;
	while ((len = getline(&buf, &cap, fp)) >= 0) {
		lineno++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		const char *p = buf + strspn(buf, " \t");
		if (*p == '#' || !*p)
			continue;
		if (p != buf && logical.len) {
			sb_addc(&logical, ' ');
			sb_adds(&logical, p);
			continue;
		}
		if (logical.len)
			fn(ctx, &logical, start);
		sb_reset(&logical);
		start = lineno;
		sb_adds(&logical, p);
	}
	if (logical.len)
		fn(ctx, &logical, start);
	free(buf);
	sb_free(&logical);
	fclose(fp);
	return 0;
}

struct cflines {
	struct cfline *v;
	size_t n;
};

static void pgtable_cf_line(void *ctx, struct strbuf *logical, unsigned line)
{
	struct cflines *c = ctx;
	pgtable_cf_add(&c->v, &c->n, logical, line);
}

/* The "name = value" lines of path (cfg_parser.c). */
static int pgtable_cf_read(const char *path, struct cfline **v, size_t *n, struct diags *d)
{
	struct cflines c = { NULL, 0 };
	if (pgtable_read_lines(path, pgtable_cf_line, &c) < 0) {
		diag_error(d, path, 0, _("cannot read the pgsql_table(5) file: %s"), strerror(errno));
		return -1;
	}
	*v = c.v;
	*n = c.n;
	return 0;
}

static const struct cfline *pgtable_cf_get(const struct cfline *v, size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (v[i].name && strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static char *pgtable_cf_str(const struct cfline *v, size_t n, const char *name, const char *def)
{
	const struct cfline *c = pgtable_cf_get(v, n, name);
	return c ? xstrdup(c->value) : def ? xstrdup(def) : NULL;
}

/* db_common_parse(): the flags of a template; -1 on a bad '%'. */
static int pgtable_parse_template(struct pgtable *t, const char *fmt, bool query)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		char c = *++p;
		if (c == '%' || c == 's' || c == 'S')
			continue;
		if (c == 'u')
			t->flags |= query ? KEY_USER : VALUE_USER;
		else if (c == 'd')
			t->flags |= query ? KEY_DOMAIN : VALUE_DOMAIN;
		else if (c == 'U')
			t->flags |= KEY_USER;
		else if (c == 'D' || (c >= '1' && c <= '9')) {
			if (c != 'D' && t->nparts < c - '0')
				t->nparts = c - '0';
			t->flags |= KEY_DOMAIN;
		} else
			return -1;
	}
	return 0;
}

/* No query: select_function, else the "old style" one of
 * db_common_sql_build_query(), its spacing included. */
static char *pgtable_legacy_query(const struct cfline *v, size_t n)
{
	const struct cfline *fn = pgtable_cf_get(v, n, "select_function");
	if (fn)
		return xasprintf("SELECT %s('%%s')", fn->value);
	const struct cfline *tb = pgtable_cf_get(v, n, "table");
	const struct cfline *sf = pgtable_cf_get(v, n, "select_field");
	const struct cfline *wf = pgtable_cf_get(v, n, "where_field");
	const struct cfline *ac = pgtable_cf_get(v, n, "additional_conditions");
	if (!tb || !sf || !wf)
		return NULL;
	return xasprintf("SELECT %s FROM %s WHERE %s='%%s' %s", sf->value, tb->value, wf->value,
			 ac ? ac->value : "");
}

/* ---- the "domain" match list (db_common_parse_domain, match_list_init) ---- */

static void pgtable_domain_add(struct pgtable *t, enum pgdom_kind kind, bool match, char *pat)
{
	t->domains = xreallocarray(t->domains, t->ndomains + 1, sizeof *t->domains);
	t->domains[t->ndomains++] = (struct pgdom){ .kind = kind, .match = match, .pat = pat };
}

struct pgdom_file {
	struct pgtable *t;
	bool match;
	int depth;
	const char *path;
	struct diags *d;
	int rc;
};

static void pgtable_domain_file_line(void *ctx, struct strbuf *logical, unsigned line)
{
	struct pgdom_file *f = ctx;
	if (f->rc == 0)
		f->rc = pgtable_domain_parse(f->t, logical->buf, f->match, f->depth, line, f->d);
}

/* The patterns of list appended to t->domains, each with match (negated
 * by its '!'s): a /file/name read in place, its lines with the same
 * polarity; a type:table kept for lookups; a name folded. */
int pgtable_domain_parse(struct pgtable *t, const char *list, bool match, int depth, unsigned line,
			 struct diags *d)
{
	char **items = maincf_split_list(list, NULL);
	int rc = 0;
	for (char **ip = items; *ip && rc == 0; ip++) {
		bool m = match;
		const char *it = *ip;
		for (; *it == '!'; it++)
			m = !m;
		if (!*it) {
			diag_error(d, t->path, line, _("domain: no pattern after '!'"));
			rc = -1;
		} else if (*it == '/' && depth >= 8) {
			diag_error(d, t->path, line, _("domain: %s: files include each other"), it);
			rc = -1;
		} else if (*it == '/') {
			struct pgdom_file f = { t, m, depth + 1, it, d, 0 };
			if (pgtable_read_lines(it, pgtable_domain_file_line, &f) < 0)
				pgtable_domain_add(t, PGDOM_NOFILE, m,
						   xasprintf(_("open file %s: %s"), it, strerror(errno)));
			rc = f.rc;
		} else if (it[0] != '[' && strchr(it, ':')) {
			pgtable_domain_add(t, PGDOM_TABLE, m, xstrdup(it));
		} else {
			char *name = xstrdup(it);
			for (char *p = name; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			pgtable_domain_add(t, PGDOM_NAME, m, name);
		}
	}
	maincf_list_free(items);
	return rc;
}

struct pgtable *pgtable_open(const char *path, struct diags *d)
{
	struct cfline *v = NULL;
	size_t n = 0;
	if (pgtable_cf_read(path, &v, &n, d) < 0)
		return NULL;
	struct pgtable *t = xcalloc(1, sizeof *t);
	t->path = xstrdup(path);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++)
		if (!v[i].name) {
			diag_error(d, path, v[i].line, _("not a \"name = value\" line"));
			ok = false;
		}
	t->hosts = pgtable_cf_str(v, n, "hosts", "");
	t->user = pgtable_cf_str(v, n, "user", "");
	t->password = pgtable_cf_str(v, n, "password", "");
	t->dbname = pgtable_cf_str(v, n, "dbname", "");
	/* Postfix 3.7 (Debian 12) forces LATIN1 and reads no "encoding";
	 * from 3.8 it reads it (UTF8 by default): one that is set is used */
	t->encoding = pgtable_cf_str(v, n, "encoding", "LATIN1");
	t->result_format = pgtable_cf_str(v, n, "result_format", "%s");
	const struct cfline *lim = pgtable_cf_get(v, n, "expansion_limit");
	t->expansion_limit = lim ? strtol(lim->value, NULL, 10) : 0;
	t->query = pgtable_cf_str(v, n, "query", NULL);
	if (!t->query)
		t->query = pgtable_legacy_query(v, n);
	if (ok && !t->query) {
		diag_error(d, path, 0, _("no query, and no table, select_field and where_field"));
		ok = false;
	}
	const struct cfline *q = pgtable_cf_get(v, n, "query");
	if (ok && (pgtable_parse_template(t, t->query, true) < 0 ||
		   pgtable_parse_template(t, t->result_format, false) < 0)) {
		diag_error(d, path, q ? q->line : 0, _("invalid '%%' in the query or result_format"));
		ok = false;
	}
	const struct cfline *dom = pgtable_cf_get(v, n, "domain");
	if (ok && dom && *dom->value) {
		t->has_domains = true;
		ok = pgtable_domain_parse(t, dom->value, true, 0, dom->line, d) == 0;
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	if (!ok)
		pgtable_free(&t);
	return t;
}

void pgtable_free(struct pgtable **tp)
{
	struct pgtable *t = *tp;
	if (!t)
		return;
	if (t->conn)
		PQfinish(t->conn);
	free(t->path);
	free(t->hosts);
	free(t->user);
	if (t->password)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
	free(t->dbname);
	free(t->encoding);
	free(t->query);
	free(t->result_format);
	for (size_t i = 0; i < t->ndomains; i++) {
		free(t->domains[i].pat);
		tableidx_free(&t->domains[i].idx);
		pgtable_free(&t->domains[i].pg);
		free(t->domains[i].error);
	}
	free(t->domains);
	free(t->conn_error);
	free(t->open_error);
	free(t);
	*tp = NULL;
}

/* ---- the connection (plpgsql_connect_single, host_init) ---- */

/* One host of "hosts": a URI as it is; "unix:/dir", "/dir", "inet:h:p",
 * "h:p" or "h" as libpq keywords. The application name tells this
 * program's statements from Postfix's in the server's log. */
static PGconn *pgtable_connect_host(const struct pgtable *t, const char *h)
{
	const char *kw[8], *val[8];
	size_t k = 0;
	char *host = NULL, *port = NULL;
	bool uri = strstr(h, "://") != NULL;
	if (uri) {
		kw[k] = "dbname", val[k++] = h;
	} else {
		if (strncmp(h, "unix:", 5) == 0 || strncmp(h, "inet:", 5) == 0)
			h += 5;
		host = xstrdup(h);
		char *colon = host[0] && host[0] != '/' ? strrchr(host, ':') : NULL;
		if (colon) {
			*colon = '\0';
			port = colon + 1;
		}
		if (*host)
			kw[k] = "host", val[k++] = host;
		if (port && *port)
			kw[k] = "port", val[k++] = port;
		if (*t->dbname)
			kw[k] = "dbname", val[k++] = t->dbname;
		if (*t->user)
			kw[k] = "user", val[k++] = t->user;
		if (*t->password)
			kw[k] = "password", val[k++] = t->password;
	}
	kw[k] = "fallback_application_name", val[k++] = "vmailadm-trace";
	kw[k] = NULL, val[k] = NULL;
	PGconn *c = PQconnectdbParams(kw, val, uri);
	free(host);
	return c;
}

/* dict_pgsql.c's host types, in the order it tries them. */
static int pgtable_host_type(const char *h)
{
	if (strncmp(h, "postgresql://", 13) == 0 || strncmp(h, "postgres://", 11) == 0)
		return 2;
	if (strncmp(h, "unix:", 5) == 0 || strncmp(h, "inet:", 5) == 0)
		h += 5;
	return h[0] && h[0] != '/' ? 1 : 0;
}

char **pgtable_host_order(const char *hosts)
{
	size_t n = 0;
	char **v = maincf_split_list(*hosts ? hosts : "localhost", &n);
	char **out = xcalloc(n + 1, sizeof *out);
	size_t k = 0;
	/* dict_pgsql_find_host: among the untried hosts of the first type
	 * that has any, one drawn at random; then again. */
	for (int type = 0; type < 3; type++) {
		size_t first = k;
		for (size_t i = 0; i < n; i++)
			if (v[i] && pgtable_host_type(v[i]) == type) {
				out[k++] = v[i];
				v[i] = NULL;
			}
		for (size_t i = k - first; i > 1; i--) {   /* Fisher-Yates */
			size_t j = arc4random_uniform((uint32_t)i);
			char *x = out[first + i - 1];
			out[first + i - 1] = out[first + j];
			out[first + j] = x;
		}
	}
	free(v);   /* its strings are out's now */
	return out;
}

static int pgtable_connect(struct pgtable *t, char **error)
{
	if (t->conn)
		return 0;
	if (t->conn_error) {
		*error = xstrdup(t->conn_error);
		return -1;
	}
	struct diags d = DIAGS_INIT;
	if (pqlib_load(&d) < 0) {
		t->conn_error = xstrdup(d.n ? d.v[0].msg : "libpq");
		diags_free(&d);
		*error = xstrdup(t->conn_error);
		return -1;
	}
	diags_free(&d);
	char **hosts = pgtable_host_order(t->hosts);
	struct strbuf why = STRBUF_INIT;
	for (char **h = hosts; *h && !t->conn; h++) {
		PGconn *c = pgtable_connect_host(t, *h);
		if (c && PQstatus(c) == CONNECTION_OK && PQsetClientEncoding(c, t->encoding) == 0) {
			t->conn = c;
			break;
		}
		const char *msg = c ? PQerrorMessage(c) : "out of memory";
		size_t ml = strcspn(msg, "\n");
		sb_addf(&why, "%s%s: %.*s", why.len ? "; " : "", *h, (int)ml, msg);
		if (c)
			PQfinish(c);
	}
	maincf_list_free(hosts);
	if (!t->conn) {
		t->conn_error = xasprintf(_("%s: no database server answered: %s"), t->path, sb_str(&why));
		*error = xstrdup(t->conn_error);
	}
	sb_free(&why);
	return t->conn ? 0 : -1;
}

/* ---- expansion (db_common_expand) ---- */

static void pgtable_quote(PGconn *c, const char *s, size_t n, struct strbuf *out)
{
	if (!c) {
		sb_add(out, s, n);
		return;
	}
	char *buf = xmalloc(2 * n + 1);
	int err = 0;
	size_t len = PQescapeStringConn(c, buf, s, n, &err);
	sb_add(out, buf, len);
	free(buf);
}

/* fmt expanded with value (and, for a result, the lookup key); false
 * when the value lacks a part the template needs (the query or result
 * is skipped). Appends to out after a comma when out is not empty. c:
 * the connection whose quoting applies, or NULL (no quoting). */
static bool pgtable_expand(const struct pgtable *t, PGconn *c, const char *fmt, const char *value,
			   const char *key, struct strbuf *out)
{
	if (!*value)
		return false;
	int need_dom = key ? VALUE_DOMAIN : KEY_DOMAIN, need_user = key ? VALUE_USER : KEY_USER;
	const char *at = (t->flags & (need_dom | need_user)) ? strrchr(value, '@') : NULL;
	const char *vdom = at ? at + 1 : NULL;
	if (((!vdom || !*vdom) && (t->flags & need_dom)) || (vdom == value + 1 && (t->flags & need_user)))
		return false;
	const char *kat = key && (t->flags & (KEY_DOMAIN | KEY_USER)) ? strrchr(key, '@') : NULL;
	const char *kdom = kat ? kat + 1 : NULL;
	/* argv_split(domain, "."): the labels, empty ones dropped */
	const char *labels[64];
	size_t nl = 0;
	const char *pdom = key ? kdom : vdom;
	if (t->nparts > 0) {
		for (const char *p = pdom ? pdom : ""; *p && nl < 64;) {
			size_t l = strcspn(p, ".");
			if (l)
				labels[nl++] = p;
			p += l + (p[l] == '.');
		}
		if ((int)nl < t->nparts)
			return false;
	}
	if (out->len)
		sb_addc(out, ',');
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			sb_addc(out, *p);
			continue;
		}
		char f = *++p;
		const char *src = key && (f == 'S' || f == 'U' || f == 'D') ? key : value;
		const char *sat = src == key ? kat : at;
		if (f == '%')
			sb_addc(out, '%');
		else if (f == 's' || f == 'S')
			pgtable_quote(c, src, strlen(src), out);
		else if (f == 'u' || f == 'U')
			pgtable_quote(c, src, sat ? (size_t)(sat - src) : strlen(src), out);
		else if (f == 'd' || f == 'D')
			pgtable_quote(c, sat ? sat + 1 : "", sat ? strlen(sat + 1) : 0, out);
		else if (f >= '1' && f <= '9') {
			const char *l = labels[nl - (size_t)(f - '0')];
			pgtable_quote(c, l, strcspn(l, "."), out);
		}
	}
	return true;
}

/* Is domain (folded) a key of the pattern's table? 1, 0, or -1 with
 * *error when the table cannot be asked (kept: not retried). pgsql:
 * tables are asked as this file's maps are; tables with a source are
 * read from it, as the tracer reads them, their keys folded as postmap
 * folds them (a texthash: key written with capitals, which Postfix keeps
 * as written there, is the one difference). */
static int pgtable_domain_table(struct pgdom *p, const char *domain, char **error)
{
	static int nesting;   /* a pgsql: list naming itself */
	const char *spec = strncmp(p->pat, "proxy:", 6) == 0 ? p->pat + 6 : p->pat;
	bool pgsql = strncmp(spec, "pgsql:", 6) == 0;
	struct diags d = DIAGS_INIT;
	if (!p->error && pgsql && !p->pg && !(p->pg = pgtable_open(spec + 6, &d)))
		p->error = xasprintf("%s: %s", p->pat, d.n ? d.v[0].msg : "?");
	if (!p->error && !pgsql && !p->idx) {
		struct table_ref ref;
		struct doc *inl = NULL;
		if (table_ref_parse(spec, &ref) && ref.path && ref.syntax == TABLE_INDEXED)
			tableidx_open(ref.path, TABLE_INDEXED, false, &p->idx, &d);
		else if (strncmp(spec, "inline:", 7) == 0 && (inl = table_inline_doc(spec)) != NULL) {
			struct strbuf text = STRBUF_INIT;
			doc_render(inl, &text);
			p->idx = tableidx_from_mem(spec, sb_str(&text), text.len, TABLE_INDEXED, &d);
			sb_free(&text);
		}
		if (!p->idx)
			p->error = d.n ? xasprintf("%s: %s", p->pat, d.v[0].msg)
				       : xasprintf(_("%s: vmailadm cannot look a domain up in this "
						     "type of table"), p->pat);
		doc_free(&inl);
		table_ref_free(&ref);
	}
	diags_free(&d);
	if (p->error) {
		*error = xstrdup(p->error);
		return -1;
	}
	if (!pgsql) {
		unsigned line;
		return tableidx_lookup(p->idx, domain, &line, NULL, NULL);
	}
	if (nesting > 8) {
		*error = xasprintf(_("%s: its domain list asks itself"), p->pat);
		return -1;
	}
	char *q = NULL, *v = NULL;
	nesting++;
	enum pgtable_rc rc = pgtable_lookup(p->pg, domain, &q, &v, error);
	nesting--;
	free(q);
	free(v);
	return rc == PGTABLE_ERROR ? -1 : rc == PGTABLE_FOUND;
}

/* db_common_check_domain(): with a domain list, only user@domain keys
 * with a non-empty local part whose domain the list matches are asked.
 * The patterns are tried in order, the first that matches decides (a
 * "!pattern" excludes); 1, 0, or -1 with *error when a table of the list
 * cannot be asked (Postfix: the lookup fails). */
static int pgtable_domain_ok(struct pgtable *t, const char *key, char **error)
{
	if (!t->has_domains)
		return 1;
	const char *at = strrchr(key, '@');
	if (!at || at == key)
		return 0;
	for (size_t i = 0; i < t->ndomains; i++) {
		struct pgdom *p = &t->domains[i];
		int hit = 0;
		if (p->kind == PGDOM_NAME) {
			hit = strcmp(p->pat, at + 1) == 0;
		} else if (p->kind == PGDOM_NOFILE) {
			*error = xasprintf("%s: %s", t->path, p->pat);
			return -1;
		} else if ((hit = pgtable_domain_table(p, at + 1, error)) < 0) {
			return -1;
		}
		if (hit)
			return p->match;
	}
	return 0;
}

/* The rows of r through result_format, joined with commas. */
static enum pgtable_rc pgtable_rows(const struct pgtable *t, PGresult *r, const char *key,
				    char **value, char **error)
{
	struct strbuf out = STRBUF_INIT;
	long expansions = 0;
	int rows = PQntuples(r), cols = PQnfields(r);
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < cols; j++) {
			if (!pgtable_expand(t, NULL, t->result_format, PQgetvalue(r, i, j), key, &out))
				continue;
			if (t->expansion_limit > 0 && ++expansions > t->expansion_limit) {
				*error = xasprintf(_("%s: expansion limit exceeded for key '%s'"), t->path,
						   key);
				sb_free(&out);
				return PGTABLE_ERROR;
			}
		}
	if (!out.len)
		return PGTABLE_NOTFOUND;
	*value = sb_detach(&out);
	return PGTABLE_FOUND;
}

enum pgtable_rc pgtable_lookup(struct pgtable *t, const char *key, char **query, char **value,
			       char **error)
{
	*query = *value = *error = NULL;
	if (t->open_error) {
		*error = xstrdup(t->open_error);
		return PGTABLE_ERROR;
	}
	char *name = xstrdup(key);
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	enum pgtable_rc rc = PGTABLE_SKIPPED;
	struct strbuf q = STRBUF_INIT;
	int listed = pgtable_domain_ok(t, name, error);
	if (listed < 0)
		rc = PGTABLE_ERROR;
	if (listed > 0 && pgtable_expand(t, NULL, t->query, name, NULL, &q)) {
		sb_reset(&q);
		rc = PGTABLE_ERROR;
		if (pgtable_connect(t, error) == 0) {
			pgtable_expand(t, t->conn, t->query, name, NULL, &q);
			*query = xstrdup(sb_str(&q));
			PGresult *r = PQexec(t->conn, *query);
			if (PQresultStatus(r) == PGRES_TUPLES_OK) {
				rc = pgtable_rows(t, r, name, value, error);
			} else {
				const char *msg = PQresultErrorMessage(r);
				*error = xasprintf("%s: %.*s", t->path, (int)strcspn(msg, "\n"), msg);
			}
			PQclear(r);
		}
	}
	sb_free(&q);
	free(name);
	return rc;
}

/* ---- the tracer's reader ---- */

/* "pgsql:/path" (proxymap's prefix already taken off by the tracer). */
static void *pgtable_ext_open(const char *spec, struct diags *d)
{
	if (strncmp(spec, "pgsql:", 6) != 0)
		return NULL;
	size_t before = d->n;
	struct pgtable *t = pgtable_open(spec + 6, d);
	if (!t) {   /* said in d; its lookups fail as Postfix's do */
		t = xcalloc(1, sizeof *t);
		t->path = xstrdup(spec + 6);
		t->open_error = d->n > before ? diag_format(&d->v[before]) : xstrdup(spec);
	}
	return t;
}

static int pgtable_ext_lookup(void *map, const char *key, char **query, char **value, char **error)
{
	static const int rcs[] = { [PGTABLE_SKIPPED] = TRACE_EXT_SKIPPED,
				   [PGTABLE_NOTFOUND] = TRACE_EXT_NOTFOUND,
				   [PGTABLE_FOUND] = TRACE_EXT_FOUND, [PGTABLE_ERROR] = TRACE_EXT_ERROR };
	return rcs[pgtable_lookup(map, key, query, value, error)];
}

static void pgtable_ext_close(void *map)
{
	struct pgtable *t = map;
	pgtable_free(&t);
}

const struct trace_extmap_ops pgtable_trace_ops = {
	"pgsql", pgtable_ext_open, pgtable_ext_lookup, pgtable_ext_close,
};

bool pgtable_maincf_uses_pgsql(const char *path)
{
	struct maincf *mc = NULL;
	struct diags d = DIAGS_INIT;
	bool uses = false;
	struct doc *doc = NULL;
	if (doc_load(path, false, &doc, &d) == 0) {
		mc = maincf_parse(doc, &d);
		static const char *const params[] = { "virtual_alias_maps", "virtual_mailbox_maps",
						      "virtual_mailbox_domains", "virtual_alias_domains",
						      "mydestination", NULL };
		for (size_t i = 0; params[i] && !uses; i++) {
			char *v = maincf_get(mc, params[i]);
			uses = strstr(v, "pgsql:") != NULL;
			free(v);
		}
	}
	maincf_free(&mc);
	diags_free(&d);
	return uses;
}
