/* A read-only lookup index over a Postfix table source: the file is mapped
 * and read once, storing only each key's hash and where its logical line
 * starts; a value is parsed when a lookup hits. It answers exactly like
 * table_lookup() on the same file (postmap(1): comments only at line
 * start, continuation lines, quoted keys, case folding, the first of
 * duplicate keys wins) and reports the same diagnostics as table_parse(),
 * at a fraction of the cost, for readers that never edit (trace). */
#ifndef VMAILADM_TABLEIDX_H
#define VMAILADM_TABLEIDX_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/table.h"

struct tableidx;

/* Index path, a TABLE_INDEXED or TABLE_LIST source (pattern tables are
 * read with table_parse: their order is their meaning). A missing file is
 * an error unless missing_ok, which gives an empty index whose
 * tableidx_exists() is false. Malformed lines are diagnostics in d,
 * exactly those table_parse() gives, and are skipped. Returns 0, or -1
 * with an error (unreadable, not a regular file). */
int tableidx_open(const char *path, enum table_syntax syntax, bool missing_ok,
		  struct tableidx **out, struct diags *d);
/* The same over a copy of len bytes of data; name is used in diagnostics. */
struct tableidx *tableidx_from_mem(const char *name, const char *data, size_t len,
				   enum table_syntax syntax, struct diags *d);
void tableidx_free(struct tableidx **tp);

const char *tableidx_name(const struct tableidx *t);
bool tableidx_exists(const struct tableidx *t);
enum table_syntax tableidx_syntax(const struct tableidx *t);
/* Distinct keys (shadowed duplicates not counted). */
size_t tableidx_count(const struct tableidx *t);

/* The entry Postfix uses for key (folded as postmap folds it): true with
 * *line its 1-based line number and, when value is not NULL, *value a new
 * string (continuation lines joined and trimmed, as table_entry.value; ""
 * in a list). key_as_written (may be NULL) gets the key as written, new. */
bool tableidx_lookup(const struct tableidx *t, const char *key, unsigned *line, char **value,
		     char **key_as_written);

/* A hint that key will be looked up soon, so that the memory waits of
 * several lookups overlap: entry false starts loading the key's slot;
 * entry true (after the slot had time to arrive) the line of its entry.
 * No result, nothing changes. */
void tableidx_prefetch(const struct tableidx *t, const char *key, bool entry);

#endif
