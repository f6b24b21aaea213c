#!/bin/sh
# The course's exercises 1-4 (PARTIE 13) done with vmailadm's edit commands
# on a demo tree served by real Postfix and Dovecot, each checked with the
# real programs: postmap -q right after every commit, SMTP deliveries (a
# mailbox, an alias, a multi-target alias, an external forward, a catch-all
# that never swallows a mailbox in either catchall_form, 550 for unknown and
# removed addresses), doveadm auth test and IMAP LOGIN with SHA512-CRYPT,
# BLF-CRYPT and yescrypt passwords, a password change seen at once (and the
# old password refused) even twice in one second, the archive of a removed
# mailbox, and vmailadm rollback bringing it back.
set -u
. "$top_srcdir/tests/integration/lib.sh"
sandbox_demo_test
# The demo's files are small, so a mailbox operation would read them whole;
# here they are read in part, as on a server with 100,000 mailboxes (the
# quick path: excerpts, mappings, copy-on-write views), and the real
# servers check the result. The unit tests prove both ways give the same.
export VMAILADM_EXCERPT_MIN=0

vm_pw() { # vm_pw PASSWORD ARGS...: the password on standard input
	_pw=$1
	shift
	_out=$(printf '%s\n' "$_pw" | sandbox_vmailadm "$@" --password-stdin 2>&1)
	_rc=$?
	[ $_rc -eq 0 ] || echo "$_out" >&2
	return $_rc
}
q() { # q TABLE KEY: postmap -q on the sandbox's table
	postmap -c "$SB_PF" -q "$2" "hash:$SB_PF/$1"
}
send() { # send TO SUBJECT: must be accepted
	smtp_send tester@sandbox.test "$1" "$2" >/dev/null || no "SMTP to $1 refused"
}
refused() { # refused TO: must get 550 User unknown
	_o=$(smtp_send tester@sandbox.test "$1" "refused-$1")
	case $_o in
	*"550 5.1.1"*) ;;
	*) no "$1: expected 550 5.1.1, got: $_o" ;;
	esac
}
hasnt() {
	maildir_grep "$d/vhosts/$1" "$2" && no "$2 reached $1"
}

sandbox_postmap_all || exit 99
sandbox_start || exit 99
start=$(date +%s)

# ---- Exercise 1: first virtual mailbox --------------------------------------
vm_pw 'AlicePass123!' mailbox add alice@andromed.cloud --quota 1G || no "mailbox add alice"
[ "$(q vmailbox alice@andromed.cloud)" = "andromed.cloud/alice/" ] || no "postmap -q alice@"
[ -d "$d/vhosts/andromed.cloud/alice/new" ] || no "alice's maildir was not created"
[ "$(stat -c '%u:%g %a' "$d/vhosts/andromed.cloud/alice")" = "$SB_UID:$SB_GID 700" ] \
	|| no "alice's maildir: $(stat -c '%u:%g %a' "$d/vhosts/andromed.cloud/alice")"
grep -q '^alice@andromed.cloud:{SHA512-CRYPT}\$6\$.*userdb_quota_rule=\*:storage=1G$' "$d/etc/dovecot/users" \
	|| no "alice's passwd-file line"
send alice@andromed.cloud "ex1-bienvenue"
wait_queue_empty || no "queue (ex1)"
has andromed.cloud/alice "ex1-bienvenue"
auth_test alice@andromed.cloud 'AlicePass123!' || no "doveadm auth test alice"
auth_test alice@andromed.cloud 'wrong'
[ $? -eq 1 ] || no "alice with a wrong password was not refused"
[ "$(imap_login alice@andromed.cloud 'AlicePass123!')" = 1 ] || no "IMAP alice does not see 1 message"

# Password changes are seen at once, even twice within one second (the
# passwd-file keeps its size: Dovecot alone would miss the second one).
vm_pw 'Second-Pass-22' mailbox passwd alice@andromed.cloud || no "mailbox passwd (1)"
vm_pw 'Third-Pass-333' mailbox passwd alice@andromed.cloud || no "mailbox passwd (2)"
auth_test alice@andromed.cloud 'Third-Pass-333' || no "the new password of alice does not work at once"
auth_test alice@andromed.cloud 'Second-Pass-22'
[ $? -eq 1 ] || no "the previous password of alice still works"
auth_test alice@andromed.cloud 'AlicePass123!'
[ $? -eq 1 ] || no "the first password of alice still works"
imap_login alice@andromed.cloud 'Third-Pass-333' >/dev/null || no "IMAP with alice's new password"

# ---- Exercise 2: aliases and forwards, as one batch -------------------------
cat >"$tmp/ex2" <<'EOF'
# Exercice 2
alias add info@andromed.cloud alice@andromed.cloud
alias add team@andromed.cloud alice@andromed.cloud johndoe@andromed.cloud
alias add billing@andromed.cloud votre@email.com
EOF
vm apply "$tmp/ex2" || no "apply ex2"
[ "$(q virtual_alias team@andromed.cloud)" = "alice@andromed.cloud, johndoe@andromed.cloud" ] \
	|| no "postmap -q team@: $(q virtual_alias team@andromed.cloud)"
[ "$(q virtual_alias billing@andromed.cloud)" = "votre@email.com" ] || no "postmap -q billing@"
send info@andromed.cloud "ex2-info"
send team@andromed.cloud "ex2-team"
send billing@andromed.cloud "ex2-billing"
wait_queue_empty || no "queue (ex2)"
has andromed.cloud/alice "ex2-info"
has andromed.cloud/johndoe "ex2-info"   # info@ kept its first target
has andromed.cloud/alice "ex2-team"
has andromed.cloud/johndoe "ex2-team"
grep -rlF "ex2-billing" "$d/vhosts" >/dev/null && no "billing@ was delivered locally"
grep -q 'to=<votre@email.com>, orig_to=<billing@andromed.cloud>.*no delivery outside the sandbox' "$SB_LOG" \
	|| no "billing@ was not forwarded to votre@email.com"

# ---- Exercise 3: a second domain with a catch-all ---------------------------
vm domain add exemple.local || no "domain add exemple.local"
[ "$(q virtual_domains exemple.local)" = "OK" ] || no "postmap -q exemple.local"
printf 'address,password,quota\ncontact@exemple.local,ContactPass!,\n' >"$tmp/ex3.csv"
vm import --csv "$tmp/ex3.csv" || no "import contact@exemple.local"
vm_pw 'AdminPass!' mailbox add admin@exemple.local --scheme CRYPT || no "mailbox add admin@exemple.local"
grep -q '^admin@exemple.local:{CRYPT}\$y\$' "$d/etc/dovecot/users" || no "admin@exemple.local is not yescrypt"
vm catchall set exemple.local admin@exemple.local || no "catchall set exemple.local"
[ "$(q vmailbox @exemple.local)" = "exemple.local/admin/" ] || no "catch-all not in the mailbox map"
send contact@exemple.local "ex3-contact"
send admin@exemple.local "ex3-admin"
send random@exemple.local "ex3-random"
wait_queue_empty || no "queue (ex3)"
has exemple.local/contact "ex3-contact"
hasnt exemple.local/admin "ex3-contact"
has exemple.local/admin "ex3-admin"
has exemple.local/admin "ex3-random"
auth_test contact@exemple.local 'ContactPass!' || no "auth contact@exemple.local"
auth_test admin@exemple.local 'AdminPass!' || no "auth admin@exemple.local (yescrypt)"
imap_login admin@exemple.local 'AdminPass!' >/dev/null || no "IMAP admin@exemple.local"
auth_test admin@exemple.local 'AdminPass'
[ $? -eq 1 ] || no "admin@exemple.local with a wrong password was not refused"

# The identity form: the catch-all goes to the alias map, every mailbox of
# the domain keeps its mail through an identity entry, new ones too.
sed -i 's/^catchall_form:.*//' "$d/vmailadm.yaml"
echo "catchall_form: identity" >>"$d/vmailadm.yaml"
vm catchall set andromed.cloud admin@andromed.cloud || no "catchall set andromed.cloud (identity)"
[ "$(q virtual_alias @andromed.cloud)" = "admin@andromed.cloud" ] || no "identity catch-all not in the alias map"
[ "$(q virtual_alias janedoe@andromed.cloud)" = "janedoe@andromed.cloud" ] || no "no identity entry for janedoe@"
vm_pw 'DavePass-44' mailbox add dave@andromed.cloud || no "mailbox add dave@"
[ "$(q virtual_alias dave@andromed.cloud)" = "dave@andromed.cloud" ] || no "no identity entry for dave@"
send janedoe@andromed.cloud "ex3-jane"
send dave@andromed.cloud "ex3-dave"
send whoever@andromed.cloud "ex3-whoever"
wait_queue_empty || no "queue (ex3 identity)"
has andromed.cloud/janedoe "ex3-jane"
has andromed.cloud/dave "ex3-dave"
hasnt andromed.cloud/admin "ex3-jane"
hasnt andromed.cloud/admin "ex3-dave"
has andromed.cloud/admin "ex3-whoever"
vm catchall clear andromed.cloud || no "catchall clear andromed.cloud"
refused whoever@andromed.cloud
q virtual_alias janedoe@andromed.cloud >/dev/null && no "identity entry left after catchall clear"

# ---- Exercise 4: bob, created, counted, removed ----------------------------
vm_pw 'BobPass123' mailbox add bob@andromed.cloud --scheme BLF-CRYPT || no "mailbox add bob"
grep -q '^bob@andromed.cloud:{BLF-CRYPT}\$2.\$1[0-9]\$' "$d/etc/dovecot/users" || no "bob is not BLF-CRYPT cost >= 10"
sandbox_vmailadm list mailboxes | grep -q 'bob@andromed.cloud' || no "list mailboxes has no bob"
send bob@andromed.cloud "ex4-bob"
wait_queue_empty || no "queue (ex4)"
[ "$(maildir_count "$d/vhosts/andromed.cloud/bob")" -eq 1 ] || no "bob does not have 1 message"
auth_test bob@andromed.cloud 'BobPass123' || no "auth bob (BLF-CRYPT)"
[ "$(imap_login bob@andromed.cloud 'BobPass123')" = 1 ] || no "IMAP bob does not see 1 message"
vm mailbox del bob@andromed.cloud || no "mailbox del bob"
q vmailbox bob@andromed.cloud >/dev/null && no "bob is still in the vmailbox map"
[ -e "$d/vhosts/andromed.cloud/bob" ] && no "bob's maildir is still in place"
arch=$(find "$d/archive/andromed.cloud" -maxdepth 1 -name 'bob-*' | head -n 1)
[ -n "$arch" ] && maildir_grep "$arch" "ex4-bob" || no "bob's mail is not in the archive"
refused bob@andromed.cloud
auth_test bob@andromed.cloud 'BobPass123'
[ $? -eq 1 ] || no "bob can still log in"
[ -e "$d/vhosts/andromed.cloud/bob" ] && no "Postfix recreated bob's maildir"

# ---- rollback: bob comes back with his mail ---------------------------------
vm rollback || no "rollback"
[ "$(q vmailbox bob@andromed.cloud)" = "andromed.cloud/bob/" ] || no "bob is not back in the map"
maildir_grep "$d/vhosts/andromed.cloud/bob" "ex4-bob" || no "bob's mail is not back"
auth_test bob@andromed.cloud 'BobPass123' || no "bob cannot log in after the rollback"
send bob@andromed.cloud "ex4-back"
wait_queue_empty || no "queue (rollback)"
has andromed.cloud/bob "ex4-back"
# A file changed since: refused, naming it.
vm alias add extra@andromed.cloud alice@andromed.cloud || no "alias add extra@"
id=$(sandbox_vmailadm log --json --limit 0 | python3 -c 'import json, sys
print([r["id"] for r in json.load(sys.stdin) if any("catch-all of exemple.local" in o for o in r["operations"])][0])')
out=$(sandbox_vmailadm rollback "$id" 2>&1)
[ $? -ne 0 ] || no "rollback of an older commit over a changed file was not refused"
case $out in *"etc/postfix/vmailbox changed since"*) ;; *) no "rollback refusal does not name the file: $out" ;; esac

# ---- unknown addresses and the audit trail ---------------------------------
refused nobody@andromed.cloud
sandbox_vmailadm log --json | grep -q '\$6\$\|\$2y\$\|\$y\$' && no "the audit log holds a password hash"
[ -e "$d/state/journal" ] && no "a journal was left behind"

echo "stage-live: $(( $(date +%s) - start )) s of exercises"
sandbox_stop || no "the servers did not stop cleanly"
[ $fail -eq 0 ] || { echo "--- postfix log"; tail -n 30 "$SB_LOG"; echo "--- dovecot log"; tail -n 30 "$SB_DLOG"; }
exit $fail
