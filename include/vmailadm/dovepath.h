/* Where Dovecot looks for a user's maildir: its mail_location expanded for
 * that user, with the home its userdb gives (a passwd-file home field, a
 * userdb_home extra field, default_fields/override_fields home=, a static
 * userdb's home=). lint compares it with where Postfix delivers; mailbox add
 * writes the home a new entry needs so that both agree. */
#ifndef VMAILADM_DOVEPATH_H
#define VMAILADM_DOVEPATH_H
#include <stdbool.h>

struct config;
struct pwfile_entry;
struct strbuf;

enum dovepath_status {
	DOVEPATH_FOUND,    /* *out is the maildir, absolute, without a trailing '/' */
	DOVEPATH_UNKNOWN,  /* not comparable: not maildir:, a variable not modelled */
	DOVEPATH_NO_HOME,  /* the location needs a home (~ or %h) and none is given */
};

/* The mail_location that applies to address: a userdb mail= field (the
 * entry's userdb_mail, the userdb's override/default fields), else
 * cfg->dovecot_mail_location. e may be NULL. Caller frees. */
char *dovepath_location(const struct config *cfg, const struct pwfile_entry *e);
/* The same, and where it was read: the passwd-file entry's own userdb_mail
 * field, the userdb's settings in dovecot.conf, or the mail_location
 * (dovecot_mail_location, doveconf's or the configuration's). */
enum dovepath_from { DOVEPATH_FROM_ENTRY, DOVEPATH_FROM_USERDB, DOVEPATH_FROM_SETTING };
char *dovepath_location_from(const struct config *cfg, const struct pwfile_entry *e,
			     enum dovepath_from *from);

/* Is the userdb one whose answers are modelled here (passwd-file, static,
 * or none known)? An SQL or LDAP userdb answers from elsewhere. */
bool dovepath_modelled(const struct config *cfg);

/* Is location relative to the user's home (~/..., %h, %{home})? */
bool dovepath_needs_home(const char *location);

/* The home Dovecot gives address (e may be NULL), expanded; NULL if none.
 * *from says where it came from: "override_fields", "home field",
 * "userdb_home", "default_fields", "userdb args"; may be NULL. */
char *dovepath_home(const struct config *cfg, const struct pwfile_entry *e, const char *address,
		    const char **from);

/* Where Dovecot looks for address's maildir (e may be NULL). */
enum dovepath_status dovepath_maildir(const struct config *cfg, const struct pwfile_entry *e,
				      const char *address, char **out);

/* Expand a Dovecot template (%u %n %d %h, %{user} %{username} %{domain}
 * %{home}, %L/%U modifiers, %%, a leading ~ as the home) for address;
 * false when it holds something else, or needs a home that is NULL. */
bool dovepath_expand(const char *tmpl, size_t len, const char *address, const char *home,
		     struct strbuf *out);

#endif
