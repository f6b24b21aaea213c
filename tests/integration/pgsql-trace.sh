#!/bin/sh
# The tracer against Postfix on the database (issue 18): the sandbox
# Postfix serves the demo from PostgreSQL through the proxy:pgsql: maps db
# postfix-config writes, and the server logs every statement
# (log_statement = all, with the client's application name: Postfix sets
# none, "[unknown]" in the log; the tracer says vmailadm-trace). For each address of a corpus
# (mailbox, alias, several targets, catch-all, an alias domain's mailbox,
# alias and catch-all, an unknown user of a hosted domain, an unknown
# domain, upper case, an extension, a quote and a backslash in the local
# part), one message goes through real SMTP (null sender, so no bounce
# adds lookups), then `vmailadm trace --json` (backend: pgsql, through
# the server's main.cf) of the same address must have
#  1. issued the SELECT statements Postfix issued for it, the same strings:
#     the same ones in the same order of first appearance where Postfix's
#     order is one process's (a single final recipient), the same set where
#     several delivery agents run at once;
#  2. reached the destinations Postfix reached (its log's to=<...>
#     status=..., or the RCPT refusal).
# Then, the database stopped, both must defer (4.3.0).
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
sandbox_require
pg_require
postconf -m 2>/dev/null | grep -qx pgsql || [ -e /usr/lib/postfix/postfix-pgsql.so ] ||
	{ echo "SKIP: Postfix's pgsql maps (postfix-pgsql) are not installed"; exit 77; }

tmp=$(sandbox_tmpdir) || exit 99
trap 'sandbox_stop; pg_stop; rm -rf "$tmp"' EXIT
fail=0

"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
sandbox_init "$tmp/demo"
pg_start "$tmp" || { echo "FAIL: PostgreSQL did not start"; exit 99; }
pg_sql postgres "ALTER SYSTEM SET log_statement = 'all'" &&
	pg_sql postgres "ALTER SYSTEM SET log_line_prefix = '%a|%p|'" &&
	pg_sql postgres "SELECT pg_reload_conf()" >/dev/null || exit 99
pg_sql postgres "CREATE DATABASE postfix" || exit 99
CI="host=$PG_SOCK dbname=postfix user=postgres"
sandbox_vmailadm db init --conninfo "$CI" >/dev/null &&
	sandbox_vmailadm db import --conninfo "$CI" >"$tmp/import.out" 2>&1 || { cat "$tmp/import.out"; exit 99; }
# What the demo lacks: a catch-all, two alias domains (one onto the
# catch-all's domain), an alias with a quote in its local part.
pg_sql postfix "INSERT INTO alias (address, goto, domain, active) VALUES
  ('@ascent.cloud', 'admin@ascent.cloud', 'ascent.cloud', true),
  ('o''brien@andromed.cloud', 'janedoe@andromed.cloud', 'andromed.cloud', true);
INSERT INTO domain (domain, description, active) VALUES ('alias.test', '', true), ('alias2.test', '', true);
INSERT INTO alias_domain (alias_domain, target_domain, active) VALUES
  ('alias.test', 'andromed.cloud', true), ('alias2.test', 'ascent.cloud', true)" || exit 99
pg_postfix_maps "$tmp/flat" || exit 99
# One process a client (each message resolved afresh, no smtpd cache from
# the address before); mail from the loopback client relayed, so that an
# unknown domain reaches cleanup as the tracer's does.
postconf -c "$SB_PF" -e "max_use = 1" \
	"smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject" || exit 99
sandbox_start || exit 99
printf 'backend: pgsql\npgsql_conninfo: "%s"\n' "$CI" >>"$SB_DIR/vmailadm.yaml"

# rcpt ADDR: one message from <> to ADDR over SMTP; prints the RCPT reply
# (code and text), then the queue id when it was queued.
rcpt() {
	python3 - "$SB_SMTP_PORT" "$1" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.ehlo("client.sandbox.test")
s.docmd("MAIL FROM:<>")
code, msg = s.docmd("RCPT TO:<%s>" % sys.argv[2])
print(code, msg.decode(errors="replace").split("\n")[0])
if code < 400:
    code, msg = s.data("Subject: pgsql trace\r\n\r\nbody\r\n")
    words = msg.decode(errors="replace").split()
    print(words[-1] if code == 250 else "")
s.quit()
PY
}

i=0
while IFS= read -r addr; do
	i=$((i + 1))
	off=$(wc -c <"$PG_LOG")
	rcpt "$addr" >"$tmp/$i.smtp" || { fail=1; echo "not ok $i - $addr: SMTP failed"; continue; }
	wait_queue_empty || { fail=1; echo "not ok $i - $addr: the queue did not drain"; }
	qid=$(sed -n 2p "$tmp/$i.smtp")
	# Postfix's log is written by postlogd, after the queue empties: its
	# deliveries are all there once qmgr's "removed" is (a sleep of 0.3 s
	# guessed it). The statements are in PostgreSQL's log when run.
	j=0
	while [ -n "$qid" ] && ! grep -qF " $qid: removed" "$SB_LOG" && [ $j -lt 300 ]; do
		sleep 0.1
		j=$((j + 1))
	done
	tail -c "+$((off + 1))" "$PG_LOG" >"$tmp/$i.pglog"
	if [ -n "$qid" ]; then grep -F " $qid: to=<" "$SB_LOG"; fi >"$tmp/$i.pflog"
	sandbox_vmailadm trace --json "$addr" >"$tmp/$i.json" 2>"$tmp/$i.err"
	[ $? -le 1 ] || { fail=1; echo "not ok $i - $addr: trace failed: $(cat "$tmp/$i.err")"; continue; }
	python3 - "$i" "$addr" "$tmp/$i.smtp" "$tmp/$i.pglog" "$tmp/$i.pflog" "$tmp/$i.json" <<'PY' || fail=1
import json, re, sys
n, addr, smtp, pglog, pflog, tj = sys.argv[1:]
def firsts(seq):
    out = []
    for q in seq:
        if q not in out:
            out.append(q)
    return out
# Postfix's statements: no application name before the first '|'
pf = [m.group(1) for m in (re.match(r"^(?:\[unknown\])?\|\d+\|LOG:  statement: (SELECT .*)$", l.rstrip("\n"))
                           for l in open(pglog)) if m]
t = json.load(open(tj))
tr = [q["query"] for q in t["queries"] if q["query"] is not None]
# Destinations as "deliverable" or "undeliverable STATUS"; remote mail
# meets the sandbox's error transport (5.7.1). A recipient refused at RCPT
# is the address asked: the tracer must name one destination, refused so.
reply = open(smtp).readline().split()
def fate(d):
    if d["kind"] in ("maildir", "mbox", "local"):
        return "deliverable"
    if d["kind"] == "remote":
        return "undeliverable 5.7.1"
    if d["kind"] == "reject":
        return "undeliverable " + d["reason"].split()[0]
    return d["kind"]
tdest = {(d["address"].lower(), fate(d)) for d in t["destinations"]}
if int(reply[0]) >= 500:
    pdest = {("(rcpt)", "undeliverable " + reply[1])}
    if len(tdest) == 1:
        tdest = {("(rcpt)", f) for _, f in tdest}
else:
    pdest = set()
    for l in open(pflog):
        m = re.search(r" to=<(.*?)>.* dsn=([0-9.]+), status=(\w+)", l)
        if m:
            pdest.add((m.group(1).lower(), "deliverable" if m.group(3) == "sent"
                       else "undeliverable " + m.group(2)))
pq, tq = firsts(pf), firsts(tr)
ordered = len(tdest) <= 1
same_q = pq == tq if ordered else sorted(pq) == sorted(tq)
ok = same_q and pdest == tdest and len(pq) > 0
print("%s %s - %s: %d queries (%s), destinations %s" % ("ok" if ok else "not ok", n, addr, len(pq),
      "in order" if ordered else "as a set", sorted(pdest)))
if not ok:
    if not pq:
        print("  the server's log since the message:\n    " + "    ".join(open(pglog).readlines()[:8]))
    print("  postfix queries:\n    " + "\n    ".join(pq))
    print("  tracer queries:\n    " + "\n    ".join(tq))
    print("  postfix destinations: %s\n  tracer destinations:  %s" % (sorted(pdest), sorted(tdest)))
sys.exit(0 if ok else 1)
PY
done <<'EOF'
johndoe@andromed.cloud
info@andromed.cloud
equipe@andromed.cloud
anything@ascent.cloud
johndoe@alias.test
info@alias.test
nobody@alias2.test
nobody@andromed.cloud
someone@unknown.example
JohnDoe@ANDROMED.CLOUD
johndoe+tag@andromed.cloud
o'brien@andromed.cloud
"back\\slash"@andromed.cloud
"o'hara\"x"@alias.test
EOF
[ "$i" -eq 14 ] || { echo "FAIL: $i addresses compared, not 14"; fail=1; }

# Postfix and the tracer (vmailadm run with config $2) both defer mail for
# johndoe@: Postfix answers 451 4.3.0 (temporary lookup failure), the
# tracer says defer, 4.3.0, and exits 1. $1 names the case.
both_defer() {
	# Asked again until it defers (30 s at most): a reload is in force
	# when new smtpd processes run, which a sleep of 1 s guessed.
	j=0
	reply=$(rcpt johndoe@andromed.cloud | head -n 1)
	while case "$reply" in 451*4.3.0*) false ;; *) [ $j -lt 150 ] ;; esac; do
		sleep 0.2
		j=$((j + 1))
		reply=$(rcpt johndoe@andromed.cloud | head -n 1)
	done
	out=$("$VMAILADM" --config "$2" trace --short johndoe@andromed.cloud 2>&1)
	st=$?
	case "$reply" in
	451*4.3.0*) echo "ok - $1: Postfix: $reply" ;;
	*) echo "not ok - $1: Postfix: $reply"; fail=1 ;;
	esac
	if [ $st -eq 1 ] && printf '%s\n' "$out" | grep -q '	defer	johndoe@andromed.cloud	4.3.0 '; then
		echo "ok - $1: the tracer: $out"
	else
		echo "not ok - $1: the tracer (exit $st): $out"
		fail=1
	fi
}

# A map file that cannot be read (moved away, then a reload): Postfix's
# table is a surrogate whose every lookup fails, so it defers; the tracer
# must not pass over the map as if it had no answer.
mv "$MAPS/alias.cf" "$MAPS/alias.cf.away" && postfix -c "$SB_PF" reload >/dev/null 2>&1
both_defer "alias.cf unreadable" "$SB_DIR/vmailadm.yaml"
mv "$MAPS/alias.cf.away" "$MAPS/alias.cf" && postfix -c "$SB_PF" reload >/dev/null 2>&1

# The database down. The tracer runs on backend files (main.cf's maps read
# directly): backend pgsql would not start without its snapshot.
pg_stop
grep -v '^backend:\|^pgsql_conninfo:' "$SB_DIR/vmailadm.yaml" >"$SB_DIR/files.yaml"
both_defer "the database down" "$SB_DIR/files.yaml"
exit $fail
