/* Command-line dispatch: global options, then one command from the table;
 * and what every command shares: the one option parser (cli_parse), --help
 * from the table, the one error format ("vmailadm: COMMAND: message"), the
 * suggestions for a mistyped word, the world read for a command that reads
 * (an interrupted commit finished first), the audit log's records. Each
 * command lives in its own cmd_*.c; the shared JSON forms in cli_json.c. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vmailadm/cli.h"
#include "vmailadm/commit.h"
#include "vmailadm/human.h"
#include "vmailadm/config.h"
#include "vmailadm/doveconf.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* The command table: one row per command (keep sorted by name). usage is
 * the one synopsis of the command, shown by `vmailadm --help` and by
 * `vmailadm COMMAND --help`, which adds help (the options) under it. */
static const struct cli_command commands[] = {
	{ "alias", cmd_edit, N_("alias add|del|set ADDRESS [TARGET...]  add, remove or replace alias targets"),
	  N_("  TARGET...  addresses, separated by spaces or commas (\"quoted\" kept whole)\n") },
	{ "apply", cmd_apply, N_("apply FILE|-             run a batch of edits as one transaction"), NULL },
	{ "catchall", cmd_edit, N_("catchall set|clear DOMAIN [TARGET]"), NULL },
	{ "config", cmd_config, N_("config [--json|--man]    print every effective setting and its origin"),
	  N_("Print every effective setting and where it came from (default,\n"
	     "FILE:LINE); --man prints the man page vmailadm.yaml(5).\n") },
	{ "db", cmd_db, N_("db init|check|import|export|postfix-config|dovecot-config  the shared\n"
				"                          PostgreSQL database"),
	  N_("The PostgreSQL database Postfix and Dovecot query when several servers\n"
	     "share the accounts (PostfixAdmin's schema). It is reached with the\n"
	     "pgsql_conninfo setting or --conninfo, on the primary only.\n"
	     "  --conninfo STR  a libpq connection string or URI\n"
	     "Exit status: 0 done, 1 differences found (check), 2 usage or failure.\n") },
	{ "demo", cmd_demo, N_("demo DIR [--force]       create a demo server tree to try vmailadm on"),
	  N_("Create a demo server tree in DIR: Postfix main.cf and tables, /etc/aliases,\n"
	     "a Dovecot passwd-file, Maildirs with sample mail and a vmailadm.yaml.\n"
	     "A non-empty DIR is refused; --force replaces a demo tree made earlier\n"
	     "(and nothing else in DIR).\n") },
	{ "domain", cmd_edit, N_("domain add|del DOMAIN [--alias-of TARGET] [--cascade]"), NULL },
	{ "exercise", cmd_exercise, N_("exercise [N|reset [N]] [--json] [--yes]  the course's exercises, checked step by step"),
	  N_("The course's four exercises, each step checked against the files, the\n"
	     "built maps, the Maildirs and the running servers: done, todo or skipped\n"
	     "(with why). Without N, the list with each one's progress.\n"
	     "Without --config or $VMAILADM_CONFIG they run on a demo tree in\n"
	     "$XDG_DATA_HOME/vmailadm/exercises (made on first use); on a tree that is\n"
	     "not a demo, vmailadm asks before it touches anything (--yes: do not ask).\n"
	     "reset forgets the progress kept in the state directory.\n"
	     "Exit status: 0 when every step shown is done, 1 otherwise.\n") },
	/* No help of its own: set's options are set's alone (clear takes none). */
	{ "forward", cmd_edit, N_("forward set|clear ADDRESS [TARGET...]  a mailbox's forwarding, with or without a copy"),
	  NULL },
	{ "import", cmd_import, N_("import --csv FILE        create mailboxes from address,password,quota rows"), NULL },
	{ "lint", cmd_lint, N_("lint [--json] [--fix [--commit]]  problems that lose mail or expose passwords"),
	  N_("  --fix     stage the fixes lint can make and show them (nothing is written)\n"
	     "  --commit  with --fix: apply them\n"
	     "  --quiet   print nothing when there is no problem\n"
	     "Exit status: 0 no problem, 1 problems found, 2 usage.\n") },
	{ "list", cmd_list, N_("list domains|mailboxes|aliases|catchalls|sysaliases [DOMAIN] [--json]"),
	  N_("  DOMAIN  only the entries of this hosted domain\n"
	     "  --json  as JSON (doc/json.md)\n") },
	{ "log", cmd_log, N_("log [--limit N] [--json] the audit trail of commits"),
	  N_("  -n, --limit N  the last N commits (default 20, 0 for all)\n") },
	{ "mailbox", cmd_edit, N_("mailbox add|del|passwd|quota|rename ADDRESS [...]"), NULL },
	{ "maillog", cmd_maillog, N_("maillog ADDRESS [--since TIME] [--json] [--logins] [--trace]  what the mail log says\n"
				     "                          happened to mail to and from an address"),
	  N_("What happened to the mail to and from ADDRESS (\"@DOMAIN\": the whole\n"
	     "domain), from the Postfix log: main.cf's maillog_file, else\n"
	     "/var/log/mail.log, each with its rotated files (.1, .gz), else the journal.\n"
	     "  --since TIME  only records from TIME on: YYYY-MM-DD[ HH:MM[:SS]], Nd, Nh,\n"
	     "                Nm (ago) or @EPOCH\n"
	     "  --logins      also Dovecot's logins and authentication failures\n"
	     "  --file FILE   read FILE (plain or gzip) instead; may be repeated, oldest first\n"
	     "  --trace       first where the tracer says mail to ADDRESS goes, beside\n"
	     "                where the last message to it went, marked where they differ\n"
	     "  --json        the records as JSON (doc/json.md)\n"
	     "Exit status: 0 records found (with --trace: and they agree), 1 none (or they\n"
	     "differ), 2 usage or no log.\n") },
	{ "queue", cmd_queue, N_("queue list|show|hold|release|requeue|delete|flush [ID...|DOMAIN] [--json]\n"
				 "                          the Postfix queue (list by default) and actions on it"),
	  N_("The Postfix queue as postqueue -j gives it, read from the queue files when\n"
	     "they can be read (root), else through postqueue; streamed.\n"
	     "  --json           as JSON (doc/json.md)\n"
	     "Exit status: 0 done, 1 an id not in the queue or nothing deleted,\n"
	     "2 usage or failure.\n") },
	{ "rollback", cmd_rollback, N_("rollback [ID] [--dry-run] [--force]  undo a commit as a new one"),
	  N_("The files the commit ID (the last one by default) rewrote go back to their\n"
	     "backups, its archived maildirs move back; the diff is shown first.\n"
	     "  --force  also put back a file that changed since that commit (its later\n"
	     "           changes are lost; else the rollback is refused, naming it)\n") },
	{ "sendas", cmd_sendas, N_("sendas allow|deny|list|enable|disable [ADDRESS [LOGIN...]]  who may send as\n"
				   "                          which address (smtpd_sender_login_maps)"),
	  N_("The sender login map: each mailbox owns its address, each alias is owned\n"
	     "by the mailboxes it delivers to (kept in step by every edit), plus the\n"
	     "logins granted with allow. Postfix asks it user@domain, then @domain.\n") },
	{ "show", cmd_show, N_("show ADDRESS [--json]    everything known about one address"),
	  N_("  ADDRESS  user@domain; a NAME without @ shows the system alias NAME\n"
	     "           of /etc/aliases (show root)\n") },
	{ "stats", cmd_stats, N_("stats [DOMAIN|ADDRESS...] [--json] [--sort name|new|unread|size] [--folders] [--over PERCENT]\n"
				 "                          messages, unread and size of each mailbox"),
	  N_("Messages (new, unread, total) and size of each mailbox, from its Maildir.\n"
	     "  --over PERCENT  only the mailboxes using PERCENT of their quota or more\n"
	     "                  (exit status 1 when there is none)\n") },
	{ "sysalias", cmd_edit, N_("sysalias set|del NAME [TARGET...]  /etc/aliases entries"), NULL },
	{ "trace", cmd_trace, N_("trace ADDRESS... [--json] where mail for an address goes, step by step"),
	  N_("  --short  one line per final destination: ADDRESS KIND RECIPIENT WHERE\n"
	     "           (WHERE: the maildir or mbox, the command or host, or the reason)\n"
	     "  -        read the addresses from standard input, one a line\n"
	     "Exit status: 0 all delivered, 1 some rejected or deferred, 2 usage.\n") },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The options that set a password (transact.c), under mailbox add and
 * passwd; the hashing ones under import too. */
static const char password_help[] =
	N_("  --password-stdin      read the password from standard input (else it is asked\n"
	   "                        twice on the terminal)\n"
	   "  --generate-password   generate one and print it once\n"
	   "  --password-hash HASH  a {SCHEME}hash instead of a password\n");
static const char hashing_help[] =
	N_("  --scheme SCHEME       SHA512-CRYPT, BLF-CRYPT or CRYPT instead of password_scheme\n"
	   "  --allow-weak          take a password shorter than password_min_length\n");

/* The subcommands, one row each (in the order of their command's usage
 * line): `vmailadm COMMAND SUB --help` prints the usage line and help,
 * `vmailadm COMMAND --help` and `vmailadm --help` list the usage lines
 * under their command. The command's own help (what all its subcommands
 * share) follows a subcommand's. */
struct subcommand {
	const char *command;
	const char *name;
	const char *usage;   /* N_(): "COMMAND SUB ARGS  what it does", one line */
	const char *help;    /* N_(): what `COMMAND SUB --help` adds, or NULL */
};
static const struct subcommand subcommands[] = {
	{ "alias", "add", N_("alias add ADDRESS TARGET...  add targets to an alias (created when new)"), NULL },
	{ "alias", "del", N_("alias del ADDRESS [TARGET...]  remove targets, or the whole alias"), NULL },
	{ "alias", "set", N_("alias set ADDRESS TARGET...  replace the targets by exactly these"), NULL },
	{ "catchall", "set", N_("catchall set DOMAIN TARGET  unknown addresses of DOMAIN go to TARGET"),
	  N_("  TARGET  an address, or @OTHERDOMAIN: each user to the same user there\n") },
	{ "catchall", "clear", N_("catchall clear DOMAIN  remove the catch-all of DOMAIN"), NULL },
	{ "db", "init", N_("db init  create the schema (in an empty or a PostfixAdmin database)"),
	  NULL },
	{ "db", "check", N_("db check  name every table and column vmailadm needs that differs"), NULL },
	{ "db", "import", N_("db import [--dry-run]  move the flat files' accounts into the empty database"),
	  N_("The rows are shown first (a password as \"(set)\"), then inserted in one\n"
	     "transaction (an mbox mailbox too: its maildir without the final '/');\n"
	     "what the schema cannot hold (passwd-file fields other than the quota) is named.\n"
	     "  -n, --dry-run  show the rows, change nothing\n") },
	{ "db", "export", N_("db export --dir DIR  the database's accounts as new flat files in DIR"),
	  N_("virtual_domains, vmailbox, virtual_alias and users (the passwd-file, 0640),\n"
	     "from one snapshot of the active rows; refused when one of them exists.\n") },
	{ "db", "postfix-config", N_("db postfix-config [--dir DIR] [--write | --apply [--dry-run]]  Postfix's map files, main.cf lines"),
	  N_("  --dir DIR             where the map files go (default /etc/postfix/pgsql;\n"
	     "                        with --apply, the server's Postfix directory's pgsql/)\n"
	     "  --write               write the map files there (mode 0640)\n"
	     "  --apply               backend pgsql: stage the server's main.cf lines and the\n"
	     "                        missing map files, show the diff, commit (Postfix reloaded)\n"
	     "  -n, --dry-run         with --apply: show the diff, change nothing\n"
	     "  --json                with --apply: the plan as JSON\n"
	     "  --user ROLE           the SELECT-only role Postfix uses (default mailreader)\n"
	     "  --password-file FILE  its password, the first line of FILE\n") },
	{ "db", "dovecot-config", N_("db dovecot-config [--base DIR]  Dovecot's dovecot-sql.conf.ext"),
	  N_("  --base DIR            virtual_mailbox_base (default /var/mail/vhosts)\n"
	     "  --user ROLE           the SELECT-only role Dovecot uses (default mailreader)\n"
	     "  --password-file FILE  its password, the first line of FILE\n") },
	{ "domain", "add", N_("domain add DOMAIN [--alias-of TARGET]  host a new virtual domain"),
	  N_("  --alias-of TARGET  an alias domain: each address of TARGET gets its own\n"
	     "                     line (user@DOMAIN user@TARGET), kept in step by every\n"
	     "                     later edit; never a wildcard (backscatter)\n") },
	{ "domain", "del", N_("domain del DOMAIN [--cascade]  stop hosting a domain"),
	  N_("  --cascade  remove its mailboxes and aliases too (else they stop it)\n") },
	{ "forward", "set", N_("forward set ADDRESS TARGET... --keep-copy|--no-copy  forward a mailbox's mail"),
	  N_("The mailbox's own entry in the alias map: with --keep-copy the mailbox\n"
	     "stays one of its targets (its INBOX gets the mail too), with --no-copy its\n"
	     "mail leaves and never reaches its INBOX.\n"
	     "  --keep-copy  the mailbox gets the mail too\n"
	     "  --no-copy    only the targets get it (said in red in the interface)\n") },
	{ "forward", "clear", N_("forward clear ADDRESS  stop forwarding a mailbox's mail"),
	  N_("The mailbox's own entry in the alias map goes (it stays, naming only the\n"
	     "mailbox, when a catch-all of its domain is there): its mail reaches its\n"
	     "INBOX again. A mailbox that forwards nothing is refused.\n") },
	{ "exercise", "reset", N_("exercise reset [N]  forget the progress of exercise N, or of all"), NULL },
	{ "list", "domains", N_("list domains [DOMAIN] [--json]  the hosted domains"), NULL },
	{ "list", "mailboxes", N_("list mailboxes [DOMAIN] [--json]  the mailboxes, their quota and Maildir"), NULL },
	{ "list", "aliases", N_("list aliases [DOMAIN] [--json]  the aliases and their targets"), NULL },
	{ "list", "catchalls", N_("list catchalls [DOMAIN] [--json]  the catch-alls"), NULL },
	{ "list", "sysaliases", N_("list sysaliases [--json]  the system aliases of /etc/aliases"), NULL },
	{ "mailbox", "add", N_("mailbox add ADDRESS [--quota SIZE] [--adopt-maildir]  a new mailbox"),
	  N_("  --quota SIZE          its Dovecot quota: 500M, 2G, 0 for unlimited\n"
	     "  --adopt-maildir       take on a Maildir already where the new one goes\n") },
	{ "mailbox", "del", N_("mailbox del ADDRESS [--purge|--keep-maildir]  remove a mailbox"),
	  N_("  --purge         delete the Maildir instead of archiving it\n"
	     "  --keep-maildir  leave the Maildir where it is\n") },
	{ "mailbox", "passwd", N_("mailbox passwd ADDRESS  set a new password"), NULL },
	{ "mailbox", "quota", N_("mailbox quota ADDRESS SIZE|none  set (500M, 2G, 0: unlimited) or remove it"),
	  NULL },
	{ "mailbox", "rename", N_("mailbox rename OLD NEW [--keep-old]  rename a mailbox, its maildir and every line naming it"),
	  N_("The maildir moves (a rename under virtual_mailbox_base, to another domain\n"
	     "too); the mailbox map line, the passwd-file line (hash, quota and extra\n"
	     "fields kept) and every alias target naming OLD name NEW. NEW must not\n"
	     "exist in any form (mailbox, alias, passwd-file entry, maildir).\n"
	     "  --keep-old  OLD stays, as an alias of NEW (else mail to OLD bounces)\n") },
	{ "queue", "list", N_("queue list [--by reason|domain] [--source files|postqueue] [--json]  each message and why it waits"),
	  N_("  --by reason|domain  messages, recipients and bytes per reason or per\n"
	     "                      recipient domain instead\n"
	     "  --source files|postqueue  read the queue files (root; the default when\n"
	     "                      they can be read) or ask postqueue -j\n") },
	{ "queue", "show", N_("queue show ID [--json]  a message's envelope, then its text (postcat)"), NULL },
	{ "queue", "hold", N_("queue hold ID...  put messages on hold (postsuper -h)"), NULL },
	{ "queue", "release", N_("queue release ID...  release held messages (postsuper -H)"), NULL },
	{ "queue", "requeue", N_("queue requeue ID...  requeue messages (postsuper -r)"), NULL },
	{ "queue", "delete", N_("queue delete ID... [--yes]  delete messages (postsuper -d)"),
	  N_("The messages are shown and a yes asked on a terminal; without one, --yes\n"
	     "is needed. Only the ids a fresh listing still holds are acted on (Postfix\n"
	     "reuses queue ids), for hold, release and requeue too.\n"
	     "  -y, --yes  delete without asking\n") },
	{ "queue", "flush", N_("queue flush [DOMAIN]  try the deferred mail now (postqueue -f, -s DOMAIN)"), NULL },
	{ "sendas", "allow", N_("sendas allow ADDRESS LOGIN...  let mailboxes send as ADDRESS (or @DOMAIN)"), NULL },
	{ "sendas", "deny", N_("sendas deny ADDRESS LOGIN...  take a grant back"), NULL },
	{ "sendas", "list", N_("sendas list [ADDRESS] [--json]  who may send as each address, or as ADDRESS"), NULL },
	{ "sendas", "enable", N_("sendas enable  main.cf: smtpd_sender_login_maps and the login mismatch restriction"),
	  N_("Sets smtpd_sender_login_maps = hash:MAP and puts\n"
	     "reject_authenticated_sender_login_mismatch first in smtpd_sender_restrictions:\n"
	     "a client that logged in may then only use a MAIL FROM its login owns\n"
	     "(553 5.7.1 ... not owned by user).\n") },
	{ "sendas", "disable", N_("sendas disable  main.cf no longer checks who sends as whom"), NULL },
	{ "sysalias", "set", N_("sysalias set NAME TARGET...  set a system alias of /etc/aliases"), NULL },
	{ "sysalias", "del", N_("sysalias del NAME  remove a system alias"), NULL },
};
#define NSUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

/* Whether the words set a password: mailbox add and passwd, import. */
static bool sets_password(const struct cli_command *cmd, const struct subcommand *sub)
{
	if (!sub)
		return cmd->fn == cmd_import;
	return strcmp(sub->command, "mailbox") == 0 &&
	       (strcmp(sub->name, "add") == 0 || strcmp(sub->name, "passwd") == 0);
}

/* The usage lines of cmd's subcommands, indented under it. */
static void print_subcommands(FILE *fp, const struct cli_command *cmd, const char *indent)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++)
		if (strcmp(subcommands[i].command, cmd->name) == 0)
			fprintf(fp, "%s%s\n", indent, _(subcommands[i].usage));
}

/* The options of the editing commands (transact.c), shown under their usage. */
static const char edit_help[] =
	N_("  -n, --dry-run      print the diff and the actions, change nothing\n"
	   "  -y, --yes          confirm an edit that deletes mail, without asking\n"
	   "      --json         print the plan and the result as JSON\n"
	   "      --lock-wait S  wait S seconds for another commit to finish\n");

const struct cli_command *cli_commands(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

static void print_help(FILE *fp, const char *prog)
{
	fprintf(fp, _("Usage: %s [--config FILE] [--json] COMMAND [ARGS]\n"
		    "       %s [--config FILE] [--theme NAME]   (the interactive interface)\n"), prog,
		prog);
	fputs(_("Administer Postfix + Dovecot virtual mail domains.\n\n"), fp);
	fputs(_("Commands:\n"), fp);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fprintf(fp, "  %s\n", _(commands[i].usage));
		print_subcommands(fp, &commands[i], "    ");
	}
	/* The path goes in through %s: a macro inside the literal would cut the
	 * msgid xgettext extracts short of the string looked up at run time. */
	fprintf(fp, _("\nGlobal options:\n"
		      "  -c, --config FILE   configuration file (default: $VMAILADM_CONFIG, then\n"
		      "                      %s)\n"
		      "      --json          machine-readable output\n"
		      "      --theme NAME    colour theme of the interface (default, dark, light,\n"
		      "                      mono, or a theme file)\n"
		      "  -h, --help          this help\n"
		      "  -V, --version       print the version\n"), CONFIG_DEFAULT_PATH);
	fputs(_("\nExit status: 0 success, 1 nothing found or problems found, 2 usage or\n"
		"configuration error.\n"), fp);
}

/* The message prefix: "vmailadm: COMMAND: " once a command runs. */
static void prefix(struct cli *cli)
{
	if (cli->command)
		fprintf(stderr, "%s: %s: ", cli->prog, cli->command);
	else
		fprintf(stderr, "%s: ", cli->prog);
}

static void error_line(struct cli *cli, const char *fmt, va_list ap)
{
	prefix(cli);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_line(cli, fmt, ap);
	va_end(ap);
}

static void try_help(struct cli *cli)
{
	char *what = cli->command ? xasprintf("%s %s", cli->prog, cli->command) : xstrdup(cli->prog);
	fprintf(stderr, _("Try '%s --help' for more information.\n"), what);
	free(what);
}

int cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_line(cli, fmt, ap);
	va_end(ap);
	try_help(cli);
	return EXIT_USAGE;
}

/* Edit distance (insertions, deletions, substitutions, swaps of two
 * neighbours), capped: only small distances matter for a suggestion. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return SIZE_MAX;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *cli_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(word, candidates[i]);
		if (strncmp(word, candidates[i], len) == 0 && len >= 2)
			d = 1;   /* a prefix: "list mail" */
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	/* One edit in a short word, two in a longer one: beyond that the
	 * "suggestion" is a guess. */
	return best && bestd <= (len <= 4 ? 1u : 2u) ? best : NULL;
}

int cli_unknown(struct cli *cli, const char *what, const char *word,
		const char *const *candidates, size_t n)
{
	const char *s = cli_suggest(word, candidates, n);
	prefix(cli);
	fprintf(stderr, what, word);
	if (s) {
		fputs("; ", stderr);
		fprintf(stderr, _("did you mean '%s'?"), s);
	}
	fputc('\n', stderr);
	try_help(cli);
	return EXIT_USAGE;
}

void cli_diags(struct cli *cli, const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);
		if (d->v[i].file)
			fprintf(stderr, "%s\n", s);   /* FILE:LINE: ... names its place */
		else
			cli_error(cli, "%s", s);
		free(s);
	}
}

static size_t arg_index(const struct cli_args *a, const char *name)
{
	size_t i = 0;
	while (a->opts[i].name && strcmp(a->opts[i].name, name) != 0)
		i++;
	return i;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	size_t i = arg_index(a, name);
	return a->opts[i].name ? a->val[i] : NULL;
}

bool cli_json_wanted(const struct cli *cli, const struct cli_args *a)
{
	return cli->json || cli_arg(a, "json");
}

char *const *cli_arg_all(const struct cli_args *a, const char *name, size_t *n)
{
	size_t i = arg_index(a, name);
	*n = a->opts[i].name ? a->nall[i] : 0;
	return *n ? a->all[i] : NULL;
}

/* The option named by argv word w (without "--" and "=value"). */
static char *option_name(const char *w)
{
	while (*w == '-')
		w++;
	return xstrndup(w, strcspn(w, "="));
}

/* The one line for an option getopt refused (c '?' or ':', w the argv word
 * it stopped at): a value missing, a value given to an option that takes
 * none ("--json=3" was called unknown, with "did you mean '--json'?"), or
 * an unknown option with the nearest known one. */
static int option_error(struct cli *cli, int c, const char *w, const struct option *opts)
{
	bool one = optopt && w[0] == '-' && w[1] != '-';
	char *name = one ? xasprintf("%c", optopt) : option_name(w);
	size_t nopts = 0, n = strlen(name), nprefix = 0;
	const struct option *exact = NULL, *prefix = NULL; /* as getopt_long matches */
	int rc;
	for (; opts[nopts].name; nopts++) {
		if (one || strncmp(opts[nopts].name, name, n) != 0)
			continue;
		if (strlen(opts[nopts].name) == n)
			exact = &opts[nopts];
		prefix = &opts[nopts];
		nprefix++;
	}
	const struct option *given = exact ? exact : nprefix == 1 ? prefix : NULL;
	if (c == ':') {
		rc = cli_usage_error(cli, _("option '%s%s' needs a value"), one ? "-" : "--", name);
	} else if (given && strchr(w, '=') && given->has_arg == no_argument) {
		rc = cli_usage_error(cli, _("option '--%s' takes no value"), given->name);
	} else {
		const char **names = xcalloc(nopts + 1, sizeof *names);
		for (size_t i = 0; i < nopts; i++)
			names[i] = opts[i].name;
		char *shown = xasprintf("%s%s", one ? "-" : "--", name);
		const char *s = cli_suggest(name, names, nopts);
		if (s)
			rc = cli_usage_error(cli, _("unknown option '%s'; did you mean '--%s'?"), shown, s);
		else
			rc = cli_usage_error(cli, _("unknown option '%s'"), shown);
		free(shown);
		free(names);
	}
	free(name);
	return rc;
}

int cli_parse(struct cli *cli, int argc, char **argv, const char *shorts,
	      const struct option *opts, struct cli_args *a)
{
	memset(a, 0, sizeof *a);
	a->opts = opts;
	size_t nopts = 0;
	while (opts[nopts].name)
		nopts++;
	if (nopts > CLI_MAX_OPTIONS)
		vm_panic("%s: too many options", cli->command);
	/* "-": operands come back as 1, in order, wherever they stand (options
	 * before or after them, whatever POSIXLY_CORRECT says); ":": a missing
	 * value is told apart from an unknown option. */
	char *optstring = xasprintf("-:%s", shorts);
	/* --config FILE, a global option, is taken after the command too, as
	 * --json is: the configuration is read only once a command needs it. */
	enum { OPT_CONFIG = 0x7f00 };
	struct option all[CLI_MAX_OPTIONS + 2];
	memcpy(all, opts, nopts * sizeof *opts);
	all[nopts] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	all[nopts + 1] = (struct option){ NULL, 0, NULL, 0 };
	char **ops = xcalloc((size_t)argc + 1, sizeof *ops);
	/* Every value given, with its option: a repeated option keeps them all. */
	char **vals = xcalloc((size_t)argc + 1, sizeof *vals);
	size_t *vopt = xcalloc((size_t)argc + 1, sizeof *vopt), nvals = 0;
	int nops = 0, c, li, rc = 0;
	optind = 0;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, optstring, all, (li = -1, &li))) != -1) {
		if (c == OPT_CONFIG) {
			cli->config_path = optarg;
		} else if (c == 1) {
			ops[nops++] = optarg;
		} else if (c == '?' || c == ':') {
			rc = option_error(cli, c, argv[optind - 1], opts);
		} else {
			size_t i = 0;
			if (li >= 0)
				i = (size_t)li;
			else
				while (i < nopts && opts[i].val != c)
					i++;
			if (i < nopts)
				a->val[i] = optarg ? optarg : "";
			if (i < nopts && optarg) {
				vals[nvals] = optarg;
				vopt[nvals++] = i;
			}
		}
	}
	if (rc == 0)
		while (optind < argc)
			ops[nops++] = argv[optind++];
	/* Each operand and each value took at least one word of argv[1..]:
	 * they all fit there, operands first, then each option's values. */
	char **w = argv + 1;
	for (int i = 0; i < nops; i++)
		*w++ = ops[i];
	for (size_t i = 0; i < nopts; i++) {
		a->all[i] = w;
		for (size_t k = 0; k < nvals; k++)
			if (vopt[k] == i)
				*w++ = vals[k];
		a->nall[i] = (size_t)(w - a->all[i]);
	}
	a->ops = argv + 1;
	a->nops = nops;
	free(vopt);
	free(vals);
	free(ops);
	free(optstring);
	optind = 0;
	return rc;
}

int cli_number(struct cli *cli, const char *option, const char *text, long min, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (!*text || *end || errno || v < min)
		return cli_usage_error(cli, _("%s takes a whole number from %ld, not '%s'"), option, min,
				       text);
	*out = v;
	return 0;
}

const char *cli_command_usage(const struct cli *cli)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (cli->command && strcmp(commands[i].name, cli->command) == 0)
			return commands[i].usage;
	return "";
}

static bool is_edit(const struct cli_command *cmd, const struct subcommand *sub)
{
	/* sendas edits, but for its list */
	if (cmd->fn == cmd_sendas)
		return !sub || strcmp(sub->name, "list") != 0;
	return cmd->fn == cmd_edit || cmd->fn == cmd_apply || cmd->fn == cmd_import ||
	       cmd->fn == cmd_rollback;
}

/* `vmailadm COMMAND [SUB] --help`: the usage line of the table (the
 * subcommand's when one is named, else the command's and its subcommands'),
 * then the options. */
static void print_command_help(const struct cli_command *cmd, const struct subcommand *sub)
{
	printf(_("Usage: %s %s\n"), "vmailadm", _(sub ? sub->usage : cmd->usage));
	if (!sub)
		print_subcommands(stdout, cmd, "  ");
	if (sub && sub->help)
		fputs(_(sub->help), stdout);
	if (sets_password(cmd, sub)) {
		if (sub)
			fputs(_(password_help), stdout);
		fputs(_(hashing_help), stdout);
	}
	if (cmd->help)
		fputs(_(cmd->help), stdout);
	if (is_edit(cmd, sub))
		fputs(_(edit_help), stdout);
}

/* --help or -h among a command's words, before any "--"; *sub gets the
 * subcommand named by the first word that is not an option, if any. */
static bool wants_help(const struct cli_command *cmd, int argc, char **argv,
		       const struct subcommand **sub)
{
	bool help = false;
	const char *first = NULL;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			help = true;
		else if (!first && argv[i][0] != '-')
			first = argv[i];
	*sub = NULL;
	for (size_t i = 0; first && i < NSUBCOMMANDS; i++)
		if (strcmp(subcommands[i].command, cmd->name) == 0 &&
		    strcmp(subcommands[i].name, first) == 0)
			*sub = &subcommands[i];
	return help;
}

struct config *cli_config(struct cli *cli)
{
	if (cli->cfg)
		return cli->cfg;
	struct diags d = DIAGS_INIT;
	if (config_load(cli->config_path, &cli->cfg, &d) < 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		exit(EXIT_USAGE);
	}
	diags_print(&d, stderr); /* warnings */
	diags_free(&d);
	config_apply_language(cli->cfg); /* the `language` setting, for what follows */
	/* backend: pgsql: everything reads one snapshot of the database, but
	 * `config` shows the settings as written and `db` talks to the
	 * database itself. */
	bool own = cli->command && (!strcmp(cli->command, "config") || !strcmp(cli->command, "db"));
	if (cli->cfg->backend == BACKEND_PGSQL && !own &&
	    pgdb_snapshot_open(cli->cfg, &d) < 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		exit(EXIT_USAGE);
	}
	diags_print(&d, stderr); /* the snapshot's warnings (rows left out) */
	diags_free(&d);
	return cli->cfg;
}

struct config *cli_config_dovecot(struct cli *cli)
{
	struct config *c = cli_config(cli);
	if (!c->dovecot) {
		struct diags d = DIAGS_INIT;
		doveconf_apply(c, &d);
		diags_print(&d, stderr);
		diags_free(&d);
	}
	return c;
}

int cli_main(int argc, char **argv, cli_interactive_fn interactive)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "theme", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .prog = "vmailadm", .who = NULL };
	int c, rc;
	bool help = false;   /* --help before a command: that command's help */

	/* '+': stop at the command name; its options are its own. ':' and
	 * opterr 0: one line of ours naming the option, not getopt's line
	 * followed by a vague one ("--config" without its file used to be
	 * called an unknown option). */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_path = optarg; break;
		case 'j': cli.json = true; break;
		case 'T': cli.theme = optarg; break;
		case 'h': help = true; break;
		case 'V': printf("vmailadm %s\n", PACKAGE_VERSION); return EXIT_OK;
		default: return option_error(&cli, c, argv[optind - 1], opts);
		}
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* commands run getopt again from their own argv[0] */
	bool known = false;
	for (size_t i = 0; argc > 0 && i < NCOMMANDS; i++)
		known |= strcmp(commands[i].name, argv[0]) == 0;
	if (help && !known) {
		print_help(stdout, cli.prog);
		return EXIT_OK;
	}

	if (argc > 0)
		asciiout_install();   /* the interface draws its own ASCII */
	if (argc == 0) {
		if (interactive)
			rc = interactive(&cli, argc, argv);
		else {
			print_help(stderr, cli.prog);
			rc = EXIT_USAGE;
		}
	} else {
		const struct cli_command *cmd = NULL;
		const char *names[NCOMMANDS];
		for (size_t i = 0; i < NCOMMANDS; i++) {
			names[i] = commands[i].name;
			if (strcmp(commands[i].name, argv[0]) == 0)
				cmd = &commands[i];
		}
		if (!cmd)
			return cli_unknown(&cli, _("unknown command '%s'"), argv[0], names, NCOMMANDS);
		cli.command = cmd->name;
		cli.who = xasprintf("%s: %s", cli.prog, cmd->name);
		/* No early return: cli.who and the configuration are freed below
		 * (the sanitizer lane counts a leak as a failure). */
		const struct subcommand *sub;
		if (wants_help(cmd, argc, argv, &sub) || help) {
			print_command_help(cmd, sub);
			rc = EXIT_OK;
		} else {
			rc = cmd->fn(&cli, argc, argv);
		}
	}
	config_free(&cli.cfg);
	free(cli.who);
	return rc;
}

/* ---- what the commands that read share: the world, the audit log ---- */

/* Issue 10, defect 6: a read command used to show the half-changed files
 * of a killed commit (an address in the map but not in the passwd-file)
 * without a word. */
void cli_recover_read(struct cli *cli)
{
	struct strbuf said = STRBUF_INIT, blocked = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	recover_interrupted_read(cli_config(cli), &said, &blocked, &d);
	cli_diags(cli, &d);
	for (char *l = said.buf, *nl; l && *l; l = nl + 1) {
		nl = strchr(l, '\n');
		*nl = '\0';
		fprintf(stderr, "%s: %s\n", cli->prog, l);
	}
	if (blocked.len)
		fprintf(stderr, "%s: %s\n", cli->prog, blocked.buf);
	diags_free(&d);
	sb_free(&said);
	sb_free(&blocked);
}

struct world *cli_world(struct cli *cli)
{
	struct config *cfg = cli_config(cli);
	cli_recover_read(cli);
	struct diags d = DIAGS_INIT;
	struct world *w = NULL;
	int rc = world_load(cfg, &w, &d);
	/* Problems in the files are reported but do not stop the listing. */
	cli_diags(cli, &d);
	diags_free(&d);
	if (rc < 0) {
		config_free(&cli->cfg);
		exit(EXIT_USAGE);
	}
	/* The commands mark what depends on such a file unknown and exit 1. */
	for (size_t i = 0; i < world_unreadable_count(w); i++)
		fprintf(stderr, _("%s: %s cannot be read: what it holds is shown as unknown, not as missing\n"),
			cli->prog, world_unreadable(w, i));
	return w;
}

/* "1 GiB", "500 MiB", "unlimited", or "" (no rule). */
char *cli_format_quota(const struct mailbox *b)
{
	if (b->pw_unknown)
		return xstrdup(_("(unknown)"));
	if (!b->quota_rule)
		return xstrdup("");
	if (b->quota_bytes < 0)
		return xstrdup(b->quota_rule);
	if (b->quota_bytes == 0)
		return xstrdup(_("unlimited"));
	/* a limit the admin wrote: exact in its unit ("1 GiB"), else the
	 * sizes' one format (human.c) */
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned long long q = (unsigned long long)b->quota_bytes;
	unsigned u = 0;
	while (u + 1 < sizeof units / sizeof units[0] && q % 1024 == 0 && q >= 1024) {
		q /= 1024;
		u++;
	}
	if (q < 1024 || u + 1 == sizeof units / sizeof units[0])
		return xasprintf("%llu %s", q, units[u]);
	char h[32];
	human_size(h, sizeof h, (uint64_t)b->quota_bytes);
	return xstrdup(h);
}

/* Every audit record, oldest first (read by state.c); what cannot be read
 * is said on stderr. */
json_t *cli_audit_records(struct cli *cli)
{
	struct state_audit a;
	state_audit_read(cli_config(cli), &a);
	if (a.error)
		fprintf(stderr, "%s: %s: %s\n", cli->who, a.path, strerror(a.error));
	for (size_t i = 0; i < a.nbad; i++)
		fprintf(stderr, _("%s:%u: warning: unreadable audit record: %s\n"), a.path, a.bad[i].line,
			a.bad[i].why);
	json_t *all = json_incref(a.records);
	state_audit_free(&a);
	return all;
}
