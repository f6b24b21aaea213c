/* The interactive interface: what `vmailadm` with no command opens.
 * Only src/ui includes curses; this header does not. The interface knows
 * nothing of the command line: it gets the loaded configuration. */
#ifndef VMAILADM_UI_H
#define VMAILADM_UI_H

struct config;

/* Whether the interface can run here: EXIT_OK, or EXIT_USAGE with the
 * reason printed (stdin or stdout not a terminal, TERM unset). Checked
 * before the configuration is loaded. */
int ui_check_terminal(void);

/* Run the interface on the controlling terminal with cfg and theme (NAME or
 * FILE, NULL for cfg's). Returns an exit status: 0 after a normal quit, 2
 * when the terminal type is unknown or the files cannot load. */
int ui_run(struct config *cfg, const char *theme);

#endif
