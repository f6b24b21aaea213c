#!/bin/sh
# The queue read from its files equals postqueue -j (issue 17): the sandbox
# Postfix holds deferred mail (a closed loopback port), a held message, one
# forced to expire, one whose other recipient was delivered (a done
# recipient in the file), the null sender, a quoted local part, one in the
# active queue (a server that never answers), and, with Postfix stopped,
# one in maildrop. Each time `vmailadm queue --json` (the files, as root)
# must give the same records, in the same order, as `--source postqueue`
# and as postqueue -j itself; the text says which source it read; a user
# who cannot read the queue is told so with --source files.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
case $VMAILADM in /*) ;; *) VMAILADM=$(pwd)/$VMAILADM ;; esac
. "$top_srcdir/tests/integration/lib.sh"
sandbox_require

tmp=$(sandbox_tmpdir) || exit 99
tarpit_pid=
trap '[ -n "$tarpit_pid" ] && kill "$tarpit_pid" 2>/dev/null; sandbox_stop; rm -rf "$tmp"' EXIT INT TERM
"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
sandbox_init "$tmp/demo"
closed=$(sandbox_free_port) || exit 99
tarpit=$(sandbox_free_port) || exit 99
# A server that accepts and never greets: the message to it stays active.
python3 - "$tarpit" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
PY
tarpit_pid=$!
# Nothing moves on its own during the test: an hour between queue runs.
postconf -c "$SB_PF" -e "relay_domains = slow.test, tarpit.test" \
	"queue_run_delay = 3600s" "minimal_backoff_time = 3600s" "maximal_backoff_time = 7200s" \
	"transport_maps = inline:{sandbox.test=bvreport:, slow.test=smtp:[127.0.0.1]:$closed, tarpit.test=smtp:[127.0.0.1]:$tarpit}" || exit 99
touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf"
sandbox_postmap_all || exit 99
sandbox_start || exit 99
fail=0
sendmail_to() { # FROM SUBJECT TO...
	_from=$1 _subj=$2
	shift 2
	printf 'Subject: %s\n\nqueue-direct\n' "$_subj" | timeout 20 sendmail -C "$SB_PF" -f "$_from" "$@"
}

smtp_send alice@sandbox.test bob@slow.test "deferred" >/dev/null || { echo "send failed"; exit 1; }
smtp_send alice@sandbox.test carol@slow.test "to hold" >/dev/null || { echo "send failed"; exit 1; }
smtp_send alice@sandbox.test erin@slow.test "to expire" >/dev/null || { echo "send failed"; exit 1; }
smtp_send "" frank@slow.test "null sender" >/dev/null || { echo "send failed"; exit 1; }
smtp_send alice@sandbox.test '"x y"@slow.test' "quoted" >/dev/null || { echo "send failed"; exit 1; }
sendmail_to alice@sandbox.test "one delivered" johndoe@andromed.cloud dave@slow.test ||
	{ echo "sendmail failed"; exit 1; }
smtp_send alice@sandbox.test gus@tarpit.test "active" >/dev/null || { echo "send failed"; exit 1; }

# queue_names: each message's queue name and first recipient, sorted.
queue_names() {
	postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
print(" ".join(sorted("%s:%s" % (m["queue_name"], m["recipients"][0]["address"])
                      for m in map(json.loads, sys.stdin))))'
}
want='active:gus@tarpit.test deferred:"x y"@slow.test deferred:bob@slow.test deferred:carol@slow.test deferred:dave@slow.test deferred:erin@slow.test deferred:frank@slow.test'
n=0
until [ "$(queue_names)" = "$want" ]; do
	n=$((n + 1))
	[ $n -gt 300 ] && { echo "the queue did not settle: $(queue_names)"; exit 1; }
	sleep 0.1
done
id_of() { # ADDRESS: its message's queue id
	postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
for m in map(json.loads, sys.stdin):
    if m["recipients"][0]["address"] == sys.argv[1]: print(m["queue_id"])' "$1"
}
postsuper -c "$SB_PF" -h "$(id_of carol@slow.test)" 2>/dev/null || { echo "postsuper -h failed"; exit 1; }
postsuper -c "$SB_PF" -e "$(id_of erin@slow.test)" 2>/dev/null || { echo "postsuper -e failed"; exit 1; }

out=$tmp/out
# same LABEL: the files' listing, the postqueue-backed one and postqueue -j
# itself give the same records in the same order (age aside).
same() {
	sandbox_vmailadm queue --json >"$out.files" &&
		sandbox_vmailadm queue --json --source postqueue >"$out.pq" &&
		postqueue -c "$SB_PF" -j >"$out.raw" &&
		python3 - "$out.files" "$out.pq" "$out.raw" "$1" <<'PY'
import json, sys
files, pq = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
raw = [json.loads(l) for l in open(sys.argv[3])]
label = sys.argv[4]
def norm(m):
    m = {k: v for k, v in m.items() if k != "age"}
    m["recipients"] = [{"address": r["address"], "delay_reason": r.get("delay_reason")}
                       for r in m["recipients"]]
    return m
F, P, R = [list(map(norm, x)) for x in (files, pq, raw)]
ok = True
for name, other in (("--source postqueue", P), ("postqueue -j", R)):
    if len(F) != len(other):
        print("%s: %d messages from the files, %d from %s" % (label, len(F), len(other), name))
        ok = False
    for a, b in zip(F, other):
        if a != b:
            print("%s: differs from %s:\n  files: %s\n  %s: %s" % (label, name, a, name, b))
            ok = False
# What the sandbox made must be there: the checks below would pass on two
# empty listings otherwise.
by = {m["recipients"][0]["address"]: m for m in F}
if label == "running":
    exp = {"bob@slow.test": ("deferred", "alice@sandbox.test", False),
           "carol@slow.test": ("hold", "alice@sandbox.test", False),
           "erin@slow.test": ("deferred", "alice@sandbox.test", True),
           "frank@slow.test": ("deferred", "MAILER-DAEMON", False),
           '"x y"@slow.test': ("deferred", "alice@sandbox.test", False),
           "dave@slow.test": ("deferred", "alice@sandbox.test", False),
           "gus@tarpit.test": ("active", "alice@sandbox.test", False)}
    for addr, (q, sender, expire) in exp.items():
        m = by.get(addr)
        if not m or (m["queue_name"], m["sender"], m["forced_expire"]) != (q, sender, expire):
            print("running: unexpected message for", addr, m)
            ok = False
    d = by.get("dave@slow.test")
    if d and [r["address"] for r in d["recipients"]] != ["dave@slow.test"]:
        print("the delivered recipient is listed:", d)
        ok = False
    if "Connection refused" not in (by["bob@slow.test"]["recipients"][0]["delay_reason"] or ""):
        print("no reason for bob:", by["bob@slow.test"])
        ok = False
    if any(m["message_size"] <= 0 or m["arrival_time"] <= 0 for m in F):
        print("a size or arrival time missing:", F)
        ok = False
sys.exit(0 if ok else 1)
PY
}
check "the files give postqueue -j's records, in its order (Postfix running)" same running

sandbox_vmailadm queue >"$out"
check "the text listing says it read the queue files" grep -q '^-- 7 messages, .* (read from the queue files)$' "$out"
sandbox_vmailadm queue --source postqueue >"$out"
check "... and --source postqueue that it read through postqueue" \
	grep -q '^-- 7 messages, .* (read through postqueue)$' "$out"
sandbox_vmailadm queue --by domain --json >"$out"
check "--by domain from the files" python3 -c 'import json, sys
g = {x["domain"]: x["messages"] for x in json.load(open(sys.argv[1]))}
sys.exit(0 if g == {"slow.test": 6, "tarpit.test": 1} else 1)' "$out"

# Someone who cannot read the queue directory: --source files says why.
chmod 755 "$tmp"
setpriv --reuid nobody --regid nogroup --clear-groups \
	"$VMAILADM" --config "$SB_DIR/vmailadm.yaml" queue --source files >"$out" 2>"$tmp/err"
check "--source files as nobody fails (exit 2)" [ $? -eq 2 ]
check "... naming the directory it cannot open" grep -q "$SB/spool.*[Pp]ermission denied" "$tmp/err"
sandbox_vmailadm queue --source nowhere >"$out" 2>"$tmp/err"
check "--source takes files or postqueue" [ $? -eq 2 ]

# Postfix stopped: a message waits in maildrop; postqueue (as root) reads
# the queue itself then, and the files still agree.
kill "$tarpit_pid" 2>/dev/null
tarpit_pid=
postfix -c "$SB_PF" stop >/dev/null 2>&1
n=0
while [ -f "$SB/spool/pid/master.pid" ] && kill -0 "$(cat "$SB/spool/pid/master.pid")" 2>/dev/null; do
	n=$((n + 1))
	[ $n -gt 100 ] && break
	sleep 0.1
done
sendmail_to alice@sandbox.test "in maildrop" hank@slow.test 2>/dev/null
check "postqueue lists the maildrop message" sh -c "postqueue -c '$SB_PF' -j 2>/dev/null | grep -q '\"queue_name\": \"maildrop\"'"
check "the files give postqueue -j's records with Postfix stopped (maildrop)" same stopped

exit $fail
