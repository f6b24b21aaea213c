#!/bin/sh
# Benchmark (issue 18, "Speed"): the tracer on a PostgreSQL server's pgsql
# maps. 100,000 mailboxes in 2,000 domains (and 50,000 aliases, a tenth of
# them with an outside target) in a throwaway PostgreSQL 15, the map files
# of `vmailadm db postfix-config` named by main.cf as pgsql: tables; then
# `vmailadm trace --short -` of 2,000 addresses (mailboxes, aliases,
# extensions, upper case, unknown users), and `postmap -q -` asking the
# same map files the very lookups the tracer made (its --json queries,
# map by map). Prints both rates in lookups per second and their ratio.
# Needs root (the server runs as nobody), PostgreSQL 15, postfix-pgsql.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
A=${BENCH_ADDRESSES:-2000}

NAME=pgtrace
. "$top_srcdir/bench/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
bench_need hyperfine postmap postconf python3 psql
[ "$(id -u)" -eq 0 ] || { echo "$NAME: needs root (PostgreSQL runs as nobody), skipped"; exit 0; }
[ -x "$PG_BIN/initdb" ] || { echo "$NAME: PostgreSQL 15 not installed, skipped"; exit 0; }
postconf -m 2>/dev/null | grep -qx pgsql || [ -e /usr/lib/postfix/postfix-pgsql.so ] ||
	{ echo "$NAME: postfix-pgsql not installed, skipped"; exit 0; }

bench_tables 1000   # main.cf and vmailadm.yaml; the accounts come from SQL below
trap 'pg_stop; rm -rf "$dir"' EXIT INT TERM
chmod 755 "$dir"
pg_start "$dir/pg" >/dev/null || { echo "$NAME: PostgreSQL did not start"; exit 1; }
pg_sql postgres "CREATE DATABASE postfix"
CI="host=$PG_SOCK dbname=postfix user=postgres"
v() { "$VMAILADM" --config "$dir/vmailadm.yaml" "$@"; }
v db init --conninfo "$CI" >/dev/null
# generate_series rather than db import: the rows in seconds.
pg_sql postfix "
INSERT INTO domain (domain, description, active)
  SELECT 'dom' || lpad(d::text, 4, '0') || '.example', '', true FROM generate_series(0, 1999) d;
INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, active)
  SELECT 'user' || lpad(i::text, 6, '0') || '@dom' || lpad((i % 2000)::text, 4, '0') || '.example',
         '{SHA512-CRYPT}x', '', 'dom' || lpad((i % 2000)::text, 4, '0') || '.example/user' ||
         lpad(i::text, 6, '0') || '/', 0, 'user' || lpad(i::text, 6, '0'),
         'dom' || lpad((i % 2000)::text, 4, '0') || '.example', true
  FROM generate_series(0, 99999) i;
INSERT INTO alias (address, goto, domain, active)
  SELECT 'alias' || lpad(i::text, 6, '0') || '@dom' || lpad((i % 2000)::text, 4, '0') || '.example',
         'user' || lpad(((i * 7919) % 100000)::text, 6, '0') || '@dom' ||
         lpad((((i * 7919) % 100000) % 2000)::text, 4, '0') || '.example' ||
         CASE WHEN i % 10 = 0 THEN ',ext' || i || '@gmail.example' ELSE '' END,
         'dom' || lpad((i % 2000)::text, 4, '0') || '.example', true
  FROM generate_series(0, 49999) i;
ANALYZE;
CREATE ROLE mailreader LOGIN;
GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader"
maps="$dir/pgsql"
mkdir -p "$maps"
v db postfix-config --conninfo "$CI" --dir "$maps" --write >"$dir/pf.out"
sed -n 's/proxy:pgsql:/pgsql:/g; /^virtual_/p' "$dir/pf.out" | while IFS= read -r line; do
	postconf -c "$pf" -e "$line"
done
touch -d @$(($(date +%s) - 10)) "$pf/main.cf"

python3 - "$A" >"$dir/addrs" <<'PY'
import random, sys
rnd = random.Random(18)
for i in range(int(sys.argv[1])):
    k = rnd.randrange(100000)
    d = "dom%04d.example" % (k % 2000)
    r = i % 10
    if r < 4:
        print("user%06d@%s" % (k, d))
    elif r < 7:
        print("alias%06d@%s" % (k % 50000, "dom%04d.example" % (k % 50000 % 2000)))
    elif r == 7:
        print("User%06d+tag@%s" % (k, d.upper()))
    else:
        print("nobody%06d@%s" % (k, d))
PY

# The tracer's lookups: its --json queries, the keys per map file.
v trace --json - <"$dir/addrs" >"$dir/trace.json" 2>"$dir/trace.err" || [ $? -eq 1 ] ||
	{ cat "$dir/trace.err"; exit 1; }
Q=$(python3 - "$dir/trace.json" "$dir" <<'PY'
import json, sys
res, out = json.load(open(sys.argv[1])), sys.argv[2]
keys, n, found = {}, 0, 0
for r in res:
    for q in r["queries"]:
        if q["error"]:
            sys.exit("the tracer's query failed: " + q["error"])
        if q["query"] is not None:
            keys.setdefault(q["map"], []).append(q["key"])
            n += 1
            found += q["result"] is not None
with open(out + "/maps", "w") as m:
    for i, (path, ks) in enumerate(sorted(keys.items())):
        open("%s/keys.%d" % (out, i), "w").write("\n".join(ks) + "\n")
        m.write("%d %s\n" % (i, path))
print(n, found)
PY
)
F=${Q#* }
Q=${Q% *}
[ "$Q" -gt "$A" ] || { echo "$NAME: the tracer ran $Q queries for $A addresses"; exit 1; }
postmap_all="while read -r i m; do postmap -c $pf -q - pgsql:\$m <$dir/keys.\$i; done <$dir/maps"
# the same answers first: as many keys found
sh -c "$postmap_all" >"$dir/postmap.out"
[ "$(wc -l <"$dir/postmap.out")" -eq "$F" ] ||
	{ echo "$NAME: postmap found $(wc -l <"$dir/postmap.out") keys, the tracer $F"; exit 1; }
trace="$VMAILADM --config $dir/vmailadm.yaml trace --short - <$dir/addrs"

hyperfine --style basic --warmup 1 --runs "${BENCH_RUNS:-3}" -i --export-json "$dir/times.json" \
	-n "vmailadm trace ($A addresses, $Q lookups)" "$trace >/dev/null" \
	-n "postmap -q - (the same $Q lookups)" "$postmap_all >/dev/null"

python3 - "$dir/times.json" "$Q" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
q = int(sys.argv[2])
t, p = res[0]["median"], res[1]["median"]
print("trace:    %8.0f lookups/s (%d lookups in %.3f s, start-up and connections included)" % (q / t, q, t))
print("postmap:  %8.0f lookups/s (%d lookups in %.3f s, one postmap per map file)" % (q / p, q, p))
print("ratio trace/postmap lookups per second: %.2f" % (p / t))
PY
