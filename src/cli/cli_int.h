/* Private to src/cli: what the editing commands (cmd_edit.c, cmd_apply.c,
 * cmd_import.c, cmd_rollback.c) share through transact.c — staging,
 * showing and committing one transaction from the command line. */
#ifndef VMAILADM_CLI_INT_H
#define VMAILADM_CLI_INT_H
#include <stdbool.h>

struct cli;
struct stage;

/* The bounds of a batch (apply, import --csv): a line, and the whole
 * input, so that /dev/zero or a runaway file is refused at once. */
#define TRANSACT_MAX_LINE ((size_t)64 * 1024)
#define TRANSACT_MAX_BATCH ((size_t)64 * 1024 * 1024)

/* Options that steer this front end rather than the operation. */
struct transact_opts {
	bool dry_run;
	bool yes;
	bool json;
	bool password_stdin;
	bool generate_password;
	bool allow_weak;     /* --allow-weak: no password_min_length check */
	const char *scheme;
	int lock_wait;
	bool lock_wait_set;  /* else the lock_wait setting */
};

/* VMAILADM_TIMING=1: note when the command started. */
void transact_timing_start(void);

/* Remove the front-end options from words (in place); the rest is the
 * operation. 0, or EXIT_USAGE after a usage error (file:line: message for a
 * batch line, when file is not NULL). */
int transact_take_options(struct cli *cli, int *argc, char **argv, struct transact_opts *o,
			  const char *file, unsigned line);
/* A copy of argv without the front-end options (the caller frees the
 * array, not the strings); *rc is non-zero after a usage error. */
char **transact_words(struct cli *cli, int argc, char **argv, struct transact_opts *o, int *n,
		      int *rc);

/* The length rule on a password typed or read (never on a generated one
 * or a hash): 0, or -1 after the message ("FILE:LINE: ..." when file names
 * a batch row). --allow-weak lets every password through. */
int transact_check_password(struct cli *cli, const struct transact_opts *o, const char *plain,
			    const char *file, unsigned line);

/* Recover an interrupted commit before touching anything (< 0: failed,
 * messages printed). */
int transact_recover(struct cli *cli);
/* A transient stage loaded from the files; exits 2 when they cannot load. */
struct stage *transact_open_stage(struct cli *cli);
/* Stage one command's words (front-end options taken already); file and
 * line name a batch line, NULL and 0 the command line. An exit status. */
int transact_stage_words(struct cli *cli, struct stage *s, int argc, char **argv,
			 const struct transact_opts *o, const char *file, unsigned line,
			 char **generated);
/* Print the plan, then commit unless dry-run; generated[0..n) are the
 * generated passwords to show once committed. An exit status. */
int transact_finish(struct cli *cli, struct stage *s, const struct transact_opts *o,
		    char **generated, size_t ngenerated);

/* One line of a batch: stage it in s, leaving any generated password in
 * *generated; an exit status (EXIT_OK goes on to the next line). */
typedef int (*transact_line_fn)(struct cli *cli, struct stage *s, const struct transact_opts *o,
				const char *file, char *line, unsigned line_no, char **generated);

/* A batch: path (- is standard input, named file in messages) read line by
 * line after recovering any interrupted commit, every line staged by fn,
 * then committed as one transaction — whole or not at all. empty_fmt
 * (prog, file) is said when no line staged anything, refused when a line
 * failed. A line over TRANSACT_MAX_LINE bytes, an input over
 * TRANSACT_MAX_BATCH or a NUL byte is refused, naming file and line; the
 * lines (without their '\n') are wiped as they may hold passwords. */
int transact_batch(struct cli *cli, const struct transact_opts *o, const char *path,
		   const char *file, transact_line_fn fn, const char *empty_fmt,
		   const char *refused);

#endif
