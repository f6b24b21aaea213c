#!/bin/sh
# Text at 80x24, in French (longer than English) and in English: wrapped or
# left out whole, never cut mid-word where that hides what a key does or
# says more than happened. The header keeps its count of staged changes
# (the configuration's path cut from its start instead) and says what runs
# whole or not at all; every key bar shows whole entries only and keeps its
# way out (q); the help wraps a key's line instead of cutting it; the
# message list's title stops before its folder number instead of being
# written over; a read-once note's key bar is French too; the preview of a
# map rebuilt from an unchanged source has no "file that changes" heading,
# and the preview wraps a long line instead of cutting it; a count too
# wide for its column is said in thousands; the details break a long value
# after a '.' or '/', not inside a word.
. "${top_srcdir:-.}/tests/ui/lib.sh"
mkdir -p "$WORK/locale/fr/LC_MESSAGES"
msgfmt -o "$WORK/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || fail "msgfmt"
make_demo

bar() { screen | tail -n 1 | sed 's/[[:space:]]*$//'; }
# bar_whole WAY_OUT: the key bar has no cut entry and ends with WAY_OUT.
bar_whole() {
	deadline=$(($(now_ms) + WAIT_MS))
	while :; do
		b=$(bar)
		case $b in *…*) ;; *"$1") return 0 ;; esac
		[ "$(now_ms)" -ge "$deadline" ] && fail "key bar '$b': cut, or not ending with '$1'"
		sleep 0.05
	done
}

start_ui 80 24 LANGUAGE=fr LC_ALL=C.UTF-8 VMAILADM_LOCALEDIR="$WORK/locale"
expect "Domaines (5)"
bar_whole "q Fin"
# The header: the configuration's path gives way to the staged count.
expect_re "^ vmailadm .*  config : …?[^ ]*vmailadm.yaml  0 modification en attente$"
keys w
expect "File d'attente"
bar_whole "q Retour"
keys q
expect "Domaines (5)"
keys Tab j j j Enter
expect "johndoe@andromed.cloud : INBOX, 5 messages"
bar_whole "q Retour"
expect_re "^ johndoe@andromed.cloud : INBOX, 5 messages .*…  dossier 1/2 \(f\)$"
check_width
ok "French: the bars whole with their way out, the list's title cut before its folder number"

keys q
expect "Domaines (5)"
keys F1
expect "Aide : toutes les touches"
# "volet suivant / précédent (domaines, entrées, détails)" is longer than
# the 53 columns left for it: its end on a line of its own.
expect_re "^   Tab  S-Tab +volet suivant / précédent \(domaines, entrées,$"
expect_re "^ {27}détails\)$"
screen | sed 1d | grep -q "…" && fail "a line of the help is cut"
check_width
ok "French: the help wraps its lines"

keys q
expect "Domaines (5)"
keys p g
expect "Mot de passe généré"
bar_whole "toute touche Fermer"
keys Enter u
expect "0 modification en attente"
ok "French: a note's key bar"

keys '!'
expect "Problèmes ("
keys f
expect "1 modification en attente"
keys D
expect "Aperçu des modifications en attente"
expect "reconstruire la table hash:"
refute "Le fichier modifié"
expect "Aucun fichier ne change ; la validation effectue"
keys q u q
expect_quit 0
ok "French: a map rebuild's preview names no changed file"

# The preview wraps a long line instead of cutting it: every target of
# the alias being committed is on the screen, the continuation marked.
start_ui 80 24
expect "Domains (5)"
keys Tab j j j j j j j e
expect "Targets of the alias info@andromed.cloud"
keys -l ", admin@andromed.cloud, support@andromed.cloud, contact@andromed.cloud, janedoe@andromed.cloud"
keys Enter
expect "1 staged change"
keys D
expect "+info@andromed.cloud"
expect_re "^….*contact@andromed\.cloud, janedoe@andromed\.cloud$"
check_width
keys q u
expect "0 staged changes"
keys q
expect_quit 0
ok "English: the preview wraps a long line"

# A count wider than its column is said in thousands, rounded down
# ("12k"), not cut into "12…": 12,345 new messages for johndoe.
(cd "$WORK/demo/vhosts/andromed.cloud/johndoe/new" &&
	seq 1 12345 | sed 's/^/1700000000.M/; s/$/P1.host/' | xargs touch) || fail "new messages"
start_ui 80 24
expect "Domains (5)"
expect_re "^ andromed\.cloud +5 +5 +12k │"
keys Tab
expect_re "│   johndoe +12k +12348 +12351 "
screen | grep -q "12…" && fail "a count is cut"
keys q
expect_quit 0
rm -f "$WORK/demo/vhosts/andromed.cloud/johndoe/new/1700000000.M"*
ok "English: counts too wide for their column in thousands"

# The details pane, narrow beside the exercise pane, breaks a value after
# a '.', '/' or '@' rather than inside a word ("andromed.clo" + "ud").
start_ui 80 24
expect "Domains (5)"
keys x
expect "Exercise 1"
expect_re "│ Domain +andromed\. +│"
expect_re "│ +cloud +│"
keys x q
expect_quit 0
ok "English: a narrow details pane breaks a name after its dot"

# While lint runs (held by its gate), the header says so whole or not at
# all ("lint runni…").
start_ui 80 24 "VMAILADM_LINT_GATE=$WORK/lint-gate"
expect "Domains (5)"
expect_re "^ vmailadm .*0 staged changes( +lint running\.\.\.)?$"
bar_whole "q Quit"
keys F1
expect "Help: every key"
screen | sed 1d | grep -q "…" && fail "a line of the help is cut"
keys q
touch "$WORK/lint-gate"
keys q
expect_quit 0
ok "English: the header's busy mark, the bar whole, the help wrapped"

exit $FAILS
