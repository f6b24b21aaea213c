#!/bin/sh
# The demo server moved into PostgreSQL with db import, then served from
# the database alone (issue 18): the sandbox Postfix reads the maps that
# db postfix-config writes (proxy:pgsql:, through proxymap, as a
# SELECT-only role) and the sandbox Dovecot the dovecot-sql.conf.ext that
# db dovecot-config prints (passdb and userdb driver = sql). The flat
# tables are moved away first, so nothing can answer from them. Checked
# with the real programs: doveadm auth test (right and wrong password),
# IMAP LOGIN seeing the messages of the imported maildir, SMTP delivery to
# a mailbox and through a multi-target alias, 550 for an unknown address.
# Then vmailadm itself on backend: pgsql, the course's exercises 1-4
# through its CLI, each proved by the real servers reading the database:
# a new mailbox logs in over IMAP and gets mail over SMTP, a new alias
# delivers, a second domain's catch-all delivers, a removed mailbox is
# refused; with auth_cache_size set, a password changed by vmailadm works at
# once, and its doveadm auth cache flush ran on the real Dovecot for the
# changed users only; a password commit killed before its flush has it done
# by the next command (the new password then works, the old one not), and
# so has a rollback killed before its flush; sendas enable writes the
# server's main.cf and the real Postfix reloads and delivers.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
# Dovecot's auth cache on, as on a real server: a change needs its flush.
live_auth_cache() { printf 'auth_cache_size = 1M\nauth_cache_ttl = 1 hour\n' >>"$SB_DC"; }
pg_live_start "" live_auth_cache
ok "demo imported: $(tail -1 "$tmp/import.out")"
# Postfix: the three parameters on the database's maps, the flat tables gone.
postconf -c "$SB_PF" -h virtual_mailbox_maps | grep -q "proxy:pgsql:$MAPS/mailbox.cf" &&
	ok "main.cf now names the proxy:pgsql: maps" || no "main.cf: $(postconf -c "$SB_PF" -h virtual_mailbox_maps)"
# Dovecot: passdb and userdb from the database.
grep -q 'driver = sql' "$SB_DC" && ok "dovecot.conf: passdb and userdb driver = sql" || no "dovecot.conf not rewritten"

auth_test johndoe@andromed.cloud 'MotDePasse123!' && ok "doveadm auth test: johndoe's imported hash" ||
	no "auth test johndoe"
auth_test johndoe@andromed.cloud 'wrong-password'
[ $? -eq 1 ] && ok "a wrong password is refused" || no "wrong password not refused"
before=$(imap_login johndoe@andromed.cloud 'MotDePasse123!') && [ "$before" -gt 0 ] &&
	ok "IMAP LOGIN: johndoe sees $before messages of the imported maildir" || no "imap login: $before"
doveadm -c "$SB_DC" user johndoe@andromed.cloud 2>&1 | grep -q "home.*$SB_DIR/vhosts/andromed.cloud/johndoe/" &&
	ok "doveadm user: the home from the user_query" || no "doveadm user: $(doveadm -c "$SB_DC" user johndoe@andromed.cloud 2>&1)"

smtp_send a@sandbox.test johndoe@andromed.cloud "pgsql one" >/dev/null && ok "SMTP to johndoe accepted" ||
	no "SMTP to johndoe refused"
smtp_send a@sandbox.test equipe@andromed.cloud "pgsql team" >/dev/null && ok "SMTP to equipe@ accepted" ||
	no "SMTP to equipe refused"
out=$(smtp_send a@sandbox.test nobody@andromed.cloud "pgsql unknown")
[ $? -eq 1 ] && echo "$out" | grep -q '^550' && ok "unknown address: $out" || no "unknown address: $out"
wait_queue_empty 20 || no "the queue did not drain"
maildir_grep "$SB_DIR/vhosts/andromed.cloud/johndoe" "pgsql one" && ok "delivered into johndoe's maildir" ||
	no "pgsql one not in johndoe's maildir"
maildir_grep "$SB_DIR/vhosts/andromed.cloud/janedoe" "pgsql team" &&
	maildir_grep "$SB_DIR/vhosts/andromed.cloud/johndoe" "pgsql team" &&
	ok "equipe@ reached johndoe and janedoe" || no "equipe@ not delivered to both"
after=$(imap_login johndoe@andromed.cloud 'MotDePasse123!') && [ "$after" -eq $((before + 2)) ] &&
	ok "IMAP: $after messages now" || no "imap after: $after (before $before)"

# vmailadm on the database: backend pgsql, the real doveadm of the sandbox.
printf '#!/bin/sh\necho "$*" >>"%s"\nexec doveadm -c "%s" "$@" 2>>"%s"\n' "$tmp/flush.log" "$SB_DC" "$tmp/flush.log" >"$tmp/doveadm" && chmod +x "$tmp/doveadm"
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: %s\n' "$CI" "$tmp/doveadm" >>"$SB_DIR/vmailadm.yaml"
PW='Newbie-Password-42'
# Exercise 1: a mailbox.
echo "$PW" | vm mailbox add newbie@andromed.cloud --password-stdin && ok "vmailadm mailbox add on pgsql" ||
	no "mailbox add newbie"
auth_test newbie@andromed.cloud "$PW" && ok "doveadm auth test: the new mailbox" || no "auth test newbie"
n=$(imap_login newbie@andromed.cloud "$PW") && [ "$n" -eq 0 ] && ok "IMAP LOGIN: newbie's empty INBOX" ||
	no "imap newbie: $n"
smtp_send a@sandbox.test newbie@andromed.cloud "pgsql newbie" >/dev/null && ok "SMTP to newbie accepted" ||
	no "SMTP to newbie refused"
# Exercise 2: an alias.
vm alias add ventes@andromed.cloud newbie@andromed.cloud && ok "vmailadm alias add ventes@" || no "alias add"
smtp_send a@sandbox.test ventes@andromed.cloud "pgsql ventes" >/dev/null && ok "SMTP to ventes@ accepted" ||
	no "SMTP to ventes refused"
# Exercise 3: a second domain, its mailbox, its catch-all.
vm domain add example.org && echo "$PW" | vm mailbox add carol@example.org --password-stdin &&
	vm catchall set example.org carol@example.org && ok "example.org, carol and the catch-all" || no "exercise 3"
smtp_send a@sandbox.test anything@example.org "pgsql catchall" >/dev/null && ok "SMTP to anything@example.org accepted" ||
	no "SMTP to the catch-all refused"
# Exercise 4: add, list, remove.
echo "$PW" | vm mailbox add temp@andromed.cloud --password-stdin && sandbox_vmailadm list mailboxes 2>&1 |
	grep -q temp@andromed.cloud && vm mailbox del temp@andromed.cloud --yes && ok "temp@ added, listed, removed" ||
	no "exercise 4"
out=$(smtp_send a@sandbox.test temp@andromed.cloud "pgsql removed")
[ $? -eq 1 ] && echo "$out" | grep -q '^550' && ok "the removed mailbox: $out" || no "removed mailbox: $out"
wait_queue_empty 20 || no "the queue did not drain"
maildir_grep "$SB_DIR/vhosts/andromed.cloud/newbie" "pgsql newbie" &&
	maildir_grep "$SB_DIR/vhosts/andromed.cloud/newbie" "pgsql ventes" &&
	ok "delivered into newbie's maildir, directly and through ventes@" || no "newbie's mail missing"
maildir_grep "$SB_DIR/vhosts/example.org/carol" "pgsql catchall" && ok "the catch-all delivered to carol" ||
	no "catch-all mail not in carol's maildir"
# The auth cache: johndoe's answer cached, then his password changed.
auth_test johndoe@andromed.cloud 'MotDePasse123!' || no "johndoe before the change"
echo 'Changed-Password-77' | vm mailbox passwd johndoe@andromed.cloud --password-stdin || no "passwd johndoe"
auth_test johndoe@andromed.cloud 'Changed-Password-77' && ok "the new password works at once" ||
	no "the new password is refused (auth cache not flushed?)"
auth_test johndoe@andromed.cloud 'MotDePasse123!'
[ $? -eq 1 ] && ok "the old one is refused" || no "the old password still works"
printf 'auth cache flush %s\n' newbie@andromed.cloud carol@example.org temp@andromed.cloud temp@andromed.cloud \
	johndoe@andromed.cloud | cmp -s - "$tmp/flush.log" &&
	ok "doveadm auth cache flush ran, without an error, for each changed mailbox (none for an alias or a domain)" ||
	no "flushes: $(cat "$tmp/flush.log")"
# killed_flush WHAT OLD NEW: a commit (the rest of the command line,
# reading stdin) killed after COMMIT, before its flush of johndoe, whose
# password goes from OLD to NEW: no flush ran; the next command, any
# command, flushes the real Dovecot's cache for him; then OLD is refused
# and NEW works. The old password first: Dovecot compares it with the hash
# it cached (a mismatch is looked up again, which would refresh the cache).
killed_flush() {
	_what=$1 _old=$2 _new=$3
	shift 3
	auth_test johndoe@andromed.cloud "$_old" || no "$_what: johndoe before the kill"
	: >"$tmp/flush.log"
	VMAILADM_FAIL_AT=flush-auth-cache:kill sandbox_vmailadm "$@" >/dev/null 2>&1
	[ ! -s "$tmp/flush.log" ] && ok "$_what killed before its flush: no flush ran" ||
		no "$_what: flushed before the kill: $(cat "$tmp/flush.log")"
	sandbox_vmailadm list domains >/dev/null 2>"$tmp/recover.err"
	grep -qx 'auth cache flush johndoe@andromed.cloud' "$tmp/flush.log" &&
		grep -q "ok   flush Dovecot's auth cache for 1 user on this host" "$tmp/recover.err" &&
		ok "$_what: the next command flushed johndoe's cache on the real Dovecot" ||
		no "$_what: recovery flush: $(cat "$tmp/flush.log" "$tmp/recover.err")"
	auth_test johndoe@andromed.cloud "$_old"
	[ $? -eq 1 ] && ok "$_what: the password before it is refused (its cache entry is gone)" ||
		no "$_what: the previous password still works (auth cache not flushed by the recovery)"
	auth_test johndoe@andromed.cloud "$_new" && ok "$_what: its password works" ||
		no "$_what: its password is refused"
}
echo 'Killed-Password-88' | killed_flush "a password commit" 'Changed-Password-77' 'Killed-Password-88' \
	mailbox passwd johndoe@andromed.cloud --password-stdin
# rollback ID, journalled as a commit is (the commit rolled back is the
# killed one, finished by recovery: found by its id in the database).
id=$(sandbox_vmailadm log 2>/dev/null | awk '/^[0-9]/ {id = $1} END {print id}')
killed_flush "rollback $id" 'Killed-Password-88' 'Changed-Password-77' rollback "$id" </dev/null
# main.cf on the database's server: sendas enable commits the server's
# main.cf and its sender login map (not the snapshot's copy), the real
# Postfix reloads, and it still delivers (an unauthenticated client is not
# checked against the map).
out=$(sandbox_vmailadm sendas enable 2>&1) &&
	[ "$(postconf -c "$SB_PF" -h smtpd_sender_login_maps 2>/dev/null)" = "hash:$SB_PF/sender_login" ] &&
	echo "$out" | grep -q "ok   reload Postfix" &&
	[ "$(postmap -c "$SB_PF" -q johndoe@andromed.cloud "hash:$SB_PF/sender_login")" = johndoe@andromed.cloud ] &&
	ok "sendas enable on pgsql: the server's main.cf and map written, the real Postfix reloaded" ||
	no "sendas enable on pgsql: $out"
smtp_send a@sandbox.test newbie@andromed.cloud "pgsql after sendas" >/dev/null && wait_queue_empty 20 &&
	maildir_grep "$SB_DIR/vhosts/andromed.cloud/newbie" "pgsql after sendas" &&
	ok "after the reload the real Postfix delivers from the database" || no "delivery after sendas enable"
exit $fail
