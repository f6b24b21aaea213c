#!/bin/sh
# Benchmark (issue 4, "Speed"): one mailbox added to tables of 100,000
# entries (bench/gen-tables). vmailadm reports, with VMAILADM_TIMING=1, the
# wall time of the whole command and of the programs its commit ran; this
# prints its own part (everything but postmap and the reloads) beside the
# postmap run it made, per run and as medians, and the ratio (target <= 25%).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-100000}
RUNS=${BENCH_RUNS:-5}

for p in postmap python3; do
	command -v "$p" >/dev/null 2>&1 || { echo "commit: $p not found, skipped"; exit 0; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
python3 "$top_srcdir/bench/gen-tables" "$dir" "$N"
pf="$dir/etc/postfix"
# As root the maildir goes to 5000:5000 (the default); otherwise to us.
[ "$(id -u)" -eq 0 ] || printf 'vmail_uid: %s\nvmail_gid: %s\n' "$(id -u)" "$(id -g)" >>"$dir/vmailadm.yaml"
cat >>"$dir/vmailadm.yaml" <<EOT
archive_dir: archive
postmap: $(command -v postmap)
postfix_reload: ""
dovecot_reload: ""
EOT
# Postfix programs wait while main.cf is younger than 1 s: not the point here.
touch -d @$(($(date +%s) - 10)) "$pf/main.cf"
postmap -c "$pf" "hash:$pf/vmailbox" "hash:$pf/virtual"

hash='{SHA512-CRYPT}$6$benchbenchbench1$Bx0dZbOa7MUc7u6qkSxMzWm3p2v1Ewr3kpeVgMWwFC8nM4Ow6kJ0I1Wn0qW3cQ1c7TgIcuLSxA8a2WMiqx1ty/'
out=$dir/timing
: >"$out"
i=0
while [ "$i" -lt "$RUNS" ]; do
	VMAILADM_TIMING=1 "$VMAILADM" --config "$dir/vmailadm.yaml" \
		mailbox add "bench$i@dom042.example" --quota 1G --password-hash "$hash" \
		>/dev/null 2>"$dir/err" || { cat "$dir/err"; exit 1; }
	grep '^vmailadm-timing:' "$dir/err" >>"$out"
	i=$((i + 1))
done
grep -q "^bench0@dom042.example" "$pf/vmailbox" || { echo "commit: the mailbox was not added"; exit 1; }

python3 - "$out" "$N" <<'PY'
import statistics, sys
runs = []
for line in open(sys.argv[1]):
    kv = dict(f.split("=") for f in line.split()[1:])
    runs.append({k: float(v) for k, v in kv.items()})
print("one mailbox added to %s mailboxes / aliases / passwd entries, %d runs" % (sys.argv[2], len(runs)))
print("  run   total     postmap   reloads   vmailadm own   own/postmap")
for i, r in enumerate(runs):
    print("  %2d  %7.3f s  %7.3f s  %7.3f s  %7.3f s     %5.1f %%" % (
        i + 1, r["total"], r["maps"], r["programs"] - r["maps"], r["own"], 100 * r["own"] / r["maps"]))
own = statistics.median(r["own"] for r in runs)
pm = statistics.median(r["maps"] for r in runs)
ratio = own / pm
print("median: vmailadm own %.3f s, postmap %.3f s, ratio %.1f %% (target <= 25 %%) %s"
      % (own, pm, 100 * ratio, "OK" if ratio <= 0.25 else "MISSED"))
PY
