#!/bin/sh
# Shell completion (completion/vmailadm.bash, completion/_vmailadm): the bash
# script loads and completes commands, subcommands, options, list kinds,
# hosted domains, addresses and system aliases, from vmailadm itself; the
# zsh one at least parses when zsh is installed.
. "${top_srcdir:-.}/tests/lib.sh"
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
# complete WANT WORDS...: the candidates bash offers for the last word
complete_is() {
	want=$1; shift
	got=$(bash -c '. "$1" || exit 1; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_vmailadm; echo "${COMPREPLY[*]}"' sh "$top_srcdir/completion/vmailadm.bash" "$@" 2>&1)
	[ "$got" = "$want" ] || no "completing '$*': got '$got', expected '$want'"
}
V=$VMAILADM
C="--config $d/vmailadm.yaml"
complete_is "lint list" "$V" li
complete_is "lint list log" "$V" l
complete_is "--short" "$V" trace --sh
complete_is "--dry-run" "$V" mailbox add x@andromed.cloud --dry
complete_is "--password-hash --password-stdin" "$V" mailbox add x@andromed.cloud --passw
complete_is "--purge" "$V" mailbox del --pu
complete_is "add del passwd quota rename" "$V" mailbox ""
complete_is "--keep-old" "$V" mailbox rename johndoe@andromed.cloud --ke
complete_is "domains mailboxes aliases catchalls sysaliases" "$V" list ""
# shellcheck disable=SC2086
complete_is "andromed.cloud ascent.cloud" "$V" $C list mailboxes a
# shellcheck disable=SC2086
complete_is "johndoe@andromed.cloud" "$V" $C show joh
# shellcheck disable=SC2086
complete_is "equipe@andromed.cloud" "$V" $C trace equ
# shellcheck disable=SC2086
complete_is "root" "$V" $C sysalias del ro
complete_is "--config" "$V" --con
# Loading the script defines the completion for vmailadm.
bash -c ". '$top_srcdir/completion/vmailadm.bash' && complete -p vmailadm" >"$tmp/out" 2>&1 ||
	no "bash: complete -p vmailadm: $(cat "$tmp/out")"

if command -v zsh >/dev/null 2>&1; then
	zsh -n "$top_srcdir/completion/_vmailadm" || no "zsh: _vmailadm does not parse"
fi
exit $fail
