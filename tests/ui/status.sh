#!/bin/sh
# A status-line message wider than the terminal is shown whole, wrapped on
# as many rows as it takes above the key bar, never cut with "…" (issue
# 12): a staged change that no longer applies after the files changed on
# disk, at 80x24 and in French; the next key gives the screen its rows
# back; a short message stays on its one line.
. "${top_srcdir:-.}/tests/ui/lib.sh"
mkdir -p "$WORK/locale/fr/LC_MESSAGES"
msgfmt -o "$WORK/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || fail "msgfmt"
make_demo
PF="$WORK/demo/etc/postfix"

# stale LANGUAGE MAILBOX: stage a new mailbox, then make its address an
# alias by hand: the staged change no longer applies, and says so.
stale() {
	keys Tab a m
	expect "$2"
	keys -l "$3"
	keys Tab
	keys -l 'Pass-word-12'
	keys Tab
	keys -l 'Pass-word-12'
	keys Tab Enter
	wait_gone "$2" || fail "the mailbox was not staged"
	printf '%s@andromed.cloud    johndoe@andromed.cloud\n' "$3" >>"$PF/virtual_alias"
}

# status_rows: the rows below the panes, above the key bar.
status_rows() {
	screen | awk '/│/ { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf }' | sed '$d'
}
status_uncut() {
	[ "$(status_rows | grep -c .)" -gt 1 ] || fail "the long message is on one row: $(status_rows)"
	status_rows | grep -q "…" && fail "the status rows end in an ellipsis"
	return 0
}

# expect_joined TEXT: the screen, its rows joined and blanks squeezed,
# shows TEXT (a message wrapped on several rows reads whole).
expect_joined() {
	deadline=$(($(now_ms) + ${2:-$WAIT_MS}))
	while :; do
		screen | tr -s ' \n' '  ' | grep -qF -- "$1" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && fail "expected '$1' on the screen, wrapped or not"
		sleep 0.05
	done
}

start_ui 80 24 LANGUAGE=fr LC_ALL=C.UTF-8 VMAILADM_LOCALEDIR="$WORK/locale"
expect "Domaines (5)"
stale fr "Nouvelle boîte" maxime
expect_joined "la modification en attente 1 (ajouter la boîte mail maxime@andromed.cloud) ne s'applique plus aux fichiers tels qu'ils sont maintenant"
expect_joined "supprimez d'abord l'alias (u annule la dernière modification en attente)"
status_uncut
check_width
screen | grep -q "maxime@andromed.cloud" || fail "the message does not name the address"
ok "a long error in French at 80x24 is shown whole, wrapped"
keys j
wait_gone "supprimez d'abord" || fail "the long message stays after a key"
expect_re "Domaines \(5\)"
keys u
expect "annulé : ajouter la boîte mail maxime@andromed.cloud  (0 en attente)"
[ "$(status_rows | grep -c .)" -eq 1 ] || fail "a short message on more than one row: $(status_rows)"
ok "the next key gives the rows back; a short message keeps one line"
keys q
expect_quit 0

# The same in English, the message as the stage words it.
rm -rf "$WORK/demo"
make_demo
start_ui 80 24
expect "Domains (5)"
stale en "New mailbox in" zoe
expect_joined "staged change 1 (add mailbox zoe@andromed.cloud) no longer applies to the files as they are now"
expect_joined "remove the alias first (u undoes the last staged change)"
status_uncut
check_width
ok "the same in English"
keys q
expect "1 staged change is not committed."
keys d
expect_quit
exit 0
