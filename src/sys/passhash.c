/* Password hashing for the Dovecot passwd-file: libxcrypt salts and hashes,
 * written as "{SCHEME}hash"; verification of stored hashes; generated
 * passwords from getrandom. The plaintext is the caller's; scratch copies
 * made here (struct crypt_data) are wiped before they are freed. */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>

#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/passhash.h"
#include "vmailadm/xalloc.h"

/* What each written scheme asks libxcrypt for. SHA512-CRYPT keeps the
 * libxcrypt and doveadm default of 5000 rounds (count 0, no "rounds=" in
 * the hash): Dovecot verifies on every login without a cache, and the
 * schemes with a real work factor are BLF-CRYPT and CRYPT (yescrypt).
 * bcrypt's count 0 would mean cost 05 (reference real-postfix-dovecot §3),
 * far too cheap today, so it gets 10. yescrypt's count 0 is its own default
 * (j9T), the one Debian's passwd uses. */
static const struct {
	const char *scheme;
	const char *prefix;
	unsigned long count;
} written[] = {
	{ "SHA512-CRYPT", "$6$", 0 },
	{ "BLF-CRYPT", "$2y$", 10 },
	{ "CRYPT", "$y$", 0 },
};

/* Schemes whose stored value is a crypt(3) string (Dovecot checks them all
 * with crypt(), BLF-CRYPT with its own bcrypt; libxcrypt does both). */
static const char *const crypt_family[] = {
	"CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "MD5-CRYPT", "DES-CRYPT",
};

/* Fast, unsalted, reversible or challenge-response schemes: all too cheap to
 * brute-force or stored in the clear. */
static const char *const weak[] = {
	"PLAIN", "CLEAR", "CLEARTEXT", "PLAIN-TRUNC", "PLAIN-MD4", "PLAIN-MD5", "LDAP-MD5",
	"MD5", "SMD5", "MD5-CRYPT", "DES-CRYPT", "SHA", "SHA1", "SSHA", "SHA256", "SSHA256",
	"SHA512", "SSHA512", "CRAM-MD5", "HMAC-MD5", "DIGEST-MD5", "LANMAN", "NTLM", "RPA",
	"OTP", "SKEY",
};

/* Schemes Dovecot reads a stored value for beside the two lists above
 * (doveadm pw -l): strong, so a hash in them is taken as given. */
static const char *const other_strong[] = {
	"ARGON2I", "ARGON2ID", "PBKDF2", "SCRAM-SHA-1", "SCRAM-SHA-256",
};

/* Schemes whose stored value is the password itself: Dovecot compares the
 * typed password with it, so a value "{PLAIN}secret" IS the password. */
static const char *const clear_text[] = {
	"PLAIN", "CLEAR", "CLEARTEXT", "PLAIN-TRUNC",
};

/* 0, O, 1, l and I are left out: a password read aloud or from paper must
 * not be ambiguous. 57 characters, about 5.8 bits each. */
static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(s, list[i]) == 0)
			return true;
	return false;
}

bool passhash_scheme_supported(const char *scheme)
{
	for (size_t i = 0; i < N_ELEMS(written); i++)
		if (strcasecmp(scheme, written[i].scheme) == 0)
			return true;
	return false;
}

bool passhash_scheme_weak(const char *scheme)
{
	return in_list(scheme, weak, N_ELEMS(weak));
}

static void wipe_free_data(struct crypt_data *cd)
{
	explicit_bzero(cd, sizeof *cd);
	free(cd);
}

char *passhash_hash(const char *scheme, const char *password, struct diags *d)
{
	size_t i;
	for (i = 0; i < N_ELEMS(written); i++)
		if (strcasecmp(scheme, written[i].scheme) == 0)
			break;
	if (i == N_ELEMS(written)) {
		diag_error(d, NULL, 0,
			   _("unsupported password scheme %s (use SHA512-CRYPT, BLF-CRYPT or CRYPT)"),
			   scheme);
		return NULL;
	}
	if (password[0] == '\0') {
		diag_error(d, NULL, 0, _("refusing to hash an empty password"));
		return NULL;
	}
	/* libxcrypt refuses longer ones with ERANGE, which would read as
	 * "Numerical result out of range". */
	if (strlen(password) > CRYPT_MAX_PASSPHRASE_SIZE - 1) {
		diag_error(d, NULL, 0, _("a password cannot be longer than %d bytes"),
			   CRYPT_MAX_PASSPHRASE_SIZE - 1);
		return NULL;
	}
	/* bcrypt only looks at the first 72 bytes: a longer password would be
	 * accepted with any ending, which the user would not expect. */
	if (strcmp(written[i].prefix, "$2y$") == 0 && strlen(password) > 72) {
		diag_error(d, NULL, 0, _("a BLF-CRYPT password cannot be longer than 72 bytes"));
		return NULL;
	}

	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	/* rbytes NULL: libxcrypt draws the salt from the OS (getrandom). */
	if (crypt_gensalt_rn(written[i].prefix, written[i].count, NULL, 0, salt, sizeof salt) == NULL
	    || salt[0] == '*') {
		diag_error(d, NULL, 0, _("cannot make a %s salt: %s"), written[i].scheme,
			   strerror(errno));
		return NULL;
	}
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	const char *h = crypt_rn(password, salt, cd, (int)sizeof *cd);
	if (h == NULL || h[0] == '*') {
		diag_error(d, NULL, 0, _("cannot hash the password with %s: %s"), written[i].scheme,
			   strerror(errno));
		wipe_free_data(cd);
		return NULL;
	}
	char *out = xasprintf("{%s}%s", written[i].scheme, h);
	wipe_free_data(cd);
	return out;
}

/* A crypt(3) string that is whole: the 13 characters of traditional DES,
 * or a known method with all its '$' fields, whose hash after the salt
 * (the last field) is at least 22 characters (bcrypt's salt and hash are one 53-character field;
 * SHA-256 hashes are 43), so a bare salt or a cut value is not taken. */
static bool crypt_complete(const char *data)
{
	if (data[0] != '$')
		return strlen(data) == 13 && strspn(data, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						       "abcdefghijklmnopqrstuvwxyz") == 13;
	/* Legacy and cheap methods (MD5-CRYPT) are still whole hashes: lint
	 * warns about them, as about those already in the file. */
	int c = crypt_checksalt(data);
	if (c == CRYPT_SALT_INVALID || c == CRYPT_SALT_METHOD_DISABLED)
		return false;
	/* yescrypt and gost-yescrypt have a parameter field before the salt:
	 * their salt alone may be 22 characters long. */
	size_t fields = 0;
	for (const char *p = data; *p; p++)
		fields += *p == '$';
	size_t need = strncmp(data, "$y$", 3) == 0 || strncmp(data, "$gy$", 4) == 0 ? 4 : 3;
	const char *last = strrchr(data, '$');
	return fields >= need && strlen(last + 1) >= 22;
}

bool passhash_check_stored(const char *stored, struct strbuf *why)
{
	const char *end = stored[0] == '{' ? strchr(stored, '}') : NULL;
	if (!end || end == stored + 1 || end - stored > 64) {
		sb_adds(why, _("a password hash starts with its scheme in braces, e.g. {SHA512-CRYPT}$6$... (doveadm pw -s SHA512-CRYPT)"));
		return false;
	}
	char scheme[65];
	size_t n = (size_t)(end - stored - 1);
	memcpy(scheme, stored + 1, n);
	scheme[n] = '\0';
	/* Dovecot takes an encoding after a dot ({PLAIN.b64}, {SHA.HEX}). */
	char *dot = strchr(scheme, '.');
	if (dot)
		*dot = '\0';
	const char *data = end + 1;
	if (in_list(scheme, clear_text, N_ELEMS(clear_text))) {
		sb_addf(why, _("{%s} is not a hash: Dovecot would accept the password written after it, in clear text"),
			scheme);
		return false;
	}
	bool crypt = in_list(scheme, crypt_family, N_ELEMS(crypt_family));
	if (!crypt && !in_list(scheme, weak, N_ELEMS(weak)) &&
	    !in_list(scheme, other_strong, N_ELEMS(other_strong))) {
		sb_addf(why, _("{%s} is not a password scheme Dovecot knows"), scheme);
		return false;
	}
	if (data[0] == '\0' || (crypt && !dot && !crypt_complete(data))) {
		sb_addf(why, _("the {%s} hash is empty or incomplete"), scheme);
		return false;
	}
	return true;
}

void passhash_protect_process(void)
{
	/* A core file or a ptrace by another process of the same user would
	 * show the password; once off, it stays off for this short process. */
	static bool done;
	if (done)
		return;
	struct rlimit none = { 0, 0 };
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	done = true;
}

/* Compare without an early exit, so the time taken does not tell how many
 * leading bytes matched. The length is not secret (it is fixed per scheme). */
static bool equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	size_t n = la < lb ? la : lb;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

static bool verify_crypt(const char *hash, const char *password)
{
	if (hash[0] == '\0')
		return false;
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	const char *h = crypt_rn(password, hash, cd, (int)sizeof *cd);
	/* libxcrypt returns a string starting with '*' for an unusable setting,
	 * which never equals a real hash; check anyway so that "*" never
	 * matches "*". */
	bool ok = h != NULL && h[0] != '*' && equal_ct(h, hash);
	wipe_free_data(cd);
	return ok;
}

bool passhash_verify(const char *stored, const char *password)
{
	if (stored == NULL || password == NULL)
		return false;
	if (stored[0] != '{')
		return verify_crypt(stored, password); /* passwd-file default: CRYPT */
	const char *end = strchr(stored, '}');
	if (end == NULL || end == stored + 1 || end - stored > 64)
		return false;
	char scheme[65];
	size_t n = (size_t)(end - stored - 1);
	memcpy(scheme, stored + 1, n);
	scheme[n] = '\0';
	const char *data = end + 1;
	if (in_list(scheme, crypt_family, N_ELEMS(crypt_family)))
		return verify_crypt(data, password);
	if (strcasecmp(scheme, "PLAIN") == 0 || strcasecmp(scheme, "CLEARTEXT") == 0
	    || strcasecmp(scheme, "CLEAR") == 0)
		return equal_ct(data, password);
	return false;
}

/* Fill buf from getrandom, retrying short reads and interruptions. Without
 * a working kernel RNG no password can be made safely. */
static void random_fill(unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t r = getrandom(buf, len, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			vm_fatal(_("cannot read random bytes: %s"), strerror(errno));
		}
		buf += r;
		len -= (size_t)r;
	}
}

/* Characters, not bytes: "pässwörd" is eight, as the user counts it (a
 * byte that is not a UTF-8 continuation byte starts a character). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

bool passhash_long_enough(const char *password, long min, struct strbuf *why)
{
	size_t n = utf8_chars(password);
	if (min <= 0 || n >= (size_t)min)
		return true;
	sb_addf(why, ngettext("too short: %zu character, at least %ld (password_min_length)",
			      "too short: %zu characters, at least %ld (password_min_length)", n),
		n, min);
	return false;
}

size_t passhash_generated_len(long min)
{
	return min > PASSHASH_DEFAULT_LEN ? (size_t)min : PASSHASH_DEFAULT_LEN;
}

char *passhash_generate(size_t len)
{
	if (len == 0)
		len = PASSHASH_DEFAULT_LEN;
	char *out = xmalloc(len + 1);
	/* Rejection sampling: a byte is used only if it falls below the largest
	 * multiple of the alphabet size, so every character is equally likely. */
	const unsigned n = sizeof alphabet - 1;
	const unsigned limit = 256 - 256 % n;
	unsigned char pool[64];
	size_t have = 0, pos = 0, i = 0;
	while (i < len) {
		if (pos == have) {
			random_fill(pool, sizeof pool);
			have = sizeof pool;
			pos = 0;
		}
		unsigned b = pool[pos++];
		if (b < limit)
			out[i++] = alphabet[b % n];
	}
	out[len] = '\0';
	explicit_bzero(pool, sizeof pool);
	return out;
}

void passhash_wipe(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
