/* The one place curses is included (DESIGN.md convention 1), wide-character
 * ncursesw, so that the rest of src/ui gets the same definitions. */
#ifndef VMAILADM_UI_CURSES_H
#define VMAILADM_UI_CURSES_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>

#endif
