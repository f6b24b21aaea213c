#!/bin/sh
# Benchmark (issue 6, "Speed"): `vmailadm trace` of 10,000 addresses against
# 100,000-entry tables, side by side with `postmap -q -` answering the same
# first-level lookups (each address queried once in the alias table).
# Prints both per-address times and the ratio. Target: trace <= postmap.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-100000}
A=${BENCH_ADDRESSES:-10000}

NAME=trace
. "$top_srcdir/bench/lib.sh"
bench_need hyperfine postmap python3
bench_tables "$N"

# A fixed mix: aliases (some forwarding outside), mailboxes, extensions,
# upper case and unknown users, spread over the 100 domains.
python3 - "$N" "$A" >"$dir/addrs" <<'PY'
import random, sys
n, a = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(7)
for i in range(a):
    k = rnd.randrange(n)
    d = "dom%03d.example" % (k % 100)
    r = i % 10
    if r < 5:
        print("alias%06d@%s" % (k, d))
    elif r < 8:
        print("user%06d@%s" % (k, d))
    elif r == 8:
        print("User%06d+tag@%s" % (k, d.upper()))
    else:
        print("nobody%06d@%s" % (k, d))
PY

trace="$VMAILADM --config $dir/vmailadm.yaml trace --short - <$dir/addrs"
query="postmap -c $pf -q - hash:$pf/virtual <$dir/addrs"
# fails loudly here rather than inside hyperfine (exit 1: some rejected)
sh -c "$trace" >"$dir/trace.out" || [ $? -eq 1 ]
[ "$(wc -l <"$dir/trace.out")" -ge "$A" ] || { echo "trace: missing answers"; exit 1; }

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" -i \
	--export-json "$dir/times.json" \
	-n "vmailadm trace ($A addresses)" "$trace >/dev/null" \
	-n "postmap -q - ($A lookups)" "$query >/dev/null"

python3 - "$dir/times.json" "$A" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
a = int(sys.argv[2])
t, q = res[0]["median"], res[1]["median"]
print("trace:    %.1f us/address (%.3f s total, world load included)" % (t / a * 1e6, t))
print("postmap:  %.1f us/address (%.3f s total)" % (q / a * 1e6, q))
print("ratio trace/postmap: %.2f  (target <= 1.00) %s" % (t / q, "OK" if t <= q else "MISSED"))
PY
