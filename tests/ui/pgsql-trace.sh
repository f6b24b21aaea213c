#!/bin/sh
# t, L and maillog --trace on backend: pgsql (issue 18), on a real PostgreSQL 15, with the
# server's main.cf on the proxy:pgsql: maps db postfix-config writes (the
# flat tables moved away): both trace as `vmailadm trace` does, asking the
# database the queries Postfix asks, not the snapshot read at start. An
# alias changed in the database after the interface started: t shows its
# new target and the query that found it; L on that alias says the
# prediction differs from the log's last delivery (the old target). With
# a change staged, t says the staged change is not in the database yet.
. "${top_srcdir:-.}/tests/integration/pglib.sh"
. "${top_srcdir:-.}/tests/ui/lib.sh"
pg_ui_demo
v() { "$VMAILADM" --config "$CONF" "$@"; }
PF="$WORK/demo/etc/postfix"
pg_sql postfix "CREATE ROLE mailreader LOGIN;
GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader" || exit 1
mkdir -p "$PF/pgsql"
v db postfix-config --conninfo "$CI" --dir "$PF/pgsql" --write --user mailreader >"$WORK/pfc.out" ||
	{ cat "$WORK/pfc.out"; exit 1; }
sed -n '/^virtual_/p' "$WORK/pfc.out" | while IFS= read -r line; do
	postconf -c "$PF" -e "$line" || exit 1
done || exit 1
mkdir "$WORK/flat" && mv "$PF/vmailbox" "$PF/virtual_alias" "$PF/virtual_domains" "$WORK/flat/" || exit 1
# The log's last message to info@ went to johndoe, as the alias said then.
stamp=$(LC_ALL=C date '+%b %e %H:%M:%S')
cat >"$WORK/mail.log" <<LOG
$stamp mail postfix/qmgr[11]: 1A2B3C4D5E: from=<carol@sender.test>, size=900, nrcpt=1 (queue active)
$stamp mail postfix/virtual[12]: 1A2B3C4D5E: to=<johndoe@andromed.cloud>, orig_to=<info@andromed.cloud>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)
$stamp mail postfix/qmgr[11]: 1A2B3C4D5E: removed
LOG
chmod 644 "$WORK/mail.log"
echo "maillog_file = $WORK/mail.log" >>"$PF/main.cf"
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$CONF"
[ "$(pg_sql postfix "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")" = johndoe@andromed.cloud ] ||
	{ echo "FAIL: the demo's info@ is not johndoe's"; exit 1; }

# maillog --trace: the same tracer, the queries it asked in its JSON.
v maillog info@andromed.cloud --trace --json --file "$WORK/mail.log" >"$WORK/ml.json" ||
	fail "maillog --trace: exit $?: $(cat "$WORK/ml.json")"
python3 - "$WORK/ml.json" <<'PY' || fail "maillog --trace --json: not the database's queries: $(cat "$WORK/ml.json")"
import json, sys
j = json.load(open(sys.argv[1]))
q = [x["query"] or "" for x in j["trace"]["queries"]]
assert any(x.startswith("SELECT goto FROM alias WHERE address = 'info@andromed.cloud'") for x in q), q
assert j["trace"]["differs"] is False
PY
ok "maillog --trace: asked the database's maps, as trace does"

start_ui 160 80
expect "Domains (5)"
expect_re "Listed in +pgsql:domain +\(virtual-mailbox\)"
# Changed behind the interface's back: the snapshot it read still says johndoe.
pg_sql postfix "UPDATE alias SET goto = 'janedoe@andromed.cloud' WHERE address = 'info@andromed.cloud'" || exit 1
keys t
expect "Trace: where does mail for an address go?"
keys C-u
keys -l info@andromed.cloud
keys Enter
expect "Mail for info@andromed.cloud goes"
expect_re "maildir .*/andromed.cloud/janedoe/"
expect_re "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'"
refute "/andromed.cloud/johndoe/"
ok "t: traced on the database's maps, the query Postfix runs shown"

keys Tab Enter
expect_re "Mailbox +admin@andromed.cloud"
# Where it is defined: the database's table (a row has no line), never
# the snapshot's file, which vanishes at exit.
expect_re "Defined in +pgsql:mailbox +\(andromed.cloud/admin/\)"
keys j j j j j j j
expect_re "Alias +info@andromed.cloud"
expect_re "Defined in +pgsql:alias"
screen | grep -q 'snapshot\.' && fail "the details name the snapshot: $(screen | grep 'snapshot\.')"
ok "details: entries defined in pgsql:mailbox and pgsql:alias"
keys L
expect "Mail log of info@andromed.cloud"
expect "Predicted (trace) ≠ last message (log, 1A2B3C4D5E): they DIFFER"
expect_re "≠ +janedoe@andromed.cloud: maildir"
ok "L: the prediction from the database beside the log"
keys x
wait_gone "Mail log of" || fail "the log note did not close"

# A staged change: t says it is not in the database yet.
keys a a
alias_form kept 'johndoe@andromed.cloud'
keys t
expect "Trace: where does mail for an address go?"
keys C-u
keys -l kept@andromed.cloud
keys Enter
expect "Mail for kept@andromed.cloud goes"
expect "(asked of the database as Postfix asks it: the"
expect "staged change is not in it until committed"
ok "t with a change staged: said that the database does not hold it yet"
keys u
expect "0 staged changes"
keys q
expect_quit
exit 0
