/* The preconditions of a commit's maildir actions, checked before the first
 * file changes: a commit that could not finish must not start (issue 10,
 * defect 1). The dry run asks the same questions. */
#ifndef VMAILADM_PRECHECK_H
#define VMAILADM_PRECHECK_H
#include <stdbool.h>

#include "vmailadm/diag.h"

struct config;
struct plan;

/* Can every maildir action of plan run: the directories exist or can be
 * made, nothing below the mail base or archive_dir is a symlink, a maildir
 * to create is absent and one to archive or restore is where the plan
 * says, the archive is on the mail base's filesystem, there is room for a
 * new maildir. Each problem goes to d at `level`, naming the path; returns
 * -1 when there is one. With `create`, a missing archive_dir is made (0700,
 * like the state directory); without it (a dry run) it is only checked to
 * be makeable. base: virtual_mailbox_base. */
int precheck_plan(const struct config *cfg, const struct plan *p, const char *base, bool create,
		  enum diag_level level, struct diags *d);

/* Are the files plan writes and rebuilds where the configuration puts
 * them (below postfix_dir, the passwd-file, the aliases file), each a
 * regular file or absent, reached through no symlink? Each one that is not
 * is an error in d naming it; -1 then. The commit checks it after its
 * re-read; the dry run, so that it says the commit would stop. */
int precheck_targets(const struct config *cfg, const struct plan *p, struct diags *d);

/* Messages (files in new/ and cur/ of the inbox and of every folder) in
 * the maildir base/rel, walked without following symlinks; -1 when it
 * cannot be read. */
long precheck_count_messages(const char *base, const char *rel);

/* path relative to base, or NULL when it is not under base. */
const char *precheck_under(const char *base, const char *path);

#endif
