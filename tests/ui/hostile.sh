#!/bin/sh
# Issue 10, the hostile-input campaign through the interface's forms: the
# new mailbox, alias and domain forms refuse, as typed or at the submit,
# the characters dangerous in a new address, spaces, non-ASCII names,
# 10,000 typed characters, case collisions, an alias target without a user
# part or naming its alias, a quota Dovecot cannot count, a password over
# libxcrypt's limit; nothing is staged and no managed file changes.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
D="$WORK/demo"
sums() { cat "$D"/etc/postfix/* "$D/etc/dovecot/users" "$D/etc/aliases" | sha256sum; }
before=$(sums)
long=$(head -c 10000 /dev/zero | tr '\0' a)
n=0

start_ui 120 30
expect "Domains (5)"
expect "0 staged changes"
keys Tab

# open KEY TITLE: the add question, then the form KEY opens.
open() {
	keys a
	expect "What to add to andromed.cloud?"
	keys "$1"
	expect "$2"
}
# cancel: Esc, and nothing was staged.
cancel() {
	keys Escape
	expect "cancelled: nothing was staged"
	expect "0 staged changes"
	n=$((n + 1))
}
# field TEXT REASON: TEXT typed into the current field shows REASON.
field() {
	keys -l "$1"
	expect "$2"
}

for c in '%' '|' '`' '#' '&' '$' '!' '*' '?' '{' '}' '~' '=' "'"; do
	open m "New mailbox in andromed.cloud"
	field "a${c}b" "is legal in an address but dangerous"
	cancel
	open a "New alias in andromed.cloud"
	field "x${c}y" "is legal in an address but dangerous"
	cancel
done
ok "the dangerous characters are refused in new mailboxes and aliases"

open m "New mailbox in andromed.cloud"
field "a b" "whitespace or a control character"
cancel
open m "New mailbox in andromed.cloud"
field "jérôme" "non-ASCII user names are not supported"
cancel
open m "New mailbox in andromed.cloud"
keys -l "$long"
expect "the user part of" 10000
cancel
open m "New mailbox in andromed.cloud"
field "JohnDoe" "mailbox johndoe@andromed.cloud already exists"
cancel
open m "New mailbox in andromed.cloud"
field "a;b" "character ';' is not allowed"
cancel
ok "spaces, non-ASCII, 10,000 characters, case collisions"

# A quota Dovecot cannot count; a password over 511 bytes.
open m "New mailbox in andromed.cloud"
keys -l quotax
keys Tab Tab Tab
field 99999999999999999999G "is larger than Dovecot can count"
cancel
pw=$(head -c 600 /dev/zero | tr '\0' p)
open m "New mailbox in andromed.cloud"
keys -l pwlong
keys Tab
keys -l "$pw"
keys Tab
keys -l "$pw"
expect "the passwords match"
keys Enter Enter
expect "cannot be longer than 511 bytes"
cancel
ok "quota overflow and an over-long password refused"

open a "New alias in andromed.cloud"
keys -l team
keys Tab
field "@gmail.com" "has no user part"
cancel
open a "New alias in andromed.cloud"
keys -l team
keys Tab
field "johndoe" "has no domain"
cancel
open a "New alias in andromed.cloud"
keys -l selfie
keys Tab
keys -l selfie@andromed.cloud
keys Enter
expect "cannot be a target of itself"
cancel
open a "New alias in andromed.cloud"
keys -l info
keys Tab
keys -l INFO@andromed.cloud
keys Enter
expect "cannot be a target of itself"
cancel
ok "alias targets: @domain, no domain, the alias itself"

# The domain form (from the domains pane).
keys BTab
for dom in exa_mple.com a..b x.-a.com b-.com "$long"; do
	keys a
	expect "New mail domain"
	keys -l "$dom"
	expect_re "not allowed in domain name|empty label|starts with '-'|ends with '-'|longer than 253" 10000
	cancel
done
keys a
expect "New mail domain"
field ANDROMED.CLOUD "already"
cancel
ok "domains refused as typed"

[ "$(sums)" = "$before" ] || fail "a managed file changed"
[ -e "$D/state/staged" ] && fail "something was staged"
keys q
expect_quit
[ "$n" -ge 40 ] || fail "only $n cases"
ok "$n hostile inputs refused in the forms, no file changed"
