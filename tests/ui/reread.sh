#!/bin/sh
# The files changed by someone else while the interface is open (issue 12):
# a catch-all appended by hand shows by itself, without a key; staged
# changes are applied anew on the new content and still commit; a staged
# change that no longer applies is named and kept until undone; R reads
# the files again by hand; our own commit does not count as a change.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
PF="$WORK/demo/etc/postfix"
start_ui 100 30
expect "Domains (5)"
expect "Catch-all (0)"

printf '@andromed.cloud    admin@andromed.cloud\n' >>"$PF/virtual_alias"
expect "Catch-all (1)" 10000
expect "the files changed on disk: read again"
ok "a catch-all added by hand shows by itself"

# Stage an alias, then a mailbox is added by hand: both show, the alias is
# applied anew on top of the new vmailbox.
keys Tab a a
alias_form sales 'johndoe@andromed.cloud'
printf 'zoe@andromed.cloud        andromed.cloud/zoe/\n' >>"$PF/vmailbox"
expect "the files changed on disk: read again; 1 staged change applied to them anew" 10000
expect_re "│ [ !]+zoe +.*missing"
expect_re "│ \+ sales → johndoe@andromed.cloud"
keys D
expect "Preview of the staged changes: c commits"
expect_re "^ \+sales@andromed.cloud +johndoe@andromed.cloud"
keys c
expect "Committed (" 15000
keys q
expect "0 staged changes"
grep -q '^zoe@andromed.cloud' "$PF/vmailbox" || fail "the hand-added mailbox is gone from vmailbox"
grep -q '^sales@andromed.cloud' "$PF/virtual_alias" || fail "the staged alias was not committed"
grep -q '^@andromed.cloud' "$PF/virtual_alias" || fail "the hand-added catch-all is gone"
ok "a staged change applied anew on the new files, and committed with them"
refute "the files changed on disk"

# A staged mailbox whose address someone makes an alias meanwhile: named,
# kept, and u undoes it.
keys a m
expect "New mailbox in andromed.cloud"
keys -l maxime
keys Tab
keys -l 'Pass-word-12'
keys Tab
keys -l 'Pass-word-12'
keys Tab
keys Enter
expect "1 staged change"
printf 'maxime@andromed.cloud    johndoe@andromed.cloud\n' >>"$PF/virtual_alias"
expect "staged change 1 (add mailbox maxime@andromed.cloud) no longer applies" 10000
expect "1 staged change"
keys u
expect "0 staged changes"
ok "a staged change that no longer applies is named, kept, then undone"

# R by hand.
keys R
expect "files read again"
keys q
expect_quit 0
exit 0
