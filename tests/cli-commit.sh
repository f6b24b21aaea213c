#!/bin/sh
# The commit as the command line shows it (issue 10): a fresh install with
# no archive directory, a dry run that warns of what would stop the commit,
# an action that cannot run refused before any file changes. The real
# postmap builds the maps (skipped without it).
set -u
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
printf 'postmap: %s\npostalias: %s\n' "$(command -v postmap)" "$(command -v postalias || echo postalias)" \
	>>"$d/vmailadm.yaml"
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
pf="$d/etc/postfix"
for m in vmailbox virtual_alias virtual_domains; do postmap -c "$pf" "hash:$pf/$m" || exit 99; done
# sha256 of every file vmailadm may change, for "nothing changed".
sums() { find "$pf" "$d/etc/dovecot" -type f | sort | xargs sha256sum; }

# ---- defect 1: a fresh install has no archive directory -----------------
rm -rf "$d/archive"
v mailbox del support@andromed.cloud --dry-run >"$tmp/out" 2>&1 || no "dry run on a fresh install: $(cat "$tmp/out")"
grep -q "would stop" "$tmp/out" && no "dry run warns of a missing archive_dir it will make"
v mailbox del support@andromed.cloud >"$tmp/out" 2>&1 || no "mailbox del on a fresh install: $(cat "$tmp/out")"
grep -q "^committed" "$tmp/out" || no "mailbox del: not 'committed': $(cat "$tmp/out")"
[ "$(stat -c %a "$d/archive")" = 700 ] || no "archive_dir is not 0700"
ls -d "$d/archive/andromed.cloud/support-"*/cur >/dev/null 2>&1 || no "support's maildir is not in the archive"
[ -e "$d/vhosts/andromed.cloud/support" ] && no "support's maildir is still in the base"
[ -z "$(postmap -c "$pf" -q support@andromed.cloud "hash:$pf/vmailbox")" ] || no "support@ still in vmailbox.db"
tail -n 1 "$d/state/audit.log" | grep -q '(mail archived)' || no "audit: no (mail archived)"

# ---- an archive that cannot be made: warned by the dry run, refused -------
: >"$d/blocker"
sed -i "s|^archive_dir:.*|archive_dir: $d/blocker/archive|" "$d/vmailadm.yaml"
before=$(sums)
v mailbox del contact@andromed.cloud --dry-run >"$tmp/out" 2>&1 && no "dry run exits 0 though the commit would stop"
grep -q "warning: .*archive_dir" "$tmp/out" || no "dry run: no warning naming archive_dir: $(cat "$tmp/out")"
grep -q "would stop before changing anything" "$tmp/out" || no "dry run: no 'would stop'"
v mailbox del contact@andromed.cloud >"$tmp/out" 2>&1 && no "mailbox del with an impossible archive succeeded"
grep -q "^not committed" "$tmp/out" || no "not reported as 'not committed': $(cat "$tmp/out")"
grep -q "nothing changed" "$tmp/out" && no "says 'nothing changed' but it was never started"
[ "$(sums)" = "$before" ] || no "a file changed though the commit was refused"
[ -d "$d/vhosts/andromed.cloud/contact/cur" ] || no "contact's maildir moved"
tail -n 1 "$d/state/audit.log" | grep -q 'contact@' && no "audit record for a refused commit"

exit $fail
