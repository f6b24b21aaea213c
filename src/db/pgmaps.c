/* What Postfix and Dovecot are given to query the database: the
 * pgsql_table(5) map files, the main.cf lines naming them, and Dovecot's
 * dovecot-sql.conf.ext. The queries follow PostfixAdmin's layout (an
 * alias domain's mailboxes, aliases and catch-all each through a join on
 * alias_domain), so that an existing PostfixAdmin database works as is. */
#include "config.h"

#include <string.h>

#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/pqlib.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

struct pgmap {
	const char *name;
	const char *param;   /* the main.cf list it goes in */
	const char *what;    /* the comment at the top of the file */
	const char *query;
};

/* %s is the key, quoted by Postfix; %u and %d its local part and domain
 * (the query is skipped when the key has none, pgsql_table(5)). */
static const struct pgmap maps[] = {
	{ "domains", "virtual_mailbox_domains",
	  "virtual_mailbox_domains: the hosted domains",
	  "SELECT domain FROM domain WHERE domain = '%s' AND backupmx = false AND active" },
	{ "mailbox", "virtual_mailbox_maps",
	  "virtual_mailbox_maps: a mailbox's maildir, relative to virtual_mailbox_base",
	  "SELECT maildir FROM mailbox WHERE username = '%s' AND active" },
	{ "alias", "virtual_alias_maps",
	  "virtual_alias_maps: an alias's targets (a catch-all is the key @domain)",
	  "SELECT goto FROM alias WHERE address = '%s' AND active" },
	{ "ad_mailbox", "virtual_mailbox_maps",
	  "virtual_mailbox_maps: the same mailbox at an alias domain",
	  "SELECT maildir FROM mailbox, alias_domain WHERE alias_domain.alias_domain = '%d' "
	  "AND mailbox.username = '%u' || '@' || alias_domain.target_domain "
	  "AND mailbox.active AND alias_domain.active" },
	{ "ad_alias", "virtual_alias_maps",
	  "virtual_alias_maps: the same alias at an alias domain",
	  "SELECT goto FROM alias, alias_domain WHERE alias_domain.alias_domain = '%d' "
	  "AND alias.address = '%u' || '@' || alias_domain.target_domain "
	  "AND alias.active AND alias_domain.active" },
	{ "ad_catchall", "virtual_alias_maps",
	  "virtual_alias_maps: the target domain's catch-all at an alias domain",
	  "SELECT goto FROM alias, alias_domain WHERE alias_domain.alias_domain = '%d' "
	  "AND alias.address = '@' || alias_domain.target_domain "
	  "AND alias.active AND alias_domain.active" },
};
#define NMAPS (sizeof maps / sizeof *maps)

size_t pgdb_postfix_map_count(void)
{
	return NMAPS;
}

const char *pgdb_postfix_map_name(size_t i)
{
	return maps[i].name;
}

const char *pgdb_postfix_map_param(size_t i)
{
	return maps[i].param;
}

/* A URI component: every byte but the unreserved ones percent-encoded. */
static void uri_add(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			sb_addc(out, (char)c);
		else
			sb_addf(out, "%%%02X", c);
	}
}

/* hosts: a socket directory is unix:DIR, which passes no port to libpq
 * (5432); with another port, a URI, which then carries the user and the
 * password too (Postfix 3.7 passes a URI as it is). Hosts by name take
 * the port each. */
static void postfix_hosts(const struct pgdb_client *c, struct strbuf *out)
{
	bool port = c->port && *c->port;
	if (c->hosts[0] == '/' && !port) {
		sb_addf(out, "hosts = unix:%s\n", c->hosts);
		return;
	}
	if (c->hosts[0] == '/') {
		sb_adds(out, "hosts = postgresql://");
		uri_add(out, c->user);
		sb_adds(out, "@/");
		uri_add(out, c->dbname);
		sb_adds(out, "?host=");
		uri_add(out, c->hosts);
		sb_adds(out, "&port=");
		uri_add(out, c->port);
		if (c->password && *c->password) {
			sb_adds(out, "&password=");
			uri_add(out, c->password);
		}
		sb_addc(out, '\n');
		return;
	}
	sb_adds(out, "hosts =");
	const char *h = c->hosts;
	while (*h) {
		size_t n = strcspn(h, " ,");
		if (n) {
			sb_addc(out, ' ');
			sb_add(out, h, n);
			if (port)
				sb_addf(out, ":%s", c->port);
		}
		h += n;
		h += strspn(h, " ,");
	}
	sb_addc(out, '\n');
}

void pgdb_postfix_map(const struct pgdb_client *c, size_t i, struct strbuf *out)
{
	sb_addf(out, "# %s\n# pgsql_table(5); readable by root and postfix only (it holds the "
		     "password)\n", maps[i].what);
	postfix_hosts(c, out);
	sb_addf(out, "dbname = %s\nuser = %s\n", c->dbname, c->user);
	if (c->password && *c->password)
		sb_addf(out, "password = %s\n", c->password);
	sb_addf(out, "query = %s\n", maps[i].query);
}

void pgdb_dovecot_sql(const struct pgdb_client *c, const char *scheme, struct strbuf *out)
{
	sb_adds(out, "# dovecot-sql.conf.ext, for both (readable by root only):\n"
		     "#   passdb { driver = sql\n"
		     "#            args = /etc/dovecot/dovecot-sql.conf.ext }\n"
		     "#   userdb { driver = sql\n"
		     "#            args = /etc/dovecot/dovecot-sql.conf.ext }\n"
		     "# With auth_cache_size set, a change shows after doveadm auth cache flush.\n"
		     "driver = pgsql\nconnect =");
	/* connect: libpq keywords; several host= are tried in turn. */
	const char *h = c->hosts;
	while (*h) {
		size_t n = strcspn(h, " ,");
		if (n) {
			sb_adds(out, " host=");
			sb_add(out, h, n);
		}
		h += n;
		h += strspn(h, " ,");
	}
	if (c->port && *c->port)
		sb_addf(out, " port=%s", c->port);
	sb_addf(out, " dbname=%s user=%s", c->dbname, c->user);
	if (c->password && *c->password)
		sb_addf(out, " password=%s", c->password);
	sb_addf(out, "\ndefault_pass_scheme = %s\n", scheme);
	sb_adds(out, "password_query = SELECT username AS user, password FROM mailbox "
		     "WHERE username = '%u' AND active\n");
	int bl = (int)strlen(c->base);
	while (bl > 1 && c->base[bl - 1] == '/')
		bl--;
	/* Postfix's virtual(8) delivers to an mbox file when the maildir
	 * column does not end in '/' (as with a vmailbox value): Dovecot is
	 * given that file as the INBOX, with its other folders and its home
	 * in the directory FILE.d beside it (an mbox location needs a folder
	 * root; Dovecot's documentation advises a home apart from the mail).
	 * right() rather than LIKE: '%' is Dovecot's variable sign. */
	sb_addf(out, "user_query = SELECT '%.*s/' || maildir || CASE WHEN right(maildir, 1) = '/' "
		     "THEN '' ELSE '.d' END AS home, CASE WHEN right(maildir, 1) = '/' THEN "
		     "'maildir:%.*s/' || maildir ELSE 'mbox:%.*s/' || maildir || '.d/mail:INBOX=%.*s/' "
		     "|| maildir END AS mail, %ld AS uid, %ld AS gid, CASE WHEN quota > 0 THEN "
		     "'*:bytes=' || quota END AS quota_rule FROM mailbox WHERE username = '%%u' AND "
		     "active\n",
		bl, c->base, bl, c->base, bl, c->base, bl, c->base, c->uid, c->gid);
	sb_adds(out, "iterate_query = SELECT username AS user FROM mailbox WHERE active\n");
}

int pgdb_conninfo_server(const char *conninfo, char **hosts, char **port, char **dbname,
			 struct diags *d)
{
	*hosts = *port = *dbname = NULL;
	if (pqlib_load(d) < 0)
		return -1;
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", &err);
	if (!opts) {
		diag_error(d, NULL, 0, _("pgsql_conninfo: %s"), err ? err : "?");
		PQfreemem(err);
		return -1;
	}
	for (PQconninfoOption *p = opts; p->keyword; p++) {
		if (!p->val || !*p->val)
			continue;
		if (!strcmp(p->keyword, "host"))
			*hosts = xstrdup(p->val);
		else if (!strcmp(p->keyword, "port"))
			*port = xstrdup(p->val);
		else if (!strcmp(p->keyword, "dbname"))
			*dbname = xstrdup(p->val);
	}
	PQconninfoFree(opts);
	if (!*hosts)
		*hosts = xstrdup("localhost");
	if (!*dbname)
		*dbname = xstrdup("postfix");
	return 0;
}
