/* Private to lint.c and the lint rules kept in files of their own
 * (lint_maps.c, lint_quota.c, lint_sendas.c, lint_pgsql.c): adding a
 * problem to a report (its texts kept as formats and arguments, lint_text.c), and those rules. */
#ifndef VMAILADM_LINT_INT_H
#define VMAILADM_LINT_INT_H
#include "vmailadm/lint.h"

struct world;

#include <stdarg.h>

#include "vmailadm/arena.h"

struct strbuf;

/* A problem: its message is fmt (translated) with its arguments, kept as
 * printf would read them and formatted when shown (lint_text.c). */
void lint_add(struct lint_report *r, const char *rule, enum lint_severity sev, const char *file,
	      unsigned line, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* The fix of the problem lint_add added last (one line, translated). */
void lint_fix(struct lint_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* p's file is file now. */
void lint_refile(struct lint_report *r, struct lint_problem *p, const char *file);

/* lint_text.c: the last strings a report kept (lint_text_keep), and the
 * directories of the paths its arguments name (their copies in the
 * arena, each kept once: lint_text_capture_sb). */
#define LINT_TEXT_RECENT 16
struct strmap;
struct lint_text_recent {
	const char *v[LINT_TEXT_RECENT];
	size_t next;
	struct strmap *dirs;
};
void lint_text_recent_free(struct lint_text_recent *rc);
/* The report's copy of s (in a, or one of rc's when the same). */
const char *lint_text_keep(struct arena *a, struct lint_text_recent *rc, const char *s);
/* The arguments fmt takes from ap, encoded in a (NULL when it takes none);
 * strings kept by lint_text_keep, or a path not among the last kept as
 * its directory's copy and its last component. */
const char *lint_text_capture(struct arena *a, struct lint_text_recent *rc, const char *fmt,
			      va_list ap);
/* The same, encoded at the end of sb (nothing when it takes none); a
 * string that is subject (the report's copy of the problem's subject,
 * or NULL) once kept is encoded as the subject, which lint_text_show is
 * given back. */
void lint_text_capture_sb(struct strbuf *sb, struct arena *a, struct lint_text_recent *rc,
			  const char *subject, const char *fmt, va_list ap);
/* A format's or a rule id's number (from 1, for the whole process: each
 * a string that lives as long, a catalog's or a literal), and back. */
uint16_t lint_text_fmt_number(const char *fmt);
const char *lint_text_fmt(uint16_t n);
/* fmt with the arguments lint_text_capture kept, appended to sb: the bytes
 * sb_addf(sb, fmt, ...) gives with the same arguments. */
void lint_text_format(struct strbuf *sb, const char *fmt, const char *args);
/* A problem's text (struct lint_problem's text) made in out: the
 * message's format and its arguments (msg, as lint_text_capture_sb
 * encoded them), the fix's (fixfmt NULL: none). */
void lint_text_block(struct strbuf *out, const char *msgfmt, const struct strbuf *msg,
		     const char *fixfmt, const struct strbuf *fix);
/* The message (fix false) or the fix of such a text, appended to sb as
 * lint_text_format appends it (nothing for a fix there is not); subject:
 * its problem's. */
void lint_text_show(struct strbuf *sb, const char *text, bool fix, const char *subject);

/* Asked between any two entries of a rule that walks them all (maildirs,
 * the slow part, one open or two fstatat each; traced aliases; map and
 * passwd-file lines): true when the caller gave up on this report. The
 * interface waits for lint to see it before it edits the world lint reads
 * (issue 16: 50-120 ms of a staging at 100,000 mailboxes, the passwd-file
 * walked to its end after a stop). And the maildir sizes the caller knows
 * (lint_with). */
struct lint_stop {
	bool (*fn)(void *arg);
	void *arg;
	int (*maildir_bytes)(void *arg, const struct mailbox *b, uint64_t *bytes);
};
bool lint_stopped(const struct lint_stop *stop);

/* lint_maps.c: the domain lists, the alias domains, the maps' entries
 * and built files. */
void lint_domains(const struct world *w, struct lint_report *r, const struct lint_stop *stop);
void lint_alias_domains(const struct world *w, struct lint_report *r, const struct lint_stop *stop);
void lint_maps(const struct world *w, struct lint_report *r, const struct lint_stop *stop);

struct config;
/* lint_quota.c: quota-nearly-full. */
void lint_quota(const struct world *w, const struct config *cfg, struct lint_report *r,
		const struct lint_stop *stop);

/* lint_pattern.c: pattern-swallows-mailboxes (a regexp/pcre rule of
 * virtual_alias_maps taking a mailbox's mail). */
void lint_pattern(const struct world *w, struct lint_report *r, const struct lint_stop *stop);

/* lint_sendas.c: the sender login map against the rule and main.cf. */
void lint_sendas(const struct world *w, const struct config *cfg, struct lint_report *r);

/* lint_pgsql.c: the database's traps, read from the server's main.cf and
 * master.cf (the snapshot's replace them on backend pgsql); then the
 * snapshot's file names turned into the database's tables. */
void lint_pgsql(const struct world *w, const struct config *cfg, struct lint_report *r);
void lint_pgsql_names(const struct config *cfg, struct lint_report *r);

#endif
