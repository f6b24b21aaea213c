/* Private to src/db: the connection and the few ways of querying it the
 * schema and (later) the store share. */
#ifndef VMAILADM_PGDB_INT_H
#define VMAILADM_PGDB_INT_H
#include <stdbool.h>

#include "vmailadm/pgdb.h"
#include "vmailadm/pqlib.h"

struct pgdb {
	PGconn *conn;
	char *conninfo;   /* what it was opened with, for a second connection */
};

/* A query returning rows: its result (PQclear it), or NULL after a
 * diagnostic with the server's message. */
PGresult *pgdb_query(struct pgdb *db, const char *sql, struct diags *d);
/* Commands (several, separated by ';'): 0, or -1 after the diagnostic. */
int pgdb_exec(struct pgdb *db, const char *sql, struct diags *d);
/* what: the server's message (libpq's, over several lines) as one line. */
void pgdb_server_error(struct diags *d, const char *what, const char *msg);
/* The first column of the first row of sql with $1 = param (none when
 * param is NULL), as a new string; NULL when there is no row or the query
 * fails. */
char *pgdb_value(struct pgdb *db, const char *sql, const char *param);
bool pgdb_has_table(struct pgdb *db, const char *name);

/* The database's active accounts as a single server's flat files
 * (export.c), read in one REPEATABLE READ snapshot: virtual_domains,
 * vmailbox, virtual_alias (key value lines, texthash or hash sources) and
 * users (the passwd-file with uid and gid). 0, or -1 after a diagnostic;
 * free with pgdb_flat_free either way. */
#include "vmailadm/strbuf.h"
#define PGDB_FLAT_FILES 4
struct pgdb_flat {
	struct strbuf text[PGDB_FLAT_FILES];
	size_t rows[PGDB_FLAT_FILES];
};
const char *pgdb_flat_name(size_t f);
int pgdb_flat_read(struct pgdb *db, long uid, long gid, struct pgdb_flat *out, struct diags *d);
void pgdb_flat_free(struct pgdb_flat *fl);

/* The rows of a SELECT of nf columns read through COPY (pgcopy.c): field
 * f of row i is field[i * nf + f], NUL-terminated (NULL as ""), kept in
 * chunks that never move. 0, or -1 after a diagnostic; pgcopy_free
 * either way. */
struct pgcopy {
	char **chunk;
	size_t nchunks, chunkcap;
	size_t used, room;   /* in the last chunk */
	const char **field;
	size_t fieldcap;
	size_t nrows, bytes;
	int nf;
};
int pgcopy_read(struct pgdb *db, const char *select, int nf, struct pgcopy *c, struct diags *d);
static inline const char *pgcopy_value(const struct pgcopy *c, size_t row, int col)
{
	return c->field[row * (size_t)c->nf + (size_t)col];
}
void pgcopy_free(struct pgcopy *c);

/* The queries q[0..n) read with COPY into res[0..n) in one REPEATABLE
 * READ READ ONLY transaction of db (pgsnap.c): those marked side on a
 * second connection in a thread, sharing the transaction's snapshot, the
 * others on db meanwhile; done(ctx, i), when not NULL, is called in the
 * thread that read query i, once its rows are there (it must touch only
 * what belongs to query i). 0, or -1 after a diagnostic; pgcopy_free
 * every res either way. */
struct pgsnap_query {
	const char *sql;
	int nf;
	bool side;
};
typedef void pgsnap_done_fn(void *ctx, size_t i);
int pgsnap_read(struct pgdb *db, const struct pgsnap_query *q, size_t n, struct pgcopy *res,
		pgsnap_done_fn *done, void *ctx, struct diags *d);

/* Rows of the shared database built from a world (rowset.c): the table,
 * the key (vals[0], the primary key) and the columns vmailadm writes. */
#define PGROW_MAX_COLS 6
struct pgrow {
	const char *table;
	const char *cols[PGROW_MAX_COLS];
	char *vals[PGROW_MAX_COLS];
	size_t ncols;
	bool secret[PGROW_MAX_COLS];   /* shown as "(set)", never printed */
};
struct pgrows {
	struct pgrow *v;
	size_t n, cap;
};
/* The hosted domains, the alias domains (an alias_domain row each, their
 * lines no alias rows), the maildir mailboxes (hash, maildir, quota), the
 * aliases of hosted domains (goto comma-joined) and the catch-alls of the
 * mailbox map (a mailbox row @domain); what the schema cannot hold is a
 * warning in d. */
struct world;
void pgrows_from_world(const struct world *w, struct pgrows *r, struct diags *d);
void pgrows_free(struct pgrows *r);
/* "+ table key col=val ..." a line, a password as (set) or (none). */
void pgrows_print(const struct pgrows *r, struct strbuf *plan);
const char *pgrow_value(const struct pgrow *x, const char *col);

/* What changes from before to after, keyed by table and primary key: an
 * insert (before NULL), a delete (after NULL) or an update; sorted in the
 * order a transaction writes them (domains first), then by key. The rows
 * stay the two sets'. */
struct pgchange {
	const struct pgrow *before, *after;
};
struct pgchanges {
	struct pgchange *v;
	size_t n;
};
void pgrows_diff(const struct pgrows *before, const struct pgrows *after, struct pgchanges *out);
void pgchanges_free(struct pgchanges *c);
/* The row diff as the unified-diff view shows it: a ---/+++ header, one
 * @@ line, then one line a row: "+table key col=val...", "-table key ...",
 * "~table key col: old -> new" (only the columns that change; a password
 * only as "changed"). Nothing when there is no change. */
void pgchanges_print(const struct pgchanges *c, struct strbuf *out);

/* keptmaps.c: main.cf's list name (mc may be NULL) as one line
 * "name = ...", its items that become rows replaced by rows (one text,
 * where the first of them stood), the items that stay (regexp:, pcre:,
 * maps vmailadm does not read) in their places. */
struct maincf;
void pgdb_keptmaps_line(const struct maincf *mc, const char *name, const char *rows,
			struct strbuf *out);

#endif
