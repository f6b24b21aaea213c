#!/bin/sh
# The layout the server already uses (issue 14), on the real Dovecot and
# Postfix: a sandbox whose dovecot.conf says mail_location = maildir:~/Maildir
# with a passwd-file userdb whose lines carry the home. vmailadm reads that
# from doveconf (about the sandbox's dovecot.conf, not the host's), writes
# the new mailbox's home and its map value ending in Maildir/, and then
# doveadm auth test, doveadm user and a real IMAP login find the mailbox,
# and mail delivered by real SMTP lands where Dovecot looks. lint's
# dovecot-no-home is checked against Dovecot refusing such a user, and
# vmail-uid-below-dovecot-minimum against Dovecot refusing uid 5000 once
# first_valid_uid is 6000.
set -u
. "$top_srcdir/tests/integration/lib.sh"
sandbox_demo_test


# Dovecot's own layout; the demo's explicit setting would override it.
sed -i '/^dovecot_mail_location:/d' "$d/vmailadm.yaml"
python3 - "$SB_DC" "$d/etc/dovecot/users" <<'PY' || exit 99
import re, sys
conf, users = sys.argv[1], sys.argv[2]
t = open(conf).read()
t = re.sub(r"(?m)^mail_location = .*$", "mail_location = maildir:~/Maildir", t)
t = re.sub(r"userdb \{.*?\n\}", "userdb {\n  driver = passwd-file\n  args = username_format=%u " + users + "\n}", t, flags=re.S)
open(conf, "w").write(t)
PY
grep -q '^mail_location = maildir:~/Maildir$' "$SB_DC" && grep -q 'driver = passwd-file' "$SB_DC" || exit 99
sandbox_postmap_all || exit 99
sandbox_start || exit 99

sandbox_vmailadm config >"$tmp/out" 2>&1 || no "config: $(cat "$tmp/out")"
grep -q "^dovecot_mail_location = maildir:~/Maildir  *(doveconf $SB_DC)\$" "$tmp/out" ||
	no "config does not show Dovecot's location: $(grep mail_location "$tmp/out")"

# A new mailbox: its home and a map value Dovecot and Postfix agree on.
printf 'Zoe-passw0rd-1\n' | sandbox_vmailadm mailbox add zoe@andromed.cloud --password-stdin >"$tmp/out" 2>&1 ||
	no "mailbox add: $(cat "$tmp/out")"
grep -q "note: zoe@andromed.cloud gets the home $d/vhosts/andromed.cloud/zoe in the passwd-file: Dovecot's mail_location maildir:~/Maildir (doveconf $SB_DC) is relative to the home" "$tmp/out" ||
	no "the plan does not say which layout and why: $(cat "$tmp/out")"
[ "$(postmap -c "$SB_PF" -q zoe@andromed.cloud "hash:$SB_PF/vmailbox")" = "andromed.cloud/zoe/Maildir/" ] ||
	no "vmailbox: $(postmap -c "$SB_PF" -q zoe@andromed.cloud "hash:$SB_PF/vmailbox")"
grep -q "^zoe@andromed.cloud:{SHA512-CRYPT}[^:]*:5000:5000::$d/vhosts/andromed.cloud/zoe:" "$d/etc/dovecot/users" ||
	no "no home in the passwd-file line: $(grep '^zoe@' "$d/etc/dovecot/users")"
[ -d "$d/vhosts/andromed.cloud/zoe/Maildir/new" ] || no "the maildir is not where both look"

auth_test zoe@andromed.cloud Zoe-passw0rd-1 || no "doveadm auth test zoe@"
u=$(doveadm -c "$SB_DC" user -f home zoe@andromed.cloud 2>&1)
[ "$u" = "$d/vhosts/andromed.cloud/zoe" ] || no "doveadm user: home $u"
n=$(imap_login zoe@andromed.cloud Zoe-passw0rd-1) || no "IMAP login of zoe@: $n"
[ "$n" = 0 ] || no "zoe@ INBOX before any mail: $n"
smtp_send tester@sandbox.test zoe@andromed.cloud "layout-check" >/dev/null || no "SMTP to zoe@ refused"
wait_queue_empty || no "the queue did not empty"
maildir_grep "$d/vhosts/andromed.cloud/zoe/Maildir" layout-check || no "the mail is not in zoe's Maildir"
n=$(imap_login zoe@andromed.cloud Zoe-passw0rd-1) || no "IMAP login of zoe@ after delivery: $n"
[ "$n" = 1 ] || no "Dovecot does not see the delivered mail: INBOX has $n"

# lint: nothing for zoe@; johndoe@ (the demo's line, no home) is an error,
# and Dovecot indeed cannot open its mailbox.
sandbox_vmailadm lint >"$tmp/lint" 2>&1
grep 'zoe@andromed.cloud' "$tmp/lint" | grep -q 'dovecot-' && no "lint on zoe@: $(grep zoe@ "$tmp/lint")"
ln=$(grep -n '^johndoe@andromed.cloud:' "$d/etc/dovecot/users" | cut -d: -f1)
grep -q "^$d/etc/dovecot/users:$ln: error: \[dovecot-no-home\] .*johndoe@andromed.cloud" "$tmp/lint" ||
	no "lint: no dovecot-no-home for johndoe@ at users:$ln: $(grep johndoe "$tmp/lint")"
auth_test johndoe@andromed.cloud 'MotDePasse123!' || no "doveadm auth test johndoe@"
n=$(imap_login johndoe@andromed.cloud 'MotDePasse123!' 2>&1) &&
	no "Dovecot opened johndoe's INBOX without a home: $n"
# Dovecot's log process writes the line after the session ends: give it 5 s.
i=0
while ! grep -q "imap(johndoe@andromed.cloud).*Home directory not set for user. Can't expand ~/ for mail root dir" "$SB_DLOG" &&
	[ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "imap(johndoe@andromed.cloud).*Home directory not set for user. Can't expand ~/ for mail root dir" "$SB_DLOG" ||
	no "Dovecot did not log why johndoe's INBOX failed: $(tail -3 "$SB_DLOG")"

# A home that is not where Postfix delivers: lint names the vmailbox line.
sed -i "s|^\(zoe@andromed.cloud:[^:]*:5000:5000::\)[^:]*|\1$d/elsewhere|" "$d/etc/dovecot/users"
sandbox_vmailadm lint >"$tmp/lint" 2>&1
ln=$(grep -n '^zoe@andromed.cloud' "$d/etc/postfix/vmailbox" | cut -d: -f1)
grep -q "^$d/etc/postfix/vmailbox:$ln: error: \[dovecot-path-mismatch\] Postfix delivers zoe@andromed.cloud to $d/vhosts/andromed.cloud/zoe/Maildir but Dovecot reads $d/elsewhere/Maildir" "$tmp/lint" ||
	no "lint: no mismatch for zoe@ at vmailbox:$ln: $(grep zoe "$tmp/lint")"

# Dovecot's first_valid_uid above the vmail uid: lint says every login
# fails, and the real Dovecot indeed refuses zoe's mailbox.
sed -i "s|^\(zoe@andromed.cloud:[^:]*:5000:5000::\)[^:]*|\1$d/vhosts/andromed.cloud/zoe|" "$d/etc/dovecot/users"
sed -i 's/^first_valid_uid = .*/first_valid_uid = 6000/' "$SB_DC"
doveadm -c "$SB_DC" reload || no "doveadm reload"
sandbox_vmailadm lint >"$tmp/lint" 2>&1
grep -q "^$SB_DC: error: \[vmail-uid-below-dovecot-minimum\] the vmail uid 5000 is below Dovecot's first_valid_uid = 6000" "$tmp/lint" ||
	no "lint: no first_valid_uid error: $(grep -i dovecot.conf "$tmp/lint")"
n=$(imap_login zoe@andromed.cloud Zoe-passw0rd-1 2>&1) && no "Dovecot opened zoe's INBOX with uid 5000 < first_valid_uid 6000: $n"
grep -q "UID 5000 not permitted (see first_valid_uid" "$SB_DLOG" || no "Dovecot did not log first_valid_uid: $(tail -3 "$SB_DLOG")"

[ "$fail" -eq 0 ] && echo "ok: a new mailbox in Dovecot's ~/Maildir layout is found by doveadm, IMAP and SMTP delivery"
exit $fail
