#!/bin/sh
# A server not built the course's way: virtual_alias_maps is a pcre: table
# (first match wins, vmailadm cannot edit it), the domains an inline list,
# mailboxes in domain/user/Maildir/ with each passwd-file line giving
# userdb_mail. A mailbox that a pattern rule delivers to may not be
# removed or renamed away under it: the rule would send its mail to an
# address that no longer exists (it used to be removed without a word,
# while the same mailbox named in a hash alias table was refused). lint
# names a rule that takes a mailbox's mail, and a new mailbox such a rule
# would take is refused. A mailbox is not added in a
# domain that mydestination takes.
. "${top_srcdir:-.}/tests/lib.sh"
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
d="$tmp/w"
mkdir -p "$d/etc/postfix" "$d/etc/dovecot" "$d/mail" "$d/state" "$d/archive" || exit 99
printf '%s\n' "virtual_mailbox_domains = example.org, other.org" \
	"virtual_mailbox_maps = hash:$d/etc/postfix/mailboxes.map" \
	"virtual_alias_maps = pcre:$d/etc/postfix/virtual" \
	"virtual_mailbox_base = $d/mail" >"$d/etc/postfix/main.cf"
printf '%s\n' "bob@example.org     example.org/bob/Maildir/" \
	"carol@other.org     other.org/carol/Maildir/" \
	"dave@other.org      other.org/dave/Maildir/" >"$d/etc/postfix/mailboxes.map"
printf '%s\n' '/^postmaster@example\.org$/   bob@example.org' \
	'/^(.*)@other\.org$/           carol@other.org' >"$d/etc/postfix/virtual"
for u in example.org/bob other.org/carol other.org/dave; do
	printf '%s:{SHA512-CRYPT}$6$x$y:::::userdb_mail=maildir:~/Maildir\n' "${u#*/}@${u%/*}"
	mkdir -p "$d/mail/$u/Maildir/cur" "$d/mail/$u/Maildir/new" "$d/mail/$u/Maildir/tmp"
done >"$d/etc/dovecot/users"
: >"$d/etc/aliases"
uid=$(id -u) gid=$(id -g)
if [ "$uid" -eq 0 ]; then uid=5000 gid=5000; chown -R 5000:5000 "$d/mail"; fi
printf '%s\n' "postfix_dir: etc/postfix" "passwd_file: etc/dovecot/users" "aliases_file: etc/aliases" \
	"state_dir: state" "archive_dir: archive" "vmail_uid: $uid" "vmail_gid: $gid" \
	"postmap: $(command -v postmap)" 'postfix_reload: ""' 'dovecot_reload: ""' >"$d/vmailadm.yaml"
postmap -c "$d/etc/postfix" "hash:$d/etc/postfix/mailboxes.map" || exit 99
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
sums() { cat "$d"/etc/postfix/* "$d/etc/dovecot/users" | sha256sum; find "$d/mail" | sort | sha256sum; }
before=$(sums)
hash='{SHA512-CRYPT}$6$p.Q4MFRXMzX4hf8i$3ZkV/GHfKqmKVBh/5HTxzQ/QKGJLK./KoLeZ8xNjcC48oKUweEhux/3b2rK76qC9O/dmvy7dRF4SM4IEBWZK/.'

for quick in "" 0; do
	for cmd in "mailbox del carol@other.org" "mailbox del carol@other.org --purge" \
		"mailbox rename carol@other.org carla@other.org" "mailbox del bob@example.org"; do
		# shellcheck disable=SC2086 # the words of the case
		VMAILADM_EXCERPT_MIN=$quick v $cmd --yes >"$tmp/out" 2>"$tmp/err"
		rc=$?
		check_refused "$cmd${quick:+ (quick path)}" \
			"^$d/etc/postfix/virtual:[12]: error: [a-z]*@[a-z.]* is a target of the rule /.*/ of a pattern table, which vmailadm cannot edit"
	done
done
# A new mailbox that a pattern rule would take (a catch-all there, which
# vmailadm cannot give the identity entry it gives in a hash alias map):
# refused, where it used to be committed with no mail ever reaching it.
for quick in "" 0; do
	VMAILADM_EXCERPT_MIN=$quick v mailbox add frank@other.org --password-hash "$hash" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check_refused "mailbox add under a pattern catch-all${quick:+ (quick path)}" \
		"^$d/etc/postfix/virtual:2: error: frank@other.org would never get mail: this rule of virtual_alias_maps takes it first \(to carol@other.org\)"
done
# lint names the rule that takes dave's mail (a catch-all in a pattern
# table: it used to say nothing), not the one carol's address comes back by.
v lint >"$tmp/out" 2>&1
grep -q "^$d/etc/postfix/virtual:2: error: \[pattern-swallows-mailboxes\] this rule of virtual_alias_maps matches 1 mailbox (dave@other.org) before its mailbox is looked up: its mail goes to carol@other.org" "$tmp/out" ||
	no "lint: no pattern-swallows-mailboxes for dave: $(grep pattern "$tmp/out")"
[ "$(grep -c 'pattern-swallows' "$tmp/out")" -eq 1 ] || no "lint: $(grep pattern-swallows "$tmp/out")"
# A mailbox no rule names goes as before (to the archive).
v mailbox del dave@other.org --yes >"$tmp/out" 2>&1 || no "mailbox del dave: $(cat "$tmp/out")"
grep -q '^dave@' "$d/etc/postfix/mailboxes.map" && no "dave still in the map"
[ -d "$d/mail/other.org/dave/Maildir" ] && no "dave's maildir not archived"

# A domain in mydestination as well: Postfix takes it as local, and a new
# mailbox there never gets mail (it used to be added without a word).
echo "mydestination = localhost, example.org" >>"$d/etc/postfix/main.cf"
before=$(sums)
for quick in "" 0; do
	VMAILADM_EXCERPT_MIN=$quick v mailbox add eve@example.org --password-hash "$hash" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check_refused "mailbox add in a domain also in mydestination${quick:+ (quick path)}" \
		"^$d/etc/postfix/main.cf:5: error: example.org is listed in mydestination as well as in virtual_mailbox_domains: Postfix uses mydestination and would never deliver to the mailbox eve@example.org"
done
exit $fail
