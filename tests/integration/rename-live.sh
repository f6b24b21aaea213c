#!/bin/sh
# mailbox rename (issue 15) on a demo tree served by real Postfix and
# Dovecot: after the rename, mail sent by SMTP to NEW lands in the moved
# maildir, an IMAP login as NEW sees the old messages, OLD is refused at
# RCPT (or, with --keep-old, delivered to NEW), an alias naming OLD now
# delivers to NEW, and the old password logs in as NEW. Then forwarding
# (issue 15, same sandbox): with --keep-copy the mailbox and the target both
# get the mail, with --no-copy only the target, forward clear brings it back.
set -u
. "$top_srcdir/tests/integration/lib.sh"
sandbox_demo_test
send() { smtp_send tester@sandbox.test "$1" "$2" >/dev/null || no "SMTP to $1 refused"; }

sandbox_postmap_all || exit 99
sandbox_start || exit 99

printf 'Jane-Pass-1234\n' | sandbox_vmailadm mailbox passwd janedoe@andromed.cloud --password-stdin >/dev/null 2>&1 ||
	no "mailbox passwd janedoe"
send janedoe@andromed.cloud "before-rename"
wait_queue_empty || no "queue (before)"
has andromed.cloud/janedoe "before-rename"
n=$(imap_login janedoe@andromed.cloud 'Jane-Pass-1234') || no "IMAP janedoe before the rename"

# Across domains, without --keep-old.
vm mailbox rename janedoe@andromed.cloud jane@ascent.cloud || no "mailbox rename janedoe -> jane@ascent.cloud"
[ -d "$d/vhosts/ascent.cloud/jane/cur" ] || no "the maildir did not move"
[ -e "$d/vhosts/andromed.cloud/janedoe" ] && no "the old maildir is still there"
send jane@ascent.cloud "after-rename"
send equipe@andromed.cloud "to-the-team"
wait_queue_empty || no "queue (after)"
has ascent.cloud/jane "after-rename"
has ascent.cloud/jane "before-rename"
has ascent.cloud/jane "to-the-team"
[ -e "$d/vhosts/andromed.cloud/janedoe" ] && no "a delivery recreated the old maildir"
m=$(imap_login jane@ascent.cloud 'Jane-Pass-1234') || no "IMAP login as jane@ascent.cloud with the old password"
[ "$m" = $((n + 2)) ] || no "IMAP jane@ascent.cloud sees $m messages, expected $((n + 2)) (the old ones too)"
auth_test janedoe@andromed.cloud 'Jane-Pass-1234'
[ $? -eq 1 ] || no "the old name still logs in"
o=$(smtp_send tester@sandbox.test janedoe@andromed.cloud "to-the-old-name")
case $o in *"550 5.1.1"*) ;; *) no "mail to the old name: expected 550 5.1.1, got: $o" ;; esac

# In the same domain, with --keep-old: the old name delivers to the new.
printf 'John-Pass-1234\n' | sandbox_vmailadm mailbox passwd johndoe@andromed.cloud --password-stdin >/dev/null 2>&1 ||
	no "mailbox passwd johndoe"
vm mailbox rename johndoe@andromed.cloud john@andromed.cloud --keep-old || no "mailbox rename --keep-old"
send johndoe@andromed.cloud "old-name-kept"
send info@andromed.cloud "alias-of-old"
wait_queue_empty || no "queue (keep-old)"
has andromed.cloud/john "old-name-kept"
has andromed.cloud/john "alias-of-old"
[ -e "$d/vhosts/andromed.cloud/johndoe" ] && no "--keep-old: a delivery recreated the old maildir"
imap_login john@andromed.cloud 'John-Pass-1234' >/dev/null || no "IMAP login as john@andromed.cloud"
case $(bv_probe johndoe@andromed.cloud) in
*"deliverable john@andromed.cloud"*) ;;
*) no "sendmail -bv johndoe@: not delivered to john" ;;
esac
sandbox_vmailadm lint >"$tmp/lint" 2>&1
grep -E "jane@|john@" "$tmp/lint" && no "lint finds a problem after the renames"

# ---- forwarding ----
vm forward set support@andromed.cloud john@andromed.cloud --keep-copy || no "forward set --keep-copy"
send support@andromed.cloud "fwd-with-copy"
wait_queue_empty || no "queue (keep-copy)"
has andromed.cloud/support "fwd-with-copy"
has andromed.cloud/john "fwd-with-copy"
vm forward set support@andromed.cloud john@andromed.cloud --no-copy || no "forward set --no-copy"
send support@andromed.cloud "fwd-no-copy"
wait_queue_empty || no "queue (no-copy)"
has andromed.cloud/john "fwd-no-copy"
maildir_grep "$d/vhosts/andromed.cloud/support" "fwd-no-copy" && no "--no-copy: the mailbox got a copy"
sandbox_vmailadm lint >"$tmp/lint" 2>&1
grep -q "forward-without-copy" "$tmp/lint" || no "lint: no forward-without-copy for support@"
vm forward clear support@andromed.cloud || no "forward clear"
send support@andromed.cloud "fwd-cleared"
wait_queue_empty || no "queue (cleared)"
has andromed.cloud/support "fwd-cleared"
maildir_grep "$d/vhosts/andromed.cloud/john" "fwd-cleared" && no "forward clear: the target still gets the mail"
exit $fail
