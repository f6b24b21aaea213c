/* Postfix main.cf: "name = value" with continuation lines (a line starting
 * with whitespace continues the previous one), '#' comments at line start,
 * the last definition wins, $name and ${name} expansion with Postfix's
 * defaults for the parameters vmailadm reads. Owns its document. */
#ifndef VMAILADM_MAINCF_H
#define VMAILADM_MAINCF_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"

struct maincf;

int maincf_parse(struct doc *doc, struct maincf **out, struct diags *d);
void maincf_free(struct maincf **mp);
struct doc *maincf_doc(const struct maincf *m);

/* The value as written by its last definition (continuations joined), or
 * NULL when main.cf does not set it. *line gets its 1-based line (or 0). */
const char *maincf_raw(const struct maincf *m, const char *name, unsigned *line);
/* The value Postfix uses: the last definition, else the built-in default,
 * with $name / ${name} / $(name) expanded recursively. Never NULL. */
char *maincf_get(const struct maincf *m, const char *name);
/* The built-in default of a parameter vmailadm knows, or NULL. */
const char *maincf_default(const char *name);

/* Split a Postfix list value on commas and whitespace. Items of the form
 * type:{...} stay whole. Returns a NULL-terminated array; *n gets the count. */
char **maincf_split_list(const char *value, size_t *n);
void maincf_list_free(char **list);

/* Set name = value: edits the last definition in place (dropping its
 * continuation lines) or appends a new line. Keeps every other line. */
void maincf_set(struct maincf *m, const char *name, const char *value);

#endif
