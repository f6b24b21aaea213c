#!/bin/sh
# A server whose layout is not the course's (issue 14): a new mailbox's map
# value, and so its maildir, follow the layout of the entry it goes next to
# (its domain's last, else the file's last) and the plan says so; a domain
# in the course's layout keeps it.
. "${top_srcdir:-.}/tests/lib.sh"
d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>&1 || { echo "FAIL: vmailadm demo"; exit 1; }
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
# Dovecot's location unknown (the built-in default): the neighbours alone
# decide (tests/cli-dovelayout.sh has Dovecot's word).
sed -i '/^dovecot_mail_location:/d' "$d/vmailadm.yaml"
# andromed.cloud in the "user@domain/Maildir/" layout; ascent.cloud as the course.
sed -i 's|^\([a-z]*\)@andromed.cloud\( *\)andromed.cloud/\([a-z]*\)/$|\1@andromed.cloud\2\1@andromed.cloud/Maildir/|' \
	"$d/etc/postfix/vmailbox"
grep -q '^johndoe@andromed.cloud  *johndoe@andromed.cloud/Maildir/$' "$d/etc/postfix/vmailbox" ||
	{ echo "FAIL: the fixture did not change the layout"; exit 1; }

v mailbox add zoe@andromed.cloud --dry-run >"$tmp/out" 2>&1
grep -q '^+zoe@andromed.cloud  *zoe@andromed.cloud/Maildir/$' "$tmp/out" || no "andromed.cloud: not its layout: $(grep '^+' "$tmp/out")"
grep -q "create maildir $d/vhosts/zoe@andromed.cloud/Maildir " "$tmp/out" || no "andromed.cloud: the maildir is not where the map points"
grep -q "note: zoe@andromed.cloud goes to zoe@andromed.cloud/Maildir/, in the layout of the mailboxes already there (not the course's andromed.cloud/zoe/)" "$tmp/out" ||
	no "no note about the layout"

v mailbox add bob@ascent.cloud --dry-run >"$tmp/out" 2>&1
grep -q '^+bob@ascent.cloud  *ascent.cloud/bob/$' "$tmp/out" || no "ascent.cloud lost its own layout: $(grep '^+' "$tmp/out")"
grep -q "in the layout of the mailboxes" "$tmp/out" && no "a note for the course's layout"

# A new domain has no entry of its own: it goes after the file's last
# entry, in that entry's layout (ascent.cloud is last: the course's; then
# andromed's layout at the end of the file makes it andromed's).
v domain add new.example >/dev/null 2>&1 || no "domain add new.example"
v mailbox add bea@new.example --dry-run >"$tmp/out" 2>&1
grep -q '^+bea@new.example  *new.example/bea/$' "$tmp/out" || no "new.example: not the last entry's layout: $(grep '^+' "$tmp/out")"
printf 'last@andromed.cloud    last@andromed.cloud/Maildir/\n' >>"$d/etc/postfix/vmailbox"
v mailbox add amy@new.example >"$tmp/out" 2>&1 || no "mailbox add amy@new.example: $(cat "$tmp/out")"
grep -q '^amy@new.example  *amy@new.example/Maildir/$' "$d/etc/postfix/vmailbox" || no "new.example: not the server's layout"
[ -d "$d/vhosts/amy@new.example/Maildir/new" ] || no "the maildir was not made where the map points"
# The quick path (files read in part) gives the same answer as the full one.
VMAILADM_EXCERPT_MIN=0 v mailbox add zoe@andromed.cloud --dry-run >"$tmp/quick" 2>&1
v mailbox add zoe@andromed.cloud --dry-run >"$tmp/full" 2>&1
grep -q '^+zoe@andromed.cloud  *zoe@andromed.cloud/Maildir/$' "$tmp/quick" || no "quick path: not the neighbour's layout"
cmp -s "$tmp/quick" "$tmp/full" || no "the quick and the full path differ: $(diff "$tmp/quick" "$tmp/full")"
[ "$fail" -eq 0 ] && echo "ok: new mailboxes follow the layout already there"
exit $fail
