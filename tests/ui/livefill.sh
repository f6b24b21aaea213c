#!/bin/sh
# Counts fill in (issue 16): a full scan reads the boxes in chunks, in the
# panes' order, and shows each chunk's figures as soon as it is read. With
# a third domain of 300 mailboxes (one new message each) and the scan held
# after its first chunk (VMAILADM_SCAN_GATE: ordering, not timing), the
# first domain's mailboxes already show their counts while the third
# domain's total covers only the boxes read so far; released, it reaches
# all 300. Still held, the rows a key moves to are read at once (issue 16:
# they waited for the whole chunk, half a second at 10,000 boxes): with
# zz.example opened and its last row selected (past the first chunk), the
# rows shown get their one new message.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
P="$WORK/demo/etc/postfix"
V="$WORK/demo/vhosts/zz.example"
echo "zz.example                   OK" >>"$P/virtual_domains"
i=0
while [ $i -lt 300 ]; do
	u=$(printf 'u%03d' $i)
	echo "$u@zz.example    zz.example/$u/" >>"$P/vmailbox"
	mkdir -p "$V/$u/tmp" "$V/$u/cur" "$V/$u/new"
	printf 'Subject: x\n\nx\n' >"$V/$u/new/1700000000.M$i.fill,S=14"
	i=$((i + 1))
done
GATE="$WORK/scan-gate"
start_ui 100 30 "VMAILADM_SCAN_GATE=$GATE"
expect_re "│   johndoe +2 +3 +6 +3.9 KiB"
ok "the first chunk's counts show while the scan is held"
# Waited for, not read at once: the rows on the first screen (johndoe's)
# are read and shown before the first chunk, zz.example's first boxes
# with it, a moment later.
wait_re '^.zz\.example +300 +0 +[1-9][0-9]* ' ||
	fail "zz.example counts none of its first boxes: $(screen | grep -E '^.zz\.example ')"
row=$(screen | grep -E '^.zz\.example ' || true)
echo "$row" | grep -qE 'zz\.example +300 +0 +300 ' && fail "all 300 boxes counted before the gate: $row"
ok "zz.example counts the boxes read so far: $(echo "$row" | tr -s ' ')"
expect "scanning"
keys G
expect_re "│   u000 +1 +1 +1 "
keys Tab G
expect_re "u299 +1 +1 +1 "
row=$(screen | grep -E '^.zz\.example ' || true)
echo "$row" | grep -qE 'zz\.example +300 +0 +300 ' && fail "all 300 boxes counted before the gate: $row"
ok "held, the rows moved to show their counts: $(screen | grep -E 'u299' | tr -s ' ' | head -1)"
touch "$GATE"
expect_re "^.zz\.example +300 +0 +300 "
ok "released, the scan counts every box"
keys q
expect_quit 0

# Quitting while the scan runs does not wait for it (a first scan of
# 100,000 boxes made q or a signal wait up to a minute): the scan stops
# and places no watch. Held by a gate never opened, q must end it, and
# VMAILADM_WATCH_LIMIT's report (written at the end when watches were
# placed) must not show: the rest of the boxes were not read and watched
# first.
start_ui 100 30 "VMAILADM_SCAN_GATE=$WORK/never" VMAILADM_WATCH_LIMIT=100000
expect "scanning"
keys q
expect_quit 0
refute "vmailadm-watch:"
ok "q while the scan is held: the interface ends, the scan stopped, no watch placed"
exit 0
