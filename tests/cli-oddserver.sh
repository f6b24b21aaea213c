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

# /etc/aliases delivering to a virtual mailbox: show names the system
# alias beside the virtual ones (it named only those), text and JSON.
printf 'ops: johndoe@andromed.cloud,\n\tJaneDoe@andromed.cloud\n' >>"$d/etc/aliases"
l=$(wc -l <"$d/etc/aliases")
v show janedoe@andromed.cloud >"$tmp/out" 2>&1
grep -q "^                         ops (system alias, $d/etc/aliases:$((l - 1)))\$" "$tmp/out" ||
	no "show: the system alias: $(grep -A3 'aliased from' "$tmp/out")"
v show admin@andromed.cloud --json 2>/dev/null | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["system_aliased_from"] == ["root"], o["system_aliased_from"]
' || no "show --json: system_aliased_from"

# An address pasted in its FQDN form (a trailing dot): show drops the dot
# as Postfix does, and says so (it said the address was not known).
v show JohnDoe@andromed.cloud. >"$tmp/out" 2>"$tmp/err" || no "show with a trailing dot: $(cat "$tmp/err")"
head -1 "$tmp/out" | grep -qx 'johndoe@andromed.cloud' || no "show with a trailing dot: $(head -3 "$tmp/out")"
grep -q "note: JohnDoe@andromed.cloud. is written johndoe@andromed.cloud" "$tmp/err" || no "no note for the trailing dot: $(cat "$tmp/err")"

# A pcre: mailbox map beside the hash: one: its entries are not listed,
# which lint says as a note (not a syntax problem with "fix: correct the
# line": nothing is wrong in that file).
pf="$d/etc/postfix"
printf '/^bob\\+.*@ascent\\.cloud$/ ascent.cloud/bob/\n' >"$pf/vmailbox.pcre"
sed -i "s|^virtual_mailbox_maps = .*|virtual_mailbox_maps = hash:$pf/vmailbox,\n    pcre:$pf/vmailbox.pcre|" "$pf/main.cf"
v lint >"$tmp/out" 2>&1
grep "vmailbox.pcre" "$tmp/out" >"$tmp/m"
grep -q "^$pf/vmailbox.pcre: info: \[not-modelled\] pattern table: its entries are not listed as mailboxes\$" "$tmp/m" ||
	no "the pattern table's note: $(cat "$tmp/m")"
v lint --json 2>/dev/null | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["file"].endswith("vmailbox.pcre")]
assert len(p) == 1 and p[0]["rule"] == "not-modelled" and p[0]["fix"] == "", p
' || no "lint --json: the pattern table's note"
v trace bob+x@ascent.cloud >"$tmp/out" 2>&1
grep -q "=> bob+x@ascent.cloud: maildir $d/vhosts/ascent.cloud/bob/" "$tmp/out" || no "trace through the pcre map: $(cat "$tmp/out")"

# Two hash mailbox maps, a domain's mailboxes all in the second: a new
# one joins them there (it went to the first map, away from its domain's
# entries), on the full and the quick path.
printf 'other.example OK\n' >>"$pf/virtual_domains"
printf '# second map\nbob@other.example    other.example/bob/\n' >"$pf/vmailbox2"
sed -i "s|^virtual_mailbox_maps = .*|virtual_mailbox_maps = hash:$pf/vmailbox hash:$pf/vmailbox2|" "$pf/main.cf"
for quick in 0 ""; do
	VMAILADM_EXCERPT_MIN=$quick v mailbox add carol@other.example --dry-run >"$tmp/out" 2>&1
	grep -q "^+++ $pf/vmailbox2\$" "$tmp/out" && grep -q '^+carol@other.example  *other.example/carol/$' "$tmp/out" ||
		no "quick=$quick: carol is not added to vmailbox2: $(grep '^[-+]' "$tmp/out")"
done
v mailbox add carol@other.example >"$tmp/out" 2>&1 || no "mailbox add carol: $(cat "$tmp/out")"
v show carol@other.example >"$tmp/out" 2>&1
grep -q "vmailbox: *$pf/vmailbox2:3: other.example/carol/" "$tmp/out" || no "show carol: $(cat "$tmp/out")"
v mailbox add dan@andromed.cloud --dry-run >"$tmp/out" 2>&1
grep -q "^+++ $pf/vmailbox\$" "$tmp/out" || no "andromed.cloud's new mailbox left the first map"

# Pattern tables listed first (plus addressing, a rule for a whole
# domain): a new mailbox or alias goes to the first table that takes a key
# (it went to the pcre file, refused as "not a valid key for this table":
# nothing could be added); one a rule of such a table answers for first
# would never be read, and is refused naming that rule.
printf '/^bob.*@ascent\\.cloud$/ ascent.cloud/bob/\n' >"$pf/vmailbox.pcre"
printf '/^x.*@andromed\\.cloud$/ johndoe@andromed.cloud\n' >"$pf/va.pcre"
sed -i "/^    pcre:/d; s|^virtual_mailbox_maps = .*|virtual_mailbox_maps = pcre:$pf/vmailbox.pcre, hash:$pf/vmailbox|; s|^virtual_alias_maps = .*|virtual_alias_maps = pcre:$pf/va.pcre hash:$pf/virtual_alias|" "$pf/main.cf"
cp "$pf/vmailbox" "$tmp/vmailbox.before"
v mailbox add zoe@ascent.cloud >"$tmp/out" 2>&1 || no "mailbox add with a pattern table first: $(cat "$tmp/out")"
printf 'zoe@ascent.cloud             ascent.cloud/zoe/\n' | cat "$tmp/vmailbox.before" - | cmp -s - "$pf/vmailbox" ||
	no "zoe is not the hash map's last line: $(diff "$tmp/vmailbox.before" "$pf/vmailbox")"
v alias add sales@andromed.cloud johndoe@andromed.cloud >"$tmp/out" 2>&1 || no "alias add with a pattern table first: $(cat "$tmp/out")"
grep -q '^sales@andromed.cloud  *johndoe@andromed.cloud$' "$pf/virtual_alias" || no "sales is not in virtual_alias"
before=$(sums)
v mailbox add bobby@ascent.cloud >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "a mailbox a pattern rule answers for" "^$pf/vmailbox.pcre:1: error: bobby@ascent.cloud would never be read in $pf/vmailbox"
v alias add xavier@andromed.cloud admin@andromed.cloud >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "an alias a pattern rule answers for" "^$pf/va.pcre:1: error: xavier@andromed.cloud would never be read in $pf/virtual_alias"
[ "$fail" -eq 0 ] && echo "ok: lint's fixes name where the fact is written"
exit $fail
