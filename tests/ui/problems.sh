#!/bin/sh
# The problems view (issue 12): ! lists every lint finding, the ones tied
# to no entry too (a map never built), errors first, with the selected
# one's rule, file and fix; Enter goes to its entry on the main screen; one
# about a file says so; ? shows the view's own keys; q and Esc go back.
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo
printf '@andromed.cloud    admin@andromed.cloud\n' >>"$WORK/demo/etc/postfix/virtual_alias"
start_ui 100 30
expect "Domains (5)"
keys '!'
expect "Problems (4)"
expect_re "^ error +catch-all @andromed.cloud in the alias map swallows 5 mailboxes"
expect_re "^ error +.*/vmailbox.db does not exist: postmap was never run"
expect " map-not-built"
expect "Fix: run postmap hash:$WORK/demo/etc/postfix/virtual_alias"
ok "every problem, those of no entry too, with rule, file and fix"

keys '?'
expect "go to the problem's entry on the main screen"
keys Escape
expect "Problems (4)"
ok "? shows the view's keys"

# The catch-all's problem: Enter goes to its domain, whose details say it.
keys j
expect " catchall-swallows-mailboxes"
keys Enter
expect "Domains (5)"
expect_re "Catch-all +admin@andromed.cloud"
expect "catchall-swallows-mailboxes"
ok "Enter goes to the problem's domain"

keys '!'
expect "Problems (4)"
keys G Enter
expect "this problem is not about one entry: hash:$WORK/demo/etc/postfix/vmailbox"
ok "a problem about a file says so"

# f stages the selected problem's repair, as lint --fix does: the map
# never built gets its postmap, which D previews.
keys '!'
expect "Problems (4)"
keys G f
expect "staged: rebuild map hash:$WORK/demo/etc/postfix/vmailbox"
expect "1 staged change"
keys D
expect "rebuild map hash:$WORK/demo/etc/postfix/vmailbox"
keys q u
expect "0 staged changes"
ok "f stages the problem's repair, D previews it"

keys '!'
expect "Problems (4)"
keys q
expect "Domains (5)"
keys q
expect_quit 0
exit 0
