/* Postfix main.cf as a document: definitions read the way Postfix's
 * readlline() + split_nameval() read them, $name expansion as mac_expand()
 * does it, and in-place edits that touch only the definition they change.
 * The maincf owns its document; definitions are rebuilt after every edit. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maincf.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

struct maincf_def {
	char *name;
	char *value;      /* continuations joined as Postfix joins them, trimmed */
	size_t first;     /* first physical line (0-based) */
	size_t nlines;    /* physical lines up to its last continuation line */
};

struct maincf {
	struct doc *doc;
	struct maincf_def *v;
	size_t n, cap;
	struct strmap *last;   /* name -> index + 1 of its last definition */
};

/* Postfix's ISSPACE (C locale). */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* ---- defaults ------------------------------------------------------------ */

/* Postfix 3.7 built-in defaults (`postconf -d` on Debian 12) of the
 * parameters vmailadm reads or that those refer to. myhostname and mydomain
 * depend on the machine and are computed (see host_default). */
static const struct {
	const char *name, *value;
} defaults[] = {
	{ "alias_database", "hash:/etc/aliases" },
	{ "alias_maps", "hash:/etc/aliases, nis:mail.aliases" },
	{ "allow_mail_to_commands", "alias, forward" },
	{ "allow_mail_to_files", "alias, forward" },
	{ "allow_min_user", "no" },
	{ "append_at_myorigin", "yes" },
	{ "compatibility_level", "0" },
	{ "config_directory", "/etc/postfix" },
	{ "default_database_type", "hash" },
	{ "duplicate_filter_limit", "1000" },
	{ "empty_address_recipient", "MAILER-DAEMON" },
	{ "hash_queue_depth", "1" },
	{ "hash_queue_names", "deferred, defer" },
	{ "inet_interfaces", "all" },
	{ "inet_protocols", "all" },
	{ "local_recipient_maps", "proxy:unix:passwd.byname $alias_maps" },
	{ "local_transport", "local:$myhostname" },
	{ "mail_name", "Postfix" },
	{ "mailbox_size_limit", "51200000" },
	{ "message_size_limit", "10240000" },
	{ "mydestination", "$myhostname, localhost.$mydomain, localhost" },
	{ "myorigin", "$myhostname" },
	{ "propagate_unmatched_extensions", "canonical, virtual" },
	{ "proxy_interfaces", "" },
	/* DEF_PROXY_READ_MAPS (mail_params.h): which proxy: maps proxymap serves;
	 * lint_pgsql.c asks it */
	{ "proxy_read_maps",
	  "$local_recipient_maps $mydestination $virtual_alias_maps $virtual_alias_domains "
	  "$virtual_mailbox_maps $virtual_mailbox_domains $relay_recipient_maps $relay_domains "
	  "$canonical_maps $sender_canonical_maps $recipient_canonical_maps $relocated_maps "
	  "$transport_maps $mynetworks $smtpd_sender_login_maps $sender_bcc_maps $recipient_bcc_maps "
	  "$smtp_generic_maps $lmtp_generic_maps $alias_maps $smtpd_client_restrictions "
	  "$smtpd_helo_restrictions $smtpd_sender_restrictions $smtpd_relay_restrictions "
	  "$smtpd_recipient_restrictions $address_verify_sender_dependent_default_transport_maps "
	  "$address_verify_sender_dependent_relayhost_maps $address_verify_transport_maps "
	  "$fallback_transport_maps $lmtp_discard_lhlo_keyword_address_maps $lmtp_pix_workaround_maps "
	  "$lmtp_sasl_password_maps $lmtp_tls_policy_maps $mailbox_command_maps "
	  "$mailbox_transport_maps $postscreen_discard_ehlo_keyword_address_maps $rbl_reply_maps "
	  "$sender_dependent_default_transport_maps $sender_dependent_relayhost_maps "
	  "$smtp_discard_ehlo_keyword_address_maps $smtp_pix_workaround_maps $smtp_sasl_password_maps "
	  "$smtp_tls_policy_maps $smtpd_discard_ehlo_keyword_address_maps $smtpd_milter_maps "
	  "$virtual_gid_maps $virtual_uid_maps $local_login_sender_maps $postscreen_reject_footer_maps "
	  "$smtpd_reject_footer_maps $tls_server_sni_maps $tlsproxy_client_policy_maps "
	  "$default_delivery_status_filter $lmtp_delivery_status_filter $lmtp_dns_reply_filter "
	  "$lmtp_reply_filter $local_delivery_status_filter $pipe_delivery_status_filter "
	  "$postscreen_command_filter $smtp_delivery_status_filter $smtp_dns_reply_filter "
	  "$smtp_reply_filter $smtpd_command_filter $smtpd_dns_reply_filter "
	  "$virtual_delivery_status_filter $body_checks $header_checks $lmtp_body_checks "
	  "$lmtp_header_checks $lmtp_mime_header_checks $lmtp_nested_header_checks "
	  "$milter_header_checks $mime_header_checks $nested_header_checks $smtp_body_checks "
	  "$smtp_header_checks $smtp_mime_header_checks $smtp_nested_header_checks" },
	{ "queue_directory", "/var/spool/postfix" },
	{ "recipient_delimiter", "" },
	{ "virtual_alias_address_length_limit", "1000" },
	{ "virtual_alias_domains", "$virtual_alias_maps" },
	{ "virtual_alias_expansion_limit", "1000" },
	{ "virtual_alias_maps", "$virtual_maps" },
	{ "virtual_alias_recursion_limit", "1000" },
	{ "virtual_gid_maps", "" },
	{ "virtual_mailbox_base", "" },
	{ "virtual_mailbox_domains", "$virtual_mailbox_maps" },
	{ "virtual_mailbox_limit", "51200000" },
	{ "virtual_mailbox_lock", "fcntl, dotlock" },
	{ "virtual_mailbox_maps", "" },
	{ "virtual_maps", "" },
	{ "virtual_minimum_uid", "100" },
	{ "virtual_transport", "virtual" },
	{ "virtual_uid_maps", "" },
};

#define DEF_MYDOMAIN "localdomain"

/* The machine's host name as gethostname() gives it (Postfix get_hostname()),
 * cached; "localhost" when it cannot be read. */
static const char *host_name(void)
{
	static char host[256];
	if (!host[0]) {
		if (gethostname(host, sizeof host - 1) != 0 || !host[0])
			snprintf(host, sizeof host, "%s", "localhost");
		host[sizeof host - 1] = '\0';
	}
	return host;
}

/* Postfix's check_myhostname()/check_mydomainname() without main.cf help:
 * myhostname is the host name, with ".localdomain" added when it has no
 * dot; mydomain is myhostname without its first label. */
static const char *host_default(const char *name)
{
	static char myhostname[300], mydomain[300];
	if (!myhostname[0]) {
		const char *h = host_name();
		if (strchr(h, '.'))
			snprintf(myhostname, sizeof myhostname, "%s", h);
		else
			snprintf(myhostname, sizeof myhostname, "%s.%s", h, DEF_MYDOMAIN);
		snprintf(mydomain, sizeof mydomain, "%s", strchr(myhostname, '.') + 1);
	}
	if (strcmp(name, "myhostname") == 0)
		return myhostname;
	if (strcmp(name, "mydomain") == 0)
		return mydomain;
	return NULL;
}

const char *maincf_default(const char *name)
{
	size_t lo = 0, hi = sizeof defaults / sizeof defaults[0];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, defaults[mid].name);
		if (c == 0)
			return defaults[mid].value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return host_default(name);
}

/* ---- parsing ------------------------------------------------------------- */

static void defs_clear(struct maincf *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].value);
	}
	m->n = 0;
	strmap_free(&m->last);
}

/* Build the definitions from the document. Diagnostics go to d (the edit
 * paths pass a scratch list: the file's problems were reported at load). */
static void index_doc(struct maincf *m, struct diags *d)
{
	defs_clear(m);
	m->last = strmap_create(64);
	const char *file = doc_name(m->doc);
	struct strbuf text = STRBUF_INIT;
	size_t pos = 0, first = 0, nlines = 0;
	while (doc_next_logical(m->doc, &pos, &text, &first, &nlines)) {
		unsigned line = (unsigned)first + 1;
		const char *s = sb_str(&text);
		if (ascii_is_ws(s[0])) {
			diag_warn(d, file, line, _("logical line must not start with whitespace"));
			continue;
		}
		/* split_nameval(): the name ends at whitespace or '='. */
		const char *ne = s;
		while (*ne && !ascii_is_ws(*ne) && *ne != '=')
			ne++;
		const char *eq = ne;
		while (ascii_is_ws(*eq))
			eq++;
		if (ne == s) {
			diag_error(d, file, line, _("missing parameter name before '='"));
			continue;
		}
		if (*eq != '=') {
			diag_error(d, file, line, _("missing '=' after parameter name \"%.*s\""),
				   (int)(ne - s), s);
			continue;
		}
		const char *vs = eq + 1;
		while (ascii_is_ws(*vs))
			vs++;
		const char *ve = s + text.len;
		while (ve > vs && ascii_is_ws(ve[-1]))
			ve--;
		char *name = xstrndup(s, (size_t)(ne - s));
		for (const char *p = name; *p; p++) {
			if (!is_name_char(*p)) {
				diag_warn(d, file, line,
					  _("parameter name \"%s\" has characters other than "
					    "letters, digits and '_'"), name);
				break;
			}
		}
		void *prev = strmap_get(m->last, name);
		if (prev) {
			const struct maincf_def *p = &m->v[(size_t)(uintptr_t)prev - 1];
			diag_warn(d, file, line,
				  _("\"%s\" overrides its earlier definition on line %zu"),
				  name, p->first + 1);
		}
		xgrow(&m->v, &m->cap, m->n + 1, sizeof *m->v);
		m->v[m->n] = (struct maincf_def){
			.name = name,
			.value = xstrndup(vs, (size_t)(ve - vs)),
			.first = first,
			.nlines = nlines,
		};
		m->n++;
		strmap_put(m->last, name, (void *)(uintptr_t)m->n);
	}
	sb_free(&text);
}

struct maincf *maincf_parse(struct doc *doc, struct diags *d)
{
	struct maincf *m = xcalloc(1, sizeof *m);
	m->doc = doc;
	index_doc(m, d);
	return m;
}

void maincf_free(struct maincf **mp)
{
	struct maincf *m = *mp;
	if (!m)
		return;
	defs_clear(m);
	free(m->v);
	doc_free(&m->doc);
	free(m);
	*mp = NULL;
}

struct doc *maincf_doc(const struct maincf *m)
{
	return m->doc;
}

static const struct maincf_def *last_def(const struct maincf *m, const char *name)
{
	void *v = strmap_get(m->last, name);
	return v ? &m->v[(size_t)(uintptr_t)v - 1] : NULL;
}

const char *maincf_raw(const struct maincf *m, const char *name, unsigned *line)
{
	const struct maincf_def *def = last_def(m, name);
	if (line)
		*line = def ? (unsigned)def->first + 1 : 0;
	return def ? def->value : NULL;
}

size_t maincf_count(const struct maincf *m)
{
	return m->n;
}

const char *maincf_def_at(const struct maincf *m, size_t i, const char **value,
			  unsigned *line, bool *overridden)
{
	if (i >= m->n)
		vm_panic("maincf_def_at: %zu of %zu", i, m->n);
	const struct maincf_def *def = &m->v[i];
	if (value)
		*value = def->value;
	if (line)
		*line = (unsigned)def->first + 1;
	if (overridden)
		*overridden = last_def(m, def->name) != def;
	return def->name;
}

/* ---- expansion ----------------------------------------------------------- */

struct expander {
	const struct maincf *m;
	const char **stack;    /* names being expanded, to catch loops */
	size_t depth, cap;
	bool loop;
};

#define MAX_DEPTH 100

static void expand_into(struct expander *x, const char *s, size_t len, struct strbuf *out);

/* The unexpanded value Postfix would see for name: main.cf, else the
 * default. myhostname without a dot in the host name uses main.cf's
 * mydomain (check_myhostname()); mydomain follows myhostname. */
static char *lookup(struct expander *x, const char *name, bool *found)
{
	const char *v = maincf_raw(x->m, name, NULL);
	*found = true;
	if (v)
		return xstrdup(v);
	if (strcmp(name, "myhostname") == 0 && !strchr(host_name(), '.')) {
		if (maincf_raw(x->m, "mydomain", NULL)) {
			struct strbuf sb = STRBUF_INIT;
			sb_adds(&sb, host_name());
			sb_addc(&sb, '.');
			sb_adds(&sb, "$mydomain");
			return sb_detach(&sb);
		}
	}
	if (strcmp(name, "mydomain") == 0 && maincf_raw(x->m, "myhostname", NULL)) {
		/* The domain part of the expanded myhostname, or localdomain. */
		struct strbuf sb = STRBUF_INIT;
		expand_into(x, "$myhostname", strlen("$myhostname"), &sb);
		const char *dot = strchr(sb_str(&sb), '.');
		char *r = xstrdup(dot ? dot + 1 : DEF_MYDOMAIN);
		sb_free(&sb);
		return r;
	}
	v = maincf_default(name);
	if (v)
		return xstrdup(v);
	*found = false;
	return NULL;
}

/* Expand a parameter's value into out, unless it is already being expanded
 * (a loop: Postfix stops with "unreasonable macro call nesting"). */
static void expand_name(struct expander *x, const char *name, struct strbuf *out)
{
	for (size_t i = 0; i < x->depth; i++) {
		if (strcmp(x->stack[i], name) == 0) {
			x->loop = true;
			return;
		}
	}
	if (x->depth >= MAX_DEPTH) {
		x->loop = true;
		return;
	}
	bool found;
	char *v = lookup(x, name, &found);
	if (!v)
		return;
	xgrow(&x->stack, &x->cap, x->depth + 1, sizeof *x->stack);
	x->stack[x->depth++] = name;
	expand_into(x, v, strlen(v), out);
	x->depth--;
	free(v);
}

/* The end of a "{...}" group starting at s[0] == '{' (nested braces
 * counted), or NULL when it is not closed. */
static const char *brace_end(const char *s, const char *end)
{
	int level = 0;
	for (const char *p = s; p < end; p++) {
		if (*p == '{')
			level++;
		else if (*p == '}' && --level == 0)
			return p;
	}
	return NULL;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && ascii_is_ws(**s))
		(*s)++;
	while (*e > *s && ascii_is_ws((*e)[-1]))
		(*e)--;
}

/* The text of a conditional: "text", "{text}" or, for '?', "{a}:{b}"
 * (Postfix 3.0+; whitespace around each {value} is ignored). Picks the
 * branch and expands it. */
static void expand_cond(struct expander *x, char op, bool nonempty, const char *s,
			const char *e, struct strbuf *out)
{
	trim(&s, &e);
	if (s < e && *s == '{') {
		const char *close = brace_end(s, e);
		if (close) {
			const char *rest = close + 1, *rend = e;
			trim(&rest, &rend);
			if (rest == rend) {
				if (op == '?' ? nonempty : !nonempty)
					expand_into(x, s + 1, (size_t)(close - s - 1), out);
				return;
			}
			if (op == '?' && *rest == ':') {
				const char *b = rest + 1;
				trim(&b, &rend);
				const char *bclose = b < rend && *b == '{' ? brace_end(b, rend) : NULL;
				if (bclose && bclose + 1 == rend) {
					if (nonempty)
						expand_into(x, s + 1, (size_t)(close - s - 1), out);
					else
						expand_into(x, b + 1, (size_t)(bclose - b - 1), out);
					return;
				}
			}
		}
	}
	if (op == '?' ? nonempty : !nonempty)
		expand_into(x, s, (size_t)(e - s), out);
}

/* The text inside ${...}/$(...): a name, optionally followed by ?text or
 * :text. Anything else (a relational expression, a bad name) is kept as
 * written, since vmailadm cannot evaluate it. */
static void expand_expr(struct expander *x, const char *s, const char *e, const char *whole,
			size_t wlen, struct strbuf *out)
{
	const char *p = s;
	while (p < e && is_name_char(*p))
		p++;
	if (p == s || (p < e && *p != '?' && *p != ':')) {
		sb_add(out, whole, wlen);
		return;
	}
	char *name = xstrndup(s, (size_t)(p - s));
	if (p == e) {
		expand_name(x, name, out);
	} else {
		bool found;
		char *v = lookup(x, name, &found);
		expand_cond(x, *p, v && *v, p + 1, e, out);
		free(v);
	}
	free(name);
}

static void expand_into(struct expander *x, const char *s, size_t len, struct strbuf *out)
{
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *dollar = memchr(p, '$', (size_t)(end - p));
		if (!dollar) {
			sb_add(out, p, (size_t)(end - p));
			return;
		}
		sb_add(out, p, (size_t)(dollar - p));
		p = dollar + 1;
		if (p < end && *p == '$') {
			sb_addc(out, '$');
			p++;
		} else if (p < end && (*p == '{' || *p == '(')) {
			/* mac_parse(): only the bracket that opened counts. */
			char open = *p, close = open == '{' ? '}' : ')';
			int level = 1;
			const char *q = p + 1;
			for (; q < end; q++) {
				if (*q == open)
					level++;
				else if (*q == close && --level == 0)
					break;
			}
			if (q >= end) {
				/* Truncated reference: kept as written. */
				sb_add(out, dollar, (size_t)(end - dollar));
				return;
			}
			expand_expr(x, p + 1, q, dollar, (size_t)(q + 1 - dollar), out);
			p = q + 1;
		} else {
			const char *q = p;
			while (q < end && is_name_char(*q))
				q++;
			if (q == p) {
				/* A lone '$': Postfix calls it an empty macro name. */
				sb_addc(out, '$');
				continue;
			}
			char *name = xstrndup(p, (size_t)(q - p));
			expand_name(x, name, out);
			free(name);
			p = q;
		}
	}
}

char *maincf_expand(const struct maincf *m, const char *text, bool *loop)
{
	struct expander x = { .m = m };
	struct strbuf out = STRBUF_INIT;
	expand_into(&x, text, strlen(text), &out);
	free(x.stack);
	if (loop)
		*loop = x.loop;
	return sb_detach(&out);
}

char *maincf_get(const struct maincf *m, const char *name)
{
	struct expander x = { .m = m };
	struct strbuf out = STRBUF_INIT;
	expand_name(&x, name, &out);
	free(x.stack);
	return sb_detach(&out);
}

long maincf_get_long(const struct maincf *m, const char *name, long dflt)
{
	char *v = maincf_get(m, name);
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end)
		n = dflt;
	free(v);
	return n;
}

/* ---- lists --------------------------------------------------------------- */

char **maincf_split_list(const char *value, size_t *n)
{
	char **list = NULL;
	size_t cnt = 0, cap = 0;
	const char *p = value;
	for (;;) {
		while (*p && (*p == ',' || ascii_is_ws(*p)))
			p++;
		if (!*p)
			break;
		/* mystrtokq(): separators inside {...} do not split. */
		const char *start = p;
		int level = 0;
		for (; *p; p++) {
			if (*p == '{')
				level++;
			else if (*p == '}' && level > 0)
				level--;
			else if (level == 0 && (*p == ',' || ascii_is_ws(*p)))
				break;
		}
		xgrow(&list, &cap, cnt + 2, sizeof *list);
		list[cnt++] = xstrndup(start, (size_t)(p - start));
	}
	xgrow(&list, &cap, cnt + 1, sizeof *list);
	list[cnt] = NULL;
	if (n)
		*n = cnt;
	return list;
}

void maincf_list_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

/* ---- editing ------------------------------------------------------------- */

static bool valid_name(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!is_name_char(*p))
			return false;
	return true;
}

void maincf_set(struct maincf *m, const char *name, const char *value)
{
	if (!valid_name(name))
		vm_panic("maincf_set: bad parameter name \"%s\"", name);
	if (strpbrk(value, "\r\n"))
		vm_panic("maincf_set: value of %s has a line break", name);
	/* Postfix trims the value: leading/trailing whitespace would not survive. */
	const char *vs = value, *ve = value + strlen(value);
	trim(&vs, &ve);
	struct strbuf line = STRBUF_INIT;
	sb_adds(&line, name);
	sb_adds(&line, " =");
	if (ve > vs) {
		sb_addc(&line, ' ');
		sb_add(&line, vs, (size_t)(ve - vs));
	}
	const struct maincf_def *def = last_def(m, name);
	size_t flen;
	const char *ftext = def ? doc_text(m->doc, def->first, &flen) : NULL;
	const char *eq = ftext ? memchr(ftext, '=', flen) : NULL;
	if (def && def->nlines > 1 && eq && ve > vs &&
	    tablewords_set(m->doc, def->first, def->nlines, (size_t)(eq - ftext) + 1,
			   sb_str(&line) + strlen(name) + 3 /* "name = " */)) {
		/* a list over continuation lines, edited on them (tablewords.c) */
	} else if (def) {
		/* Like postconf -e: the definition's own lines are replaced, comment
		 * and blank lines that sat inside it stay (after the new line). */
		size_t first = def->first, nl = def->nlines;
		doc_replace(m->doc, first, sb_str(&line));
		for (size_t i = first + nl - 1; i > first; i--) {
			size_t len;
			const char *t = doc_text(m->doc, i, &len);
			size_t k = 0;
			while (k < len && ascii_is_ws(t[k]))
				k++;
			bool dropped = k == len || t[k] == '#';
			if (!dropped)
				doc_delete(m->doc, i, 1);
		}
	} else {
		doc_insert(m->doc, doc_count(m->doc), sb_str(&line));
	}
	sb_free(&line);
	struct diags scratch = DIAGS_INIT;
	index_doc(m, &scratch);
	diags_free(&scratch);
}

bool maincf_list_has_comma(const char *v)
{
	int depth = 0;
	for (; *v; v++) {
		if (*v == '{')
			depth++;
		else if (*v == '}' && depth)
			depth--;
		else if (*v == ',' && !depth)
			return true;
	}
	return false;
}

void maincf_append_items(struct maincf *m, const char *name, char *const items[], size_t n)
{
	const struct maincf_def *def = last_def(m, name);
	struct strbuf line = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (strpbrk(items[i], "\r\n"))
			vm_panic("maincf_append_items: an item of %s has a line break", name);
	if (!def || !*def->value) {
		for (size_t i = 0; i < n; i++)
			sb_addf(&line, "%s%s", i ? " " : "", items[i]);
		maincf_set(m, name, sb_str(&line));
		sb_free(&line);
		return;
	}
	if (n == 0)
		return;
	bool comma = maincf_list_has_comma(def->value), continued = def->nlines > 1;
	size_t last = def->first + def->nlines - 1, len;
	const char *t = doc_text(m->doc, last, &len);
	size_t e = len, k = 0;
	while (e > 0 && ascii_is_ws(t[e - 1]))
		e--;
	while (k < len && ascii_is_ws(t[k]))
		k++;
	bool ends_comma = e > 0 && t[e - 1] == ',';
	char *indent = xstrndup(t, k);
	sb_add(&line, t, e);
	if (!continued) {
		for (size_t i = 0; i < n; i++)
			sb_addf(&line, "%s%s", !comma ? " " : i == 0 && ends_comma ? " " : ", ", items[i]);
		doc_replace(m->doc, last, sb_str(&line));
	} else {
		if (comma && !ends_comma) {
			sb_addc(&line, ',');
			doc_replace(m->doc, last, sb_str(&line));
		}
		for (size_t i = 0; i < n; i++) {
			sb_reset(&line);
			sb_addf(&line, "%s%s%s", indent, items[i], comma && i + 1 < n ? "," : "");
			doc_insert(m->doc, last + 1 + i, sb_str(&line));
		}
	}
	free(indent);
	sb_free(&line);
	struct diags scratch = DIAGS_INIT;
	index_doc(m, &scratch);
	diags_free(&scratch);
}

bool maincf_unset(struct maincf *m, const char *name)
{
	bool any = false;
	const struct maincf_def *def;
	while ((def = last_def(m, name)) != NULL) {
		size_t first = def->first, nl = def->nlines;
		for (size_t i = first + nl - 1; i > first; i--) {
			size_t len;
			const char *t = doc_text(m->doc, i, &len);
			size_t k = 0;
			while (k < len && ascii_is_ws(t[k]))
				k++;
			if (!(k == len || t[k] == '#'))
				doc_delete(m->doc, i, 1);
		}
		doc_delete(m->doc, first, 1);
		any = true;
		struct diags scratch = DIAGS_INIT;
		index_doc(m, &scratch);
		diags_free(&scratch);
	}
	return any;
}
