/* Unified diffs (diff -u format, applies with patch) between the text a
 * file has and the text a commit would give it. */
#ifndef VMAILADM_DIFF_H
#define VMAILADM_DIFF_H
#include <stddef.h>

#include "vmailadm/strbuf.h"

/* Append to out the unified diff turning a into b, with `context` lines of
 * context, headed "--- old_label" / "+++ new_label". Nothing is appended
 * when the texts are equal. A missing final newline is marked the way diff
 * does ("\ No newline at end of file"). Returns the number of hunks. */
size_t diff_unified(const char *old_label, const char *new_label,
		    const char *a, size_t alen, const char *b, size_t blen,
		    unsigned context, struct strbuf *out);

/* The same for two excerpts of larger files that start at the same line:
 * first_line lines come before them (identical on both sides), so hunk
 * numbers are those of the whole files. */
size_t diff_unified_at(const char *old_label, const char *new_label,
		       const char *a_text, size_t alen, const char *b_text, size_t blen,
		       unsigned context, size_t first_line, struct strbuf *out);

#endif
