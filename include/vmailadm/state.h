/* The state directory (state_dir, /var/lib/vmailadm): the one owner of its
 * files and their names. The lock that serialises commits, the journal of
 * the commit under way, the audit log (written by a commit, read by `log`,
 * `rollback` and the interface's history), the backups, the digest cache,
 * and the pending file (operations staged but not committed, kept across
 * sessions). What goes into the journal and the audit records is the
 * commit's business (commit.c); where and how they are stored is this
 * file's. */
#ifndef VMAILADM_STATE_H
#define VMAILADM_STATE_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct config;
struct doc;
struct json_t;

/* STATE_DIR/NAME (malloc'd). */
char *state_path(const struct config *cfg, const char *name);
/* The state directory and its backups/ (never followed if a symlink). */
int state_ensure_dir(const struct config *cfg, struct diags *d);
/* The temporary files a killed writer left in the state directory and
 * backups/ (names of the removed ones appended to gone, one a line). */
void state_remove_leftovers(const struct config *cfg, const char *const suffixes[], struct strbuf *gone);

/* ---- lock: state_dir/lock, flock'd, holding "pid N, user U" ------------ */

/* Take the lock, waiting up to wait_seconds (0: not at all) for another
 * commit; the descriptor, or -1 with the holder named in d. */
int state_lock_take(const struct config *cfg, int wait_seconds, struct diags *d);
/* The lock if nobody holds it, else at once -1 (without a word), or -2
 * when the lock file cannot be opened (another user's state). */
int state_lock_try(const struct config *cfg);
/* Release (closing the descriptor; the holder text goes too). fd < 0: no-op. */
void state_lock_release(int fd);
/* Who holds the lock, as its holder wrote it ("pid 123, user root"). */
void state_lock_holder(const struct config *cfg, char *buf, size_t size);
/* The user running vmailadm (for the lock and the audit records). */
const char *state_user_name(void);

/* ---- journal: state_dir/journal, the commit under way ----------------- */

/* Written durably (atomic write, fsync) before the first live file changes. */
int state_journal_write(const struct config *cfg, const char *text, size_t len, struct diags *d);
void state_journal_remove(const struct config *cfg);
bool state_journal_exists(const struct config *cfg);

/* ---- backups: state_dir/backups/PATH_WITH_SLASHES_AS_UNDERSCORES.ID ----- */

char *state_backup_path(const struct config *cfg, const char *path, const char *id);
/* Keep the newest backups_keep backups of the file backup is one of. */
void state_backups_prune(const struct config *cfg, const char *backup);

/* ---- digests: state_dir/digests, the digest cache (digestcache.c) ------ */

char *state_digests_path(const struct config *cfg);

/* ---- audit log: state_dir/audit.log, one JSON record per line ---------- */

/* A record's head: id, time, user, sudo_user, result. */
struct json_t *state_audit_record(const char *id, const char *result);
/* Append one record (fsync'd), and free it; a failure is a warning in d. */
void state_audit_append(const struct config *cfg, struct json_t *rec, struct diags *d);

/* One line of the audit log that is not a record (skipped by the reader). */
struct state_audit_bad {
	unsigned line;
	char *why;          /* jansson's message */
};
/* The audit log read back. */
struct state_audit {
	struct json_t *records;   /* every record, oldest first (an array, never NULL) */
	char *path;               /* state_dir/audit.log */
	int error;                /* errno when the log is there but cannot be opened, else 0
	                           * (no log yet is no error: no commit was recorded) */
	struct state_audit_bad *bad;
	size_t nbad;
};
/* A record's result ("committed", "rolled back by recovery" ...: stable
 * words, kept as they are in the log) as the user reads it, translated;
 * a word it does not know as it is. */
const char *state_audit_result_text(const char *result);
/* Read every record (the commit-history views: `vmailadm log`, `rollback`,
 * the interface). Always fills a; free it with state_audit_free. */
void state_audit_read(const struct config *cfg, struct state_audit *a);
void state_audit_free(struct state_audit *a);

/* ---- pending: state_dir/staged, staged operations not committed -------- */

char *state_pending_path(const struct config *cfg);
/* Save text (one operation a line); empty text removes the file. */
int state_pending_write(const struct config *cfg, const char *text, size_t len, struct diags *d);
bool state_pending_exists(const struct config *cfg);
/* The saved lines as a document (an empty one when there is none). */
int state_pending_load(const struct config *cfg, struct doc **doc, struct diags *d);
/* The saved operations as text, one a line (blank lines and comments
 * skipped, the blanks around each dropped), NULL-terminated, *n of them;
 * none when the file cannot be read. Free with state_pending_lines_free. */
char **state_pending_lines(const struct config *cfg, size_t *n);
void state_pending_lines_free(char **lines);
/* Remove the file: 0 (also when there was none), else -1 with errno set. */
int state_pending_discard(const struct config *cfg);

#endif
