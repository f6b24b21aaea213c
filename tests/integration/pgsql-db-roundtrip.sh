#!/bin/sh
# db import then db export of a real-world tree (issue 18), on a real
# PostgreSQL 15: tests/fixtures/world/tricky, with pcre tables in both
# address lists (one between two hash tables), an mbox mailbox, a
# catch-all in each map, comments, a multi-line value, two alias tables.
# - db import names each pcre table (kept as a file, to copy to every
#   server) and the search order the second alias table loses; the mbox
#   box is a row.
# - db export touches no file of the tree (every byte of it the same after)
#   and writes four new files. Compared with the originals byte for byte,
#   they differ only as each rule below names, each checked exactly:
#   what remains after those rules must be identical bytes.
# - The export is a fixed point: the exported files, named by main.cf in
#   place of the originals (the pcre tables where they were), imported into
#   a second database and exported again give the same bytes.
# - The basic tree: a passwd-file home is named by import (file:line), its
#   mbox box is a row; so is a line's own uid and gid; a pattern table
#   named by a relative path is said to be queue_directory's.
# - On backend pgsql, main.cf's lists as db postfix-config prints them, the
#   model read from the database sees the pcre tables in their places:
#   lint finds in them what it found on the flat files.
# - The other fixture trees: the model's view and the trace (over the
#   database's maps) as on the files, but for four named rules (below).
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }

W="$T/tricky"
cp -R "$top_srcdir/tests/fixtures/world/tricky" "$W" && chmod -R u+w "$W" &&
	find "$W" -type f -exec sed -i "s#@DIR@#$W#g" {} + || exit 99
PF="$W/etc/postfix"
(cd "$W" && find . -type f | sort | xargs sha256sum) >"$T/before.sum"
# What lint finds in the pcre tables on the flat files (read again below
# on backend pgsql, whose model must see them too).
v() { "$VMAILADM" --config "$W/vmailadm.yaml" "$@"; }
v lint 2>&1 | grep "^$PF/[a-z]*\.pcre:" >"$T/lint.flat"
[ -s "$T/lint.flat" ] || { echo "FAIL: lint finds nothing in the pcre tables"; exit 99; }
pg_sql postgres "CREATE DATABASE rt1" || exit 99
CI="host=$PG_SOCK dbname=rt1 user=postgres"
v db init --conninfo "$CI" >/dev/null || exit 99
v db import --conninfo "$CI" >"$T/import.out" 2>&1 || { cat "$T/import.out"; exit 99; }

grep -q "main.cf:9: warning: pcre:$PF/vmailbox.pcre (virtual_mailbox_maps): a pattern table cannot be rows of the database: it stays a file, kept as it is; copy it to every server" "$T/import.out" &&
	grep -q "main.cf:10: warning: pcre:$PF/virtual.pcre (virtual_alias_maps): a pattern table cannot be rows" "$T/import.out" &&
	ok "db import names both pcre tables: files kept, to copy to every server" ||
	fail "pcre warnings: $(grep -i pcre "$T/import.out")"
grep -q "warning: virtual_alias_maps: hash:$PF/virtual2 came after pcre:$PF/virtual.pcre; its rows, now in the database's maps, are searched before it" "$T/import.out" &&
	ok "db import says virtual2's rows now come before virtual.pcre" || fail "no order warning"
[ "$(pg_sql rt1 "SELECT maildir FROM mailbox WHERE username = 'carol@mbox.test'")" = mbox.test/carol ] &&
	ok "the mbox box carol@mbox.test is a row (maildir mbox.test/carol)" || fail "carol not imported"

mkdir "$T/export"
v db export --dir "$T/export" --conninfo "$CI" >"$T/export.out" 2>&1 || { cat "$T/export.out"; exit 99; }
(cd "$W" && find . -type f | sort | xargs sha256sum) | cmp -s - "$T/before.sum" &&
	ok "db export left every file of the tree as it was (main.cf, the pcre tables included)" ||
	fail "the tree changed: $( (cd "$W" && find . -type f | sort | xargs sha256sum) | diff "$T/before.sum" -)"
[ "$(ls "$T/export" | tr '\n' ' ')" = "users virtual_alias virtual_domains vmailbox " ] &&
	ok "db export wrote its four files only" || fail "export wrote: $(ls "$T/export")"

# canon KIND FILE...: the files' bytes after the named rules, one line an
# entry. The rules, each a difference the schema or the layout implies:
#  comments  comment and blank lines: a database keeps none (the export's
#            own first line is its "# written by" comment);
#  join      a value continued on the next line (leading blank) is one row;
#  space     the blanks between key and value: export pads the key to 28;
#  order     line order: a table has none; export sorts by domain, then
#            address (a key is unique in the database: the fixture's
#            duplicates are none here, Postfix would keep the first);
#  targets   a target list: goto is comma-joined, written "a, b"; an RFC 822
#            comment "(text)" dropped, as Postfix drops it (tok822);
#  merge     the two alias tables (virtual, virtual2) are one alias table.
canon() {
	python3 - "$@" <<'PY'
import re, sys
kind, files = sys.argv[1], sys.argv[2:]
lines = []
for f in files:
    for raw in open(f, encoding="utf-8", errors="surrogateescape").read().split("\n"):
        if raw[:1] in (" ", "\t") and lines and raw.strip() and not raw.lstrip().startswith("#"):
            lines[-1] += " " + raw.strip()          # join
        elif raw.strip() and not raw.lstrip().startswith("#"):
            lines.append(raw)                          # comments
out = []
for l in lines:
    if kind == "passwd":
        out.append(l)
        continue
    key, _, val = l.strip().partition(" ") if " " in l.strip() else l.strip().partition("\t")
    val = val.strip()
    if kind == "targets":
        val = re.sub(r"(^|[\s,])\([^)]*\)(?=$|[\s,])", r"\1", val)
        val = ", ".join(t for t in re.split(r"[\s,]+", val) if t)
    out.append(key + " " + val)                         # space
def order(e):
    k = e.split(":" if kind == "passwd" else " ", 1)[0]
    return (k.rpartition("@")[2], k)
print("\n".join(sorted(out, key=order)))                 # order
PY
}
same() { # WHAT WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else
		printf '%s\n' "$2" >"$T/want"; printf '%s\n' "$3" >"$T/got"
		fail "$1: $(diff "$T/want" "$T/got" | head -8)"
	fi
}
same "vmailbox: identical bytes but for comments, spacing and order (the mbox line as it was)" \
	"$(canon table "$PF/vmailbox")" "$(canon table "$T/export/vmailbox")"
same "virtual + virtual2 = virtual_alias: identical but for comments, spacing, order, target lists, the merge" \
	"$(canon targets "$PF/virtual" "$PF/virtual2")" "$(canon targets "$T/export/virtual_alias")"
# users: one more rule. A mailbox without a passwd-file line and one with
# an empty password are one row (mailbox.password is NOT NULL, '' for
# both): the export writes a line, empty password, for each such mailbox.
added=$(for a in $(grep -v '^#' "$PF/vmailbox" | awk '$1 !~ /^@/ {print $1}'); do
	grep -q "^$a:" "$W/etc/dovecot/users" || echo "$a::5000:5000::::"; done)
same "users: the original lines identical, plus an empty-password line for each of the $(echo "$added" | wc -l) mailboxes that had none" \
	"$( (cat "$W/etc/dovecot/users"; echo "$added") | grep -v '^$' >"$T/users.want"; canon passwd "$T/users.want")" \
	"$(canon passwd "$T/export/users")"
# virtual_domains: main.cf's inline lists (virtual_mailbox_domains and the
# alias domains of virtual_alias_domains) as one table, "DOMAIN OK".
doms=$(postconf -c "$PF" -h virtual_mailbox_domains virtual_alias_domains 2>/dev/null | tr ', ' '\n\n' | grep . | sort -u |
	sed 's/$/ OK/')
same "virtual_domains: main.cf's hosted domains, each once, as DOMAIN OK" \
	"$(printf '%s\n' "$doms" >"$T/doms"; canon table "$T/doms")" "$(canon table "$T/export/virtual_domains")"
[ "$(head -1 "$T/export/vmailbox")" = "# written by vmailadm db export" ] &&
	grep -q '^carol@mbox.test              mbox.test/carol$' "$T/export/vmailbox" &&
	ok "the exact bytes of the mbox line: no '/' added" || fail "mbox line: $(grep carol "$T/export/vmailbox")"

# The fixed point: a tree naming the exported files where the originals
# were, the pcre tables in their places.
W2="$T/second"
cp -R "$W" "$W2" || exit 99
P2="$W2/etc/postfix"
cp "$T/export/vmailbox" "$T/export/virtual_alias" "$T/export/virtual_domains" "$P2/" &&
	cp "$T/export/users" "$W2/etc/dovecot/users" && rm "$P2/virtual" "$P2/virtual2" || exit 99
sed -i "s#$W/#$W2/#g" "$P2/main.cf" || exit 99
postconf -c "$P2" -e "virtual_mailbox_domains = hash:$P2/virtual_domains" "virtual_alias_domains =" \
	"virtual_mailbox_maps = hash:$P2/vmailbox, pcre:$P2/vmailbox.pcre" \
	"virtual_alias_maps = hash:$P2/virtual_alias, pcre:$P2/virtual.pcre" || exit 99
pg_sql postgres "CREATE DATABASE rt2" || exit 99
CI2="host=$PG_SOCK dbname=rt2 user=postgres"
"$VMAILADM" --config "$W2/vmailadm.yaml" db init --conninfo "$CI2" >/dev/null &&
	"$VMAILADM" --config "$W2/vmailadm.yaml" db import --conninfo "$CI2" >"$T/import2.out" 2>&1 ||
	{ cat "$T/import2.out"; exit 99; }
mkdir "$T/export2"
"$VMAILADM" --config "$W2/vmailadm.yaml" db export --dir "$T/export2" --conninfo "$CI2" >/dev/null || exit 99
for f in vmailbox virtual_alias virtual_domains users; do
	cmp -s "$T/export/$f" "$T/export2/$f" && ok "second round trip: $f byte for byte the same" ||
		fail "second round trip $f: $(diff "$T/export/$f" "$T/export2/$f" | head -5)"
done

# The basic tree: its mbox box is a row; a passwd-file home (no column in
# the schema: Dovecot's user_query computes it) is named, not dropped
# silently as it was.
B="$T/basic"
cp -R "$top_srcdir/tests/fixtures/world/basic" "$B" && chmod -R u+w "$B" &&
	find "$B" -type f -exec sed -i "s#@DIR@#$B#g" {} + || exit 99
pg_sql postgres "CREATE DATABASE basic" || exit 99
"$VMAILADM" --config "$B/vmailadm.yaml" db init --conninfo "host=$PG_SOCK dbname=basic user=postgres" >/dev/null || exit 99
out=$("$VMAILADM" --config "$B/vmailadm.yaml" db import --dry-run --conninfo "host=$PG_SOCK dbname=basic user=postgres" 2>&1)
echo "$out" | grep -qx "$B/etc/dovecot/users:2: warning: johndoe@andromed.cloud: passwd-file fields the schema has no column for are not imported (home=/var/mail/vhosts/andromed.cloud/johndoe)" &&
	echo "$out" | grep -q '^+ mailbox admin@andromed.cloud password=(none) maildir=andromed.cloud/admin quota=0 ' &&
	ok "basic: the passwd-file home named (file and line), the mbox box a row" ||
	fail "basic import: $(echo "$out" | grep -i 'warning\|admin@andromed')"
# A line's own uid and gid (janedoe's, line 3), which no column holds and
# Dovecot's user_query replaces by vmail_uid/vmail_gid (5000): named with
# file and line. A regexp table named by a relative path, opened by
# Postfix's daemons from queue_directory: said, and read from there.
sed -i 's/^\(janedoe@andromed.cloud:[^:]*\):5000:5000:/\1:5001:mail:/' "$B/etc/dovecot/users"
mkdir "$B/spool" && printf '/^rel@andromed\\.cloud$/ johndoe@andromed.cloud\n' >"$B/spool/rel.regexp" || exit 99
postconf -c "$B/etc/postfix" -e "queue_directory = $B/spool" \
	"virtual_alias_maps = hash:$B/etc/postfix/virtual, regexp:rel.regexp" || exit 99
out=$("$VMAILADM" --config "$B/vmailadm.yaml" db import --dry-run --conninfo "host=$PG_SOCK dbname=basic user=postgres" 2>&1)
mg=$(getent group mail | cut -d: -f3)
echo "$out" | grep -qx "$B/etc/dovecot/users:3: warning: janedoe@andromed.cloud: passwd-file uid 5001 is not vmail_uid (5000): the database has no column for it, and Dovecot's user_query (db dovecot-config) gives every user 5000" &&
	{ [ "$mg" = 5000 ] || echo "$out" | grep -q "^$B/etc/dovecot/users:3: warning: janedoe@andromed.cloud: passwd-file gid mail is not vmail_gid (5000)"; } &&
	[ "$(echo "$out" | grep -c 'passwd-file [ug]id')" = 2 ] &&
	ok "basic: a line's own uid and gid named (file and line), the others' 5000 not" ||
	fail "uid/gid: $(echo "$out" | grep -i 'warning')"
echo "$out" | grep -q "main.cf:[0-9]*: warning: regexp:rel.regexp (virtual_alias_maps): a relative path: Postfix's daemons open it from queue_directory ($B/spool/rel.regexp)" &&
	"$VMAILADM" --config "$B/vmailadm.yaml" trace --short rel@andromed.cloud 2>/dev/null | cut -f3 | grep -qx johndoe@andromed.cloud &&
	ok "basic: a relative regexp table: said, and traced from queue_directory" ||
	fail "relative table: $(echo "$out" | grep -i 'rel.regexp') / $("$VMAILADM" --config "$B/vmailadm.yaml" trace --short rel@andromed.cloud 2>&1)"

# The tree moved onto the database: main.cf's lists as db postfix-config
# prints them (the pcre tables in their places), backend pgsql. The model
# read from the database sees the pcre tables as the flat files' did.
v db postfix-config --conninfo "$CI" --dir "$T/maps" 2>/dev/null | sed -n '/^virtual_/p' >"$T/lines"
while IFS= read -r line; do postconf -c "$PF" -e "$line" 2>/dev/null || exit 99; done <"$T/lines"
grep -q "^virtual_alias_maps = .*proxy:pgsql:$T/maps/ad_catchall.cf, pcre:$PF/virtual.pcre\$" "$PF/main.cf" &&
	grep -q "^virtual_mailbox_maps = .*proxy:pgsql:$T/maps/ad_mailbox.cf, pcre:$PF/vmailbox.pcre\$" "$PF/main.cf" &&
	ok "db postfix-config keeps both pcre tables after the database's maps" || fail "lines: $(cat "$T/lines")"
printf 'backend: pgsql\npgsql_conninfo: "%s"\n' "$CI" >>"$W/vmailadm.yaml"
v lint 2>&1 | grep "^$PF/[a-z]*\.pcre:" >"$T/lint.pgsql"
cmp -s "$T/lint.flat" "$T/lint.pgsql" &&
	ok "backend pgsql: lint finds in the pcre tables what it found on the files ($(wc -l <"$T/lint.flat") lines)" ||
	fail "lint on the pcre tables differs: $(diff "$T/lint.flat" "$T/lint.pgsql" | head -5)"

# The other fixture trees (tests/fixtures/world/*): the same accounts on
# the files and on the database, compared as what they mean, since their
# bytes differ in ways a table has to (the rules above). For each tree:
# db import, db postfix-config applied (the proxy:pgsql: maps, the kept
# pattern tables in their places), backend pgsql; then
# - the model's view (list mailboxes and aliases --json): each mailbox's
#   maildir, format, password (scheme), quota, catch-all; each alias's
#   targets. Where an entry is defined is not compared (a row has no line);
# - where Postfix delivers: the tracer over the files, and over the
#   database's maps running the queries Postfix runs (pgtable.c), for every
#   address and domain of the tree (plus nobody-rt@ and postmaster@ each).
# A difference passes only by one of these rules, each a thing the schema
# implies:
#  class     one domain table: an alias-only domain's unknown user is
#            rejected by the mailbox table ("User unknown in virtual
#            mailbox table"), not the alias table;
#  aliasdom  PostfixAdmin's alias-domain queries deliver user@B to A's
#            maildir without rewriting the address to user@A;
#  quota 0   storage=0 (no limit) is the quota column's 0, shown as none;
#  named     an entry import named in a warning (the address, or its
#            domain): not imported, or changed as the warning says.
# Anything else is a loss. (missing: no tables at all, nothing either way.)
rt_tree() {
	n=$1
	W="$T/rt/$n" D="$T/rt/$n.d" C="host=$PG_SOCK dbname=rt_$n user=postgres"
	mkdir -p "$D/maps" && cp -R "$top_srcdir/tests/fixtures/world/$n" "$W" && chmod -R u+w "$W" &&
		find "$W" -type f -exec sed -i "s#@DIR@#$W#g" {} + || return 1
	pg_sql postgres "CREATE DATABASE rt_$n" || return 1
	vt() { "$VMAILADM" --config "$W/vmailadm.yaml" "$@"; }
	for k in mailboxes aliases catchalls domains; do vt list $k --json >"$D/flat.$k" 2>/dev/null; done
	python3 - "$D"/flat.* >"$D/corpus" <<'PY'
import json, sys
out = set()
for f in sys.argv[1:]:
    try: entries = json.load(open(f))
    except ValueError: continue
    for e in entries:
        a = e.get("address") or e.get("domain") or ""
        d = a.partition("@")[2] if "@" in a else a
        if "@" in a and not a.startswith("@"): out.add(a)
        if d: out.update(("nobody-rt@" + d, "postmaster@" + d))
print("\n".join(sorted(out)))
PY
	vt trace --short - <"$D/corpus" >"$D/flat.trace" 2>/dev/null
	vt db init --conninfo "$C" >/dev/null && vt db import --conninfo "$C" >"$D/import.out" 2>&1 &&
		vt db postfix-config --conninfo "$C" --dir "$D/maps" --write --user postgres 2>/dev/null |
		sed -n '/^virtual_/p' >"$D/lines" || { cat "$D/import.out"; return 1; }
	while IFS= read -r line; do postconf -c "$W/etc/postfix" -e "$line" || return 1; done <"$D/lines"
	printf 'backend: pgsql\npgsql_conninfo: "%s"\n' "$C" >>"$W/vmailadm.yaml"
	vt trace --short - <"$D/corpus" >"$D/pg.trace" 2>/dev/null
	for k in mailboxes aliases; do vt list $k --json >"$D/pg.$k" 2>/dev/null; done
	python3 - "$n" "$D" <<'PY'
import json, re, sys
name, d = sys.argv[1], sys.argv[2]
def load(f):
    try: return json.load(open(f))
    except Exception: return []
imp = open(d + "/import.out").read()
warned = set()
for l in imp.splitlines():
    if ": warning: " in l:
        m = re.match(r".*?: warning: (\S+?):? ", l)
        if m: warned.add(m.group(1).lower())
def named(addr):
    a = addr.lower()
    return a in warned or a.partition("@")[2] in warned
bad = []
# Mailboxes: the model's view on the files and on the database.
for kind, keys in (("mailboxes", ("value", "format", "maildir", "has_password", "password_scheme",
                                    "quota", "exists", "swallowed_by_catchall")),
                   ("aliases", ("targets", "catchall", "identity"))):
    f = {e["address"]: e for e in load("%s/flat.%s" % (d, kind))}
    p = {e["address"]: e for e in load("%s/pg.%s" % (d, kind))}
    for a in sorted(set(f) | set(p)):
        if a not in p:
            if not named(a): bad.append("%s %s: lost, and import did not say so" % (kind, a))
        elif a not in f:
            if not named(a): bad.append("%s %s: in the database only, and import did not say so" % (kind, a))
        else:
            for k in keys:
                fv, pv = f[a].get(k), p[a].get(k)
                if k == "quota" and fv == 0: fv = None   # quota 0
                if fv != pv and not named(a):
                    bad.append("%s %s: %s %r on the files, %r on the database" % (kind, a, k, f[a].get(k), p[a].get(k)))
# Where Postfix delivers: the tracer on the files, and on the database's
# maps (the queries Postfix runs).
def trace(f):
    out = {}
    for l in open(f):
        c = l.rstrip("\n").split("\t")
        if len(c) < 4: continue
        # class: one domain table: an alias-only domain's unknown user is
        # the mailbox table's
        c[3] = c[3].replace("User unknown in virtual alias table", "User unknown in virtual mailbox table")
        out.setdefault(c[0], []).append(c[1:4])
    return out
f, p = trace(d + "/flat.trace"), trace(d + "/pg.trace")
for a in sorted(set(f) | set(p)):
    ff, pp = sorted(f.get(a, [])), sorted(p.get(a, []))
    if ff == pp: continue
    # alias domain: PostfixAdmin's ad_mailbox query delivers the address of
    # the alias domain itself to the target's maildir (no rewrite)
    ff2 = sorted([c[0], a, c[2].replace(c[1], a)] if c[1] != a else c for c in ff)
    if ff2 == pp: continue
    if named(a): continue
    bad.append("trace %s: %s on the files, %s on the database" % (a, ff, pp))
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY
}
for n in basic domaintables filelist hashdomains lintbad lintgood missing; do
	out=$(rt_tree $n 2>&1) &&
		ok "$n: the model and the trace on the database as on the files ($(wc -l <"$T/rt/$n.d/corpus") addresses; differences only by the rules)" ||
		fail "$n round trip: $(echo "$out" | head -12)"
done

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
