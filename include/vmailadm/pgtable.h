/* A pgsql_table(5) map as Postfix reads it (src/db/pgtable.c): the .cf
 * file (hosts, dbname, user, password, query or its legacy parts,
 * result_format, domain, expansion_limit, encoding), the query expanded
 * exactly as Postfix's db_common.c expands it (%s %u %d %S %U %D %1..%9
 * %%, each value quoted by PQescapeStringConn on the map's own
 * connection), the queries Postfix skips, the rows joined with commas
 * through result_format. The tracer asks it through trace_set_extmaps. */
#ifndef VMAILADM_PGTABLE_H
#define VMAILADM_PGTABLE_H
#include <stdbool.h>

struct diags;
struct pgtable;

/* Read a pgsql_table(5) file. NULL after a diagnostic naming the file
 * and line (unreadable, a line without '=', a bad '%' in a template, no
 * query and no legacy table/select_field/where_field). No connection yet:
 * the first lookup that needs one opens it. */
struct pgtable *pgtable_open(const char *path, struct diags *d);
void pgtable_free(struct pgtable **tp);

enum pgtable_rc { PGTABLE_SKIPPED, PGTABLE_NOTFOUND, PGTABLE_FOUND, PGTABLE_ERROR };
/* Look key up as dict_pgsql_lookup does: lowercased, the domain list
 * checked, the query expanded (skipped: *query NULL), run, the rows
 * formatted. *query, *value (FOUND) and *error (ERROR) are new strings or
 * NULL. */
enum pgtable_rc pgtable_lookup(struct pgtable *t, const char *key, char **query, char **value,
			       char **error);

/* The "domain" match list of a map (db_common.c, match_list.c): the
 * patterns of list appended to the map's, with match (true, or false for
 * patterns under a '!'); a /file/name read in place (depth: how many
 * files deep; line: for messages). 0, or -1 after a diagnostic. Called by
 * pgtable_open. */
int pgtable_domain_parse(struct pgtable *t, const char *list, bool match, int depth, unsigned line,
			 struct diags *d);

/* The hosts of the "hosts" list (NULL-terminated, free with
 * maincf_list_free) in the order a connection tries them, as
 * dict_pgsql.c does: the UNIX sockets, then the TCP hosts, then the
 * URIs, each group in random order. */
char **pgtable_host_order(const char *hosts);

/* The tracer's reader for pgsql: and proxy:pgsql: maps (trace.h). */
struct trace_extmap_ops;
extern const struct trace_extmap_ops pgtable_trace_ops;

/* Does main.cf at path name a pgsql: (or proxy:pgsql:) table in one of the
 * parameters the tracer reads? */
bool pgtable_maincf_uses_pgsql(const char *path);

#endif
