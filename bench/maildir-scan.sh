#!/bin/sh
# Maildir scan benchmark (issue 3): `vmailadm stats` vs `du -s` over the same
# boxes, `find BASE -type f | wc -l` and the tutorial's per-box loop, warm
# cache, side by side in one hyperfine run with the floor (a bare walk of
# the same directories with the same stats, bench/maildir-rescan --floor);
# then the in-process rescan and memory figures (bench/maildir-rescan).
# Quick tree: 1,000 boxes / 100,000 messages; BENCH_LARGE=1: 10,000 boxes /
# 1,000,000 messages (about a minute to generate once; trees are cached in
# /tmp/vmailadm-bench by parameters). BENCH_COLD=1 (root): one run each of
# vmailadm stats and du -s after dropping the page cache; off by default,
# since the drop is system-wide and slows whoever else measures.
set -eu
: "${top_builddir:=.}"
: "${VMAILADM:=$top_builddir/vmailadm}"
command -v hyperfine >/dev/null || { echo "hyperfine missing: skipped"; exit 0; }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }
gen="$top_builddir/bench/gen-maildir"
resc="$top_builddir/bench/maildir-rescan"
[ -x "$gen" ] && [ -x "$resc" ] || { echo "build bench/gen-maildir and bench/maildir-rescan first (make bench)"; exit 1; }

if [ "${BENCH_LARGE:-0}" = 1 ]; then
	boxes=10000 msgs=1000000 doms=100
else
	boxes=1000 msgs=100000 doms=10
fi
NAME=maildir-scan
. "${top_srcdir:-$(dirname "$0")/..}/bench/lib.sh"
bench_maildir_tree "$boxes" "$msgs" "$doms" 42
out=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-bench-run.XXXXXX")
# Wall times on a shared machine depend on what else runs: say how loaded it
# was (1, 5, 15-minute load averages and the number of cores).
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average at start: $(load) on $(nproc) cores"
load0=$(load)
trap 'rm -rf "$out"' EXIT INT TERM

# The tutorial's list script: ls new/ | wc -l and du -sh per box. It is slow:
# on the large tree only every 10th box is run and the time is scaled.
step=1
[ "$boxes" -gt 1000 ] && step=10
awk -v s="$step" 'NR % s == 1 || s == 1' "$tree/boxes.txt" >"$out/loop-boxes.txt"
cat >"$out/loop.sh" <<'LOOP'
while read -r box; do
	n=$(ls "$box/new" | wc -l)
	s=$(du -sh "$box" | cut -f1)
	echo "$box $n $s"
done <"$1" >/dev/null
LOOP

find "$tree/mail" -type f >/dev/null    # warm the cache
stats="$VMAILADM -c $tree/vmailadm.yaml stats"
if ! $stats >"$out/stats.txt" 2>"$out/stats.err"; then
	echo "note: 'vmailadm stats' failed here ($(head -1 "$out/stats.err")); timing the scanner alone"
	stats="$resc $tree --once"
fi
"$resc" "$tree" --once | tee "$out/once.txt"

VMAILADM_TIMING=1 $stats 2>&1 >/dev/null | grep '^vmailadm-timing:' | tee "$out/timing.txt" || :

hyperfine -N -w 1 -r "${BENCH_RUNS:-5}" --export-json "$out/h.json" \
	-n vmailadm-stats "$stats" \
	-n floor-walk "$resc $tree --floor" \
	-n du-s "sh -c 'xargs du -s <$tree/boxes.txt >/dev/null'" \
	-n find-wc "sh -c 'find $tree/mail -type f | wc -l >/dev/null'" \
	-n tutorial-loop "sh $out/loop.sh $out/loop-boxes.txt" \
	>"$out/h.txt" 2>&1 || { cat "$out/h.txt"; exit 1; }
grep -E "Benchmark|Time" "$out/h.txt"

"$resc" "$tree" | tee "$out/rescan.txt"

# Cold cache, on request: the drop is system-wide (other people's caches).
cold=""
if [ "${BENCH_COLD:-0}" = 1 ]; then
	if sync && { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
		t0=$(date +%s.%N); $stats >/dev/null 2>&1 || :; t1=$(date +%s.%N)
		sync; echo 3 >/proc/sys/vm/drop_caches
		t2=$(date +%s.%N); xargs du -s <"$tree/boxes.txt" >/dev/null 2>&1 || :; t3=$(date +%s.%N)
		cold=$(echo "$t0 $t1 $t2 $t3" | awk '{ printf "%.3f %.3f", $2 - $1, $4 - $3 }')
		find "$tree/mail" -type f >/dev/null    # warm again for whoever comes next
	else
		echo "cold cache: cannot write /proc/sys/vm/drop_caches (needs root): skipped"
	fi
fi

python3 - "$out/h.json" "$out/rescan.txt" "$step" "$load0" "$(load)" "$out/timing.txt" "$cold" <<'PY'
import json, re, sys
res = json.load(open(sys.argv[1]))["results"]
h = {r["command"]: r["median"] for r in res}
cpu = {r["command"]: r["user"] + r["system"] for r in res}
kv = dict(re.findall(r"(\w+)=([0-9.]+)", open(sys.argv[2]).read()))
step = int(sys.argv[3])
v = h["vmailadm-stats"]
loop = h["tutorial-loop"] * step
def line(what, got, target, ok):
    print(f"  {what:<44} {got:>10}   target {target:<8} {'ok' if ok else 'MISSED'}")
print(f"results (medians, warm cache; load average {sys.argv[4]} at start, {sys.argv[5]} at the end):")
print(f"  wall: vmailadm stats {v:.3f} s, du -s {h['du-s']:.3f} s, find|wc -l {h['find-wc']:.3f} s, "
      f"tutorial loop {loop:.2f} s{' (estimated from every 10th box)' if step > 1 else ''}")
print(f"  cpu (user+sys, means): vmailadm stats {cpu['vmailadm-stats']:.3f} s, du -s {cpu['du-s']:.3f} s, "
      f"find|wc -l {cpu['find-wc']:.3f} s")
t = dict(re.findall(r"(\w+)=([0-9.]+)", open(sys.argv[6]).read())) if sys.argv[6] else {}
if t:
    print(f"  vmailadm stats split (one run): model load {float(t['load']):.3f} s, "
          f"scan {float(t['scan']):.3f} s, sort+print+free {float(t['rest']):.3f} s")
fl = h["floor-walk"]
print(f"  floor (the same directories listed and the same files stat'ed, nothing else, "
      f"one thread per core): {fl:.3f} s wall, {cpu['floor-walk']:.3f} s cpu; "
      f"du -s / floor {h['du-s']/fl:.1f}x")
line("speed-up vs du -s (wall)", f"{h['du-s']/v:.1f}x", ">= 6x", h['du-s']/v >= 6)
line("speed-up vs find | wc -l (wall)", f"{h['find-wc']/v:.1f}x", ">= 3x", h['find-wc']/v >= 3)
line("speed-up vs the tutorial loop (wall)", f"{loop/v:.0f}x", "-", True)
full = float(kv["full_scan_seconds"])
r1 = float(kv["rescan_1pct_mtime_seconds"]) / full
r2 = float(kv["rescan_1pct_watch_seconds"]) / full
rf = float(kv["check_floor_seconds"]) / full
print(f"  rescans after a delivery to 1% of the boxes, against the in-process full scan ({full:.3f} s,"
      f" {kv['workers']} workers):")
line("  mtime checks (statx of every box's dirs)", f"{100*r1:.1f}%", "<= 5%", r1 <= 0.05)
print(f"    floor: the same {kv['check_floor_statx']} statx alone, one thread per core: {100*rf:.1f}%")
line("  watcher-driven (only the reported boxes)", f"{100*r2:.2f}%", "<= 5%", r2 <= 0.05)
if sys.argv[7]:
    c = sys.argv[7].split()
    print(f"  cold cache (page cache dropped before each, one run): vmailadm stats {float(c[0]):.2f} s, "
          f"du -s {float(c[1]):.2f} s ({float(c[1])/float(c[0]):.1f}x)")
else:
    print("  cold cache: not measured (BENCH_COLD=1 as root; it drops every cache on the machine)")
inc = float(kv["incremental_per_box"]); tot = float(kv["per_box"])
line("memory per mailbox: incremental state", f"{inc:.0f} B", "<= 200 B", inc <= 200)
line("memory per mailbox: all kept state", f"{tot:.0f} B", "-", True)
PY
