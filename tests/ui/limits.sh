#!/bin/sh
# domain_limits (issue 15) in the interface: the domain's details show each
# limit beside what the domain has, and a form's staging at the limit is
# refused with the stage's one line.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
printf 'domain_limits:\n  andromed.cloud: {mailboxes: 5, aliases: 200, quota_total: 20G}\n' >>"$WORK/demo/vmailadm.yaml"
start_ui 120 34
expect "Domains (5)"
expect "Limits        5 of 5 mailboxes"
expect "5 of 200 aliases"
expect "quotas 3.0 GiB of 20 GiB"
keys Tab a m
expect "New mailbox in andromed.cloud"
keys -l alice
keys Tab
keys -l 'S3cret-pass'
keys Tab
keys -l 'S3cret-pass'
keys Tab
keys -l 1G
keys Enter
expect "andromed.cloud is at its limit of 5 mailboxes (domain_limits)"
ok "limits shown in the domain's details, a sixth mailbox refused"
keys Escape
expect "0 staged changes"
keys q
expect_quit 0
exit 0
