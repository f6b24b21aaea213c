/* The Dovecot passwd-file (/etc/dovecot/users): one entry a line,
 * user:password:uid:gid:gecos:home:shell:extra_fields, '#' comments and blank
 * lines kept. Users compare case-insensitively; the first of duplicates wins
 * (Dovecot logs an error for the later ones). Owns its document.
 *
 * Reading follows Dovecot 2.3 db-passwd-file.c (Dovecot's passwd-file
 * documentation):
 * - a line is skipped when empty or when it starts with '#' (only in the
 *   first column: Dovecot does not strip leading whitespace, so an indented
 *   line is a user whose name starts with blanks: warned about). A line of
 *   blanks only is kept as a blank line. A line starting with ':' (empty
 *   user) is an error; Dovecot ignores it.
 * - fields split on every ':' (there is no escape); fewer fields are fine
 *   (missing ones are ""); extra is everything after the 7th ':' as written.
 *   An empty 8th field followed by more (old format, read as userdb_mail by
 *   Dovecot) is warned about.
 * - uid/gid: "" or a number other than 0 or a system user/group name
 *   (names are not looked up); anything else is an error ("invalid UID").
 * - a user with upper-case letters gets a warning: Dovecot lower-cases the
 *   login (%Lu) before an exact lookup, so such a line never matches.
 * - a later line for the same user (case-insensitively) is shadowed, with a
 *   warning naming both lines.
 * Errors do not drop the entry: it is listed, so it can be shown and fixed.
 * Entry pointers are valid until the next edit (edits rebuild the entries). */
#ifndef VMAILADM_PWFILE_H
#define VMAILADM_PWFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"
#include "vmailadm/table.h"
#include "vmailadm/doc.h"
#include "vmailadm/strbuf.h"

/* A line's fields after the user, in order. */
enum pwfile_field {
	PWFILE_PASSWORD,  /* "{SCHEME}hash", a bare crypt hash, or "" */
	PWFILE_UID, PWFILE_GID, PWFILE_GECOS, PWFILE_HOME, PWFILE_SHELL,
	PWFILE_EXTRA,     /* the extra fields as written (space separated) */
	PWFILE_NFIELDS
};

/* An entry reads its fields in its line's text as the document holds it
 * (pwfile_field), not in a copy cut into C strings (issue 16: that copy
 * was a second passwd-file, 26 MB at 100,000 users). Only the user, which
 * the index keys on, is a string of its own. 56 bytes. */
struct pwfile_entry {
	char *user;
	const char *text; /* the line, without its line end; not NUL-terminated */
	uint32_t at[PWFILE_NFIELDS];  /* where each field starts in text */
	uint32_t len;     /* text's bytes */
	unsigned line;    /* 1-based: the physical line line - 1 (PWFILE_FIRST) */
	uint8_t fields;   /* fields present after the user: ':'s up to 7 */
	bool shadowed;    /* an earlier line has the same user */
};
/* The physical line (0-based) of entry e. */
#define PWFILE_FIRST(e) ((size_t)(e)->line - 1)

/* Field f of e: its first byte and *len ("" and 0 when the line does not
 * reach it; a NUL byte ends it, as it did a C string). Valid as long as
 * the entry. */
const char *pwfile_field(const struct pwfile_entry *e, enum pwfile_field f, size_t *len);
/* The same, newly allocated. */
char *pwfile_field_dup(const struct pwfile_entry *e, enum pwfile_field f);
/* Whether field f is not empty. */
bool pwfile_field_set(const struct pwfile_entry *e, enum pwfile_field f);

/* The fields of a line to write (pwfile_add) or to read as an entry
 * (pwfile_entry_of); NULL fields are "". */
struct pwfile_fields {
	const char *user, *password, *uid, *gid, *gecos, *home, *shell, *extra;
};
/* The line pwfile_add writes for f, in *line, and e whose fields are f's
 * in it (e's user is f's): an entry that is not in a file, for the
 * readers of entries (dovepath). Valid while line is unchanged. */
void pwfile_entry_of(const struct pwfile_fields *f, struct strbuf *line,
		     struct pwfile_entry *e);

struct pwfile;

/* Takes ownership of doc. Every problem goes to d as "file:line: ..."
 * and the rest loads (there is no fatal case). */
struct pwfile *pwfile_parse(struct doc *doc, struct diags *d);
void pwfile_free(struct pwfile **pp);
/* Issue 16: borrowed by a world made from the same bytes, as a table is
 * (table.h: table_borrow, table_on_move, table_borrowed, table_own). */
struct pwfile *pwfile_borrow(struct pwfile *base);
void pwfile_on_move(struct pwfile *p, table_moved_fn *moved, void *ctx);
bool pwfile_borrowed(const struct pwfile *p);
bool pwfile_own(struct pwfile *p);
/* As table_forget_retired (table.h). */
void pwfile_forget_retired(struct pwfile *p);
/* How many times an edit parsed the whole document again (pwfile_add,
 * pwfile_remove, pwfile_set_password and pwfile_set_extra edit the entries
 * in place; pwfile_remove_many parses again). */
size_t pwfile_parses(const struct pwfile *p);
struct doc *pwfile_doc(const struct pwfile *p);
size_t pwfile_count(const struct pwfile *p);
const struct pwfile_entry *pwfile_entry(const struct pwfile *p, size_t i);
const struct pwfile_entry *pwfile_lookup(const struct pwfile *p, const char *user);

/* The value of one extra field such as "userdb_quota_rule" (the "userdb_"
 * prefix may be omitted by the caller: both forms are matched), newly
 * allocated, or NULL; "" for a field written without '=' ("nopassword").
 * Extra fields are split on spaces only (not tabs), as Dovecot does; a
 * value may hold ':' ("userdb_quota_rule=*:storage=1G").
 * Dovecot's rule: a field named userdb_X is the userdb field X (the
 * passwd-file as userdb returns only those, prefix removed); a field
 * without the prefix is a passdb extra field (nopassword, allow_nets, ...).
 * So: key "userdb_X" matches only userdb_X; a bare key "X" matches
 * userdb_X when present, else the passdb field X. Of several fields with
 * the same name the last one is returned (it is the one that takes effect). */
char *pwfile_extra_get(const struct pwfile_entry *e, const char *key);
/* The same field without allocating: its value's first byte and *len (the
 * value is not NUL-terminated: it ends at a space or the end of extra), or
 * NULL when absent. Valid as long as the entry. */
const char *pwfile_extra_find(const struct pwfile_entry *e, const char *key, size_t *len);
/* The password scheme: "SHA512-CRYPT", "PLAIN", ...; for a bare hash, the
 * scheme its crypt prefix implies ("$6$" → "SHA512-CRYPT", "$5$" →
 * "SHA256-CRYPT", "$2y$"/"$2b$"/"$2a$" → "BLF-CRYPT", "$1$" → "MD5-CRYPT",
 * "$y$" and anything else → "CRYPT", Dovecot's passwd-file default; a
 * libpam-pwdfile "hash[34]" → "PLAIN-MD5"); "" when there is no password.
 * A "{scheme}" prefix is upper-cased. Newly allocated. (A passdb
 * "args = scheme=X" changes what a bare value means; not known here.) */
char *pwfile_scheme(const struct pwfile_entry *e);

/* Edits, keeping every other line byte-identical. Each returns 0, or -1
 * with an error in d and the document unchanged.
 * pwfile_add: f->user must be non-empty, lower case, without ':', blanks,
 * control bytes or a leading '#', and not present yet; fields other than
 * extra must hold no ':' or control bytes; uid/gid as above (NULL fields
 * are ""). Written as user:password:uid:gid:gecos:home:shell (all six
 * colons) plus ":extra" when extra is not empty, after the last line of a
 * user of the same domain (the part after '@', case-insensitive), else at
 * the end of the file, with the file's usual line end.
 * pwfile_remove: deletes the user's line and its shadowed duplicates too
 * (otherwise the next duplicate would take effect).
 * pwfile_set_password: replaces field 2 only of the user's effective line;
 * the password must hold no ':' or control bytes. */
int pwfile_add(struct pwfile *p, const struct pwfile_fields *f, struct diags *d);
/* The entry a new line for user goes next to: the last of its domain, else
 * the last of the file (NULL in an empty file). Its habits (uid and gid
 * written or not) are the ones to follow. */
const struct pwfile_entry *pwfile_neighbour(const struct pwfile *p, const char *user);
int pwfile_remove(struct pwfile *p, const char *user, struct diags *d);
/* pwfile_remove of n users in one pass and one reindex; all or nothing (a
 * user who is not there is an error and nothing is removed). */
int pwfile_remove_many(struct pwfile *p, const char *const *users, size_t n, struct diags *d);
int pwfile_set_password(struct pwfile *p, const char *user, const char *password,
			struct diags *d);
/* Set (value != NULL) or remove (NULL) one extra field, keeping the others
 * (their order and the spaces between them). The field is found as
 * pwfile_extra_get finds it: "quota_rule" edits an existing
 * userdb_quota_rule; when none exists the key is written as given, so pass
 * "userdb_quota_rule" for a userdb field. The first field of that name is
 * rewritten in place, later ones of the same name dropped; a new one is
 * appended. A short line is padded to seven colons; removing the last
 * extra field drops the seventh colon. key: no blanks, '=' or control
 * bytes; value: no blanks or control bytes. A line holding a NUL byte is
 * refused. Removing an absent field is a no-op (0). */
int pwfile_set_extra(struct pwfile *p, const char *user, const char *key,
		     const char *value, struct diags *d);

#endif
