/* The mail model: what the Postfix + Dovecot files mean. world_load reads
 * main.cf, follows its maps and domain lists, the Dovecot passwd-file and
 * /etc/aliases, and builds domains, mailboxes, aliases and catch-alls with
 * Postfix's rules (virtual(5), postconf(5)): keys fold case, the first duplicate
 * wins, a domain's class follows resolve.c (local > alias > mailbox).
 *
 * The world owns everything it returns; every pointer stays valid until
 * world_free. The loaded documents (main.cf, each map's table, the
 * passwd-file, /etc/aliases) stay reachable for the staged edits. Addresses
 * in the model are lower case. Problems in the files are diagnostics
 * (file:line) and the world still loads. */
#ifndef VMAILADM_MODEL_H
#define VMAILADM_MODEL_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/aliases.h"
#include "vmailadm/diag.h"
#include "vmailadm/maincf.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/table.h"

struct config;
struct world;

/* Domain classes, as bits so that a domain listed in several classes shows
 * all of them; DOMAIN_OTHER (0) is a domain the server does not host (it
 * only appears as a map key or a target). */
enum domain_class {
	DOMAIN_OTHER = 0,
	DOMAIN_LOCAL = 1 << 0,           /* mydestination */
	DOMAIN_VIRTUAL_ALIAS = 1 << 1,   /* virtual_alias_domains */
	DOMAIN_VIRTUAL_MAILBOX = 1 << 2, /* virtual_mailbox_domains */
};

/* What a main.cf parameter's map is used for (a bit mask: one file may serve
 * several parameters, e.g. virtual_alias_domains = $virtual_alias_maps). */
enum map_role {
	MAP_VIRTUAL_MAILBOX = 1 << 0,    /* virtual_mailbox_maps */
	MAP_VIRTUAL_ALIAS = 1 << 1,      /* virtual_alias_maps */
	MAP_MAILBOX_DOMAINS = 1 << 2,    /* a table or /file/name in virtual_mailbox_domains */
	MAP_ALIAS_DOMAINS = 1 << 3,      /* ... in virtual_alias_domains */
	MAP_MYDESTINATION = 1 << 4,      /* ... in mydestination */
	MAP_SENDER_LOGIN = 1 << 5,       /* smtpd_sender_login_maps, else the
	                                  * sender_login_map setting's file (sendas.h) */
};

/* One distinct table file the world read (one per type:path, whatever the
 * number of parameters that name it). */
struct world_map {
	unsigned roles;          /* enum map_role bits */
	struct table_ref ref;    /* as first written in main.cf */
	struct table *table;     /* NULL when unsupported, unreadable or missing */
	unsigned order;          /* position among the maps of its first role
	                          * (Postfix asks tables in list order) */
};

/* Where a domain is listed as a member of a class. */
struct domain_listing {
	enum domain_class class;  /* one bit */
	const char *via;          /* the list item: "example.com", "/etc/postfix/vd",
	                           * "hash:/etc/postfix/vdomains" */
	const char *file;         /* main.cf for an inline item, else the list/table file */
	unsigned line;            /* 1-based, 0 when unknown */
};

struct mailbox;
struct alias;

/* A catch-all "@domain": in virtual_alias_maps (forwarding every unknown
 * address, and — on a mailbox domain — every mailbox without an identity
 * entry: aliasing runs before the mailbox lookup), or in virtual_mailbox_maps ("@domain domain/x/",
 * the recommended form: real mailboxes win). */
enum catchall_map { CATCHALL_IN_ALIAS_MAP, CATCHALL_IN_MAILBOX_MAP };

struct catchall {
	const char *domain;
	enum catchall_map map;
	const struct alias *alias;     /* CATCHALL_IN_ALIAS_MAP: the "@domain" alias */
	const struct mailbox *mailbox; /* CATCHALL_IN_MAILBOX_MAP: a pseudo mailbox
	                                * whose address is "@domain" (not in the
	                                * mailbox list) */
	const char *target;            /* the alias value or the vmailbox value */
	const char *file;
	unsigned line;
};

struct domain {
	const char *name;            /* lower case */
	enum domain_class class;     /* the class Postfix uses (resolve.c order) */
	unsigned classes;            /* every class it is listed in (mask) */
	bool conflict;               /* listed in more than one class (Postfix warns
	                              * "do not list domain X in BOTH ...") */
	const struct domain_listing *listings;
	size_t nlistings;
	size_t nmailboxes, naliases; /* catch-alls not counted */
	const struct catchall *catchall_alias;   /* "@domain" in virtual_alias_maps */
	const struct catchall *catchall_mailbox; /* "@domain" in virtual_mailbox_maps */
};

struct mailbox {
	const char *address;         /* lower case "local@domain" ("@domain" for a catch-all) */
	const char *local;           /* lower case; "" for a catch-all */
	const char *domain;          /* lower case */
	const char *value;           /* the vmailbox value as written ("d/u/") */
	const char *maildir;         /* virtual_mailbox_base "/" value: absolute
	                              * (the mbox file when !is_maildir) */
	const struct world_map *map; /* the virtual_mailbox_maps table it is in */
	const struct table_entry *entry;
	const char *file;
	unsigned line;
	/* the flags beside line, not each padded to 8 bytes (104 bytes a
	 * mailbox, not 128: 2.4 MB a world at 100,000 mailboxes, issue 16) */
	bool is_maildir;             /* value ends in '/'; otherwise an mbox file */
	bool pw_unknown;             /* the passwd-file could not be read: pw,
	                              * quota_rule and quota_bytes say nothing
	                              * (unknown, not absent) */
	bool swallowed;              /* its domain has a catch-all in the alias map
	                              * and no alias entry names this address: mail
	                              * to it goes to the catch-all */
	const struct pwfile_entry *pw; /* its passwd-file entry, or NULL */
	const char *quota_rule;      /* "*:storage=1G" from userdb_quota_rule, or NULL */
	long long quota_bytes;       /* the storage limit in bytes; 0 = unlimited;
	                              * -1 = no rule or no storage/bytes limit in it */
	const struct alias *alias;   /* the virtual alias whose key is this address
	                              * (aliasing runs first), or NULL */
};

enum target_class {
	TARGET_MAILBOX,   /* a hosted mailbox (after an identity entry, too) */
	TARGET_ALIAS,     /* another virtual alias (expanded again) */
	TARGET_CATCHALL,  /* no entry, but its domain's catch-all takes it */
	TARGET_UNKNOWN,   /* a hosted virtual domain with no such address: bounces */
	TARGET_LOCAL,     /* no '@', or a mydestination domain: local(8), /etc/aliases */
	TARGET_EXTERNAL,  /* a domain this server does not host: relayed */
};

struct alias_target {
	const char *text;             /* as written */
	const char *address;          /* lower case; a bare name gets no domain */
	enum target_class class;
	const struct mailbox *mailbox; /* TARGET_MAILBOX */
	const struct alias *alias;     /* TARGET_ALIAS */
};

struct alias {
	const char *address;         /* lower case key: "local@domain", "@domain" for
	                              * a catch-all, "name" for a bare key */
	const char *local;           /* "" for a catch-all */
	const char *domain;          /* "" for a bare key */
	const char *value;           /* as written */
	const struct alias_target *targets;
	size_t ntargets;
	const struct world_map *map; /* the virtual_alias_maps table it is in */
	const struct table_entry *entry;
	const char *file;
	unsigned line;
	bool is_catchall;            /* (the flags beside line: 80 bytes, not 88) */
	bool is_identity;            /* one target is the key itself (u@d u@d) */
};

/* Load the world described by cfg: cfg->postfix_dir/main.cf (missing: an
 * error naming the file, returns -1), its maps and domain lists,
 * cfg->passwd_file and cfg->aliases_file (missing: empty plus a note).
 * Unsupported map types (mysql:, ldap:, static: ...) are warnings and are
 * skipped. Returns 0 and *out, or -1 (nothing loaded). */
int world_load(const struct config *cfg, struct world **out, struct diags *d);
void world_free(struct world **wp);

/* Where world_load_from reads its files: load() is called instead of
 * doc_load() for main.cf, every map, the passwd-file and the aliases file.
 * The stage uses it to build the world its staged edits would give. */
struct doc_source {
	int (*load)(void *ctx, const char *path, bool missing_ok, struct doc **out,
		    struct diags *d);
	void *ctx;
	/* Issue 16 (NULL: none): a world whose tables and passwd-file the
	 * new one borrows where load() gives the same bytes, instead of
	 * parsing them again (the interface's world, for the staged world).
	 * Read only while loading: share may be freed afterwards (the
	 * borrowed parts live on until the new world is freed), and must not
	 * be freed or edited meanwhile. */
	const struct world *share;
};
int world_load_from(const struct config *cfg, const struct doc_source *src, struct world **out,
		    struct diags *d);
/* Map m of w (a staged world) made its own where it borrows its table from
 * another world (doc_source's share): before an edit whose place a caller
 * takes first (worldpatch's prepare), as every edit of the table does
 * itself; w's pointers into the table follow. False when it borrowed
 * nothing (nothing moved). */
bool world_map_own(struct world *w, const struct world_map *m);
/* The same for w's passwd-file. */
bool world_pwfile_own(struct world *w);
/* How many of w's maps and passwd-file are borrowed (tests, benchmarks). */
size_t world_borrowed_count(const struct world *w);
/* Called first by every world load (NULL: none): backend pgsql brings its
 * snapshot up to date there after a commit (pgdb_snapshot_sync); a -1
 * stops the load. */
void world_set_load_hook(int (*hook)(const struct config *cfg, struct diags *d));
/* The world made again from its documents as they are now (after staged
 * edits to its tables, passwd-file or aliases), without reading or parsing
 * a file: what world_load_from would give on their bytes, as long as
 * main.cf names the same maps. Every pointer into the old domains,
 * mailboxes and aliases dies. -1 when main.cf names a map the world had not
 * read (it was read from the disk then): the caller loads it anew. */
int world_rebuild(struct world *w, struct diags *d);

/* worldpatch.c: instead of world_rebuild, the world updated in place after
 * one edit of its documents (issue 16). Prepared before the edit from the
 * world as it is; applied after it, -1 (nothing changed: world_rebuild it)
 * when the edit did not stay in place. */
enum worldpatch_kind {
	WORLDPATCH_NONE,
	WORLDPATCH_ALIAS_DEL,       /* a whole alias removed */
	WORLDPATCH_TARGETS,         /* an alias's value set (targets added or removed) */
	WORLDPATCH_ALIAS_ADD,       /* a new alias */
	WORLDPATCH_MAILBOX_ADD,     /* a new mailbox (and maybe its passwd-file line) */
	WORLDPATCH_MAILBOX_DEL,     /* a mailbox removed (and maybe its passwd-file line) */
	WORLDPATCH_DOMAIN_ADD,      /* a new domain in the mailbox domain list */
	WORLDPATCH_DOMAIN_DEL,      /* an empty domain out of it */
	WORLDPATCH_CATCHALL_BOX_ADD, /* a catch-all "@domain" added to the mailbox map */
	WORLDPATCH_CATCHALL_BOX_DEL, /* ... removed from it */
	WORLDPATCH_MAILBOX_RENAME,  /* a mailbox's line removed, the new address's added */
	WORLDPATCH_CATCHALL_REPLACE, /* a catch-all of the alias map replaced there
	                              * (identity entries out and in) */
};
struct worldpatch {
	bool ready;                     /* kind prepared */
	bool passwd;                    /* the passwd-file was edited: joined again */
	bool catchall;                  /* ALIAS_ADD, ALIAS_DEL: of the catch-all of the
	                                 * domain named by address */
	enum worldpatch_kind kind;
	size_t alias, domain, mailbox;  /* positions of the element and its domain */
	const char *address;            /* the new element's address (the op's) */
	const struct world_map *map;
	const struct table_entry *entry;
	const struct table_entry *base; /* the map's entries before the edit */
	size_t count;                   /* and their number */
	size_t nlines;
	unsigned line;
	size_t parses;                  /* table_parses of its map before the edit */
	/* MAILBOX_ADD, MAILBOX_DEL: the mailbox's identity entry added to the
	 * alias map with it (the domain's catch-all is there) or removed with
	 * it: that map's edit, prepared as an ALIAS_ADD or ALIAS_DEL of the
	 * same address and followed after the mailbox's */
	bool identity;
	size_t identities;              /* ALIAS_ADD, CATCHALL_REPLACE: the identity
	                                 * entries of its domain's mailboxes added
	                                 * with a catch-all, in its map */
	size_t identities_gone;         /* ALIAS_DEL, CATCHALL_REPLACE: ... removed */
	const struct world_map *id_map;
	const struct table_entry *id_base, *id_entry;
	size_t id_alias, id_count, id_parses, id_nlines;
	unsigned id_line;
	/* the passwd-file before the edit, when it edits the line of pw_user
	 * alone (worldpatch_passwd_prepare): its entries, their number, its
	 * parses, pw_user's position + 1 (0: none) */
	const char *pw_user;
	const struct pwfile_entry *pw_base;
	size_t pw_count, pw_parses, pw_old;
};
/* The removal of the whole alias address from its map (table_remove):
 * false when the world cannot follow it in place. */
bool worldpatch_alias_del_prepare(const struct world *w, const char *address, struct worldpatch *p);
/* The value of alias address set (table_set): targets removed or added. */
bool worldpatch_alias_targets_prepare(const struct world *w, const char *address,
				      struct worldpatch *p);
/* A new alias address added to the first alias map (table_add). */
bool worldpatch_alias_add_prepare(const struct world *w, const char *address, struct worldpatch *p);
/* A new mailbox address added to the first mailbox map (table_add), its
 * passwd-file line too, and its identity entry under a catch-all of the
 * alias map; aliases may name it. */
bool worldpatch_mailbox_add_prepare(const struct world *w, const char *address,
				    struct worldpatch *p);
/* Mailbox address removed from its map (table_remove), its passwd-file
 * line too, and its identity entry (no other alias names it). */
bool worldpatch_mailbox_del_prepare(const struct world *w, const char *address,
				    struct worldpatch *p);
/* Mailbox address renamed to new (mailbox rename without --keep-old: its
 * line removed from its map and new's added there, its passwd-file line
 * too), where nothing else names either address. */
bool worldpatch_mailbox_rename_prepare(const struct world *w, const char *address, const char *new,
				       struct worldpatch *p);
/* A new mailbox domain name added to the first mailbox domain list table
 * or /file/name list (domain add without --alias-of). */
bool worldpatch_domain_add_prepare(const struct world *w, const char *name, struct worldpatch *p);
/* Domain name, with nothing in it, removed from the one mailbox domain
 * list that has it (domain del). */
bool worldpatch_domain_del_prepare(const struct world *w, const char *name, struct worldpatch *p);
/* A catch-all set on domain name where it has none (catchall set): in the
 * mailbox map (in_mailbox_map, a line "@domain maildir/") or in the alias
 * map, where no mailbox of the domain needs an identity entry. */
bool worldpatch_catchall_set_prepare(const struct world *w, const char *name, bool in_mailbox_map,
				     struct worldpatch *p);
/* The catch-all of domain name removed (catchall clear), when it has one,
 * in one map, and no identity entry goes with it. */
bool worldpatch_catchall_clear_prepare(const struct world *w, const char *name, struct worldpatch *p);
/* The edit touches the passwd-file line of user alone (added, removed or
 * set): the mailboxes' entries are followed without joining the whole
 * file again. Call after the other prepare (it keeps what they set). */
void worldpatch_passwd_prepare(const struct world *w, const char *user, struct worldpatch *p);
/* After the edit: the prepared change followed, then (p->passwd) the
 * passwd-file joined again; either alone is enough. */
int worldpatch_apply(struct world *w, const struct worldpatch *p);

/* Managed files that exist but could not be read (permission, not a
 * regular file, an I/O error): what they hold is unknown, not empty, so a
 * front end marks what depends on them unknown, exits non-zero and edits
 * nothing. Paths in the order they were read; i < world_unreadable_count. */
size_t world_unreadable_count(const struct world *w);
const char *world_unreadable(const struct world *w, size_t i);
/* False when the passwd-file exists but could not be read: no password or
 * quota of any mailbox is known (each mailbox's pw_unknown is set). */
bool world_passwd_known(const struct world *w);

/* The documents, kept for staged edits. */
struct maincf *world_maincf(const struct world *w);
const char *world_maincf_path(const struct world *w);
size_t world_map_count(const struct world *w);
struct world_map *world_map(const struct world *w, size_t i);
/* The first map with role that can take a new key (the one a new entry
 * would go to: an indexed table or a domain list, never a regexp: or pcre:
 * table), or NULL. */
struct world_map *world_map_for(const struct world *w, enum map_role role);
/* The map a new mailbox or alias of domain goes to: the one that holds
 * the domain's last mailbox (MAP_VIRTUAL_MAILBOX) or alias
 * (MAP_VIRTUAL_ALIAS) when it takes a new key, so that it joins its
 * domain's entries; else world_map_for's. */
struct world_map *world_map_for_domain(const struct world *w, enum map_role role, const char *domain);
struct pwfile *world_pwfile(const struct world *w);          /* never NULL */
struct aliases *world_system_aliases(const struct world *w); /* never NULL */
const char *world_mailbox_base(const struct world *w);     /* virtual_mailbox_base */

/* Sorted arrays: domains by name; mailboxes and aliases by domain then
 * local part; catch-alls by domain, alias map first. */
const struct domain *world_domains(const struct world *w, size_t *n);
const struct mailbox *world_mailboxes(const struct world *w, size_t *n);
const struct alias *world_aliases(const struct world *w, size_t *n);
const struct catchall *world_catchalls(const struct world *w, size_t *n);
/* One domain's range in those arrays (catch-alls excluded from aliases). */
const struct mailbox *world_domain_mailboxes(const struct world *w, const struct domain *dom,
					     size_t *n);
const struct alias *world_domain_aliases(const struct world *w, const struct domain *dom,
					 size_t *n);

/* Lookups, case-insensitive, exact (no user/@domain fallback). */
const struct domain *world_domain_find(const struct world *w, const char *name);
const struct mailbox *world_mailbox_find(const struct world *w, const char *address);
const struct alias *world_alias_find(const struct world *w, const char *address);
/* The class Postfix gives any domain name (a table in a domain list is
 * queried with the name as key); DOMAIN_OTHER when not hosted. *classes (may
 * be NULL) gets the mask of every class it is in. */
enum domain_class world_domain_class(const struct world *w, const char *name,
				     unsigned *classes);

/* Reverse index. The aliases with a target equal to address (case-folded),
 * sorted; internal storage, *n gets the count. */
const struct alias *const *world_aliases_to(const struct world *w, const char *address,
					    size_t *n);
/* Every alias from which mail reaches address through any chain of
 * aliases (not through catch-alls), each once, sorted; the address's own
 * alias entry is not included. Newly allocated
 * array (free it; the aliases are the world's). */
const struct alias **world_aliases_reaching(const struct world *w, const char *address,
					    size_t *n);
/* The entries of /etc/aliases (the system aliases local(8) expands) with
 * a target equal to address (without case), in file order, shadowed ones
 * left out. Newly allocated array (free it; the entries are the world's). */
const struct alias_entry **world_sysaliases_to(const struct world *w, const char *address,
					       size_t *n);
/* A mailbox's forwarding (issue 15): its own alias entry when that names
 * anything besides itself (an identity entry is no forwarding), else NULL;
 * *keeps_copy (may be NULL): the entry names the mailbox too, so its INBOX
 * still gets the mail (Postfix stops the expansion at a key naming itself);
 * without it the mail leaves and never reaches the INBOX. */
const struct alias *world_mailbox_forward(const struct mailbox *b, bool *keeps_copy);

/* Stable names for JSON and the interface ("virtual-mailbox", "virtual-alias",
 * "local", "other"; "mailbox", "alias", "catchall", "unknown", "local",
 * "external"; "alias", "mailbox"). Not translated. */
const char *model_domain_class_name(enum domain_class c);
/* The class as the admin reads it, translated ("virtual mailbox domain"):
 * `show` and the interface's details say the same. */
const char *model_domain_class_text(enum domain_class c);
const char *model_target_class_name(enum target_class c);
const char *model_catchall_map_name(enum catchall_map m);
/* "N mailbox(es)" and "N alias(es)", each count with its own plural form
 * (ngettext), for the texts that name a domain's entries; free both. */
void model_entry_counts(size_t nmailboxes, size_t naliases, char **mailboxes, char **aliases);

/* A Dovecot quota rule ("*:storage=1G", "*:bytes=1048576", "*:storage=0")
 * to its storage limit in bytes (storage= is in kilobytes without a suffix;
 * k M G T suffixes; 0 = unlimited). Returns false when the rule has no
 * storage or bytes limit or cannot be read. */
bool model_quota_bytes(const char *rule, long long *bytes);
/* The passwd-file field that holds a storage quota for the installed
 * Dovecot: "userdb_quota_rule" (2.3, "*:storage=1G") or
 * "userdb_quota_storage_size" (2.4, "1G"), from `dovecot --version`, asked
 * once per process; 2.3's when it cannot be run. *version (may be NULL)
 * gets what it said ("2.3.19.1") or "". Thread-safe. */
const char *model_dovecot_quota_field(const char **version);
#define MODEL_QUOTA_FIELD_23 "userdb_quota_rule"
#define MODEL_QUOTA_FIELD_24 "userdb_quota_storage_size"
/* The field for a `dovecot --version` answer: 2.4 and later read
 * MODEL_QUOTA_FIELD_24, anything else (or nothing) 2.3's. */
const char *model_quota_field_for(const char *version);
/* What goes in field for a 2.3 rule ("*:storage=1G"): the rule itself, or
 * for 2.4 its size ("1G"). */
const char *model_quota_field_value(const char *field, const char *rule);
/* Dovecot 2.4's quota_storage_size ("1G", "500M", bytes when bare,
 * "unlimited" = 0) in bytes; false when it cannot be read. */
bool model_quota_size_bytes(const char *size, long long *bytes);
struct pwfile_entry;
/* A passwd-file entry's quota: 2.3's rule, else 2.4's size (*size_only),
 * as a value of *len bytes (not NUL-terminated), or NULL. */
const char *model_entry_quota(const struct pwfile_entry *pe, size_t *len, bool *size_only);
/* That value (NUL-terminated) in bytes; false when it cannot be read. */
bool model_entry_quota_bytes(const char *value, bool size_only, long long *bytes);

#endif
