#!/bin/sh
# domain_limits (issue 15) on the demo tree: a refusal at each limit is one
# line and changes nothing, through the command line and apply (where the
# batch's earlier lines count); below the limits the edits go through.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
printf 'domain_limits:\n  ascent.cloud: {mailboxes: 3, aliases: 2}\n  andromed.cloud: {quota_total: 4G}\n' >>"$d/vmailadm.yaml"

v mailbox add a1@ascent.cloud --dry-run >"$tmp/out" 2>"$tmp/err" || no "a third mailbox (within the limit) refused: $(cat "$tmp/err")"
printf 'mailbox add a1@ascent.cloud\nmailbox add a2@ascent.cloud\n' >"$tmp/batch"
v apply "$tmp/batch" --dry-run >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "a fourth mailbox in one batch" "ascent.cloud is at its limit of 3 mailboxes \(domain_limits\)"
printf 'alias add x@ascent.cloud admin@ascent.cloud\nalias add y@ascent.cloud admin@ascent.cloud\n' >"$tmp/batch"
v apply "$tmp/batch" --dry-run >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "a third alias" "ascent.cloud is at its limit of 2 aliases"
v mailbox add n@andromed.cloud >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "no quota under quota_total" "andromed.cloud has a quota_total \(domain_limits\): a mailbox there needs a quota"
v mailbox add n@andromed.cloud --quota 2G >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "over quota_total" "the quotas of andromed.cloud would add up to 5121 MiB, over its quota_total of 4096 MiB"
v mailbox quota johndoe@andromed.cloud 3G >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "a quota raised over quota_total" "over its quota_total"
v mailbox add n@andromed.cloud --quota 500M --dry-run >"$tmp/out" 2>&1 || no "below quota_total: $(cat "$tmp/out")"
v config >"$tmp/out"
grep -q '^domain_limits  *= {ascent.cloud: {mailboxes: 3, aliases: 2}, andromed.cloud: {quota_total: 4G}}  (' "$tmp/out" ||
	no "config: $(grep domain_limits "$tmp/out")"
exit $fail
