/* Running programs: by argv, never through a shell (posix_spawn), with
 * stdout and stderr captured so that a failure can be reported with the
 * program's own words (tig io.c, DESIGN.md convention 7). */
#ifndef VMAILADM_SPAWN_H
#define VMAILADM_SPAWN_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct spawn_result {
	int status;        /* exit code, or 128+signal; -1 when it could not start */
	bool timed_out;    /* killed because timeout_ms ran out (status 143 or 137) */
	struct strbuf out; /* captured stdout (at most 64 MiB kept) */
	struct strbuf err; /* captured stderr (at most 64 MiB kept) */
	double seconds;    /* wall-clock time from the start to its exit */
};

/* Run argv (argv[0] looked up in PATH when it has no '/'), feeding input (may
 * be NULL) on stdin, with env_extra ("NAME=value" strings, NULL-terminated,
 * may be NULL) added to the environment (replacing a variable of the same
 * name). timeout_ms > 0 sends SIGTERM after that long, SIGKILL one second
 * later. The program gets default signal dispositions, an empty signal mask
 * and no fd but 0, 1, 2. Returns 0 when it ran (whatever its exit status), -1
 * with a diagnostic "cannot run PROGRAM: REASON" when it could not start.
 * res is always initialised: free it with spawn_result_free either way.
 * When the program exits, output still held open by a process it started is
 * read for 200 ms more, then left. */
int spawn_run(const char *const argv[], const char *input, size_t input_len,
	      const char *const env_extra[], int timeout_ms, struct spawn_result *res,
	      struct diags *d);
void spawn_result_free(struct spawn_result *res);

/* The same run (no input) as another user: uid, with gid as its group and
 * only supplementary group, as Postfix's daemons run (set_ugid), in env
 * (the whole environment, "NAME=value" strings, NULL-terminated; NULL:
 * ours); for root asking what mail_owner will be allowed (a pgsql map's
 * peer authentication). The ids are taken in a forked child before exec;
 * when they cannot be (not root), -1 and "cannot run PROGRAM as uid U,
 * gid G: REASON". */
struct spawn_as {
	uid_t uid;
	gid_t gid;
	const char *const *env;
};
int spawn_run_as(const char *const argv[], const struct spawn_as *as, int timeout_ms,
		 struct spawn_result *res, struct diags *d);

/* The same run (no input) with stdout handed to sink as it is read, in
 * pieces cut anywhere, instead of kept in res->out (stderr is kept): for
 * output too long to hold (a queue listing, the journal). */
typedef void (*spawn_sink)(void *ctx, const char *data, size_t len);
int spawn_stream(const char *const argv[], const char *const env_extra[], int timeout_ms,
		 spawn_sink sink, void *ctx, struct spawn_result *res, struct diags *d);

/* The same run, started now and finished later: the program is served (its
 * input fed, its output read, its timeout kept) by a thread of spawn's
 * while the caller does other work; spawn_wait waits for its end and fills
 * res as spawn_run would. input must stay valid until then. Returns -1
 * with the diagnostic of spawn_run when it could not start (*pp NULL);
 * otherwise spawn_wait must be called once. */
struct spawn_proc;
int spawn_start(const char *const argv[], const char *input, size_t input_len,
		const char *const env_extra[], int timeout_ms, struct spawn_proc **pp,
		struct diags *d);
void spawn_wait(struct spawn_proc **pp, struct spawn_result *res);

/* Run (no input) and require exit status 0; otherwise add to d
 * "PROGRAM failed (exit N): FIRST LINE", where FIRST LINE is the first
 * non-blank line of stderr, else of stdout, else nothing ("failed (signal
 * N)" when killed, "timed out after N ms" on timeout), and return -1. */
int spawn_check(const char *const argv[], int timeout_ms, struct diags *d);

/* The first word of what a program prints (its version: `dovecot
 * --version`, `postconf -d -h mail_version`) in out, cut to size; false,
 * out untouched, when it cannot run or fails. */
bool spawn_first_word(const char *const argv[], char *out, size_t size);

/* The same judgement on a result from spawn_run: 0 if it exited 0, else -1
 * and the message above. */
int spawn_result_check(const char *const argv[], const struct spawn_result *res, int timeout_ms,
		       struct diags *d);

/* The first line of a program's stderr (or stdout) err that carries one
 * of markers (NULL-terminated): at the line's start when anchored, else
 * anywhere in it. A new string without its newline, or NULL when no line
 * does. For programs that report a problem in words but not in their
 * exit status (doveadm auth cache flush: "Error: ...", exit 0; postmap
 * -q: exit 1 for "not found" and for "fatal: ..." alike). */
char *spawn_marked_line(const struct strbuf *err, const char *const markers[], bool anchored);

/* Split a command line from the configuration on spaces and tabs (no
 * quoting, no shell) into a NULL-terminated argv (argv[0] NULL for an empty
 * line); free with spawn_argv_free. */
char **spawn_argv_split(const char *cmdline);
void spawn_argv_free(char **argv);

#endif
