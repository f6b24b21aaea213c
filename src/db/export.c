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
#include "vmailadm/arena.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/source.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

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
	unsigned mode;
};

static const struct export_file files[] = {
	{ "virtual_domains", 0644 },
	{ "vmailbox", 0644 },
	{ "virtual_alias", 0644 },
	/* The passwd-file holds the hashes: readable by its owner and group. */
	{ "users", 0640 },
};
#define NFILES (sizeof files / sizeof *files)
_Static_assert(NFILES == PGDB_FLAT_FILES, "pgdb_int.h counts the flat files");

/* Three reads make the four files (the mailbox table gives vmailbox and
 * users), each in byte order of its last two columns (domain, then local
 * part or address) as COLLATE "C" would give it: the same order on every
 * server whatever the database's collation. The rows come through COPY
 * and are sorted here rather than by the server: on 100,000 mailboxes
 * the server's sort was half of the read, spilling to disk past work_mem. */
enum { Q_DOMAIN, Q_MAILBOX, Q_ALIAS, NQUERIES };

/* An active alias domain B of A is written as the files have it
 * (aliasdom.h, src/stage/aliasdom_apply.c): not a mailbox domain, but the
 * alias map's "B OK" (virtual_alias_domains = $virtual_alias_maps), one
 * "user@B user@A" line per mailbox of A and per alias of A that is no
 * mailbox, and "@B @A" when A has a catch-all; within a domain, "B OK"
 * first (k 0), then the addresses (k 1), then the catch-all (k 2). */
#define ALIAS_DOMAINS "(SELECT alias_domain FROM alias_domain WHERE active)"
static const char alias_query[] =
	"SELECT a, g, d, k::text || a FROM ("
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
	") x";

/* The mailbox table, the largest, is read on a second connection in the
 * same snapshot while the others are read on the first (pgsnap.c). */
static const struct pgsnap_query queries[NQUERIES] = {
	{ "SELECT domain, '', domain FROM domain WHERE active AND NOT backupmx"
	  " AND domain NOT IN " ALIAS_DOMAINS, 3, false },
	{ "SELECT username, maildir, password, quota, local_part <> '', domain, local_part "
	  "FROM mailbox WHERE active", 7, true },
	{ alias_query, 4, false },
};

struct sort_row {
	const char *k1, *k2;
	size_t row;
};

static int row_cmp(const void *a, const void *b)
{
	const struct sort_row *x = a, *y = b;
	int c = strcmp(x->k1, y->k1);
	return c ? c : strcmp(x->k2, y->k2);
}

static struct sort_row *sorted_rows(const struct pgcopy *c)
{
	struct sort_row *v = xmalloc((c->nrows + 1) * sizeof *v);
	arena_populate(v, (c->nrows + 1) * sizeof *v);
	for (size_t i = 0; i < c->nrows; i++)
		v[i] = (struct sort_row){ pgcopy_value(c, i, c->nf - 2), pgcopy_value(c, i, c->nf - 1), i };
	/* Rows come in the table's physical order, which is often already
	 * the sorted one (a table filled in order, as db import fills it):
	 * one pass tells, and spares the sort's n log n comparisons. */
	size_t i = 1;
	while (i < c->nrows && row_cmp(&v[i - 1], &v[i]) <= 0)
		i++;
	if (i < c->nrows)
		qsort(v, c->nrows, sizeof *v, row_cmp);
	return v;
}

/* A table's key as "%-28s " writes it, without printf's cost per row (a
 * sixth of a 100,000-row snapshot). */
static void key_column(struct strbuf *out, const char *key)
{
	size_t n = strlen(key);
	sb_add(out, key, n);
	for (; n < 28; n++)
		sb_addc(out, ' ');
	sb_addc(out, ' ');
}

static void format_row(size_t f, const struct pgcopy *c, size_t i, const char *ids,
		       struct strbuf *out)
{
	switch (f) {
	case 0:
		key_column(out, pgcopy_value(c, i, 0));
		sb_adds(out, "OK\n");
		break;
	case 1:
		key_column(out, pgcopy_value(c, i, 0));
		sb_adds(out, pgcopy_value(c, i, 1));
		sb_addc(out, '\n');
		break;
	case 2:
		key_column(out, pgcopy_value(c, i, 0));
		goto_value(out, pgcopy_value(c, i, 1));
		sb_addc(out, '\n');
		break;
	default:
		if (strcmp(pgcopy_value(c, i, 4), "t") != 0)
			return;   /* a catch-all row (@domain) has no password line */
		sb_adds(out, pgcopy_value(c, i, 0));
		sb_addc(out, ':');
		sb_adds(out, pgcopy_value(c, i, 2));
		sb_adds(out, ids);   /* ":uid:gid::::" */
		quota_rule(out, pgcopy_value(c, i, 3));
		sb_addc(out, '\n');
	}
}

/* Which query each file is made from. */
static const int file_query[NFILES] = { Q_DOMAIN, Q_MAILBOX, Q_ALIAS, Q_MAILBOX };

const char *pgdb_flat_name(size_t f)
{
	return files[f].name;
}

struct flat_read {
	struct pgdb_flat *out;
	struct pgcopy res[NQUERIES];
	const char *ids;   /* ":uid:gid::::" */
	size_t capitals[NQUERIES];       /* rows left out (key_never_found) */
	const char *first_capital[NQUERIES];
};

/* A row whose key has a capital letter is never found: Postfix lowercases
 * the key it looks up (DICT_FLAG_FOLD_FIX) and the query compares it with
 * '=', and Dovecot's default auth_username_format (%Lu) lowercases the
 * user. Written into the files, it would show as hosted what Postfix never
 * delivers to (and a postmap of an exported file would fold it, so that
 * the flat server would). Left out, said once per table (pgdb_flat_read). */
static bool key_never_found(const char *key)
{
	for (; *key; key++)
		if (*key >= 'A' && *key <= 'Z')
			return true;
	return false;
}

/* PostfixAdmin's own domain row ALL: its superadmins' domain_admins entry,
 * not a mail domain. Left out without a word. */
static bool postfixadmin_marker(size_t q, const char *key)
{
	return q == Q_DOMAIN && strcmp(key, "ALL") == 0;
}

/* Query q's rows sorted and formatted into its files, in the thread that
 * read them (pgsnap_read): only q's own rows and files are touched. */
static void flat_format(void *ctx, size_t q)
{
	struct flat_read *fr = ctx;
	const struct pgcopy *c = &fr->res[q];
	struct sort_row *sorted = sorted_rows(c);
	bool *skip = xcalloc(c->nrows ? c->nrows : 1, sizeof *skip);
	for (size_t i = 0; i < c->nrows; i++) {
		const char *key = pgcopy_value(c, i, 0);
		if (!key_never_found(key))
			continue;
		skip[i] = true;
		if (postfixadmin_marker(q, key))
			continue;
		if (fr->capitals[q]++ == 0)
			fr->first_capital[q] = key;
	}
	for (size_t f = 0; f < NFILES; f++) {
		if (file_query[f] != (int)q)
			continue;
		struct strbuf *text = &fr->out->text[f];
		/* Sized once, not a doubling (its copy and page faults) every
		 * few rows: the rows' bytes, their padding and separators. */
		sb_grow(text, c->bytes + c->nrows * 32);
		arena_populate(text->buf + text->len, text->cap - text->len);
		for (size_t i = 0; i < c->nrows; i++) {
			size_t before = text->len;
			if (skip[sorted[i].row])
				continue;
			format_row(f, c, sorted[i].row, fr->ids, text);
			fr->out->rows[f] += text->len != before;
		}
	}
	free(skip);
	free(sorted);
}

int pgdb_flat_read(struct pgdb *db, long uid, long gid, struct pgdb_flat *out, struct diags *d)
{
	for (size_t f = 0; f < NFILES; f++) {
		sb_init(&out->text[f]);
		sb_addf(&out->text[f], "# written by vmailadm db export\n");
		out->rows[f] = 0;
	}
	char ids[64];
	snprintf(ids, sizeof ids, ":%ld:%ld::::", uid, gid);
	struct flat_read fr = { .out = out, .ids = ids };
	int rc = pgsnap_read(db, queries, NQUERIES, fr.res, flat_format, &fr, d);
	for (size_t q = 0; rc == 0 && q < NQUERIES; q++) {
		if (!fr.capitals[q])
			continue;
		size_t f = 0;
		while (file_query[f] != (int)q)
			f++;
		diag_warn(d, source_table_name(files[f].name), 0,
			  ngettext("%zu row has a capital letter in its key (%s): Postfix and Dovecot "
				   "look keys up in lower case, so it is never found; vmailadm leaves it out",
				   "%zu rows have a capital letter in their key (%s, ...): Postfix and Dovecot "
				   "look keys up in lower case, so they are never found; vmailadm leaves them out",
				   fr.capitals[q]),
			  fr.capitals[q], fr.first_capital[q]);
	}
	for (int q = 0; q < NQUERIES; q++)
		pgcopy_free(&fr.res[q]);
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
