/* The command line: global options, the command table and the helpers every
 * command shares (loading the configuration, usage errors, JSON output).
 * The TUI and the commands call the same core functions. */
#ifndef VMAILADM_CLI_H
#define VMAILADM_CLI_H
#include <stdbool.h>

struct config;

/* Exit statuses (issue 2): success; nothing found or problems found; usage
 * or configuration error. */
enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2 };

struct cli {
	const char *config_path;  /* --config, else NULL (VMAILADM_CONFIG / default) */
	bool json;                /* --json given before the command */
	const char *prog;         /* argv[0] for messages */
	struct config *cfg;       /* loaded on first use by cli_config() */
};

/* A front end that takes over when no command is given (the TUI). */
typedef int (*cli_interactive_fn)(struct cli *cli, int argc, char **argv);

int cli_main(int argc, char **argv, cli_interactive_fn interactive);

/* The configuration, loaded once; on error prints every diagnostic and exits 2. */
struct config *cli_config(struct cli *cli);
/* Print "vmailadm: message" and a hint to --help on stderr; returns EXIT_USAGE. */
int cli_usage_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Commands: int cmd_NAME(struct cli *cli, int argc, char **argv), where
 * argv[0] is the command name. Options are parsed with getopt_long by each
 * command (--json is accepted by every command that prints data). */
int cmd_config(struct cli *cli, int argc, char **argv);

#endif
