#!/bin/sh
# Benchmark (issue 2, "Speed"): load a generated tree of 100,000 mailboxes,
# 100,000 aliases and 100,000 passwd-file entries into the model, side by side
# with `postmap -s` dumping the same two tables; print both times, the ratio
# and the peak memory of the vmailadm run. Targets: ratio <= 1, peak < 200 MB.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-100000}

NAME=model-load
. "$top_srcdir/bench/lib.sh"
bench_need hyperfine postmap python3
bench_tables "$N"

load="$VMAILADM --config $dir/vmailadm.yaml list domains"
dump="postmap -c $pf -s hash:$pf/vmailbox && postmap -c $pf -s hash:$pf/virtual"
$load >/dev/null   # fails loudly here rather than inside hyperfine

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-7}" \
	--export-json "$dir/times.json" \
	-n "vmailadm model load" "$load >/dev/null" \
	-n "postmap -s (both tables)" "$dump >/dev/null"

# Peak memory: ru_maxrss of the child (kilobytes on Linux), no extra package.
python3 - "$dir/times.json" "$VMAILADM" "$dir/vmailadm.yaml" <<'PY'
import json, resource, subprocess, sys
res = json.load(open(sys.argv[1]))["results"]
load, dump = res[0]["median"], res[1]["median"]
subprocess.run([sys.argv[2], "--config", sys.argv[3], "list", "domains"],
               stdout=subprocess.DEVNULL, check=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
ratio = load / dump
print("model load:      %.3f s (median)" % load)
print("postmap -s dump: %.3f s (median)" % dump)
print("ratio load/dump: %.2f  (target <= 1.00) %s" % (ratio, "OK" if ratio <= 1 else "MISSED"))
print("peak memory:     %.1f MB (target < 200 MB) %s" % (peak, "OK" if peak < 200 else "MISSED"))
PY
