/* lint's quota-nearly-full: the mailboxes whose Maildir fills their
 * passwd-file quota past quota_warn_percent. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maildir/scan.h"
#include "vmailadm/model.h"
#include "vmailadm/human.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/xalloc.h"


/* Mailboxes whose passwd-file quota is nearly used up (issue 15): only
 * those with a storage limit there are scanned (one scan, on the workers),
 * and the fix names the field this server's Dovecot reads. */
void lint_quota(const struct world *w, const struct config *cfg, struct lint_report *r,
		       const struct lint_stop *stop)
{
	size_t nb;
	const struct mailbox *boxes = world_mailboxes(w, &nb);
	const char *base = world_mailbox_base(w);
	if (!base || !*base || lint_stopped(stop))
		return;
	struct maildir_scan *s = maildir_scan_create(0);
	maildir_scan_set_oneshot(s, true);
	size_t *ids = xcalloc(nb ? nb : 1, sizeof *ids);
	/* The sizes the caller knows (the interface's live scan): only the
	 * others are read (a second scan of every maildir doubled the work of
	 * the interface's start, issue 16). */
	uint64_t *known = xcalloc(nb ? nb : 1, sizeof *known);
	bool any = false, scan = false;
	for (size_t i = 0; i < nb; i++) {
		ids[i] = SIZE_MAX;
		if (boxes[i].quota_bytes <= 0 || !boxes[i].is_maildir)
			continue;
		int k = stop && stop->maildir_bytes ? stop->maildir_bytes(stop->arg, &boxes[i], &known[i]) : -1;
		if (k >= 0) {
			ids[i] = k > 0 ? SIZE_MAX - 1 : SIZE_MAX;   /* known, or skipped */
			any |= k > 0;
			continue;
		}
		const char *rel = boxes[i].value;
		while (*rel == '/')
			rel++;
		ids[i] = maildir_scan_add(s, base, rel);
		any = scan = true;
	}
	if (scan && !lint_stopped(stop))
		maildir_scan_run(s);
	const char *version, *field = model_dovecot_quota_field(&version);
	bool v24 = strcmp(field, MODEL_QUOTA_FIELD_23) != 0;
	for (size_t i = 0; any && i < nb && !lint_stopped(stop); i++) {
		const struct mailbox *b = &boxes[i];
		struct maildir_counts c = { .bytes = known[i] };
		if (ids[i] == SIZE_MAX)
			continue;
		if (ids[i] != SIZE_MAX - 1) {
			if (maildir_box_status(s, ids[i], NULL) != MAILDIR_OK)
				continue;
			maildir_box_counts(s, ids[i], &c);
		}
		long long limit = b->quota_bytes;
		if ((double)c.bytes * 100.0 < (double)cfg->quota_warn_percent * (double)limit)
			continue;
		char used[32], lim[32];
		human_size(used, sizeof used, c.bytes);
		human_size(lim, sizeof lim, (uint64_t)limit);
		const char *ver = *version ? version : "2.3";
		lint_add(r, "quota-nearly-full", LINT_WARNING, b->pw ? doc_name(pwfile_doc(world_pwfile(w))) : b->file,
			 b->pw ? b->pw->line : b->line, b->address,
			 _("mailbox %s uses %.0f%% of its quota (%s of %s; quota_warn_percent is %ld%%)"), b->address,
			 100.0 * (double)c.bytes / (double)limit, used, lim, cfg->quota_warn_percent);
		if (v24)
			lint_fix(r, _("raise it: vmailadm mailbox quota %s SIZE (it writes %s=SIZE, the field Dovecot %s reads), or have the user delete mail"),
				 b->address, field, ver);
		else
			lint_fix(r, _("raise it: vmailadm mailbox quota %s SIZE (it writes %s=*:storage=SIZE, the field Dovecot %s reads), or have the user delete mail"),
				 b->address, field, ver);
	}
	free(ids);
	free(known);
	maildir_scan_free(&s);
}
