#!/bin/sh
# Dovecot 2.4 renamed the userdb quota field: mailbox add --quota and
# mailbox quota write the field the installed Dovecot reads
# (userdb_quota_storage_size=SIZE for 2.4, userdb_quota_rule=*:storage=SIZE
# for 2.3), drop the other version's field left by an upgrade, and every
# reader (show, stats) understands both.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
users="$d/etc/dovecot/users"
line() { grep "^$1:" "$users"; }

VMAILADM_DOVECOT_VERSION=2.4.1 v mailbox quota johndoe@andromed.cloud 2G >"$tmp/out" 2>"$tmp/err" ||
	no "2.4: mailbox quota: $(cat "$tmp/err")"
case $(line johndoe@andromed.cloud) in
*':userdb_quota_storage_size=2G') ;;
*) no "2.4: johndoe's line: $(line johndoe@andromed.cloud)" ;;
esac
line johndoe@andromed.cloud | grep -q userdb_quota_rule && no "2.4: 2.3's field left beside 2.4's"
v show johndoe@andromed.cloud --json >"$tmp/out" 2>"$tmp/err" || no "show: $(cat "$tmp/err")"
grep -q '"quota": 2147483648' "$tmp/out" || no "show --json does not read 2.4's field: $(grep quota "$tmp/out")"

printf 'a-long-enough-password\n' | VMAILADM_DOVECOT_VERSION=2.4.1 \
	v mailbox add new@ascent.cloud --quota 500M --password-stdin >"$tmp/out" 2>"$tmp/err" ||
	no "2.4: mailbox add: $(cat "$tmp/err")"
case $(line new@ascent.cloud) in
*':userdb_quota_storage_size=500M') ;;
*) no "2.4: new line: $(line new@ascent.cloud)" ;;
esac

# Back on 2.3 (or a tree moved back): 2.3's field, the other one gone.
VMAILADM_DOVECOT_VERSION=2.3.19.1 v mailbox quota new@ascent.cloud 1G >"$tmp/out" 2>"$tmp/err" ||
	no "2.3: mailbox quota: $(cat "$tmp/err")"
case $(line new@ascent.cloud) in
*':userdb_quota_rule=*:storage=1G') ;;
*) no "2.3: new's line: $(line new@ascent.cloud)" ;;
esac
VMAILADM_DOVECOT_VERSION=2.4.1 v mailbox quota new@ascent.cloud none >"$tmp/out" 2>"$tmp/err" ||
	no "2.4: quota none: $(cat "$tmp/err")"
line new@ascent.cloud | grep -q quota && no "quota none left a field: $(line new@ascent.cloud)"
exit $fail
