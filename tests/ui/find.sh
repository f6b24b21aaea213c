#!/bin/sh
# Finding (issue 12), with less's and htop's keys: / searches as it is
# typed and hides nothing, n and N go to the next and previous match
# across the domains, wrapping around; Esc while typing goes back where
# the search started; \ filters (hides what does not match); m goes to the
# next mailbox with new mail.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
start_ui 100 30
expect "Domains (5)"

keys /
expect "Search: _"
keys -l jo
expect "Search: jo_"
expect "Mailbox       johndoe@andromed.cloud"
expect "Domains (5)"
expect "Mailboxes (5)"
ok "/ moves to the first match as it is typed, hiding nothing"
keys Enter
expect "Search: jo   (n next, N previous)"
keys n
expect "Alias         equipe@andromed.cloud"
keys n
expect "Alias         info@andromed.cloud"
keys N
expect "Alias         equipe@andromed.cloud"
ok "n and N: next and previous match"

# Across domains and wrapping around: admin is in two domains. The search
# starts at the selection (g: the first row, admin@andromed.cloud).
keys g
keys /
keys -l admin
keys Enter
expect "Mailbox       admin@andromed.cloud"
keys n
expect "Alias         postmaster@andromed.cloud"
keys n
expect "Alias         webmaster@andromed.cloud"
keys n
expect "Mailbox       admin@ascent.cloud"
expect_re "│ ascent.cloud +new unread"
keys n
expect "Alias         postmaster@ascent.cloud"
keys n
expect "Mailbox       admin@andromed.cloud"
ok "across domains, wrapping around"
keys N
expect "Alias         postmaster@ascent.cloud"
keys N
expect "Mailbox       admin@ascent.cloud"
ok "N backwards across domains"

# A domain name matches too (its row in the domains pane).
keys /
keys -l localhost.loc
expect "Domain        localhost.localdomain"
keys Escape
expect "Mailbox       admin@ascent.cloud"
ok "Esc goes back where the search started"

keys /
keys -l nosuchthing
expect "Search: nosuchthing_   (not found)"
keys Enter
expect "Not found: nosuchthing"
expect "Mailbox       admin@ascent.cloud"
ok "nothing found: the selection stays"

# The filter moved to \ and still hides.
keys '\'
expect "Filter: _"
keys -l jane
expect "Domains (1)"
expect "Mailboxes (1)"
keys Enter
expect "Filter: jane   (Esc clears it)"
keys Escape
expect "Domains (5)"
ok "\\ filters"

keys m
expect_re "[a-z]+@[a-z.]+: [0-9]+ new"
ok "m: next mailbox with new mail"
keys q
expect_quit 0
exit 0
