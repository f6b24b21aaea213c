/* Lint's marks in the main screen: lint and the tracer run for the world
 * the panes show when it changes (never per key); this file keeps the worst
 * severity per subject, draws the '!' mark, and says which problems belong
 * to an entry (for the details pane). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "browse_int.h"
#include "vmailadm/clock.h"
#include "vmailadm/lint.h"
#include "vmailadm/model.h"
#include "vmailadm/strmap.h"
#include "vmailadm/trace.h"

/* ---- lint marks ---- */

/* Paths are compared without their trailing '/': lint names a maildir
 * either way. */
static size_t lintmark_key_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

static void lintmark_put(struct strmap *m, const char *key, size_t len, enum lint_severity sev)
{
	struct strbuf k = STRBUF_INIT;
	sb_add(&k, key, len);
	uintptr_t old = (uintptr_t)strmap_get(m, sb_str(&k));
	if ((uintptr_t)sev > old)
		strmap_put(m, sb_str(&k), (void *)(uintptr_t)sev);
	sb_free(&k);
}

/* Worst severity lint gave subject (0: none, else LINT_WARNING/ERROR). */
static int lintmark_get(const struct strmap *m, const char *subject)
{
	if (!m || !subject)
		return 0;
	size_t n = lintmark_key_len(subject);
	if (!subject[n])
		return (int)(uintptr_t)strmap_get(m, subject);
	struct strbuf k = STRBUF_INIT;
	sb_add(&k, subject, n);
	int v = (int)(uintptr_t)strmap_get(m, sb_str(&k));
	sb_free(&k);
	return v;
}

static int lintmark_max(int a, int b)
{
	return a > b ? a : b;
}

/* A staged mailbox's maildir is created by the commit: lint's
 * mailbox-without-maildir is not news for it. */
bool lintmark_staged_new(const struct browse *B, const struct mailbox *b)
{
	return B->w != B->disk && !world_mailbox_find(B->disk, b->address);
}

int lintmark_mailbox(const struct browse *B, const struct mailbox *b)
{
	int v = lintmark_get(B->lsev, b->address);
	if (!lintmark_staged_new(B, b))
		v = lintmark_max(v, lintmark_get(B->lsev, b->maildir));
	if (b->swallowed)
		v = lintmark_max(v, lintmark_get(B->lswallow, b->domain));
	return v;
}

int lintmark_alias(const struct browse *B, const struct alias *a)
{
	return lintmark_get(B->lsev, a->address);
}

int lintmark_catchall(const struct browse *B, const struct catchall *c)
{
	struct strbuf k = STRBUF_INIT;
	sb_addf(&k, "@%s", c->domain);
	int v = lintmark_max(lintmark_get(B->lsev, sb_str(&k)), lintmark_get(B->lswallow, c->domain));
	sb_free(&k);
	return v;
}

static int lintmark_domain(const struct browse *B, const struct domain *d)
{
	int v = lintmark_get(B->lsev, d->name);
	size_t n;
	const struct mailbox *mb = world_domain_mailboxes(B->w, d, &n);
	for (size_t i = 0; i < n && v < LINT_ERROR; i++)
		v = lintmark_max(v, lintmark_mailbox(B, &mb[i]));
	const struct alias *al = world_domain_aliases(B->w, d, &n);
	for (size_t i = 0; i < n && v < LINT_ERROR; i++)
		v = lintmark_max(v, lintmark_alias(B, &al[i]));
	if (d->catchall_alias)
		v = lintmark_max(v, lintmark_catchall(B, d->catchall_alias));
	if (d->catchall_mailbox)
		v = lintmark_max(v, lintmark_catchall(B, d->catchall_mailbox));
	return v;
}

/* Lint and a tracer for the world the panes show. The old tracer may
 * outlive its world by this long: trace_free does not look at it. */
void lintmark_attach(struct browse *B)
{
	double t0 = clock_ms();
	trace_free(&B->tracer);
	struct diags scratch = DIAGS_INIT;
	B->tracer = trace_create(B->w, &scratch);
	diags_free(&scratch);

	lint_report_free(&B->lint);
	strmap_free(&B->lsev);
	strmap_free(&B->lswallow);
	lint_run(B->w, B->ui->cfg, NULL, &B->lint);
	B->lsev = strmap_create(B->lint.n + 1);
	B->lswallow = strmap_create(8);
	for (size_t i = 0; i < B->lint.n; i++) {
		const struct lint_problem *p = &B->lint.v[i];
		if (!p->subject || p->severity < LINT_WARNING)
			continue;
		lintmark_put(B->lsev, p->subject, lintmark_key_len(p->subject), p->severity);
		if (strcmp(p->rule, "catchall-swallows-mailboxes") == 0)
			lintmark_put(B->lswallow, p->subject, strlen(p->subject), p->severity);
	}
	for (size_t i = 0; i < B->ndomains; i++)
		B->dsev[i] = B->dents[i].d ? (unsigned char)lintmark_domain(B, B->dents[i].d) : 0;
	if (B->ui->timing) {   /* VMAILADM_UI_TIMING: is lint cheap enough? */
		fprintf(B->ui->timing, "lint %zu %.3f\n", B->lint.n, clock_ms() - t0);
		fflush(B->ui->timing);
	}
}

void lintmark_free(struct browse *B)
{
	lint_report_free(&B->lint);
	strmap_free(&B->lsev);
	strmap_free(&B->lswallow);
	trace_free(&B->tracer);
}

static enum theme_role lintmark_role(int sev)
{
	return sev >= LINT_ERROR ? ROLE_ERROR : ROLE_WARNING;
}

/* The lint mark: a character, so that it reads without colours too. */
void lintmark_draw(struct ui *ui, int y, int x, int sev)
{
	if (sev >= LINT_WARNING)
		ui_text(ui, y, x, 1, "!", lintmark_role(sev));
}

static bool lintmark_same_key(const char *subject, const char *key)
{
	if (!key)
		return false;
	size_t n = lintmark_key_len(subject);
	return n == lintmark_key_len(key) && strncmp(subject, key, n) == 0;
}

bool lintmark_match_mailbox(const struct lint_problem *p, const void *arg)
{
	const struct lintmark_mailbox_arg *ma = arg;
	const struct mailbox *b = ma->b;
	if (lintmark_same_key(p->subject, b->maildir))
		return !ma->staged_new || strcmp(p->rule, "mailbox-without-maildir") != 0;
	if (lintmark_same_key(p->subject, b->address))
		return true;
	return b->swallowed && strcmp(p->rule, "catchall-swallows-mailboxes") == 0 &&
	       strcmp(p->subject, b->domain) == 0;
}

bool lintmark_match_alias(const struct lint_problem *p, const void *arg)
{
	return strcmp(p->subject, ((const struct alias *)arg)->address) == 0;
}

bool lintmark_match_catchall(const struct lint_problem *p, const void *arg)
{
	const struct catchall *c = arg;
	if (p->subject[0] == '@' && strcmp(p->subject + 1, c->domain) == 0)
		return true;
	return strcmp(p->rule, "catchall-swallows-mailboxes") == 0 &&
	       strcmp(p->subject, c->domain) == 0;
}

bool lintmark_match_domain(const struct lint_problem *p, const void *arg)
{
	return strcmp(p->subject, ((const struct domain *)arg)->name) == 0;
}
