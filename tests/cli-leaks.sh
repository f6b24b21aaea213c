#!/bin/sh
# Issue 10, item 12 (the leaks in this area): under valgrind, no block is
# definitely lost by apply with front options on its lines (op_split_words'
# words were dropped by transact_take_options, 64 bytes each), nor by an
# import whose hashing fails (an unknown scheme, a password over libxcrypt's
# limit), nor by the refusals of defects 7 and 8. Skipped without valgrind.
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: no valgrind"; exit 77; }
# An AddressSanitizer build checks its own leaks; valgrind cannot run it.
ldd "$VMAILADM" 2>/dev/null | grep -q libasan && { echo "SKIP: a sanitizer build (LeakSanitizer checks it)"; exit 77; }
. "$top_srcdir/tests/lib.sh"
demo_world
# vg NAME ARGS...: vmailadm under valgrind; any definite leak fails NAME.
vg() {
	name=$1
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file="$tmp/vg" "$VMAILADM" --config "$d/vmailadm.yaml" "$@" >/dev/null 2>&1 <"$tmp/in"
	[ $? -ne 99 ] || no "$name: $(grep -m1 'definitely lost' "$tmp/vg")"
}
: >"$tmp/in"
printf 'mailbox add v1@andromed.cloud --dry-run --yes\nalias add v2@andromed.cloud admin@andromed.cloud -n --json\n' >"$tmp/b"
vg "apply with front options" apply "$tmp/b" --dry-run
printf 'address,password,quota\nv3@andromed.cloud,*,1G\nv4@andromed.cloud,secret-long-1,\n' >"$tmp/c.csv"
vg "import, unknown scheme" import --csv "$tmp/c.csv" --dry-run --scheme NOPE
long=$(head -c 600 /dev/zero | tr '\0' x)
printf 'address,password,quota\nv5@andromed.cloud,%s,1G\n' "$long" >"$tmp/l.csv"
vg "import, password too long" import --csv "$tmp/l.csv" --dry-run
printf 'address,password,quota\n"v6@andromed.cloud,x,\n' >"$tmp/q.csv"
vg "import, open quote" import --csv "$tmp/q.csv" --dry-run
printf 'mailbox add v7@andromed.cloud --password-hash {PLAIN}x\n' >"$tmp/h"
vg "apply, clear-text hash" apply "$tmp/h" --dry-run
printf 'x\000y\n' >"$tmp/in"
vg "password with a NUL" mailbox add v8@andromed.cloud --password-stdin --dry-run
[ $fail -eq 0 ] && echo "ok: no leak under valgrind"
exit $fail
