/* Private to the commit (commit.c and the files of its jobs: build.c,
 * install.c, leftover.c, journal.c, audit.c, maildiract.c, recover.c): the
 * state of one commit or recovery run, and what the jobs give each other. */
#ifndef VMAILADM_COMMIT_INT_H
#define VMAILADM_COMMIT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "vmailadm/atomicio.h"
#include "vmailadm/commit.h"
#include "vmailadm/diag.h"
#include "vmailadm/digestcache.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"

struct config;
struct doc;
struct spawn_proc;

#define PROGRAM_TIMEOUT_MS 60000

/* When a program ran (monotonic seconds), to add up the time spent in
 * programs without counting twice the ones that ran side by side. */
struct span {
	double from, to;
	bool map;
};

/* What became of a maildir action, for the audit record: it never says
 * "archived" unless the maildir was moved. */
enum act_state { ACT_PENDING, ACT_DONE, ACT_NOTHING, ACT_FAILED };

struct run {
	const struct config *cfg;
	const struct commit_opts *opts;
	struct commit_result *res;
	struct diags *d;
	struct span *spans;
	size_t nspans, cap;
	enum act_state *acts;   /* one per plan action, NULL in a recovery */
};

/* A file's new version at a temporary name beside it, and for a map the
 * program building the map of that temporary file (postmap -c DIR
 * TYPE:TMP); installed by renaming both, the source first. */
struct build {
	struct atomic_temp src;
	char *tmpdb, *db;          /* maps only; once installed, tmpdb names the
	                            * old map when old_db, else it is NULL */
	char **argv;
	struct spawn_proc *proc;
	double started;
	bool src_in, db_in;        /* renamed into place (a rollback undoes both) */
	bool had_db;               /* a map was there before */
	bool old_db;               /* the map it replaced waits at tmpdb */
};

struct written {
	const struct staged_file *f;
	const char *type;   /* map type to rebuild, NULL for plain files */
	const char *program;
	const char *tool;   /* "postmap" or "postalias" */
	char *backup;       /* NULL when the file did not exist */
	char old_sha[65], new_sha[65];
	struct file_digest dg;  /* of the new bytes, for the digest cache */
	struct build b;     /* the new version, until installed */
	bool done;          /* installed */
};

/* The commit's phases, for the ones they run (commit.c). */
void commit_step(struct run *r, bool ok, const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
double commit_now(void);
void commit_span_add(struct run *r, double from, double seconds, bool map);
/* Run a configured command line; "" means disabled (returns 1). */
int commit_run_program(struct run *r, const char *cmdline, const char *what);

/* A new commit's id (names its backups and audit record). */
char *commit_id_new(void);
/* pgfiles.c: backend pgsql, the files of a stage that stay files (the
 * system aliases file) committed with its rows. */
struct pgfiles {
	struct written *ws;
	size_t n, cap;
	struct digest_cache *cache;
	bool reload;   /* main.cf or master.cf among them: Postfix reloads */
	bool owned;    /* the staged files are pgfiles_rollback's */
	char **types;  /* pgfiles_rollback's map types, one per file */
	char **dirs;   /* the directories this commit made (ACT_DIR_CREATE) */
	size_t ndirs;
	/* a rollback's: the files its commit made, unchanged since, removed
	 * once it has committed (and Postfix reloaded), then the directories
	 * its commit made, empty by then */
	struct pgfiles_rm {
		char *path;
		char sha[65];
	} *rm;
	size_t nrm;
	char **rmdirs;
	size_t nrmdirs;
};
/* The journal lines of the removals ("remove SHA PATH", "rmdir PATH"). */
void pgfiles_journal_removals(const struct pgfiles *pf, struct strbuf *out);
/* A rollback committed: its removals done (each file only when it still
 * has the bytes its commit wrote), each said as a step. */
void pgfiles_remove(struct run *r, struct pgfiles *pf);
/* Before the files are written: each ACT_DIR_CREATE directory of the plan
 * made (owner ours, its group, 0750), the journal written first so that
 * a commit killed after it has them removed by the recovery (*journal
 * set). -1 when one is there since the preview or cannot be made (those
 * made removed again, the journal too). */
int pgfiles_mkdirs(struct run *r, struct stage *s, struct pgfiles *pf, bool *journal);
/* The commit did not land: the new versions thrown away, then each
 * directory it made removed (it is empty again). */
void pgfiles_undo(struct run *r, struct pgfiles *pf);
/* Recovery, the database without the commit: each directory of journal j
 * ("mkdir PATH") removed when only temporary files of a commit are left
 * in it (they go first), said. */
void pgfiles_recover_dirs(const struct doc *j, struct strbuf *said);
/* The plan's files sorted: rows, files that stay files (into pf), and
 * the others refused (each named in d, -1). */
int pgfiles_check(const struct config *cfg, const struct plan *p, struct pgfiles *pf,
		  struct diags *d);
/* Before the transaction: backed up, new versions written, synced, maps
 * built at temporary names. After it: renamed into place, Postfix
 * reloaded when main.cf or master.cf changed (a failure there is said and
 * sets res->reload_failed; the files stay). */
int pgfiles_prepare(struct run *r, struct pgfiles *pf);
int pgfiles_install(struct run *r, struct pgfiles *pf);
/* The new versions not in place stay for the recovery (not removed). */
void pgfiles_keep(struct pgfiles *pf);
void pgfiles_free(struct pgfiles *pf);
/* A rollback's files (rollback ID of a commit that wrote some): each file
 * of the audit record rec still as that commit left it gets its backup's
 * bytes, its unified diff added to preview (a file the commit created is
 * left in place, said in notes). -1 when one cannot be (said in d). */
int pgfiles_rollback(const struct config *cfg, json_t *rec, struct pgfiles *pf, struct strbuf *preview,
		     struct strbuf *notes, struct diags *d);
/* pgserver.c: a file as it is now as a staged file (old its bytes, cur
 * empty, edited; existed false when missing), or NULL with why; freed by
 * pgserver_file_free. */
struct staged_file *pgserver_read(const char *path, struct strbuf *why);
void pgserver_file_free(struct staged_file *f);
/* Under the lock: is each server file of the plan still as read for its
 * preview (a plan is kept while the snapshot does not change)? -1, each
 * one that changed named in d. */
int pgserver_check(const struct plan *p, struct diags *d);
/* Recovery, the database holding the commit: every file of journal j
 * without its new bytes gets them from its temporary version, its map
 * rebuilt; Postfix reloaded when main.cf or master.cf is among them. -1
 * when one cannot (said). */
int pgfiles_recover(struct run *r, const struct doc *j, struct strbuf *said);

/* pgcommit.c: the commit on backend: pgsql, under the lock. */
int pgcommit_run(struct run *r, struct stage *s);
/* Was the commit of journal j (its id) one of backend pgsql ("backend
 * pgsql" line), and did it reach the database? 1 yes, 0 no (each said),
 * -1 the database cannot say (a diagnostic), -2 not such a journal. */
int pgcommit_landed(const struct config *cfg, const struct doc *j, const char *id, struct strbuf *said,
		    struct diags *d);
/* The recovery of a commit that landed (pgcommit_landed 1): Dovecot's
 * auth cache flushed for the users its change set changed, as the commit
 * would have, each flush's outcome in said; a failure is also a warning
 * in r->d. 0, or -1 when a flush failed or the users cannot be read. */
int pgcommit_recover_flush(struct run *r, const char *id, struct strbuf *said);

/* build.c */
extern const char *const build_map_suffixes[];
int build_write(struct run *r, struct build *b, const char *path, const char *data, size_t len,
		bool ensure_new_mtime);
int build_start(struct run *r, struct build *b, const char *type, const char *program);
int build_wait(struct run *r, struct build *b, const char *what);
int build_install(struct build *b, bool inject, struct diags *d);
void build_discard(struct build *b);
int build_map(struct run *r, const char *path, const char *type, const char *data, size_t len,
	      const char *program, const char *what);

/* install.c */
bool install_builds_map(const struct written *w);
int install_backup(const struct staged_file *f, const char *backup, struct diags *d);
int install_prepare(struct run *r, struct written *w);
void install_digest(struct written *w, const struct digest_cache *cache);
void install_remember_digests(const struct config *cfg, struct written *ws, size_t n,
			      struct digest_cache *cache);
int install_restore(struct run *r, struct written *ws, size_t n);
/* A file the rolled back commit made (ACT_FILE_REMOVE, "remove SHA PATH"
 * in the journal) removed with the maps built from it, only while it holds
 * the bytes sha; gone already is done. A line for said (a recovery), else
 * a step of r. */
int install_remove(struct run *r, const char *path, const char *sha, struct strbuf *said);
void install_find_map(const struct config *cfg, const struct plan *p, struct written *w);
int install_files(struct run *r, const char *maincf, struct written *ws, size_t n,
		  struct written *rb, size_t nrb);

/* leftover.c */
void leftover_remove(struct run *r, struct written *ws, size_t n, struct written *rb, size_t nrb);
void leftover_recover(const struct config *cfg, struct doc *j, bool locked, struct strbuf *said);

/* journal.c */
int journal_write(struct run *r, struct stage *s, struct written *ws, size_t n,
		  struct written *rb, size_t nrb, const char *extra);
int journal_file_sha(const char *path, char hex[65], bool *exists);
void journal_scan(const struct doc *j, char **id, char **base, bool *all_new, bool *moves);

/* audit.c */
void audit_append(struct run *r, struct stage *s, struct written *ws, size_t n,
		  const struct plan *p, const char *result);
void audit_recovered(const struct config *cfg, const struct doc *j, const char *id,
		     const char *result, struct diags *d);

/* maildiract.c */
int maildiract_restore(struct run *r, const char *base, const struct action *a, bool back);
int maildiract_rename(struct run *r, const char *base, const struct action *a, bool back,
		      enum act_state *state);
int maildiract_run(struct run *r, const char *base, const struct action *a, enum act_state *state);
int maildiract_undo(struct run *r, const char *base, const char *kind, const char *path,
		    const char *target, int phase, struct strbuf *said);

/* recover.c */
int recover_journal(const struct config *cfg, int lock, struct strbuf *said, struct diags *d);

#endif
