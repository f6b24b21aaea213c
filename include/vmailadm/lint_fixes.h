/* The repairs lint knows how to make, as operations to stage: built from a
 * lint report (lint.h), pushed by the caller onto a stage and committed
 * together. In the stage layer because it builds operations (op.h). */
#ifndef VMAILADM_LINT_FIXES_H
#define VMAILADM_LINT_FIXES_H
#include <stddef.h>

struct config;
struct diags;
struct lint_report;
struct op;
struct world;

struct lint_fixes {
	struct op **ops;          /* to stage_push, in order */
	size_t nops;
};

/* The fixes for the problems in r, as operations: a catch-all that swallows
 * mailboxes is set again on the same target (OP_CATCHALL_SET: the stage
 * writes it in the mailbox map, or adds identity entries, per
 * catchall_form); a {PLAIN} password is hashed with cfg->password_scheme
 * (OP_MAILBOX_PASSWD); a missing maildir is created (OP_MAILDIR_CREATE)
 * and a missing or stale map rebuilt (OP_MAP_REBUILD), on backend pgsql
 * the server's main.cf pointed at the database's maps (OP_POSTFIX_USE_PGSQL,
 * for pgsql-maps-unused: db postfix-config --apply's edit), so that one commit
 * does all of it under its lock. Problems that cannot be fixed this way are
 * skipped; a fix that fails (e.g. an empty plaintext) is a note in d. */
void lint_fixes(const struct world *w, const struct config *cfg, const struct lint_report *r,
		struct lint_fixes *out, struct diags *d);
void lint_fixes_free(struct lint_fixes *f);

#endif
