#!/bin/sh
# `vmailadm list` and `vmailadm show` on the fixture server
# tests/fixtures/world/basic: text and JSON output, exit statuses.
command -v python3 >/dev/null 2>&1 || { echo "python3 missing: skipped"; exit 77; }
. "${top_srcdir:-.}/tests/lib.sh"
fixture_world basic

run() { # run EXPECTED_STATUS ARGS... ; output in $tmp/out, $tmp/err
	want=$1; shift
	"$VMAILADM" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: vmailadm $* exited $got, expected $want"; cat "$tmp/err"
		fail=1
	fi
}
check() { # check DESCRIPTION PYTHON-EXPRESSION over j (the parsed JSON of $tmp/out)
	if ! python3 -c "
import json, sys
j = json.load(open('$tmp/out'))
sys.exit(0 if ($2) else 1)"; then
		echo "FAIL: $1"; cat "$tmp/out"; fail=1
	fi
}
has() { # has DESCRIPTION FILE REGEX
	if ! grep -Eq -- "$3" "$2"; then echo "FAIL: $1"; cat "$2"; fail=1; fi
}
hasnt() {
	if grep -Eq -- "$3" "$2"; then echo "FAIL: $1"; cat "$2"; fail=1; fi
}

# --- list mailboxes
run 0 --config "$cfg" list mailboxes --json
check "six mailboxes, sorted, lower case" \
	"[m['address'] for m in j] == ['admin@andromed.cloud','contact@andromed.cloud','janedoe@andromed.cloud','johndoe@andromed.cloud','admin@ascent.cloud','contact@ascent.cloud']"
check "maildir is absolute" \
	"all(m['maildir'].startswith('$tmp/w/mail/') for m in j)"
check "johndoe: maildir exists, 1G quota, scheme, no hash" \
	"[(m['exists'], m['quota'], m['password_scheme'], m['has_password'], m['line']) for m in j if m['local']=='johndoe'] == [(True, 1073741824, 'SHA512-CRYPT', True, 2)]"
check "janedoe: swallowed by the alias catch-all, maildir missing" \
	"[(m['exists'], m['swallowed_by_catchall']) for m in j if m['address']=='janedoe@andromed.cloud'] == [(False, True)]"
check "no password hash anywhere" "'\$6\$' not in json.dumps(j)"
check "entry without passwd-file line" \
	"[(m['password_scheme'], m['has_password'], m['quota']) for m in j if m['address']=='admin@andromed.cloud'] == [(None, False, None)]"

run 0 --config "$cfg" --json list mailboxes ascent.cloud
check "global --json and a domain filter" "[m['address'] for m in j] == ['admin@ascent.cloud','contact@ascent.cloud']"

run 0 --config "$cfg" list mailboxes
has "text header" "$tmp/out" '^ADDRESS +MAILDIR +QUOTA +PASSWORD$'
has "text row" "$tmp/out" "^johndoe@andromed.cloud +$tmp/w/mail/andromed.cloud/johndoe/ +1 GiB +SHA512-CRYPT$"
has "mbox marked" "$tmp/out" "^admin@andromed.cloud +$tmp/w/mail/andromed.cloud/admin \\(mbox\\)"
# columns are aligned: the MAILDIR column starts at the same offset on every line
python3 - "$tmp/out" "$tmp/w/mail" <<'PY' || { echo "FAIL: columns not aligned"; fail=1; }
import sys
lines = open(sys.argv[1]).read().splitlines()
cols = {l.find(sys.argv[2]) for l in lines[1:]}
sys.exit(0 if len(cols) == 1 and lines[0].find("MAILDIR") in cols else 1)
PY

run 1 --config "$cfg" list mailboxes nosuch.example
[ -s "$tmp/out" ] && { echo "FAIL: empty list printed something"; cat "$tmp/out"; fail=1; }

# --- list domains
run 0 --config "$cfg" list domains --json
check "domains with counts and classes" \
	"[(d['domain'], d['class'], d['mailboxes'], d['aliases']) for d in j][:2] == [('andromed.cloud','virtual-mailbox',4,7), ('ascent.cloud','virtual-mailbox',2,0)]"
check "mydestination names are local" \
	"{d['domain']: d['class'] for d in j}['mail.example.test'] == 'local'"
check "catch-all per domain" \
	"[(d['catchall'] or {}).get('map') for d in j][:2] == ['alias', 'mailbox']"
run 0 --config "$cfg" list domains
has "domain text row" "$tmp/out" '^andromed.cloud +virtual mailbox +4 +7 +admin@andromed.cloud$'

# --- list aliases / catchalls
run 0 --config "$cfg" list aliases andromed.cloud --json
check "aliases with targets" \
	"{a['address']: a['targets'] for a in j}['team@andromed.cloud'] == ['johndoe@andromed.cloud','janedoe@andromed.cloud','boss@elsewhere.example']"
check "alias file and line" \
	"[(a['line'], a['file'].endswith('/etc/postfix/virtual')) for a in j if a['address']=='info@andromed.cloud'] == [(2, True)]"
check "the catch-all is flagged" "[a['address'] for a in j if a['catchall']] == ['@andromed.cloud']"
run 0 --config "$cfg" list aliases
has "external target marked" "$tmp/out" '^facturation@andromed.cloud +comptable@cabinet-expert.fr \(external\) +'
run 0 --config "$cfg" list catchalls --json
check "catch-alls from both maps" \
	"[(c['domain'], c['map'], c['target']) for c in j] == [('andromed.cloud','alias','admin@andromed.cloud'), ('ascent.cloud','mailbox','ascent.cloud/contact/')]"
run 1 --config "$cfg" list catchalls localhost
# An empty list says so on stderr; stdout stays empty (--json: []).
[ -s "$tmp/out" ] && { echo "FAIL: an empty list printed: $(cat "$tmp/out")"; fail=1; }
has "an empty list says so" "$tmp/err" '^vmailadm: list: no catch-all \(localhost\)$'
run 1 --config "$cfg" list catchalls localhost --json
has "an empty JSON list is []" "$tmp/out" '^\[\]$'
hasnt "an empty JSON list says nothing more on stderr" "$tmp/err" 'no catch-all'

# --- show
run 0 --config "$cfg" show JohnDoe@Andromed.Cloud
has "show: vmailbox line" "$tmp/out" 'vmailbox: +.*/etc/postfix/vmailbox:2: andromed.cloud/johndoe/'
has "show: scheme" "$tmp/out" 'passwd-file: +line 2, SHA512-CRYPT'
hasnt "show: never the hash" "$tmp/out" 'ZZZZ|\$6\$'
has "show: aliases that point to it" "$tmp/out" 'info@andromed.cloud'
has "show: quota" "$tmp/out" 'quota: +1 GiB'
run 0 --config "$cfg" show janedoe@andromed.cloud
has "show: catch-all trap" "$tmp/out" 'warning: the catch-all @andromed.cloud'
run 0 --config "$cfg" show janedoe@andromed.cloud --json
check "show json" "j['mailbox']['address'] == 'janedoe@andromed.cloud' and j['swallowed_by_catchall'] and j['passwd']['password_scheme'] == 'BLF-CRYPT' and j['aliased_from'] == ['team@andromed.cloud'] and j['reached_from'] == ['all@andromed.cloud','team@andromed.cloud'] and j['catchall']['map'] == 'alias'"
run 1 --config "$cfg" show nobody@nowhere.example
has "show unknown: not hosted" "$tmp/out" 'not hosted'
run 0 --config "$cfg" show root@localhost --json
check "show: system alias on a local domain" "j['class'] == 'local' and j['system_alias']['targets'] == ['admin@andromed.cloud']"
# A name without @ is a system alias (show root); an unknown one is not found.
run 1 --config "$cfg" show not-an-address
has "show NAME: not a system alias" "$tmp/err" 'not-an-address is not a system alias'
run 2 --config "$cfg" show @andromed.cloud

# --- a long list: the JSON array is made in chunks on two threads, and is
# still every mailbox once, in the table's order, one valid document.
python3 "$top_srcdir/bench/gen-tables" "$tmp/big" 2600 >/dev/null
run 0 --config "$tmp/big/vmailadm.yaml" list mailboxes --json
mv "$tmp/out" "$tmp/big.json"
run 0 --config "$tmp/big/vmailadm.yaml" list mailboxes
python3 - "$tmp/big.json" "$tmp/out" <<'PY' || { echo "FAIL: list mailboxes --json on 2,600 mailboxes"; fail=1; }
import json, sys
rows = json.load(open(sys.argv[1]))
table = [l.split()[0] for l in open(sys.argv[2]).read().splitlines()[1:]]
assert len(rows) == 2600, len(rows)
assert [r["address"] for r in rows] == table
PY
dom=$(sed -n '2s/^[^@]*@\([^ ]*\).*/\1/p' "$tmp/out")
run 0 --config "$tmp/big/vmailadm.yaml" list aliases "$dom" --json
check "list aliases DOMAIN --json: only that domain's" "len(j) > 0 and all(a['domain'] == '$dom' for a in j)"

# --- the streamed list writes each mailbox without jansson (issue 16):
# every element byte for byte the object jansson lays out for show, at the
# same depth, with quotes, backslashes, control bytes, UTF-8 and bytes that
# are not UTF-8 (jansson leaves such a member out) in the values.
cp -R "$tmp/w" "$tmp/odd"
sed -i "s#$tmp/w#$tmp/odd#g" "$tmp/odd/vmailadm.yaml" "$tmp/odd/etc/postfix/main.cf"
printf 'q@andromed.cloud andromed.cloud/q"b\\s/\n' >>"$tmp/odd/etc/postfix/vmailbox"
printf 'c@andromed.cloud andromed.cloud/c\001\037\177x/\n' >>"$tmp/odd/etc/postfix/vmailbox"
printf 'u@andromed.cloud andromed.cloud/\303\251t\342\202\254/\n' >>"$tmp/odd/etc/postfix/vmailbox"
printf 'x@andromed.cloud andromed.cloud/bad\377\300\257/\n' >>"$tmp/odd/etc/postfix/vmailbox"
printf 'q@andromed.cloud:{PLAIN}"x\\:::::::userdb_quota_rule=*:storage=2"M\n' >>"$tmp/odd/etc/dovecot/users"
printf 'c@andromed.cloud:{SHA512-CRYPT}$6$x::::::\n' >>"$tmp/odd/etc/dovecot/users"
"$VMAILADM" --config "$tmp/odd/vmailadm.yaml" list mailboxes --json >"$tmp/odd.list" 2>/dev/null
n=0
for a in $(sed -n 's/^    "address": "\(.*\)",$/\1/p' "$tmp/odd.list"); do
	n=$((n + 1))
	"$VMAILADM" --config "$tmp/odd/vmailadm.yaml" show "$a" --json >"$tmp/odd.show" 2>/dev/null
	python3 - "$tmp/odd.list" "$tmp/odd.show" "$a" <<'PY' || { echo "FAIL: list mailboxes --json: $a not as jansson lays it out"; fail=1; }
import re, sys
lst = open(sys.argv[1], "rb").read()
shown = re.search(rb'\n  "mailbox": (\{.*?\n  \})', open(sys.argv[2], "rb").read(), re.S).group(1)
key = b'"address": "' + sys.argv[3].encode() + b'"'
mine = [e for e in re.findall(rb'\n  (\{.*?\n  \})', lst, re.S) if key in e]
sys.exit(0 if mine == [shown] else 1)
PY
done
[ "$n" = 10 ] || { echo "FAIL: list mailboxes --json: $n mailboxes compared, not 10"; fail=1; }

# --- usage and configuration errors
run 2 --config "$cfg" list
run 2 --config "$cfg" list everything
rm "$tmp/w/etc/postfix/main.cf"
run 2 --config "$cfg" list domains
has "missing main.cf named" "$tmp/err" 'main.cf'

exit $fail
