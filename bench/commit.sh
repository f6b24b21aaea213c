#!/bin/sh
# Benchmark (issue 4, "Speed"): one mailbox added to tables of 100,000
# entries (bench/gen-tables). vmailadm reports, with VMAILADM_TIMING=1, the
# wall time of the whole command, the wall time while the programs its
# commit ran were running (postmap from its start to its exit; vmailadm
# works meanwhile), and its own CPU time; this prints its own part (total
# wall minus the programs') and its CPU time beside the postmap run it made,
# per run and as medians, with the ratios (target: own wall <= 25% of
# postmap). The same postmap run alone, on the same table, is printed too:
# postmap shares the machine with vmailadm's work during a commit.
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
# postmap alone on a copy of the table, as the commit runs it (a new map).
cp "$pf/vmailbox" "$dir/alone"
i=0
while [ "$i" -lt 3 ]; do
	rm -f "$dir/alone.db"
	python3 -c 'import subprocess, sys, time
t = time.monotonic(); subprocess.run(sys.argv[1:], check=True)
print("%.6f" % (time.monotonic() - t))' postmap -c "$pf" "hash:$dir/alone" >>"$dir/alone.times"
	i=$((i + 1))
done

# A whole domain removed with --cascade (N/100 mailboxes and as many
# aliases), beside the postmap runs of the same commit: once one removal
# at a time, which reindexed the table each time (24 GB on 100,000).
VMAILADM_TIMING=1 /usr/bin/time -f 'maxrss=%M' "$VMAILADM" --config "$dir/vmailadm.yaml" \
	domain del dom007.example --cascade --yes >/dev/null 2>"$dir/err" || { cat "$dir/err"; exit 1; }
grep -q "@dom007.example" "$pf/vmailbox" && { echo "commit: the domain's mailboxes are still there"; exit 1; }
cascade=$(grep '^vmailadm-timing:' "$dir/err")
rss=$(sed -n 's/^maxrss=//p' "$dir/err")

python3 - "$out" "$N" "$dir/alone.times" "$cascade" "$rss" <<'PY'
import statistics, sys
runs = []
for line in open(sys.argv[1]):
    kv = dict(f.split("=") for f in line.split()[1:])
    runs.append({k: float(v) for k, v in kv.items()})
alone = statistics.median(float(t) for t in open(sys.argv[3]))
print("one mailbox added to %s mailboxes / aliases / passwd entries, %d runs" % (sys.argv[2], len(runs)))
print("  run   total     postmap   reloads   own wall   own CPU   own/postmap  CPU/postmap")
for i, r in enumerate(runs):
    print("  %2d  %7.3f s  %7.3f s  %7.3f s  %7.3f s  %7.3f s   %5.1f %%      %5.1f %%" % (
        i + 1, r["total"], r["maps"], r["programs"] - r["maps"], r["own"], r["cpu"],
        100 * r["own"] / r["maps"], 100 * r["cpu"] / r["maps"]))
own = statistics.median(r["own"] for r in runs)
cpu = statistics.median(r["cpu"] for r in runs)
pm = statistics.median(r["maps"] for r in runs)
print("median: own wall %.3f s, own CPU %.3f s, postmap %.3f s (alone: %.3f s)" % (own, cpu, pm, alone))
print("        own wall / postmap %.1f %% (target <= 25 %%) %s; / postmap alone %.1f %%"
      % (100 * own / pm, "OK" if own / pm <= 0.25 else "MISSED", 100 * own / alone))
print("        own CPU / postmap %.1f %%; / postmap alone %.1f %%" % (100 * cpu / pm, 100 * cpu / alone))
c = {k: float(v) for k, v in (f.split("=") for f in sys.argv[4].split()[1:])}
print("domain del --cascade (%d mailboxes and aliases): own wall %.3f s, postmap %.3f s (own/postmap %.1f), peak %.0f MB"
      % (int(sys.argv[2]) // 100, c["own"], c["maps"], c["own"] / c["maps"], int(sys.argv[5]) / 1024))
PY
