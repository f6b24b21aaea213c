#!/bin/sh
# The French catalog really reaches the user: po/fr.po compiled into a
# temporary locale directory (found through VMAILADM_LOCALEDIR), then --help,
# a usage error, a configuration error and the plural forms come out in French,
# and without LANGUAGE the same commands stay in English; every file with
# messages is in po/POTFILES.in.
set -u
command -v msgfmt >/dev/null 2>&1 || { echo "SKIP: msgfmt not installed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

mkdir -p "$tmp/locale/fr/LC_MESSAGES"
msgfmt --check -o "$tmp/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" \
	|| { echo "FAIL: msgfmt --check po/fr.po"; exit 1; }
unset VMAILADM_CONFIG

# Every source file with a message to translate is in po/POTFILES.in: one
# that is not loses its French at the next `make update-po` (model.c's
# "%zu mailbox" was in no listed file).
for f in $(cd "$top_srcdir" && grep -rlE '(^|[^a-z_])(N?_|ngettext)\("' src --include='*.c'); do
	grep -qx "$f" "$top_srcdir/po/POTFILES.in" || no "$f has messages but is not in po/POTFILES.in"
done
VMAILADM_LOCALEDIR="$tmp/locale"; export VMAILADM_LOCALEDIR
# glibc ignores LANGUAGE under the C locale: C.UTF-8 is the neutral one that
# honours it. Without it there is nothing to test here.
if ! LC_ALL=C.UTF-8 locale 2>&1 | grep -q 'LC_MESSAGES="\{0,1\}C.UTF-8'; then
	echo "SKIP: no C.UTF-8 locale"; exit 77
fi
fr() { LANGUAGE=fr LC_ALL=C.UTF-8 "$VMAILADM" "$@"; }
en() { LANGUAGE= LC_ALL=C.UTF-8 "$VMAILADM" "$@"; }

# --help: the usage lines, the command table and the global options.
fr --help >"$tmp/help" 2>&1 || no "--help exits non-zero"
grep -q '^Usage : ' "$tmp/help" || no "--help: no French usage line"
grep -q 'Administrer les domaines de messagerie virtuels' "$tmp/help" || no "--help: no French summary"
grep -q '^Commandes :' "$tmp/help" || no "--help: no French 'Commands:'"
grep -q 'show ADDRESS \[--json\]  *tout ce qui est connu' "$tmp/help" || no "--help: command table not French"
grep -q 'Options globales' "$tmp/help" || no "--help: global options not French"
grep -q 'Usage:' "$tmp/help" && no "--help: English 'Usage:' left"
en --help >"$tmp/help.en" 2>&1
grep -q '^Usage: ' "$tmp/help.en" || no "--help without LANGUAGE is not English"

# An error from the configuration loader (file:line diagnostics).
fr --config /nonexistent/vmailadm.yaml list domains >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || no "--config /nonexistent: exit $rc, expected 2"
grep -q 'impossible de lire le fichier de configuration' "$tmp/err" \
	|| no "config error not in French: $(cat "$tmp/err")"
grep -qi 'cannot read' "$tmp/err" && no "config error still English: $(cat "$tmp/err")"
en --config /nonexistent/vmailadm.yaml list domains 2>"$tmp/err.en"
grep -q 'cannot read the configuration file' "$tmp/err.en" || no "English config error missing"

# A usage error with an argument, and the generic hint under it.
fr frobnicate >"$tmp/out" 2>"$tmp/err"
grep -q "commande inconnue « frobnicate »" "$tmp/err" || no "unknown command not French: $(cat "$tmp/err")"
grep -q "Essayez « .* --help » pour plus d'informations" "$tmp/err" || no "Try --help not French"

# Plural forms (French: 0 and 1 are singular), through the demo summary.
fr demo "$tmp/demo" >"$tmp/demo.out" 2>&1 || no "demo failed: $(cat "$tmp/demo.out")"
grep -q 'Serveur de démonstration créé dans' "$tmp/demo.out" || no "demo output not French"
grep -Eq '[0-9]+ domaines?, [0-9]+ boîtes? mail, ' "$tmp/demo.out" || no "demo counts not French"
grep -Eq '(^|[^0-9])[2-9][0-9]* domaine,|(^|[^0-9])1 domaines' "$tmp/demo.out" && no "wrong plural"

# The exercises: the list's step counts in one column whatever the
# title's accents ("Première boîte virtuelle"), and "0 étape faite" (0 and
# 1 are singular in French).
fr -c "$tmp/demo/vmailadm.yaml" exercise >"$tmp/ex" 2>&1
[ "$(sed 's/[0-9]*\/[0-9]*$//' "$tmp/ex" | while IFS= read -r l; do printf '%s' "$l" | LC_ALL=C.UTF-8 wc -m; done | sort -u | wc -l)" -eq 1 ] \
	|| no "exercise list: the counts are not in one column: $(cat "$tmp/ex")"
grep -q 'Première boîte virtuelle' "$tmp/ex" || no "exercise list not French: $(cat "$tmp/ex")"
fr -c "$tmp/demo/vmailadm.yaml" exercise 1 >"$tmp/ex" 2>&1
grep -q '^0 étape faite sur 6$' "$tmp/ex" || no "exercise 1: no '0 étape faite sur 6': $(tail -n 1 "$tmp/ex")"

# The tracer's kinds: in French in the text (trace, the exercises' why),
# stable in English and in --json.
fr -c "$tmp/demo/vmailadm.yaml" trace info@andromed.cloud ext@example.org >"$tmp/tr" 2>&1
grep -q '=> johndoe@andromed.cloud: boîte maildir ' "$tmp/tr" || no "trace: maildir not French: $(cat "$tmp/tr")"
grep -q '=> ext@example.org: distant ' "$tmp/tr" || no "trace: remote not French: $(cat "$tmp/tr")"
en -c "$tmp/demo/vmailadm.yaml" trace ext@example.org | grep -q '=> ext@example.org: remote ' ||
	no "trace: remote not in English"
fr -c "$tmp/demo/vmailadm.yaml" trace ext@example.org --json | grep -q '"kind": *"remote"' ||
	no "trace --json: the kind not stable"
fr -c "$tmp/demo/vmailadm.yaml" exercise 2 >"$tmp/ex" 2>&1
grep -q 'billing@andromed.cloud (rejet ' "$tmp/ex" || no "exercise 2: the kind not French: $(cat "$tmp/ex")"

# The audit log keeps its stable words ("committed"); log and the
# interface's history say them in French.
en -c "$tmp/demo/vmailadm.yaml" mailbox quota johndoe@andromed.cloud 2G >"$tmp/q" 2>&1 || no "quota: $(cat "$tmp/q")"
grep -q '"result":"committed"' "$tmp/demo/state/audit.log" || no "audit log: no 'committed'"
fr -c "$tmp/demo/vmailadm.yaml" log >"$tmp/log" 2>&1
grep -q '  validé$' "$tmp/log" || no "log: the result not in French: $(cat "$tmp/log")"
en -c "$tmp/demo/vmailadm.yaml" log | grep -q '  committed$' || no "log: the result not in English"

# An operation committed in French is stored language-neutral (its words,
# and its description untranslated), then told in the reader's language;
# a record of the old form (its description stored in French) is shown as
# it is. The old code stored "ajouter la boîte mail ...".
fr -c "$tmp/demo/vmailadm.yaml" mailbox add fr1@ascent.cloud --password-stdin >"$tmp/q" 2>&1 <<EOP || no "mailbox add in French: $(cat "$tmp/q")"
Un-mot-de-passe-42
EOP
fr -c "$tmp/demo/vmailadm.yaml" mailbox del fr1@ascent.cloud -y >"$tmp/q" 2>&1 || no "mailbox del in French: $(cat "$tmp/q")"
fr -c "$tmp/demo/vmailadm.yaml" log --json >"$tmp/log" 2>&1
grep -q '"add mailbox fr1@ascent.cloud"' "$tmp/log" && grep -q '"remove mailbox fr1@ascent.cloud (mail archived)"' "$tmp/log" &&
	grep -q '"mailbox add fr1@ascent.cloud --password-hash' "$tmp/log" && ! grep -q 'boîte' "$tmp/log" &&
	! grep -q 'SHA512-CRYPT' "$tmp/log" || no "log --json: not the neutral form, or a hash: $(grep -A3 operations "$tmp/log" | tail -8)"
fr -c "$tmp/demo/vmailadm.yaml" log >"$tmp/log" 2>&1
grep -q '^    ajouter la boîte mail fr1@ascent.cloud$' "$tmp/log" &&
	grep -q '^    supprimer la boîte mail fr1@ascent.cloud (courrier archivé)$' "$tmp/log" ||
	no "log: the operations not in French: $(cat "$tmp/log")"
en -c "$tmp/demo/vmailadm.yaml" log | grep -q '^    add mailbox fr1@ascent.cloud$' || no "log: the operation not in English"
printf '%s\n' '{"id":"20200101-000000-1","time":"2020-01-01T00:00:00+0000","user":"root","sudo_user":null,"result":"committed","operations":["ajouter la boîte mail old@ascent.cloud"],"files":[],"maildirs":[],"maps":[]}' \
	>>"$tmp/demo/state/audit.log"
en -c "$tmp/demo/vmailadm.yaml" log | grep -q '^    ajouter la boîte mail old@ascent.cloud$' || no "log: an old record not shown as stored"

exit $fail
