#!/bin/sh
# Live counts without gaps (issue 16): a delivery made between a box's scan
# and its watch is not lost (VMAILADM_WATCH_GATE holds the watches until
# the test has delivered: ordering, not timing); a mailbox whose maildir
# appears after start-up (a restore, a first delivery) is noticed and
# counted, watched by inotify and, past the watch limit, polled or (as
# root) followed by fanotify.
. "${top_srcdir:-.}/tests/ui/lib.sh"
D="$WORK/demo/vhosts/andromed.cloud"

# deliver BOX N: the way Postfix's virtual(8) does (tmp/, then new/).
deliver() {
	name="$(date +%s).M$$P$2.test,S=120"
	printf 'From: a@example.org\nSubject: gap %s\n\nhello\n' "$2" >"$D/$1/tmp/$name"
	mv "$D/$1/tmp/$name" "$D/$1/new/$name"
}

# gap WHAT [ENV=VALUE ...]: deliver between the scan and the watch.
gap() {
	what=$1
	shift
	rm -rf "$WORK/demo" "$GATE"
	make_demo
	start_ui 100 30 "VMAILADM_WATCH_GATE=$GATE" "$@"
	expect_re "│   johndoe +2 +3 +6 +3.9 KiB"
	# Scanned, not watched yet: this delivery makes no inotify event.
	deliver johndoe 1
	touch "$GATE"
	expect_re "│   johndoe +3 +4 +7 "
	ok "$what: a delivery between the scan and the watch is counted"
	# and the box is followed from then on
	deliver johndoe 2
	expect_re "│   johndoe +4 +5 +8 "
	ok "$what: the box is followed after the recheck"
	keys q
	expect_quit 0
}
GATE="$WORK/watch-gate"
gap "inotify"
gap "polled" VMAILADM_WATCH_LIMIT=1 VMAILADM_WATCH_FANOTIFY=0
[ "$(id -u)" = 0 ] && gap "fanotify" VMAILADM_WATCH_LIMIT=1

# appear LIMIT: janedoe's maildir is away at start-up, then restored;
# support's is removed, then made by a first delivery.
appear() {
	what=$1
	shift
	rm -rf "$WORK/demo" "$WORK/jane.away"
	make_demo
	mv "$D/janedoe" "$WORK/jane.away"
	rm -rf "$D/support"
	start_ui 100 30 "$@"
	expect_re "│   johndoe +2 +3 +6 +3.9 KiB"
	refute_re_row janedoe
	mv "$WORK/jane.away" "$D/janedoe"
	expect_re "│  .janedoe +1 +2 +4 +2.4 KiB"
	ok "$what: a restored maildir is noticed and counted"
	mkdir -p "$D/support/tmp" "$D/support/new" "$D/support/cur"
	deliver support 1
	expect_re "│  .support +1 +1 +1 "
	ok "$what: a maildir made by its first delivery is counted"
	deliver janedoe 2
	expect_re "│  .janedoe +2 +3 +5 "
	ok "$what: the restored box is followed from then on"
	keys q
	expect_quit 0
}

# No count on the row of a box without maildir.
refute_re_row() {
	screen | grep -qE "│  .$1 +[0-9]+ +[0-9]+ +[0-9]+ " && fail "counts shown for $1 without a maildir"
	return 0
}

appear "inotify"
appear "polled" VMAILADM_WATCH_LIMIT=1 VMAILADM_WATCH_FANOTIFY=0
[ "$(id -u)" = 0 ] && appear "fanotify" VMAILADM_WATCH_LIMIT=1
exit 0
