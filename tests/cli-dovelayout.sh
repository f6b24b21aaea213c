#!/bin/sh
# A new mailbox goes where Postfix's map points and Dovecot looks (issue 14),
# on a demo tree without servers: an absolute mail_location names the
# maildir itself; a home-relative one (~/Maildir) gets a map value ending in
# Maildir/ and a home in the passwd-file line; a static userdb's home= fixes
# the home instead. The plan's notes say which layout was followed and why.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
hash=$(sed -n 's/^johndoe@andromed.cloud:\([^:]*\):.*/\1/p' "$d/etc/dovecot/users")
setloc() { # setloc LOCATION: the file's dovecot_mail_location
	sed -i '/^dovecot_mail_location:/d' "$d/vmailadm.yaml"
	printf 'dovecot_mail_location: "%s"\n' "$1" >>"$d/vmailadm.yaml"
}
ln=$(($(wc -l <"$d/vmailadm.yaml")))

# Absolute, and not the neighbours' layout: Dovecot's word wins, and says so.
setloc "maildir:$d/vhosts/%d/%n/Maildir"
v mailbox add zoe@andromed.cloud --password-hash "$hash" --dry-run >"$tmp/out" 2>&1 || no "add (absolute): $(cat "$tmp/out")"
grep -q '^+zoe@andromed.cloud  *andromed.cloud/zoe/Maildir/$' "$tmp/out" || no "absolute: value $(grep '^+zoe' "$tmp/out")"
grep -q "note: zoe@andromed.cloud goes to andromed.cloud/zoe/Maildir/, where Dovecot looks (mail_location maildir:$d/vhosts/%d/%n/Maildir, $d/vmailadm.yaml:$ln), not andromed.cloud/zoe/" "$tmp/out" ||
	no "absolute: no note: $(grep note "$tmp/out")"
grep -q '^+zoe@andromed.cloud:{SHA512-CRYPT}[^:]*:5000:5000:::$' "$tmp/out" || no "absolute: a home was written: $(grep '^+zoe' "$tmp/out")"

# The same as the neighbours: no note at all.
setloc "maildir:$d/vhosts/%d/%n"
v mailbox add zoe@andromed.cloud --password-hash "$hash" --dry-run >"$tmp/out" 2>&1 || no "add (agreeing)"
grep -q '^+zoe@andromed.cloud  *andromed.cloud/zoe/$' "$tmp/out" || no "agreeing: value $(grep '^+zoe' "$tmp/out")"
grep -q 'note: zoe@' "$tmp/out" && no "agreeing: a note: $(grep note "$tmp/out")"

# Home-relative: the value ends in Maildir/, the line carries the home.
setloc "maildir:~/Maildir"
v mailbox add zoe@andromed.cloud --password-hash "$hash" >"$tmp/out" 2>&1 || no "add (home): $(cat "$tmp/out")"
grep -q '^zoe@andromed.cloud  *andromed.cloud/zoe/Maildir/$' "$d/etc/postfix/vmailbox" || no "home: value"
grep -q "^zoe@andromed.cloud:{SHA512-CRYPT}[^:]*:5000:5000::$d/vhosts/andromed.cloud/zoe:" "$d/etc/dovecot/users" ||
	no "home: line $(grep '^zoe@' "$d/etc/dovecot/users")"
[ -d "$d/vhosts/andromed.cloud/zoe/Maildir/cur" ] || no "home: the maildir"
grep -q "note: zoe@andromed.cloud gets the home $d/vhosts/andromed.cloud/zoe in the passwd-file: Dovecot's mail_location maildir:~/Maildir ($d/vmailadm.yaml:$ln) is relative to the home" "$tmp/out" ||
	no "home: no note: $(grep note "$tmp/out")"
v lint >"$tmp/lint" 2>&1
grep 'zoe@' "$tmp/lint" | grep -q 'dovecot-' && no "lint on the new mailbox: $(grep zoe@ "$tmp/lint")"
grep -q "users:[0-9]*: error: \[dovecot-no-home\] .*johndoe@andromed.cloud" "$tmp/lint" || no "lint: johndoe@ has no home"
# The next one follows zoe's layout (now the domain's last entry): its
# value already ends in Maildir/.
v mailbox add amy@andromed.cloud --password-hash "$hash" --dry-run >"$tmp/out" 2>&1 || no "add amy"
grep -q '^+amy@andromed.cloud  *andromed.cloud/amy/Maildir/$' "$tmp/out" || no "amy: value $(grep '^+amy' "$tmp/out")"
grep -q "^+amy@andromed.cloud:.*:5000:5000::$d/vhosts/andromed.cloud/amy:" "$tmp/out" || no "amy: home"
# The quick path (files read in part) answers the same.
VMAILADM_EXCERPT_MIN=0 v mailbox add amy@andromed.cloud --password-hash "$hash" --dry-run >"$tmp/quick" 2>&1
sed 's/\$6\$[^:]*//' "$tmp/quick" >"$tmp/q"; sed 's/\$6\$[^:]*//' "$tmp/out" >"$tmp/f"
cmp -s "$tmp/q" "$tmp/f" || no "quick and full paths differ: $(diff "$tmp/q" "$tmp/f")"
# A mailbox that had no password gets its home with the first one.
v mailbox add bea@andromed.cloud >/dev/null 2>&1 || no "add bea without password"
grep -q '^bea@' "$d/etc/dovecot/users" && no "bea@ has a line without a password"
v mailbox passwd bea@andromed.cloud --password-hash "$hash" >"$tmp/out" 2>&1 || no "passwd bea: $(cat "$tmp/out")"
grep -q "^bea@andromed.cloud:.*::$d/vhosts/andromed.cloud/bea:" "$d/etc/dovecot/users" ||
	no "bea: no home with the password: $(grep '^bea@' "$d/etc/dovecot/users")"

# A userdb that fixes every home (Dovecot's answer, through doveconf): no
# home in the line, the value where that home's Maildir is.
if command -v doveconf >/dev/null 2>&1; then
	sed -i '/^dovecot_mail_location:/d' "$d/vmailadm.yaml"
	cat >"$d/etc/dovecot/dovecot.conf" <<EOF
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = $d/etc/dovecot/users
}
userdb {
  driver = static
  args = uid=5000 gid=5000 home=$d/vhosts/%d/%n/home
}
EOF
	v mailbox add cy@ascent.cloud --password-hash "$hash" --dry-run >"$tmp/out" 2>&1 || no "add cy: $(cat "$tmp/out")"
	grep -q '^+cy@ascent.cloud  *ascent.cloud/cy/home/Maildir/$' "$tmp/out" || no "static: value $(grep '^+cy' "$tmp/out")"
	grep -q '^+cy@ascent.cloud:{SHA512-CRYPT}[^:]*:5000:5000:::$' "$tmp/out" || no "static: a home was written"
	grep -q "where Dovecot looks (mail_location maildir:~/Maildir, doveconf $d/etc/dovecot/dovecot.conf)" "$tmp/out" ||
		no "static: no note: $(grep note "$tmp/out")"
	v lint >"$tmp/lint" 2>&1
	grep -q 'vmail-uid-below-dovecot-minimum' "$tmp/lint" && no "first_valid_uid 500 (the default) < 5000: $(grep dovecot-minimum "$tmp/lint")"
	echo 'first_valid_uid = 6000' >>"$d/etc/dovecot/dovecot.conf"
	v lint >"$tmp/lint" 2>&1
	grep -q "^$d/etc/dovecot/dovecot.conf: error: \[vmail-uid-below-dovecot-minimum\] the vmail uid 5000 is below Dovecot's first_valid_uid = 6000" "$tmp/lint" ||
		no "lint: no first_valid_uid error: $(grep dovecot.conf "$tmp/lint")"
fi
# Lines that say themselves where the mail is (a home and userdb_mail, as
# on a server built without a global mail_location), Dovecot's own location
# not known: the new line says the same for its user. It used to get
# neither, so Dovecot looked elsewhere and lint called the new mailbox's
# mail lost.
rm -rf "$d"; demo_world
sed -i '/^dovecot_mail_location:/d' "$d/vmailadm.yaml"
sed -i 's#^\(admin@andromed.cloud  *andromed.cloud/admin/\)$#\1Maildir/#' "$d/etc/postfix/vmailbox"
sed -i "s#^\(admin@andromed.cloud:[^:]*:5000:5000:\):.*#\1:$d/vhosts/andromed.cloud/admin::userdb_mail=maildir:~/Maildir#" "$d/etc/dovecot/users"
mkdir -p "$d/vhosts/andromed.cloud/admin/Maildir"
v mailbox add kim@andromed.cloud --password-hash "$hash" --quota 1G --dry-run >"$tmp/out" 2>&1 || no "add kim: $(cat "$tmp/out")"
grep -q '^+kim@andromed.cloud  *andromed.cloud/kim/Maildir/$' "$tmp/out" || no "kim: value $(grep '^+kim' "$tmp/out")"
grep -q "^+kim@andromed.cloud:{SHA512-CRYPT}[^:]*:5000:5000::$d/vhosts/andromed.cloud/kim::userdb_mail=maildir:~/Maildir userdb_quota_rule=\*:storage=1G$" "$tmp/out" ||
	no "kim: the line does not follow admin's: $(grep '^+kim@' "$tmp/out")"
grep -q "note: kim@andromed.cloud follows admin@andromed.cloud next to it in the passwd-file (home $d/vhosts/andromed.cloud/kim, userdb_mail=maildir:~/Maildir): Dovecot then reads $d/vhosts/andromed.cloud/kim/Maildir" "$tmp/out" ||
	no "kim: no note: $(grep note "$tmp/out")"
VMAILADM_EXCERPT_MIN=0 v mailbox add kim@andromed.cloud --password-hash "$hash" --quota 1G --dry-run >"$tmp/quick" 2>&1
cmp -s "$tmp/quick" "$tmp/out" || no "kim: quick and full paths differ: $(diff "$tmp/quick" "$tmp/out")"
v mailbox add kim@andromed.cloud --password-hash "$hash" >/dev/null 2>&1 || no "add kim"
v lint >"$tmp/lint" 2>&1
grep 'kim@' "$tmp/lint" | grep -q 'dovecot-' && no "lint on kim: $(grep kim@ "$tmp/lint")"
# A mailbox without a passwd-file line gets one with its first password:
# it follows the neighbour too (uid and gid included), as mailbox add does.
v mailbox add max@andromed.cloud >/dev/null 2>&1 || no "add max without password"
v mailbox passwd max@andromed.cloud --password-hash "$hash" >"$tmp/out" 2>&1 || no "passwd max: $(cat "$tmp/out")"
grep -q "^max@andromed.cloud:{SHA512-CRYPT}[^:]*:5000:5000::$d/vhosts/andromed.cloud/max::userdb_mail=maildir:~/Maildir$" "$d/etc/dovecot/users" ||
	no "max: the line does not follow kim's: $(grep '^max@' "$d/etc/dovecot/users")"
v lint >"$tmp/lint" 2>&1
grep 'max@' "$tmp/lint" | grep -q 'dovecot-' && no "lint on max: $(grep max@ "$tmp/lint")"
# A neighbour whose home names its local part twice (a shared layout) is
# not followed: no guess.
sed -i "s#^\(max@andromed.cloud:[^:]*:5000:5000:\):[^:]*:#\1:$d/vhosts/max/max:#" "$d/etc/dovecot/users"
v mailbox add lou@andromed.cloud --password-hash "$hash" --dry-run >"$tmp/out" 2>&1 || no "add lou: $(cat "$tmp/out")"
grep -q '^+lou@andromed.cloud:{SHA512-CRYPT}[^:]*:5000:5000:::$' "$tmp/out" || no "lou: $(grep '^+lou@' "$tmp/out")"
exit $fail
