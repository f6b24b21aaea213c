#!/bin/sh
# `vmailadm lint --fix [--commit]` on a demo tree, whose maps `vmailadm demo`
# never builds: the map rebuilds and a missing maildir are staged operations
# shown in the plan, --fix alone writes nothing, --fix --commit builds the
# maps with the real postmap in one commit (audit record included), and a
# second lint finds no map-not-built. Skipped without postmap.
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
. "${top_srcdir:-.}/tests/lib.sh"

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
# postmap must find the real program whatever PATH make check runs with.
printf 'postmap: %s\npostalias: %s\n' "$(command -v postmap)" "$(command -v postalias || echo postalias)" \
	>>"$d/vmailadm.yaml"
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
pf="$d/etc/postfix"
rm -rf "$d/vhosts/ascent.cloud/contact"

v lint >"$tmp/out" 2>&1 && no "lint found nothing on a tree without maps"
for m in vmailbox virtual_alias virtual_domains; do
	grep -q "\[map-not-built\] $pf/$m.db" "$tmp/out" || no "lint does not report $m.db"
done
grep -q "\[mailbox-without-maildir\] the maildir $d/vhosts/ascent.cloud/contact " "$tmp/out" ||
	no "lint does not report the missing maildir"

# --fix: the plan, as operations and actions; nothing written.
v lint --fix >"$tmp/out" 2>"$tmp/err"
for m in vmailbox virtual_alias virtual_domains; do
	grep -q "^\* rebuild map hash:$pf/$m\$" "$tmp/out" || no "--fix: no op for $m"
	grep -q "^rebuild map hash:$pf/$m (postmap -c $pf)\$" "$tmp/out" || no "--fix: no action for $m"
	[ -e "$pf/$m.db" ] && no "--fix alone built $m.db"
done
grep -q "^\* create the missing maildir of contact@ascent.cloud\$" "$tmp/out" || no "--fix: no maildir op"
grep -q "^create maildir $d/vhosts/ascent.cloud/contact " "$tmp/out" || no "--fix: no maildir action"
[ -e "$d/vhosts/ascent.cloud/contact" ] && no "--fix alone created the maildir"
grep -q "not committed" "$tmp/err" || no "--fix does not say it did not commit"

# The same plan as JSON.
v --json lint --fix >"$tmp/json" 2>/dev/null
grep -q '"action": "postmap"' "$tmp/json" || no "--json --fix: no postmap action"
grep -q '"action": "create-maildir"' "$tmp/json" || no "--json --fix: no create-maildir action"

# --fix --commit: one commit does all of it.
cp "$pf/vmailbox" "$tmp/vmailbox.before"
v lint --fix --commit >"$tmp/out" 2>"$tmp/err"
grep -q "^committed (" "$tmp/err" || no "--commit did not commit: $(cat "$tmp/err")"
for m in vmailbox virtual_alias virtual_domains; do
	[ -s "$pf/$m.db" ] || no "$m.db not built"
	grep -q "ok   rebuild map hash:$pf/$m\$" "$tmp/err" || no "no commit step for $m"
done
cmp -s "$pf/vmailbox" "$tmp/vmailbox.before" || no "the rebuild changed vmailbox"
for s in new cur tmp; do
	[ -d "$d/vhosts/ascent.cloud/contact/$s" ] || no "maildir lacks $s"
done
[ "$(stat -c %a "$d/vhosts/ascent.cloud/contact")" = 700 ] || no "maildir mode"
[ -e "$d/state/journal" ] && no "journal left behind"
[ "$(grep -c . "$d/state/audit.log")" -eq 1 ] || no "not one audit record"
grep -q '"rebuild map hash:'"$pf"'/vmailbox"' "$d/state/audit.log" || no "audit lacks the rebuild op"
grep -q '"source_changed":false' "$d/state/audit.log" || no "audit lacks the maps"
grep -q '"action":"create"' "$d/state/audit.log" || no "audit lacks the maildir"
# The real postmap built a table Postfix reads.
[ "$(postmap -c "$pf" -q johndoe@andromed.cloud "hash:$pf/vmailbox")" = andromed.cloud/johndoe/ ] ||
	no "postmap -q on the built vmailbox"

# Lint again: no map-not-built, no missing maildir, nothing left to fix.
v lint >"$tmp/out" 2>&1 || no "lint still finds problems: $(cat "$tmp/out")"
grep -q 'map-not-built\|map-older-than-source\|mailbox-without-maildir' "$tmp/out" && no "still reported"
v lint --fix >"$tmp/out" 2>"$tmp/err"
grep -q "nothing it can fix" "$tmp/err" || no "a second --fix found work"

# A stale map: the source edited after its .db.
touch "$pf/virtual_alias"
touch -d '1 minute ago' "$pf/virtual_alias.db"
v lint >"$tmp/out" 2>&1
grep -q "\[map-older-than-source\] $pf/virtual_alias.db" "$tmp/out" || no "stale map not reported"
v lint --fix --commit >/dev/null 2>"$tmp/err" || true
v lint >"$tmp/out" 2>&1 || no "the stale map is still reported: $(cat "$tmp/out")"

exit $fail
