/* Inside the interface: the screen vtable, the one list widget, the drawing
 * helpers (display-width aware, sanitising) and the live statistics. Only
 * src/ui includes this header (it includes curses). */
#ifndef VMAILADM_UI_INT_H
#define VMAILADM_UI_INT_H
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui_curses.h"
#include "vmailadm/maildir.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/theme.h"

struct cli;
struct config;
struct world;
struct ui;
struct live;

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
	/* the key bar of this screen: pairs of key and label, NULL-terminated */
	const char *const *(*keybar)(struct screen *s);
};

struct screen {
	const struct screen_ops *ops;
	struct screen *below;
};

/* Characters for lines and bars: Unicode in a UTF-8 locale, ASCII else. */
struct glyphs {
	const char *vline, *hline, *bar_full, *bar_empty, *ellipsis, *arrow, *dot;
};

struct ui {
	struct cli *cli;
	struct config *cfg;
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
	char host[256];
	const char *config_name;
	bool readonly;
	size_t staged;               /* staged changes (issue 4; 0 for now) */
};

/* Draw s (sanitised, cut on a character boundary) at y,x in at most width
 * columns; returns the columns used. */
int ui_text(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role);
/* The same, right-aligned in width columns. */
int ui_text_right(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role);
void ui_fill(struct ui *ui, int y, int x, int width, enum theme_role role);
/* Display width of s once sanitised. */
int ui_width(const char *s);
/* How many bytes of s (cut on a character boundary) fit in width columns
 * once sanitised. */
size_t ui_fit(const char *s, int width);
void ui_status(struct ui *ui, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_push(struct ui *ui, struct screen *s);
void ui_pop(struct ui *ui);
/* "1.2 MiB" */
void ui_human(char *buf, size_t len, uint64_t bytes);

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
/* Keep the selection on a selectable row after the rows changed. */
void list_clamp(struct list *l);

/* Screens. */
struct screen *browse_create(struct ui *ui);
struct screen *help_create(struct ui *ui);

/* Live statistics: the first scan runs in a thread so that the first screen
 * paints at once; then a watcher reports deliveries, rescanned here. */
struct live *live_create(struct world *w);
void live_free(struct live **lp);
/* Descriptors to poll; returns how many were written (at most max). */
int live_pollfds(struct live *l, struct pollfd *fds, int max);
/* Handle what poll reported; true when counts changed. */
bool live_handle(struct live *l);
/* Start a full rescan; false when one is running. */
bool live_rescan(struct live *l);
bool live_scanning(const struct live *l);
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
