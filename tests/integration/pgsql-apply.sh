#!/bin/sh
# db postfix-config --apply (issue 18): the demo imported into a throwaway
# PostgreSQL, vmailadm on backend pgsql, the sandbox Postfix still on the
# flat tables (lint says pgsql-maps-unused). Applying db postfix-config is
# a staged, diffed edit of the server's main.cf: --dry-run shows main.cf's
# diff and the new map files (their password hidden) and changes nothing;
# main.cf edited by hand between the preview and the commit is refused;
# killed before COMMIT nothing changes, killed after it the next vmailadm
# finishes main.cf and the map files from the journal (old or new, never
# half); rollback ID puts main.cf back byte for byte; applied (by lint
# --fix, whose repair for pgsql-maps-unused is the same edit), postconf
# shows the proxy:pgsql: maps, the real Postfix reloads and delivers to a
# mailbox that exists only in the database, lint no longer warns, and a
# second apply stages nothing.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
pg_live_require

tmp=$(sandbox_tmpdir) || exit 99
trap 'sandbox_stop; pg_stop; rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
sandbox_init "$tmp/demo"
pg_start "$tmp" || { echo "FAIL: PostgreSQL did not start"; exit 99; }
pg_sql postgres "CREATE DATABASE postfix" || exit 99
CI="host=$PG_SOCK dbname=postfix user=postgres"
sandbox_vmailadm db init --conninfo "$CI" >/dev/null &&
	sandbox_vmailadm db import --conninfo "$CI" >"$tmp/import.out" 2>&1 || { cat "$tmp/import.out"; exit 99; }
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$SB_DIR/vmailadm.yaml"
v() { sandbox_vmailadm "$@"; }
sandbox_postmap_all || exit 99
sandbox_start || exit 99

MC=$SB_PF/main.cf
MAPS=$SB_PF/pgsql
cp "$MC" "$tmp/main.cf.flat"
temps() { find "$SB_PF" -name '*.vmailadm-*' | wc -l; }

# A mailbox only the database has: the flat tables cannot deliver to it.
echo 'Only-In-The-Db-42' | v mailbox add dbonly@andromed.cloud --password-stdin >/dev/null 2>&1 ||
	no "mailbox add dbonly"
out=$(smtp_send a@sandbox.test dbonly@andromed.cloud "before apply")
[ $? -eq 1 ] && echo "$out" | grep -q '^550' && ok "before: Postfix on the flat tables refuses dbonly@ ($out)" ||
	no "before apply: $out"
v lint 2>/dev/null | grep -q 'pgsql-maps-unused' && ok "lint warns pgsql-maps-unused" || no "lint: $(v lint 2>&1)"

out=$(v db postfix-config --apply --dry-run --dir "$SB_PF/nope/pgsql" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "^$SB_PF/nope/pgsql: error: neither it nor the directory $SB_PF/nope is there" &&
	ok "no parent for the map directory: said, refused" || no "no parent directory (rc $rc): $out"

# Each map is asked once as Postfix will ask it (postmap -q) before
# anything is staged: a role that does not exist, or one that may not read
# the tables, would defer every message once main.cf names the maps.
out=$(v db postfix-config --apply --dry-run 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "^$MAPS/domains.cf: error: Postfix could not query this map (postmap -q postmaster@andromed.cloud: .*role \"mailreader\" does not exist" &&
	! echo "$out" | grep -q "^--- " && cmp -s "$MC" "$tmp/main.cf.flat" && [ ! -e "$MAPS" ] &&
	[ "$(ls "$SB_DIR/state" | grep -c probe)" -eq 0 ] &&
	ok "a role that does not exist: refused before staging, named" || no "no role (rc $rc): $out"
pg_sql postfix "CREATE ROLE mailreader LOGIN" || exit 99
out=$(v db postfix-config --apply --dry-run 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "error: Postfix could not query this map (.*permission denied for table" &&
	ok "a role that may not read the tables: refused" || no "no grant (rc $rc): $out"
pg_sql postfix "GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader" || exit 99

# Peer authentication on the Unix socket, pg_ident mapping one system user
# to mailreader: Postfix's proxymap asks the maps as mail_owner (postfix),
# so the probe does too, not as root. Let in as postfix and not as root,
# the apply goes on; let in as root and not as postfix, it is refused
# (Postfix would defer every message).
cp "$PG_DATA/pg_hba.conf" "$tmp/pg_hba.trust"
printf 'local all postgres trust\nlocal all mailreader peer map=mail\n' >"$PG_DATA/pg_hba.conf"
peer_for() {   # USER: the only system user let in as mailreader
	printf 'mail %s mailreader\n' "$1" >"$PG_DATA/pg_ident.conf"
	pg_sql postgres "SELECT pg_reload_conf()" >/dev/null
	_other=root; [ "$1" = root ] && _other=postfix
	for _i in $(seq 50); do
		runuser -u "$1" -- psql -X -h "$PG_SOCK" -U mailreader -d postfix -c 'SELECT 1' >/dev/null 2>&1 &&
			! runuser -u "$_other" -- psql -X -h "$PG_SOCK" -U mailreader -d postfix -c 'SELECT 1' >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "FAIL: peer authentication for $1 only is not in force"; exit 99
}
probes() { ls -d /tmp/vmailadm-probe-* 2>/dev/null | sort; }
probes >"$tmp/probes.before"
peer_for postfix
out=$(v db postfix-config --apply --dry-run 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "^+++ $MAPS/alias.cf\$" &&
	ok "peer: postfix let in as mailreader, root refused: asked as postfix, the apply goes on" ||
	no "peer for postfix (rc $rc): $out"
peer_for root
out=$(v db postfix-config --apply --dry-run 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q "^$MAPS/domains.cf: error: Postfix could not query this map (.*authentication failed for user \"mailreader\"" &&
	! echo "$out" | grep -q "^--- " &&
	ok "peer: root let in as mailreader, postfix refused: refused before staging" ||
	no "peer for root (rc $rc): $out"
probes | comm -13 "$tmp/probes.before" - | grep -q . && no "private copies left: $(probes)"
cp "$tmp/pg_hba.trust" "$PG_DATA/pg_hba.conf"
: >"$PG_DATA/pg_ident.conf"
pg_sql postgres "SELECT pg_reload_conf()" >/dev/null
# The reload is in force when both are let in again (a sleep of 0.5 s
# guessed it).
for _i in $(seq 300); do
	runuser -u postfix -- psql -X -h "$PG_SOCK" -U mailreader -d postfix -c 'SELECT 1' >/dev/null 2>&1 &&
		psql -X -h "$PG_SOCK" -U mailreader -d postfix -c 'SELECT 1' >/dev/null 2>&1 && break
	sleep 0.1
done

out=$(v db postfix-config --apply --dry-run 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "^--- $MC\$" &&
	echo "$out" | grep -q "^+virtual_mailbox_maps = proxy:pgsql:$MAPS/mailbox.cf, proxy:pgsql:$MAPS/ad_mailbox.cf\$" &&
	echo "$out" | grep -q "^+virtual_mailbox_domains = proxy:pgsql:$MAPS/domains.cf\$" &&
	echo "$out" | grep -q "^-virtual_mailbox_maps = " && echo "$out" | grep -q "^+++ $MAPS/alias.cf\$" &&
	echo "$out" | grep -q '^+query = SELECT goto FROM alias' && echo "$out" | grep -q '^reload Postfix' &&
	echo "$out" | grep -qx "create directory $MAPS (owner root, group postfix, mode 0750)" &&
	! echo "$out" | grep -q 'snapshot\.' && cmp -s "$MC" "$tmp/main.cf.flat" && [ ! -e "$MAPS" ] &&
	ok "--dry-run: main.cf's diff, the map directory to make and the new map files, nothing written" ||
	no "--dry-run (rc $rc): $out"
printf 'S3cret-Pw\n' >"$tmp/pw"
out=$(v db postfix-config --apply --dry-run --password-file "$tmp/pw" 2>&1)
echo "$out" | grep -q '^+password = (hidden)$' && ! echo "$out" | grep -q S3cret &&
	ok "--dry-run: the map files' password hidden in the preview" || no "password in the preview: $out"
v db postfix-config --apply --dry-run --json 2>/dev/null | python3 -c 'import json,sys; json.load(sys.stdin)' &&
	ok "--dry-run --json: the plan as JSON" || no "--json"

# main.cf's own proxy_read_maps, continued, with commas: the lists it
# lacks appended in its style (a comma ending its last line, each on a
# continuation line), its lines kept.
printf 'proxy_read_maps = $local_recipient_maps,\n    $mydestination, $virtual_alias_maps\n' >>"$MC"
out=$(v db postfix-config --apply --dry-run 2>&1)
echo "$out" | grep -qxF ' proxy_read_maps = $local_recipient_maps,' &&
	echo "$out" | grep -qxF -- '-    $mydestination, $virtual_alias_maps' &&
	echo "$out" | grep -qxF '+    $mydestination, $virtual_alias_maps,' &&
	echo "$out" | grep -qxF '+    $virtual_mailbox_domains,' && echo "$out" | grep -qxF '+    $virtual_mailbox_maps' &&
	[ "$(echo "$out" | grep -c '^[-+] .*proxy_read_maps\|^[-+]    \$')" = 4 ] &&
	ok "main.cf's own proxy_read_maps: the missing lists appended with its commas, on its continuation lines" ||
	no "proxy_read_maps of main.cf's own: $out"
cp "$tmp/main.cf.flat" "$MC"
touch -d "@$(($(date +%s) - 5))" "$MC"

# main.cf changed by hand between the preview and the commit (the commit
# waiting for the lock meanwhile): refused, the hand edit kept.
lock_hold "$SB_DIR/state/lock" || no "the lock was not held"
v db postfix-config --apply >"$tmp/out" 2>&1 &
cli=$!
lock_wanted "$SB_DIR/state/lock" $cli || no "the commit did not wait for the lock: $(cat "$tmp/out")"
echo '# edited by hand meanwhile' >>"$MC"
cp "$MC" "$tmp/main.cf.hand"
lock_release
wait $cli; rc=$?
[ $rc -ne 0 ] && grep -q 'changed since the preview' "$tmp/out" && cmp -s "$MC" "$tmp/main.cf.hand" &&
	[ ! -e "$MAPS" ] && ok "main.cf changed after the preview: refused, the hand edit kept" ||
	no "hand edit (rc $rc): $(cat "$tmp/out")"
cp "$tmp/main.cf.flat" "$MC"
touch -d "@$(($(date +%s) - 5))" "$MC"

out=$(VMAILADM_FAIL_AT=db-commit v db postfix-config --apply 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'rolled back' && cmp -s "$MC" "$tmp/main.cf.flat" && [ ! -e "$MAPS" ] &&
	echo "$out" | grep -q "ok   create the directory $MAPS" && echo "$out" | grep -q "ok   remove the directory $MAPS again" &&
	[ "$(temps)" = 0 ] && [ ! -e "$SB_DIR/state/journal" ] &&
	ok "a failure before COMMIT: rolled back, main.cf as it was, the map directory made and removed again" ||
	no "failure before COMMIT (rc $rc): $out"

VMAILADM_FAIL_AT=db-commit:kill v db postfix-config --apply >/dev/null 2>&1
[ -d "$MAPS" ] && [ -e "$SB_DIR/state/journal" ] || no "the kill before COMMIT did not happen after the mkdir"
out=$(v list domains 2>&1)   # the recovery
cmp -s "$MC" "$tmp/main.cf.flat" && [ ! -e "$MAPS" ] && [ "$(temps)" = 0 ] && [ ! -e "$SB_DIR/state/journal" ] &&
	echo "$out" | grep -q "removed the directory $MAPS, made by the interrupted commit" &&
	ok "killed before COMMIT: main.cf as it was, no map directory, no temporary file" ||
	no "killed before COMMIT: $out / $(diff "$tmp/main.cf.flat" "$MC"; ls -la "$MAPS")"
VMAILADM_FAIL_AT=create-directory:kill v db postfix-config --apply >/dev/null 2>&1
[ -e "$SB_DIR/state/journal" ] || no "the kill at the mkdir did not happen after the journal"
v list domains >/dev/null 2>&1
[ ! -e "$MAPS" ] && [ ! -e "$SB_DIR/state/journal" ] && cmp -s "$MC" "$tmp/main.cf.flat" &&
	ok "killed at the mkdir: nothing left" || no "killed at the mkdir: $(ls -la "$MAPS" "$SB_DIR/state")"
# the journal's write failed, then killed as the directory is removed
# again: the journal naming it stays, so the recovery removes it (the
# journal went first: an empty directory was left for good)
VMAILADM_FAIL_AT=journal,remove-directory:kill v db postfix-config --apply >/dev/null 2>&1
[ -d "$MAPS" ] && [ -z "$(ls "$MAPS")" ] || no "the kill did not happen before the directory's removal"
out=$(v list domains 2>&1)
[ ! -e "$MAPS" ] && [ ! -e "$SB_DIR/state/journal" ] && cmp -s "$MC" "$tmp/main.cf.flat" && [ "$(temps)" = 0 ] &&
	ok "journal failed, killed before the directory's removal: the recovery removed it" ||
	no "journal failed, killed before the rmdir: $out / $(ls -la "$MAPS" "$SB_DIR/state")"

VMAILADM_FAIL_AT=pgfiles-install:kill v db postfix-config --apply >/dev/null 2>&1
cmp -s "$MC" "$tmp/main.cf.flat" && [ -e "$SB_DIR/state/journal" ] ||
	no "the kill after COMMIT did not happen before the renames"
out=$(v list domains 2>&1)
cp "$MC" "$tmp/main.cf.pg"
postconf -c "$SB_PF" -h virtual_alias_maps | grep -q "^proxy:pgsql:$MAPS/alias.cf, " && [ "$(temps)" = 0 ] &&
	[ "$(ls "$MAPS" | wc -l)" = 6 ] && [ "$(stat -c %a:%G "$MAPS/mailbox.cf")" = 640:postfix ] &&
	[ "$(stat -c %a:%U:%G "$MAPS")" = 750:root:postfix ] &&
	[ ! -e "$SB_DIR/state/journal" ] && diff "$tmp/main.cf.flat" "$MC" | grep -c '^[<>]' | grep -qx 6 &&
	ok "killed after COMMIT: the next vmailadm finished main.cf (3 lines) and the map files (0640, group postfix) in their directory (0750)" ||
	no "killed after COMMIT: $out / $(ls -l "$MAPS") / $(diff "$tmp/main.cf.flat" "$MC")"

# rollback: main.cf back byte for byte, the map files it made and their
# directory removed (unchanged since).
id=$(v log 2>/dev/null | awk '/^[0-9]/ {id = $1} END {print id}')
out=$(v rollback "$id" --dry-run 2>&1)
[ "$(echo "$out" | grep -c "^remove $MAPS/[a-z_]*\.cf (made by $id, unchanged since)\$")" = 6 ] &&
	echo "$out" | grep -qx "remove directory $MAPS (made by $id, empty once its files are removed)" &&
	[ "$(ls "$MAPS" | wc -l)" = 6 ] && ok "rollback --dry-run: the 6 map files and their directory to remove" ||
	no "rollback --dry-run: $out"
out=$(v rollback "$id" 2>&1) && cmp -s "$MC" "$tmp/main.cf.flat" && [ ! -e "$MAPS" ] &&
	echo "$out" | grep -q "ok   remove $MAPS/alias.cf" && echo "$out" | grep -q "ok   remove the directory $MAPS" &&
	ok "rollback $id: main.cf back byte for byte, the map files and their directory removed" ||
	no "rollback $id: $out / $(diff "$tmp/main.cf.flat" "$MC") / $(ls -la "$MAPS")"
out=$(v rollback "$(v log 2>/dev/null | awk '/^[0-9]/ {id = $1} END {print id}')" --dry-run 2>&1)
echo "$out" | grep -q "removed this map file, which its rollback cannot make again" &&
	ok "the rollback of that rollback: refused (the map files are gone)" || no "rollback of the rollback: $out"

# Applied by lint's fix (the same edit): Postfix reloads and delivers
# through the database's maps.
out=$(v lint --fix --commit 2>&1)
echo "$out" | grep -q "^\* point the server's main.cf at the database's maps" && echo "$out" | grep -q 'ok   reload Postfix' &&
	echo "$out" | grep -q '^committed (' && cmp -s "$MC" "$tmp/main.cf.pg" &&
	ok "lint --fix --commit: the same edit (the map directory and files made again), Postfix reloaded" ||
	no "lint --fix --commit: $out / $(diff "$tmp/main.cf.pg" "$MC")"
postconf -c "$SB_PF" -h virtual_mailbox_maps | grep -qx "proxy:pgsql:$MAPS/mailbox.cf, proxy:pgsql:$MAPS/ad_mailbox.cf" &&
	ok "postconf: virtual_mailbox_maps on the proxy:pgsql: maps" ||
	no "postconf: $(postconf -c "$SB_PF" virtual_mailbox_maps)"
grep -v '^virtual_mailbox_domains\|^virtual_mailbox_maps\|^virtual_alias_maps' "$tmp/main.cf.flat" >"$tmp/a"
grep -v '^virtual_mailbox_domains\|^virtual_mailbox_maps\|^virtual_alias_maps' "$MC" | cmp -s - "$tmp/a" &&
	ok "main.cf: every other line, comment and order kept" || no "main.cf's other lines: $(diff "$tmp/main.cf.flat" "$MC")"
smtp_send a@sandbox.test dbonly@andromed.cloud "after apply" >/dev/null && wait_queue_empty 20 &&
	maildir_grep "$SB_DIR/vhosts/andromed.cloud/dbonly" "after apply" &&
	ok "the real Postfix delivers to dbonly@, known only to the database" || no "delivery to dbonly@ after apply"
! v lint 2>/dev/null | grep -q 'pgsql-maps-unused' && ok "lint no longer warns pgsql-maps-unused" ||
	no "lint after apply: $(v lint 2>&1 | grep pgsql)"
out=$(v db postfix-config --apply 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'nothing to apply' && cmp -s "$MC" "$tmp/main.cf.pg" &&
	ok "applied again: nothing staged, and it says so" || no "second apply (rc $rc): $out"

# The rollback of lint's fix (it made the directory and the map files
# again) killed after COMMIT: the recovery puts main.cf back, then
# removes the map files still as made; one edited since stays, and with
# it the directory, both said.
id=$(v log 2>/dev/null | awk '/^[0-9]/ {id = $1} END {print id}')
echo '# kept by hand' >>"$MAPS/alias.cf"
out=$(v rollback "$id" --dry-run 2>&1)
echo "$out" | grep -q "^note: $MAPS/alias.cf, made by $id, changed since: it is left in place" &&
	echo "$out" | grep -q "^note: the directory $MAPS, made by $id, is left in place: it holds other files" &&
	[ "$(echo "$out" | grep -c "^remove $MAPS/")" = 5 ] && ok "rollback --dry-run: an edited map file and its directory kept" ||
	no "rollback --dry-run of lint's fix: $out"
VMAILADM_FAIL_AT=pgfiles-install:kill v rollback "$id" >/dev/null 2>&1
[ "$(ls "$MAPS" | wc -l)" = 6 ] && [ -e "$SB_DIR/state/journal" ] || no "the rollback's kill after COMMIT did not happen"
out=$(v list domains 2>&1)
cmp -s "$MC" "$tmp/main.cf.flat" && [ "$(ls "$MAPS")" = alias.cf ] && [ ! -e "$SB_DIR/state/journal" ] &&
	echo "$out" | grep -q "removed $MAPS/mailbox.cf, which the rolled back commit had made" &&
	ok "rollback killed after COMMIT: the recovery put main.cf back and removed the 5 map files as made" ||
	no "rollback killed after COMMIT: $out / $(ls -la "$MAPS")"
exit $fail
