/* Undoing a commit (`vmailadm rollback`, the interface's commit history):
 * from its audit record, the operations that put its files back to their
 * backups and its archived Maildirs back in place, staged like any edit
 * and committed as a new transaction. */
#ifndef VMAILADM_ROLLBACK_H
#define VMAILADM_ROLLBACK_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct json_t;
struct stage;

/* In records (the audit log, oldest first), the record of commit id, or
 * when id is NULL the last commit that is not itself a rollback; NULL
 * when there is none. */
struct json_t *rollback_find(struct json_t *records, const char *id);

/* File k of rec's "files": its path, its backup and the digest the
 * commit left (NULL when not recorded). false when there is none to put
 * back: no path, or no backup (the commit created it: a line in notes,
 * it is left in place). One reading for both backends' rollbacks. */
bool rollback_file(struct json_t *rec, size_t k, const char *rid, struct strbuf *notes, const char **path,
		   const char **backup, const char **after);

/* Stage in s the operations that undo rec: a file restore per file it
 * changed that had a backup (insisting, unless force, that the file still
 * has the digest the commit left), a Maildir restore per Maildir it
 * archived. What cannot be undone (a file it created, a Maildir it made or
 * purged) is one line each in notes. The number of operations staged, or
 * -1 with the reason in d and nothing staged (a backup gone, an operation
 * the stage refuses). */
long rollback_stage(struct stage *s, struct json_t *rec, bool force, struct strbuf *notes,
		    struct diags *d);

#endif
