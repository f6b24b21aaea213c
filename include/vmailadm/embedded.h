/* Files of the source tree compiled into the program by src/embed.sh (the
 * default theme, the demo's sample files): one table per set, its last row
 * all NULL. */
#ifndef VMAILADM_EMBEDDED_H
#define VMAILADM_EMBEDDED_H
#include <stddef.h>

struct embedded_file {
	const char *path;       /* below the directory it was taken from */
	const char *text;       /* its bytes, NUL-terminated too */
	size_t len;
};

#endif
