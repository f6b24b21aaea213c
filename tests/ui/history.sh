#!/bin/sh
# The commit history (H, issue 12): the audit log's commits newest first,
# who, when and what, the selected one's files below; r asks, n stages
# nothing, y stages the rollback (the core `vmailadm rollback` uses): the
# files' restores and the archived Maildir's, previewed with D and
# committed with c, after which the mailbox and its Maildir are back and
# the history has one more commit; a commit whose files changed since is
# refused unless f. At 80x24.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
D="$WORK/demo"
v() { "$VMAILADM" -c "$CONF" "$@"; }
v mailbox add zed@andromed.cloud --generate-password >/dev/null 2>&1 || fail "mailbox add zed"
v mailbox del support@andromed.cloud --yes >/dev/null 2>&1 || fail "mailbox del support"
[ -d "$D/vhosts/andromed.cloud/support" ] && fail "support's Maildir was not archived"
ids=$(v log | awk '/^[0-9]/ {print $1}')
old=$(echo "$ids" | sed -n 1p)
new=$(echo "$ids" | sed -n 2p)
[ -n "$new" ] || fail "two commits expected in the log: $ids"

start_ui 80 24
expect "Domains (5)"
keys H
expect "Commit history (2)"
expect_re "root  committed  remove mailbox support@andromed.cloud"
expect_re "root  committed  add mailbox zed@andromed.cloud"
# newest first, its files below
first=$(screen | grep -n "committed  remove mailbox support" | cut -d: -f1)
second=$(screen | grep -n "committed  add mailbox zed" | cut -d: -f1)
[ "$first" -lt "$second" ] || fail "the newest commit is not first"
expect "Commit $new"
expect "file $D/etc/postfix/vmailbox"
expect_re "maildir $D/vhosts/andromed.cloud/support/?: archive"
ok "the history lists the commits newest first, with who, when, what and files"

keys '?'
expect "Help: every key"
expect "roll the selected commit back"
keys q
expect "Commit history (2)"

# The older commit: vmailbox changed since, so y is refused, naming it.
keys j
expect "Commit $old"
keys r
expect "Roll back commit $old"
keys y
expect "nothing was staged:"
expect "0 staged changes"
# f restores them anyway (rollback --force): what it cannot undo is said
keys H j r
expect "Roll back commit $old"
keys f
expect_re "staged 2 restores to roll back $old"
expect "What the rollback leaves"
expect "is left in place"
keys Escape
expect "2 staged changes"
keys u u
expect "0 staged changes"
ok "a commit whose files changed since is rolled back only with f"

keys H
expect "Commit history (2)"
keys r
expect "Roll back commit $new"
keys n
expect "nothing was staged"
expect "0 staged changes"
keys H
expect "Commit history (2)"
keys r
expect "Roll back commit $new"
keys y
expect_re "staged [0-9]+ restores to roll back $new"
expect "Domains (5)"
grep -q '^support@' "$D/etc/postfix/vmailbox" && fail "vmailbox written before the commit"
ok "y stages the rollback, nothing written yet"

keys D
expect "Preview of the staged changes: c commits"
expect_re "^ \+support@andromed.cloud"
keys c
expect "Committed (" 15000
keys q
expect "0 staged changes"
grep -q '^support@andromed.cloud' "$D/etc/postfix/vmailbox" || fail "support is not back in vmailbox"
[ -d "$D/vhosts/andromed.cloud/support/cur" ] || fail "support's Maildir is not back"
ok "the rollback committed: the mailbox and its Maildir are back"

keys H
expect "Commit history (3)"
keys q
expect "Domains (5)"
[ "$(v log | grep -c '^[0-9]')" -eq 3 ] || fail "vmailadm log does not show the rollback's commit"
keys q
expect_quit 0
exit 0
