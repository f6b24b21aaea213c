#!/bin/sh
# The message viewer shows what a message holds, never what it pretends
# (issue 12): a NUL byte shows as \x00 and the rest of its line stays; a
# right-to-left override, a zero-width space and a terminal escape show
# escaped, in the list's subject and in the viewer's text.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
BOX="$WORK/demo/vhosts/ascent.cloud/admin"
name="$(date +%s).M1P$$.viewer,S=200:2,S"
printf 'From: a@example.org\nTo: admin@ascent.cloud\nSubject: invoice \342\200\256fdp.exe\n\nbefore\000after the nul\npay\342\200\256ten\nzero\342\200\213width\nesc \033[31mred\n' \
	>"$BOX/cur/$name"
start_ui 100 30
expect "Domains (5)"
keys j
expect_re "│ ascent.cloud +new unread"
keys Tab
expect "Mailbox       admin@ascent.cloud"
keys Enter
expect "admin@ascent.cloud: INBOX, 1 message"
expect 'invoice \u202efdp.exe'
ok "the list escapes a right-to-left override in a subject"
keys Enter
expect 'before\x00after the nul'
expect 'pay\u202eten'
expect 'zero\u200bwidth'
expect 'esc \x1b[31mred'
ok "the viewer shows NUL, bidi, zero-width and escape bytes escaped, the line whole"
keys q q q
expect_quit 0
exit 0
