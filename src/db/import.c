/* db import: a flat-file server's accounts as rows of the shared database,
 * shown first (one line a row, never a password hash), then inserted in
 * one SERIALIZABLE transaction with a log row and a change set: all or
 * nothing. What the schema cannot hold (an mbox mailbox, a passwd-file
 * field other than the quota) is named, not silently dropped. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static int insert_row(struct pgdb *db, const struct pgrow *x, struct diags *d)
{
	struct strbuf q = STRBUF_INIT, v = STRBUF_INIT;
	sb_addf(&q, "INSERT INTO %s (", x->table);
	for (size_t c = 0; c < x->ncols; c++) {
		sb_addf(&q, "%s\"%s\"", c ? ", " : "", x->cols[c]);
		sb_addf(&v, "%s$%zu", c ? ", " : "", c + 1);
	}
	sb_addf(&q, ") VALUES (%s)", v.buf);
	PGresult *res = PQexecParams(db->conn, q.buf, (int)x->ncols, NULL,
				     (const char *const *)x->vals, NULL, NULL, 0);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc < 0)
		diag_error(d, NULL, 0, _("%s %s: the database refused it: %s"), x->table, x->vals[0],
			   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	PQclear(res);
	sb_free(&q);
	sb_free(&v);
	return rc;
}

int pgdb_import(struct pgdb *db, const struct world *w, bool dry_run, const char *who,
		struct strbuf *plan, size_t *nrows, struct diags *d)
{
	*nrows = 0;
	char *had = pgdb_value(db, "SELECT count(*) FROM domain", NULL);
	if (!had) {
		diag_error(d, NULL, 0, _("the database has no domain table: run db init first"));
		return -1;
	}
	long ndom = atol(had);
	free(had);
	if (ndom > 0) {
		diag_error(d, NULL, 0,
			   ngettext("the database already holds %ld domain: db import fills an empty "
				    "one (nothing was changed)",
				    "the database already holds %ld domains: db import fills an empty "
				    "one (nothing was changed)", ndom), ndom);
		return -1;
	}
	struct pgrows r = { 0 };
	pgrows_from_world(w, &r, d);
	pgrows_print(&r, plan);
	*nrows = r.n;
	if (dry_run) {
		pgrows_free(&r);
		return 0;
	}
	int rc = pgdb_exec(db, "BEGIN ISOLATION LEVEL SERIALIZABLE", d);
	for (size_t i = 0; i < r.n && rc == 0; i++)
		rc = insert_row(db, &r.v[i], d);
	if (rc == 0) {
		char count[32];
		snprintf(count, sizeof count, "%zu rows", r.n);
		const char *logv[3] = { who, "vmailadm db import", count };
		PGresult *res = PQexecParams(db->conn,
					     "INSERT INTO log (username, domain, action, data) "
					     "VALUES ($1, '', $2, $3)", 3, NULL, logv, NULL, NULL, 0);
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
		PQclear(res);
		if (rc == 0) {
			res = PQexecParams(db->conn,
					   "INSERT INTO vmailadm_changeset (who, summary) VALUES ($1, $2)", 2,
					   NULL, (const char *const[]){ who, count }, NULL, NULL, 0);
			rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
			PQclear(res);
		}
		if (rc < 0)
			diag_error(d, NULL, 0, _("the database refused the log row: %s"),
				   PQerrorMessage(db->conn));
	}
	if (rc == 0)
		rc = pgdb_exec(db, "COMMIT", d);
	else
		PQclear(PQexec(db->conn, "ROLLBACK"));
	pgrows_free(&r);
	return rc;
}
