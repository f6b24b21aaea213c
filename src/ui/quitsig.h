/* quitsig.c: SIGINT, SIGTERM and SIGHUP through a self-pipe. Their
 * handler counts the signal and writes a byte to a pipe that the main loop
 * polls (quitsig_pollfd: 1 once started, else 0), so that one that comes
 * while the interface paints wakes the next poll. quitsig_take drains the
 * pipe, then returns the quit signal still to answer (0: none), as
 * quitsig_got does without draining: a SIGTERM or SIGHUP taken, else
 * SIGINT while one is not answered. quitsig_forget: one SIGINT was
 * answered (Ctrl-C asked the quit question); one that came after it was
 * read stays to answer. quitsig_hung_up: the terminal hung up, taken as
 * its SIGHUP. quitsig_stop closes the pipe (what was taken stays). No
 * curses here: tests/unit/test_quitsig.c compiles quitsig.c alone. */
#ifndef VMAILADM_QUITSIG_H
#define VMAILADM_QUITSIG_H
#include <poll.h>

void quitsig_start(void);
void quitsig_hung_up(void);
int quitsig_pollfd(struct pollfd *fd);
int quitsig_take(void);
int quitsig_got(void);
void quitsig_forget(void);
void quitsig_stop(void);

#endif
