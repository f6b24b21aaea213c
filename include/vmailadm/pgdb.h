/* The PostgreSQL store that several servers share (src/db/): the
 * connection (libpq, to the primary only), PostfixAdmin's schema with
 * vmailadm's own tables beside it, and the map files Postfix and Dovecot
 * query it with. The flat files stay the default store; this is what
 * `vmailadm db` works on. */
#ifndef VMAILADM_PGDB_H
#define VMAILADM_PGDB_H
#include <stdbool.h>
#include <stddef.h>

struct diags;
struct strbuf;
struct pgdb;

/* Connect with conninfo (a libpq connection string or URI), adding
 * target_session_attrs=read-write unless it names its own: vmailadm writes,
 * so it must reach the primary, never a hot standby. NULL after a
 * diagnostic naming the server's answer. */
struct pgdb *pgdb_connect(const char *conninfo, struct diags *d);
void pgdb_close(struct pgdb **dbp);

/* Create PostfixAdmin's tables (domain, mailbox, alias, alias_domain, log,
 * config) and vmailadm's (vmailadm_*) in one transaction. In a PostfixAdmin
 * database whose tables hold every column vmailadm uses, only vmailadm's
 * are added (*adopted set). Refused, with nothing created, in any other
 * database that holds a table. 0 or -1. */
int pgdb_init(struct pgdb *db, bool *adopted, struct diags *d);

/* Compare the database with the schema vmailadm works on: every table and
 * column it reads or writes, each column's type family. One line per
 * difference goes to out ("mailbox.local_part: missing"), then, as
 * information, PostfixAdmin's schema version (config) and vmailadm's.
 * Returns the number of differences, -1 when the database cannot be read. */
int pgdb_check(struct pgdb *db, struct strbuf *out, struct diags *d);

/* Move a flat-file server's accounts into an empty database: the hosted
 * domains, the mailboxes (hash, maildir, quota), the aliases and
 * catch-alls, the alias domains (alias_domain rows), one line a row in plan ("+ mailbox u@d maildir=... "; a
 * password shows as "(set)"). Unless dry_run, inserted in one SERIALIZABLE
 * transaction with a PostfixAdmin log row and a vmailadm change set, or
 * not at all. What the schema cannot hold is a warning naming it (a
 * passwd-file uid or gid other than uid and gid, vmail_uid and vmail_gid,
 * which the database's user_query gives every user). *nrows
 * gets the number of rows. 0 or -1. */
struct world;
int pgdb_import(struct pgdb *db, const struct world *w, long uid, long gid, bool dry_run,
		const char *who, struct strbuf *plan, size_t *nrows, struct diags *d);

/* Write the database's active accounts as a single server's flat files,
 * new files in dir (virtual_domains, vmailbox, virtual_alias, users: the
 * passwd-file with uid and gid, 0640), read in one snapshot; an alias
 * domain as the files write it (aliasdom.h: "B OK" and one "user@B
 * user@A" line per address of A in virtual_alias, not in virtual_domains); refused,
 * nothing written, when one of them exists. One line per file in report.
 * 0 or -1. */
int pgdb_export(struct pgdb *db, const char *dir, long uid, long gid, struct strbuf *report,
		struct diags *d);

/* backend: pgsql (snapshot.c). Read one snapshot of the database into
 * this process's private directory of the state directory (0700; the
 * flat files of db export beside a copy of the server's main.cf naming
 * them as texthash: tables) and point cfg's postfix_dir and passwd_file
 * at it, so that everything reading the flat files reads the database.
 * Once per process (the directory is removed at exit). 0, or -1 after
 * one diagnostic. */
struct config;
int pgdb_snapshot_open(struct config *cfg, struct diags *d);
/* After a commit: the snapshot is no longer what the database holds. It
 * is read again (each file with a new mtime) by the next pgdb_snapshot_sync,
 * which every world load, new stage and stage refresh calls: a command
 * that commits and exits does not pay for a read nobody uses (on 100,000
 * mailboxes most of a commit's time). 0 when there is nothing to read. */
void pgdb_snapshot_invalidate(void);
int pgdb_snapshot_sync(const struct config *cfg, struct diags *d);
/* The connection the snapshot was read on (made again when it broke),
 * kept for this process's commits and reads: each new one costs the server
 * a process (~30 ms). Never closed by the caller; NULL without a snapshot
 * (or after a diagnostic when it cannot connect). */
struct pgdb *pgdb_snapshot_conn(const struct config *cfg, struct diags *d);
/* Is name one of the main.cf parameters the snapshot's copy sets to its
 * tables (the database's maps on the server)? */
bool pgdb_snapshot_param(const char *name);
/* This process's snapshot directory, or NULL. */
const char *pgdb_snapshot_dir(void);
/* Is path one of the snapshot's tables or its passwd-file (whose edits
 * are rows), not its copy of main.cf or any other file? */
bool pgdb_snapshot_table(const char *path);

/* backend: pgsql's preview and commit (rowset.c, dbcommit.c). The rows
 * of two worlds (the snapshot as read, the world as staged) and what
 * changes between them. */
struct pgdiff;
struct pgdiff *pgdb_diff(const struct world *before, const struct world *after);
void pgdb_diff_free(struct pgdiff **dp);
size_t pgdb_diff_count(const struct pgdiff *df);
/* The unified-diff view of the rows: one line a row, with the columns
 * that change, a password only as "changed" or "(set)". */
void pgdb_diff_print(const struct pgdiff *df, struct strbuf *out);
/* The addresses of the mailboxes it inserts, changes or deletes, one a
 * line (whose Dovecot auth cache is flushed after the commit). */
void pgdb_diff_users(const struct pgdiff *df, struct strbuf *out);
/* What the change set records; step (failure injection) is called at
 * "db-row" after each row written and at "db-commit" before COMMIT. */
struct pgdb_txn {
	const char *who, *summary, *ops;
	const char *commit_id;     /* the commit's id (audit log), or NULL: it
	                            * ends the change set's ops ("commit ID"),
	                            * for pgdb_changeset_of */
	const char *domain;        /* the log row's domain, or NULL */
	const char *rollback_of;   /* a change set's id, or NULL */
	int (*step)(const char *name, struct diags *d);
};
/* One SERIALIZABLE transaction: every changed row re-read (and locked)
 * and compared with the snapshot's, then written, then the change set and
 * the log row; serialization failures retried a few times. The snapshot
 * is read again afterwards, committed or not. 0 committed (*changeset:
 * its id, to free); 1 refused: a row changed since the preview; -1 the
 * database refused (one diagnostic). Nothing is written unless 0. */
int pgdb_diff_commit(const struct config *cfg, const struct pgdiff *df, const struct pgdb_txn *t,
		     char **changeset, struct diags *d);

/* The change set a commit wrote (pgdb_txn's commit_id), for the recovery
 * of a commit killed around its transaction: 1 and *changeset (to free)
 * when the database holds it, 0 when it does not (the transaction never
 * committed), -1 after a diagnostic when the database cannot say. */
int pgdb_changeset_of(const struct config *cfg, const char *commit_id, char **changeset,
		      struct diags *d);

/* The compensation of a committed change set (its id): the rows its
 * after images hold going back to its before images (an inserted row
 * deleted, a deleted one inserted again). Committed with
 * pgdb_diff_commit, whose re-read refuses when a row is no longer its
 * after image. Empty for a change set of no row (a commit of files
 * only). NULL after one diagnostic. */
struct pgdiff *pgdb_rollback_diff(const struct config *cfg, const char *changeset, struct diags *d);

/* What Postfix and Dovecot are given to query the database. */
struct pgdb_client {
	const char *hosts;       /* "db1 db2", or a socket directory */
	const char *port;        /* NULL or "" for libpq's default */
	const char *dbname;
	const char *user;        /* a SELECT-only role */
	const char *password;    /* NULL or "" for none (trust, peer) */
	const char *base;        /* virtual_mailbox_base: Dovecot's home and mail */
	long uid, gid;           /* the vmail user */
};
/* The map files of Postfix's lookups (pgsql_table(5)): one per name, in
 * order: domains, mailbox, alias, ad_mailbox, ad_alias, ad_catchall. */
size_t pgdb_postfix_map_count(void);
const char *pgdb_postfix_map_name(size_t i);
/* The main.cf parameter whose list map i goes in. */
const char *pgdb_postfix_map_param(size_t i);
void pgdb_postfix_map(const struct pgdb_client *c, size_t i, struct strbuf *out);
/* The main.cf lines that use them, the maps under dir (proxy:pgsql:, all
 * of them in proxy_read_maps: smtpd runs chrooted). With the server's
 * main.cf (mc, may be NULL), each list keeps, in its place, every item
 * that cannot be rows (a regexp: or pcre: table, a map vmailadm does not
 * read; keptmaps.c), the database's maps standing where its first table
 * that became rows stood; a change of search order that brings is a
 * warning in d. */
struct maincf;
void pgdb_postfix_maincf(const char *dir, const struct maincf *mc, const char *maincf_path,
			 struct strbuf *out, struct diags *d);
/* The same as settings (the lines without the comment): the account
 * lists, then proxy_read_maps when main.cf has one of its own that does
 * not approve the database's maps (each missing list's $name added).
 * *out gets n of them (pgdb_settings_free). */
struct pgdb_setting {
	char *name, *value;
};
size_t pgdb_postfix_settings(const char *dir, const struct maincf *mc, const char *maincf_path,
			     struct pgdb_setting **out, struct diags *d);
void pgdb_settings_free(struct pgdb_setting *v, size_t n);
/* The server a libpq connection string names, as the map files name it:
 * *hosts (default localhost), *port (NULL: libpq's default), *dbname
 * (default postfix), each to free. 0, or -1 after one diagnostic. */
int pgdb_conninfo_server(const char *conninfo, char **hosts, char **port, char **dbname,
			 struct diags *d);
/* db import's words on those items: each named once (a warning: which
 * table, which list, kept as a file, to be copied to every server). */
void pgdb_keptmaps_report(const struct maincf *mc, const char *maincf_path, struct diags *d);
/* Dovecot's dovecot-sql.conf.ext (passdb and userdb driver = sql). */
void pgdb_dovecot_sql(const struct pgdb_client *c, const char *scheme, struct strbuf *out);

#endif
