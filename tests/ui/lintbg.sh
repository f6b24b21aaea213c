#!/bin/sh
# Lint off the interface thread (issue 16): lint runs in the background, so
# keys are answered while it runs; the header and the details say it runs;
# its marks and findings appear when it ends (! meanwhile opens its view
# then). A staged change starts it again on the staged world (the marks
# before stay meanwhile). No timing:
# VMAILADM_LINT_GATE holds lint's end until the test creates the file, so
# the order (key answered, then lint's end) is what is checked.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
# The trap of reference §2, so that lint has something to mark.
echo '@andromed.cloud    admin@andromed.cloud' >>"$WORK/demo/etc/postfix/virtual_alias"
GATE="$WORK/lint-gate"

start_ui 110 50 "VMAILADM_LINT_GATE=$GATE" "VMAILADM_UI_TIMING=$WORK/timing.log"
expect "Domains (5)"
expect "lint running..."
keys Enter j j j
expect "Mailbox       johndoe@andromed.cloud"
expect "lint is still running: its findings show here when it ends"
# The keys were answered, and lint has not ended: no mark yet.
screen | grep -qF "lint running..." || fail "lint ended before its gate opened"
refute "!johndoe"
refute "catchall-swallows-mailboxes"
ok "keys answered while lint runs; the header and the details say so"

# Lint's thread runs 10 above the interface's nice (background_thread; 19
# at most), the interface's at the nice it was started with: keys win the
# CPU from the background work, also when the suite itself runs under nice.
shell=$(T display-message -p '#{pane_pid}')
pid=$(pgrep -P "$shell" -x vmailadm | head -1)
[ -n "$pid" ] || fail "no vmailadm process under the pane's shell $shell"
nice_of() { sed 's/.*) //' "/proc/$pid/task/$1/stat" | cut -d' ' -f17; }
main=$(nice_of "$pid")
[ "$main" = "$(nice)" ] || fail "the interface's thread runs at nice $main"
want=$((main + 10 > 19 ? 19 : main + 10))   # the kernel's ceiling
bg=0
for t in /proc/"$pid"/task/*; do
	# not the interface's own (at nice 19 both are)
	[ "${t##*/}" != "$pid" ] && [ "$(nice_of "${t##*/}")" = "$want" ] && bg=$((bg + 1))
done
[ "$bg" -ge 1 ] || fail "no thread of $pid at nice $want (the interface's $main + 10) while lint runs"
ok "lint's thread at nice $want, the interface's at $main ($bg background threads)"
# The program's code read ahead after the first paint (its own mappings
# and its libraries'), so that a key on a cold cache waits for no page.
i=0
while ! grep -q '^code-prefetch ' "$WORK/timing.log" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
n=$(sed -n 's/^code-prefetch //p' "$WORK/timing.log")
[ -n "$n" ] && [ "$n" -ge 2 ] || fail "the code read ahead in ${n:-no} mappings"
ok "code read ahead: $n mappings"


# ! while lint runs says so; the view opens when lint ends.
keys '!'
expect "lint is still running: its findings open here when it ends"
refute "Problems ("
touch "$GATE"
expect_re "Problems \([0-9]+\)"
expect "catch-all @andromed.cloud in the alias map swallows"
keys q
ok "! during lint: said, then the problems view opens when it ends"
expect_re "│  !johndoe "
expect_re "^!andromed.cloud"
wait_gone "lint running..." || fail "lint running... still shown after lint ended"
expect_re "│ error +catchall-swallows-mailboxes"
refute "lint is still running"
ok "lint's marks and findings appear when it ends"

# Remove the catch-all (staged): lint runs again on the staged world.
rm -f "$GATE"
keys End
expect "Catch-all     @andromed.cloud"
keys d
expect_re "[Rr]emove"
keys y
expect "1 staged change"
expect "lint running..."
# the marks of the world before stay until the new lint ends
expect "-!@andromed.cloud"
touch "$GATE"
wait_gone "!@andromed.cloud" || fail "the staged world still marked after lint ended"
wait_gone "lint running..." || fail "lint running... still shown after the staged lint"
refute "!johndoe"
ok "a staged change: lint again, its marks replace the old ones"
# The report replaced is freed once the new marks are shown, not kept
# beside them until the next lint (issue 16: 60 MB at 100,000 mailboxes).
grep -q '^lint-kept ' "$WORK/timing.log" || fail "no lint-kept line in the timing log"
grep '^lint-kept ' "$WORK/timing.log" | grep -qv '^lint-kept 0$' &&
	fail "a lint report kept beside the one shown: $(grep '^lint-kept ' "$WORK/timing.log" | tr '\n' ' ')"
ok "the report replaced is freed when the new marks are shown"

# Undo while lint is held: it is stopped and started again, nothing waits.
rm -f "$GATE"
keys u
expect "undone:"
expect "lint running..."
keys g
expect "0 staged changes"
touch "$GATE"
expect_re "│  !johndoe "
wait_gone "lint running..." || fail "lint running... still shown after the undo's lint"
ok "undo: lint again, the marks are back"
keys q
expect_quit
exit 0
