#!/bin/sh
# t traces any address (issue 12): the prompt starts with the selected
# entry's address, selected (Enter traces it, the first character typed
# replaces it, Backspace erases it whole); the details pane shows where mail for the typed address
# goes (an unknown one in a hosted domain is rejected as Postfix would; an
# external one is relayed) until the focus leaves it; a blank is refused
# while typing.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
start_ui 100 40
expect "Domains (5)"
keys Tab
expect "Mailbox       admin@andromed.cloud"

keys t
expect "Trace: where does mail for an address go?"
expect "admin@andromed.cloud"
keys Enter
expect "Mail for admin@andromed.cloud goes"
ok "Enter alone traces the selected address"

keys t
expect "Trace: where does mail for an address go?"
keys -l nobody@andromed.cloud
expect "nobody@andromed.cloud_"
refute "admin@andromed.cloudnobody"
keys Enter
expect "Mail for nobody@andromed.cloud goes"
ok "the first character typed replaces the selected address"

keys t
expect "Trace: where does mail for an address go?"
keys BSpace
keys -l x@y
expect "x@y_"
refute "admin@andromed.cloud"
keys Escape
expect "cancelled: nothing was staged"
keys t
expect "Trace: where does mail for an address go?"
keys Tab
keys -l z
expect "admin@andromed.cloudz_"
keys Escape
expect "cancelled: nothing was staged"
ok "Backspace erases the selected address whole; once it is left (Tab), typing appends"

keys t
expect "Trace: where does mail for an address go?"
expect "admin@andromed.cloud"
keys C-u
keys -l 'no body'
expect "an address has no blanks or control characters"
keys C-u
keys -l nobody@andromed.cloud
keys Enter
expect "Mail for nobody@andromed.cloud goes"
expect "(traced with t; Tab or Left goes back to the"
expect_re "Ends +rejected: 5\\.1\\.1 <nobody@andromed.cloud>: Recipient"
ok "an unknown address of a hosted domain: rejected, as Postfix would"

keys t
keys C-u
keys -l Someone@Example.ORG
keys Enter
expect "Mail for someone@example.org goes"
expect_re "Ends +relayed to another host: someone@example.org"
ok "an external address: relayed"

keys Left
expect "Mailbox       admin@andromed.cloud"
refute "Mail for someone@example.org goes"
ok "the focus leaves the details: the selection's details again"

keys '?'
expect "Help: every key"
# The help's lines wrap (at 40 rows t is on its second page): made tall,
# all of it on one.
ui_resize 100 120
expect_re "^   t +trace any address"
ui_resize 100 40
keys q
keys q
expect_quit 0
exit 0
