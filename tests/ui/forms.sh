#!/bin/sh
# Forms start from what the entry means and say all they mean (issue 12):
# editing a catch-all kept in the mailbox map (its value a maildir path)
# pre-fills the address of the mailbox it delivers to, not the path the
# form would refuse; a target in a hosted domain that does not exist is
# flagged as typed (the stage's rule, as is an alias naming itself) and its reason, longer than the
# screen is wide, wraps instead of ending in an ellipsis; a password shorter than
# password_min_length is refused as typed; a question is framed.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
"$VMAILADM" -c "$CONF" catchall set andromed.cloud admin@andromed.cloud >/dev/null 2>&1 ||
	fail "catchall set andromed.cloud admin@andromed.cloud"
grep -q '^@andromed.cloud  *andromed.cloud/admin/$' "$WORK/demo/etc/postfix/vmailbox" ||
	fail "the catch-all is not in the mailbox map as a path"
start_ui 100 30
expect "Domains (5)"
keys Tab G
expect_re "Catch-all +admin@andromed.cloud|@andromed.cloud"
keys e
expect "Catch-all of andromed.cloud"
expect "Target          admin@andromed.cloud_"
refute "andromed.cloud/admin/_"
ok "a catch-all's form starts with its mailbox's address, not its maildir path"
keys Escape

# A target in a hosted domain that is neither a mailbox nor an alias is
# flagged as typed, in the stage's words (the rule Enter applies), and the
# long reason wraps under the field, whole; in the catch-all form too.
keys a a
expect "New alias in andromed.cloud"
keys -l sales
keys Tab
keys -l nobody@andromed.cloud
expect "nobody@andromed.cloud is in hosted domain andromed.cloud but is neither a mailbox"
expect "nor an alias: mail to it would bounce"
refute "Fix the field marked first."
keys Enter
expect "Fix the field marked first."
refute "1 staged change"
keys C-u
keys -l 'johndoe@andromed.cloud, nobody@ascent.cloud'
expect "nobody@ascent.cloud is in hosted domain ascent.cloud but is neither a mailbox"
keys C-u
keys -l 'johndoe@andromed.cloud, SALES@andromed.cloud'
expect "sales@andromed.cloud cannot be a target of itself"
keys C-u
keys -l 'johndoe@andromed.cloud, someone@example.com'
wait_gone "is in hosted domain" || fail "a valid target list still flagged"
refute "cannot be a target of itself"
ok "a missing target in a hosted domain is flagged while typing; the long reason wraps, whole"
keys Escape
keys a c
expect "Catch-all of andromed.cloud"
keys C-u
keys -l nobody@ascent.cloud
expect "nobody@ascent.cloud is in hosted domain ascent.cloud but is neither a mailbox"
keys C-u
keys -l admin@ascent.cloud
wait_gone "is in hosted domain" || fail "an existing mailbox flagged as a catch-all target"
ok "the catch-all form flags it too"
keys Escape

# A password shorter than password_min_length is refused as typed, with
# the command line's words, and Enter does not stage it.
keys g p
expect "New password for admin@andromed.cloud"
keys t
expect "Password of admin@andromed.cloud"
keys -l Short
expect "too short: 5 characters, at least 10 (password_min_length)"
keys Tab
keys -l Short
expect "the passwords match"
keys Enter
expect "Fix the field marked first."
refute "1 staged change"
ok "a short password is refused while typing"
keys Escape

# A question has a frame: no text of the pane below runs into it.
keys g d
expect_re "│  Remove the mailbox admin@andromed.cloud\? +│"
expect_re "│  y Yes   n No +│"
keys n
expect "nothing was staged"
ok "a question is framed"
keys q
expect_quit 0
exit 0
