#!/bin/sh
# The exercise pane at 80x24: x opens it beside the browser, ] moves to
# exercise 3, which is then done through the interface's own forms (the
# domain, two mailboxes, the catch-all), each committed; every step ticks by
# itself after its commit, without a key. A hand edit on disk (the course's
# catch-all appended to virtual_alias) un-ticks "does not swallow" by
# itself too. Then the same in French, where no label may break the panes.
# The steps' titles are wrapped in the pane, never cut.
. "${top_srcdir:-.}/tests/ui/lib.sh"
command -v postmap >/dev/null 2>&1 || { echo "SKIP: postmap is not installed"; exit 77; }
command -v msgfmt >/dev/null 2>&1 || { echo "SKIP: msgfmt is not installed"; exit 77; }
mkdir -p "$WORK/locale/fr/LC_MESSAGES"
msgfmt -o "$WORK/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || fail "msgfmt"

# commit: D previews, c commits, q goes back to the browser.
commit() {
	keys D
	expect "$1"
	keys c
	expect "$2" 15000
	keys q
	expect "$3"
}

# run LANGUAGE: the whole course of exercise 3 in that language; the
# expected texts come in the order of the steps.
run() {
	lang=$1
	rm -rf "$WORK/demo"
	make_demo
	start_ui 80 24 LANGUAGE="$lang" LC_ALL=C.UTF-8 VMAILADM_LOCALEDIR="$WORK/locale"
	expect "$T_DOMAINS"
	keys x
	expect "$T_EX1"
	keys ']' ']'
	expect "$T_EX3"
	expect " 0/6"
	expect "$T_WAY"
	check_width
	# the step titles wrapped in the pane, whole (the old pane cut them
	# at its width: "5. The catch-all does not swallo…")
	pane=$(screen | sed 's/^.*│//' | tr '\n' ' ' | tr -s ' ')
	for t in "$T_STEP5" "$T_STEP6"; do
		case $pane in *"$t"*) ;; *) fail "$lang: the step title '$t' is not whole in the pane" ;; esac
	done
	keys h
	expect "$T_HINT"
	ok "$lang: x opened the pane on exercise 3, h shows the hint"

	# 1. the domain, through the domain form of the domains pane
	keys a
	expect "$T_NEWDOM"
	keys -l exemple.local
	keys Enter
	commit "$T_PREVIEW" "$T_COMMITTED" "$T_DOMAINS"
	expect_re "✓ 1\. "
	expect " 1/6"
	ok "$lang: step 1 ticked after the commit"

	# 2-3. two mailboxes in exemple.local, selected through the filter
	keys '\'
	keys -l exemple
	keys Enter
	expect_re "^ exemple\.local +│ Mailboxes|^ exemple\.local +│ Boîtes"
	keys Tab
	for box in contact admin; do
		keys a
		expect "$T_WHAT"
		keys m
		expect "$T_NEWBOX"
		keys -l "$box"
		keys Tab
		keys -l 'Pass-word-1'
		keys Tab
		keys -l 'Pass-word-1'
		keys Tab
		keys Enter
		commit "$T_PREVIEW" "$T_COMMITTED" "$T_DOMAINS"
	done
	expect_re "✓ 2\. "
	expect_re "✓ 3\. "
	expect " 3/6"
	check_width
	ok "$lang: steps 2 and 3 ticked"

	# 4-6. the catch-all, which vmailadm writes in vmailbox
	keys a
	expect "$T_WHAT"
	keys c
	keys -l admin@exemple.local
	keys Enter
	commit "$T_PREVIEW" "$T_COMMITTED" "$T_DOMAINS"
	expect_re "✓ 4\. "
	expect_re "✓ 5\. "
	expect_re "✓ 6\. "
	expect " 6/6"
	expect "$T_DONE"
	check_width
	ok "$lang: steps 4, 5 and 6 ticked: exercise 3 done"

	# By hand, on disk: the course's catch-all in virtual_alias swallows
	# contact@ and admin@; the pane sees it without a key.
	printf '@exemple.local              admin@exemple.local\n' >>"$WORK/demo/etc/postfix/virtual_alias"
	expect " 5/6" 15000   # a reread, lint and the checks, on a loaded machine
	expect "$T_SWALLOW"
	check_width
	ok "$lang: a hand edit on disk un-ticked step 5 by itself"
	keys x
	wait_gone "$T_EX3" || fail "x did not close the pane"
	keys q
	expect_quit
}

T_DOMAINS="Domains (" T_EX1="Exercise 1: A first" T_EX3="Exercise 3: A second"
T_WAY="The course's way:" T_HINT="Hint:" T_NEWDOM="New mail domain"
T_PREVIEW="Preview of the staged changes" T_COMMITTED="Committed (" T_WHAT="What to add to exemple.local?"
T_NEWBOX="New mailbox in exemple.local" T_DONE="Every step is done" T_SWALLOW="swallows it"
T_STEP5="5. The catch-all does not swallow the mailboxes" T_STEP6="6. The .db files answer for exemple.local"
run en

T_DOMAINS="Domaines (" T_EX1="Exercice 1 : Première" T_EX3="Exercice 3 : Deuxième"
T_WAY="À la manière du cours :" T_HINT="Indice :" T_NEWDOM="Nouveau domaine de messagerie"
T_PREVIEW="Aperçu des modifications" T_COMMITTED="Validé (" T_WHAT="Que faut-il ajouter à exemple.local ?"
T_NEWBOX="Nouvelle boîte mail dans exemple.local" T_DONE="Toutes les étapes sont faites" T_SWALLOW="l'avale"
T_STEP5="5. Le catch-all n'avale pas les boîtes" T_STEP6="6. Les fichiers .db répondent pour exemple.local"
run fr
exit 0
