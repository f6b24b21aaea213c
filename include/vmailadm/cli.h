/* The command line: global options, the command table and the helpers every
 * command shares (loading the configuration, usage errors, JSON output).
 * The TUI and the commands call the same core functions. */
#ifndef VMAILADM_CLI_H
#define VMAILADM_CLI_H
#include <stdbool.h>

struct config;

#include "vmailadm/exitstatus.h"

struct cli {
	const char *config_path;  /* --config, else NULL (VMAILADM_CONFIG / default) */
	bool json;                /* --json given before the command */
	const char *prog;         /* "vmailadm", first word of every message */
	const char *command;      /* the command running, second word of messages */
	char *who;                /* "vmailadm: COMMAND", the prefix of its messages */
	const char *theme;        /* --theme NAME|FILE for the interface, else NULL */
	struct config *cfg;       /* loaded on first use by cli_config() */
};

/* A row of the command table (src/cli/cli.c): adding a command is one row
 * there and one file cmd_NAME.c. */
struct cli_command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *usage;   /* N_(): the synopsis and what it does, one line */
	const char *help;    /* N_(): what `COMMAND --help` adds under it, or NULL */
};
const struct cli_command *cli_commands(size_t *n);
/* The usage line (N_ text) of the command running. */
const char *cli_command_usage(const struct cli *cli);

/* On a terminal whose locale is not UTF-8, stdout and stderr show
 * arrows and dots as ASCII and any other non-ASCII character as one '?'
 * (asciiout.c); pipes and files keep the bytes. */
void asciiout_install(void);

/* A front end that takes over when no command is given (the TUI). */
typedef int (*cli_interactive_fn)(struct cli *cli, int argc, char **argv);

int cli_main(int argc, char **argv, cli_interactive_fn interactive);

/* The configuration, loaded once; on error prints every diagnostic and exits 2. */
struct config *cli_config(struct cli *cli);
/* The same with Dovecot's own settings for the tree (doveconf_apply), for
 * the commands that check or write the layout: config, lint, the edits and
 * the interface. Its warnings go to stderr. */
struct config *cli_config_dovecot(struct cli *cli);
/* The one error format: "vmailadm: COMMAND: message" on stderr. */
void cli_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Diagnostics on stderr: "FILE:LINE: error: ..." for those tied to a file,
 * "vmailadm: COMMAND: error: ..." for the others. */
struct diags;
void cli_diags(struct cli *cli, const struct diags *d);
/* The same and a hint to `vmailadm COMMAND --help`; returns EXIT_USAGE. */
int cli_usage_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The candidate closest to a mistyped word, or NULL when none is close. */
const char *cli_suggest(const char *word, const char *const *candidates, size_t n);
/* A usage error for an unknown word (what: "unknown command '%s'"), with
 * "did you mean" when a candidate is close; returns EXIT_USAGE. */
int cli_unknown(struct cli *cli, const char *what, const char *word,
		const char *const *candidates, size_t n);

/* The one option parser of the commands: getopt_long over opts (and the
 * short options in shorts), options before or after the operands, "--"
 * ending them; an unknown option (with a suggestion) or a missing value is
 * a usage error. --help was handled before the command ran. */
#define CLI_MAX_OPTIONS 16
struct option;
struct cli_args {
	const struct option *opts;
	const char *val[CLI_MAX_OPTIONS]; /* per option: its last value, "" for a flag, NULL if absent */
	char **all[CLI_MAX_OPTIONS];       /* per option taking a value: every value, in order */
	size_t nall[CLI_MAX_OPTIONS];
	char **ops;                        /* the operands, in order */
	int nops;
};
/* 0, or EXIT_USAGE after the message. The operands are moved to argv[1..],
 * the values of each option after them (so a->ops and a->all point into
 * argv and need no freeing). */
int cli_parse(struct cli *cli, int argc, char **argv, const char *shorts,
	      const struct option *opts, struct cli_args *a);
/* The value of option name ("" for a flag given), NULL when absent; given
 * more than once, the last one. */
const char *cli_arg(const struct cli_args *a, const char *name);
/* Every value of an option that may be repeated (maillog's --file), in the
 * order given; *n is 0 when it is absent. */
char *const *cli_arg_all(const struct cli_args *a, const char *name, size_t *n);
/* JSON output: --json before the command (global) or after it. */
bool cli_json_wanted(const struct cli *cli, const struct cli_args *a);
/* text as a whole number >= min into *out: 0, or EXIT_USAGE after the message. */
int cli_number(struct cli *cli, const char *option, const char *text, long min, long *out);

/* Commands: int cmd_NAME(struct cli *cli, int argc, char **argv), where
 * argv[0] is the command name. Options are parsed with cli_parse (--json is
 * accepted by every command that prints data). */
int cmd_config(struct cli *cli, int argc, char **argv);
/* Edits (src/cli/cmd_edit.c): domain, mailbox, alias, catchall, sysalias;
 * batches (cmd_apply.c, cmd_import.c). */
int cmd_edit(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_lint(struct cli *cli, int argc, char **argv);
/* The delivery log and the queue (src/traffic). */
int cmd_maillog(struct cli *cli, int argc, char **argv);
int cmd_queue(struct cli *cli, int argc, char **argv);

int cmd_log(struct cli *cli, int argc, char **argv);
/* vmailadm rollback [ID] [--dry-run] [--force] (src/cli/cmd_rollback.c). */
int cmd_rollback(struct cli *cli, int argc, char **argv);
struct json_t;
struct stage;
struct plan;
/* The plan of a stage as the stable JSON object of `--dry-run --json` and
 * `lint --fix --json`: operations, files, diff, actions, notes
 * (src/cli/transact.c). */
struct json_t *cli_json_plan(struct stage *s, const struct plan *p, const char *diff);
/* The queries a trace ran on database maps (map, key, query, result,
 * error: doc/json.md), for trace --json and maillog --trace --json. */
struct trace_result;
struct json_t *cli_json_trace_queries(const struct trace_result *r);
/* Every audit record (state_dir/audit.log), oldest first, as a JSON array. */
struct json_t *cli_audit_records(struct cli *cli);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_db(struct cli *cli, int argc, char **argv);
/* vmailadm exercise [N|reset [N]] (src/cli/cmd_exercise.c). */
int cmd_exercise(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
/* sendas allow|deny|enable|disable (edits, through cmd_edit) and list
 * (cmd_sendas.c); who may send as address for show and list: the
 * "sendas" JSON object (json null without a sender login map), and one
 * text field labelled label. */
int cmd_sendas(struct cli *cli, int argc, char **argv);
struct world;
struct json_t *cli_json_sendas(const struct world *w, const char *address);
void cli_sendas_text(const struct world *w, const char *address, const char *label);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_trace(struct cli *cli, int argc, char **argv);

/* Shared by the read-only commands (src/cli/cmd_list.c). */
struct world;
struct mailbox;
struct alias;
struct json_t;
/* The world for cli's configuration; load diagnostics are printed on
 * stderr; a world that cannot load (main.cf missing) exits 2. */
struct world *cli_world(struct cli *cli);
/* Before a read command reads the files: an interrupted commit is finished
 * or rolled back (said on stderr), or one line says why it cannot be. */
void cli_recover_read(struct cli *cli);
/* "1 GiB", "unlimited", the rule itself when it has no byte limit, or "". */
char *cli_format_quota(const struct mailbox *b);
/* The stable JSON objects of doc/json.md. */
struct json_t *cli_json_mailbox(const struct config *cfg, const struct mailbox *b);
struct json_t *cli_json_alias(const struct config *cfg, const struct alias *a);
/* o's "file" and "line": where an entry is defined, named by source.h
 * (on backend pgsql a row: "pgsql:TABLE", line null). */
void cli_json_source(struct json_t *o, const struct config *cfg, const char *file, unsigned line);
struct alias_entry;
/* A system alias (/etc/aliases entry): name, targets, file, line. */
struct json_t *cli_json_sysalias(const struct alias_entry *e, const char *file);
/* Print j indented on stdout and release it. */
void cli_json_print(struct json_t *j);
struct strbuf;
/* j appended to out as cli_json_print lays it out, nested depth levels
 * deep (its lines after the first indented 2 * depth more). */
void cli_json_dump(struct strbuf *out, const struct json_t *j, int depth);
/* cli_json_mailbox(cfg, b) appended to out as cli_json_dump lays it out, made
 * without jansson (the streamed list, issue 16). */
void cli_json_mailbox_write(struct strbuf *out, const struct config *cfg, const struct mailbox *b,
			    int depth);

#endif
