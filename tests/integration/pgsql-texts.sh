#!/bin/sh
# backend: pgsql, the texts a user reads (issue 18): the model is read
# from a snapshot directory (state_dir/pgsql/snapshot.PID, deleted at
# exit), so a text naming one of its files names a file that is gone when
# it is read. Every text names the server's file instead (source.h): the
# server's main.cf at the server's line (the snapshot keeps the server's
# numbering), its sender login map, its Postfix directory for postmap -c,
# the database's table for a row. Checked on the commands that name them:
# sendas enable when it is already enabled, sendas disable when it is
# not, lint's sendas-not-enabled (both forms, text and JSON), the plan of
# an edit of the sender login map, a mailbox rename's note. And trace
# before db postfix-config is applied: over the flat tables the server's
# main.cf names (what Postfix looks up), not the snapshot. And master.cf:
# sendas enable's edit of a service's -o, previewed, committed and rolled
# back on the server's own file.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start
pg_demo
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: /bin/true\n' "$CI" >>"$Y"
PF=$T/demo/etc/postfix
O=$T/out
: >"$O"
# run DESC ARGS...: vmailadm's output, kept in $T/last and in $O
run() {
	_d=$1
	shift
	v "$@" >"$T/last" 2>&1
	printf '== %s\n' "$_d" >>"$O"
	cat "$T/last" >>"$O"
}

run "sendas enable" sendas enable
run "sendas enable again" sendas enable
rl=$(grep -n '^smtpd_sender_restrictions' "$PF/main.cf" | cut -d: -f1)
grep -q "^$PF/main.cf:$rl: error: send-as is already enabled" "$T/last" &&
	ok "already enabled: the server's main.cf, at the restriction's line ($rl)" ||
	fail "already enabled: $(cat "$T/last")"

# The map named, the restriction gone (by hand): lint at the map's line.
sed -i '/^smtpd_sender_restrictions/d' "$PF/main.cf"
ml=$(grep -n '^smtpd_sender_login_maps' "$PF/main.cf" | cut -d: -f1)
run "lint, no restriction" lint
grep -q "^$PF/main.cf:$ml: warning: \[sendas-not-enabled\] smtpd_sender_login_maps is set" "$T/last" &&
	ok "sendas-not-enabled: the server's main.cf, at its line ($ml)" ||
	fail "sendas-not-enabled (line $ml): $(grep sendas "$T/last")"
run "lint --json, no restriction" lint --json
python3 -c 'import json, sys
p = [x for x in json.load(open(sys.argv[1])) if x["rule"] == "sendas-not-enabled"]
assert [(x["file"], x["line"]) for x in p] == [(sys.argv[2], int(sys.argv[3]))], p' \
	"$T/last" "$PF/main.cf" "$ml" && ok "lint --json: the same file and line" ||
	fail "lint --json: $(grep -A4 sendas-not "$T/last")"

# The map exists, main.cf does not name it.
run "sendas disable" sendas disable
run "sendas disable again" sendas disable
grep -q "^$PF/main.cf: error: send-as is not enabled" "$T/last" &&
	ok "not enabled: the server's main.cf" || fail "not enabled: $(cat "$T/last")"
run "lint, map not named" lint
grep -q "^$PF/sender_login: warning: \[sendas-not-enabled\] the sender login map $PF/sender_login exists" "$T/last" &&
	ok "sendas-not-enabled: the server's sender login map, in the file and the text" ||
	fail "map not named: $(grep sendas "$T/last")"
# Its built form older than it (touched): map-older-than-source names
# the server's map and .db, in its text and its fix.
touch "$PF/sender_login"
run "lint, map not built again" lint
grep -q "^$PF/sender_login: error: \[map-older-than-source\] $PF/sender_login.db is older than its source: .*(fix: run postmap hash:$PF/sender_login)\$" "$T/last" &&
	ok "map-older-than-source: the server's map and its .db named" ||
	fail "map-older-than-source: $(grep older "$T/last")"
run "lint --json, map not named" lint --json

# A plan that rebuilds the map: postmap -c the server's directory.
run "sendas allow --dry-run" sendas allow nobody@andromed.cloud johndoe@andromed.cloud --dry-run
grep -q "^rebuild map hash:$PF/sender_login (postmap -c $PF)$" "$T/last" &&
	ok "the plan: postmap -c the server's Postfix directory" || fail "postmap: $(grep postmap "$T/last")"
run "mailbox rename --dry-run" mailbox rename johndoe@andromed.cloud jd@andromed.cloud --dry-run
run "sendas allow" sendas allow nobody@andromed.cloud johndoe@andromed.cloud
[ "$(postmap -q nobody@andromed.cloud "hash:$PF/sender_login")" = johndoe@andromed.cloud ] &&
	ok "the map built with postmap -c the server's directory answers" ||
	fail "sendas allow: $(cat "$T/last")"

# trace while the server's main.cf still names the flat tables (db
# postfix-config not applied): Postfix looks those up, so the trace is over
# them, their lines named, and one note says the database is not what
# Postfix queries yet. A mailbox committed to the database alone is not
# one Postfix knows: the trace says so.
v trace johndoe@andromed.cloud >"$T/trace" 2>"$T/trace.err"
cat "$T/trace" "$T/trace.err" >>"$O"
ml=$(grep -n '^johndoe@andromed.cloud' "$PF/vmailbox" | cut -d: -f1)
grep -q "→ andromed.cloud/johndoe/  \[$PF/vmailbox:$ml\]$" "$T/trace" &&
	[ "$(grep -c . "$T/trace.err")" = 1 ] &&
	grep -q "^$PF/main.cf: note: names no pgsql: map: .*the database is not what Postfix queries yet" "$T/trace.err" &&
	ok "trace: the server's flat tables at their lines, one note" ||
	fail "trace on the flat tables: $(cat "$T/trace" "$T/trace.err")"
printf 'correct-horse-battery\n' | v mailbox add newrow@andromed.cloud --password-stdin >"$T/last" 2>&1
cat "$T/last" >>"$O"
[ "$(pg_sql postfix "SELECT count(*) FROM mailbox WHERE username = 'newrow@andromed.cloud'")" = 1 ] ||
	fail "mailbox add on pgsql: $(cat "$T/last")"
v trace --short newrow@andromed.cloud >"$T/trace" 2>>"$O"
cat "$T/trace" >>"$O"
cut -f2 "$T/trace" | grep -qx maildir && fail "trace: a row Postfix does not read traced as delivered: $(cat "$T/trace")" ||
	ok "trace: a mailbox in the database only is not one Postfix delivers to ($(cut -f2 "$T/trace"))"

# master.cf on pgsql: sendas enable puts the restriction into a service's
# own -o smtpd_sender_restrictions (sendas_master.c), in the server's
# master.cf (the snapshot holds a hard link to it). The preview names the
# server's file and writes nothing (nor into the link: same inode, same
# bytes); the commit changes that -o and no other byte; rollback of the
# commit puts the file back byte for byte.
MS=$PF/master.cf
printf '%s\n' '# master.cf (a test)' \
	'smtp      inet  n       -       y       -       -       smtpd' \
	'submission inet n       -       y       -       -       smtpd' \
	'  -o smtpd_sasl_auth_enable=yes' \
	'#  -o smtpd_sender_restrictions=commented' \
	'  -o smtpd_sender_restrictions=permit_sasl_authenticated,reject' >"$MS"
cp "$MS" "$T/master.before"
ino=$(stat -c %i "$MS")
NEW='  -o smtpd_sender_restrictions=reject_authenticated_sender_login_mismatch,permit_sasl_authenticated,reject'
run "sendas enable --dry-run, master.cf" sendas enable --dry-run
grep -q "^--- $MS\$" "$T/last" && grep -qx "+$NEW" "$T/last" && cmp -s "$MS" "$T/master.before" &&
	[ "$(stat -c %i "$MS")" = "$ino" ] &&
	ok "sendas enable --dry-run: the server's master.cf diffed, nothing written" ||
	fail "master.cf preview: $(cat "$T/last")"
run "sendas enable, master.cf" sendas enable
id=$(sed -n 's/^committed (\(.*\))$/\1/p' "$T/last")
sed "s/^  -o smtpd_sender_restrictions=permit_sasl_authenticated,reject\$/$NEW/" "$T/master.before" | cmp -s - "$MS" &&
	[ -n "$id" ] && ok "sendas enable: the service's -o in the server's master.cf, every other byte as it was" ||
	fail "master.cf commit: $(cat "$T/last"; diff "$T/master.before" "$MS")"
run "rollback, master.cf" rollback "$id" --yes
cmp -s "$MS" "$T/master.before" && grep -q "^committed" "$T/last" &&
	ok "rollback: the server's master.cf back byte for byte" ||
	fail "master.cf rollback: $(cat "$T/last"; diff "$T/master.before" "$MS")"
# Killed after COMMIT, before master.cf's rename: the next vmailadm
# finishes it from its new version.
v sendas enable >/dev/null 2>&1
cp "$MS" "$T/master.committed"
cmp -s "$MS" "$T/master.before" && fail "sendas enable again: master.cf unchanged"
VMAILADM_FAIL_AT=pgfiles-install:kill v sendas disable >/dev/null 2>&1
cmp -s "$MS" "$T/master.committed" || fail "the kill after COMMIT did not happen before master.cf's rename"
v list domains >/dev/null 2>&1
cmp -s "$MS" "$T/master.before" && ! ls "$PF" | grep -q vmailadm- &&
	ok "sendas disable killed after COMMIT: the next vmailadm finished master.cf" ||
	fail "master.cf after the kill: $(diff "$T/master.before" "$MS"; ls "$PF")"

grep -q 'snapshot\.' "$O" && fail "a text names the snapshot: $(grep -B2 'snapshot\.' "$O" | head -12)" ||
	ok "no text names the snapshot ($(grep -c '^== ' "$O") commands)"
exit $((fails > 0))
