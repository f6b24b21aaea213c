#!/bin/sh
# `L` on a mailbox: its recent deliveries and rejections, read from the
# log main.cf's maillog_file names, and the trace's prediction beside the
# last real delivery, marked where they differ (issue 17).
. "${top_srcdir:-.}/tests/ui/lib.sh"
make_demo

# A log of today: johndoe received one message through info@, one was
# refused for him.
stamp=$(LC_ALL=C date '+%b %e %H:%M:%S')
cat >"$WORK/mail.log" <<LOG
$stamp mail postfix/smtpd[10]: 1A2B3C4D5E: client=client.test[192.0.2.7]
$stamp mail postfix/qmgr[11]: 1A2B3C4D5E: from=<carol@sender.test>, size=900, nrcpt=1 (queue active)
$stamp mail postfix/virtual[12]: 1A2B3C4D5E: to=<johndoe@andromed.cloud>, orig_to=<info@andromed.cloud>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)
$stamp mail postfix/qmgr[11]: 1A2B3C4D5E: removed
$stamp mail postfix/smtpd[10]: NOQUEUE: reject: RCPT from bad.test[192.0.2.66]: 554 5.7.1 <johndoe@andromed.cloud>: Recipient address rejected: spam; from=<x@bad.test> to=<johndoe@andromed.cloud> proto=ESMTP helo=<bad>
LOG
chmod 644 "$WORK/mail.log"
echo "maillog_file = $WORK/mail.log" >>"$WORK/demo/etc/postfix/main.cf"

start_ui 120 30
expect "Domains (5)"
keys Enter j j j
expect "Mailbox       johndoe@andromed.cloud"
keys L
expect "Mail log of johndoe@andromed.cloud"
# The note wraps each record's first line.
expect "1A2B3C4D5E   sent         carol@sender.test ->"
expect "johndoe@andromed.cloud (info@andromed.cloud) via virtual"
expect "2.0.0 delivered to maildir"
expect "rejected     x@bad.test ->"
expect "johndoe@andromed.cloud via bad.test[192.0.2.66]"
ok "L on a mailbox shows its deliveries and rejections"
# The last message to johndoe was refused at RCPT, where the trace
# delivers: the two side by side, marked.
expect "Predicted (trace) ≠ last message (log, refused at RCPT): they DIFFER"
expect "≠ johndoe@andromed.cloud: maildir"
expect "the trace says delivered, the log says refused"
ok "L marks where the last real delivery differs from the trace"
keys x
wait_gone "Mail log of" || fail "the log note did not close"
# On an alias: the same message, by its original recipient.
keys j j j j
expect_re "Alias +info@andromed.cloud"
keys L
expect "Mail log of info@andromed.cloud"
expect "carol@sender.test ->"
expect "johndoe@andromed.cloud (info@andromed.cloud) via virtual"
refute "x@bad.test"
expect "Predicted (trace) = last message (log, 1A2B3C4D5E): they agree"
expect "=  johndoe@andromed.cloud: maildir"
ok "L on an alias"
keys x q
expect_quit
[ "$FAILS" -eq 0 ]
