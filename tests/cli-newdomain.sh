#!/bin/sh
# A new domain's first entries start apart: the first mailbox of a domain
# with no entry yet goes at the end of vmailbox and of the passwd-file, and
# its first alias at the end of virtual_alias, after a blank line (the old
# code put them right under the last domain's block, where they read as
# part of it, under its "# Domaine : ..." comment); the domain's next
# entries go next to it, every line already there stays byte for byte, a
# file that ends blank gets no second blank line, and the quick path (the
# large files read in part) writes the same.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
pf="$d/etc/postfix"
users="$d/etc/dovecot/users"
# the line before the one starting with $2 in file $1
before_line() { awk -v k="$2" 'index($0, k) == 1 { print prev; exit } { prev = $0 }' "$1"; }
# file $1 starts with the bytes of file $2
keeps() { n=$(wc -c <"$2"); head -c "$n" "$1" | cmp -s - "$2"; }

h=$(sed -n 's/^admin@ascent.cloud:\([^:]*\):.*/\1/p' "$users")
v domain add new.example >/dev/null 2>&1 || no "domain add new.example"
for f in "$pf/vmailbox" "$pf/virtual_alias" "$users"; do cp "$f" "$tmp/$(basename "$f").old"; done
# the quick path writes the same plan as the full one
VMAILADM_EXCERPT_MIN=0 v mailbox add ann@new.example --password-hash "$h" --dry-run >"$tmp/quick" 2>&1
v mailbox add ann@new.example --password-hash "$h" --dry-run >"$tmp/full" 2>&1
cmp -s "$tmp/quick" "$tmp/full" || no "the quick and the full path differ: $(diff "$tmp/quick" "$tmp/full")"
grep -q '^+$' "$tmp/full" || no "the plan adds no blank line: $(grep '^[+-]' "$tmp/full")"
v mailbox add ann@new.example --password-hash "$h" >"$tmp/out" 2>&1 || no "mailbox add: $(cat "$tmp/out")"
v mailbox add bob@new.example --password-hash "$h" >"$tmp/out" 2>&1 || no "mailbox add bob: $(cat "$tmp/out")"
v alias add info@new.example ann@new.example >"$tmp/out" 2>&1 || no "alias add: $(cat "$tmp/out")"
for f in "$pf/vmailbox" "$users"; do
	[ -z "$(before_line "$f" ann@new.example)" ] || no "$f: ann@new.example not apart: $(tail -4 "$f")"
	[ "$(before_line "$f" bob@new.example | cut -c1-15)" = "ann@new.example" ] || no "$f: bob@new.example not next to ann: $(tail -4 "$f")"
	[ "$(grep -c '^$' "$f")" -eq $(($(grep -c '^$' "$tmp/$(basename "$f").old") + 1)) ] || no "$f: not one blank line more"
	keeps "$f" "$tmp/$(basename "$f").old" || no "$f: a line already there changed"
done
[ -z "$(before_line "$pf/virtual_alias" info@new.example)" ] || no "virtual_alias: info@new.example not apart: $(tail -4 "$pf/virtual_alias")"
keeps "$pf/virtual_alias" "$tmp/virtual_alias.old" || no "virtual_alias: a line already there changed"

# a file that ends with a blank line already gets no second one
v domain add other.example >/dev/null 2>&1 || no "domain add other.example"
printf '\n' >>"$pf/vmailbox"
n=$(grep -c '^$' "$pf/vmailbox")
v mailbox add cy@other.example --password-hash "$h" >"$tmp/out" 2>&1 || no "mailbox add cy: $(cat "$tmp/out")"
[ "$(grep -c '^$' "$pf/vmailbox")" -eq "$n" ] || no "vmailbox: a second blank line: $(tail -4 "$pf/vmailbox")"
exit $fail
