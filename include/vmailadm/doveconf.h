/* Dovecot's own settings for the server tree vmailadm manages, asked of
 * doveconf(1): the mail_location, first_valid_uid and the userdb that says
 * where each user's home is. The dovecot.conf asked about is the one beside
 * the configured passwd_file (/etc/dovecot/users -> /etc/dovecot/dovecot.conf),
 * never the host's when vmailadm manages another root. */
#ifndef VMAILADM_DOVECONF_H
#define VMAILADM_DOVECONF_H
#include <stddef.h>

#include "vmailadm/diag.h"

struct config;

/* One userdb { } or passdb { } section, as doveconf prints it. */
struct doveconf_db {
	char *driver, *args, *default_fields, *override_fields; /* "" when unset */
};

struct doveconf {
	char *conf;             /* the dovecot.conf asked about */
	char *mail_location;    /* "" when Dovecot has none */
	long first_valid_uid;   /* -1 when doveconf did not say */
	struct doveconf_db *passdb, *userdb;  /* in the file's order */
	size_t npassdb, nuserdb;
};

/* The answers of `doveconf -c CONF mail_location first_valid_uid passdb
 * userdb` (name = value lines and the sections) into a fresh doveconf. */
struct doveconf *doveconf_parse(const char *text, size_t len);

/* Ask doveconf (the program) about conf. 1 with *out set when it answered;
 * 0 when there is nothing to ask (conf or the program is absent); -1 with a
 * diagnostic naming conf when doveconf failed (a broken dovecot.conf). */
int doveconf_read(const char *program, const char *conf, struct doveconf **out, struct diags *d);
void doveconf_free(struct doveconf **p);

/* The userdb that serves the users of passwd_file: the passwd-file userdb
 * whose args name it, else the first userdb; NULL when there is none. */
const struct doveconf_db *doveconf_userdb(const struct doveconf *dc, const char *passwd_file);

/* The value of key=VALUE in a space-separated list of fields (userdb args,
 * default_fields, override_fields, a passwd-file line's extra fields),
 * with prefix ("userdb_" or "") before key; NULL when absent. Caller frees. */
char *doveconf_field(const char *fields, const char *prefix, const char *key);

/* Read Dovecot's settings for c's tree into c->dovecot and, unless the file
 * sets dovecot_mail_location (an override), take Dovecot's maildir
 * mail_location as the effective one (origin "doveconf CONF"). Warnings (a
 * broken dovecot.conf, a location vmailadm cannot use) go to d; the
 * built-in values stay then. Returns 0 (nothing fatal can happen here). */
int doveconf_apply(struct config *c, struct diags *d);

#endif
