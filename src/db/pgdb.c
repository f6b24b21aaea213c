/* The connection to the PostgreSQL primary and the one error format of
 * its answers ("the server said: ..."). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* libpq's messages end with a newline (and may hold several lines): one
 * line for ours. */
void pgdb_server_error(struct diags *d, const char *what, const char *msg)
{
	struct strbuf m = STRBUF_INIT;
	sb_adds(&m, msg ? msg : "");
	while (m.len && (m.buf[m.len - 1] == '\n' || m.buf[m.len - 1] == ' '))
		sb_truncate(&m, m.len - 1);
	for (size_t i = 0; i < m.len; i++)
		if (m.buf[i] == '\n' || m.buf[i] == '\t')
			m.buf[i] = ' ';
	diag_error(d, NULL, 0, "%s: %s", what, sb_str(&m));
	sb_free(&m);
}

struct pgdb *pgdb_connect(const char *conninfo, struct diags *d)
{
	if (!conninfo || !*conninfo) {
		diag_error(d, NULL, 0, _("no database: set pgsql_conninfo in the configuration"));
		return NULL;
	}
	if (pqlib_load(d) < 0)
		return NULL;
	/* Parsed by libpq itself (keywords or a URI): an option is added, not
	 * pasted into the string. */
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
	if (!opts) {
		pgdb_server_error(d, "pgsql_conninfo", err ? err : _("cannot be parsed"));
		PQfreemem(err);
		return NULL;
	}
	size_t n = 0;
	bool has_attrs = false;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val)
			n++;
		has_attrs |= o->val && !strcmp(o->keyword, "target_session_attrs");
	}
	const char **keys = xcalloc(n + 2, sizeof *keys), **vals = xcalloc(n + 2, sizeof *vals);
	size_t k = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val) {
			keys[k] = o->keyword;
			vals[k++] = o->val;
		}
	if (!has_attrs) {   /* write to the primary only, never a standby */
		keys[k] = "target_session_attrs";
		vals[k++] = "read-write";
	}
	PGconn *c = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	PQconninfoFree(opts);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pgdb_server_error(d, _("cannot connect to the database"), c ? PQerrorMessage(c) : NULL);
		PQfinish(c);
		return NULL;
	}
	struct pgdb *db = xcalloc(1, sizeof *db);
	db->conn = c;
	db->conninfo = xstrdup(conninfo);
	return db;
}

void pgdb_close(struct pgdb **dbp)
{
	if (!*dbp)
		return;
	PQfinish((*dbp)->conn);
	free((*dbp)->conninfo);
	free(*dbp);
	*dbp = NULL;
}

PGresult *pgdb_query(struct pgdb *db, const char *sql, struct diags *d)
{
	PGresult *r = PQexec(db->conn, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	pgdb_server_error(d, _("the database refused a query"), PQerrorMessage(db->conn));
	PQclear(r);
	return NULL;
}

int pgdb_exec(struct pgdb *db, const char *sql, struct diags *d)
{
	PGresult *r = PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	pgdb_server_error(d, _("the database refused a change"), PQerrorMessage(db->conn));
	/* A failed statement inside BEGIN leaves the transaction aborted:
	 * end it, so that nothing of it stays and the connection is usable. */
	r = PQexec(db->conn, "ROLLBACK");
	PQclear(r);
	return -1;
}

char *pgdb_value(struct pgdb *db, const char *sql, const char *param)
{
	const char *params[1] = { param };
	PGresult *r = PQexecParams(db->conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
	char *v = NULL;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		v = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

bool pgdb_has_table(struct pgdb *db, const char *name)
{
	char *v = pgdb_value(db, "SELECT 1 FROM information_schema.tables "
			     "WHERE table_schema = current_schema() AND table_name = $1", name);
	bool has = v != NULL;
	free(v);
	return has;
}
