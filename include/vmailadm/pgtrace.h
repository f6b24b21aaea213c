/* The tracer Postfix's way on either backend (src/db/pgtrace.c): one
 * owner for which main.cf and which reader a trace of the running server
 * uses, for `vmailadm trace`, `vmailadm maillog --trace` and the
 * interface's t and L. */
#ifndef VMAILADM_PGTRACE_H
#define VMAILADM_PGTRACE_H
#include <stdbool.h>

struct config;
struct diags;
struct tracer;

/* Does a trace of cfg's server read the server's own main.cf in place of
 * postfix_dir's? Yes on backend pgsql: postfix_dir is then the snapshot,
 * whose copy of main.cf names flat files in the place of the database's
 * maps; the trace asks what Postfix asks: the database the queries
 * Postfix runs when that main.cf names pgsql: (or proxy:pgsql:) maps
 * (pgtrace_server_uses_db), else the tables it still names. */
bool pgtrace_server(const struct config *cfg);
bool pgtrace_server_uses_db(const struct config *cfg);

/* trace_open with pgsql: and proxy:pgsql: maps asked through pgtable
 * (the queries Postfix runs, each recorded in the result), on the
 * server's main.cf when pgtrace_server (with a note in d when it names
 * no database map), else on cfg's. cfg is not changed. NULL as
 * trace_open. */
struct tracer *pgtrace_open(const struct config *cfg, struct diags *d);

#endif
