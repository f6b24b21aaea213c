# Sourced by the benches that run on a generated tree (model-load.sh,
# list-json.sh, trace.sh; maildir-scan.sh and tui-idle.sh for Maildirs):
# NAME is the bench's name.
# bench_need PROGRAM...: skip the bench (exit 0) when one is missing.
# bench_tables N [D]: $dir (removed on exit) gets bench/gen-tables' tree of
# N mailboxes, aliases and passwd-file entries over D domains (default
# 100), its maps built; $pf is its Postfix directory.
# bench_maildir_tree BOXES MESSAGES DOMAINS SEED: $tree is bench/gen-maildir's
# tree of those figures, made once and cached in /tmp/vmailadm-bench ($gen is
# the generator, built by make bench).
bench_maildir_tree() {
	cache=/tmp/vmailadm-bench
	tree="$cache/tree-$1-$2-$3-$4"
	mkdir -p "$cache"
	if [ ! -e "$tree/.complete" ]; then
		rm -rf "$tree"
		echo "generating $tree ..."
		"$gen" "$tree" "$1" "$2" "$3" "$4" || exit 1
		touch "$tree/.complete"
	fi
}

bench_need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || { echo "$NAME: $p not found, skipped"; exit 0; }
	done
}

bench_tables() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT INT TERM
	python3 "$top_srcdir/bench/gen-tables" --domains "${2:-100}" "$dir" "$1"
	pf="$dir/etc/postfix"
	# Postfix re-reads a main.cf younger than 1 s; back-date it so that
	# its runs are not charged for that.
	touch -d @$(($(date +%s) - 10)) "$pf/main.cf"
	postmap -c "$pf" "hash:$pf/vmailbox" "hash:$pf/virtual"
}
