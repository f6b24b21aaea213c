#!/bin/sh
# Benchmark (issue 17, "Queue"): `vmailadm queue` on a real Postfix queue of
# 100,000 deferred messages (BENCH_QUEUE=N for another size), side by side
# with `postqueue -j | wc -l`, which reads the same queue through the same
# showq service and does nothing with it. Prints both times, the ratio and
# the peak memory of each (the listing is streamed: vmailadm's memory must
# not grow with the queue). Target: 100,000 messages in under 2 s.
#
# The queue: the sandbox Postfix (tests/integration/lib.sh) defers one real
# message to a closed loopback port; its queue file and its defer log (the
# delay reason) are then copied under N new queue ids, in the hashed
# subdirectories Postfix would use. queue_run_delay is an hour, so the queue
# manager leaves them alone during the bench. Needs root (skipped otherwise).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
case $VMAILADM in /*) ;; *) VMAILADM=$(pwd)/$VMAILADM ;; esac
N=${BENCH_QUEUE:-100000}
for p in hyperfine python3 postqueue; do
	command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
	command -v "$p" >/dev/null 2>&1 || { echo "queue: $p not found, skipped"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "queue: needs root (a real Postfix queue), skipped"; exit 0; }
. "$top_srcdir/tests/integration/lib.sh"

tmp=$(sandbox_tmpdir) || exit 1
trap 'sandbox_stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 1
sandbox_init "$tmp/demo"
closed=$(sandbox_free_port) || exit 1
postconf -c "$SB_PF" -e "relay_domains = slow.test" "queue_run_delay = 3600s" \
	"minimal_backoff_time = 3600s" "maximal_backoff_time = 7200s" \
	"transport_maps = inline:{slow.test=smtp:[127.0.0.1]:$closed}" || exit 1
touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf"
sandbox_postmap_all >/dev/null && sandbox_start >/dev/null || exit 1
smtp_send alice@sandbox.test bob@slow.test "to the closed port" >/dev/null || exit 1
n=0
until [ -n "$(postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
for l in sys.stdin:
    if json.loads(l)["queue_name"] == "deferred": print("x")')" ]; do
	n=$((n + 1))
	[ $n -gt 300 ] && { echo "queue: the message was not deferred"; exit 1; }
	sleep 0.1
done

python3 - "$SB/spool" "$N" <<'PY' || exit 1
import os, shutil, sys
spool, n = sys.argv[1], int(sys.argv[2])
def files(q):
    for root, _, names in os.walk(os.path.join(spool, q)):
        for f in names:
            yield os.path.join(root, f)
msg = next(files("deferred"))
log = next(files("defer"), None)
st = os.stat(msg)
for i in range(n):
    qid = "%011X" % (0x10000000000 + i * 7919)
    for q, src in (("deferred", msg), ("defer", log)):
        if src is None:
            continue
        d = os.path.join(spool, q, qid[0])   # hash_queue_depth 1: the id's first character
        os.makedirs(d, mode=0o700, exist_ok=True)
        os.chown(d, st.st_uid, st.st_gid)
        dst = os.path.join(d, qid)
        shutil.copyfile(src, dst)
        os.chown(dst, st.st_uid, st.st_gid)
        os.chmod(dst, os.stat(src).st_mode & 0o7777)
PY

want=$((N + 1))
got=$(postqueue -c "$SB_PF" -j | wc -l)
[ "$got" -eq "$want" ] || { echo "queue: postqueue lists $got messages, $want made"; exit 1; }
got=$("$VMAILADM" --config "$SB_DIR/vmailadm.yaml" queue --json | python3 -c 'import json, sys
q = json.load(sys.stdin)
assert all(m["recipients"][0]["delay_reason"] for m in q), "a message without its reason"
print(len(q))')
[ "$got" -eq "$want" ] || { echo "queue: vmailadm lists $got messages, $want in the queue"; exit 1; }

V="$VMAILADM --config $SB_DIR/vmailadm.yaml"
hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-3}" --export-json "$tmp/times.json" \
	-n "vmailadm queue ($want messages)" "$V queue >/dev/null" \
	-n "vmailadm queue --by reason" "$V queue --by reason >/dev/null" \
	-n "postqueue -j | wc -l" "postqueue -c $SB_PF -j | wc -l >/dev/null"

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
if [ -x /usr/bin/time ]; then
	r_v=$(rss $V queue)
	r_p=$(rss postqueue -c "$SB_PF" -j)
	bytes=$(postqueue -c "$SB_PF" -j | wc -c)
	echo "peak memory: vmailadm queue ${r_v} KiB, postqueue -j ${r_p} KiB; the listing is $((bytes / 1024)) KiB"
fi
python3 - "$tmp/times.json" "$want" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
v, b, p = (r["median"] for r in res)
print("vmailadm queue:      %.3f s for %d messages (target: under 2 s for 100,000)" % (v, n))
print("vmailadm queue --by: %.3f s" % b)
print("postqueue -j | wc:   %.3f s" % p)
print("ratio queue / postqueue -j: %.2f" % (v / p))
PY
