#!/bin/sh
# A server not built the course's way, met through lint: what each
# finding tells the admin to change must be where the fact is written.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
# A mailbox whose passwd-file line gives its own mail location (userdb_mail),
# elsewhere than where Postfix delivers: the fix names that line's field,
# not the dovecot_mail_location setting, which is not what decides here.
printf 'odd@ascent.cloud:{SHA512-CRYPT}$6$abc$def:5000:5000:Odd User:/srv/mail/odd::userdb_mail=maildir:/srv/mail/odd/Maildir\n' \
	>>"$d/etc/dovecot/users"
n=$(wc -l <"$d/etc/dovecot/users")
printf 'odd@ascent.cloud             ascent.cloud/odd/\n' >>"$d/etc/postfix/vmailbox"
v lint >"$tmp/out" 2>&1
grep 'dovecot-path-mismatch' "$tmp/out" >"$tmp/m" || no "no dovecot-path-mismatch: $(cat "$tmp/out")"
grep -q "fix: make the vmailbox path and the userdb_mail field of $d/etc/dovecot/users:$n (maildir:/srv/mail/odd/Maildir) agree" "$tmp/m" ||
	no "the fix does not name the passwd-file line: $(cat "$tmp/m")"
# a mailbox that follows the setting: the fix names the setting
sed -i '$d' "$d/etc/dovecot/users"
sed -i 's|^dovecot_mail_location:.*|dovecot_mail_location: "maildir:/srv/elsewhere/%d/%n"|' "$d/vmailadm.yaml"
v lint >"$tmp/out" 2>&1
grep -q "johndoe@andromed.cloud.*fix: make the vmailbox path and dovecot_mail_location (maildir:/srv/elsewhere/%d/%n) agree" "$tmp/out" ||
	no "the setting's case: $(grep johndoe "$tmp/out" | grep mismatch)"
[ "$fail" -eq 0 ] && echo "ok: lint's fixes name where the fact is written"
exit $fail
