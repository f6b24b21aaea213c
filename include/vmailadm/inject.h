/* Failure injection for the reliability tests (issue 10): the commit names
 * its steps, and VMAILADM_FAIL_AT makes one of them fail or the process
 * SIGKILL itself there, so that a test can prove every step recoverable.
 * Without the variable each call costs a getenv. */
#ifndef VMAILADM_INJECT_H
#define VMAILADM_INJECT_H
#include <stdbool.h>

#include "vmailadm/diag.h"

/* The named step was reached. VMAILADM_FAIL_AT="SPEC[,SPEC...]", SPEC =
 * STEP[#N][:kill]: at the Nth time STEP is reached in this commit (every
 * time without #N), return -1 with an error in d ("failure injected"), or,
 * with :kill, SIGKILL the process. VMAILADM_INJECT_TRACE=FILE appends the
 * name of every step reached to FILE, one a line (how a test learns the
 * steps a command goes through). The steps are listed in doc/HACKING.md. */
int inject_at(const char *step, struct diags *d);
/* A new commit starts: the counts of #N start again. */
void inject_reset(void);

#endif
