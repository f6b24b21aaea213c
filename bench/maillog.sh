#!/bin/sh
# Benchmark (issue 17, "Delivery log"): `vmailadm maillog ADDRESS` on a
# generated Postfix log (200 MB; BENCH_LARGE=1: 1 GB), side by side with
# `grep -c ADDRESS` on the same file. Prints both times, the ratio and the
# throughput. Target: 1 GB in under 10 s.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
MB=${BENCH_MB:-200}
[ "${BENCH_LARGE:-0}" = 1 ] && MB=1024

for p in hyperfine python3 grep; do
	command -v "$p" >/dev/null 2>&1 || { echo "maillog: $p not found, skipped"; exit 0; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
addr=target@dom042.example
python3 "$top_srcdir/bench/gen-maillog" "$dir/mail.log" "$MB" "$addr"
size=$(stat -c %s "$dir/mail.log")

# Fail here, loudly, rather than inside hyperfine.
"$VMAILADM" maillog "$addr" --file "$dir/mail.log" >"$dir/out"
want=$(grep -c "to=<$addr>" "$dir/mail.log")
got=$(grep -c "^[0-9]" "$dir/out")
[ "$got" -eq "$want" ] || { echo "maillog: $got records, the log has $want deliveries"; exit 1; }

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-5}" \
	--export-json "$dir/times.json" \
	-n "vmailadm maillog ($((size / 1048576)) MB)" "$VMAILADM maillog $addr --file $dir/mail.log >/dev/null" \
	-n "grep -c ($((size / 1048576)) MB)" "grep -c $addr $dir/mail.log >/dev/null"

python3 - "$dir/times.json" "$size" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
m, g = res[0]["median"], res[1]["median"]
print("maillog:  %.3f s, %.0f MB/s; 1 GB would take %.1f s (target: under 10 s)"
      % (m, size / m / 1e6, m * (1 << 30) / size))
print("grep -c:  %.3f s, %.0f MB/s" % (g, size / g / 1e6))
print("ratio maillog / grep -c: %.2f" % (m / g))
PY
