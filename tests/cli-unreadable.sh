#!/bin/sh
# Issue 10, defect 5: a managed file that cannot be read is not an empty one.
# Run as nobody on the demo tree with the passwd-file 0640 root:dovecot, as
# on a real server: list, show and stats mark the password and quota as
# unknown and exit 1, lint draws no "mailbox without password" conclusion,
# and an edit refuses to stage (it would write the file back without its
# entries).
set -u
: "${top_srcdir:=.}"
: "${VMAILADM:=./vmailadm}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to switch to nobody"; exit 77; }
command -v setpriv >/dev/null 2>&1 || { echo "SKIP: setpriv missing"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
bin=$(cd "$(dirname "$VMAILADM")" && pwd)/$(basename "$VMAILADM")

tmp=$(mktemp -d /tmp/vmailadm-unreadable.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"
d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>&1 || { echo "FAIL: vmailadm demo"; exit 1; }
users="$d/etc/dovecot/users"
chmod 0640 "$users"
chgrp "$(getent group dovecot >/dev/null && echo dovecot || echo root)" "$users"
# The maildirs readable, so that only the passwd-file is in question.
chmod -R a+rX "$d/vhosts"
fail=0
no() { echo "FAIL: $*"; fail=1; }
asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" --config "$d/vmailadm.yaml" "$@"; }
setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$users" >/dev/null 2>&1 &&
	{ echo "SKIP: nobody can read the passwd-file here"; exit 77; }

asnobody list mailboxes >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "list mailboxes exited $rc, not 1"
grep -q "no passwd-file entry" "$tmp/out" && no "list claims missing passwd-file entries: $(cat "$tmp/out")"
grep -q "johndoe@andromed.cloud .*(unknown" "$tmp/out" || no "list does not mark the password unknown: $(cat "$tmp/out")"
grep -q "$users cannot be read" "$tmp/err" || no "list does not say the passwd-file cannot be read: $(cat "$tmp/err")"

asnobody list mailboxes --json >"$tmp/out" 2>/dev/null
rc=$?
[ $rc -eq 1 ] || no "list --json exited $rc, not 1"
python3 -c "
import json, sys
j = json.load(open('$tmp/out'))
sys.exit(0 if j and all(m['has_password'] is None and m['passwd_known'] is False and m['quota'] is None for m in j) else 1)" ||
	no "list --json: has_password is not null / passwd_known not false: $(cat "$tmp/out")"

asnobody show johndoe@andromed.cloud >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "show exited $rc, not 1"
grep -q "cannot log in" "$tmp/out" && no "show claims the mailbox cannot log in"
grep -q "passwd-file: *unknown" "$tmp/out" || no "show does not say the passwd-file is unknown: $(cat "$tmp/out")"

asnobody stats >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || no "stats exited $rc, not 1"
grep -Eq "^johndoe@andromed.cloud .* \?$" "$tmp/out" || no "stats does not show the quota as unknown: $(cat "$tmp/out")"

asnobody lint >"$tmp/out" 2>"$tmp/err"
grep -q "mailbox-without-password" "$tmp/out" && no "lint concludes 'mailbox without password' from an unreadable file"
grep -q "\[unreadable-file\] $users" "$tmp/out" || no "lint does not name the unreadable file: $(head -5 "$tmp/out")"

# An edit: nothing staged on a world with a hole (the state directory is
# nobody's here, so that the refusal is the stage's, not the lock's).
chown -R nobody "$d/state"
sum=$(cat "$d"/etc/postfix/* "$users" | sha256sum)
asnobody mailbox add new@andromed.cloud --dry-run </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -ne 0 ] || no "mailbox add --dry-run succeeded on an unreadable passwd-file"
grep -q "^+" "$tmp/out" && no "mailbox add showed a diff: $(cat "$tmp/out")"
grep -q "cannot be read" "$tmp/err" || no "mailbox add does not say why: $(cat "$tmp/err")"
[ "$(cat "$d"/etc/postfix/* "$users" | sha256sum)" = "$sum" ] || no "a file changed"

[ $fail -eq 0 ] && echo "ok: unreadable passwd-file: unknown, exit 1, no lint conclusion, no edit"
exit $fail
