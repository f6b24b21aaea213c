/* The mailbox map value of a new mailbox, in the layout of the entry it
 * goes next to. Servers differ from the course's "domain/user/": some write
 * "user@domain/Maildir/", some "domain/user/Maildir/". Writing vmailadm's
 * own default beside them would give the new mailbox a maildir where
 * neither the admin nor Dovecot's mail_location expects one. The neighbour
 * is the entry table_add puts the new line after: the domain's last, else
 * the file's last. (The neighbour, not a count over the file: the quick
 * path reads only the lines that matter, and these are among them, so both
 * paths give the same answer, as pwfile_neighbour does for uids.) Its value
 * is read as a pattern, the local part and the domain as placeholders. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmailadm/neighbour.h"
#include "vmailadm/model.h"
#include "vmailadm/xalloc.h"

#define NB_LOCAL '\001'    /* placeholders: bytes no map value holds */
#define NB_DOMAIN '\002'

/* v (a value or path of address local@domain) with local and domain
 * replaced by placeholders; NULL when it names the local part more than
 * once, or not at all unless may_lack_local (a shared or odd path: no
 * pattern). */
static char *neighbour_pattern_of(const char *v, const char *address, const char *local,
				  const char *domain, bool may_lack_local)
{
	size_t ll = strlen(local), dl = strlen(domain);
	if (!ll || !v)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	int locals = 0;
	while (*v) {
		if (strncmp(v, domain, dl) == 0 && (v[dl] == '/' || v[dl] == '\0')) {
			sb_addc(&sb, NB_DOMAIN);
			v += dl;
		} else if (strncmp(v, address, strlen(address)) == 0) {
			sb_addc(&sb, NB_LOCAL);
			sb_addc(&sb, '@');
			sb_addc(&sb, NB_DOMAIN);
			v += strlen(address);
			locals++;
		} else if (strncmp(v, local, ll) == 0 && (v[ll] == '/' || v[ll] == '\0')) {
			sb_addc(&sb, NB_LOCAL);
			v += ll;
			locals++;
		} else {
			sb_addc(&sb, *v++);
		}
	}
	if (locals > 1 || (locals == 0 && !may_lack_local)) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

static char *neighbour_pattern(const struct mailbox *b)
{
	if (!b->is_maildir)
		return NULL;
	return neighbour_pattern_of(b->value, b->address, b->local, b->domain, false);
}

/* pat with its placeholders filled in, appended to out. */
static void neighbour_fill(const char *pat, const char *local, const char *domain, struct strbuf *out)
{
	for (const char *p = pat; *p; p++) {
		if (*p == NB_LOCAL)
			sb_adds(out, local);
		else if (*p == NB_DOMAIN)
			sb_adds(out, domain);
		else
			sb_addc(out, *p);
	}
}

char *neighbour_follow(const char *v, const char *address, const char *local, const char *domain,
		       bool may_lack_local)
{
	const char *at = strrchr(address, '@');
	if (!at)
		return NULL;
	char *nl = xstrndup(address, (size_t)(at - address));
	char *pat = neighbour_pattern_of(v, address, nl, at + 1, may_lack_local);
	free(nl);
	if (!pat)
		return NULL;
	struct strbuf out = STRBUF_INIT;
	neighbour_fill(pat, local, domain, &out);
	free(pat);
	return sb_detach(&out);
}

/* The last entry in file order of the map new mailboxes of domain go to
 * (of domain, or of the whole map when NULL); NULL when there is none. A
 * domain's are looked for in its range only (issue 16: the whole array
 * was walked for each mailbox staged, 100,000 at 100,000 mailboxes). */
static const struct mailbox *neighbour_last(const struct world *w, const char *domain)
{
	const struct world_map *map = world_map_for_domain(w, MAP_VIRTUAL_MAILBOX, domain);
	size_t n;
	const struct domain *dom = domain ? world_domain_find(w, domain) : NULL;
	const struct mailbox *mb = dom ? world_domain_mailboxes(w, dom, &n) : world_mailboxes(w, &n),
			     *last = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!*mb[i].local || mb[i].map != map || (domain && strcmp(mb[i].domain, domain) != 0))
			continue;   /* a catch-all is nobody's neighbour */
		if (!last || mb[i].line > last->line)
			last = &mb[i];
	}
	return last;
}

const char *neighbour_mailbox_value(const struct world *w, const char *local, const char *domain,
				    struct strbuf *out)
{
	const struct mailbox *next = neighbour_last(w, domain);
	if (!next)
		next = neighbour_last(w, NULL);
	char *pat = next ? neighbour_pattern(next) : NULL;
	sb_reset(out);
	if (!pat) {
		sb_addf(out, "%s/%s/", domain, local);   /* the course's layout */
		return out->buf;
	}
	neighbour_fill(pat, local, domain, out);
	free(pat);
	return out->buf;
}
