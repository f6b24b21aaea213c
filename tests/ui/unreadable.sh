#!/bin/sh
# Issue 10, defect 5, in the interface: run as nobody with the passwd-file
# 0640 root:dovecot, the interface says in its status line that the file
# cannot be read, shows READ-ONLY in its header, and refuses to open an edit
# form (saying why) instead of staging edits on a world with a hole.
. "${top_srcdir:-.}/tests/ui/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to switch to nobody"; exit 77; }
command -v setpriv >/dev/null 2>&1 || { echo "SKIP: setpriv missing"; exit 77; }
make_demo
chmod 755 "$WORK"
USERS="$WORK/demo/etc/dovecot/users"
chmod 0640 "$USERS"
chgrp "$(getent group dovecot >/dev/null && echo dovecot || echo root)" "$USERS"
sum=$(cat "$WORK"/demo/etc/postfix/* "$USERS" | sha256sum)
real=$(cd "$(dirname "$VMAILADM")" && pwd)/$(basename "$VMAILADM")
cat >"$WORK/asnobody" <<EOS
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$real" "\$@"
EOS
chmod 755 "$WORK/asnobody"
VMAILADM="$WORK/asnobody"

start_ui 120 30
expect "Domains (5)"
expect "READ-ONLY: a file cannot be read"
expect "read-only: $USERS cannot be read"
ok "the status line and the header say the passwd-file cannot be read"
# The refusal shown, the key was answered: no form (a sleep of 0.3 s
# before looking could end before the key was read, under load).
keys Tab a
expect "nothing can be edited"
refute "What to add to"
# p's refusal reads the same: the help's key after it opens the help only
# if p opened no form (a form would take the ? as typed text).
keys p '?'
expect "Help: every key"
refute "New password"
keys q
expect "Domains (5)"
ok "no edit form opens"
keys q
expect_quit
[ "$(cat "$WORK"/demo/etc/postfix/* "$USERS" | sha256sum)" = "$sum" ] || fail "a file changed"
ok "no file changed"
