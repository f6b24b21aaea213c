#!/bin/sh
# f on a mailbox (issue 15): its forwarding shown in the details, set
# through the form without a copy (said in red on the row and in the
# details), previewed, committed, then cleared with an empty field.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
VAL="$WORK/demo/etc/postfix/virtual_alias"

start_ui 120 34
expect "Domains (5)"
keys Tab j j
expect "Mailbox       janedoe@andromed.cloud"
refute "Forwarding    "
keys f
expect "Forwarding of janedoe@andromed.cloud"
keys -l boss@elsewhere.example
keys Tab
keys BSpace
keys -l n
expect "NO copy: the mail leaves, its INBOX gets none of it"
keys Enter
expect "1 staged change"
expect "janedoe (forwarded, no copy)"
expect "Forwarding    to boss@elsewhere.example, NO copy: its mail leaves"
screen_esc | grep 'forwarded, no copy' | grep -q "$(printf '\033')\[" || fail "the no-copy mark is not coloured"
keys D
expect "1. forward the mail of janedoe@andromed.cloud to boss@elsewhere.example (no copy kept)"
keys c
expect "Committed (" 10000
grep -q '^janedoe@andromed.cloud[[:space:]]*boss@elsewhere.example$' "$VAL" || fail "virtual_alias: $(grep janedoe "$VAL")"
keys q
expect "0 staged changes"
ok "forwarding without a copy set through the form, shown in red, committed"

# f again: the form holds the targets; with a copy, then cleared.
keys f
expect "Forwarding of janedoe@andromed.cloud"
expect "boss@elsewhere.example"
keys Tab BSpace
keys -l y
expect "the mailbox gets the mail too"
keys Enter
expect "1 staged change"
expect "Forwarding    a copy to boss@elsewhere.example"
refute "forwarded, no copy"
keys u
expect "0 staged changes"
# The y/n default is replaced by the answer typed over it (it was
# appended to: 'yn', "y or n").
keys f
expect "Forwarding of janedoe@andromed.cloud"
keys Tab
keys -l n
expect "NO copy: the mail leaves, its INBOX gets none of it"
keys Escape
expect "cancelled: nothing was staged"
keys f
expect "Forwarding of janedoe@andromed.cloud"
keys C-u
keys Enter Enter
expect "1 staged change"
wait_gone "Forwarding    " || fail "the forwarding is still shown after clearing it"
keys D
expect "1. stop forwarding the mail of janedoe@andromed.cloud"
keys c
expect "Committed (" 10000
grep -q '^janedoe@' "$VAL" && fail "the forwarding is still in virtual_alias"
keys q
expect "0 staged changes"
ok "forwarding with a copy, then cleared"
keys q
expect_quit 0
exit 0
