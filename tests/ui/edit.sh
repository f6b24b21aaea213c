#!/bin/sh
# Editing in the interface on the demo tree: a mailbox added through the
# form (password typed twice, checked as typed, one shorter than
# password_min_length refused as typed), marked staged, previewed
# (+ lines), committed (steps shown, files and Maildir on disk), an alias
# added and undone, an alias's targets edited as one change (undone, then
# committed), a removal confirmed, quitting with staged changes asks,
# SIGHUP saves them and the next start offers them back (mono too); the
# message list and viewer show the demo's encoded-word subjects decoded.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
VB="$WORK/demo/etc/postfix/vmailbox"
USERS="$WORK/demo/etc/dovecot/users"
PENDING="$WORK/demo/state/staged"

start_ui 100 30
expect "Domains (5)"
expect "0 staged changes"

# a, in the entries pane: which kind, then the mailbox form.
keys Tab a
expect "What to add to andromed.cloud?"
keys m
expect "New mailbox in andromed.cloud"
keys -l alice
expect "→ alice@andromed.cloud"
keys Tab
keys -l 'Short-pw9'
expect "too short: 9 characters, at least 10 (password_min_length)"
keys C-u
keys -l 'S3cret-pass'
# typed a key at a time: the first nine were too short until the last repaint
wait_gone "too short" || fail "did not expect 'too short' on the screen"
keys Tab
keys -l 'S3cret-pasX'
expect "the passwords differ"
keys BSpace
keys -l s
expect "the passwords match"
refute "S3cret"
keys Tab
keys -l 1x
expect "1x"
wait_re "(cannot|invalid|not a|unit)" 2000 || fail "no reason shown for a bad quota"
keys BSpace
keys -l G
expect "*:storage=1G"
keys Enter
expect "1 staged change"
expect_re "│ \+ alice +staged: new"
expect "Staged        added (not committed yet)"
expect "Messages      the Maildir is created at commit"
grep -q '^alice@' "$VB" && fail "vmailbox written before the commit"
ok "mailbox added through the form, marked staged"

# An existing address is refused as typed.
keys a m
expect "New mailbox in andromed.cloud"
keys -l johndoe
expect "mailbox johndoe@andromed.cloud already exists"
# an existing alias, refused while typing with the stage's own words
keys C-u
keys -l info
expect "info@andromed.cloud is an alias: mail to it goes to its targets"
keys Escape
expect "cancelled: nothing was staged"
expect "1 staged change"
# a local domain (mydestination) is no virtual domain
keys Left
keys a
expect "New mail domain"
keys -l localhost
expect "localhost is already a local domain (mydestination)"
keys Escape
keys Right
ok "form checks against the staged world, with the stage's rules"

# D: the diff, coloured per line; c commits with each step shown.
keys D
expect "Preview of the staged changes: c commits"
expect "1. add mailbox alice@andromed.cloud"
expect_re "^ \+\+\+ .*/etc/postfix/vmailbox"
expect_re "^ \+alice@andromed.cloud +andromed.cloud/alice/"
# + lines take the staged_add role (a colour), - lines none here
screen_esc | grep '+alice@andromed.cloud ' | grep -q "$(printf '\033')\[" ||
	fail "the + line is not coloured"
keys c
expect "Committed (" 10000
expect "ok   postmap"
expect "create maildir $WORK/demo/vhosts/andromed.cloud/alice"
grep -q '^alice@andromed.cloud[[:space:]]*andromed.cloud/alice/' "$VB" || fail "vmailbox lacks alice"
grep -q '^alice@andromed.cloud:{SHA512-CRYPT}\$6\$' "$USERS" || fail "users lacks alice"
grep -q '^alice@andromed.cloud:.*userdb_quota_rule=\*:storage=1G' "$USERS" || fail "no quota"
[ -d "$WORK/demo/vhosts/andromed.cloud/alice/new" ] || fail "no maildir"
keys q
expect "0 staged changes"
expect_re "│   alice +0 +0 +0 +0 B"
ok "diff previewed, committed, files and Maildir on disk, world read again"

# An alias, then u.
keys a a
expect "New alias in andromed.cloud"
keys -l sales
keys Tab
keys -l 'alice@andromed.cloud, bob'
expect "'bob' has no domain"
keys -l '@example.com'
keys Enter
expect "1 staged change"
expect_re "│ \+ sales → alice@andromed.cloud, bob@example.com"
keys u
expect "0 staged changes"
expect "undone: alias sales@andromed.cloud"
refute "sales →"
ok "alias added, then undone"

# The cursor goes to what was just staged: a new domain (in the domains
# pane, after andromed.cloud in name order), then a catch-all on its row.
keys Left Left
keys a
expect "New mail domain"
keys -l zz-new.example
keys Enter
expect "1 staged change"
expect "Domain        zz-new.example"
expect_re "│ zz-new.example +new unread"
keys Tab a c
keys -l admin@andromed.cloud
keys Enter
expect "2 staged changes"
expect_re "Catch-all +.*zz-new.example"
keys u u
expect "0 staged changes"
expect_re "│ andromed.cloud +new unread"
ok "the cursor goes to a new domain, then to a new catch-all"

# e on an alias: a target removed, one added, the rest reordered: one
# staged change, which u undoes whole; then again, previewed and committed.
VAL="$WORK/demo/etc/postfix/virtual_alias"
keys G k k k k
expect "Alias         equipe@andromed.cloud"
keys e
expect "Targets of the alias equipe@andromed.cloud"
keys C-u
keys -l 'janedoe@andromed.cloud, support@andromed.cloud'
keys Enter
expect "1 staged change"
expect "staged: alias equipe@andromed.cloud: targets now janedoe@andromed.cloud, support@andromed.cloud"
expect_re "│ ~ equipe → janedoe@andromed.cloud, support@andromed.cloud"
refute "2 staged changes"
keys u
expect "0 staged changes"
expect "undone: alias equipe@andromed.cloud: targets now"
expect_re "│   equipe → johndoe@andromed.cloud, janedoe@andromed.cloud"
refute "equipe → janedoe@andromed.cloud, support"
ok "alias targets edited as one staged change, undone whole"

keys e
expect "Targets of the alias equipe@andromed.cloud"
keys C-u
keys -l 'janedoe@andromed.cloud, support@andromed.cloud'
keys Enter
expect "1 staged change"
keys D
expect "Preview of the staged changes: c commits"
expect "1. alias equipe@andromed.cloud: targets now janedoe@andromed.cloud, support@andromed.cloud"
refute "2. "
expect_re "^ -equipe@andromed.cloud +johndoe@andromed.cloud, janedoe@andromed.cloud"
expect_re "^ \+equipe@andromed.cloud +janedoe@andromed.cloud, support@andromed.cloud"
keys c
expect "Committed (" 10000
grep -qx 'equipe@andromed.cloud        janedoe@andromed.cloud, support@andromed.cloud' "$VAL" ||
	fail "virtual_alias: $(grep '^equipe@' "$VAL")"
keys q
expect "0 staged changes"
expect_re "│   equipe → janedoe@andromed.cloud, support@andromed.cloud"
ok "alias targets edit committed: the new line, key and spacing as written"

# d asks, then the entry shows as removed.
keys G
expect "Alias         webmaster@andromed.cloud"
keys d
expect "Remove the alias webmaster@andromed.cloud (to admin@andromed.cloud)?"
keys n
expect "nothing was staged"
keys d
expect "Remove the alias webmaster"
keys y
expect "1 staged change"
expect_re "│ - webmaster → admin@andromed.cloud"
expect "Staged        to be removed (not committed yet)"
ok "removal confirmed and marked"

# q with staged changes asks; Esc stays.
keys q
expect "1 staged change is not committed."
expect "c Commit   d Discard   s Save for later   Esc Cancel"
keys Escape
expect "F1 Help"
refute "__EXIT"
ok "quit with staged changes asks"

# SIGHUP: saved, and offered back at the next start.
shell=$(T display-message -p '#{pane_pid}')
pid=$(pgrep -P "$shell" | head -n 1)
[ -n "$pid" ] || fail "no vmailadm process under the pane"
kill -s HUP "$pid"
expect "__EXIT="
expect "1 staged change saved"
grep -qx 'alias del webmaster@andromed.cloud' "$PENDING" || fail "pending file: $(cat "$PENDING")"
ok "SIGHUP saved the staged change"

start_ui 100 30 NO_COLOR=1
expect "1 staged change from an earlier session:"
expect "  alias del webmaster@andromed.cloud"
expect "Restore it? y/n"
keys y
expect "restored 1 staged change"
expect " 1 staged change"
[ -e "$PENDING" ] && fail "the pending file stays after the restore"
keys Tab G
expect_re "│ - webmaster → admin@andromed.cloud"
# mono: no colour sequences, the marks stay readable
screen_esc | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" && fail "colours under NO_COLOR"
screen_esc | grep -q "$(printf '\033')\[[0-9;]*38;5;" && fail "256 colours under NO_COLOR"
ok "restored at the next start (mono theme)"

keys q
expect "1 staged change is not committed."
keys d
expect "__EXIT=0"
expect "1 staged change discarded"
grep -q '^webmaster@andromed.cloud' "$WORK/demo/etc/postfix/virtual_alias" || fail "discard wrote"
ok "discard on quit"

# Messages of johndoe: the encoded-word subjects decoded, one read.
start_ui 100 30
expect "Domains (5)"
keys Tab
expect "Mailbox       admin@andromed.cloud"
keys j j j j
expect "Mailbox       johndoe@andromed.cloud"
keys Enter
expect "johndoe@andromed.cloud: INBOX, 5 messages (2 new, 3 unread)"
expect "Réunion décalée à jeudi 14h"
expect "Accès au serveur de mail"
refute "=?UTF-8?"
row=$(screen | grep -n '^ N .*Réunion décalée à jeudi 14h' | head -n 1 | cut -d: -f1)
[ -n "$row" ] || fail "Réunion is not a new message in the list"
i=4   # the first message is on screen line 4
while [ "$i" -lt "$row" ]; do
	keys j
	i=$((i + 1))
done
keys Enter
expect "Subject: Réunion décalée à jeudi 14h"
expect "From: Jane Doe <janedoe@andromed.cloud>"
expect "La réunion de lundi est décalée à jeudi 14h, même salle."
keys q
expect "johndoe@andromed.cloud: INBOX"
ok "message list and viewer (RFC 2047 decoded)"

# n in the list: the next box with new mail.
keys n
expect_re "support@andromed.cloud: INBOX, [0-9]+ messages \([0-9]+ new"
keys q q
expect_quit 0
ok "n jumps to the next box with new mail"
