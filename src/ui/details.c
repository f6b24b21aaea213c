/* The main screen's details pane: everything about the selected domain,
 * mailbox, alias or catch-all (definition with file and line, password
 * scheme, quota, counts, aliases reaching it, lint's problems, and where
 * the tracer says its mail goes), wrapped to the pane's width. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse_int.h"
#include "vmailadm/human.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/sendas.h"
#include "vmailadm/source.h"
#include "vmailadm/stage.h"
#include "vmailadm/strmap.h"
#include "vmailadm/table.h"
#include "vmailadm/trace.h"
#include "vmailadm/xalloc.h"

static size_t details_count(void *arg)
{
	return ((struct browse *)arg)->ndet;
}

static void details_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct browse *B = arg;
	const struct dline *l = &B->det[i];
	if (l->heading) {
		ui_text(ui, y, x + 1, w - 1, l->text, ROLE_SECTION);
		return;
	}
	if (l->label)
		ui_text(ui, y, x + 1, 13, l->label, ROLE_TITLE);
	int used = ui_text(ui, y, x + 15, w - 15, l->text, l->role);
	if (l->suffix && 15 + used + 2 < w)
		ui_text(ui, y, x + 17 + used, w - 17 - used, l->suffix, ROLE_DIM);
}

static bool details_selectable(void *arg, size_t i)
{
	(void)arg;
	(void)i;
	return false;
}

const struct list_ops details_ops = { details_count, details_row, details_selectable };

static void details_clear(struct browse *B)
{
	for (size_t i = 0; i < B->ndet; i++) {
		free(B->det[i].label);
		free(B->det[i].text);
		free(B->det[i].suffix);
	}
	B->ndet = 0;
}

static void details_add(struct browse *B, const char *label, enum theme_role role, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
static void details_add(struct browse *B, const char *label, enum theme_role role, const char *fmt,
		    ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (B->ndet == B->capdet) {
		B->capdet = B->capdet ? 2 * B->capdet : 16;
		B->det = xreallocarray(B->det, B->capdet, sizeof *B->det);
	}
	B->det[B->ndet++] = (struct dline){ label ? xstrdup(label) : NULL, sb_detach(&sb), role,
					    NULL, false };
}

/* The last line gets a dim "file:line" after its text (source.h). */
static void details_where(struct browse *B, const char *file, unsigned line)
{
	if (!B->ndet || !file)
		return;
	free(B->det[B->ndet - 1].suffix);
	B->det[B->ndet - 1].suffix = source_text(B->ui->cfg, file, line);
}

static void details_heading(struct browse *B, const char *text)
{
	details_add(B, NULL, ROLE_SECTION, "%s", text);
	B->det[B->ndet - 1].heading = true;
}

/* The problems lint found about this entry (match says which). */
/* The problems match takes among those of the subjects keys (n of them). */
static void details_problems(struct browse *B, lintmark_match match, const void *arg,
			     const char *const *keys, size_t n)
{
	size_t shown = 0, *pos;
	size_t npos = lintmark_problems_of(B, keys, n, &pos);
	for (size_t j = 0; j < npos; j++) {
		const struct lint_problem *p = &B->lint.v[pos[j]];
		if (!p->subject || !match(p, arg))
			continue;
		if (shown++ == 0)
			details_heading(B, _("Problems"));
		enum theme_role role = p->severity == LINT_ERROR ? ROLE_ERROR
			: p->severity == LINT_WARNING ? ROLE_WARNING : ROLE_NORMAL;
		char *msg = lint_problem_message(p), *fix = lint_problem_fix(p);
		details_add(B, p->severity == LINT_ERROR ? _("error") : p->severity == LINT_WARNING
			? _("warning") : _("info"), role, "%s  %s", lint_problem_rule(p), msg);
		if (*fix)
			details_add(B, NULL, ROLE_NORMAL, _("fix: %s"), fix);
		free(msg);
		free(fix);
		if (p->file && p->line)
			details_add(B, NULL, ROLE_DIM, "%s:%u", p->file, p->line);
		else if (p->file)
			details_add(B, NULL, ROLE_DIM, "%s", p->file);
	}
	free(pos);
	/* Nothing above does not mean nothing wrong while lint still runs. */
	if (B->lint_pending) {
		if (shown == 0)
			details_heading(B, _("Problems"));
		details_add(B, NULL, ROLE_DIM, "%s",
			    _("lint is still running: its findings show here when it ends"));
	}
}

/* "Mail for ADDRESS goes": the tracer's steps indented by depth, each with
 * the file and line that decided it, then where the mail ends. */
static void details_trace(struct browse *B, struct tracer *tr, const char *address, const char *note)
{
	if (!tr)
		return;
	struct trace_result res;
	trace_address(tr, address, &res);
	struct strbuf h = STRBUF_INIT;
	sb_addf(&h, _("Mail for %s goes"), address);
	details_heading(B, sb_str(&h));
	sb_free(&h);
	if (note)
		details_add(B, NULL, ROLE_DIM, "%s", note);
	for (size_t i = 0; i < res.nsteps; i++) {
		const struct trace_step *st = &res.steps[i];
		unsigned depth = st->depth < 8 ? st->depth : 8;
		enum theme_role role = strcmp(st->what, "warning") == 0 ||
			strcmp(st->what, "limit") == 0 ? ROLE_WARNING
			: strcmp(st->what, "reject") == 0 ? ROLE_ERROR : ROLE_NORMAL;
		details_add(B, i == 0 ? _("Steps") : NULL, role, "%*s%s", (int)(2 * depth), "",
			st->text);
		details_where(B, st->file, st->line);
	}
	for (size_t i = 0; i < res.nqueries; i++) {   /* database maps: what Postfix asks */
		struct strbuf q = STRBUF_INIT;
		trace_query_text(&res.queries[i], &q);
		details_add(B, i == 0 ? _("Queries") : NULL, res.queries[i].error ? ROLE_WARNING : ROLE_DIM,
			    "%s", sb_str(&q));
		sb_free(&q);
	}
	for (size_t i = 0; i < res.ndests; i++) {
		const struct trace_dest *d = &res.dests[i];
		const char *label = i == 0 ? _("Ends") : NULL;
		switch (d->kind) {
		case TRACE_MAILDIR:
			details_add(B, label, ROLE_NORMAL, _("maildir %s"), d->path ? d->path : "?");
			break;
		case TRACE_MBOX:
			details_add(B, label, ROLE_WARNING, _("mbox file %s"), d->path ? d->path : "?");
			break;
		case TRACE_REMOTE:
			details_add(B, label, ROLE_NORMAL, _("relayed to another host: %s%s%s%s"), d->address,
				d->detail ? " (" : "", d->detail ? d->detail : "", d->detail ? ")" : "");
			break;
		case TRACE_LOCAL:
			details_add(B, label, ROLE_NORMAL, _("local delivery: %s%s%s%s"), d->address,
				d->detail ? " (" : "", d->detail ? d->detail : "", d->detail ? ")" : "");
			break;
		case TRACE_REJECT:
			details_add(B, label, ROLE_ERROR, _("rejected: %s"), d->reason ? d->reason : d->address);
			break;
		case TRACE_DEFER:
			details_add(B, label, ROLE_WARNING, _("deferred: %s"), d->reason ? d->reason : d->address);
			break;
		}
		details_where(B, d->file, d->line);
	}
	trace_result_free(&res);
}

/* An address of the domain that no entry names, to show where unknown
 * addresses go; letters and digits only, so that no recipient_delimiter
 * splits it into a real user and an extension. */
static void details_sample_unknown(const struct world *w, const char *domain, struct strbuf *out)
{
	uint32_t hv = strmap_hash(domain);
	for (unsigned i = 0;; i++) {
		sb_reset(out);
		sb_addf(out, "nosuchuser%06x@%s", (unsigned)((hv + i) & 0xffffff), domain);
		if (!world_mailbox_find(w, sb_str(out)) && !world_alias_find(w, sb_str(out)))
			return;
	}
}

static void details_reaching(struct browse *B, const struct world *w, const char *address)
{
	size_t n, ns;
	const struct alias **v = world_aliases_reaching(w, address, &n);
	const struct alias_entry **sys = world_sysaliases_to(w, address, &ns);
	if (n == 0 && ns == 0)
		details_add(B, _("Reached by"), ROLE_DIM, "%s", _("no alias"));
	for (size_t i = 0; i < n; i++)
		details_add(B, i == 0 ? _("Reached by") : NULL, ROLE_NORMAL, "%s", v[i]->address);
	for (size_t i = 0; i < ns; i++)
		details_add(B, i == 0 && n == 0 ? _("Reached by") : NULL, ROLE_NORMAL,
			    _("%s (system alias, %s:%u)"), sys[i]->lookup_key,
			    doc_name(aliases_doc(world_system_aliases(w))), sys[i]->line);
	free(sys);
	free(v);
}

/* Who may send as address, from the sender login map (sendas.h), when
 * there is one: the line Postfix finds, each owner granted or not. */
static void details_sendas(struct browse *B, const struct world *w, const char *address)
{
	if (!sendas_map(w) || !sendas_present(w))
		return;
	struct strbuf form = STRBUF_INIT, who = STRBUF_INIT;
	const struct table_entry *e = sendas_lookup(w, address, &form);
	sendas_owners_text(w, e ? form.buf : address, e ? e->value : "", &who);
	details_add(B, _("Sent as by"), who.len ? ROLE_NORMAL : ROLE_WARNING, "%s",
		    who.len ? who.buf : _("nobody (a client that logs in is refused it)"));
	if (!sendas_enabled(w) || !sendas_restriction_param(w))
		B->det[B->ndet - 1].suffix = xstrdup(_("not enforced: vmailadm sendas enable"));
	else if (e && strcmp(form.buf, address) != 0)
		B->det[B->ndet - 1].suffix = xasprintf(_("line %s"), form.buf);
	sb_free(&form);
	sb_free(&who);
}

/* "Defined in": where an entry is (source.h names the database's rows on
 * backend pgsql), with what says more of it (NULL: nothing). */
static void details_defined(struct browse *B, const char *file, unsigned line, const char *what)
{
	char *where = source_text(B->ui->cfg, file, line);
	if (what)
		details_add(B, _("Defined in"), ROLE_DIM, "%s  (%s)", where, what);
	else
		details_add(B, _("Defined in"), ROLE_DIM, "%s", where);
	free(where);
}

static void details_mailbox(struct browse *B, const struct world *w, const struct mailbox *b,
			    size_t mbx)
{
	struct ui *ui = B->ui;
	struct maildir_counts c;
	enum maildir_status st;
	bool known = live_counts(ui->live, mbx, &c, &st);
	char h[32];

	details_add(B, _("Mailbox"), ROLE_NORMAL, "%s", b->address);
	details_add(B, _("Maildir"), ROLE_NORMAL, "%s", b->maildir ? b->maildir : "?");
	details_defined(B, b->file, b->line, b->value);
	if (b->pw) {
		char *scheme = pwfile_scheme(b->pw);
		details_add(B, _("Password"), *scheme ? ROLE_NORMAL : ROLE_WARNING, "%s",
			*scheme ? scheme : _("none (cannot log in)"));
		free(scheme);
	} else {
		details_add(B, _("Password"), ROLE_WARNING, "%s",
			_("no passwd-file entry: Dovecot cannot log this user in"));
	}
	long long lim = rows_quota_limit(B, b, mbx);
	if (lim < 0) {
		details_add(B, _("Quota"), ROLE_DIM, "%s", b->quota_rule ? b->quota_rule : _("none"));
	} else if (lim == 0) {
		details_add(B, _("Quota"), ROLE_NORMAL, "%s", _("unlimited"));
	} else {
		human_size(h, sizeof h, (uint64_t)lim);
		double pct = known ? 100.0 * (double)c.bytes / (double)lim : 0;
		details_add(B, _("Quota"), pct >= 80 ? rows_quota_role(pct / 100) : ROLE_NORMAL,
			_("%s (%s): %.0f%% used"), h, b->quota_rule ? b->quota_rule : "maildirsize",
			pct);
	}
	if (!known && mbx == SIZE_MAX) {
		details_add(B, _("Messages"), ROLE_DIM, "%s", _("the Maildir is created at commit"));
	} else if (!known) {
		details_add(B, _("Messages"), ROLE_DIM, "%s", live_scanning(ui->live)
			? _("scanning...") : _("not a Maildir"));
	} else if (st != MAILDIR_OK && st != MAILDIR_PARTIAL) {
		details_add(B, _("Messages"), ROLE_WARNING, _("the Maildir is %s"),
			maildir_status_name(st));
	} else {
		human_size(h, sizeof h, c.bytes);
		details_add(B, _("Messages"), c.new_msgs ? ROLE_NEW_MAIL : ROLE_NORMAL,
			_("%llu (%u new, %u unread), %s"), (unsigned long long)maildir_total(&c),
			c.new_msgs, c.unread, h);
		struct strbuf f = STRBUF_INIT;
		if (live_folders(ui->live, mbx, &f))
			details_add(B, _("Folders"), ROLE_NORMAL, "%s", sb_str(&f));
		sb_free(&f);
	}
	details_reaching(B, w, b->address);
	bool copy;
	const struct alias *fw = world_mailbox_forward(b, &copy);
	struct strbuf to = STRBUF_INIT;
	for (size_t i = 0; fw && i < fw->ntargets; i++)
		if (strcmp(fw->targets[i].address, b->address) != 0)
			sb_addf(&to, "%s%s", to.len ? ", " : "", fw->targets[i].text);
	if (fw && copy)
		details_add(B, _("Forwarding"), ROLE_NORMAL, _("a copy to %s"), to.buf);
	else if (fw)
		details_add(B, _("Forwarding"), ROLE_ERROR, _("to %s, NO copy: its mail leaves, its INBOX gets none"),
			to.buf);
	sb_free(&to);
	char *goes = ui_one_line(b->alias ? b->alias->value : "");
	if (fw && !copy)
		details_add(B, _("Mail goes"), ROLE_ERROR, _("to %s (its alias entry wins)"), goes);
	else if (b->alias && !b->alias->is_identity)
		details_add(B, _("Mail goes"), ROLE_WARNING, _("to %s (its alias entry wins)"), goes);
	else if (b->swallowed)
		details_add(B, _("Mail goes"), ROLE_WARNING, "%s",
			_("to the domain's catch-all: the mailbox needs an identity alias entry"));
	else
		details_add(B, _("Mail goes"), ROLE_NORMAL, "%s", _("into this Maildir"));
	free(goes);
	details_sendas(B, w, b->address);
	struct lintmark_mailbox_arg ma = { b, lintmark_staged_new(B, b) };
	const char *keys[] = { b->maildir, b->address, b->domain };
	details_problems(B, lintmark_match_mailbox, &ma, keys, 3);
	details_trace(B, B->tracer, b->address, NULL);
}

static void details_alias(struct browse *B, const struct world *w, const struct alias *a)
{
	details_add(B, _("Alias"), ROLE_NORMAL, "%s", a->address);
	details_defined(B, a->file, a->line, NULL);
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct alias_target *t = &a->targets[i];
		details_add(B, i == 0 ? _("Targets") : NULL,
			t->class == TARGET_UNKNOWN ? ROLE_WARNING : ROLE_NORMAL, "%s  (%s)", t->text,
			model_target_class_name(t->class));
	}
	for (size_t i = 0; i < a->ntargets; i++)
		if (a->targets[i].class == TARGET_UNKNOWN)
			details_add(B, _("Warning"), ROLE_WARNING, _("%s does not exist: mail to it bounces"),
				a->targets[i].text);
	details_reaching(B, w, a->address);
	if (!a->is_catchall)
		details_sendas(B, w, a->address);
	details_problems(B, lintmark_match_alias, a, &a->address, 1);
	details_trace(B, B->tracer, a->address, NULL);
}

static void details_catchall_notes(struct browse *B, const struct world *w,
				   const struct catchall *c)
{
	details_add(B, _("Catch-all"), ROLE_NORMAL, "@%s", c->domain);
	details_add(B, _("Goes to"), ROLE_NORMAL, "%s", c->target);
	details_defined(B, c->file, c->line,
		c->map == CATCHALL_IN_ALIAS_MAP ? "virtual_alias_maps" : "virtual_mailbox_maps");
	if (c->map != CATCHALL_IN_ALIAS_MAP) {
		details_add(B, _("Note"), ROLE_NORMAL, "%s",
			_("takes mail for unknown addresses; real mailboxes keep theirs"));
		return;
	}
	size_t n, lost = 0;
	const struct domain *d = world_domain_find(w, c->domain);
	const struct mailbox *mb = d ? world_domain_mailboxes(w, d, &n) : NULL;
	for (size_t i = 0; mb && i < n; i++)
		lost += mb[i].swallowed;
	if (lost)
		details_add(B, _("Warning"), ROLE_WARNING,
			ngettext("%zu mailbox has no identity entry: this catch-all takes its mail",
				 "%zu mailboxes have no identity entry: this catch-all takes their mail",
				 lost), lost);
	else
		details_add(B, _("Note"), ROLE_NORMAL, "%s",
			_("takes mail for every unknown address of the domain"));
}

static void details_catchall(struct browse *B, const struct world *w, const struct catchall *c)
{
	details_catchall_notes(B, w, c);
	char *at = xasprintf("@%s", c->domain);
	const char *keys[] = { at, c->domain };
	details_problems(B, lintmark_match_catchall, c, keys, 2);
	free(at);
	struct strbuf a = STRBUF_INIT;
	details_sample_unknown(B->w, c->domain, &a);
	details_trace(B, B->tracer, sb_str(&a), _("(a made-up address that no entry names: where unknown addresses go)"));
	sb_free(&a);
}

/* The domain's limits (domain_limits, issue 15) beside what it has: in the
 * warning colour at the limit, as the stage then refuses one more. */
static void details_limits(struct browse *B, const struct world *w, const struct domain *d)
{
	struct domain_limits lim;
	if (!config_domain_limits(B->ui->cfg, d->name, &lim))
		return;
	long nb, na;
	long long q;
	stage_rule_domain_usage(w, d->name, &nb, &na, &q);
	const char *label = _("Limits");
	if (lim.mailboxes >= 0) {
		details_add(B, label, nb >= lim.mailboxes ? ROLE_WARNING : ROLE_NORMAL, _("%ld of %ld mailboxes"), nb,
			lim.mailboxes);
		label = NULL;
	}
	if (lim.aliases >= 0) {
		details_add(B, label, na >= lim.aliases ? ROLE_WARNING : ROLE_NORMAL, _("%ld of %ld aliases"), na,
			lim.aliases);
		label = NULL;
	}
	if (lim.quota_total >= 0) {
		char used[32], max[32];
		human_size(used, sizeof used, (uint64_t)q);
		human_size(max, sizeof max, (uint64_t)lim.quota_total);
		details_add(B, label, q >= lim.quota_total ? ROLE_WARNING : ROLE_NORMAL, _("quotas %s of %s"), used, max);
	}
}

static void details_domain(struct browse *B, const struct world *w, const struct domain *d)
{
	details_add(B, _("Domain"), ROLE_NORMAL, "%s", d->name);
	details_add(B, _("Class"), ROLE_NORMAL, "%s", model_domain_class_text(d->class));
	for (size_t i = 0; i < d->nlistings; i++) {
		const struct domain_listing *l = &d->listings[i];
		char *where = source_text(B->ui->cfg, l->file, l->line);
		/* listed by the database: the table says it, not the snapshot's map */
		details_add(B, i == 0 ? _("Listed in") : NULL, ROLE_DIM, "%s  (%s)", where,
			source_is_row(B->ui->cfg, l->file) ? model_domain_class_name(l->class) : l->via);
		free(where);
	}
	char *boxes_n, *aliases_n;
	model_entry_counts(d->nmailboxes, d->naliases, &boxes_n, &aliases_n);
	details_add(B, _("Entries"), ROLE_NORMAL, "%s, %s", boxes_n, aliases_n);
	free(boxes_n);
	free(aliases_n);
	if (d->conflict)
		details_add(B, _("Warning"), ROLE_WARNING, "%s",
			_("listed in more than one domain class: Postfix warns and uses one"));
	if (d->catchall_alias || d->catchall_mailbox)
		details_add(B, _("Catch-all"), ROLE_WARNING, "%s",
			d->catchall_alias ? d->catchall_alias->target : d->catchall_mailbox->target);
	details_limits(B, w, d);
	details_problems(B, lintmark_match_domain, d, &d->name, 1);
}

static void details_insert(struct browse *B, size_t at, struct dline l)
{
	if (B->ndet == B->capdet) {
		B->capdet = B->capdet ? 2 * B->capdet : 16;
		B->det = xreallocarray(B->det, B->capdet, sizeof *B->det);
	}
	memmove(&B->det[at + 1], &B->det[at], (B->ndet - at) * sizeof *B->det);
	B->ndet++;
	B->det[at] = l;
}

/* Long values (paths) wrap onto continuation lines rather than being cut. */
static void details_wrap(struct browse *B)
{
	int w = B->det_w > 10 ? B->det_w : 10;
	for (size_t i = 0; i < B->ndet; i++) {
		if (B->det[i].heading)
			continue;
		/* file:line that does not fit beside the text goes below it */
		char *suffix = B->det[i].suffix;
		if (suffix && ui_width(B->det[i].text) + 2 + ui_width(suffix) > w) {
			B->det[i].suffix = NULL;
			details_insert(B, i + 1, (struct dline){ NULL, suffix, ROLE_DIM, NULL, false });
		}
		char *t = B->det[i].text;
		size_t fit = ui_fit(t, w);
		if (!t[fit] || fit == 0)
			continue;
		/* break after a space when there is one in the second half, else
		 * after a path's '/' or a name's '.' or '@' ("andromed." then
		 * "cloud", not "andromed.clo" then "ud"); the continuation keeps
		 * the indentation of a trace step, plus two */
		size_t ind = strspn(t, " ");
		size_t cut = fit;
		static const char breaks[] = " /.@";
		for (const char *b = breaks; *b && cut == fit; b++)
			for (size_t k = fit; k > fit / 2 && k > ind; k--)
				if (t[k - 1] == *b) {
					cut = k;
					break;
				}
		size_t pad = ind ? ind + 2 : 0;
		if ((int)pad > w / 2)
			pad = 0;
		struct strbuf c = STRBUF_INIT;
		sb_addf(&c, "%*s%s", (int)pad, "", t + cut);
		/* the suffix stays with the last piece */
		details_insert(B, i + 1, (struct dline){ NULL, sb_detach(&c), B->det[i].role,
						     B->det[i].suffix, false });
		B->det[i].suffix = NULL;
		t[cut] = 0;
	}
}

static void details_build_raw(struct browse *B);

static void details_remember(struct browse *B)
{
	free(B->sel_dom);
	free(B->sel_addr);
	const struct dent *e = rows_cur_dent(B);
	B->sel_dom = e ? xstrdup(e->name) : NULL;
	B->sel_addr = NULL;
	if (B->nrows && B->elist.sel < B->nrows) {
		const struct row *r = &B->rows[B->elist.sel];
		if (r->kind == ROW_MAILBOX)
			B->sel_addr = xstrdup(((const struct mailbox *)r->p)->address);
		else if (r->kind == ROW_ALIAS)
			B->sel_addr = xstrdup(((const struct alias *)r->p)->address);
		else if (r->kind == ROW_CATCHALL)
			B->sel_addr = xasprintf("@%s", ((const struct catchall *)r->p)->domain);
	}
}

void details_build(struct browse *B)
{
	details_remember(B);
	details_build_raw(B);
	details_wrap(B);
}

static void details_build_raw(struct browse *B)
{
	details_clear(B);
	if (B->traced) {
		char *note = NULL;
		struct tracer *tr = traceserver_for(B->ui, B->tracer, &note);
		const char *how = _("(traced with t; Tab or Left goes back to the selection)");
		char *both = note ? xasprintf("%s %s", how, note) : NULL;
		details_trace(B, tr, B->traced, both ? both : how);
		free(both);
		free(note);
		return;
	}
	const struct domain *d = rows_cur_domain(B);
	if (!d) {
		details_add(B, NULL, ROLE_DIM, "%s", sb_str(&B->filter)[0]
			? _("nothing matches the filter") : _("no domains"));
		return;
	}
	const struct row *r = B->nrows && B->focus != PANE_DOMAINS ? &B->rows[B->elist.sel] : NULL;
	static const char *const staged[] = {
		NULL, N_("added (not committed yet)"), N_("to be removed (not committed yet)"),
		N_("changed (not committed yet)"),
	};
	enum mark m = r && r->kind != ROW_SECTION && r->kind != ROW_NONE ? r->mark
		: rows_cur_dent(B)->mark;
	if (m != MARK_NONE)
		details_add(B, _("Staged"), rows_mark_role[m], "%s", _(staged[m]));
	const struct world *w = m == MARK_DEL ? B->disk : B->w;
	if (!r || r->kind == ROW_SECTION || r->kind == ROW_NONE)
		details_domain(B, w, d);
	else if (r->kind == ROW_MAILBOX)
		details_mailbox(B, w, r->p, r->mbx);
	else if (r->kind == ROW_ALIAS)
		details_alias(B, w, r->p);
	else
		details_catchall(B, w, r->p);
}

/* ---- the screen ---- */

void details_free(struct browse *B)
{
	details_clear(B);
	free(B->det);
	free(B->traced);
}

void details_forget_trace(struct browse *B)
{
	free(B->traced);
	B->traced = NULL;
}

/* An address as Postfix would receive it in RCPT TO: no blanks, no
 * control characters; a bare local part is traced as Postfix would
 * (myorigin appended). */
static bool details_trace_check(struct form *f, size_t field, const char *v, struct strbuf *why)
{
	(void)f;
	(void)field;
	if (!*v) {
		sb_adds(why, _("type an address"));
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			sb_adds(why, _("an address has no blanks or control characters"));
			return false;
		}
	return true;
}

static int details_trace_submit(struct form *f, struct ui *ui, struct strbuf *err)
{
	(void)err;
	struct browse *B = form_ctx(f);
	free(B->traced);
	B->traced = xstrdup(form_value(f, 0));
	for (char *p = B->traced; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	B->focus = PANE_DETAILS;
	B->tlist.top = B->tlist.sel = 0;
	details_build(B);
	ui_status(ui, ROLE_STATUS, _("Where mail for %s goes: in the details pane (PgDn scrolls)"),
		  B->traced);
	return 0;
}

bool details_k_trace(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct browse *B = (struct browse *)s;
	const char *sel = B->sel_addr && B->sel_addr[0] != '@' ? B->sel_addr : "";
	const struct form_field fields[] = {
		{ N_("Address"), sel, N_("any address: hosted here, elsewhere, or made up"), false,
		  details_trace_check },
	};
	/* the selection's address, selected: Enter traces it, typing replaces it */
	ui_push(ui, form_preselect(form_create(ui, _("Trace: where does mail for an address go?"),
					       fields, 1, details_trace_submit, B, NULL),
				   0));
	return true;
}
