#!/bin/sh
# `vmailadm exercise`: each of the four exercises done twice on fresh demo
# trees, once through vmailadm commands and once by hand the course's way
# (editing the files, postmap, mkdir/chown/chmod, mv), checking that every
# step goes from todo to done, and back to todo when the change is undone by
# hand. Also: the course's own mistakes ({PLAIN}, the catch-all in
# virtual_alias, a table edited but not rebuilt) leave their step todo; the
# JSON shape and exit codes; reset; the question on a tree that is not a demo.
set -u
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG
command -v postmap >/dev/null 2>&1 || { echo "SKIP: postmap is not installed"; exit 77; }

hash() { # a SHA512-CRYPT hash of $1, as doveadm pw -s SHA512-CRYPT would give
	openssl passwd -6 "$1" 2>/dev/null ||
		python3 -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_SHA512)))' "$1"
}

fresh() { # fresh NAME: a new demo tree; sets D, V (vmailadm on it), PF, U
	D="$tmp/$1"
	"$VMAILADM" demo "$D" >/dev/null || { echo "demo failed"; exit 99; }
	PF="$D/etc/postfix"
	U="$D/etc/dovecot/users"
	OWNER="$(sed -n 's/^vmail_uid: *//p' "$D/vmailadm.yaml"):$(sed -n 's/^vmail_gid: *//p' "$D/vmailadm.yaml")"
}
v() { "$VMAILADM" --config "$D/vmailadm.yaml" "$@"; }
pm() { postmap -c "$PF" "hash:$PF/$1"; }

# "ID STATE" per step of exercise N, from its JSON (printed one field a
# line; awk rather than python, whose start costs seconds on a busy box).
states() {
	v exercise "$1" --json | awk -F'"' '$2 == "id" { id = $4 } $2 == "state" { print id, $4 }'
}
# is N STATE WHAT STEP...: each step of exercise N is in STATE (one run).
is() {
	_n=$1 _st=$2 _what=$3
	shift 3
	_all=$(states "$_n")
	for _step in "$@"; do
		_got=$(echo "$_all" | awk -v s="$_step" '$1 == s { print $2 }')
		[ "$_got" = "$_st" ] || no "$_what: exercise $_n step $_step is '$_got', expected $_st ($(why "$_n" "$_step"))"
	done
}
why() {
	v exercise "$1" --json | awk -F'"' -v s="$2" '$2 == "id" { id = $4 } $2 == "why" && id == s { print $4 }'
}

# A message as virtual(8) writes it (no server runs on these trees; the
# integration test delivers for real).
deliver() { # deliver ADDRESS MAILDIR
	printf 'Return-Path: <t@example.org>\nDelivered-To: %s\nSubject: test\n\nBonjour\n' "$1" \
		>"$2/new/$(date +%s).V1I$$M1.host"
}
maildir() { # maildir REL: as the course makes it
	mkdir -p "$D/vhosts/$1/new" "$D/vhosts/$1/cur" "$D/vhosts/$1/tmp"
	chown -R "$OWNER" "$D/vhosts/$1"
	chmod -R 700 "$D/vhosts/$1"
}

# ---- the list, the JSON shape, exit codes ----
fresh shape
out=$(v exercise) && no "exercise list exits 0 with nothing done"
echo "$out" | grep -q '^  1  A first mailbox  *0/6$' || no "list line 1: $out"
echo "$out" | grep -q '^  4  The admin scripts. job  *0/4$' || no "list line 4: $out"
v exercise 1 --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["exercise"] == 1 and d["title"] == "A first mailbox", d
assert [s["id"] for s in d["steps"]] == ["entry", "built", "password", "maildir", "delivered", "login"], d
for s in d["steps"]:
    assert set(s) == {"id", "title", "state", "why"} and s["state"] in ("done", "todo", "skipped") and s["why"], s
' || no "exercise 1 --json shape"
v exercise --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
assert [e["exercise"] for e in d["exercises"]] == [1, 2, 3, 4], d' || no "exercise --json list"
# No server on a demo tree: delivery and login are skipped, with the reason.
is 1 skipped "no Postfix" delivered
why 1 delivered | grep -q 'postfix_reload is empty' || no "skipped delivery names no reason"
v exercise 9 2>/dev/null; [ $? -eq 2 ] || no "exercise 9 is not a usage error"

# ---- exercise 1 through vmailadm ----
fresh ex1v
echo 'AlicePass123!' | v mailbox add alice@andromed.cloud --password-stdin >/dev/null 2>&1 || no "mailbox add alice"
is 1 done "ex1 vmailadm" entry built password maildir
deliver alice@andromed.cloud "$D/vhosts/andromed.cloud/alice"
is 1 done "ex1 a message delivered" delivered
is 1 skipped "ex1 no Dovecot" login
v exercise 1 >/dev/null && no "exercise 1 exits 0 with a skipped step"
# Undone by hand: the line removed and the table rebuilt.
sed -i '/^alice@/d' "$PF/vmailbox" && pm vmailbox
is 1 todo "ex1 entry removed by hand" entry
is 1 todo "ex1 entry removed by hand" built
sed -i '/^alice@/d' "$U"
is 1 todo "ex1 passwd line removed by hand" password
chmod 755 "$D/vhosts/andromed.cloud/alice"
is 1 todo "ex1 maildir chmod 755" maildir

# ---- exercise 1 by hand, the course's way ----
fresh ex1h
is 1 todo "ex1 fresh" entry built password maildir
printf 'alice@andromed.cloud        andromed.cloud/alice/\n' >>"$PF/vmailbox"
is 1 done "ex1 by hand: line added" entry
is 1 todo "ex1 by hand: not rebuilt yet" built
why 1 built | grep -q 'finds nothing\|not built' || no "ex1: stale table not named"
pm vmailbox
is 1 done "ex1 by hand: postmap" built
# The course's {PLAIN} password does not count as done.
printf 'alice@andromed.cloud:{PLAIN}AlicePass123!\n' >>"$U"
is 1 todo "ex1 {PLAIN}" password
why 1 password | grep -q '{PLAIN}' || no "ex1 {PLAIN} not named"
sed -i '/^alice@/d' "$U"
printf 'alice@andromed.cloud:{SHA512-CRYPT}%s::::::\n' "$(hash 'AlicePass123!')" >>"$U"
is 1 done "ex1 by hand: hashed password" password
maildir andromed.cloud/alice
is 1 done "ex1 by hand: mkdir, chown, chmod" maildir
chown -R 1:1 "$D/vhosts/andromed.cloud/alice"
is 1 todo "ex1 maildir owned by someone else" maildir
chown -R "$OWNER" "$D/vhosts/andromed.cloud/alice"
is 1 done "ex1 maildir given back" maildir
rmdir "$D/vhosts/andromed.cloud/alice/tmp"
is 1 todo "ex1 maildir without tmp/" maildir

# ---- exercise 2 through vmailadm ----
fresh ex2v
echo 'AlicePass123!' | v mailbox add alice@andromed.cloud --password-stdin >/dev/null 2>&1
is 2 todo "ex2 fresh" info team billing built
v alias set info@andromed.cloud alice@andromed.cloud >/dev/null 2>&1 || no "alias set info"
v alias add team@andromed.cloud alice@andromed.cloud johndoe@andromed.cloud >/dev/null 2>&1 || no "alias add team"
v alias add billing@andromed.cloud votre@email.com >/dev/null 2>&1 || no "alias add billing"
is 2 done "ex2 vmailadm" info team billing built
v exercise 2 >/dev/null || no "exercise 2 does not exit 0 when done"
sed -i 's/^team@andromed.cloud .*/team@andromed.cloud   alice@andromed.cloud/' "$PF/virtual_alias"
is 2 todo "ex2 team@ cut to one target by hand" team
is 2 todo "ex2 team@ edited, table not rebuilt" built
pm virtual_alias
is 2 done "ex2 rebuilt" built

# ---- exercise 2 by hand ----
fresh ex2h
printf 'alice@andromed.cloud        andromed.cloud/alice/\n' >>"$PF/vmailbox"
sed -i 's/^info@andromed.cloud .*/info@andromed.cloud         alice@andromed.cloud/' "$PF/virtual_alias"
printf '# Exercice 2\nteam@andromed.cloud         alice@andromed.cloud, johndoe@andromed.cloud\nbilling@andromed.cloud      votre@email.com\n' \
	>>"$PF/virtual_alias"
is 2 done "ex2 by hand" info team billing
is 2 todo "ex2 by hand: not rebuilt" built
pm virtual_alias
is 2 done "ex2 by hand: postmap" built
sed -i 's/^info@andromed.cloud .*/info@andromed.cloud         johndoe@andromed.cloud/' "$PF/virtual_alias"
is 2 todo "ex2 info@ back to johndoe by hand" info
sed -i '/^billing@/d' "$PF/virtual_alias"
is 2 todo "ex2 billing@ removed by hand" billing

# ---- exercise 3 through vmailadm ----
fresh ex3v
is 3 todo "ex3 fresh" domain contact admin catchall not-swallowed built
v domain add exemple.local >/dev/null 2>&1 || no "domain add"
is 3 done "ex3 domain add" domain
echo 'ContactPass!1' | v mailbox add contact@exemple.local --password-stdin >/dev/null 2>&1
echo 'AdminPass!1' | v mailbox add admin@exemple.local --password-stdin >/dev/null 2>&1
is 3 done "ex3 contact" contact
is 3 done "ex3 admin" admin
v catchall set exemple.local admin@exemple.local >/dev/null 2>&1 || no "catchall set"
is 3 done "ex3 vmailadm" catchall not-swallowed built
# The course's catch-all, added by hand to virtual_alias, swallows contact@.
printf '@exemple.local              admin@exemple.local\n' >>"$PF/virtual_alias"
is 3 todo "ex3 course's catch-all in virtual_alias" not-swallowed
why 3 not-swallowed | grep -q 'contact@exemple.local goes to: admin@exemple.local' || no "ex3 swallow not explained: $(why 3 not-swallowed)"

# ---- exercise 3 by hand ----
fresh ex3h
printf 'exemple.local                OK\n' >>"$PF/virtual_domains"
pm virtual_domains
is 3 done "ex3 by hand: virtual_domains" domain
printf 'contact@exemple.local       exemple.local/contact/\nadmin@exemple.local         exemple.local/admin/\n' >>"$PF/vmailbox"
printf 'contact@exemple.local:{SHA512-CRYPT}%s::::::\nadmin@exemple.local:{SHA512-CRYPT}%s::::::\n' \
	"$(hash 'ContactPass!')" "$(hash 'AdminPass!')" >>"$U"
maildir exemple.local/contact
maildir exemple.local/admin
is 3 done "ex3 by hand: contact" contact
is 3 done "ex3 by hand: admin" admin
# The course's way: the catch-all at the end of virtual_alias.
printf '@exemple.local              admin@exemple.local\n' >>"$PF/virtual_alias"
pm vmailbox; pm virtual_alias
is 3 done "ex3 course's catch-all catches random@" catchall
is 3 todo "ex3 course's catch-all swallows the mailboxes" not-swallowed
# The fix: the catch-all in vmailbox, where real mailboxes win.
sed -i '/^@exemple.local/d' "$PF/virtual_alias"
printf '@exemple.local              exemple.local/admin/\n' >>"$PF/vmailbox"
is 3 done "ex3 catch-all in vmailbox" catchall
is 3 done "ex3 catch-all in vmailbox swallows nothing" not-swallowed
is 3 todo "ex3 vmailbox not rebuilt" built
pm vmailbox; pm virtual_alias
is 3 done "ex3 by hand: postmap" built
v exercise 3 >/dev/null || no "exercise 3 does not exit 0 when done"
sed -i '/^@exemple.local/d' "$PF/vmailbox"
is 3 todo "ex3 catch-all removed by hand" catchall
is 3 todo "ex3 no catch-all" not-swallowed

# ---- exercise 4 through vmailadm ----
fresh ex4v
is 4 todo "ex4 fresh" create mail remove archived
echo 'BobPass123' | v mailbox add bob@andromed.cloud --password-stdin >/dev/null 2>&1 || no "mailbox add bob"
is 4 done "ex4 create" create
is 4 skipped "ex4 no mail, no Postfix" mail
deliver bob@andromed.cloud "$D/vhosts/andromed.cloud/bob"
is 4 done "ex4 bob has mail" mail
v stats bob@andromed.cloud | grep -q 'bob@andromed.cloud' || no "stats does not list bob"
is 4 todo "ex4 bob still there" remove
v mailbox del bob@andromed.cloud --yes >/dev/null 2>&1 || no "mailbox del bob"
is 4 done "ex4 vmailadm" create mail remove archived
v exercise 4 >/dev/null || no "exercise 4 does not exit 0 when done"
# Undone by hand: the archive deleted (the course's rm -rf).
rm -rf "$D/archive/andromed.cloud"
is 4 todo "ex4 archive deleted by hand" archived
# reset forgets what the removal erased.
v exercise reset 4 >/dev/null || no "reset 4"
is 4 todo "ex4 after reset" create

# ---- exercise 4 by hand ----
fresh ex4h
printf 'bob@andromed.cloud    andromed.cloud/bob/\n' >>"$PF/vmailbox"
pm vmailbox
printf 'bob@andromed.cloud:{SHA512-CRYPT}%s::::::\n' "$(hash BobPass123)" >>"$U"
maildir andromed.cloud/bob
is 4 done "ex4 by hand: create" create
deliver bob@andromed.cloud "$D/vhosts/andromed.cloud/bob"
is 4 done "ex4 by hand: mail" mail
sed -i '/^bob@andromed.cloud[[:space:]]/d' "$PF/vmailbox"
is 4 todo "ex4 by hand: still in the passwd-file" remove
sed -i '/^bob@andromed.cloud:/d' "$U"
is 4 todo "ex4 by hand: table not rebuilt" remove
pm vmailbox
is 4 done "ex4 by hand: removed" remove
is 4 todo "ex4 by hand: maildir still in the base" archived
mkdir -p "$D/archive/andromed.cloud"
mv "$D/vhosts/andromed.cloud/bob" "$D/archive/andromed.cloud/bob-20250101"
is 4 done "ex4 by hand" create mail remove archived
# Undone by hand: bob back in vmailbox.
printf 'bob@andromed.cloud    andromed.cloud/bob/\n' >>"$PF/vmailbox"
is 4 todo "ex4 bob back by hand" remove

# ---- a tree that is not a demo: asked first, --yes for scripts ----
fresh other
rm "$D/.vmailadm-demo"
out=$(v exercise 1 </dev/null 2>&1); rc=$?
[ $rc -eq 2 ] || no "non-demo tree without --yes: exit $rc"
echo "$out" | grep -q 'is not a demo tree; add --yes' || no "non-demo refusal: $out"
[ -e "$D/state/exercises" ] && no "progress written before the answer"
v exercise 1 --yes >/dev/null; [ $? -eq 1 ] || no "--yes on a non-demo tree"

# ---- the default tree: a demo made on first use ----
HOME=$tmp/home XDG_DATA_HOME= "$VMAILADM" exercise >/dev/null 2>"$tmp/err"
[ -f "$tmp/home/.local/share/vmailadm/exercises/.vmailadm-demo" ] || no "no default demo tree: $(cat "$tmp/err")"
grep -q 'Demo tree for the exercises created in' "$tmp/err" || no "default tree not announced"

exit $fail
