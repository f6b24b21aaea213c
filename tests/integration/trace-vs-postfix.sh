#!/bin/sh
# The tracer against the real Postfix (issue 6, "Proven against Postfix"):
# a demo tree made tricky by hand (multi-level aliases, a catch-all with and
# without identity entries, a catch-all in the mailbox map, a loop, '+'
# extensions, upper case, external forwards, a pcre table, "@otherdomain",
# a domain in two classes), then for every address the final destinations
# of `vmailadm trace` must equal what `sendmail -bv` reports (deferred
# addresses: the cleanup log line instead, since no report ever comes).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
case $VMAILADM in /*) ;; *) VMAILADM=$(pwd)/$VMAILADM ;; esac
. "$top_srcdir/tests/integration/lib.sh"
sandbox_require

tmp=$(sandbox_tmpdir) || exit 99
trap 'sandbox_stop; rm -rf "$tmp"' EXIT INT TERM
"$VMAILADM" demo "$tmp/demo" >/dev/null || exit 99
sandbox_init "$tmp/demo"
pf=$SB_PF

have_pcre=no
postconf -c "$pf" -m 2>/dev/null | grep -qx pcre && have_pcre=yes

# ---- the tricky configuration, edited by hand as an admin would ----
cat >>"$pf/virtual_domains" <<'EOF'
catch.test   OK
cbox.test    OK
both.test    OK
EOF
cat >>"$pf/vmailbox" <<'EOF'
boss@catch.test      catch.test/boss/
worker@catch.test    catch.test/worker/
kept@catch.test      catch.test/kept/
mb@andromed.cloud    andromed.cloud/mb
real@cbox.test       cbox.test/real/
@cbox.test           cbox.test/catchall/
@ascent.cloud        ascent.cloud/contact/
x@both.test          both.test/x/
EOF
cat >>"$pf/virtual_alias" <<'EOF'
chef@andromed.cloud       equipe@andromed.cloud
Multi@Andromed.cloud      chef@andromed.cloud, admin@andromed.cloud,JohnDoe@andromed.cloud
loop1@andromed.cloud      loop2@andromed.cloud
loop2@andromed.cloud      loop1@andromed.cloud
support@andromed.cloud    support@andromed.cloud, copy@outside.example
redir@andromed.cloud      @ascent.cloud
@catch.test               boss@catch.test
kept@catch.test           kept@catch.test
fwd.test                  forwarding-domain
sales@fwd.test            janedoe@andromed.cloud, sales@outside.example
both.test                 oops
EOF
if [ $have_pcre = yes ]; then
	cat >"$pf/virtual_alias.pcre" <<'EOF'
/^old-(.*)@andromed\.cloud$/   $1@andromed.cloud
/^(.*)@pat\.test$/             contact@ascent.cloud
EOF
	postconf -c "$pf" -e "virtual_alias_maps = hash:$pf/virtual_alias, pcre:$pf/virtual_alias.pcre" || exit 99
fi
touch -d "@$(($(date +%s) - 5))" "$pf/main.cf"
sandbox_postmap_all || exit 99
sandbox_start || exit 99

addrs="johndoe@andromed.cloud JohnDoe@Andromed.CLOUD info@andromed.cloud
equipe+tag@andromed.cloud chef@andromed.cloud multi@andromed.cloud
nobody@andromed.cloud facturation@andromed.cloud support@andromed.cloud
webmaster@andromed.cloud redir@andromed.cloud contact@ascent.cloud
whoever@ascent.cloud worker@catch.test boss@catch.test random@catch.test
real@cbox.test other+x@cbox.test sales@fwd.test unknown@fwd.test x@both.test
someone@outside.example loop1@andromed.cloud kept@catch.test
kept+x@catch.test worker+x@catch.test mb@andromed.cloud Equipe+X@ANDROMED.cloud"
[ $have_pcre = yes ] && addrs="$addrs old-janedoe@andromed.cloud OLD-JaneDoe@Andromed.Cloud anyone@pat.test"

# What the tracer says, in the oracle's words: deliverable, or
# undeliverable with the sandbox's status (5.1.1 unknown user; remote mail
# meets the sandbox's error transport, 5.7.1), or deferred.
trace_norm() {
	sandbox_vmailadm trace --short "$1" 2>/dev/null | while IFS='	' read -r _a kind dest _where; do
		dest=$(printf '%s' "$dest" | tr 'A-Z' 'a-z')
		case $kind in
		maildir|mbox) echo "$dest deliverable" ;;
		reject) echo "$dest undeliverable 5.1.1" ;;
		remote) echo "$dest undeliverable 5.7.1" ;;
		defer) echo "$dest deferred" ;;
		*) echo "$dest $kind" ;;
		esac
	done | sort
}

# What Postfix says.
postfix_norm() {
	case $(sandbox_vmailadm trace --short "$1" 2>/dev/null | cut -f2) in
	*defer*)
		# cleanup refuses the message; the log names the original address
		timeout 10 sendmail -C "$pf" -f "probe@sandbox.test" -bv "$1" >/dev/null 2>&1
		_n=0
		while [ $_n -lt 50 ]; do
			if grep -q "unreasonable virtual_alias_maps map nesting for $1" "$SB_LOG" 2>/dev/null; then
				echo "$1 deferred"
				return
			fi
			_n=$((_n + 1))
			sleep 0.1
		done
		echo "$1 (no deferral logged)"
		return
		;;
	esac
	bv_probe "$1" | while read -r action rcpt status; do
		case $action in
		deliverable) echo "$rcpt deliverable" ;;
		*) echo "$rcpt $action $status" ;;
		esac
	done | sort
}

fail=0
n=0
for a in $addrs; do
	n=$((n + 1))
	t=$(trace_norm "$a")
	p=$(postfix_norm "$a")
	if [ "$t" = "$p" ] && [ -n "$t" ]; then
		echo "ok $n - $a: $(echo "$t" | tr '\n' ';')"
	else
		echo "not ok $n - $a"
		echo "  trace:   $(echo "$t" | tr '\n' ';')"
		echo "  postfix: $(echo "$p" | tr '\n' ';')"
		fail=1
	fi
done
# The two traps must really be what the tracer says they are.
case $(trace_norm worker@catch.test) in *boss@catch.test*) ;; *) echo "not ok - catch-all swallow not seen"; fail=1 ;; esac
case $(trace_norm x@both.test) in *undeliverable*) ;; *) echo "not ok - two-class domain not seen"; fail=1 ;; esac
exit $fail
