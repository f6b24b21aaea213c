/* maildirsize, the quota file of Maildir++ (src/maildir/quota.c): its
 * parser, and the one rule for a mailbox's limit that both front ends use. */
#ifndef VMAILADM_MAILDIR_QUOTA_H
#define VMAILADM_MAILDIR_QUOTA_H
#include <stdbool.h>
#include <stddef.h>

/* maildirsize (Maildir++ quota, kept by Dovecot's quota plugin): the limits
 * of its first line ("<n>S" bytes, "<n>C" messages) and the sum of every
 * later line ("bytes count"). */
struct maildir_quota {
	long long limit_bytes;   /* -1 when the definition has no S item */
	long long limit_msgs;    /* -1 when it has no C item */
	long long used_bytes;
	long long used_msgs;
};

/* Parse a maildirsize text; false when its first line is not a definition. */
bool maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q);
/* A mailbox's quota in bytes: its own rule (rule_bytes, the model's
 * quota_bytes) when it has one (>= 0), else the limit maildirsize gives
 * (q, NULL when not read); -1: none, 0: unlimited. */
long long maildir_quota_limit(long long rule_bytes, const struct maildir_quota *q);

#endif
