/* The mail model's queries: the sorted, indexed world that load.c builds
 * (domains, mailboxes, aliases, catch-alls, the reverse index of alias
 * targets), the stable names of its classes, and Dovecot quota rules. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pthread.h>

#include "model_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static const char *const class_names[] = { "other", "local", "virtual-alias", "virtual-mailbox" };

void model_entry_counts(size_t nmailboxes, size_t naliases, char **mailboxes, char **aliases)
{
	*mailboxes = xasprintf(ngettext("%zu mailbox", "%zu mailboxes", nmailboxes), nmailboxes);
	*aliases = xasprintf(ngettext("%zu alias", "%zu aliases", naliases), naliases);
}

const char *model_domain_class_name(enum domain_class c)
{
	switch (c) {
	case DOMAIN_LOCAL: return class_names[1];
	case DOMAIN_VIRTUAL_ALIAS: return class_names[2];
	case DOMAIN_VIRTUAL_MAILBOX: return class_names[3];
	case DOMAIN_OTHER: break;
	}
	return class_names[0];
}

const char *model_domain_class_text(enum domain_class c)
{
	switch (c) {
	case DOMAIN_VIRTUAL_MAILBOX: return _("virtual mailbox domain");
	case DOMAIN_VIRTUAL_ALIAS: return _("virtual alias domain (forwarding only)");
	case DOMAIN_LOCAL: return _("local domain (mydestination, /etc/aliases)");
	case DOMAIN_OTHER: break;
	}
	return _("not hosted here (mail is relayed)");
}

const char *model_target_class_name(enum target_class c)
{
	switch (c) {
	case TARGET_MAILBOX: return "mailbox";
	case TARGET_ALIAS: return "alias";
	case TARGET_CATCHALL: return "catchall";
	case TARGET_UNKNOWN: return "unknown";
	case TARGET_LOCAL: return "local";
	case TARGET_EXTERNAL: return "external";
	}
	return "unknown";
}

const char *model_catchall_map_name(enum catchall_map m)
{
	return m == CATCHALL_IN_MAILBOX_MAP ? "mailbox" : "alias";
}

/* Dovecot 2.4 renamed the quota settings: a userdb's quota_rule became
 * quota_storage_size (and the rest); 2.3 is Debian 12's. */
static char dovecot_version[64];
static const char *dovecot_field = MODEL_QUOTA_FIELD_23;
static pthread_once_t dovecot_once = PTHREAD_ONCE_INIT;

const char *model_quota_field_for(const char *version)
{
	int major = 0, minor = 0;
	if (version && sscanf(version, "%d.%d", &major, &minor) == 2 && (major > 2 || (major == 2 && minor >= 4)))
		return MODEL_QUOTA_FIELD_24;
	return MODEL_QUOTA_FIELD_23;
}

const char *model_quota_field_value(const char *field, const char *rule)
{
	static const char prefix[] = "*:storage=";
	if (strcmp(field, MODEL_QUOTA_FIELD_24) == 0 && strncmp(rule, prefix, sizeof prefix - 1) == 0)
		return rule + sizeof prefix - 1;
	return rule;
}

static void model_dovecot_ask(void)
{
	/* The Dovecot of another machine (a tree managed from elsewhere). */
	const char *given = getenv("VMAILADM_DOVECOT_VERSION");
	if (given && *given) {
		snprintf(dovecot_version, sizeof dovecot_version, "%s", given);
		dovecot_field = model_quota_field_for(dovecot_version);
		return;
	}
	static const char *const argv[] = { "dovecot", "--version", NULL };
	if (spawn_first_word(argv, dovecot_version, sizeof dovecot_version))
		dovecot_field = model_quota_field_for(dovecot_version);
}

const char *model_dovecot_quota_field(const char **version)
{
	pthread_once(&dovecot_once, model_dovecot_ask);
	if (version)
		*version = dovecot_version;
	return dovecot_field;
}

/* A size: digits, then an optional b k m g t suffix (either case); unit
 * is what a bare number counts. */
static bool model_quota_number(const char *p, long long unit, long long *bytes)
{
	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(p, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case '\0': break;
	case 'b': case 'B': unit = 1; end++; break;
	case 'k': case 'K': unit = 1024LL; end++; break;
	case 'm': case 'M': unit = 1024LL * 1024; end++; break;
	case 'g': case 'G': unit = 1024LL * 1024 * 1024; end++; break;
	case 't': case 'T': unit = 1024LL * 1024 * 1024 * 1024; end++; break;
	default: return false;
	}
	if (*end != '\0')
		return false;     /* a percentage or junk: not an absolute limit */
	if (v != 0 && v > INT64_MAX / unit)
		return false;
	*bytes = v * unit;
	return true;
}

bool model_quota_bytes(const char *rule, long long *bytes)
{
	if (!rule)
		return false;
	/* "*:storage=1G" or "storage=1G"; other limits (messages=) are not bytes. */
	const char *p = strchr(rule, ':');
	p = p ? p + 1 : rule;
	if (strncmp(p, "storage=", 8) == 0)
		return model_quota_number(p + 8, 1024, bytes);
	if (strncmp(p, "bytes=", 6) == 0)
		return model_quota_number(p + 6, 1, bytes);
	return false;
}

bool model_quota_size_bytes(const char *size, long long *bytes)
{
	if (!size)
		return false;
	if (strcmp(size, "unlimited") == 0) {
		*bytes = 0;
		return true;
	}
	return model_quota_number(size, 1, bytes);
}

const char *model_entry_quota(const struct pwfile_entry *pe, size_t *len, bool *size_only)
{
	/* Either Dovecot's field: a file written before an upgrade still
	 * holds 2.3's. */
	const char *v = pwfile_extra_find(pe, MODEL_QUOTA_FIELD_23, len);
	*size_only = false;
	if (!v) {
		v = pwfile_extra_find(pe, MODEL_QUOTA_FIELD_24, len);
		*size_only = v != NULL;
	}
	return v;
}

bool model_entry_quota_bytes(const char *value, bool size_only, long long *bytes)
{
	return size_only ? model_quota_size_bytes(value, bytes) : model_quota_bytes(value, bytes);
}

static int cmp_addr(const char *d1, const char *l1, const char *d2, const char *l2)
{
	int c = strcmp(d1, d2);
	return c ? c : strcmp(l1, l2);
}

static int cmp_alias_ptr(const void *a, const void *b)
{
	const struct alias *const *x = a, *const *y = b;
	return cmp_addr((*x)->domain, (*x)->local, (*y)->domain, (*y)->local);
}



/* Fold into buf when it fits (no allocation on the hot path), else a copy. */
static char *fold_key(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);
	char *p = len < size ? buf : xmalloc(len + 1);
	for (size_t i = 0; i <= len; i++)
		p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	return p;
}

#define FOLDED(var, s) \
	char var##_buf[256]; \
	char *var = fold_key((s), var##_buf, sizeof var##_buf)
#define FOLDED_DONE(var) do { if (var != var##_buf) free(var); } while (0)

const struct domain *world_domain_find(const struct world *w, const char *name)
{
	FOLDED(k, name);
	const struct domain *dom = index_get(&w->dom_idx, k);
	FOLDED_DONE(k);
	return dom;
}

const struct alias *world_mailbox_forward(const struct mailbox *b, bool *keeps_copy)
{
	const struct alias *a = b->alias;
	bool self = false, other = false;
	for (size_t i = 0; a && i < a->ntargets; i++) {
		if (strcmp(a->targets[i].address, b->address) == 0)
			self = true;
		else
			other = true;
	}
	if (keeps_copy)
		*keeps_copy = self;
	return other ? a : NULL;
}

const struct mailbox *world_mailbox_find(const struct world *w, const char *address)
{
	FOLDED(k, address);
	const struct mailbox *b = index_get(k[0] == '@' ? &w->cb_idx : &w->mb_idx, k);
	FOLDED_DONE(k);
	return b;
}

const struct alias *world_alias_find(const struct world *w, const char *address)
{
	FOLDED(k, address);
	const struct alias *a = index_get(&w->al_idx, k);
	FOLDED_DONE(k);
	return a;
}

enum domain_class world_domain_class(const struct world *w, const char *name, unsigned *classes)
{
	FOLDED(k, name);
	const struct domain *dom = index_get(&w->dom_idx, k);
	unsigned mask = (dom ? dom->classes : 0) | classify_table_classes(w, k);
	FOLDED_DONE(k);
	if (classes)
		*classes = mask;
	return classify_effective(mask);

}

/* ---- accessors ---- */

struct maincf *world_maincf(const struct world *w) { return w->maincf; }
const char *world_maincf_path(const struct world *w) { return w->maincf_path; }
size_t world_map_count(const struct world *w) { return w->maps.n; }
struct world_map *world_map(const struct world *w, size_t i) { return i < w->maps.n ? w->maps.v[i] : NULL; }
struct pwfile *world_pwfile(const struct world *w) { return w->pwfile; }
size_t world_unreadable_count(const struct world *w) { return w->maps.nunreadable; }
const char *world_unreadable(const struct world *w, size_t i) { return w->maps.unreadable[i]; }
bool world_passwd_known(const struct world *w) { return !w->pw_unknown; }
struct aliases *world_system_aliases(const struct world *w) { return w->sysaliases; }
const char *world_mailbox_base(const struct world *w) { return w->base; }

struct world_map *world_map_for(const struct world *w, enum map_role role)
{
	/* A pattern table (regexp:, pcre:) takes no new key: a server that
	 * lists one first (plus addressing, a rule for a whole domain) keeps
	 * its new entries in the next table. */
	for (size_t i = 0; i < w->maps.n; i++)
		if ((w->maps.v[i]->roles & (unsigned)role) && w->maps.v[i]->table &&
		    table_syntax(w->maps.v[i]->table) != TABLE_REGEXP)
			return w->maps.v[i];
	return NULL;
}

/* m, when it is one of w's maps of role that takes a new key. */
static struct world_map *map_takes(const struct world *w, const struct world_map *m, enum map_role role)
{
	for (size_t i = 0; m && i < w->maps.n; i++)
		if (w->maps.v[i] == m)
			return (m->roles & (unsigned)role) && m->table && table_syntax(m->table) != TABLE_REGEXP
				? w->maps.v[i] : NULL;
	return NULL;
}

struct world_map *world_map_for_domain(const struct world *w, enum map_role role, const char *domain)
{
	const struct domain *dom = domain ? world_domain_find(w, domain) : NULL;
	struct world_map *m = NULL;
	size_t n;
	if (dom && role == MAP_VIRTUAL_MAILBOX) {
		const struct mailbox *b = world_domain_mailboxes(w, dom, &n);
		for (size_t i = n; !m && i > 0; i--)
			if (*b[i - 1].local)   /* a catch-all's map is no neighbour's */
				m = map_takes(w, b[i - 1].map, role);
	} else if (dom && role == MAP_VIRTUAL_ALIAS) {
		const struct alias *a = world_domain_aliases(w, dom, &n);
		for (size_t i = n; !m && i > 0; i--)
			if (!a[i - 1].is_catchall)
				m = map_takes(w, a[i - 1].map, role);
	}
	return m ? m : world_map_for(w, role);
}

const struct domain *world_domains(const struct world *w, size_t *n)
{
	*n = w->ndomains;
	return w->domains;
}

const struct mailbox *world_mailboxes(const struct world *w, size_t *n)
{
	*n = w->nmailboxes;
	return w->mailboxes;
}

const struct alias *world_aliases(const struct world *w, size_t *n)
{
	*n = w->naliases;
	return w->aliases;
}

const struct catchall *world_catchalls(const struct world *w, size_t *n)
{
	*n = w->ncatchalls;
	return w->catchalls;
}

static size_t dom_index(const struct world *w, const struct domain *dom)
{
	if (dom < w->domains || dom >= w->domains + w->ndomains)
		vm_panic("world: domain %s is not from this world", dom->name);
	return (size_t)(dom - w->domains);
}

const struct mailbox *world_domain_mailboxes(const struct world *w, const struct domain *dom,
					     size_t *n)
{
	*n = dom->nmailboxes;
	return w->mailboxes + w->dom_mb_first[dom_index(w, dom)];
}

const struct alias *world_domain_aliases(const struct world *w, const struct domain *dom,
					 size_t *n)
{
	*n = dom->naliases;
	return w->aliases + w->dom_al_first[dom_index(w, dom)];
}

const struct alias *const *world_aliases_to(const struct world *w, const char *address, size_t *n)
{
	FOLDED(k, address);
	size_t at = index_find(&w->rev_idx, k, strmap_hash(k));
	FOLDED_DONE(k);
	if (!at) {
		*n = 0;
		return NULL;
	}
	size_t id = at - 1;
	*n = w->rev_n[id];
	return w->rev_list + w->rev_first[id];
}

const struct alias **world_aliases_reaching(const struct world *w, const char *address, size_t *n)
{
	const struct alias **out = NULL;
	size_t cnt = 0, cap = 0;
	struct strmap *seen = strmap_create(16);
	/* The address's own identity entry (u@d u@d) is not "another alias
	 * reaching it"; marking it seen also stops a loop back to it. */
	FOLDED(self, address);
	strmap_add(seen, self, NULL);
	FOLDED_DONE(self);
	/* Breadth first over the reverse index; out doubles as the queue. */
	size_t direct;
	const struct alias *const *v = world_aliases_to(w, address, &direct);
	for (size_t i = 0; i < direct; i++)
		if (strmap_add(seen, v[i]->address, NULL)) {
			xgrow(&out, &cap, cnt + 1, sizeof *out);
			out[cnt++] = v[i];
		}
	for (size_t q = 0; q < cnt; q++) {
		size_t m;
		const struct alias *const *u = world_aliases_to(w, out[q]->address, &m);
		for (size_t i = 0; i < m; i++)
			if (strmap_add(seen, u[i]->address, NULL)) {
				xgrow(&out, &cap, cnt + 1, sizeof *out);
				out[cnt++] = u[i];
			}
	}
	strmap_free(&seen);
	if (cnt > 1)
		qsort(out, cnt, sizeof *out, cmp_alias_ptr);
	*n = cnt;
	return out;
}

const struct alias_entry **world_sysaliases_to(const struct world *w, const char *address, size_t *n)
{
	const struct alias_entry **out = NULL;
	size_t cnt = 0, cap = 0;
	const struct aliases *al = w->sysaliases;
	for (size_t i = 0; al && i < aliases_count(al); i++) {
		const struct alias_entry *e = aliases_entry(al, i);
		bool hit = false;
		for (size_t k = 0; !e->shadowed && k < e->ntargets; k++)
			hit |= strcasecmp(e->targets[k], address) == 0;
		if (hit) {
			xgrow(&out, &cap, cnt + 1, sizeof *out);
			out[cnt++] = e;
		}
	}
	*n = cnt;
	return out;
}
