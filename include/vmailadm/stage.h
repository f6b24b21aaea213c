/* Staged editing: a list of operations applied, in memory, to the files the
 * world was read from. Nothing touches the disk until commit. The same
 * replay serves the preview (diff + actions), undo, the commit (re-applied
 * to freshly read files, so a concurrent hand edit is merged or the
 * conflicting operation named) and the journal. */
#ifndef VMAILADM_STAGE_H
#define VMAILADM_STAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "vmailadm/diag.h"
#include "vmailadm/op.h"
#include "vmailadm/strbuf.h"

struct config;
struct world;
struct stage;

/* Other work a commit does besides rewriting files, in the order it runs. */
enum action_kind {
	ACT_POSTMAP,          /* rebuild an indexed table: path = source, detail = type */
	ACT_POSTALIAS,        /* rebuild the aliases database */
	ACT_MAILDIR_CREATE,   /* path = absolute maildir (new cur tmp, 0700, vmail) */
	ACT_MAILDIR_ARCHIVE,  /* path = maildir, target = archive path */
	ACT_MAILDIR_PURGE,    /* path = maildir, deleted */
	ACT_RELOAD_POSTFIX,
	ACT_RELOAD_DOVECOT,
	/* path = archived maildir, target = where it goes back (rollback); runs
	 * before the files are written, so no delivery recreates it first. */
	ACT_MAILDIR_RESTORE,
	/* path = a mailbox's maildir, target = its new place under the base
	 * (mailbox rename); runs before the files are written, like a restore:
	 * no map names the new place before the mail is there. */
	ACT_MAILDIR_RENAME,
	/* path = a directory that is not there, made before the files in it
	 * are written (backend pgsql: postfix use-pgsql's map directory);
	 * detail = its group's gid; owner ours (root), mode 0750. Journalled:
	 * removed again, when empty, if the commit does not land. */
	ACT_DIR_CREATE,
	/* path = a file the commit being undone made (OP_FILE_REMOVE), detail
	 * = the digest it must still have: removed with the maps built from
	 * it after the reloads (once main.cf no longer names it). Journalled
	 * ("remove SHA PATH"): a recovery finishes it. */
	ACT_FILE_REMOVE,
};

struct action {
	enum action_kind kind;
	char *path;
	char *target;   /* ACT_MAILDIR_ARCHIVE */
	char *detail;   /* map type, reason */
};

/* A file the staged operations rewrite. */
struct staged_file {
	char *path;
	bool existed;        /* false: the commit creates it */
	struct stat st;      /* as read (when existed) */
	struct timespec read_at; /* when it was read: a write within the
	                          * clock tick of st.st_mtim is not seen by
	                          * comparing stats (stage_refresh) */
	struct strbuf old;   /* bytes as read (see lazy) */
	struct strbuf cur;   /* bytes after the staged operations, when edited;
	                      * else empty, and they are old's (the files of a
	                      * plan always have them here) */
	bool edited;
	/* Read in part (the quick path, from a mapping): old is not held until
	 * stagefile_old() rebuilds it, from cur and undo (what changed) or,
	 * for a file only consulted, from the disk. The first same_head bytes
	 * of cur are old's. */
	bool lazy;
	bool changed_since;  /* read whole later, it was not the file first read */
	size_t same_head;
	struct staged_undo *undo;
	/* A file the commit creates (existed false) that may hold a password
	 * (postfix use-pgsql's map files): made with new_uid, new_gid and
	 * new_mode rather than under the umask, its password hidden in the
	 * preview (plan_diff). */
	bool private_new;
	uid_t new_uid;
	gid_t new_gid;
	mode_t new_mode;
	/* cur.buf is a copy-on-write view of the file, cur_map bytes long
	 * (a transient stage: stage_set_transient); 0: it is allocated. */
	size_t cur_map;
	/* Issue 16: old is the bytes of the same file the world the stage
	 * shares read (stage_set_share), not a copy: never freed or changed
	 * here, kept alive by the borrowed table or passwd-file (else NULL). */
	struct table *old_table;
	struct pwfile *old_pwfile;
	/* Issue 16 (NULL: none): an edited file's bytes as old's with the
	 * spans the stagings replaced (stagedit.c), made whole into cur only
	 * when read (stagefile_bytes; stage_plan does it for its files). */
	struct stagedit *edits;
};

/* The bytes as read (rebuilt, and kept, when they were not held). */
const struct strbuf *stagefile_old(const struct staged_file *f);
/* Does main.cf, as staged (else as it is on disk), name path (a map
 * type:path or a path, whole)? A file it names is not removed. */
bool stagefile_maincf_names(struct stage *s, const char *path);

/* The preview: files that change, other actions, and notes that explain
 * choices (e.g. where a catch-all is written and why). */
struct plan {
	struct staged_file **files;  /* only those whose bytes change */
	size_t nfiles;
	/* Maps rebuilt though their bytes do not change (OP_MAP_REBUILD); each
	 * has its ACT_POSTMAP / ACT_POSTALIAS in actions. */
	struct staged_file **rebuilt;
	size_t nrebuilt;
	struct action *actions;
	size_t nactions;
	char **notes;
	size_t nnotes;
	/* backend: pgsql: the rows that change (the files are the snapshot's,
	 * which a commit never writes); NULL on files. */
	struct pgdiff *rows;
	/* backend pgsql: the server's files standing for the snapshot's in
	 * files (pgserver.c), owned */
	struct staged_file **server;
	size_t nserver;
};

struct stage *stage_create(const struct config *cfg);
/* Issue 16: the world (NULL: none) whose tables and passwd-file the staged
 * world borrows where the staged bytes are those it was read from, instead
 * of parsing them again (the interface's world: the staged world then costs
 * what the edits change). w is read when the staged world is loaded (the
 * first edit, an undo, a replay): the caller sets it again, or NULL,
 * before it frees w; what was borrowed outlives w. */
void stage_set_share(struct stage *s, const struct world *w);
void stage_free(struct stage **sp);

/* Read the files (again) and re-apply the staged operations to them. An
 * operation that no longer applies is named in d and the stage keeps the
 * ones before it; returns -1 then. */
int stage_load(struct stage *s, struct diags *d);

/* The world as it will be after the staged operations (rebuilt on demand;
 * valid until the next call that changes the stage). */
const struct world *stage_world(struct stage *s, struct diags *d);
/* How many operations the staged world followed in place, not rebuilt
 * (issue 16; the tests check that the in-place path is taken). */
size_t stage_world_patched(const struct stage *s);

/* Validate op against the current staged world and apply it. On success the
 * stage owns op; on failure op is freed, the stage is unchanged, and d says
 * why (one line, naming the address or file). */
int stage_push(struct stage *s, struct op *op, struct diags *d);
/* Forget every operation and every file read (after a commit). */
void stage_reset(struct stage *s);
/* Drop the last operation (re-applies the others to the files as read). */
int stage_undo(struct stage *s, struct diags *d);
size_t stage_count(const struct stage *s);
const struct op *stage_op(const struct stage *s, size_t i);

/* The preview of what a commit would do now. Owned by the stage, valid until
 * the next change. */
const struct plan *stage_plan(struct stage *s);
/* The stable, untranslated name of an action ("postmap", "create-maildir"...). */
const char *plan_action_name(enum action_kind k);
/* The unified diff of every changed file (+ created ones), then nothing else. */
void plan_diff(const struct plan *p, struct strbuf *out);
/* One line per action and note, for people ("create maildir ... (5000:5000, 0700)"). */
void plan_describe_actions(const struct plan *p, const struct config *cfg, struct strbuf *out);

/* The refusals of an operation that depend on the world alone, written
 * once for the stage and for the interface's forms (checked while typing):
 * false with the reason in why (and, for a new mailbox, the file and line
 * of the entry in the way, or NULL and 0). */
bool stage_rule_new_mailbox(const struct world *w, const char *address, struct strbuf *why,
			    const char **file, unsigned *line);
bool stage_rule_new_domain(const struct world *w, const char *domain, struct strbuf *why);
/* The domain_limits of domain (issue 15) with mailboxes more mailboxes,
 * aliases more aliases and quota more bytes of quota than the world has;
 * unlimited: a mailbox without a quota (or an unlimited one) comes in,
 * which a quota_total refuses. */
bool stage_rule_domain_limits(const struct config *cfg, const struct world *w, const char *domain,
			      int mailboxes, int aliases, long long quota, bool unlimited, struct strbuf *why);
/* What the domain has that its limits count: mailboxes, aliases (not a
 * mailbox's own entry), the sum of its mailboxes' quotas in bytes. */
void stage_rule_domain_usage(const struct world *w, const char *domain, long *mailboxes, long *aliases,
			     long long *quota);
/* The domain a new alias domain mirrors (domain add --alias-of): a hosted
 * virtual domain, not an alias domain itself, with at least one address
 * (else no line would say what the alias domain is). */
bool stage_rule_alias_target(const struct world *w, const char *target, struct strbuf *why);
/* A target of alias (NULL for a catch-all's): only a mailbox names itself,
 * and a target in a hosted domain must be a mailbox or an alias there, or
 * be taken by the domain's catch-all (else mail to it bounces); other
 * targets pass. */
bool stage_rule_target(const struct world *w, const char *alias, const char *target,
		       struct strbuf *why);
/* An address about to go (a mailbox removed or renamed) that a rule of a
 * pattern alias table (regexp:, pcre:) names in its result, as written:
 * vmailadm cannot edit such a rule, so false with the reason, its file and
 * line (mail the rule matches would bounce). A result built from the
 * pattern's groups ($1) is not read. */
bool stage_rule_pattern_target(const struct world *w, const char *address, struct strbuf *why,
			       const char **file, unsigned *line);

/* Before a commit: when a file the stage read no longer has the bytes it
 * had, read everything again and replay (stage_load; *replayed = true);
 * otherwise keep the staged result as it is. */
int stage_refresh(struct stage *s, bool *replayed, struct diags *d);
/* main.cf and virtual_mailbox_base of the staged world, without loading it
 * again when main.cf is unchanged; NULL when the world cannot load. */
const char *stage_maincf_path(struct stage *s);
const char *stage_mailbox_base(struct stage *s);

/* Files of at least this many bytes are read in part (excerpts) by the
 * operations that touch a few keys; smaller ones whole. SIZE_MAX turns the
 * quick path off. For tests. */
void stage_set_excerpt_min(size_t bytes);

/* The stage is committed or dropped at once, by a one-shot command: a
 * large file the quick path edits may then stay a copy-on-write view of
 * the file until the commit (only the pages an edit touches are copied).
 * A long-lived stage (the TUI) keeps its own copies. */
void stage_set_transient(struct stage *s, bool on);

/* postfix use-pgsql (op, OP_POSTFIX_USE_PGSQL) checked as staging would
 * check it: how many main.cf parameters and map files it would change (0:
 * nothing to apply), or -1 after a diagnostic. */
int stage_use_pgsql_changes(const struct config *cfg, const struct op *op, struct diags *d);

/* For the commit and the journal. */
const struct config *stage_config(const struct stage *s);

/* Staged but uncommitted operations saved on SIGHUP/SIGTERM or quit, offered
 * back at the next start: the pending file of the state directory
 * (state.c), one op per line (op_format). */
int stage_save_pending(struct stage *s, struct diags *d);
/* Re-stage saved operations (then removes the file). *n gets how many. */
int stage_restore_pending(struct stage *s, size_t *n, struct diags *d);
bool stage_has_pending(const struct config *cfg);

#endif
