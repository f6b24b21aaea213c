/* Maildir message names (name.c): what one says, from one pass over it. */
#ifndef VMAILADM_SRC_MAILDIR_NAME_H
#define VMAILADM_SRC_MAILDIR_NAME_H
#include <stdbool.h>
#include <stdint.h>

/* What a message name says (time, ,S= size, :2, flags), from one pass over it: the
 * scanner parses a million of these, so no strlen + strrchr + memchr each. */
struct nameinfo {
	uint64_t size;
	uint32_t time;            /* the leading "time" of the unique name, or 0 */
	bool has_size, seen, trashed;
};

void name_parse(const char *name, struct nameinfo *ni);

#endif
