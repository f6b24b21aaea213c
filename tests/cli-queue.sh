#!/bin/sh
# `vmailadm queue` in the command line's one grammar: a row of the command
# table (--help from it, before or after the verb: a verb's own usage), its verbs with "did you
# mean", the operands each verb takes, --by checked, one error format and
# exit 2 for usage errors. Nothing here needs a queue: the real one is
# driven in tests/integration/traffic-live.sh.
. "${top_srcdir:-.}/tests/lib.sh"

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
expect() {
	want=$1; shift
	v "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || no "vmailadm $*: exit $got, expected $want: $(cat "$tmp/err")"
}
err_is() { [ "$(cat "$tmp/err")" = "$1" ] || no "stderr is '$(cat "$tmp/err")', expected '$1'"; }
err_has() { grep -q -- "$1" "$tmp/err" || no "stderr lacks '$1': $(cat "$tmp/err")"; }

expect 0 queue --help
grep -q "^Usage: vmailadm queue list|show|hold|release|requeue|delete|flush " "$tmp/out" ||
	no "queue --help: no usage line: $(cat "$tmp/out")"
grep -q -- "--by reason|domain" "$tmp/out" || no "queue --help: no options"
# a verb's --help is that verb's usage line and options (issue 12)
for w in list show hold delete flush; do
	expect 0 queue $w --help
	grep -q "^Usage: vmailadm queue $w " "$tmp/out" ||
		no "queue $w --help: no usage line of its own: $(cat "$tmp/out")"
done
expect 0 queue --help list
grep -q -- "^  --by reason|domain" "$tmp/out" || no "queue list --help: no --by"
expect 0 queue delete --help
grep -q -- "--yes" "$tmp/out" || no "queue delete --help: no --yes"

expect 2 queue hodl ABC
err_has "^vmailadm: queue: unknown subcommand 'hodl'; did you mean 'hold'?$"
err_has "^Try 'vmailadm queue --help' for more information.$"
expect 2 queue hold
err_has "^vmailadm: queue: hold: give at least one queue id$"
expect 2 queue delete --yes
err_has "^vmailadm: queue: delete: give at least one queue id$"
expect 2 queue show A B
err_has "^vmailadm: queue: show: give one queue id$"
expect 2 queue flush a.example b.example
err_has "^vmailadm: queue: flush: at most one domain$"
expect 2 queue list extra
err_has "^vmailadm: queue: unexpected argument 'extra'$"
expect 2 queue --by reasn
err_has "^vmailadm: queue: --by takes reason or domain, not 'reasn'; did you mean 'reason'?$"
expect 2 queue hold ABC --by domain
err_has "^vmailadm: queue: --by goes with the listing, not with hold$"
expect 2 queue --jsno
err_has "^vmailadm: queue: unknown option '--jsno'; did you mean '--json'?$"
expect 2 queue --by
err_has "^vmailadm: queue: option '--by' needs a value$"
expect 2 queue --source postqeue
err_has "^vmailadm: queue: --source takes files or postqueue, not 'postqeue'; did you mean 'postqueue'?$"
expect 2 queue hold ABC --source files
err_has "^vmailadm: queue: --source goes with the listing, not with hold$"


# Completion offers the verbs, read from the usage line of the table.
if command -v bash >/dev/null 2>&1; then
	got=$(bash -c '. "$1" || exit 1; COMP_WORDS=("$2" queue ""); COMP_CWORD=2
		_vmailadm; echo "${COMPREPLY[*]}"' sh "$top_srcdir/completion/vmailadm.bash" "$VMAILADM" 2>&1)
	[ "$got" = "list show hold release requeue delete flush" ] || no "completing 'queue ': got '$got'"
fi

exit $fail
