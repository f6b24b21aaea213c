#!/bin/sh
# A staging while lint runs on a larger tree (issue 16): the staging does
# not wait for the running lint to end, it only stops it reading the world
# (which the staging patches in place) and starts a new one. Several
# stagings and undos while lint runs: the marks at the end are the last
# world's (the runs given up show nothing), and the program ends cleanly
# (the sanitizer lane: nothing read after it was changed or freed, no
# thread's memory left). Lint on 20,000 aliases under ASan on a loaded
# machine can take most of 20 s: it is given a minute.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
# The trap of reference §2, so that lint marks the catch-all; and 20,000
# aliases, so that lint is still tracing them when the keys come.
echo '@andromed.cloud    admin@andromed.cloud' >>"$WORK/demo/etc/postfix/virtual_alias"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "list%05d@andromed.cloud    johndoe@andromed.cloud\n", i }' \
	>>"$WORK/demo/etc/postfix/virtual_alias"

start_ui 110 50 "VMAILADM_UI_TIMING=$WORK/timing.log"
expect "Domains (5)" 10000
keys Enter End
expect "Catch-all     @andromed.cloud"
# Remove the catch-all, undo, remove again: each stops the lint running
# and starts another, without waiting for the lint it stops to end.
keys d
expect_re "[Rr]emove"
keys y
expect "1 staged change"
keys u
expect "0 staged changes"
keys d
expect_re "[Rr]emove"
keys y
expect "1 staged change"
wait_gone "lint running..." 60000 || fail "lint running... still shown after the last staging"
n=$(grep -c '^lint ' "$WORK/timing.log")
[ "$n" -ge 1 ] || fail "no lint ended ($n in the timing log)"
# The catch-all is removed in the world shown: no run before showed its
# mark here, nor the mailboxes it swallowed.
wait_gone "!@andromed.cloud" || fail "the catch-all still marked after the staged world's lint"
refute "!johndoe"
ok "three stagings while lint ran: the marks are the last world's ($n lint runs shown)"
keys q
expect "1 staged change is not committed."
keys d
expect_quit
exit 0
