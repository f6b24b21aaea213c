/* Colour themes for the interface (DESIGN.md convention 11): YAML files that
 * map roles (selection, new_mail, staged_add ...) to colours and attributes.
 * Parsing knows nothing of curses, so it is tested without a terminal; the
 * interface turns a theme into curses attributes for the colours it has. */
#ifndef VMAILADM_THEME_H
#define VMAILADM_THEME_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"

enum theme_role {
	ROLE_NORMAL,
	ROLE_SELECTION,        /* the selected row of the focused pane */
	ROLE_SELECTION_DIM,    /* the selected row of another pane */
	ROLE_HEADER,           /* the top line */
	ROLE_TITLE,            /* pane titles and column headings */
	ROLE_BORDER,
	ROLE_SECTION,          /* "Mailboxes", "Aliases", "Catch-all" */
	ROLE_NEW_MAIL,
	ROLE_STAGED_ADD,
	ROLE_STAGED_DEL,
	ROLE_STAGED_CHANGE,
	ROLE_WARNING,
	ROLE_ERROR,
	ROLE_DIM,
	ROLE_KEYBAR,
	ROLE_KEY,              /* the key names inside the key bar */
	ROLE_STATUS,
	ROLE_READONLY,         /* the read-only banner */
	ROLE_QUOTA_OK,
	ROLE_QUOTA_HIGH,       /* alarm: 95 % and more */
	ROLE_FILTER,
	ROLE_QUOTA_WARN,       /* 80 % to 95 % (after FILTER: themes name roles, not numbers) */
	ROLE_COUNT
};

/* Attribute bits (translated to A_* by the interface). */
enum {
	THEME_BOLD = 1 << 0,
	THEME_DIM = 1 << 1,
	THEME_UNDERLINE = 1 << 2,
	THEME_REVERSE = 1 << 3,
	THEME_STANDOUT = 1 << 4,
	THEME_ITALIC = 1 << 5,
	THEME_BLINK = 1 << 6,
};

#define THEME_COLOR_DEFAULT (-1)

struct theme_style {
	short fg, bg;        /* 0..255, or THEME_COLOR_DEFAULT */
	unsigned attrs;      /* with colours */
	unsigned mono;       /* without colours (mono theme, NO_COLOR, no colour terminal) */
};

struct theme {
	char *name;          /* "default", or the file it came from */
	bool mono;           /* the theme asks for no colour at all */
	struct theme_style role[ROLE_COUNT];
};

/* The shipped default theme (themes/default.yaml, compiled in). Never fails. */
void theme_default(struct theme *t);
/* Parse a theme text over t (roles it does not name keep their style);
 * errors name file:line. Returns 0, or -1 with t left as it was. */
int theme_parse(const char *file, const char *text, size_t len, struct theme *t,
		struct diags *d);
/* spec: "default", a name (looked up as NAME.yaml in $VMAILADM_THEME_DIR,
 * then in datadir), or a path (it holds a '/' or ends in ".yaml"). On any
 * error t is the default theme and d says why; returns 0 or -1. */
int theme_load(const char *spec, const char *datadir, struct theme *t, struct diags *d);
void theme_free(struct theme *t);

const char *theme_role_name(enum theme_role r);
/* A colour for a terminal with ncolors colours: 256 → 16 (nearest xterm
 * colour) → 8; THEME_COLOR_DEFAULT stays. */
short theme_color_reduce(short c, int ncolors);

#endif
