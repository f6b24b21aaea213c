#!/bin/sh
# Issue 10, defect 9: new addresses keep out of their user part the
# characters RFC 5322 allows but shells, scripts and Postfix/Dovecot
# settings treat specially, unless the local_part_allow setting lets them
# in; an alias target without a user part (@domain), an alias naming
# itself and a quota Dovecot cannot count are refused. Every refusal is
# one line and changes no file.
. "$top_srcdir/tests/lib.sh"
demo_world
# refused DESCRIPTION REGEX WORDS...: vmailadm WORDS is refused (check_refused)
refused() {
	what=$1 re=$2
	shift 2
	v "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	check_refused "$what" "$re"
}

for c in '%' '|' '`' '#' '&' '$' '!' '*' '?' '{' '}' '~' '=' "'"; do
	refused "mailbox a${c}b" "character '.' in .*local_part_allow" mailbox add "a${c}b@andromed.cloud"
	refused "alias a${c}b" "character '.' in .*local_part_allow" alias add "a${c}b@andromed.cloud" admin@andromed.cloud
done
refused "alias to @domain" "'@andromed.cloud' has no user part" alias add x@andromed.cloud @andromed.cloud
refused "alias to @domain, second" "'@ascent.cloud' has no user part" alias add x@andromed.cloud admin@andromed.cloud @ascent.cloud
refused "alias to itself (new)" "cannot be a target of itself" alias add self@andromed.cloud self@andromed.cloud
refused "alias to itself (existing)" "cannot be a target of itself" alias add info@andromed.cloud INFO@andromed.cloud
refused "alias set to itself" "cannot be a target of itself" alias set info@andromed.cloud info@andromed.cloud
for q in 99999999999999999999G 20000000T 9223372036854775808 8589934592G; do
	refused "quota $q" "quota '$q' is larger than Dovecot can count" mailbox add q@andromed.cloud --quota "$q"
	refused "mailbox quota $q" "quota '$q' is larger than Dovecot can count" mailbox quota johndoe@andromed.cloud "$q"
done

# Still accepted: an existing address with such a character (only new ones
# are refused), a mailbox naming itself, the catch-all's @domain form, the
# biggest quota Dovecot counts.
v mailbox add "o'brien@andromed.cloud" --dry-run >/dev/null 2>&1 && no "o'brien accepted without the setting"
v alias add johndoe@andromed.cloud johndoe@andromed.cloud --dry-run >/dev/null 2>"$tmp/err" ||
	no "a mailbox naming itself refused: $(cat "$tmp/err")"
v catchall set andromed.cloud @ascent.cloud --dry-run >/dev/null 2>"$tmp/err" ||
	no "catch-all to @domain refused: $(cat "$tmp/err")"
v mailbox add q@andromed.cloud --quota 8388607T --dry-run >/dev/null 2>"$tmp/err" ||
	no "quota 8388607T refused: $(cat "$tmp/err")"

# The setting lets the characters it lists in, and only those.
printf 'local_part_allow: "'"'"'="\n' >>"$d/vmailadm.yaml"
v mailbox add "o'brien@andromed.cloud" --dry-run >/dev/null 2>"$tmp/err" ||
	no "local_part_allow \"'=\": o'brien refused: $(cat "$tmp/err")"
v alias add "a=b@andromed.cloud" admin@andromed.cloud --dry-run >/dev/null 2>"$tmp/err" ||
	no "local_part_allow \"'=\": a=b refused: $(cat "$tmp/err")"
refused "a%b with local_part_allow \"'=\"" "character '%'" mailbox add "a%b@andromed.cloud"

[ $fail -eq 0 ] && echo "ok: addresses, targets and quotas"
exit $fail
