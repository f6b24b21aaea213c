/* The accounts as rows of the shared database, built from a world (the
 * flat files' or a snapshot's): one builder for db import and for
 * backend: pgsql, whose preview is the difference between the rows of the
 * world as read and the rows of the world as staged (pgrows_diff), one
 * line a row with the columns that change, never a password hash. A
 * maildir row and an mbox row differ only by the trailing '/' of their
 * maildir column, as the vmailbox values do. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdb_int.h"
#include "vmailadm/aliasdom.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static struct pgrow *row_new(struct pgrows *r, const char *table)
{
	xgrow(&r->v, &r->cap, r->n + 1, sizeof *r->v);
	struct pgrow *x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	x->table = table;
	return x;
}

static void row_set(struct pgrow *x, const char *col, const char *val, bool secret)
{
	x->cols[x->ncols] = col;
	x->vals[x->ncols] = xstrdup(val);
	x->secret[x->ncols++] = secret;
}

void pgrows_free(struct pgrows *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t c = 0; c < r->v[i].ncols; c++)
			free(r->v[i].vals[c]);
	free(r->v);
}

static bool hosted(const struct domain *dom)
{
	return dom && (dom->classes & (DOMAIN_VIRTUAL_MAILBOX | DOMAIN_VIRTUAL_ALIAS));
}

/* The passwd-file's extra fields other than the quota rule: the schema
 * has no column for them. */
static bool extra_beyond_quota(const struct pwfile_entry *pw)
{
	char *x = pwfile_field_dup(pw, PWFILE_EXTRA);
	const char *e = x;
	bool beyond = false;
	while (*e && !beyond) {
		size_t n = strcspn(e, " \t");
		beyond = n && strncmp(e, "userdb_quota_rule=", 18) != 0;
		e += n;
		e += strspn(e, " \t");
	}
	free(x);
	return beyond;
}

/* A passwd-file line's gecos, home and shell: the schema has no column
 * for them (Dovecot's user_query computes the home from the maildir), so
 * they are named, not silently dropped. */
static void own_fields_warn(const struct world *w, const struct mailbox *b, struct diags *d)
{
	const struct pwfile_entry *pw = b->pw;
	struct strbuf lost = STRBUF_INIT;
	const char *names[] = { "gecos", "home", "shell" };
	const enum pwfile_field fields[] = { PWFILE_GECOS, PWFILE_HOME, PWFILE_SHELL };
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		const char *v = pwfile_field(pw, fields[i], &len);
		if (len)
			sb_addf(&lost, "%s%s=%.*s", lost.len ? " " : "", names[i], (int)len, v);
	}
	if (lost.len)
		diag_warn(d, doc_name(pwfile_doc(world_pwfile(w))), pw->line,
			  _("%s: passwd-file fields the schema has no column for are not imported "
			    "(%s)"), b->address, sb_str(&lost));
	sb_free(&lost);
}

static void mailbox_rows(const struct world *w, struct pgrows *r, struct diags *d)
{
	size_t n;
	const struct mailbox *b = world_mailboxes(w, &n);
	for (size_t i = 0; i < n; i++, b++) {
		/* An mbox mailbox is a row too: maildir is what Postfix's
		 * mailbox query returns, and virtual(8) delivers to an mbox file
		 * when it does not end in '/', as with the file's value; the
		 * value is kept as it is, so db export writes it back and the
		 * snapshot's model sees an mbox (is_maildir false) again. */
		/* Postfix never delivers to it (its domain is not hosted), and
		 * the schema's mailbox row needs its domain's row. */
		if (!hosted(world_domain_find(w, b->domain))) {
			diag_warn(d, b->file, b->line, _("%s: not of a hosted domain: not imported"),
				  b->address);
			continue;
		}
		struct pgrow *x = row_new(r, "mailbox");
		row_set(x, "username", b->address, false);
		char *pw = b->pw ? pwfile_field_dup(b->pw, PWFILE_PASSWORD) : NULL;
		row_set(x, "password", pw ? pw : "", true);
		free(pw);
		row_set(x, "maildir", b->value, false);
		char q[32];
		snprintf(q, sizeof q, "%lld", b->quota_bytes > 0 ? b->quota_bytes : 0);
		row_set(x, "quota", q, false);
		row_set(x, "local_part", b->local, false);
		row_set(x, "domain", b->domain, false);
		if (b->pw && extra_beyond_quota(b->pw)) {
			char *extra = pwfile_field_dup(b->pw, PWFILE_EXTRA);
			diag_warn(d, NULL, 0, _("%s: passwd-file fields other than the quota "
							  "rule are not imported (%s)"),
				  b->address, extra);
			free(extra);
		}
		if (b->pw)
			own_fields_warn(w, b, d);
	}
}

/* An alias domain's lines out of step with its target (lint's
 * aliasdom-out-of-step): one alias_domain row reaches every address of the
 * target and none it lacks, so a missing line becomes an accepted address
 * and a dangling line goes; both named (the round trip test found them
 * changed silently): the missing ones in one warning, the dangling ones
 * each at its line. */
struct aliasdom_step {
	struct diags *d;
	char *first;         /* the first missing address (the report's is freed) */
	const char *file;    /* where the alias domain's lines are */
	unsigned line;
	size_t missing;
};

static void aliasdom_step_warn(void *arg, const struct aliasdom_problem *p)
{
	struct aliasdom_step *st = arg;
	if (p->fault == ALIASDOM_MISSING) {
		if (!st->missing++) {
			st->first = xstrdup(p->address);
			st->file = p->file;
			st->line = p->line;
		}
	} else if (p->fault == ALIASDOM_DANGLING) {
		diag_warn(st->d, p->file, p->line,
			  _("%s: a line of the alias domain %s for an address %s does not have: "
			    "not imported (the alias_domain row reaches only %s's addresses)"),
			  p->address, p->ad->domain, p->ad->target, p->ad->target);
	}
}

static void aliasdom_step_check(const struct world *w, const struct aliasdom *ad, struct diags *d)
{
	struct aliasdom_step st = { .d = d };
	aliasdom_check(w, ad, aliasdom_step_warn, &st);
	if (st.missing)
		diag_warn(d, st.file, st.line,
			  ngettext("%s: an alias domain of %s without a line for %zu of its addresses "
				   "(%s): on the database its alias_domain row accepts it too",
				   "%s: an alias domain of %s without a line for %zu of its addresses "
				   "(%s first): on the database its alias_domain row accepts them too",
				   st.missing),
			  ad->domain, ad->target, st.missing, st.first);
	free(st.first);
}

/* An alias domain of the files (aliasdom.h) is one alias_domain row
 * beside its domain row; its lines are what the database's alias-domain
 * queries compute (pgmaps.c), so they are no alias rows. A target whose
 * catch-all is in the mailbox map is not reached through alias_domain
 * (the queries join alias rows and mailboxes by user), which is said. */
static void aliasdom_rows(const struct world *w, struct pgrows *r, struct strmap *mirrors,
			  struct diags *d)
{
	size_t n;
	struct aliasdom *ads = aliasdom_list(w, NULL, &n);
	for (size_t i = 0; i < n; i++) {
		struct pgrow *x = row_new(r, "alias_domain");
		row_set(x, "alias_domain", ads[i].domain, false);
		row_set(x, "target_domain", ads[i].target, false);
		strmap_put(mirrors, ads[i].domain, (void *)1);
		aliasdom_step_check(w, &ads[i], d);
		const struct domain *t = world_domain_find(w, ads[i].target);
		if (ads[i].wildcard && t && !t->catchall_alias)
			diag_warn(d, ads[i].wildcard->file, ads[i].wildcard->line,
				  _("%s: an alias domain of %s, whose catch-all is in the mailbox map: the "
				    "database's alias-domain queries do not reach it, so %s accepts only the "
				    "addresses %s has"), ads[i].domain, ads[i].target, ads[i].domain,
				  ads[i].target);
	}
	free(ads);
}

/* An alias's targets as PostfixAdmin's goto: comma-joined. */
static void alias_rows(const struct world *w, struct pgrows *r, const struct strmap *mirrors,
		       struct diags *d)
{
	size_t n;
	const struct alias *a = world_aliases(w, &n);
	for (size_t i = 0; i < n; i++, a++) {
		if (*a->domain && strmap_get(mirrors, a->domain))
			continue;   /* an alias domain's line: its alias_domain row */
		if (!*a->domain || !hosted(world_domain_find(w, a->domain))) {
			diag_warn(d, a->file, a->line, _("%s: not of a hosted domain: not imported"),
				  a->address);
			continue;
		}
		struct strbuf go = STRBUF_INIT;
		for (size_t t = 0; t < a->ntargets; t++) {
			if (t)
				sb_addc(&go, ',');
			sb_adds(&go, a->targets[t].text);
		}
		struct pgrow *x = row_new(r, "alias");
		row_set(x, "address", a->address, false);
		row_set(x, "goto", sb_str(&go), false);
		row_set(x, "domain", a->domain, false);
		sb_free(&go);
	}
	/* A catch-all written in the mailbox map (the recommended form: real
	 * mailboxes win) stays one: a mailbox row whose username is @domain,
	 * which Postfix's mailbox query finds as it finds the file's line. */
	size_t nc;
	const struct catchall *c = world_catchalls(w, &nc);
	for (size_t i = 0; i < nc; i++, c++) {
		if (c->map != CATCHALL_IN_MAILBOX_MAP || !c->mailbox ||
		    !hosted(world_domain_find(w, c->domain)))
			continue;
		struct pgrow *x = row_new(r, "mailbox");
		row_set(x, "username", c->mailbox->address, false);
		row_set(x, "password", "", true);
		row_set(x, "maildir", c->target, false);
		row_set(x, "quota", "0", false);
		row_set(x, "local_part", "", false);
		row_set(x, "domain", c->domain, false);
	}
}

/* A domain listed as a virtual alias domain and a virtual mailbox domain
 * is an alias domain for Postfix (resolve.c's order): its mailboxes get
 * no mail ("User unknown in virtual alias table"). The database has one
 * kind of domain, whose mailboxes the mailbox query finds: that change is
 * named, not made silently (the round trip test found it). */
static void domain_class_warn(const struct domain *dom, struct diags *d)
{
	if (dom->class != DOMAIN_VIRTUAL_ALIAS || !(dom->classes & DOMAIN_VIRTUAL_MAILBOX) ||
	    !dom->nmailboxes)
		return;
	const struct domain_listing *l = dom->nlistings ? &dom->listings[0] : NULL;
	diag_warn(d, l ? l->file : NULL, l ? l->line : 0,
		  ngettext("%s: a virtual alias domain and a virtual mailbox domain, so Postfix "
			   "delivers nothing to its %zu mailbox; in the database it is one domain, "
			   "and its mailbox receives mail",
			   "%s: a virtual alias domain and a virtual mailbox domain, so Postfix "
			   "delivers nothing to its %zu mailboxes; in the database it is one domain, "
			   "and its mailboxes receive mail", dom->nmailboxes),
		  dom->name, dom->nmailboxes);
}

void pgrows_from_world(const struct world *w, struct pgrows *r, struct diags *d)
{
	size_t n;
	const struct domain *dom = world_domains(w, &n);
	for (size_t i = 0; i < n; i++)
		if (hosted(&dom[i])) {
			row_set(row_new(r, "domain"), "domain", dom[i].name, false);
			domain_class_warn(&dom[i], d);
		}
	struct strmap *mirrors = strmap_create(8);
	aliasdom_rows(w, r, mirrors, d);
	mailbox_rows(w, r, d);
	alias_rows(w, r, mirrors, d);
	strmap_free(&mirrors);
}

void pgrows_print(const struct pgrows *r, struct strbuf *plan)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct pgrow *x = &r->v[i];
		sb_addf(plan, "+ %s", x->table);
		for (size_t c = 0; c < x->ncols; c++) {
			if (x->secret[c])
				sb_addf(plan, " %s=%s", x->cols[c], *x->vals[c] ? "(set)" : "(none)");
			else
				sb_addf(plan, c ? " %s=%s" : " %s", c ? x->cols[c] : x->vals[c],
					x->vals[c]);
		}
		sb_addc(plan, '\n');
	}
}


/* The tables in the order a transaction writes them: a domain before the
 * rows that reference it, and removed after them (every removal comes
 * after the inserts and updates, in the reverse order). */
static const char *const table_order[] = { "domain", "alias_domain", "mailbox", "alias", NULL };
#define TABLE_RANKS 4

static int table_rank(const struct pgchange *c)
{
	const struct pgrow *x = c->after ? c->after : c->before;
	int rank = TABLE_RANKS;
	for (int i = 0; table_order[i]; i++)
		if (!strcmp(table_order[i], x->table))
			rank = i;
	return c->after ? rank : 2 * TABLE_RANKS + 1 - rank;
}

static char *row_id(const struct pgrow *x)
{
	return xasprintf("%s %s", x->table, x->vals[0]);
}

static int change_cmp(const void *a, const void *b)
{
	const struct pgchange *x = a, *y = b;
	const struct pgrow *rx = x->after ? x->after : x->before;
	const struct pgrow *ry = y->after ? y->after : y->before;
	int tx = table_rank(x), ty = table_rank(y);
	if (tx != ty)
		return tx - ty;
	return strcmp(rx->vals[0], ry->vals[0]);
}

static bool row_same(const struct pgrow *a, const struct pgrow *b)
{
	if (a->ncols != b->ncols)
		return false;
	for (size_t c = 0; c < a->ncols; c++)
		if (strcmp(a->cols[c], b->cols[c]) || strcmp(a->vals[c], b->vals[c]))
			return false;
	return true;
}

void pgrows_diff(const struct pgrows *before, const struct pgrows *after, struct pgchanges *out)
{
	memset(out, 0, sizeof *out);
	struct strmap *old = strmap_create(before->n + 1), *seen = strmap_create(after->n + 1);
	for (size_t i = 0; i < before->n; i++) {
		char *id = row_id(&before->v[i]);
		strmap_put(old, id, &before->v[i]);
		free(id);
	}
	size_t cap = 0;
	for (size_t i = 0; i < after->n; i++) {
		const struct pgrow *x = &after->v[i];
		char *id = row_id(x);
		const struct pgrow *was = strmap_get(old, id);
		strmap_put(seen, id, seen);   /* a mark */
		free(id);
		if (was && row_same(was, x))
			continue;
		xgrow(&out->v, &cap, out->n + 1, sizeof *out->v);
		out->v[out->n++] = (struct pgchange){ was, x };
	}
	for (size_t i = 0; i < before->n; i++) {
		char *id = row_id(&before->v[i]);
		bool kept = strmap_get(seen, id) != NULL;
		free(id);
		if (kept)
			continue;
		xgrow(&out->v, &cap, out->n + 1, sizeof *out->v);
		out->v[out->n++] = (struct pgchange){ &before->v[i], NULL };
	}
	strmap_free(&old);
	strmap_free(&seen);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, change_cmp);
}

void pgchanges_free(struct pgchanges *c)
{
	free(c->v);
	memset(c, 0, sizeof *c);
}

static const char *col_value(const struct pgrow *x, const char *col, bool *secret)
{
	for (size_t c = 0; x && c < x->ncols; c++)
		if (!strcmp(x->cols[c], col)) {
			if (secret)
				*secret = x->secret[c];
			return x->vals[c];
		}
	return NULL;
}

static void print_cols(const struct pgrow *x, struct strbuf *out)
{
	for (size_t c = 1; c < x->ncols; c++) {
		if (x->secret[c])
			sb_addf(out, " %s=%s", x->cols[c], *x->vals[c] ? "(set)" : "(none)");
		else
			sb_addf(out, " %s=%s", x->cols[c], x->vals[c]);
	}
}

void pgchanges_print(const struct pgchanges *c, struct strbuf *out)
{
	if (!c->n)
		return;
	sb_adds(out, "--- pgsql (the snapshot read)\n+++ pgsql (as staged)\n");
	sb_addf(out, "@@ %zu %s @@\n", c->n, c->n == 1 ? "row" : "rows");
	for (size_t i = 0; i < c->n; i++) {
		const struct pgrow *b = c->v[i].before, *a = c->v[i].after;
		if (!b) {
			sb_addf(out, "+%s %s", a->table, a->vals[0]);
			print_cols(a, out);
		} else if (!a) {
			sb_addf(out, "-%s %s", b->table, b->vals[0]);
			print_cols(b, out);
		} else {
			/* One line: only the columns that change. */
			sb_addf(out, "~%s %s", a->table, a->vals[0]);
			for (size_t k = 1; k < a->ncols; k++) {
				bool secret = a->secret[k];
				const char *was = col_value(b, a->cols[k], NULL);
				if (was && !strcmp(was, a->vals[k]))
					continue;
				if (secret)
					sb_addf(out, " %s: %s", a->cols[k], _("changed"));
				else
					sb_addf(out, " %s: %s -> %s", a->cols[k], was ? was : "", a->vals[k]);
			}
		}
		sb_addc(out, '\n');
	}
}

const char *pgrow_value(const struct pgrow *x, const char *col)
{
	return col_value(x, col, NULL);
}
