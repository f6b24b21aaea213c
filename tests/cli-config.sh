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
[ "$(grep -c ' = ' "$tmp/out")" -eq 22 ] || no "22 settings expected"
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
assert len(s) == 22, len(s)
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

# --man prints the committed page (regenerate with `make update-man`).
"$VMAILADM" config --man >"$tmp/man" || no "config --man failed"
cmp -s "$tmp/man" "$top_srcdir/doc/vmailadm.yaml.5" || no "doc/vmailadm.yaml.5 is stale: run make update-man"

exit $fail
