/* Inside the interface: the screen vtable, the one list widget, the drawing
 * helpers (display-width aware, sanitising) and the live statistics. Only
 * src/ui includes this header (it includes curses). */
#ifndef VMAILADM_UI_INT_H
#define VMAILADM_UI_INT_H
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quitsig.h"
#include "ui_curses.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/theme.h"

struct config;
struct world;
struct ui;
struct live;
struct stage;
struct op;
struct mailbox;
struct alias;
struct catchall;
struct diags;

/* Keys: a character is its code point (> 0), a function key is -KEY_xxx. */
typedef int ui_key;
#define UI_FN(k) (-(k))
#define UI_CTRL(c) ((c) & 0x1f)

/* A screen (tig view_ops, ncdu X_draw/X_key): the top one of a stack gets
 * the keys and paints the area between the header and the status line. */
struct screen;
struct screen_ops {
	void (*draw)(struct screen *s, struct ui *ui, int y, int x, int h, int w);
	/* true when the key was used; the screen marks ui->dirty itself */
	bool (*key)(struct screen *s, struct ui *ui, ui_key k);
	void (*resize)(struct screen *s, struct ui *ui);
	void (*free)(struct screen *s);
	/* the key bar of this screen: pairs of key and label, NULL-terminated
	 * (NULL: its key table's, keys_bar) */
	const char *const *(*keybar)(struct screen *s);
	/* its keys, for the help screen (NULL: no help) */
	const struct keytab *keys;
};

/* A key table (keys.c, tig's request table): one row per action of a
 * screen drives its key handler, its key bar and the help screen, so that
 * they cannot drift. Adding a key is adding a row. */
#define KEYS_MAX 6
struct keydef {
	ui_key keys[KEYS_MAX];        /* the codes that run it, 0-terminated; none:
	                               * handled by ui.c for every screen, or
	                               * only a line of help */
	const char *name;             /* the keys as the help shows them; NULL:
	                               * the row is a section title */
	const char *help;             /* N_(): the help's line or section title */
	const char *bar_key, *bar;    /* the key bar's key and label (N_()) */
	int bar_pos;                  /* place in the key bar from 1; 0: not there */
	/* true when the key was used */
	bool (*run)(struct screen *s, struct ui *ui, ui_key k);
};
struct keytab {
	const struct keydef *v;
	size_t n;
};
#define KEYTAB(a) { (a), sizeof (a) / sizeof (a)[0] }
/* The row that k runs, NULL when none. */
const struct keydef *keys_find(const struct keytab *t, ui_key k);
/* The key bar (pairs of key and label, NULL-terminated, at most max
 * entries with the NULL) in bar_pos order; returns the number of pairs. */
size_t keys_bar(const struct keytab *t, const char **out, size_t max);
/* The key handler of a screen whose keys are all its table's (ops->keys)
 * and where Esc goes back: the screen popped on Esc, else the row that k
 * runs; true when the key was used. */
bool keys_run_or_back(struct screen *s, struct ui *ui, ui_key k);

struct screen {
	const struct screen_ops *ops;
	struct screen *below;
};

/* Characters for lines and bars: Unicode in a UTF-8 locale, ASCII else. */
struct glyphs {
	const char *vline, *hline, *bar_full, *bar_empty, *ellipsis, *arrow, *dot;
};

struct ui {
	struct config *cfg;
	struct tracer *server_tracer;   /* t and L on backend pgsql (traceserver.c), or NULL */
	struct world *world;
	struct live *live;
	struct theme theme;
	attr_t attr[ROLE_COUNT];
	int ncolors;                 /* 0 in mono */
	bool utf8;
	const struct glyphs *g;
	int rows, cols;
	bool dirty, quit;
	int row_role;                /* >= 0: every text of the row takes this role */
	struct screen *top;
	struct strbuf status;        /* message for the status line */
	enum theme_role status_role;
	int status_rows;             /* rows the message took at the last paint */
	char host[256];
	const char *config_name;
	bool readonly;
	bool unreadable;             /* readonly because a file cannot be read */
	size_t staged;               /* staged changes (stage_count) */
	/* Editing: the stage is created at the first edit (a second world load
	 * would slow the first paint). The panes show view, the world as it
	 * will be after the staged operations; world stays the one read from
	 * disk, which the live statistics are indexed by. */
	struct stage *stage;
	const struct world *view;    /* == world while nothing is staged */
	struct screen *main;         /* the browse screen, bottom of the stack */
	bool quit_after_commit;
	struct xpane *xpane;         /* the exercise pane (x), made at the first x */
	struct qstate *qstate;       /* the Postfix queue, listed in the background */
	struct diskwatch *diskwatch; /* someone else changed the files */
	bool reread_pending;         /* they did while a screen other than the main one was up */
	bool interrupt_asked;        /* Ctrl-C asked the quit question */
	bool discarded;              /* the staged changes were thrown away at quit */
	unsigned world_gen;          /* bumped whenever world is read again */
	struct staged_prep *prep;    /* the stage being made before the first edit */
	FILE *timing;                /* VMAILADM_UI_TIMING: per-key times */
	pthread_t prefetch;          /* background_prefetch_start's thread */
	bool prefetching;
	bool counts_logged;          /* ... its counts-first line is written */
	bool shown_logged;           /* ... and its counts-shown line */
	bool domains_logged;         /* ... and its counts-domains line */
	double want_t;               /* when rows shown lacked counts (0: they do not) */
	double t_start;              /* ms, CLOCK_MONOTONIC, at ui_run */
};

/* Paint now (the commit shows each step as it happens). */
void ui_paint_now(struct ui *ui);

/* Draw s (sanitised, cut on a character boundary) at y,x in at most width
 * columns; returns the columns used. */
int ui_text(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role);
/* The same for the program's own labels (key names): drawn as they are,
 * a backslash not doubled. */
int ui_label(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role);
/* ui_text right-aligned in width columns. */
int ui_text_right(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role);
void ui_fill(struct ui *ui, int y, int x, int width, enum theme_role role);
/* Display width of s once sanitised. */
int ui_width(const char *s);
/* How many bytes of s (cut on a character boundary) fit in width columns
 * once sanitised. */
size_t ui_fit(const char *s, int width);
/* text's lines, wrapped at spaces to width columns (newlines kept); free
 * them with ui_wrap_free. */
size_t ui_wrap(const char *text, int width, char ***out);
void ui_wrap_free(char **lines, size_t n);
/* text wrapped on at most maxrows rows from y (the last one cut with an
 * ellipsis when the text is longer); returns the rows used (at least 1). */
int ui_text_wrapped(struct ui *ui, int y, int x, int width, int maxrows, const char *text,
		    enum theme_role role);
/* text wrapped at spaces to width - indent columns (newlines kept), drawn
 * from row y with each line indented, never on row ymax or below (nothing
 * cut with an ellipsis); returns the next row. */
int ui_text_para(struct ui *ui, int y, int x, int width, int ymax, int indent, const char *text,
		 enum theme_role role);
void ui_status(struct ui *ui, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_push(struct ui *ui, struct screen *s);
void ui_pop(struct ui *ui);
/* A value written over continuation lines, shown on one: each run of
 * whitespace one space (malloc'd). */
char *ui_one_line(const char *value);
/* draw.c: the ellipsis a cut text ends with ('…' in a UTF-8 locale, else
 * '~'), set once the locale is known. */
void ui_draw_set_utf8(bool utf8);

/* The one list widget (tmux mode-tree, htop Panel): rows come from
 * callbacks; it keeps the selection and the scroll position. */
struct list_ops {
	size_t (*count)(void *arg);
	void (*draw_row)(void *arg, struct ui *ui, int y, int x, int w, size_t i);
	bool (*selectable)(void *arg, size_t i);   /* NULL: every row */
};

struct list {
	const struct list_ops *ops;
	void *arg;
	size_t sel, top;
	int height;                  /* rows shown at the last draw */
};

void list_init(struct list *l, const struct list_ops *ops, void *arg);
void list_draw(struct list *l, struct ui *ui, int y, int x, int h, int w, int focus);
/* Movement keys (arrows, j k, PgUp PgDn, Home End, g G); true when used. */
bool list_key(struct list *l, ui_key k);
void list_select(struct list *l, size_t i);
/* Scroll a text of n rows that has nothing to select (arrows, j k, Enter,
 * PgUp PgDn Space C-b C-f, Home End g G); true when k is one of those. */
bool list_scroll(struct list *l, size_t n, ui_key k);
/* Keep the selection on a selectable row after the rows changed. */
void list_clamp(struct list *l);

/* The line editor (lineedit.c): Backspace drops the last character, a
 * printable key adds itself while line is shorter than max bytes; false
 * for any other key (line unchanged). */
bool lineedit_key(struct strbuf *line, ui_key k, size_t max);
/* The status line of a filter being typed, kept, or none. */
void lineedit_filter_status(struct ui *ui, const struct strbuf *filter, bool typing);

/* Screens. */
struct screen *browse_create(struct ui *ui);
/* The help of a key table: its rows, one per line. */
struct screen *help_create(struct ui *ui, const struct keytab *keys);

/* What the browse screen has selected, for the editing keys. */
enum sel_kind {
	SEL_NONE,
	SEL_DOMAIN,           /* the domains pane has the focus */
	SEL_MAILBOX,
	SEL_ALIAS,
	SEL_CATCHALL,
};
struct ui_sel {
	enum sel_kind kind;
	const char *domain;           /* NULL: no domain */
	bool domain_staged_del;       /* the domain is staged for removal */
	bool in_entries;              /* the entries pane has the focus */
	bool ghost;                   /* staged for removal (shown from disk) */
	const struct mailbox *mailbox;
	size_t mbx;                   /* disk mailbox index, SIZE_MAX: none */
	const struct alias *alias;
	const struct catchall *catchall;
	size_t nmailboxes, naliases;  /* of the domain, staged */
};
void browse_selection(struct screen *s, struct ui_sel *sel);
/* The world or the stage changed: rebuild the panes, keeping the selection
 * by name. */
void browse_refresh(struct screen *s);
/* Select the next mailbox with new mail (as n does); NULL when none. */
const struct mailbox *browse_next_new(struct screen *s, size_t *mbx);
/* Are the counts of the mailbox rows on the screen known (domains: and of
 * every mailbox of the domains shown, whose totals they make)? For
 * VMAILADM_UI_TIMING's counts-shown and counts-domains lines. */
bool browse_counts_shown(struct screen *s, bool domains);
/* The mailboxes of the rows the entries pane shows first, at most max
 * (indices in world_mailboxes), for live_start. */
size_t browse_first_mailboxes(struct screen *s, size_t *mbx, size_t max);
/* Run lint and prepare the tracer for the marks and the details; the
 * screen starts without them so that the first paint does not wait. Later
 * refreshes run them again by themselves. */
void browse_lint(struct screen *s);
/* The scan has ended: the lint that waited for its sizes starts. */
void lintmark_scanned(struct ui *ui);
/* Lint of the world shown runs in a thread (lintmark.c). Stop it, and
 * wait for it, before anything frees or changes the world the main screen
 * shows (a staged change, an undo, a plan, a commit, a reload): the thread
 * reads it. browse_refresh starts lint again on the new world. */
void lintmark_stop(struct ui *ui);
/* background.c: called first by a thread of background work (scan, lint,
 * the stage made ahead), which then yields the CPU to the interface's
 * thread; the program's code read ahead after the first paint, on a
 * thread joined before the interface closes. */
void background_thread(void);
/* Background thread t (its id tid, 0: not known) waited for by the
 * interface: its nice the interface's, and as root in the real-time class
 * until background_calm, which it calls itself (back to background
 * work). */
void background_hurry(pthread_t t, pid_t tid);
void background_calm(void);
void background_prefetch_start(struct ui *ui);
void background_prefetch_join(struct ui *ui);
/* Lint has not ended for the world shown (its marks are not all there). */
bool lintmark_running(struct ui *ui);
/* The descriptor to poll while lint runs (returns 0 or 1), then
 * lintmark_handle: true when its marks changed (paint). */
int lintmark_pollfd(struct ui *ui, struct pollfd *fd);
bool lintmark_handle(struct ui *ui);
/* Select the entry named address in the entries pane. */
void browse_select_address(struct screen *s, const char *address);
/* Select what an operation is about: a domain (in the domains pane), an
 * address or "@domain" (its catch-all) in its domain's entries. */
bool browse_show_subject(struct screen *s, const char *subject);

/* The session's world (staged.c): the files as read, the stage, the view. */
/* The stage, made at the first edit; NULL with the reason in err. */
struct stage *staged_stage(struct ui *ui, struct strbuf *err);
/* The stage and its world made in a thread when an edit begins, so that
 * staging it finds them ready (staged_stage waits for it). */
void staged_prepare(struct ui *ui);
/* That thread waited for and its stage dropped (a reload, the end). */
void staged_prep_drop(struct ui *ui);
/* stage_push op (owned), then refresh; -1 with the reason in err. */
int staged_push(struct ui *ui, struct op *op, struct strbuf *err);
/* The stage changed: the view is the staged world again, panes refreshed. */
void staged_view_changed(struct ui *ui);
/* Read the files and the Maildirs again (after a commit); -1 when they
 * cannot be read (said in the status line; the old world stays). */
int staged_reload(struct ui *ui);
/* R, or the files changed on disk: read them again, replay the staged
 * changes on what is there now, and say so (a staged change that no longer
 * applies is named; nothing staged is dropped). */
void staged_reread(struct ui *ui, bool by_hand);
/* A file of the world could not be read: says so in the status line (the
 * interface is read-only then) and returns true. Else, once the interface
 * is up, an edit begins: its stage is made meanwhile (staged_prepare). */
bool staged_refuse_unreadable(struct ui *ui);
/* u: the last staged change undone. */
void staged_undo(struct ui *ui);
/* The error of d that names the operation into out, else fallback. */
void staged_first_diag(const struct diags *d, struct strbuf *out, const char *fallback);

/* Editing (edit.c): the forms and questions that fill operations, quitting
 * with staged changes. */
void edit_add(struct ui *ui, const struct ui_sel *sel);
void edit_delete(struct ui *ui, const struct ui_sel *sel);
void edit_edit(struct ui *ui, const struct ui_sel *sel);
void edit_password(struct ui *ui, const struct ui_sel *sel);
void edit_quota(struct ui *ui, const struct ui_sel *sel);
/* edit_mailbox.c: the selected mailbox's rename and forwarding forms */
void edit_mailbox_rename(struct ui *ui, const struct ui_sel *sel);
void edit_mailbox_forward(struct ui *ui, const struct ui_sel *sel);
/* A: who may send as the selected mailbox or alias (its grants). */
void edit_mailbox_sendas(struct ui *ui, const struct ui_sel *sel);
/* q on the main screen: asks first when changes are staged. */
void edit_quit(struct ui *ui);

/* Staged changes across sessions (session.c). At start, before the world
 * is read: finish an interrupted commit; what was done goes to the status
 * line. */
void session_recover(struct ui *ui);
/* At start, once the main screen is up: offer pending changes back. */
void session_offer(struct ui *ui);
/* Save the staged changes for the next start (s at quit). */
void session_save(struct ui *ui);
/* d at quit: say the staged changes were discarded. */
void session_discarded(struct ui *ui);
/* At exit after SIGHUP/SIGTERM/SIGINT: keep the staged changes. */
void session_save_on_signal(struct ui *ui);
/* After the terminal is restored: say what happened to staged changes,
 * free the stage. */
void session_cleanup(struct ui *ui);

/* A form (form.c): labelled fields, hidden ones, validation as you type
 * with the reason beside the field; submit stages or says why not. */
struct form;
typedef bool (*form_check_fn)(struct form *f, size_t field, const char *value,
			      struct strbuf *why);
typedef int (*form_submit_fn)(struct form *f, struct ui *ui, struct strbuf *err);
struct form_field {
	const char *label;
	const char *initial;
	const char *hint;             /* dim text when the value is valid */
	bool hidden;
	form_check_fn check;          /* NULL: anything */
};
struct screen *form_create(struct ui *ui, const char *title, const struct form_field *fields,
			   size_t n, form_submit_fn submit, void *ctx, void (*ctx_free)(void *));
/* The field's initial value becomes a default shown selected: the first
 * character typed over it (or Backspace) replaces it, Enter takes it as it
 * is, a move to another field or C-u unselects it. Returns form. */
struct screen *form_preselect(struct screen *form, size_t field);
const char *form_value(const struct form *f, size_t field);
void *form_ctx(const struct form *f);
/* Wipe a hidden field (passwords) as soon as it has been used. */
void form_wipe(struct form *f, size_t field);
/* A quota field, checked as typed (edit_check.c): "1G", "500M", "0", or empty.
 * The checks read the interface they are typed in: a form made outside
 * edit.c names it with edit_check_for first. */
bool edit_check_quota(struct form *f, size_t i, const char *v, struct strbuf *why);
void edit_check_for(struct ui *ui);

/* A question with one-key answers: choices is "key", "label" pairs,
 * NULL-terminated; answer gets the key (27 for Esc when not a choice). The
 * question closes before answer is called. */
typedef void (*ask_fn)(struct ui *ui, void *ctx, int key);
struct screen *form_ask_create(struct ui *ui, const char *title, const char *text,
			       const char *const *choices, ask_fn answer, void *ctx,
			       void (*ctx_free)(void *));
/* A message to read once (a generated password), closed by any key. */
struct screen *form_note_create(struct ui *ui, const char *title, const char *text,
				enum theme_role role);

/* The commit history (H, history.c): the audit log's commits, r rolls one
 * back through the core of `vmailadm rollback`. */
struct screen *history_create(struct ui *ui);

/* The diff preview and the commit (diffview.c). */
struct screen *diffview_create(struct ui *ui, bool commit_now);
/* The same screen for a transaction that is not the stage's (the
 * history's rollback on backend pgsql): its preview (a unified diff, owned)
 * under title, c runs commit, whose steps show as they finish; the
 * screen owns t and frees ctx with free. */
struct commit_opts;
struct commit_result;
struct diffview_txn {
	const char *title;
	char *preview;
	int (*commit)(void *ctx, const struct config *cfg, const struct commit_opts *o,
		      struct commit_result *res, struct diags *d);
	void *ctx;
	void (*free)(void *ctx);
};
struct screen *diffview_create_txn(struct ui *ui, struct diffview_txn *t);

/* The tracer of t and L (traceserver.c): on backend pgsql the database's
 * maps as the running Postfix asks them (pgtrace_open, opened once),
 * else shown, the tracer of the world the panes show. *note: a line to
 * show with its trace (to free), or NULL. */
struct tracer *traceserver_for(struct ui *ui, struct tracer *shown, char **note);
void traceserver_free(struct ui *ui);

/* The recent deliveries and rejections of an address (logview.c), and
 * with a tracer (may be NULL), its prediction beside the last real
 * delivery, marked where they differ. */
struct tracer;
void logview_show(struct ui *ui, const char *address, struct tracer *tr);

/* Quick inspection of a mailbox (mailview.c). */
struct screen *mailview_list_create(struct ui *ui, const struct mailbox *b);
/* The message viewer over text mailmsg_render made (a queued message). */
struct screen *mailview_text(struct ui *ui, const char *title, const char *text, size_t len);

/* The Postfix queue (qstate.c): listed in a thread right after the first
 * paint, again when the queue directories change (or every few seconds
 * when they cannot be watched). Poll its descriptors with its timeout,
 * then call qstate_handle (true: paint). */
struct queue_snapshot;
struct traffic_postfix;
void qstate_start(struct ui *ui);
int qstate_pollfds(struct ui *ui, struct pollfd *fds, int max);
int qstate_timeout(struct ui *ui);
bool qstate_handle(struct ui *ui);
void qstate_free(struct ui *ui);
/* List again now (after an action). */
void qstate_refresh(struct ui *ui);
/* The queue view is open (poll faster) or closed. */
void qstate_set_open(struct ui *ui, bool open);
/* The last listing that worked, NULL before the first; gen changes with
 * every listing or problem. */
const struct queue_snapshot *qstate_snapshot(struct ui *ui, unsigned *gen);
/* Why the last listing failed, or NULL. */
const char *qstate_problem(struct ui *ui);
bool qstate_busy(struct ui *ui);
/* true when changes are watched (inotify), false when polled. */
bool qstate_live(struct ui *ui);
const struct traffic_postfix *qstate_postfix(struct ui *ui);
/* The messages waiting for a domain (0 when unknown). */
size_t qstate_domain(struct ui *ui, const char *domain);

/* The queue view (queueview.c, w on the main screen). */
struct screen *queueview_create(struct ui *ui);

/* The exercise pane (xpane.c), beside the browser. xpane_key takes x
 * (open/close) and, while it is open, h (hint) and [ ] (exercise);
 * xpane_width is 0 while it is closed. It checks again by itself: pass its
 * descriptor to poll with its timeout, then call xpane_handle (true: paint). */
bool xpane_key(struct ui *ui, ui_key k);
int xpane_width(struct ui *ui, int w);
void xpane_draw(struct ui *ui, int y, int x, int h, int w);
int xpane_pollfds(struct ui *ui, struct pollfd *fds, int max);
int xpane_timeout(struct ui *ui);
bool xpane_handle(struct ui *ui);
void xpane_free(struct ui *ui);

/* Someone else changed the files shown (diskwatch.c): inotify on their
 * directories, then a comparison of the files' identities once the events
 * settle. Pass its descriptor to poll with its timeout; diskwatch_changed
 * is true when a file differs from the last arm (a load). */
struct diskwatch *diskwatch_create(const struct config *cfg, const struct world *w);
void diskwatch_arm(struct diskwatch *W, const struct config *cfg, const struct world *w);
/* Before the files are read again: their identities as they are now, which
 * the next arm keeps for the files it still watches (a change made while
 * they are read is then one to see, not the new reference). */
void diskwatch_before_read(struct diskwatch *W);
void diskwatch_free(struct diskwatch **wp);
int diskwatch_pollfd(const struct diskwatch *W, struct pollfd *fd);
int diskwatch_timeout(const struct diskwatch *W);
bool diskwatch_changed(struct diskwatch *W);
/* Watch a directory (or the one holding file) for entries coming, going
 * or being rewritten; nothing when ifd < 0. */
void diskwatch_add_dir(int ifd, const char *dir);
/* Drain the inotify descriptor fd; events put *due settle_ms ahead (files
 * are written in bursts). True once *due has passed (then *due is 0). */
bool diskwatch_settled(int fd, double *due, int settle_ms);
/* A poll timeout in ms until due (-1: nothing due). */
int diskwatch_settle_timeout(double due);
void diskwatch_add_dir_of(int ifd, const char *file);

/* Live statistics: the first scan runs in a thread so that the first screen
 * paints at once; then a watcher reports deliveries, rescanned here.
 * live_start starts it, reading first the nfirst mailboxes first (indices
 * in world_mailboxes: the rows on the first screen). */
struct live *live_create(struct world *w);
void live_start(struct live *l, const size_t *first, size_t nfirst);
/* During a full scan: the mailboxes the screen shows now (indices in
 * world_mailboxes) are read at once, the chunk being read giving way;
 * returns how many of them were not read or asked for yet. */
size_t live_want(struct live *l, const size_t *mbx, size_t n);
void live_free(struct live **lp);
/* Descriptors to poll; returns how many were written (at most max). */
int live_pollfds(struct live *l, struct pollfd *fds, int max);
/* Handle what poll reported; true when counts changed. */
bool live_handle(struct live *l);
/* Start a full rescan; false when one is running. */
bool live_rescan(struct live *l);
bool live_scanning(const struct live *l);
/* The first scan, the watches and their recheck are all done: from now on
 * the figures change only with the mail. */
bool live_settled(const struct live *l);
/* Bumped whenever counts change. */
unsigned live_generation(const struct live *l);
/* Counts of mailbox i (index in world_mailboxes); false when not known yet
 * or the box is not a Maildir. */
bool live_counts(const struct live *l, size_t i, struct maildir_counts *c,
		 enum maildir_status *st);
/* maildirsize and folders of mailbox i (false while a scan runs). */
bool live_quota(const struct live *l, size_t i, struct maildir_quota *q);
size_t live_folders(const struct live *l, size_t i, struct strbuf *names);

#endif
