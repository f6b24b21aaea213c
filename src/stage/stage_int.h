/* Private to the stage (stage.c, stagefile.c, splice.c, apply.c, quick.c,
 * plan.c): the stage's layout, and what these files give each other. */
#ifndef VMAILADM_STAGE_INT_H
#define VMAILADM_STAGE_INT_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/excerpt.h"
#include "vmailadm/mapfile.h"
#include "vmailadm/model.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"

struct doc;
struct world;

/* What the plan and the commit need of a world: which files are main.cf,
 * the passwd-file, the aliases file and the maps. It depends on main.cf and
 * the configuration only, so it stays right while the staged main.cf does not
 * change, and the plan needs no fresh load of 100,000 entries per edit. */
struct layout_map {
	char *path, *type;
	unsigned roles;
};
struct layout {
	bool valid;
	char *maincf, *pwfile, *aliases, *base;
	struct layout_map *maps;
	size_t nmaps;
};
struct stage {
	const struct config *cfg;
	struct op **ops;
	size_t nops, opcap;
	/* Per op: the existing mail it moves (archive, purge) as it was when
	 * staged; a replay that would move other mail is a conflict. */
	char **opmail;
	size_t opmailcap;
	size_t broken;            /* ops[broken] failed on replay; == nops when fine */
	struct strmap *files;     /* path → struct staged_file */
	char **paths;             /* the files in the order they were first read */
	size_t npaths, pathcap;
	struct action *acts;      /* maildir actions, in op order */
	size_t nacts, actcap;
	char **notes;
	size_t nnotes, notecap;
	/* The world after the applied ops, NULL when not loaded. An operation
	 * edits its documents in place (stage_apply_one) and leaves it
	 * world_stale: world_rebuild makes its arrays again from them before
	 * it is read (stage_world, the next operation), no file read again. */
	struct world *world;
	bool world_stale;
	/* Issue 16 (NULL: none): the world whose unchanged tables and
	 * passwd-file the staged world borrows (stage_set_share) */
	const struct world *share;
	size_t world_patched;     /* operations the world followed in place (worldpatch.c) */
	struct layout layout;     /* where things are, from the last world loaded */
	struct plan plan;
	bool plan_valid;
	/* While the quick path applies an operation: path -> struct part
	 * of the files it reads in part; NULL otherwise. */
	struct strmap *excerpts;
	/* A file read in part was found changed when read whole later: the
	 * next stage_refresh replays everything on fresh files. */
	bool stale;
	bool transient;   /* stage_set_transient */
};
/* What the quick path changed in a file it did not keep whole: old can be
 * rebuilt from cur with these (old bytes of each change, in order). */
struct staged_undo {
	struct excerpt_change *v;
	size_t n;
	struct strbuf old;
};
/* A file the quick path reads in part: its excerpt, and the mapping it
 * came from while the operation runs (until its bytes are spliced). */
struct part {
	struct excerpt *x;
	struct mapfile m;   /* m.data NULL: the bytes are the staged ones */
	/* spliced from the mapping before anything is changed (a file cut
	 * short then fails the quick path with nothing half-done) */
	bool spliced;
	struct strbuf cur;
	size_t cur_map;     /* cur is a copy-on-write view this long */
	struct staged_undo *undo;
};

/* Files smaller than this are read whole even on the quick path
 * (stage_set_excerpt_min, VMAILADM_EXCERPT_MIN). */
extern size_t stage_excerpt_min_bytes;


/* stagefile.c */
void stagefile_undo_destroy(struct staged_undo **up);
void stagefile_cur_release(struct strbuf *cur, size_t *cur_map);
struct staged_file *stagefile_get(struct stage *s, const char *path);
void stagefile_undo_rebuild(const struct staged_file *f, size_t c0, size_t c1, struct strbuf *out);
const struct strbuf *stagefile_old(const struct staged_file *cf);
const struct strbuf *stagefile_bytes(struct stage *s, struct staged_file *f);
void stagefile_set(struct staged_file *f, struct strbuf *nb);
/* The staged bytes of f with the len bytes at off replaced by the n bytes
 * at text (edited in place when f's bytes are its own). */
void stagefile_splice(struct staged_file *f, size_t off, size_t len, const char *text, size_t n);
void stagefile_materialize(struct stage *s, struct staged_file *f);
void stagefile_clear(struct stage *s);
struct staged_file *stagefile_read(struct stage *s, const char *path, bool missing_ok,
		struct diags *d);
/* backend pgsql: the row diff from the lines the staged edits changed
 * (pgrowdiff.c), or NULL when the whole worlds must be compared. */
struct pgdiff *pgrowdiff(struct stage *s);
/* pgserver.c: backend pgsql, the snapshot's files that are not rows
 * replaced in the plan by the server's own (owned by the plan, freed by
 * pgserver_free); Postfix reloaded when main.cf or master.cf change. */
void pgserver_plan(const struct config *cfg, struct plan *p);
void pgserver_free(struct plan *p);
int stagefile_source_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		struct diags *d);
struct staged_file *stagefile_lazy(struct stage *s, const char *path, const struct part *pt);
bool stagefile_unchanged(const struct staged_file *f, struct strbuf *scratch);
bool stagefile_changed(const struct staged_file *f);

/* stagedit.c: f->edits, an edited file's bytes as old's with spans
 * replaced. stagedit_begin starts them over old (f edited, cur empty);
 * stagedit_splice replaces [off, off + len) of the staged bytes with the n
 * bytes at text; stagedit_whole makes them whole in cur (kept until the
 * next splice, or stagedit_drop_whole); stagedit_free frees them and a
 * whole cur made from them. */
void stagedit_begin(struct staged_file *f);
void stagedit_splice(struct staged_file *f, size_t off, size_t len, const char *text, size_t n);
size_t stagedit_len(const struct staged_file *f);
const struct strbuf *stagedit_whole(struct staged_file *f);
void stagedit_drop_whole(struct staged_file *f);
bool stagedit_is_whole(const struct staged_file *f);
bool stagedit_changed(const struct staged_file *f);
void stagedit_free(struct staged_file *f);
/* The length of f's staged bytes, without making them whole. */
size_t stagefile_len(struct stage *s, struct staged_file *f);

/* splice.c */
bool splice_world(struct stage *s, struct world *w);
void splice_sync_world(struct stage *s, struct world *w);
/* A world kept across operations (stage.c): its documents marked as held
 * by the staged bytes once synced, so that the next operation syncs only
 * what it edits; and whether an operation edited any of them. */
void splice_clean_world(struct world *w);
bool splice_world_dirty(struct world *w);
/* Whether the documents of w an operation edited are among a, b and c
 * (any may be NULL), at least one of them. */
bool splice_dirty_within(struct world *w, const struct doc *a, const struct doc *b, const struct doc *c);

/* stage.c */
int stage_refuse_unreadable(const struct world *w, struct diags *d);
void stage_actions_truncate(struct stage *s, size_t nacts, size_t nnotes);
void stage_add_action(struct stage *s, enum action_kind kind, const char *path,
		const char *target, const char *detail);
void stage_add_note(struct stage *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int stage_layout_load(struct stage *s, struct diags *d);

/* dovelayout.c */
/* The vmailbox value of a new mailbox local@domain (into value, returned)
 * and the home its passwd-file entry needs (*home, or NULL when none is
 * written): the neighbours' layout, then where Dovecot looks; the plan's
 * notes say which layout was followed and why. */
const char *dovelayout_new_mailbox(struct stage *s, const struct world *w, const char *local,
				   const char *domain, struct strbuf *value, char **home);
/* The home a passwd-file entry of address needs for Dovecot to find its
 * maildir dir (absolute, no trailing '/'); NULL when none is needed or
 * none would do. */
char *dovelayout_home(const struct config *cfg, const char *address, const char *dir);
/* A new passwd-file entry of address (maildir dir, absolute, no trailing
 * '/') in the habit of the entry it goes next to: that entry's home and
 * userdb_mail/userdb_home fields, written for address (*home, *fields, or
 * NULL each), taken only when Dovecot would then read dir; noted. */
void dovelayout_neighbour_fields(struct stage *s, const struct world *w, const char *address,
				 const char *dir, char **home, char **fields);

/* apply.c, apply_alias.c */
/* one handler per operation kind, named in op.c's table */
op_apply_fn apply_domain_add, apply_domain_del, apply_mailbox_add, apply_mailbox_del, apply_mailbox_passwd,
	apply_mailbox_quota, apply_alias_add, apply_alias_del, apply_alias_set, apply_catchall_set,
	apply_catchall_clear, apply_sysalias, apply_file_restore, apply_maildir_restore, apply_map_rebuild,
	apply_maildir_create, apply_file_remove;
/* rename.c, forward.c */
op_apply_fn apply_mailbox_rename, apply_forward_set, apply_forward_clear;
/* The targets of op checked: their syntax, the target rule (stagerule.c),
 * no loop back to op's subject. */
int apply_check_targets(const struct world *w, const struct op *op, struct diags *d);
/* op's targets appended to an alias value v, ", " between them, each once
 * (in op's order). */
void apply_join_targets(const struct op *op, struct strbuf *v);
/* What the handlers share: the mailbox an op names (in a table vmailadm
 * can edit), the table of a map role (d says why there is none). */
const struct mailbox *apply_need_mailbox(const struct world *w, const char *address, struct diags *d);
struct table *apply_map_table(const struct world *w, enum map_role role, const char *param,
			      struct diags *d);
int apply_op(struct stage *s, struct world *w, const struct op *op, struct diags *d);
/* What apply.c and apply_alias.c share: a reason for an invalid name as
 * one diagnostic (why freed; -1); whether a is an identity entry (its one
 * target is itself); alias a's line removed from its table. */
int apply_refuse(struct diags *d, struct strbuf *why);
bool apply_is_identity(const struct alias *a);
int apply_alias_remove(struct world *w, const struct alias *a, struct diags *d);
/* The table of alias a, or NULL with why (not one vmailadm can edit). */
struct table *apply_alias_table(const struct alias *a, struct diags *d);
/* The keys to remove from one table, gathered so that each table is
 * rewritten and reindexed once: removing a domain's entries one by one
 * reindexed the whole table each time (a 1,000-mailbox domain in a
 * 100,000-entry tree ran out of memory), a catch-all's identity entries
 * moved its entries once each (issue 16). Added key by key, the tables in
 * the order first met; run (when run, else -1): table_remove_many of each
 * in that order (the first error stops), everything freed. */
struct apply_removal {
	struct table *t;
	const char **keys;
	size_t n, cap;
};
void apply_removal_add(struct apply_removal **v, size_t *n, size_t *cap, struct table *t, const char *key);
int apply_removals_run(struct apply_removal *rm, size_t n, bool run, struct diags *d);
/* Whether catchall set writes the catch-all of dom to target in the
 * mailbox map (else in the alias map, with identity entries). */
bool apply_catchall_in_mailbox_map(const struct stage *s, const struct world *w,
				   const struct domain *dom, const char *target);
/* domain is listed in cls's list (a table, a /file/name or main.cf inline) */
int apply_domain_listing_add(struct stage *s, struct world *w, const char *domain,
			     enum domain_class cls, struct diags *d);
/* the first table of role (param names it in errors), or NULL with why */
struct table *apply_map_table(const struct world *w, enum map_role role, const char *param,
			      struct diags *d);
/* The same for a new key address: NULL too when a pattern table of role
 * listed before that table answers for address first (its entry there
 * would never be read). */
struct table *apply_new_key_table(const struct world *w, enum map_role role, const char *param,
				  const char *address, struct diags *d);

/* aliasdom_apply.c: alias domains (vmailadm/aliasdom.h) kept in step */
int aliasdom_apply_add(struct stage *s, struct world *w, const struct op *op, struct diags *d);
/* After op applied: the lines of the alias domains of what it touched. */
int aliasdom_apply_sync(struct stage *s, struct world *w, const struct op *op, struct diags *d);
/* domain del: 0 go on, 1 done (an alias domain removed with its lines),
 * -1 refused (alias domains still point at it, without --cascade). */
int aliasdom_apply_domain_del(struct stage *s, struct world *w, const struct op *op, struct diags *d);

/* sendas_apply.c: the sender login map (vmailadm/sendas.h) */
op_apply_fn apply_sendas_allow, apply_sendas_deny, apply_sendas_enable, apply_sendas_disable;
/* pgapply.c: postfix use-pgsql (OP_POSTFIX_USE_PGSQL). The handler checks
 * it (backend pgsql, its words, something to change); the plan gets the
 * server's main.cf and the new map files from pgapply_plan, after
 * pgserver_plan (the server's main.cf it made, if any, edited further). */
op_apply_fn apply_postfix_use_pgsql;
void pgapply_plan(struct stage *s, struct plan *p);
/* Before op: the computed owners as they are (*before, NULL when there is
 * no sender login map to keep or op changes no address); -1 on the quick
 * path while there is a map (the full path keeps it). After op:
 * sendas_apply_sync writes the lines whose computed owners changed,
 * keeping each line's grants. */
struct sendas_all;
int sendas_apply_before(struct stage *s, struct world *w, const struct op *op, struct sendas_all **before);
int sendas_apply_sync(struct stage *s, struct world *w, const struct op *op, struct sendas_all *before,
		      struct diags *d);
void sendas_apply_free(struct sendas_all **before);

/* sendas_master.c: master.cf's -o smtpd_sender_restrictions=V (every
 * service that sets one) with the login mismatch restriction added (add)
 * or taken out, *edits of them; a V that is "$name" puts name in params
 * (a main.cf parameter to edit instead). The new text, or NULL when no -o
 * changes. */
struct sendas_list;
char *sendas_master_edit(const char *text, size_t len, bool add, struct sendas_list *params, size_t *edits);
unsigned sendas_master_braced(const char *text, size_t len);

/* quick.c */
int quick_apply(struct stage *s, const struct op *op, const char *expect);
/* Replayed on files edited since it was staged, does op (whose actions
 * start at index from) move the mail expect names (stage_push's record)?
 * expect NULL: a first application, nothing to compare. d may be NULL. */
bool stage_mail_as_staged(const struct stage *s, const struct op *op, size_t from,
			  const char *expect, struct diags *d);

/* plan.c */
void plan_clear(struct plan *p);

#endif
