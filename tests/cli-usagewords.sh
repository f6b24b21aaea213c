#!/bin/sh
# Words that are wrong whatever the world (a malformed address, domain,
# target or quota; a forward to itself; an /etc/aliases name) are a usage
# error, as doc/vmailadm.1 says: exit 2 on the command line, the batch
# file's line named by `apply FILE`. What needs the world (is the domain
# hosted, is it a mailbox) stays a problem found: exit 1. Nothing changes.
. "$top_srcdir/tests/lib.sh"
demo_world
# status N DESCRIPTION REGEX WORDS...: vmailadm WORDS exits N with one line
# matching REGEX, no file changed
status() {
	want=$1 what=$2 re=$3
	shift 3
	v "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || no "$what: exit $rc, not $want: $(head -2 "$tmp/err")"
	check_refused "$what" "$re"
}
jd=johndoe@andromed.cloud
status 2 "mailbox add BAD@@x" "character '@' is not allowed" mailbox add BAD@@x
status 2 "mailbox add bad quota" "quota '12XB' is not a size" mailbox add n@andromed.cloud --quota 12XB
status 2 "mailbox quota 12XB" "quota '12XB' is not a size" mailbox quota "$jd" 12XB
status 2 "mailbox quota too big" "larger than Dovecot can count" mailbox quota "$jd" 99999999999999999999G
status 2 "mailbox quota, no such mailbox" "quota '12XB' is not a size" mailbox quota nobody@andromed.cloud 12XB
status 2 "mailbox rename to a..b" "may not start or end with '.'" mailbox rename "$jd" a..b@andromed.cloud
status 2 "domain add -bad" "starts with '-'" domain add -- -bad.example
status 2 "domain add --alias-of bad" "empty label" domain add mirror.example --alias-of 'andromed..cloud'
status 2 "alias add bad address" "not an address of the form" alias add nodomain admin@andromed.cloud
status 2 "alias add @domain" "has no user part" alias add x@andromed.cloud @andromed.cloud
status 2 "alias set target without domain" "has no domain" alias set info@andromed.cloud bob
status 2 "catchall set bad target" "has no domain" catchall set andromed.cloud nodomain
status 2 "forward to itself" "cannot forward to itself" forward set "$jd" "$jd" --keep-copy
status 2 "sendas allow bad login" "may not start or end with '.'" sendas allow "$jd" a..b@andromed.cloud
status 2 "sendas deny bad @domain" "empty label" sendas deny @andromed..cloud "$jd"
status 2 "sysalias name with ':'" "cannot be a name in the aliases file" sysalias set a:b root
status 2 "sysalias del name with '@'" "cannot be a name in the aliases file" sysalias del a@b
# the world's answers stay problems found
status 1 "mailbox add, domain not hosted" "not a virtual mailbox domain" mailbox add ok@nodomain.example
status 1 "mailbox quota, no such mailbox" "is not a mailbox" mailbox quota nobody@andromed.cloud 1G
status 1 "alias add, target not there" "andromed.cloud" alias add x@andromed.cloud ghost@andromed.cloud

# a batch names its file and line, and stops before staging anything
printf 'mailbox add fine@andromed.cloud\n# a comment\nmailbox quota %s 12XB\n' "$jd" >"$tmp/batch"
v apply "$tmp/batch" </dev/null >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || no "apply: exit $rc, not 2: $(cat "$tmp/err")"
check_refused "apply" "^$tmp/batch:3: error: quota '12XB' is not a size"
exit $fail
