/* db import: a flat-file server's accounts as rows of the shared database,
 * shown first (one line a row, never a password hash), then inserted in
 * one SERIALIZABLE transaction with a log row and a change set: all or
 * nothing. What the schema cannot hold (a passwd-file field other than the
 * quota rule, a line's own uid or gid, an unhosted domain's entry) is named, not silently dropped;
 * so is a table that cannot be rows (a regexp: or pcre: table: it stays a
 * file, keptmaps.c). */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* A value in COPY's text format (pgcopy.c reads it back): a backslash,
 * a tab, a newline and a carriage return escaped, NULL as \N. */
static void copy_escape(struct strbuf *line, const char *v)
{
	if (!v) {
		sb_adds(line, "\\N");
		return;
	}
	for (const char *p = v; *p; p++) {
		switch (*p) {
		case '\\': sb_adds(line, "\\\\"); break;
		case '\t': sb_adds(line, "\\t"); break;
		case '\n': sb_adds(line, "\\n"); break;
		case '\r': sb_adds(line, "\\r"); break;
		default: sb_addc(line, *p);
		}
	}
}

/* The row a COPY error names: its CONTEXT reads "COPY mailbox, line 7..."
 * (1 for the run's first row); NULL when it names none. */
static const struct pgrow *copy_failed_row(const PGresult *res, const struct pgrow *run, size_t n)
{
	const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *at = ctx ? strstr(ctx, ", line ") : NULL;
	long line = at ? atol(at + 7) : 0;
	return line >= 1 && (size_t)line <= n ? &run[line - 1] : NULL;
}

/* Rows v[0..n) of one table and one column list sent with one COPY FROM
 * STDIN: a round trip per table rather than per row (200,000 INSERTs took
 * most of a 100,000-mailbox import). A refusal names the row as an INSERT
 * would, from the line COPY reports. */
static int copy_rows(struct pgdb *db, const struct pgrow *v, size_t n, struct diags *d)
{
	struct strbuf q = STRBUF_INIT, buf = STRBUF_INIT;
	sb_addf(&q, "COPY %s (", v->table);
	for (size_t c = 0; c < v->ncols; c++)
		sb_addf(&q, "%s\"%s\"", c ? ", " : "", v->cols[c]);
	sb_adds(&q, ") FROM STDIN");
	PGresult *res = PQexec(db->conn, q.buf);
	if (PQresultStatus(res) == PGRES_COPY_IN) {
		PQclear(res);
		bool sent = true;
		for (size_t i = 0; i < n && sent; i++) {
			for (size_t c = 0; c < v[i].ncols; c++) {
				if (c)
					sb_addc(&buf, '\t');
				copy_escape(&buf, v[i].vals[c]);
			}
			sb_addc(&buf, '\n');
			if (buf.len >= 65536 || i + 1 == n) {
				sent = PQputCopyData(db->conn, buf.buf, (int)buf.len) == 1;
				sb_truncate(&buf, 0);
			}
		}
		PQputCopyEnd(db->conn, sent ? NULL : "the rows could not be sent");
		res = PQgetResult(db->conn);
	}
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc < 0) {
		const struct pgrow *bad = copy_failed_row(res, v, n);
		const char *why = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		diag_error(d, NULL, 0, _("%s %s: the database refused it: %s"), v->table,
			   bad ? bad->vals[0] : "", why ? why : PQerrorMessage(db->conn));
	}
	PQclear(res);
	while ((res = PQgetResult(db->conn)))
		PQclear(res);
	sb_free(&q);
	sb_free(&buf);
	return rc;
}

/* Two rows COPY can send together: one table, the same columns. */
static bool same_shape(const struct pgrow *a, const struct pgrow *b)
{
	if (strcmp(a->table, b->table) || a->ncols != b->ncols)
		return false;
	for (size_t c = 0; c < a->ncols; c++)
		if (strcmp(a->cols[c], b->cols[c]))
			return false;
	return true;
}

/* The rows in order, one COPY for each run of one table with one column
 * list (the order keeps the domains before what refers to them). */
static int insert_rows(struct pgdb *db, const struct pgrows *r, struct diags *d)
{
	int rc = 0;
	for (size_t i = 0, j; i < r->n && rc == 0; i = j) {
		for (j = i + 1; j < r->n && same_shape(&r->v[j], &r->v[i]); j++)
			;
		rc = copy_rows(db, &r->v[i], j - i, d);
	}
	return rc;
}

/* A passwd-file uid or gid field as a number: digits, or a user or group
 * name as Dovecot takes it; -1 when it names nobody. */
static long import_id(const char *field, bool group)
{
	char *end;
	long n = strtol(field, &end, 10);
	if (end != field && !*end && n >= 0)
		return n;
	if (group) {
		const struct group *g = getgrnam(field);
		return g ? (long)g->gr_gid : -1;
	}
	const struct passwd *pw = getpwnam(field);
	return pw ? (long)pw->pw_uid : -1;
}

/* A passwd-file line's uid and gid: the schema has no column for them;
 * Dovecot's user_query (db dovecot-config) gives every user vmail_uid and
 * vmail_gid, and db export writes those. A line whose own differ is
 * named (file and line), not replaced silently; an empty field (Dovecot's
 * default then) is not. */
static void import_ids_warn(const struct world *w, long uid, long gid, struct diags *d)
{
	size_t n;
	const struct mailbox *b = world_mailboxes(w, &n);
	const char *file = doc_name(pwfile_doc(world_pwfile(w)));
	for (size_t i = 0; i < n; i++, b++) {
		const struct pwfile_entry *pw = b->pw;
		const struct domain *dom = world_domain_find(w, b->domain);
		if (!pw || !dom || !(dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS)))
			continue;   /* no row (rowset.c says why) */
		const char *names[] = { "uid", "gid" };
		const char *settings[] = { "vmail_uid", "vmail_gid" };
		char *vals[] = { pwfile_field_dup(pw, PWFILE_UID), pwfile_field_dup(pw, PWFILE_GID) };
		long want[] = { uid, gid };
		for (size_t k = 0; k < 2; k++)
			if (*vals[k] && import_id(vals[k], k == 1) != want[k])
				diag_warn(d, file, pw->line,
					  _("%s: passwd-file %s %s is not %s (%ld): the database has no "
					    "column for it, and Dovecot's user_query (db dovecot-config) "
					    "gives every user %ld"),
					  b->address, names[k], vals[k], settings[k], want[k], want[k]);
		free(vals[0]);
		free(vals[1]);
	}
}

int pgdb_import(struct pgdb *db, const struct world *w, long uid, long gid, bool dry_run,
		const char *who, struct strbuf *plan, size_t *nrows, struct diags *d)
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
	import_ids_warn(w, uid, gid, d);
	pgdb_keptmaps_report(world_maincf(w), world_maincf_path(w), d);
	pgrows_print(&r, plan);
	*nrows = r.n;
	if (dry_run) {
		pgrows_free(&r);
		return 0;
	}
	int rc = pgdb_exec(db, "BEGIN ISOLATION LEVEL SERIALIZABLE", d);
	if (rc == 0)
		rc = insert_rows(db, &r, d);
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
