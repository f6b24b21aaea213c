/* Running programs: by argv, never through a shell (posix_spawn), with
 * stdout and stderr captured so that a failure can be reported with the
 * program's own words (tig io.c, DESIGN.md convention 7). */
#ifndef VMAILADM_SPAWN_H
#define VMAILADM_SPAWN_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct spawn_result {
	int status;        /* exit code, or 128+signal; -1 when it could not start */
	struct strbuf out; /* captured stdout */
	struct strbuf err; /* captured stderr */
};

/* Run argv (argv[0] looked up in PATH when it has no '/'), feeding input (may
 * be NULL) on stdin, with env_extra ("NAME=value" strings, NULL-terminated,
 * may be NULL) added to the environment. timeout_ms > 0 kills it after that
 * long. Returns 0 when it ran (whatever its exit status), -1 with a
 * diagnostic when it could not start. Free the result with spawn_result_free. */
int spawn_run(const char *const argv[], const char *input, size_t input_len,
	      const char *const env_extra[], int timeout_ms, struct spawn_result *res,
	      struct diags *d);
void spawn_result_free(struct spawn_result *res);

/* Run and require exit status 0; otherwise add "PROGRAM failed (status N):
 * first line of its stderr" to d and return -1. */
int spawn_check(const char *const argv[], int timeout_ms, struct diags *d);

/* Split a command line from the configuration on spaces (no quoting, no
 * shell) into a NULL-terminated argv; free with spawn_argv_free. */
char **spawn_argv_split(const char *cmdline);
void spawn_argv_free(char **argv);

#endif
