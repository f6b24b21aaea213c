/* backend: pgsql — a staged edit committed to the database: the row diff
 * between the world as read (the snapshot) and the world as staged, in
 * one SERIALIZABLE transaction that first re-reads every row it changes
 * and refuses, writing nothing, when one is no longer what the preview
 * showed ("changed since the preview"); a serialization failure (another
 * vmailadm, or PostfixAdmin, committing at the same time) is retried a
 * few times from the start. The transaction also writes PostfixAdmin's
 * log row and vmailadm's change set, every row's before and after image
 * (to_jsonb of the whole row), which a rollback compensates from. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgdb_int.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define COMMIT_TRIES 5

struct pgdiff {
	struct pgrows before, after;
	struct pgchanges changes;
};

struct pgdiff *pgdb_diff(const struct world *before, const struct world *after)
{
	struct pgdiff *df = xcalloc(1, sizeof *df);
	/* What the schema cannot hold was said when the rows were first
	 * shown (db import) or is lint's; the diff is what will be written. */
	struct diags quiet = DIAGS_INIT;
	pgrows_from_world(before, &df->before, &quiet);
	pgrows_from_world(after, &df->after, &quiet);
	diags_free(&quiet);
	pgrows_diff(&df->before, &df->after, &df->changes);
	return df;
}

void pgdb_diff_free(struct pgdiff **dp)
{
	if (!*dp)
		return;
	pgchanges_free(&(*dp)->changes);
	pgrows_free(&(*dp)->before);
	pgrows_free(&(*dp)->after);
	free(*dp);
	*dp = NULL;
}

size_t pgdb_diff_count(const struct pgdiff *df)
{
	return df ? df->changes.n : 0;
}

void pgdb_diff_print(const struct pgdiff *df, struct strbuf *out)
{
	if (df)
		pgchanges_print(&df->changes, out);
}

void pgdb_diff_users(const struct pgdiff *df, struct strbuf *out)
{
	for (size_t i = 0; df && i < df->changes.n; i++) {
		const struct pgchange *c = &df->changes.v[i];
		const struct pgrow *x = c->after ? c->after : c->before;
		const char *lp = pgrow_value(x, "local_part");
		if (!strcmp(x->table, "mailbox") && lp && *lp)
			sb_addf(out, "%s\n", x->vals[0]);
	}
}

/* The outcome of one attempt. */
enum attempt { A_OK, A_FAILED, A_RETRY, A_CHANGED };

static enum attempt result_error(struct pgdb *db, PGresult *r, const char *what, const char *key,
				 struct diags *d)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	/* 40001 serialization_failure, 40P01 deadlock_detected: the other
	 * transaction won; ours left nothing and may run again. */
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
		PQclear(r);
		PQclear(PQexec(db->conn, "ROLLBACK"));
		return A_RETRY;
	}
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	diag_error(d, NULL, 0, _("%s %s: the database refused it: %s (nothing was changed)"), what,
		   key, msg ? msg : PQerrorMessage(db->conn));
	PQclear(r);
	PQclear(PQexec(db->conn, "ROLLBACK"));
	return A_FAILED;
}

/* The row as the database has it now (locked until the end): its image,
 * and whether the columns vmailadm knows still hold before's values. */
static enum attempt reread(struct pgdb *db, const struct pgchange *c, char **image, struct diags *d)
{
	const struct pgrow *x = c->before ? c->before : c->after;
	struct strbuf q = STRBUF_INIT;
	sb_addf(&q, "SELECT to_jsonb(t)::text, t.active");
	for (size_t k = 0; k < x->ncols; k++)
		sb_addf(&q, ", t.\"%s\"::text", x->cols[k]);
	sb_addf(&q, " FROM %s t WHERE t.\"%s\" = $1 FOR UPDATE", x->table, x->cols[0]);
	const char *key = x->vals[0];
	PGresult *r = PQexecParams(db->conn, q.buf, 1, NULL, &key, NULL, NULL, 0);
	sb_free(&q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return result_error(db, r, x->table, key, d);
	enum attempt a = A_OK;
	if (!c->before) {
		if (PQntuples(r) > 0) {
			if (strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
				diag_error(d, NULL, 0, _("%s %s: the database holds it inactive (disabled "
							 "elsewhere): nothing was changed"), x->table, key);
				a = A_FAILED;
			} else {
				a = A_CHANGED;
			}
		}
	} else if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
		a = A_CHANGED;
	} else {
		for (size_t k = 0; k < x->ncols && a == A_OK; k++)
			if (strcmp(PQgetvalue(r, 0, (int)k + 2), x->vals[k]) != 0)
				a = A_CHANGED;
		*image = xstrdup(PQgetvalue(r, 0, 0));
	}
	if (a == A_CHANGED)
		diag_error(d, NULL, 0, _("%s %s: changed since the preview (nothing was changed)"),
			   x->table, key);
	PQclear(r);
	if (a != A_OK)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	return a;
}

/* The change itself; *image gets the row after it (NULL after a delete). */
static enum attempt write_change(struct pgdb *db, const struct pgchange *c, char **image,
				 struct diags *d)
{
	const struct pgrow *b = c->before, *a = c->after, *x = a ? a : b;
	struct strbuf q = STRBUF_INIT;
	const char *params[PGROW_MAX_COLS + 1];
	int n = 0;
	if (!a) {
		sb_addf(&q, "DELETE FROM %s WHERE \"%s\" = $1", x->table, x->cols[0]);
		params[n++] = x->vals[0];
	} else if (!b) {
		struct strbuf v = STRBUF_INIT;
		sb_addf(&q, "INSERT INTO %s (", x->table);
		for (size_t k = 0; k < x->ncols; k++) {
			sb_addf(&q, "%s\"%s\"", k ? ", " : "", x->cols[k]);
			sb_addf(&v, "%s$%zu", k ? ", " : "", k + 1);
			params[n++] = x->vals[k];
		}
		sb_addf(&q, ") VALUES (%s) RETURNING to_jsonb(%s)::text", v.buf, x->table);
		sb_free(&v);
	} else {
		sb_addf(&q, "UPDATE %s SET modified = now()", x->table);
		params[n++] = x->vals[0];
		for (size_t k = 1; k < x->ncols; k++) {
			const char *was = pgrow_value(b, x->cols[k]);
			if (was && !strcmp(was, x->vals[k]))
				continue;
			params[n] = x->vals[k];
			sb_addf(&q, ", \"%s\" = $%d", x->cols[k], ++n);
		}
		sb_addf(&q, " WHERE \"%s\" = $1 RETURNING to_jsonb(%s)::text", x->cols[0], x->table);
	}
	PGresult *r = PQexecParams(db->conn, q.buf, n, NULL, params, NULL, NULL, 0);
	sb_free(&q);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		return result_error(db, r, x->table, x->vals[0], d);
	*image = a && PQntuples(r) > 0 ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return A_OK;
}

static enum attempt exec_params(struct pgdb *db, const char *sql, int n, const char *const *p,
				char **first, struct diags *d)
{
	PGresult *r = PQexecParams(db->conn, sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		return result_error(db, r, "log", "", d);
	if (first)
		*first = PQntuples(r) > 0 ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return A_OK;
}

/* The last line of a change set's ops names the commit that wrote it. */
#define CHANGESET_COMMIT "commit "

int pgdb_changeset_of(const struct config *cfg, const char *commit_id, char **changeset,
		      struct diags *d)
{
	*changeset = NULL;
	struct pgdb *db = pgdb_connect(cfg->pgsql_conninfo, d);
	if (!db)
		return -1;
	char *tail = xasprintf(CHANGESET_COMMIT "%s\n", commit_id);
	const char *p[1] = { tail };
	PGresult *r = PQexecParams(db->conn, "SELECT id::text FROM vmailadm_changeset "
				   "WHERE right(ops, length($1)) = $1", 1, NULL, p, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		diag_error(d, NULL, 0, _("the database refused a query: %s"),
			   PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
		rc = -1;
	} else if (PQntuples(r) > 0) {
		*changeset = xstrdup(PQgetvalue(r, 0, 0));
		rc = 1;
	}
	PQclear(r);
	free(tail);
	pgdb_close(&db);
	return rc;
}

/* PostfixAdmin's log row and vmailadm's change set with every image. */
static enum attempt write_changeset(struct pgdb *db, const struct pgdiff *df,
				    const struct pgdb_txn *t, char **before, char **after,
				    char **csid, struct diags *d)
{
	char count[32];
	snprintf(count, sizeof count, "%zu", df->changes.n);
	char *ops = t->commit_id ? xasprintf("%s" CHANGESET_COMMIT "%s\n", t->ops ? t->ops : "", t->commit_id)
				 : NULL;
	const char *cs[4] = { t->who, t->summary, ops ? ops : t->ops, t->rollback_of };
	enum attempt a = exec_params(db, "INSERT INTO vmailadm_changeset (who, summary, ops, rollback_of) "
				     "VALUES ($1, $2, $3, $4::bigint) RETURNING id::text", 4, cs, csid, d);
	free(ops);
	for (size_t i = 0; i < df->changes.n && a == A_OK; i++) {
		const struct pgchange *c = &df->changes.v[i];
		const struct pgrow *x = c->after ? c->after : c->before;
		char seq[32];
		snprintf(seq, sizeof seq, "%zu", i);
		const char *p[6] = { *csid, seq, x->table, x->vals[0], before[i], after[i] };
		a = exec_params(db, "INSERT INTO vmailadm_change (changeset, seq, tbl, key, before, after) "
				"VALUES ($1::bigint, $2::integer, $3, $4, $5::jsonb, $6::jsonb)", 6, p, NULL, d);
	}
	if (a == A_OK) {
		char *data = xasprintf("changeset %s: %s", *csid, t->summary);
		const char *p[3] = { t->who, t->domain ? t->domain : "", data };
		a = exec_params(db, "INSERT INTO log (username, domain, action, data) "
				"VALUES ($1, $2, 'vmailadm commit', $3)", 3, p, NULL, d);
		free(data);
	}
	return a;
}

static enum attempt attempt_once(struct pgdb *db, const struct pgdiff *df, const struct pgdb_txn *t,
				 char **csid, struct diags *d)
{
	size_t n = df->changes.n;
	char **before = xcalloc(n + 1, sizeof *before), **after = xcalloc(n + 1, sizeof *after);
	PGresult *r = PQexec(db->conn, "BEGIN ISOLATION LEVEL SERIALIZABLE");
	enum attempt a = PQresultStatus(r) == PGRES_COMMAND_OK ? A_OK : A_FAILED;
	if (a == A_FAILED)
		diag_error(d, NULL, 0, _("the database refused a change: %s"), PQerrorMessage(db->conn));
	PQclear(r);
	/* Every row re-read (and locked) before the first write. */
	for (size_t i = 0; i < n && a == A_OK; i++)
		a = reread(db, &df->changes.v[i], &before[i], d);
	for (size_t i = 0; i < n && a == A_OK; i++) {
		a = write_change(db, &df->changes.v[i], &after[i], d);
		if (a == A_OK && t->step("db-row", d) < 0) {
			PQclear(PQexec(db->conn, "ROLLBACK"));
			a = A_FAILED;
		}
	}
	if (a == A_OK)
		a = write_changeset(db, df, t, before, after, csid, d);
	if (a == A_OK && t->step("db-commit", d) < 0) {
		PQclear(PQexec(db->conn, "ROLLBACK"));
		a = A_FAILED;
	}
	if (a == A_OK) {
		r = PQexec(db->conn, "COMMIT");
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			a = result_error(db, r, "COMMIT", "", d);   /* a failed COMMIT rolled back */
		else
			PQclear(r);
	}
	for (size_t i = 0; i < n; i++) {
		free(before[i]);
		free(after[i]);
	}
	free(before);
	free(after);
	if (a != A_OK) {
		free(*csid);
		*csid = NULL;
	}
	return a;
}

int pgdb_diff_commit(const struct config *cfg, const struct pgdiff *df, const struct pgdb_txn *t,
		     char **changeset, struct diags *d)
{
	*changeset = NULL;
	/* The snapshot's own connection when there is one (a rollback from
	 * the command line has none). */
	struct pgdb *kept = NULL, *db;
	if (pgdb_snapshot_dir())
		db = kept = pgdb_snapshot_conn(cfg, d);
	else
		db = pgdb_connect(cfg->pgsql_conninfo, d);
	if (!db)
		return -1;
	enum attempt a = A_RETRY;
	for (int i = 0; i < COMMIT_TRIES && a == A_RETRY; i++) {
		if (i) {   /* apart from the other writer, a little longer each time */
			struct timespec ts = { 0, (long)(20 + rand() % 40) * 1000000L * i };
			nanosleep(&ts, NULL);
		}
		a = attempt_once(db, df, t, changeset, d);
	}
	if (a == A_RETRY)
		diag_error(d, NULL, 0, _("the database kept refusing the transaction as conflicting "
					 "with others (%d tries): nothing was changed; try again"),
			   COMMIT_TRIES);
	/* Committed or not, the snapshot is read again before it is next
	 * used: the next preview is made on what the database holds now. */
	pgdb_snapshot_invalidate();
	/* A kept connection goes back with no transaction open, whatever
	 * stopped the attempt (the next snapshot read begins its own). */
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	if (db != kept)
		pgdb_close(&db);
	return a == A_OK ? 0 : a == A_CHANGED ? 1 : -1;
}

/* ---- rollback: a change set compensated from its images ---------------- */

/* The columns vmailadm writes, per table (rowset.c builds the same). */
static const char *const *image_columns(const char *table, size_t *n)
{
	static const char *const domain[] = { "domain" };
	static const char *const mailbox[] = { "username", "password", "maildir", "quota",
					       "local_part", "domain" };
	static const char *const alias[] = { "address", "goto", "domain" };
	static const char *const alias_domain[] = { "alias_domain", "target_domain" };
	if (!strcmp(table, "alias_domain")) {
		*n = 2;
		return alias_domain;
	}
	if (!strcmp(table, "domain")) {
		*n = 1;
		return domain;
	}
	if (!strcmp(table, "mailbox")) {
		*n = 6;
		return mailbox;
	}
	if (!strcmp(table, "alias")) {
		*n = 3;
		return alias;
	}
	*n = 0;
	return NULL;
}

/* A row from a stored image (to_jsonb of the whole row). */
static bool image_row(struct pgrows *r, const char *table, const char *image)
{
	size_t n;
	const char *const *cols = image_columns(table, &n);
	json_error_t err;
	json_t *j = cols ? json_loads(image, 0, &err) : NULL;
	if (!j)
		return false;
	xgrow(&r->v, &r->cap, r->n + 1, sizeof *r->v);
	struct pgrow *x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	x->table = !strcmp(table, "domain") ? "domain" : !strcmp(table, "mailbox") ? "mailbox"
		 : !strcmp(table, "alias_domain") ? "alias_domain" : "alias";
	for (size_t k = 0; k < n; k++) {
		json_t *v = json_object_get(j, cols[k]);
		x->cols[k] = cols[k];
		x->vals[k] = json_is_string(v) ? xstrdup(json_string_value(v))
			   : json_is_integer(v) ? xasprintf("%lld", (long long)json_integer_value(v))
			   : xstrdup("");
		x->secret[k] = !strcmp(cols[k], "password");
	}
	x->ncols = n;
	json_decref(j);
	return true;
}

struct pgdiff *pgdb_rollback_diff(const struct config *cfg, const char *changeset, struct diags *d)
{
	struct pgdb *db = pgdb_connect(cfg->pgsql_conninfo, d);
	if (!db)
		return NULL;
	const char *p[1] = { changeset };
	PGresult *r = PQexecParams(db->conn,
				   "SELECT tbl, before::text, after::text FROM vmailadm_change "
				   "WHERE changeset = $1::bigint ORDER BY seq", 1, NULL, p, NULL, NULL, 0);
	struct pgdiff *df = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		diag_error(d, NULL, 0, _("the database refused a query: %s"),
			   PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
	} else {
		/* none: a commit of files only (the aliases file), whose
		 * rollback puts back files only */
		df = xcalloc(1, sizeof *df);
		bool ok = true;
		/* What the database should hold now (the after images) and what
		 * it held before (the before images): their diff compensates. */
		for (int i = 0; i < PQntuples(r) && ok; i++) {
			const char *t = PQgetvalue(r, i, 0);
			if (!PQgetisnull(r, i, 2))
				ok = image_row(&df->before, t, PQgetvalue(r, i, 2));
			if (ok && !PQgetisnull(r, i, 1))
				ok = image_row(&df->after, t, PQgetvalue(r, i, 1));
		}
		if (!ok) {
			diag_error(d, NULL, 0, _("change set %s: an image cannot be read back"), changeset);
			pgdb_diff_free(&df);
		} else {
			pgrows_diff(&df->before, &df->after, &df->changes);
		}
	}
	PQclear(r);
	pgdb_close(&db);
	return df;
}
