/* One transaction from the command line, shared by the editing commands
 * (cmd_edit.c, cmd_apply.c, cmd_import.c, cmd_rollback.c): front-end
 * options, passwords (read here, hashed at once and wiped: an op only ever
 * holds the hash), confirmation of destructive edits, the plan printed, the
 * commit, and the batch loop of apply and import. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_int.h"
#include "vmailadm/cli.h"
#include "vmailadm/clock.h"
#include "vmailadm/commit.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lineread.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/precheck.h"
#include "vmailadm/stage.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* VMAILADM_TIMING=1: when the command started, to print how its time splits
 * between vmailadm itself and the programs the commit runs. */
static struct timespec started, staged, shown;

void transact_timing_start(void)
{
	clock_now(&started);
}

static double since_start(const struct timespec *t)
{
	return clock_seconds(&started, t);
}

static void timing_report(const struct commit_result *res)
{
	if (!clock_timing_on())
		return;
	struct timespec now;
	clock_now(&now);
	double total = since_start(&now);
	/* cpu: vmailadm's own processor time since it started (user and
	 * system, every thread, no program it ran), beside the wall times. */
	struct rusage ru;
	double cpu = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	/* Machine-readable on purpose (bench/commit.sh reads it): not translated.
	 * staged: the operations validated and applied in memory; shown: the
	 * diff printed; the rest is the commit. */
	fprintf(stderr, "vmailadm-timing: total=%.6f programs=%.6f maps=%.6f own=%.6f staged=%.6f shown=%.6f cpu=%.6f\n",
		total, res->program_seconds, res->map_seconds, total - res->program_seconds,
		since_start(&staged), since_start(&shown), cpu);
}

/* A front option that cannot be taken: on a batch line, one line naming
 * file and line (the batch goes on to say nothing changed); on the command
 * line, the usage error. */
static int option_error(struct cli *cli, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int option_error(struct cli *cli, const char *file, unsigned line, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	int rc = EXIT_USAGE;
	if (file)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg.buf);
	else
		rc = cli_usage_error(cli, "%s", msg.buf);
	sb_free(&msg);
	return rc;
}

int transact_take_options(struct cli *cli, int *argc, char **argv, struct transact_opts *o,
			  const char *file, unsigned line)
{
	int out = 0;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-n") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0)
			o->yes = true;
		else if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (strcmp(a, "--password-stdin") == 0)
			o->password_stdin = true;
		else if (strcmp(a, "--generate-password") == 0)
			o->generate_password = true;
		else if (strcmp(a, "--allow-weak") == 0)
			o->allow_weak = true;
		else if (strcmp(a, "--scheme") == 0 || strcmp(a, "--lock-wait") == 0) {
			if (i + 1 >= *argc)
				return option_error(cli, file, line, _("option %s needs a value"), a);
			if (a[2] == 's')
				o->scheme = argv[++i];
			else {
				char *end;
				long w = strtol(argv[++i], &end, 10);
				if (end == argv[i] || *end || w < 0 || w > 86400)
					return option_error(cli, file, line,
							    _("--lock-wait takes a number of seconds (0 to 86400), not '%s'"),
							    argv[i]);
				o->lock_wait = (int)w;
				o->lock_wait_set = true;
			}
		} else if (strcmp(a, "--password") == 0) {
			return option_error(cli, file, line, _("a password never goes on the command line (other users can read it in the process list): use --password-stdin, --generate-password or the prompt"));
		} else
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

char **transact_words(struct cli *cli, int argc, char **argv, struct transact_opts *o, int *n,
		      int *rc)
{
	char **words = xcalloc((size_t)argc + 1, sizeof *words);
	int kept = 0;
	for (int i = 0; i < argc; i++) {
		/* --config FILE after the command, as cli_parse takes it for the
		 * other commands (the configuration is read after this). */
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			cli->config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cli->config_path = argv[i] + 9;
		else
			words[kept++] = argv[i];
	}
	*n = kept;
	*rc = transact_take_options(cli, n, words, o, NULL, 0);
	return words;
}

/* Standard input holds one password or answer: longer than any password
 * libxcrypt takes, so passhash_hash can say what the limit is. */
enum { SECRET_MAX = 4096 };

/* Read one line without echo when stdin is a terminal, straight from the
 * descriptor (lineread: no stdio buffer keeps a copy, a NUL byte is
 * refused rather than cutting the password short). *out gets the line
 * (NULL at the end of the input); -1 when it was refused, the message
 * printed. */
static int read_secret(struct cli *cli, const char *prompt, bool tty, char **out)
{
	struct termios old, quiet;
	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	struct lineread *r = lineread_open(STDIN_FILENO, _("standard input"), SECRET_MAX, SIZE_MAX);
	struct diags d = DIAGS_INIT;
	char *line;
	size_t n;
	int got = lineread_next(r, &line, &n, &d);
	*out = got > 0 ? xmemdup0(line, n) : NULL;
	lineread_free(&r);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	cli_diags(cli, &d);
	diags_free(&d);
	while (*out && n > 0 && (*out)[n - 1] == '\r')
		(*out)[--n] = '\0';
	return got < 0 ? -1 : 0;
}

int transact_check_password(struct cli *cli, const struct transact_opts *o, const char *plain,
			    const char *file, unsigned line)
{
	struct strbuf why = STRBUF_INIT;
	int rc = 0;
	if (!o->allow_weak &&
	    !passhash_long_enough(plain, cli_config(cli)->password_min_length, &why)) {
		const char *fmt = _("the password is %s: choose a longer one (or --allow-weak)");
		if (file) {
			fprintf(stderr, "%s:%u: ", file, line);
			fprintf(stderr, fmt, sb_str(&why));
			fputc('\n', stderr);
		} else {
			cli_error(cli, fmt, sb_str(&why));
		}
		rc = -1;
	}
	sb_free(&why);
	return rc;
}

/* Get, hash and wipe the password for op when it takes one. Returns 0, 1 when
 * the op needs none, or -1 (message printed). *generated gets a generated
 * password to show once. */
static int fill_password(struct cli *cli, const struct transact_opts *o, struct op *op,
			 char **generated)
{
	if (op->kind != OP_MAILBOX_ADD && op->kind != OP_MAILBOX_PASSWD)
		return 1;
	if (op->password_hash)
		return 0;
	const struct config *cfg = cli_config(cli);
	char *plain = NULL;
	bool tty = isatty(STDIN_FILENO);
	passhash_protect_process();
	if (o->generate_password) {
		plain = passhash_generate(passhash_generated_len(cfg->password_min_length));
		*generated = xasprintf("%s: %s", op->subject, plain);
	} else if (o->password_stdin) {
		int got = read_secret(cli, "", false, &plain);
		if (got < 0 || !plain || !*plain) {
			if (got == 0) /* else the reason is printed */
				fprintf(stderr, _("%s: no password on standard input\n"), cli->who);
			passhash_wipe(plain);
			return -1;
		}
	} else if (tty) {
		char *again = NULL;
		if (read_secret(cli, _("New password: "), true, &plain) == 0 && plain)
			read_secret(cli, _("Again: "), true, &again);
		if (!plain || !again || strcmp(plain, again) != 0 || !*plain) {
			fprintf(stderr, plain && again && *plain ? _("%s: the passwords differ\n")
								 : _("%s: no password given\n"), cli->who);
			passhash_wipe(plain);
			passhash_wipe(again);
			return -1;
		}
		passhash_wipe(again);
	} else if (op->kind == OP_MAILBOX_PASSWD) {
		fprintf(stderr, _("%s: 'mailbox passwd' needs a password: --password-stdin, --generate-password, or run it on a terminal\n"),
			cli->who);
		return -1;
	} else {
		return 1; /* a mailbox without a password: allowed, and the plan says so */
	}
	if (!o->generate_password && transact_check_password(cli, o, plain, NULL, 0) < 0) {
		passhash_wipe(plain);
		return -1;
	}
	struct diags d = DIAGS_INIT;
	op->password_hash = passhash_hash(o->scheme ? o->scheme : cfg->password_scheme, plain, &d);
	passhash_wipe(plain);
	if (!op->password_hash) {
		cli_diags(cli, &d);
		diags_free(&d);
		return -1;
	}
	diags_free(&d);
	return 0;
}

static bool is_destructive(const struct op *op)
{
	return (op->kind == OP_MAILBOX_DEL && op->purge) || (op->kind == OP_DOMAIN_DEL && op->cascade);
}

static bool color_on(void)
{
	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

static void print_colored_diff(const char *diff)
{
	bool color = color_on();
	const char *p = diff;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		const char *on = NULL;
		if (color) {
			if (!strncmp(p, "+++", 3) || !strncmp(p, "---", 3))
				on = "\033[1m";
			else if (*p == '+')
				on = "\033[32m";
			else if (*p == '-')
				on = "\033[31m";
			else if (*p == '@')
				on = "\033[36m";
		}
		if (on) {
			fputs(on, stdout);
			fwrite(p, 1, nl ? len - 1 : len, stdout);
			fputs("\033[0m\n", stdout);
		} else {
			fwrite(p, 1, len, stdout);
		}
		p += len;
	}
}

static void print_plan(struct stage *s, const struct config *cfg, bool json)
{
	const struct plan *p = stage_plan(s);
	struct strbuf diff = STRBUF_INIT, acts = STRBUF_INIT;
	plan_diff(p, &diff);
	plan_describe_actions(p, cfg, &acts);
	if (json) {
		cli_json_print(cli_json_plan(s, p, sb_str(&diff)));
	} else {
		print_colored_diff(sb_str(&diff));
		if (acts.len)
			fputs(acts.buf, stdout);
	}
	sb_free(&diff);
	sb_free(&acts);
}

static void show_progress(void *ctx, const char *what, bool ok, const char *detail)
{
	(void)ctx;
	fprintf(stderr, "%s %s%s%s\n", ok ? "  ok  " : "  FAIL", what, detail ? ": " : "",
		detail ? detail : "");
}

/* Recover an interrupted commit before touching anything. */
int transact_recover(struct cli *cli)
{
	struct strbuf said = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	int rc = recover_interrupted(cli_config(cli), &said, &d);
	if (said.len)
		fprintf(stderr, "%s", said.buf);
	cli_diags(cli, &d);
	diags_free(&d);
	sb_free(&said);
	return rc;
}

/* Print the plan, then commit unless dry-run. */
int transact_finish(struct cli *cli, struct stage *s, const struct transact_opts *o,
		    char **generated, size_t ngenerated)
{
	const struct config *cfg = cli_config(cli);
	clock_now(&staged);
	print_plan(s, cfg, o->json);
	clock_now(&shown);
	if (o->dry_run) {
		/* What would stop the commit before it changes anything. */
		struct diags d = DIAGS_INIT;
		const char *base = stage_mailbox_base(s);
		int pre = precheck_plan(cfg, stage_plan(s), base ? base : "", false, DIAG_WARNING, &d);
		/* a symlink, a file elsewhere: what the files backend's commit
		 * checks (backend pgsql's commits its own way, pgcommit.c) */
		if (cfg->backend == BACKEND_FILES && precheck_targets(cfg, stage_plan(s), &d) < 0)
			pre = -1;
		cli_diags(cli, &d);
		diags_free(&d);
		if (pre < 0)
			fprintf(stderr, _("dry run: the commit would stop before changing anything (see above)\n"));
		if (!o->json)
			fprintf(stderr, _("dry run: nothing was changed\n"));
		return pre < 0 ? EXIT_PROBLEMS : EXIT_OK;
	}
	struct commit_opts copts = { .lock_wait_seconds = o->lock_wait_set ? o->lock_wait : (int)cfg->lock_wait,
				     .progress = o->json ? NULL : show_progress };
	struct commit_result res;
	struct diags d = DIAGS_INIT;
	int rc = stage_commit(s, &copts, &res, &d);
	cli_diags(cli, &d);
	diags_free(&d);
	if (res.committed)
		for (size_t i = 0; i < ngenerated; i++)
			if (generated[i])
				printf(_("generated password for %s\n"), generated[i]);
	timing_report(&res);
	if (!o->json && res.rollback_incomplete)
		/* Never "nothing changed" when something stayed changed. */
		fprintf(stderr, _("failed, and the rollback is incomplete (%s):\n%s"
				  "the journal stays: the next vmailadm command tries again\n"),
			res.id ? res.id : "-", sb_str(&res.undone));
	else if (!o->json)
		fprintf(stderr, rc == 0 ? _("committed (%s)\n")
			: res.rolled_back ? _("failed and rolled back (%s): nothing changed\n")
			: res.committed ? _("committed with errors (%s)\n") : _("not committed (%s)\n"),
			res.id ? res.id : "-");
	commit_result_free(&res);
	return rc == 0 ? EXIT_OK : EXIT_PROBLEMS;
}

/* Ask before a staged removal of mail or of many entries (desc, freed
 * here); a no, or no terminal to ask on, takes the operation back off the
 * stage. */
static int confirm_staged(struct cli *cli, struct stage *s, struct strbuf *desc)
{
	bool yes = false;
	int rc = EXIT_PROBLEMS;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, _("%s: this deletes mail or many entries; add --yes to confirm when not on a terminal\n"),
			cli->who);
		rc = EXIT_USAGE;
	} else {
		fprintf(stderr, _("Really %s? [y/N] "), desc->buf);
		char *answer;
		read_secret(cli, "", false, &answer);
		yes = answer && (answer[0] == 'y' || answer[0] == 'Y' || answer[0] == 'o' || answer[0] == 'O');
		free(answer);
	}
	sb_free(desc);
	if (yes)
		return EXIT_OK;
	struct diags d = DIAGS_INIT;
	stage_undo(s, &d);
	diags_free(&d);
	return rc;
}

int transact_stage_words(struct cli *cli, struct stage *s, int argc, char **argv,
			 const struct transact_opts *o, const char *file, unsigned line,
			 char **generated)
{
	struct diags d = DIAGS_INIT;
	/* 'mailbox passwd' without --password-hash gets its password below
	 * (stdin, prompt, generated); op_from_words insists on a well-formed
	 * hash, so give it a placeholder (a 13-character DES form) that is
	 * dropped at once. */
	bool ask = argc >= 2 && strcmp(argv[0], "mailbox") == 0 && strcmp(argv[1], "passwd") == 0;
	for (int i = 2; i < argc && ask; i++)
		if (strcmp(argv[i], "--password-hash") == 0)
			ask = false;
	char **words = argv;
	int nwords = argc;
	if (ask) {
		words = xcalloc((size_t)argc + 3, sizeof *words);
		words[0] = argv[0];
		words[1] = argv[1];
		words[2] = (char *)"--password-hash";
		words[3] = (char *)"{CRYPT}AskedLater...";
		for (int i = 2; i < argc; i++)
			words[i + 2] = argv[i];
		nwords = argc + 2;
	}
	struct op *op = op_from_words(nwords, words, file, line, &d);
	if (ask) {
		free(words);
		if (op) {
			free(op->password_hash);
			op->password_hash = NULL;
		}
	}
	if (!op) {
		cli_diags(cli, &d);
		diags_free(&d);
		return EXIT_USAGE;
	}
	if (fill_password(cli, o, op, generated) < 0) {
		op_free(&op);
		return EXIT_PROBLEMS;
	}
	/* The question comes after the checks: only a removal that is staged
	 * (allowed, the address there) is asked about; anything else is
	 * refused first with its own reason. */
	bool confirm = is_destructive(op) && !o->yes && !o->dry_run;
	struct strbuf desc = STRBUF_INIT;
	if (confirm)
		op_describe(op, &desc);
	if (stage_push(s, op, &d) < 0) {
		sb_free(&desc);
		for (size_t i = 0; i < d.n; i++)
			if (!d.v[i].file && file) {
				free(d.v[i].file);
				d.v[i].file = xstrdup(file);
				d.v[i].line = line;
			}
		cli_diags(cli, &d);
		diags_free(&d);
		return EXIT_PROBLEMS;
	}
	diags_free(&d);
	if (confirm)
		return confirm_staged(cli, s, &desc);
	return EXIT_OK;
}

struct stage *transact_open_stage(struct cli *cli)
{
	struct stage *s = stage_create(cli_config_dovecot(cli));
	stage_set_transient(s, true);   /* staged, shown and committed in one go */
	struct diags d = DIAGS_INIT;
	if (stage_load(s, &d) < 0) {
		cli_diags(cli, &d);
		diags_free(&d);
		stage_free(&s);
		exit(EXIT_USAGE);
	}
	diags_free(&d);
	return s;
}

/* The batch commands read FILE (- is standard input), after finishing any
 * interrupted commit; -1, the message printed and *rc set, when either
 * fails. */
static int open_batch(struct cli *cli, const char *path, int *rc)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", cli->who, path, strerror(errno));
		*rc = EXIT_USAGE;
		return -1;
	}
	if (transact_recover(cli) < 0) {
		if (fd != STDIN_FILENO)
			close(fd);
		*rc = EXIT_PROBLEMS;
		return -1;
	}
	return fd;
}

/* A batch is applied whole or not at all: committed when every line was
 * staged (rc still EXIT_OK), else refused with the message given. The
 * stage and the generated passwords are freed either way. */
static int finish_batch(struct cli *cli, struct stage **s, const struct transact_opts *o,
			char **generated, size_t ngen, int rc, const char *refused)
{
	if (rc == EXIT_OK)
		rc = transact_finish(cli, *s, o, generated, ngen);
	else
		fputs(refused, stderr);
	for (size_t i = 0; i < ngen; i++)
		passhash_wipe(generated[i]);
	free(generated);
	stage_free(s);
	return rc;
}

int transact_batch(struct cli *cli, const struct transact_opts *o, const char *path,
		   const char *file, transact_line_fn fn, const char *empty_fmt,
		   const char *refused)
{
	int rc;
	int fd = open_batch(cli, path, &rc);
	if (fd < 0)
		return rc;
	struct stage *s = transact_open_stage(cli);
	char **generated = NULL;
	size_t ngen = 0;
	struct lineread *r = lineread_open(fd, file, TRANSACT_MAX_LINE, TRANSACT_MAX_BATCH);
	struct diags d = DIAGS_INIT;
	char *line;
	size_t len;
	int got = 0;
	rc = EXIT_OK;
	while (rc == EXIT_OK && (got = lineread_next(r, &line, &len, &d)) > 0) {
		generated = xreallocarray(generated, ngen + 1, sizeof *generated);
		generated[ngen] = NULL;
		rc = fn(cli, s, o, file, line, lineread_line_no(r), &generated[ngen]);
		ngen++;
	}
	if (got < 0) {
		cli_diags(cli, &d);
		rc = EXIT_USAGE;
	}
	diags_free(&d);
	lineread_free(&r);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc == EXIT_OK && stage_count(s) == 0) {
		fprintf(stderr, empty_fmt, cli->who, file);
		rc = EXIT_PROBLEMS;
	}
	return finish_batch(cli, &s, o, generated, ngen, rc, refused);
}
