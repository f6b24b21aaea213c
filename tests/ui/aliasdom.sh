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
deadline=$(($(now_ms) + 3000))
while :; do
	got=$(names | tr '\n' '|')
	case $got in
	*"andromed.cloud|  b.example|ascent.cloud|"*) break ;;
	esac
	[ "$(now_ms)" -ge "$deadline" ] && fail "b.example not under andromed.cloud: '$got'"
	sleep 0.05
done
ok "the alias domain under its target, indented"
keys q
expect_quit 0
exit 0
