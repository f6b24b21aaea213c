/* The Dovecot passwd-file (/etc/dovecot/users): one entry a line,
 * user:password:uid:gid:gecos:home:shell:extra_fields, '#' comments and blank
 * lines kept. Users compare case-insensitively; the first of duplicates wins
 * (Dovecot logs an error for the later ones). Owns its document. */
#ifndef VMAILADM_PWFILE_H
#define VMAILADM_PWFILE_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"

struct pwfile_entry {
	char *user;
	char *password;   /* "{SCHEME}hash", a bare crypt hash, or "" */
	char *uid, *gid, *gecos, *home, *shell; /* "" when absent */
	char *extra;      /* the extra fields as written (space separated), or "" */
	size_t first;     /* physical line (0-based) */
	unsigned line;    /* 1-based */
	bool shadowed;    /* an earlier line has the same user */
};

struct pwfile;

int pwfile_parse(struct doc *doc, struct pwfile **out, struct diags *d);
void pwfile_free(struct pwfile **pp);
struct doc *pwfile_doc(const struct pwfile *p);
size_t pwfile_count(const struct pwfile *p);
const struct pwfile_entry *pwfile_entry(const struct pwfile *p, size_t i);
const struct pwfile_entry *pwfile_lookup(const struct pwfile *p, const char *user);

/* The value of one extra field such as "userdb_quota_rule" (the "userdb_"
 * prefix may be omitted by the caller: both forms are matched), newly
 * allocated, or NULL. */
char *pwfile_extra_get(const struct pwfile_entry *e, const char *key);
/* The password scheme: "SHA512-CRYPT", "PLAIN", ...; for a bare hash, the
 * scheme its crypt prefix implies ("$6$" → "SHA512-CRYPT", "$y$" → "CRYPT");
 * "" when there is no password. Newly allocated. */
char *pwfile_scheme(const struct pwfile_entry *e);

/* Edits, keeping every other line byte-identical. */
int pwfile_add(struct pwfile *p, const struct pwfile_entry *e, struct diags *d);
int pwfile_remove(struct pwfile *p, const char *user, struct diags *d);
int pwfile_set_password(struct pwfile *p, const char *user, const char *password,
			struct diags *d);
/* Set (value != NULL) or remove (NULL) one extra field, keeping the others. */
int pwfile_set_extra(struct pwfile *p, const char *user, const char *key,
		     const char *value, struct diags *d);

#endif
