#!/bin/sh
# backend: pgsql (issue 18) on a real PostgreSQL 15 (throwaway, socket
# only): the demo moved in by db import, its flat tables and passwd-file
# moved away, then vmailadm's reading commands on the database alone give
# what they gave on the files (list, show, lint's count); a row another
# tool inserts is seen by the next command (one snapshot per command, the
# same on its two connections: a commit between their reads is in neither); the
# snapshot lives in a 0700 directory of state_dir and is gone after the
# command; a database that refuses the connection is one line, exit 2.
# (Edits and their commit: pgsql-commit.sh.)
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start

pg_demo
for what in domains mailboxes aliases catchalls; do
	v list "$what" >"$T/flat.$what" 2>&1
	echo $? >>"$T/flat.$what"
done
v show johndoe@andromed.cloud >"$T/flat.show" 2>&1 || exit 99

# The database alone: the flat tables and the passwd-file gone.
printf 'backend: pgsql\npgsql_conninfo: "%s"\n' "$CI" >>"$Y"
mkdir "$T/flat"
PF=$T/demo/etc/postfix
mv "$PF/vmailbox" "$PF/virtual_alias" "$PF/virtual_domains" "$T/demo/etc/dovecot/users" "$T/flat/"
rm -f "$PF/vmailbox.db" "$PF/virtual_alias.db" "$PF/virtual_domains.db"

for what in domains mailboxes aliases catchalls; do
	v list "$what" >"$T/pg.$what" 2>&1
	rc=$?
	echo $rc >>"$T/pg.$what"
	# The last column, where an entry is defined: a file and line on the
	# files, the database's table on pgsql, never the snapshot's file.
	grep -q 'snapshot\.' "$T/pg.$what" && fail "list $what names the snapshot: $(grep 'snapshot\.' "$T/pg.$what" | head -2)"
	sed -i 's,  */[^ ]*:[0-9]*$,,' "$T/flat.$what"
	sed -i 's,  *pgsql:[a-z_]*$,,' "$T/pg.$what"
	cmp -s "$T/flat.$what" "$T/pg.$what" &&
		ok "list $what on pgsql: $(wc -l <"$T/pg.$what") lines, as on the files" ||
		fail "list $what (rc $rc): $(diff "$T/flat.$what" "$T/pg.$what" | head -20)"
done
v show johndoe@andromed.cloud >"$T/pg.show" 2>&1
grep -q 'johndoe@andromed.cloud' "$T/pg.show" && grep -qi 'quota' "$T/pg.show" &&
	ok "show johndoe on pgsql" || fail "show: $(cat "$T/pg.show")"
# The mailbox's facts are the files'; where they are defined is the
# database's table (a row has no line), never the snapshot's file.
grep -q 'snapshot\.' "$T/pg.show" && fail "show names the snapshot: $(grep 'snapshot\.' "$T/pg.show")"
grep -q '^  vmailbox: *pgsql:mailbox: andromed.cloud/johndoe/$' "$T/pg.show" &&
	grep -q '^  passwd-file: *pgsql:mailbox, SHA512-CRYPT$' "$T/pg.show" &&
	grep -q '^  aliased from: *equipe@andromed.cloud (pgsql:alias)$' "$T/pg.show" &&
	ok "show names the rows' table: pgsql:mailbox, pgsql:alias" || fail "show's places: $(cat "$T/pg.show")"
sed 's, *(*/[^ ]*:[0-9]*)*,,g; s,line [0-9]*,line N,' "$T/flat.show" >"$T/a"
sed 's,pgsql:mailbox\,,line N\,,; s, *(*pgsql:[a-z]*)*:*,,g' "$T/pg.show" >"$T/b"
cmp -s "$T/a" "$T/b" && ok "show says the same on both backends" ||
	fail "show differs: $(diff "$T/a" "$T/b" | head)"
# The same in JSON (doc/json.md): a row is "pgsql:TABLE", its line null.
v show johndoe@andromed.cloud --json >"$T/pg.show.json" 2>&1
v list domains --json >"$T/pg.domains.json" 2>&1
v list mailboxes --json >"$T/pg.mailboxes.json" 2>&1
python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2])); m = json.load(open(sys.argv[3]))
mb = s["mailbox"]
assert (mb["file"], mb["line"], mb["passwd_line"]) == ("pgsql:mailbox", None, None), mb
assert s["passwd"]["line"] is None, s["passwd"]
assert all((e["file"], e["line"]) == ("pgsql:mailbox", None) for e in m), m[0]
l = [x for x in d if x["domain"] == "andromed.cloud"][0]["listed"]
assert [(x["via"], x["file"], x["line"]) for x in l] == [("pgsql:domain", "pgsql:domain", None)], l
' "$T/pg.show.json" "$T/pg.domains.json" "$T/pg.mailboxes.json" &&
	! grep -q 'snapshot\.' "$T/pg.show.json" "$T/pg.domains.json" "$T/pg.mailboxes.json" &&
	ok "show --json and list --json name the rows' tables, line null" ||
	fail "JSON places: $(grep -n '"file"\|"line"\|snapshot' "$T/pg.show.json" | head -8)"

# One snapshot per command: another tool's row is seen at once.
pg_sql postfix "INSERT INTO mailbox (username, password, maildir, local_part, domain)
  VALUES ('newbie@andromed.cloud', '', 'andromed.cloud/newbie/', 'newbie', 'andromed.cloud')" || exit 99
v list mailboxes 2>&1 | grep -q 'newbie@andromed.cloud' &&
	ok "a row inserted by another client is listed by the next command" || fail "newbie not listed"
pg_sql postfix "UPDATE mailbox SET active = false WHERE username = 'newbie@andromed.cloud'"
v list mailboxes 2>&1 | grep -q 'newbie@andromed.cloud' && fail "an inactive row is listed" ||
	ok "an inactive row is not an account"

# One snapshot on two connections: the mailbox table is read on a second
# connection that adopts the first one's snapshot. A transaction that
# commits after the export (a mailbox and its alias) is in neither read.
W=$T/snapwait
VMAILADM_PGSNAP_WAIT=$W v list mailboxes >"$T/snap.mb" 2>&1 &
lp=$!
i=0
while [ ! -e "$W.waiting" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$W.waiting" ] || fail "the second connection never reached its snapshot"
pg_sql postfix "BEGIN; INSERT INTO mailbox (username, password, maildir, local_part, domain)
  VALUES ('between@andromed.cloud', '', 'andromed.cloud/between/', 'between', 'andromed.cloud');
  INSERT INTO alias (address, goto, domain) VALUES ('between@andromed.cloud', 'between@andromed.cloud', 'andromed.cloud');
  COMMIT" || exit 99
: >"$W"
wait $lp
grep -q 'johndoe@andromed.cloud' "$T/snap.mb" && ! grep -q 'between@andromed.cloud' "$T/snap.mb" &&
	ok "the mailbox table, read on the second connection, is the first one's snapshot" ||
	fail "a commit after the snapshot was read: $(grep -c . "$T/snap.mb") lines, $(grep between "$T/snap.mb")"
v list mailboxes 2>&1 | grep -q 'between@andromed.cloud' &&
	ok "the next command sees that commit" || fail "between@ not listed afterwards"
VMAILADM_PGSNAP_SERIAL=1 v list mailboxes >"$T/serial.mb" 2>&1
v list mailboxes >"$T/par.mb" 2>&1
cmp -s "$T/serial.mb" "$T/par.mb" && ok "one connection or two: the same listing" ||
	fail "serial and parallel differ: $(diff "$T/serial.mb" "$T/par.mb" | head)"
pg_sql postfix "DELETE FROM alias WHERE address = 'between@andromed.cloud';
  DELETE FROM mailbox WHERE username = 'between@andromed.cloud'"

S=$T/demo/state/pgsql
[ "$(stat -c %a "$S")" = 700 ] && ok "state_dir/pgsql is 0700" || fail "mode $(stat -c %a "$S")"
[ -z "$(ls "$S")" ] && ok "no snapshot is left after the commands" || fail "left: $(ls "$S")"
# One a killed process left is removed by the next.
mkdir -m 700 "$S/snapshot.999999" && : >"$S/snapshot.999999/users"
v list domains >/dev/null 2>&1
[ ! -e "$S/snapshot.999999" ] && ok "a dead process's snapshot is removed" || fail "stale snapshot stays"
# COPY's text escapes read back: a value with a backslash and a tab
# (PostfixAdmin's goto may hold anything) is the database's value; the tab
# then separates two targets, as it does in Postfix's reading of the result.
pg_sql postfix "INSERT INTO alias (address, goto, domain) VALUES
  ('odd@andromed.cloud', E'back\\\\slash@example.org,tab\\there@example.org', 'andromed.cloud')" || exit 99
v list aliases --json >"$T/odd.json" 2>&1
python3 -c 'import json, sys
a = [x for x in json.load(open(sys.argv[1])) if x["address"] == "odd@andromed.cloud"]
t = [x if isinstance(x, str) else x.get("address", x.get("target")) for x in a[0]["targets"]]
sys.exit(t != ["back\\slash@example.org", "tab", "here@example.org"])' "$T/odd.json" &&
	ok "a backslash and a tab in a row read back as the database holds them" ||
	fail "escapes: $(grep -A6 odd@ "$T/odd.json" | head -12)"
pg_sql postfix "DELETE FROM alias WHERE address = 'odd@andromed.cloud'"

# Keys with capitals: Postfix lowercases the key it looks up and the
# query compares with '=', so such a row is never found. PostfixAdmin's
# own domain row ALL (its superadmins' entry) is not a mail domain either.
pg_sql postfix "INSERT INTO domain (domain) VALUES ('ALL'), ('Example.COM');
INSERT INTO mailbox (username, password, maildir, local_part, domain)
 VALUES ('Bob@andromed.cloud', 'x', 'andromed.cloud/Bob/', 'Bob', 'andromed.cloud')" || exit 99
v list domains >"$T/caps.domains" 2>&1
v list mailboxes >"$T/caps.mailboxes" 2>/dev/null
! grep -qiE '^(all|example\.com) ' "$T/caps.domains" && ! grep -qi 'bob@' "$T/caps.mailboxes" &&
	grep -q '^pgsql:domain: warning: 1 row has a capital letter in its key (Example.COM)' "$T/caps.domains" &&
	grep -q '^pgsql:mailbox: warning: 1 row has a capital letter in its key (Bob@andromed.cloud)' "$T/caps.domains" &&
	! grep -q "(ALL)" "$T/caps.domains" &&
	ok "rows with capitals in their key: not listed, each command says so; PostfixAdmin's ALL left out silently" ||
	fail "capitals: $(cat "$T/caps.domains")"
mkdir "$T/caps.export"
v db export --dir "$T/caps.export" >/dev/null 2>"$T/caps.export.err"
! grep -qiE '^(all|example\.com) ' "$T/caps.export/virtual_domains" && ! grep -qi 'bob@' "$T/caps.export/users" &&
	grep -q 'Example.COM' "$T/caps.export.err" &&
	ok "db export leaves them out and says so" || fail "export with capitals: $(cat "$T/caps.export.err")"
pg_sql postfix "DELETE FROM mailbox WHERE username = 'Bob@andromed.cloud';
DELETE FROM domain WHERE domain IN ('ALL', 'Example.COM')"
# The configuration as written, not the snapshot's paths.
v config 2>&1 | grep -q "^postfix_dir  *= $T/demo/etc/postfix" && ok "config shows the configured postfix_dir" ||
	fail "config: $(v config 2>&1 | grep postfix_dir)"

# The server's main.cf still names the flat tables (db postfix-config not
# applied): Postfix delivers by files vmailadm no longer edits, one warning
# for each of the three account parameters, at its line.
v lint >"$T/lint" 2>&1
ml=$(grep -n '^virtual_mailbox_maps' "$PF/main.cf" | tail -n 1 | cut -d: -f1)
grep -q "^$PF/main.cf:$ml: warning: \[pgsql-maps-unused\] virtual_mailbox_maps reads hash:$PF/vmailbox, not the database" "$T/lint" &&
	[ "$(grep -c pgsql-maps-unused "$T/lint")" -eq 3 ] &&
	ok "lint on pgsql: the three account parameters still on the flat tables" ||
	fail "pgsql-maps-unused: $(grep pgsql-maps-unused "$T/lint")"
# Lint reads the server's own main.cf (the snapshot's names texthash:
# files): its proxy:pgsql: maps are checked against proxy_read_maps, and
# a problem in the rows names the database's table, not the snapshot.
cat >>"$PF/main.cf" <<EOF
virtual_mailbox_domains = proxy:pgsql:$PF/pgsql/domains.cf
virtual_mailbox_maps = proxy:pgsql:$PF/pgsql/mailbox.cf
virtual_alias_maps = proxy:pgsql:$PF/pgsql/alias.cf
EOF
v lint >"$T/lint" 2>&1
grep -q proxy-map-not-approved "$T/lint" && fail "Postfix's default proxy_read_maps flagged: $(grep proxy-map "$T/lint")" ||
	ok "lint on pgsql: the default proxy_read_maps approves the three maps"
grep -q "$S/snapshot" "$T/lint" && fail "lint names the snapshot's files: $(grep "$S/snapshot" "$T/lint" | head -3)" ||
	ok "lint on pgsql names no snapshot file"
grep -q pgsql-maps-unused "$T/lint" && fail "the database's maps flagged as unused: $(grep pgsql-maps-unused "$T/lint")" ||
	ok "lint on pgsql: the three parameters on the database's maps, no pgsql-maps-unused"
echo "proxy_read_maps = proxy:pgsql:$PF/pgsql/domains.cf" >>"$PF/main.cf"
ml=$(grep -n '^virtual_mailbox_maps = proxy' "$PF/main.cf" | cut -d: -f1)
v lint >"$T/lint" 2>&1
grep -q "^$PF/main.cf:$ml: error: \[proxy-map-not-approved\] virtual_mailbox_maps uses proxy:pgsql:$PF/pgsql/mailbox.cf" "$T/lint" &&
	[ "$(grep -c proxy-map-not-approved "$T/lint")" -eq 2 ] &&
	ok "lint on pgsql: the two maps proxy_read_maps leaves out, at the server's main.cf line" ||
	fail "proxy_read_maps: $(grep proxy-map "$T/lint")"
sed -i '/^proxy_read_maps/d' "$PF/main.cf"
# A mailbox without its self-alias under a catch-all alias row.
pg_sql postfix "INSERT INTO alias (address, goto, domain) VALUES ('@andromed.cloud', 'johndoe@andromed.cloud', 'andromed.cloud')" || exit 99
v lint >"$T/lint" 2>&1
grep -q "^pgsql:alias: error: \[catchall-swallows-mailboxes\] catch-all @andromed.cloud" "$T/lint" &&
	ok "lint on pgsql: a catch-all row swallowing mailboxes without a self-alias, named pgsql:alias" ||
	fail "catch-all: $(grep -i catch "$T/lint")"
pg_sql postfix "DELETE FROM alias WHERE address = '@andromed.cloud'"

# A refused connection: one line, exit 2, nothing listed.
sed -i "s,^pgsql_conninfo:.*,pgsql_conninfo: \"host=$PG_SOCK dbname=nosuchdb user=postgres\"," "$Y"
out=$(v list mailboxes 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q nosuchdb &&
	ok "a missing database: exit 2, one line" || fail "missing database (rc $rc): $out"
exit $((fails > 0))
