#!/bin/sh
# Tagging (issue 12): Space tags a mailbox or alias (and moves on), Space
# again untags; with entries tagged, Q sets one quota on every tagged
# mailbox and d removes every tagged entry after one question listing them,
# each as one batch: all staged, or nothing (a refusal undoes the part of
# the batch already staged and says why).
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
start_ui 100 30
expect "Domains (5)"
keys Tab
expect "Mailbox       admin@andromed.cloud"
keys Space
expect "1 entry tagged: d removes it, Q sets its quota; Space again untags"
expect_re "│\*  admin "
expect "Mailbox       contact@andromed.cloud"
keys Space
expect "2 entries tagged"
keys k
keys Space
expect "1 entry tagged"
expect_re "│   contact "
keys j Space
expect "2 entries tagged"
ok "Space tags and untags, moving on"

keys Q
expect "Quota of the 2 tagged entries"
keys -l 3G
keys Enter
expect "staged 2 changes on the tagged entries"
expect " 2 staged changes"
refute "│*"
keys D
expect "1. set the quota of admin@andromed.cloud to 3G"
expect "2. set the quota of johndoe@andromed.cloud to 3G"
keys q
ok "Q: one quota on every tagged mailbox, as one batch"

# d on a mailbox and an alias: one question listing both.
keys G
expect "Alias         webmaster@andromed.cloud"
keys Space
keys g j j j j
expect "Mailbox       support@andromed.cloud"
keys Space
keys d
expect "Remove the 2 tagged entries?"
expect "  webmaster@andromed.cloud"
expect "  support@andromed.cloud"
keys y
expect " 4 staged changes"
ok "d: every tagged entry removed, after one question"
keys u u u u
expect " 0 staged changes"

# A batch with one entry the stage refuses (admin is postmaster's target),
# tagged after one it accepts: the accepted one is undone, nothing of the
# batch stays staged, and the reason is said.
keys g j j j j Space
keys g Space
expect "2 entries tagged"
keys d
expect "Remove the 2 tagged entries?"
keys y
expect "nothing of the batch was staged: error: admin@andromed.cloud is a target of"
expect " 0 staged changes"
ok "a batch with a refusal stages nothing"
keys q
expect_quit 0
exit 0
