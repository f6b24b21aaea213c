/* db import: a flat-file server's accounts as rows of the shared database,
 * shown first (one line a row, never a password hash), then inserted in
 * one SERIALIZABLE transaction with a log row and a change set: all or
 * nothing. What the schema cannot hold (an mbox mailbox, a passwd-file
 * field other than the quota) is named, not silently dropped. */
#include "config.h"

#include <libpq-fe.h>
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

/* One row to insert: its table and up to 6 column values. */
#define ROW_MAX_COLS 6
struct row {
	const char *table;
	const char *cols[ROW_MAX_COLS];
	char *vals[ROW_MAX_COLS];
	size_t ncols;
	bool secret[ROW_MAX_COLS];   /* shown as "set", never printed */
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static struct row *row_new(struct rows *r, const char *table)
{
	xgrow(&r->v, &r->cap, r->n + 1, sizeof *r->v);
	struct row *x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	x->table = table;
	return x;
}

static void row_set(struct row *x, const char *col, const char *val, bool secret)
{
	x->cols[x->ncols] = col;
	x->vals[x->ncols] = xstrdup(val);
	x->secret[x->ncols++] = secret;
}

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t c = 0; c < r->v[i].ncols; c++)
			free(r->v[i].vals[c]);
	free(r->v);
}

static bool hosted(const struct domain *dom)
{
	return dom && (dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS));
}

/* The passwd-file's extra fields other than the quota rule: the schema
 * has no column for them. */
static bool extra_beyond_quota(const struct pwfile_entry *pw)
{
	const char *e = pw->extra;
	while (*e) {
		size_t n = strcspn(e, " \t");
		if (n && strncmp(e, "userdb_quota_rule=", 18) != 0)
			return true;
		e += n;
		e += strspn(e, " \t");
	}
	return false;
}

static void mailbox_rows(const struct world *w, struct rows *r, struct diags *d)
{
	size_t n;
	const struct mailbox *b = world_mailboxes(w, &n);
	for (size_t i = 0; i < n; i++, b++) {
		if (!b->is_maildir) {
			diag_warn(d, b->file, b->line, _("%s: an mbox mailbox: not imported (the "
							 "schema holds maildirs)"), b->address);
			continue;
		}
		struct row *x = row_new(r, "mailbox");
		row_set(x, "username", b->address, false);
		row_set(x, "password", b->pw ? b->pw->password : "", true);
		row_set(x, "maildir", b->value, false);
		char q[32];
		snprintf(q, sizeof q, "%lld", b->quota_bytes > 0 ? b->quota_bytes : 0);
		row_set(x, "quota", q, false);
		row_set(x, "local_part", b->local, false);
		row_set(x, "domain", b->domain, false);
		if (b->pw && extra_beyond_quota(b->pw))
			diag_warn(d, NULL, 0, _("%s: passwd-file fields other than the quota "
							  "rule are not imported (%s)"),
				  b->address, b->pw->extra);
	}
}

/* An alias's targets as PostfixAdmin's goto: comma-joined. */
static void alias_rows(const struct world *w, struct rows *r, struct diags *d)
{
	size_t n;
	const struct alias *a = world_aliases(w, &n);
	for (size_t i = 0; i < n; i++, a++) {
		if (!*a->domain || !hosted(world_domain_find(w, a->domain))) {
			diag_warn(d, a->file, a->line, _("%s: not of a hosted domain: not imported"),
				  a->address);
			continue;
		}
		struct strbuf go = STRBUF_INIT;
		for (size_t t = 0; t < a->ntargets; t++) {
			if (t)
				sb_addc(&go, ',');
			sb_adds(&go, a->targets[t].text);
		}
		struct row *x = row_new(r, "alias");
		row_set(x, "address", a->address, false);
		row_set(x, "goto", sb_str(&go), false);
		row_set(x, "domain", a->domain, false);
		sb_free(&go);
	}
	/* A catch-all written in the mailbox map (the recommended form: real
	 * mailboxes win) stays one: a mailbox row whose username is @domain,
	 * which Postfix's mailbox query finds as it finds the file's line. */
	size_t nc;
	const struct catchall *c = world_catchalls(w, &nc);
	for (size_t i = 0; i < nc; i++, c++) {
		if (c->map != CATCHALL_IN_MAILBOX_MAP || !c->mailbox)
			continue;
		struct row *x = row_new(r, "mailbox");
		row_set(x, "username", c->mailbox->address, false);
		row_set(x, "password", "", true);
		row_set(x, "maildir", c->target, false);
		row_set(x, "quota", "0", false);
		row_set(x, "local_part", "", false);
		row_set(x, "domain", c->domain, false);
	}
}

static void build_rows(const struct world *w, struct rows *r, struct diags *d)
{
	size_t n;
	const struct domain *dom = world_domains(w, &n);
	for (size_t i = 0; i < n; i++)
		if (hosted(&dom[i]))
			row_set(row_new(r, "domain"), "domain", dom[i].name, false);
	mailbox_rows(w, r, d);
	alias_rows(w, r, d);
}

static void print_rows(const struct rows *r, struct strbuf *plan)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct row *x = &r->v[i];
		sb_addf(plan, "+ %s", x->table);
		for (size_t c = 0; c < x->ncols; c++) {
			if (x->secret[c])
				sb_addf(plan, " %s=%s", x->cols[c], *x->vals[c] ? "(set)" : "(none)");
			else
				sb_addf(plan, c ? " %s=%s" : " %s", c ? x->cols[c] : x->vals[c],
					x->vals[c]);
		}
		sb_addc(plan, '\n');
	}
}

static int insert_row(struct pgdb *db, const struct row *x, struct diags *d)
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
	struct rows r = { 0 };
	build_rows(w, &r, d);
	print_rows(&r, plan);
	*nrows = r.n;
	if (dry_run) {
		rows_free(&r);
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
	rows_free(&r);
	return rc;
}
