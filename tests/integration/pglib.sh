# A throwaway PostgreSQL 15 for the integration tests: initdb in a
# temporary directory, the server running as nobody, Unix socket only (no
# TCP at all), trust authentication. Source it after lib.sh:
#
#   pg_require                      # exit 77 unless initdb and pgsql maps exist
#   pg_start DIR                    # PG_SOCK (socket dir), PG_DATA, PG_LOG; psql as postgres
#   pg_sql DB "SQL"                 # psql -tA, stops on the first error
#   pg_stop
#   pg_test_start                   # the start of a database test (below)
#   pg_demo                         # the demo imported into database postfix
#   pg_postfix_maps FLATDIR         # the sandbox Postfix on the database's maps
#   pg_live_require                 # exit 77 unless the sandbox and both pgsql drivers exist
#   pg_dovecot_sql                  # the sandbox Dovecot's passdb and userdb on the database
#   pg_live_start [HOOK1 [HOOK2]]   # the demo served from the database by the real servers
PG_BIN=/usr/lib/postgresql/15/bin

pg_require() {
	[ -x "$PG_BIN/initdb" ] || { echo "SKIP: PostgreSQL 15 is not installed"; exit 77; }
	command -v psql >/dev/null 2>&1 || { echo "SKIP: psql is not installed"; exit 77; }
	id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
}

pg_start() {
	PG_DIR=$1
	PG_DATA=$PG_DIR/pgdata
	PG_SOCK=$PG_DIR/pgsock
	PG_LOG=$PG_DIR/pglog/pg.log
	mkdir -p "$PG_DATA" "$PG_SOCK" "$PG_DIR/pglog"
	chown nobody "$PG_DATA" "$PG_SOCK" "$PG_DIR/pglog" || return 1
	runuser -u nobody -- "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
	runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w \
		-o "-c listen_addresses='' -c unix_socket_directories=$PG_SOCK" start \
		>/dev/null || { cat "$PG_LOG"; return 1; }
}

pg_sql() {
	psql -X -q -tA -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U postgres -d "$1" -c "$2"
}

pg_stop() {
	[ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA" ] &&
		runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1
	return 0
}

# The start of a database test: skip unless root with PostgreSQL; T, a
# temporary directory removed (the server stopped) at exit; the server
# started; ok and fail (counted in fails) report.
pg_test_start() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the server runs as nobody)"; exit 77; }
	pg_require
	T=$(sandbox_tmpdir) || exit 99
	trap 'pg_stop; rm -rf "$T"' EXIT
	pg_start "$T" || { echo "FAIL: PostgreSQL did not start"; exit 99; }
	fails=0
}
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# The demo in $T/demo (Y: its vmailadm.yaml; v runs vmailadm on it) moved
# into the new database postfix (CI: its conninfo) by db init and db import.
pg_demo() {
	"$VMAILADM" demo "$T/demo" >/dev/null || exit 99
	Y=$T/demo/vmailadm.yaml
	pg_sql postgres "CREATE DATABASE postfix" || exit 99
	CI="host=$PG_SOCK dbname=postfix user=postgres"
	v db init --conninfo "$CI" >/dev/null && v db import --conninfo "$CI" >"$T/import.out" 2>&1 ||
		{ cat "$T/import.out"; exit 99; }
}
v() { "$VMAILADM" --config "$Y" "$@"; }

# The sandbox Postfix (sandbox_init done, the accounts imported into the
# database postfix, CI its conninfo) reading the database only: a
# SELECT-only role mailreader, the proxy:pgsql: map files db
# postfix-config writes into MAPS=$SB_PF/pgsql (root:postfix 0640: they
# hold the password), main.cf's three parameters naming them, and the flat
# tables moved into FLATDIR so that nothing can answer from them.
pg_postfix_maps() {
	pg_sql postfix "CREATE ROLE mailreader LOGIN;
GRANT SELECT ON domain, mailbox, alias, alias_domain TO mailreader" || return 1
	MAPS="$SB_PF/pgsql"
	mkdir -p "$MAPS" "$1" || return 1
	sandbox_vmailadm db postfix-config --conninfo "$CI" --dir "$MAPS" --write --user mailreader \
		>"$1/postfix-config.out" || { cat "$1/postfix-config.out"; return 1; }
	chgrp postfix "$MAPS"/*.cf && chmod 640 "$MAPS"/*.cf || return 1
	sed -n '/^virtual_/p' "$1/postfix-config.out" | while IFS= read -r _line; do
		postconf -c "$SB_PF" -e "$_line" || exit 1
	done || return 1
	mv "$SB_PF/vmailbox" "$SB_PF/virtual_alias" "$SB_PF/virtual_domains" "$1/" || return 1
	touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf"
}

# The start of an interface test on the database (after tests/ui/lib.sh):
# skip unless root with PostgreSQL; the demo made, a server started in
# $WORK (stopped at exit), the demo imported into database postfix (CI:
# its conninfo). The test then appends backend: pgsql to $CONF.
pg_ui_demo() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the server runs as nobody)"; exit 77; }
	pg_require
	make_demo
	chmod 755 "$WORK"
	trap 'pg_stop; cleanup' EXIT
	pg_start "$WORK" || { echo "FAIL: PostgreSQL did not start"; exit 1; }
	pg_sql postgres "CREATE DATABASE postfix" || exit 1
	CI="host=$PG_SOCK dbname=postfix user=postgres"
	"$VMAILADM" --config "$CONF" db init --conninfo "$CI" >/dev/null &&
		"$VMAILADM" --config "$CONF" db import --conninfo "$CI" >/dev/null ||
		{ echo "FAIL: db import"; exit 1; }
}

# Skip (77) unless the sandbox's real servers can run with PostgreSQL and
# both pgsql drivers (Dovecot's and Postfix's).
pg_live_require() {
	sandbox_require
	pg_require
	[ -e /usr/lib/dovecot/modules/libdriver_pgsql.so ] ||
		{ echo "SKIP: Dovecot's pgsql driver (dovecot-pgsql) is not installed"; exit 77; }
	postconf -m 2>/dev/null | grep -qx pgsql || [ -e /usr/lib/postfix/postfix-pgsql.so ] ||
		{ echo "SKIP: Postfix's pgsql maps (postfix-pgsql) are not installed"; exit 77; }
}

# The sandbox Dovecot (sandbox_init done, CI the conninfo) on the
# database: db dovecot-config's dovecot-sql.conf.ext as the args of its
# passdb and userdb, both driver = sql.
pg_dovecot_sql() {
	_sql="$SB_DIR/etc/dovecot/dovecot-sql.conf.ext"
	sandbox_vmailadm db dovecot-config --conninfo "$CI" --base "$SB_DIR/vhosts" --user mailreader >"$_sql" &&
		chmod 644 "$_sql" || return 1
	python3 - "$SB_DC" "$_sql" <<'PY'
import re, sys
conf, sql = sys.argv[1], sys.argv[2]
s = open(conf).read()
s = re.sub(r"passdb \{.*?\n\}\nuserdb \{.*?\n\}",
           "passdb {\n  driver = sql\n  args = %s\n}\nuserdb {\n  driver = sql\n  args = %s\n}" % (sql, sql),
           s, flags=re.S)
open(conf, "w").write(s)
PY
}

# The start of a test of the real servers on the database (after lib.sh,
# under set -u): skip unless they can run (pg_live_require); tmp, removed
# at exit (servers stopped); fail, no and ok report. The demo in
# $tmp/demo under the sandbox (sandbox_init), then HOOK1 if given (the
# flat files as the test wants them imported); PostgreSQL started, the
# database postfix (CI its conninfo; db runs vmailadm db on it) made by db
# init and db import ($tmp/import.out); Postfix on the database's maps
# (pg_postfix_maps, the flat tables moved into $tmp/flat) and Dovecot on
# its sql passdb/userdb (pg_dovecot_sql); HOOK2 if given (what the servers
# must read when they start); then both servers started. (no: lib.sh's.)
pg_live_start() {
	pg_live_require
	tmp=$(sandbox_tmpdir) || exit 99
	trap 'sandbox_stop; pg_stop; rm -rf "$tmp"' EXIT
	fail=0
	"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
	sandbox_init "$tmp/demo"
	[ -z "${1:-}" ] || "$1" || exit 99
	pg_start "$tmp" || { echo "FAIL: PostgreSQL did not start"; exit 99; }
	pg_sql postgres "CREATE DATABASE postfix" || exit 99
	CI="host=$PG_SOCK dbname=postfix user=postgres"
	db init >/dev/null && db import >"$tmp/import.out" 2>&1 || { cat "$tmp/import.out"; exit 99; }
	pg_postfix_maps "$tmp/flat" || exit 99
	pg_dovecot_sql || exit 99
	[ -z "${2:-}" ] || "$2" || exit 99
	sandbox_start || exit 99
}
db() { sandbox_vmailadm db "$@" --conninfo "$CI"; }
