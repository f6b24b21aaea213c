#!/bin/sh
# Temporary files a killed commit leaves (issue 10, the random kills): every
# kind of file a commit writes under a temporary name, planted as a kill
# would leave it, is removed by the next command, read command included,
# which names each one; files that only look alike are left alone. The
# random kills found digests.vmailadm-XXXXXX in the state directory, left
# for good (the digests are written after the journal is gone).
set -u
. "${top_srcdir:-.}/tests/lib.sh"

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
# A first commit makes the state directory (lock, backups, digests).
v domain add first.example >"$tmp/out" 2>&1 || { echo "FAIL: first commit: $(cat "$tmp/out")"; exit 1; }
pf="$d/etc/postfix"
setting() { v config --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["settings"][sys.argv[1]]["value"])' "$1"; }
state=$(setting state_dir)
[ -d "$state/backups" ] || { echo "FAIL: no $state/backups after a commit"; exit 1; }
pwdir=$(dirname "$(setting passwd_file)")

planted="$pf/vmailbox.vmailadm-Ab12Cd $pf/vmailbox.vmailadm-Ef34Gh.db $pwdir/users.vmailadm-Ij56Kl
$state/digests.vmailadm-Mn78Op $state/journal.vmailadm-Qr90St $state/backups/x_vmailbox.1.vmailadm-Uv12Wx"
for f in $planted; do echo partial >"$f"; done
# Not leftovers: names that only look alike.
keep="$pf/vmailbox.vmailadm-toolong7 $state/notes.vmailadm $pf/vmailbox.bak"
for f in $keep; do echo mine >"$f"; done

v list domains >"$tmp/out" 2>"$tmp/err" || no "list domains: $(cat "$tmp/err")"
for f in $planted; do
	[ -e "$f" ] && no "the read command left $f"
	grep -qF "removed $f" "$tmp/err" || no "the read command did not say it removed $f: $(cat "$tmp/err")"
done
for f in $keep; do
	[ -e "$f" ] || no "$f was removed: not a temporary file of vmailadm's"
done
exit $fail
