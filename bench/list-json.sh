#!/bin/sh
# Benchmark (issue 16): `list mailboxes --json` and `list aliases --json` on
# 100,000 mailboxes, 100,000 aliases and 100,000 passwd-file entries, side
# by side with `postmap -s` dumping the same two tables. Targets: each list
# <= 1.5x the dump, and its peak memory no more than the model's own (the
# peak of `list domains`, which loads the same world and prints 100 lines).
# The floor of both, timed in the same hyperfine run: `list domains`, the
# program started and the world loaded (what no list can skip); each line
# gives it, and the CPU time (user + system) beside the wall time: on a
# shared machine the wall time of two threads against one process swings.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-100000}

NAME=list-json
. "$top_srcdir/bench/lib.sh"
bench_need hyperfine postmap python3
bench_tables "$N"

v="$VMAILADM --config $dir/vmailadm.yaml"
dump="postmap -c $pf -s hash:$pf/vmailbox && postmap -c $pf -s hash:$pf/virtual"
$v list mailboxes --json >/dev/null   # fails loudly here rather than inside hyperfine

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" \
	--export-json "$dir/times.json" \
	-n "list mailboxes --json" "$v list mailboxes --json >/dev/null" \
	-n "list aliases --json" "$v list aliases --json >/dev/null" \
	-n "postmap -s (both tables)" "$dump >/dev/null" \
	-n "list domains (the floor: the world loaded)" "$v list domains >/dev/null"

python3 - "$dir/times.json" "$VMAILADM" "$dir/vmailadm.yaml" <<'PY'
import json, resource, subprocess, sys
res = json.load(open(sys.argv[1]))["results"]
mbx, ali, dump, floor = (r["median"] for r in res[:4])
cpu = [r["user"] + r["system"] for r in res[:4]]
def peak(*args):
    # ru_maxrss of the one child run in a fresh interpreter's accounting
    out = subprocess.run([sys.executable, "-c",
        "import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"] + list(args),
        capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024.0
base = [sys.argv[2], "--config", sys.argv[3], "list"]
model = peak(*base, "domains")
for k, (name, t, kind) in enumerate((("list mailboxes --json", mbx, "mailboxes"),
                                      ("list aliases --json", ali, "aliases"))):
    r = t / dump
    m = peak(*base, kind, "--json")
    print("%-22s %.3f s, %.2fx postmap -s (target <= 1.50) %s; peak %.1f MB, model %.1f MB (target: no more) %s"
          % (name + ":", t, r, "OK" if r <= 1.5 else "MISSED", m, model,
             "OK" if m <= model * 1.05 else "MISSED"))
    print("  CPU %.3f s, %.2fx postmap -s's; floor (list domains, same run) %.3f s = %.2fx postmap -s, CPU %.2fx;"
          " the list beyond it %.3f s"
          % (cpu[k], cpu[k] / cpu[2], floor, floor / dump, cpu[3] / cpu[2], t - floor))
print("postmap -s dump:       %.3f s (median), CPU %.3f s" % (dump, cpu[2]))
PY
