#!/bin/sh
# Alias domains on the real Postfix (issue 15): b.example made an alias
# domain of andromed.cloud with `vmailadm domain add --alias-of`. Postfix
# refuses an unknown user of b.example at RCPT time (no wildcard, so no
# backscatter), delivers a known one, after real SMTP, into the maildir of
# the same user at andromed.cloud, and follows a mailbox added and an alias
# removed afterwards in the same transaction as the edit.
set -u
. "$top_srcdir/tests/integration/lib.sh"
sandbox_demo_test

vm() {
	_out=$(sandbox_vmailadm "$@" 2>&1)
	_rc=$?
	[ $_rc -eq 0 ] || echo "$_out" >&2
	return $_rc
}
send() { # send TO SUBJECT: must be accepted
	_o=$(smtp_send tester@sandbox.test "$1" "$2") || no "SMTP to $1 refused: $_o"
}
refused() { # refused TO: must get 550 at RCPT
	_o=$(smtp_send tester@sandbox.test "$1" "refused-$1")
	case $_o in
	550\ 5.1.1*) ;;
	*) no "$1: expected 550 5.1.1 at RCPT, got: $_o" ;;
	esac
}

sandbox_postmap_all || exit 99
sandbox_start || exit 99

vm domain add b.example --alias-of andromed.cloud || no "domain add --alias-of"
# the commit rebuilt the map and reloaded Postfix: no wildcard in it
postmap -c "$SB_PF" -q @b.example "hash:$SB_PF/virtual_alias" >/dev/null && no "a wildcard @b.example"

# ---- RCPT: unknown refused at SMTP time, known delivered to the target ------
refused nobody@b.example
send johndoe@b.example "alias-domain-johndoe"
send equipe@b.example "alias-domain-equipe"
wait_queue_empty || no "queue not empty"
has andromed.cloud/johndoe "alias-domain-johndoe"
has andromed.cloud/johndoe "alias-domain-equipe"
has andromed.cloud/janedoe "alias-domain-equipe"
grep -q "to=<johndoe@andromed.cloud>, orig_to=<johndoe@b.example>" "$SB_LOG" ||
	no "the log has no delivery of johndoe@b.example to johndoe@andromed.cloud"

# ---- kept in step: a new mailbox gets its line, a removed alias loses it ----
vm mailbox add zoe@andromed.cloud || no "mailbox add zoe"
vm alias del info@andromed.cloud || no "alias del info"
send zoe@b.example "alias-domain-zoe"
refused info@b.example
wait_queue_empty || no "queue not empty"
has andromed.cloud/zoe "alias-domain-zoe"

# ---- the tracer says what Postfix did ----------------------------------------
sandbox_vmailadm trace zoe@b.example >"$tmp/trace" 2>&1
grep -q '=> zoe@andromed.cloud: maildir' "$tmp/trace" || no "trace zoe@b.example: $(cat "$tmp/trace")"
[ "$(bv_probe zoe@b.example)" = "deliverable zoe@andromed.cloud 2.0.0" ] ||
	no "sendmail -bv zoe@b.example: $(bv_probe zoe@b.example)"

# ---- a catch-all of the target: b.example gets the matching form ------------
vm catchall set andromed.cloud admin@andromed.cloud || no "catchall set"
send anyone@b.example "alias-domain-catchall"
wait_queue_empty || no "queue not empty"
has andromed.cloud/admin "alias-domain-catchall"
exit $fail
