/* The interactive interface (issue 5): what `vmailadm` with no command opens.
 * Only src/ui includes curses; this header does not. */
#ifndef VMAILADM_UI_H
#define VMAILADM_UI_H

struct cli;

/* Run the interface on the controlling terminal. Returns an exit status:
 * 0 after a normal quit, 2 when there is no usable terminal (stdin or
 * stdout not a terminal, unknown TERM) or the configuration cannot load. */
int ui_run(struct cli *cli, int argc, char **argv);

#endif
