#!/bin/sh
# `vmailadm demo DIR`: the tree it makes (files, Maildirs, hashes that verify,
# owners; the queue and the mail log in the tree), the refusal of a non-empty
# DIR, what --force replaces and what it leaves alone, the directories it
# never touches, and the demo as seen by
# `vmailadm list mailboxes --json` (exactly the seven mailboxes).
. "${top_srcdir:-.}/tests/lib.sh"

d="$tmp/demo"
"$VMAILADM" demo "$d" >"$tmp/out" 2>"$tmp/err" || no "demo failed: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && no "unexpected stderr: $(cat "$tmp/err")"
grep -q "^Demo server created in $d\$" "$tmp/out" || no "summary line"
grep -q '2 domains, 7 mailboxes, 6 aliases, 22 messages' "$tmp/out" || no "counts line"

for f in .vmailadm-demo vmailadm.yaml etc/postfix/main.cf etc/postfix/vmailbox \
	 etc/postfix/virtual_alias etc/postfix/virtual_domains etc/aliases etc/mailname \
	 etc/dovecot/users; do
	[ -f "$d/$f" ] || no "missing $f"
done
for dir in state archive; do [ -d "$d/$dir" ] || no "missing $dir/"; done

# main.cf: absolute paths into the tree, the hash: domain list, no mailbox limit.
mc="$d/etc/postfix/main.cf"
grep -q "^virtual_mailbox_base = $d/vhosts\$" "$mc" || no "virtual_mailbox_base"
grep -q "^virtual_mailbox_maps = hash:$d/etc/postfix/vmailbox\$" "$mc" || no "virtual_mailbox_maps"
grep -q "^virtual_alias_maps = hash:$d/etc/postfix/virtual_alias\$" "$mc" || no "virtual_alias_maps"
grep -q "^virtual_mailbox_domains = hash:$d/etc/postfix/virtual_domains\$" "$mc" || no "domains as hash:"
grep -q '^virtual_mailbox_limit' "$mc" && no "virtual_mailbox_limit is not a quota"
grep -q "^alias_maps = hash:$d/etc/aliases\$" "$mc" || no "alias_maps"
# The queue and the mail log are the tree's too: the queue view, queue
# actions and maillog never read (nor act on) the host's Postfix.
grep -q "^queue_directory = $d/spool\$" "$mc" || no "queue_directory"
grep -q "^maillog_file = $d/log/postfix.log\$" "$mc" || no "maillog_file"
grep -q "^maillog_file_prefixes = $d/log\$" "$mc" || no "maillog_file_prefixes"
"$VMAILADM" -c "$d/vmailadm.yaml" maillog johndoe@andromed.cloud >"$tmp/out" 2>&1
grep -qF "$d/log/postfix.log" "$tmp/out" || no "maillog on the demo reads elsewhere: $(cat "$tmp/out")"
if command -v postqueue >/dev/null 2>&1 || [ -x /usr/sbin/postqueue ]; then
	PATH=$PATH:/usr/sbin "$VMAILADM" -c "$d/vmailadm.yaml" queue list >"$tmp/out" 2>&1 &&
		no "queue list on a demo no Postfix runs on: $(cat "$tmp/out")"
	grep -qF "$d/spool" "$tmp/out" || no "queue list on the demo reads elsewhere: $(cat "$tmp/out")"
fi
# No catch-all, and the tables are what the course has (corrected).
grep -q '^@' "$d/etc/postfix/virtual_alias" "$d/etc/postfix/vmailbox" && no "a catch-all in the demo"
[ "$(grep -c '^[a-z]' "$d/etc/postfix/vmailbox")" -eq 7 ] || no "7 vmailbox entries"
grep -q '^equipe@andromed.cloud  *johndoe@andromed.cloud, janedoe@andromed.cloud$' \
	"$d/etc/postfix/virtual_alias" || no "team alias"
grep -q '^facturation@andromed.cloud  *comptable@cabinet-expert.fr$' \
	"$d/etc/postfix/virtual_alias" || no "external alias"
for a in postmaster abuse root; do
	grep -q "^$a:" "$d/etc/aliases" || no "/etc/aliases lacks $a"
done

# The passwd-file: seven hashed users, all 7 colons, one with a quota, the
# documented passwords verify (by doveadm when installed).
u="$d/etc/dovecot/users"
[ "$(grep -c '^[a-z].*:{SHA512-CRYPT}\$6\$[^:]*:[0-9]*:[0-9]*::::' "$u")" -eq 7 ] || no "7 SHA512-CRYPT users"
grep -v '^#' "$u" | grep -q PLAIN && no "a {PLAIN} password"
grep -q '^contact@andromed.cloud:.*userdb_quota_rule=\*:storage=1M$' "$u" || no "quota field"
[ "$(stat -c %a "$u")" = 640 ] || no "users mode $(stat -c %a "$u")"
if command -v doveadm >/dev/null 2>&1; then
	while read -r addr pass; do
		h=$(grep "^$addr:" "$u" | cut -d: -f2)
		doveadm pw -t "$h" -p "$pass" >/dev/null 2>&1 || no "password of $addr does not verify"
		doveadm pw -t "$h" -p "wrong$pass" >/dev/null 2>&1 && no "wrong password verifies for $addr"
	done <<'EOT'
johndoe@andromed.cloud MotDePasse123!
janedoe@andromed.cloud MotDePasse456!
contact@andromed.cloud Contact-Andromed-1
support@andromed.cloud Support-Andromed-2
admin@andromed.cloud Admin-Andromed-3
contact@ascent.cloud Contact-Ascent-4
admin@ascent.cloud Admin-Ascent-5
EOT
fi

# Maildirs: every box complete, mail in new/ and cur/, both name styles,
# unread in cur/, the Sent folder, Dovecot files; owned by vmail.
v="$d/vhosts"
for b in andromed.cloud/johndoe andromed.cloud/janedoe andromed.cloud/contact \
	 andromed.cloud/support andromed.cloud/admin ascent.cloud/contact ascent.cloud/admin; do
	for s in cur new tmp; do [ -d "$v/$b/$s" ] || no "$b/$s missing"; done
	[ "$(stat -c %a "$v/$b")" = 700 ] || no "$b mode $(stat -c %a "$v/$b")"
done
[ "$(find "$v" -path '*/new/*' -type f | wc -l)" -ge 8 ] || no "too little new mail"
ls "$v/andromed.cloud/johndoe/new" | grep -Eq '^[0-9]+\.V[0-9a-f]+I[0-9a-f]+M[0-9]+\.mail$' \
	|| no "no Postfix-style name in johndoe/new"
find "$v" -path '*/cur/*' -name '*.M*P*.mail,S=*,W=*:2,*' | grep -q . || no "no Dovecot-style name"
find "$v" -path '*/cur/*' -name '*:2,' | grep -q . || no "no unread message in cur/"
find "$v" -path '*/cur/*' -name '*:2,F' | grep -q . || no "no flagged unread message"
[ -f "$v/andromed.cloud/johndoe/.Sent/maildirfolder" ] || no ".Sent/maildirfolder"
ls "$v/andromed.cloud/johndoe/.Sent/cur" | grep -q . || no ".Sent is empty"
[ -f "$v/andromed.cloud/johndoe/dovecot-uidlist" ] || no "dovecot-uidlist"
grep -rlq '^Subject: =?UTF-8?[QB]?' "$v" || no "no encoded-word subject"
# A Dovecot-style name's S= is the file's size.
f=$(find "$v" -name '*,S=*' | head -n 1)
s=$(echo "$f" | sed 's/.*,S=\([0-9]*\).*/\1/')
[ "$(stat -c %s "$f")" = "$s" ] || no "S= of $f is not its size"
# The contact box is close to its 1M quota.
sz=$(cat "$v"/andromed.cloud/contact/new/* "$v"/andromed.cloud/contact/cur/* | wc -c)
[ "$sz" -gt 800000 ] && [ "$sz" -lt 1048576 ] || no "contact holds $sz bytes, not near 1M"
want=$(id -u); [ "$want" -eq 0 ] && want=5000
[ -z "$(find "$v" ! -uid "$want")" ] || no "files under vhosts not owned by $want"
grep -q "^vmail_uid: $want\$" "$d/vmailadm.yaml" || no "vmail_uid in vmailadm.yaml"
grep -q '^postfix_dir: etc/postfix$' "$d/vmailadm.yaml" || no "relative postfix_dir"

# A second run refuses (exit 2) and changes nothing.
before=$(find "$d" -type f | sort | md5sum)
"$VMAILADM" demo "$d" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || no "second run without --force must exit 2"
grep -q 'not empty; use --force' "$tmp/err" || no "second-run message: $(cat "$tmp/err")"
[ "$(find "$d" -type f | sort | md5sum)" = "$before" ] || no "a refused run changed files"

# --force replaces what the demo made, and keeps the rest of DIR.
echo "keep me" >"$d/notes.txt"
echo "junk" >"$d/state/journal"
rm -f "$d/etc/postfix/vmailbox"
"$VMAILADM" demo "$d" --force >/dev/null 2>"$tmp/err" || no "--force (after DIR) failed: $(cat "$tmp/err")"
[ -f "$d/notes.txt" ] || no "--force removed a file it did not make"
[ -f "$d/state/journal" ] && no "--force kept the old state"
[ -f "$d/etc/postfix/vmailbox" ] || no "--force did not rebuild vmailbox"
[ "$(find "$v" -path '*/new/*' -type f | wc -l)" -ge 8 ] || no "mail after --force"

# --force never touches a directory that is not a demo tree.
mkdir "$tmp/other"; echo precious >"$tmp/other/file"
"$VMAILADM" demo --force "$tmp/other" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || no "--force on a non-demo directory must exit 2"
grep -q 'not a demo tree' "$tmp/err" || no "non-demo message: $(cat "$tmp/err")"
[ "$(cat "$tmp/other/file")" = precious ] && [ "$(ls -A "$tmp/other")" = file ] || no "other dir changed"
# ... nor /, $HOME, a system directory, a symlink, or a path main.cf cannot hold.
for bad in / "$HOME" /var /tmp; do
	"$VMAILADM" demo --force "$bad" >/dev/null 2>"$tmp/err"
	[ $? -eq 2 ] || no "demo --force $bad must exit 2"
	grep -q 'refusing' "$tmp/err" || no "$bad: $(cat "$tmp/err")"
done
ln -s "$d" "$tmp/link"
"$VMAILADM" demo --force "$tmp/link" >/dev/null 2>&1 && no "a symlinked DIR was accepted"
"$VMAILADM" demo "$tmp/a b" >/dev/null 2>&1 && no "a DIR with a space was accepted"
[ -e "$tmp/a b" ] && no "a refused DIR was created"
"$VMAILADM" demo >/dev/null 2>&1; [ $? -eq 2 ] || no "no DIR must be a usage error"

# A relative DIR becomes absolute in main.cf and the YAML.
(cd "$tmp" && "$VMAILADM" demo rel >/dev/null 2>"$tmp/err") || no "relative DIR: $(cat "$tmp/err")"
grep -q "^virtual_mailbox_base = $tmp/rel/vhosts\$" "$tmp/rel/etc/postfix/main.cf" 2>/dev/null \
	|| [ "$(cd "$tmp" && pwd -P)" != "$tmp" ] || no "relative DIR not made absolute"

# Not root: the tree belongs to the caller (nothing is "wrong owner").
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir "$tmp/nobody" && chown 65534:65534 "$tmp/nobody" && chmod 755 "$tmp"
	if setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
		"$VMAILADM" demo "$tmp/nobody/d" >/dev/null 2>"$tmp/err"; then
		grep -q '^vmail_uid: 65534$' "$tmp/nobody/d/vmailadm.yaml" || no "vmail_uid as nobody"
		[ -z "$(find "$tmp/nobody/d" ! -uid 65534)" ] || no "files not owned by nobody"
	else
		no "demo as nobody failed: $(cat "$tmp/err")"
	fi
fi

# The demo as the model sees it: exactly the seven mailboxes.
"$VMAILADM" --config "$d/vmailadm.yaml" list mailboxes --json >"$tmp/json" 2>"$tmp/err" \
	|| no "list mailboxes failed: $(cat "$tmp/err")"
python3 - "$tmp/json" "$d" <<'PY' || no "list mailboxes --json content"
import json, sys
j = json.load(open(sys.argv[1]))
got = sorted(b["address"] for b in j)
want = sorted(["johndoe@andromed.cloud", "janedoe@andromed.cloud", "contact@andromed.cloud",
               "support@andromed.cloud", "admin@andromed.cloud", "contact@ascent.cloud",
               "admin@ascent.cloud"])
assert got == want, got
for b in j:
    local, dom = b["address"].split("@")
    assert b["domain"] == dom, b
    assert b["maildir"].rstrip("/") == "%s/vhosts/%s/%s" % (sys.argv[2], dom, local), b
PY
exit $fail
