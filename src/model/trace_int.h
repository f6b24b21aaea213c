/* Inside the tracer (src/model/trace*.c): its maps, domain items and
 * state, and what its files give each other. trace.c prepares the tracer
 * and owns the results; trace_lookup.c asks the tables (query forms);
 * trace_expand.c runs virtual aliasing; trace_deliver.c decides a final
 * recipient's domain class and what its delivery agent does. */
#ifndef VMAILADM_TRACE_INT_H
#define VMAILADM_TRACE_INT_H
#include <stdbool.h>
#include <stddef.h>

#include "model_int.h"
#include "vmailadm/trace.h"

/* One rule of a regexp/pcre table, compiled (trace_pattern.c). */
struct matcher;
struct ccond;
struct rule {
	struct matcher *m;          /* NULL or not ok: Postfix skips the rule */
	struct matcher *m2;         /* "/p1/!/p2/": p2 (regexp only), else NULL */
	struct ccond *cond;         /* the innermost "if" block around it */
	long max_sub;               /* the highest $n of its result */
	const struct table_entry *e;
};

/* One map of a main.cf list, as the tracer queries it. */
struct tmap {
	const char *spec;           /* as written in main.cf */
	const char *file;           /* the source file, or main.cf */
	const struct table_ref *ref;
	unsigned roles;             /* enum map_role bits */
	const struct table *table;  /* NULL: unreadable, unsupported, or idx */
	struct tableidx *idx;       /* trace_open: an indexed or list source */
	bool pattern;
	struct rule *rules;
	size_t nrules;
	struct ccond **conds;       /* its "if" blocks, compiled */
	size_t nconds;
	char *static_value;         /* static:VALUE answers every key */
	void *ext;                  /* a database map (trace_set_extmaps) */
	char *ext_spec;             /* ... as written (owned) */
	struct tracer *owner;       /* ... whose current result records its queries */
};

/* trace_open: one item of mydestination, virtual_alias_domains or
 * virtual_mailbox_domains, in main.cf order. */
struct ditem {
	unsigned cls;               /* the class it lists domains in */
	char *via;                  /* the item as written */
	char *name;                 /* a domain name (folded), or NULL */
	struct tmap *map;           /* else the table it names */
	const struct world_map *wm; /* ... as the loader read it */
	unsigned line;              /* the parameter's line in main.cf */
};

/* trace_open: what the model would say about one domain name. */
struct dclass {
	unsigned mask;              /* every class (world_domain_class) */
	struct {
		const char *file, *via;
		unsigned line;
		bool set;
	} listing[3];               /* the first listing of each class */
};

struct tracer {
	const struct world *w;      /* NULL: made by trace_open */
	bool steps;                 /* record steps (trace_set_steps) */
	struct diags warn;
	const char *maincf;
	const struct maincf *mc;
	const struct aliases *aliases;  /* /etc/aliases */
	const char *base;           /* virtual_mailbox_base */
	struct tmap **maps;         /* every map, in the world's order */
	size_t nmaps;
	/* trace_open: what it read itself, in place of a world */
	struct maincf *own_mc;
	struct load_maps own_maps;  /* the maps it read */
	char *own_maincf;
	char *own_base;
	struct aliases *own_aliases;
	struct ditem *ditems;
	size_t nditems;
	struct strmap *dclasses;    /* folded domain -> struct dclass, computed once */
	char last_domain[256];      /* folded: the last name classes_of was asked */
	const struct dclass *last_class;
	struct arena pool;
	struct tmap **amaps;        /* virtual_alias_maps, in order */
	size_t namaps;
	struct tmap **mmaps;        /* virtual_mailbox_maps, in order */
	size_t nmmaps;
	struct tmap **extra;        /* static: and database maps (not world maps) */
	size_t nextra;
	unsigned amaps_line, mmaps_line;
	char *delims;
	bool propagate;             /* "virtual" in propagate_unmatched_extensions */
	long recursion, expansion, addrlen;
	char *myorigin;
	char **relay;               /* relay_domains items */
	size_t nrelay;
	bool allow_min_user;
	bool percent_hack;          /* allow_percent_hack (default yes) */
	unsigned cmd_mask, file_mask;   /* allow_mail_to_commands, _files */
	char **ifaddrs;             /* this host's addresses, for [literal] */
	size_t nifaddrs;
	long min_uid;
	long static_uid;            /* virtual_uid_maps = static:N, else -1 */
	unsigned uid_line;
	struct trace_result *cur;   /* the trace under way: database queries go there */
	bool has_ext;               /* some map is a database map */
	const char *failed_map;     /* the first database map that failed this trace */
};

/* The expansion types of allow_mail_to_commands/files (local(8)). */
enum { EXP_ALIAS = 1, EXP_FORWARD = 2, EXP_INCLUDE = 4 };

/* A step costs a translated and formatted text: when steps are off, not
 * even the arguments are evaluated. */
#define STEP(t, r, ...) do { if ((t)->steps) trace_add_step((r), __VA_ARGS__); } while (0)

/* trace.c */
char *trace_fold(const char *s);
/* unquote_822_local(): the internal form of an address, quotes and
 * backslashes gone from the local part. */
char *trace_unquote(const char *a);
/* An address as trivial-rewrite canonicalizes it and tables are asked
 * (quote_822_local): the local part unquoted, then quoted only where it
 * is no dot-string; a trailing dot off the domain; @$myorigin added to a
 * bare name. */
char *trace_rewrite(const struct tracer *t, const char *addr);
/* resolve_local(): is domain "[address]" with one of this host's
 * inet_interfaces/proxy_interfaces addresses? */
bool trace_local_literal(const struct tracer *t, const char *domain);
void trace_add_step(struct trace_result *r, const char *what, unsigned depth, const char *addr,
		    const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
struct trace_dest *trace_add_dest(struct trace_result *r, const char *addr, enum trace_kind kind,
				  const char *file, unsigned line);

/* A database map for spec ("proxy:pgsql:/x.cf"), one per spec; NULL when
 * no reader knows its type. */
struct tmap *trace_ext_map(struct tracer *t, const char *spec);
/* Ask database map m about key (lowercased by the reader), the query
 * recorded in the current trace; an enum trace_ext, *value set on a hit. */
int trace_ext_lookup(const struct tmap *m, const char *key, char **value);

/* trace_lookup.c (maps.c, mail_addr_find.c) */
struct hit {
	const struct tmap *map;
	unsigned line;
	char *value;   /* owned; $n substituted for patterns */
};

/* trace_pattern.c (dict_regexp.c, dict_pcre.c): compile m's rules and
 * "if" blocks (warnings into t->warn), free them, and the first rule of m
 * that answers key. no_regsub: rules with $n do not exist (virtual(8)). */
void trace_pattern_compile(struct tracer *t, struct tmap *m);
void trace_pattern_free(struct tmap *m);
bool trace_pattern_lookup(const struct tmap *m, const char *key, bool no_regsub, struct hit *h);

/* Which query form found the answer. */
enum form { FORM_FULL, FORM_NOEXT, FORM_LOCAL_EXT, FORM_LOCAL, FORM_DOMAIN };

/* maps_find(): the first table in the list that has key. LOOKUP_FIXED:
 * pattern tables are skipped (they only see the full address);
 * LOOKUP_NO_REGSUB: pattern rules with $n do not exist (virtual(8) opens
 * its maps so). */
enum { LOOKUP_FIXED = 1, LOOKUP_NO_REGSUB = 2 };
bool trace_lookup_maps(struct tmap *const *maps, size_t n, const char *key, unsigned flags,
		       struct hit *h);
/* mail_addr_find(): user+ext@domain (every table), user@domain, then for
 * a local domain user+ext and user, then @domain (indexed tables only).
 * *ext gets the unmatched extension (delimiter included) when a form
 * without it matched. */
bool trace_lookup_addr(const struct tracer *t, struct tmap *const *maps, size_t n,
		       const char *addr, bool local_forms, unsigned flags, struct hit *h,
		       enum form *form, char **ext, char **key_used);
const char *trace_lookup_form_name(enum form f);

/* trace_expand.c (cleanup_map1n.c): expand addr; returns the final
 * recipients (after duplicate removal), or NULL with a deferral recorded. */
char **trace_expand(struct tracer *t, struct trace_result *r, const char *addr, unsigned base,
		    size_t *nout);

/* trace_deliver.c (resolve.c, virtual(8), local(8)) */
/* The class of domain (folded), recorded as a step; returns it. */
unsigned trace_deliver_class_step(struct tracer *t, struct trace_result *r, unsigned depth,
				  const char *addr, const char *domain);
bool trace_deliver_is_local(struct tracer *t, const char *domain);
/* Where mail for one final recipient goes (hops: forwardings so far). */
void trace_deliver(struct tracer *t, struct trace_result *r, const char *addr, unsigned depth,
		   int hops);

#endif
