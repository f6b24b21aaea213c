/* A document: a text file held as physical lines that remember their exact
 * bytes (line end "\n", "\r\n" or none on a last line without newline).
 * Rendering an unedited document gives back the identical bytes. Format
 * parsers (table, maincf, pwfile, aliases) sit on top and edit through the
 * functions below, which change only the lines they must. */
#ifndef VMAILADM_DOC_H
#define VMAILADM_DOC_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

struct doc;

/* A document over a copy of data; name is used in diagnostics. */
struct doc *doc_from_mem(const char *name, const char *data, size_t len);
/* A document over data itself, not a copy: data must stay as it is, and
 * alive, as long as the document (a staged file's bytes as read: the
 * staged world's documents no longer hold a second copy of every file). */
struct doc *doc_over(const char *name, const char *data, size_t len);
/* Read path. A missing file is an error unless missing_ok, which gives an
 * empty document whose doc_exists() is false. */
int doc_load(const char *path, bool missing_ok, struct doc **out, struct diags *d);
void doc_free(struct doc **docp);
struct doc *doc_clone(const struct doc *doc);
/* A copy of doc's lines over doc's own bytes (issue 16: a table borrowed
 * from another world made its own before its first edit): doc must not
 * change, and must stay alive, as long as the copy. */
struct doc *doc_share(const struct doc *doc);
/* The bytes the document was read from (NUL-terminated, *len long) while
 * no line has been edited, else NULL; they live as long as doc. */
const char *doc_bytes(const struct doc *doc, size_t *len);
/* Do a and b hold the same lines, byte for byte (line ends too)? */
bool doc_same(const struct doc *a, const struct doc *b);

const char *doc_name(const struct doc *doc);
bool doc_exists(const struct doc *doc);
/* The stat of the file when it was loaded (NULL when not from a file or missing). */
const struct stat *doc_stat(const struct doc *doc);
size_t doc_count(const struct doc *doc);
/* Text of line i without its line end; *len gets its length (may hold NUL). */
const char *doc_text(const struct doc *doc, size_t i, size_t *len);
/* The line end of line i: "\n", "\r\n", or "" (last line without newline). */
const char *doc_eol(const struct doc *doc, size_t i);
/* Line end used for new lines: the one most lines already use. */
const char *doc_default_eol(const struct doc *doc);
bool doc_dirty(const struct doc *doc);
/* The document's bytes are kept elsewhere now (the stage's): it is clean
 * until its next edit (a document kept across edits, issue 16). */
void doc_clean(struct doc *doc);
/* Use eol ("\n" or "\r\n") for new lines instead of the one most of this
 * document's lines use: an excerpt follows the habit of its whole file. */
void doc_set_default_eol(struct doc *doc, const char *eol);
/* Origins, for splicing the edits of an excerpt back into its file: after
 * doc_track_origins(), doc_origin(doc, i) is the index line i had then, or
 * DOC_NEW for a line inserted since. A replaced line keeps its origin. */
#define DOC_NEW ((size_t)-1)
void doc_track_origins(struct doc *doc);
size_t doc_origin(const struct doc *doc, size_t i);

/* The whole file's bytes. */
void doc_render(const struct doc *doc, struct strbuf *out);
/* The bytes of lines [from, to), and their length. */
void doc_render_lines(const struct doc *doc, size_t from, size_t to, struct strbuf *out);
size_t doc_render_size(const struct doc *doc, size_t from, size_t to);
/* Whether the document was edited since it was last clean; *head and *tail:
 * how many of its first and last lines are still those it had then (the
 * bytes of the lines between are all an edit changed, doc_render_lines). */
bool doc_changed_span(const struct doc *doc, size_t *head, size_t *tail);

/* Edits. Text is given without line end; the document's default is used.
 * Inserting after a last line that had no newline gives that line one. */
void doc_insert(struct doc *doc, size_t at, const char *text);
/* n lines inserted at at, in this order, as n doc_insert at at, at + 1, ...
 * would put them: one move of the lines after them, not n (issue 16: a
 * catch-all's thousand identity entries in a 100,000-line map). */
void doc_insert_many(struct doc *doc, size_t at, const char *const *texts, size_t n);
void doc_delete(struct doc *doc, size_t at, size_t count);
/* Delete every line i with drop[i] (doc_count entries) in one pass: many
 * deletions from a large file cost one move of its lines, not one each. */
void doc_delete_marked(struct doc *doc, const bool *drop);
void doc_replace(struct doc *doc, size_t at, const char *text);

/* Postfix's logical lines (readlline(); postconf(5) "input format"), shared by the
 * format parsers. A physical line that is empty, all whitespace, or whose
 * first non-whitespace byte is '#' is dropped. A line starting with
 * whitespace continues the current logical line: its text is appended with
 * its leading whitespace kept and without the newline; as in Postfix, the
 * "\r" of a "\r\n" line end stays in the text (trailing, it is trimmed as
 * whitespace by every parser). Dropped lines between a line and its
 * continuation are skipped and the line goes on.
 * Start with *pos = 0. Each call resets text, fills it with the next logical
 * line, sets *first to its first physical line and *nlines to the physical
 * lines up to its last continuation line (interior dropped lines included,
 * dropped lines after it not), and returns true; false at the end.
 * A text that starts with whitespace had no line before it: Postfix warns
 * "logical line must not start with whitespace" and ignores it. */
bool doc_next_logical(const struct doc *doc, size_t *pos, struct strbuf *text,
		      size_t *first, size_t *nlines);

#endif
