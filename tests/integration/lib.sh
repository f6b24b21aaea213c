# Integration-test harness: real Postfix and Dovecot on 127.0.0.1 in a
# throwaway directory made by `vmailadm demo`, with their own ports, config
# and queue, no systemd (see ../shared/reference/real-postfix-dovecot.md).
# Source it from a test:
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   sandbox_demo_test               # all of the five lines below, on $tmp/demo ($d)
#   sandbox_require                 # exit 77 unless root with postfix+dovecot
#   tmp=$(sandbox_tmpdir)           # a 0755 directory under /tmp
#   "$VMAILADM" demo "$tmp/demo"
#   sandbox_init "$tmp/demo"        # appends to main.cf, writes master.cf, dovecot.conf
#   trap 'sandbox_stop; rm -rf "$tmp"' EXIT
#   sandbox_postmap_all; sandbox_start
#   smtp_send FROM TO [SUBJECT]; wait_queue_empty; bv_probe ADDR
#   auth_test USER PASS; imap_login USER PASS
#   sandbox_vmailadm mailbox add ...; vm ... (quiet unless it fails); sandbox_reload
#   check "what is checked" COMMAND...   # ok/FAIL line; sets fail=1 on failure
#
# Every function reports on stdout/stderr and returns non-zero on failure;
# none exits the test, except sandbox_require (77) and sandbox_init (99 on a
# broken set-up). Variables it sets: SB_DIR (the demo tree), SB (runtime
# files: $SB_DIR/sandbox), SB_PF (Postfix config dir), SB_DC (dovecot.conf),
# SB_SMTP_PORT, SB_IMAP_PORT, SB_LOG (Postfix log), SB_DLOG (Dovecot log).

PATH=/usr/sbin:/sbin:$PATH
export PATH

# Skip (exit 77) unless the real servers can run here.
sandbox_require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: integration tests need root (Postfix refuses to start otherwise)"
		exit 77
	fi
	for p in postfix postmap postqueue sendmail dovecot doveadm python3; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "SKIP: $p is not installed"
			exit 77
		fi
	done
	if ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null 2>&1; then
		echo "SKIP: the postfix user or the postdrop group is missing"
		exit 77
	fi
}

# A fresh directory under /tmp that uid 5000, postfix, dovecot and nobody can
# traverse (mktemp -d gives 0700, and /root is 0700).
sandbox_tmpdir() {
	_d=$(mktemp -d /tmp/vmailadm-it.XXXXXX) || return 1
	chmod 755 "$_d" && echo "$_d"
}

# A TCP port on 127.0.0.1 that nobody listens on right now, and that no
# other call handed out in the last 10 minutes: the kernel may give the same
# free port twice in a row, and a test's second listener (or another test's
# Postfix, in a parallel make check) on a port already promised answered
# for the first (sendas-live.sh's unauthenticated client once reached the
# submission listener). The ledger is shared by every test of the machine,
# under a lock.
sandbox_free_port() {
	python3 - "${TMPDIR:-/tmp}/vmailadm-test-ports" <<'PY'
import fcntl, socket, sys, tempfile, time
try:
    f = open(sys.argv[1], "a+")
except OSError:   # another user's ledger: this call keeps its own
    f = tempfile.TemporaryFile("a+")
with f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    now, given = time.time(), {}
    for line in f:
        try:
            port, when = line.split()
            if now - float(when) < 600:
                given[int(port)] = float(when)
        except ValueError:
            pass
    for _ in range(100):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in given:
            break
    else:
        sys.exit("no free port outside the ledger after 100 tries")
    given[port] = now
    f.seek(0)
    f.truncate()
    f.writelines("%d %.0f\n" % kv for kv in given.items())
print(port)
PY
}

# sandbox_init DIR: DIR is a `vmailadm demo` tree. Reuse DIR/etc/postfix as
# the Postfix config directory (the sandbox settings go into its main.cf),
# write a master.cf without chroot and a dovecot.conf
# for the demo's passwd-file and Maildirs, and point DIR/vmailadm.yaml's
# reload commands at this instance.
sandbox_init() {
	SB_DIR=$(cd "$1" && pwd -P) || exit 99
	SB=$SB_DIR/sandbox
	SB_PF=$SB_DIR/etc/postfix
	SB_DC=$SB_DIR/etc/dovecot/dovecot.conf
	SB_LOG=$SB/log/postfix.log
	SB_DLOG=$SB/log/dovecot.log
	[ -f "$SB_PF/main.cf" ] && [ -f "$SB_DIR/vmailadm.yaml" ] || {
		echo "sandbox_init: $SB_DIR is not a vmailadm demo tree" >&2
		exit 99
	}
	# Every directory down to the Maildirs must be traversable by the
	# servers' users (reference pitfall: /root is 0700).
	_p=$SB_DIR
	while [ "$_p" != / ]; do
		if [ "$(stat -c %A "$_p" | cut -c10)" != x ] && [ "$(stat -c %A "$_p" | cut -c10)" != t ]; then
			echo "sandbox_init: $_p is not traversable by other users" >&2
			exit 99
		fi
		_p=$(dirname "$_p")
	done
	SB_UID=$(sed -n 's/^vmail_uid: *//p' "$SB_DIR/vmailadm.yaml")
	SB_GID=$(sed -n 's/^vmail_gid: *//p' "$SB_DIR/vmailadm.yaml")
	[ -n "$SB_UID" ] && [ -n "$SB_GID" ] || { echo "sandbox_init: no vmail_uid/gid" >&2; exit 99; }
	SB_SMTP_PORT=$(sandbox_free_port) && SB_IMAP_PORT=$(sandbox_free_port) || exit 99

	# Not the data directory: postfix start makes it with the right owner
	# (pre-creating it as root breaks the master's lock).
	mkdir -p "$SB/log" "$SB/reports" "$SB/dovecot-state" || exit 99
	chown nobody "$SB/reports" || exit 99

	# Set with postconf -e: it replaces the demo's own line where there is
	# one (so Postfix warns of no duplicate) and appends the rest.
	mkdir -p "$SB/spool" || exit 99
	printf '\n# ---- sandbox (tests/integration/lib.sh): private, loopback only ----\n' \
		>>"$SB_PF/main.cf" || exit 99
	postconf -c "$SB_PF" -e \
		"queue_directory = $SB/spool" \
		"data_directory = $SB/data" \
		"mail_owner = postfix" \
		"setgid_group = postdrop" \
		"inet_interfaces = loopback-only" \
		"inet_protocols = ipv4" \
		"mynetworks = 127.0.0.0/8" \
		"mydestination =" \
		"local_recipient_maps =" \
		"alias_maps =" \
		"alias_database =" \
		"smtpd_tls_security_level = none" \
		"smtp_tls_security_level = none" \
		"maillog_file = $SB_LOG" \
		"maillog_file_prefixes = $SB/log" \
		"default_transport = error:5.7.1 no delivery outside the sandbox" \
		"relay_transport = error:5.7.1 no delivery outside the sandbox" \
		"transport_maps = inline:{sandbox.test=bvreport:}" \
		"smtpd_relay_restrictions = permit_auth_destination, reject" || exit 99

	cat >"$SB_PF/master.cf" <<EOF
# Sandbox master.cf (tests/integration/lib.sh): no chroot, no port 25.
127.0.0.1:$SB_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# Mail to *@sandbox.test (bounces, sendmail -bv reports) becomes one file
# per recipient in $SB/reports.
bvreport  unix  -       n       n       -       -       pipe
  flags=R user=nobody argv=/bin/sh -c { cat > $SB/reports/\${recipient}.tmp && mv $SB/reports/\${recipient}.tmp $SB/reports/\${recipient} }
EOF
	# Every Postfix program waits until main.cf is more than a second old.
	touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf" "$SB_PF/master.cf"

	cat >"$SB_DC" <<EOF
# Sandbox dovecot.conf (tests/integration/lib.sh): nothing from /etc/dovecot.
instance_name = dovecot-sb-$SB_IMAP_PORT
base_dir = $SB/dovecot-run
state_dir = $SB/dovecot-state
log_path = $SB_DLOG
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:$SB_DIR/vhosts/%d/%n
mail_uid = $SB_UID
mail_gid = $SB_GID
first_valid_uid = $SB_UID
first_valid_gid = $SB_GID
passdb {
  driver = passwd-file
  args = scheme=SHA512-CRYPT username_format=%u $SB_DIR/etc/dovecot/users
}
userdb {
  driver = static
  args = uid=$SB_UID gid=$SB_GID home=$SB_DIR/vhosts/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $SB_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
	# The auth process reads the passwd-file as user dovecot.
	chgrp dovecot "$SB_DIR/etc/dovecot/users" && chmod 640 "$SB_DIR/etc/dovecot/users" || exit 99

	sed -i -e "s|^postfix_reload:.*|postfix_reload: \"postfix -c {postfix_dir} reload\"|" \
		-e "s|^dovecot_reload:.*|dovecot_reload: \"doveadm -c $SB_DC reload\"|" \
		"$SB_DIR/vmailadm.yaml" || exit 99
}

# Build the .db of the demo's three tables (always with -c: a bare postmap
# reads /etc/postfix/main.cf, which may not exist).
sandbox_postmap_all() {
	for _t in virtual_domains vmailbox virtual_alias; do
		postmap -c "$SB_PF" "hash:$SB_PF/$_t" || return 1
	done
}

_sb_pid() { # file -> pid if that process is alive
	[ -s "$1" ] || return 1
	_pid=$(tr -d ' \n' <"$1")
	[ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null && echo "$_pid"
}

_sb_wait_gone() { # pid tenths
	_n=0
	while kill -0 "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ "$_n" -gt "$2" ] && return 1
		sleep 0.1
	done
	return 0
}

_sb_wait_port() { # port tenths
	python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, tries = int(sys.argv[1]), int(sys.argv[2])
for _ in range(tries):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

sandbox_start() {
	# Postfix prints its errors only on a tty; the log says why otherwise.
	if ! postfix -c "$SB_PF" start >/dev/null 2>&1; then
		echo "sandbox_start: postfix -c $SB_PF start failed:" >&2
		tail -n 20 "$SB_LOG" >&2 2>/dev/null
		postfix -c "$SB_PF" check >&2 2>&1
		return 1
	fi
	if ! dovecot -c "$SB_DC"; then
		echo "sandbox_start: dovecot -c $SB_DC failed" >&2
		tail -n 20 "$SB_DLOG" >&2 2>/dev/null
		return 1
	fi
	if ! _sb_wait_port "$SB_SMTP_PORT" 50; then
		echo "sandbox_start: nothing listens on 127.0.0.1:$SB_SMTP_PORT" >&2
		tail -n 20 "$SB_LOG" >&2 2>/dev/null
		return 1
	fi
	if ! _sb_wait_port "$SB_IMAP_PORT" 50; then
		echo "sandbox_start: nothing listens on 127.0.0.1:$SB_IMAP_PORT" >&2
		tail -n 20 "$SB_DLOG" >&2 2>/dev/null
		return 1
	fi
}

# Stop both servers by the PIDs in this sandbox's own pid files (never by
# name: other instances may run on the machine) and wait until they are gone.
# Safe to call twice, or before sandbox_start; meant for an EXIT trap.
sandbox_stop() {
	[ -n "${SB:-}" ] || return 0
	_rc=0
	if _pf=$(_sb_pid "$SB/spool/pid/master.pid"); then
		postfix -c "$SB_PF" stop >/dev/null 2>&1 || kill -TERM "$_pf" 2>/dev/null
		if ! _sb_wait_gone "$_pf" 100; then
			kill -KILL "$_pf" 2>/dev/null
			_rc=1
		fi
	fi
	if _dc=$(_sb_pid "$SB/dovecot-run/master.pid"); then
		kill -TERM "$_dc" 2>/dev/null
		if ! _sb_wait_gone "$_dc" 100; then
			kill -KILL "$_dc" 2>/dev/null
			_rc=1
		fi
	fi
	# Any daemon of this instance left behind carries MAIL_CONFIG=$SB_PF.
	for _e in /proc/[0-9]*/environ; do
		if { tr '\0' '\n' <"$_e"; } 2>/dev/null | grep -qx "MAIL_CONFIG=$SB_PF"; then
			_p=${_e#/proc/}; _p=${_p%/environ}
			echo "sandbox_stop: Postfix process $_p outlived its master" >&2
			kill -KILL "$_p" 2>/dev/null
			_rc=1
		fi
	done
	return $_rc
}

# Make both running servers re-read their configuration (after a test
# edits main.cf or the passwd-file behind vmailadm's back).
sandbox_reload() {
	touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf"
	postfix -c "$SB_PF" reload >/dev/null 2>&1 || { echo "sandbox_reload: postfix reload failed" >&2; return 1; }
	doveadm -c "$SB_DC" reload || return 1
}

# vmailadm on the sandbox's tree (its vmailadm.yaml reloads this instance).
sandbox_vmailadm() {
	"$VMAILADM" --config "$SB_DIR/vmailadm.yaml" "$@"
}

# check DESCRIPTION COMMAND...: run COMMAND, print "ok: DESCRIPTION" or
# "FAIL: DESCRIPTION" and then set fail=1 (the test sets fail=0 first and
# exits $fail at its end).
check() {
	_what=$1
	shift
	if "$@"; then
		echo "ok: $_what"
	else
		echo "FAIL: $_what"
		fail=1
	fi
}

# vm ARGS...: sandbox_vmailadm, quiet unless it fails (then its output goes
# to stderr, for the failure message); its exit status.
vm() {
	_out=$(sandbox_vmailadm "$@" 2>&1)
	_rc=$?
	[ $_rc -eq 0 ] || echo "$_out" >&2
	return $_rc
}

# smtp_send FROM TO [SUBJECT]: one message over SMTP to the sandbox. Prints
# the server's reply to RCPT TO (and to DATA); returns 0 when the message was
# queued, 1 when the recipient was refused, 2 on any other failure.
smtp_send() {
	python3 - "$SB_SMTP_PORT" "$1" "$2" "${3:-sandbox test}" <<'PY'
import smtplib, sys, time
port, frm, to, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
try:
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.ehlo("client.sandbox.test")
    code, msg = s.mail(frm)
    if code != 250:
        print(code, msg.decode(errors="replace")); sys.exit(2)
    code, msg = s.rcpt(to)
    print(code, msg.decode(errors="replace"))
    if code >= 400:
        s.rset(); s.quit(); sys.exit(1)
    body = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%d.%s>\r\n\r\n"
            "Sent by the vmailadm integration tests.\r\n" % (frm, to, subject, time.time_ns(), frm))
    code, msg = s.data(body)
    print(code, msg.decode(errors="replace"))
    s.quit()
    sys.exit(0 if code == 250 else 2)
except (OSError, smtplib.SMTPException) as e:
    print("smtp error:", e); sys.exit(2)
PY
}

# lock_hold LOCKFILE: the lock held by another process (flock, as a
# commit holds it) until lock_release; returns once it is held. By order,
# not time: a sleep of 0.3-0.5 s guessed when flock had it, under load.
lock_hold() {
	_lk_dir=$(mktemp -d)
	flock "$1" sh -c 'touch "$1/held"; while [ ! -e "$1/release" ]; do sleep 0.05; done' sh "$_lk_dir" &
	_lk_pid=$!
	_i=0
	while [ ! -e "$_lk_dir/held" ] && [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ -e "$_lk_dir/held" ] || { echo "lock_hold: $1 not held after 30 s" >&2; return 1; }
}
lock_release() { touch "$_lk_dir/release"; wait "$_lk_pid"; rm -rf "$_lk_dir"; }
# lock_wanted LOCKFILE PID: until PID (or a child: a shell function run in
# the background) sleeps with LOCKFILE open, i.e. a commit is past its
# preview and waits for the lock lock_hold holds (state_lock_take: a try
# every 0.1 s; the try at the start of a command does not sleep); false if
# it ended first or after 30 s. (Its preview on stdout may sit in a buffer
# until it exits: no use waiting for it.)
lock_wanted() {
	_i=0
	while [ $_i -lt 600 ]; do
		for _p in "$2" $(pgrep -P "$2"); do
			ls -l "/proc/$_p/fd" 2>/dev/null | grep -q -- "-> $1\$" &&
				grep -q nanosleep "/proc/$_p/wchan" 2>/dev/null && return 0
		done
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# Wait (default 30 s: only a failed test waits that long; under load a
# delivery can take seconds) until the queue is empty: every message was
# delivered, bounced or handed to the report pipe.
wait_queue_empty() {
	_n=0
	_max=$(( ${1:-30} * 10 ))
	while :; do
		_q=$(postqueue -c "$SB_PF" -p 2>&1)
		case $_q in *"Mail queue is empty"*) return 0 ;; esac
		_n=$((_n + 1))
		if [ "$_n" -gt "$_max" ]; then
			echo "wait_queue_empty: still queued:" >&2
			echo "$_q" >&2
			return 1
		fi
		sleep 0.1
	done
}

# bv_probe ADDR: ask the running Postfix where mail for ADDR goes
# (sendmail -bv; delivers nothing). Prints one line per final recipient:
# "ACTION RECIPIENT STATUS", e.g. "deliverable johndoe@andromed.cloud 2.0.0".
bv_probe() {
	# A sender of its own names the report file (called as $(bv_probe),
	# so no counter would survive between calls).
	_sender="probe.$(date +%s%N).$$@sandbox.test"
	# postdrop retries forever when the queue is missing: check the master.
	_sb_pid "$SB/spool/pid/master.pid" >/dev/null || { echo "bv_probe: Postfix is not running" >&2; return 2; }
	if ! timeout 10 sendmail -C "$SB_PF" -f "$_sender" -bv "$1" >/dev/null 2>&1; then
		echo "bv_probe: sendmail -bv $1 failed" >&2
		return 2
	fi
	_n=0
	while [ ! -f "$SB/reports/$_sender" ]; do
		_n=$((_n + 1))
		if [ "$_n" -gt 300 ]; then
			echo "bv_probe: no report for $1 after 30 s" >&2
			return 2
		fi
		sleep 0.1
	done
	awk 'tolower($1) == "final-recipient:" { r = tolower($NF); sub(/^rfc822;/, "", r) }
	     tolower($1) == "action:" { a = $2 }
	     tolower($1) == "status:" && r != "" { print a, r, $2; r = "" }' "$SB/reports/$_sender"
}

# auth_test USER PASS: doveadm auth test against the sandbox. Returns 0 when
# it printed "auth succeeded", 1 for "auth failed", 2 for anything else (the
# exit code alone cannot tell a refused password from a dead Dovecot).
auth_test() {
	# A Dovecot reload (vmailadm's commit sends one) re-creates the auth
	# listener: for a moment its socket is missing. A failed connect is no
	# answer, so it is asked again, up to 15 s (seen under load in a landing).
	_try=0
	_out=$(doveadm -c "$SB_DC" auth test "$1" "$2" 2>&1)
	while [ $_try -lt 150 ]; do
		case $_out in *"auth-client"*"connect("*") failed"*) ;; *) break ;; esac
		sleep 0.1; _try=$((_try + 1))
		_out=$(doveadm -c "$SB_DC" auth test "$1" "$2" 2>&1)
	done
	case $_out in
	*"passdb: $1 auth succeeded"*) return 0 ;;
	*"passdb: $1 auth failed"*) return 1 ;;
	*) echo "auth_test: $_out" >&2; return 2 ;;
	esac
}

# imap_login USER PASS: IMAP LOGIN and EXAMINE INBOX; prints the number of
# messages. Returns 0, 1 when the login is refused, 2 on other errors.
imap_login() {
	python3 - "$SB_IMAP_PORT" "$1" "$2" <<'PY'
import imaplib, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    m = imaplib.IMAP4("127.0.0.1", port, timeout=20)
except OSError as e:
    print("imap error:", e); sys.exit(2)
try:
    m.login(user, password)
except imaplib.IMAP4.error as e:
    print("login refused:", e); sys.exit(1)
typ, data = m.select("INBOX", readonly=True)
if typ != "OK":
    print("EXAMINE failed:", data); sys.exit(2)
print(int(data[0]))
m.logout()
PY
}

# maildir_count DIR/vhosts/DOMAIN/USER: messages in new/ + cur/ of INBOX.
maildir_count() {
	find "$1/new" "$1/cur" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l
}

# maildir_grep MAILDIR TEXT: is there a message in new/ or cur/ with TEXT?
maildir_grep() {
	grep -rlF -- "$2" "$1/new" "$1/cur" >/dev/null 2>&1
}

# The start of a test on the demo under the sandbox's real servers: skipped
# (77) unless they can run; $tmp, removed at exit (the servers stopped);
# the demo in $d, the sandbox set up on it (not started); fail=0.
sandbox_demo_test() {
	sandbox_require
	tmp=$(sandbox_tmpdir) || exit 99
	trap 'sandbox_stop; rm -rf "$tmp"' EXIT
	fail=0
	d="$tmp/demo"
	"$VMAILADM" demo "$d" >/dev/null || exit 99
	sandbox_init "$d"
}
# no MESSAGE: a failure (FAIL line, fail=1).
no() { echo "FAIL: $*"; fail=1; }
# has MAILBOX TEXT: a message with TEXT reached the demo's MAILBOX, else a failure.
has() { maildir_grep "$d/vhosts/$1" "$2" || no "$2 did not reach $1"; }
