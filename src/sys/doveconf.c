/* Dovecot's settings for the managed tree, from doveconf(1) (doveconf.h).
 * doveconf, not a parser of our own: dovecot.conf has !include, defaults
 * and conf.d files, and only Dovecot knows which value wins. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmailadm/config.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/i18n.h"
#include "vmailadm/settings.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define DOVECONF_TIMEOUT_MS 10000

static void doveconf_db_init(struct doveconf_db *db)
{
	db->driver = xstrdup("");
	db->args = xstrdup("");
	db->default_fields = xstrdup("");
	db->override_fields = xstrdup("");
}

static void doveconf_db_set(struct doveconf_db *db, const char *name, const char *value)
{
	char **f = !strcmp(name, "driver") ? &db->driver
		 : !strcmp(name, "args") ? &db->args
		 : !strcmp(name, "default_fields") ? &db->default_fields
		 : !strcmp(name, "override_fields") ? &db->override_fields : NULL;
	if (f) {
		free(*f);
		*f = xstrdup(value);
	}
}

static struct doveconf_db *doveconf_db_push(struct doveconf_db **v, size_t *n)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	doveconf_db_init(&(*v)[*n]);
	return &(*v)[(*n)++];
}

/* One line "name = value" (leading blanks cut), into name and value. */
static bool doveconf_split(const char *line, char **name, char **value)
{
	while (*line == ' ' || *line == '\t')
		line++;
	const char *eq = strstr(line, " = ");
	if (!eq) {
		/* "name =" with an empty value */
		size_t l = strlen(line);
		if (l < 2 || strcmp(line + l - 2, " =") != 0)
			return false;
		*name = xstrndup(line, l - 2);
		*value = xstrdup("");
		return true;
	}
	*name = xstrndup(line, (size_t)(eq - line));
	*value = xstrdup(eq + 3);
	return true;
}

struct doveconf *doveconf_parse(const char *text, size_t len)
{
	struct doveconf *dc = xcalloc(1, sizeof *dc);
	dc->mail_location = xstrdup("");
	dc->first_valid_uid = -1;
	struct doveconf_db *in = NULL;  /* the section being read */
	int depth = 0;                  /* nested sections inside it are skipped */
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = xstrndup(p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
		size_t l = strlen(line);
		char *name = NULL, *value = NULL;
		if (l >= 2 && !strcmp(line + l - 2, " {")) {
			const char *s = line + strspn(line, " \t");
			if (depth == 0 && !strncmp(s, "passdb", 6) && (s[6] == ' '))
				in = doveconf_db_push(&dc->passdb, &dc->npassdb);
			else if (depth == 0 && !strncmp(s, "userdb", 6) && (s[6] == ' '))
				in = doveconf_db_push(&dc->userdb, &dc->nuserdb);
			depth++;
		} else if (strspn(line, " \t") < l && line[strspn(line, " \t")] == '}') {
			if (depth > 0 && --depth == 0)
				in = NULL;
		} else if (doveconf_split(line, &name, &value)) {
			if (depth == 1 && in)
				doveconf_db_set(in, name, value);
			else if (depth == 0 && !strcmp(name, "mail_location")) {
				free(dc->mail_location);
				dc->mail_location = value;
				value = NULL;
			} else if (depth == 0 && !strcmp(name, "first_valid_uid")) {
				char *e;
				long v = strtol(value, &e, 10);
				if (*value && !*e && v >= 0)
					dc->first_valid_uid = v;
			}
		}
		free(name);
		free(value);
		free(line);
	}
	return dc;
}

void doveconf_free(struct doveconf **pp)
{
	struct doveconf *dc = *pp;
	if (!dc)
		return;
	struct doveconf_db *v[2] = { dc->passdb, dc->userdb };
	size_t n[2] = { dc->npassdb, dc->nuserdb };
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < n[k]; i++) {
			free(v[k][i].driver);
			free(v[k][i].args);
			free(v[k][i].default_fields);
			free(v[k][i].override_fields);
		}
		free(v[k]);
	}
	free(dc->conf);
	free(dc->mail_location);
	free(dc);
	*pp = NULL;
}

int doveconf_read(const char *program, const char *conf, struct doveconf **out, struct diags *d)
{
	*out = NULL;
	struct stat st;
	if (!conf || stat(conf, &st) < 0)
		return 0;   /* no dovecot.conf in this tree: nothing to ask */
	const char *argv[] = { program, "-c", conf, "mail_location", "first_valid_uid", "passdb",
			       "userdb", NULL };
	struct spawn_result res;
	struct diags sd = DIAGS_INIT;
	int rc = spawn_run(argv, NULL, 0, NULL, DOVECONF_TIMEOUT_MS, &res, &sd);
	diags_free(&sd);
	if (rc < 0 || res.status == 127) {
		spawn_result_free(&res);
		return 0;   /* Dovecot is not installed */
	}
	struct diags cd = DIAGS_INIT;
	if (spawn_result_check(argv, &res, DOVECONF_TIMEOUT_MS, &cd) < 0) {
		diag_warn(d, conf, 0, _("Dovecot's settings are not known (%s): vmailadm uses its own"),
			  cd.n ? cd.v[0].msg : "doveconf");
		diags_free(&cd);
		spawn_result_free(&res);
		return -1;
	}
	diags_free(&cd);
	*out = doveconf_parse(sb_str(&res.out), res.out.len);
	(*out)->conf = xstrdup(conf);
	spawn_result_free(&res);
	return 1;
}

/* Does the space-separated args name path as one of its words? */
static bool doveconf_names(const char *args, const char *path)
{
	size_t l = strlen(path);
	for (const char *p = args; (p = strstr(p, path)) != NULL; p += l)
		if ((p == args || p[-1] == ' ' || p[-1] == '=') && (p[l] == '\0' || p[l] == ' '))
			return true;
	return false;
}

const struct doveconf_db *doveconf_userdb(const struct doveconf *dc, const char *passwd_file)
{
	if (!dc || !dc->nuserdb)
		return NULL;
	for (size_t i = 0; passwd_file && i < dc->nuserdb; i++)
		if (!strcmp(dc->userdb[i].driver, "passwd-file") &&
		    doveconf_names(dc->userdb[i].args, passwd_file))
			return &dc->userdb[i];
	return &dc->userdb[0];
}

char *doveconf_field(const char *fields, const char *prefix, const char *key)
{
	size_t pl = strlen(prefix), kl = strlen(key);
	const char *p = fields ? fields : "";
	while (*p) {
		while (*p == ' ')
			p++;
		const char *e = p + strcspn(p, " ");
		if (!strncmp(p, prefix, pl) && !strncmp(p + pl, key, kl) && p[pl + kl] == '=')
			return xstrndup(p + pl + kl + 1, (size_t)(e - (p + pl + kl + 1)));
		p = e;
	}
	return NULL;
}

int doveconf_apply(struct config *c, struct diags *d)
{
	if (c->dovecot)
		return 0;
	const char *slash = strrchr(c->passwd_file, '/');
	char *conf = slash ? xasprintf("%.*s/dovecot.conf", (int)(slash - c->passwd_file), c->passwd_file)
			   : xstrdup("dovecot.conf");
	struct doveconf *dc;
	if (doveconf_read(c->doveconf, conf, &dc, d) <= 0) {
		free(conf);
		return 0;
	}
	free(conf);
	c->dovecot = dc;
	if (config_origin_at(c, settings_index(settings_find("dovecot_mail_location")), NULL))
		return 0;   /* the file's setting overrides Dovecot's */
	if (!*dc->mail_location)
		return 0;
	if (strncmp(dc->mail_location, "maildir:", 8) != 0 || !dc->mail_location[8]) {
		diag_warn(d, dc->conf, 0,
			  _("Dovecot's mail_location is %s: vmailadm manages maildir: locations only, and keeps %s"),
			  dc->mail_location, c->dovecot_mail_location);
		return 0;
	}
	char *origin = xasprintf("doveconf %s", dc->conf);
	config_set_derived(c, "dovecot_mail_location", dc->mail_location, origin);
	free(origin);
	return 0;
}
