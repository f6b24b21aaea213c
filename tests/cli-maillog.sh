#!/bin/sh
# `vmailadm maillog ADDRESS --trace` (issue 17): the tracer's prediction
# beside the last message to ADDRESS in the log, on the demo tree and a
# log written here. equipe@ goes to johndoe and janedoe, and the log says
# so: they agree (exit 0). The log's last message to contact@ went to
# someone else (a map changed since): they differ (exit 1), each side
# marked with why, in text and JSON. A domain cannot be traced (exit 2);
# a log that cannot be read prints no JSON (exit 2).
. "${top_srcdir:-.}/tests/lib.sh"

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
log=$tmp/mail.log
cat >"$log" <<'EOF'
Dec  6 08:00:01 mail postfix/smtpd[900]: 7E6D5C4B3A: client=unknown[192.0.2.10]
Dec  6 08:00:01 mail postfix/qmgr[902]: 7E6D5C4B3A: from=<eve@remote.example>, size=900, nrcpt=2 (queue active)
Dec  6 08:00:02 mail postfix/virtual[903]: 7E6D5C4B3A: to=<johndoe@andromed.cloud>, orig_to=<equipe@andromed.cloud>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)
Dec  6 08:00:02 mail postfix/virtual[903]: 7E6D5C4B3A: to=<janedoe@andromed.cloud>, orig_to=<equipe@andromed.cloud>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)
Dec  6 08:00:02 mail postfix/qmgr[902]: 7E6D5C4B3A: removed
Dec  6 09:00:01 mail postfix/qmgr[902]: 8F7E6D5C4B: from=<eve@remote.example>, size=900, nrcpt=1 (queue active)
Dec  6 09:00:02 mail postfix/virtual[903]: 8F7E6D5C4B: to=<old@andromed.cloud>, orig_to=<contact@andromed.cloud>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)
Dec  6 09:00:02 mail postfix/qmgr[902]: 8F7E6D5C4B: removed
EOF

v maillog equipe@andromed.cloud --trace --file "$log" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || no "equipe --trace: exit $rc, expected 0: $(cat "$tmp/err")"
grep -q '^Predicted (trace) = last message (log, 7E6D5C4B3A): they agree$' "$tmp/out" ||
	no "equipe --trace: no agreement line: $(cat "$tmp/out")"
[ "$(grep -c '^=  ' "$tmp/out")" -eq 2 ] || no "equipe --trace: not two '=' rows: $(cat "$tmp/out")"
grep -q 'sent .*eve@remote.example -> janedoe@andromed.cloud (equipe@andromed.cloud) via virtual' "$tmp/out" ||
	no "equipe --trace: the records are not listed after the comparison"

v maillog contact@andromed.cloud --trace --file "$log" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "contact --trace: exit $rc, expected 1 (they differ)"
grep -q '^Predicted (trace) ≠ last message (log, 8F7E6D5C4B): they DIFFER$' "$tmp/out" ||
	no "contact --trace: no DIFFER line: $(cat "$tmp/out")"
grep -q '^≠  *contact@andromed.cloud: maildir ' "$tmp/out" || no "contact --trace: the prediction is not marked"
grep -q 'the trace goes here, the last message did not' "$tmp/out" || no "contact --trace: no why (trace side)"
grep -q 'the last message went here, the trace does not' "$tmp/out" || no "contact --trace: no why (log side)"

v maillog contact@andromed.cloud --trace --json --file "$log" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "contact --trace --json: exit $rc, expected 1"
python3 - "$tmp/out" <<'PY' || no "contact --trace --json: $(cat "$tmp/out")"
import json, sys
o = json.load(open(sys.argv[1]))
t = o["trace"]
assert o["address"] == "contact@andromed.cloud"
assert t["differs"] is True and t["last"]["queue_id"] == "8F7E6D5C4B"
rows = t["rows"]
assert len(rows) == 2
assert rows[0]["predicted"]["kind"] == "maildir" and rows[0]["real"] is None and rows[0]["differs"]
assert rows[1]["predicted"] is None and rows[1]["real"]["recipient"] == "old@andromed.cloud"
assert rows[1]["why"].startswith("the last message went here")
assert [r["queue_id"] for r in o["records"]] == ["8F7E6D5C4B"]
PY
v maillog equipe@andromed.cloud --trace --json --file "$log" >"$tmp/out"
python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(0 if o["trace"]["differs"] is False and len(o["trace"]["rows"]) == 2 and len(o["records"]) == 2 else 1)' "$tmp/out" ||
	no "equipe --trace --json: $(cat "$tmp/out")"
# Without --trace the JSON stays an array of records.
v maillog equipe@andromed.cloud --json --file "$log" >"$tmp/out"
python3 -c 'import json, sys; sys.exit(0 if isinstance(json.load(open(sys.argv[1])), list) else 1)' "$tmp/out" ||
	no "maillog --json is no longer an array"

# A --since it cannot read: the forms it reads, in the message (it said
# only "cannot read the time").
v maillog equipe@andromed.cloud --since 'Dec 6' --file "$log" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "maillog --since 'Dec 6': exit $rc, expected 2"
grep -q "cannot read the time 'Dec 6' (YYYY-MM-DD\[ HH:MM\[:SS\]\], Nd, Nh, Nm ago, or @EPOCH)" "$tmp/err" ||
	no "maillog --since 'Dec 6': $(cat "$tmp/err")"

v maillog @andromed.cloud --trace --file "$log" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "maillog @domain --trace: exit $rc, expected 2"
grep -q -- "--trace follows one address, not a domain" "$tmp/err" || no "maillog @domain --trace: $(cat "$tmp/err")"

# A log that cannot be read: exit 2, the error on stderr and nothing on
# stdout (doc/json.md), not "[]", which a script reads as "no mail".
v maillog equipe@andromed.cloud --json --file "$tmp/no-such.log" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || no "maillog --json on a missing log: exit $rc, expected 2"
[ -s "$tmp/out" ] && no "maillog --json on a missing log printed: $(cat "$tmp/out")"
grep -q "no-such.log" "$tmp/err" || no "maillog --json on a missing log: no error naming it: $(cat "$tmp/err")"

exit $fail
