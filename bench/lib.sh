# Sourced by the benches that run on a generated 100,000-entry tree
# (model-load.sh, list-json.sh, trace.sh): NAME is the bench's name.
# bench_need PROGRAM...: skip the bench (exit 0) when one is missing.
# bench_tables N: $dir (removed on exit) gets bench/gen-tables' tree of N
# mailboxes, aliases and passwd-file entries, its maps built; $pf is its
# Postfix directory.
bench_need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || { echo "$NAME: $p not found, skipped"; exit 0; }
	done
}

bench_tables() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-bench.XXXXXX")
	trap 'rm -rf "$dir"' EXIT INT TERM
	python3 "$top_srcdir/bench/gen-tables" "$dir" "$1"
	pf="$dir/etc/postfix"
	# Postfix re-reads a main.cf younger than 1 s; back-date it so that
	# its runs are not charged for that.
	touch -d @$(($(date +%s) - 10)) "$pf/main.cf"
	postmap -c "$pf" "hash:$pf/vmailbox" "hash:$pf/virtual"
}
