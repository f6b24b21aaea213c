#!/bin/sh
# An mbox mailbox through db import (issue 18), with the real servers:
# the demo gains a vmailbox line whose value has no trailing '/' (an mbox
# file for virtual(8)) and its passwd-file line. db import makes it a
# mailbox row whose maildir keeps the value as it is; db export writes the
# vmailbox line back; vmailadm on backend pgsql lists it as an mbox, as on
# the flat files. Then Postfix reads the database only (proxy:pgsql:, the
# flat tables moved away) and delivers a message to that address into the
# mbox file, not a maildir; Dovecot's sql userdb (db dovecot-config) gives
# the user an mbox mail location whose INBOX is that file: doveadm user
# says so, and an IMAP LOGIN sees the message there.
# A pcre table between two hash tables in virtual_alias_maps cannot be
# rows: db import names it (a file to copy to every server) and says that
# the second hash table's rows are now searched before it; db
# postfix-config keeps it in its place after the database's maps. The
# real Postfix and vmailadm's tracer on backend pgsql then agree: a key
# only the pcre table answers still reaches its mailbox, and the key both
# answer gets the database's answer, as the warning said (the flat files
# gave the pcre table's).
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
# The flat files as imported: the mbox box and the pcre table between
# two hash tables, checked on the files first.
mbox_flat() {
	# The mbox box: johndoe's hash (password MotDePasse123!), no trailing '/'.
	line='mboxuser@andromed.cloud     andromed.cloud/mboxuser'
	printf '%s\n' "$line" >>"$SB_PF/vmailbox"
	hash=$(grep '^johndoe@andromed.cloud:' "$SB_DIR/etc/dovecot/users" | cut -d: -f2)
	printf 'mboxuser@andromed.cloud:%s:5000:5000::::\n' "$hash" >>"$SB_DIR/etc/dovecot/users"
	# virtual_alias_maps: hash, pcre, hash; old-janedoe@ answered by both.
	printf '/^old-(.*)@andromed\\.cloud$/   $1@andromed.cloud\n' >"$SB_PF/virtual.pcre"
	printf 'old-janedoe@andromed.cloud   johndoe@andromed.cloud\n' >"$SB_PF/virtual_extra"
	postconf -c "$SB_PF" -e "virtual_alias_maps = hash:$SB_PF/virtual_alias, pcre:$SB_PF/virtual.pcre, hash:$SB_PF/virtual_extra" ||
		return 1
	flat=$(sandbox_vmailadm trace --short old-johndoe@andromed.cloud old-janedoe@andromed.cloud 2>/dev/null | cut -f1,3)
	[ "$flat" = "$(printf 'old-johndoe@andromed.cloud\tjohndoe@andromed.cloud\nold-janedoe@andromed.cloud\tjanedoe@andromed.cloud')" ] ||
		{ echo "FAIL: the flat-file trace: $flat"; return 1; }
	[ "$(sandbox_vmailadm list mailboxes --json | python3 -c 'import json,sys
print([b["format"] for b in json.load(sys.stdin) if b["address"] == "mboxuser@andromed.cloud"])')" = "['mbox']" ] ||
		{ echo "FAIL: the flat-file model does not see an mbox"; return 1; }
}
pg_live_start mbox_flat
! grep -q 'warning: mboxuser' "$tmp/import.out" &&
	grep -qx '+ mailbox mboxuser@andromed.cloud password=(set) maildir=andromed.cloud/mboxuser quota=0 local_part=mboxuser domain=andromed.cloud' "$tmp/import.out" &&
	[ "$(pg_sql postfix "SELECT maildir FROM mailbox WHERE username = 'mboxuser@andromed.cloud'")" = andromed.cloud/mboxuser ] &&
	ok "db import: the mbox box is a row, its maildir without the '/'" || no "import: $(cat "$tmp/import.out")"
grep -q "warning: pcre:$SB_PF/virtual.pcre (virtual_alias_maps): a pattern table cannot be rows of the database: it stays a file, kept as it is; copy it to every server" "$tmp/import.out" &&
	grep -q "warning: virtual_alias_maps: hash:$SB_PF/virtual_extra came after pcre:$SB_PF/virtual.pcre; its rows, now in the database's maps, are searched before it" "$tmp/import.out" &&
	[ "$(pg_sql postfix "SELECT goto FROM alias WHERE address = 'old-janedoe@andromed.cloud'")" = johndoe@andromed.cloud ] &&
	ok "db import names the pcre table kept as a file, and the search order it changes" ||
	no "import's words on the pcre table: $(grep -i 'pcre\|virtual_extra' "$tmp/import.out")"

mkdir "$tmp/export"
db export --dir "$tmp/export" >/dev/null || no "db export"
[ "$(grep -c '^mboxuser@andromed.cloud ' "$tmp/export/vmailbox")" = 1 ] &&
	grep -q '^mboxuser@andromed.cloud  *andromed.cloud/mboxuser$' "$tmp/export/vmailbox" &&
	ok "db export writes its vmailbox line back, no '/' added" ||
	no "export: $(grep mboxuser "$tmp/export/vmailbox")"

got=$(postconf -c "$SB_PF" -h virtual_alias_maps)
[ "$got" = "proxy:pgsql:$MAPS/alias.cf, proxy:pgsql:$MAPS/ad_alias.cf, proxy:pgsql:$MAPS/ad_catchall.cf, pcre:$SB_PF/virtual.pcre" ] &&
	ok "db postfix-config: the pcre table kept after the database's maps" || no "virtual_alias_maps: $got"

# vmailadm on backend pgsql: the model read from the database sees an mbox.
printf 'backend: pgsql\npgsql_conninfo: "%s"\n' "$CI" >>"$SB_DIR/vmailadm.yaml"
fmt=$(sandbox_vmailadm list mailboxes --json | python3 -c 'import json,sys
print(" ".join(b["address"] + "=" + b["format"] for b in json.load(sys.stdin) if b["address"] in ("mboxuser@andromed.cloud", "johndoe@andromed.cloud")))')
[ "$fmt" = "johndoe@andromed.cloud=maildir mboxuser@andromed.cloud=mbox" ] &&
	ok "backend pgsql: list mailboxes says mbox for it, maildir for johndoe" || no "formats on pgsql: $fmt"
sandbox_vmailadm show mboxuser@andromed.cloud 2>&1 | grep -q 'mbox file:' &&
	ok "backend pgsql: show names its mbox file" || no "show: $(sandbox_vmailadm show mboxuser@andromed.cloud 2>&1)"

# The tracer on the database and the real Postfix, on the two keys.
got=$(sandbox_vmailadm trace --short old-johndoe@andromed.cloud old-janedoe@andromed.cloud 2>/dev/null | cut -f1,3)
[ "$got" = "$(printf 'old-johndoe@andromed.cloud\tjohndoe@andromed.cloud\nold-janedoe@andromed.cloud\tjohndoe@andromed.cloud')" ] &&
	ok "trace on backend pgsql: the pcre key as on the files, the shared key the database's answer" ||
	no "trace on pgsql: $got"
smtp_send a@sandbox.test old-johndoe@andromed.cloud "pgsql pcre kept" >/dev/null &&
	smtp_send a@sandbox.test old-janedoe@andromed.cloud "pgsql pcre order" >/dev/null ||
	no "SMTP to the pcre keys refused"
u=$(doveadm -c "$SB_DC" user -f mail mboxuser@andromed.cloud 2>&1)
[ "$u" = "mbox:$SB_DIR/vhosts/andromed.cloud/mboxuser.d/mail:INBOX=$SB_DIR/vhosts/andromed.cloud/mboxuser" ] &&
	ok "doveadm user: an mbox location, its INBOX the file Postfix writes" || no "doveadm user -f mail: $u"
u=$(doveadm -c "$SB_DC" user -f mail johndoe@andromed.cloud 2>&1)
[ "$u" = "maildir:$SB_DIR/vhosts/andromed.cloud/johndoe/" ] && ok "a maildir box keeps maildir:" ||
	no "johndoe's mail: $u"

smtp_send a@sandbox.test mboxuser@andromed.cloud "pgsql mbox one" >/dev/null && ok "SMTP to the mbox box accepted" ||
	no "SMTP to mboxuser refused"
wait_queue_empty 20 || no "the queue did not drain"
f="$SB_DIR/vhosts/andromed.cloud/mboxuser"
[ -f "$f" ] && grep -q '^From ' "$f" && grep -q 'pgsql mbox one' "$f" &&
	ok "virtual(8) delivered into the mbox file (From_ line, the message)" ||
	no "not in the mbox file: $(ls -la "$SB_DIR/vhosts/andromed.cloud" | grep mboxuser) $(tail -5 "$SB_LOG")"
J="$SB_DIR/vhosts/andromed.cloud/johndoe"
maildir_grep "$J" "pgsql pcre kept" && maildir_grep "$J" "pgsql pcre order" &&
	! maildir_grep "$SB_DIR/vhosts/andromed.cloud/janedoe" "pgsql pcre order" &&
	ok "Postfix delivered both to johndoe, as the tracer said" || no "the pcre keys' mail is not where the tracer said"
n=$(imap_login mboxuser@andromed.cloud 'MotDePasse123!') && [ "$n" -eq 1 ] &&
	ok "IMAP LOGIN: the mbox INBOX holds the message" || no "imap mboxuser: $n"

exit $fail
