#!/bin/sh
# The interface on the demo tree: first screen, browsing into a domain, a
# mailbox's and an alias's details, the filter, the help screen, n, quit;
# and the clear refusals without a terminal or with an unknown TERM.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo

# Without a terminal: a clear message and status 2.
"$VMAILADM" -c "$CONF" </dev/null >"$WORK/out" 2>&1
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: no terminal: status $rc"; exit 1; }
grep -q "needs a terminal" "$WORK/out" || { cat "$WORK/out"; echo "FAIL: no terminal message"; exit 1; }
ok "no terminal: status 2"

# Unknown terminal type.
start_ui 100 30 TERM=no-such-terminal-xyz
expect "__EXIT=2"
expect "unknown terminal type 'no-such-terminal-xyz'"
ok "unknown TERM: status 2 and a message"

start_ui 100 30
expect "Domains (5)"
expect_re "^ vmailadm .* config: $CONF  0 staged changes"
# Exact lines where stable: the domain list with counts and new mail.
expect_line " Domains (5)     mbx ali  new │ andromed.cloud                   new unread total     size quota"
expect_re "^ andromed.cloud    5   5    8 │ Mailboxes \(5\)$"
expect_re "^ ascent.cloud      2   1    1 │   admin +1 +2 +3 +2.0 KiB"
expect_re "^ localhost         0   0    0 │   contact +1 +1 +3 +893 KiB \[█+░*\]"
expect "Catch-all (0)"
expect_line "F1 Help  Enter Open  / Search  m New  a Add  d Del  e Edit  D Diff  q Quit  x Exercise"
# The details pane follows the domain while the domain pane has the focus.
expect "Class         virtual mailbox domain"
ok "first screen"

# Into the domain: admin first, reached by root in /etc/aliases too.
keys Enter
expect "Mailbox       admin@andromed.cloud"
expect "Reached by    postmaster@andromed.cloud"
expect_re "^ +│ +root \(system alias, $WORK/demo/etc/"
ok "a mailbox reached by a system alias says so"

# Down to johndoe: its details.
keys j j j
expect "Mailbox       johndoe@andromed.cloud"
expect "Maildir       $WORK/demo/vhosts/andromed.cloud/johndoe/"
expect "Password      SHA512-CRYPT"
expect "Quota         1.0 GiB (*:storage=1G): 0% used"
expect "Messages      6 (2 new, 3 unread), 3.9 KiB"
expect "Folders       INBOX, Sent"
expect "Reached by    equipe@andromed.cloud"
expect "              info@andromed.cloud"
expect "Mail goes     into this Maildir"
refute '$6$'
ok "mailbox details (scheme shown, never the hash)"

# Down past support and the "Aliases" title to the first alias.
keys j j
expect "Alias         equipe@andromed.cloud"
expect "Targets       johndoe@andromed.cloud  (mailbox)"
expect "              janedoe@andromed.cloud  (mailbox)"
ok "alias details"

# Back to the domains, to ascent.cloud (h: Left while the exercise pane is closed).
keys h j
expect_re "^ Domains \(5\) .*│ ascent.cloud"
expect_re "Entries +2 mailboxes, 1 alias *$"
keys k
ok "domain navigation"

# Filter.
keys '\'
expect "Filter: _"
keys j a n e
expect "Domains (1)"
expect "Mailboxes (1)"
expect_re "│   janedoe +1 +2 +4 "
expect "Aliases (1)"
expect "equipe → johndoe@andromed.cloud, janedoe@andromed.cloud"
refute "ascent.cloud"
keys Enter
expect "Filter: jane   (Esc clears it)"
keys Escape
expect "Domains (5)"
expect "Mailboxes (5)"
ok "filter"

# A filter nothing matches.
keys '\' z z z q
expect "Domains (0)"
expect "nothing matches the filter"
keys Escape
expect "Domains (5)"
ok "empty filter result"

# Help lists every key (its lines wrapped: at 30 rows on several pages;
# made tall, all of it on one).
keys '?'
expect "Help: every key"
ui_resize 100 120
help_has() { expect_re "$1"; }
for k in "Tab  S-Tab" "Right  l  Enter" "Left  h  Backspace" "Up Down  k j" "PgUp PgDn" \
	"Home End  g G" "d  Delete" "e  Enter" "/  " "n  N" "\\\\  " "Esc" "F1  \\?" "q  F10"; do
	help_has "^   $k"
done
help_has "^   m +next mailbox with new mail"
help_has "^   a +add: a domain"
help_has "^   u +undo the last staged change"
help_has "^   D +preview the staged changes"
help_has "^   r +rescan every Maildir"
help_has "^   x +open or close the exercise pane"
help_has "^   \[  \] +while the exercise pane is open"
ui_resize 100 30
keys q
expect "Domains (5)"
keys F1
expect "Help: every key"
keys Escape
expect "Domains (5)"
ok "help screen"

# m: the next mailbox with new mail, then the one after.
keys m
expect_re "admin@andromed.cloud: 1 new"
expect "Mailbox       admin@andromed.cloud"
keys m
expect "contact@andromed.cloud: 1 new"
ok "next new mail"

# Control bytes in a file never reach the terminal: an alias value with an
# escape sequence shows escaped.
keys q
expect_quit 0
printf 'evil@andromed.cloud\tx\033[31mred@andromed.cloud\n' >>"$WORK/demo/etc/postfix/virtual_alias"
start_ui 100 30
expect "Domains (5)"
keys Enter / e v i l Enter
expect 'evil → x\x1b[31mred@andromed.cloud'
keys q
expect_quit 0
ok "sanitised strings; q quits and restores the terminal"

# SIGTERM (and SIGHUP): the loop ends and the terminal is restored.
for sig in TERM HUP; do
	start_ui 100 30
	expect "Domains (5)"
	shell=$(T display-message -p '#{pane_pid}')
	pid=$(pgrep -P "$shell" | head -n 1)
	[ -n "$pid" ] || fail "no vmailadm process under the pane"
	kill -s "$sig" "$pid"
	expect "__EXIT=0"
	refute "F1 Help"
	ok "SIG$sig: clean exit, terminal restored"
done
