#!/bin/sh
# Lint's database traps (issue 18) on a demo tree whose main.cf and
# master.cf name proxy: and pgsql: maps (no database needed: these rules
# read the files): a proxied map missing from proxy_read_maps (Postfix's
# default approves the maps of the parameters it names, so a main.cf
# without proxy_read_maps is not flagged), a direct pgsql: map under a
# chrooted smtpd (y, or "-" below compatibility_level 1; none with n), in
# main.cf and in a service's -o, and non-ASCII keys with Postfix before
# 3.8 only.
. "${top_srcdir:-.}/tests/lib.sh"
demo_world
pf="$d/etc/postfix"
cp "$pf/main.cf" "$tmp/main.cf.orig"
q() { grep -F -- "$1" "$tmp/out"; }

# --- proxy-map-not-approved
cat >>"$pf/main.cf" <<EOF
relay_recipient_maps = proxy:pgsql:$pf/pgsql/relay.cf
transport_maps = proxy:pgsql:\${config_directory}/pgsql/transport.cf
config_directory = $pf
sender_bcc_maps = pipemap:{proxy:pgsql:$pf/pgsql/a.cf, proxy:pgsql:$pf/pgsql/b.cf}
EOF
v lint >"$tmp/out" 2>&1
q proxy-map-not-approved && no "the default proxy_read_maps flagged: $(q proxy-map-not-approved)"
# proxy_read_maps of one's own: what it leaves out is flagged, at the
# line that writes it (the expanded $config_directory compared).
echo "proxy_read_maps = \$relay_recipient_maps, proxy:pgsql:$pf/pgsql/a.cf" >>"$pf/main.cf"
pl=$(grep -c '' "$pf/main.cf")
tl=$(grep -n '^transport_maps' "$pf/main.cf" | cut -d: -f1)
bl=$(grep -n '^sender_bcc_maps' "$pf/main.cf" | cut -d: -f1)
v lint >"$tmp/out" 2>&1 && no "lint passed an unapproved proxy map"
q "$pf/main.cf:$tl: error: [proxy-map-not-approved] transport_maps uses proxy:pgsql:$pf/pgsql/transport.cf, but proxy_read_maps does not list it" >/dev/null ||
	no "transport_maps not flagged at line $tl: $(q proxy-map-not-approved)"
q "(line $pl of $pf/main.cf)" >/dev/null || no "the fix does not name proxy_read_maps' line $pl"
q "$pf/main.cf:$bl: error: [proxy-map-not-approved] sender_bcc_maps uses proxy:pgsql:$pf/pgsql/b.cf" >/dev/null ||
	no "the map inside pipemap:{} not flagged"
q "pgsql/a.cf, but" >/dev/null && no "a map proxy_read_maps lists was flagged"
q "pgsql/relay.cf" >/dev/null && no "relay_recipient_maps (named by \$relay_recipient_maps) was flagged"
[ "$(q proxy-map-not-approved | wc -l)" -eq 2 ] || no "not two proxy problems: $(q proxy-map-not-approved)"
# Listed without proxy: it approves nothing (proxymap.c skips it).
echo "proxy_read_maps = pgsql:$pf/pgsql/relay.cf" >>"$pf/main.cf"
v lint >"$tmp/out" 2>&1
q "relay_recipient_maps uses proxy:pgsql:$pf/pgsql/relay.cf, but" >/dev/null ||
	no "a proxy_read_maps item without proxy: approved the map"
v --json lint >"$tmp/json" 2>/dev/null
grep -q '"rule": "proxy-map-not-approved"' "$tmp/json" || no "--json: no proxy-map-not-approved"

# --- pgsql-map-in-chroot
cp "$tmp/main.cf.orig" "$pf/main.cf"
cat >>"$pf/main.cf" <<EOF
smtpd_recipient_restrictions = permit_mynetworks,
    check_recipient_access pgsql:$pf/pgsql/access.cf, reject_unauth_destination
smtpd_restriction_classes = strict
strict = check_sender_access pgsql:$pf/pgsql/strict.cf
canonical_maps = pgsql:$pf/pgsql/canonical.cf
EOF
rl=$(grep -n '^smtpd_recipient_restrictions' "$pf/main.cf" | cut -d: -f1)
sl=$(grep -n '^strict' "$pf/main.cf" | cut -d: -f1)
v lint >"$tmp/out" 2>&1
q pgsql-map-in-chroot >/dev/null && no "flagged without a master.cf"
printf '%s\n' '# service type  private unpriv  chroot  wakeup  maxproc command' \
	'smtp      inet  n       -       y       -       -       smtpd' \
	'submission inet n       -       n       -       -       smtpd' \
	"  -o smtpd_sender_login_maps=pgsql:$pf/pgsql/login.cf" \
	'proxymap  unix  -       -       n       -       -       proxymap' >"$pf/master.cf"
v lint >"$tmp/out" 2>&1 && no "lint passed a pgsql: map under a chrooted smtpd"
q "$pf/main.cf:$rl: error: [pgsql-map-in-chroot] smtpd_recipient_restrictions uses pgsql:$pf/pgsql/access.cf directly, but smtpd runs chrooted ($pf/master.cf:2)" >/dev/null ||
	no "the restriction's map not flagged: $(q pgsql-map-in-chroot)"
q "$pf/main.cf:$sl: error: [pgsql-map-in-chroot] strict uses pgsql:$pf/pgsql/strict.cf" >/dev/null ||
	no "the restriction class's map not flagged"
q "canonical.cf" >/dev/null && no "canonical_maps (cleanup's, not smtpd's) flagged"
q "login.cf" >/dev/null && no "the -o of a service that is not chrooted flagged"
q "fix: use proxy:pgsql:$pf/pgsql/access.cf" >/dev/null || no "the fix does not say proxy:pgsql:"
# "-": y below compatibility_level 1 (Postfix's default 0), n from 1 on.
sed -i 's/^\(smtp .*\)y\( .*smtpd\)$/\1-\2/; s/^\(submission .*\)n\( .*smtpd\)$/\1y\2/' "$pf/master.cf"
v lint >"$tmp/out" 2>&1
q "$pf/master.cf:4: error: [pgsql-map-in-chroot] smtpd_sender_login_maps uses pgsql:$pf/pgsql/login.cf directly, but smtpd runs chrooted ($pf/master.cf:3)" >/dev/null ||
	no "the -o override of a chrooted service not flagged: $(q pgsql-map-in-chroot)"
sed -i '/^compatibility_level/d' "$pf/main.cf"
v lint >"$tmp/out" 2>&1
q "runs chrooted ($pf/master.cf:2: \"-\" is y below compatibility_level 1)" >/dev/null ||
	no "chroot - at compatibility_level 0 not taken for y: $(q pgsql-map-in-chroot | head -2)"
echo "compatibility_level = 3.6" >>"$pf/main.cf"
sed -i 's/^\(submission .*\)y\( .*smtpd\)$/\1n\2/' "$pf/master.cf"
v lint >"$tmp/out" 2>&1
q pgsql-map-in-chroot >/dev/null && no "chroot - at compatibility_level 3.6 taken for y: $(q pgsql-map-in-chroot)"
# proxy:pgsql: is what works in the chroot.
sed -i "s#check_recipient_access pgsql:#check_recipient_access proxy:pgsql:#" "$pf/main.cf"
sed -i 's/^\(smtp .*\)-\( .*smtpd\)$/\1y\2/' "$pf/master.cf"
v lint >"$tmp/out" 2>&1
q "access.cf directly" >/dev/null && no "proxy:pgsql: flagged as direct"

# --- non-ascii-key-latin1: only with a pgsql map, and Postfix before 3.8.
cp "$tmp/main.cf.orig" "$pf/main.cf"
printf 'jos\303\251@andromed.cloud    johndoe@andromed.cloud\n' >>"$pf/virtual_alias"
al=$(grep -c '' "$pf/virtual_alias")
VMAILADM_POSTFIX_VERSION=3.7.11 v lint >"$tmp/out" 2>&1
q non-ascii-key-latin1 >/dev/null && no "non-ASCII flagged without any pgsql map"
echo "relay_recipient_maps = proxy:pgsql:$pf/pgsql/relay.cf" >>"$pf/main.cf"
VMAILADM_POSTFIX_VERSION=3.7.11 v lint >"$tmp/out" 2>&1
q "$pf/virtual_alias:$al: warning: [non-ascii-key-latin1] the alias jos" >/dev/null ||
	no "the non-ASCII alias not flagged with Postfix 3.7: $(q non-ascii)"
q "Postfix 3.7.11 queries PostgreSQL with client_encoding LATIN1" >/dev/null || no "the message does not name the version"
[ "$(q non-ascii-key-latin1 | wc -l)" -eq 1 ] || no "not one non-ASCII problem"
VMAILADM_POSTFIX_VERSION=3.8.0 v lint >"$tmp/out" 2>&1
q non-ascii-key-latin1 >/dev/null && no "non-ASCII flagged with Postfix 3.8"

# French (the catalog compiled as tests/i18n.sh does)
command -v msgfmt >/dev/null 2>&1 || { echo "SKIP (French): no msgfmt"; exit $fail; }
mkdir -p "$tmp/locale/fr/LC_MESSAGES"
msgfmt -o "$tmp/locale/fr/LC_MESSAGES/vmailadm.mo" "$top_srcdir/po/fr.po" || no "msgfmt po/fr.po"
VMAILADM_LOCALEDIR="$tmp/locale" LANGUAGE=fr LC_ALL=C.UTF-8 VMAILADM_POSTFIX_VERSION=3.7.11 v lint >"$tmp/out" 2>&1
q "l'alias jos" >/dev/null && q "n'est pas en ASCII, et Postfix 3.7.11 interroge" >/dev/null ||
	no "no French message: $(q non-ascii)"
exit $fail
