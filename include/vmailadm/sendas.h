/* Send-as (issue 15): the sender login map Postfix asks, with
 * smtpd_sender_login_maps and reject_authenticated_sender_login_mismatch,
 * which SASL logins own a MAIL FROM address. Its lines are
 * "ADDRESS LOGIN, LOGIN...".
 *
 * There is no hidden database: the relation is recognised in the files.
 * The computed owners of an address follow one rule: a mailbox owns its
 * own address; an alias is owned by the mailboxes its targets name,
 * followed through other aliases (a target that is a mailbox stops there);
 * a catch-all, a bare name and an address with no mailbox behind it have
 * none. Every other owner on a line is an explicit grant (`sendas allow`).
 * So a grant that the rule also gives cannot be told apart: it goes when
 * the rule stops giving it. */
#ifndef VMAILADM_SENDAS_H
#define VMAILADM_SENDAS_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/strbuf.h"

struct config;
struct world;
struct world_map;
struct table_entry;

/* A list of addresses (owners), each once (compared without case). */
struct sendas_list {
	char **v;
	size_t n, cap;
};
void sendas_list_add(struct sendas_list *l, const char *address);
bool sendas_list_has(const struct sendas_list *l, const char *address);
bool sendas_list_del(struct sendas_list *l, const char *address);
/* The owners of a map value ("a@x, b@x" or "a@x b@x") appended. */
void sendas_list_parse(struct sendas_list *l, const char *value);
/* "a@x, b@x" */
void sendas_list_join(const struct sendas_list *l, struct strbuf *out);
void sendas_list_sort(struct sendas_list *l);
void sendas_list_free(struct sendas_list *l);

/* The path of the map when main.cf names none (the sender_login_map
 * setting, or sender_login beside main.cf); a new string. */
char *sendas_default_path(const struct config *cfg);

/* The sender login map vmailadm keeps: main.cf's smtpd_sender_login_maps'
 * first table it can edit, else the setting's file (read even when it
 * does not exist yet: an empty table); NULL when main.cf names only maps
 * vmailadm cannot edit. */
struct world_map *sendas_map(const struct world *w);
/* Is there a map to keep in step: main.cf names one, or the file exists? */
bool sendas_present(const struct world *w);
/* Does main.cf name a sender login map (smtpd_sender_login_maps)? */
bool sendas_enabled(const struct world *w);
/* The parameter of main.cf whose restrictions hold a *_sender_login_mismatch
 * restriction, else "master.cf" when a service's -o there does, or NULL. */
const char *sendas_restriction_param(const struct world *w);
/* A restriction list with reject_authenticated_sender_login_mismatch
 * first (add), or without any *_sender_login_mismatch (!add), its items
 * joined by sep (", " in main.cf, "," in a master.cf -o); a new string, or
 * NULL when it would not change. */
char *sendas_restriction_edit(const char *value, bool add, const char *sep);

/* The computed owners of address (sorted) appended to out. Asks the
 * world's tables, which a stage edits in place: so it gives the owners as
 * they are after a staged edit too. */
void sendas_computed(const struct world *w, const char *address, struct sendas_list *out);
/* Every address that has computed owners, in table order (mailboxes, then
 * aliases), each once; their owners in owners[i]. Free with
 * sendas_all_free. */
struct sendas_all {
	char **address;
	struct sendas_list *owners;
	size_t n;
};
void sendas_computed_all(const struct world *w, struct sendas_all *out);
void sendas_all_free(struct sendas_all *a);

/* Who Postfix lets send as address: the map's answer for the query
 * forms in order (user+ext@domain, user@domain, user when the domain is
 * local, @domain; postconf(5) smtpd_sender_login_maps). form (may be
 * NULL) gets the key that answered. NULL when no line answers (then an
 * authenticated client is refused it: "not owned by user"). */
const struct table_entry *sendas_lookup(const struct world *w, const char *address,
					struct strbuf *form);

/* A line's owners for people: "a@x, b@x (granted)", each the rule gives
 * but the line lacks said missing; escaped. Appended to out. */
void sendas_owners_text(const struct world *w, const char *key, const char *value, struct strbuf *out);
/* The grants of address's own line (its owners the rule does not give). */
void sendas_grants(const struct world *w, const char *address, struct sendas_list *out);

/* One line of the map checked against the rule (lint): */
enum sendas_fault {
	SENDAS_MISSING_OWNER,   /* a computed owner is not on the line */
	SENDAS_MISSING_LINE,    /* an address with computed owners has no line */
	SENDAS_UNKNOWN_LOGIN,   /* a grant names a login that is no mailbox */
};
struct sendas_problem {
	enum sendas_fault fault;
	const char *address;    /* the line's key, or the address with no line */
	const char *login;      /* the owner missing or unknown; NULL for a line */
	const char *file;
	unsigned line;          /* the line, else 0 */
};
void sendas_check(const struct world *w, void (*report)(void *arg, const struct sendas_problem *p),
		  void *arg);

#endif
