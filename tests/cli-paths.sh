#!/bin/sh
# The paths vmailadm writes (issue 10, defect 10): a relative table path in
# main.cf is queue_directory's, where Postfix's daemons open it, not the
# current directory's (nor, as it once was here, the configuration's);
# a table outside the Postfix directory, or reached through a symlink below
# it, is refused with nothing changed; a planted state/backups symlink does
# not send the backups away; a configured top directory may be a symlink.
# The real postmap builds the maps (skipped without it).
set -u
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG

fresh() { # a new demo tree in $d, maps built
	d="$tmp/demo$1"
	"$VMAILADM" demo "$d" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
	printf 'postmap: %s\n' "$(command -v postmap)" >>"$d/vmailadm.yaml"
	pf="$d/etc/postfix"
	for m in vmailbox virtual_alias virtual_domains; do postmap -c "$pf" "hash:$pf/$m" || exit 99; done
}
v() { "$VMAILADM" --config "$d/vmailadm.yaml" "$@"; }
sums() { find "$d/etc" "$tmp/outside" -type f 2>/dev/null | sort | xargs sha256sum; }
mkdir -p "$tmp/cwd" "$tmp/outside"

# ---- a relative table path is queue_directory's, as Postfix reads it ------
# Every Postfix daemon chdirs to queue_directory before it opens its maps
# (tests/integration/trace-vs-postfix.sh checks it with the real Postfix):
# the table read is that one, never the current directory's
# nor the one beside main.cf; it is outside the Postfix directory, so an
# edit of it is refused, naming it, with nothing changed.
fresh 1
mkdir -p "$d/spool" && cp "$pf/virtual_alias" "$d/spool/virtual_alias" &&
	printf 'rel@andromed.cloud admin@andromed.cloud\n' >>"$d/spool/virtual_alias" || exit 99
cp "$pf/virtual_alias" "$tmp/cwd/virtual_alias"
sed -i "s|^virtual_alias_maps = .*|virtual_alias_maps = hash:virtual_alias|" "$pf/main.cf"
printf 'queue_directory = %s/spool\n' "$d" >>"$pf/main.cf"
(cd "$tmp/cwd" && v show rel@andromed.cloud) >"$tmp/out" 2>&1 && grep -q "$d/spool/virtual_alias" "$tmp/out" ||
	no "show rel@ (queue_directory's table): $(cat "$tmp/out")"
before=$(sums)
(cd "$tmp/cwd" && v alias add rel2@andromed.cloud admin@andromed.cloud) >"$tmp/out" 2>&1 &&
	no "a relative table (queue_directory's, outside $pf) was edited"
grep -q "$d/spool/virtual_alias: error: is outside $pf" "$tmp/out" || no "no message naming the table: $(cat "$tmp/out")"
[ "$(sums)" = "$before" ] && ! grep -q rel2 "$d/spool/virtual_alias" "$tmp/cwd/virtual_alias" ||
	no "files changed though the commit was refused"
rm "$tmp/cwd/virtual_alias"

# ---- a table outside the Postfix directory is refused -------------------
fresh 2
cp "$pf/virtual_alias" "$tmp/outside/virtual_alias"
postmap -c "$pf" "hash:$tmp/outside/virtual_alias" || exit 99
sed -i "s|^virtual_alias_maps = .*|virtual_alias_maps = hash:$tmp/outside/virtual_alias|" "$pf/main.cf"
before=$(sums)
v alias add out@andromed.cloud admin@andromed.cloud >"$tmp/out" 2>&1 && no "a table outside $pf was edited"
grep -q "$tmp/outside/virtual_alias: error: is outside $pf" "$tmp/out" || no "no message naming the table: $(cat "$tmp/out")"
[ "$(sums)" = "$before" ] || no "files changed though the commit was refused"

# ---- nothing below the Postfix directory is followed ----------------------
fresh 3
mkdir -p "$tmp/outside/maps"
cp "$pf/virtual_alias" "$tmp/outside/maps/virtual_alias"
postmap -c "$pf" "hash:$tmp/outside/maps/virtual_alias" || exit 99
ln -s "$tmp/outside/maps" "$pf/maps"
sed -i "s|^virtual_alias_maps = .*|virtual_alias_maps = hash:$pf/maps/virtual_alias|" "$pf/main.cf"
before=$(sums)
v alias add link@andromed.cloud admin@andromed.cloud >"$tmp/out" 2>&1 && no "a table behind a symlink was edited"
grep -q "$pf/maps: error: is a symbolic link" "$tmp/out" || no "no message naming the symlink: $(cat "$tmp/out")"
[ "$(sums)" = "$before" ] || no "files changed though the commit was refused"
# the dry run says so too (it showed the diff and "nothing was changed" as
# if the commit would go through), with the commit's status for problems
v alias add link@andromed.cloud admin@andromed.cloud --dry-run >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 1 ] || no "dry run through a symlink: status $rc"
grep -q "$pf/maps: error: is a symbolic link" "$tmp/out" || no "dry run: no message naming the symlink: $(cat "$tmp/out")"
grep -q "^dry run: the commit would stop before changing anything" "$tmp/out" || no "dry run: does not say the commit would stop"

# ---- a planted backups symlink: refused, no backup outside ---------------
fresh 4
mkdir -p "$tmp/outside/backups"
rm -rf "$d/state/backups"
mkdir -p "$d/state"
ln -s "$tmp/outside/backups" "$d/state/backups"
before=$(sums)
v alias add bk@andromed.cloud admin@andromed.cloud >"$tmp/out" 2>&1 && no "committed with a backups symlink"
grep -q "$d/state/backups: error: is a symbolic link" "$tmp/out" || no "no message naming backups: $(cat "$tmp/out")"
[ -z "$(ls -A "$tmp/outside/backups")" ] || no "a backup went through the symlink: $(ls -A "$tmp/outside/backups")"
[ "$(sums)" = "$before" ] || no "files changed though the commit was refused"

# ---- configured top directories may be symlinks (resolved once) ----------
fresh 5
mv "$d/state" "$tmp/state-elsewhere" 2>/dev/null || mkdir -p "$tmp/state-elsewhere"
ln -s "$tmp/state-elsewhere" "$d/state"
mv "$pf" "$tmp/postfix-elsewhere" && ln -s "$tmp/postfix-elsewhere" "$pf"
v alias add top@andromed.cloud admin@andromed.cloud >"$tmp/out" 2>&1 ||
	no "symlinked top directories refused: $(cat "$tmp/out")"
grep -q '^top@andromed.cloud' "$tmp/postfix-elsewhere/virtual_alias" || no "top@ not written"
ls "$tmp/state-elsewhere/backups/" | grep -q virtual_alias || no "no backup in the symlinked state directory"

exit $fail
