/* pattern-swallows-mailboxes: a rule of a regexp:/pcre: table of
 * virtual_alias_maps sees every recipient before any mailbox lookup, the
 * mailboxes' own addresses too (reference §2.2, §2.5). A rule that matches
 * a mailbox and does not give the address back captures its mail, as a
 * catch-all in a hash alias map does; lint named only the latter. Each
 * mailbox is traced as Postfix resolves it, only on a server that has such
 * a table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

/* The mailboxes one rule swallows. */
struct swallow {
	char *file;
	unsigned line;
	size_t n;
	struct strbuf names;   /* the first three */
	char *to;              /* where their mail goes instead (the first's) */
	char *first;           /* the first mailbox, the problem's subject */
};

/* The rule of a pattern alias map, file and line, that first rewrote
 * address in r; NULL when the first alias step is no such rule. */
static const struct trace_step *lint_pattern_hit(const struct world *w, const struct trace_result *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct trace_step *s = &r->steps[i];
		if (s->depth != 0)
			continue;
		if (strcmp(s->what, "alias-miss") == 0 || strcmp(s->what, "identity") == 0)
			return NULL;
		if (strcmp(s->what, "alias-hit") != 0)
			continue;
		for (size_t m = 0; s->file && m < world_map_count(w); m++) {
			const struct world_map *wm = world_map(w, m);
			if ((wm->roles & MAP_VIRTUAL_ALIAS) && wm->table && wm->ref.path &&
			    table_syntax(wm->table) == TABLE_REGEXP && strcmp(wm->ref.path, s->file) == 0)
				return s;
		}
		return NULL;
	}
	return NULL;
}

/* Does r still deliver to dir (the mailbox's maildir, with its '/')? */
static bool lint_pattern_kept(const struct trace_result *r, const char *dir)
{
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	for (size_t k = 0; k < r->ndests; k++) {
		const char *p = r->dests[k].path;
		if (r->dests[k].kind != TRACE_MAILDIR || !p)
			continue;
		size_t pl = strlen(p);
		while (pl > 1 && p[pl - 1] == '/')
			pl--;
		if (pl == dl && strncmp(p, dir, dl) == 0)
			return true;
	}
	return false;
}

bool lint_pattern_has_tables(const struct world *w)
{
	for (size_t m = 0; m < world_map_count(w); m++) {
		const struct world_map *wm = world_map(w, m);
		if ((wm->roles & MAP_VIRTUAL_ALIAS) && wm->table && table_syntax(wm->table) == TABLE_REGEXP)
			return true;
	}
	return false;
}

bool lint_pattern_takes(const struct world *w, struct tracer *t, const char *address,
			const char *maildir, char **file, unsigned *line, char **to)
{
	struct trace_result tr;
	trace_address(t, address, &tr);
	const struct trace_step *hit = lint_pattern_hit(w, &tr);
	bool taken = false;
	if (hit) {
		taken = !maildir || !lint_pattern_kept(&tr, maildir);
		for (size_t k = 0; !maildir && k < tr.ndests; k++)
			taken &= strcasecmp(tr.dests[k].address, address) != 0;
	}
	if (taken) {
		*file = xstrdup(hit->file);
		*line = hit->line;
		*to = xstrdup(tr.ndests ? tr.dests[0].address : "");
	}
	trace_result_free(&tr);
	return taken;
}

void lint_pattern(const struct world *w, struct lint_report *r, const struct lint_stop *st)
{
	if (!lint_pattern_has_tables(w))
		return;
	struct tracer *t = trace_create(w, NULL);
	size_t nb, ns = 0, cap = 0;
	const struct mailbox *mb = world_mailboxes(w, &nb);
	struct swallow *sw = NULL;
	for (size_t i = 0; i < nb && !lint_stopped(st); i++) {
		const struct mailbox *b = &mb[i];
		if (!b->local[0] || !b->is_maildir)
			continue;
		char *file, *to;
		unsigned line;
		if (lint_pattern_takes(w, t, b->address, b->maildir, &file, &line, &to)) {
			size_t k = 0;
			while (k < ns && !(sw[k].line == line && strcmp(sw[k].file, file) == 0))
				k++;
			if (k == ns) {
				xgrow(&sw, &cap, ns + 1, sizeof *sw);
				sw[ns++] = (struct swallow){ .file = file, .line = line, .names = STRBUF_INIT,
							     .to = to, .first = xstrdup(b->address) };
			} else {
				free(file);
				free(to);
			}
			if (sw[k].n++ < 3)
				sb_addf(&sw[k].names, "%s%s", sw[k].n > 1 ? ", " : "", b->address);
		}
	}
	for (size_t k = 0; k < ns; k++) {
		lint_add(r, "pattern-swallows-mailboxes", LINT_ERROR, sw[k].file, sw[k].line, sw[k].first,
			 ngettext("this rule of virtual_alias_maps matches %zu mailbox (%s%s) before its mailbox is looked up: its mail goes to %s",
				  "this rule of virtual_alias_maps matches %zu mailboxes (%s%s) before their mailboxes are looked up: their mail goes to %s",
				  sw[k].n),
			 sw[k].n, sb_str(&sw[k].names), sw[k].n > 3 ? ", ..." : "", sw[k].to);
		lint_fix(r, _("narrow the pattern so that it matches no mailbox, or put before it a rule that maps each of them to itself"));
		free(sw[k].file);
		free(sw[k].to);
		free(sw[k].first);
		sb_free(&sw[k].names);
	}
	free(sw);
	trace_free(&t);
}
