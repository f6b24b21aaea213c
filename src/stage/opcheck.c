/* The syntax checks of operations that need no model (reference §1.1,
 * issue 4): a domain name, an address Postfix tables and the passwd-file
 * can hold, an alias or catch-all target, a quota; and op_check, the ones
 * a whole operation's words must pass, whoever built it. Declared in op.h. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "vmailadm/i18n.h"
#include "vmailadm/op.h"

bool op_valid_domain(const char *domain, struct strbuf *why)
{
	size_t len = strlen(domain), label = 0;
	if (len == 0 || len > 253) {
		sb_adds(why, len ? _("domain name longer than 253 characters") : _("empty domain name"));
		return false;
	}
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)domain[i];
		if (c == '.' || c == '\0') {
			if (label == 0 && c == '\0' && len > 1 && domain[len - 2] != '.') {
				sb_addf(why, _("'%s' ends with '.': write the domain without it (Postfix drops it from addresses, and a table key with it never matches)"),
					domain);
				return false;
			}
			if (label == 0) {
				sb_addf(why, _("empty label in domain name '%s'"), domain);
				return false;
			}
			if (domain[i - 1] == '-') {
				sb_addf(why, _("a label of '%s' ends with '-'"), domain);
				return false;
			}
			label = 0;
			continue;
		}
		if (c >= 0x80) {
			/* one byte of a UTF-8 letter: shown as '?' it named nothing */
			sb_addf(why, _("'%s' holds a non-ASCII character: an international domain name is written here in its ASCII (xn--) form, as DNS and Postfix's tables know it"),
				domain);
			return false;
		}
		if (!(isalnum(c) || c == '-')) {
			sb_addf(why, _("character '%c' is not allowed in domain name '%s' (letters, digits, '-' and '.'; use the xn-- form for international names)"),
				isprint(c) ? c : '?', domain);
			return false;
		}
		if (label == 0 && c == '-') {
			sb_addf(why, _("a label of '%s' starts with '-'"), domain);
			return false;
		}
		if (++label > 63) {
			sb_addf(why, _("a label of '%s' is longer than 63 characters"), domain);
			return false;
		}
	}
	return true;
}

/* Characters a local part may hold here: RFC 5322 atext and '.', minus what
 * breaks a Postfix table line, a passwd-file line or a maildir path
 * ('/', ':', ',', '"', whitespace) — reference §1.1, §4. */
static bool local_char_ok(unsigned char c)
{
	return isalnum(c) || (c < 0x80 && strchr(".!#$%&'*+-=?^_`{|}~", c) && c != '\0');
}

bool op_valid_address(const char *address, struct strbuf *why)
{
	const char *at = strrchr(address, '@');
	if (!at || at == address) {
		sb_addf(why, _("'%s' is not an address of the form user@domain"), address);
		return false;
	}
	size_t local_len = (size_t)(at - address);
	if (local_len > 64) {
		sb_addf(why, _("the user part of '%s' is longer than 64 characters"), address);
		return false;
	}
	if (strlen(address) > 254) {
		sb_adds(why, _("address longer than 254 characters"));
		return false;
	}
	for (size_t i = 0; i < local_len; i++) {
		unsigned char c = (unsigned char)address[i];
		if (!local_char_ok(c)) {
			if (c >= 0x80)
				sb_addf(why, _("'%s': non-ASCII user names are not supported"), address);
			else if (isprint(c) && c != ' ')
				sb_addf(why, _("character '%c' is not allowed in '%s'"), c, address);
			else
				sb_addf(why, _("'%s' contains whitespace or a control character"), address);
			return false;
		}
	}
	if (address[0] == '.' || at[-1] == '.' || memmem(address, local_len, "..", 2)) {
		sb_addf(why, _("'%s': the user part may not start or end with '.' or hold '..'"), address);
		return false;
	}
	if (address[0] == '#') {
		sb_addf(why, _("'%s' starts with '#', which Postfix tables read as a comment"), address);
		return false;
	}
	return op_valid_domain(at + 1, why);
}

/* Legal in an RFC 5322 local part, but a hazard downstream: shell
 * metacharacters for every script that pastes an address into a command,
 * '%' which Postfix and Dovecot both expand, '|' a pipe in aliases(5), '#'
 * a comment in tables, '=' and '\'' in SQL and LDAP filters. The one list:
 * the local_part_allow setting lets some back in. */
static const char dangerous_local[] = "!#$%&'*;=?`{|}~";

bool op_safe_local_part(const char *address, const char *allowed, struct strbuf *why)
{
	const char *at = strrchr(address, '@');
	size_t n = at ? (size_t)(at - address) : strlen(address);
	for (size_t i = 0; i < n; i++) {
		char c = address[i];
		if (c != '\0' && strchr(dangerous_local, c) && !(allowed && strchr(allowed, c))) {
			sb_addf(why, _("character '%c' in '%s' is legal in an address but dangerous in scripts and in Postfix and Dovecot settings: refused for a new address (the local_part_allow setting lets it in)"),
				c, address);
			return false;
		}
	}
	return true;
}

bool op_valid_catchall_target(const char *target, struct strbuf *why)
{
	/* virtual(5) "result address rewriting": @other as the result of
	 * @domain sends each user to the same user at other. */
	if (target[0] == '@')
		return op_valid_domain(target + 1, why);
	return op_valid_target(target, why);
}

bool op_valid_target(const char *target, struct strbuf *why)
{
	/* Postfix would rewrite "@domain" into the alias's own user at domain,
	 * and only as the first target: never what "alias add x @domain"
	 * means to whoever typed it. */
	if (target[0] == '@') {
		sb_addf(why, _("'%s' has no user part: an alias target is a whole address (user@domain)"),
			target);
		return false;
	}
	if (!strchr(target, '@')) {
		sb_addf(why, _("'%s' has no domain: write a full address (Postfix would append $myorigin and deliver locally)"),
			target);
		return false;
	}
	return op_valid_address(target, why);
}

bool op_quota_rule(const char *quota, struct strbuf *rule, struct strbuf *why)
{
	const char *p = quota;
	if (!isdigit((unsigned char)*p)) {
		sb_addf(why, _("quota '%s' is not a size such as 500M, 2G or 0 (unlimited)"), quota);
		return false;
	}
	while (isdigit((unsigned char)*p))
		p++;
	char suffix = *p ? (char)toupper((unsigned char)*p) : '\0';
	if ((suffix && !strchr("KMGT", suffix)) || (suffix && p[1] && !(toupper((unsigned char)p[1]) == 'B' && !p[2]))) {
		sb_addf(why, _("quota '%s' is not a size such as 500M, 2G or 0 (unlimited)"), quota);
		return false;
	}
	/* Dovecot reads the size into a 64-bit byte count: a bigger one
	 * makes its quota rule fail to parse, so every login fails. */
	unsigned shift = suffix == 'K' ? 10 : suffix == 'M' ? 20 : suffix == 'G' ? 30 : suffix == 'T' ? 40 : 0;
	uint64_t v = 0, max = (uint64_t)INT64_MAX >> shift;
	for (const char *q = quota; q < p; q++) {
		unsigned digit = (unsigned)(*q - '0');
		if (v > (max - digit) / 10) {
			sb_addf(why, _("quota '%s' is larger than Dovecot can count (8 EiB)"), quota);
			return false;
		}
		v = v * 10 + digit;
	}
	sb_adds(rule, "*:storage=");
	sb_add(rule, quota, (size_t)(p - quota));
	if (suffix)
		sb_addc(rule, suffix == 'K' ? 'k' : suffix);
	return true;
}

/* Every target of op passes ok (the first that does not says why). */
static bool op_check_targets(const struct op *op, bool (*ok)(const char *, struct strbuf *),
			     struct strbuf *why)
{
	for (size_t i = 0; i < op->ntargets; i++)
		if (!ok(op->targets[i], why))
			return false;
	return true;
}

/* The name of an /etc/aliases entry, and its targets: what local(8) and
 * postalias can read back as written. */
static bool op_check_sysalias(const struct op *op, struct strbuf *why)
{
	if (!*op->subject) {
		sb_adds(why, _("empty alias name"));
		return false;
	}
	for (const char *p = op->subject; *p; p++) {
		/* local(8) looks the local part up: a name with '@' never matches. */
		if ((unsigned char)*p < 0x21 || *p == ':' || *p == '#' || *p == ',' || *p == '"' || *p == '@') {
			sb_addf(why, _("'%s' cannot be a name in the aliases file"), op->subject);
			return false;
		}
	}
	for (size_t i = 0; op->kind == OP_SYSALIAS_SET && i < op->ntargets; i++)
		for (const char *p = op->targets[i]; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == ',') {
				sb_addf(why, _("'%s' cannot be a target in the aliases file"), op->targets[i]);
				return false;
			}
	return true;
}

static bool op_check_quota(const struct op *op, struct strbuf *why)
{
	struct strbuf rule = STRBUF_INIT;
	bool ok = !op->quota || !*op->quota || op_quota_rule(op->quota, &rule, why);
	sb_free(&rule);
	return ok;
}

static bool op_check_forward(const struct op *op, struct strbuf *why)
{
	for (size_t i = 0; i < op->ntargets; i++)
		if (strcasecmp(op->targets[i], op->subject) == 0) {
			sb_addf(why, _("%s cannot forward to itself: --keep-copy keeps its mail in its INBOX"),
				op->subject);
			return false;
		}
	return op_check_targets(op, op_valid_target, why);
}

bool op_check(const struct op *op, struct strbuf *why)
{
	switch (op->kind) {
	case OP_DOMAIN_ADD:
		return op_valid_domain(op->subject, why) && (!op->alias_of || op_valid_domain(op->alias_of, why));
	case OP_MAILBOX_ADD:
		return op_valid_address(op->subject, why) && op_check_quota(op, why);
	case OP_MAILBOX_QUOTA:
		return op_check_quota(op, why);
	case OP_MAILBOX_RENAME:
		return !op->ntargets || op_valid_address(op->targets[0], why);
	case OP_ALIAS_ADD:
	case OP_ALIAS_SET:
		return op_valid_address(op->subject, why) && op_check_targets(op, op_valid_target, why);
	case OP_CATCHALL_SET:
		return op_check_targets(op, op_valid_catchall_target, why);
	case OP_FORWARD_SET:
		return op_check_forward(op, why);
	case OP_SENDAS_ALLOW:
	case OP_SENDAS_DENY:
		/* ADDRESS is user@domain or @domain (any user there without a line) */
		return (op->subject[0] == '@' ? op_valid_domain(op->subject + 1, why)
					      : op_valid_address(op->subject, why)) &&
		       op_check_targets(op, op_valid_address, why);
	case OP_SYSALIAS_SET:
	case OP_SYSALIAS_DEL:
		return op_check_sysalias(op, why);
	default:
		return true;
	}
}
