#!/bin/sh
# The README's text screenshot of the interface is what the interface
# draws (issue 12): the demo tree at 100x30 after Tab j j j, compared line
# by line but for the header's host name. The tree sits at a path as long
# as the README's /tmp/vmailadm-demo, so that the details wrap alike.
. "${top_srcdir:-.}/tests/ui/lib.sh"
README="$top_srcdir/README"
awk '/^<!-- screen: 100x30/ { m = 1; next } m && /^```/ { if (b) exit; b = 1; next } b { print }' \
	"$README" >"$WORK/want"
[ "$(wc -l <"$WORK/want")" -eq 30 ] || fail "the README's screen block is not 30 lines"
TREE="$WORK/vd"   # /tmp/vui.XXXXXX/vd: 18 characters, as /tmp/vmailadm-demo
[ "${#TREE}" -eq 18 ] || { echo "SKIP: mktemp gave a path of another length"; exit 77; }
"$VMAILADM" demo "$TREE" >/dev/null 2>&1 || fail "vmailadm demo"
CONF="$TREE/vmailadm.yaml"
start_ui 100 30
expect "Domains (5)"
keys Tab j j j
expect "Mailbox       johndoe@andromed.cloud"
expect "Mail for johndoe@andromed.cloud goes"
# The counts and lint's marks arrive after the first paint: compare until
# they match, for at most WAIT_MS, then show the difference.
got() {
	screen | sed 's/ *$//' | sed "1s/ • [^ ]*  config/ • server  config/; s|$TREE|/tmp/vmailadm-demo|g" \
		>"$WORK/got"
}
deadline=$(($(now_ms) + WAIT_MS))
got
while ! cmp -s "$WORK/want" "$WORK/got" && [ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.1
	got
done
if ! diff -u "$WORK/want" "$WORK/got" >"$WORK/diff"; then
	cat "$WORK/diff"
	fail "the README's screenshot differs from the interface (update it from the diff above)"
fi
ok "README screenshot matches the interface"
keys q
expect_quit 0
exit 0
