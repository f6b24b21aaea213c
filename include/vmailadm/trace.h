/* Where does mail for an address go? The recipient is resolved the way
 * Postfix 3.7 does it (virtual(5), virtual(8), local(8)): virtual aliasing in cleanup(8) across
 * every table of virtual_alias_maps (query forms user+ext@domain,
 * user@domain, [user for local domains], @domain, each sent to every table
 * before the next; regexp/pcre tables only see the full address), the
 * recursion, expansion and length limits, identity termination and
 * duplicate removal; then, per final recipient, the class of its domain
 * (trivial-rewrite's resolve.c) and what the delivery agent does:
 * virtual(8) mailbox lookup, local(8) with /etc/aliases, the error
 * transport of a virtual alias domain, or relay to another host.
 * The tracer walks the tables itself; it does not use the model's
 * convenience fields (those are built from the same rules, and lint
 * compares the two). Every step names the file and line that decided it. */
#ifndef VMAILADM_TRACE_H
#define VMAILADM_TRACE_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"

struct config;
struct world;
struct tracer;

enum trace_kind {
	TRACE_MAILDIR,   /* virtual(8) delivers to a Maildir (path ends in '/') */
	TRACE_MBOX,      /* virtual(8) appends to an mbox file */
	TRACE_REMOTE,    /* relayed to another host (smtp/relay transport) */
	TRACE_LOCAL,     /* local(8): a local user's mailbox, a command, a file */
	TRACE_REJECT,    /* bounced / refused: 5.x.x */
	TRACE_DEFER,     /* not accepted now: 4.x.x (alias limits, uid) */
};

/* One final destination of a traced recipient. */
struct trace_dest {
	char *address;       /* the final recipient as Postfix writes it */
	enum trace_kind kind;
	char *path;          /* TRACE_MAILDIR/TRACE_MBOX: absolute; else NULL */
	char *reason;        /* TRACE_REJECT/TRACE_DEFER: the status text
	                      * ("5.1.1 <x@d>: Recipient address rejected: User
	                      * unknown in virtual mailbox table"); else NULL */
	char *detail;        /* TRACE_LOCAL: "user root", "command |...",
	                      * "file /x", "include :include:/x"; TRACE_REMOTE:
	                      * the transport parameter used; else NULL */
	char *file;          /* what decided it (table, main.cf, aliases), or NULL */
	unsigned line;
};

/* One step, for people: text is translated; what is a stable word for
 * JSON ("domain-class", "alias-hit", "alias-miss", "identity", "duplicate",
 * "limit", "mailbox-hit", "mailbox-miss", "local-alias", "local-user",
 * "remote", "reject", "warning"). */
struct trace_step {
	const char *what;
	unsigned depth;      /* nesting of the expansion, for indentation */
	char *address;       /* the address the step is about */
	char *text;
	char *file;          /* may be NULL */
	unsigned line;
};

/* One query the tracer ran on a database map (pgsql:, proxy:pgsql:), in
 * the order it ran them: the text Postfix sends for the same key. */
struct trace_query {
	char *map;           /* the map file (pgsql_table(5)) */
	char *key;           /* the key as the tracer asked it */
	char *query;         /* the SQL text sent; NULL: Postfix skips it too
	                      * (the key lacks a part the query needs, or its
	                      * domain is not in the map's "domain" list) */
	char *result;        /* the formatted answer; NULL: no row */
	char *error;         /* the server's or the connection's, or NULL */
};

struct trace_result {
	char *address;       /* as given */
	struct trace_query *queries;
	size_t nqueries;
	struct trace_dest *dests;
	size_t ndests;
	struct trace_step *steps;
	size_t nsteps;
	bool rejected;       /* some destination is TRACE_REJECT */
	bool deferred;       /* some destination is TRACE_DEFER */
	const char *limit;   /* the alias limit that deferred it: "recursion",
	                      * "expansion", "length"; else NULL */
};

/* Prepare a tracer for w (which must outlive it): the maps in main.cf
 * order, the compiled patterns of regexp/pcre tables, the limits,
 * recipient_delimiter, myorigin. Patterns POSIX regcomp cannot read
 * (PCRE-only syntax) are warnings in d naming the file and line; such a
 * rule never matches in the trace. Never fails. */
struct tracer *trace_create(const struct world *w, struct diags *d);
/* The same without a world, for `vmailadm trace`: reads only what the
 * resolution needs (cfg's main.cf, the maps and domain lists it names,
 * cfg's aliases file; never the passwd-file). Indexed tables and lists go
 * through tableidx (a key index, values parsed on a hit), so a trace on
 * 100,000-entry tables does not pay for the documents and the model; the
 * results are those trace_create gives on the loaded world. d gets the
 * diagnostics of the files it reads (as world_load gives them) and the
 * pattern warnings; the whole-world ones (a domain in two classes, an
 * alias defined in two maps) are lint's, and the trace steps name a
 * conflict for the domains they meet. NULL when main.cf cannot be read. */
struct tracer *trace_open(const struct config *cfg, struct diags *d);
void trace_free(struct tracer **tp);
/* Whether trace_address records steps (on by default). A front end that
 * shows only the destinations turns them off: each step is a translated,
 * formatted text, most of the time of a trace. Destinations, rejected,
 * deferred and limit are the same either way; nsteps is then 0. */
void trace_set_steps(struct tracer *t, bool on);
/* Warnings found while preparing (the same that went to d), so that a
 * front end that passed a scratch list can still show them. */
const struct diags *trace_warnings(const struct tracer *t);

/* Resolve one recipient. An address without '@' gets @$myorigin, as
 * Postfix's canonicalisation does. Always fills *out (free it with
 * trace_result_free). */
void trace_address(struct tracer *t, const char *address, struct trace_result *out);
void trace_result_free(struct trace_result *r);
/* Every class (enum domain_class bits) Postfix puts domain in, pattern
 * tables included (a regexp/pcre virtual_alias_maps rule matching the bare
 * name, with virtual_alias_domains = $virtual_alias_maps); *file and *line:
 * where the alias class comes from when it does, else the listing used. */
unsigned trace_domain_classes(struct tracer *t, const char *domain, const char **file,
			      unsigned *line);
/* A hint before tracing addrs one after the other (a batch read from
 * stdin): starts loading, all at once, the table entries their first
 * lookups read, so that on large tables the memory waits overlap instead
 * of coming one by one. Results are the same with or without it. */
void trace_prefetch(struct tracer *t, const char *const *addrs, size_t n);

/* Maps of a type vmailadm reads through a database (pgsql:): a reader
 * outside the model (src/db/pgtable.c) set before trace_open (trace_create
 * traces a world, whose maps are files). open: the map spec without "proxy:", NULL when the reader
 * does not know the type (d untouched) or cannot read the file (a
 * diagnostic in d). Such a map is asked every query form, as Postfix asks
 * it (db_common_dict_partial() says no SQL map uses partial keys). lookup: an enum trace_ext; query, value
 * and error are new strings or NULL. */
enum trace_ext { TRACE_EXT_SKIPPED, TRACE_EXT_NOTFOUND, TRACE_EXT_FOUND, TRACE_EXT_ERROR };
struct trace_extmap_ops {
	const char *type;   /* "pgsql" */
	void *(*open)(const char *spec, struct diags *d);
	int (*lookup)(void *map, const char *key, char **query, char **value, char **error);
	void (*close)(void *map);
};
void trace_set_extmaps(const struct trace_extmap_ops *ops);

/* One line for a query a trace ran (its SQL and answer, skipped, or the
 * error), translated, without a newline: what every front end shows. */
struct strbuf;
void trace_query_text(const struct trace_query *q, struct strbuf *out);

/* Stable names: "maildir", "mbox", "remote", "local", "reject", "defer". */
const char *trace_kind_name(enum trace_kind k);
/* The same, translated, for text meant to be read (JSON and the tab
 * separated output keep the stable names). */
const char *trace_kind_label(enum trace_kind k);

/* Postfix's split of an address extension: the local part up to the first
 * character of delims, except for postmaster, mailer-daemon,
 * double-bounce, and (when '-' is a delimiter) owner-* and *-request.
 * Returns the offset of the delimiter in local (so local[off] is it), or
 * -1 when nothing is split. */
long trace_split_extension(const char *local, size_t len, const char *delims);

#endif
