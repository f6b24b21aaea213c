/* The schema vmailadm works on, written once: PostfixAdmin's tables (the
 * columns of its PostgreSQL layout that Postfix, Dovecot and vmailadm use,
 * after PostfixAdmin's public/upgrade.php) and vmailadm's own, from which
 * `db init` creates them and `db check` compares a database with them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"

/* vmailadm's own tables' layout; vmailadm_meta's "schema" row. */
#define VMAILADM_SCHEMA "1"

/* A column: its name, its type and constraints as created, and the family
 * of types an existing database may hold there (PostfixAdmin versions and
 * hand-made schemas differ: integer or bigint, varchar or text). */
enum family { F_TEXT, F_INT, F_BOOL, F_TIME, F_JSON };
struct column {
	const char *name;
	const char *ddl;
	enum family family;
};
struct table {
	const char *name;
	const struct column *cols;
	size_t ncols;
	const char *constraints;   /* after the columns, or NULL */
	bool own;                  /* vmailadm's, not PostfixAdmin's */
};

#define STAMPS \
	{ "created", "timestamp with time zone NOT NULL DEFAULT now()", F_TIME }, \
	{ "modified", "timestamp with time zone NOT NULL DEFAULT now()", F_TIME }, \
	{ "active", "boolean NOT NULL DEFAULT true", F_BOOL }

static const struct column domain_cols[] = {
	{ "domain", "varchar(255) NOT NULL", F_TEXT },
	{ "description", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "aliases", "integer NOT NULL DEFAULT 0", F_INT },
	{ "mailboxes", "integer NOT NULL DEFAULT 0", F_INT },
	{ "maxquota", "bigint NOT NULL DEFAULT 0", F_INT },
	{ "quota", "bigint NOT NULL DEFAULT 0", F_INT },
	{ "transport", "varchar(255) DEFAULT NULL", F_TEXT },
	{ "backupmx", "boolean NOT NULL DEFAULT false", F_BOOL },
	STAMPS,
};
static const struct column mailbox_cols[] = {
	{ "username", "varchar(255) NOT NULL", F_TEXT },
	{ "password", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "name", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "maildir", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "quota", "bigint NOT NULL DEFAULT 0", F_INT },
	{ "local_part", "varchar(255) NOT NULL", F_TEXT },
	{ "domain", "varchar(255) NOT NULL", F_TEXT },
	{ "smtp_active", "boolean NOT NULL DEFAULT true", F_BOOL },
	STAMPS,
};
static const struct column alias_cols[] = {
	{ "address", "varchar(255) NOT NULL", F_TEXT },
	{ "goto", "text NOT NULL", F_TEXT },
	{ "domain", "varchar(255) NOT NULL", F_TEXT },
	STAMPS,
};
static const struct column alias_domain_cols[] = {
	{ "alias_domain", "varchar(255) NOT NULL", F_TEXT },
	{ "target_domain", "varchar(255) NOT NULL", F_TEXT },
	STAMPS,
};
static const struct column log_cols[] = {
	{ "id", "serial", F_INT },
	{ "timestamp", "timestamp with time zone NOT NULL DEFAULT now()", F_TIME },
	{ "username", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "domain", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "action", "varchar(255) NOT NULL DEFAULT ''", F_TEXT },
	{ "data", "text NOT NULL DEFAULT ''", F_TEXT },
};
static const struct column config_cols[] = {
	{ "id", "serial", F_INT },
	{ "name", "varchar(20) NOT NULL UNIQUE", F_TEXT },
	{ "value", "varchar(20) NOT NULL", F_TEXT },
};
static const struct column meta_cols[] = {
	{ "name", "text NOT NULL", F_TEXT },
	{ "value", "text NOT NULL", F_TEXT },
};
/* A committed change set: what was staged, by whom; its rows' before and
 * after images are what a rollback compensates with. */
static const struct column changeset_cols[] = {
	{ "id", "bigserial", F_INT },
	{ "at", "timestamp with time zone NOT NULL DEFAULT now()", F_TIME },
	{ "who", "text NOT NULL DEFAULT ''", F_TEXT },
	{ "summary", "text NOT NULL DEFAULT ''", F_TEXT },
	{ "ops", "text NOT NULL DEFAULT ''", F_TEXT },
	{ "rollback_of", "bigint DEFAULT NULL", F_INT },
};
static const struct column change_cols[] = {
	{ "changeset", "bigint NOT NULL REFERENCES vmailadm_changeset(id) ON DELETE CASCADE", F_INT },
	{ "seq", "integer NOT NULL", F_INT },
	{ "tbl", "text NOT NULL", F_TEXT },
	{ "key", "text NOT NULL", F_TEXT },
	{ "before", "jsonb DEFAULT NULL", F_JSON },
	{ "after", "jsonb DEFAULT NULL", F_JSON },
};

#define COLS(a) a, sizeof a / sizeof *a
static const struct table tables[] = {
	{ "domain", COLS(domain_cols), "PRIMARY KEY (domain)", false },
	{ "mailbox", COLS(mailbox_cols),
	  "PRIMARY KEY (username), FOREIGN KEY (domain) REFERENCES domain(domain)", false },
	{ "alias", COLS(alias_cols),
	  "PRIMARY KEY (address), FOREIGN KEY (domain) REFERENCES domain(domain)", false },
	{ "alias_domain", COLS(alias_domain_cols),
	  "PRIMARY KEY (alias_domain), FOREIGN KEY (alias_domain) REFERENCES domain(domain), "
	  "FOREIGN KEY (target_domain) REFERENCES domain(domain)", false },
	{ "log", COLS(log_cols), "PRIMARY KEY (id)", false },
	{ "config", COLS(config_cols), "PRIMARY KEY (id)", false },
	{ "vmailadm_meta", COLS(meta_cols), "PRIMARY KEY (name)", true },
	{ "vmailadm_changeset", COLS(changeset_cols), "PRIMARY KEY (id)", true },
	{ "vmailadm_change", COLS(change_cols), "PRIMARY KEY (changeset, seq)", true },
};
#define NTABLES (sizeof tables / sizeof *tables)

/* The family of an information_schema.columns data_type. */
static bool in_family(const char *type, enum family f)
{
	switch (f) {
	case F_TEXT:
		return !strcmp(type, "character varying") || !strcmp(type, "text") ||
		       !strcmp(type, "character");
	case F_INT:
		return !strcmp(type, "integer") || !strcmp(type, "bigint") ||
		       !strcmp(type, "smallint");
	case F_BOOL:
		return !strcmp(type, "boolean");
	case F_TIME:
		return !strncmp(type, "timestamp", 9);
	case F_JSON:
		return !strcmp(type, "jsonb") || !strcmp(type, "json");
	}
	return false;
}

static const char *family_name(enum family f)
{
	static const char *const names[] = { "text (varchar, text)", "an integer (integer, bigint)",
					     "boolean", "a timestamp", "jsonb" };
	return names[f];
}

/* CREATE TABLE for every table (or only vmailadm's own) in one
 * transaction: all of them are made or none. */
static int create_tables(struct pgdb *db, bool own_only, struct diags *d)
{
	struct strbuf sql = STRBUF_INIT;
	sb_adds(&sql, "BEGIN;\n");
	for (size_t t = 0; t < NTABLES; t++) {
		if (own_only && !tables[t].own)
			continue;
		sb_addf(&sql, "CREATE TABLE %s (\n", tables[t].name);
		for (size_t c = 0; c < tables[t].ncols; c++)
			sb_addf(&sql, "  \"%s\" %s,\n", tables[t].cols[c].name, tables[t].cols[c].ddl);
		sb_addf(&sql, "  %s\n);\n", tables[t].constraints);
	}
	/* The indexes of the lookups Postfix and Dovecot make per message. */
	if (!own_only)
		sb_adds(&sql, "CREATE INDEX mailbox_domain_idx ON mailbox(domain);\n"
			      "CREATE INDEX alias_domain_idx ON alias(domain);\n"
			      "CREATE INDEX alias_domain_target_idx ON alias_domain(target_domain);\n");
	sb_addf(&sql, "INSERT INTO vmailadm_meta (name, value) VALUES ('schema', '%s');\n",
		VMAILADM_SCHEMA);
	sb_adds(&sql, "COMMIT;\n");
	int rc = pgdb_exec(db, sql.buf, d);
	sb_free(&sql);
	return rc;
}

static int check_tables(struct pgdb *db, bool postfixadmin_only, struct strbuf *out,
			struct diags *d);

int pgdb_init(struct pgdb *db, bool *adopted, struct diags *d)
{
	*adopted = false;
	PGresult *r = pgdb_query(db, "SELECT string_agg(table_name, ', ' ORDER BY table_name), "
				 "count(*), count(*) FILTER (WHERE table_name LIKE 'vmailadm\\_%') "
				 "FROM information_schema.tables "
				 "WHERE table_schema = current_schema()", d);
	if (!r)
		return -1;
	long n = atol(PQgetvalue(r, 0, 1)), own = atol(PQgetvalue(r, 0, 2));
	if (n == 0) {
		PQclear(r);
		return create_tables(db, false, d);
	}
	/* A PostfixAdmin database: vmailadm's tables are added beside its
	 * own, which must hold every column vmailadm uses. */
	struct strbuf why = STRBUF_INIT;
	int diffs = own ? -1 : check_tables(db, true, &why, d);
	if (diffs == 0) {
		PQclear(r);
		sb_free(&why);
		*adopted = true;
		return create_tables(db, true, d);
	}
	if (diffs > 0)
		diag_error(d, NULL, 0, _("the database holds tables that are not PostfixAdmin's "
					 "layout (%s): db check names the differences"),
			   PQgetvalue(r, 0, 0));
	else if (own)
		diag_error(d, NULL, 0,
			   ngettext("the database already holds %ld table (%s): db init only creates "
				    "the schema in an empty or PostfixAdmin database; db check verifies "
				    "an existing one",
				    "the database already holds %ld tables (%s): db init only creates "
				    "the schema in an empty or PostfixAdmin database; db check verifies "
				    "an existing one",
				    n), n, PQgetvalue(r, 0, 0));
	PQclear(r);
	sb_free(&why);
	return -1;
}

/* The columns the database has, "table.column type" one a row. */
static PGresult *existing_columns(struct pgdb *db, struct diags *d)
{
	return pgdb_query(db, "SELECT table_name, column_name, data_type "
			  "FROM information_schema.columns WHERE table_schema = current_schema()",
			  d);
}

static const char *column_type(PGresult *r, const char *table, const char *column, bool *table_seen)
{
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, 0), table) != 0)
			continue;
		*table_seen = true;
		if (strcmp(PQgetvalue(r, i, 1), column) == 0)
			return PQgetvalue(r, i, 2);
	}
	return NULL;
}

/* value of name in table (config, vmailadm_meta), or NULL. */
static char *setting_of(struct pgdb *db, const char *table, const char *name)
{
	struct strbuf q = STRBUF_INIT;
	sb_addf(&q, "SELECT value FROM %s WHERE name = $1", table);
	char *v = pgdb_value(db, q.buf, name);
	sb_free(&q);
	return v;
}

/* The differences of every table (of PostfixAdmin's only), one a line. */
static int check_tables(struct pgdb *db, bool postfixadmin_only, struct strbuf *out,
			struct diags *d)
{
	PGresult *r = existing_columns(db, d);
	if (!r)
		return -1;
	int diffs = 0;
	for (size_t t = 0; t < NTABLES; t++) {
		const struct table *T = &tables[t];
		if (postfixadmin_only && T->own)
			continue;
		bool seen = false;
		for (size_t c = 0; c < T->ncols; c++) {
			const char *type = column_type(r, T->name, T->cols[c].name, &seen);
			if (!seen)
				break;
			if (!type) {
				sb_addf(out, _("%s.%s: missing\n"), T->name, T->cols[c].name);
				diffs++;
			} else if (!in_family(type, T->cols[c].family)) {
				sb_addf(out, _("%s.%s: of type %s, where vmailadm needs %s\n"), T->name,
					T->cols[c].name, type, family_name(T->cols[c].family));
				diffs++;
			}
		}
		if (!seen) {
			sb_addf(out, T->own ? _("%s: missing (vmailadm's own table: db init adds "
						"it)\n")
					    : _("%s: missing\n"), T->name);
			diffs++;
		}
	}
	PQclear(r);
	return diffs;
}

int pgdb_check(struct pgdb *db, struct strbuf *out, struct diags *d)
{
	int diffs = check_tables(db, false, out, d);
	if (diffs < 0)
		return -1;
	bool have_config = pgdb_has_table(db, "config");
	bool have_meta = pgdb_has_table(db, "vmailadm_meta");
	char *pfa = have_config ? setting_of(db, "config", "version") : NULL;
	char *own = have_meta ? setting_of(db, "vmailadm_meta", "schema") : NULL;
	if (pfa)
		sb_addf(out, _("PostfixAdmin schema version (config): %s\n"), pfa);
	else
		sb_adds(out, _("PostfixAdmin schema version (config): none (not made by PostfixAdmin)\n"));
	if (own && strcmp(own, VMAILADM_SCHEMA) != 0) {
		sb_addf(out, _("vmailadm schema version: %s, where this vmailadm knows %s\n"), own,
			VMAILADM_SCHEMA);
		diffs++;
	} else if (own) {
		sb_addf(out, _("vmailadm schema version: %s\n"), own);
	}
	free(pfa);
	free(own);
	return diffs;
}
