#!/bin/sh
# Lint in the interface (issue 6): the demo tree is clean of entry problems;
# a catch-all added by hand to the alias map marks the domain and the
# mailboxes it swallows, johndoe's details name the problem and trace his
# mail to admin's maildir, an alias shows its trace, the catch-all traces a
# made-up unknown address, and the mono theme keeps the mark as a character.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo

# The demo as made: no entry is marked (only its maps are not built).
start_ui 100 30
expect "Domains (5)"
expect_re "^ andromed.cloud    5   5"
refute "!johndoe"
refute "!andromed"
ok "no marks on the demo"
keys q
expect_quit

# The trap of reference §2: a catch-all in virtual_alias_maps.
echo '@andromed.cloud    admin@andromed.cloud' >>"$WORK/demo/etc/postfix/virtual_alias"

start_ui 110 70
expect_re "^!andromed.cloud +5 +5"
expect_re "^ ascent.cloud +2 +1"
expect_re "│  !johndoe "
expect_re "│  !janedoe "
# an alias the catch-all does not concern is not marked
expect_re "│   facturation → comptable@cabinet-expert.fr"
ok "the domain and the swallowed mailboxes are marked"

keys Enter j j j
expect "Mailbox       johndoe@andromed.cloud"
expect "Problems"
expect_re "^ .*│ error +catchall-swallows-mailboxes"
expect "fix: move the catch-all to virtual_mailbox_maps"
expect "$WORK/demo/etc/postfix/virtual_alias:"
expect "Mail for johndoe@andromed.cloud goes"
# The end of the trace: into the details pane, End.
keys Tab End
expect_re "│ Ends +maildir $WORK/demo/vhosts/andromed.cloud/admin/"
refute "maildir $WORK/demo/vhosts/andromed.cloud/johndoe/"
keys BTab
ok "johndoe: the problem and a trace ending at admin's maildir"

# Down past support and the "Aliases" title to equipe, then facturation.
keys j j
expect "Alias         equipe@andromed.cloud"
expect "Mail for equipe@andromed.cloud goes"
keys j
expect "Mail for facturation@andromed.cloud goes"
keys Tab End
expect_re "│ Ends +relayed to another host: comptable@cabinet-expert.fr"
ok "an alias: its trace to its target"
keys BTab

# The catch-all row (the last one): a made-up address, said so.
keys End
expect "Catch-all     @andromed.cloud"
expect_re "Mail for nosuchuser[0-9a-f]{6}@andromed.cloud goes"
expect "a made-up address"
keys Tab End
expect_re "│ Ends +maildir $WORK/demo/vhosts/andromed.cloud/admin/"
ok "the catch-all: the trace of an unknown address"
keys q
expect_quit

# 80x24: the details are longer than the pane; Tab there and PgDn scroll.
start_ui 80 24
keys Enter j j j
expect_re "Details  1-[0-9]+/[0-9]+"
refute "Mail for johndoe@andromed.cloud goes"
keys Tab
i=0
while [ $i -lt 12 ] && ! wait_re "│ Ends +maildir" 200; do
	keys PgDn
	i=$((i + 1))
done
expect_re "│ Ends +maildir"
ok "80x24: the details scroll to the end of the trace"
keys q
expect_quit

# Without colours the mark is still there.
start_ui 100 30 VMAILADM_THEME_DIR="$top_srcdir/themes" -- --theme mono
expect_re "^!andromed.cloud +5 +5"
expect_re "│  !johndoe "
ok "--theme mono: the mark is a character"
keys q
expect_quit
exit 0
