#!/bin/sh
# The queue view of the interface against the real Postfix queue (issue
# 17): the sandbox defers a message to a closed loopback port and one for a
# hosted domain (defer_transports = virtual); then, under tmux, the domains
# pane counts what waits for each hosted domain, w lists both messages with
# their reasons, the filter narrows them, h / u / d hold, release and
# delete (after a question) in the real queue, a message sent while the
# view is open appears by itself, Enter shows a message and f flushes;
# then the titles at 80x24 in French.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
case $VMAILADM in /*) ;; *) VMAILADM=$(pwd)/$VMAILADM ;; esac
. "$top_srcdir/tests/integration/lib.sh"
sandbox_require
. "$top_srcdir/tests/ui/lib.sh"
trap 'sandbox_stop; cleanup' EXIT
chmod 755 "$WORK"
make_demo
sandbox_init "$WORK/demo"
closed=$(sandbox_free_port) || exit 99
postconf -c "$SB_PF" -e "relay_domains = slow.test" "defer_transports = virtual" \
	"transport_maps = inline:{sandbox.test=bvreport:, slow.test=smtp:[127.0.0.1]:$closed}" || exit 99
touch -d "@$(($(date +%s) - 5))" "$SB_PF/main.cf"
sandbox_postmap_all || exit 99
sandbox_start || exit 99

# queue_of ID: its queue now ("" when gone).
queue_of() {
	postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m["queue_id"] == sys.argv[1]: print(m["queue_name"])' "$1"
}
# id_to ADDRESS: the id of the deferred message to ADDRESS, once it is deferred.
id_to() {
	n=0
	while [ $n -lt 200 ]; do
		_id=$(postqueue -c "$SB_PF" -j | python3 -c 'import json, sys
for l in sys.stdin:
    m = json.loads(l)
    if m["queue_name"] == "deferred" and m["recipients"][0]["address"] == sys.argv[1]:
        print(m["queue_id"])' "$1")
		[ -n "$_id" ] && { echo "$_id"; return 0; }
		n=$((n + 1))
		sleep 0.1
	done
	return 1
}
smtp_send alice@sandbox.test bob@slow.test "to the closed port" >/dev/null || fail "send to slow.test"
smtp_send alice@sandbox.test johndoe@andromed.cloud "held back" >/dev/null || fail "send to johndoe"
slow=$(id_to bob@slow.test) || fail "no deferred message to bob@slow.test"
mine=$(id_to johndoe@andromed.cloud) || fail "no deferred message to johndoe@andromed.cloud"

start_ui 120 32
expect "Domains (2)"
# The hosted domain with a message waiting: its count in the wait column.
expect_re "andromed\.cloud +1 +[0-9]+ +[0-9]+ +[0-9·]+ *│"
expect "wait"
ok "the domains pane counts the messages waiting for a hosted domain"

keys w
expect "Mail queue of "
expect "2 messages"
expect "live · from the files"
expect "$slow"
expect "$mine"
expect "alice@sandbox.test → bob@slow.test"
ok "w lists the real queue"
# The selected message's recipients and reasons, below.
keys g
expect_re "Recipients of ($slow|$mine)"
expect_re "Connection refused|deferred transport"
ok "the recipients pane shows the reason"

keys '\' s l o w Enter
expect "1 of 2 messages shown"
refute "$mine"
expect "Recipients of $slow"
expect "Connection refused"
ok "the filter narrows the list"

keys h
expect "$slow: placed on hold"
[ "$(queue_of "$slow")" = hold ] || fail "h: $slow is not in the hold queue"
expect_re "$slow +hold "
ok "h puts the message on hold in the real queue"
keys u
expect "$slow: released from hold"
[ "$(queue_of "$slow")" = deferred ] || fail "u: $slow is not back in the deferred queue"
ok "u releases it"

# Live: a message arriving while the view is open shows by itself.
smtp_send alice@sandbox.test carol@slow.test "while watching" >/dev/null || fail "send to carol"
expect "2 of 3 messages shown" 10000
expect "alice@sandbox.test → carol@slow.test"
ok "a new message shows without a key"

keys Enter
expect "Queued message "
expect "Subject: "
keys q
expect "Mail queue of "

# Delete, after a question; No keeps it.
keys g
# The first row's id, then its recipients: the pane may still show the
# message selected before g for a moment.
sel=$(screen | awk '/^ id +queue/ { getline; print $1; exit }')
[ -n "$sel" ] || fail "no selected message"
expect "Recipients of $sel"
keys d
expect "Delete $sel from alice@sandbox.test"
keys n
expect "Nothing deleted."
[ -n "$(queue_of "$sel")" ] || fail "n deleted $sel"
keys d
expect "Delete $sel from"
keys y
expect "$sel: removed"
[ -z "$(queue_of "$sel")" ] || fail "y did not delete $sel"
expect "1 of 2 messages shown" 10000
ok "d deletes after a question"

keys Escape
expect "2 messages"
keys f
expect "Postfix tries the deferred mail again now"
ok "f flushes"
keys q
expect "Domains (2)"
keys q
expect_quit

# At 80x24 in French (longer words): the domains pane's title keeps its
# count a blank before the wait column ("Domaines (2att." ran into it),
# and the queue's title keeps its count of messages ("2 mes…") before
# saying where the listing came from.
mkdir -p "$WORK/locale/fr/LC_MESSAGES"
msgfmt -o "$WORK/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || fail "msgfmt"
# f delivered johndoe's message (defer_transports): one more for him.
smtp_send alice@sandbox.test johndoe@andromed.cloud "held back again" >/dev/null || fail "send to johndoe"
id_to johndoe@andromed.cloud >/dev/null || fail "no deferred message to johndoe@andromed.cloud"
start_ui 80 24 LANGUAGE=fr LC_ALL=C.UTF-8 VMAILADM_LOCALEDIR="$WORK/locale"
expect_re "^ Domai[^ ]* \(2\) att\. bal ali nouv │"
keys w
expect_re "^ File d'attente de [^ ]+ : [0-9]+ messages, [^ ]+ [KMG]?i?B +en direct"
check_width
keys q q
expect_quit
ok "French at 80x24: the domains' count and the queue's count kept"
[ "$FAILS" -eq 0 ]
