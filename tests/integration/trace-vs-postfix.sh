#!/bin/sh
# The tracer against the real Postfix: demo trees made
# tricky by hand, one per main.cf variant, then for every address
#  1. the final destinations of `vmailadm trace` must equal what
#     `sendmail -bv` reports (deferred addresses: the cleanup log line
#     instead, since no report ever comes), and
#  2. a real message, injected with sendmail, must land in every maildir or
#     mbox the tracer names, and bounce back to its sender for every
#     recipient the tracer says is rejected or remote.
# Variant A: hash + pcre + regexp alias tables (multi-level aliases,
# catch-alls with and without identity entries, a catch-all in the mailbox
# map, a loop, '+' extensions, upper case, external forwards, "@otherdomain",
# a domain in two classes; PCRE-only syntax, "if" blocks, "!/re/", the i
# flag; regexp's "/p1/!/p2/" and pcre skipping it; an "if" Postfix cannot
# compile, a stray "endif", an "if" never closed).
# Variant B (below) also names a regexp table by a relative path (Postfix
# reads queue_directory's).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
case $VMAILADM in /*) ;; *) VMAILADM=$(pwd)/$VMAILADM ;; esac
. "$top_srcdir/tests/integration/lib.sh"
sandbox_require

tmp=$(sandbox_tmpdir) || exit 99
trap 'sandbox_stop; rm -rf "$tmp"' EXIT INT TERM

fail=0
n=0        # addresses compared, over every variant
ndeliv=0   # destinations checked by a real delivery

# trace_all LABEL: `vmailadm trace --short` of every address of
# $tmp/LABEL.addrs (one a line), in one run, into $tmp/LABEL.N.trace for
# the N-th address.
trace_all() {
	sandbox_vmailadm trace --short - <"$tmp/$1.addrs" >"$tmp/$1.trace" 2>/dev/null
	i=0
	while IFS= read -r a; do
		[ -n "$a" ] || continue
		i=$((i + 1))
		awk -F '\t' -v a="$a" '$1 == a' "$tmp/$1.trace" >"$tmp/$1.$i.trace"
	done <"$tmp/$1.addrs"
}

# What the tracer says, in the oracle's words: deliverable, or
# undeliverable with the sandbox's status (5.1.1 unknown user; remote mail
# meets the sandbox's error transport, 5.7.1), or deferred.
trace_norm() {
	while IFS='	' read -r _a kind dest _where; do
		_where=${_where%%:*}
		dest=$(printf '%s' "$dest" | tr 'A-Z' 'a-z')
		case $kind in
		maildir|mbox|local) echo "$dest deliverable" ;;
		reject) echo "$dest undeliverable ${_where%% *}" ;;   # the reason's status
		remote) echo "$dest undeliverable 5.7.1" ;;
		defer) echo "$dest deferred" ;;
		*) echo "$dest $kind" ;;
		esac
	done <"$1" | sort
}

# report_norm FILE: a -bv report as "rcpt deliverable" or "rcpt ACTION
# STATUS" lines, sorted. local(8) reports an address it forwards (an alias
# target it does not deliver itself) as "forwards to X": Postfix would send
# X through cleanup again, so X is probed in turn.
report_norm() {
	awk 'function out() { if (r != "") { if (a == "deliverable" && d ~ /forwards to/) print r "\tforwards";
	                                       else if (a == "deliverable") print r "\tdeliverable";
	                                       else print r "\t" a " " s } r = ""; d = "" }
	     /^[ \t]*$/ { out() }
	     tolower($1) == "final-recipient:" { out(); r = tolower($0); sub(/^[^;]*; */, "", r); sub(/[ \t\r]*$/, "", r) }
	     tolower($1) == "action:" { a = $2 }
	     tolower($1) == "status:" { s = $2 }
	     tolower($1) == "diagnostic-code:" { d = $0 }
	     END { out() }' "$1" | while IFS='	' read -r rcpt what; do
		if [ "$what" = forwards ] && [ "${2:-0}" -lt 3 ]; then
			_s="probe.fwd.$(date +%s%N).$$@sandbox.test"
			timeout 10 sendmail -C "$SB_PF" -f "$_s" -bv -- "$rcpt" >/dev/null 2>&1
			_w=0
			while [ ! -f "$SB/reports/$_s" ] && [ $_w -lt 300 ]; do _w=$((_w + 1)); sleep 0.1; done
			report_norm "$SB/reports/$_s" $((${2:-0} + 1))
		else
			echo "$rcpt $what"
		fi
	done | sort
}

# compare_all LABEL: every address of $tmp/LABEL.addrs (one a line), the
# tracer against sendmail -bv. The probes go out first and their reports
# are collected afterwards, so that their delivery times overlap.
compare_all() {
	trace_all "$1"
	i=0
	while IFS= read -r a; do
		[ -n "$a" ] || continue
		i=$((i + 1))
		trace_norm "$tmp/$1.$i.trace" >"$tmp/$1.$i.t"
		# a few at a time: sendmail spends its time starting up
		{ timeout 10 sendmail -C "$SB_PF" -f "probe.$1.$i@sandbox.test" -bv -- "$a" >/dev/null 2>&1 ||
			{ echo "not ok - $1: sendmail -bv $a failed"; : >"$tmp/failed"; }; } &
		[ $((i % 6)) -ne 0 ] || wait
	done <"$tmp/$1.addrs"
	wait
	i=0
	while IFS= read -r a; do
		[ -n "$a" ] || continue
		i=$((i + 1))
		n=$((n + 1))
		t=$(cat "$tmp/$1.$i.t")
		report=$SB/reports/probe.$1.$i@sandbox.test
		_w=0
		p=
		while [ $_w -lt 150 ]; do
			if grep -q ' deferred$' "$tmp/$1.$i.t" && grep -qF "unreasonable virtual_alias_maps map nesting for $a" "$SB_LOG"; then
				# cleanup refuses the message; the log names the original
				# address (no report ever comes)
				p="$(printf '%s' "$a" | tr 'A-Z' 'a-z') deferred"
				break
			fi
			if [ -f "$report" ]; then
				p=$(report_norm "$report")
				break
			fi
			_w=$((_w + 1))
			sleep 0.1
		done
		if [ "$t" = "$p" ] && [ -n "$t" ]; then
			echo "ok $n - $1: $a: $(echo "$t" | tr '\n' ';')"
		else
			echo "not ok $n - $1: $a"
			echo "  trace:   $(echo "$t" | tr '\n' ';')"
			echo "  postfix: $(echo "$p" | tr '\n' ';')"
			fail=1
		fi
	done <"$tmp/$1.addrs"
	# the deferred probes stay in the queue: they would hold up deliveries
	postsuper -c "$SB_PF" -d ALL >/dev/null 2>&1
}

# deliver_all LABEL: one real message to each address (sendmail, so that
# cleanup, not smtpd, decides), then each destination the tracer names
# must have it: the maildir or mbox the tracer names holds it, a rejected
# or remote recipient is in the bounce its sender got.
deliver_all() {
	i=0
	while IFS= read -r a; do
		[ -n "$a" ] || continue
		i=$((i + 1))
		# a deferral keeps the message in the queue: -bv checked it
		cut -f2 "$tmp/$1.$i.trace" | grep -qx defer && continue
		printf 'From: <dlv.%s.%s@sandbox.test>\nSubject: case %s-%s\nX-Case: %s-%s\n\nbody\n' \
			"$1" "$i" "$1" "$i" "$1" "$i" >"$tmp/$1.$i.msg"
		{ timeout 10 sendmail -C "$SB_PF" -f "dlv.$1.$i@sandbox.test" -- "$a" <"$tmp/$1.$i.msg" ||
			{ echo "not ok - $1: sendmail to $a failed"; : >"$tmp/failed"; }; } &
		[ $((i % 6)) -ne 0 ] || wait
	done <"$tmp/$1.addrs"
	wait
	wait_queue_empty 30 || fail=1
	i=0
	while IFS= read -r a; do
		[ -n "$a" ] || continue
		i=$((i + 1))
		bounce=$SB/reports/dlv.$1.$i@sandbox.test
		while IFS='	' read -r _a kind dest where; do
			case $kind in
			maildir) found=$(grep -rlx "X-Case: $1-$i" "$where/new" "$where/cur" 2>/dev/null | head -n 1) ;;
			mbox) found=$(grep -lx "X-Case: $1-$i" "$where" 2>/dev/null) ;;
			local)
				case $where in
				"user "*) where=$SB/mailspool/${where#user } ;;
				"file "*) where=${where#file } ;;
				"command "*) where=$SB/files/pipe.log ;;   # the only command
				esac
				found=$(grep -lx "X-Case: $1-$i" "$where" 2>/dev/null) ;;
			reject|remote)
				found=
				_d=$(printf '%s' "$dest" | tr 'A-Z' 'a-z')
				[ -f "$bounce" ] && tr 'A-Z' 'a-z' <"$bounce" | grep -qixF "final-recipient: rfc822; $_d" && found=$bounce ;;
			*) continue ;;
			esac
			ndeliv=$((ndeliv + 1))
			if [ -n "$found" ]; then
				echo "ok - $1: delivered: $a -> $kind $dest"
			else
				echo "not ok - $1: delivered: $a -> $kind $dest: not found in $where"
				fail=1
			fi
		done <"$tmp/$1.$i.trace"
	done <"$tmp/$1.addrs"
}

# ======== variant A: the course's main.cf, hash + pcre + regexp ========
"$VMAILADM" demo "$tmp/a" >/dev/null || exit 99
sandbox_init "$tmp/a"
pf=$SB_PF
if ! postconf -c "$pf" -m 2>/dev/null | grep -qx pcre; then
	echo "SKIP: postfix-pcre is not installed"
	exit 77
fi
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
check@fwd.test            check@fwd.test
EOF
cat >>"$pf/virtual_domains" <<'EOF'
both2.test   OK
EOF
cat >>"$pf/vmailbox" <<'EOF'
y@both2.test         both2.test/y/
EOF
cat >"$pf/vmailbox.pcre" <<'EOF'
# virtual(8) refuses $n here (smtpd does not): that rule bounces
/^sub-(.+)@andromed\.cloud$/   andromed.cloud/$1/
/^fixed@andromed\.cloud$/      andromed.cloud/fixed/
EOF
cat >"$pf/virtual_alias.pcre" <<'EOF'
/^old-(.*)@andromed\.cloud$/   $1@andromed.cloud
/^(.*)@pat\.test$/             contact@ascent.cloud
# PCRE's own syntax: \d, non-greedy, lookahead
/^d\d+@andromed\.cloud$/       johndoe@andromed.cloud
/^(.+?)_+dot@andromed\.cloud$/  $1@andromed.cloud
/^(?!janedoe)([a-z]+)_x@andromed\.cloud$/  $1@andromed.cloud
# "i" makes a pcre rule case-sensitive
/^CaSe@andromed\.cloud$/i      janedoe@andromed.cloud
# a bare domain name: with virtual_alias_domains = $virtual_alias_maps,
# alias-only.test becomes a virtual alias domain, both2.test too (and it
# is a mailbox domain: the alias class wins)
/^alias-only\.test$/           x
/^info@alias-only\.test$/      johndoe@andromed.cloud
/^both2\.test$/                x
# regexp_table(5)'s "/p1/!/p2/" is no pcre syntax: '!' is an unknown
# option to dict_pcre, and the rule is skipped
/^pc-.*@andromed\.cloud$/!/^pc-x/  janedoe@andromed.cloud
if /@blk\.test$/
/^a\d@/                        johndoe@andromed.cloud
if !/^z/
/^(b)(.*?)@/                   janedoe@andromed.cloud
endif
endif
EOF
cat >"$pf/virtual_alias.regexp" <<'EOF'
# POSIX: case-insensitive unless "i"; "!" rules; nested blocks
if /@rx\.test$/
/^sales-([a-z]+)@/             $1@andromed.cloud
if !/^keep/
/^[a-z]/                       contact@ascent.cloud
endif
endif
/^RX[0-9]@andromed\.cloud$/i   janedoe@andromed.cloud
!/^[a-z]/                      admin@ascent.cloud
EOF
cat >"$pf/virtual_alias2.regexp" <<'EOF'
# an "endif" with no "if" open is ignored
endif
# "/p1/!/p2/": p1 matches and p2 does not; "!!" before p2: both match
/^two-.*@andromed\.cloud$/!/^two-x/      janedoe@andromed.cloud
/^twi-.*@andromed\.cloud$/!!/^twi-y/     johndoe@andromed.cloud
/^twn-.*@andromed\.cloud$/!/^TWN-Z/i    admin@ascent.cloud
# an "if" Postfix cannot compile opens no block: the next "endif" closes
# the block around it, the rule after that is outside every block, and
# the last "endif" is ignored
if /@pair\.test$/
if /bad(/
/^in1@/                                 johndoe@andromed.cloud
endif
/^out1@/                                janedoe@andromed.cloud
endif
# an "if" never closed: the rest of the file is inside it
if /@open\.test$/
/^any@/                                 johndoe@andromed.cloud
EOF
postconf -c "$pf" -e "virtual_alias_maps = hash:$pf/virtual_alias, pcre:$pf/virtual_alias.pcre, regexp:$pf/virtual_alias.regexp, regexp:$pf/virtual_alias2.regexp" \
	"virtual_mailbox_maps = hash:$pf/vmailbox, pcre:$pf/vmailbox.pcre" || exit 99
touch -d "@$(($(date +%s) - 5))" "$pf/main.cf"
sandbox_postmap_all || exit 99
sandbox_start || exit 99

cat >"$tmp/A.addrs" <<'EOF'
johndoe@andromed.cloud
JohnDoe@Andromed.CLOUD
info@andromed.cloud
equipe+tag@andromed.cloud
chef@andromed.cloud
multi@andromed.cloud
nobody@andromed.cloud
facturation@andromed.cloud
support@andromed.cloud
webmaster@andromed.cloud
redir@andromed.cloud
contact@ascent.cloud
whoever@ascent.cloud
worker@catch.test
boss@catch.test
random@catch.test
real@cbox.test
other+x@cbox.test
sales@fwd.test
unknown@fwd.test
x@both.test
someone@outside.example
loop1@andromed.cloud
kept@catch.test
kept+x@catch.test
worker+x@catch.test
mb@andromed.cloud
Equipe+X@ANDROMED.cloud
old-janedoe@andromed.cloud
OLD-JaneDoe@Andromed.Cloud
anyone@pat.test
d42@andromed.cloud
dx@andromed.cloud
johndoe__dot@andromed.cloud
janedoe_dot@andromed.cloud
admin_x@andromed.cloud
janedoe_x@andromed.cloud
CaSe@andromed.cloud
case@andromed.cloud
a1@blk.test
a1@other.example
bz@blk.test
zb@blk.test
sales-janedoe@rx.test
sales-JOHNDOE@rx.test
whoever@rx.test
keeper@rx.test
RX1@andromed.cloud
rx1@andromed.cloud
9lives@andromed.cloud
sub-janedoe@andromed.cloud
fixed@andromed.cloud
info@alias-only.test
other@alias-only.test
y@both2.test
check@fwd.test
pc-a@andromed.cloud
two-a@andromed.cloud
two-x@andromed.cloud
twi-a@andromed.cloud
twi-y@andromed.cloud
twn-a@andromed.cloud
twn-z@andromed.cloud
TWN-Z@andromed.cloud
in1@pair.test
in1@outside.example
out1@pair.test
out1@outside.example
any@open.test
any@outside.example
EOF
compare_all A
deliver_all A
# smtpd asks the tables with the recipient folded to lower case: the
# case-sensitive rule that cleanup used above cannot match at RCPT, and
# lint says so
if out=$(smtp_send probe@sandbox.test CaSe@andromed.cloud); then
	echo "not ok - smtpd accepted CaSe@andromed.cloud: $out"; fail=1
else
	case $out in
	550*) echo "ok - smtpd refuses CaSe@andromed.cloud that cleanup delivers: $out" ;;
	*) echo "not ok - smtpd: $out"; fail=1 ;;
	esac
fi
if sandbox_vmailadm lint --json 2>/dev/null | grep -q '"case-sensitive-pattern"'; then
	echo "ok - lint: case-sensitive-pattern"
else
	echo "not ok - lint does not flag the case-sensitive rule"; fail=1
fi
sandbox_stop

# ======== variant B: a virtual myorigin, a local domain with aliases ========
# recipient_delimiter "+-", myorigin a virtual mailbox domain, a local
# domain whose aliases have bare names, a comment, a command, a file and an
# :include:, address literals, quoted local parts, trailing dots, "# text"
# and a comment in a virtual alias value, a key without domain;
# allow_percent_hack (user%domain@local.test resolved again after cleanup,
# user%domain without '@' rewritten before it).
"$VMAILADM" demo "$tmp/b" >/dev/null || exit 99
sandbox_init "$tmp/b"
pf=$SB_PF
mkdir -p "$SB/mailspool" "$SB/files" && chmod 1777 "$SB/mailspool" && chown nobody "$SB/files" || exit 99
printf '%s\n' "# an :include: file: addresses; commands and files are not allowed here" \
	"janedoe@andromed.cloud, contact@ascent.cloud" "|/bin/true" "$SB/files/from-include" \
	>"$SB/include.list" || exit 99
printf '%s\n' "postmaster: root" "abuse: postmaster" "root: admin@andromed.cloud" \
	"desk: johndoe (Info desk)" "pipe: \"|/bin/sh -c 'cat >>$SB/files/pipe.log'\"" \
	"tofile: $SB/files/tofile" "inc: :include:$SB/include.list" "list: johndoe@andromed.cloud" \
	"nobody: nobody" "team: janedoe, contact@ascent.cloud" >"$SB_DIR/etc/aliases" || exit 99
cat >>"$pf/vmailbox" <<'EOF'
"john smith"@andromed.cloud   andromed.cloud/jsmith/
owner-list@andromed.cloud     andromed.cloud/ownerlist/
list-request@andromed.cloud   andromed.cloud/listrequest/
EOF
cat >>"$pf/virtual_alias" <<'EOF'
john.smith@andromed.cloud     johndoe@andromed.cloud
desk2@andromed.cloud          janedoe@andromed.cloud (Front desk)
note@andromed.cloud           janedoe@andromed.cloud # to jane
bare@andromed.cloud           janedoe
webmail                       johndoe@andromed.cloud
tolocal@andromed.cloud        desk@local.test, nobody@local.test
EOF
cat >"$pf/virtual_alias.regexp" <<'EOF'
/^rx-(.*)@andromed\.cloud$/    $1@andromed.cloud
EOF
postconf -c "$pf" -e \
	"recipient_delimiter = +-" \
	"myorigin = andromed.cloud" \
	"mydestination = local.test" \
	"alias_maps = hash:$SB_DIR/etc/aliases" \
	"alias_database = hash:$SB_DIR/etc/aliases" \
	"mail_spool_directory = $SB/mailspool" \
	"virtual_alias_maps = hash:$pf/virtual_alias, regexp:$pf/virtual_alias.regexp, regexp:rel.regexp" || exit 99
# A table named by a relative path: Postfix's daemons open it from
# queue_directory, where they run; the file of that name beside main.cf is
# a decoy neither Postfix nor the tracer may read.
printf '/^relq@andromed\\.cloud$/    johndoe@andromed.cloud\n' >"$(postconf -c "$pf" -h queue_directory)/rel.regexp"
printf '/^relq@andromed\\.cloud$/    janedoe@andromed.cloud\n' >"$pf/rel.regexp"
touch -d "@$(($(date +%s) - 5))" "$pf/main.cf"
postalias -c "$pf" "hash:$SB_DIR/etc/aliases" || exit 99
sandbox_postmap_all || exit 99
sandbox_start || exit 99

cat >"$tmp/B.addrs" <<'EOF'
johndoe@andromed.cloud
relq@andromed.cloud
johndoe-x@andromed.cloud
johndoe+x@andromed.cloud
johndoe+-x@andromed.cloud
janedoe-foo+bar@andromed.cloud
+tag@andromed.cloud
-tag@andromed.cloud
owner-list@andromed.cloud
owner-list+x@andromed.cloud
owner-list-x@andromed.cloud
list-request@andromed.cloud
list-request+x@andromed.cloud
"johndoe"@andromed.cloud
"john.smith"@andromed.cloud
john.smith@andromed.cloud
"john smith"@andromed.cloud
"john  smith"@andromed.cloud
"JohnDoe"@Andromed.Cloud
johndoe@andromed.cloud.
JaneDoe@Andromed.Cloud.
contact@ascent.cloud.
x@outside.example.
johndoe@[127.0.0.1]
root@[127.0.0.1]
nobody@[127.0.0.1]
desk@[127.0.0.1]
x@[10.254.254.254]
postmaster@local.test
abuse@local.test
root@local.test
desk@local.test
pipe@local.test
tofile@local.test
inc@local.test
list@local.test
list-x@local.test
nobody@local.test
daemon@local.test
team@local.test
unknown@local.test
PostMaster@Local.Test
desk2@andromed.cloud
note@andromed.cloud
bare@andromed.cloud
webmail@andromed.cloud
webmail-x@andromed.cloud
tolocal@andromed.cloud
rx-janedoe@andromed.cloud
rx-nobody@andromed.cloud
info@andromed.cloud
equipe-x@andromed.cloud
postmaster@andromed.cloud
"johndoe"@andromed.cloud.
JOHN.SMITH@andromed.cloud
contact+x@ascent.cloud
"contact"@ascent.cloud
abuse@[127.0.0.1]
list+y@local.test
owner-list@local.test
inc-x@local.test
desk+z@local.test
nobody-x@local.test
tolocal-x@andromed.cloud
rx-johndoe-x@andromed.cloud
webmail+x@andromed.cloud
johndoe%andromed.cloud@local.test
info%andromed.cloud@local.test
janedoe%andromed.cloud
x%outside.example@local.test
root%local.test@local.test
a%b%andromed.cloud@local.test
EOF
compare_all B
deliver_all B
sandbox_stop

# The traps must really be what the tracer says they are.
echo "# $n addresses compared with sendmail -bv, $ndeliv destinations checked by delivery"
[ "$n" -ge 120 ] || { echo "not ok - only $n addresses"; fail=1; }
[ ! -e "$tmp/failed" ] || fail=1
exit $fail
