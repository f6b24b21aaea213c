#!/bin/sh
# vmailadm sendas allow|deny|list|enable|disable (issue 15) on the demo tree
# with the real postmap: the first allow makes the sender login map (every
# mailbox and alias with its owners, the grant marked), the built map
# answers `postmap -q`, refusals change nothing, list and show say who may
# send as an address (text and JSON), later edits keep the map in step,
# enable and disable edit main.cf (a diff first with --dry-run), apply
# takes the same lines, lint names a hand-edited line out of step.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world_postmap
sl="$pf/sender_login"
q() { postmap -c "$pf" -q "$1" "hash:$sl"; }

v sendas list >"$tmp/out" 2>"$tmp/err" || no "list without a map: exit $?"
[ -s "$tmp/out" ] && no "list without a map printed lines: $(cat "$tmp/out")"
grep -q "there is no sender login map yet" "$tmp/err" || no "list without a map: $(cat "$tmp/err")"

v sendas allow contact@ascent.cloud johndoe@andromed.cloud --dry-run >"$tmp/out" 2>&1 || no "dry run: $(cat "$tmp/out")"
grep -q "^+++ $sl$" "$tmp/out" || no "dry run: no diff of the new map: $(cat "$tmp/out")"
grep -q "^+contact@ascent.cloud	contact@ascent.cloud, johndoe@andromed.cloud$" "$tmp/out" || no "dry run: no grant line"
[ -e "$sl" ] && no "dry run wrote the map"

v sendas allow contact@ascent.cloud johndoe@andromed.cloud >"$tmp/out" 2>&1 || no "allow: $(cat "$tmp/out")"
[ "$(q contact@ascent.cloud)" = "contact@ascent.cloud, johndoe@andromed.cloud" ] || no "allow: $(q contact@ascent.cloud)"
[ "$(q equipe@andromed.cloud)" = "janedoe@andromed.cloud, johndoe@andromed.cloud" ] || no "alias owners: $(q equipe@andromed.cloud)"
[ "$(q johndoe@andromed.cloud)" = "johndoe@andromed.cloud" ] || no "mailbox owner: $(q johndoe@andromed.cloud)"
q facturation@andromed.cloud >/dev/null && no "an alias with no mailbox behind it got a line"
before=$(sums)

for args in "contact@ascent.cloud johndoe@andromed.cloud" "contact@ascent.cloud ghost@ascent.cloud" \
	"not-an-address johndoe@andromed.cloud"; do
	# shellcheck disable=SC2086
	v sendas allow $args >"$tmp/out" 2>"$tmp/err"; rc=$?
	check_refused "sendas allow $args" "error: "
done
v sendas deny contact@ascent.cloud contact@ascent.cloud >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "deny of the rule's owner" "by the rule"
for a in "" "@" "nobody@"; do
	v sendas list "$a" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc -eq 2 ] && grep -q "is not an address" "$tmp/err" || no "list '$a': exit $rc: $(cat "$tmp/err")"
done
v sendas enable now >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "enable with an argument: exit $rc"

v sendas list >"$tmp/out" 2>"$tmp/err" || no "list: exit $?"
grep -q "^contact@ascent.cloud  *contact@ascent.cloud, johndoe@andromed.cloud (granted)$" "$tmp/out" || no "list: $(cat "$tmp/out")"
grep -q "Postfix does not check it yet: vmailadm sendas enable" "$tmp/err" || no "list: not enabled not said"
v sendas list contact@ascent.cloud --json >"$tmp/out" || no "list ADDRESS --json"
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["address"] == "contact@ascent.cloud" and o["key"] == "contact@ascent.cloud", o
assert o["owners"] == [{"login": "contact@ascent.cloud", "granted": False},
                       {"login": "johndoe@andromed.cloud", "granted": True}], o
assert o["enabled"] is False and o["missing"] == [], o' "$tmp/out" || no "list ADDRESS --json: $(cat "$tmp/out")"
v sendas list --json >"$tmp/out" || no "list --json"
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["exists"] and not o["enabled"] and o["restriction"] is None, o
e = {x["address"]: x for x in o["entries"]}
assert [w["login"] for w in e["equipe@andromed.cloud"]["owners"]] == ["janedoe@andromed.cloud", "johndoe@andromed.cloud"], e' "$tmp/out" ||
	no "list --json: $(cat "$tmp/out")"
v show contact@ascent.cloud >"$tmp/out" 2>&1
grep -q "^  may be sent as by:  *contact@ascent.cloud, johndoe@andromed.cloud (granted) \[not enforced: vmailadm sendas enable\]$" "$tmp/out" ||
	no "show: $(cat "$tmp/out")"
v show contact@ascent.cloud --json >"$tmp/out"
python3 -c 'import json,sys; s = json.load(open(sys.argv[1]))["sendas"]; assert s["owners"][1] == {"login": "johndoe@andromed.cloud", "granted": True}, s' "$tmp/out" ||
	no "show --json: no sendas object"

# Later edits keep it in step; the grant stays.
v alias add ventes@andromed.cloud equipe@andromed.cloud >"$tmp/out" 2>&1 || no "alias add: $(cat "$tmp/out")"
grep -q "^+ventes@andromed.cloud	janedoe@andromed.cloud, johndoe@andromed.cloud$" "$tmp/out" || no "alias add: no sender line in the diff"
[ "$(q ventes@andromed.cloud)" = "janedoe@andromed.cloud, johndoe@andromed.cloud" ] || no "alias add: $(q ventes@andromed.cloud)"
v mailbox rename johndoe@andromed.cloud john@andromed.cloud >"$tmp/out" 2>&1 || no "rename: $(cat "$tmp/out")"
[ "$(q contact@ascent.cloud)" = "contact@ascent.cloud, john@andromed.cloud" ] || no "rename: grant $(q contact@ascent.cloud)"
[ "$(q john@andromed.cloud)" = "john@andromed.cloud" ] || no "rename: new line"
q johndoe@andromed.cloud >/dev/null && no "rename: the old line stayed"

# enable: main.cf gets both settings, shown first; disable takes them out.
v sendas enable --dry-run >"$tmp/out" 2>&1 || no "enable --dry-run: $(cat "$tmp/out")"
grep -q "^+smtpd_sender_login_maps = hash:$sl$" "$tmp/out" || no "enable: no map line: $(cat "$tmp/out")"
grep -q "^+smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch$" "$tmp/out" || no "enable: no restriction"
grep -q "^note: main.cf leaves smtpd_sasl_auth_enable off" "$tmp/out" || no "enable: no SASL note"
printf '# one batch\nsendas enable\nsendas allow @ascent.cloud admin@andromed.cloud\n' >"$tmp/batch"
v apply "$tmp/batch" >"$tmp/out" 2>&1 || no "apply: $(cat "$tmp/out")"
grep -q "^smtpd_sender_login_maps = hash:$sl$" "$pf/main.cf" || no "enable: main.cf names no map"
[ "$(q @ascent.cloud)" = "admin@andromed.cloud" ] || no "apply: domain grant"
v sendas list nobody@ascent.cloud >"$tmp/out" 2>"$tmp/err"
grep -q "^  may be sent as by:  *admin@andromed.cloud (granted) (line @ascent.cloud)$" "$tmp/out" || no "lookup order: $(cat "$tmp/out")"
[ -s "$tmp/err" ] && no "enabled, yet: $(cat "$tmp/err")"
v lint >"$tmp/out" 2>&1
grep -q "sendas-" "$tmp/out" && no "lint after enable: $(grep sendas- "$tmp/out")"
before=$(sums)
v sendas enable >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "enable twice" "already enabled"
v sendas disable >"$tmp/out" 2>&1 || no "disable: $(cat "$tmp/out")"
grep -q "sender_login" "$pf/main.cf" && no "disable: main.cf still names the map"
grep -q "login_mismatch" "$pf/main.cf" && no "disable: the restriction stayed"

# A hand-edited line: lint names it, allow puts the owner back.
sed -i 's/^equipe@andromed.cloud.*/equipe@andromed.cloud janedoe@andromed.cloud/' "$sl"
postmap -c "$pf" "hash:$sl"
v lint >"$tmp/out" 2>&1
grep -q "\[sendas-out-of-step\] john@andromed.cloud owns equipe@andromed.cloud by the rule" "$tmp/out" || no "lint: $(cat "$tmp/out")"
grep -q "\[sendas-not-enabled\]" "$tmp/out" || no "lint: disabled map not named"
v sendas allow equipe@andromed.cloud john@andromed.cloud >"$tmp/out" 2>&1 || no "repair: $(cat "$tmp/out")"
[ "$(q equipe@andromed.cloud)" = "janedoe@andromed.cloud, john@andromed.cloud" ] || no "repair: $(q equipe@andromed.cloud)"
exit $fail
