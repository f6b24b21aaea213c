#!/bin/sh
# Issue 10, the hostile-input campaign: every case of tests/hostile.cases
# (dangerous characters, control bytes and escape sequences, newlines, NUL
# bytes, invalid UTF-8, 10,000-character names, case collisions, bad
# targets, quotas and hashes, broken CSV and batch lines) through the
# command line, apply, import --csv or a password on standard input, is
# refused with one line saying why, with no control byte on the terminal,
# and leaves every managed file's sha256 as it was.
. "$top_srcdir/tests/lib.sh"
demo_world
cases="$top_srcdir/tests/hostile.cases"
ctl=$(printf '[\001-\010\013-\037\177]')

# expand TEXT: @L<n>@ becomes n letters 'a', @D<n>@ n digits '9'.
expand() {
	p=$1
	while :; do
		case $p in
		*@L[0-9]*@*) c=a n=${p#*@L} ;;
		*@D[0-9]*@*) c=9 n=${p#*@D} ;;
		*) break ;;
		esac
		n=${n%%@*}
		rep=$(head -c "$n" /dev/zero | tr '\0' "$c")
		[ "$c" = a ] && p=${p%%@L"$n"@*}$rep${p#*@L"$n"@} || p=${p%%@D"$n"@*}$rep${p#*@D"$n"@}
	done
	printf '%s' "$p"
}

# run CHANNEL INPUT: the input through its channel; status in rc, stderr
# in $tmp/err. Inputs that may hold NUL bytes go through files.
run() {
	case $1 in
	mailbox) v mailbox add "$(printf '%b' "$2")" ;;
	alias) v alias add "$(printf '%b' "$2")" admin@andromed.cloud ;;
	target) v alias add info@andromed.cloud "$(printf '%b' "$2")" ;;
	domain) v domain add "$(printf '%b' "$2")" ;;
	sysalias) v sysalias set "$(printf '%b' "$2")" root ;;
	quota) v mailbox add q@andromed.cloud --quota "$(printf '%b' "$2")" ;;
	hash) v mailbox add h@andromed.cloud --password-hash "$(printf '%b' "$2")" ;;
	stdinpw) printf '%b' "$2" >"$tmp/in"
		v mailbox add p@andromed.cloud --password-stdin <"$tmp/in" ;;
	apply) printf '%b\n' "$2" >"$tmp/batch"
		v apply "$tmp/batch" </dev/null ;;
	csv) printf 'address,password,quota\n%b\n' "$2" >"$tmp/rows.csv"
		v import --csv "$tmp/rows.csv" ;;
	*) echo "unknown channel $1"; return 99 ;;
	esac >"$tmp/out" 2>"$tmp/err"
}

n=0
prev= prev_rc=
tab=$(printf '\t')
while IFS=$tab read -r channel regex input; do
	case $channel in '#'* | '') continue ;; esac
	n=$((n + 1))
	input=$(expand "$input")
	run "$channel" "$input"
	rc=$?
	what="case $n ($channel $(printf '%.40s' "$input"))"
	check_refused "$what" "$regex"
	LC_ALL=C grep -q "$ctl" "$tmp/err" "$tmp/out" && no "$what: a control byte reached the terminal"
	# the same address as a CSV row and as an apply line: the same
	# status (a malformed one is a usage error, 2, in both)
	[ "$channel" = csv ] && [ "$prev" = "mailbox add ${input%,,}" ] && [ "$rc" -ne "$prev_rc" ] &&
		no "$what: exit $rc, where apply's line of the same address exits $prev_rc"
	prev=$input prev_rc=$rc
done <"$cases"
[ "$n" -ge 150 ] || no "only $n cases (150 at least)"
[ $fail -eq 0 ] && echo "ok: $n hostile inputs refused, no file changed"
exit $fail
