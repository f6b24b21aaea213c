/* Inside the store (not for other layers): opening a file to read (doc.c,
 * for documents and tableidx.c), the table grammar table.c and tableidx.c
 * share (tableline.c). */
#ifndef VMAILADM_STORE_INT_H
#define VMAILADM_STORE_INT_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/table.h"

struct stat;

/* Open path to read it: 1 with *fd and *st (a regular file); 0 when it
 * does not exist and missing_ok; -1 with an error in d naming path. */
int doc_open(const char *path, bool missing_ok, int *fd, struct stat *st, struct diags *d);

/* The n bytes at s without leading and trailing whitespace: start, *len. */
const char *tableline_trim(const char *s, size_t n, size_t *len);
/* The end of a key in the n bytes at s, as postmap finds it (3.2+): the
 * first whitespace outside double quotes, a backslash protecting the next
 * byte. False when a quote is left open. */
bool tableline_key_end(const char *s, size_t n, size_t *len);
/* An indexed line "key whitespace value" (n bytes at s, line of name):
 * the key's length and the value (trimmed), with postmap's diagnostics;
 * false when postmap ignores the line. */
bool tableline_indexed(const char *s, size_t n, const char *name, unsigned line, size_t *klen,
		       const char **value, size_t *vlen, struct diags *d);
/* One word of a list, as mystrtokdq() cuts them: separated by commas and
 * whitespace, double quotes protecting separators, a backslash the next
 * byte. *pos advances; false at the end of the n bytes at s. */
bool tableline_word(const char *s, size_t n, size_t *pos, size_t *start, size_t *len);
/* The next word of a list line; false at the end, or at a comment (which
 * match_list does not allow there: warned about). */
bool tableline_list_next(const char *s, size_t n, size_t *pos, size_t *start, size_t *len,
			 const char *name, unsigned line, struct diags *d);
/* The warning for a key met again on line (Postfix uses the first). */
void tableline_duplicate(struct diags *d, const char *name, enum table_syntax syntax,
			 unsigned line, const char *key, unsigned first_line);

#endif
