/* db export: the database's accounts written back as the flat files of a
 * single server (the course's layout: vmailbox, virtual_alias and
 * virtual_domains for Postfix, users for Dovecot's passwd-file), into a
 * directory of new files, never over existing ones. Only active rows: an
 * inactive one has no flat-file form. An alias domain (alias_domain row)
 * becomes the lines the files describe it with. Read in one REPEATABLE READ
 * snapshot, so the four files agree with each other. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgdb_int.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"

/* A quota in bytes as Dovecot's rule, in the largest exact unit
 * (1073741824 is *:storage=1G, as a hand-written file has it). */
static void quota_rule(struct strbuf *out, const char *bytes)
{
	long long b = atoll(bytes);
	if (b <= 0)
		return;
	static const char units[] = "TGMK";
	for (int i = 0; i < 4; i++) {
		long long u = 1LL << (10 * (4 - i));
		if (b % u == 0) {
			sb_addf(out, "userdb_quota_rule=*:storage=%lld%c", b / u, units[i]);
			return;
		}
	}
	sb_addf(out, "userdb_quota_rule=*:bytes=%lld", b);
}

/* PostfixAdmin's goto ("a,b") as a table value ("a, b"). */
static void goto_value(struct strbuf *out, const char *go)
{
	bool first = true;
	while (*go) {
		go += strspn(go, ", \t");
		size_t n = strcspn(go, ", \t");
		if (!n)
			break;
		if (!first)
			sb_adds(out, ", ");
		sb_add(out, go, n);
		first = false;
		go += n;
	}
}

struct export_file {
	const char *name;
	const char *query;
	unsigned mode;
};

/* An active alias domain B of A is written as the files have it
 * (aliasdom.h, src/stage/aliasdom_apply.c): not a mailbox domain, but the
 * alias map's "B OK" (virtual_alias_domains = $virtual_alias_maps), one
 * "user@B user@A" line per mailbox of A and per alias of A that is no
 * mailbox, and "@B @A" when A has a catch-all. */
#define ALIAS_DOMAINS "(SELECT alias_domain FROM alias_domain WHERE active)"
static const char alias_query[] =
	"SELECT a, g FROM ("
	" SELECT domain AS d, 1 AS k, address AS a, goto AS g FROM alias WHERE active"
	" UNION ALL SELECT ad.alias_domain, 0, ad.alias_domain, 'OK' FROM alias_domain ad"
	"  WHERE ad.active"
	" UNION ALL SELECT ad.alias_domain, 1, m.local_part || '@' || ad.alias_domain, m.username"
	"  FROM alias_domain ad JOIN mailbox m ON m.domain = ad.target_domain"
	"  WHERE ad.active AND m.active AND m.local_part <> ''"
	" UNION ALL SELECT ad.alias_domain, 1,"
	"  regexp_replace(al.address, '@[^@]*$', '') || '@' || ad.alias_domain, al.address"
	"  FROM alias_domain ad JOIN alias al ON al.domain = ad.target_domain"
	"  WHERE ad.active AND al.active AND al.address NOT LIKE '@%'"
	"  AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = al.address AND m.active)"
	" UNION ALL SELECT ad.alias_domain, 2, '@' || ad.alias_domain, '@' || ad.target_domain"
	"  FROM alias_domain ad WHERE ad.active"
	"  AND (EXISTS (SELECT 1 FROM alias c WHERE c.address = '@' || ad.target_domain AND c.active)"
	"   OR EXISTS (SELECT 1 FROM mailbox c WHERE c.username = '@' || ad.target_domain AND c.active))"
	") x ORDER BY d, k, a";

static const struct export_file files[] = {
	{ "virtual_domains",
	  "SELECT domain FROM domain WHERE active AND NOT backupmx"
	  " AND domain NOT IN " ALIAS_DOMAINS " ORDER BY domain", 0644 },
	{ "vmailbox",
	  "SELECT username, maildir FROM mailbox WHERE active ORDER BY domain, local_part", 0644 },
	{ "virtual_alias", alias_query, 0644 },
	/* The passwd-file holds the hashes: readable by its owner and group. */
	{ "users", "SELECT username, password, quota FROM mailbox "
		   "WHERE active AND local_part <> '' ORDER BY domain, local_part", 0640 },
};
#define NFILES (sizeof files / sizeof *files)
_Static_assert(NFILES == PGDB_FLAT_FILES, "pgdb_int.h counts the flat files");

static void format_row(size_t f, PGresult *r, int i, long uid, long gid, struct strbuf *out)
{
	switch (f) {
	case 0:
		sb_addf(out, "%-28s OK\n", PQgetvalue(r, i, 0));
		break;
	case 1:
		sb_addf(out, "%-28s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		break;
	case 2:
		sb_addf(out, "%-28s ", PQgetvalue(r, i, 0));
		goto_value(out, PQgetvalue(r, i, 1));
		sb_addc(out, '\n');
		break;
	default:
		sb_addf(out, "%s:%s:%ld:%ld::::", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), uid,
			gid);
		quota_rule(out, PQgetvalue(r, i, 2));
		sb_addc(out, '\n');
	}
}

const char *pgdb_flat_name(size_t f)
{
	return files[f].name;
}

int pgdb_flat_read(struct pgdb *db, long uid, long gid, struct pgdb_flat *out, struct diags *d)
{
	for (size_t f = 0; f < NFILES; f++) {
		sb_init(&out->text[f]);
		sb_addf(&out->text[f], "# written by vmailadm db export\n");
		out->rows[f] = 0;
	}
	if (pgdb_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", d) < 0)
		return -1;
	int rc = 0;
	for (size_t f = 0; f < NFILES; f++) {
		PGresult *r = rc == 0 ? pgdb_query(db, files[f].query, d) : NULL;
		if (!r) {
			rc = -1;
			continue;
		}
		out->rows[f] = (size_t)PQntuples(r);
		for (int i = 0; i < PQntuples(r); i++)
			format_row(f, r, i, uid, gid, &out->text[f]);
		PQclear(r);
	}
	PQclear(PQexec(db->conn, "COMMIT"));
	return rc;
}

void pgdb_flat_free(struct pgdb_flat *fl)
{
	for (size_t f = 0; f < PGDB_FLAT_FILES; f++)
		sb_free(&fl->text[f]);
}

int pgdb_export(struct pgdb *db, const char *dir, long uid, long gid, struct strbuf *report,
		struct diags *d)
{
	struct strbuf path = STRBUF_INIT;
	for (size_t f = 0; f < NFILES; f++) {
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir, files[f].name);
		struct stat st;
		if (lstat(path.buf, &st) == 0 || errno != ENOENT) {
			diag_error(d, path.buf, 0, _("already there: db export writes new files only "
						     "(nothing was written)"));
			sb_free(&path);
			return -1;
		}
	}
	struct pgdb_flat fl;
	int rc = pgdb_flat_read(db, uid, gid, &fl, d);
	/* Written only once all four are read: a refused query writes none. */
	for (size_t f = 0; f < NFILES && rc == 0; f++) {
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir, files[f].name);
		struct file_owner own = { getuid(), getgid(), files[f].mode };
		if (atomic_write(path.buf, fl.text[f].buf, fl.text[f].len, &own, false, d) < 0)
			rc = -1;
		else
			sb_addf(report, ngettext("wrote %s (%zu entry)\n", "wrote %s (%zu entries)\n",
						 fl.rows[f]), path.buf, fl.rows[f]);
	}
	pgdb_flat_free(&fl);
	sb_free(&path);
	return rc;
}
