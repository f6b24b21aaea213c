#!/bin/sh
# t on backend: pgsql (issue 18) while the server's main.cf still names the
# flat tables (db postfix-config not applied): Postfix looks up those
# files, so t traces them (not the snapshot of the database), says the
# database is not what Postfix queries yet, and names no snapshot file. A
# mailbox the database holds and the files do not is rejected, as Postfix
# rejects it.
. "${top_srcdir:-.}/tests/integration/pglib.sh"
. "${top_srcdir:-.}/tests/ui/lib.sh"
pg_ui_demo
PF="$WORK/demo/etc/postfix"
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$CONF"
pg_sql postfix "INSERT INTO mailbox (username, password, maildir, local_part, domain)
  VALUES ('dbonly@andromed.cloud', '', 'andromed.cloud/dbonly/', 'dbonly', 'andromed.cloud')" || exit 1

start_ui 160 90
expect "Domains (5)"
keys t
expect "Trace: where does mail for an address go?"
keys C-u
keys -l johndoe@andromed.cloud
keys Enter
expect "Mail for johndoe@andromed.cloud goes"
expect "(traced on the tables the server's main.cf"
expect_re "maildir .*/andromed.cloud/johndoe/"
refute "snapshot."
ok "t: the server's flat tables traced, the database said not to be queried yet"
keys t
expect "Trace: where does mail for an address go?"
keys C-u
keys -l dbonly@andromed.cloud
keys Enter
expect "Mail for dbonly@andromed.cloud goes"
expect_re "rejected: 5.1.1 <dbonly@andromed.cloud>: Recipient address rejected: User unknown"
ok "t: a mailbox only the database holds is rejected, as Postfix rejects it"
keys q
expect_quit
exit 0
