/* Lines read from a file descriptor with bounds: a line longer than
 * max_line, an input larger than max_total or a NUL byte stops the reading
 * with a message naming the input and the line. The one buffer is
 * allocated once (never moved by a realloc, so a password read through it
 * leaves no stray copy) and wiped when freed. */
#ifndef VMAILADM_LINEREAD_H
#define VMAILADM_LINEREAD_H
#include <stddef.h>

#include "vmailadm/diag.h"

struct lineread;

/* name is how messages call the input (a path, "standard input"); it is
 * not copied. fd stays the caller's. */
struct lineread *lineread_open(int fd, const char *name, size_t max_line, size_t max_total);

/* The next line, without its '\n', NUL-terminated, valid until the next
 * call: 1, or 0 at the end of the input, or -1 with a diagnostic naming
 * name:line (too long, too large, a NUL byte, a read error). */
int lineread_next(struct lineread *r, char **line, size_t *len, struct diags *d);

/* The number of the line last returned (1 for the first). */
unsigned lineread_line_no(const struct lineread *r);

/* Wipe the buffer and free it; *r becomes NULL. */
void lineread_free(struct lineread **r);

#endif
