/* Postfix lookup-table sources (vmailbox, virtual_alias, a domains list, and
 * regexp:/pcre: pattern files), parsed exactly as postmap(1) does
 * (postmap(1), postconf(5) "input format"): comments only at line start, continuation lines, quoted
 * keys, case folding, the first of duplicate keys wins. The table owns its
 * document and edits it in place, changing only the lines it must. */
#ifndef VMAILADM_TABLE_H
#define VMAILADM_TABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"

enum table_syntax {
	TABLE_INDEXED,  /* hash, btree, lmdb, cdb, texthash: "key value" */
	TABLE_LIST,     /* a /file/name list (virtual_domains): words, no values */
	TABLE_REGEXP,   /* regexp: and pcre: "/pattern/flags result", first match wins */
};

/* How entries map to lines:
 * - TABLE_INDEXED: one entry per logical line ("key value").
 * - TABLE_LIST: one entry per WORD (words are separated by commas and/or
 *   whitespace, as match_list reads a /file/name); the words of one logical
 *   line share first/nlines/line. value is "". A word starting with '#'
 *   ends the line with a warning, as in Postfix.
 * - TABLE_REGEXP: one entry per rule; key is the rule as written
 *   ("!/^(.*)@old\.example$/i"), lookup_key the pattern between the
 *   delimiters, rule->flags the letters after it ("" when none). A rule
 *   inside "if /pattern/" ... "endif" blocks has rule->cond, the innermost block (an
 *   "if" or "endif" line is no entry): it applies only when every block
 *   around it matches (regexp_table(5), pcre_table(5)).
 * A value continued over lines keeps, as Postfix does, the leading
 * whitespace of each continuation line and the "\r" of a CRLF line end
 * between them (only leading/trailing whitespace is trimmed).
 * Entry pointers and indexes are valid until the next edit (every edit
 * rebuilds the entries from the document). */
/* A regexp/pcre "if [!]/pattern/flags" block (its rules end at "endif";
 * an "if" without "endif" runs to the end of the file). */
struct table_cond {
	char *pattern;
	char *flags;
	bool negated;
	unsigned line;
	const struct table_cond *parent;   /* the enclosing block, or NULL */
};

/* What a regexp/pcre rule has besides its pattern (lookup_key). */
struct table_rule {
	char *flags;      /* the flags after the closing delimiter ("" when none) */
	char *second;     /* regexp_table(5) "/pattern1/!/pattern2/": pattern2,
	                   * else NULL (pcre tables refuse the form) */
	char *second_flags;
	const struct table_cond *cond;  /* the innermost "if" block around
	                   * the rule, or NULL */
	bool negated;     /* "!/pattern/": the rule applies when the pattern
	                   * does NOT match */
	bool second_negated; /* true for the usual single '!': the rule applies
	                   * when pattern2 does NOT match */
};

struct table_entry {
	/* 48 bytes, not 80: a map of 100,000 entries holds 100,000 of them
	 * (and the staged world's copy as many): the pattern rules' own
	 * fields are apart (rule), the line numbers 32 bits (a document's
	 * lines are fewer than 4 G: doc.c). Issue 16. */
	char *key;        /* as written (a quoted key stays quoted) */
	char *lookup_key; /* the key as Postfix looks it up: case-folded for
	                   * indexed tables; the pattern for regexp tables */
	char *value;      /* continuation lines joined, trimmed (postmap(1));
	                   * "" for TABLE_LIST */
	const struct table_rule *rule;  /* TABLE_REGEXP, else NULL */
	uint32_t first;   /* first physical line (0-based) in the document */
	uint32_t nlines;  /* physical lines it spans, including interior comments */
	unsigned line;    /* 1-based line number, for messages */
	bool shadowed;    /* an earlier entry has the same lookup key: Postfix
	                   * ignores this one ("duplicate entry") */
};

/* An "if" line (cond) or an "endif" line (cond NULL) of a regexp/pcre
 * table. The entries' cond pairs them as the file reads; Postfix pairs them
 * without the "if" lines it could not compile, so the tracer pairs them
 * again from these (trace_pattern.c). */
struct table_event {
	unsigned line;
	const struct table_cond *cond;
};

struct table;

/* Parse doc (the table takes ownership). Malformed lines are reported as
 * "file:line: ..." diagnostics, all of them, and skipped; the rest loads
 * (there is no fatal case). */
struct table *table_parse(struct doc *doc, enum table_syntax syntax, struct diags *d);
/* Frees the table once no other world borrows it (table_borrow). */
void table_free(struct table **tp);

/* Issue 16: the tables of a file whose bytes are unchanged are shared by
 * the interface's world and the staged world instead of parsed twice. A
 * borrowed table reads base's entries (base must not be edited while
 * borrowed: an edit panics) and keeps base alive until it is freed, after
 * base's own table_free too (a world read again frees its tables). Its
 * first edit makes the parts it edits its own (table_own): the entries
 * move, and moved(ctx, old, new, bytes) is told, so that the world made
 * from them follows (pointers into [old, old + bytes) go to new). */
typedef void table_moved_fn(void *ctx, const void *old, const void *new, size_t bytes);
struct table *table_borrow(struct table *base);
void table_on_move(struct table *t, table_moved_fn *moved, void *ctx);
/* Whether t still reads another table's parts. */
bool table_borrowed(const struct table *t);
/* A borrowed t's parts made its own, as its first edit would (every edit
 * calls it); table_parses counts it, as the entries moved. False when t
 * borrowed nothing. */
bool table_own(struct table *t);
/* The strings of the entries an edit replaced are kept (a world made
 * from the table borrows them) until this: the caller says nothing points
 * into them any more (world_rebuild). */
void table_forget_retired(struct table *t);

struct doc *table_doc(const struct table *t);
enum table_syntax table_syntax(const struct table *t);
size_t table_count(const struct table *t);
/* How many times the entries were parsed from the whole document: an edit
 * that leaves it unchanged updated them in place (tablepatch.c), and the
 * pointers into them moved only as the edit says (worldpatch.c). */
size_t table_parses(const struct table *t);
/* Every "if" and "endif" line, in file order (regexp/pcre tables). */
const struct table_event *table_events(const struct table *t, size_t *n);
const struct table_entry *table_entry(const struct table *t, size_t i);
/* The entry Postfix would use for key (case-folded for indexed tables;
 * exact pattern text for regexp), or NULL. Not the user/@domain fallback:
 * that belongs to the model's resolver. */
const struct table_entry *table_lookup(const struct table *t, const char *key);

/* Postfix's case folding of a table key (ASCII lower case; UTF-8 untouched). */
char *table_fold_key(const char *key);

/* Edits. Each keeps every other line byte-identical. A new entry goes after
 * the last entry of the same domain (the part after '@', or the key itself),
 * else at the end of the file (pattern tables: always at the end, order is
 * meaning). The separator copies the neighbouring entry's (tab, or spaces
 * aligning the value column), else a tab. Values are written on one line.
 * For a list, value is ignored (NULL). Return 0, or
 * -1 with a diagnostic (key exists / is absent / cannot be written). */
int table_add(struct table *t, const char *key, const char *value, struct diags *d);
/* table_add of n new, distinct keys, in this order, all or nothing: a run of
 * keys of one domain goes in with one re-index (a thousand lines of a new
 * alias domain in one edit instead of a thousand). */
int table_add_many(struct table *t, const char *const *keys, const char *const *values, size_t n,
		   struct diags *d);
/* n table_add calls in one edit, all or nothing: the same bytes (each new
 * line's separator styled on the line before it, where table_add_many
 * styles a run's lines on the entry before the run), a run of one domain
 * put in with one move of the entries (issue 16: a catch-all and its
 * domain's thousand identity entries in a 100,000-line map). */
int table_add_each(struct table *t, const char *const *keys, const char *const *values, size_t n,
		   struct diags *d);
/* A blank line at the end of a "key value" table whose last line is not
 * blank, so that the entries added next at the end (a new domain's) read
 * apart from the last block and its comment, not as part of it. Every
 * other line stays; a list or pattern table is left as it is. */
void table_end_apart(struct table *t);
/* Remove the whole logical line (with its continuation lines and the comment
 * lines inside it; a comment above it stays). Lines that were shadowed
 * duplicates of the key go too, so the key is absent afterwards. In a list,
 * only the word goes when its line has other words. In a pattern table, key
 * is the rule as written or its pattern, and only that rule goes. */
int table_remove(struct table *t, const char *key, struct diags *d);
/* table_remove of n keys at once (a domain removed with its entries): one
 * pass over the lines and one reindex, where n removals would reindex the
 * whole table n times. All or nothing: a key that is not there is an
 * error and nothing is removed. */
int table_remove_many(struct table *t, const char *const *keys, size_t n, struct diags *d);
/* Replace an entry's value, keeping the key and separator as written
 * (continuation lines of the old value go). Not for lists. */
int table_set(struct table *t, const char *key, const char *value, struct diags *d);

/* A map reference from main.cf such as "hash:/etc/postfix/vmailbox". */
struct table_ref {
	char *type;     /* "hash", "pcre", ... ; "" for a plain /file/name list */
	char *path;     /* the source file for file-backed types, else NULL */
	char *spec;     /* the reference as written */
	enum table_syntax syntax;
	bool supported; /* a type whose source vmailadm can read */
};
/* Parse one reference; returns false for a reference vmailadm cannot read
 * (it still fills spec and type). hash, btree, lmdb, cdb, texthash (and
 * dbm, sdbm) are TABLE_INDEXED; regexp and pcre TABLE_REGEXP; "/file/name"
 * is TABLE_LIST with type "". "proxy:hash:/x" is read as its inner table
 * (type "hash", spec kept). inline:, static:, mysql:, ldap: ... are not
 * supported (path NULL). */
bool table_ref_parse(const char *spec, struct table_ref *ref);
void table_ref_free(struct table_ref *ref);
/* The next address of a lookup result ("a@x, b@y c@z"): separated by commas
 * and/or whitespace, a double-quoted part kept whole (virtual(5)), an RFC
 * 822 comment "(text)" standing apart dropped as tok822 drops it. A "#"
 * is no comment there: "a@x # note" is three addresses.
 * Advances *cursor; false at the end. */
bool table_value_next(const char **cursor, const char **start, size_t *len);
/* The file postmap or postalias builds beside a source of this type
 * (".db" for hash and btree, ".lmdb", ".cdb"); NULL for a type read as it
 * is (regexp, pcre, texthash, a /file/name list). */
const char *table_type_built_suffix(const char *type);
/* Do two references read the same source (hash:/x and btree:/x do)? */
bool table_ref_same(const struct table_ref *a, const struct table_ref *b);
/* The source of an inline:{k=v, ...} map as a document of "k v" lines, or
 * NULL when it is not simple enough to read (nested braces, no '='). */
struct doc *table_inline_doc(const char *spec);

#endif
