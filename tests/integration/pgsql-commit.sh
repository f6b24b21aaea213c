#!/bin/sh
# backend: pgsql (issue 18): edits staged on the snapshot, previewed as a
# row diff, committed in one SERIALIZABLE transaction, on a real
# PostgreSQL 15 (throwaway, socket only). The course's exercises 1-4
# through the CLI (a mailbox, aliases, a second domain with a catch-all,
# add/list/remove), each checked in the database's rows, its change set
# (before and after images) and PostfixAdmin's log row; the preview never
# prints a hash; a row another client changed after the snapshot is
# "changed since the preview" and nothing is written; two vmailadm
# processes (each its own state directory, as on two hosts) adding to the
# same alias at once lose no update; a commit killed before COMMIT, or
# after a row, leaves the database untouched; one killed after COMMIT has
# its auth cache flush done by the next command; rollback ID compensates a
# change set from its images (an insert, an update, a delete), previewed,
# and refuses when a row changed since.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start

pg_demo
# doveadm here answers for no running Dovecot: the flush is a program that
# records its arguments (pgsql-live.sh flushes the real one).
cat >"$T/doveadm" <<EOF
#!/bin/sh
echo "\$*" >>"$T/flushed"
EOF
chmod +x "$T/doveadm"
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: %s\n' "$CI" "$T/doveadm" >>"$Y"
q() { pg_sql postfix "$1"; }
PW='Secret-Password-123'

# The exercises' checks read the database too, and name its table, never
# the snapshot's file (alice is exercise 1's mailbox, not made here).
out=$(v exercise 1 2>&1)
echo "$out" | grep -q 'alice@andromed.cloud has no row in pgsql:mailbox' && ! echo "$out" | grep -q 'snapshot\.' &&
	ok "exercise 1 on pgsql: alice has no row in pgsql:mailbox" || fail "exercise 1: $out"

# Exercise 1: a mailbox. The preview is the row, the hash never shown.
out=$(echo "$PW" | v mailbox add bob@andromed.cloud --password-stdin --quota 1G --dry-run 2>&1)
echo "$out" | grep -qx '+mailbox bob@andromed.cloud password=(set) maildir=andromed.cloud/bob/ quota=1073741824 local_part=bob domain=andromed.cloud' &&
	! echo "$out" | grep -q '\$6\$' && [ -z "$(q "SELECT 1 FROM mailbox WHERE username = 'bob@andromed.cloud'")" ] &&
	ok "dry run: one row line, no hash, nothing written" || fail "dry run: $out"
out=$(echo "$PW" | v mailbox add bob@andromed.cloud --password-stdin --quota 1G 2>&1) &&
	[ "$(q "SELECT quota, maildir, password LIKE '{SHA512-CRYPT}%' OR password LIKE '\$6\$%' FROM mailbox WHERE username = 'bob@andromed.cloud' AND active")" = "1073741824|andromed.cloud/bob/|t" ] &&
	ok "mailbox add: the row in the database" || fail "mailbox add: $out / $(q "SELECT * FROM mailbox WHERE username = 'bob@andromed.cloud'")"
[ -d "$T/demo/vhosts/andromed.cloud/bob/new" ] && ok "its maildir was created" || fail "no maildir for bob"
grep -qx 'auth cache flush bob@andromed.cloud' "$T/flushed" && ok "doveadm auth cache flush bob@andromed.cloud" ||
	fail "flush: $(cat "$T/flushed" 2>&1)"
cs=$(q "SELECT max(id) FROM vmailadm_changeset")
[ "$(q "SELECT tbl, key, before IS NULL, after->>'maildir' FROM vmailadm_change WHERE changeset = $cs")" = "mailbox|bob@andromed.cloud|t|andromed.cloud/bob/" ] &&
	q "SELECT data FROM log ORDER BY id DESC LIMIT 1" | grep -q "changeset $cs: add mailbox bob@andromed.cloud" &&
	ok "change set $cs: the row's after image; the log row names it" || fail "change set $cs"
v show bob@andromed.cloud 2>&1 | grep -q 'bob@andromed.cloud' && ok "show bob: read back from the database" ||
	fail "show bob"

# Exercise 2: aliases (a new one, a target added to an existing one).
v alias add ventes@andromed.cloud bob@andromed.cloud >/dev/null 2>&1 &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'ventes@andromed.cloud'")" = bob@andromed.cloud ] &&
	ok "alias add: a new alias row" || fail "alias add ventes"
out=$(v alias add info@andromed.cloud bob@andromed.cloud 2>&1)
echo "$out" | grep -qx '~alias info@andromed.cloud goto: johndoe@andromed.cloud -> johndoe@andromed.cloud,bob@andromed.cloud' &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")" = "johndoe@andromed.cloud,bob@andromed.cloud" ] &&
	ok "a target added: one ~ line with the column that changes" || fail "info: $out"
cs=$(q "SELECT max(id) FROM vmailadm_changeset")
[ "$(q "SELECT before->>'goto', after->>'goto' FROM vmailadm_change WHERE changeset = $cs")" = "johndoe@andromed.cloud|johndoe@andromed.cloud,bob@andromed.cloud" ] &&
	ok "its before and after images" || fail "images of $cs"

# Exercise 3: a second domain with a mailbox and a catch-all.
v domain add example.org >/dev/null 2>&1 && echo "$PW" | v mailbox add carol@example.org --password-stdin >/dev/null 2>&1 &&
	v catchall set example.org carol@example.org >/dev/null 2>&1 &&
	[ "$(q "SELECT count(*) FROM domain WHERE domain = 'example.org'")" = 1 ] &&
	[ "$(q "SELECT maildir FROM mailbox WHERE username = '@example.org'")" = example.org/carol/ ] &&
	ok "a second domain, its mailbox and its catch-all" || fail "exercise 3: $(q "SELECT username, maildir FROM mailbox WHERE domain = 'example.org'")"
v list catchalls 2>&1 | grep -q '^example.org  *mailbox  *example.org/carol/' && ok "list catchalls from the database" ||
	fail "list catchalls: $(v list catchalls 2>&1)"

# Exercise 4: add, list, remove.
echo "$PW" | v mailbox add temp@example.org --password-stdin >/dev/null 2>&1 &&
	v list mailboxes 2>&1 | grep -q temp@example.org && ok "temp@example.org added and listed" || fail "temp add"
out=$(v mailbox del temp@example.org --yes 2>&1)
echo "$out" | grep -q '^-mailbox temp@example.org' && [ -z "$(q "SELECT 1 FROM mailbox WHERE username = 'temp@example.org'")" ] &&
	! v list mailboxes 2>&1 | grep -q temp@example.org && ok "mailbox del: the row deleted" || fail "del: $out"
cs=$(q "SELECT max(id) FROM vmailadm_changeset")
[ "$(q "SELECT before->>'username', after IS NULL FROM vmailadm_change WHERE changeset = $cs")" = "temp@example.org|t" ] &&
	ok "its before image kept" || fail "delete images"

# Changed since the preview: another client's update, committed while
# vmailadm waits for the row, is never overwritten.
# The other client holds the row from before vmailadm starts until a lock
# waits (vmailadm's, on that row: pg_locks, not cached within a
# transaction as pg_stat_activity is), 30 s at most: a sleep of 1 s and a
# hold of 3 s guessed both, under load.
rm -f "$T/row-held"
psql -X -q -h "$PG_SOCK" -U postgres -d postfix >/dev/null <<SQL &
BEGIN;
UPDATE alias SET goto = 'admin@ascent.cloud,contact@ascent.cloud' WHERE address = 'postmaster@ascent.cloud';
\! touch "$T/row-held"
DO \$\$ BEGIN
	FOR i IN 1..600 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted);
		PERFORM pg_sleep(0.05);
	END LOOP;
END \$\$;
COMMIT;
SQL
other=$!
i=0
while [ ! -e "$T/row-held" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
out=$(v alias add postmaster@ascent.cloud admin@andromed.cloud 2>&1); rc=$?
wait $other
[ $rc -ne 0 ] && echo "$out" | grep -q 'changed since the preview' &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'postmaster@ascent.cloud'")" = "admin@ascent.cloud,contact@ascent.cloud" ] &&
	ok "another client's update kept: 'changed since the preview', exit $rc" || fail "changed (rc $rc): $out"
out=$(v alias add postmaster@ascent.cloud admin@andromed.cloud 2>&1) &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'postmaster@ascent.cloud'")" = "admin@ascent.cloud,contact@ascent.cloud,admin@andromed.cloud" ] &&
	ok "the same edit again, on the new snapshot: committed on top" || fail "again: $out"

# Two vmailadm processes (two state directories, as on two hosts) adding
# different targets to one alias at the same moment.
sed "s,^state_dir:.*,state_dir: state2," "$Y" >"$T/demo/vmailadm2.yaml"
before=$(q "SELECT goto FROM alias WHERE address = 'webmaster@andromed.cloud'")
lost=0 both=0
for i in 1 2 3; do
	v alias add webmaster@andromed.cloud "w1x$i@elsewhere.example" >"$T/p1" 2>&1 &
	"$VMAILADM" --config "$T/demo/vmailadm2.yaml" alias add webmaster@andromed.cloud "w2x$i@elsewhere.example" >"$T/p2" 2>&1 &
	wait
	g=$(q "SELECT goto FROM alias WHERE address = 'webmaster@andromed.cloud'")
	n1=$(grep -c '^committed' "$T/p1") n2=$(grep -c '^committed' "$T/p2")
	c1=$(echo "$g" | grep -c "w1x$i") c2=$(echo "$g" | grep -c "w2x$i")
	[ "$c1" = "$n1" ] && [ "$c2" = "$n2" ] || lost=1
	[ $((n1 + n2)) -eq 2 ] && both=$((both + 1))
	cat "$T/p1" "$T/p2" | grep -q 'changed since the preview\|committed' || lost=1
done
[ $lost -eq 0 ] && ok "3 rounds of two writers: every committed target is in the row, no lost update ($both rounds both committed, one after the other's snapshot)" ||
	fail "lost update: $before -> $(q "SELECT goto FROM alias WHERE address = 'webmaster@andromed.cloud'"); $(cat "$T/p1" "$T/p2")"

# Killed mid-way: after the first row, and just before COMMIT.
n0=$(q "SELECT count(*) FROM vmailadm_changeset")
for at in db-row db-commit; do
	VMAILADM_FAIL_AT=$at:kill v domain add "killed-$at.example" >/dev/null 2>&1
	[ -z "$(q "SELECT 1 FROM domain WHERE domain = 'killed-$at.example'")" ] &&
		[ "$(q "SELECT count(*) FROM vmailadm_changeset")" = "$n0" ] &&
		ok "killed at $at: no row, no change set" || fail "killed at $at left rows"
done
v domain add after-kill.example >/dev/null 2>&1 && ok "the next commit goes through" || fail "after the kill"
# Killed after COMMIT, before the auth cache flush (a change without any
# maildir action): the journal stays, and the next vmailadm, whatever the
# command, flushes the changed user's cache as the commit would have.
: >"$T/flushed"
pw0=$(q "SELECT password FROM mailbox WHERE username = 'bob@andromed.cloud'")
echo 'Other-Password-456' | VMAILADM_FAIL_AT=flush-auth-cache:kill v mailbox passwd bob@andromed.cloud \
	--password-stdin >/dev/null 2>&1
[ "$(q "SELECT password FROM mailbox WHERE username = 'bob@andromed.cloud'")" != "$pw0" ] &&
	[ -e "$T/demo/state/journal" ] && [ ! -s "$T/flushed" ] &&
	ok "killed before the flush: the password committed, the journal kept, no flush yet" ||
	fail "kill at flush-auth-cache: $(cat "$T/flushed") / $(ls "$T/demo/state")"
out=$(v list domains 2>&1 >/dev/null)
grep -qx 'auth cache flush bob@andromed.cloud' "$T/flushed" &&
	echo "$out" | grep -q "flush Dovecot's auth cache for 1 user on this host" &&
	[ ! -e "$T/demo/state/journal" ] && tail -1 "$T/demo/state/audit.log" | grep -q '"finished by recovery"' &&
	ok "the next command flushed bob's auth cache (said; audit: finished by recovery)" ||
	fail "recovery flush: $out / $(cat "$T/flushed") / $(tail -1 "$T/demo/state/audit.log")"
# A recovery flush that fails is said too.
echo 'Third-Password-789' | VMAILADM_FAIL_AT=flush-auth-cache:kill v mailbox passwd bob@andromed.cloud \
	--password-stdin >/dev/null 2>&1
sed -i "s,^doveadm:.*,doveadm: /bin/false," "$Y"
out=$(v list domains 2>&1 >/dev/null)
echo "$out" | grep -q "auth cache was not flushed on this host" && echo "$out" | grep -q "FAIL flush Dovecot's auth cache" &&
	ok "a failed flush in the recovery: said" || fail "recovery with a failing flush: $out"
sed -i "s,^doveadm:.*,doveadm: $T/doveadm," "$Y"

# A flush that fails is said, never hidden: exit 1, the row committed.
sed -i "s,^doveadm:.*,doveadm: /bin/false," "$Y"
out=$(echo "$PW" | v mailbox add dave@andromed.cloud --password-stdin 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "auth cache was not flushed" && echo "$out" | grep -q '^committed with errors' &&
	[ -n "$(q "SELECT 1 FROM mailbox WHERE username = 'dave@andromed.cloud'")" ] &&
	ok "a failed auth cache flush: reported, exit 1, the row committed" || fail "failed flush (rc $rc): $out"
# The real doveadm with no Dovecot to reach: it prints "0 cache entries
# flushed" and exits 0, its stderr saying "Error: ... connect(...) failed".
# That is a flush that did not happen, said as one.
if command -v doveadm >/dev/null 2>&1; then
	printf '#!/bin/sh\nexec doveadm -o base_dir=%s/no-dovecot "$@"\n' "$T" >"$T/doveadm-nowhere"
	chmod +x "$T/doveadm-nowhere"
	sed -i "s,^doveadm:.*,doveadm: $T/doveadm-nowhere," "$Y"
	out=$(echo "$PW" | v mailbox add dora@andromed.cloud --password-stdin 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "FAIL flush Dovecot's auth cache for 1 user on this host: Error: " &&
		echo "$out" | grep -q "auth cache was not flushed on this host" &&
		[ -n "$(q "SELECT 1 FROM mailbox WHERE username = 'dora@andromed.cloud'")" ] &&
		ok "doveadm's flush that reached no Dovecot (exit 0, Error: on stderr): a failure, exit 1" ||
		fail "doveadm exit 0 with Error: (rc $rc): $out"
fi
sed -i "s,^doveadm:.*,doveadm: /bin/false," "$Y"
# imap_servers: the flush through ssh on each; one that fails is named.
mkdir "$T/bin"
cat >"$T/bin/ssh" <<EOF
#!/bin/sh
echo "\$*" >>"$T/ssh.log"
case "\$*" in *imap2*) echo "ssh: connect to host imap2 port 22: Connection refused" >&2; exit 255;; esac
exit 0
EOF
chmod +x "$T/bin/ssh"
printf 'imap_servers: "imap1 imap2"\n' >>"$Y"
out=$(echo "$PW" | PATH="$T/bin:$PATH" v mailbox add erin@andromed.cloud --password-stdin 2>&1); rc=$?
[ $rc -eq 1 ] && grep -qx -- '-o BatchMode=yes imap1 doveadm auth cache flush erin@andromed.cloud' "$T/ssh.log" &&
	grep -qx -- '-o BatchMode=yes imap2 doveadm auth cache flush erin@andromed.cloud' "$T/ssh.log" &&
	echo "$out" | grep -q 'not flushed on imap2' && ! echo "$out" | grep -q 'not flushed on imap1' &&
	[ -n "$(q "SELECT 1 FROM mailbox WHERE username = 'erin@andromed.cloud'")" ] &&
	ok "imap_servers: ssh HOST doveadm auth cache flush on each; imap2's failure named, exit 1" ||
	fail "imap_servers (rc $rc): $out / $(cat "$T/ssh.log")"
# rollback ID: the change set compensated, previewed first.
sed -i '/^imap_servers:/d' "$Y"
sed -i "s,^doveadm:.*,doveadm: $T/doveadm," "$Y"
id=$(v log --json --limit 0 2>/dev/null | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if any("ventes" in o for o in x["operations"])]; print(r[-1]["id"])')
out=$(v rollback "$id" --dry-run 2>&1)
echo "$out" | grep -qx -- '-alias ventes@andromed.cloud goto=bob@andromed.cloud domain=andromed.cloud' &&
	[ -n "$(q "SELECT 1 FROM alias WHERE address = 'ventes@andromed.cloud'")" ] &&
	ok "rollback --dry-run: the compensating row, nothing changed" || fail "rollback dry run: $out"
out=$(v rollback "$id" 2>&1) && [ -z "$(q "SELECT 1 FROM alias WHERE address = 'ventes@andromed.cloud'")" ] &&
	[ "$(q "SELECT rollback_of FROM vmailadm_changeset ORDER BY id DESC LIMIT 1")" -gt 0 ] &&
	ok "rollback: ventes@ deleted, the change set says what it rolls back" || fail "rollback: $out"
id=$(v log --json --limit 0 2>/dev/null | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if any("info@andromed.cloud" in o for o in x["operations"])]; print(r[0]["id"])')
v rollback "$id" >/dev/null 2>&1 &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")" = johndoe@andromed.cloud ] &&
	ok "rollback of an update: the before image's goto is back" || fail "rollback info: $(q "SELECT goto FROM alias WHERE address = 'info@andromed.cloud'")"
id=$(v log --json --limit 0 2>/dev/null | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if any("temp@example.org" in o and "remove" in o for o in x["operations"])]; print(r[-1]["id"])')
out=$(v rollback "$id" 2>&1) && [ "$(q "SELECT maildir FROM mailbox WHERE username = 'temp@example.org'")" = example.org/temp/ ] &&
	ok "rollback of a delete: the row inserted again from its before image" || fail "rollback of the delete ($id): $out"
# A row changed since that commit: refused, nothing written.
id=$(v log --json --limit 0 2>/dev/null | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if any("bob@andromed.cloud" in o and "add mailbox" in o for o in x["operations"])]; print(r[-1]["id"])')
q "UPDATE mailbox SET quota = 5 WHERE username = 'bob@andromed.cloud'"
out=$(v rollback "$id" 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'changed since the preview' &&
	[ "$(q "SELECT quota FROM mailbox WHERE username = 'bob@andromed.cloud'")" = 5 ] &&
	ok "rollback of a row changed since: refused, nothing written" || fail "rollback changed (rc $rc): $out"
# An alias domain on pgsql: a domain row and an alias_domain row; its
# lines (the snapshot writes them as the files have them) are no rows, so
# a mailbox added to its target is one row; removing it removes both rows,
# the alias_domain row first (it references the domain).
out=$(v domain add mirror.example --alias-of andromed.cloud 2>&1)
echo "$out" | grep -qx '+domain mirror.example' &&
	echo "$out" | grep -qx '+alias_domain mirror.example target_domain=andromed.cloud' &&
	[ "$(echo "$out" | grep -c '^[-+~][a-z_]* [^ ]')" -eq 2 ] &&
	[ "$(q "SELECT target_domain FROM alias_domain WHERE alias_domain = 'mirror.example' AND active")" = andromed.cloud ] &&
	ok "domain add --alias-of on pgsql: a domain and an alias_domain row" || fail "alias domain add: $out"
v list domains 2>&1 | grep -q '^ *mirror.example  *alias domain of andromed.cloud' && ok "the snapshot shows it as an alias domain" ||
	fail "list domains: $(v list domains 2>&1 | grep mirror)"
out=$(echo "$PW" | v mailbox add frank@andromed.cloud --password-stdin 2>&1)
[ "$(echo "$out" | grep -c '^[-+~][a-z_]* [^ ]')" -eq 1 ] && ! echo "$out" | grep -q '^[-+~][a-z_]* .*mirror.example' &&
	ok "a mailbox of its target: one row, none for the alias domain" || fail "frank: $out"
out=$(v domain del mirror.example --yes 2>&1)
la=$(echo "$out" | grep -n '^-alias_domain mirror.example ' | cut -d: -f1)
ld=$(echo "$out" | grep -n '^-domain mirror.example$' | cut -d: -f1)
[ -n "$la" ] && [ -n "$ld" ] && [ "$la" -lt "$ld" ] &&
	[ -z "$(q "SELECT 1 FROM alias_domain WHERE alias_domain = 'mirror.example'")" ] &&
	[ -z "$(q "SELECT 1 FROM domain WHERE domain = 'mirror.example'")" ] &&
	ok "domain del: the alias_domain row, then the domain row" || fail "alias domain del: $out"
id=$(v log --json --limit 0 2>/dev/null | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if any("mirror.example" in o for o in x["operations"])]; print(r[-1]["id"])')
out=$(v rollback "$id" 2>&1) &&
	[ "$(q "SELECT target_domain FROM alias_domain WHERE alias_domain = 'mirror.example' AND active")" = andromed.cloud ] &&
	ok "rollback of that removal: both rows back from their images" || fail "alias domain rollback ($id): $out"
# A server whose main.cf says "virtual_alias_domains =" (tutorials do, to
# switch the default off): on the database an alias domain is still its
# rows. The snapshot keeps the alias table first in that list, so the
# database's alias domains are hosted and a new one is rows, never an edit
# of main.cf (which pgsql does not commit).
PFM=$T/demo/etc/postfix/main.cf
cp "$PFM" "$T/main.cf.before"
echo 'virtual_alias_domains =' >>"$PFM"
v list domains 2>&1 | grep -q '^ *mirror.example  *alias domain of andromed.cloud' &&
	ok "virtual_alias_domains = (empty): the database's alias domain is still hosted" ||
	fail "list domains with an empty virtual_alias_domains: $(v list domains 2>&1)"
out=$(v domain add mirror2.example --alias-of andromed.cloud 2>&1)
[ "$(echo "$out" | grep -c '^[-+~][a-z_]* [^ ]')" -eq 2 ] &&
	[ "$(q "SELECT target_domain FROM alias_domain WHERE alias_domain = 'mirror2.example' AND active")" = andromed.cloud ] &&
	! echo "$out" | grep -q 'main.cf' &&
	[ "$(tail -n 1 "$PFM")" = 'virtual_alias_domains =' ] &&
	ok "virtual_alias_domains = (empty): domain add --alias-of is two rows, main.cf untouched" ||
	fail "alias domain add with an empty virtual_alias_domains: $out"
v domain del mirror2.example --yes >/dev/null 2>&1 || fail "mirror2 del"
cp "$T/main.cf.before" "$PFM"

# mailbox rename on pgsql: the rows change in the transaction (the
# mailbox's key, its maildir, the aliases naming it), then its maildir
# moves on this host. The maildir actions are journalled before the
# transaction: killed once the database has the rows, the next vmailadm
# finishes the move; killed before COMMIT, nothing moves and the journal
# goes.
VH=$T/demo/vhosts/andromed.cloud
v alias add ventes2@andromed.cloud frank@andromed.cloud >/dev/null 2>&1 || fail "alias to frank"
out=$(v mailbox rename frank@andromed.cloud franck@andromed.cloud 2>&1) &&
	[ "$(q "SELECT maildir FROM mailbox WHERE username = 'franck@andromed.cloud' AND active")" = andromed.cloud/franck/ ] &&
	[ -z "$(q "SELECT 1 FROM mailbox WHERE username = 'frank@andromed.cloud'")" ] &&
	[ "$(q "SELECT goto FROM alias WHERE address = 'ventes2@andromed.cloud'")" = franck@andromed.cloud ] &&
	[ -d "$VH/franck/new" ] && [ ! -e "$VH/frank" ] &&
	ok "mailbox rename on pgsql: the rows, the alias, then the maildir moved" || fail "rename: $out"
[ ! -e "$T/demo/state/journal" ] && ok "no journal after the commit" || fail "journal left: $(cat "$T/demo/state/journal")"
VMAILADM_FAIL_AT=rename-maildir:kill v mailbox rename franck@andromed.cloud frankie@andromed.cloud >/dev/null 2>&1
[ "$(q "SELECT maildir FROM mailbox WHERE username = 'frankie@andromed.cloud'")" = andromed.cloud/frankie/ ] &&
	[ -d "$VH/franck/new" ] && [ ! -e "$VH/frankie" ] && grep -q "^maildir	rename-maildir	$VH/franck	$VH/frankie" "$T/demo/state/journal" &&
	ok "killed after the transaction: the rows committed, the move journalled, not done" ||
	fail "kill after COMMIT: $(ls "$VH"; cat "$T/demo/state/journal" 2>&1)"
out=$(v list mailboxes 2>&1)
[ -d "$VH/frankie/new" ] && [ ! -e "$VH/franck" ] && [ ! -e "$T/demo/state/journal" ] &&
	echo "$out" | grep -q 'is in the database (change set [0-9]*): its maildirs are finished' &&
	tail -1 "$T/demo/state/audit.log" | grep -q '"finished by recovery"' &&
	ok "the next vmailadm finished the move from the journal (audit: finished by recovery)" ||
	fail "recovery after COMMIT: $(ls "$VH") / $out / $(tail -1 "$T/demo/state/audit.log")"
VMAILADM_FAIL_AT=db-commit:kill v mailbox rename frankie@andromed.cloud fritz@andromed.cloud >/dev/null 2>&1
[ -z "$(q "SELECT 1 FROM mailbox WHERE username = 'fritz@andromed.cloud'")" ] && [ -e "$T/demo/state/journal" ] ||
	fail "kill before COMMIT: $(q "SELECT username FROM mailbox WHERE username LIKE 'fr%'")"
out=$(v list mailboxes 2>&1)
[ -d "$VH/frankie/new" ] && [ ! -e "$VH/fritz" ] && [ ! -e "$T/demo/state/journal" ] &&
	echo "$out" | grep -q 'never reached the database: nothing to finish' &&
	ok "killed before COMMIT: no row, and the next vmailadm drops the journal, the maildir stays" ||
	fail "recovery before COMMIT: $(ls "$VH") / $out"
# maildir restore (a batch, as a rollback of a removal writes it): the
# mailbox's row again, then its archived maildir back.
v alias del ventes2@andromed.cloud >/dev/null 2>&1 || fail "alias del ventes2"
out=$(v mailbox del frankie@andromed.cloud --yes 2>&1)
arch=$(echo "$out" | sed -n "s,^  ok   archive $VH/frankie/* to \(.*\)$,\1,p")
[ -n "$arch" ] && [ -d "$arch/new" ] && [ ! -e "$VH/frankie" ] || fail "archive frankie: $out"
hash=$(q "SELECT password FROM mailbox WHERE username = 'bob@andromed.cloud'")
printf 'mailbox add frankie@andromed.cloud --password-hash %s\nmaildir restore %s %s\n' "$hash" "$VH/frankie" "$arch" >"$T/batch"
out=$(v apply "$T/batch" 2>&1) && [ -d "$VH/frankie/new" ] && [ ! -e "$arch" ] &&
	[ "$(q "SELECT maildir FROM mailbox WHERE username = 'frankie@andromed.cloud'")" = andromed.cloud/frankie/ ] &&
	ok "maildir restore on pgsql: the row, then the archived maildir back" || fail "restore: $out"

# main.cf: the server's, not the snapshot's copy, is edited (killed
# commits, the preview and the reload: pgsql-files.sh).
out=$(v sendas enable 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "^smtpd_sender_login_maps = hash:$T/demo/etc/postfix/sender_login\$" "$T/demo/etc/postfix/main.cf" &&
	ok "sendas enable on pgsql: the server's main.cf" || fail "sendas enable (rc $rc): $out"

exit $((fails > 0))
