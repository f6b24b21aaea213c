/* The settings table of vmailadm.yaml (see settings.h): one entry per
 * setting, and access to a setting's value in struct config through it. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/passhash.h"
#include "vmailadm/settings.h"
#include "vmailadm/xalloc.h"

static const char *const catchall_forms[] = { "mailbox-map", "identity", NULL };
_Static_assert(sizeof(enum catchall_form) == sizeof(int), "catchall_form is stored as int");
static const char *const backends[] = { "files", "pgsql", NULL };
_Static_assert(sizeof(enum backend) == sizeof(int), "backend is stored as int");

#define OFF(f) offsetof(struct config, f)

/* The one place a setting is defined. The path and identity settings come
 * first (they are what an administrator checks first). */
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
	{ "sender_login_map", ST_STRING, "",
	  N_("The sender login map (a hash table: who may send as which address) that "
	     "`vmailadm sendas` keeps when main.cf's smtpd_sender_login_maps names none; "
	     "`vmailadm sendas enable` makes main.cf name it. A path, relative to postfix_dir "
	     "when it does not start with '/'; empty means sender_login beside main.cf."),
	  OFF(sender_login_map), 0, 0, NULL, NULL },
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
	  OFF(password_scheme), 0, 0, NULL, config_check_scheme },
	{ "password_min_length", ST_INT, "10",
	  N_("The fewest characters a new password may have, typed or read from a file "
	     "(mailbox add and passwd, import --csv, the interface's forms); --allow-weak "
	     "lets a script through. A hash given as it is (--password-hash) is not "
	     "checked; generated passwords are 20 characters, or this many when more. "
	     "0 checks nothing."),
	  OFF(password_min_length), 0, PASSHASH_MAX_MIN_LEN, NULL, NULL },
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
	{ "doveconf", ST_PROGRAM, "doveconf",
	  N_("The doveconf(1) program, asked for Dovecot's mail_location, first_valid_uid and "
	     "userdb of the dovecot.conf beside passwd_file (never another one). When that file "
	     "or the program is absent, the built-in values apply."),
	  OFF(doveconf), 0, 0, NULL, NULL },
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
	     "Postfix and Dovecot agree on it. Only maildir: locations are supported. Set here, "
	     "it overrides the mail_location doveconf reports for the dovecot.conf beside "
	     "passwd_file; `vmailadm config` says which one won."),
	  OFF(dovecot_mail_location), 0, 0, NULL, config_check_location },
	{ "catchall_form", ST_ENUM, "mailbox-map",
	  N_("How a new catch-all is written: mailbox-map puts \"@domain domain/user/\" in "
	     "virtual_mailbox_maps; identity puts \"@domain target\" in virtual_alias_maps plus "
	     "an identity entry for every mailbox of the domain."),
	  OFF(catchall_form), 0, 0, catchall_forms, NULL },
	{ "backups_keep", ST_INT, "10",
	  N_("How many timestamped backups of each changed file are kept in state_dir; "
	     "0 keeps none."),
	  OFF(backups_keep), 0, 100000, NULL, NULL },
	{ "lock_wait", ST_INT, "30",
	  N_("How many seconds a commit waits for another one to finish before it gives up "
	     "(--lock-wait overrides it); 0 gives up at once."),
	  OFF(lock_wait), 0, 86400, NULL, NULL },
	{ "quota_warn_percent", ST_INT, "90",
	  N_("lint's quota-nearly-full rule names every mailbox whose Maildir takes this share "
	     "of its quota (the passwd-file's storage limit) or more."),
	  OFF(quota_warn_percent), 1, 1000, NULL, NULL },
	{ "local_part_allow", ST_STRING, "",
	  N_("Characters a new address's user part may hold although vmailadm refuses them "
	     "by default: they are legal in an address but special to shells, scripts and "
	     "Postfix or Dovecot settings (the list is in vmailadm(1), mailbox add). E.g. "
	     "\"'=\" lets o'brien and a=b in; empty refuses them all."),
	  OFF(local_part_allow), 0, 0, NULL, NULL },
	{ "domain_limits", ST_LIMITS, "{}",
	  N_("Per-domain limits enforced when an edit is staged: a mapping of domain names to "
	     "mailboxes (how many mailboxes), aliases (how many aliases, not counting a "
	     "mailbox's own entry) and quota_total (the most the quotas of its mailboxes may "
	     "add up to, e.g. 20G; then every mailbox needs a quota), e.g. "
	     "{a.example: {mailboxes: 50, aliases: 200, quota_total: 20G}}. The interface "
	     "shows them in the domain's details."),
	  OFF(domain_limits), 0, 0, NULL, NULL },
	{ "language", ST_STRING, "",
	  N_("The language of messages (\"fr\", \"en\" ...); empty means from the environment "
	     "(LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."),
	  OFF(language), 0, 0, NULL, config_check_language },
	{ "pgsql_conninfo", ST_STRING, "",
	  N_("The PostgreSQL database that several servers share (vmailadm db), as a libpq "
	     "connection string or URI, e.g. \"host=db1 host=db2 dbname=postfix "
	     "user=vmailadm\"; vmailadm adds target_session_attrs=read-write so that it only "
	     "writes to the primary. Empty: no database."),
	  OFF(pgsql_conninfo), 0, 0, NULL, NULL },
	{ "backend", ST_ENUM, "files",
	  N_("Where the accounts live: files (the flat files of one server: main.cf's maps and "
	     "the passwd-file) or pgsql (the database of pgsql_conninfo, which several servers "
	     "share). On pgsql each command reads one snapshot of the database into a private "
	     "directory of state_dir; the preview is a row diff and a commit one SERIALIZABLE "
	     "transaction (no postmap, no reload: Dovecot's auth cache is flushed for the "
	     "changed users)."),
	  OFF(backend), 0, 0, backends, NULL },
	{ "imap_servers", ST_STRING, "",
	  N_("backend: pgsql: the IMAP servers whose Dovecot caches the database's answers, "
	     "host names separated by spaces; after a commit, `doveadm auth cache flush` runs "
	     "there for the changed mailboxes, through ssh -o BatchMode=yes HOST (a failure "
	     "is reported). Empty: the doveadm setting's program, on this host."),
	  OFF(imap_servers), 0, 0, NULL, config_check_hosts },
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

size_t settings_count(void)
{
	return NSETTINGS;
}

const struct setting *settings_at(size_t i)
{
	if (i >= NSETTINGS)
		vm_panic("settings_at: %zu of %zu", i, NSETTINGS);
	return &settings[i];
}

const struct setting *settings_find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

size_t settings_index(const struct setting *s)
{
	return (size_t)(s - settings);
}

char **settings_str_at(struct config *c, const struct setting *s)
{
	return (char **)((char *)c + s->off);
}

const char *settings_str_get(const struct config *c, const struct setting *s)
{
	return *(char *const *)((const char *)c + s->off);
}

long *settings_long_at(struct config *c, const struct setting *s)
{
	return (long *)((char *)c + s->off);
}

long settings_long_get(const struct config *c, const struct setting *s)
{
	return *(const long *)((const char *)c + s->off);
}

int *settings_enum_at(struct config *c, const struct setting *s)
{
	return (int *)((char *)c + s->off);
}

static int enum_get(const struct config *c, const struct setting *s)
{
	return *(const int *)((const char *)c + s->off);
}

char *settings_value_text(const struct config *c, const struct setting *s)
{
	switch (s->type) {
	case ST_INT:
		return xasprintf("%ld", settings_long_get(c, s));
	case ST_ENUM:
		return xstrdup(s->choices[enum_get(c, s)]);
	default:
		return xstrdup(settings_str_get(c, s) ? settings_str_get(c, s) : "");
	}
}
