#!/bin/sh
# db postfix-config --apply's grammar (issue 18; the apply itself, on a
# real PostgreSQL and Postfix, is tests/integration/pgsql-apply.sh): the
# options it goes with, one usage error each (exit 2), refused on backend
# files with nothing changed; the edit's words (postfix use-pgsql) in a
# batch checked before anything is staged; the errors and the help in
# French.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
expect() {
	want=$1; shift
	v "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || no "vmailadm $*: exit $got, expected $want: $(cat "$tmp/err")"
}
err_has() { grep -q -- "$1" "$tmp/err" || no "stderr lacks '$1': $(cat "$tmp/err")"; }

expect 2 db import --apply
err_has "^vmailadm: db: --apply goes with postfix-config$"
expect 2 db postfix-config --apply --write
err_has "^vmailadm: db: --write and --apply exclude each other"
expect 2 db postfix-config --json
err_has "^vmailadm: db: --json goes with postfix-config --apply$"
expect 2 db check --dry-run
err_has "^vmailadm: db: --dry-run goes with import or postfix-config --apply$"
expect 2 db postfix-config --apply --dry-run
err_has "^vmailadm: db: --apply edits the server's main.cf on backend pgsql"
[ "$(sums)" = "$before" ] || no "a refused --apply changed a file"
expect 0 db postfix-config --help
grep -q '^  --apply  ' "$tmp/out" && grep -q '^Usage: vmailadm db postfix-config .*--apply \[--dry-run\]' "$tmp/out" ||
	no "db postfix-config --help: $(cat "$tmp/out")"

# The edit's words: checked whatever the backend, then refused on files.
printf 'postfix use-pgsql relative/dir\n' >"$tmp/b1"
expect 1 apply "$tmp/b1"
err_has "the map files' directory must be an absolute path"
printf 'postfix use-pgsql /etc/postfix/pgsql colour=blue\n' >"$tmp/b2"
expect 1 apply "$tmp/b2"
err_has "'colour=blue' is not one of hosts=, port=, dbname=, user=, password-file="
printf 'postfix use-pgsql /etc/postfix/pgsql user=a user=b\n' >"$tmp/b3"
expect 1 apply "$tmp/b3"
err_has "user= is given twice"
printf 'postfix use-pgsql /etc/postfix/pgsql user=mailreader\n' >"$tmp/b4"
expect 1 apply "$tmp/b4"
err_has "postfix use-pgsql edits the server's main.cf on backend pgsql only"
printf 'postfix use-pgsql\n' >"$tmp/b5"
expect 2 apply "$tmp/b5"
err_has "'postfix use-pgsql' needs a directory"
[ "$(sums)" = "$before" ] || no "a refused postfix use-pgsql changed a file"

# In French.
if command -v msgfmt >/dev/null 2>&1 && LC_ALL=C.UTF-8 locale 2>&1 | grep -q 'LC_MESSAGES="\{0,1\}C.UTF-8'; then
	mkdir -p "$tmp/locale/fr/LC_MESSAGES"
	msgfmt -o "$tmp/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || no "msgfmt po/fr.po"
	fr() { VMAILADM_LOCALEDIR="$tmp/locale" LANGUAGE=fr LC_ALL=C.UTF-8 v "$@"; }
	fr db postfix-config --apply --dry-run >"$tmp/out" 2>"$tmp/err"
	grep -q "modifie le main.cf du serveur sur le backend pgsql" "$tmp/err" || no "French --apply on files: $(cat "$tmp/err")"
	fr db postfix-config --apply --write >"$tmp/out" 2>"$tmp/err"
	grep -q -- "--write et --apply s'excluent" "$tmp/err" || no "French --write --apply: $(cat "$tmp/err")"
	fr apply "$tmp/b4" >"$tmp/out" 2>"$tmp/err"
	grep -q "sur le backend pgsql seulement" "$tmp/err" || no "French postfix use-pgsql: $(cat "$tmp/err")"
	fr db postfix-config --help >"$tmp/out" 2>&1
	grep -q "^  --apply  .*préparer les lignes de main.cf" "$tmp/out" || no "French help: $(cat "$tmp/out")"
fi
exit $fail
