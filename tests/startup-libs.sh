#!/bin/sh
# What every command pays before main: the libraries the program is linked
# with. libpq is opened only by the commands that talk to PostgreSQL (it
# brings Kerberos, LDAP, GnuTLS and OpenSSL: ~14 ms a start); db commands
# still reach it.
. "${top_srcdir:-.}/tests/lib.sh"

command -v readelf >/dev/null 2>&1 || { echo "SKIP: readelf not installed"; exit 77; }
needed=$(readelf -d "$VMAILADM" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "FAIL: readelf lists no library for $VMAILADM"; exit 1; }
for lib in libpq libssl libcrypto libgssapi libldap; do
	if printf '%s\n' "$needed" | grep -q "^$lib"; then
		echo "FAIL: $VMAILADM is linked with $lib: every command loads it at start"; exit 1
	fi
done
# A db command loads it on first use: the connection string is parsed by
# libpq itself, so a bad one is libpq's message, not a loader error.
"$VMAILADM" --config /dev/null db postfix-config --conninfo 'host=' --dir "$tmp/maps" >"$tmp/out" 2>"$tmp/err"
if grep -q "cannot be loaded\|has no PQ" "$tmp/err"; then
	echo "FAIL: libpq not loaded: $(cat "$tmp/err")"; exit 1
fi
grep -q "proxy:pgsql:$tmp/maps/domains.cf" "$tmp/out" || { echo "FAIL: db postfix-config: $(cat "$tmp/err")"; exit 1; }
echo "ok: linked with $(printf '%s ' $needed)"
