#!/bin/sh
# Sorting the mailboxes (issue 12): s cycles name, new, unread, total, size,
# quota use; S reverses; the order shows in the section title and the
# sorted column's heading; a mailbox whose figure is not known yet (staged,
# not scanned) stays last in both directions; the order follows new mail
# as it arrives, with the selection kept on the same mailbox.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
start_ui 100 30
expect_re "│   johndoe +2 +3 +6 +3.9 KiB"

# The mailbox rows' local parts, top to bottom, on one line.
order() {
	screen | sed -n '/│ Mailboxes (/,/│ Aliases (/p' |
		sed -n 's/^.*│ [ +~!-]*\([a-z]*\) .*$/\1/p' | grep -v '^$' | tr '\n' ' '
}
expect_order() {
	deadline=$(($(now_ms) + WAIT_MS))
	while [ "$(order)" != "$1" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && fail "expected the order '$1', got '$(order)'"
		sleep 0.05
	done
}

expect_order "admin contact janedoe johndoe support "
keys s
expect "Mailboxes (5)  by new mail, most first"
expect "▼new"
expect "Mailboxes sorted by new mail, most first"
expect_order "support johndoe admin contact janedoe "
ok "s: by new mail, most first"
keys s
expect_order "johndoe support admin janedoe contact "
keys s
expect_order "johndoe janedoe support admin contact "
keys s
expect "▼size"
expect_order "contact johndoe support janedoe admin "
ok "s: unread, total, size"
keys S
expect "by size, smallest first"
expect "▲size"
expect_order "admin janedoe support johndoe contact "
ok "S reverses"
keys s
expect "by quota use, emptiest first"
keys s
expect "by name, Z to A"
expect_order "support johndoe janedoe contact admin "
keys S
expect_order "admin contact janedoe johndoe support "
refute "Mailboxes (5)  by"
ok "back to name order, both ways"

# By new, with the selection on janedoe: new mail for admin moves admin up
# by itself, and the selection stays on janedoe.
keys s
expect_order "support johndoe admin contact janedoe "
keys Tab
keys g j j j j
expect_re "│ Mailbox +janedoe@andromed.cloud"
for i in 1 2 3 4; do
	name="$(date +%s).M$$P$i.sort"
	printf 'Subject: %s\n\nx\n' "$i" >"$WORK/demo/vhosts/andromed.cloud/admin/new/$name"
done
expect_order "admin support johndoe contact janedoe "
expect_re "│ Mailbox +janedoe@andromed.cloud"
ok "new mail re-sorts by itself, the selection kept"

# A staged mailbox has no figures: last, whichever the direction.
keys a
expect "What to add to andromed.cloud?"
keys m
expect "New mailbox in andromed.cloud"
keys -l zed
keys Tab
keys -l 'Pass-word-12'
keys Tab
keys -l 'Pass-word-12'
keys Tab
keys Enter
expect_order "admin support johndoe contact janedoe zed "
keys S
expect_order "janedoe contact johndoe support admin zed "
ok "a staged mailbox stays last both ways"

keys '?'
expect "Help: every key"
keys PageDown
expect "sort the mailboxes by name"
keys q
keys u
keys q
expect_quit 0
exit 0
