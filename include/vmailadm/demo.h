/* The demo server: a complete sandbox tree as the course builds it
 * (Postfix main.cf and tables, /etc/aliases, a Dovecot passwd-file with
 * hashed passwords, Maildirs with sample mail, vmailadm.yaml), made without
 * root and without Postfix, so that every feature can be tried on it. */
#ifndef VMAILADM_DEMO_H
#define VMAILADM_DEMO_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"

/* One demo mailbox and its documented password (README "Demo server"). */
struct demo_user {
	const char *address;
	const char *password;
	const char *quota_rule;   /* userdb_quota_rule value, or NULL */
};

/* The seven demo mailboxes, in the order of the vmailbox file. */
const struct demo_user *demo_users(size_t *n);

/* What demo_create made, for its report. */
struct demo_summary {
	char *dir;                /* the absolute directory */
	long uid, gid;            /* owner of the Maildirs (vmail_uid/vmail_gid) */
	size_t domains, mailboxes, aliases, messages;
};

/* The file whose presence marks a tree made by demo_create: --force replaces
 * only a directory that holds it. */
#define DEMO_MARKER ".vmailadm-demo"

/* Create the demo tree in dir (created if missing; its parent must exist).
 * A non-empty dir is refused unless force, and even then only when it holds
 * DEMO_MARKER; force removes what the demo creates (etc/, vhosts/, state/,
 * archive/, vmailadm.yaml) and nothing else. Refuses "/", $HOME and its
 * parents, system directories, a symlink, and a path that cannot be written
 * into main.cf (spaces, ',', ':', '$', '#', quotes, control bytes). As root
 * the Maildirs belong to 5000:5000, else to the caller. Returns 0, or -1 with
 * diagnostics (nothing is removed when a check fails). */
int demo_create(const char *dir, bool force, struct demo_summary *sum, struct diags *d);
void demo_summary_free(struct demo_summary *sum);

#endif
