/* The repairs lint knows, as operations to stage (see lint_fixes.h): this
 * builds edits, so it lives in the stage layer, above the model's lint. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/lint.h"
#include "vmailadm/lint_fixes.h"
#include "vmailadm/model.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static void lint_fixes_add(struct lint_fixes *f, struct op *op)
{
	f->ops = xreallocarray(f->ops, f->nops + 1, sizeof *f->ops);
	f->ops[f->nops++] = op;
}

/* The same map or maildir may come from two problems: stage it once. */
static void lint_fixes_add_once(struct lint_fixes *f, struct op *op)
{
	for (size_t i = 0; i < f->nops; i++) {
		if (f->ops[i]->kind == op->kind && strcmp(f->ops[i]->subject, op->subject) == 0) {
			op_free(&op);
			return;
		}
	}
	lint_fixes_add(f, op);
}

/* mailbox-without-maildir names the maildir; the op names its mailbox. */
static const struct mailbox *lint_fixes_mailbox_of(const struct world *w, struct strmap **index,
						     const char *dir)
{
	size_t nb;
	const struct mailbox *boxes = world_mailboxes(w, &nb);
	if (!*index) {
		*index = strmap_create(nb ? nb : 1);
		for (size_t i = 0; i < nb; i++) {
			if (!boxes[i].local[0] || !boxes[i].is_maildir)
				continue;
			char *k = lint_maildir_key(boxes[i].maildir);
			strmap_add(*index, k, (void *)(uintptr_t)(i + 1)); /* index + 1: NULL is absent */
			free(k);
		}
	}
	uintptr_t k = (uintptr_t)strmap_get(*index, dir);
	return k ? &boxes[k - 1] : NULL;
}

void lint_fixes(const struct world *w, const struct config *cfg, const struct lint_report *r,
		struct lint_fixes *out, struct diags *d)
{
	memset(out, 0, sizeof *out);
	struct strmap *index = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct lint_problem *p = &r->v[i];
		if (!p->subject)
			continue;
		if (!strcmp(lint_problem_rule(p), "catchall-swallows-mailboxes")) {
			const struct domain *dom = world_domain_find(w, p->subject);
			const struct catchall *c = dom ? dom->catchall_alias : NULL;
			if (!c || !c->alias || c->alias->ntargets != 1) {
				diag_add(d, DIAG_NOTE, p->file, p->line,
					 _("the catch-all of %s has several targets: fix it by hand"), p->subject);
				continue;
			}
			struct op *op = op_new(OP_CATCHALL_SET, dom->name);
			op_add_target(op, c->alias->targets[0].address);
			lint_fixes_add(out, op);
		} else if (!strcmp(lint_problem_rule(p), "plain-password")) {
			const struct pwfile_entry *e = pwfile_lookup(world_pwfile(w), p->subject);
			const struct mailbox *b = world_mailbox_find(w, p->subject);
			if (!e || !b || !b->local[0]) {
				diag_add(d, DIAG_NOTE, p->file, p->line,
					 _("%s is not a mailbox: its {PLAIN} password is not rehashed"),
					 p->subject);
				continue;
			}
			char *pw = pwfile_field_dup(e, PWFILE_PASSWORD);
			const char *plain = strchr(pw, '}');
			plain = plain ? plain + 1 : pw;
			char *hash = passhash_hash(cfg->password_scheme, plain, d);
			free(pw);
			if (!hash)
				continue;
			struct op *op = op_new(OP_MAILBOX_PASSWD, b->address);
			op->password_hash = hash;
			lint_fixes_add(out, op);
		} else if (!strcmp(lint_problem_rule(p), "mailbox-without-maildir")) {
			const struct mailbox *b = lint_fixes_mailbox_of(w, &index, p->subject);
			if (b)
				lint_fixes_add_once(out, op_new(OP_MAILDIR_CREATE, b->address));
		} else if (!strcmp(lint_problem_rule(p), "pgsql-maps-unused") && cfg->server_postfix_dir) {
			/* one edit for the three lists: db postfix-config --apply's
			 * (the map files in the server's pgsql/, role mailreader,
			 * the server named by pgsql_conninfo) */
			char *dir = xasprintf("%s/pgsql", cfg->server_postfix_dir);
			lint_fixes_add_once(out, op_new(OP_POSTFIX_USE_PGSQL, dir));
			free(dir);
		} else if (!strcmp(lint_problem_rule(p), "map-not-built") || !strcmp(lint_problem_rule(p), "map-older-than-source")) {
			if (strchr(p->subject, ':'))
				lint_fixes_add_once(out, op_new(OP_MAP_REBUILD, p->subject));
		}
	}
	strmap_free(&index);
}

void lint_fixes_free(struct lint_fixes *f)
{
	for (size_t i = 0; i < f->nops; i++)
		op_free(&f->ops[i]);
	free(f->ops);
	memset(f, 0, sizeof *f);
}
