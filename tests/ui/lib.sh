# Shared by the tmux-driven interface tests: a private tmux server (its own
# socket, no user config) of fixed size, the demo tree in a temporary
# directory, and polling helpers that compare `capture-pane -p` with
# expected fragments instead of sleeping a fixed time. A wait's bound
# (WAIT_MS unless given) only ends a failed test: make check runs on 2
# cores beside other work (load 15-20), and an ASan build is slower still.
# Environment (from make check): VMAILADM, top_srcdir.

set -u
: "${VMAILADM:?VMAILADM must name the vmailadm binary}"
if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed"
	exit 77
fi
UI_TERM=tmux-256color
infocmp "$UI_TERM" >/dev/null 2>&1 || UI_TERM=screen-256color

# short: paths on the screen must fit a 100-column details pane
WORK=$(mktemp -d /tmp/vui.XXXXXX)
# One server per start_ui (a fresh socket: no race with a dying server).
NSTART=0
SOCK="vmailadm-test-$$-0"
CONF="$WORK/demo/vmailadm.yaml"

T() { tmux -L "$SOCK" -f /dev/null "$@"; }

cleanup() {
	i=0
	while [ $i -le $NSTART ]; do
		tmux -L "vmailadm-test-$$-$i" -f /dev/null kill-server >/dev/null 2>&1
		i=$((i + 1))
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILS=0
fail() {
	echo "FAIL: $*"
	echo "---- screen ----"
	screen
	echo "----------------"
	FAILS=$((FAILS + 1))
	exit 1
}
ok() { echo "ok: $*"; }

make_demo() {
	"$VMAILADM" demo "$WORK/demo" >"$WORK/demo.out" 2>&1 ||
		{ cat "$WORK/demo.out"; echo "FAIL: vmailadm demo"; exit 1; }
}

# start_ui COLS ROWS [ENV=VALUE ...] [-- ARGS]: the program in a new
# session; after it exits the pane shows __EXIT=status.
start_ui() {
	cols=$1 rows=$2
	shift 2
	envs="LANG=C.UTF-8 LC_ALL= TERM=$UI_TERM"
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs $1"
		shift
	done
	[ "${1:-}" = "--" ] && shift
	T kill-server >/dev/null 2>&1
	NSTART=$((NSTART + 1))
	SOCK="vmailadm-test-$$-$NSTART"
	T new-session -d -x "$cols" -y "$rows" \
		"cd '$WORK' && env $envs '$VMAILADM' -c '$CONF' $*; echo __EXIT=\$?; sleep 600"
}

screen() { T capture-pane -p 2>/dev/null; }
# ui_resize COLS ROWS: the window resized (the program gets SIGWINCH). A
# long view (the help) made tall enough to show whole: each of its lines
# waited for, not looked for page by page with a guess at how long a page
# takes to paint under load.
ui_resize() { T resize-window -x "$1" -y "$2"; }
screen_esc() { T capture-pane -p -e 2>/dev/null; }
keys() { T send-keys "$@"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
WAIT_MS=10000

# wait_for FIXED_STRING [TIMEOUT_MS]: until the screen shows it.
wait_for() {
	deadline=$(($(now_ms) + ${2:-$WAIT_MS}))
	while :; do
		screen | grep -qF -- "$1" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# wait_re EXTENDED_REGEX [TIMEOUT_MS]
wait_re() {
	deadline=$(($(now_ms) + ${2:-$WAIT_MS}))
	while :; do
		screen | grep -qE -- "$1" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# wait_gone FIXED_STRING [TIMEOUT_MS]
wait_gone() {
	deadline=$(($(now_ms) + ${2:-$WAIT_MS}))
	while :; do
		screen | grep -qF -- "$1" || return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# The program's exit gets 20 s by default: a sanitizer build checks for
# leaks at exit, and under load that alone can take seconds.
expect() {
	case $1 in __EXIT=*) _wait=${2:-20000} ;; *) _wait=${2:-$WAIT_MS} ;; esac
	wait_for "$1" "$_wait" || fail "expected '$1' on the screen"
}
expect_re() { wait_re "$1" "${2:-$WAIT_MS}" || fail "expected /$1/ on the screen"; }
# An exact line (trailing blanks ignored).
expect_line() {
	deadline=$(($(now_ms) + WAIT_MS))
	while :; do
		screen | sed 's/[[:space:]]*$//' | grep -qxF -- "$1" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && fail "expected the line '$1'"
		sleep 0.02
	done
}
# check_width [COLS]: no row runs past column COLS (80): characters, not
# bytes (the panes' marks and the borders are multibyte; none of them is
# double-width).
check_width() {
	screen | while IFS= read -r l; do
		n=$(printf '%s' "$l" | LC_ALL=C.UTF-8 wc -m)
		[ "$n" -le "${1:-80}" ] || { echo "a line is $n wide: $l"; exit 1; }
	done || fail "a line is wider than the terminal"
}
# alias_form NAME TARGET: in the new-alias form of andromed.cloud (the
# caller's keys opened it), an alias NAME to TARGET, entered: one change
# staged.
alias_form() {
	expect "New alias in andromed.cloud"
	keys -l "$1"
	keys Tab
	keys -l "$2"
	keys Enter
	expect "1 staged change"
}
# keys_painted KEY...: the keys sent, then until their paint is on the
# screen: it changed, and two captures 50 ms apart agree (WAIT_MS at
# most; a key that changes nothing waits that long). For a loop that
# presses a key until something shows: a guessed time between presses
# overshot under load.
keys_painted() {
	_before=$(screen)
	keys "$@"
	_deadline=$(($(now_ms) + WAIT_MS))
	_now=$(screen)
	while [ "$_now" = "$_before" ] && [ "$(now_ms)" -lt "$_deadline" ]; do
		sleep 0.02
		_now=$(screen)
	done
	while sleep 0.05; do
		_next=$(screen)
		[ "$_next" = "$_now" ] || [ "$(now_ms)" -ge "$_deadline" ] && break
		_now=$_next
	done
}
# Not on the screen, or gone once the paint under way is all there: right
# after an expect, the capture may hold the new rows above and the old
# ones below (a paint is several writes, tmux may read them apart; under
# load seconds apart). What stays WAIT_MS fails.
refute() { wait_gone "$1" || fail "did not expect '$1' on the screen"; return 0; }

# The program quit, and the terminal is back to the shell's screen.
expect_quit() {
	expect "__EXIT=${1:-0}"
	refute "Domains ("
	refute "F1 Help"
}
