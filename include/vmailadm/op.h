/* Operations: the semantic edits vmailadm stages ("add mailbox
 * alice@example.com with this hash"). One text form serves the command
 * line, `vmailadm apply` batch files and the journal: an op is written as
 * the command words that create it, e.g.
 *   mailbox add alice@example.com --quota 1G --password-hash '{SHA512-CRYPT}$6$...'
 * A plaintext password is never part of an op: it is hashed before. */
#ifndef VMAILADM_OP_H
#define VMAILADM_OP_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

enum op_kind {
	OP_DOMAIN_ADD,
	OP_DOMAIN_DEL,
	OP_MAILBOX_ADD,
	OP_MAILBOX_DEL,
	OP_MAILBOX_PASSWD,
	OP_MAILBOX_QUOTA,
	OP_ALIAS_ADD,        /* add targets (creating the alias when needed) */
	OP_ALIAS_DEL,        /* remove targets; without targets, the whole alias */
	OP_ALIAS_SET,        /* the targets become exactly these, in this order
	                      * (creating the alias when needed): one undoable
	                      * step for an edited target list */
	OP_CATCHALL_SET,
	OP_CATCHALL_CLEAR,
	OP_SYSALIAS_SET,     /* /etc/aliases name: targets */
	OP_SYSALIAS_DEL,
	/* Raw restores, staged by `vmailadm rollback`:
	 *   file restore PATH BACKUP [--if-sha SHA]: PATH gets the bytes of
	 *   BACKUP (only while PATH still hashes to SHA, when given);
	 *   maildir restore MAILDIR ARCHIVE: an archived maildir moves back;
	 *   file remove PATH --if-sha SHA: a file the commit being undone
	 *   made (a new sender login map) is removed with the maps built from
	 *   it, after the commit's reloads, while it still hashes to SHA and
	 *   main.cf as staged does not name it. */
	OP_FILE_RESTORE,
	OP_MAILDIR_RESTORE,
	OP_FILE_REMOVE,
	/* Repairs, staged by `vmailadm lint --fix`:
	 *   map rebuild TYPE:PATH: postmap (postalias for the aliases file) runs
	 *   on PATH even though its bytes do not change (a missing or stale
	 *   .db); subject is "TYPE:PATH", the path keeps its case;
	 *   maildir create ADDRESS: the missing maildir of a mailbox is made. */
	OP_MAP_REBUILD,
	OP_MAILDIR_CREATE,
	/* mailbox rename OLD NEW [--keep-old]: subject OLD, targets[0] NEW; the
	 * maildir moves, every line naming OLD names NEW (issue 15). */
	OP_MAILBOX_RENAME,
	/* forward set ADDRESS TARGET... --keep-copy|--no-copy: the mailbox's
	 * own alias entry becomes [ADDRESS,] TARGET...; forward clear ADDRESS:
	 * back to no forwarding (issue 15). */
	OP_FORWARD_SET,
	OP_FORWARD_CLEAR,
	/* sendas allow|deny ADDRESS LOGIN...: subject ADDRESS (user@domain or
	 * @domain), targets the SASL logins given or taken the right to send
	 * as it; sendas enable|disable (no subject): main.cf's
	 * smtpd_sender_login_maps and reject_authenticated_sender_login_mismatch
	 * (issue 15, sendas.h). */
	OP_SENDAS_ALLOW,
	OP_SENDAS_DENY,
	OP_SENDAS_ENABLE,
	OP_SENDAS_DISABLE,
	/* postfix use-pgsql DIR [hosts=H] [port=P] [dbname=D] [user=ROLE]
	 * [password-file=FILE]: backend pgsql, the server's main.cf (not the
	 * snapshot's) gets the lines of db postfix-config (its account lists
	 * on proxy:pgsql: maps in DIR, proxy_read_maps when its own does not
	 * approve them) and the map files missing in DIR are created (0640,
	 * group mail_owner's: they may hold the password). subject DIR (its
	 * case kept), targets the KEY=VALUE words; what is not given comes
	 * from pgsql_conninfo (user: mailreader). Planned by pgapply.c. */
	OP_POSTFIX_USE_PGSQL,
};

struct op {
	enum op_kind kind;
	char *subject;         /* domain, address or system alias name (lower case) */
	char **targets;        /* alias / catch-all / system alias targets */
	size_t ntargets;
	char *password_hash;   /* "{SCHEME}..." for MAILBOX_ADD / PASSWD; NULL: none */
	char *quota;           /* MAILBOX_ADD / QUOTA: "1G", "500M", "0" (unlimited),
	                        * "" (remove the rule); NULL: unchanged */
	bool cascade;          /* DOMAIN_DEL: also remove its mailboxes and aliases */
	bool purge;            /* MAILBOX_DEL: delete the maildir instead of archiving */
	bool keep_maildir;     /* MAILBOX_DEL: leave the maildir where it is */
	bool adopt_maildir;    /* MAILBOX_ADD: take on a maildir already there */
	bool keep_old;         /* MAILBOX_RENAME: OLD stays, as an alias of NEW */
	bool no_copy;          /* FORWARD_SET: the mailbox keeps no copy */
	char *sha256;          /* FILE_RESTORE: the hex digest PATH must still have;
	                        * NULL: restore whatever it holds (--force) */
	char *alias_of;        /* DOMAIN_ADD --alias-of: the domain whose every
	                        * address the new alias domain mirrors; NULL: a
	                        * mailbox domain */
};

struct op *op_new(enum op_kind kind, const char *subject);
void op_add_target(struct op *op, const char *target);
void op_free(struct op **opp);
struct op *op_clone(const struct op *op);

/* Build an op from command words: argv[0] is the object ("mailbox"),
 * argv[1] the verb ("add"), then the subject, targets and options
 * (--quota Q, --password-hash H, --cascade, --purge, --keep-maildir,
 * --if-sha SHA, --alias-of DOMAIN). Paths (file/maildir restore) keep their case.
 * Options that only steer the front end (--dry-run, --yes, --json,
 * --password-stdin, --generate-password) are not accepted here: the caller
 * strips them. Returns NULL with a diagnostic (file/line may be NULL/0). */
/* Alias targets as typed ("a@x, b@x", "a@x b@x"): split on commas and
 * white space, a "quoted part" kept whole, as the model reads a table value
 * (table_value_next). A NULL-terminated array of *n copies, freed by
 * op_free_targets. */
char **op_split_targets(const char *text, size_t *n);
void op_free_targets(char **targets);

/* The verbs of an object ("mailbox": add, del, passwd, quota), at most max
 * of them into out; their number (0: no such object). */
size_t op_verbs(const char *object, const char **out, size_t max);
/* Does the stage's quick path take this kind (an operation on one mailbox)? */
bool op_quick_kind(enum op_kind kind);
struct stage;
struct world;
/* The handler of an operation kind (apply.c): op checked against the world
 * as it will be, then applied to it; -1 with the reason in d. */
typedef int op_apply_fn(struct stage *s, struct world *w, const struct op *op, struct diags *d);
op_apply_fn *op_handler(enum op_kind kind);

struct op *op_from_words(int argc, char *const argv[], const char *file, unsigned line,
			 struct diags *d);
/* Split one line of a batch file into words (single and double quotes,
 * backslash escapes, '#' comments); NULL-terminated, *argc gets the count.
 * Returns NULL with a diagnostic on an unterminated quote. */
char **op_split_words(const char *line, int *argc, const char *file, unsigned line_no,
		      struct diags *d);
void op_words_free(char **words);

/* The op as command words, quoted so that op_split_words reads it back. */
void op_format(const struct op *op, struct strbuf *out);
/* A one-line description for people ("add mailbox alice@example.com");
 * never shows a password hash. */
void op_describe(const struct op *op, struct strbuf *out);

/* Syntax checks that need no model (reference §1.1, issue 4): an address
 * Postfix tables and the passwd-file can hold, a domain name, a target. */
bool op_valid_domain(const char *domain, struct strbuf *why);
bool op_valid_address(const char *address, struct strbuf *why);
bool op_valid_target(const char *target, struct strbuf *why);      /* never "@domain" */
bool op_valid_catchall_target(const char *target, struct strbuf *why); /* "@domain" too */
/* A NEW address (mailbox, alias) also keeps out of its user part the
 * characters RFC 5322 allows but scripts, shells and Postfix/Dovecot
 * settings treat specially (the list is op.c's), except those in allowed
 * (the local_part_allow setting; NULL: none). */
bool op_safe_local_part(const char *address, const char *allowed, struct strbuf *why);
/* The checks op's words must pass whatever the world (the form of a new
 * address, of a domain, of the targets, of a quota; a forward to itself;
 * an /etc/aliases name): op_from_words refuses words that fail them (a
 * usage error: exit 2, a batch file's line named), and the stage refuses
 * an op built otherwise (the interface's forms, import) before it reads
 * any file. The checks that need the world stay with each kind's handler. */
bool op_check(const struct op *op, struct strbuf *why);
/* A quota as written on the command line ("1G", "500M", "2048k", "0") to a
 * Dovecot rule ("*:storage=1G"); false when it cannot be read or is more
 * bytes than Dovecot counts (2^63 - 1). */
bool op_quota_rule(const char *quota, struct strbuf *rule, struct strbuf *why);

#endif
