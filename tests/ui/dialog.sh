#!/bin/sh
# Dialogs (issue 12): a question whose text is longer than its box scrolls
# (Up, Down, PgUp, PgDn; the title says which lines show) instead of losing
# its last lines, and still takes its answer.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
# An archive directory with a long name makes the removal question longer
# than the screen at 80x24.
long=$(printf 'archive-of-removed-mailboxes/%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30)
sed -i "s|^archive_dir:.*|archive_dir: $WORK/$long|" "$WORK/demo/vmailadm.yaml"
grep -q "^archive_dir: $WORK/archive-of" "$WORK/demo/vmailadm.yaml" || fail "archive_dir not set"
start_ui 80 24
expect "Domains (5)"
keys Tab
expect "Mailbox       admin@andromed.cloud"
keys Space Space Space Space
expect "4 entries tagged"
keys d
expect "Remove the 4 tagged entries?"
expect_re "lines 1-[0-9]+ of [0-9]+ \(Up, Down\)"
refute "not deleted"
keys Down Down Down Down Down Down Down Down
expect "not deleted"
refute "Remove the 4 tagged entries?"
keys PPage PPage
expect "Remove the 4 tagged entries?"
ok "a question longer than its box scrolls"
keys n
expect "nothing was staged"
expect " 0 staged changes"
ok "and still takes its answer"
keys q
expect_quit
