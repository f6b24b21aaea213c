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
