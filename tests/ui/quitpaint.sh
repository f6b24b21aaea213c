#!/bin/sh
# A quit signal that comes while the interface paints is taken at once,
# not at the next event (quitsig.c's self-pipe): before, the handler's
# flag was read only after poll returned, so a Ctrl-C sent while the
# screen was being written was seen at the next key or delivery (the
# sanitizer lane's slower paint caught it once in interrupt.sh).
#
# By order, not by time: tmux is stopped and the pane's terminal filled
# by another writer, so that the paint a delivery causes (the new count)
# blocks in its write (seen in /proc/PID/wchan); the signal is sent then,
# the terminal released, and nothing else happens: the interface must act
# on the signal with no further event. Ctrl-C with nothing staged quits;
# with a change staged it asks (as interrupt.sh), and SIGTERM saves it.
# (A new size as the event to paint does not do: curses writes the
# resized screen in get_wch, before the loop looks at the flag.)
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
JD="$WORK/demo/vhosts/andromed.cloud/johndoe"
TIMING="$WORK/timing.log"
STOPPED='' FILLER=''

# Never leave the tmux server stopped: its kill-server would wait for ever.
thaw() {
	[ -n "$FILLER" ] && { kill "$FILLER" 2>/dev/null; wait "$FILLER" 2>/dev/null; }
	[ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
	FILLER='' STOPPED=''
}
trap 'thaw; cleanup' EXIT

N=0
deliver() {
	N=$((N + 1))
	name="1700000000.M${N}P$$.paint,S=40"
	printf 'Subject: x\n\nhello\n' >"$JD/tmp/$name"
	mv "$JD/tmp/$name" "$JD/new/$name"
}
pid_of_ui() {
	shell=$(T display-message -p '#{pane_pid}')
	pgrep -P "$shell" | head -n 1
}
wchan() { cat "/proc/$1/wchan" 2>/dev/null; }
# Until process $1's wchan matches the extended regex $2 (5 s).
wait_wchan() {
	deadline=$(($(now_ms) + WAIT_MS))
	until wchan "$1" | grep -qE -- "$2"; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.01
	done
}

# The interface started and quiet: the scan, the watches and lint done, so
# that no event of theirs comes later (it would end the wait below).
start_quiet() {
	rm -f "$TIMING"
	start_ui 100 30 "VMAILADM_UI_TIMING=$TIMING"
	expect "Domains (5)"
	keys Escape
}
wait_quiet() {
	deadline=$(($(now_ms) + 10000))
	until grep -q '^watch-done ' "$TIMING" 2>/dev/null; do
		[ "$(now_ms)" -ge "$deadline" ] && fail "the watches were not placed within 10 s"
		sleep 0.05
	done
	wait_gone "scanning" 10000 || fail "the scan did not end"
	wait_gone "lint running" 10000 || fail "lint did not end"
}

# signal_while_painting SIG: a delivery makes the interface paint the new
# count while its terminal takes nothing; SIG is sent while that paint is
# blocked in its write; then the terminal is released.
signal_while_painting() {
	wait_quiet
	pid=$(pid_of_ui)
	[ -n "$pid" ] || fail "no vmailadm process under the pane"
	server=$(T display-message -p '#{pid}')
	tty=$(T display-message -p '#{pane_tty}')
	if ! wchan "$pid" | grep -q '[a-z]'; then
		echo "SKIP: /proc/$pid/wchan does not name the kernel function"
		exit 77
	fi
	kill -STOP "$server"
	STOPPED=$server
	head -c 1000000 /dev/zero >"$tty" 2>/dev/null &
	FILLER=$!
	if ! wait_wchan "$FILLER" 'tty|wait_woken'; then
		w=$(wchan "$FILLER")
		thaw
		fail "the terminal did not fill (writer's wchan: $w)"
	fi
	deliver
	if ! wait_wchan "$pid" 'tty|wait_woken'; then
		w=$(wchan "$pid")
		thaw
		fail "the interface did not paint the delivery (wchan: $w)"
	fi
	kill -s "$1" "$pid"
	sleep 0.1   # the handler has run: the paint goes on, blocked again
	thaw
}

start_quiet
signal_while_painting INT
expect "__EXIT=0"
ok "nothing staged: a Ctrl-C sent while the interface paints quits"

start_quiet
keys Tab a a
alias_form sales johndoe@andromed.cloud
signal_while_painting INT
expect "1 staged change is not committed."
ok "a change staged: a Ctrl-C sent while the interface paints asks"
keys d
expect "__EXIT=130"

start_quiet
keys Tab a a
alias_form team3 johndoe@andromed.cloud
signal_while_painting TERM
expect "__EXIT=0"
expect "1 staged change saved"
ok "a change staged: SIGTERM sent while the interface paints saves it"
exit 0
