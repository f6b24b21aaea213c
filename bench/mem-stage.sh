#!/bin/sh
# Benchmark (issue 16): the memory staging costs on 100,000 mailboxes and
# 100,000 aliases. A batch of edits is staged on one world kept across them
# (apply --dry-run: stage_push, the world made again after each edit); its
# peak with 1 alias removal and with 12, side by side with the peak of the
# world alone (list domains). A figure, not a target of its own: what each
# edit adds to the interface's memory (issue 16's target is tui.sh's; the
# strings of the entries an edit replaced were kept until the end, 5.7 MB
# an edit). BENCH_N sets the size.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-100000}

NAME=mem-stage
. "$top_srcdir/bench/lib.sh"
bench_need python3 postmap
bench_tables "$N"

for k in 1 12; do
	i=0
	: >"$dir/batch$k"
	while [ "$i" -lt "$k" ]; do
		printf 'alias del alias%06d@dom%03d.example\n' "$i" "$((i % 100))" >>"$dir/batch$k"
		i=$((i + 1))
	done
done
v="$VMAILADM --config $dir/vmailadm.yaml"
$v apply --dry-run "$dir/batch12" >/dev/null   # fails loudly here

python3 - "$VMAILADM" "$dir" <<'PY'
import os, subprocess, sys
prog, top = sys.argv[1], sys.argv[2]
def peak(*args):
    p = subprocess.Popen([prog, "--config", top + "/vmailadm.yaml"] + list(args),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return os.wait4(p.pid, 0)[2].ru_maxrss / 1024.0
runs = [(peak("list", "domains"), peak("apply", "--dry-run", top + "/batch1"),
         peak("apply", "--dry-run", top + "/batch12")) for _ in range(3)]
world, one, twelve = (sorted(r[k] for r in runs)[1] for k in range(3))
per = (twelve - one) / 11
print("staging: the world alone %.1f MB; 1 alias removal staged %.1f MB, 12 staged %.1f MB (medians of 3)"
      % (world, one, twelve))
print("  each edit after the first: %.2f MB = %.1f %% of the world" % (per, 100 * per / world))
PY
