#!/bin/sh
# backend: pgsql, the files that stay files (issue 18): the system
# aliases file and the server's main.cf committed with the database's rows
# as one. A system alias alone: the file written and its aliases.db
# rebuilt (postalias -q answers), a change set recording it. A batch of a
# row and a system alias: the preview shows both, the commit writes both.
# Killed before COMMIT: neither the row nor the file, no temporary file
# left after the next vmailadm. Killed after COMMIT, before the rename:
# the next vmailadm finishes the file from its new version (the database
# holds the row). main.cf through sendas enable, and rollback ID putting
# back rows and files as one (below).
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start
command -v postalias >/dev/null 2>&1 || { echo "SKIP: postalias is not installed"; exit 77; }
pg_demo
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$Y"
q() { pg_sql postfix "$1"; }
A="$T/demo/etc/aliases"
pq() { postalias -c "$T/demo/etc/postfix" -q "$1" "hash:$A" 2>/dev/null; }
temps() { ls "$T/demo/etc" | grep -c 'vmailadm-'; }

# A system alias alone.
out=$(v sysalias set ops root 2>&1) && grep -q '^ops:[[:space:]]*root$' "$A" && [ "$(pq ops)" = root ] &&
	[ "$(q "SELECT count(*) FROM vmailadm_changeset WHERE ops LIKE '%ops%'")" = 1 ] &&
	ok "sysalias set: /etc/aliases written, aliases.db answers, a change set records it" ||
	fail "sysalias set: $out / $(pq ops)"
echo "$out" | grep -q 'postalias' || fail "sysalias set: no postalias step: $out"

# A row and a system alias in one batch.
printf 'alias add ventes@andromed.cloud johndoe@andromed.cloud\nsysalias set webops root\n' >"$T/batch"
out=$(v apply "$T/batch" --dry-run 2>&1)
echo "$out" | grep -q '^+alias ventes@andromed.cloud goto=johndoe@andromed.cloud' &&
	echo "$out" | grep -q '^+webops:[[:space:]]*root' &&
	ok "the preview: the row and the file's diff" || fail "batch preview: $out"
out=$(v apply "$T/batch" 2>&1) &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'ventes@andromed.cloud'")" = johndoe@andromed.cloud ] &&
	[ "$(pq webops)" = root ] && ok "the batch: the row and the file committed together" ||
	fail "batch: $out / $(pq webops)"

# Killed before COMMIT: nothing.
printf 'alias add killed1@andromed.cloud johndoe@andromed.cloud\nsysalias set killed1 root\n' >"$T/batch"
VMAILADM_FAIL_AT=db-commit:kill v apply "$T/batch" >/dev/null 2>&1
v list domains >/dev/null 2>&1   # the recovery
[ -z "$(q "SELECT 1 FROM alias WHERE address = 'killed1@andromed.cloud'")" ] && ! grep -q '^killed1:' "$A" &&
	[ -z "$(pq killed1)" ] && [ "$(temps)" = 0 ] && [ ! -e "$T/demo/state/journal" ] &&
	ok "killed before COMMIT: no row, no file change, no temporary file" ||
	fail "killed before COMMIT: $(grep killed1 "$A") $(ls "$T/demo/etc") $(ls "$T/demo/state")"

# Killed after COMMIT, before the file's rename: finished by the next vmailadm.
printf 'alias add killed2@andromed.cloud johndoe@andromed.cloud\nsysalias set killed2 root\n' >"$T/batch"
VMAILADM_FAIL_AT=pgfiles-install:kill v apply "$T/batch" >/dev/null 2>&1
[ -n "$(q "SELECT 1 FROM alias WHERE address = 'killed2@andromed.cloud'")" ] && ! grep -q '^killed2:' "$A" ||
	fail "the kill after COMMIT did not happen where expected: $(grep killed2 "$A")"
out=$(v list domains 2>&1)
grep -q '^killed2:[[:space:]]*root$' "$A" && [ "$(pq killed2)" = root ] && [ "$(temps)" = 0 ] &&
	[ ! -e "$T/demo/state/journal" ] && ok "killed after COMMIT: the next vmailadm finished the file" ||
	fail "killed after COMMIT: $out / $(grep killed2 "$A") / $(ls "$T/demo/etc")"
v log 2>/dev/null | grep -q 'finished by recovery' || fail "the audit log does not say the recovery finished it"

# main.cf (issue 18): `sendas enable` edits the server's main.cf, staged
# and diffed like any other file, and commits it with the rows: the
# server's file (not the snapshot's copy) in the preview, written
# atomically after COMMIT with its new sender login map, Postfix reloaded;
# killed before COMMIT nothing changes, killed after it the next vmailadm
# finishes main.cf and reloads. Its untouched lines (comments, order) stay.
MC="$T/demo/etc/postfix/main.cf"
SL="$T/demo/etc/postfix/sender_login"
printf '#!/bin/sh\necho reload >>"%s"\n' "$T/reloads" >"$T/reload.sh" && chmod +x "$T/reload.sh"
sed -i "s|^postfix_reload: .*|postfix_reload: $T/reload.sh|" "$Y"
reloads() { [ -f "$T/reloads" ] && wc -l <"$T/reloads" | tr -d ' ' || echo 0; }
# a restriction already set mid-file, a comment under it: edited in place, kept
sed -i '1a smtpd_sender_restrictions = permit_mynetworks\n# kept: a comment under it' "$MC"
cp "$MC" "$T/main.cf.before"
pcf() { postconf -c "$T/demo/etc/postfix" -h "$1" 2>/dev/null; }
pmq() { postmap -c "$T/demo/etc/postfix" -q "$1" "hash:$SL" 2>/dev/null; }
untouched() { grep -v '^smtpd_sender_' "$1"; }

out=$(v sendas enable --dry-run 2>&1)
echo "$out" | grep -q "^--- $MC\$" && echo "$out" | grep -q "^+smtpd_sender_login_maps = hash:$SL\$" &&
	echo "$out" | grep -q "^--- /dev/null" && echo "$out" | grep -q "^+++ $SL\$" &&
	! echo "$out" | grep -v '^rebuild map' | grep -q 'snapshot\.' && echo "$out" | grep -q '^reload Postfix' &&
	cmp -s "$MC" "$T/main.cf.before" && [ ! -e "$SL" ] &&
	ok "sendas enable --dry-run: the server's main.cf and map diffed, nothing written" ||
	fail "sendas enable --dry-run: $out"

VMAILADM_FAIL_AT=db-commit:kill v sendas enable >/dev/null 2>&1
v list domains >/dev/null 2>&1   # the recovery
cmp -s "$MC" "$T/main.cf.before" && [ ! -e "$SL" ] && [ "$(temps)" = 0 ] && [ "$(ls "$T/demo/etc/postfix" | grep -c vmailadm-)" = 0 ] &&
	[ ! -e "$T/demo/state/journal" ] && [ "$(reloads)" = 0 ] &&
	ok "sendas enable killed before COMMIT: main.cf as it was, no map, no temporary file" ||
	fail "sendas enable killed before COMMIT: $(diff "$T/main.cf.before" "$MC") $(ls "$T/demo/etc/postfix")"

VMAILADM_FAIL_AT=pgfiles-install:kill v sendas enable >/dev/null 2>&1
cmp -s "$MC" "$T/main.cf.before" || fail "the kill after COMMIT did not happen before the rename"
out=$(v list domains 2>&1)
[ "$(pcf smtpd_sender_login_maps)" = "hash:$SL" ] && [ "$(pmq johndoe@andromed.cloud)" = johndoe@andromed.cloud ] &&
	[ "$(reloads)" = 1 ] && [ ! -e "$T/demo/state/journal" ] && [ "$(ls "$T/demo/etc/postfix" | grep -c vmailadm-)" = 0 ] &&
	ok "sendas enable killed after COMMIT: the next vmailadm finished main.cf and its map, Postfix reloaded" ||
	fail "sendas enable killed after COMMIT: $out / $(pcf smtpd_sender_login_maps) / reloads $(reloads)"
untouched "$T/main.cf.before" >"$T/untouched"
untouched "$MC" | cmp -s - "$T/untouched" && sed -n 2,3p "$MC" | grep -q '^# kept: a comment under it$' &&
	[ "$(pcf smtpd_sender_restrictions)" = "reject_authenticated_sender_login_mismatch, permit_mynetworks" ] &&
	ok "main.cf: the restriction edited in place, every other line as it was" ||
	fail "main.cf's other lines: $(diff "$T/main.cf.before" "$MC")"

out=$(v sendas disable 2>&1) && [ -z "$(pcf smtpd_sender_login_maps)" ] && [ "$(reloads)" = 2 ] &&
	echo "$out" | grep -q "ok   reload Postfix" &&
	ok "sendas disable: main.cf's parameter removed, Postfix reloaded" || fail "sendas disable: $out"
out=$(v sendas enable 2>&1) && [ "$(pcf smtpd_sender_login_maps)" = "hash:$SL" ] && [ "$(reloads)" = 3 ] &&
	[ ! -e "$T/demo/state/journal" ] && ok "sendas enable: committed to main.cf, Postfix reloaded" ||
	fail "sendas enable: $out"
# main.cf changed by hand between the preview and the commit (the commit
# waiting for the lock meanwhile): refused, the hand edit kept.
: >"$T/out"
lock_hold "$T/demo/state/lock" || fail "the lock was not held"
v sendas disable --lock-wait 30 >"$T/out" 2>&1 &
cli=$!
lock_wanted "$T/demo/state/lock" $cli || fail "the commit did not wait for the lock: $(cat "$T/out")"
r0=$(reloads)
cp "$MC" "$T/main.cf.committed"
echo '# edited by hand meanwhile' >>"$MC"
cp "$MC" "$T/main.cf.hand"
lock_release
wait $cli; rc=$?
[ $rc -ne 0 ] && grep -q 'changed since the preview' "$T/out" && cmp -s "$MC" "$T/main.cf.hand" &&
	[ "$(reloads)" = "$r0" ] && ok "main.cf changed between the preview and the commit: refused, the hand edit kept" ||
	fail "main.cf changed after the preview (rc $rc): $(cat "$T/out")"
cp "$T/main.cf.committed" "$MC"   # as sendas enable left it: rolled back below
# the map now the server's, named by main.cf: an alias's owners follow it
out=$(v alias add ventes2@andromed.cloud janedoe@andromed.cloud 2>&1) &&
	[ "$(pmq ventes2@andromed.cloud)" = janedoe@andromed.cloud ] &&
	[ -n "$(q "SELECT 1 FROM alias WHERE address = 'ventes2@andromed.cloud'")" ] &&
	ok "alias add with send-as on: the row and the server's sender login map together" ||
	fail "alias add with send-as: $out / $(pmq ventes2@andromed.cloud)"

# rollback ID of a commit that wrote files: the rows and the files put
# back as one, previewed first. A row and a system alias in one commit
# (with send-as on, the sender login map too): the dry run shows the row
# and both files' diffs and writes nothing; the rollback deletes the row,
# puts both files back and their maps answer so.
lastid() { v log | awk '/^[0-9]/ {id = $1} END {print id}'; }
printf 'alias add rb@andromed.cloud johndoe@andromed.cloud\nsysalias set rbsys root\n' >"$T/batch"
v apply "$T/batch" >/dev/null 2>&1 && [ "$(pq rbsys)" = root ] && [ "$(pmq rb@andromed.cloud)" = johndoe@andromed.cloud ] ||
	fail "the commit to roll back"
id=$(lastid)
cp "$A" "$T/aliases.after"
n0=$(q "SELECT count(*) FROM vmailadm_changeset")
out=$(v rollback "$id" --dry-run 2>&1)
echo "$out" | grep -q '^-alias rb@andromed.cloud goto=johndoe@andromed.cloud' &&
	echo "$out" | grep -q "^--- $A\$" && echo "$out" | grep -q '^-rbsys:[[:space:]]*root$' &&
	echo "$out" | grep -q '^-rb@andromed.cloud[[:space:]]johndoe@andromed.cloud$' &&
	cmp -s "$A" "$T/aliases.after" && [ "$(q "SELECT count(*) FROM vmailadm_changeset")" = "$n0" ] &&
	ok "rollback --dry-run of rows and files: the row and both files' diffs, nothing written" ||
	fail "rollback --dry-run $id: $out"
out=$(v rollback "$id" 2>&1) &&
	[ -z "$(q "SELECT 1 FROM alias WHERE address = 'rb@andromed.cloud'")" ] && ! grep -q '^rbsys:' "$A" &&
	[ -z "$(pq rbsys)" ] && [ -z "$(pmq rb@andromed.cloud)" ] && [ ! -e "$T/demo/state/journal" ] &&
	[ "$(q "SELECT rollback_of FROM vmailadm_changeset ORDER BY id DESC LIMIT 1")" != "" ] &&
	ok "rollback of rows and files: the row gone, /etc/aliases and the sender login map back, their maps too" ||
	fail "rollback $id: $out / $(pq rbsys) / $(pmq rb@andromed.cloud)"

# Killed after its COMMIT, before the files' renames: the next vmailadm
# finishes them (the rollback is journalled as a commit is).
v sysalias set rbkill root >/dev/null 2>&1 || fail "sysalias set rbkill"
id=$(lastid)
VMAILADM_FAIL_AT=pgfiles-install:kill v rollback "$id" >/dev/null 2>&1
grep -q '^rbkill:' "$A" && [ -e "$T/demo/state/journal" ] || fail "the rollback's kill after COMMIT did not happen where expected"
v list domains >/dev/null 2>&1
! grep -q '^rbkill:' "$A" && [ -z "$(pq rbkill)" ] && [ ! -e "$T/demo/state/journal" ] && [ "$(temps)" = 0 ] &&
	ok "rollback killed after COMMIT: the next vmailadm put the file back" ||
	fail "rollback killed after COMMIT: $(grep rbkill "$A") $(ls "$T/demo/state")"

# main.cf: the rollback of sendas enable puts the server's main.cf back
# and reloads Postfix.
id=$(v log | awk '/^[0-9]/ {id = $1} /make Postfix refuse a sender/ {print id}' | tail -1)
r0=$(reloads)
out=$(v rollback "$id" 2>&1) && [ -z "$(pcf smtpd_sender_login_maps)" ] && [ "$(reloads)" = $((r0 + 1)) ] &&
	ok "rollback of sendas enable: main.cf back, Postfix reloaded" || fail "rollback $id (sendas enable): $out"

# A file changed since that commit: refused, nothing changed.
id=$(v log | awk '/^[0-9]/ {id = $1} /webops/ {print id}' | tail -1)
n0=$(q "SELECT count(*) FROM vmailadm_changeset")
cp "$A" "$T/aliases.now"
out=$(v rollback "$id" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'changed since' && [ "$(q "SELECT count(*) FROM vmailadm_changeset")" = "$n0" ] &&
	[ -n "$(q "SELECT 1 FROM alias WHERE address = 'ventes@andromed.cloud'")" ] && cmp -s "$A" "$T/aliases.now" &&
	ok "rollback of a commit whose file changed since: refused, nothing changed" || fail "rollback $id (rc $rc): $out"
[ $fails -eq 0 ]
