/* Colour themes: a YAML file (libyaml) maps each role to colours and
 * attributes. The default theme is themes/default.yaml compiled in
 * (theme-default.c is generated from it), so a broken or missing file can
 * always fall back to it. No curses here: the interface applies the styles. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "vmailadm/embedded.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/theme.h"
#include "vmailadm/xalloc.h"

/* themes/default.yaml, compiled in (themes/local.mk). */
extern const struct embedded_file theme_default_files[];

static const char *const role_names[ROLE_COUNT] = {
	[ROLE_NORMAL] = "normal",
	[ROLE_SELECTION] = "selection",
	[ROLE_SELECTION_DIM] = "selection_dim",
	[ROLE_HEADER] = "header",
	[ROLE_TITLE] = "title",
	[ROLE_BORDER] = "border",
	[ROLE_SECTION] = "section",
	[ROLE_NEW_MAIL] = "new_mail",
	[ROLE_STAGED_ADD] = "staged_add",
	[ROLE_STAGED_DEL] = "staged_del",
	[ROLE_STAGED_CHANGE] = "staged_change",
	[ROLE_WARNING] = "warning",
	[ROLE_ERROR] = "error",
	[ROLE_DIM] = "dim",
	[ROLE_KEYBAR] = "keybar",
	[ROLE_KEY] = "key",
	[ROLE_STATUS] = "status",
	[ROLE_READONLY] = "readonly",
	[ROLE_QUOTA_OK] = "quota_ok",
	[ROLE_QUOTA_HIGH] = "quota_high",
	[ROLE_FILTER] = "filter",
	[ROLE_QUOTA_WARN] = "quota_warn",
};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", THEME_BOLD }, { "dim", THEME_DIM }, { "underline", THEME_UNDERLINE },
	{ "reverse", THEME_REVERSE }, { "standout", THEME_STANDOUT },
	{ "italic", THEME_ITALIC }, { "blink", THEME_BLINK },
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

const char *theme_role_name(enum theme_role r)
{
	return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

/* The xterm palette in RGB: 16 system colours, the 6x6x6 cube, 24 greys. */
static void palette_rgb(int c, int rgb[3])
{
	static const int sys[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
		{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	if (c < 16) {
		memcpy(rgb, sys[c], sizeof sys[c]);
	} else if (c < 232) {
		c -= 16;
		rgb[0] = level[c / 36];
		rgb[1] = level[(c / 6) % 6];
		rgb[2] = level[c % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + (c - 232) * 10;
	}
}

short theme_color_reduce(short c, int ncolors)
{
	if (c < 0 || c < ncolors)
		return c;
	if (c >= 16) {
		int rgb[3], best = 0;
		long bestd = -1;
		palette_rgb(c, rgb);
		for (int i = 0; i < 16; i++) {
			int p[3];
			palette_rgb(i, p);
			long d = 0;
			for (int k = 0; k < 3; k++)
				d += (long)(p[k] - rgb[k]) * (p[k] - rgb[k]);
			if (bestd < 0 || d < bestd) {
				bestd = d;
				best = i;
			}
		}
		c = (short)best;
	}
	if (c >= ncolors && c >= 8)
		c = (short)(c - 8);   /* bright-red → red on an 8-colour terminal */
	return c < ncolors ? c : THEME_COLOR_DEFAULT;
}

struct parser {
	const char *file;
	struct diags *d;
	yaml_document_t *doc;
	int errors;
};

static unsigned line_of(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

static void problem(struct parser *P, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct parser *P, const yaml_node_t *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_error(P->d, P->file, n ? line_of(n) : 0, "%s", sb_str(&sb));
	sb_free(&sb);
	P->errors++;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool parse_color(struct parser *P, const yaml_node_t *n, short *out)
{
	const char *s = scalar(n);
	if (!s) {
		problem(P, n, _("a colour must be a name or a number 0-255"));
		return false;
	}
	if (strcasecmp(s, "default") == 0 || strcasecmp(s, "none") == 0) {
		*out = THEME_COLOR_DEFAULT;
		return true;
	}
	const char *name = s;
	short base = 0;
	if (strncasecmp(s, "bright-", 7) == 0) {
		name = s + 7;
		base = 8;
	}
	for (short i = 0; i < 8; i++)
		if (strcasecmp(name, color_names[i]) == 0) {
			*out = (short)(base + i);
			return true;
		}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s && !*end && !errno && v >= 0 && v <= 255) {
		*out = (short)v;
		return true;
	}
	problem(P, n, _("unknown colour '%s' (a name such as red or bright-blue, "
			"\"default\", or a number 0-255)"), s);
	return false;
}

static bool parse_attr_word(struct parser *P, const yaml_node_t *n, unsigned *bits)
{
	const char *s = scalar(n);
	for (size_t i = 0; s && i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (strcasecmp(s, attr_names[i].name) == 0) {
			*bits |= attr_names[i].bit;
			return true;
		}
	if (s && (strcasecmp(s, "none") == 0 || !*s))
		return true;
	problem(P, n, _("unknown attribute '%s' (bold, dim, underline, reverse, standout, "
			"italic, blink)"), s ? s : "?");
	return false;
}

/* "bold", or [bold, reverse]. */
static bool parse_attrs(struct parser *P, const yaml_node_t *n, unsigned *out)
{
	unsigned bits = 0;
	bool ok = true;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			ok &= parse_attr_word(P, yaml_document_get_node(P->doc, *it), &bits);
	} else {
		ok = parse_attr_word(P, n, &bits);
	}
	if (ok)
		*out = bits;
	return ok;
}

static void parse_style(struct parser *P, const yaml_node_t *n, struct theme_style *st)
{
	if (n->type != YAML_MAPPING_NODE) {
		problem(P, n, _("a role needs a mapping such as { fg: red, bg: default, "
				"attrs: [bold] }"));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(P->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(P->doc, p->value);
		const char *key = scalar(k);
		if (!key)
			problem(P, k, _("a role's keys must be fg, bg, attrs or mono"));
		else if (strcmp(key, "fg") == 0)
			parse_color(P, v, &st->fg);
		else if (strcmp(key, "bg") == 0)
			parse_color(P, v, &st->bg);
		else if (strcmp(key, "attrs") == 0)
			parse_attrs(P, v, &st->attrs);
		else if (strcmp(key, "mono") == 0)
			parse_attrs(P, v, &st->mono);
		else
			problem(P, k, _("unknown key '%s' in a role (fg, bg, attrs, mono)"), key);
	}
}

static void parse_roles(struct parser *P, const yaml_node_t *n, struct theme *t)
{
	if (n->type != YAML_MAPPING_NODE) {
		problem(P, n, _("'roles' must be a mapping of role names to styles"));
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(P->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(P->doc, p->value);
		const char *key = scalar(k);
		int r = -1;
		for (int i = 0; key && i < ROLE_COUNT; i++)
			if (strcmp(key, role_names[i]) == 0)
				r = i;
		if (r < 0) {
			problem(P, k, _("unknown role '%s'"), key ? key : "?");
			continue;
		}
		parse_style(P, v, &t->role[r]);
	}
}

int theme_parse(const char *file, const char *text, size_t len, struct theme *t,
		struct diags *d)
{
	struct theme nt = *t;
	struct parser P = { .file = file, .d = d };
	yaml_parser_t yp;
	yaml_document_t doc;

	if (!yaml_parser_initialize(&yp))
		vm_fatal("%s", _("out of memory"));
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &doc)) {
		diag_error(d, file, (unsigned)yp.problem_mark.line + 1, _("not valid YAML: %s"),
			   yp.problem ? yp.problem : "?");
		yaml_parser_delete(&yp);
		return -1;
	}
	P.doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		diag_error(d, file, 0, "%s", _("the theme file is empty"));
		P.errors++;
	} else if (root->type != YAML_MAPPING_NODE) {
		problem(&P, root, _("a theme is a mapping with 'roles' (and optionally 'mono')"));
	} else {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);
			const char *key = scalar(k);
			if (key && strcmp(key, "roles") == 0) {
				parse_roles(&P, v, &nt);
			} else if (key && strcmp(key, "mono") == 0) {
				const char *s = scalar(v);
				if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
					nt.mono = true;
				else if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
					nt.mono = false;
				else
					problem(&P, v, _("'mono' must be true or false"));
			} else if (key && strcmp(key, "name") == 0) {
				/* informative only */
			} else {
				problem(&P, k, _("unknown key '%s' (a theme has 'roles' and 'mono')"),
					key ? key : "?");
			}
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	if (P.errors)
		return -1;
	*t = nt;
	return 0;
}

void theme_default(struct theme *t)
{
	struct diags d = DIAGS_INIT;
	memset(t, 0, sizeof *t);
	for (int i = 0; i < ROLE_COUNT; i++)
		t->role[i] = (struct theme_style){ THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0, 0 };
	if (theme_parse("themes/default.yaml", theme_default_files[0].text, theme_default_files[0].len,
			t, &d) < 0)
		vm_panic("the compiled-in default theme does not parse");
	diags_free(&d);
	t->name = xstrdup("default");
}

static char *read_file(const char *path, size_t *len, int *err)
{
	FILE *fp = fopen(path, "re");
	if (!fp) {
		*err = errno;
		return NULL;
	}
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		sb_add(&sb, buf, n);
		if (sb.len > 1 << 20)
			break;   /* a theme is small: do not read a huge file */
	}
	*err = ferror(fp) ? EIO : 0;
	fclose(fp);
	*len = sb.len;
	return sb_detach(&sb);
}

int theme_load(const char *spec, const char *datadir, struct theme *t, struct diags *d)
{
	theme_default(t);
	if (!spec || !*spec || strcmp(spec, "default") == 0)
		return 0;

	struct strbuf path = STRBUF_INIT;
	char *text = NULL;
	size_t len = 0;
	int err = ENOENT;
	size_t sl = strlen(spec);
	if (strchr(spec, '/') || (sl > 5 && strcmp(spec + sl - 5, ".yaml") == 0)) {
		sb_adds(&path, spec);
		text = read_file(sb_str(&path), &len, &err);
	} else {
		const char *dirs[2] = { getenv("VMAILADM_THEME_DIR"), datadir };
		for (int i = 0; i < 2 && !text; i++) {
			if (!dirs[i] || !*dirs[i])
				continue;
			sb_reset(&path);
			sb_addf(&path, "%s/%s.yaml", dirs[i], spec);
			text = read_file(sb_str(&path), &len, &err);
		}
	}
	int rc = 0;
	if (!text) {
		diag_error(d, sb_str(&path), 0, _("cannot read theme '%s': %s; using the default"),
			   spec, strerror(err));
		rc = -1;
	} else if (theme_parse(sb_str(&path), text, len, t, d) < 0) {
		diag_add(d, DIAG_NOTE, sb_str(&path), 0, "%s", _("using the default theme"));
		rc = -1;
	} else {
		free(t->name);
		t->name = sb_detach(&path);
	}
	free(text);
	sb_free(&path);
	return rc;
}

void theme_free(struct theme *t)
{
	free(t->name);
	t->name = NULL;
}
