#!/bin/sh
# An alias written over continuation lines (virtual_alias and /etc/aliases,
# as many servers have them), or a main.cf list, keeps those lines through
# an edit: a target
# added goes at the end of the last line, one removed leaves only the line
# that held it, a renamed mailbox changes only the word naming it. Before,
# the entry was rewritten on one line (alias add even kept the indentation
# of the lines it joined: "a,    b,    c"); every other line stays byte for
# byte.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
va="$d/etc/postfix/virtual_alias"
al="$d/etc/aliases"
# equipe over three lines, ops in /etc/aliases over two (a tab-indented one).
sed -i 's/^equipe@andromed.cloud .*$/equipe@andromed.cloud        johndoe@andromed.cloud,\n    janedoe@andromed.cloud,\n    support@andromed.cloud/' "$va"
printf 'ops: johndoe@andromed.cloud, janedoe@andromed.cloud,\n\t"|/usr/bin/logger", /var/log/ops.mbox\n' >>"$al"
grep -q '^    support@andromed.cloud$' "$va" || { echo "FAIL: the fixture did not change"; exit 1; }

# expect FILE SED: FILE must now be its copy taken in $tmp/prev with SED
# applied, byte for byte; then the copy follows it.
snap() { cp "$va" "$tmp/va.prev"; cp "$al" "$tmp/al.prev"; }
expect() {
	sed "$2" "$tmp/$1.prev" >"$tmp/$1.want"
	f=$va; [ "$1" = al ] && f=$al
	cmp -s "$f" "$tmp/$1.want" || no "$3: $(diff "$tmp/$1.want" "$f" | head -8)"
}
snap
for quick in 0 ""; do
	# the quick path (files read in part) gives the same plan
	VMAILADM_EXCERPT_MIN=$quick v alias add equipe@andromed.cloud contact@andromed.cloud --dry-run >"$tmp/p$quick" 2>&1
done
cmp -s "$tmp/p0" "$tmp/p" || no "quick and full plans differ: $(diff "$tmp/p0" "$tmp/p")"
v alias add equipe@andromed.cloud contact@andromed.cloud >"$tmp/out" 2>&1 || no "alias add: $(cat "$tmp/out")"
expect va 's/^    support@andromed.cloud$/    support@andromed.cloud, contact@andromed.cloud/' "alias add"
snap
v alias del equipe@andromed.cloud janedoe@andromed.cloud >"$tmp/out" 2>&1 || no "alias del (middle): $(cat "$tmp/out")"
expect va '/^    janedoe@andromed.cloud,$/d' "alias del of a line's only target"
snap
v alias del equipe@andromed.cloud contact@andromed.cloud support@andromed.cloud >"$tmp/out" 2>&1 ||
	no "alias del (last line): $(cat "$tmp/out")"
# the last line goes, and the line before it loses the comma that led to it
expect va '/^    support@andromed.cloud, contact@andromed.cloud$/d; s/^equipe@andromed.cloud        johndoe@andromed.cloud,$/equipe@andromed.cloud        johndoe@andromed.cloud/' \
	"alias del of the last line"
v alias add equipe@andromed.cloud janedoe@andromed.cloud >/dev/null 2>&1 || no "alias add janedoe"
printf '    admin@andromed.cloud\n' >"$tmp/cont"
sed -i "/^equipe@andromed.cloud /r $tmp/cont" "$va"
sed -i 's/^\(equipe@andromed.cloud .*\)$/\1,/' "$va"
grep -q '^equipe@andromed.cloud        johndoe@andromed.cloud, janedoe@andromed.cloud,$' "$va" ||
	no "fixture: $(grep -A1 '^equipe' "$va")"
snap
v mailbox rename johndoe@andromed.cloud john@andromed.cloud >"$tmp/out" 2>&1 || no "rename: $(cat "$tmp/out")"
expect va 's/^\(equipe@andromed.cloud        \)johndoe@andromed.cloud, /\1john@andromed.cloud, /; s/^\(info@andromed.cloud  *\)johndoe@/\1john@/' \
	"rename in virtual_alias"
expect al 's/^ops: johndoe@andromed.cloud,/ops: john@andromed.cloud,/' "rename in /etc/aliases"
v list aliases andromed.cloud >"$tmp/out" 2>&1
grep -q '^equipe@andromed.cloud  *john@andromed.cloud, janedoe@andromed.cloud, admin@andromed.cloud ' "$tmp/out" ||
	no "list aliases: $(grep equipe "$tmp/out")"

# main.cf: a restriction list over continuation lines gets send-as's
# restriction in front of its first item, on that item's line, and loses
# it again the same way (it was all rewritten on one line).
mc="$d/etc/postfix/main.cf"
printf 'smtpd_sender_restrictions =\n    permit_mynetworks,\n    reject_non_fqdn_sender\n# end\n' >>"$mc"
cp "$mc" "$tmp/mc.before"
v sendas enable >"$tmp/out" 2>&1 || no "sendas enable: $(cat "$tmp/out")"
sed 's/^    permit_mynetworks,$/    reject_authenticated_sender_login_mismatch, permit_mynetworks,/' "$tmp/mc.before" >"$tmp/mc.want"
grep -v '^smtpd_sender_login_maps = ' "$mc" | cmp -s - "$tmp/mc.want" ||
	no "sendas enable: $(diff "$tmp/mc.want" "$mc" | head -8)"
v sendas disable >"$tmp/out" 2>&1 || no "sendas disable: $(cat "$tmp/out")"
cmp -s "$mc" "$tmp/mc.before" || no "sendas disable: main.cf is not as before: $(diff "$tmp/mc.before" "$mc" | head -8)"
[ "$fail" -eq 0 ] && echo "ok: edits of an alias or a main.cf list over continuation lines keep its lines"
exit $fail
