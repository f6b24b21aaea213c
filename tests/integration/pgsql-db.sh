#!/bin/sh
# vmailadm db (issue 18) on a real PostgreSQL 15 (throwaway, socket only):
# db check names what an empty database lacks; db init makes the schema in
# one transaction and refuses a second time; db check then passes, and
# names a dropped column and a column of the wrong type; db init adds only
# vmailadm's tables to a PostfixAdmin database (its own layout, version
# 1849). The map files of db postfix-config answer the real postmap -q
# (pgsql_table(5), Debian's postfix-pgsql) for mailboxes, aliases, an
# alias domain and its catch-all, through a SELECT-only role.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
command -v postmap >/dev/null 2>&1 || { echo "SKIP: postmap is not installed"; exit 77; }
pg_test_start

pg_sql postgres "CREATE DATABASE postfix" || exit 99
CI="host=$PG_SOCK dbname=postfix user=postgres"
db() { "$VMAILADM" db "$@" --conninfo "$CI"; }

out=$(db check 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -qx 'domain: missing' && echo "$out" | grep -q '^vmailadm_meta: missing' &&
	ok "db check on an empty database: exit 1, the tables named" || fail "db check empty (rc $rc): $out"

out=$(db init 2>&1) && ok "db init: $out" || fail "db init: $out"
out=$(db init 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'already holds 9 tables' &&
	ok "a second db init is refused: $(echo "$out" | cut -c1-90)..." || fail "second db init (rc $rc): $out"
[ "$(pg_sql postfix "SELECT value FROM vmailadm_meta WHERE name = 'schema'")" = 1 ] &&
	ok "vmailadm_meta says schema 1" || fail "no schema row"

out=$(db check 2>&1) && echo "$out" | grep -q 'every table and column' &&
	echo "$out" | grep -q 'PostfixAdmin schema version (config): none' &&
	ok "db check passes on what db init made" || fail "db check after init: $out"

# A refused connection names the server's answer on one line.
out=$("$VMAILADM" db check --conninfo "host=$PG_SOCK dbname=nosuchdb user=postgres" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q 'nosuchdb' &&
	ok "a missing database: exit 2, one line" || fail "missing database (rc $rc): $out"

# Rows as PostfixAdmin writes them: an alias domain is a domain too.
pg_sql postfix "
INSERT INTO domain (domain) VALUES ('a.example'), ('b.example');
INSERT INTO mailbox (username, password, maildir, local_part, domain, quota)
  VALUES ('u@a.example', '{SHA512-CRYPT}\$6\$x\$y', 'a.example/u/', 'u', 'a.example', 0),
         ('off@a.example', '', 'a.example/off/', 'off', 'a.example', 0);
UPDATE mailbox SET active = false WHERE username = 'off@a.example';
INSERT INTO alias (address, goto, domain) VALUES
  ('u@a.example', 'u@a.example', 'a.example'),
  ('info@a.example', 'u@a.example,ext@elsewhere.example', 'a.example'),
  ('@a.example', 'u@a.example', 'a.example');
INSERT INTO alias_domain (alias_domain, target_domain) VALUES ('b.example', 'a.example');
CREATE ROLE mailreader LOGIN;
GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader;" || exit 99

MAPS="$T/pgsql"
mkdir -p "$MAPS" "$T/pf"
printf 'compatibility_level = 3.6\n' >"$T/pf/main.cf"
out=$(db postfix-config --dir "$MAPS" --write --user mailreader 2>&1) &&
	[ "$(ls "$MAPS" | wc -l)" -eq 6 ] && [ "$(stat -c %a "$MAPS/mailbox.cf")" = 640 ] &&
	ok "db postfix-config --write: six map files, mode 0640" || fail "postfix-config --write: $out"
echo "$out" | grep -q "virtual_mailbox_maps = proxy:pgsql:$MAPS/mailbox.cf, proxy:pgsql:$MAPS/ad_mailbox.cf" &&
	ok "the main.cf lines name the maps through proxy:pgsql:" || fail "main.cf lines: $out"

# q MAP KEY EXPECTED: the real postmap -q, as Postfix looks the key up.
q() {
	got=$(postmap -c "$T/pf" -q "$2" "pgsql:$MAPS/$1.cf" 2>&1)
	rc=$?
	if [ "$3" = "-" ]; then
		[ $rc -eq 1 ] && [ -z "$got" ] && ok "$1: $2 not found" || fail "$1: $2 gave '$got' (rc $rc)"
	else
		[ "$got" = "$3" ] && ok "$1: $2 -> $got" || fail "$1: $2 gave '$got' (rc $rc), expected '$3'"
	fi
}
q domains a.example a.example
q domains c.example -
q mailbox u@a.example a.example/u/
q mailbox U@A.EXAMPLE a.example/u/
q mailbox off@a.example -
q mailbox nobody@a.example -
q alias info@a.example u@a.example,ext@elsewhere.example
q alias @a.example u@a.example
q ad_mailbox u@b.example a.example/u/
q ad_mailbox nobody@b.example -
q ad_alias info@b.example u@a.example,ext@elsewhere.example
q ad_catchall anyone@b.example u@a.example
q ad_catchall anyone@a.example -

# With a port, the socket directory goes in a URI that carries the role.
mkdir -p "$T/pgsql-port"
"$VMAILADM" db postfix-config --dir "$T/pgsql-port" --write --user mailreader \
	--conninfo "$CI port=5432" >/dev/null || fail "postfix-config with a port"
grep -qx "hosts = postgresql://mailreader@/postfix?host=$(echo "$PG_SOCK" | sed 's|/|%2F|g')&port=5432" \
	"$T/pgsql-port/mailbox.cf" && ok "with a port: hosts is a URI with the role" ||
	fail "hosts with a port: $(grep hosts "$T/pgsql-port/mailbox.cf")"
got=$(postmap -c "$T/pf" -q u@a.example "pgsql:$T/pgsql-port/mailbox.cf" 2>&1)
[ "$got" = a.example/u/ ] && ok "postmap -q through that URI: $got" || fail "URI lookup gave: $got"

out=$(db dovecot-config --base /srv/mail/ --user mailreader 2>&1) &&
	echo "$out" | grep -qx "connect = host=$PG_SOCK dbname=postfix user=mailreader" &&
	echo "$out" | grep -q "^user_query = SELECT '/srv/mail/' || maildir || CASE WHEN right(maildir, 1) = '/' THEN '' ELSE '.d' END AS home" &&
	ok "db dovecot-config: the connection and the base" || fail "dovecot-config: $out"
# Dovecot's user_query, run as Dovecot would for u@a.example.
uq=$(echo "$out" | sed -n 's/^user_query = //p' | sed "s/%u/u@a.example/")
[ "$(pg_sql postfix "$uq")" = "/srv/mail/a.example/u/|maildir:/srv/mail/a.example/u/|5000|5000|" ] &&
	ok "its user_query gives home, mail, uid and gid" || fail "user_query gave: $(pg_sql postfix "$uq")"

# A column dropped, another of the wrong type: both named, exit 1.
pg_sql postfix "ALTER TABLE alias DROP COLUMN active; ALTER TABLE mailbox ALTER COLUMN quota TYPE text" || exit 99
out=$(db check 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -qx 'alias.active: missing' &&
	echo "$out" | grep -q '^mailbox.quota: of type text, where vmailadm needs an integer' &&
	echo "$out" | grep -qx '2 differences.' &&
	ok "db check names a dropped column and a wrong type" || fail "db check differences (rc $rc): $out"

# db import: the demo server's accounts into an empty database.
pg_sql postgres "CREATE DATABASE demo" || exit 99
"$VMAILADM" demo "$T/demo" >/dev/null || exit 99
DCI="host=$PG_SOCK dbname=demo user=postgres"
dv() { "$VMAILADM" --config "$T/demo/vmailadm.yaml" db "$@" --conninfo "$DCI"; }
# With an alias domain of andromed.cloud, as the files write it.
printf 'postmap: %s\n' "$(command -v postmap)" >>"$T/demo/vmailadm.yaml"
"$VMAILADM" --config "$T/demo/vmailadm.yaml" domain add mirror.example --alias-of andromed.cloud \
	>"$T/ad.out" 2>&1 || { cat "$T/ad.out"; exit 99; }
grep -q '^mirror.example  *OK$' "$T/demo/etc/postfix/virtual_alias" &&
	grep -q '^info@mirror.example  *info@andromed.cloud$' "$T/demo/etc/postfix/virtual_alias" || exit 99
dv init >/dev/null || fail "db init demo"
out=$(dv import --dry-run 2>&1)
echo "$out" | grep -qx '+ alias_domain mirror.example target_domain=andromed.cloud' &&
	echo "$out" | grep -qx '+ domain mirror.example' && ! echo "$out" | grep -q '^+ alias [^ ]*@mirror.example' &&
	ok "db import: the alias domain is a domain and an alias_domain row, its lines no alias rows" ||
	fail "alias domain import: $(echo "$out" | grep mirror)"
echo "$out" | grep -qx '+ domain andromed.cloud' &&
	echo "$out" | grep -qx '+ mailbox johndoe@andromed.cloud password=(set) maildir=andromed.cloud/johndoe/ quota=1073741824 local_part=johndoe domain=andromed.cloud' &&
	echo "$out" | grep -qx '+ alias equipe@andromed.cloud goto=johndoe@andromed.cloud,janedoe@andromed.cloud domain=andromed.cloud' &&
	! echo "$out" | grep -q 'SHA512' && echo "$out" | grep -q 'dry run: nothing was changed' &&
	[ "$(pg_sql demo "SELECT count(*) FROM mailbox")" = 0 ] &&
	ok "db import --dry-run: the rows, no hash shown, nothing inserted" || fail "import dry run: $out"
# A row the database refuses (a site's own constraint): named as the
# table and its key, the whole import rolled back.
pg_sql demo "ALTER TABLE mailbox ADD CONSTRAINT no_support CHECK (username <> 'support@andromed.cloud')" || exit 99
out=$(dv import 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'mailbox support@andromed.cloud: the database refused it: .*no_support' &&
	[ "$(pg_sql demo "SELECT (SELECT count(*) FROM domain) + (SELECT count(*) FROM mailbox) + (SELECT count(*) FROM log)")" = 0 ] &&
	ok "db import: a refused row named (mailbox support@andromed.cloud), nothing inserted" ||
	fail "refused row (rc $rc): $out"
pg_sql demo "ALTER TABLE mailbox DROP CONSTRAINT no_support" || exit 99
nmb=$("$VMAILADM" --config "$T/demo/vmailadm.yaml" list mailboxes --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
out=$(dv import 2>&1) && [ "$(pg_sql demo "SELECT count(*) FROM mailbox")" = "$nmb" ] &&
	ok "db import: $nmb mailboxes, as list mailboxes has ($(echo "$out" | tail -1))" || fail "import: $out"
hash=$(grep '^johndoe@andromed.cloud:' "$T/demo/etc/dovecot/users" | cut -d: -f2)
[ "$(pg_sql demo "SELECT password FROM mailbox WHERE username = 'johndoe@andromed.cloud'")" = "$hash" ] &&
	ok "the passwd-file's hash, byte for byte" || fail "hash differs"
rows=$(pg_sql demo "SELECT (SELECT count(*) FROM domain) + (SELECT count(*) FROM mailbox) + (SELECT count(*) FROM alias) + (SELECT count(*) FROM alias_domain)")
[ "$(pg_sql demo "SELECT action || ': ' || data FROM log")" = "vmailadm db import: $rows rows" ] &&
	[ "$(pg_sql demo "SELECT count(*) FROM vmailadm_changeset")" = 1 ] &&
	ok "one log row and one change set for the $rows rows" || fail "log row: $(pg_sql demo "SELECT * FROM log")"
out=$(dv import 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'already holds 3 domains' &&
	ok "a second import is refused, nothing changed" || fail "second import (rc $rc): $out"
pg_sql demo "GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader" || exit 99
mkdir -p "$T/pgsql-demo"
dv postfix-config --dir "$T/pgsql-demo" --write --user mailreader >/dev/null || fail "demo maps"
MAPS="$T/pgsql-demo"
q mailbox johndoe@andromed.cloud andromed.cloud/johndoe/
q alias equipe@andromed.cloud johndoe@andromed.cloud,janedoe@andromed.cloud
q domains ascent.cloud ascent.cloud
q ad_mailbox johndoe@mirror.example andromed.cloud/johndoe/
q ad_alias equipe@mirror.example johndoe@andromed.cloud,janedoe@andromed.cloud

# db export: the flat files back; the round trip keeps every entry.
mkdir -p "$T/export"
out=$(dv export --dir "$T/export" 2>&1) && echo "$out" | grep -q "wrote $T/export/users (7 entries)" &&
	[ "$(stat -c %a "$T/export/users")" = 640 ] &&
	ok "db export: four files, users 0640" || fail "db export: $out"
# entries FILE: the table's entries, comments and blanks out, one
# normalised line each ("key value, value"; passwd lines as they are), sorted.
entries() {
	grep -v '^#' "$1" | grep -v '^[[:space:]]*$' | sed 's/[[:space:]][[:space:]]*/ /g; s/ *, */, /g' | sort
}
for f in postfix/virtual_domains postfix/vmailbox postfix/virtual_alias dovecot/users; do
	if [ "$(entries "$T/demo/etc/$f")" = "$(entries "$T/export/${f#*/}")" ]; then
		ok "round trip: ${f#*/} has the demo's $(entries "$T/demo/etc/$f" | wc -l) entries"
	else
		entries "$T/demo/etc/$f" >"$T/want"
		entries "$T/export/${f#*/}" >"$T/got"
		fail "round trip ${f#*/}: $(diff "$T/want" "$T/got" | head -5)"
	fi
done
out=$(dv export --dir "$T/export" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'already there' &&
	ok "a second export over the files is refused" || fail "second export (rc $rc): $out"

# An alias domain whose target's catch-all is in the mailbox map: the
# database's alias-domain queries do not reach it, and import says so.
"$VMAILADM" demo "$T/demo2" >/dev/null || exit 99
printf 'postmap: %s\n' "$(command -v postmap)" >>"$T/demo2/vmailadm.yaml"
d2() { "$VMAILADM" --config "$T/demo2/vmailadm.yaml" "$@"; }
d2 catchall set ascent.cloud admin@ascent.cloud >/dev/null 2>&1 &&
	d2 domain add mirror2.example --alias-of ascent.cloud >/dev/null 2>&1 || exit 99
pg_sql postgres "CREATE DATABASE demo2" || exit 99
d2 db init --conninfo "host=$PG_SOCK dbname=demo2 user=postgres" >/dev/null || exit 99
out=$(d2 db import --dry-run --conninfo "host=$PG_SOCK dbname=demo2 user=postgres" 2>&1)
echo "$out" | grep -q "warning: mirror2.example: an alias domain of ascent.cloud, whose catch-all is in the mailbox map" &&
	echo "$out" | grep -qx '+ alias_domain mirror2.example target_domain=ascent.cloud' &&
	ok "import warns of an alias domain whose target's catch-all the queries do not reach" ||
	fail "mailbox-map catch-all warning: $out"

# A mailbox of a domain the server does not host (Postfix never delivers
# to it) is named and left out, not a foreign-key failure of the whole
# import (tests/fixtures/world/hashdomains: w@gamma.example).
cp -R "$top_srcdir/tests/fixtures/world/hashdomains" "$T/hd" && chmod -R u+w "$T/hd" &&
	find "$T/hd" -type f -exec sed -i "s#@DIR@#$T/hd#g" {} + || exit 99
pg_sql postgres "CREATE DATABASE hd" || exit 99
HCI="host=$PG_SOCK dbname=hd user=postgres"
"$VMAILADM" --config "$T/hd/vmailadm.yaml" db init --conninfo "$HCI" >/dev/null || exit 99
out=$("$VMAILADM" --config "$T/hd/vmailadm.yaml" db import --conninfo "$HCI" 2>&1) &&
	echo "$out" | grep -q 'warning: w@gamma.example: not of a hosted domain: not imported' &&
	[ "$(pg_sql hd "SELECT count(*) FROM mailbox WHERE domain = 'gamma.example'")" = 0 ] &&
	[ "$(pg_sql hd "SELECT maildir FROM mailbox WHERE username = 'v@beta.example'")" = beta.example/v/ ] &&
	ok "db import: a mailbox of an unhosted domain named and left out, the rest imported" ||
	fail "unhosted mailbox: $out"

# A PostfixAdmin database (its layout: more columns, its config version).
pg_sql postgres "CREATE DATABASE pfa" || exit 99
pg_sql pfa "
CREATE TABLE config (id serial PRIMARY KEY, name varchar(20) NOT NULL UNIQUE, value varchar(20) NOT NULL);
INSERT INTO config (name, value) VALUES ('version', '1849');
CREATE TABLE domain (domain varchar(255) PRIMARY KEY, description varchar(255) NOT NULL DEFAULT '',
  aliases integer NOT NULL DEFAULT 0, mailboxes integer NOT NULL DEFAULT 0,
  maxquota bigint NOT NULL DEFAULT 0, quota bigint NOT NULL DEFAULT 0, transport varchar(255),
  backupmx boolean NOT NULL DEFAULT false, created timestamptz DEFAULT now(),
  modified timestamptz DEFAULT now(), active boolean NOT NULL DEFAULT true,
  password_expiry integer DEFAULT 0);
CREATE TABLE mailbox (username varchar(255) PRIMARY KEY, password varchar(255) NOT NULL DEFAULT '',
  name varchar(255) NOT NULL DEFAULT '', maildir varchar(255) NOT NULL DEFAULT '',
  quota bigint NOT NULL DEFAULT 0, created timestamptz DEFAULT now(), modified timestamptz DEFAULT now(),
  active boolean NOT NULL DEFAULT true, domain varchar(255) REFERENCES domain,
  local_part varchar(255) NOT NULL, phone varchar(30) DEFAULT '', email_other varchar(255) DEFAULT '',
  token varchar(255) DEFAULT '', token_validity timestamptz, password_expiry timestamptz,
  smtp_active boolean NOT NULL DEFAULT true, totp_secret varchar(255));
CREATE TABLE alias (address varchar(255) PRIMARY KEY, goto text NOT NULL, domain varchar(255) REFERENCES domain,
  created timestamptz DEFAULT now(), modified timestamptz DEFAULT now(), active boolean NOT NULL DEFAULT true);
CREATE TABLE alias_domain (alias_domain varchar(255) PRIMARY KEY REFERENCES domain,
  target_domain varchar(255) NOT NULL REFERENCES domain, created timestamptz DEFAULT now(),
  modified timestamptz DEFAULT now(), active boolean NOT NULL DEFAULT true);
CREATE TABLE log (timestamp timestamptz DEFAULT now(), username varchar(255) NOT NULL DEFAULT '',
  domain varchar(255) NOT NULL DEFAULT '', action varchar(255) NOT NULL DEFAULT '',
  data text NOT NULL DEFAULT '', id serial PRIMARY KEY);
CREATE TABLE admin (username varchar(255) PRIMARY KEY, password varchar(255) NOT NULL);" || exit 99
PFA="host=$PG_SOCK dbname=pfa user=postgres"
out=$("$VMAILADM" db check --conninfo "$PFA" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q '^vmailadm_meta: missing' && ! echo "$out" | grep -q '^mailbox' &&
	ok "db check on PostfixAdmin's layout: only vmailadm's tables missing" || fail "pfa check (rc $rc): $out"
out=$("$VMAILADM" db init --conninfo "$PFA" 2>&1) && echo "$out" | grep -q "vmailadm's own tables were added" &&
	ok "db init adds vmailadm's tables to a PostfixAdmin database" || fail "pfa init: $out"
out=$("$VMAILADM" db check --conninfo "$PFA" 2>&1) &&
	echo "$out" | grep -q 'PostfixAdmin schema version (config): 1849' &&
	ok "db check passes there, version 1849 reported" || fail "pfa check after init: $out"
[ "$(pg_sql pfa "SELECT count(*) FROM admin")" = 0 ] && ok "PostfixAdmin's other tables are left alone" ||
	fail "admin table touched"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
