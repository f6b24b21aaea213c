#!/bin/sh
# Resizing: from 100x30 to 80x24 (the minimum: everything still there), to
# 60x20 (the "terminal too small" screen), back; q quits from the small
# screen too. And the ASCII fall-back when the locale is not UTF-8.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo

start_ui 100 30
expect "Domains (5)"
keys Enter j j j
expect "Mailbox       johndoe@andromed.cloud"

T resize-window -x 80 -y 24
expect_line " Domains (5)     mbx ali  new │ andromed.c…  new unread total     size quota"
expect_re "^ andromed.cloud    5   5    8 │ Mailboxes \(5\)$"
expect_re "│   johndoe +2 +3 +6 +3.9 KiB \[█░+\]$"
expect "Mailbox       johndoe@andromed.cloud"
expect_line "F1 Help  Enter Open  / Search  m New  a Add  d Del  e Edit  D Diff  q Quit"
[ "$(screen | wc -l)" -eq 24 ] || fail "the screen is not 24 lines"
ok "80x24"

T resize-window -x 60 -y 20
expect "Terminal too small: 60x20 (needs at least 80x24)"
refute "Domains (5)"
ok "60x20: too small"

T resize-window -x 120 -y 40
expect "Domains (5)"
expect "Mailbox       johndoe@andromed.cloud"   # the selection survived
ok "back to 120x40"

# A wide terminal: the counts stay by the names, not at the far edge.
T resize-window -x 220 -y 40
expect_re "│   johndoe +2 +3 +6 +3.9 KiB"
line=$(screen | grep -m1 '│   johndoe ')
gap=$(printf '%s\n' "$line" | sed 's/.*│   johndoe\( *\)2 .*/\1/' | awk '{print length($0)}')
[ "$gap" -le 40 ] || fail "220 columns: $gap blanks between johndoe and its counts"
expect "Mailbox       johndoe@andromed.cloud"
ok "220x40: counts by the names"

T resize-window -x 79 -y 30
expect "Terminal too small: 79x30"
keys q
expect_quit 0
ok "q quits from the too-small screen"

# Not UTF-8: ASCII lines and bars.
start_ui 100 30 LANG=C LC_ALL=C
expect "Domains (5)"
expect_re "^ andromed.cloud    5   5    8 \| Mailboxes \(5\)$"
expect_re "\\|   contact +1 +1 +3 +893 KiB \\[#+\\.*\\]$"
refute "│"
refute "█"
keys q
expect_quit 0
ok "ASCII fall-back"
