/* Where an entry of the world is defined, named as its admin knows it.
 * On backend pgsql the world is read from a snapshot of the database
 * written as files that vanish at exit: a table file of the snapshot is
 * the database's table ("pgsql:mailbox"; no line, rows have no order),
 * its main.cf the server's (no line: the snapshot's copy drops the lines
 * it replaces). Every front end and lint name places through this. */
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

/* "file:line", or the bare name when it has no line (caller frees). */
char *source_text(const struct config *cfg, const char *file, unsigned line);

#endif
