#!/bin/sh
# Themes: the default has colours; --theme mono and NO_COLOR have none;
# --theme dark and the config's theme key select dark's colours; a broken
# theme file is named with file:line in the status bar and the default is
# used.
. "${top_srcdir:-.}/tests/ui/lib.sh"
export VMAILADM_THEME_DIR="$top_srcdir/themes"
make_demo
COLOUR='\[(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;5;[0-9]+|48;5;[0-9]+)m'

has_colour() { screen_esc | grep -qE "$COLOUR"; }

start_ui 100 30
expect "Domains (5)"
has_colour || fail "the default theme shows no colour"
screen_esc | grep -q '48;5;24m vmailadm' || fail "the default header is not on colour 24"
keys q
expect_quit 0
ok "default theme in colour"

start_ui 100 30 VMAILADM_THEME_DIR="$VMAILADM_THEME_DIR" -- --theme mono
expect "Domains (5)"
has_colour && fail "--theme mono shows colours"
screen_esc | grep -q '\[7m vmailadm' || fail "mono: the header is not reverse video"
keys q
expect_quit 0
ok "--theme mono"

start_ui 100 30 NO_COLOR=1
expect "Domains (5)"
has_colour && fail "NO_COLOR shows colours"
keys q
expect_quit 0
ok "NO_COLOR"

start_ui 100 30 VMAILADM_THEME_DIR="$VMAILADM_THEME_DIR" -- --theme dark
expect "Domains (5)"
screen_esc | grep -q '48;5;110m vmailadm' || fail "--theme dark: header not on colour 110"
keys q
expect_quit 0
ok "--theme dark"

# Quota bars: calm below 80 %, warning (quota_warn, colour 220) from 80 %,
# alarm (quota_high, colour 196) from 95 %: contact is at 87 % of 1 MiB in
# the demo, johndoe at 97 % once his quota is 4K, support at 0 %.
"$VMAILADM" -c "$CONF" mailbox quota johndoe@andromed.cloud 4K >/dev/null 2>&1 ||
	fail "mailbox quota johndoe 4K"
start_ui 100 30
# johndoe at 97 % is also lint's quota-nearly-full: its "!" mark may come
# before or after this look, as lint's thread ends.
expect_re "│  [ !]johndoe +2 +3 +6 +3.9 KiB"
bar_colour() {
	screen_esc | grep -F "$1" | grep -oE '38;5;[0-9]+m(█|#)' | head -1 |
		sed 's/^38;5;\([0-9]*\)m.*/\1/'
}
[ "$(bar_colour contact)" = 220 ] || fail "contact at 87 %: bar colour '$(bar_colour contact)', not 220"
[ "$(bar_colour johndoe)" = 196 ] || fail "johndoe at 97 %: bar colour '$(bar_colour johndoe)', not 196"
[ "$(bar_colour support)" = 70 ] || fail "support at 0 %: bar colour '$(bar_colour support)', not 70"
keys q
expect_quit 0
ok "quota bars: warning from 80 %, alarm from 95 %"

# The configuration's theme key (a file path).
cp "$top_srcdir/themes/light.yaml" "$WORK/mine.yaml"
echo "theme: $WORK/mine.yaml" >>"$CONF"
start_ui 100 30
expect "Domains (5)"
screen_esc | grep -q '48;5;31m vmailadm' || fail "config theme: header not on colour 31"
keys q
expect_quit 0
ok "theme from the configuration"

# A broken theme: file:line in the status bar, default colours.
printf 'roles:\n  header: { fg: white }\n  selection: { fg: chartreuse-ish }\n' >"$WORK/bad.yaml"
start_ui 100 30 -- --theme "$WORK/bad.yaml"
expect "Domains (5)"
expect "$WORK/bad.yaml:3: error: unknown colour 'chartreuse-ish'"
screen_esc | grep -q '48;5;24m vmailadm' || fail "broken theme: not the default colours"
keys q
expect_quit 0
ok "broken theme falls back to the default with file:line"
