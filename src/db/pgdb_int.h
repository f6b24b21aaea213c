/* Private to src/db: the connection and the few ways of querying it the
 * schema and (later) the store share. */
#ifndef VMAILADM_PGDB_INT_H
#define VMAILADM_PGDB_INT_H
#include <libpq-fe.h>
#include <stdbool.h>

#include "vmailadm/pgdb.h"

struct pgdb {
	PGconn *conn;
};

/* A query returning rows: its result (PQclear it), or NULL after a
 * diagnostic with the server's message. */
PGresult *pgdb_query(struct pgdb *db, const char *sql, struct diags *d);
/* Commands (several, separated by ';'): 0, or -1 after the diagnostic. */
int pgdb_exec(struct pgdb *db, const char *sql, struct diags *d);
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

#endif
