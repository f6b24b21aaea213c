/* Private to lint.c and the lint rules kept in files of their own
 * (lint_quota.c, lint_sendas.c, lint_pgsql.c): adding a problem to a report, and those rules. */
#ifndef VMAILADM_LINT_INT_H
#define VMAILADM_LINT_INT_H
#include "vmailadm/lint.h"

struct world;

void lint_add(struct lint_report *r, const char *rule, enum lint_severity sev, const char *file,
	      unsigned line, const char *subject, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* p's file is file now (its strings are one block: lint_add). */
void lint_refile(struct lint_problem *p, const char *file);
/* A fix text built with a format (the fix column is one line). */
char *lint_fixf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Asked between maildirs, the slow part (one open or two fstatat each),
 * and between traced aliases: true when the caller gave up on this report;
 * and the maildir sizes the caller knows (lint_with). */
struct lint_stop {
	bool (*fn)(void *arg);
	void *arg;
	int (*maildir_bytes)(void *arg, const struct mailbox *b, uint64_t *bytes);
};
bool lint_stopped(const struct lint_stop *stop);

struct config;
/* lint_quota.c: quota-nearly-full. */
void lint_quota(const struct world *w, const struct config *cfg, struct lint_report *r,
		const struct lint_stop *stop);

/* lint_sendas.c: the sender login map against the rule and main.cf. */
void lint_sendas(const struct world *w, struct lint_report *r);

/* lint_pgsql.c: the database's traps, read from the server's main.cf and
 * master.cf (the snapshot's replace them on backend pgsql); then the
 * snapshot's file names turned into the database's tables. */
void lint_pgsql(const struct world *w, const struct config *cfg, struct lint_report *r);
void lint_pgsql_names(const struct config *cfg, struct lint_report *r);

#endif
