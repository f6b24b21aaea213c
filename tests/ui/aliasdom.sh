#!/bin/sh
# Alias domains in the domains pane (issue 15): b.example, an alias domain
# of andromed.cloud made by `domain add --alias-of`, shows right under it,
# indented, and not at its place by name.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
"$VMAILADM" --config "$CONF" domain add b.example --alias-of andromed.cloud >"$WORK/out" 2>&1 ||
	{ cat "$WORK/out"; echo "FAIL: domain add --alias-of"; exit 1; }
start_ui 100 30
expect "andromed.cloud"
# the domain names, top to bottom, one a line, with their indent
names() { screen | sed -n 's/^.\( *\)\([a-z][a-z.]*\.[a-z]*\) .*│.*/\1\2/p' | head -4; }
# expect_names 'a|  b|c|': the first domain rows, '|' after each
expect_names() {
	deadline=$(($(now_ms) + WAIT_MS))
	while :; do
		got=$(names | tr '\n' '|')
		case $got in
		*"$1"*) return 0 ;;
		esac
		[ "$(now_ms)" -ge "$deadline" ] && fail "expected the domains '$1', got '$got'"
		sleep 0.05
	done
}
expect_names "andromed.cloud|  b.example|ascent.cloud|"
ok "the alias domain under its target, indented"

# ---- made from the interface: a, then d (alias domain) on andromed.cloud -----
keys Right
keys a
expect "What to add to andromed.cloud?"
expect "Alias domain"
keys d
expect "New alias domain of andromed.cloud"
keys c.example Enter
expect "1 staged change"
expect_names "andromed.cloud|  b.example|  c.example|ascent.cloud|"
ok "a, d: an alias domain staged from the interface, under its target"
keys D
expect "+johndoe@c.example"
ok "its lines in the diff"
keys c
expect "Committed (" 10000
grep -q '^johndoe@c\.example  *johndoe@andromed\.cloud$' "$WORK/demo/etc/postfix/virtual_alias" ||
	fail "virtual_alias: no johndoe@c.example line"
keys q
expect "0 staged changes"
keys q
expect_quit 0
ok "committed from the diff view"
exit 0
