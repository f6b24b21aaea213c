/* Postfix main.cf: "name = value" with continuation lines (a line starting
 * with whitespace continues the previous one), '#' comments at line start,
 * the last definition wins, $name and ${name} expansion with Postfix's
 * defaults for the parameters vmailadm reads. Owns its document.
 *
 * Reading follows readlline() + split_nameval() (postconf(5)):
 * - a continued value keeps, as Postfix does, each continuation line's
 *   leading whitespace and the "\r" of a CRLF line end between the pieces
 *   (checked with postconf 3.7: "a = one,\n  two" is "one,  two"); only the
 *   value's leading and trailing whitespace is trimmed. A comment or blank
 *   line inside a continued value is skipped and the value goes on.
 * - diagnostics (all of them; the rest of the file loads): a line without
 *   '=' or without a name is an error and is skipped; a name with characters
 *   other than [A-Za-z0-9_], an indented line with nothing before it, and a
 *   definition that overrides an earlier one (postconf: "overriding earlier
 *   entry") are warnings. */
#ifndef VMAILADM_MAINCF_H
#define VMAILADM_MAINCF_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/doc.h"

struct maincf;

/* Takes ownership of doc. Every problem goes to d as "file:line: ..."
 * and the rest loads (there is no fatal case). */
struct maincf *maincf_parse(struct doc *doc, struct diags *d);
void maincf_free(struct maincf **mp);
struct doc *maincf_doc(const struct maincf *m);

/* The value as written by its last definition (continuations joined), or
 * NULL when main.cf does not set it. *line gets its 1-based line (or 0). */
const char *maincf_raw(const struct maincf *m, const char *name, unsigned *line);
/* The value Postfix uses: the last definition, else the built-in default,
 * with $name / ${name} / $(name) expanded recursively. Never NULL.
 * As mac_expand(): "$$" is "$"; an unknown name expands to "";
 * ${name?text} gives text when name's (unexpanded) value is non-empty,
 * ${name:text} when it is empty or unset, ${name?{a}:{b}} picks one, and
 * whitespace around each {text} is ignored. A parameter met again inside
 * its own expansion (a loop, fatal in Postfix) expands to "" there.
 * Relational expressions ${{a} == {b}...} and malformed or truncated
 * references are left as written. */
char *maincf_get(const struct maincf *m, const char *name);
/* maincf_get read as a whole decimal number; dflt when it is not one. */
long maincf_get_long(const struct maincf *m, const char *name, long dflt);
/* Expand arbitrary text the same way; *loop (may be NULL) is set when a
 * reference loop was cut. */
char *maincf_expand(const struct maincf *m, const char *text, bool *loop);
/* The built-in default of a parameter vmailadm knows, or NULL (Postfix 3.7,
 * Debian 12 `postconf -d`; e.g. alias_maps is "hash:/etc/aliases,
 * nis:mail.aliases"). myhostname is gethostname(), plus ".localdomain" when
 * it has no dot; mydomain is myhostname without its first label. Inside
 * maincf_get, Postfix's dependencies hold: a dotless host name gets main.cf's
 * mydomain, and mydomain follows main.cf's myhostname. */
const char *maincf_default(const char *name);

/* Every definition in file order, earlier duplicates included: returns the
 * name of definition i; *value, *line (1-based), *overridden (a later
 * definition wins) are set when not NULL. */
size_t maincf_count(const struct maincf *m);
const char *maincf_def_at(const struct maincf *m, size_t i, const char **value,
			  unsigned *line, bool *overridden);

/* Split a Postfix list value on commas and whitespace (", \t\r\n..."), as
 * mystrtokq() does: separators inside {...} (nested) do not split, so
 * inline:{ a=b, c=d } or pcre:{{/x/ y}, {/z/ w}} stays one item. Returns a
 * NULL-terminated array; *n (may be NULL) gets the count. */
char **maincf_split_list(const char *value, size_t *n);
void maincf_list_free(char **list);
/* Are value's items separated by commas (one outside {...})? */
bool maincf_list_has_comma(const char *value);

/* Set name = value: edits the last definition in place (dropping its
 * continuation lines) or appends a new line. Keeps every other line.
 * A definition over continuation lines whose new value is its words with
 * some replaced, removed, or added before or after them is edited on
 * those lines instead, word by word (store/tablewords.c).
 * The new line is "name = value" ("name =" for an empty value) with the
 * replaced line's own line end, or the document's usual one when appended.
 * Like postconf -e, comment and blank lines that sat inside the replaced
 * definition are kept (they follow the new line). Earlier, overridden
 * definitions are left alone: the edited last one still wins. name must be
 * [A-Za-z0-9_]+ and value must not hold a line break (a bug otherwise). */
void maincf_set(struct maincf *m, const char *name, const char *value);
/* Append items (n of them) to the list value of name's last definition
 * in its own style, every byte of it kept: after ", " when its items are
 * separated by commas (outside {...}), else after a space; a definition
 * continued on several lines gets each item on a new continuation line,
 * indented like its last one (a comma first ending that one, in comma
 * style). Without a definition, or an empty one, like maincf_set with the
 * items joined by spaces. No item may hold a line break. */
void maincf_append_items(struct maincf *m, const char *name, char *const items[], size_t n);
/* Remove every definition of name (like postconf -X), keeping comment and
 * blank lines that sat inside them. Returns whether any was removed. */
bool maincf_unset(struct maincf *m, const char *name);

#endif
