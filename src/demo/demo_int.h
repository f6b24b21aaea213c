/* Private to src/demo: the tree being made, shared by demo.c (the files
 * and the order they are made in), demomail.c (the Maildirs and their
 * sample mail) and demodir.c (DIR checked; what --force replaces). */
#ifndef VMAILADM_DEMO_INT_H
#define VMAILADM_DEMO_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "vmailadm/diag.h"
#include "vmailadm/embedded.h"

struct demo {
	const char *dir;       /* absolute */
	int dirfd;
	uid_t uid;             /* Maildir owner */
	gid_t gid;
	time_t now;
	struct diags *d;
};

/* The sample files (src/demo/tree/, compiled in by src/demo/local.mk). */
extern const struct embedded_file demo_files[];
/* The sample file at rel below src/demo/tree/ (a panic when there is none:
 * the list is the build's) (demo.c). */
const struct embedded_file *demo_sample(const char *rel);

/* Write rel (below D->dir) atomically with this owner and mode. */
int demo_put_file(struct demo *D, const char *rel, const char *text, size_t len, uid_t uid,
		  gid_t gid, mode_t mode);

/* The Maildirs of demo_users() under vhosts/, their sample mail (new and
 * seen, folders, attachments), dovecot-uidlist, subscriptions and one
 * maildirsize; *count gets the messages written (demomail.c). */
int demomail_write(struct demo *D, size_t *count);

/* dir checked for the demo (demo_create's rules in demo.h) and made
 * absolute; created when missing. *empty: 1 empty, 0 a demo tree to
 * replace (force), -1 it did not exist. NULL with d when it is refused
 * (demodir.c). */
char *demodir_prepare(const char *dir, bool force, int *empty, struct diags *d);
/* --force: remove what demo_create makes in D->dir, nothing else. */
int demodir_remove_owned(struct demo *D);

#endif
