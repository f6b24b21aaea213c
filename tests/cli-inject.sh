#!/bin/sh
# Failure injection (issue 10): every step a commit goes through, made to
# fail and then made to SIGKILL the process (VMAILADM_FAIL_AT), for
# mailbox add, mailbox del, alias add, domain del --cascade, catchall set and
# apply of a mixed batch, on a demo tree with the real postmap. After each,
# a read command (list mailboxes) runs, then the checks: every managed file
# wholly old or wholly new (all of them the same), the maps answer the
# changed keys as their sources say, no message lost (every file under the
# mail base and the archive counted) nor maildir misplaced, no temporary
# file left, and the read command said what it recovered. The steps are
# learnt from a traced run (VMAILADM_INJECT_TRACE), so a new step is walked
# without touching this file.
#
# make check walks a representative part (under a minute): every step of
# domain del --cascade (three maps, two archives, both reloads) made to
# fail and killed, every step of mailbox add killed, and a rollback that
# fails in turn. INJECT_FULL=1 (make reliability, through
# tests/reliability/inject.sh) walks every step of every command both ways;
# INJECT_ONLY="CMD..." walks those commands fully. tests/RELIABILITY.md has
# the figures.
set -u
command -v postmap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v postmap >/dev/null 2>&1 || { echo "SKIP: no postmap"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl (for a fixed password hash)"; exit 77; }
# On a tmpfs when there is one: the commits' fsyncs are most of the time.
tmp=$( (test -w /dev/shm && mktemp -d -p /dev/shm) || mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
fail=0
nfail=0
no() { echo "FAIL: $*"; fail=1; nfail=$((nfail + 1)); }
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
unset VMAILADM_CONFIG VMAILADM_FAIL_AT VMAILADM_INJECT_TRACE

w="$tmp/w"
"$VMAILADM" demo "$w" >/dev/null 2>"$tmp/err" || { echo "FAIL: demo: $(cat "$tmp/err")"; exit 1; }
# The reloads run a program, so that their steps are reached too.
sed -i 's|^postfix_reload:.*|postfix_reload: /bin/true|; s|^dovecot_reload:.*|dovecot_reload: /bin/true|' \
	"$w/vmailadm.yaml"
printf 'postmap: %s\n' "$(command -v postmap)" >>"$w/vmailadm.yaml"
pf="$w/etc/postfix"
maps="vmailbox virtual_alias virtual_domains"
for m in $maps; do postmap -c "$pf" "hash:$pf/$m" || exit 99; done
cp -a "$w" "$tmp/tpl"
reset() { rm -rf "$w" && cp -a "$tmp/tpl" "$w"; }

H="{SHA512-CRYPT}$(openssl passwd -6 -salt inject12 secret)"
cat >"$tmp/batch" <<EOF
mailbox add batch1@andromed.cloud --password-hash $H
alias add batch2@andromed.cloud batch1@andromed.cloud
mailbox del contact@andromed.cloud
catchall set ascent.cloud admin@ascent.cloud
EOF

# cmd NAME VAR=VALUE: run one of the commands with that environment.
cmd() {
	_c=$1
	shift
	case $_c in
	add) env "$@" "$VMAILADM" --config "$w/vmailadm.yaml" mailbox add new@andromed.cloud --password-hash "$H" ;;
	del) env "$@" "$VMAILADM" --config "$w/vmailadm.yaml" mailbox del support@andromed.cloud --yes ;;
	alias) env "$@" "$VMAILADM" --config "$w/vmailadm.yaml" alias add nouveau@andromed.cloud johndoe@andromed.cloud ;;
	cascade) env "$@" "$VMAILADM" --config "$w/vmailadm.yaml" domain del ascent.cloud --cascade --yes ;;
	catchall) env "$@" "$VMAILADM" --config "$w/vmailadm.yaml" catchall set andromed.cloud johndoe@andromed.cloud ;;
	apply) env "$@" "$VMAILADM" --config "$w/vmailadm.yaml" apply --yes "$tmp/batch" ;;
	esac
}

# The managed files (not the maps: they are asked below), as digests.
managed=$(cd "$w" && find etc -type f ! -name '*.db' | sort)
sums() { (cd "$w" && sha256sum $managed); }
# One walk of the tree: the maildirs under the base (DOMAIN/USER), then
# "messages N", "archived N" and every temporary file left.
inventory() {
	(cd "$w" && find vhosts archive etc -mindepth 1 \( -path 'vhosts/*/*' -prune -print \) \
		-o \( -path 'archive/*/*' -prune -print \) -o -name '?*.vmailadm-*' -print) \
		| awk '/^vhosts\// { sub(/^vhosts\//, ""); print; next }
		       /^archive\// { a++; next }
		       { print "temp " $0 }
		       END { print "archived " a + 0 }'
	echo "messages $(find "$w/vhosts" "$w/archive" -type f \( -path '*/cur/*' -o -path '*/new/*' \) | wc -l)"
}
temps() { find "$w" -name '?*.vmailadm-*'; }
# KEY<TAB>VALUE of each key of file $1 (one a line) in the source $2, as
# postmap stores it (first entry wins, keys case-folded).
expect() {
	awk 'NR == FNR { want[tolower($0)] = 1; next }
	     /^[ \t#]/ || NF == 0 { next }
	     { k = tolower($1) }
	     (k in want) && !(k in seen) { seen[k] = 1; v = $0; sub(/^[^ \t]+[ \t]+/, "", v); sub(/[ \t\r]+$/, "", v); print k "\t" v }' \
		"$1" "$2" | sort
}

walked=0
bad=0
full=${INJECT_FULL:-${INJECT_ONLY:-}}
commands="add cascade"
[ -n "$full" ] && commands="add del alias cascade catchall apply"
for c in ${INJECT_ONLY:-$commands}; do
	reset
	old=$(sums)
	oldinv=$(inventory)
	rm -f "$tmp/trace"
	cmd "$c" VMAILADM_INJECT_TRACE="$tmp/trace" >"$tmp/out" 2>&1 || { no "$c: the traced run failed: $(cat "$tmp/out")"; continue; }
	new=$(sums)
	newinv=$(inventory)
	[ "$old" != "$new" ] || no "$c: changed nothing"
	# The keys each map's source changed: first words of the lines that differ.
	for m in $maps; do
		diff "$tmp/tpl/etc/postfix/$m" "$pf/$m" | sed -n 's/^[<>] \([^ 	#][^ 	]*\).*/\1/p' \
			| tr 'A-Z' 'a-z' | sort -u >"$tmp/keys.$m"
	done
	steps=$(awk '{ n[$1]++; print $1 "#" n[$1] }' "$tmp/trace")
	[ -n "$steps" ] || no "$c: no step traced"
	extra=
	[ "$c" = add ] && extra="verify-map,restore-file#1"
	specs=$(for s in $steps; do echo "$s" "$s:kill"; done)
	[ "$c" = add ] && [ -z "$full" ] && specs=$(for s in $steps; do echo "$s:kill"; done)
	for spec in $specs $extra; do
		walked=$((walked + 1))
		before=$nfail
		reset
		cmd "$c" VMAILADM_FAIL_AT="$spec" >"$tmp/out" 2>&1
		rc=$?
		journal=no
		[ -e "$w/state/journal" ] && journal=yes
		left=$(temps)
		"$VMAILADM" --config "$w/vmailadm.yaml" list mailboxes >"$tmp/lout" 2>"$tmp/lerr" \
			|| no "$c $spec: list after it: $(cat "$tmp/lerr")"
		at="$c at $spec (exit $rc)"
		now=$(sums)
		if [ "$now" = "$old" ]; then state=old
		elif [ "$now" = "$new" ]; then state=new
		else no "$at: files neither all old nor all new; not old: $(echo "$now" | grep -vxF "$old" | awk '{ print $2 }' | tr '\n' ' ')"; bad=$((bad + 1)); continue
		fi
		# The command's own words: never "nothing changed" when something did.
		case $spec in *:kill) ;; *)
			if [ $state = old ] && [ $journal = no ]; then
				grep -q -e "rolled back" -e "^not committed" "$tmp/out" || no "$at: files old, but it said: $(tail -n 1 "$tmp/out")"
			fi
			if [ $state = new ] && grep -q "nothing changed" "$tmp/out"; then
				no "$at: said 'nothing changed' but the files are new"
			fi ;;
		esac
		[ $journal = yes ] && ! grep -q "interrupted commit" "$tmp/lerr" && no "$at: list did not say it recovered: $(cat "$tmp/lerr")"
		[ -n "$left" ] && ! grep -q "left by an interrupted commit" "$tmp/lerr" && no "$at: list did not say it removed $left"
		[ $journal = no ] && [ -z "$left" ] && [ -s "$tmp/lerr" ] && no "$at: list said something: $(cat "$tmp/lerr")"
		[ -e "$w/state/journal" ] && no "$at: the journal is still there after list"
		[ $journal = yes ] && ! tail -n 1 "$w/state/audit.log" | grep -q -e '"finished by recovery"' -e '"rolled back by recovery"' \
			&& no "$at: the audit log does not say how the interrupted commit ended"
		inv=$(inventory)
		echo "$inv" | grep "^temp " && no "$at: temporary files left"
		[ "$(echo "$inv" | grep '^messages')" = "$(echo "$oldinv" | grep '^messages')" ] \
			|| no "$at: $(echo "$inv" | grep '^messages'), not $(echo "$oldinv" | grep '^messages')"
		if [ $state = old ]; then
			[ "$inv" = "$oldinv" ] || no "$at: files old, maildirs not: $(echo "$inv" | tr '\n' ' ')"
		elif ! grep -q "committed with errors" "$tmp/out"; then
			[ "$inv" = "$newinv" ] || no "$at: files new, maildirs not: $(echo "$inv" | tr '\n' ' ')"
		fi
		for m in $maps; do
			[ -s "$tmp/keys.$m" ] || continue
			expect "$tmp/keys.$m" "$pf/$m" >"$tmp/want"
			postmap -c "$pf" -q - "hash:$pf/$m" <"$tmp/keys.$m" | sort >"$tmp/got"
			cmp -s "$tmp/want" "$tmp/got" || no "$at: $m.db does not agree with $m: $(diff "$tmp/want" "$tmp/got" | head -4)"
		done
		[ $nfail = "$before" ] || bad=$((bad + 1))
	done
done
# The last line, as tests/reliability.mk reads it.
echo "inject: $((walked - bad)) passed, $bad failed"
exit $fail
