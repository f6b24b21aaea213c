/* vmailadm's own configuration: a YAML file (libyaml) read through one
 * settings table (settings.h) that also drives validation, `vmailadm config`
 * and the man page vmailadm.yaml(5). Built-in defaults apply when the file
 * is absent. */
#ifndef VMAILADM_CONFIG_H
#define VMAILADM_CONFIG_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "vmailadm/diag.h"

#define CONFIG_DEFAULT_PATH SYSCONFDIR "/vmailadm/vmailadm.yaml"

enum catchall_form {
	CATCHALL_MAILBOX_MAP,   /* "@domain domain/user/" in virtual_mailbox_maps (default) */
	CATCHALL_IDENTITY,      /* "@domain target" in virtual_alias_maps plus an identity
	                         * entry "u@d u@d" for every mailbox of the domain */
};

/* Where the accounts live (issue 18). */
enum backend {
	BACKEND_FILES,   /* main.cf's maps and the passwd-file (default) */
	BACKEND_PGSQL,   /* the shared database, through a snapshot (src/db/snapshot.c) */
};

struct doveconf;

struct config {
	char *file;            /* the YAML file read, NULL when only defaults apply */
	char *postfix_dir;     /* /etc/postfix: where main.cf is */
	char *passwd_file;     /* /etc/dovecot/users */
	char *aliases_file;    /* /etc/aliases */
	char *sender_login_map; /* send-as map when main.cf names none; "": POSTFIX_DIR/sender_login */
	long vmail_uid, vmail_gid;   /* 5000 */
	char *pgsql_conninfo;  /* the shared database (vmailadm db), "" for none */
	enum backend backend;  /* files (default) or pgsql */
	char *imap_servers;    /* pgsql: where the auth cache is flushed ("": here) */
	char *password_scheme; /* SHA512-CRYPT | BLF-CRYPT | CRYPT (yescrypt) */
	long quota_warn_percent;   /* lint quota-nearly-full: this share of the quota (90) */
	long password_min_length;  /* fewest characters of a new password (10); 0: any */
	char *state_dir;       /* lock, journal, audit log, backups: /var/lib/vmailadm */
	char *archive_dir;     /* removed maildirs: /var/lib/vmailadm/archive */
	char *theme;           /* "default" or a path to a theme file */
	/* Programs (argv[0]; looked up in PATH when not absolute). */
	char *postmap, *postalias, *postfix, *doveadm, *doveconf;
	/* Reload commands, split on spaces into argv at run time; "" disables.
	 * Defaults: "postfix -c {postfix_dir} reload" and "doveadm reload". */
	char *postfix_reload, *dovecot_reload;
	/* maildir:/var/mail/vhosts/%d/%n: the setting, else Dovecot's own
	 * (doveconf_apply), else this default */
	char *dovecot_mail_location;
	enum catchall_form catchall_form;
	long backups_keep;            /* timestamped backups kept per file (10) */
	long lock_wait;               /* seconds a commit waits for another one (30) */
	char *local_part_allow;       /* dangerous characters new user parts may hold ("") */
	char *language;               /* "" = from the environment; "fr", "en" */
	char *domain_limits;          /* per-domain limits, canonical text ("{}"):
	                               * read through config_domain_limits */
	struct config_origin *origin; /* private: where each value came from */
	struct doveconf *dovecot;     /* Dovecot's settings for the tree (doveconf_apply), or NULL */
	/* backend pgsql: the server's own postfix_dir, whose main.cf names
	 * the database's maps (and master.cf its services), which
	 * postfix_dir's snapshot replaced (src/db/snapshot.c); NULL otherwise */
	char *server_postfix_dir;
};

/* Load path; NULL means $VMAILADM_CONFIG, else CONFIG_DEFAULT_PATH, and a
 * missing default file gives the built-in defaults. An explicitly named file
 * must exist. Unknown keys, wrong types and bad values are errors naming
 * file, line and key; all of them are reported. */
int config_load(const char *path, struct config **out, struct diags *d);
/* The same from text already in memory; name stands for the file in
 * messages and origins, and relative paths are relative to its directory. */
int config_load_mem(const char *name, const char *text, size_t len, struct config **out,
		    struct diags *d);
void config_free(struct config **cp);

/* A domain's limits from the domain_limits setting (issue 15); each is -1
 * when not set. False when the domain has none. */
struct domain_limits {
	long mailboxes, aliases;
	long long quota_total;   /* bytes: the sum of its mailboxes' quotas */
};
bool config_domain_limits(const struct config *c, const char *domain, struct domain_limits *out);
/* A size as the settings and quotas write it ("20G", "500M", "2048k",
 * "1000"): bytes, or -1 when it is not one. */
long long config_size_bytes(const char *text);

/* `vmailadm config` (src/cli/config_print.c): every effective value and where
 * it came from ("default", "FILE:LINE", "environment"); as JSON when json. */
void config_print(const struct config *c, FILE *fp, bool json);
/* The whole man page vmailadm.yaml(5) (roff), from the settings table;
 * English and without configure-time paths, so it can be committed and
 * compared (src/cli/config_print.c). */
void config_print_man(FILE *fp);

/* Where the named setting's value came from: "default" or "FILE:LINE";
 * NULL for an unknown name. */
const char *config_origin(const struct config *c, const char *name);
/* Give the named string setting a value found elsewhere than in the file
 * (Dovecot's own mail_location), with origin naming where (line 0). */
void config_set_derived(struct config *c, const char *name, const char *value, const char *origin);
/* The server's Postfix configuration directory: server_postfix_dir on
 * backend pgsql (postfix_dir is the snapshot's there), else postfix_dir.
 * What postmap -c and the texts a user reads name. */
const char *config_postfix_conf_dir(const struct config *c);
/* The same for the setting at position i of the table: "FILE:LINE" with
 * *line (may be NULL), or NULL for the default. */
const char *config_origin_at(const struct config *c, size_t i, unsigned *line);
/* How the file was chosen: "command line", "environment" or "default"
 * (untranslated words). */
const char *config_file_origin(const struct config *c);
/* The file named or tried, even when it does not exist; NULL if none. */
const char *config_file_tried(const struct config *c);

/* Split a command line (postfix_reload, dovecot_reload) on spaces and tabs
 * into a NULL-terminated argv for spawn, expanding {postfix_dir}; NULL when
 * the line is empty (the reload is disabled). Free with config_argv_free. */
char **config_command_argv(const struct config *c, const char *cmdline);
void config_argv_free(char ***argvp);

/* Make the language setting govern the messages that follow (gettext reads
 * $LANGUAGE at each call; under the C locale it would ignore it, so
 * LC_MESSAGES moves to C.UTF-8 then). Nothing happens when it is "". */
void config_apply_language(const struct config *c);

#endif
