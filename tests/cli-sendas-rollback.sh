#!/bin/sh
# rollback of a commit that made the sender login map (flat files, the
# real postmap): the map and the .db built from it are removed, after
# main.cf is put back and Postfix reloaded, when unchanged since and no
# longer named by main.cf (the tree is then byte for byte as before the
# commit); kept, and said why, when edited since or still named; the
# rollback of such a rollback is refused; a rollback killed before the
# removal is finished by the recovery. The old code left the map and its
# .db in place with a note (and lint then warned sendas-not-enabled).
. "${top_srcdir:-.}/tests/lib.sh"
demo_world_postmap
sl="$pf/sender_login"
mc="$pf/main.cf"
lastid() { v log | awk '/^[0-9]/ {id = $1} END {print id}'; }
gone() { [ ! -e "$sl" ] && [ ! -e "$sl.db" ]; }

# sendas enable made the map and named it in main.cf: its rollback
# previews the removal, then leaves the tree as it was
v sendas enable >"$tmp/out" 2>&1 && [ -e "$sl.db" ] || no "sendas enable: $(cat "$tmp/out")"
id=$(lastid)
v rollback "$id" --dry-run >"$tmp/out" 2>&1 || no "rollback --dry-run: $(cat "$tmp/out")"
grep -q "^remove $sl (made by the commit being undone, unchanged since) and the maps built from it, after the reloads\$" "$tmp/out" &&
	! grep -q "left in place" "$tmp/out" && [ -e "$sl.db" ] || no "rollback --dry-run $id: $(cat "$tmp/out")"
v rollback "$id" >"$tmp/out" 2>&1 || no "rollback $id: $(cat "$tmp/out")"
gone && [ "$(sums)" = "$before" ] || no "rollback $id: the tree is not as before sendas enable: $(ls "$pf")"
grep -q "ok   remove $sl and the maps built from it" "$tmp/out" || no "rollback $id: no removal step: $(cat "$tmp/out")"
v lint >"$tmp/out" 2>&1
grep -q "sendas-not-enabled" "$tmp/out" && no "lint after the rollback: $(grep sendas "$tmp/out")"
v log --json >"$tmp/log" 2>&1
grep -q "\"files_removed\"" "$tmp/log" || no "the rollback's record names no files_removed"

# the rollback of that rollback cannot make the map again: refused
v rollback >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "rollback of the rollback" "removed this file, made by the commit it rolled back, and cannot make it again"

# sendas allow made the map (main.cf does not name it): removed too
v sendas allow contact@ascent.cloud johndoe@andromed.cloud >"$tmp/out" 2>&1 && [ -e "$sl.db" ] ||
	no "sendas allow: $(cat "$tmp/out")"
v rollback >"$tmp/out" 2>&1 && gone && [ "$(sums)" = "$before" ] || no "rollback of sendas allow: $(cat "$tmp/out")"

# edited since (a later commit added a mailbox's line): kept, and said
v sendas enable >"$tmp/out" 2>&1 || no "sendas enable (again): $(cat "$tmp/out")"
id=$(lastid)
v mailbox add zed@ascent.cloud --password-stdin <<EOP >"$tmp/out" 2>&1 || no "mailbox add: $(cat "$tmp/out")"
Zed-password-4815
EOP
v rollback "$id" >"$tmp/out" 2>&1 || no "rollback $id (edited since): $(cat "$tmp/out")"
[ -e "$sl" ] && [ -e "$sl.db" ] && ! grep -q "^smtpd_sender_login_maps" "$mc" &&
	grep -q "^note: $sl, made by $id, changed since (a later commit or a hand edit): it is left in place" "$tmp/out" ||
	no "rollback $id (edited since): $(cat "$tmp/out")"
v mailbox del zed@ascent.cloud --purge -y >/dev/null 2>&1
rm -f "$sl" "$sl.db"
before=$(sums)

# main.cf still names it (a later enable): kept, and said
v sendas allow contact@ascent.cloud johndoe@andromed.cloud >/dev/null 2>&1 || no "sendas allow (named)"
id=$(lastid)
v sendas enable >/dev/null 2>&1 || no "sendas enable (named)"
v rollback "$id" >"$tmp/out" 2>&1
[ -e "$sl" ] && [ -e "$sl.db" ] &&
	grep -q "^note: $sl, made by $id, is left in place: main.cf, as this rollback leaves it, still names it" "$tmp/out" ||
	no "rollback $id (named): $(cat "$tmp/out")"
v sendas disable >/dev/null 2>&1 || no "sendas disable"
rm -f "$sl" "$sl.db"
before=$(sums)

# killed before the removal (main.cf already put back): the next
# vmailadm finishes the rollback
cp "$mc" "$tmp/main.cf.before"
v sendas enable >/dev/null 2>&1 || no "sendas enable (kill)"
id=$(lastid)
VMAILADM_FAIL_AT=remove-file:kill v rollback "$id" >/dev/null 2>&1
[ -e "$sl" ] && [ -e "$d/state/journal" ] || no "the kill before the removal did not happen"
v list domains >/dev/null 2>"$tmp/err" || no "list after the kill: $(cat "$tmp/err")"
gone && cmp -s "$mc" "$tmp/main.cf.before" && [ ! -e "$d/state/journal" ] &&
	grep -q "removed $sl, which the rolled back commit had made" "$tmp/err" ||
	no "recovery of the killed rollback: $(cat "$tmp/err") / $(ls "$pf")"
exit $fail
