#!/bin/sh
# The command line's one grammar (issue 12): --help on every command and
# subcommand (exit 0, the usage line of the command table), options before
# or after the operands and "--" ending them, one error format
# ("vmailadm: COMMAND: message", exit 2) with "did you mean" for a mistyped
# command, subcommand, option or list kind, numbers checked, alias targets
# in one or several words, system aliases, trace --short naming where the
# mail ends up, lint saying "no problems found" on a terminal only.
. "${top_srcdir:-.}/tests/lib.sh"

d="$tmp/demo"
"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
# expect STATUS ARGS...: run v, output in $tmp/out and $tmp/err
expect() {
	want=$1; shift
	v "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || no "vmailadm $*: exit $got, expected $want: $(cat "$tmp/err")"
}
err_has() { grep -q -- "$1" "$tmp/err" || no "stderr lacks '$1': $(cat "$tmp/err")"; }
out_has() { grep -q -- "$1" "$tmp/out" || no "stdout lacks '$1': $(cat "$tmp/out")"; }

# --help on every command of the table and every subcommand: exit 0, the
# command's usage line; before or after other words.
cmds=$("$VMAILADM" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ {print $1}')
[ "$(echo "$cmds" | wc -l)" -ge 16 ] || no "vmailadm --help lists too few commands: $cmds"
for c in $cmds; do
	expect 0 "$c" --help
	grep -q "^Usage: vmailadm $c " "$tmp/out" || no "$c --help: no usage line: $(cat "$tmp/out")"
	# the same line as in vmailadm --help: written once, in the table
	line=$(sed -n 1p "$tmp/out" | sed 's/^Usage: vmailadm //')
	"$VMAILADM" --help | grep -qF -- "$line" || no "$c --help and vmailadm --help differ"
done
# Every subcommand (listed under its command by vmailadm --help): its own
# usage line, the one vmailadm --help shows, and not its siblings'.
"$VMAILADM" --help >"$tmp/help"
subs=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk '/^    [a-z]/ {print $1 " " $2}')
[ "$(echo "$subs" | wc -l)" -ge 26 ] || no "vmailadm --help lists too few subcommands: $subs"
echo "$subs" | while read -r c s; do
	for where in before after; do
		if [ $where = before ]; then expect 0 "$c" --help "$s"; else expect 0 "$c" "$s" x --help; fi
		grep -q "^Usage: vmailadm $c $s " "$tmp/out" || no "$c $s --help ($where): $(head -1 "$tmp/out")"
		line=$(sed -n 1p "$tmp/out" | sed 's/^Usage: vmailadm //')
		grep -qxF -- "    $line" "$tmp/help" || no "$c $s --help and vmailadm --help differ: $line"
		grep -v "^Usage: " "$tmp/out" | grep -q "^  *$c [a-z]" && no "$c $s --help shows its siblings: $(cat "$tmp/out")"
	done
	[ $fail -eq 0 ] || exit 1
done || fail=1
# Each alternative of a command's usage line (mailbox add|del|passwd|quota,
# the list kinds, the queue's actions) is a subcommand with its own help.
for c in $cmds; do
	alts=$(sed -n "s/^  $c \([a-z|]*|[a-z|]*\)\( .*\)\{0,1\}$/\1/p" "$tmp/help" | tr '|' ' ')
	for s in $alts; do
		echo "$subs" | grep -qx "$c $s" || no "$c $s has no usage line of its own"
	done
done
# The options a subcommand takes are in its help; the others' are not.
expect 0 mailbox add --help
out_has "^  --password-stdin "
out_has "^  --allow-weak "
out_has "^  --adopt-maildir "
grep -q -- "--purge" "$tmp/out" && no "mailbox add --help shows mailbox del's --purge"
expect 0 mailbox del x@andromed.cloud --help
out_has "^  --purge "
grep -q -- "--password-stdin" "$tmp/out" && no "mailbox del --help shows the password options"
expect 0 import --csv --help
out_has "^  --allow-weak "
expect 0 mailbox --help
out_has "^  mailbox passwd ADDRESS "
# list domains takes no "sysaliases" word (list's own help named it as if
# it did); rollback says what --force does.
expect 0 list domains --help
grep -q "sysaliases" "$tmp/out" && no "list domains --help names sysaliases: $(cat "$tmp/out")"
out_has "^  DOMAIN "
expect 0 rollback --help
out_has "^  --force "
for sub in "import --csv" "trace x@y.example"; do
	# shellcheck disable=SC2086
	expect 0 $sub --help
	out_has "^Usage: vmailadm ${sub%% *} "
done
expect 0 trace -h

# Options before or after the operands; "--" ends them.
expect 0 trace --json johndoe@andromed.cloud
cp "$tmp/out" "$tmp/before"
expect 0 trace johndoe@andromed.cloud --json
cmp -s "$tmp/before" "$tmp/out" || no "trace ADDRESS --json differs from trace --json ADDRESS"
python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['address'] == 'johndoe@andromed.cloud'" \
	"$tmp/out" || no "trace ADDRESS --json: not the JSON of the address"
expect 0 list domains --json
cp "$tmp/out" "$tmp/before"
expect 0 list --json domains
cmp -s "$tmp/before" "$tmp/out" || no "list domains --json differs from list --json domains"
expect 0 show --json johndoe@andromed.cloud
expect 0 show johndoe@andromed.cloud --json
expect 0 stats andromed.cloud --sort size --json
expect 1 log --json --limit 5      # no commit yet: nothing found
expect 2 log -- --json
err_has "^vmailadm: log: unexpected argument '--json'$"
expect 1 trace --short -- -x@andromed.cloud     # an operand, not an option
out_has "^-x@andromed.cloud	reject	"

# One error format, exit 2 for usage errors, "did you mean".
expect 2 lsit domains
err_has "^vmailadm: unknown command 'lsit'; did you mean 'list'?$"
err_has "^Try 'vmailadm --help' for more information.$"
expect 2 list mailbox
err_has "^vmailadm: list: unknown list 'mailbox' .*; did you mean 'mailboxes'?$"
err_has "^Try 'vmailadm list --help' for more information.$"
expect 2 show --jsno johndoe@andromed.cloud
err_has "^vmailadm: show: unknown option '--jsno'; did you mean '--json'?$"
expect 2 mailbox ad x@andromed.cloud
err_has "^vmailadm: mailbox: unknown subcommand 'ad'; did you mean 'add'?$"
expect 2 stats --sort nme
err_has "^vmailadm: stats: --sort takes name, new, unread or size, not 'nme'; did you mean 'name'?$"
expect 2 log --limit x
err_has "^vmailadm: log: --limit takes a whole number from 0, not 'x'$"
expect 2 log --limit
err_has "^vmailadm: log: option '--limit' needs a value$"
# --help before the command shows that command's help, as after it (it
# showed the whole program's).
for c in "mailbox" "mailbox add" "alias del" "list"; do
	# shellcheck disable=SC2086 # the words of the case
	"$VMAILADM" --help $c >"$tmp/before" 2>&1 || no "vmailadm --help $c: not exit 0"
	# shellcheck disable=SC2086
	"$VMAILADM" $c --help >"$tmp/after" 2>&1
	cmp -s "$tmp/before" "$tmp/after" || no "vmailadm --help $c: not the help of $c: $(head -1 "$tmp/before")"
done
# A value given to an option that takes none is said so, not called
# unknown with itself as the suggestion.
expect 2 show --json=yes johndoe@andromed.cloud
err_has "^vmailadm: show: option '--json' takes no value$"
# The global options: one line of ours, as for a command's options (getopt's
# own line came first, and a --config without its file was "unknown").
for g in "--bogus list domains:unknown option '--bogus'" "--config:option '--config' needs a value" \
	"-c:option '-c' needs a value" "--json=1 list domains:option '--json' takes no value" \
	"-x list domains:unknown option '-x'"; do
	# shellcheck disable=SC2086 # the words of the case
	"$VMAILADM" ${g%%:*} >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 2 ] || no "vmailadm ${g%%:*}: not exit 2"
	[ "$(sed -n 1p "$tmp/err")" = "vmailadm: ${g#*:}" ] || no "vmailadm ${g%%:*}: $(head -1 "$tmp/err")"
	[ "$(wc -l <"$tmp/err")" -eq 2 ] || no "vmailadm ${g%%:*}: not one line and the hint: $(cat "$tmp/err")"
done
expect 2 lint extra
err_has "^vmailadm: lint: unexpected argument 'extra'$"
expect 1 list domains nosuch.example
err_has "^vmailadm: list: nosuch.example is not a domain this server hosts$"
# exercise and maillog (their own parsing): the same format, no doubled
# command name, and --help adds what they take.
expect 2 exercise 9
err_has "^vmailadm: exercise: no exercise '9' (1 to 4)$"
expect 2 maillog
err_has "^vmailadm: maillog: give one address (or @DOMAIN)$"
expect 0 exercise --help
out_has "^reset forgets the progress"
expect 0 maillog --help
out_has "^  --file FILE "
# A repeated --file reads every file, in the order given (the usage says
# so), not only the last: who@gone.example is only in mail.log.1, jane's
# records are in mail.log.2.gz and mail.log; options after the address too.
m="$top_srcdir/tests/fixtures/maillog"
expect 0 maillog who@gone.example --file "$m/mail.log.1" --file "$m/mail.log"
out_has "^2026-12-05 10:10:02  9A8B7C6D5E   bounced  .*who@gone.example"
expect 0 maillog --file "$m/mail.log.2.gz" jane@andromed.cloud --file "$m/mail.log.1" --file "$m/mail.log"
out_has "^2026-12-04 09:00:02  7E6D5C4B3A   sent .*jane@andromed.cloud"
out_has "^2026-12-06 08:00:01  7E6D5C4B3A   sent .*jane@andromed.cloud"
[ "$(grep -c '^2026-' "$tmp/out")" -eq 4 ] || no "maillog with three --file: $(cat "$tmp/out")"
expect 2 maillog jane@andromed.cloud --file
err_has "^vmailadm: maillog: option '--file' needs a value$"
expect 2 frobnicate
grep -q "did you mean" "$tmp/err" && no "a suggestion for a word close to nothing: $(cat "$tmp/err")"

# Alias targets: one a word, or several in one word separated by commas or
# spaces: the same edit.
for form in "johndoe@andromed.cloud janedoe@andromed.cloud" "johndoe@andromed.cloud, janedoe@andromed.cloud" \
	    "johndoe@andromed.cloud,janedoe@andromed.cloud"; do
	expect 0 alias add team@andromed.cloud "$form" --dry-run
	out_has "^+team@andromed.cloud  *johndoe@andromed.cloud, janedoe@andromed.cloud$"
done
expect 0 alias add team@andromed.cloud johndoe@andromed.cloud janedoe@andromed.cloud --dry-run
out_has "^+team@andromed.cloud  *johndoe@andromed.cloud, janedoe@andromed.cloud$"
printf 'alias add team@andromed.cloud "johndoe@andromed.cloud janedoe@andromed.cloud"\n' >"$tmp/batch"
expect 0 apply "$tmp/batch" --dry-run
out_has "^+team@andromed.cloud  *johndoe@andromed.cloud, janedoe@andromed.cloud$"

# System aliases are first-class.
expect 0 list sysaliases
grep -Eq '^root +admin@andromed.cloud +.*/etc/aliases:8$' "$tmp/out" || no "list sysaliases: $(cat "$tmp/out")"
expect 0 list sysaliases --json
python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert {'name': 'root', 'targets': ['admin@andromed.cloud'], 'file': sys.argv[2], 'line': 8} in j, j
" "$tmp/out" "$d/etc/aliases" || no "list sysaliases --json"
expect 0 show root
out_has "line 8: admin@andromed.cloud"
expect 1 show nobody
err_has "^vmailadm: show: nobody is not a system alias"
# A system alias target in a hosted domain must exist there, as an alias
# target must: root's mail to a typo used to be written, and bounced.
expect 1 sysalias set root boss@andromed.cloud --dry-run
err_has "^vmailadm: sysalias: error: boss@andromed.cloud is in hosted domain andromed.cloud but is neither a mailbox nor an alias: mail to it would bounce$"
expect 0 sysalias set root janedoe@andromed.cloud ops@elsewhere.example --dry-run
out_has "^+root: *janedoe@andromed.cloud, ops@elsewhere.example$"
# ... the targets in one word too, split at the commas as alias add splits
# them (it was refused: "cannot be a target"); a quoted "|command arg"
# stays one target.
expect 0 sysalias set root "janedoe@andromed.cloud, ops@elsewhere.example" --dry-run
out_has "^+root: *janedoe@andromed.cloud, ops@elsewhere.example$"
expect 0 sysalias set root "janedoe@andromed.cloud,ops@elsewhere.example," '"|/usr/bin/logger -t root"' --dry-run
out_has '^+root: *janedoe@andromed.cloud, ops@elsewhere.example, "|/usr/bin/logger -t root"$'
expect 2 sysalias set root " , " --dry-run
# A mailbox a system alias delivers to is not removed under it (root's
# mail would bounce): it used to go without a word.
sed -i 's/^root: .*/root:          contact@ascent.cloud/' "$d/etc/aliases"
for quick in "" 0; do
	VMAILADM_EXCERPT_MIN=$quick v mailbox del contact@ascent.cloud --dry-run >"$tmp/out" 2>"$tmp/err" &&
		no "mailbox del of root's target${quick:+ (quick path)}: accepted"
	err_has "^$d/etc/aliases:8: error: contact@ascent.cloud is a target of the system alias root: change it first (vmailadm sysalias set root ...), or its mail will bounce$"
done
# ... and lint names a system alias whose target is gone (it said nothing).
sed -i 's/^root: .*/root:          boss@andromed.cloud/' "$d/etc/aliases"
v lint >"$tmp/out" 2>&1
grep -q "^$d/etc/aliases:8: warning: \[dangling-alias-target\] system alias root reaches boss@andromed.cloud, which resolves to nothing: that mail bounces (5.1.1 " "$tmp/out" ||
	no "lint: no dangling system alias: $(grep aliases "$tmp/out")"
sed -i 's/^root: .*/root:          admin@andromed.cloud/' "$d/etc/aliases"

# trace --short: the fourth column is where the mail ends up.
expect 0 trace --short info@andromed.cloud
printf 'info@andromed.cloud\tmaildir\tjohndoe@andromed.cloud\t%s/vhosts/andromed.cloud/johndoe/\n' "$d" >"$tmp/want"
cmp -s "$tmp/want" "$tmp/out" || no "trace --short: $(cat "$tmp/out")"

# lint with nothing to report: "no problems found" on a terminal, nothing
# with --quiet or in a pipe.
w="$tmp/clean"
mkdir -p "$w/etc/postfix" "$w/etc/dovecot" "$w/mail"
chmod 750 "$w/mail"
printf 'myhostname = mail.example\nvirtual_mailbox_base = %s/mail\n' "$w" >"$w/etc/postfix/main.cf"
: >"$w/etc/aliases"
: >"$w/etc/dovecot/users"
chmod 600 "$w/etc/dovecot/users"
printf 'postfix_dir: etc/postfix\npasswd_file: etc/dovecot/users\naliases_file: etc/aliases\n' >"$w/vmailadm.yaml"
"$VMAILADM" -c "$w/vmailadm.yaml" lint >"$tmp/out" 2>&1 || no "lint on a clean tree: $(cat "$tmp/out")"
[ -s "$tmp/out" ] && no "lint in a pipe printed: $(cat "$tmp/out")"
if command -v script >/dev/null 2>&1; then
	script -qec "'$VMAILADM' -c '$w/vmailadm.yaml' lint" /dev/null >"$tmp/out" 2>&1
	grep -q "no problems found" "$tmp/out" || no "lint on a terminal: $(cat "$tmp/out")"
	script -qec "'$VMAILADM' -c '$w/vmailadm.yaml' lint --quiet" /dev/null >"$tmp/out" 2>&1
	[ -s "$tmp/out" ] && no "lint --quiet on a terminal printed: $(cat "$tmp/out")"
fi

# vmailadm(1) documents every command of the table, and what was missing.
man="$top_srcdir/doc/vmailadm.1"
for c in $cmds; do
	grep -Eq "^\.(B|BR) \"?$c( |\"|\$)" "$man" || no "vmailadm(1) lacks the command $c"
done
for word in 'password\\-hash' VMAILADM_LOCALEDIR sysaliases '\\-\\-quiet'; do
	grep -q -- "$word" "$man" || no "vmailadm(1) lacks $word"
done

# --config, a global option, after the command and its operands too.
"$VMAILADM" list mailboxes --config "$d/vmailadm.yaml" --json >"$tmp/after" 2>&1 ||
	no "list mailboxes --config FILE refused: $(head -1 "$tmp/after")"
"$VMAILADM" --config "$d/vmailadm.yaml" list mailboxes --json >"$tmp/before" 2>&1
cmp -s "$tmp/before" "$tmp/after" || no "--config after the command reads another configuration"
# ...and after an edit's operands (the edits read their own words).
"$VMAILADM" mailbox quota johndoe@andromed.cloud 2G --dry-run --config "$d/vmailadm.yaml" >"$tmp/after" 2>&1 ||
	no "mailbox quota ... --config FILE: $(head -1 "$tmp/after")"
grep -q '^+johndoe@andromed.cloud:.*storage=2G' "$tmp/after" || no "mailbox quota ... --config FILE: no diff: $(head -3 "$tmp/after")"

# mailbox del --purge: the checks before the question. A mailbox that is not
# there, or that a rule keeps, is refused with its reason, never asked
# about (nor told to add --yes); only a removal that would be staged is.
expect 1 mailbox del --purge nosuch@andromed.cloud </dev/null
err_has "nosuch@andromed.cloud is not a mailbox"
grep -q -- "--yes\|Really" "$tmp/err" && no "del --purge of a missing mailbox asks first: $(cat "$tmp/err")"
expect 1 mailbox del --purge admin@andromed.cloud </dev/null
err_has "admin@andromed.cloud is a target of"
grep -q -- "--yes\|Really" "$tmp/err" && no "del --purge of a kept mailbox asks first: $(cat "$tmp/err")"
expect 2 mailbox del --purge contact@ascent.cloud </dev/null
err_has "add --yes"
if command -v script >/dev/null 2>&1; then
	echo n | script -qec "'$VMAILADM' --config '$d/vmailadm.yaml' mailbox del --purge nosuch@andromed.cloud" /dev/null >"$tmp/out" 2>&1
	grep -q "Really" "$tmp/out" && no "del --purge of a missing mailbox asks on a terminal: $(cat "$tmp/out")"
	echo n | script -qec "'$VMAILADM' --config '$d/vmailadm.yaml' mailbox del --purge contact@ascent.cloud" /dev/null >"$tmp/out" 2>&1
	grep -q "Really remove mailbox contact@ascent.cloud" "$tmp/out" || no "del --purge on a terminal does not ask: $(cat "$tmp/out")"
fi
v list mailboxes | grep -q "^contact@ascent.cloud " || no "del --purge answered n removed the mailbox"

# domain del of a domain not empty: each count with its plural form, in
# English and in French ("1 alias", not "1 aliases").
expect 1 domain del ascent.cloud
err_has "ascent.cloud still has 2 mailboxes and 1 alias: remove them first"
expect 0 mailbox del contact@ascent.cloud --yes
expect 1 domain del ascent.cloud
err_has "ascent.cloud still has 1 mailbox and 1 alias: remove them first"
if command -v msgfmt >/dev/null 2>&1 && LC_ALL=C.UTF-8 locale 2>&1 | grep -q 'LC_MESSAGES="\{0,1\}C.UTF-8'; then
	mkdir -p "$tmp/locale/fr/LC_MESSAGES"
	msgfmt -o "$tmp/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || no "msgfmt po/fr.po"
	VMAILADM_LOCALEDIR="$tmp/locale" LANGUAGE=fr LC_ALL=C.UTF-8 v domain del ascent.cloud >"$tmp/out" 2>"$tmp/err"
	err_has "ascent.cloud a encore 1 boîte mail et 1 alias : supprimez-les d'abord"
fi

exit $fail
