#!/bin/sh
# LANG=C on a terminal (issue 12): the commands show arrows as "->" and
# any other non-ASCII character as one '?' (per character, not per byte);
# a pipe keeps the UTF-8 bytes, and a UTF-8 terminal sees them as written.
. "${top_srcdir:-.}/tests/lib.sh"
command -v script >/dev/null 2>&1 || { echo "SKIP: script (bsdutils) is not installed"; exit 77; }
d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>&1 || { echo "FAIL: vmailadm demo"; exit 1; }
# tty LOCALE ARGS...: the command's output as a terminal shows it.
tty_run() {
	loc=$1
	shift
	script -qec "env LC_ALL=$loc LANG=$loc '$VMAILADM' --config '$d/vmailadm.yaml' $*" /dev/null </dev/null |
		tr -d '\r'
}
tty_run C trace info@andromed.cloud >"$tmp/c.out"
grep -q 'key info@andromed.cloud) -> johndoe@andromed.cloud' "$tmp/c.out" || no "LANG=C: no ASCII arrow: $(head -3 "$tmp/c.out")"
LC_ALL=C grep -q "$(printf '\342\206\222')" "$tmp/c.out" && no "LANG=C: a UTF-8 arrow reached the terminal"
tty_run C trace "$(printf 'r\303\251union')@andromed.cloud" >"$tmp/c2.out"
grep -q '^r?union@andromed.cloud' "$tmp/c2.out" || no "LANG=C: not one '?' per character: $(head -1 "$tmp/c2.out")"
tty_run C.UTF-8 trace info@andromed.cloud >"$tmp/u.out"
grep -q "key info@andromed.cloud) $(printf '\342\206\222') johndoe" "$tmp/u.out" || no "UTF-8 terminal: the arrow was changed"
LC_ALL=C "$VMAILADM" --config "$d/vmailadm.yaml" trace info@andromed.cloud >"$tmp/pipe.out" 2>&1
grep -q "$(printf '\342\206\222')" "$tmp/pipe.out" || no "a pipe under LANG=C lost the UTF-8 bytes"
[ "$fail" -eq 0 ] && echo "ok: ASCII on a C-locale terminal, bytes kept in a pipe"
exit $fail
