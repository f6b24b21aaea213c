#!/bin/sh
# Benchmark (issue 17, "Queue"): `vmailadm queue` on a real Postfix queue of
# 100,000 deferred messages (BENCH_QUEUE=N for another size), run side by
# side with: the same listing through postqueue (--source postqueue, what a
# user who cannot read the queue gets), `postqueue -j | wc -l` (the same
# queue through showq, doing nothing with it) and the floor, bench/qfloor:
# a bare C loop that only opens, fstats and reads the same files (queue
# files and defer logs), on one thread and on one per core. Prints the
# times, the ratios, the 2 s target (100,000 messages) OK or MISSED, and
# the peak memory of each (the listing is streamed: vmailadm's memory must
# not grow with the queue). First checks that the files' listing and
# postqueue's hold the same records.
#
# The queue: the sandbox Postfix (tests/integration/lib.sh) defers one real
# message to a closed loopback port; its queue file and its defer log (the
# delay reason) are then copied under N new queue ids, in the hashed
# subdirectories Postfix would use. queue_run_delay is an hour, so the queue
# manager leaves them alone during the bench. Needs root (skipped otherwise).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
: "${top_builddir:=$(pwd)}"
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
V="$VMAILADM --config $SB_DIR/vmailadm.yaml"
$V queue --json >"$tmp/files.json" && $V queue --json --source postqueue >"$tmp/pq.json" || exit 1
python3 - "$tmp/files.json" "$tmp/pq.json" "$want" <<'PY' || exit 1
import json, sys
f, p = (json.load(open(x)) for x in sys.argv[1:3])
for m in f + p:
    del m["age"]
assert len(f) == int(sys.argv[3]), "the files' listing has %d messages" % len(f)
assert f == p, "the files' listing and postqueue's differ"
assert all(m["recipients"][0]["delay_reason"] for m in f), "a message without its reason"
PY
rm -f "$tmp/files.json" "$tmp/pq.json"

floor=$top_builddir/bench/qfloor
[ -x "$floor" ] || { echo "queue: $floor not built (make bench builds it)"; exit 1; }
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
echo "machine: $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-3}" --export-json "$tmp/times.json" \
	-n "vmailadm queue (files)" "$V queue >/dev/null" \
	-n "vmailadm queue --json (files)" "$V queue --json >/dev/null" \
	-n "vmailadm queue --source postqueue" "$V queue --source postqueue >/dev/null" \
	-n "postqueue -j | wc -l" "postqueue -c $SB_PF -j | wc -l >/dev/null" \
	-n "floor, 1 thread" "$floor $SB/spool 1 >/dev/null" \
	-n "floor, $cores threads" "$floor $SB/spool $cores >/dev/null"

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
mem=
if [ -x /usr/bin/time ]; then
	mem="$(rss $V queue) $(rss $V queue --json) $(rss $V queue --source postqueue) $(rss postqueue -c "$SB_PF" -j)"
	bytes=$(postqueue -c "$SB_PF" -j | wc -c)
	echo "the listing (postqueue -j) is $((bytes / 1024)) KiB"
fi
python3 - "$tmp/times.json" "$want" $mem <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
mem = sys.argv[3:]
t = [r["median"] for r in res]
files, fjson, fallback, pq, floor1, floorn = t
rows = [(r["command"], r["median"]) for r in res]
for i, (name, v) in enumerate(rows):
    extra = " (peak %s KiB)" % mem[i] if i < len(mem) else ""
    print("%-36s %7.3f s   %5.2f x postqueue -j%s" % (name, v, v / pq, extra))
print("ratio files / postqueue -j:        %.2f" % (files / pq))
print("ratio fallback / postqueue -j:     %.2f" % (fallback / pq))
floor = min(floor1, floorn)  # the better of one thread and one per core
print("ratio files / floor:               %.2f" % (files / floor))
target = 2.0 * n / 100000
print("target: %d messages in under %.2f s: %s (%.3f s; the floor on this machine "
      "now: %.3f s)" % (n, target, "OK" if files < target else "MISSED", files, floor))
PY