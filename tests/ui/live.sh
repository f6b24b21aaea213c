#!/bin/sh
# Live counts: a message delivered into a visible mailbox's new/ shows in the
# mailbox row, the domain's new-mail total and the details without a key
# press; a removed message too; r rescans. No timing: how soon a delivery
# shows is bench/tui-idle.sh's (target 1 s); under load a wait of 1 s here
# could miss. The same again with
# inotify watches run out: the boxes are then checked by mtime, on the
# watcher's own thread, never on the interface's; or, as root, followed by
# one fanotify mark.
. "${top_srcdir:-.}/tests/ui/lib.sh"
NEW="$WORK/demo/vhosts/andromed.cloud/johndoe/new"

# Deliver the way Dovecot/Postfix do: write in tmp/, rename into new/.
deliver() {
	name="$(date +%s).M$$P$1.test,S=120"
	printf 'From: a@example.org\nTo: johndoe@andromed.cloud\nSubject: live %s\n\nhello\n' "$1" \
		>"$WORK/demo/vhosts/andromed.cloud/johndoe/tmp/$name"
	mv "$WORK/demo/vhosts/andromed.cloud/johndoe/tmp/$name" "$NEW/$name"
}

# live_counts WHAT [ENV=VALUE ...]: the whole course on a fresh demo tree.
live_counts() {
	what=$1
	shift
	rm -rf "$WORK/demo"
	make_demo
	start_ui 100 30 "$@"
	expect_re "│   johndoe +2 +3 +6 +3.9 KiB"
	expect_re "^ andromed.cloud +5 +5 +8 │"
	keys Enter j j j
	expect "Messages      6 (2 new, 3 unread), 3.9 KiB"

	t0=$(now_ms)
	deliver 1
	wait_re "│   johndoe +3 +4 +7 " || fail "$what: the new message did not show"
	t1=$(now_ms)
	expect_re "^ andromed.cloud +5 +5 +9 │"
	expect "Messages      7 (3 new, 4 unread)"
	ok "$what: delivery shown in $((t1 - t0)) ms"

	t0=$(now_ms)
	deliver 2
	deliver 3
	wait_re "│   johndoe +5 +6 +9 " || fail "$what: two more messages did not show"
	ok "$what: two more deliveries shown in $(($(now_ms) - t0)) ms"

	# Expunge one from new/.
	rm -f "$NEW"/*.M"$$"P1.test,S=120
	wait_re "│   johndoe +4 +5 +8 " || fail "$what: the removed message still counts"
	ok "$what: removal shown"

	# A mailbox that is not visible changes too: its domain's total follows.
	name="$(date +%s).M$$P9.test"
	printf 'Subject: x\n\nx\n' >"$WORK/demo/vhosts/ascent.cloud/contact/new/$name"
	expect_re "^ ascent.cloud +2 +1 +2 │"
	ok "$what: another domain's total"

	# r rescans everything (nothing changed: the same figures).
	keys r
	expect "rescanning every Maildir"
	expect_re "│   johndoe +4 +5 +8 "
	keys q
	expect_quit 0
}

live_counts inotify

# One watch allowed: the first box's root takes it, every box is polled
# (fanotify refused, as for a user without the privilege).
live_counts polled VMAILADM_WATCH_LIMIT=1 VMAILADM_WATCH_FANOTIFY=0
expect_re "^vmailadm-watch: watched=0 fanotify=0 polled=[1-9][0-9]* checks=[1-9][0-9]* checks_elsewhere=0 *$"
ok "polled: every check on the watcher's thread ($(screen | grep -o 'polled=.*'))"

# As root, one fanotify mark follows every box instead: no check at all.
if [ "$(id -u)" = 0 ]; then
	live_counts fanotify VMAILADM_WATCH_LIMIT=1
	expect_re "^vmailadm-watch: watched=0 fanotify=[1-9][0-9]* polled=0 checks=0 checks_elsewhere=0 *$"
	ok "fanotify: every box followed, none polled ($(screen | grep -o 'fanotify=.*'))"
else
	echo "# not root: the fanotify course is skipped"
fi
