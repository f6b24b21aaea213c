/* Lint: the traps that lose mail or expose passwords in a Postfix + Dovecot
 * virtual-domain set-up (virtual(5), postconf(5), Dovecot's passwd-file and
 * Maildir rules), each found problem with
 * a stable rule id, a severity, the file and line, a message and a one-line
 * fix (both formatted only when shown). lint_fixes() (lint_fixes.h, in the stage layer) turns the problems
 * it knows how to repair into staged operations. */
#ifndef VMAILADM_LINT_H
#define VMAILADM_LINT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"

struct config;
struct mailbox;
struct world;

enum lint_severity { LINT_INFO, LINT_WARNING, LINT_ERROR };

/* Rule ids (stable, for JSON and scripts):
 * syntax, duplicate-key, catchall-swallows-mailboxes, pattern-swallows-mailboxes,
 * bare-domain-alias-key,
 * alias-loop, alias-limit, dangling-alias-target, mailbox-without-password,
 * password-without-mailbox, mailbox-without-maildir, maildir-without-mailbox,
 * vmailbox-mbox-path, vmailbox-path-outside-domain, plain-password,
 * weak-password-scheme, domain-in-two-classes, map-not-built,
 * map-older-than-source, domain-list-file-needs-reload, passwd-file-mode,
 * maildir-owner, mail-base-mode, vmail-uid-below-minimum,
 * virtual-mailbox-limit-not-quota, dovecot-path-mismatch, hash-in-value,
 * mailbox-map-substitution, case-sensitive-pattern, forward-loop,
 * forward-without-copy, quota-nearly-full, aliasdom-out-of-step,
 * aliasdom-wildcard, sendas-out-of-step, sendas-unknown-login,
 * sendas-not-enabled, proxy-map-not-approved, pgsql-map-in-chroot,
 * non-ascii-key-latin1, pgsql-maps-unused. */
struct lint_problem {
	const char *file;       /* may be NULL; the report's copy */
	const char *subject;    /* what it is about: an address, a domain, a path,
	                         * "type:path" of a map; may be NULL (the TUI marks
	                         * entries by it; lint_fixes reads it) */
	unsigned line;          /* 0 when not tied to a line */
	unsigned char severity; /* an enum lint_severity */
	/* The rule id by number (lint_problem_rule): 32 bytes a problem,
	 * not 40 (issue 16: 2.4 MB of the report at 100,000 mailboxes). */
	uint16_t rule_no;
	/* The message and the fix are made when shown (lint_problem_message,
	 * lint_problem_fix): 300,000 problems at 100,000 mailboxes took
	 * 170 MB as texts (issue 16). Their translated formats (by number)
	 * and arguments, in the report's own encoding (lint_text.c): one
	 * pointer, where four took 64 bytes a problem. */
	const char *text;
};

struct lint_store;   /* the problems' strings and arguments (lint.c) */
struct lint_report {
	struct lint_problem *v;
	size_t n;
	size_t cap;
	struct lint_store *store;
};

/* p's rule id (one of those above). */
const char *lint_problem_rule(const struct lint_problem *p);

/* p's message and its fix (one line, "" when there is none), translated,
 * formatted now; freed by the caller. The report must still be alive. */
char *lint_problem_message(const struct lint_problem *p);
char *lint_problem_fix(const struct lint_problem *p);

/* Check w (loaded from cfg). load_diags: the diagnostics world_load gave
 * (reported as rule "syntax", or "duplicate-key" when they name a line
 * lint reports as a duplicate); may be NULL. Problems are sorted by file,
 * line, rule. The file system is looked at (maildirs, modes, .db files). */
void lint_run(const struct world *w, const struct config *cfg, const struct diags *load_diags,
	      struct lint_report *out);
/* What an interface gives lint_run_with. stop(arg) is asked between
 * maildirs (the slow part, one open each): once it says true, lint gives
 * up and out is incomplete (free it, do not show it). An interface lints
 * in a thread this way, and drops a lint of a world it is about to free
 * without waiting for the end. maildir_bytes(arg, b, &bytes): the size of
 * b's maildir when the caller has it already (the interface's live scan):
 * > 0 known (in bytes), 0 not measurable (missing, unreadable: the
 * quota rule skips it), < 0 unknown (lint reads the maildir). Both are
 * called on lint's thread; NULL: never stop, nothing known. */
struct lint_with {
	bool (*stop)(void *arg);
	int (*maildir_bytes)(void *arg, const struct mailbox *b, uint64_t *bytes);
	void *arg;
};
void lint_run_with(const struct world *w, const struct config *cfg,
		   const struct diags *load_diags, const struct lint_with *with,
		   struct lint_report *out);
void lint_report_free(struct lint_report *r);
/* The bytes r holds: its problems and its store's chunks (the interface
 * logs it for bench/tui.sh's memory floor). */
size_t lint_report_bytes(const struct lint_report *r);
/* Errors + warnings (what makes `vmailadm lint` exit 1). */
size_t lint_count_problems(const struct lint_report *r);
const char *lint_severity_name(enum lint_severity s); /* "error", "warning", "info" */

/* The key lint names a maildir by in a problem's subject (the path without
 * trailing slashes; lint_fixes finds the mailbox back from it). Freed by the
 * caller. */
char *lint_maildir_key(const char *maildir);

/* Pattern tables (regexp:, pcre:) of virtual_alias_maps, lint_pattern.c:
 * does w have one; does a rule of one take address's mail first (traced
 * with t, made on w): its result not delivering to maildir (NULL: for an
 * address not yet a mailbox, its result not address itself). Then *file
 * and *line name the rule, *to where the mail goes (both to free). */
struct tracer;
bool lint_pattern_has_tables(const struct world *w);
bool lint_pattern_takes(const struct world *w, struct tracer *t, const char *address,
			const char *maildir, char **file, unsigned *line, char **to);

#endif
