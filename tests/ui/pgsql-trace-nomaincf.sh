#!/bin/sh
# t on backend: pgsql (issue 18) when the server's main.cf cannot be read
# (moved away after the interface started): t traces the snapshot of the
# database instead and says why, with main.cf's own error (not the note
# that a main.cf names no pgsql: map, which one that cannot be read does
# not say); every step, place and end is named as the admin knows it (the
# database's tables), never by the snapshot's files (source.c), which
# vanish at exit.
. "${top_srcdir:-.}/tests/integration/pglib.sh"
. "${top_srcdir:-.}/tests/ui/lib.sh"
pg_ui_demo
PF="$WORK/demo/etc/postfix"
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$CONF"

start_ui 200 60
expect "Domains (5)"
mv "$PF/main.cf" "$WORK/main.cf.away" || exit 1
keys t
expect "Trace: where does mail for an address go?"
keys C-u
keys -l info@andromed.cloud
keys Enter
expect "Mail for info@andromed.cloud goes"
# The path may wrap (after one of its '/'): the details' rows read joined,
# blanks aside.
expect "(the server's main.cf cannot be read: "
screen | sed 's/^.*│ //' | tr -d ' \n' | grep -qF "read:$PF/main.cf:error:" ||
	fail "main.cf's own error is not said"
expect "traced on the snapshot of the database instead)"
expect_re "virtual alias info@andromed.cloud .* → johndoe@andromed.cloud +pgsql:alias"
expect_re "virtual mailbox johndoe@andromed.cloud .* +pgsql:mailbox"
expect_re "maildir .*/andromed.cloud/johndoe/ +pgsql:mailbox"
refute "names no pgsql: map"
screen | grep -q 'snapshot\.' && fail "the trace names the snapshot: $(screen | grep 'snapshot\.')"
ok "t without the server's main.cf: the snapshot traced, main.cf's own error said, no snapshot file named"
mv "$WORK/main.cf.away" "$PF/main.cf"
keys q
expect_quit
exit 0
