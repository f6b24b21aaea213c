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
 * postfix_dir's? Yes on backend pgsql when that main.cf names pgsql: (or
 * proxy:pgsql:) maps: postfix_dir is then the snapshot, whose copy of
 * main.cf names flat files in their place, and the trace must ask the
 * database the queries Postfix asks. */
bool pgtrace_server(const struct config *cfg);

/* trace_open with pgsql: and proxy:pgsql: maps asked through pgtable
 * (the queries Postfix runs, each recorded in the result), on the
 * server's main.cf when pgtrace_server, else on cfg's. cfg is not
 * changed. NULL as trace_open. */
struct tracer *pgtrace_open(const struct config *cfg, struct diags *d);

#endif
