/* The recipient tracer: Postfix's own resolution replayed on the table
 * sources (cleanup_map1n.c, mail_addr_find.c, mail_addr_map.c, resolve.c,
 * virtual(8), local(8)); see trace.h. The tracer owns its compiled patterns
 * and copies of main.cf values; a result owns every string in it. */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"
#include "vmailadm/aliases.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/tableidx.h"
#include "vmailadm/xalloc.h"

const char *trace_kind_name(enum trace_kind k)
{
	static const char *const names[] = { "maildir", "mbox", "remote", "local", "reject", "defer" };
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

const char *trace_kind_label(enum trace_kind k)
{
	/* the stable names as msgids: English text stays as it was */
	static const char *const labels[] = { N_("maildir"), N_("mbox"), N_("remote"),
					      N_("local"), N_("reject"), N_("defer") };
	return (unsigned)k < sizeof labels / sizeof labels[0] ? _(labels[k]) : "?";
}

void trace_query_text(const struct trace_query *q, struct strbuf *out)
{
	if (q->error)
		sb_addf(out, _("query %s: error: %s"), q->query ? q->query : q->key, q->error);
	else if (!q->query)
		sb_addf(out, _("query skipped (key %s)"), q->key);
	else if (q->result)
		sb_addf(out, _("query %s → %s"), q->query, q->result);
	else
		sb_addf(out, _("query %s → no row"), q->query);
}

char *trace_fold(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

/* ---- address forms (quote_822_local.c, trivial-rewrite's rewrite.c) ---- */

/* unquote_822_local(): the internal form, quotes and backslashes gone
 * before the last unquoted '@'. */
char *trace_unquote(const char *a)
{
	struct strbuf sb = STRBUF_INIT;
	bool inq = false;
	long at = -1;
	const char *at_src = NULL;
	for (const char *p = a; *p; p++) {
		if (*p == '"') {
			inq = !inq;
			continue;
		}
		if (*p == '@' && !inq) {
			at = (long)sb.len;
			at_src = p;
		} else if (*p == '\\') {
			if (!p[1])
				continue;
			p++;
		}
		sb_addc(&sb, *p);
	}
	if (at >= 0) {
		sb.buf[at] = '\0';
		sb.len = (size_t)at;
		sb_adds(&sb, at_src);
	}
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

/* is_822_dot_string(): atoms separated by single dots (8-bit allowed). */
static bool dot_string(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c == '.' && i + 1 < n && s[i + 1] == '.') || c == ' ' || c < 32 || c == 127 ||
		    strchr("()<>@,;:\\\"[]", c))
			return false;
	}
	return true;
}

/* quote_822_local(): an internal address as tables are asked, its local
 * part quoted only when it is no dot-string. */
static char *addr_quote(const char *a)
{
	const char *at = strrchr(a, '@');
	size_t n = at ? (size_t)(at - a) : strlen(a);
	if (dot_string(a, n))
		return xstrdup(a);
	struct strbuf sb = STRBUF_INIT;
	sb_addc(&sb, '"');
	for (size_t i = 0; i < n; i++) {
		if (a[i] == '"' || a[i] == '\\' || a[i] == '\r')
			sb_addc(&sb, '\\');
		sb_addc(&sb, a[i]);
	}
	sb_addc(&sb, '"');
	sb_adds(&sb, a + n);
	return sb_detach(&sb);
}

char *trace_rewrite(const struct tracer *t, const char *addr)
{
	char *in = trace_unquote(addr);
	size_t n = strlen(in);
	char *at = strrchr(in, '@');
	/* rewrite.c: a trailing dot goes, but not from "..", nor "@." */
	if (at && n > 1 && in[n - 1] == '.' && in[n - 2] != '.' && in[n - 2] != '@')
		in[n - 1] = '\0';
	char *pct = !at && t->percent_hack ? strrchr(in, '%') : NULL;
	if (pct) {
		*pct = '@';   /* rewrite.c: user%domain is user@domain */
	} else if (!at) {
		char *q = xasprintf("%s@%s", in, t->myorigin);
		free(in);
		in = q;
	}
	char *out = addr_quote(in);
	free(in);
	return out;
}

/* ---- preparing ---- */

static bool ref_matches(const struct table_ref *a, const struct table_ref *b)
{
	if (a->path && b->path)
		return strcmp(a->path, b->path) == 0;
	return strcmp(a->spec, b->spec) == 0;
}

/* A map the tracer queries: ref and table set; compiles its patterns. */
static struct tmap *map_add(struct tracer *t, struct tmap *m)
{
	m->spec = m->ref->spec;
	m->file = m->ref->path ? m->ref->path : t->maincf;
	m->pattern = m->table && table_syntax(m->table) == TABLE_REGEXP;
	if (m->pattern)
		trace_pattern_compile(t, m);
	t->maps = xreallocarray(t->maps, t->nmaps + 1, sizeof *t->maps);
	t->maps[t->nmaps++] = m;
	return m;
}

/* ---- database maps (pgsql:), through the reader the db layer sets ---- */

static const struct trace_extmap_ops *extmaps;

void trace_set_extmaps(const struct trace_extmap_ops *ops)
{
	extmaps = ops;
}

/* proxymap asks the same map, with the same query: look through it. */
static const char *ext_inner(const char *spec)
{
	return strncmp(spec, "proxy:", 6) == 0 ? spec + 6 : spec;
}

struct tmap *trace_ext_map(struct tracer *t, const char *spec)
{
	if (!extmaps)
		return NULL;
	for (size_t i = 0; i < t->nextra; i++)
		if (t->extra[i]->ext_spec && strcmp(t->extra[i]->ext_spec, spec) == 0)
			return t->extra[i];
	void *h = extmaps->open(ext_inner(spec), &t->warn);
	if (!h)
		return NULL;
	struct tmap *x = xcalloc(1, sizeof *x);
	x->ext = h;
	x->ext_spec = xstrdup(spec);
	x->owner = t;
	x->spec = x->ext_spec;
	const char *colon = strchr(ext_inner(x->ext_spec), ':');
	x->file = colon ? colon + 1 : x->ext_spec;
	t->extra = xreallocarray(t->extra, t->nextra + 1, sizeof *t->extra);
	t->extra[t->nextra++] = x;
	t->has_ext = true;
	return x;
}

int trace_ext_lookup(const struct tmap *m, const char *key, char **value)
{
	char *query = NULL, *error = NULL;
	*value = NULL;
	int rc = extmaps->lookup(m->ext, key, &query, value, &error);
	struct trace_result *r = m->owner->cur;
	if (r) {
		r->queries = xreallocarray(r->queries, r->nqueries + 1, sizeof *r->queries);
		struct trace_query *q = &r->queries[r->nqueries++];
		q->map = xstrdup(m->file);
		q->key = xstrdup(key);
		q->query = query;
		q->result = rc == TRACE_EXT_FOUND ? xstrdup(*value) : NULL;
		q->error = error;
		if (error && !m->owner->failed_map) {
			/* Postfix defers on a lookup error; the trace goes on as if
			 * the map had no answer, says so, and ends deferred */
			m->owner->failed_map = m->file;
			STEP(m->owner, r, "warning", 0, key, m->file, 0,
			     _("the database did not answer: Postfix defers the mail (4.3.0 temporary lookup failure); what follows assumes no answer"));
		}
	} else {
		free(query);
		free(error);
	}
	return rc;
}

/* load_maps_read: a map type the tracer's database reader reads (no
 * warning; its domain-list items are passed on). */
static bool ext_known(const char *spec)
{
	if (!extmaps)
		return false;
	const char *in = ext_inner(spec);
	size_t n = strlen(extmaps->type);
	return strncmp(in, extmaps->type, n) == 0 && in[n] == ':';
}

/* The maps of an address-map parameter, in main.cf order. */
static struct tmap **param_maps(struct tracer *t, const char *param, size_t *n, unsigned *line)
{
	*line = 0;
	maincf_raw(t->mc, param, line);
	char *value = maincf_get(t->mc, param);
	char *qdir = maincf_get(t->mc, "queue_directory");
	size_t cnt;
	char **items = maincf_split_list(value, &cnt);
	struct tmap **v = xcalloc(cnt + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < cnt; i++) {
		struct table_ref ref;
		memset(&ref, 0, sizeof ref);
		table_ref_parse(items[i], &ref);
		load_ref_resolve(&ref, qdir);
		struct tmap *m = NULL;
		if (strncmp(items[i], "static:", 7) == 0) {
			t->extra = xreallocarray(t->extra, t->nextra + 1, sizeof *t->extra);
			struct tmap *x = xcalloc(1, sizeof *x);
			t->extra[t->nextra++] = x;
			const char *val = items[i] + 7;
			size_t vl = strlen(val);
			if (vl >= 2 && val[0] == '{' && val[vl - 1] == '}')
				x->static_value = xstrndup(val + 1, vl - 2);
			else
				x->static_value = xstrdup(val);
			x->spec = NULL;
			x->file = t->maincf;
			m = x;
		} else {
			for (size_t k = 0; k < t->nmaps; k++)
				if (ref_matches(t->maps[k]->ref, &ref)) {
					m = t->maps[k];
					break;
				}
			if (!m && ext_known(items[i]))
				m = trace_ext_map(t, items[i]);
		}
		table_ref_free(&ref);
		if (m)
			v[(*n)++] = m;
	}
	maincf_list_free(items);
	free(qdir);
	free(value);
	return v;
}

/* allow_mail_to_commands/files as EXP_* bits. */
static unsigned exp_mask(const struct maincf *mc, const char *param)
{
	char *v = maincf_get(mc, param);
	char **items = maincf_split_list(v, NULL);
	unsigned m = 0;
	for (char **p = items; *p; p++)
		m |= strcasecmp(*p, "alias") == 0 ? EXP_ALIAS : strcasecmp(*p, "forward") == 0 ? EXP_FORWARD
			: strcasecmp(*p, "include") == 0 ? EXP_INCLUDE : 0;
	maincf_list_free(items);
	free(v);
	return m;
}

/* The addresses of inet_interfaces and proxy_interfaces ("all": every
 * interface's, "loopback-only": the loopback ones), for resolve_local()'s
 * "[address]" literals; filtered by inet_protocols. */
static void local_interfaces(struct tracer *t)
{
	char *protos = maincf_get(t->mc, "inet_protocols");
	bool v4 = true, v6 = true;
	if (strcasecmp(protos, "all") != 0) {
		v4 = strstr(protos, "ipv4") != NULL;
		v6 = strstr(protos, "ipv6") != NULL;
	}
	free(protos);
	static const char *const params[] = { "inet_interfaces", "proxy_interfaces" };
	for (size_t k = 0; k < 2; k++) {
		char *v = maincf_get(t->mc, params[k]);
		char **items = maincf_split_list(v, NULL);
		for (char **p = items; *p; p++) {
			bool all = strcasecmp(*p, "all") == 0, lo = strcasecmp(*p, "loopback-only") == 0;
			if (!all && !lo) {
				t->ifaddrs = xreallocarray(t->ifaddrs, t->nifaddrs + 1, sizeof *t->ifaddrs);
				t->ifaddrs[t->nifaddrs++] = trace_fold(*p);
				continue;
			}
			struct ifaddrs *ifa = NULL;
			if (getifaddrs(&ifa) != 0)
				continue;
			for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
				if (!i->ifa_addr || (lo && !(i->ifa_flags & IFF_LOOPBACK)))
					continue;
				int fam = i->ifa_addr->sa_family;
				char buf[INET6_ADDRSTRLEN + 8];
				if (fam == AF_INET && v4) {
					inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
						  buf, sizeof buf);
				} else if (fam == AF_INET6 && v6) {
					memcpy(buf, "ipv6:", 5);
					inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
						  buf + 5, sizeof buf - 5);
				} else {
					continue;
				}
				t->ifaddrs = xreallocarray(t->ifaddrs, t->nifaddrs + 1, sizeof *t->ifaddrs);
				t->ifaddrs[t->nifaddrs++] = xstrdup(buf);
			}
			freeifaddrs(ifa);
		}
		maincf_list_free(items);
		free(v);
	}
}

bool trace_local_literal(const struct tracer *t, const char *domain)
{
	size_t n = strlen(domain);
	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']')
		return false;
	for (size_t i = 0; i < t->nifaddrs; i++)
		if (strlen(t->ifaddrs[i]) == n - 2 && strncasecmp(t->ifaddrs[i], domain + 1, n - 2) == 0)
			return true;
	return false;
}

/* The settings, from main.cf; t->mc, t->maincf and t->maps are set. */
static void prepare(struct tracer *t, struct diags *d)
{
	const struct maincf *mc = t->mc;
	t->steps = true;
	t->amaps = param_maps(t, "virtual_alias_maps", &t->namaps, &t->amaps_line);
	t->mmaps = param_maps(t, "virtual_mailbox_maps", &t->nmmaps, &t->mmaps_line);
	t->delims = maincf_get(mc, "recipient_delimiter");
	char *prop = maincf_get(mc, "propagate_unmatched_extensions");
	char **items = maincf_split_list(prop, NULL);
	for (char **p = items; *p; p++)
		if (strcasecmp(*p, "virtual") == 0)
			t->propagate = true;
	maincf_list_free(items);
	free(prop);
	t->recursion = maincf_get_long(mc, "virtual_alias_recursion_limit", 1000);
	t->expansion = maincf_get_long(mc, "virtual_alias_expansion_limit", 1000);
	t->addrlen = maincf_get_long(mc, "virtual_alias_address_length_limit", 1000);
	char *origin = maincf_get(mc, "myorigin");
	if (origin[0] == '/') {
		/* Debian: a file name means the file's first line (/etc/mailname) */
		FILE *fp = fopen(origin, "r");
		char buf[256] = "";
		if (fp) {
			if (!fgets(buf, sizeof buf, fp))
				buf[0] = '\0';
			fclose(fp);
		}
		buf[strcspn(buf, " \t\r\n")] = '\0';
		free(origin);
		origin = buf[0] ? xstrdup(buf) : maincf_get(mc, "myhostname");
	}
	t->myorigin = trace_fold(origin);
	free(origin);
	char *relay = maincf_get(mc, "relay_domains");
	char **ritems = maincf_split_list(relay, &t->nrelay);
	t->relay = xcalloc(t->nrelay + 1, sizeof *t->relay);
	for (size_t i = 0; i < t->nrelay; i++)
		t->relay[i] = trace_fold(ritems[i]);
	maincf_list_free(ritems);
	free(relay);
	char *amu = maincf_get(mc, "allow_min_user");
	t->allow_min_user = strcasecmp(amu, "yes") == 0;
	free(amu);
	char *aph = maincf_get(mc, "allow_percent_hack");
	t->percent_hack = strcasecmp(aph, "no") != 0;
	free(aph);
	t->cmd_mask = exp_mask(mc, "allow_mail_to_commands");
	t->file_mask = exp_mask(mc, "allow_mail_to_files");
	local_interfaces(t);
	t->min_uid = maincf_get_long(mc, "virtual_minimum_uid", 100);
	t->static_uid = -1;
	char *uid = maincf_get(mc, "virtual_uid_maps");
	maincf_raw(mc, "virtual_uid_maps", &t->uid_line);
	if (strncmp(uid, "static:", 7) == 0) {
		char *end;
		long v = strtol(uid + 7, &end, 10);
		if (end != uid + 7 && !*end)
			t->static_uid = v;
	}
	free(uid);
	if (d)
		for (size_t i = 0; i < t->warn.n; i++)
			diag_add(d, t->warn.v[i].level, t->warn.v[i].file, t->warn.v[i].line, "%s",
				 t->warn.v[i].msg);
}

/* A tracer map for a map the model read (idx: its tableidx, or NULL). */
static void add_map(struct tracer *t, const struct world_map *wm, struct tableidx *idx)
{
	struct tmap *m = xcalloc(1, sizeof *m);
	m->ref = &wm->ref;
	m->roles = wm->roles;
	m->table = wm->table;
	m->idx = idx;
	map_add(t, m);
}

struct tracer *trace_create(const struct world *w, struct diags *d)
{
	struct tracer *t = xcalloc(1, sizeof *t);
	t->w = w;
	t->mc = world_maincf(w);
	t->maincf = world_maincf_path(w);
	t->aliases = world_system_aliases(w);
	t->base = world_mailbox_base(w);
	/* every map now, so that pattern warnings come out once */
	for (size_t i = 0; i < world_map_count(w); i++)
		add_map(t, world_map(w, i), NULL);
	prepare(t, d);
	return t;
}

/* ---- trace_open: the files resolution needs, without a world ---- */

/* One item of a domain-class parameter, kept as an item: a table is asked
 * about a domain when a trace needs it. */
static void open_domain_item(void *ctx, const char *it, struct world_map *m,
			     enum domain_class cls, unsigned line)
{
	struct tracer *t = ctx;
	struct tmap *ext = NULL;
	if (!m && ext_known(it) && !(ext = trace_ext_map(t, it)))
		return;
	struct ditem di = { cls, xstrdup(it), m || ext ? NULL : trace_fold(it), ext, m, line };
	t->ditems = xreallocarray(t->ditems, t->nditems + 1, sizeof *t->ditems);
	t->ditems[t->nditems++] = di;
}

struct tracer *trace_open(const struct config *cfg, struct diags *d)
{
	struct tracer *t = xcalloc(1, sizeof *t);
	if (!load_maincf(cfg, NULL, &t->own_maincf, &t->own_mc, &t->own_base, d)) {
		trace_free(&t);
		return NULL;
	}
	t->maincf = t->own_maincf;
	t->mc = t->own_mc;
	t->base = t->own_base;
	/* the world's maps, with indexed tables and lists through tableidx */
	t->own_maps.use_index = true;
	t->own_maps.maincf = t->maincf;
	t->own_maps.external = ext_known;
	load_maps_read(&t->own_maps, t->mc, open_domain_item, t, d);
	for (size_t i = 0; i < t->own_maps.n; i++)
		add_map(t, t->own_maps.v[i], load_maps_idx(&t->own_maps, i));
	for (size_t k = 0; k < t->nditems; k++)
		for (size_t i = 0; t->ditems[k].wm && i < t->own_maps.n; i++)
			if (t->own_maps.v[i] == t->ditems[k].wm)
				t->ditems[k].map = t->maps[i];
	t->dclasses = strmap_create(64);
	t->own_aliases = load_sysaliases(cfg, NULL, d);
	t->aliases = t->own_aliases;
	prepare(t, d);
	return t;
}

void trace_set_steps(struct tracer *t, bool on)
{
	t->steps = on;
}

const struct diags *trace_warnings(const struct tracer *t)
{
	return &t->warn;
}

void trace_free(struct tracer **tp)
{
	struct tracer *t = *tp;
	if (!t)
		return;
	for (size_t i = 0; i < t->nmaps; i++) {
		struct tmap *m = t->maps[i];
		trace_pattern_free(m);
		free(m);
	}
	free(t->maps);
	load_maps_free(&t->own_maps);
	for (size_t i = 0; i < t->nditems; i++) {
		free(t->ditems[i].via);
		free(t->ditems[i].name);
	}
	free(t->ditems);
	strmap_free(&t->dclasses);
	arena_free(&t->pool);
	maincf_free(&t->own_mc);
	free(t->own_maincf);
	free(t->own_base);
	aliases_free(&t->own_aliases);
	for (size_t i = 0; i < t->nextra; i++) {
		free(t->extra[i]->static_value);
		if (t->extra[i]->ext)
			extmaps->close(t->extra[i]->ext);
		free(t->extra[i]->ext_spec);
		free(t->extra[i]);
	}
	free(t->extra);
	free(t->amaps);
	free(t->mmaps);
	free(t->delims);
	free(t->myorigin);
	for (size_t i = 0; i < t->nifaddrs; i++)
		free(t->ifaddrs[i]);
	free(t->ifaddrs);
	for (size_t i = 0; i < t->nrelay; i++)
		free(t->relay[i]);
	free(t->relay);
	diags_free(&t->warn);
	free(t);
	*tp = NULL;
}

/* ---- results ---- */

void trace_add_step(struct trace_result *r, const char *what, unsigned depth, const char *addr,
		    const char *file, unsigned line, const char *fmt, ...)
{
	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof *r->steps);
	struct trace_step *s = &r->steps[r->nsteps++];
	s->what = what;
	s->depth = depth;
	s->address = xstrdup(addr ? addr : "");
	s->file = file ? xstrdup(file) : NULL;
	s->line = line;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	s->text = sb_detach(&sb);
	if (!s->text)
		s->text = xstrdup("");
}

struct trace_dest *trace_add_dest(struct trace_result *r, const char *addr, enum trace_kind kind,
				  const char *file, unsigned line)
{
	r->dests = xreallocarray(r->dests, r->ndests + 1, sizeof *r->dests);
	struct trace_dest *d = &r->dests[r->ndests++];
	memset(d, 0, sizeof *d);
	d->address = xstrdup(addr);
	d->kind = kind;
	d->file = file ? xstrdup(file) : NULL;
	d->line = line;
	if (kind == TRACE_REJECT)
		r->rejected = true;
	if (kind == TRACE_DEFER)
		r->deferred = true;
	return d;
}

static void dests_free(struct trace_result *r)
{
	for (size_t i = 0; i < r->ndests; i++) {
		free(r->dests[i].address);
		free(r->dests[i].path);
		free(r->dests[i].reason);
		free(r->dests[i].detail);
		free(r->dests[i].file);
	}
	r->ndests = 0;
}

void trace_result_free(struct trace_result *r)
{
	free(r->address);
	dests_free(r);
	free(r->dests);
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].address);
		free(r->steps[i].text);
		free(r->steps[i].file);
	}
	free(r->steps);
	for (size_t i = 0; i < r->nqueries; i++) {
		free(r->queries[i].map);
		free(r->queries[i].key);
		free(r->queries[i].query);
		free(r->queries[i].result);
		free(r->queries[i].error);
	}
	free(r->queries);
	memset(r, 0, sizeof *r);
}

void trace_address(struct tracer *t, const char *address, struct trace_result *out)
{
	memset(out, 0, sizeof *out);
	out->address = xstrdup(address);
	t->cur = out;
	if (t->has_ext && t->dclasses) {
		/* a database answers now, as Postfix asks it for each message:
		 * no class remembered from the trace before */
		strmap_free(&t->dclasses);
		t->dclasses = strmap_create(64);
		t->last_class = NULL;
	}
	/* trivial-rewrite's canonical form: a bare name gets @$myorigin, a
	 * trailing dot goes, the local part is quoted only where needed */
	char *addr = trace_rewrite(t, address);
	if (!strchr(address, '@') && t->percent_hack && strchr(address, '%'))
		STEP(t, out, "canonical", 0, addr, t->maincf, 0,
		     _("%s has no '@': allow_percent_hack makes its last '%%' the '@'"), address);
	else if (!strchr(address, '@'))
		STEP(t, out, "canonical", 0, addr, t->maincf, 0, _("%s has no domain: @$myorigin appended"),
		     address);
	else if (strcmp(addr, address) != 0)
		STEP(t, out, "canonical", 0, addr, NULL, 0, _("%s is written %s (RFC 5322 form)"),
		     address, addr);
	const char *at = strrchr(addr, '@');
	char *fdom = trace_fold(at + 1);
	trace_deliver_class_step(t, out, 0, addr, fdom);
	free(fdom);
	size_t n;
	char **fin = trace_expand(t, out, addr, 0, &n);
	if (!fin) {
		struct trace_dest *d = trace_add_dest(out, addr, TRACE_DEFER, t->maincf, 0);
		d->reason = xstrdup("4.6.0 Alias expansion error");
	} else {
		for (size_t i = 0; i < n; i++) {
			trace_deliver(t, out, fin[i], 1, 0);
			free(fin[i]);
		}
		free(fin);
	}
	if (t->failed_map) {
		/* what Postfix does: the whole recipient deferred */
		dests_free(out);
		out->rejected = false;
		struct trace_dest *d = trace_add_dest(out, addr, TRACE_DEFER, t->failed_map, 0);
		d->reason = xasprintf("4.3.0 <%s>: temporary lookup failure", addr);
		t->failed_map = NULL;
	}
	free(addr);
	t->cur = NULL;
}
