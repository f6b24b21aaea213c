/* Private to lint.c and the lint rules kept in files of their own
 * (lint_sendas.c): adding a problem to a report, and those rules. */
#ifndef VMAILADM_LINT_INT_H
#define VMAILADM_LINT_INT_H
#include "vmailadm/lint.h"

struct world;

void lint_add(struct lint_report *r, const char *rule, enum lint_severity sev, const char *file,
	      unsigned line, const char *subject, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* A fix text built with a format (the fix column is one line). */
char *lint_fixf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* lint_sendas.c: the sender login map against the rule and main.cf. */
void lint_sendas(const struct world *w, struct lint_report *r);

#endif
