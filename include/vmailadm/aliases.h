/* /etc/aliases (aliases(5)): "name: value, value" with continuation lines
 * starting with whitespace, '#' comments at line start. Names fold to lower
 * case; the first of duplicates wins. Owns its document. */
#ifndef VMAILADM_ALIASES_H
#define VMAILADM_ALIASES_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"

struct alias_entry {
	char *name;       /* as written (may be quoted) */
	char *lookup_key; /* folded */
	char *value;      /* continuation lines joined, trimmed */
	char **targets;   /* value split on commas (quoted parts kept whole), NULL-terminated */
	size_t ntargets;
	size_t first, nlines;
	unsigned line;
	bool shadowed;
};

struct aliases;

int aliases_parse(struct doc *doc, struct aliases **out, struct diags *d);
void aliases_free(struct aliases **ap);
struct doc *aliases_doc(const struct aliases *a);
size_t aliases_count(const struct aliases *a);
const struct alias_entry *aliases_entry(const struct aliases *a, size_t i);
const struct alias_entry *aliases_lookup(const struct aliases *a, const char *name);

int aliases_set(struct aliases *a, const char *name, const char *value, struct diags *d);
int aliases_remove(struct aliases *a, const char *name, struct diags *d);

#endif
