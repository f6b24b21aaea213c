/* Diagnostics. Three severities (DESIGN.md): a bug panics; an unusable
 * environment is fatal after the terminal is restored; everything else is a
 * struct diag that names the file and line, collected so that a parser can
 * report every problem of a file, not only the first. */
#ifndef VMAILADM_DIAG_H
#define VMAILADM_DIAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };

struct diag {
	enum diag_level level;
	char *file;       /* may be NULL */
	unsigned line;    /* 1-based; 0 when the problem is not tied to a line */
	char *msg;        /* already translated */
};

struct diags {
	struct diag *v;
	size_t n, cap;
};

#define DIAGS_INIT { NULL, 0, 0 }

void diags_init(struct diags *d);
void diags_free(struct diags *d);
void diag_add(struct diags *d, enum diag_level level, const char *file, unsigned line,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define diag_error(d, file, line, ...) diag_add((d), DIAG_ERROR, (file), (line), __VA_ARGS__)
#define diag_warn(d, file, line, ...) diag_add((d), DIAG_WARNING, (file), (line), __VA_ARGS__)
size_t diags_count(const struct diags *d, enum diag_level level);
bool diags_has_errors(const struct diags *d);
/* Move every diagnostic of src to the end of dst. */
void diags_take(struct diags *dst, struct diags *src);
/* How files are named to the user when that is not their path (backend
 * pgsql: the snapshot's files as the server's, src/model/source.c): file's
 * name, *line set (0: none), and a message with such paths in it named so;
 * NULL to keep them. diag_format asks it; NULL unsets. */
struct diag_namer {
	char *(*file)(const char *file, unsigned *line);
	char *(*text)(const char *msg);
};
void diag_set_namer(const struct diag_namer *n);
/* text with the namer's names for the paths in it (lint's messages and
 * fixes), or NULL when there is no namer or nothing to rename. */
char *diag_name_text(const char *text);
/* "file:line: error: message" on one line; control bytes escaped. */
char *diag_format(const struct diag *g);
void diags_print(const struct diags *d, FILE *fp);

/* A bug: print and abort. */
void vm_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* An unusable environment: run the registered cleanup (the TUI restores the
 * terminal), print "vmailadm: fatal: ..." and exit 2. */
void vm_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void vm_set_fatal_cleanup(void (*fn)(void));

#endif
