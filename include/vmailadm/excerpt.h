/* Excerpts: the lines of a large file that one staged operation can read or
 * change, as a small document for the ordinary parsers and edits; the edits
 * are then spliced back into the whole file. The operation, its validation
 * and its formatting stay the code the full model uses: only the reading
 * is narrowed (the stage's quick path, for 100,000-entry tables).
 *
 * What an excerpt holds, always as whole physical lines in file order, and
 * for tables as whole logical lines (a line with its continuation lines and
 * the comment lines inside it):
 * - every entry whose key (ASCII case-folded, as postmap folds) is one of
 *   the wanted keys, duplicates included (the first one wins);
 * - the last entry whose key is in the wanted domain (a new entry goes
 *   after it: table_add, pwfile_add);
 * - for tables, every entry whose key the scan cannot read simply (quoted,
 *   escaped): more than needed never changes a result;
 * - every entry whose text holds one of the needles (ASCII case-insensitive);
 * - with domain_keys, every entry of a table or list whose key has no '@';
 * - the tail: from the last entry that is surely an entry to the end of the
 *   file (a new entry without a domain neighbour goes at the end, styled
 *   like the last one).
 * A file that does not end with a newline has no excerpt (deleting its last
 * line would change the line before, which the excerpt may not hold). */
#ifndef VMAILADM_EXCERPT_H
#define VMAILADM_EXCERPT_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/doc.h"
#include "vmailadm/strbuf.h"

enum excerpt_kind {
	EXCERPT_TABLE,   /* an indexed Postfix table source: "key value" */
	EXCERPT_LIST,    /* a /file/name list: words */
	EXCERPT_PASSWD,  /* the Dovecot passwd-file: "user:..." */
};

struct excerpt_want {
	const char *const *keys;     /* folded */
	size_t nkeys;
	const char *domain;          /* folded; NULL: no placement anchor */
	const char *const *needles;  /* lower case */
	size_t nneedles;
	bool domain_keys;            /* tables and lists: also every key without
	                              * '@' (the domain lines, which say which
	                              * domains are alias domains) */
};

struct excerpt;

/* NULL when the file cannot be excerpted (see above). */
struct excerpt *excerpt_build(enum excerpt_kind kind, const char *data, size_t len,
			      const struct excerpt_want *want);
void excerpt_free(struct excerpt **xp);

/* A document of the excerpt's lines of full (the bytes it was built from),
 * named name, with origins tracked and the whole file's usual line end for
 * new lines. */
struct doc *excerpt_doc(const struct excerpt *x, const char *full, const char *name);
/* Lines in the excerpt and in the whole file, for tests and timing logs. */
size_t excerpt_lines(const struct excerpt *x);

/* One place where the new bytes differ: old bytes [old_off, +old_len) of
 * the file became out's [cur_off, +cur_len). In file order, disjoint. */
struct excerpt_change {
	size_t old_off, old_len;
	size_t cur_off, cur_len;
};

/* The whole file's new bytes: full (the bytes the excerpt was built from)
 * with the edits of doc (made by excerpt_doc) applied: lines deleted,
 * replaced or given another line end in place; a new line right after the
 * nearest line before it that came from the file (or before the first one).
 * When changes is not NULL it gets the places that differ (a line rewritten
 * with the same bytes is none). */
void excerpt_splice(const struct excerpt *x, const char *full, size_t full_len,
		    const struct doc *doc, struct strbuf *out, struct excerpt_change **changes,
		    size_t *nchanges);

/* How many bytes at the start of the file the edits of doc leave as they
 * are (up to the first line changed, gone or with a new line before it). */
size_t excerpt_untouched(const struct excerpt *x, const char *full, size_t full_len,
			 const struct doc *doc);
/* excerpt_splice for the new file from offset `from` on (at most
 * excerpt_untouched()): out gets those bytes only; change offsets are the
 * whole file's. */
void excerpt_splice_from(const struct excerpt *x, const char *full, size_t full_len,
			 const struct doc *doc, size_t from, struct strbuf *out,
			 struct excerpt_change **changes, size_t *nchanges);

#endif
