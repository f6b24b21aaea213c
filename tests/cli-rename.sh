#!/bin/sh
# vmailadm mailbox rename (issue 15) on the demo tree, with the real
# postmap: refusals that change nothing, the dry run's diff and move, the
# commit (maildir, maps, passwd-file, aliases), --keep-old, the same
# through apply, a killed commit recovered with the maildir moved back,
# rollback refused with the way to undo it.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world_postmap

# NEW exists in any form: refused, one line, nothing changed.
for new in admin@ascent.cloud info@andromed.cloud x@nowhere.example 'a b@ascent.cloud' \
	johndoe@andromed.cloud; do
	v mailbox rename johndoe@andromed.cloud "$new" >"$tmp/out" 2>"$tmp/err"; rc=$?
	check_refused "rename to '$new'" "error: "
done
mkdir -p "$d/vhosts/ascent.cloud/orphan/cur"
v mailbox rename johndoe@andromed.cloud orphan@ascent.cloud >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "rename onto an orphan maildir" "a maildir is already where orphan@ascent.cloud's would go"
rmdir "$d/vhosts/ascent.cloud/orphan/cur" "$d/vhosts/ascent.cloud/orphan"

# The dry run shows every line and the move.
v mailbox rename johndoe@andromed.cloud jdoe@ascent.cloud --dry-run >"$tmp/out" 2>&1 || no "dry run: $(cat "$tmp/out")"
grep -q '^-johndoe@andromed.cloud  *andromed.cloud/johndoe/$' "$tmp/out" || no "dry run: no - vmailbox line"
grep -q '^+jdoe@ascent.cloud  *ascent.cloud/jdoe/$' "$tmp/out" || no "dry run: no + vmailbox line"
grep -q '^+info@andromed.cloud  *jdoe@ascent.cloud$' "$tmp/out" || no "dry run: alias target not renamed"
grep -q "^move maildir $d/vhosts/andromed.cloud/johndoe to $d/vhosts/ascent.cloud/jdoe" "$tmp/out" ||
	no "dry run: the move is not shown: $(cat "$tmp/out")"
[ "$(sums)" = "$before" ] || no "the dry run changed a file"
v mailbox rename johndoe@andromed.cloud jdoe@ascent.cloud --dry-run --json >"$tmp/out" 2>&1
python3 - "$tmp/out" <<'PY' || no "dry run --json: no rename-maildir action"
import json, sys
j = json.load(open(sys.argv[1]))
assert any(a["action"] == "rename-maildir" for a in j["actions"]), j["actions"]
PY

# The commit.
old=$(grep '^johndoe@andromed.cloud:' "$d/etc/dovecot/users" | cut -d: -f2-)
n=$(ls "$d/vhosts/andromed.cloud/johndoe/cur" | wc -l)
v mailbox rename johndoe@andromed.cloud jdoe@ascent.cloud >"$tmp/out" 2>&1 || no "rename: $(cat "$tmp/out")"
[ "$(ls "$d/vhosts/ascent.cloud/jdoe/cur" | wc -l)" = "$n" ] || no "the messages did not move"
[ -e "$d/vhosts/andromed.cloud/johndoe" ] && no "the old maildir is still there"
[ "$(grep '^jdoe@ascent.cloud:' "$d/etc/dovecot/users" | cut -d: -f2-)" = "$old" ] ||
	no "passwd-file: hash, ids or quota not kept"
[ "$(postmap -c "$pf" -q jdoe@ascent.cloud "hash:$pf/vmailbox")" = ascent.cloud/jdoe/ ] || no "vmailbox.db lacks jdoe"
postmap -c "$pf" -q johndoe@andromed.cloud "hash:$pf/vmailbox" >/dev/null && no "vmailbox.db still has johndoe"
postmap -c "$pf" -q johndoe@andromed.cloud "hash:$pf/virtual_alias" >/dev/null && no "without --keep-old, johndoe is an alias"
[ "$(postmap -c "$pf" -q equipe@andromed.cloud "hash:$pf/virtual_alias")" = "jdoe@ascent.cloud, janedoe@andromed.cloud" ] ||
	no "equipe's target not renamed"
v lint >"$tmp/out" 2>&1
grep -i "jdoe\|johndoe" "$tmp/out" && no "lint finds a problem with the renamed mailbox"
v log --json >"$tmp/out"
grep -q '"action": "rename"' "$tmp/out" || no "audit: no rename maildir record"

# rollback refuses, naming the way back.
v rollback >"$tmp/out" 2>"$tmp/err" && no "rollback of a rename accepted"
grep -q "undo it with vmailadm mailbox rename" "$tmp/err" || no "rollback: $(cat "$tmp/err")"

# --keep-old, through apply.
printf 'mailbox rename janedoe@andromed.cloud jane@andromed.cloud --keep-old\n' >"$tmp/batch"
v apply "$tmp/batch" >"$tmp/out" 2>&1 || no "apply: $(cat "$tmp/out")"
[ "$(postmap -c "$pf" -q janedoe@andromed.cloud "hash:$pf/virtual_alias")" = jane@andromed.cloud ] ||
	no "--keep-old: janedoe is not an alias of jane"
[ -d "$d/vhosts/andromed.cloud/jane/cur" ] || no "apply: the maildir did not move"

# A system alias of the aliases file naming OLD names NEW (issue 15).
v mailbox rename admin@andromed.cloud chef@andromed.cloud >"$tmp/out" 2>&1 || no "rename admin: $(cat "$tmp/out")"
grep -q "^root: *chef@andromed.cloud$" "$d/etc/aliases" || no "/etc/aliases: $(grep '^root' "$d/etc/aliases")"
grep -q "^note: the system alias root (aliases file) now delivers to chef@andromed.cloud$" "$tmp/out" || no "rename admin: no note"

# Killed after the move: the next run puts files and maildir back.
before=$(sums)
VMAILADM_FAIL_AT=rename-maildir:kill "$VMAILADM" --config "$d/vmailadm.yaml" \
	mailbox rename support@andromed.cloud help@ascent.cloud >/dev/null 2>&1
[ -d "$d/vhosts/ascent.cloud/help" ] || no "killed: the maildir had not moved"
v list mailboxes >"$tmp/out" 2>"$tmp/err"
grep -q "moved maildir $d/vhosts/ascent.cloud/help back to $d/vhosts/andromed.cloud/support" "$tmp/err" ||
	no "recovery: $(cat "$tmp/err")"
[ -d "$d/vhosts/andromed.cloud/support/cur" ] || no "recovery: the maildir is not back"
[ "$(sums)" = "$before" ] || no "recovery: the files are not as before"
# With an alias domain mirroring the old one: OLD's mirror line goes with
# OLD (not pointed at NEW, which would keep OLD alive at the alias domain),
# NEW gets its own; --keep-old keeps OLD's, since OLD stays an address.
rm -rf "$d"
demo_world_postmap
v domain add mirror.test --alias-of andromed.cloud >"$tmp/out" 2>&1 || no "alias domain: $(cat "$tmp/out")"
v mailbox rename janedoe@andromed.cloud jane@andromed.cloud --dry-run >"$tmp/out" 2>&1 || no "rename with an alias domain: $(cat "$tmp/out")"
grep -q '^-janedoe@mirror.test  *janedoe@andromed.cloud$' "$tmp/out" || no "alias domain: OLD's mirror line not removed"
grep -q '^+janedoe@mirror.test' "$tmp/out" && no "alias domain: OLD's mirror line pointed at NEW: $(grep janedoe@mirror "$tmp/out")"
grep -q '^+jane@mirror.test  *jane@andromed.cloud$' "$tmp/out" || no "alias domain: NEW has no mirror line"
v mailbox rename janedoe@andromed.cloud jane@andromed.cloud --keep-old --dry-run >"$tmp/out" 2>&1 || no "--keep-old with an alias domain: $(cat "$tmp/out")"
grep -q 'janedoe@mirror.test' "$tmp/out" && no "--keep-old: OLD's mirror line changed: $(grep janedoe@mirror "$tmp/out")"
grep -q '^+jane@mirror.test  *jane@andromed.cloud$' "$tmp/out" || no "--keep-old: NEW has no mirror line"
v lint >"$tmp/out" 2>&1
grep -q aliasdom-out-of-step "$tmp/out" && no "lint after the alias domain: $(cat "$tmp/out")"
# A passwd-file line whose home holds the maildir (home + userdb_mail=
# maildir:~/Maildir, value DOMAIN/USER/Maildir/): the maildir moved and the
# home stayed, so Dovecot went on reading the old place (an empty mailbox
# for the user, the mail elsewhere). The home now moves with the maildir;
# where it cannot, the rename is refused.
rm -rf "$d"
demo_world_postmap
sed -i '/^dovecot_mail_location:/d' "$d/vmailadm.yaml"
sed -i 's#^\(admin@ascent.cloud  *ascent.cloud/admin/\)$#\1Maildir/#' "$pf/vmailbox"
sed -i "s#^\(admin@ascent.cloud:[^:]*:5000:5000:\):.*#\1:$d/vhosts/ascent.cloud/admin::userdb_mail=maildir:~/Maildir#" "$d/etc/dovecot/users"
mv "$d/vhosts/ascent.cloud/admin" "$d/vhosts/ascent.cloud/Maildir" && mkdir "$d/vhosts/ascent.cloud/admin" &&
	mv "$d/vhosts/ascent.cloud/Maildir" "$d/vhosts/ascent.cloud/admin/Maildir" || exit 99
postmap -c "$pf" "hash:$pf/vmailbox" || exit 99
v lint >"$tmp/out" 2>&1
grep 'admin@ascent' "$tmp/out" | grep -q dovecot- && { echo "FAIL: the layout fixture is wrong: $(grep admin@ascent "$tmp/out")"; exit 1; }
v mailbox rename admin@ascent.cloud boss@ascent.cloud --yes >"$tmp/out" 2>&1 || no "rename (home): $(cat "$tmp/out")"
grep -q "^boss@ascent.cloud:[^:]*:5000:5000::$d/vhosts/ascent.cloud/boss::userdb_mail=maildir:~/Maildir$" "$d/etc/dovecot/users" ||
	no "rename (home): the home stayed: $(grep '^boss@' "$d/etc/dovecot/users")"
[ -d "$d/vhosts/ascent.cloud/boss/Maildir/cur" ] || no "rename (home): the maildir did not move"
grep -q "note: the home of boss@ascent.cloud moves with its maildir: $d/vhosts/ascent.cloud/boss" "$tmp/out" ||
	no "rename (home): no note: $(grep note "$tmp/out")"
v lint >"$tmp/out" 2>&1
grep 'boss@ascent' "$tmp/out" | grep -q dovecot- && no "lint after the rename: $(grep boss@ascent "$tmp/out")"
# The domain's layout (contact@, its last entry, in the course's) puts the
# renamed maildir outside the home: refused, nothing changed.
sed -i '/^boss@ascent.cloud /d' "$pf/vmailbox"
sed -i "s#^\(contact@ascent.cloud .*\)\$#boss@ascent.cloud ascent.cloud/boss/Maildir/\n\1#" "$pf/vmailbox"
postmap -c "$pf" "hash:$pf/vmailbox" || exit 99
before=$(sums)
v mailbox rename boss@ascent.cloud chef@ascent.cloud --yes >"$tmp/out" 2>"$tmp/err"
rc=$?
check_refused "rename (home outside the new place)" \
	"^vmailadm: mailbox: error: after the rename Dovecot would read chef@ascent.cloud's mail in $d/vhosts/ascent.cloud/boss/Maildir, not in $d/vhosts/ascent.cloud/chef where it goes"
[ -d "$d/vhosts/ascent.cloud/boss/Maildir/cur" ] || no "refused rename: the maildir moved"
exit $fail
