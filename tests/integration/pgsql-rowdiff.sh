#!/bin/sh
# backend: pgsql (issue 18): the preview's row diff is made from the lines
# the staged edits changed (src/stage/pgrowdiff.c), not from two whole
# worlds. For every kind of edit, alone and in one batch, on the demo
# imported into a real PostgreSQL 15, the dry run's output is the same
# byte for byte as the one VMAILADM_ROWDIFF_WHOLE=1 gives (both worlds
# whole), with and without an alias domain; and a change made with it
# commits the rows it shows.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/pglib.sh"
pg_test_start

pg_demo
cat >"$T/doveadm" <<EOF
#!/bin/sh
exit 0
EOF
chmod +x "$T/doveadm"
printf 'backend: pgsql\npgsql_conninfo: "%s"\ndoveadm: %s\n' "$CI" "$T/doveadm" >>"$Y"
H='{SHA512-CRYPT}$6$rowdiffrowdiff12$Bx0dZbOa7MUc7u6qkSxMzWm3p2v1Ewr3kpeVgMWwFC8nM4Ow6kJ0I1Wn0qW3cQ1c7TgIcuLSxA8a2WMiqx1ty/'

# Both ways, one edit: the same output and the same exit status.
same() {
	"$VMAILADM" --config "$Y" "$@" --dry-run >"$T/lines" 2>&1
	a=$?
	VMAILADM_ROWDIFF_WHOLE=1 "$VMAILADM" --config "$Y" "$@" --dry-run >"$T/whole" 2>&1
	b=$?
	# An archive's name holds the second it was planned in.
	sed -i 's/-[0-9]\{8\}-[0-9]\{6\}$/-STAMP/' "$T/lines" "$T/whole"
	if [ "$a" = "$b" ] && cmp -s "$T/lines" "$T/whole"; then
		if grep -q '^[-+~]\(domain\|mailbox\|alias\) ' "$T/lines"; then
			ok "$*: $(grep -c '^[-+~]\(domain\|mailbox\|alias\) ' "$T/lines") rows, as the whole worlds give"
		else
			ok "$*: no row (exit $a), as the whole worlds say"
		fi
	else
		fail "$* (exit $a / $b): $(diff "$T/whole" "$T/lines" | head -20)"
	fi
}

same mailbox add new@andromed.cloud --password-hash "$H" --quota 2G
same mailbox add New.Case@Andromed.Cloud --password-hash "$H"
same mailbox add x@ascent.cloud --password-hash "$H"
same mailbox del janedoe@andromed.cloud
same mailbox del contact@andromed.cloud --purge
same mailbox quota johndoe@andromed.cloud 5G
same mailbox quota support@andromed.cloud none
same mailbox passwd admin@ascent.cloud --password-hash "$H"
same alias add equipe@andromed.cloud admin@andromed.cloud
same alias add nouveau@andromed.cloud johndoe@andromed.cloud someone@example.org
same alias del equipe@andromed.cloud janedoe@andromed.cloud
same alias del info@andromed.cloud
same alias set postmaster@ascent.cloud contact@ascent.cloud admin@ascent.cloud
same catchall set ascent.cloud admin@ascent.cloud
same catchall set andromed.cloud johndoe@andromed.cloud
same domain add orion.test
same domain add alias.test --alias-of andromed.cloud
same domain del ascent.cloud --cascade
same domain del andromed.cloud --cascade

# An alias domain in the database: its row depends on every line of its
# domain, which an edit of its target's addresses changes (a mirror line).
v domain add alias.test --alias-of andromed.cloud >"$T/out" 2>&1 &&
	[ "$(pg_sql postfix "SELECT target_domain FROM alias_domain WHERE alias_domain = 'alias.test'")" = andromed.cloud ] ||
	fail "the alias domain was not committed: $(cat "$T/out")"
same mailbox add z@andromed.cloud --password-hash "$H"
same mailbox del contact@andromed.cloud --purge
same alias add newal@andromed.cloud johndoe@andromed.cloud
same alias del webmaster@andromed.cloud
same catchall set andromed.cloud johndoe@andromed.cloud
same mailbox rename johndoe@andromed.cloud jd@andromed.cloud
same domain del alias.test
same domain del andromed.cloud --cascade

# Several edits in one batch, over several domains.
cat >"$T/batch" <<EOF
domain add orion.test
mailbox add a@orion.test --password-hash $H
alias add all@orion.test a@orion.test johndoe@andromed.cloud
catchall set orion.test a@orion.test
alias set postmaster@ascent.cloud contact@ascent.cloud
mailbox del admin@ascent.cloud
mailbox quota johndoe@andromed.cloud 1G
EOF
same apply "$T/batch"

# Committed: the database holds what the preview showed.
v apply "$T/batch" >"$T/out" 2>&1 || fail "the batch did not commit: $(cat "$T/out")"
[ "$(pg_sql postfix "SELECT goto FROM alias WHERE address = 'all@orion.test'")" = "a@orion.test,johndoe@andromed.cloud" ] &&
	[ -z "$(pg_sql postfix "SELECT 1 FROM mailbox WHERE username = 'admin@ascent.cloud'")" ] &&
	ok "the batch committed its rows" || fail "rows: $(pg_sql postfix "SELECT address, goto FROM alias")"
# The next command reads the database again (one snapshot per command),
# and the preview of a second edit is still the whole worlds'.
same mailbox add b@orion.test --password-hash "$H"
same domain del orion.test --cascade

[ "$fails" -eq 0 ] || exit 1
exit 0
