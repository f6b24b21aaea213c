#!/bin/sh
# The README's promises that can drift: its two set-up commands exist after
# their markers and are valid shell, the test command installs everything
# the build command does and ends with the summary line, .ci/run takes the
# same block, the demo passwords it documents are the ones `vmailadm
# demo` really sets, and the default configuration file is the one read.
set -u
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
readme="$top_srcdir/README"

block() { # the fenced block after <!-- setup:$1 -->, as .ci/run extracts it
	awk -v m="<!-- setup:$1 -->" '
		$0 == m { marker = 1; next }
		marker && !inblock && /^```/ { inblock = 1; next }
		inblock && /^```/ { exit }
		inblock { print }' "$readme"
}
block demo >"$tmp/demo"
block test >"$tmp/test"
[ -s "$tmp/demo" ] || no "no setup:demo block"
[ -s "$tmp/test" ] || no "no setup:test block"
sh -n "$tmp/demo" || no "the demo command is not valid shell"
sh -n "$tmp/test" || no "the test command is not valid shell"
[ "$(wc -l <"$tmp/demo")" -eq 1 ] || no "the demo command should be one line"
grep -q 'vmailadm demo /tmp/vmailadm-demo --force && ./vmailadm --config /tmp/vmailadm-demo/vmailadm.yaml$' \
	"$tmp/demo" || no "the demo command does not end by opening vmailadm on the demo"
grep -q -- '--enable-werror' "$tmp/test" || no "the test command does not build with -Werror"
grep -q 'make .*check' "$tmp/test" || no "the test command does not run make check"
grep -q 'echo "tests: $pass passed, $fail failed$skipped"' "$tmp/test" || no "no summary line"
grep -q 'main_mailer_type select No configuration' "$tmp/test" || no "no postfix preseed"
pkgs() { sed -n 's/.*install -y --no-install-recommends \([^&]*\).*/\1/p' "$1" | head -n 1; }
for p in $(pkgs "$tmp/demo"); do
	case " $(pkgs "$tmp/test") " in *" $p "*) ;; *) no "test command lacks package $p" ;; esac
done
for p in postfix postfix-lmdb postfix-pcre postfix-cdb dovecot-core dovecot-imapd tmux swaks python3; do
	case " $(pkgs "$tmp/test") " in *" $p "*) ;; *) no "test command lacks package $p" ;; esac
done
grep -q 'setup:test' "$top_srcdir/.ci/run" || no ".ci/run does not take the setup:test block"

# The documented passwords are the real ones.
"$VMAILADM" demo "$tmp/d" >"$tmp/out" 2>&1 || no "demo failed: $(cat "$tmp/out")"
n=0
while read -r addr pass; do
	case $addr in *@*) ;; *) continue ;; esac
	n=$((n + 1))
	grep -qF "| $addr | \`$pass\` |" "$readme" || no "README does not give $addr's password $pass"
done <"$tmp/out"
[ "$n" -eq 7 ] || no "expected 7 passwords from vmailadm demo, got $n"

# The default configuration file the Commands section names is the one the
# program reads without --config (it named /etc/vmailadm/vmailadm.yaml,
# which a default build never reads).
def=$(env -u VMAILADM_CONFIG "$VMAILADM" config 2>/dev/null | sed -n 's/^# no configuration file (\(.*\) does not exist.*/\1/p')
# (a build with another --prefix or --sysconfdir, distcheck's, reads another)
if [ "$def" = /usr/local/etc/vmailadm/vmailadm.yaml ]; then
	sed -n '/^## Commands/,/^| command/p' "$readme" | tr '\n' ' ' | grep -qF "then \`$def\`" ||
		no "README's Commands section does not name the default configuration file $def"
fi
exit $fail
