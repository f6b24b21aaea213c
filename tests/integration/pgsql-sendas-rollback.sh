#!/bin/sh
# backend pgsql: rollback ID of a commit that made the sender login map
# (a file of the server's Postfix directory, and the .db built from it)
# treats it as the map files of db postfix-config --apply: removed when
# unchanged since (the .db with it, after COMMIT and Postfix's reload,
# journalled so that a rollback killed after COMMIT is finished by the
# recovery), kept and said when edited since, or while the server's
# main.cf still names it. The old code left it, said in a note.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: postmap is not installed"; exit 77; }
pg_demo
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$Y"
PF="$T/demo/etc/postfix"
SL="$PF/sender_login"
MC="$PF/main.cf"
printf '#!/bin/sh\necho reload >>"%s"\n' "$T/reloads" >"$T/reload.sh" && chmod +x "$T/reload.sh"
sed -i "s|^postfix_reload: .*|postfix_reload: $T/reload.sh|" "$Y"
lastid() { v log | awk '/^[0-9]/ {id = $1} END {print id}'; }
grant() { v sendas allow info@andromed.cloud janedoe@andromed.cloud >"$T/out" 2>&1 && [ -e "$SL" ] && [ -e "$SL.db" ]; }

# the commit that made the map; its rollback previews, then removes both
grant || fail "sendas allow did not make $SL and $SL.db: $(cat "$T/out")"
id=$(lastid)
out=$(v rollback "$id" --dry-run 2>&1)
echo "$out" | grep -q "^remove $SL (made by $id, unchanged since)\$" &&
	echo "$out" | grep -q "^remove $SL.db (built from $SL by $id)\$" &&
	! echo "$out" | grep -q "left in place" && [ -e "$SL" ] && [ -e "$SL.db" ] &&
	ok "rollback --dry-run: the sender login map and its .db to remove" || fail "rollback --dry-run $id: $out"
out=$(v rollback "$id" 2>&1) && [ ! -e "$SL" ] && [ ! -e "$SL.db" ] && [ ! -e "$T/demo/state/journal" ] &&
	ok "rollback: the sender login map and its .db removed" || fail "rollback $id: $out / $(ls "$PF")"
out=$(v rollback "$(lastid)" --dry-run 2>&1)
echo "$out" | grep -q "removed this map file, which its rollback cannot make again" &&
	ok "the rollback of that rollback: refused" || fail "rollback of the rollback: $out"

# made with main.cf's parameter (sendas enable), rolled back killed after
# COMMIT, before main.cf's rename: the recovery puts main.cf back, reloads
# Postfix, then removes the map and its .db
cp "$MC" "$T/main.cf.before"
v sendas enable >"$T/out" 2>&1 && [ -e "$SL.db" ] && grep -q "^smtpd_sender_login_maps = hash:$SL\$" "$MC" ||
	fail "sendas enable: $(cat "$T/out")"
id=$(lastid)
r0=$(wc -l <"$T/reloads")
VMAILADM_FAIL_AT=pgfiles-install:kill v rollback "$id" >/dev/null 2>&1
[ -e "$SL" ] && [ -e "$T/demo/state/journal" ] || fail "the rollback's kill after COMMIT did not happen before the removals"
out=$(v list domains 2>&1)
cmp -s "$MC" "$T/main.cf.before" && [ ! -e "$SL" ] && [ ! -e "$SL.db" ] && [ ! -e "$T/demo/state/journal" ] &&
	[ "$(wc -l <"$T/reloads")" -gt "$r0" ] &&
	ok "rollback of sendas enable killed after COMMIT: the recovery put main.cf back, then removed the map and its .db" ||
	fail "rollback killed after COMMIT: $out / $(ls "$PF") / $(diff "$T/main.cf.before" "$MC")"

# edited since: kept, and said
grant || fail "sendas allow (again): $(cat "$T/out")"
id=$(lastid)
echo 'extra@andromed.cloud johndoe@andromed.cloud' >>"$SL"
# sendas allow changed no row: with the map kept, nothing is left to roll
# back, and the refusal says so and what to do (the old code said only
# "change set N changes no row")
out=$(v rollback "$id" 2>&1); rc=$?; [ -e "$SL" ] && [ -e "$SL.db" ] &&
	echo "$out" | grep -q "note: $SL, made by $id, changed since: it is left in place" &&
	ok "rollback: a sender login map edited since kept, and said" || fail "rollback $id (edited): $out"
[ "$rc" -eq 1 ] && echo "$out" | grep -q "$id changed no row of the database, only files, and each is kept (see the notes): nothing to roll back; take its change back with the opposite edit (vmailadm sendas deny for a sendas allow)" &&
	! echo "$out" | grep -q "changes no row" &&
	ok "rollback of a grant whose map is kept: what happened and what to do" || fail "rollback $id (edited), rc $rc: $out"
rm -f "$SL" "$SL.db"

# main.cf still names it (enabled by a later commit): kept, and said
grant || fail "sendas allow (once more): $(cat "$T/out")"
id=$(lastid)
v sendas enable >"$T/out" 2>&1 && grep -q "^smtpd_sender_login_maps = hash:$SL\$" "$MC" || fail "sendas enable: $(cat "$T/out")"
out=$(v rollback "$id" 2>&1); [ -e "$SL" ] && [ -e "$SL.db" ] &&
	echo "$out" | grep -q "note: $SL, made by $id, is left in place: the server's main.cf still names it" &&
	ok "rollback: a sender login map main.cf names kept, and said" || fail "rollback $id (named): $out"
[ $fails -eq 0 ]
