#!/bin/sh
# A commit that fails and rolls back leaves no file that was not there
# before (issue 14), a map it built where there was none included: on a
# demo tree whose maps were never built, every step of mailbox add and
# alias add is made to fail, then made to SIGKILL the process
# (VMAILADM_FAIL_AT); after the read command that recovers, the tree
# (but state_dir) holds exactly the paths it held, unless the commit got
# through (then its source says so).
set -u
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl (for a fixed password hash)"; exit 77; }
tmp=$( (test -w /dev/shm && mktemp -d -p /dev/shm) || mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG VMAILADM_FAIL_AT VMAILADM_INJECT_TRACE

w="$tmp/w"
"$VMAILADM" demo "$w" >/dev/null || exit 99
sed -i 's|^postfix_reload:.*|postfix_reload: /bin/true|; s|^dovecot_reload:.*|dovecot_reload: /bin/true|' "$w/vmailadm.yaml"
printf 'postmap: %s\n' "$(command -v postmap)" >>"$w/vmailadm.yaml"
ls "$w"/etc/postfix/*.db >/dev/null 2>&1 && { echo "the demo has built maps"; exit 99; }
cp -a "$w" "$tmp/tpl"
paths() { (cd "$w" && find . ! -path './state' ! -path './state/*' | sort); }
before=$(paths)
H="{SHA512-CRYPT}$(openssl passwd -6 -salt newfiles secret)"
run() { # run CMD [VAR=VALUE]
	case $1 in
	add) env ${2:+"$2"} "$VMAILADM" --config "$w/vmailadm.yaml" mailbox add new@andromed.cloud --password-hash "$H" ;;
	alias) env ${2:+"$2"} "$VMAILADM" --config "$w/vmailadm.yaml" alias add nouveau@andromed.cloud johndoe@andromed.cloud ;;
	esac
}
key() { case $1 in add) echo '^new@andromed.cloud ' ;; alias) echo '^nouveau@andromed.cloud ' ;; esac; }
map() { case $1 in add) echo vmailbox ;; alias) echo virtual_alias ;; esac; }

walked=0
for c in add alias; do
	rm -rf "$w" && cp -a "$tmp/tpl" "$w"
	run "$c" VMAILADM_INJECT_TRACE="$tmp/trace" >"$tmp/out" 2>&1 || { no "$c: the traced run failed: $(cat "$tmp/out")"; continue; }
	[ -f "$w/etc/postfix/$(map "$c").db" ] || no "$c: the traced run built no map"
	for s in $(awk '{ print $1 }' "$tmp/trace" | sort -u); do
		for spec in "$s" "$s:kill"; do
			walked=$((walked + 1))
			rm -rf "$w" && cp -a "$tmp/tpl" "$w"
			(run "$c" VMAILADM_FAIL_AT="$spec") >"$tmp/out" 2>&1
			"$VMAILADM" --config "$w/vmailadm.yaml" list mailboxes >"$tmp/list" 2>&1
			# A commit that got through (a reload or the audit failed
			# after it) has the new entry: its new files are its own.
			grep -q "$(key "$c")" "$w/etc/postfix/$(map "$c")" && continue
			after=$(paths)
			[ "$before" = "$after" ] ||
				no "$c at $spec: new paths after the rollback: $(printf '%s\n' "$after" | grep -vxF "$before" | tr '\n' ' ')"
		done
	done
done
[ "$walked" -ge 30 ] || no "only $walked injections walked"
[ "$fail" -eq 0 ] && echo "ok: $walked failed or killed commits left no new file"
exit $fail
