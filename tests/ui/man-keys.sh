#!/bin/sh
# Every key the interface's help screens list (they are made from the key
# tables) is in the KEYS section of vmailadm(1), with its help text: the
# main screen's, the problems view's, the commit history's, the queue view's, the message list's,
# the viewer's and the diff view's. A key added to a table without a
# line in the man page fails here (issue 12).
. "${top_srcdir:-.}/tests/ui/lib.sh"
MAN="$top_srcdir/doc/vmailadm.1"
# The KEYS section as text: roff requests and escapes off, blanks squeezed.
sed -n '/^\.SH KEYS/,/^\.SH /p' "$MAN" | sed -e 's/^\.[A-Z]* *//' -e 's/\\e/\\/g' -e 's/\\-/-/g' |
	tr -s ' \n' '  ' >"$WORK/keys.txt"
make_demo
start_ui 200 80

# check_help: each "   NAME   help" row of the help screen on display.
check_help() {
	screen | sed -n 's/^   \(.\{23\}\) \(.*\)$/\1\t\2/p' | sed 's/ *\t */\t/; s/ *$//' >"$WORK/rows"
	[ -s "$WORK/rows" ] || fail "no key rows on the help screen"
	while IFS='	' read -r name help; do
		name=$(printf '%s' "$name" | tr -s ' ')
		grep -qF -- "$name " "$WORK/keys.txt" || fail "key '$name' is not in vmailadm(1) KEYS"
		first=$(printf '%s' "$help" | cut -c2- | tr -s ' ')
		grep -qF -- "$first" "$WORK/keys.txt" || fail "the help of '$name' ('$help') is not in vmailadm(1)"
	done <"$WORK/rows"
	n=$(wc -l <"$WORK/rows")
}

expect "Domains (5)"
keys '?'
expect "Help: every key"
check_help
ok "main screen: $n key rows in vmailadm(1)"
keys q '!'
expect "Problems ("
keys '?'
expect "Help: every key"
check_help
ok "problems view: $n key rows in vmailadm(1)"
keys q q
expect "Domains (5)"
keys H
expect "Commit history ("
keys '?'
expect "Help: every key"
check_help
ok "commit history: $n key rows in vmailadm(1)"
keys q q
expect "Domains (5)"
keys w
expect "Mail queue of "
keys '?'
expect "Help: every key"
check_help
ok "queue view: $n key rows in vmailadm(1)"
keys q q
expect "Domains (5)"
keys Tab j j j Enter
expect "johndoe@andromed.cloud: INBOX"
keys '?'
expect "Help: every key"
check_help
ok "message list: $n key rows in vmailadm(1)"
keys q Enter
expect "Subject:"
keys '?'
expect "A message (read-only)"
check_help
ok "message viewer: $n key rows in vmailadm(1)"
keys q q q
expect "Domains (5)"
keys a a
alias_form sales johndoe@andromed.cloud
keys D
expect "Preview of the staged changes"
keys '?'
expect "The staged changes: preview and commit"
check_help
ok "diff view: $n key rows in vmailadm(1)"
keys q q u
expect "0 staged changes"
keys a a
expect "New alias in andromed.cloud"
keys F1
expect "A form (every letter is typed, ? included)"
check_help
ok "form: $n key rows in vmailadm(1)"
keys Escape
expect "New alias in andromed.cloud"
keys -l '?'
expect "Address         ?_"
keys Escape
keys q
exit 0
