/* vmailadm's configuration: the YAML file (libyaml) read and validated
 * through the settings table (settings.c), and where each value came from.
 * struct config owns every string; config_free frees all. Printing is
 * `vmailadm config`'s (src/cli/config_print.c). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/i18n.h"
#include "vmailadm/settings.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

struct config_origin {
	char **where;            /* per setting: NULL: default; else "FILE:LINE" */
	unsigned *line;
	const char *file_origin; /* "command line", "environment", "default" (N_) */
	char *path;              /* the file named or tried, even when absent */
};

/* ---- validators ---- */

bool config_check_scheme(const struct setting *s, char **value, struct strbuf *why)
{
	static const char *const ok[] = { "SHA512-CRYPT", "BLF-CRYPT", "CRYPT" };
	/* Dovecot's clear-text schemes (doc.dovecot.org, password schemes). */
	static const char *const clear[] = { "PLAIN", "CLEARTEXT", "CLEAR", "PLAIN-TRUNC",
					     "PLAIN-MD4", "PLAIN-MD5", "PLAIN-BASE64", "PLAIN-HEX" };
	char *v = *value;
	for (char *p = v; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(v, ok[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof clear / sizeof clear[0]; i++)
		if (strcmp(v, clear[i]) == 0) {
			sb_addf(why, _("%s is refused: it stores the password itself (or a fast, "
				       "unsalted digest of it) in the passwd-file, so anyone who "
				       "reads that file or a backup of it has every password; use "
				       "SHA512-CRYPT, BLF-CRYPT or CRYPT"), v);
			return false;
		}
	sb_addf(why, _("unknown scheme '%s'; expected SHA512-CRYPT, BLF-CRYPT or CRYPT"), v);
	return false;
}

bool config_check_language(const struct setting *s, char **value, struct strbuf *why)
{
	for (const char *p = *value; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.@", *p)) {
			sb_addf(why, _("'%s' is not a language code such as \"fr\" or \"en_GB\""),
				*value);
			return false;
		}
	return true;
}

bool config_check_location(const struct setting *s, char **value, struct strbuf *why)
{
	if (strncmp(*value, "maildir:", 8) != 0 || (*value)[8] == '\0') {
		sb_addf(why, _("'%s' is not supported: only maildir:PATH locations are"), *value);
		return false;
	}
	return true;
}

/* imap_servers: host names (ssh's), separated by spaces; none may look
 * like an option of ssh. */
bool config_check_hosts(const struct setting *s, char **value, struct strbuf *why)
{
	(void)s;
	for (const char *p = *value; *p; p++) {
		bool start = p == *value || p[-1] == ' ';
		if ((start && *p == '-') ||
		    (!isalnum((unsigned char)*p) && !strchr("_-.@:[] ", *p))) {
			sb_addf(why, _("'%s' is not a list of host names separated by spaces"), *value);
			return false;
		}
	}
	return true;
}

/* ---- helpers ---- */

/* Levenshtein distance, case-insensitive, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof *row);
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t r = row[lb];
	free(row);
	return r;
}

static const char *closest_setting(const char *key)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(key);
	size_t limit = len / 3 > 2 ? len / 3 : 2;
	for (size_t i = 0; i < settings_count(); i++) {
		size_t dist = edit_distance(key, settings_at(i)->name);
		if (dist < bestd) {
			bestd = dist;
			best = settings_at(i)->name;
		}
	}
	return bestd <= limit ? best : NULL;
}

static bool parse_long(const char *s, long *out)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno == ERANGE)
		v = *s == '-' ? LONG_MIN : LONG_MAX;
	*out = v;
	return true;
}

/* YAML's plain spellings of null mean an empty value here. */
static bool is_null_scalar(const yaml_node_t *n)
{
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return _("a mapping");
	case YAML_SEQUENCE_NODE: return _("a list");
	default: return _("a scalar");
	}
}

static char *dir_of(const char *file)
{
	struct strbuf sb = STRBUF_INIT;
	if (file[0] != '/') {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd))
			sb_adds(&sb, cwd);
		sb_addc(&sb, '/');
	}
	sb_adds(&sb, file);
	/* Drop the last component; sb always holds at least one '/'. */
	char *slash = strrchr(sb.buf, '/');
	sb_truncate(&sb, slash == sb.buf ? 1 : (size_t)(slash - sb.buf));
	return sb_detach(&sb);
}

/* base/rel, with ".", ".." and doubled slashes folded lexically (no
 * symlinks are resolved), so "../aliases" prints as the path it names. */
static char *path_join(const char *base, const char *rel)
{
	char *joined = xasprintf("%s/%s", base, rel);
	struct strbuf out = STRBUF_INIT;
	char *save = NULL;
	for (char *part = strtok_r(joined, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			char *slash = out.len ? strrchr(out.buf, '/') : NULL;
			sb_truncate(&out, slash ? (size_t)(slash - out.buf) : 0);
			continue;
		}
		sb_addc(&out, '/');
		sb_adds(&out, part);
	}
	free(joined);
	if (!out.len)
		sb_addc(&out, '/');
	return sb_detach(&out);
}

static char *expand_placeholders(const char *cmd, const struct config *c)
{
	static const char ph[] = "{postfix_dir}";
	struct strbuf sb = STRBUF_INIT;
	const char *p = cmd, *q;
	while ((q = strstr(p, ph)) != NULL) {
		sb_add(&sb, p, (size_t)(q - p));
		sb_adds(&sb, c->postfix_dir);
		p = q + sizeof ph - 1;
	}
	sb_adds(&sb, p);
	return sb_detach(&sb);
}

/* ---- defaults ---- */

static struct config *config_defaults(void)
{
	struct config *c = xcalloc(1, sizeof *c);
	size_t n = settings_count();
	c->origin = xcalloc(1, sizeof *c->origin);
	c->origin->where = xcalloc(n, sizeof *c->origin->where);
	c->origin->line = xcalloc(n, sizeof *c->origin->line);
	for (size_t i = 0; i < n; i++) {
		const struct setting *s = settings_at(i);
		switch (s->type) {
		case ST_INT: {
			long v = 0;
			if (!parse_long(s->def, &v))
				vm_panic("bad default for %s", s->name);
			*settings_long_at(c, s) = v;
			break;
		}
		case ST_ENUM: {
			int k = 0;
			while (s->choices[k] && strcmp(s->choices[k], s->def) != 0)
				k++;
			if (!s->choices[k])
				vm_panic("bad default for %s", s->name);
			*settings_enum_at(c, s) = k;
			break;
		}
		default:
			*settings_str_at(c, s) = xstrdup(s->def);
		}
	}
	return c;
}

/* ---- the YAML file ---- */

struct loader {
	struct config *c;
	const char *file;   /* as named, for messages */
	char *base;         /* the file's directory, absolute */
	struct diags *d;
};

static void set_value(struct loader *L, const struct setting *s, const yaml_node_t *key,
		      const yaml_node_t *val)
{
	struct config *c = L->c;
	unsigned kline = (unsigned)key->start_mark.line + 1;
	unsigned vline = (unsigned)val->start_mark.line + 1;
	size_t idx = settings_index(s);

	if (val->type != YAML_SCALAR_NODE) {
		diag_error(L->d, L->file, vline, _("%s: expected a single value, found %s"),
			   s->name, node_kind(val));
		return;
	}
	char *v = is_null_scalar(val) ? xstrdup("") :
		  xmemdup0(val->data.scalar.value, val->data.scalar.length);
	if (strlen(v) != val->data.scalar.length) {
		diag_error(L->d, L->file, vline, _("%s: the value contains a NUL byte"), s->name);
		free(v);
		return;
	}
	struct strbuf why = STRBUF_INIT;
	bool ok = true;

	switch (s->type) {
	case ST_INT: {
		long n;
		if (!parse_long(v, &n)) {
			diag_error(L->d, L->file, vline, _("%s: expected an integer, found '%s'"),
				   s->name, v);
			ok = false;
		} else if (n < s->min || n > s->max) {
			diag_error(L->d, L->file, vline, _("%s: %s is out of range (%ld to %ld)"),
				   s->name, v, s->min, s->max);
			ok = false;
		} else
			*settings_long_at(c, s) = n;
		break;
	}
	case ST_ENUM: {
		int k = 0;
		while (s->choices[k] && strcmp(s->choices[k], v) != 0)
			k++;
		if (!s->choices[k]) {
			struct strbuf list = STRBUF_INIT;
			for (int j = 0; s->choices[j]; j++)
				sb_addf(&list, "%s%s", j ? ", " : "", s->choices[j]);
			diag_error(L->d, L->file, vline, _("%s: unknown value '%s'; expected one of %s"),
				   s->name, v, sb_str(&list));
			sb_free(&list);
			ok = false;
		} else
			*settings_enum_at(c, s) = k;
		break;
	}
	case ST_PATH:
	case ST_PROGRAM:
	case ST_THEME:
		if (!*v) {
			diag_error(L->d, L->file, vline, _("%s: must not be empty"), s->name);
			ok = false;
			break;
		}
		if (v[0] != '/' && (s->type == ST_PATH || strchr(v, '/'))) {
			char *abs = path_join(L->base, v);
			free(v);
			v = abs;
		}
		goto store;
	case ST_COMMAND:
	case ST_LIMITS:   /* read by set_limits, never here */
		goto store;
	case ST_STRING:
		if (s->check && !s->check(s, &v, &why)) {
			diag_error(L->d, L->file, vline, "%s: %s", s->name, sb_str(&why));
			ok = false;
			break;
		}
	store:
		free(*settings_str_at(c, s));
		*settings_str_at(c, s) = v;
		v = NULL;
		break;
	}
	free(v);
	sb_free(&why);
	if (ok) {
		free(c->origin->where[idx]);
		c->origin->where[idx] = xasprintf("%s:%u", L->file, kline);
		c->origin->line[idx] = kline;
	}
}

long long config_size_bytes(const char *text)
{
	const char *p = text;
	long long v = 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	int shift = 0;
	switch (toupper((unsigned char)*p)) {
	case '\0': break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: return -1;
	}
	if (*p && p[1] && !(toupper((unsigned char)p[1]) == 'B' && !p[2]))
		return -1;
	if (v > (LLONG_MAX >> shift))
		return -1;
	return v << shift;
}

/* One domain's mapping of domain_limits into its canonical text; false
 * after an error naming the line. */
static bool limits_one(struct loader *L, yaml_document_t *doc, const char *domain, yaml_node_t *val,
		       struct strbuf *out)
{
	unsigned line = (unsigned)val->start_mark.line + 1;
	if (val->type != YAML_MAPPING_NODE) {
		diag_error(L->d, L->file, line, _("domain_limits: %s: expected a mapping of mailboxes, aliases, quota_total, found %s"),
			   domain, node_kind(val));
		return false;
	}
	sb_addf(out, "%s: {", domain);
	bool first = true;
	for (yaml_node_pair_t *pair = val->data.mapping.pairs.start; pair < val->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key), *v = yaml_document_get_node(doc, pair->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE) {
			diag_error(L->d, L->file, line, _("domain_limits: %s: each limit is a name and a value"), domain);
			return false;
		}
		const char *kn = (const char *)k->data.scalar.value, *vt = (const char *)v->data.scalar.value;
		unsigned kl = (unsigned)k->start_mark.line + 1;
		long n;
		bool count = !strcmp(kn, "mailboxes") || !strcmp(kn, "aliases");
		if (count && (!parse_long(vt, &n) || n < 0 || n > 100000000)) {
			diag_error(L->d, L->file, kl, _("domain_limits: %s: %s: expected a number, found '%s'"), domain, kn, vt);
			return false;
		}
		if (!count && strcmp(kn, "quota_total") != 0) {
			diag_error(L->d, L->file, kl, _("domain_limits: %s: unknown limit '%s' (mailboxes, aliases or quota_total)"),
				   domain, kn);
			return false;
		}
		if (!count && (config_size_bytes(vt) <= 0 || strchr(vt, ','))) {
			diag_error(L->d, L->file, kl, _("domain_limits: %s: quota_total: expected a size such as 20G, found '%s'"),
				   domain, vt);
			return false;
		}
		sb_addf(out, "%s%s: %s", first ? "" : ", ", kn, vt);
		first = false;
	}
	sb_adds(out, "}");
	return true;
}

/* domain_limits: {DOMAIN: {mailboxes: N, aliases: N, quota_total: SIZE}}
 * checked and kept as its canonical text. */
static void set_limits(struct loader *L, yaml_document_t *doc, const struct setting *s, yaml_node_t *key,
		       yaml_node_t *val)
{
	unsigned kline = (unsigned)key->start_mark.line + 1;
	struct strbuf out = STRBUF_INIT;
	bool ok = true;
	sb_adds(&out, "{");
	if (val->type == YAML_SCALAR_NODE && !is_null_scalar(val)) {
		diag_error(L->d, L->file, kline, _("%s: expected a mapping of domains, found %s"), s->name, node_kind(val));
		ok = false;
	}
	for (yaml_node_pair_t *pair = val->type == YAML_MAPPING_NODE ? val->data.mapping.pairs.start : NULL;
	     ok && pair && pair < val->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key), *v = yaml_document_get_node(doc, pair->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE) {
			diag_error(L->d, L->file, kline, _("%s: a domain name must be a plain word"), s->name);
			ok = false;
			break;
		}
		char *dom = xstrdup((const char *)k->data.scalar.value);
		for (char *p = dom; *p; p++) {
			*p = (char)tolower((unsigned char)*p);
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
				ok = false;
		}
		if (!ok || !*dom)
			diag_error(L->d, L->file, (unsigned)k->start_mark.line + 1, _("%s: '%s' is not a domain name"),
				   s->name, dom);
		if (ok && out.len > 1)
			sb_adds(&out, ", ");
		ok = ok && *dom && limits_one(L, doc, dom, v, &out);
		free(dom);
	}
	sb_adds(&out, "}");
	if (!ok) {
		sb_free(&out);
		return;
	}
	size_t idx = settings_index(s);
	free(*settings_str_at(L->c, s));
	*settings_str_at(L->c, s) = sb_detach(&out);
	free(L->c->origin->where[idx]);
	L->c->origin->where[idx] = xasprintf("%s:%u", L->file, kline);
	L->c->origin->line[idx] = kline;
}

bool config_domain_limits(const struct config *c, const char *domain, struct domain_limits *out)
{
	*out = (struct domain_limits){ -1, -1, -1 };
	/* The canonical text: "{d: {k: v, k: v}, d: {...}}"; names and values
	 * hold none of "{},: ". */
	const char *p = c->domain_limits ? strchr(c->domain_limits, '{') : NULL;
	size_t dl = strlen(domain);
	while (p && (p = strpbrk(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789-.")) != NULL) {
		size_t n = strcspn(p, ":");
		const char *body = strchr(p, '{'), *end = body ? strchr(body, '}') : NULL;
		if (!body || !end)
			return false;
		if (n == dl && strncasecmp(p, domain, dl) == 0) {
			for (const char *q = body + 1; q < end;) {
				q += strspn(q, " ,");
				size_t kn = strcspn(q, ":");
				const char *v = q + kn + 2;
				size_t vn = strcspn(v, ",}");
				char *val = xstrndup(v, vn);
				if (!strncmp(q, "mailboxes", kn) && kn == 9)
					out->mailboxes = atol(val);
				else if (!strncmp(q, "aliases", kn) && kn == 7)
					out->aliases = atol(val);
				else if (!strncmp(q, "quota_total", kn) && kn == 11)
					out->quota_total = config_size_bytes(val);
				free(val);
				q = v + vn;
			}
			return true;
		}
		p = end;
	}
	return false;
}

static void load_mapping(struct loader *L, yaml_document_t *doc, yaml_node_t *root)
{
	unsigned *first_line = xcalloc(settings_count(), sizeof *first_line);
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		yaml_node_t *val = yaml_document_get_node(doc, pair->value);
		if (!key || !val)
			continue;
		unsigned kline = (unsigned)key->start_mark.line + 1;
		if (key->type != YAML_SCALAR_NODE) {
			diag_error(L->d, L->file, kline,
				   _("a setting name must be a plain word, found %s"),
				   node_kind(key));
			continue;
		}
		const char *name = (const char *)key->data.scalar.value;
		const struct setting *s = settings_find(name);
		if (!s) {
			struct strbuf shown = STRBUF_INIT;
			sb_add_printable(&shown, name, key->data.scalar.length);
			const char *near = closest_setting(sb_str(&shown));
			if (near)
				diag_error(L->d, L->file, kline, _("unknown key '%s'; did you mean '%s'?"),
					   sb_str(&shown), near);
			else
				diag_error(L->d, L->file, kline,
					   _("unknown key '%s' (see vmailadm.yaml(5))"), sb_str(&shown));
			sb_free(&shown);
			continue;
		}
		size_t idx = settings_index(s);
		if (first_line[idx]) {
			diag_error(L->d, L->file, kline,
				   _("duplicate key '%s' (first set at line %u)"), s->name,
				   first_line[idx]);
			continue;
		}
		first_line[idx] = kline;
		if (s->type == ST_LIMITS)
			set_limits(L, doc, s, key, val);
		else
			set_value(L, s, key, val);
	}
	free(first_line);
}

static unsigned line_of_offset(const char *text, size_t len, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off && i < len; i++)
		line += text[i] == '\n';
	return line;
}

static void yaml_problem(struct loader *L, yaml_parser_t *p, const char *text, size_t len)
{
	unsigned line = p->error == YAML_READER_ERROR ?
		line_of_offset(text, len, p->problem_offset) :
		(unsigned)p->problem_mark.line + 1;
	const char *problem = p->problem ? p->problem : _("unreadable YAML");
	if (p->context)
		diag_error(L->d, L->file, line, _("YAML syntax error: %s (%s at line %u)"),
			   problem, p->context, (unsigned)p->context_mark.line + 1);
	else
		diag_error(L->d, L->file, line, _("YAML syntax error: %s"), problem);
}

static void load_text(struct loader *L, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&p))
		vm_fatal(_("out of memory"));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		yaml_problem(L, &p, text, len);
		yaml_parser_delete(&p);
		return;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE)
		load_mapping(L, &doc, root);
	else if (root && !(root->type == YAML_SCALAR_NODE && is_null_scalar(root)))
		diag_error(L->d, L->file, (unsigned)root->start_mark.line + 1,
			   _("the top level must be a mapping of settings (key: value), found %s"),
			   node_kind(root));
	yaml_document_delete(&doc);

	/* Only one document: a second one would be silently ignored otherwise. */
	if (root) {
		yaml_document_t more;
		if (!yaml_parser_load(&p, &more))
			yaml_problem(L, &p, text, len);
		else {
			yaml_node_t *r2 = yaml_document_get_root_node(&more);
			if (r2)
				diag_error(L->d, L->file, (unsigned)r2->start_mark.line + 1,
					   _("only one YAML document is allowed; remove the second one"));
			yaml_document_delete(&more);
		}
	}
	yaml_parser_delete(&p);
}

/* A settings file is a few hundred bytes; the cap keeps libyaml, which is
 * quadratic in flow nesting depth, from spending minutes on a broken file. */
#define CONFIG_MAX_SIZE (64u * 1024)

/* Read the whole file; -1 with errno on failure (EFBIG past the cap). */
static int read_file(const char *path, struct strbuf *out)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		errno = EISDIR;
		return -1;
	}
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		sb_add(out, buf, n);
		if (out->len > CONFIG_MAX_SIZE) {
			fclose(fp);
			errno = EFBIG;
			return -1;
		}
	}
	int err = ferror(fp) ? errno : 0;
	fclose(fp);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Fold {postfix_dir} into the commands once every key is read, so the order
 * of keys in the file does not matter. */
static void finish(struct config *c)
{
	for (size_t i = 0; i < settings_count(); i++)
		if (settings_at(i)->type == ST_COMMAND) {
			char **sp = settings_str_at(c, settings_at(i));
			char *x = expand_placeholders(*sp, c);
			free(*sp);
			*sp = x;
		}
}

/* Parse text over the defaults in c; false (and c freed) on errors. */
static bool load_into(struct config **cp, const char *name, const char *text, size_t len,
		      struct diags *d)
{
	struct config *c = *cp;
	free(c->file);
	c->file = xstrdup(name);
	struct diags mine = DIAGS_INIT;
	struct loader L = { .c = c, .file = name, .base = dir_of(name), .d = &mine };
	load_text(&L, text, len);
	free(L.base);
	bool failed = diags_has_errors(&mine);
	diags_take(d, &mine);
	if (failed) {
		config_free(cp);
		return false;
	}
	finish(c);
	return true;
}

int config_load_mem(const char *name, const char *text, size_t len, struct config **out,
		    struct diags *d)
{
	struct config *c = config_defaults();
	c->origin->file_origin = N_("command line");
	c->origin->path = xstrdup(name);
	*out = NULL;
	if (!load_into(&c, name, text, len, d))
		return -1;
	*out = c;
	return 0;
}

int config_load(const char *path, struct config **out, struct diags *d)
{
	const char *file_origin = N_("command line");
	if (!path) {
		const char *env = getenv("VMAILADM_CONFIG");
		if (env && *env) {
			path = env;
			file_origin = N_("environment");
		} else {
			path = CONFIG_DEFAULT_PATH;
			file_origin = N_("default");
		}
	}
	bool must_exist = strcmp(file_origin, "default") != 0;

	struct config *c = config_defaults();
	c->origin->file_origin = file_origin;
	c->origin->path = xstrdup(path);
	*out = NULL;

	struct strbuf text = STRBUF_INIT;
	if (read_file(path, &text) < 0) {
		int err = errno;
		sb_free(&text);
		if (err == ENOENT && !must_exist) {
			finish(c);
			*out = c;
			return 0;
		}
		if (err == EFBIG)
			diag_error(d, path, 0, _("the configuration file is larger than %u KiB"),
				   CONFIG_MAX_SIZE / 1024);
		else
			diag_error(d, path, 0, _("cannot read the configuration file: %s"),
				   strerror(err));
		config_free(&c);
		return -1;
	}
	bool ok = load_into(&c, path, text.buf ? text.buf : "", text.len, d);
	sb_free(&text);
	if (!ok)
		return -1;
	*out = c;
	return 0;
}

void config_free(struct config **cp)
{
	struct config *c = *cp;
	if (!c)
		return;
	for (size_t i = 0; i < settings_count(); i++) {
		const struct setting *s = settings_at(i);
		if (s->type != ST_INT && s->type != ST_ENUM)
			free(*settings_str_at(c, s));
		if (c->origin)
			free(c->origin->where[i]);
	}
	if (c->origin) {
		free(c->origin->path);
		free(c->origin->where);
		free(c->origin->line);
	}
	free(c->origin);
	free(c->file);
	free(c->server_postfix_dir);
	doveconf_free(&c->dovecot);
	free(c);
	*cp = NULL;
}

const char *config_origin(const struct config *c, const char *name)
{
	const struct setting *s = settings_find(name);
	if (!s)
		return NULL;
	const char *w = c->origin ? c->origin->where[settings_index(s)] : NULL;
	return w ? w : "default";
}

const char *config_postfix_conf_dir(const struct config *c)
{
	return c->server_postfix_dir ? c->server_postfix_dir : c->postfix_dir;
}

void config_set_derived(struct config *c, const char *name, const char *value, const char *origin)
{
	const struct setting *s = settings_find(name);
	if (!s || s->type == ST_INT || s->type == ST_ENUM)
		vm_panic("config_set_derived: %s is not a string setting", name);
	size_t i = settings_index(s);
	free(*settings_str_at(c, s));
	*settings_str_at(c, s) = xstrdup(value);
	free(c->origin->where[i]);
	c->origin->where[i] = xstrdup(origin);
	c->origin->line[i] = 0;
}

char **config_command_argv(const struct config *c, const char *cmdline)
{
	char **argv = NULL;
	size_t n = 0, cap = 0;
	const char *p = cmdline ? cmdline : "";
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		char *word = xstrndup(p, (size_t)(e - p));
		if (strstr(word, "{postfix_dir}")) {
			char *x = expand_placeholders(word, c);
			free(word);
			word = x;
		}
		xgrow(&argv, &cap, n + 2, sizeof *argv);
		argv[n++] = word;
		argv[n] = NULL;
		p = e;
	}
	return argv;
}

void config_argv_free(char ***argvp)
{
	char **argv = *argvp;
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	*argvp = NULL;
}

void config_apply_language(const struct config *c)
{
	if (!c->language || !*c->language)
		return;
	setenv("LANGUAGE", c->language, 1);
	const char *cur = setlocale(LC_MESSAGES, NULL);
	if (cur && (!strcmp(cur, "C") || !strcmp(cur, "POSIX")))
		setlocale(LC_MESSAGES, "C.UTF-8");
}

const char *config_origin_at(const struct config *c, size_t i, unsigned *line)
{
	const char *w = c->origin ? c->origin->where[i] : NULL;
	if (line)
		*line = w ? c->origin->line[i] : 0;
	return w;
}

const char *config_file_origin(const struct config *c)
{
	return c->origin ? c->origin->file_origin : "default";
}

const char *config_file_tried(const struct config *c)
{
	return c->origin ? c->origin->path : NULL;
}
