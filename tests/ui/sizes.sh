#!/bin/sh
# Sizes have one format (src/sys/human.c) in the interface and on the
# command line: binary units, one decimal below 10 of a unit, and always a
# '.' whatever the locale. Under a French locale (fr_FR.UTF-8, made here
# with localedef) the old interface printed "3,9 KiB" (printf and
# LC_NUMERIC) where stats printed "3.9 KiB".
. "${top_srcdir:-.}/tests/ui/lib.sh"
command -v localedef >/dev/null 2>&1 && [ -e /usr/share/i18n/locales/fr_FR ] ||
	{ echo "SKIP: localedef or the fr_FR locale source is missing"; exit 77; }
mkdir -p "$WORK/locpath"
localedef -i fr_FR -f UTF-8 "$WORK/locpath/fr_FR.UTF-8" >/dev/null 2>&1
[ "$(LOCPATH="$WORK/locpath" LC_ALL=fr_FR.UTF-8 /usr/bin/printf '%.1f' 3,9 2>/dev/null)" = "3,9" ] ||
	{ echo "SKIP: the fr_FR.UTF-8 locale could not be made"; exit 77; }
make_demo
fr() { LOCPATH="$WORK/locpath" LC_ALL=fr_FR.UTF-8 "$VMAILADM" -c "$CONF" "$@"; }

fr stats johndoe@andromed.cloud contact@andromed.cloud >"$WORK/stats" 2>&1
grep -q '^johndoe@andromed.cloud .* 3\.9 KiB ' "$WORK/stats" &&
	grep -q '^contact@andromed.cloud .* 893 KiB .* of 1\.0 MiB$' "$WORK/stats" ||
	{ cat "$WORK/stats"; fail "stats under fr_FR.UTF-8: not 3.9 KiB, 893 KiB of 1.0 MiB"; }

start_ui 100 30 LOCPATH="$WORK/locpath" LC_ALL=fr_FR.UTF-8
expect_re "│   johndoe +2 +3 +6 +3\.9 KiB"
expect_re "│   contact +1 +1 +3 +893 KiB"
refute "3,9 KiB"
ok "the panes' sizes in the command line's format under fr_FR.UTF-8"
keys -l "/" && keys -l "contact" && keys Enter
expect "1.0 MiB"
refute "1,0 MiB"
ok "the details' quota in the same format"
