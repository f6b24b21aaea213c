# Shared by the command-line shell tests (tests/cli-*.sh), sourced first:
#   . "$top_srcdir/tests/lib.sh"
# It gives a private temporary directory $tmp (removed on exit), the C locale
# and no inherited VMAILADM_CONFIG, and the failure bookkeeping: `no MESSAGE`
# records a failure and goes on, and the test ends with `exit $fail`.
set -u
: "${top_srcdir:=.}"
: "${VMAILADM:=./vmailadm}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG

# fixture_world NAME: tests/fixtures/world/NAME copied to $tmp/w with its
# @DIR@ placeholders filled in; $cfg is its configuration file.
fixture_world() {
	cp -R "$top_srcdir/tests/fixtures/world/$1" "$tmp/w"
	chmod -R u+w "$tmp/w"
	find "$tmp/w" -type f -exec sed -i "s#@DIR@#$tmp/w#g" {} +
	cfg="$tmp/w/vmailadm.yaml"
}

# demo_world: a `vmailadm demo` tree in $d; v runs vmailadm on it; sums is
# one digest of every file it manages (tables, passwd-file, aliases), taken
# into $before.
demo_world() {
	d="$tmp/demo"
	"$VMAILADM" demo "$d" >/dev/null 2>&1 || { echo "FAIL: vmailadm demo"; exit 1; }
	before=$(sums)
}
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
# demo_world_postmap: demo_world with the real postmap (exit 77 without
# it) building its maps; $pf is its Postfix directory.
demo_world_postmap() {
	command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
	demo_world
	printf 'postmap: %s\n' "$(command -v postmap)" >>"$d/vmailadm.yaml"
	pf="$d/etc/postfix"
	for m in vmailbox virtual_alias virtual_domains; do postmap -c "$pf" "hash:$pf/$m" || exit 99; done
	before=$(sums)
}
sums() { cat "$d"/etc/postfix/* "$d/etc/dovecot/users" "$d/etc/aliases" | sha256sum; }

# check_refused WHAT REGEX: the command just run (status $rc, stderr in
# $tmp/err) failed with one line matching REGEX (besides a batch's "nothing
# was changed" summary) and changed no file. A
# change sets the next baseline, so one failure is not counted again by
# every later case.
check_refused() {
	[ "$rc" -ne 0 ] || no "$1: accepted"
	[ "$(grep -vc '^nothing was changed' "$tmp/err")" -eq 1 ] || no "$1: not one line: $(head -3 "$tmp/err")"
	grep -Eq -- "$2" "$tmp/err" || no "$1: no message /$2/: $(head -3 "$tmp/err")"
	[ "$(sums)" = "$before" ] || { no "$1: a file changed"; before=$(sums); }
}
