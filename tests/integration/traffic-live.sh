#!/bin/sh
# The server's traffic against the real Postfix (issue 17): the sandbox
# delivers a message through an alias, defers one (a route to a closed
# loopback port), bounces one (the error transport) and rejects one at
# RCPT; then `vmailadm maillog` must report each with its status and final
# recipient, and `vmailadm queue` must list the deferred one with its
# reason and hold, release and delete it in the real queue.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
case $VMAILADM in /*) ;; *) VMAILADM=$(pwd)/$VMAILADM ;; esac
. "$top_srcdir/tests/integration/lib.sh"
sandbox_require

tmp=$(sandbox_tmpdir) || exit 99
trap 'sandbox_stop; rm -rf "$tmp"' EXIT INT TERM
"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
sandbox_init "$tmp/demo"
closed=$(sandbox_free_port) || exit 99
# slow.test goes to a port nobody listens on (deferred); gone.test to the
# error transport (bounced when injected, refused at RCPT over SMTP).
postconf -c "$SB_PF" -e "relay_domains = slow.test, gone.test" \
	"transport_maps = inline:{sandbox.test=bvreport:, slow.test=smtp:[127.0.0.1]:$closed, {gone.test=error:5.1.1 mailbox gone}}" || exit 99
touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf"
sandbox_postmap_all || exit 99
sandbox_start || exit 99
fail=0

smtp_send alice@sandbox.test info@andromed.cloud "to the alias" >/dev/null || { echo "send to info failed"; exit 1; }
smtp_send alice@sandbox.test bob@slow.test "to the closed port" >/dev/null || { echo "send to slow failed"; exit 1; }
smtp_send alice@sandbox.test nobody@ascent.cloud "unknown" >/dev/null
[ $? -eq 1 ] || { echo "nobody@ascent.cloud was not refused"; exit 1; }
printf 'Subject: gone\n\nto the error transport\n' |
	timeout 20 sendmail -C "$SB_PF" -f alice@sandbox.test who@gone.test || { echo "sendmail failed"; exit 1; }

# Wait for the deferral, the bounce and its notification.
n=0
until grep -q 'status=deferred' "$SB_LOG" && grep -q 'status=bounced' "$SB_LOG" &&
	grep -q 'status=sent' "$SB_LOG" && [ -f "$SB/reports/alice@sandbox.test" ]; do
	n=$((n + 1))
	[ $n -gt 200 ] && { echo "no deferral/bounce in the log:"; cat "$SB_LOG"; exit 1; }
	sleep 0.1
done
imap_login johndoe@andromed.cloud wrong-password >/dev/null

out=$tmp/out
# The log as main.cf's maillog_file names it (no --file).
sandbox_vmailadm maillog alice@sandbox.test --json >"$out" 2>"$tmp/err"
check "maillog exits 0 when it finds records" [ $? -eq 0 ]
check "maillog: sent through the alias to its final recipient, deferred, bounced, rejected" \
	python3 - "$out" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))
by = {r["original_recipient"] or r["recipient"]: r for r in recs}
def want(key, **kv):
    r = by.get(key)
    if r is None:
        print("no record for", key, recs); sys.exit(1)
    for k, v in kv.items():
        if r[k] != v:
            print(key, k, repr(r[k]), "!=", repr(v)); sys.exit(1)
want("info@andromed.cloud", status="sent", recipient="johndoe@andromed.cloud",
     original_recipient="info@andromed.cloud", relay="virtual", dsn="2.0.0", sender="alice@sandbox.test")
want("bob@slow.test", status="deferred", dsn="4.4.1", sender="alice@sandbox.test")
want("who@gone.test", status="bounced", dsn="5.1.1", text="mailbox gone")
want("nobody@ascent.cloud", status="rejected", queue_id=None, dsn="5.1.1")
if not "Connection refused" in by["bob@slow.test"]["text"]:
    print("deferral text:", by["bob@slow.test"]["text"]); sys.exit(1)
# The bounce's notification came back to the sender, from the null sender.
want("alice@sandbox.test", status="sent", sender="", relay="bvreport")
if len(recs) != 5:
    print("expected 5 records, got", recs); sys.exit(1)
PY
sandbox_vmailadm maillog johndoe@andromed.cloud >"$out"
check "maillog (text) names the alias and the final recipient" \
	grep -q 'sent .*alice@sandbox.test -> johndoe@andromed.cloud (info@andromed.cloud) via virtual' "$out"
sandbox_vmailadm maillog info@andromed.cloud --trace >"$out"
check "maillog --trace: the real delivery through the alias agrees with the tracer (exit 0)" [ $? -eq 0 ]
check "... and says so" grep -q '^Predicted (trace) = last message (log, [0-9A-F]*): they agree$' "$out"
check "... with the row of johndoe" grep -q '^=  johndoe@andromed.cloud: maildir ' "$out"
sandbox_vmailadm maillog johndoe@andromed.cloud --logins --file "$SB_LOG" --file "$SB_DLOG" >"$out"
check "maillog --logins shows Dovecot's refused login" grep -q 'login-failed .*johndoe@andromed.cloud from 127.0.0.1' "$out"
sandbox_vmailadm maillog nobody@nowhere.test >"$out" 2>"$tmp/err"
check "maillog exits 1 when nothing matches" [ $? -eq 1 ]
check "... and says so on stderr" grep -q 'nothing for nobody@nowhere.test' "$tmp/err"
sandbox_vmailadm maillog alice@sandbox.test --file "$tmp/none.log" >"$out" 2>"$tmp/err"
check "maillog exits 2 on a missing log file" [ $? -eq 2 ]
check "... naming the file" grep -q "$tmp/none.log" "$tmp/err"

# ---- the queue: the deferred message waits with its reason ----
sandbox_vmailadm queue --json >"$out"
check "queue --json exits 0" [ $? -eq 0 ]
qid=$(python3 - "$out" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))
m = [x for x in q if x["recipients"][0]["address"] == "bob@slow.test"]
if len(q) != 1 or len(m) != 1 or m[0]["sender"] != "alice@sandbox.test" \
   or m[0]["queue_name"] not in ("deferred", "active") \
   or "Connection refused" not in (m[0]["recipients"][0]["delay_reason"] or ""):
    print("unexpected queue:", q, file=sys.stderr); sys.exit(1)
print(m[0]["queue_id"])
PY
)
check "queue --json lists the deferred message with its reason" [ -n "$qid" ]
in_queue() { # QID QUEUE_NAME ("" = absent)
	_got=$(postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m["queue_id"] == sys.argv[1]: print(m["queue_name"])' "$1")
	[ "$_got" = "$2" ]
}
sandbox_vmailadm queue >"$out"
check "queue (text) shows the message, its recipient and reason" \
	grep -q "^$qid .*alice@sandbox.test" "$out"
check "... and the reason" grep -q "Connection refused" "$out"
sandbox_vmailadm queue --by domain --json >"$out"
check "queue --by domain counts slow.test" python3 -c 'import json, sys
g = json.load(open(sys.argv[1])); sys.exit(0 if g == [{"domain": "slow.test", "messages": 1, "recipients": 1, "size": g[0]["size"]}] else 1)' "$out"
sandbox_vmailadm queue show "$qid" >"$out"
check "queue show decodes the queued message" grep -q "^Subject: to the closed port" "$out"
sandbox_vmailadm queue hold "$qid" >"$out"
check "queue hold reports it" grep -q "^$qid: placed on hold" "$out"
check "... and the message is in the hold queue" in_queue "$qid" hold
sandbox_vmailadm queue hold "$qid" >"$out" 2>"$tmp/err"
check "queue hold of a held message exits 1" [ $? -eq 1 ]
check "... saying it was already on hold" grep -q "$qid: already on hold: nothing done" "$tmp/err"
check "... and it stays there" in_queue "$qid" hold
sandbox_vmailadm queue release "$qid" >"$out"
check "queue release reports it" grep -q "^$qid: released from hold" "$out"
check "... and the message left the hold queue" in_queue "$qid" deferred
sandbox_vmailadm queue release "$qid" >"$out" 2>"$tmp/err"
check "queue release of a message not on hold exits 1" [ $? -eq 1 ]
check "... saying it was not on hold" grep -q "$qid: not on hold: nothing done" "$tmp/err"
check "... and prints nothing done on stdout" [ ! -s "$out" ]
# An id given twice is acted on once, and not said "not in the queue".
sandbox_vmailadm queue hold "$qid" "$qid" >"$out" 2>"$tmp/err"
check "queue hold ID ID exits 0" [ $? -eq 0 ]
check "... says nothing is missing" sh -c "! grep -q 'not in the queue' '$tmp/err'"
check "... holds it once" [ "$(grep -c "^$qid: placed on hold" "$out")" -eq 1 ]
sandbox_vmailadm queue release "$qid" >"$out"
check "... and it is released again" in_queue "$qid" deferred
sandbox_vmailadm queue flush slow.test
check "queue flush DOMAIN succeeds" [ $? -eq 0 ]
sandbox_vmailadm queue hold 0000ABCDEF >"$out" 2>"$tmp/err"
check "queue hold of an id not in the queue exits 1" [ $? -eq 1 ]
check "... naming it and the host" grep -q "0000ABCDEF: not in the queue of " "$tmp/err"
sandbox_vmailadm queue delete "$qid" </dev/null >"$out" 2>"$tmp/err"
check "queue delete without a terminal nor --yes is refused" [ $? -eq 2 ]
check "... and the message is still there" in_queue "$qid" deferred
sandbox_vmailadm queue delete "$qid" --yes >"$out"
check "queue delete --yes prints what it removed" grep -q "^$qid: removed" "$out"
check "... and the message is gone" in_queue "$qid" ""
sandbox_vmailadm queue >"$out"
check "queue says the queue is empty" grep -q "is empty" "$out"
# Requeue gives the message a new id (pickup): a second one for it.
smtp_send alice@sandbox.test carol@slow.test "second" >/dev/null || { echo "send failed"; exit 1; }
n=0
until qid2=$(postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
for l in sys.stdin: print(json.loads(l)["queue_id"])') && [ -n "$qid2" ]; do
	n=$((n + 1)); [ $n -gt 100 ] && break; sleep 0.1
done
sandbox_vmailadm queue requeue "$qid2" >"$out"
check "queue requeue reports it" grep -q "^$qid2: requeued" "$out"

exit $fail
