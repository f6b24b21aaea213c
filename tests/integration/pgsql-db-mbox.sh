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
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
sandbox_require
pg_require
[ -e /usr/lib/dovecot/modules/libdriver_pgsql.so ] ||
	{ echo "SKIP: Dovecot's pgsql driver (dovecot-pgsql) is not installed"; exit 77; }
postconf -m 2>/dev/null | grep -qx pgsql || [ -e /usr/lib/postfix/postfix-pgsql.so ] ||
	{ echo "SKIP: Postfix's pgsql maps (postfix-pgsql) are not installed"; exit 77; }

tmp=$(sandbox_tmpdir) || exit 99
trap 'sandbox_stop; pg_stop; rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
sandbox_init "$tmp/demo"
# The mbox box: johndoe's hash (password MotDePasse123!), no trailing '/'.
line='mboxuser@andromed.cloud     andromed.cloud/mboxuser'
printf '%s\n' "$line" >>"$SB_PF/vmailbox"
hash=$(grep '^johndoe@andromed.cloud:' "$SB_DIR/etc/dovecot/users" | cut -d: -f2)
printf 'mboxuser@andromed.cloud:%s:5000:5000::::\n' "$hash" >>"$SB_DIR/etc/dovecot/users"
[ "$(sandbox_vmailadm list mailboxes --json | python3 -c 'import json,sys
print([b["format"] for b in json.load(sys.stdin) if b["address"] == "mboxuser@andromed.cloud"])')" = "['mbox']" ] ||
	{ echo "FAIL: the flat-file model does not see an mbox"; exit 99; }

pg_start "$tmp" || { echo "FAIL: PostgreSQL did not start"; exit 99; }
pg_sql postgres "CREATE DATABASE postfix" || exit 99
CI="host=$PG_SOCK dbname=postfix user=postgres"
db() { sandbox_vmailadm db "$@" --conninfo "$CI"; }
db init >/dev/null && db import >"$tmp/import.out" 2>&1 || { cat "$tmp/import.out"; exit 99; }
! grep -q 'warning: mboxuser' "$tmp/import.out" &&
	grep -qx '+ mailbox mboxuser@andromed.cloud password=(set) maildir=andromed.cloud/mboxuser quota=0 local_part=mboxuser domain=andromed.cloud' "$tmp/import.out" &&
	[ "$(pg_sql postfix "SELECT maildir FROM mailbox WHERE username = 'mboxuser@andromed.cloud'")" = andromed.cloud/mboxuser ] &&
	ok "db import: the mbox box is a row, its maildir without the '/'" || no "import: $(cat "$tmp/import.out")"

mkdir "$tmp/export"
db export --dir "$tmp/export" >/dev/null || no "db export"
[ "$(grep -c '^mboxuser@andromed.cloud ' "$tmp/export/vmailbox")" = 1 ] &&
	grep -q '^mboxuser@andromed.cloud  *andromed.cloud/mboxuser$' "$tmp/export/vmailbox" &&
	ok "db export writes its vmailbox line back, no '/' added" ||
	no "export: $(grep mboxuser "$tmp/export/vmailbox")"

# Dovecot: passdb and userdb from the database.
db dovecot-config --base "$SB_DIR/vhosts" --user mailreader >"$SB_DIR/etc/dovecot/dovecot-sql.conf.ext" || exit 99
chmod 644 "$SB_DIR/etc/dovecot/dovecot-sql.conf.ext"
python3 - "$SB_DC" "$SB_DIR/etc/dovecot/dovecot-sql.conf.ext" <<'PY' || exit 99
import re, sys
conf, sql = sys.argv[1], sys.argv[2]
s = open(conf).read()
s = re.sub(r"passdb \{.*?\n\}\nuserdb \{.*?\n\}",
           "passdb {\n  driver = sql\n  args = %s\n}\nuserdb {\n  driver = sql\n  args = %s\n}" % (sql, sql),
           s, flags=re.S)
open(conf, "w").write(s)
PY
pg_postfix_maps "$tmp/flat" || exit 99
sandbox_start || exit 99

# vmailadm on backend pgsql: the model read from the database sees an mbox.
printf 'backend: pgsql\npgsql_conninfo: "%s"\n' "$CI" >>"$SB_DIR/vmailadm.yaml"
fmt=$(sandbox_vmailadm list mailboxes --json | python3 -c 'import json,sys
print(" ".join(b["address"] + "=" + b["format"] for b in json.load(sys.stdin) if b["address"] in ("mboxuser@andromed.cloud", "johndoe@andromed.cloud")))')
[ "$fmt" = "johndoe@andromed.cloud=maildir mboxuser@andromed.cloud=mbox" ] &&
	ok "backend pgsql: list mailboxes says mbox for it, maildir for johndoe" || no "formats on pgsql: $fmt"
sandbox_vmailadm show mboxuser@andromed.cloud 2>&1 | grep -q 'mbox file:' &&
	ok "backend pgsql: show names its mbox file" || no "show: $(sandbox_vmailadm show mboxuser@andromed.cloud 2>&1)"

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
n=$(imap_login mboxuser@andromed.cloud 'MotDePasse123!') && [ "$n" -eq 1 ] &&
	ok "IMAP LOGIN: the mbox INBOX holds the message" || no "imap mboxuser: $n"

exit $fail
