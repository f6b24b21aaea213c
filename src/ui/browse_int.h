/* Inside the main screen (browse.c): its state, shared by the files that
 * build and draw its parts: rows.c (the domain and entry rows, the filter),
 * details.c (the details pane), lintmark.c (lint's marks and problems).
 * Only those files include this header. */
#ifndef VMAILADM_BROWSE_INT_H
#define VMAILADM_BROWSE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui_int.h"
#include "vmailadm/arena.h"
#include "vmailadm/lint.h"
#include "vmailadm/strbuf.h"

struct strmap;
struct tracer;
struct domain;

enum row_kind { ROW_SECTION, ROW_NONE, ROW_MAILBOX, ROW_ALIAS, ROW_CATCHALL };

/* How an entry differs from the files on disk. */
enum mark { MARK_NONE, MARK_ADD, MARK_DEL, MARK_CHANGE };

struct row {
	enum row_kind kind;
	enum mark mark;
	const void *p;            /* mailbox, alias or catchall (MARK_DEL: the disk world's) */
	size_t mbx;               /* ROW_MAILBOX: index in the disk world's mailboxes
	                           * (live statistics), SIZE_MAX: not on disk */
	const char *title;        /* ROW_SECTION */
	size_t count;             /* ROW_SECTION */
	bool sorted;              /* ROW_SECTION: the mailboxes, which s sorts */
};

/* A domain of the staged world, the disk world, or both. */
struct dent {
	const struct domain *d;   /* staged world; NULL: staged for removal */
	const struct domain *old; /* disk world; NULL: staged addition */
	const char *name;
	enum mark mark;
	const char *alias_of;     /* an alias domain: the domain it mirrors
	                           * (shown under it, indented) */
};

struct dline {
	char *label;
	char *text;
	enum theme_role role;
	char *suffix;             /* dim, after text (file:line); may be NULL */
	bool heading;             /* a section title across the pane */
};

enum { PANE_DOMAINS, PANE_ENTRIES, PANE_DETAILS };

/* Which line the status line is reading (find.c). */
enum find_mode { FIND_NONE, FIND_FILTER, FIND_SEARCH };

/* What the mailbox rows are sorted by (rowsort.c). */
enum sort_key { SORT_NAME, SORT_NEW, SORT_UNREAD, SORT_TOTAL, SORT_SIZE, SORT_QUOTA, SORT_KEYS };

/* Widths of the mailbox columns, right of the name. */
enum { C_NEW = 4, C_UNREAD = 7, C_TOTAL = 6, C_SIZE = 9, C_BAR = 10 };
#define C_ALL (C_NEW + C_UNREAD + C_TOTAL + C_SIZE + C_BAR)

/* lint's subjects -> their first problem (lintmark.c): open addressing,
 * a slot the key's hash << 32 | the problem's position + 1 (0: empty),
 * the key read from the problem itself. 8 bytes a slot where a strmap
 * took 24 and a copy of every subject with a trailing '/' (issue 16: 7 MB
 * for the 200,000 subjects of 100,000 mailboxes, 2.4 MB now). */
struct lintidx {
	uint64_t *slots;
	size_t cap;
};

struct browse {
	struct screen s;
	struct ui *ui;
	const struct world *w;        /* the staged world (ui->view) */
	const struct world *disk;     /* the world on disk (ui->world) */
	struct dent *dents;
	size_t ndomains;
	const struct mailbox *boxes;  /* the disk world's */
	size_t nboxes;
	size_t *dvis, ndvis;          /* visible domains (indices in dents) */
	uint64_t *dnew;               /* new mail by domain index */
	bool qwait;                   /* some domain shown has mail in the queue:
	                               * the domains pane has a "wait" column */
	struct row *rows;
	size_t nrows, caprows;
	size_t rows_for;              /* domain index of rows, SIZE_MAX: none */
	struct dline *det;
	size_t ndet, capdet;
	int det_w;                    /* columns for a details value (wrapping) */
	struct list dlist, elist, tlist;
	int focus;
	struct strbuf filter;         /* \\: what is shown */
	struct strbuf search;         /* /: the last search */
	enum find_mode typing;        /* the filter or the search is being typed */
	size_t search_from_dom, search_from_row;   /* where the search started */
	int search_from_focus;
	int name_w;                   /* the widest mailbox name shown (columns) */
	enum sort_key sort;           /* s: the mailbox rows' order */
	bool sort_rev;                /* S: reversed */
	unsigned gen;
	/* Lint of the shown world, run when the world or the stage changes
	 * (attach), never per key: domain -> severity of its catch-all
	 * swallowing mailboxes, and per domain the worst of it and its
	 * entries. */
	struct lint_report lint;
	struct strmap *lswallow;
	/* subject (no trailing '/') -> its first problem's position + 1 in
	 * lint, lnext[i] the next one's + 1: the details look at the few
	 * problems of their entry, not at all 20,000 (lintmark_problems_of);
	 * lworst[i]: the worst severity (warnings and errors only, else 0)
	 * of problem i and the ones after it in its chain, so that a
	 * subject's mark is lworst of its first (issue 16: one map, not a
	 * second of 300,000 subjects for the marks, 11 MB at 100,000
	 * mailboxes). */
	struct lintidx lidx;
	uint32_t *lnext;
	unsigned char *lworst;
	unsigned char *dsev;
	struct tracer *tracer;        /* over w, for the details' trace */
	bool lint_on;                 /* false until browse_lint: the first
	                               * paint does not wait for lint */
	struct lintjob *job;          /* lint of w in a thread (lintmark.c) */
	bool problems_wanted;         /* ! while lint ran: open the view when it
	                               * ends, unless another screen came up */
	bool lint_pending;            /* lint of w has not ended: the marks
	                               * and lint are those of the world before */
	bool lint_waits;              /* ... nor started: it waits for the end of
	                               * the scan, whose sizes its quota rule
	                               * takes (it read every maildir again, on
	                               * the same cores, while the scan ran) */
	/* The selection by name, copied whenever it is shown: browse_refresh
	 * runs after the world the rows point into was freed (a staged
	 * change, an undo, a reload), so it may not read them. */
	char *sel_dom, *sel_addr;
	char **tags;                  /* Space: tagged entries, by address */
	size_t ntags;
	char *traced;                 /* t: an address traced by hand, shown in the
	                               * details pane until the focus leaves it */
};

/* rows.c: the filter, the rows of the domains and entries panes. */
extern const struct list_ops rows_domain_ops, rows_entry_ops;
extern const enum theme_role rows_mark_role[];
/* The selected domain entry (NULL: none visible). */
const struct dent *rows_cur_dent(struct browse *B);
/* The domain as staged, else as on disk (staged for removal). */
const struct domain *rows_cur_domain(struct browse *B);
/* Does the filter let mailbox b of domain entry e show? */
bool rows_mailbox_shown(struct browse *B, const struct dent *e, const struct mailbox *b);
/* The union of the staged and the disk domains (B->dents). */
void rows_build_dents(struct browse *B);
/* The entry rows of the selected domain. */
void rows_build(struct browse *B);
/* The filter changed: the visible domains, their rows, the details. */
void rows_refilter(struct browse *B);
/* The domain selection moved: its rows (when another domain) and details. */
void rows_domain_changed(struct browse *B);
/* Sum new mail by domain again when the statistics changed (and re-sort
 * the rows when they are sorted by a statistic). */
void rows_sync_stats(struct browse *B);
/* The entry rows again in the current order, the selection kept. */
void rows_resort(struct browse *B);
/* The columns the mailbox rows take in a pane w wide: the widest name,
 * then the counts, never more than w. */
int rows_counts_width(const struct browse *B, int w);
/* The quota of mailbox b in bytes: its rule, else maildirsize; -1: none,
 * 0: unlimited. */
long long rows_quota_limit(struct browse *B, const struct mailbox *b, size_t mbx);
/* The colour of a quota used to this fraction: warning from 80 %, alarm
 * from 95 % (Dovecot's quota_warning examples), calm below. */
enum theme_role rows_quota_role(double used);

/* find.c: the filter (\\) and the search (/ n N); keys while one is typed. */
bool find_k_filter(struct screen *s, struct ui *ui, ui_key k);
bool find_k_clear(struct screen *s, struct ui *ui, ui_key k);
bool find_k_search(struct screen *s, struct ui *ui, ui_key k);
bool find_k_next(struct screen *s, struct ui *ui, ui_key k);
bool find_typing_key(struct screen *s, struct ui *ui, ui_key k);
const struct keytab *find_keys(const struct browse *B);

/* problems.c: the view of every lint finding (!). */
struct screen *problems_create(struct browse *B);
/* browse.c: select the entry (an address) or the domain a problem is
 * about; false when it names neither a visible domain nor its entry. */
bool browse_goto_subject(struct browse *B, const char *subject);

/* tags.c: tagging (Space, Insert) and one action on every tagged entry. */
bool tags_k_toggle(struct screen *s, struct ui *ui, ui_key k);
bool tags_has(const struct browse *B, const char *address);
void tags_clear(struct browse *B);
void tags_delete(struct browse *B, struct ui *ui);
void tags_quota(struct browse *B, struct ui *ui);

/* rowsort.c: the order of the mailbox rows B->rows[from, to). */
void rowsort_mailboxes(struct browse *B, size_t from, size_t to);
/* The key's name as the column headings and the help say it. */
const char *rowsort_label(enum sort_key k);
/* The order in words, after the mailbox section's title ("by size,
 * largest first"). */
const char *rowsort_describe(const struct browse *B);
/* The arrow before the sorted column's heading. */
const char *rowsort_mark(const struct browse *B, const struct ui *ui);
/* Does the order follow the live statistics (re-sort when they change)? */
bool rowsort_by_stats(const struct browse *B);

/* details.c: the details pane. */
extern const struct list_ops details_ops;
/* Remember the selection by name and fill the pane for it. */
void details_build(struct browse *B);
void details_free(struct browse *B);
/* t: ask for any address (hosted, external, made up) and show where its
 * mail goes in the details pane. */
bool details_k_trace(struct screen *s, struct ui *ui, ui_key k);
/* The focus left the details pane: back to the selection's details. */
void details_forget_trace(struct browse *B);

/* lintmark.c: lint of the shown world (run when the world or the stage
 * changes, never per key), its marks and which problems an entry has. */
void lintmark_attach(struct browse *B);
void lintmark_free(struct browse *B);
int lintmark_mailbox(const struct browse *B, const struct mailbox *b);
int lintmark_alias(const struct browse *B, const struct alias *a);
int lintmark_catchall(const struct browse *B, const struct catchall *c);
/* The lint mark: a character, so that it reads without colours too. */
void lintmark_draw(struct ui *ui, int y, int x, int sev);
/* A staged mailbox's maildir is created by the commit: lint's
 * mailbox-without-maildir is not news for it. */
bool lintmark_staged_new(const struct browse *B, const struct mailbox *b);
/* Which of lint's problems are about an entry (arg says which). */
typedef bool (*lintmark_match)(const struct lint_problem *p, const void *arg);
struct lintmark_mailbox_arg {
	const struct mailbox *b;
	bool staged_new;
};
bool lintmark_match_mailbox(const struct lint_problem *p, const void *arg);
bool lintmark_match_alias(const struct lint_problem *p, const void *arg);
bool lintmark_match_catchall(const struct lint_problem *p, const void *arg);
bool lintmark_match_domain(const struct lint_problem *p, const void *arg);
/* The positions in B->lint of the problems whose subject is one of the n
 * keys (a trailing '/' aside), in the report's order, each once, into *out
 * (the caller frees it); their count. */
size_t lintmark_problems_of(const struct browse *B, const char *const *keys, size_t n, size_t **out);

#endif
