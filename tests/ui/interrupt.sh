#!/bin/sh
# Ctrl-C (SIGINT) with staged changes asks what to do with them, as q does
# (issue 12): Esc stays, and a later Ctrl-C asks again; Discard exits with
# 130 (interrupted, work thrown away) and changes no file; a second Ctrl-C
# while the question is up quits and saves them for the next session.
# Without staged changes Ctrl-C quits at once.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
sums() { cat "$WORK"/demo/etc/postfix/* "$WORK/demo/etc/dovecot/users" | sha256sum; }
before=$(sums)

pid_of_ui() {
	shell=$(T display-message -p '#{pane_pid}')
	pgrep -P "$shell" | head -n 1
}
stage_alias() {
	keys Tab a a
	alias_form "$1" johndoe@andromed.cloud
}

start_ui 100 30
expect "Domains (5)"
stage_alias sales
pid=$(pid_of_ui)
kill -INT "$pid"
expect "1 staged change is not committed."
expect "Save for later"
keys Escape
wait_gone "1 staged change is not committed." || fail "Esc did not close the question"
kill -INT "$pid"
expect "1 staged change is not committed."
ok "Ctrl-C asks, Esc stays, Ctrl-C asks again"
keys d
expect "__EXIT=130"
[ "$(sums)" = "$before" ] || fail "a file changed after Discard"
ok "Discard after Ctrl-C: exit 130, nothing written"

start_ui 100 30
expect "Domains (5)"
stage_alias team2
pid=$(pid_of_ui)
kill -INT "$pid"
expect "1 staged change is not committed."
kill -INT "$pid"
expect "__EXIT=0"
ok "a second Ctrl-C quits, saving"
start_ui 100 30
expect "1 staged change from an earlier session:"
expect "alias add team2@andromed.cloud johndoe@andromed.cloud"
ok "the saved change is offered, listed, at the next start"
keys Escape
T kill-server >/dev/null 2>&1

start_ui 100 30
expect "Domains (5)"
keys Escape
kill -INT "$(pid_of_ui)"
expect "__EXIT=0"
ok "nothing staged: Ctrl-C quits at once"

# The terminal hung up (an SSH session lost): the interface must end, not
# spin on a stdin that is ready for ever with its SIGHUP never taken.
start_ui 100 30
expect "Domains (5)"
keys Escape
pid=$(pid_of_ui)
T kill-server >/dev/null 2>&1
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
	kill -9 "$pid"
	fail "the interface still runs 20 s after its terminal hung up"
fi
ok "a hung-up terminal: the interface ends"

# The same in a session of its own (setsid): the hang-up's SIGHUP goes to
# the terminal's session only, so the interface gets none; its stdin
# hung up must end it all the same, its staged change saved as SIGHUP
# saves it.
printf '#!/bin/sh\nexec setsid "%s" "$@"\n' "$VMAILADM" >"$WORK/setsid-vmailadm"
chmod +x "$WORK/setsid-vmailadm"
VMAILADM_PLAIN=$VMAILADM
VMAILADM=$WORK/setsid-vmailadm
start_ui 100 30
expect "1 staged change from an earlier session:"
keys n
wait_gone "Restore it?" || fail "n did not discard the saved change"
stage_alias team4
pid=$(pid_of_ui)
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "setsid: $pid leads no session"
T kill-server >/dev/null 2>&1
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
	kill -9 "$pid"
	fail "the interface in a session of its own still runs 20 s after its terminal hung up"
fi
VMAILADM=$VMAILADM_PLAIN
start_ui 100 30
expect "1 staged change from an earlier session:"
expect "alias add team4@andromed.cloud johndoe@andromed.cloud"
ok "a hung-up terminal, no SIGHUP (setsid): the interface ends, its change saved"
exit 0
