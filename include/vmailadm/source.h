/* Where an entry of the world is defined, named as its admin knows it.
 * On backend pgsql the world is read from a snapshot of the database
 * written as files that vanish at exit: a table file of the snapshot is
 * the database's table ("pgsql:mailbox"; no line, rows have no order),
 * its other files the server's files of the same names (main.cf at the
 * same line: the snapshot comments the lines it replaces out in place).
 * Every front end, lint and the diagnostics name places through this. */
#ifndef VMAILADM_SOURCE_H
#define VMAILADM_SOURCE_H

#include <stdbool.h>

struct config;

struct source {
	const char *file;  /* the file, "pgsql:TABLE" or the server's main.cf */
	unsigned line;     /* 0: not tied to a line */
	char *owned;       /* what file points to when made here */
};

void source_of(const struct config *cfg, const char *file, unsigned line, struct source *out);
void source_free(struct source *s);
/* Is file, on backend pgsql, one of the database's tables (its entries
 * are rows: no line)? */
bool source_is_row(const struct config *cfg, const char *file);

/* The database table ("pgsql:domain") whose rows a snapshot's table file
 * ("virtual_domains") holds, or NULL when base names none. */
const char *source_table_name(const char *base);

/* "file:line", or the bare name when it has no line (caller frees). */
char *source_text(const struct config *cfg, const char *file, unsigned line);

/* text with every path of the snapshot in it named as above, or NULL when
 * it names none (caller frees). */
char *source_rename_text(const struct config *cfg, const char *text);

/* The snapshot (src/db/snapshot.c) says how many lines of its main.cf are
 * the server's main.cf's, at the same numbers; a line after them is one
 * of its own definitions, no line of the server's. */
void source_set_maincf_lines(unsigned n);

#endif
