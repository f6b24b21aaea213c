#!/bin/sh
# The demo tree under real Postfix and Dovecot: SMTP delivery to a mailbox,
# through an alias and a multi-target alias, an external alias that must
# leave (and is stopped by the sandbox), an unknown address refused with 550;
# sendmail -bv agrees; every demo password logs in (doveadm auth test and
# IMAP) and a wrong one does not.
set -u
. "$top_srcdir/tests/integration/lib.sh"
sandbox_demo_test


sandbox_postmap_all || exit 99
sandbox_start || exit 99
v="$d/vhosts/andromed.cloud"
john0=$(maildir_count "$v/johndoe")
jane0=$(maildir_count "$v/janedoe")
all0=$(find "$d/vhosts" -path '*/new/*' -type f | wc -l)

from=tester@sandbox.test
smtp_send $from johndoe@andromed.cloud "live-direct" >/dev/null || no "SMTP to johndoe refused"
smtp_send $from info@andromed.cloud "live-info" >/dev/null || no "SMTP to info@ refused"
smtp_send $from equipe@andromed.cloud "live-team" >/dev/null || no "SMTP to equipe@ refused"
smtp_send $from facturation@andromed.cloud "live-external" >/dev/null \
	|| no "SMTP to facturation@ refused (it is a valid alias)"
out=$(smtp_send $from unknown@andromed.cloud "live-unknown")
rc=$?
[ $rc -eq 1 ] || no "unknown@ was not refused (rc $rc: $out)"
case $out in
*"550 5.1.1"*"User unknown in virtual mailbox table"*) ;;
*) no "unknown@: expected 550 User unknown, got: $out" ;;
esac
wait_queue_empty || no "queue not empty"

maildir_grep "$v/johndoe" "live-direct" || no "direct mail not in johndoe's maildir"
ls "$v/johndoe/new" | grep -q . || no "johndoe/new is empty"
maildir_grep "$v/johndoe" "live-info" || no "info@ did not reach johndoe"
maildir_grep "$v/johndoe" "live-team" || no "equipe@ did not reach johndoe"
maildir_grep "$v/janedoe" "live-team" || no "equipe@ did not reach janedoe"
[ "$(maildir_count "$v/johndoe")" -eq $((john0 + 3)) ] || no "johndoe: expected $((john0 + 3)) messages"
[ "$(maildir_count "$v/janedoe")" -eq $((jane0 + 1)) ] || no "janedoe: expected $((jane0 + 1)) messages"
grep -rlF "live-external" "$d/vhosts" && no "facturation@ was delivered locally"
[ "$(find "$d/vhosts" -path '*/new/*' -type f | wc -l)" -eq $((all0 + 4)) ] || no "unexpected deliveries"
grep -q 'to=<comptable@cabinet-expert.fr>, orig_to=<facturation@andromed.cloud>.*status=bounced (no delivery outside the sandbox)' \
	"$SB_LOG" || no "facturation@ was not sent towards comptable@cabinet-expert.fr"
grep -q 'to=<johndoe@andromed.cloud>, orig_to=<info@andromed.cloud>, relay=virtual.*status=sent' \
	"$SB_LOG" || no "no virtual delivery logged for info@"

# sendmail -bv, the resolver oracle, says the same.
out=$(bv_probe equipe@andromed.cloud)
echo "$out" | grep -qx 'deliverable johndoe@andromed.cloud 2.0.0' || no "bv equipe@: $out"
echo "$out" | grep -qx 'deliverable janedoe@andromed.cloud 2.0.0' || no "bv equipe@: $out"
out=$(bv_probe facturation@andromed.cloud)
[ "$out" = "undeliverable comptable@cabinet-expert.fr 5.7.1" ] || no "bv facturation@: $out"
out=$(bv_probe nobody@ascent.cloud)
[ "$out" = "undeliverable nobody@ascent.cloud 5.1.1" ] || no "bv nobody@: $out"

# Every documented password works, over doveadm and IMAP; a wrong one fails.
while read -r addr pass; do
	auth_test "$addr" "$pass" || no "doveadm auth test $addr failed"
	auth_test "$addr" "x$pass"
	[ $? -eq 1 ] || no "doveadm auth test $addr with a wrong password did not fail"
	dom=${addr#*@}; user=${addr%@*}
	n=$(imap_login "$addr" "$pass") || no "IMAP LOGIN $addr failed: $n"
	[ "$n" = "$(maildir_count "$d/vhosts/$dom/$user")" ] || no "IMAP $addr sees $n messages"
done <<'EOT'
johndoe@andromed.cloud MotDePasse123!
janedoe@andromed.cloud MotDePasse456!
contact@andromed.cloud Contact-Andromed-1
support@andromed.cloud Support-Andromed-2
admin@andromed.cloud Admin-Andromed-3
contact@ascent.cloud Contact-Ascent-4
admin@ascent.cloud Admin-Ascent-5
EOT
out=$(imap_login johndoe@andromed.cloud wrong-password)
[ $? -eq 1 ] || no "IMAP LOGIN with a wrong password: $out"

sandbox_stop || no "the servers did not stop cleanly"
[ $fail -eq 0 ] || { echo "--- postfix log"; tail -n 30 "$SB_LOG"; echo "--- dovecot log"; tail -n 30 "$SB_DLOG"; }
exit $fail
