#!/bin/sh
# vmailadm forward set|clear (issue 15) on the demo tree with the real
# postmap: the copy said explicitly (neither flag, both: usage errors),
# --keep-copy keeps the mailbox a target of its own entry, --no-copy does
# not (noted, and lint warns while it has a login), clear removes it (an
# identity entry stays under a catch-all in the alias map, alias del too), refusals change
# nothing, apply takes the same lines; each one's --help names its own
# options only.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world_postmap
q() { postmap -c "$pf" -q "$1" "hash:$pf/virtual_alias"; }

v forward set janedoe@andromed.cloud boss@elsewhere.example >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || no "forward set without --keep-copy/--no-copy: exit $rc"
grep -q "needs --keep-copy .* or --no-copy" "$tmp/err" || no "no flag: $(cat "$tmp/err")"
v forward set janedoe@andromed.cloud boss@elsewhere.example --keep-copy --no-copy >"$tmp/out" 2>"$tmp/err"; rc=$?
grep -q "exclude each other" "$tmp/err" || no "both flags: $(cat "$tmp/err")"
for args in "info@andromed.cloud a@elsewhere.example" "janedoe@andromed.cloud janedoe@andromed.cloud" \
	"janedoe@andromed.cloud nobody@andromed.cloud" "janedoe@andromed.cloud equipe@andromed.cloud"; do
	# shellcheck disable=SC2086
	v forward set $args --keep-copy >"$tmp/out" 2>"$tmp/err"; rc=$?
	check_refused "forward set $args" "error: "
done
v forward clear janedoe@andromed.cloud >"$tmp/out" 2>"$tmp/err"; rc=$?
check_refused "forward clear of a mailbox that forwards nothing" "forwards nothing"

v forward set janedoe@andromed.cloud boss@elsewhere.example --keep-copy >"$tmp/out" 2>&1 || no "keep-copy: $(cat "$tmp/out")"
[ "$(q janedoe@andromed.cloud)" = "janedoe@andromed.cloud, boss@elsewhere.example" ] || no "keep-copy: $(q janedoe@andromed.cloud)"
v lint >"$tmp/out" 2>&1
grep -q "forward-without-copy" "$tmp/out" && no "lint warns of a forward with a copy"
v forward set janedoe@andromed.cloud boss@elsewhere.example --no-copy >"$tmp/out" 2>&1 || no "no-copy: $(cat "$tmp/out")"
grep -q "^note: the mail of janedoe@andromed.cloud leaves: it never reaches its INBOX" "$tmp/out" || no "no-copy: no note"
[ "$(q janedoe@andromed.cloud)" = "boss@elsewhere.example" ] || no "no-copy: $(q janedoe@andromed.cloud)"
v show janedoe@andromed.cloud >"$tmp/out" 2>&1
grep -q "^  forwarding:  *WITHOUT a copy: its mail leaves, its INBOX gets none$" "$tmp/out" || no "show: $(cat "$tmp/out")"
v show janedoe@andromed.cloud --json >"$tmp/out"
python3 -c 'import json,sys; f = json.load(open(sys.argv[1]))["forward"]; assert f == {"targets": ["boss@elsewhere.example"], "keep_copy": False}, f' "$tmp/out" ||
	no "show --json: no forward object"
v lint >"$tmp/out" 2>&1
grep -q "\[forward-without-copy\] mailbox janedoe@andromed.cloud forwards its mail to boss@elsewhere.example without keeping a copy" "$tmp/out" ||
	no "lint: no forward-without-copy: $(cat "$tmp/out")"
v forward clear janedoe@andromed.cloud >"$tmp/out" 2>&1 || no "clear: $(cat "$tmp/out")"
q janedoe@andromed.cloud >/dev/null && no "clear: the entry is still there"

# Under a catch-all in the alias map the identity entry stays.
v catchall set ascent.cloud catch@elsewhere.example >/dev/null 2>&1 || no "catchall set"
printf 'forward set contact@ascent.cloud boss@elsewhere.example --no-copy\n' >"$tmp/batch"
v apply "$tmp/batch" >"$tmp/out" 2>&1 || no "apply forward set: $(cat "$tmp/out")"
[ "$(q contact@ascent.cloud)" = "boss@elsewhere.example" ] || no "apply: $(q contact@ascent.cloud)"
v forward clear contact@ascent.cloud >"$tmp/out" 2>&1 || no "clear under a catch-all: $(cat "$tmp/out")"
[ "$(q contact@ascent.cloud)" = "contact@ascent.cloud" ] || no "clear under a catch-all: $(q contact@ascent.cloud)"
# alias del of a mailbox's own entry under that catch-all: the entry was
# removed, and the catch-all took the mailbox's mail without a word. Its
# other targets go and the identity entry stays; the identity entry alone
# is refused.
v alias set contact@ascent.cloud contact@ascent.cloud, boss@elsewhere.example >/dev/null 2>&1 || no "alias set"
v alias del contact@ascent.cloud >"$tmp/out" 2>&1 || no "alias del (forward): $(cat "$tmp/out")"
[ "$(q contact@ascent.cloud)" = "contact@ascent.cloud" ] || no "alias del under a catch-all: $(q contact@ascent.cloud)"
grep -q "note: contact@ascent.cloud keeps an identity entry in the alias map, because the catch-all of ascent.cloud is there" "$tmp/out" ||
	no "alias del under a catch-all: no note: $(grep note "$tmp/out")"
before=$(sums)
v alias del contact@ascent.cloud >"$tmp/out" 2>"$tmp/err"
rc=$?
check_refused "alias del of an identity entry under a catch-all" \
	"virtual_alias:[0-9]+: error: contact@ascent.cloud keeps the mail of the mailbox contact@ascent.cloud from the catch-all @ascent.cloud: without it that mail would go to catch@elsewhere.example"
[ "$(q contact@ascent.cloud)" = "contact@ascent.cloud" ] || no "refused alias del: $(q contact@ascent.cloud)"
# --help: --keep-copy and --no-copy are set's options; clear takes neither.
v forward clear --help >"$tmp/out" 2>&1 || no "forward clear --help: exit $?"
grep -q "^Usage: vmailadm forward clear ADDRESS" "$tmp/out" || no "forward clear --help: $(cat "$tmp/out")"
grep -q -e "--keep-copy\|--no-copy" "$tmp/out" && no "forward clear --help names set's options: $(cat "$tmp/out")"
grep -q "INBOX again" "$tmp/out" || no "forward clear --help does not say what it does: $(cat "$tmp/out")"
v forward set --help >"$tmp/out" 2>&1 || no "forward set --help: exit $?"
for o in --keep-copy --no-copy --dry-run; do
	grep -q -e "^ .*$o " "$tmp/out" || no "forward set --help lacks $o: $(cat "$tmp/out")"
done
exit $fail
