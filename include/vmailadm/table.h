/* Postfix lookup-table sources (vmailbox, virtual_alias, a domains list, and
 * regexp:/pcre: pattern files), parsed exactly as postmap(1) does
 * (reference §1.1): comments only at line start, continuation lines, quoted
 * keys, case folding, the first of duplicate keys wins. The table owns its
 * document and edits it in place, changing only the lines it must. */
#ifndef VMAILADM_TABLE_H
#define VMAILADM_TABLE_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"

enum table_syntax {
	TABLE_INDEXED,  /* hash, btree, lmdb, cdb, texthash: "key value" */
	TABLE_LIST,     /* a /file/name list (virtual_domains): words, no values */
	TABLE_REGEXP,   /* regexp: and pcre: "/pattern/flags result", first match wins */
};

struct table_entry {
	char *key;        /* as written (a quoted key stays quoted) */
	char *lookup_key; /* the key as Postfix looks it up: case-folded for
	                   * indexed tables; the pattern for regexp tables */
	char *value;      /* continuation lines joined, trimmed (reference §1.1.2-3);
	                   * "" for TABLE_LIST */
	char *flags;      /* regexp/pcre flags after the closing delimiter, else NULL */
	size_t first;     /* first physical line (0-based) in the document */
	size_t nlines;    /* physical lines it spans, including interior comments */
	unsigned line;    /* 1-based line number, for messages */
	bool shadowed;    /* an earlier entry has the same lookup key: Postfix
	                   * ignores this one ("duplicate entry") */
};

struct table;

/* Parse doc (the table takes ownership). Malformed lines are reported as
 * "file:line: ..." diagnostics, all of them, and skipped; the rest loads.
 * Returns -1 only when nothing could be loaded. */
int table_parse(struct doc *doc, enum table_syntax syntax, struct table **out,
		struct diags *d);
void table_free(struct table **tp);

struct doc *table_doc(const struct table *t);
enum table_syntax table_syntax(const struct table *t);
size_t table_count(const struct table *t);
const struct table_entry *table_entry(const struct table *t, size_t i);
/* The entry Postfix would use for key (case-folded for indexed tables;
 * exact pattern text for regexp), or NULL. Not the user/@domain fallback:
 * that belongs to the model's resolver. */
const struct table_entry *table_lookup(const struct table *t, const char *key);

/* Postfix's case folding of a table key (ASCII lower case; UTF-8 untouched). */
char *table_fold_key(const char *key);

/* Edits. Each keeps every other line byte-identical. A new entry goes after
 * the last entry of the same domain (the part after '@', or the key itself),
 * else at the end of the file. Values are written on one line. Return 0, or
 * -1 with a diagnostic (key exists / is absent / cannot be written). */
int table_add(struct table *t, const char *key, const char *value, struct diags *d);
/* Remove the whole logical line (with its continuation lines). */
int table_remove(struct table *t, const char *key, struct diags *d);
/* Replace an entry's value, keeping the key as written. */
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
 * (it still fills spec and type). */
bool table_ref_parse(const char *spec, struct table_ref *ref);
void table_ref_free(struct table_ref *ref);

#endif
