/* Reading maildirsize (quota.c). */
#ifndef VMAILADM_SRC_MAILDIR_QUOTA_H
#define VMAILADM_SRC_MAILDIR_QUOTA_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/maildir/quota.h"

/* Read and parse the maildirsize file of the directory dirfd into q, with
 * buf (cap bytes) as room. check_reg: fstat it first (the listing's d_type
 * did not say it is a regular file); short_eof: a short read is its end
 * (local filesystems). False when it cannot be opened or read, or does
 * not parse. */
bool quota_read(int dirfd, char *buf, size_t cap, bool check_reg, bool short_eof,
		struct maildir_quota *q);

#endif
