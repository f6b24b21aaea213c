#!/bin/sh
# The interface on backend: pgsql (issue 18), on a real PostgreSQL 15
# (throwaway, socket only): the demo imported, then the same screens as on
# files: the domains and entries read from the database's snapshot, an
# alias added through the form, D previews it as a row (+alias ...), c
# commits it in one transaction (its change set named in the steps), the
# row is in the database, and the world shown is read again from it. In
# the problems view, f on pgsql-maps-unused stages db postfix-config
# --apply's edit of the server's main.cf, previewed and committed.
. "${top_srcdir:-.}/tests/integration/pglib.sh"
. "${top_srcdir:-.}/tests/ui/lib.sh"
pg_ui_demo
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$CONF"
mkdir "$WORK/demo/etc/postfix/pgsql"

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

# The server's main.cf still on the flat tables: lint says
# pgsql-maps-unused, and f in the problems view stages its repair, db
# postfix-config --apply's edit, previewed as the server's main.cf's diff
# and the new map files, then committed.
pg_sql postfix "CREATE ROLE mailreader LOGIN;
GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader" || fail "the role mailreader"
keys '!'
expect "Problems ("
i=0
while ! screen | grep -q '^ *pgsql-maps-unused' && [ $i -lt 30 ]; do keys_painted j; i=$((i + 1)); done
expect " pgsql-maps-unused"
keys f
expect "staged: point the server's main.cf at the database's maps"
keys D
expect "+virtual_mailbox_maps = proxy:pgsql:$WORK/demo/etc/postfix/pgsql/mailbox.cf"
expect "pgsql/domains.cf"
keys c
expect "Committed (" 10000
grep -q "^virtual_alias_maps = proxy:pgsql:$WORK/demo/etc/postfix/pgsql/alias.cf" "$WORK/demo/etc/postfix/main.cf" &&
	[ "$(stat -c %a "$WORK/demo/etc/postfix/pgsql/alias.cf")" = 640 ] ||
	fail "the server's main.cf or its map files: $(grep ^virtual_ "$WORK/demo/etc/postfix/main.cf")"
ok "f on pgsql-maps-unused: the server's main.cf and the map files previewed and committed"
exit 0
