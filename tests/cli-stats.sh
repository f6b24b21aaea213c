#!/bin/sh
# `vmailadm stats` on the fixture server tests/fixtures/world/basic with
# messages written here: exact counts, folders, JSON, sorting, statuses.
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: skipped"; exit 77; }
. "${top_srcdir:-.}/tests/lib.sh"
fixture_world basic

j="$tmp/w/mail/andromed.cloud/johndoe"
mkdir -p "$j/cur" "$j/new" "$j/tmp" "$j/.Sent/cur" "$j/.Sent/new" "$j/.&AMk-l&AOk-ments envoy&AOk-s/cur"
: >"$j/.Sent/maildirfolder"
printf 'x%.0s' $(seq 1 100) >"$j/new/1700000001.Vfe00I1M1.host"      # 100 bytes, no S=
: >"$j/new/1700000002.M2P2.host,S=2000,W=2040"
: >"$j/cur/1700000003.M3P3.host,S=300:2,S"
: >"$j/cur/1700000004.M4P4.host,S=40:2,FRS"
: >"$j/cur/1700000005.M5P5.host,S=5:2,"
: >"$j/.Sent/cur/1700000006.M6P6.host,S=60:2,S"
: >"$j/.&AMk-l&AOk-ments envoy&AOk-s/cur/1700000007.M7P7.host,S=7:2,"
: >"$j/dovecot-uidlist"
: >"$j/dovecot.index.log"
ln -s /etc/passwd "$j/cur/1700000008.M8P8.host,S=999:2,"
c="$tmp/w/mail/andromed.cloud/contact"
mkdir -p "$c/cur" "$c/new" "$c/tmp"
: >"$c/new/1700000009.M9P9.host,S=5000"
printf '2000000S\n5000 1\n' >"$c/maildirsize"                        # read during the scan
: >"$j/tmp/1700000010.M10P10.host"                                    # a delivery in progress

run() { # run EXPECTED_STATUS ARGS...
	want=$1; shift
	"$VMAILADM" -c "$cfg" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: vmailadm $* exited $got, expected $want"; cat "$tmp/err"; fail=1
	fi
}
check() { # check DESCRIPTION PYTHON-EXPRESSION over j (parsed JSON of $tmp/out)
	if ! python3 -c "
import json, sys
j = json.load(open('$tmp/out'))
b = {x['address']: x for x in j}
sys.exit(0 if ($2) else 1)"; then
		echo "FAIL: $1"; cat "$tmp/out"; fail=1
	fi
}

run 0 stats --json --folders
check "johndoe figures" "b['johndoe@andromed.cloud']['total'] == 7 and b['johndoe@andromed.cloud']['new'] == 2 and b['johndoe@andromed.cloud']['unread'] == 4 and b['johndoe@andromed.cloud']['bytes'] == 100+2000+300+40+5+60+7"
check "johndoe folders" "[f['name'] for f in b['johndoe@andromed.cloud']['folders']] == ['INBOX', '\u00c9l\u00e9ments envoy\u00e9s', 'Sent'] and b['johndoe@andromed.cloud']['folders'][2]['total'] == 1"
check "johndoe quota from the passwd-file" "b['johndoe@andromed.cloud']['quota'] == 1073741824"
check "contact" "b['contact@andromed.cloud']['new'] == 1 and b['contact@andromed.cloud']['bytes'] == 5000"
check "contact's maildirsize" "b['contact@andromed.cloud']['maildirsize'] == {'limit_bytes': 2000000, 'limit_messages': None, 'used_bytes': 5000, 'used_messages': 1} and b['johndoe@andromed.cloud']['maildirsize'] is None"
check "tmp/ leftovers in JSON, not messages" "b['johndoe@andromed.cloud']['tmp'] == 1 and b['johndoe@andromed.cloud']['folders'][0]['tmp'] == 1 and b['johndoe@andromed.cloud']['total'] == 7"
check "janedoe has no maildir yet" "b['janedoe@andromed.cloud']['status'] == 'missing' and b['janedoe@andromed.cloud']['total'] == 0"

run 0 stats --json --sort size andromed.cloud
check "sorted by size" "j[0]['address'] == 'contact@andromed.cloud' and j[1]['address'] == 'johndoe@andromed.cloud' and 'folders' not in j[0]"

run 0 stats johndoe@andromed.cloud --folders
grep -Eq '^johndoe@andromed.cloud +2 +4 +7 ' "$tmp/out" || { echo "FAIL: text row"; cat "$tmp/out"; fail=1; }
grep -Eq '^ +Sent +0 +0 +1 ' "$tmp/out" || { echo "FAIL: folder row"; cat "$tmp/out"; fail=1; }
grep -Eq '^total \(1 ' "$tmp/out" || { echo "FAIL: totals row"; cat "$tmp/out"; fail=1; }
# The columns line up by characters, not bytes: the folder "Éléments
# envoyés" (3 two-byte letters) ends its TOTAL column where the others do.
python3 - "$tmp/out" <<'PY' || { echo "FAIL: columns not aligned"; cat "$tmp/out"; fail=1; }
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
end = lines[0].index("TOTAL") + len("TOTAL") - 1
bad = [l for l in lines[1:] if not (l[end].isdigit() and l[end + 1] == " ")]
sys.exit(1 if bad or not any("ments envoy" in l for l in lines) else 0)
PY

# Sizes and quota shares as printf's %.1f/%.0f would write them (the table
# puts them together by hand): rounding edges, ties to even, the units.
a="$tmp/w/mail/ascent.cloud/admin"
sizes="0 1023 1024 1280 1331 1536 10188 10189 10239 10240 10752 11776 1048064 1048575 1048576 5000000000 1125899906842624 9007199254740993 9000000000000000000"
k=0
mkdir -p "$a/cur" "$a/new" "$a/tmp"
for sz in $sizes; do
	f=$(printf '%s/.s%02d' "$a" "$k")
	mkdir -p "$f/cur" "$f/new" "$f/tmp"
	: >"$f/maildirfolder"
	: >"$f/cur/17000000$k.M$k.host,S=$sz:2,S"
	k=$((k + 1))
done
ca="$tmp/w/mail/ascent.cloud/contact"
mkdir -p "$ca/cur" "$ca/new" "$ca/tmp"
: >"$ca/new/1700000100.M1.host,S=1"
printf '200S\n' >"$ca/maildirsize"                                    # 1 of 200: 0.5 %
run 0 stats admin@ascent.cloud contact@ascent.cloud --folders
if ! python3 - "$tmp/out" $sizes <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
sizes = [int(x) for x in sys.argv[2:]]
def human(b):
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    v, u = float(b), 0
    while v >= 1024 and u + 1 < len(units):
        v /= 1024
        u += 1
    if u == 0:
        return "%d B" % b
    return ("%.1f %s" if v < 10 else "%.0f %s") % (v, units[u])
aw = lines[0].index("NEW") - 5                # "%-*s %7s": ADDRESS, then "    NEW"
size = lambda l: l[aw + 26:aw + 36].strip()
rows = {l.split(" ")[0]: l for l in lines[1:] if l and not l.startswith(" ")}
folders = [l for l in lines if l.startswith("  s")]
ok = [size(l) for l in folders] == [human(x) for x in sizes]
ok = ok and size(rows["admin@ascent.cloud"]) == human(sum(sizes))
ok = ok and rows["admin@ascent.cloud"][aw + 38:] == "%.0f%% of %s" % (100.0 * sum(sizes) / 1048576, human(1048576))
ok = ok and rows["contact@ascent.cloud"][aw + 38:] == "%.0f%% of %s" % (100.0 * 1 / 200, human(200))
sys.exit(0 if ok else 1)
PY
then
	echo "FAIL: sizes or quota shares"; cat "$tmp/out"; fail=1
fi

run 1 stats nosuch.example
run 2 stats --sort bogus
# --over PERCENT (issue 15): only the boxes at PERCENT of their limit or
# more (contact@ascent.cloud's from maildirsize: 200 bytes), exit 1 when none.
: >"$ca/new/1700000101.M2.host,S=190"                                # 191 of 200: 95.5 %
sel="contact@ascent.cloud johndoe@andromed.cloud contact@andromed.cloud"
# shellcheck disable=SC2086
run 0 stats $sel --over 90
{ [ "$(grep -c '@' "$tmp/out")" = 1 ] && grep -q '^contact@ascent.cloud ' "$tmp/out"; } ||
	{ echo "FAIL: --over 90: $(cat "$tmp/out")"; fail=1; }
# shellcheck disable=SC2086
run 0 stats $sel --over 90 --json
python3 -c 'import json,sys; a = json.load(open(sys.argv[1])); assert [b["address"] for b in a] == ["contact@ascent.cloud"], a' "$tmp/out" ||
	{ echo "FAIL: --over 90 --json: $(cat "$tmp/out")"; fail=1; }
# shellcheck disable=SC2086
run 1 stats $sel --over 96
grep -q "no mailbox uses 96% of its quota or more" "$tmp/err" || { echo "FAIL: --over 96: $(cat "$tmp/err")"; fail=1; }
run 2 stats --over 0
run 2 stats --over lots
# Sizes are chosen by whoever names a file: huge ,S= values are held, never
# wrapped into a negative or small total; past a signed 64-bit size the
# file's own size counts.
h="$tmp/w/mail/andromed.cloud/janedoe"
mkdir -p "$h/cur" "$h/new" "$h/tmp"
for i in 1 2 3; do : >"$h/cur/170000010$i.M$i.host,S=9000000000000000000:2,S"; done
printf 'abc' >"$h/new/1700000200.M9.host,S=9300000000000000000"
run 0 stats janedoe@andromed.cloud --json
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
b = [x for x in a if x["address"] == "janedoe@andromed.cloud"][0]
assert b["bytes"] == 2**63 - 1, b
' "$tmp/out" || { echo "FAIL: huge ,S= sizes: $(cat "$tmp/out")"; fail=1; }
rm "$h"/cur/*
run 0 stats janedoe@andromed.cloud --json
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
b = [x for x in a if x["address"] == "janedoe@andromed.cloud"][0]
assert b["bytes"] == 3, b
' "$tmp/out" || { echo "FAIL: a ,S= past 2^63 is not the file size: $(cat "$tmp/out")"; fail=1; }
exit $fail
