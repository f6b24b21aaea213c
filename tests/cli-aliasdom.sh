#!/bin/sh
# Alias domains from the command line (issue 15): `domain add B --alias-of
# A` shows its diff, writes one line per address (never a wildcard) at
# the end of virtual_alias after a blank line, the
# map is built with them, later edits keep B in step, `apply` and the
# tracer follow, and `domain del A` is refused while B mirrors it.
. "${top_srcdir:-.}/tests/lib.sh"
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
demo_world
printf 'postmap: %s\npostalias: %s\n' "$(command -v postmap)" "$(command -v postalias || echo postalias)" \
	>>"$d/vmailadm.yaml"
pf="$d/etc/postfix"
for m in vmailbox virtual_alias virtual_domains; do postmap -c "$pf" "hash:$pf/$m" || exit 99; done
before=$(sums)

# ---- the dry run: the diff, nothing written ----------------------------
v domain add b.example --alias-of andromed.cloud --dry-run >"$tmp/out" 2>&1 || no "dry run: $(cat "$tmp/out")"
grep -q '^+johndoe@b\.example  *johndoe@andromed\.cloud$' "$tmp/out" || no "dry run: no johndoe line: $(cat "$tmp/out")"
grep -q '^+equipe@b\.example  *equipe@andromed\.cloud$' "$tmp/out" || no "dry run: no line for the alias equipe"
grep -q '^+@b\.example' "$tmp/out" && no "dry run: a wildcard line"
grep -q 'never a wildcard' "$tmp/out" || no "dry run: no note on the wildcard"
[ "$(sums)" = "$before" ] || no "dry run changed a file"

# ---- the commit: files and map -------------------------------------------
cp "$pf/virtual_alias" "$tmp/va.before"
v domain add b.example --alias-of andromed.cloud >"$tmp/out" 2>&1 || no "commit: $(cat "$tmp/out")"
# B's lines go at the end after a blank line, every line before kept: not
# under the last domain's "# Domaine : ascent.cloud" block as if its own.
n=$(wc -l <"$tmp/va.before")
head -n "$n" "$pf/virtual_alias" | cmp -s - "$tmp/va.before" || no "virtual_alias: the lines before changed"
sed -n "$((n + 1))p" "$pf/virtual_alias" | grep -q '^$' ||
	no "virtual_alias: b.example's lines not apart: $(sed -n "$((n - 1)),$((n + 3))p" "$pf/virtual_alias")"
[ "$(tail -n +"$((n + 2))" "$pf/virtual_alias" | grep -vc '^[a-z]*@*b\.example ')" -eq 0 ] ||
	no "virtual_alias: other lines after b.example's: $(tail -n +"$((n + 1))" "$pf/virtual_alias")"
grep -q "^committed" "$tmp/out" || no "not committed: $(cat "$tmp/out")"
[ "$(postmap -c "$pf" -q johndoe@b.example "hash:$pf/virtual_alias")" = johndoe@andromed.cloud ] ||
	no "virtual_alias.db: no johndoe@b.example"
postmap -c "$pf" -q @b.example "hash:$pf/virtual_alias" >/dev/null && no "virtual_alias.db: a wildcard"
postmap -c "$pf" -q b.example "hash:$pf/virtual_alias" >/dev/null || no "virtual_alias.db: no domain line"

# ---- list domains: under its target; JSON ------------------------------------
v list domains >"$tmp/out" 2>&1 || no "list domains: $(cat "$tmp/out")"
sed -n 2,3p "$tmp/out" | awk '{ print $1 }' | tr '\n' ' ' | grep -qx 'andromed.cloud b.example ' ||
	no "list domains: b.example not under andromed.cloud: $(cat "$tmp/out")"
grep -q '^  b\.example  *alias domain of andromed\.cloud ' "$tmp/out" || no "list domains: no alias class: $(cat "$tmp/out")"
v list domains --json >"$tmp/json" 2>&1 || no "list domains --json"
python3 -c 'import json,sys
d = {x["domain"]: x for x in json.load(open(sys.argv[1]))}
assert d["b.example"]["alias_of"] == "andromed.cloud", d["b.example"]
assert d["andromed.cloud"]["alias_domains"] == ["b.example"]
assert d["andromed.cloud"]["alias_of"] is None
assert d["ascent.cloud"]["alias_domains"] == []' "$tmp/json" || no "list domains --json: alias_of / alias_domains"

# ---- kept in step, through apply -------------------------------------------
printf '%s\n' 'mailbox add zoe@andromed.cloud' 'alias del info@andromed.cloud' >"$tmp/batch"
v apply "$tmp/batch" >"$tmp/out" 2>&1 || no "apply: $(cat "$tmp/out")"
grep -q '^+zoe@b\.example' "$tmp/out" || no "apply: zoe's line not in the diff"
grep -q '^-info@b\.example' "$tmp/out" || no "apply: info's line not removed in the diff"
[ "$(postmap -c "$pf" -q zoe@b.example "hash:$pf/virtual_alias")" = zoe@andromed.cloud ] ||
	no "virtual_alias.db: no zoe@b.example"
postmap -c "$pf" -q info@b.example "hash:$pf/virtual_alias" >/dev/null && no "virtual_alias.db: info@b.example stayed"

# ---- the batch file form of the edit itself ---------------------------------
printf '%s\n' 'domain add c.example --alias-of ascent.cloud' >"$tmp/batch"
v apply "$tmp/batch" >"$tmp/out" 2>&1 || no "apply domain add --alias-of: $(cat "$tmp/out")"
grep -q '^contact@c\.example  *contact@ascent\.cloud$' "$pf/virtual_alias" || no "apply: c.example not written"

# ---- the tracer follows the lines; an unknown user is refused -----------------
v trace zoe@b.example >"$tmp/out" 2>&1
grep -q 'zoe@b\.example.*→ zoe@andromed\.cloud' "$tmp/out" || no "trace: no alias step: $(cat "$tmp/out")"
grep -q '=> zoe@andromed\.cloud: maildir' "$tmp/out" || no "trace: not zoe's maildir: $(cat "$tmp/out")"
v trace nobody@b.example >"$tmp/out" 2>&1
grep -q 'reject 5\.1\.1' "$tmp/out" || no "trace: unknown user of b.example not refused: $(cat "$tmp/out")"

# ---- domain del ------------------------------------------------------------------
before=$(sums)
v domain del andromed.cloud --cascade --dry-run >/dev/null 2>&1 || no "domain del --cascade --dry-run refused"
v domain del andromed.cloud >/dev/null 2>"$tmp/err"; rc=$?
check_refused "domain del of a mirrored domain" 'mirrored by the alias domains b\.example'
v domain del c.example >"$tmp/out" 2>&1 || no "domain del of an alias domain: $(cat "$tmp/out")"
grep -q 'c\.example' "$pf/virtual_alias" && no "c.example's lines stayed"
exit $fail
