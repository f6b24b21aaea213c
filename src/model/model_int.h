/* Inside the model (not for other layers): the world's layout and what
 * load.c, index.c, classify.c and model.c give each other. load.c reads the
 * files; index.c sorts and indexes the arrays; classify.c holds Postfix's
 * class rules (shared with the tracer); model.c answers queries. */
#ifndef VMAILADM_MODEL_INT_H
#define VMAILADM_MODEL_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/model.h"
#include "vmailadm/strmap.h"

struct config;
struct tableidx;

/* ---- index.c: an index over an array the world already owns, keyed by a
 * string field of its elements. A strmap would copy every key and spend 24
 * bytes a slot; a slot here is 8 bytes (the key's hash and the element's
 * position), so 100,000 addresses take 1.2 MB, and building or probing it
 * runs some elements ahead with prefetches: the table is larger than the
 * cache and the probes of different keys are independent. ---- */

struct hidx {
	uint64_t *slots;    /* hash << 32 | (position + 1); 0: empty */
	size_t cap, n;      /* cap: any size (see index.c's hidx_home) */
	char *base;         /* element i is at base + i * stride ... */
	size_t stride, koff; /* ... and its key pointer koff bytes into it */
};

enum { HIDX_AHEAD = 16,     /* elements between a prefetch and its use */
       HIDX_BLOCK = 256 };  /* keys per index_find_many call */

/* Index the n elements at base; hashes (may be NULL) are their keys'
 * strmap_hash, computed by the caller while the strings were in cache.
 * dup (may be NULL) gets, for each element, the position of the first
 * element with the same key (its own when it is the first). */
void index_build(struct hidx *h, void *base, size_t n, size_t stride, size_t koff,
		 const uint32_t *hashes, uint32_t *dup);
/* Position + 1 of the element whose key is key (of hash hash), or 0. */
size_t index_find(const struct hidx *h, const char *key, uint32_t hash);
void *index_get(const struct hidx *h, const char *key);
/* index_find for n keys (with their hashes; a NULL key finds nothing) into
 * out[], in three stages run ahead of the lookup: the home slot, then the
 * element it names (all of it: the caller uses it next), then that
 * element's key string, so that the cache misses of many keys overlap.
 * Callers go in blocks of HIDX_BLOCK keys and use each block's elements
 * at once, while they are still in the cache. */
void index_find_many(const struct hidx *h, const char *const *keys, const uint32_t *hs,
		     size_t n, uint32_t *out);
void index_free(struct hidx *h);
/* Issue 16 (worldpatch.c): an element inserted at position at of the
 * indexed array (now at base; the elements from at on moved up one), its
 * key of hash hash not in the index; or the element at position at taken
 * out (the later ones moved down one). Each is one pass over the slots, no
 * key hashed again. False (nothing changed) when the index is too full
 * for one more, or at is not in it: index_build it again. */
bool index_insert_at(struct hidx *h, void *base, size_t at, uint32_t hash);
bool index_remove_at(struct hidx *h, size_t at, uint32_t hash);
/* The same in steps, for many elements moved at once (a catch-all and its
 * domain's identity entries, issue 16): the element at at taken out, or
 * one put in at at, the others' positions as they were (put: false when
 * too full); then every position renumbered through where[] (old position
 * -> new, every element left in the index named there), the array now at
 * base. */
bool index_drop_at(struct hidx *h, size_t at, uint32_t hash);
bool index_put_at(struct hidx *h, size_t at, uint32_t hash);
void index_renumber(struct hidx *h, void *base, const size_t *where);
/* Room for exactly n items (xgrow would round up to a power of two: 30 %
 * more memory for 100,000 mailboxes). */
void index_reserve(void *vp, size_t *cap, size_t n, size_t sz);

/* Mailboxes and aliases are sorted through small keys, by domain rank (an
 * integer) before the local part, so most comparisons touch no string; a
 * catch-all's local part is "", so it comes first in its domain. */
struct sortkey {
	uint32_t dom;       /* the domain's rank */
	uint32_t idx;       /* position in map order: the first of equal keys wins */
	const char *local;
};
/* Sort keys whose dom is at most maxdom (stable within a domain); same[k]:
 * key k equals key k - 1 (a later duplicate). */
void index_sort_keys(struct sortkey *keys, size_t n, size_t maxdom, bool *same);
/* Sort the n elements of size sz at base by keys (sorted by index_sort_keys),
 * moving each element once and in place. */
void index_sort_permute(void *base, size_t n, size_t sz, const struct sortkey *keys);

/* ---- load.c: reading main.cf and the maps it names (for the world and
 * for trace_open: map loading exists once) ---- */

/* The maps main.cf names, each distinct table read once. */
struct load_maps {
	const struct doc_source *src; /* where documents are read; NULL: the disk */
	bool use_index;             /* indexed tables and lists through tableidx
	                             * (trace_open): their world_map has no table */
	const char *maincf;         /* main.cf's path, for messages */
	char *queue_dir;            /* main.cf's queue_directory: where Postfix's
	                             * daemons run, a relative table path's base */
	/* trace_open: map types its database reader reads: no warning, and a
	 * domain-list item of that type is passed to the item function with
	 * m NULL (the reader decides). NULL: none. */
	bool (*external)(const char *spec);
	struct world_map **v;
	struct tableidx **idx;      /* parallel to v: the tableidx, or NULL */
	size_t n, cap, icap;
	char **unreadable;          /* files that exist but could not be read
	                             * (world_unreadable) */
	size_t nunreadable;
};

/* One item of a domain-class parameter (mydestination ...), for the
 * reader's own use: a name (folded by the caller) when m is NULL, else a
 * readable, non-pattern table. */
typedef void load_domain_item_fn(void *ctx, const char *item, struct world_map *m,
				 enum domain_class cls, unsigned line);

/* Read cfg's main.cf: *path (always set, the caller frees it), *mc and
 * *base (virtual_mailbox_base, warned about when empty). False with an
 * error in d when main.cf cannot be read. */
bool load_maincf(const struct config *cfg, const struct doc_source *src, char **path,
		 struct maincf **mc, char **base, struct diags *d);
/* The maps of main.cf in the world's order: the address maps first (so
 * that a domain list naming the same file knows it holds addresses), then
 * every item of mydestination, virtual_alias_domains and
 * virtual_mailbox_domains, each given to item. */
void load_maps_read(struct load_maps *lm, const struct maincf *mc, load_domain_item_fn *item,
		    void *ctx, struct diags *d);
struct tableidx *load_maps_idx(const struct load_maps *lm, size_t i);
void load_maps_free(struct load_maps *lm);
/* A relative table path (hash:virtual) made absolute against the directory
 * of maincf, as Postfix reads it (every map reference goes through it). */
void load_ref_resolve(struct table_ref *ref, const char *queue_dir);
/* cfg's aliases file (missing: empty plus a note); never NULL. */
struct aliases *load_sysaliases(const struct config *cfg, const struct doc_source *src,
				struct diags *d);
/* path read through lm's source; a file that cannot be read is noted in lm
 * (once) and is an error in d. 0 or -1. */
int load_read_noted(struct load_maps *lm, const char *path, bool missing_ok, struct doc **out,
		    struct diags *d);
/* The sender login map (sendas.h): main.cf's smtpd_sender_login_maps, else
 * the sender_login_map setting's file, which need not exist yet. */
void load_sender_maps(struct load_maps *lm, const struct maincf *mc, const struct config *cfg,
		      struct diags *d);

/* ---- the world ---- */

/* A world's maildir paths (virtual_mailbox_base "/" a value), apart from
 * its other strings, so that a world loaded from the same entries (the
 * staged world: doc_source's share) points at them instead of making its
 * own (issue 16: 8.7 MB at 100,000 mailboxes). Held by the world that
 * made it and by each holder that took paths from it (parent), so that
 * they outlive that world. */
struct world_paths {
	struct arena a;
	struct world_paths *parent;
	unsigned refs;
};

struct world {
	struct arena arena;
	char *maincf_path;
	struct maincf *maincf;
	char *base;                 /* virtual_mailbox_base, never NULL */

	struct load_maps maps;

	struct pwfile *pwfile;
	struct aliases *sysaliases;
	bool pw_unknown;            /* the passwd-file could not be read */

	struct domain *domains;   /* (load_derived_free: from here on) */
	size_t ndomains;
	struct world_paths *paths;   /* the mailboxes' maildirs (or parent's) */
	size_t *dom_mb_first, *dom_al_first; /* ranges, parallel to domains */
	struct mailbox *mailboxes;
	size_t nmailboxes;
	struct alias *aliases;
	size_t naliases;
	/* Room the staged world's edits grow the two arrays into (0: as
	 * loaded, exactly n): worldpatch_grow. */
	size_t mailboxes_cap, aliases_cap;
	struct alias_target *targets;
	size_t ntargets;
	struct mailbox *catchall_boxes;  /* "@domain" in the mailbox maps */
	size_t ncatchall_boxes;
	struct catchall *catchalls;
	size_t ncatchalls;

	struct hidx dom_idx;      /* name → domains[] */
	struct hidx mb_idx;       /* address → mailboxes[] */
	struct hidx cb_idx;       /* "@domain" → catchall_boxes[] */
	struct hidx al_idx;       /* address → aliases[] */
	/* Reverse index: target address → its id (rev_idx over rev_keys,
	 * one address per id); the aliases naming target id are
	 * rev_list[rev_first[id] .. + rev_n[id]], sorted, in a room of
	 * rev_first[id + 1] - rev_first[id] (rev_first[rev_nid]: the whole
	 * list's length). An alias added to the staged world joins its
	 * targets' lists in place (index_reverse_add, issue 16). */
	struct hidx rev_idx;
	const char **rev_keys;
	size_t rev_nid;
	const struct alias **rev_list;
	size_t *rev_first, *rev_n;
	/* The ids of a domain's target addresses (the part after their last
	 * '@'), chained: domain → first id + 1, rev_dnext[id] → the next + 1;
	 * made at the first index_reverse_in_domain (a catch-all staged). */
	struct strmap *rev_bydom;
	uint32_t *rev_dnext;
	/* The mailboxes' quota rules, each text once in arena (a few values
	 * for 100,000 mailboxes: issue 16); load_join_entry. */
	struct strmap *quota_rules;
};

/* index.c, once the arrays are final: the catch-alls (the domains point at
 * them); per-domain ranges and each mailbox's own alias entry (mb_rank,
 * al_rank: each element's domain rank); the reverse index. */
void index_catchalls(struct world *w);
void index_ranges(struct world *w, const uint32_t *mb_rank, const uint32_t *al_rank);
void index_reverse(struct world *w);
/* a (already in w->aliases, where it stays) among the aliases naming
 * address, in the array's order, once: the list grown in place, a new
 * address given an id (issue 16: the reverse index made again cost most of
 * an alias added at 100,000 aliases). */
void index_reverse_add(struct world *w, const struct alias *a, const char *address);
/* index_reverse_add of every target of the n aliases as: the lists laid
 * out again at most once, for all of them (issue 16: a thousand identity
 * entries, each list moving every later one on). */
void index_reverse_add_many(struct world *w, const struct alias *const *as, size_t n);
/* The ids of the target addresses in domain (after their last '@') into
 * *ids (malloc'd); their count. */
size_t index_reverse_in_domain(struct world *w, const char *domain, size_t **ids);

/* The maildir of w's mailbox from entry e (virtual_mailbox_base "/" its
 * value), in w's paths: every maildir a world holds is in them (a world
 * that shares them keeps them alive). */
const char *load_maildir_path(struct world *w, const struct table_entry *e);
/* The passwd-file joined to the mailboxes: each mailbox without a pw gets
 * its entry, quota rule and bytes (worldpatch.c clears them first). */
void load_join_passwd(struct world *w);
/* One mailbox's passwd-file entry (NULL: none), its quota rule and bytes. */
void load_join_entry(struct world *w, struct mailbox *box, const struct pwfile_entry *pe);

/* An alias value's targets appended to *outv (strings in ar, or the value
 * itself when it is one lower-case target); their count. */
size_t load_split_targets(struct arena *ar, const char *value, struct alias_target **outv,
			  size_t *outn, size_t *outcap);

/* ---- classify.c: Postfix's class rules ---- */

/* resolve.c: local beats alias beats mailbox. */
enum domain_class classify_effective(unsigned classes);
/* A table key that names a domain (as opposed to an address or a bare
 * local name in an address map). */
bool classify_key_is_domain(const char *key, bool address_map);
/* The main.cf parameter that lists domains of class cls ("" for none). */
const char *classify_param(unsigned cls);
/* The classes a folded dotless name gets from the indexed domain tables
 * alone (it is not listed from them, but Postfix matches it as a key). */
unsigned classify_table_classes(const struct world *w, const char *folded);
/* Every alias target's class (mb_rank: each mailbox's domain rank). */
void classify_targets(struct world *w, const uint32_t *mb_rank);
/* One target of owner classified against the world as it is (worldpatch.c:
 * a target an edit added). */
void classify_one(struct world *w, const struct alias *owner, struct alias_target *t);

/* ---- worldpatch.c and worldpatch_catchall.c: what they share ---- */

/* Whether key is in m alone (no other map in a role of roles has it, m's
 * file serves no other map) and dups_wanted times in m. */
/* Whether an address key added to or removed from m can be followed in
 * place: m in role alone, or the alias map that is virtual_alias_domains
 * too (worldpatch.c). */
bool worldpatch_roles(const struct world_map *m, unsigned role);
bool worldpatch_alone(const struct world *w, const struct world_map *m, const char *key,
		      unsigned roles, size_t dups_wanted);
/* An index of an array after one element was inserted at position at
 * (added) or taken out of it. */
void worldpatch_index(struct hidx *h, void *base, size_t n, size_t sz, size_t koff, size_t at,
		      const char *key, bool added);
/* An entry of p's map taken before the edit, where it is now (p->base,
 * p->count: the map's entries then), the new entry at position at. */
void worldpatch_follow(const struct worldpatch *p, size_t at, const struct table_entry **e,
		       unsigned *line);
/* The entry of key added to p's map (one line, every other entry where it
 * was, one on from it), or NULL: the edit did not stay in place. */
const struct table_entry *worldpatch_added(const struct worldpatch *p, const char *key, size_t *at);
/* p ready for an entry of address added to map m: m's entries before the
 * edit (where they are, their number, the table's parses) taken. */
void worldpatch_ready_add(struct worldpatch *p, const char *address, const struct world_map *m);
/* The mailbox of e, the entry added at position at of p's map, as
 * load_mailboxes makes it (its local part the key's first local_len
 * bytes, its domain after the '@' that follows), the other boxes of that
 * map following their entries. */
struct mailbox worldpatch_added_box(struct world *w, const struct worldpatch *p,
				    const struct table_entry *e, size_t at, size_t local_len);
/* The same mailbox of e alone, the other boxes left as they are (a rename
 * follows them itself). */
struct mailbox worldpatch_box_of(struct world *w, const struct worldpatch *p,
				 const struct table_entry *e, size_t local_len);
/* The catch-alls and the domains' pointers to them made again (a catch-all
 * added or removed), the mailboxes of domain dom swallowed or not. */
void worldpatch_catchalls_again(struct world *w, size_t dom);
/* Every alias target in domain (its part after the last '@') classified
 * again: its domain got or lost a catch-all. */
void worldpatch_classify_domain(struct world *w, const char *domain);
int worldpatch_catchall_box_add(struct world *w, const struct worldpatch *p);
/* Whether no alias map but m has key (m's own entries not asked: the
 * caller knows them), m's file serving no other map. */
bool worldpatch_absent(const struct world *w, const struct world_map *m, const char *key);
/* The domains listed by keys of m: the lines from line on moved by delta. */
void worldpatch_listings(struct world *w, const struct world_map *m, unsigned line, int delta);
/* Where an element of local part local goes in its domain's range
 * [first, first + n) of an array sorted by local part (stride sz, the
 * local part's pointer at loff). */
size_t worldpatch_slot(const void *base, size_t sz, size_t loff, size_t first, size_t n, const char *local);
/* Every alias target's mailbox pointer into old (n mailboxes) into now,
 * after an insertion at pos, or a removal at pos when gone. */
void worldpatch_targets_to(struct world *w, const struct mailbox *old, size_t n, const struct mailbox *now,
			   size_t pos, bool gone);
/* An alias of address added (a) or removed (NULL): the mailbox of that
 * address has it or not, the targets naming it classified again. */
void worldpatch_address_alias(struct world *w, const char *address, const struct alias *a);
/* An alias's value set in place (p->alias, its map, entry, nlines, line):
 * its targets made again, the new ones classified. */
int worldpatch_targets(struct world *w, const struct worldpatch *p);
/* worldpatch_rename.c */
int worldpatch_mailbox_rename(struct world *w, const struct worldpatch *p);
/* worldpatch_identity.c: a catch-all of the alias map set or cleared with
 * the identity entries of its domain's mailboxes (p->identities of them). */
int worldpatch_identities_add(struct world *w, const struct worldpatch *p);
int worldpatch_identities_del(struct world *w, const struct worldpatch *p);
/* ... both: one catch-all there replaced by another. */
int worldpatch_catchall_replace(struct world *w, const struct worldpatch *p);
/* worldpatch_domain.c */
int worldpatch_domain_add(struct world *w, const struct worldpatch *p);
int worldpatch_domain_del(struct world *w, const struct worldpatch *p);
int worldpatch_catchall_box_del(struct world *w, const struct worldpatch *p);

#endif
