#!/bin/sh
# The commit as the command line shows it (issue 10): a fresh install with
# no archive directory, a dry run that warns of what would stop the commit,
# an action that cannot run refused before any file changes. The real
# postmap builds the maps (skipped without it).
set -u
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
printf 'postmap: %s\npostalias: %s\n' "$(command -v postmap)" "$(command -v postalias || echo postalias)" \
	>>"$d/vmailadm.yaml"
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
pf="$d/etc/postfix"
for m in vmailbox virtual_alias virtual_domains; do postmap -c "$pf" "hash:$pf/$m" || exit 99; done
# sha256 of every file vmailadm may change, for "nothing changed".
sums() { find "$pf" "$d/etc/dovecot" -type f | sort | xargs sha256sum; }

# ---- defect 1: a fresh install has no archive directory -----------------
rm -rf "$d/archive"
v mailbox del support@andromed.cloud --dry-run >"$tmp/out" 2>&1 || no "dry run on a fresh install: $(cat "$tmp/out")"
grep -q "would stop" "$tmp/out" && no "dry run warns of a missing archive_dir it will make"
v mailbox del support@andromed.cloud >"$tmp/out" 2>&1 || no "mailbox del on a fresh install: $(cat "$tmp/out")"
grep -q "^committed" "$tmp/out" || no "mailbox del: not 'committed': $(cat "$tmp/out")"
[ "$(stat -c %a "$d/archive")" = 700 ] || no "archive_dir is not 0700"
ls -d "$d/archive/andromed.cloud/support-"*/cur >/dev/null 2>&1 || no "support's maildir is not in the archive"
[ -e "$d/vhosts/andromed.cloud/support" ] && no "support's maildir is still in the base"
[ -z "$(postmap -c "$pf" -q support@andromed.cloud "hash:$pf/vmailbox")" ] || no "support@ still in vmailbox.db"
tail -n 1 "$d/state/audit.log" | grep -q '(mail archived)' || no "audit: no (mail archived)"

# ---- an archive that cannot be made: warned by the dry run, refused -------
: >"$d/blocker"
sed -i "s|^archive_dir:.*|archive_dir: $d/blocker/archive|" "$d/vmailadm.yaml"
before=$(sums)
v mailbox del contact@andromed.cloud --dry-run >"$tmp/out" 2>&1 && no "dry run exits 0 though the commit would stop"
grep -q "warning: .*archive_dir" "$tmp/out" || no "dry run: no warning naming archive_dir: $(cat "$tmp/out")"
grep -q "would stop before changing anything" "$tmp/out" || no "dry run: no 'would stop'"
v mailbox del contact@andromed.cloud >"$tmp/out" 2>&1 && no "mailbox del with an impossible archive succeeded"
grep -q "^not committed" "$tmp/out" || no "not reported as 'not committed': $(cat "$tmp/out")"
grep -q "nothing changed" "$tmp/out" && no "says 'nothing changed' but it was never started"
[ "$(sums)" = "$before" ] || no "a file changed though the commit was refused"
[ -d "$d/vhosts/andromed.cloud/contact/cur" ] || no "contact's maildir moved"
tail -n 1 "$d/state/audit.log" | grep -q 'contact@' && no "audit record for a refused commit"

sed -i "s|^archive_dir:.*|archive_dir: archive|" "$d/vmailadm.yaml"

# ---- defect 4: a map that cannot be installed is rolled back whole ---------
# An immutable vmailbox.db (needs CAP_LINUX_IMMUTABLE and a filesystem with
# the flag): the new source is renamed, the map cannot be. The source must
# come back too, and the output must not claim more than happened.
before=$(sums)
if chattr +i "$pf/vmailbox.db" 2>/dev/null; then
	v mailbox add imm@andromed.cloud >"$tmp/out" 2>&1 && no "commit over an immutable map succeeded"
	chattr -i "$pf/vmailbox.db"
	grep -q "failed and rolled back" "$tmp/out" || no "immutable map: not rolled back: $(cat "$tmp/out")"
	grep -q "vmailbox.db" "$tmp/out" || no "immutable map: the map is not named: $(cat "$tmp/out")"
	[ "$(sums)" = "$before" ] || no "immutable map: a file changed (the source kept the new entry?)"
	ls "$pf" | grep -q vmailadm- && no "immutable map: temporary files left: $(ls "$pf")"
	[ -e "$d/vhosts/andromed.cloud/imm" ] && no "immutable map: the maildir stayed"
else
	echo "note: chattr +i not possible here; the immutable map case is covered by test_stage"
fi
# A postmap that exits 0 and builds nothing: caught, rolled back, said.
printf '#!/bin/sh\nexit 0\n' >"$tmp/postmap-nothing"
chmod 755 "$tmp/postmap-nothing"
cp "$d/vmailadm.yaml" "$tmp/saved.yaml"
sed -i "s|^postmap:.*|postmap: $tmp/postmap-nothing|" "$d/vmailadm.yaml"
v mailbox add nothing@andromed.cloud >"$tmp/out" 2>&1 && no "a postmap that builds nothing: committed"
grep -q "failed and rolled back" "$tmp/out" || no "postmap builds nothing: $(cat "$tmp/out")"
[ "$(sums)" = "$before" ] || no "postmap builds nothing: a file changed"
ls "$pf" | grep -q vmailadm- && no "postmap builds nothing: temporary files left: $(ls "$pf")"
cp "$tmp/saved.yaml" "$d/vmailadm.yaml"
# Every commit asks the map it installed for the keys that changed.
v mailbox add checked@andromed.cloud >"$tmp/out" 2>&1 || no "mailbox add: $(cat "$tmp/out")"
grep -q "vmailbox.db answers the 1 key that changed" "$tmp/out" || no "the map was not checked: $(cat "$tmp/out")"

# hold_lock: the commit lock held by another process until release_lock;
# it returns once the lock is held. By order, not time: a sleep of 0.3 s
# guessed when flock had it, and a hold of 2 s could end before a command
# started under load.
hold_lock() {
	rm -f "$tmp/held" "$tmp/release"
	flock "$d/state/lock" sh -c 'touch "$1"; while [ ! -e "$2" ]; do sleep 0.05; done' \
		sh "$tmp/held" "$tmp/release" &
	holder=$!
	_i=0
	while [ ! -e "$tmp/held" ] && [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ -e "$tmp/held" ] || no "the test's lock holder did not get the lock"
}
release_lock() { touch "$tmp/release"; wait $holder; }
# has_lock_open PID: the process has the lock file open (it is waiting
# for it, or has it).
has_lock_open() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q "$d/state/lock\$"
}

# ---- defect 6: a read command recovers an interrupted commit first -------
# A commit killed during a slow reload: its files are all written. The next
# list must show them rolled back and say so; while the lock is held it
# must say that a commit was interrupted and how to finish it.
printf '#!/bin/sh\necho $$ >"%s/reload.pid"\nexec sleep 30\n' "$tmp" >"$tmp/slow-reload"
chmod 755 "$tmp/slow-reload"
cp "$d/vmailadm.yaml" "$tmp/saved.yaml"
sed -i "s|^dovecot_reload:.*|dovecot_reload: $tmp/slow-reload|" "$d/vmailadm.yaml"
"$VMAILADM" --config "$d/vmailadm.yaml" mailbox add killed@andromed.cloud --generate-password >"$tmp/killed.out" 2>&1 &
committer=$!
i=0
while [ ! -s "$tmp/reload.pid" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $committer
wait $committer 2>/dev/null
[ -s "$tmp/reload.pid" ] && kill -KILL "$(cat "$tmp/reload.pid")" 2>/dev/null
cp "$tmp/saved.yaml" "$d/vmailadm.yaml"
[ -e "$d/state/journal" ] || no "defect 6: the killed commit left no journal: $(cat "$tmp/killed.out")"
grep -q "^killed@andromed.cloud:" "$d/etc/dovecot/users" || no "defect 6: the killed commit had not written the passwd-file"
hold_lock
v list mailboxes >"$tmp/out" 2>"$tmp/err" || no "list while the lock is held: $(cat "$tmp/err")"
grep -q "a commit is running or was interrupted" "$tmp/err" || no "list, lock held: no word of the interrupted commit: $(cat "$tmp/err")"
[ "$(grep -c . "$tmp/err")" = 1 ] || no "list, lock held: not one line: $(cat "$tmp/err")"
[ -e "$d/state/journal" ] || no "list recovered though the lock was held"
release_lock
v list mailboxes >"$tmp/out" 2>"$tmp/err" || no "list after a killed commit: $(cat "$tmp/err")"
grep -q "rolled back the interrupted commit" "$tmp/err" || no "list did not say it recovered: $(cat "$tmp/err")"
grep -q "killed@" "$tmp/out" && no "list shows the mailbox of the killed commit: $(cat "$tmp/out")"
grep -q "^killed@" "$d/etc/dovecot/users" && no "the passwd-file still names killed@"
[ -e "$d/state/journal" ] && no "the journal is still there after list"
[ -z "$(postmap -c "$pf" -q killed@andromed.cloud "hash:$pf/vmailbox")" ] || no "killed@ still in vmailbox.db"
[ -e "$d/vhosts/andromed.cloud/killed" ] && no "the killed commit's empty maildir stayed"
v list mailboxes >"$tmp/out" 2>"$tmp/err"
[ -s "$tmp/err" ] && no "a second list still says something: $(cat "$tmp/err")"

# ---- defect 11: a second committer waits for the lock (lock_wait) --------
hold_lock
v mailbox add waiter@andromed.cloud --lock-wait 0 >"$tmp/out" 2>&1 && no "--lock-wait 0 did not give up at once"
grep -q "another vmailadm is committing" "$tmp/out" || no "--lock-wait 0: $(cat "$tmp/out")"
# The default waits: once it has the lock file open it does not end (for
# a second: a committer that took no lock ends in some 0.1 s) nor write
# while the lock is held; released, it commits.
"$VMAILADM" --config "$d/vmailadm.yaml" mailbox add waiter@andromed.cloud >"$tmp/out" 2>&1 &
waiter=$!
i=0
while ! has_lock_open $waiter && kill -0 $waiter 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
i=0
while kill -0 $waiter 2>/dev/null && [ $i -lt 20 ]; do sleep 0.05; i=$((i + 1)); done
kill -0 $waiter 2>/dev/null || no "the lock was not waited for: $(cat "$tmp/out")"
grep -q "^waiter@andromed.cloud " "$pf/vmailbox" && no "waiter@ written while the lock was held"
release_lock
wait $waiter || no "the default did not wait for the lock: $(cat "$tmp/out")"
grep -q "^waiter@andromed.cloud " "$pf/vmailbox" || no "waiter@ not committed once the lock was released"
grep -q "waiting up to" "$tmp/out" && no "told a non-terminal that it waits"
# On a terminal it says whom it waits for (and waits: the lock is released
# once it said so).
hold_lock
script -qec "$VMAILADM --config $d/vmailadm.yaml mailbox add waiter2@andromed.cloud --generate-password" /dev/null >"$tmp/out" 2>&1 &
waiter=$!
i=0
while ! grep -q "waiting up to" "$tmp/out" && kill -0 $waiter 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
release_lock
wait $waiter || no "on a terminal: $(cat "$tmp/out")"
grep -q "waiting up to 30 s for another commit to finish" "$tmp/out" || no "on a terminal: no waiting message: $(cat "$tmp/out")"
v mailbox add late@andromed.cloud --lock-wait x >"$tmp/out" 2>&1 && no "--lock-wait x accepted"
# 20 commits at once: every one lands.
i=0
while [ $i -lt 20 ]; do
	v mailbox add "c$i@andromed.cloud" >"$tmp/c$i" 2>&1 &
	i=$((i + 1))
done
wait
i=0
while [ $i -lt 20 ]; do
	grep -q "^c$i@andromed.cloud " "$pf/vmailbox" || no "c$i@ was lost: $(cat "$tmp/c$i")"
	[ "$(postmap -c "$pf" -q "c$i@andromed.cloud" "hash:$pf/vmailbox")" = "andromed.cloud/c$i/" ] || no "c$i@ not in vmailbox.db"
	i=$((i + 1))
done

# ---- the steps count their files with plural forms -------------------------
# A quota change writes one file (the passwd-file): "back up 1 file", not
# "1 files"; a mailbox added with a password writes two.
v mailbox quota johndoe@andromed.cloud 2G >"$tmp/out" 2>&1 || no "mailbox quota: $(cat "$tmp/out")"
grep -q "^  ok   back up 1 file$" "$tmp/out" || no "one file backed up: $(grep 'back up' "$tmp/out")"
grep -q "^  ok   write 1 file under a temporary name$" "$tmp/out" \
	|| no "one file written: $(grep 'temporary' "$tmp/out")"
v mailbox add plural@andromed.cloud --generate-password >"$tmp/out" 2>&1 || no "mailbox add: $(cat "$tmp/out")"
grep -q "^  ok   back up 2 files$" "$tmp/out" || no "two files backed up: $(grep 'back up' "$tmp/out")"

exit $fail
