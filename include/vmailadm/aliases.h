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

/* Takes ownership of doc. Every problem goes to d as "file:line: ..."
 * and the rest loads (there is no fatal case). */
struct aliases *aliases_parse(struct doc *doc, struct diags *d);
void aliases_free(struct aliases **ap);
/* As table_forget_retired (table.h). */
void aliases_forget_retired(struct aliases *a);
struct doc *aliases_doc(const struct aliases *a);
size_t aliases_count(const struct aliases *a);
const struct alias_entry *aliases_entry(const struct aliases *a, size_t i);
const struct alias_entry *aliases_lookup(const struct aliases *a, const char *name);

/* Parse errors ("need name:value pair") name the file and line; every bad
 * line is reported and skipped. Entry pointers are valid until the next
 * edit (edits rebuild the entries from the document). */

/* Replace the value of name (keeping "name:" and the spacing after it as
 * written; its continuation lines go) or, when absent, append
 * "name: value" at the end, aligned like the last entry. */
int aliases_set(struct aliases *a, const char *name, const char *value, struct diags *d);
/* Remove the logical line of name (with its continuation lines and interior
 * comment lines; a comment above stays), shadowed duplicates included. */
int aliases_remove(struct aliases *a, const char *name, struct diags *d);

#endif
