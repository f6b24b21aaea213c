/* vmailadm's configuration: one settings table drives the YAML reader
 * (libyaml), validation, `vmailadm config` (text and JSON) and the man page
 * vmailadm.yaml(5). struct config owns every string; config_free frees all. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

enum stype {
	ST_PATH,     /* relative to the YAML file's directory */
	ST_PROGRAM,  /* a bare name is looked up in PATH; with a '/', a path */
	ST_COMMAND,  /* a command line; {postfix_dir} expands; "" disables */
	ST_THEME,    /* a theme name, or (with a '/') a path to a theme file */
	ST_STRING,
	ST_INT,
	ST_ENUM,     /* stored as an int index into choices */
};

struct setting;
/* May normalise *value (it owns it); on refusal fills why and returns false. */
typedef bool (*check_fn)(const struct setting *s, char **value, struct strbuf *why);

struct setting {
	const char *name;
	enum stype type;
	const char *def;             /* default, as it would be written in the file */
	const char *help;            /* N_() */
	size_t off;                  /* into struct config */
	long min, max;               /* ST_INT */
	const char *const *choices;  /* ST_ENUM, NULL-terminated */
	check_fn check;              /* extra validation for strings, or NULL */
};

static bool check_scheme(const struct setting *s, char **value, struct strbuf *why);
static bool check_language(const struct setting *s, char **value, struct strbuf *why);
static bool check_location(const struct setting *s, char **value, struct strbuf *why);

static const char *const catchall_forms[] = { "mailbox-map", "identity", NULL };
_Static_assert(sizeof(enum catchall_form) == sizeof(int), "catchall_form is stored as int");

#define OFF(f) offsetof(struct config, f)

/* The settings table (tmux options-table.c, Postfix mail_params.h): the one
 * place a setting is defined. Keep the fixed keys of issue 2 first. */
static const struct setting settings[] = {
	{ "postfix_dir", ST_PATH, "/etc/postfix",
	  N_("The Postfix configuration directory: main.cf is read from here, and the lookup "
	     "tables it names (virtual_mailbox_maps, virtual_alias_maps, ...) are followed from it."),
	  OFF(postfix_dir), 0, 0, NULL, NULL },
	{ "passwd_file", ST_PATH, "/etc/dovecot/users",
	  N_("The Dovecot passwd-file holding the mailboxes' password hashes, uid, gid, home "
	     "and userdb extra fields such as quota rules."),
	  OFF(passwd_file), 0, 0, NULL, NULL },
	{ "aliases_file", ST_PATH, "/etc/aliases",
	  N_("The local aliases(5) file (postmaster, abuse, root ...), rebuilt with postalias."),
	  OFF(aliases_file), 0, 0, NULL, NULL },
	{ "vmail_uid", ST_INT, "5000",
	  N_("The numeric user id that owns every Maildir (Postfix virtual_uid_maps). "
	     "0 (root) is refused."),
	  OFF(vmail_uid), 1, 4294967294L, NULL, NULL },
	{ "vmail_gid", ST_INT, "5000",
	  N_("The numeric group id of every Maildir (Postfix virtual_gid_maps). 0 is refused."),
	  OFF(vmail_gid), 1, 4294967294L, NULL, NULL },
	{ "password_scheme", ST_STRING, "SHA512-CRYPT",
	  N_("The scheme of new password hashes: SHA512-CRYPT, BLF-CRYPT (bcrypt) or CRYPT "
	     "(yescrypt). PLAIN and the other clear-text schemes are refused."),
	  OFF(password_scheme), 0, 0, NULL, check_scheme },
	{ "state_dir", ST_PATH, "/var/lib/vmailadm",
	  N_("Where vmailadm keeps its lock, journal, audit log and the backups of the files "
	     "it changes."),
	  OFF(state_dir), 0, 0, NULL, NULL },
	{ "archive_dir", ST_PATH, "/var/lib/vmailadm/archive",
	  N_("Where the Maildirs of removed mailboxes are moved instead of being deleted."),
	  OFF(archive_dir), 0, 0, NULL, NULL },
	{ "theme", ST_THEME, "default",
	  N_("The colour theme of the interactive interface: the name of a shipped theme "
	     "(default, dark, light, mono) or the path of a theme file (a value with a '/')."),
	  OFF(theme), 0, 0, NULL, NULL },
	{ "postmap", ST_PROGRAM, "postmap",
	  N_("The postmap(1) program, run to rebuild a lookup table after it changed."),
	  OFF(postmap), 0, 0, NULL, NULL },
	{ "postalias", ST_PROGRAM, "postalias",
	  N_("The postalias(1) program, run to rebuild the aliases database."),
	  OFF(postalias), 0, 0, NULL, NULL },
	{ "postfix", ST_PROGRAM, "postfix",
	  N_("The postfix(1) program."),
	  OFF(postfix), 0, 0, NULL, NULL },
	{ "doveadm", ST_PROGRAM, "doveadm",
	  N_("The doveadm(1) program."),
	  OFF(doveadm), 0, 0, NULL, NULL },
	{ "postfix_reload", ST_COMMAND, "postfix -c {postfix_dir} reload",
	  N_("The command run after a change to make Postfix reread its configuration, split "
	     "on spaces and run without a shell; {postfix_dir} is replaced by postfix_dir. "
	     "An empty value disables the reload."),
	  OFF(postfix_reload), 0, 0, NULL, NULL },
	{ "dovecot_reload", ST_COMMAND, "doveadm reload",
	  N_("The command run after a change to make Dovecot reread its configuration, split "
	     "on spaces and run without a shell. An empty value disables the reload."),
	  OFF(dovecot_reload), 0, 0, NULL, NULL },
	{ "dovecot_mail_location", ST_STRING, "maildir:/var/mail/vhosts/%d/%n",
	  N_("Dovecot's mail_location, used to find each mailbox's Maildir and to check that "
	     "Postfix and Dovecot agree on it. Only maildir: locations are supported."),
	  OFF(dovecot_mail_location), 0, 0, NULL, check_location },
	{ "catchall_form", ST_ENUM, "mailbox-map",
	  N_("How a new catch-all is written: mailbox-map puts \"@domain domain/user/\" in "
	     "virtual_mailbox_maps; identity puts \"@domain target\" in virtual_alias_maps plus "
	     "an identity entry for every mailbox of the domain."),
	  OFF(catchall_form), 0, 0, catchall_forms, NULL },
	{ "backups_keep", ST_INT, "10",
	  N_("How many timestamped backups of each changed file are kept in state_dir; "
	     "0 keeps none."),
	  OFF(backups_keep), 0, 100000, NULL, NULL },
	{ "language", ST_STRING, "",
	  N_("The language of messages (\"fr\", \"en\" ...); empty means from the environment "
	     "(LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."),
	  OFF(language), 0, 0, NULL, check_language },
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

struct config_origin {
	char *where[NSETTINGS];  /* NULL: default; else "FILE:LINE" */
	unsigned line[NSETTINGS];
	const char *file_origin; /* "command line", "environment", "default" (N_) */
	char *path;              /* the file named or tried, even when absent */
};

/* ---- access through the table ---- */

static char **str_at(struct config *c, const struct setting *s)
{
	return (char **)((char *)c + s->off);
}

static const char *str_get(const struct config *c, const struct setting *s)
{
	return *(char *const *)((const char *)c + s->off);
}

static long *long_at(struct config *c, const struct setting *s)
{
	return (long *)((char *)c + s->off);
}

static long long_get(const struct config *c, const struct setting *s)
{
	return *(const long *)((const char *)c + s->off);
}

static int *enum_at(struct config *c, const struct setting *s)
{
	return (int *)((char *)c + s->off);
}

static int enum_get(const struct config *c, const struct setting *s)
{
	return *(const int *)((const char *)c + s->off);
}

static bool is_int_type(const struct setting *s)
{
	return s->type == ST_INT;
}

/* The effective value as text (caller frees). */
static char *value_text(const struct config *c, const struct setting *s)
{
	switch (s->type) {
	case ST_INT:
		return xasprintf("%ld", long_get(c, s));
	case ST_ENUM:
		return xstrdup(s->choices[enum_get(c, s)]);
	default:
		return xstrdup(str_get(c, s) ? str_get(c, s) : "");
	}
}

static const struct setting *setting_find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

/* ---- validators ---- */

static bool check_scheme(const struct setting *s, char **value, struct strbuf *why)
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

static bool check_language(const struct setting *s, char **value, struct strbuf *why)
{
	for (const char *p = *value; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.@", *p)) {
			sb_addf(why, _("'%s' is not a language code such as \"fr\" or \"en_GB\""),
				*value);
			return false;
		}
	return true;
}

static bool check_location(const struct setting *s, char **value, struct strbuf *why)
{
	if (strncmp(*value, "maildir:", 8) != 0 || (*value)[8] == '\0') {
		sb_addf(why, _("'%s' is not supported: only maildir:PATH locations are"), *value);
		return false;
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
	for (size_t i = 0; i < NSETTINGS; i++) {
		size_t dist = edit_distance(key, settings[i].name);
		if (dist < bestd) {
			bestd = dist;
			best = settings[i].name;
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
	c->origin = xcalloc(1, sizeof *c->origin);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		switch (s->type) {
		case ST_INT: {
			long v = 0;
			if (!parse_long(s->def, &v))
				vm_panic("bad default for %s", s->name);
			*long_at(c, s) = v;
			break;
		}
		case ST_ENUM: {
			int k = 0;
			while (s->choices[k] && strcmp(s->choices[k], s->def) != 0)
				k++;
			if (!s->choices[k])
				vm_panic("bad default for %s", s->name);
			*enum_at(c, s) = k;
			break;
		}
		default:
			*str_at(c, s) = xstrdup(s->def);
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
	bool set[NSETTINGS];
};

static void set_value(struct loader *L, const struct setting *s, const yaml_node_t *key,
		      const yaml_node_t *val)
{
	struct config *c = L->c;
	unsigned kline = (unsigned)key->start_mark.line + 1;
	unsigned vline = (unsigned)val->start_mark.line + 1;
	size_t idx = (size_t)(s - settings);

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
			*long_at(c, s) = n;
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
			*enum_at(c, s) = k;
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
		goto store;
	case ST_STRING:
		if (s->check && !s->check(s, &v, &why)) {
			diag_error(L->d, L->file, vline, "%s: %s", s->name, sb_str(&why));
			ok = false;
			break;
		}
	store:
		free(*str_at(c, s));
		*str_at(c, s) = v;
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

static void load_mapping(struct loader *L, yaml_document_t *doc, yaml_node_t *root)
{
	unsigned first_line[NSETTINGS] = { 0 };
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
		const struct setting *s = setting_find(name);
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
		size_t idx = (size_t)(s - settings);
		if (first_line[idx]) {
			diag_error(L->d, L->file, kline,
				   _("duplicate key '%s' (first set at line %u)"), s->name,
				   first_line[idx]);
			continue;
		}
		first_line[idx] = kline;
		L->set[idx] = true;
		set_value(L, s, key, val);
	}
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
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].type == ST_COMMAND) {
			char **sp = str_at(c, &settings[i]);
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
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type != ST_INT && settings[i].type != ST_ENUM)
			free(*str_at(c, &settings[i]));
		if (c->origin)
			free(c->origin->where[i]);
	}
	if (c->origin)
		free(c->origin->path);
	free(c->origin);
	free(c->file);
	free(c);
	*cp = NULL;
}

const char *config_origin(const struct config *c, const char *name)
{
	const struct setting *s = setting_find(name);
	if (!s)
		return NULL;
	const char *w = c->origin ? c->origin->where[s - settings] : NULL;
	return w ? w : "default";
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

/* ---- printing ---- */

static char *printable(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add_printable(&sb, s, strlen(s));
	return sb_detach(&sb);
}

void config_print(const struct config *c, FILE *fp, bool json)
{
	const struct config_origin *o = c->origin;
	if (json) {
		json_t *root = json_object();
		json_object_set_new(root, "file", c->file ? json_string(c->file) : json_null());
		json_object_set_new(root, "file_origin",
				    json_string(o ? o->file_origin : "default"));
		json_t *set = json_object();
		for (size_t i = 0; i < NSETTINGS; i++) {
			const struct setting *s = &settings[i];
			json_t *e = json_object();
			if (is_int_type(s))
				json_object_set_new(e, "value", json_integer(long_get(c, s)));
			else {
				char *v = value_text(c, s);
				/* jansson refuses invalid UTF-8: fall back to the escaped form. */
				json_t *js = json_string(v);
				if (!js) {
					char *pv = printable(v);
					js = json_string(pv);
					free(pv);
				}
				json_object_set_new(e, "value", js);
				free(v);
			}
			const char *w = o ? o->where[i] : NULL;
			json_object_set_new(e, "origin", json_string(w ? w : "default"));
			if (w)
				json_object_set_new(e, "line", json_integer(o->line[i]));
			json_object_set_new(set, s->name, e);
		}
		json_object_set_new(root, "settings", set);
		json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', fp);
		json_decref(root);
		return;
	}

	if (c->file) {
		char *f = printable(c->file);
		/* Whole sentences, so that translators can decline them. */
		const char *fo = o ? o->file_origin : "default";
		if (!strcmp(fo, "environment"))
			fprintf(fp, _("# configuration file: %s (from $VMAILADM_CONFIG)\n"), f);
		else if (!strcmp(fo, "command line"))
			fprintf(fp, _("# configuration file: %s (from --config)\n"), f);
		else
			fprintf(fp, _("# configuration file: %s (the default)\n"), f);
		free(f);
	} else {
		char *f = printable(o && o->path ? o->path : CONFIG_DEFAULT_PATH);
		fprintf(fp, _("# no configuration file (%s does not exist): built-in defaults\n"), f);
		free(f);
	}
	char *vals[NSETTINGS];
	int namew = 0, valw = 0;
	for (size_t i = 0; i < NSETTINGS; i++) {
		char *v = value_text(c, &settings[i]);
		vals[i] = *v ? printable(v) : xstrdup("\"\"");
		free(v);
		int nl = (int)strlen(settings[i].name), vl = (int)strlen(vals[i]);
		if (nl > namew)
			namew = nl;
		if (vl > valw)
			valw = vl;
	}
	if (valw > 40)
		valw = 40;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *w = o ? o->where[i] : NULL;
		char *wp = w ? printable(w) : NULL;
		fprintf(fp, "%-*s = %-*s  (%s)\n", namew, settings[i].name, valw, vals[i],
			wp ? wp : _("default"));
		free(wp);
		free(vals[i]);
	}
}

/* ---- the man page ---- */

/* roff-safe text: backslashes doubled as \e, a leading '.' or '\'' guarded. */
static void roff(FILE *fp, const char *s, bool minus)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-' && minus)
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

static const char *type_word(const struct setting *s)
{
	switch (s->type) {
	case ST_PATH: return "path";
	case ST_PROGRAM: return "program";
	case ST_COMMAND: return "command";
	case ST_THEME: return "theme name or path";
	case ST_INT: return "integer";
	case ST_ENUM: return "one of";
	default: return "string";
	}
}

/* Deliberately untranslated and free of configure-time paths: the output is
 * committed as doc/vmailadm.yaml.5 and a test compares the two. */
void config_print_man(FILE *fp)
{
	fputs(".\\\" Generated by `vmailadm config --man` from the settings table in\n"
	      ".\\\" src/sys/config.c: edit the table, then regenerate this file.\n"
	      ".TH VMAILADM.YAML 5 \"\" \"vmailadm\" \"File Formats Manual\"\n"
	      ".SH NAME\n"
	      "vmailadm.yaml \\- configuration file of vmailadm\n"
	      ".SH SYNOPSIS\n"
	      ".I SYSCONFDIR\\fB/vmailadm/vmailadm.yaml\\fR\n"
	      ".SH DESCRIPTION\n"
	      ".B vmailadm\n"
	      "reads its settings from a YAML file whose top level is a mapping of\n"
	      "setting names to values.\n"
	      "The file is chosen by the\n"
	      ".B \\-\\-config\n"
	      "option, else by the\n"
	      ".B VMAILADM_CONFIG\n"
	      "environment variable, else it is\n"
	      ".IR SYSCONFDIR /vmailadm/vmailadm.yaml\n"
	      "(\\fB/etc/vmailadm/vmailadm.yaml\\fR when built with \\fB\\-\\-sysconfdir=/etc\\fR).\n"
	      "When that default file does not exist the built-in defaults below apply;\n"
	      "a file named by the option or the variable must exist.\n"
	      "An empty file also means the defaults.\n"
	      ".PP\n"
	      "Every value is a single YAML scalar; quoting is optional.\n"
	      "A relative path is relative to the directory of the YAML file.\n"
	      "A program given as a bare name is looked up in\n"
	      ".BR PATH ;\n"
	      "with a\n"
	      ".B /\n"
	      "in it, it is a path (and a relative one is, again, relative to the file).\n"
	      ".PP\n"
	      "An unknown key (with the closest known key suggested), a duplicate key,\n"
	      "a value of the wrong type (a list or mapping where a single value is\n"
	      "expected, a word where an integer is expected), a bad value and a YAML\n"
	      "syntax error are errors that name the file, the line and the key.\n"
	      "Every problem of the file is reported, then vmailadm exits with status 2.\n"
	      ".PP\n"
	      ".B vmailadm config\n"
	      "prints every effective value and where it came from\n"
	      "(\\fBdefault\\fR or \\fIFILE\\fB:\\fILINE\\fR);\n"
	      ".B vmailadm config \\-\\-json\n"
	      "prints an object with the members\n"
	      ".B file\n"
	      "(the file read, or null),\n"
	      ".B file_origin\n"
	      "(\\fBcommand line\\fR, \\fBenvironment\\fR or \\fBdefault\\fR) and\n"
	      ".BR settings ,\n"
	      "which maps each name to an object with\n"
	      ".B value\n"
	      "(a string, or a number for integers),\n"
	      ".B origin\n"
	      "and, for a value from the file,\n"
	      ".BR line .\n"
	      ".SH SETTINGS\n", fp);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		fputs(".TP\n.B ", fp);
		roff(fp, s->name, false);
		fputs("\n(", fp);
		fputs(type_word(s), fp);
		if (s->type == ST_ENUM)
			for (int k = 0; s->choices[k]; k++) {
				fputs(k ? ", " : " ", fp);
				fputs("\\fB", fp);
				roff(fp, s->choices[k], true);
				fputs("\\fR", fp);
			}
		if (s->type == ST_INT)
			fprintf(fp, " from %ld to %ld", s->min, s->max);
		fputs("; default: ", fp);
		if (*s->def) {
			fputs("\\fB", fp);
			roff(fp, s->def, true);
			fputs("\\fR", fp);
		} else
			fputs("empty", fp);
		fputs(")\n.br\n", fp);
		roff(fp, s->help, false);
		fputc('\n', fp);
	}
	fputs(".SH EXAMPLE\n"
	      ".EX\n"
	      "# /etc/vmailadm/vmailadm.yaml\n"
	      "postfix_dir: /etc/postfix\n"
	      "passwd_file: /etc/dovecot/users\n"
	      "vmail_uid: 5000\n"
	      "vmail_gid: 5000\n"
	      "password_scheme: BLF\\-CRYPT\n"
	      "backups_keep: 20\n"
	      "# a test tree next to this file:\n"
	      "# postfix_dir: ./postfix\n"
	      "postfix_reload: \"postfix \\-c {postfix_dir} reload\"\n"
	      ".EE\n"
	      ".SH ENVIRONMENT\n"
	      ".TP\n"
	      ".B VMAILADM_CONFIG\n"
	      "The configuration file to read when\n"
	      ".B \\-\\-config\n"
	      "is not given.\n"
	      ".SH FILES\n"
	      ".TP\n"
	      ".IR SYSCONFDIR /vmailadm/vmailadm.yaml\n"
	      "The default configuration file.\n"
	      ".SH SEE ALSO\n"
	      ".BR vmailadm (1),\n"
	      ".BR postconf (5),\n"
	      ".BR virtual (5),\n"
	      ".BR aliases (5)\n", fp);
}
