#!/bin/sh
# The interface on backend: pgsql (issue 18), on a real PostgreSQL 15
# (throwaway, socket only): the demo imported, then the same screens as on
# files: the domains and entries read from the database's snapshot, an
# alias added through the form, D previews it as a row (+alias ...), c
# commits it in one transaction (its change set named in the steps), the
# row is in the database, and the world shown is read again from it.
. "${top_srcdir:-.}/tests/integration/pglib.sh"
. "${top_srcdir:-.}/tests/ui/lib.sh"
pg_ui_demo
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$CONF"

start_ui 100 30
expect "Domains (5)"
expect "0 staged changes"
keys Tab a a
expect "New alias in andromed.cloud"
keys -l sales
keys Tab
keys -l 'johndoe@andromed.cloud'
keys Enter
expect "1 staged change"
keys D
expect "Preview of the staged changes: c commits"
expect_re "^ \+alias sales@andromed.cloud goto=johndoe@andromed.cloud domain=andromed.cloud"
ok "D: the staged alias previewed as one row"
keys c
expect "Committed (" 10000
expect "(change set"
[ "$(pg_sql postfix "SELECT goto FROM alias WHERE address = 'sales@andromed.cloud'")" = johndoe@andromed.cloud ] ||
	fail "the alias row is not in the database"
keys q
expect "0 staged changes"
expect_re "sales → johndoe@andromed.cloud"
ok "c: committed to the database, the screen read again from it"
exit 0
