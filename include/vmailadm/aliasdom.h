/* Alias domains (issue 15): a virtual alias domain b.example whose every
 * address reaches the same address of a.example, written as one
 * "user@b.example user@a.example" line per mailbox and alias of a.example
 * (never the wildcard "@b.example @a.example", which makes Postfix accept
 * every local part and bounce the unknown ones later: backscatter), plus
 * "@b.example @a.example" only when a.example has a catch-all itself.
 * There is no hidden database: the relation is recognised in the files. */
#ifndef VMAILADM_ALIASDOM_H
#define VMAILADM_ALIASDOM_H
#include <stdbool.h>
#include <stddef.h>

struct world;
struct alias;

struct aliasdom {
	const char *domain;           /* the alias domain, lower case */
	const char *target;           /* the domain it mirrors */
	const struct alias *wildcard; /* its "@domain @target" line, or NULL */
	size_t nlines;                /* its "user@domain user@target" lines */
};

/* Is dom an alias domain? It is when it is a virtual alias domain only and
 * every alias line of it (at least one) maps user@dom to user@T, the same
 * user and one target, for one other domain T (the catch-all "@dom" to
 * "@T"). Fills *out when so. */
bool aliasdom_find(const struct world *w, const char *domain, struct aliasdom *out);
/* Every alias domain of w (target NULL) or of one target domain, sorted by
 * name; a new array (free it), *n its count. */
struct aliasdom *aliasdom_list(const struct world *w, const char *target, size_t *n);

/* The lines one alias domain should have and has not, or has in excess
 * (lint's aliasdom-out-of-step and aliasdom-wildcard). */
enum aliasdom_fault {
	ALIASDOM_MISSING,    /* address of target has no line in domain */
	ALIASDOM_DANGLING,   /* a line for an address target no longer has */
	ALIASDOM_WILDCARD,   /* "@domain @target" while target has no catch-all */
};
struct aliasdom_problem {
	enum aliasdom_fault fault;
	const struct aliasdom *ad;
	const char *address;   /* the target's address (MISSING), the line's key */
	const char *file;      /* the line (DANGLING, WILDCARD), else a line of
	                        * the alias domain */
	unsigned line;
};
void aliasdom_check(const struct world *w, const struct aliasdom *ad,
		    void (*report)(void *arg, const struct aliasdom_problem *p), void *arg);

/* Is a one of the lines of an alias domain (a mirror, not an alias of its
 * own: removing the address it names removes it too)? */
bool aliasdom_is_line(const struct world *w, const struct alias *a);

/* Does the target domain have address (a mailbox, an alias, or for "@d" a
 * catch-all in either map)? The rule of what an alias domain mirrors. */
bool aliasdom_mirrors(const struct world *w, const char *address);

#endif
