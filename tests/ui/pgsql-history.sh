#!/bin/sh
# The commit history (H) on backend: pgsql (issue 18), on a real
# PostgreSQL 15: r then y previews the rollback of a commit as the rows
# its change set compensates (the core `vmailadm rollback` uses), c
# commits it as one transaction (a new change set naming the one it rolls
# back), the database holds the rows as before, the staged change made
# meanwhile stays staged, and a second rollback of the same commit is
# refused at c (the rows changed since), nothing written, and the diff
# view says so in the database's terms.
. "${top_srcdir:-.}/tests/integration/pglib.sh"
. "${top_srcdir:-.}/tests/ui/lib.sh"
pg_ui_demo
v() { "$VMAILADM" --config "$CONF" "$@"; }
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$CONF"
q() { pg_sql postfix "$1"; }

# Two commits from the command line: a new alias, then info@'s target changed.
v alias add ventes@andromed.cloud johndoe@andromed.cloud >/dev/null 2>&1 || fail "alias add"
before=$(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")
v alias add info@andromed.cloud zed@example.org >/dev/null 2>&1 || fail "alias add info target"
after=$(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")
[ "$before" != "$after" ] || fail "info@'s goto did not change: $after"
ids=$(v log | awk '/^[0-9]/ {print $1}')
first=$(echo "$ids" | sed -n 1p)
second=$(echo "$ids" | sed -n 2p)
[ -n "$second" ] || fail "two commits expected in the log: $ids"
ncs=$(q "SELECT count(*) FROM vmailadm_changeset")

start_ui 100 30
expect "Domains (5)"
# A change staged before the rollback stays staged across it.
keys Tab a a
alias_form kept 'johndoe@andromed.cloud'

keys H
expect "Commit history (2)"
expect "Commit $second"
keys r
expect "Roll back commit $second"
expect "The database rows it changed"
keys n
expect "nothing was staged"
keys H r
expect "Roll back commit $second"
keys y
expect "Preview: c commits it as one transaction"
expect "Roll back $second (change set"
expect_re "^ ~alias info@andromed.cloud goto: $after -> $before\$"
[ "$(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")" = "$after" ] ||
	fail "the database changed before c"
ok "r, y: the compensating rows previewed, nothing written"

keys c
expect "Committed (" 10000
expect "(change set"
[ "$(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")" = "$before" ] ||
	fail "info@'s goto is not back: $(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")"
[ "$(q "SELECT count(*) FROM vmailadm_changeset WHERE rollback_of IS NOT NULL")" = 1 ] ||
	fail "no change set records the rollback"
[ -n "$(q "SELECT 1 FROM alias WHERE address = 'ventes@andromed.cloud'")" ] ||
	fail "the other commit's row went too"
keys q
expect "1 staged change"
ok "c: the rows are back in the database, the staged change stays staged"

keys H
expect "Commit history (3)"
expect_re "committed  rollback of $second"
keys j r
expect "Roll back commit $second"
keys y
expect "Preview: c commits it as one transaction"
keys c
expect "The commit failed" 10000
expect "changed since the preview"
expect "Nothing was written to the database, and no file was changed."
refute "the files and maps are as they were"
expect "the commit failed: nothing was changed"
keys q
[ "$(q "SELECT count(*) FROM vmailadm_changeset")" = $((ncs + 1)) ] ||
	fail "a second rollback wrote a change set"
ok "the same commit rolled back again: refused, the rows changed since"

keys D
expect "Preview of the staged changes: c commits"
expect_re "^ \+alias kept@andromed.cloud"
keys c
expect "Committed (" 10000
[ "$(q "SELECT goto FROM alias WHERE address = 'kept@andromed.cloud'")" = johndoe@andromed.cloud ] ||
	fail "the staged alias was not committed after the rollback"
ok "the change staged before the rollback commits after it"
keys q
expect "0 staged changes"
keys q
expect_quit
exit 0
