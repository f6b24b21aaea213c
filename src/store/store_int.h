/* Inside the store (not for other layers): opening a file to read (doc.c,
 * for documents and tableidx.c), the table grammar table.c and tableidx.c
 * share (tableline.c), the skeleton of the entry documents table.c,
 * aliases.c and pwfile.c (entrydoc.c), a passwd-file entry's fields
 * (pwentry.c). */
#ifndef VMAILADM_STORE_INT_H
#define VMAILADM_STORE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/strmap.h"
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

/* ---- tablewords.c ---- */

/* The indexed entry on the physical lines first..first+nlines (its key the
 * first klen bytes of the first) gets the value val, made on those lines
 * when val is their words with some replaced, some removed or some added
 * at the end: true, the document edited; else false, nothing done. */
bool tablewords_set(struct doc *doc, size_t first, size_t nlines, size_t klen, const char *val);
/* Remove every word w (folded) from the physical lines first..first+nlines
 * of a list's logical line, the other words and their separators kept as
 * written; whether anything was removed (table_remove's word of a list). */
bool tablewords_list_remove(struct doc *doc, size_t first, size_t nlines, const char *w);

/* ---- entrydoc.c ---- */

/* An entry parsed, waiting a few entries before it is indexed: its slot,
 * prefetched meanwhile, has the parse of those lines to reach the cache
 * (the index is larger than the cache). */
struct entrydoc_pending {
	size_t idx;          /* the entry's position */
	const char *key;     /* its lookup key */
	uint32_t hash;
	size_t mark;         /* diagnostics there were when it was parsed */
};

/* What an entry document holds besides its entries: the document it owns,
 * the index of first keys, the strings of its entries (rebuilt with them
 * from the document after every edit) and those of replaced entries (the
 * model borrows them: world pointers stay valid until the world is made
 * again from the edited documents, world_rebuild, or freed). */
struct entrydoc {
	struct doc *doc;
	size_t n;               /* entries */
	struct strmap *index;   /* lookup key (borrowed) -> position + 1 of its first entry */
	struct arena arena;
	struct arena retired;
	struct entrydoc_pending pend[4];
	size_t npend;
	bool borrowed;          /* doc and index are another document's
	                         * (entrydoc_borrow) until entrydoc_own */
};

/* Before the document is parsed again: no entries, their strings retired,
 * an empty index sized for nlines. */
void entrydoc_restart(struct entrydoc *e, size_t nlines);
/* The strings of replaced entries freed: the caller holds no pointer
 * into them any more (world_rebuild, once its arrays are made again). */
void entrydoc_forget_retired(struct entrydoc *e);
/* The index, the strings and the document (not a borrowed one's). */
void entrydoc_free(struct entrydoc *e);
/* e reads base's document and index, which must not change, and must stay
 * alive, while e borrows them (issue 16: a world shares the unchanged
 * files of another; the caller keeps base). */
void entrydoc_borrow(struct entrydoc *e, const struct entrydoc *base);
/* A borrowing e made its own: a copy of the document's lines (over base's
 * bytes, which must stay alive) and of the index (keys: the entries'
 * strings, base's). False when e borrowed nothing. */
bool entrydoc_own(struct entrydoc *e);
/* A bug (panic) when i is not an entry; who names the caller. */
void entrydoc_check(const struct entrydoc *e, size_t i, const char *who);
/* Position + 1 of the first entry whose lookup key is key, or 0. */
size_t entrydoc_find(const struct entrydoc *e, const char *key);

/* Entry idx has the key of entry first, met earlier: the document marks
 * it (Postfix and Dovecot use the first) and warns when it should. */
typedef void entrydoc_dup_fn(void *obj, size_t idx, size_t first, struct diags *d);
/* Index entry idx under key a few entries later (entrydoc_index_pending
 * ends the parse); a duplicate's warning goes where it would have been
 * without the delay. */
void entrydoc_index_later(struct entrydoc *e, size_t idx, const char *key, entrydoc_dup_fn *dup,
			  void *obj, struct diags *d);
void entrydoc_index_pending(struct entrydoc *e, entrydoc_dup_fn *dup, void *obj, struct diags *d);

/* ---- pwentry.c: one passwd-file entry read in its line (pwfile.c) ---- */

struct arena;
struct pwfile_entry;
struct pwfile_fields;
struct strbuf;
/* The line's fields into e: split on every ':' (there is no escape), the
 * extra fields everything after the seventh; they stay in text
 * (pwfile_field reads them) and the user alone is copied into ar as a
 * string, which the index keys on (without ar, e->user is left as it
 * is). *ncolons: every ':' in the line. */
void pwentry_split(struct arena *ar, const char *text, size_t len, struct pwfile_entry *e,
		   size_t *ncolons);
/* The line of f as pwfile_add writes it: all six colons, and ":extra"
 * when extra is not empty. */
void pwentry_line(const struct pwfile_fields *f, struct strbuf *line);
/* One word of the extra fields (Dovecot splits them on ' ' only). */
struct pwentry_word {
	const char *start;   /* the token */
	size_t len;
	size_t keylen;       /* up to '=' (or the whole token) */
};
/* The next word of the bytes [*pos, end); false at the end. */
bool pwentry_next_word(const char **pos, const char *end, struct pwentry_word *w);
bool pwentry_word_is(const struct pwentry_word *w, const char *key);
/* The field name a request for key means in the extra string extra: a
 * "userdb_"-prefixed key as is; a bare key prefers its userdb_ form, then
 * the bare (passdb) field; NULL when neither is present. Newly allocated. */
char *pwentry_resolve_key(const char *extra, const char *key);

/* ---- table.c's table (tablepatch.c edits its entries in place) ---- */

struct table {
	/* the document; the index of lookup keys (the entries' own lookup_key
	 * strings); the entries' strings, freed together: three small
	 * allocations per entry would cost more than the parse itself */
	struct entrydoc ed;
	enum table_syntax syntax;
	struct table_entry *v;
	size_t cap;
	unsigned open_ifs;      /* regexp "if" blocks still open at the end */
	struct table_event *events;  /* every "if" and "endif" line, in order */
	size_t nevents, evcap;
	size_t parses;          /* whole parses of the document (table_parses) */
	/* Issue 16: a table borrowed from another world's (table_borrow)
	 * reads base's entries, events, document and index (ed.borrowed)
	 * until its first edit makes them its own (table_own; moved is told);
	 * it holds base, whose strings its entries keep, until it is freed.
	 * refs: the handles that free this one (its owner, its borrowers). */
	struct table *base;
	size_t refs;
	table_moved_fn *moved;
	void *moved_ctx;
};

/* ---- tableshare.c ---- */

/* Before every edit: a table others borrow is never edited (their view
 * would change under them: a panic); a borrowed one makes its parts its
 * own (table_own). */
void table_edit(struct table *t);

/* ---- tablepatch.c: one edit of an indexed table's lines, its entries and
 * index updated in place, exactly as a fresh parse of the edited document
 * would make them; false where it cannot be sure of that: the caller then
 * parses the whole document (reindex). ---- */

/* Remove every entry whose lookup key is lk (the first and its shadowed
 * duplicates) with its lines; false: nothing changed. */
bool tablepatch_remove(struct table *t, const char *lk);
/* tablepatch_remove of the n lookup keys lks at once (each in the table):
 * one pass over the lines and the entries, one move of the index (issue
 * 16: a catch-all's thousand identity entries removed one at a time moved
 * 100,000 entries each time); false: nothing changed. */
bool tablepatch_remove_many(struct table *t, const char *const *lks, size_t n);
/* Entry i's first line replaced by text (always); true: a one-line entry,
 * its value taken from it. */
bool tablepatch_set(struct table *t, size_t i, const char *text);
/* text inserted as line at (always), the line of a key the table does not
 * hold; true: its entry is in. */
bool tablepatch_add(struct table *t, size_t at, const char *text);
/* The n texts inserted as lines at, at + 1, ... (always), lines of keys
 * the table does not hold, distinct; true: their entries are in, with one
 * move of the entries and of the index (issue 16: a catch-all's thousand
 * identity entries, one tablepatch_add each, moved 100,000 entries a
 * thousand times). */
bool tablepatch_add_run(struct table *t, size_t at, const char *const *texts, size_t n);

/* After an entry is added or removed at a position of an index of
 * positions: whether moving every slot's value past it (strmap_shift_values,
 * one pass over all the slots) costs less than putting the later entries'
 * keys again (a hash and a probe each), later of n being after it. An edit
 * near the end of a large file (identity entries added next to their
 * domain's, a thousand at a time) puts its few again (issue 16). */
static inline bool store_shift_cheaper(size_t later, size_t n)
{
	return later * 32 >= n;
}

#endif
