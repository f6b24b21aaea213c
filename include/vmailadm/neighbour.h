/* The mailbox map value of a new mailbox in the layout of the entry it
 * goes next to (src/stage/neighbour.c). */
#ifndef VMAILADM_NEIGHBOUR_H
#define VMAILADM_NEIGHBOUR_H
#include <stdbool.h>

#include "vmailadm/strbuf.h"

struct world;

/* The value for local@domain ("domain/local/", "local@domain/Maildir/" ...)
 * in the pattern of the domain's last entry, else the map's last, else the
 * course's "domain/local/" (also when that entry is no Maildir or does not
 * name its local part once); written into out. */
const char *neighbour_mailbox_value(const struct world *w, const char *local, const char *domain,
				    struct strbuf *out);

/* v, a value or path written for the user address (a neighbour's home,
 * its userdb_mail), for local@domain instead: address's domain and local
 * part (as path components, or the whole address) replaced. NULL when v
 * names the local part more than once, or not at all unless
 * may_lack_local. Caller frees. */
char *neighbour_follow(const char *v, const char *address, const char *local, const char *domain,
		       bool may_lack_local);

#endif
