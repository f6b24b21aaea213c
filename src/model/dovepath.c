/* Where Dovecot looks for a user's maildir (dovepath.h). The rules are
 * Dovecot 2.3's: a userdb field overrides mail_location; override_fields
 * beat the userdb's answer, which beats default_fields (DD
 * configuration_manual/authentication/user_databases_userdb.rst); a
 * passwd-file line's home field and userdb_home are the userdb's answer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/dovepath.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static const struct doveconf_db *dovepath_userdb(const struct config *cfg)
{
	return doveconf_userdb(cfg->dovecot, cfg->passwd_file);
}

/* Does the userdb answer from the passwd-file's own columns and userdb_
 * fields (else a static or SQL userdb answers, and they are ignored)? */
static bool dovepath_is_pwfile_userdb(const struct doveconf_db *db)
{
	/* No doveconf (the built-in layout): the passwd-file serves both. */
	return !db || !strcmp(db->driver, "passwd-file");
}

bool dovepath_modelled(const struct config *cfg)
{
	const struct doveconf_db *db = dovepath_userdb(cfg);
	return !db || !strcmp(db->driver, "passwd-file") || !strcmp(db->driver, "static");
}

char *dovepath_location_from(const struct config *cfg, const struct pwfile_entry *e,
			     enum dovepath_from *from)
{
	const struct doveconf_db *db = dovepath_userdb(cfg);
	enum dovepath_from f = DOVEPATH_FROM_USERDB;
	char *v = db ? doveconf_field(db->override_fields, "", "mail") : NULL;
	if (!v && e && dovepath_is_pwfile_userdb(db) && (v = pwfile_extra_get(e, "userdb_mail")))
		f = DOVEPATH_FROM_ENTRY;
	if (!v && db && !strcmp(db->driver, "static"))
		v = doveconf_field(db->args, "", "mail");
	if (!v && db)
		v = doveconf_field(db->default_fields, "", "mail");
	if (v && !*v) {
		free(v);
		v = NULL;
	}
	if (from)
		*from = v ? f : DOVEPATH_FROM_SETTING;
	return v ? v : xstrdup(cfg->dovecot_mail_location ? cfg->dovecot_mail_location : "");
}

char *dovepath_location(const struct config *cfg, const struct pwfile_entry *e)
{
	return dovepath_location_from(cfg, e, NULL);
}

bool dovepath_needs_home(const char *location)
{
	return strstr(location, ":~") || strstr(location, "%h") || strstr(location, "%{home}");
}

char *dovepath_home(const struct config *cfg, const struct pwfile_entry *e, const char *address,
		    const char **from)
{
	const struct doveconf_db *db = dovepath_userdb(cfg);
	const char *f = NULL;
	char *tmpl = NULL;
	if (db && (tmpl = doveconf_field(db->override_fields, "", "home")))
		f = "override_fields";
	else if (e && dovepath_is_pwfile_userdb(db) && (tmpl = pwfile_extra_get(e, "userdb_home")))
		f = "userdb_home";
	else if (e && dovepath_is_pwfile_userdb(db) && pwfile_field_set(e, PWFILE_HOME) &&
		 (tmpl = pwfile_field_dup(e, PWFILE_HOME)))
		f = "home field";
	else if (db && !strcmp(db->driver, "static") && (tmpl = doveconf_field(db->args, "", "home")))
		f = "userdb args";
	else if (db && (tmpl = doveconf_field(db->default_fields, "", "home")))
		f = "default_fields";
	if (from)
		*from = f;
	if (!tmpl || !*tmpl) {
		free(tmpl);
		return NULL;
	}
	struct strbuf sb = STRBUF_INIT;
	bool ok = dovepath_expand(tmpl, strlen(tmpl), address, NULL, &sb);
	free(tmpl);
	if (!ok) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* One %{name} variable: its value, or NULL when it is not modelled. */
static const char *dovepath_long_var(const char *v, size_t vl, const char *address,
				     const char *local, const char *domain, const char *home)
{
	if (vl == 4 && !strncmp(v, "user", 4))
		return address;
	if (vl == 8 && !strncmp(v, "username", 8))
		return local;
	if (vl == 6 && !strncmp(v, "domain", 6))
		return domain;
	if (vl == 4 && !strncmp(v, "home", 4))
		return home;
	return NULL;
}

bool dovepath_expand(const char *p, size_t len, const char *address, const char *home,
		     struct strbuf *out)
{
	const char *at = strrchr(address, '@');
	char *local = at ? xstrndup(address, (size_t)(at - address)) : xstrdup(address);
	const char *domain = at ? at + 1 : "";
	bool ok = true;
	size_t i = 0;
	if (len && p[0] == '~') {
		if (!home)
			ok = false;
		else
			sb_adds(out, home);
		i = 1;
	}
	for (; ok && i < len; i++) {
		if (p[i] != '%' || i + 1 >= len) {
			sb_addc(out, p[i]);
			continue;
		}
		i++;
		/* modifiers: %Lu, %Ln ... (the model's addresses are lower case) */
		while (i < len && (p[i] == 'L' || p[i] == 'U'))
			i++;
		if (i >= len) {
			ok = false;
			break;
		}
		const char *val = NULL;
		switch (p[i]) {
		case 'u': val = address; break;
		case 'n': val = local; break;
		case 'd': val = domain; break;
		case 'h': val = home; break;
		case '%': val = "%"; break;
		case '{': {
			const char *end = memchr(p + i, '}', len - i);
			if (end) {
				val = dovepath_long_var(p + i + 1, (size_t)(end - (p + i + 1)), address,
							local, domain, home);
				i = (size_t)(end - p);
			}
			break;
		}
		default:
			break;
		}
		if (!val)
			ok = false;
		else
			sb_adds(out, val);
	}
	free(local);
	return ok;
}

enum dovepath_status dovepath_maildir(const struct config *cfg, const struct pwfile_entry *e,
				      const char *address, char **out)
{
	*out = NULL;
	char *loc = dovepath_location(cfg, e);
	if (strncmp(loc, "maildir:", 8) != 0) {
		free(loc);
		return DOVEPATH_UNKNOWN;
	}
	const char *p = loc + 8;
	size_t len = strcspn(p, ":");   /* :INDEX=, :LAYOUT= ... follow */
	char *home = dovepath_needs_home(loc) ? dovepath_home(cfg, e, address, NULL) : NULL;
	enum dovepath_status st = DOVEPATH_UNKNOWN;
	struct strbuf sb = STRBUF_INIT;
	if (dovepath_needs_home(loc) && !home)
		/* an SQL or LDAP userdb may well give one: not ours to say */
		st = dovepath_modelled(cfg) ? DOVEPATH_NO_HOME : DOVEPATH_UNKNOWN;
	else if (len && dovepath_expand(p, len, address, home, &sb)) {
		while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
			sb_truncate(&sb, sb.len - 1);
		st = DOVEPATH_FOUND;
		*out = sb_detach(&sb);
	}
	sb_free(&sb);
	free(home);
	free(loc);
	return st;
}
