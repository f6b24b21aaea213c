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

/* value with local and domain replaced by placeholders; NULL when it does
 * not name the local part exactly once (a shared or odd path: no pattern). */
static char *neighbour_pattern(const struct mailbox *b)
{
	const char *v = b->value;
	size_t ll = strlen(b->local), dl = strlen(b->domain);
	if (!b->is_maildir || !ll || !v)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	int locals = 0;
	while (*v) {
		if (strncmp(v, b->domain, dl) == 0 && (v[dl] == '/' || v[dl] == '\0')) {
			sb_addc(&sb, NB_DOMAIN);
			v += dl;
		} else if (strncmp(v, b->address, strlen(b->address)) == 0) {
			sb_addc(&sb, NB_LOCAL);
			sb_addc(&sb, '@');
			sb_addc(&sb, NB_DOMAIN);
			v += strlen(b->address);
			locals++;
		} else if (strncmp(v, b->local, ll) == 0 && (v[ll] == '/' || v[ll] == '\0')) {
			sb_addc(&sb, NB_LOCAL);
			v += ll;
			locals++;
		} else {
			sb_addc(&sb, *v++);
		}
	}
	if (locals != 1) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

/* The last entry in file order of the map new mailboxes go to (of
 * domain, or of the whole map when NULL); NULL when there is none. */
static const struct mailbox *neighbour_last(const struct world *w, const char *domain)
{
	const struct world_map *map = world_map_for(w, MAP_VIRTUAL_MAILBOX);
	size_t n;
	const struct mailbox *mb = world_mailboxes(w, &n), *last = NULL;
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
	for (const char *p = pat; *p; p++) {
		if (*p == NB_LOCAL)
			sb_adds(out, local);
		else if (*p == NB_DOMAIN)
			sb_adds(out, domain);
		else
			sb_addc(out, *p);
	}
	free(pat);
	return out->buf;
}
