#!/bin/sh
# A mailbox's message list (issue 12): the flags (N new, U unread, R
# replied, F flagged), the Maildir++ folders (f, F), new mail appearing
# by itself as it arrives, and its own help (?).
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
BOX="$WORK/demo/vhosts/andromed.cloud/johndoe"
start_ui 100 30
expect "Domains (5)"
keys Tab j j j
expect "Mailbox       johndoe@andromed.cloud"
keys Enter
expect "johndoe@andromed.cloud: INBOX, 5 messages (2 new, 3 unread)"
expect_re "^ U F +[0-9-]+ [0-9:]+ Jane Doe +Planning de la semaine"
expect_re "^  R +[0-9-]+ [0-9:]+ Admin +Accès au serveur de mail"
expect_re "^ N +[0-9-]+ [0-9:]+ Jane Doe +Réunion décalée"
ok "flags: new, unread, replied, flagged"

name="$(date +%s).M1P$$.maillist,S=90"
printf 'From: Live Sender <live@example.org>\nSubject: arrives while open\n\nhi\n' >"$BOX/tmp/$name"
mv "$BOX/tmp/$name" "$BOX/new/$name"
expect "johndoe@andromed.cloud: INBOX, 6 messages (3 new, 4 unread)"
expect "arrives while open"
ok "new mail shows in the open list by itself"

keys f
expect "johndoe@andromed.cloud: Sent, 1 message (0 new, 0 unread)"
expect "Re: Réunion décalée à jeudi 14h"
keys Enter
expect "Subject: Re: Réunion décalée à jeudi 14h"
keys q
keys F
expect "johndoe@andromed.cloud: INBOX, 6 messages"
ok "f and F go through the folders; a folder's message reads"

keys '?'
expect "A mailbox's messages"
expect "the next / previous folder (Sent, Trash ...), INBOX first"
keys q
expect "johndoe@andromed.cloud: INBOX"
ok "? shows the list's own keys"
keys q
expect "Domains (5)"
keys q
expect_quit 0
exit 0
