#!/bin/sh
# Send-as on the real Postfix with Dovecot SASL (issue 15): a submission
# listener (smtpd_sasl_auth_enable=yes, smtpd_sasl_type=dovecot through the
# sandbox Dovecot's auth socket, its own -o smtpd_sender_restrictions),
# `vmailadm sendas enable` (main.cf and that -o of master.cf) and `allow`
# committed like any edit. A user may send as its own address, its aliases
# and what it was granted (250); it is refused another mailbox's address
# (553 5.7.1 ... not owned by user), a revoked grant at once, and the map
# follows a mailbox added afterwards. A client that does not log in is not
# concerned (reject_authenticated_sender_login_mismatch).
set -u
. "$top_srcdir/tests/integration/lib.sh"
command -v swaks >/dev/null 2>&1 || { echo "SKIP: swaks is not installed"; exit 77; }
sandbox_demo_test
SUB_PORT=$(sandbox_free_port) || exit 99
# Dovecot's auth socket for Postfix, and the submission-like listener.
cat >>"$SB_DC" <<EOF
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
EOF
postconf -c "$SB_PF" -e "smtpd_sasl_type = dovecot" "smtpd_sasl_path = $SB/dovecot-run/auth-postfix" || exit 99
# Its own smtpd_sender_restrictions (-o) hide main.cf's: enable must edit
# master.cf too, or nothing is refused there.
cat >>"$SB_PF/master.cf" <<EOF
# the submission-like listener (tests/integration/sendas-live.sh)
127.0.0.1:$SUB_PORT inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sender_restrictions=permit_mynetworks
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
EOF
touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf" "$SB_PF/master.cf"
sandbox_postmap_all || exit 99
sandbox_start || exit 99
_sb_wait_port "$SUB_PORT" 50 || { echo "nothing listens on the submission port"; exit 99; }

# submit LOGIN PASSWORD FROM [TO]: one message through the submission
# listener; swaks's transcript in $tmp/swaks, its exit status returned.
submit() {
	swaks --server 127.0.0.1 --port "$SUB_PORT" --auth PLAIN --auth-user "$1" --auth-password "$2" \
		--from "$3" --to "${4:-admin@andromed.cloud}" --header "Subject: sendas $1 as $3" \
		--timeout 20 >"$tmp/swaks" 2>&1
}
allowed() { # allowed LOGIN PASSWORD FROM
	submit "$@" || no "$1 as $3: refused: $(grep -E '^<[-~*]+ +[45]' "$tmp/swaks")"
	grep -Eq "^<[-~*]+ +250 2.0.0 Ok: queued" "$tmp/swaks" || no "$1 as $3: not queued: $(tail -5 "$tmp/swaks")"
}
refused() { # refused LOGIN PASSWORD FROM
	submit "$@" && no "$1 as $3: accepted"
	grep -Eq "^<[-~*]+ +553 5.7.1 <$3>: Sender address rejected: not owned by user $1" "$tmp/swaks" ||
		no "$1 as $3: no 553 not owned by user: $(grep -E '^<[-~*]+ +[45]' "$tmp/swaks")"
}
JOHN=johndoe@andromed.cloud JOHNPW='MotDePasse123!'
JANE=janedoe@andromed.cloud JANEPW='MotDePasse456!'

# Before: a user who logs in may use any sender.
allowed "$JOHN" "$JOHNPW" "$JANE"

vm sendas enable || no "sendas enable"
vm sendas allow contact@ascent.cloud "$JOHN" || no "sendas allow"
grep -q "^smtpd_sender_login_maps = hash:$SB_PF/sender_login$" "$SB_PF/main.cf" || no "main.cf names no map"
[ "$(postconf -c "$SB_PF" -h smtpd_sender_restrictions 2>/dev/null)" = reject_authenticated_sender_login_mismatch ] ||
	no "smtpd_sender_restrictions: $(postconf -c "$SB_PF" -h smtpd_sender_restrictions 2>&1)"
grep -q "^  -o smtpd_sender_restrictions=reject_authenticated_sender_login_mismatch,permit_mynetworks$" "$SB_PF/master.cf" ||
	no "master.cf: $(grep smtpd_sender_restrictions "$SB_PF/master.cf")"
grep -q "^# the submission-like listener" "$SB_PF/master.cf" || no "master.cf lost its comment"

allowed "$JOHN" "$JOHNPW" "$JOHN"                       # its own address
allowed "$JOHN" "$JOHNPW" info@andromed.cloud           # an alias to it
allowed "$JOHN" "$JOHNPW" equipe@andromed.cloud         # an alias to it and jane
allowed "$JANE" "$JANEPW" equipe@andromed.cloud
allowed "$JOHN" "$JOHNPW" contact@ascent.cloud          # a grant
refused "$JOHN" "$JOHNPW" "$JANE"                       # another mailbox
refused "$JANE" "$JANEPW" info@andromed.cloud           # another's alias
refused "$JANE" "$JANEPW" contact@ascent.cloud          # a grant to someone else
refused "$JOHN" "$JOHNPW" nobody@elsewhere.example      # no line at all

# A grant taken back is refused at once (the map replaced, no reload).
vm sendas deny contact@ascent.cloud "$JOHN" || no "sendas deny"
refused "$JOHN" "$JOHNPW" contact@ascent.cloud

# A mailbox added afterwards owns its address in the same commit.
printf 'Zoe-Sendas-77\n' | sandbox_vmailadm mailbox add zoe@andromed.cloud --password-stdin >"$tmp/out" 2>&1 ||
	no "mailbox add zoe: $(cat "$tmp/out")"
doveadm -c "$SB_DC" reload
allowed zoe@andromed.cloud Zoe-Sendas-77 zoe@andromed.cloud
refused zoe@andromed.cloud Zoe-Sendas-77 "$JOHN"

# A client that does not log in is not concerned.
o=$(smtp_send "$JANE" admin@andromed.cloud "sendas-unauthenticated") || no "unauthenticated client refused: $o"
wait_queue_empty || no "queue not empty"
maildir_grep "$d/vhosts/andromed.cloud/admin" "sendas $JOHN as info@andromed.cloud" ||
	no "the message sent as info@ did not arrive"
sandbox_vmailadm lint >"$tmp/lint" 2>&1
grep -q "sendas-" "$tmp/lint" && no "lint: $(grep sendas- "$tmp/lint")"
exit $fail
