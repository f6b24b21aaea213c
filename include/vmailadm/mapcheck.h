/* After a map is built and installed, does it answer what its source says?
 * A postmap that exits 0 but built a stale or empty table would otherwise
 * go unnoticed until mail bounces (issue 10, defect 4). Only the keys a
 * commit changed are asked, in one run of the program. */
#ifndef VMAILADM_MAPCHECK_H
#define VMAILADM_MAPCHECK_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"

struct mapcheck_key {
	char *key;     /* as Postfix looks it up (case-folded) */
	char *value;   /* what the map must answer; NULL: the key must be absent */
};

struct mapcheck {
	struct mapcheck_key *v;
	size_t n, cap;
};

/* The entries that differ between two versions of a table source (aliases:
 * the aliases(5) syntax): only the lines between the common head and the
 * common tail are parsed. A key that the unchanged part also holds (a
 * duplicate, first one wins) is left out: its answer is not decided here.
 * Appends to out. */
void mapcheck_changed(const char *old, size_t oldlen, const char *cur, size_t curlen, bool aliases,
		      struct mapcheck *out);
void mapcheck_free(struct mapcheck *m);

/* Ask the built map: PROGRAM -c POSTFIX_DIR -q - TYPE:PATH with the keys on
 * standard input. 0 when every key is answered as expected (for aliases
 * only present or absent: postalias normalises the value), else -1 with a
 * diagnostic naming the map and the first key answered wrongly. *seconds
 * gets the program's running time. */
int mapcheck_verify(const char *program, const char *postfix_dir, const char *type, const char *path,
		    bool aliases, const struct mapcheck *keys, double *seconds, struct diags *d);

#endif
