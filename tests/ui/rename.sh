#!/bin/sh
# M on a mailbox (issue 15): the rename form, the new address checked as
# typed with the rules of a new mailbox, the move shown in the preview,
# committed: the maildir under its new name, the old address an alias.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
VB="$WORK/demo/etc/postfix/vmailbox"
VAL="$WORK/demo/etc/postfix/virtual_alias"

start_ui 120 34
expect "Domains (5)"
keys Tab
expect "Mailbox       admin@andromed.cloud"
keys M
expect "Rename admin@andromed.cloud (its maildir moves)"
keys -l johndoe
expect "mailbox johndoe@andromed.cloud already exists"
keys C-u
keys -l boss
expect "→ boss@andromed.cloud"
keys Tab
keys -l x
expect "y or n"
keys BSpace BSpace
keys -l y
expect "the old address stays, as an alias of the new one"
keys Enter
expect "1 staged change"
keys D
expect "1. rename mailbox admin@andromed.cloud to boss@andromed.cloud (admin@andromed.cloud kept as an alias)"
keys NPage NPage NPage
expect "move maildir $WORK/demo/vhosts/andromed.cloud/admin to $WORK/demo/vhosts/andromed.cloud/boss"
keys c
expect "Committed (" 10000
[ -d "$WORK/demo/vhosts/andromed.cloud/boss/cur" ] || fail "the maildir did not move"
[ -e "$WORK/demo/vhosts/andromed.cloud/admin" ] && fail "the old maildir is still there"
grep -q '^boss@andromed.cloud[[:space:]]*andromed.cloud/boss/' "$VB" || fail "vmailbox lacks boss"
grep -q '^admin@andromed.cloud[[:space:]]*boss@andromed.cloud$' "$VAL" || fail "admin is not an alias of boss"
ok "rename through the form: checked as typed, previewed with the move, committed"
keys q
expect "0 staged changes"
keys q
expect_quit 0
exit 0
