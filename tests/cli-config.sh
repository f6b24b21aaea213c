#!/bin/sh
# `vmailadm config` on the command line: text and JSON output of a file, the
# file chosen by --config over $VMAILADM_CONFIG, exit status 2 and the
# file:line messages on a bad file, and --man printing the committed page.
. "${top_srcdir:-.}/tests/lib.sh"
fx="$top_srcdir/tests/fixtures/config"

# Text: every setting with its origin.
"$VMAILADM" --config "$fx/full.yaml" config >"$tmp/out" 2>"$tmp/err" || no "config on full.yaml failed"
grep -q "^vmail_uid  *= 5001  *($fx/full.yaml:5)\$" "$tmp/out" || no "vmail_uid line"
grep -q "^password_scheme  *= BLF-CRYPT " "$tmp/out" || no "password_scheme normalised"
grep -q "^postfix_reload  *= postfix -c /srv/mail/postfix reload " "$tmp/out" || no "placeholder"
grep -q "^# configuration file: $fx/full.yaml (from --config)" "$tmp/out" || no "header"
[ "$(grep -c ' = ' "$tmp/out")" -eq 29 ] || no "29 settings expected"
[ -s "$tmp/err" ] && no "unexpected stderr: $(cat "$tmp/err")"

# Defaults are marked as such.
"$VMAILADM" --config "$fx/empty.yaml" config >"$tmp/out" || no "config on empty.yaml failed"
grep -q '^postfix_dir  *= /etc/postfix  *(default)$' "$tmp/out" || no "default origin"

# JSON, through the command's option and the global one.
for args in "config --json" "--json config"; do
	# shellcheck disable=SC2086
	"$VMAILADM" --config "$fx/full.yaml" $args >"$tmp/json" || no "$args failed"
	python3 - "$tmp/json" "$fx/full.yaml" <<'PY' || no "$args: JSON content"
import json, sys
j = json.load(open(sys.argv[1]))
s = j["settings"]
assert j["file"] == sys.argv[2], j["file"]
assert j["file_origin"] == "command line"
assert len(s) == 29, len(s)
assert s["vmail_uid"] == {"value": 5001, "origin": sys.argv[2] + ":5", "line": 5}, s["vmail_uid"]
assert s["catchall_form"]["value"] == "identity"
assert s["dovecot_reload"]["value"] == ""
PY
done

# The environment names the file; --config wins over it.
VMAILADM_CONFIG="$fx/full.yaml" "$VMAILADM" config --json >"$tmp/json" || no "env config failed"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["file_origin"]=="environment"' \
	"$tmp/json" || no "environment origin"
VMAILADM_CONFIG="$fx/full.yaml" "$VMAILADM" --config "$fx/empty.yaml" config >"$tmp/out" || no "override failed"
grep -q '^vmail_uid  *= 5000 ' "$tmp/out" || no "--config must win over VMAILADM_CONFIG"
VMAILADM_CONFIG="$fx/full.yaml" "$VMAILADM" config >"$tmp/out" || no "env config (text) failed"
grep -q "^# configuration file: $fx/full.yaml (from \$VMAILADM_CONFIG)\$" "$tmp/out" || no "env header"

# A bad file: exit 2, every problem on stderr, nothing on stdout.
"$VMAILADM" --config "$fx/many-errors.yaml" config >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || no "exit status $rc on a bad file, expected 2"
[ -s "$tmp/out" ] && no "stdout not empty on a bad file"
cat >"$tmp/want" <<EOT
$fx/many-errors.yaml:3: error: vmail_gid: -5 is out of range (1 to 4294967294)
$fx/many-errors.yaml:4: error: unknown key 'pasword_scheme'; did you mean 'password_scheme'?
$fx/many-errors.yaml:6: error: catchall_form: expected a single value, found a list
EOT
diff -u "$tmp/want" "$tmp/err" || no "messages for many-errors.yaml"

"$VMAILADM" --config "$tmp/absent.yaml" config >/dev/null 2>&1
[ $? -eq 2 ] || no "a missing --config file must exit 2"

# Dovecot's own settings, asked of the real doveconf about the dovecot.conf
# beside passwd_file, never the host's: the setting overrides them, and
# config says which source won.
if command -v doveconf >/dev/null 2>&1; then
	mkdir -p "$tmp/dc/etc/dovecot"
	: >"$tmp/dc/etc/dovecot/users"
	printf 'passwd_file: etc/dovecot/users\n' >"$tmp/dc/v.yaml"
	"$VMAILADM" --config "$tmp/dc/v.yaml" config >"$tmp/out" 2>"$tmp/err" || no "config without dovecot.conf"
	grep -q '^dovecot_mail_location = maildir:/var/mail/vhosts/%d/%n  *(default)$' "$tmp/out" ||
		no "no dovecot.conf in the tree: the built-in location: $(grep mail_location "$tmp/out")"
	[ -s "$tmp/err" ] && no "no dovecot.conf: unexpected stderr: $(cat "$tmp/err")"
	cat >"$tmp/dc/etc/dovecot/dovecot.conf" <<EOF
mail_location = maildir:~/Maildir
first_valid_uid = 5000
userdb {
  driver = passwd-file
  args = username_format=%u $tmp/dc/etc/dovecot/users
}
EOF
	"$VMAILADM" --config "$tmp/dc/v.yaml" config >"$tmp/out" 2>"$tmp/err" || no "config with dovecot.conf"
	grep -q "^dovecot_mail_location = maildir:~/Maildir  *(doveconf $tmp/dc/etc/dovecot/dovecot.conf)\$" "$tmp/out" ||
		no "Dovecot's own location: $(grep mail_location "$tmp/out")"
	[ -s "$tmp/err" ] && no "with dovecot.conf: unexpected stderr: $(cat "$tmp/err")"
	"$VMAILADM" --config "$tmp/dc/v.yaml" config --json >"$tmp/json" || no "config --json with dovecot.conf"
	python3 - "$tmp/json" "$tmp/dc/etc/dovecot/dovecot.conf" <<'PY' || no "JSON origin doveconf"
import json, sys
e = json.load(open(sys.argv[1]))["settings"]["dovecot_mail_location"]
assert e == {"value": "maildir:~/Maildir", "origin": "doveconf " + sys.argv[2]}, e
PY
	printf 'dovecot_mail_location: "maildir:/srv/%%d/%%n"\n' >>"$tmp/dc/v.yaml"
	"$VMAILADM" --config "$tmp/dc/v.yaml" config >"$tmp/out" 2>&1 || no "config with an override"
	grep -q "^dovecot_mail_location = maildir:/srv/%d/%n  *($tmp/dc/v.yaml:2)\$" "$tmp/out" ||
		no "the setting overrides Dovecot's: $(grep mail_location "$tmp/out")"
	# A dovecot.conf doveconf refuses: a warning naming it, the built-in value.
	printf 'passwd_file: etc/dovecot/users\n' >"$tmp/dc/v.yaml"
	echo 'no_such_setting = 1' >"$tmp/dc/etc/dovecot/dovecot.conf"
	"$VMAILADM" --config "$tmp/dc/v.yaml" config >"$tmp/out" 2>"$tmp/err" || no "config with a broken dovecot.conf"
	grep -q "^$tmp/dc/etc/dovecot/dovecot.conf: warning: Dovecot's settings are not known (doveconf failed (exit 89): .*no_such_setting" "$tmp/err" ||
		no "broken dovecot.conf: $(cat "$tmp/err")"
	grep -q '^dovecot_mail_location = maildir:/var/mail/vhosts/%d/%n  *(default)$' "$tmp/out" || no "broken dovecot.conf: default"
fi

# --man prints the committed page (regenerate with `make update-man`).
"$VMAILADM" config --man >"$tmp/man" || no "config --man failed"
cmp -s "$tmp/man" "$top_srcdir/doc/vmailadm.yaml.5" || no "doc/vmailadm.yaml.5 is stale: run make update-man"

exit $fail
