#!/bin/sh
# A on a mailbox or an alias (issue 15): who may send as it. The form holds
# the grants, its title the owners the rule gives; a login added is staged
# as sendas allow (the first one makes the sender login map), the details
# then say who may send as the entry, granted or not; the grant taken out
# again is staged as sendas deny; a login that is no mailbox is refused as
# it is typed.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
SL="$WORK/demo/etc/postfix/sender_login"

start_ui 200 40
expect "Domains (5)"
keys Tab j j j
expect "Mailbox       johndoe@andromed.cloud"
refute "Sent as by"
keys A
expect "Who may send as johndoe@andromed.cloud (its owners: johndoe@andromed.cloud)"
keys -l ghost
expect "ghost@andromed.cloud is not a mailbox"
keys C-u
keys -l janedoe
keys Enter
expect "1 staged change"
expect "Sent as by    johndoe@andromed.cloud, janedoe@andromed.cloud (granted)"
expect "not enforced: vmailadm sendas enable"
keys D
expect "1. let janedoe@andromed.cloud send as johndoe@andromed.cloud"
expect "+johndoe@andromed.cloud"
keys c
expect "Committed (" 10000
grep -q '^johndoe@andromed.cloud[[:space:]]*johndoe@andromed.cloud, janedoe@andromed.cloud$' "$SL" ||
	fail "sender_login: $(cat "$SL" 2>&1)"
grep -q '^info@andromed.cloud[[:space:]]*johndoe@andromed.cloud$' "$SL" || fail "the alias info has no owner line"
keys q
expect "0 staged changes"
ok "a grant made through the form, shown in the details, committed with the whole map"

# An alias shows its owners; A on the mailbox again: the grant taken out.
keys -l /info
keys Enter
expect "Alias         info@andromed.cloud"
expect "Sent as by    johndoe@andromed.cloud"
keys g j j j
expect "Mailbox       johndoe@andromed.cloud"
keys A
expect "Who may send as johndoe@andromed.cloud"
expect "janedoe@andromed.cloud"
keys C-u
keys Enter
expect "1 staged change"
keys D
expect "1. stop janedoe@andromed.cloud sending as johndoe@andromed.cloud"
keys c
expect "Committed (" 10000
grep -q '^johndoe@andromed.cloud[[:space:]]*johndoe@andromed.cloud$' "$SL" || fail "deny: $(grep '^johndoe' "$SL")"
keys q
expect "0 staged changes"
ok "the grant taken back through the form"
keys q
expect_quit 0
exit 0
