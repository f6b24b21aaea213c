/* Unit tests for passhash: the three written schemes verify (in-process and,
 * when doveadm is installed, with Dovecot's own checker), wrong passwords
 * fail, costs are as promised, generated passwords are unambiguous. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/passhash.h"
#include "vmailadm/spawn.h"
#include "vmailadm/xalloc.h"

static const char *const schemes[] = { "SHA512-CRYPT", "BLF-CRYPT", "CRYPT" };
static const char *const prefixes[] = { "{SHA512-CRYPT}$6$", "{BLF-CRYPT}$2y$10$", "{CRYPT}$y$j9T$" };

static void test_hash_and_verify(void)
{
	for (size_t i = 0; i < 3; i++) {
		struct diags d = DIAGS_INIT;
		char *h = passhash_hash(schemes[i], "correct horse:battery", &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		CU_ASSERT_EQUAL(d.n, 0);
		CU_ASSERT_EQUAL(strncmp(h, prefixes[i], strlen(prefixes[i])), 0);
		CU_ASSERT_PTR_NULL(strchr(h, ':')); /* passwd-file field separator */
		CU_ASSERT_TRUE(passhash_verify(h, "correct horse:battery"));
		CU_ASSERT_FALSE(passhash_verify(h, "correct horse:batterY"));
		CU_ASSERT_FALSE(passhash_verify(h, "correct horse:batter"));
		CU_ASSERT_FALSE(passhash_verify(h, ""));
		/* The bare hash (passwd-file default scheme CRYPT) verifies too. */
		const char *bare = strchr(h, '}') + 1;
		CU_ASSERT_TRUE(passhash_verify(bare, "correct horse:battery"));
		/* Salts differ: two hashes of one password are not equal. */
		char *h2 = passhash_hash(schemes[i], "correct horse:battery", &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
		CU_ASSERT_STRING_NOT_EQUAL(h, h2);
		free(h2);
		free(h);
		diags_free(&d);
	}
}

static void test_scheme_names(void)
{
	struct diags d = DIAGS_INIT;
	CU_ASSERT_TRUE(passhash_scheme_supported("sha512-crypt"));
	CU_ASSERT_FALSE(passhash_scheme_supported("MD5-CRYPT"));
	CU_ASSERT_FALSE(passhash_scheme_supported("PLAIN"));
	char *h = passhash_hash("blf-crypt", "x", &d);
	CU_ASSERT_PTR_NOT_NULL(h);
	CU_ASSERT_EQUAL(strncmp(h, "{BLF-CRYPT}$2y$10$", 18), 0);
	free(h);
	CU_ASSERT_PTR_NULL(passhash_hash("PLAIN-MD5", "x", &d));
	CU_ASSERT_PTR_NULL(passhash_hash("CRYPT", "", &d));
	char longpw[80];
	memset(longpw, 'a', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	CU_ASSERT_PTR_NULL(passhash_hash("BLF-CRYPT", longpw, &d));
	CU_ASSERT_EQUAL(d.n, 3);
	CU_ASSERT_TRUE(diags_has_errors(&d));
	diags_free(&d);
	CU_ASSERT_TRUE(passhash_scheme_weak("PLAIN"));
	CU_ASSERT_TRUE(passhash_scheme_weak("md5-crypt"));
	CU_ASSERT_TRUE(passhash_scheme_weak("SSHA512"));
	CU_ASSERT_FALSE(passhash_scheme_weak("SHA512-CRYPT"));
	CU_ASSERT_FALSE(passhash_scheme_weak("BLF-CRYPT"));
	CU_ASSERT_FALSE(passhash_scheme_weak("ARGON2ID"));
}

static void test_verify_other_forms(void)
{
	CU_ASSERT_TRUE(passhash_verify("{PLAIN}s3cret", "s3cret"));
	CU_ASSERT_TRUE(passhash_verify("{CLEARTEXT}s3cret", "s3cret"));
	CU_ASSERT_FALSE(passhash_verify("{PLAIN}s3cret", "s3cre"));
	CU_ASSERT_FALSE(passhash_verify("{PLAIN}s3cret", "s3cret!"));
	/* Unknown or malformed schemes never verify. */
	CU_ASSERT_FALSE(passhash_verify("{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret"));
	CU_ASSERT_FALSE(passhash_verify("{PLAIN", "x"));
	CU_ASSERT_FALSE(passhash_verify("{}x", "x"));
	CU_ASSERT_FALSE(passhash_verify("", ""));
	CU_ASSERT_FALSE(passhash_verify("*", "*"));
	CU_ASSERT_FALSE(passhash_verify("{CRYPT}", ""));
	/* A known sha512crypt vector (from the SHA-crypt specification). */
	CU_ASSERT_TRUE(passhash_verify(
		"{SHA512-CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
		"Hello world!"));
	/* The label is not enforced, as in Dovecot: a $6$ hash under {CRYPT}. */
	CU_ASSERT_TRUE(passhash_verify(
		"{CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
		"Hello world!"));
	CU_ASSERT_FALSE(passhash_verify(
		"{SHA512-CRYPT}$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
		"Hello world"));
}

/* What --password-hash takes: every hash vmailadm writes, a DES or
 * MD5-CRYPT hash of old; never a clear-text scheme, a bare value, an empty
 * or cut hash, an unknown scheme. */
static void test_check_stored(void)
{
	for (size_t i = 0; i < 3; i++) {
		struct diags d = DIAGS_INIT;
		char *h = passhash_hash(schemes[i], "a fine password", &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		struct strbuf why = STRBUF_INIT;
		CU_ASSERT_TRUE(passhash_check_stored(h, &why));
		CU_ASSERT_EQUAL(why.len, 0);
		/* cut after the salt: not whole */
		*strrchr(h, '$') = '\0';
		CU_ASSERT_FALSE(passhash_check_stored(h, &why));
		sb_free(&why);
		free(h);
		diags_free(&d);
	}
	const char *good[] = { "{CRYPT}abJnggxhB/yWI", "{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
			       "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA",
			       "{SSHA256.b64}aGFzaGhhc2g=" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct strbuf why = STRBUF_INIT;
		CU_ASSERT_TRUE(passhash_check_stored(good[i], &why));
		sb_free(&why);
	}
	const char *bad[] = { "{PLAIN}secret", "{plain}secret", "{CLEARTEXT}secret", "{CLEAR}x",
			      "{PLAIN.b64}c2VjcmV0", "{PLAIN-TRUNC}10-secret", "secret", "", "{}",
			      "{SHA512-CRYPT}", "{SHA512-CRYPT}$6$saltsalt", "{NOSUCH}abc",
			      "{SHA512-CRYPT}$6$", "{BLF-CRYPT}x", "$6$saltsalt$xxxxxxxxxxxxxxxxxxxxxx" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct strbuf why = STRBUF_INIT;
		CU_ASSERT_FALSE(passhash_check_stored(bad[i], &why));
		CU_ASSERT(why.len > 0);
		/* the value (maybe a password) is never quoted back */
		CU_ASSERT_PTR_NULL(strstr(sb_str(&why), "secret"));
		sb_free(&why);
	}
	/* libxcrypt's limit is said, not "Numerical result out of range". */
	char *longpw = xmalloc(513);
	memset(longpw, 'a', 512);
	longpw[512] = '\0';
	struct diags d = DIAGS_INIT;
	CU_ASSERT_PTR_NULL(passhash_hash("SHA512-CRYPT", longpw, &d));
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "511"));
	longpw[511] = '\0';
	char *h = passhash_hash("SHA512-CRYPT", longpw, &d);
	CU_ASSERT_PTR_NOT_NULL(h);
	free(h);
	free(longpw);
	diags_free(&d);
}

static void test_generate(void)
{
	char *p = passhash_generate(0);
	CU_ASSERT_EQUAL(strlen(p), PASSHASH_DEFAULT_LEN);
	passhash_wipe(p);
	/* Over many characters every letter of the alphabet shows up and the
	 * ambiguous ones never do. */
	size_t n = 20000;
	p = passhash_generate(n);
	CU_ASSERT_EQUAL_FATAL(strlen(p), n);
	CU_ASSERT_EQUAL(strcspn(p, "0O1lI"), n);
	unsigned counts[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		counts[(unsigned char)p[i]]++;
	const char *alpha = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	size_t distinct = 0;
	for (unsigned c = 0; c < 256; c++)
		if (counts[c]) {
			distinct++;
			CU_ASSERT_PTR_NOT_NULL(strchr(alpha, (int)c));
		}
	CU_ASSERT_EQUAL(distinct, strlen(alpha));
	/* Expected 20000/57 = 351 each; a modulo bias would show up as a
	 * consistent excess on the first letters, and a broken generator as
	 * wild counts. The bounds are > 8 standard deviations wide. */
	for (const char *c = alpha; *c; c++) {
		CU_ASSERT(counts[(unsigned char)*c] > 200);
		CU_ASSERT(counts[(unsigned char)*c] < 500);
	}
	char *q = passhash_generate(n);
	CU_ASSERT_STRING_NOT_EQUAL(p, q);
	passhash_wipe(q);
	passhash_wipe(p);
	passhash_wipe(NULL);
}

/* The length rule (password_min_length): characters, not bytes; 0 checks
 * nothing; a generated password is never shorter than the rule. */
static void test_long_enough(void)
{
	struct strbuf why = STRBUF_INIT;
	CU_ASSERT_TRUE(passhash_long_enough("0123456789", 10, &why));
	CU_ASSERT_EQUAL(why.len, 0);
	CU_ASSERT_FALSE(passhash_long_enough("012345678", 10, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb_str(&why), "9 characters, at least 10"));
	CU_ASSERT_PTR_NULL(strstr(sb_str(&why), "012345678"));
	sb_reset(&why);
	/* nine characters in eighteen bytes */
	CU_ASSERT_FALSE(passhash_long_enough("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
					     10, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb_str(&why), "9 characters"));
	sb_reset(&why);
	CU_ASSERT_TRUE(passhash_long_enough("x", 0, &why));
	CU_ASSERT_TRUE(passhash_long_enough("", 0, &why));
	CU_ASSERT_FALSE(passhash_long_enough("", 1, &why));
	sb_free(&why);
	CU_ASSERT_EQUAL(passhash_generated_len(10), PASSHASH_DEFAULT_LEN);
	CU_ASSERT_EQUAL(passhash_generated_len(0), PASSHASH_DEFAULT_LEN);
	CU_ASSERT_EQUAL(passhash_generated_len(PASSHASH_MAX_MIN_LEN), PASSHASH_MAX_MIN_LEN);
	/* the longest generated password still hashes with bcrypt (72 bytes) */
	char *p = passhash_generate(passhash_generated_len(PASSHASH_MAX_MIN_LEN));
	struct diags d = DIAGS_INIT;
	char *h = passhash_hash("BLF-CRYPT", p, &d);
	CU_ASSERT_PTR_NOT_NULL(h);
	free(h);
	diags_free(&d);
	passhash_wipe(p);
}

/* Dovecot's own verifier, offline: `doveadm pw -t HASH -p PASS` exits 0 on a
 * match and non-zero otherwise. Skipped when doveadm is not installed. */
static void test_doveadm_accepts(void)
{
	const char *doveadm = NULL;
	static const char *const cands[] = { "/usr/bin/doveadm", "/usr/local/bin/doveadm",
					     "/usr/sbin/doveadm" };
	for (size_t i = 0; i < 3; i++)
		if (access(cands[i], X_OK) == 0)
			doveadm = cands[i];
	if (doveadm == NULL) {
		fprintf(stderr, "doveadm not installed: Dovecot cross-check skipped\n");
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		struct diags d = DIAGS_INIT;
		char *h = passhash_hash(schemes[i], "Tr0ub4dor&3", &d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		const char *good[] = { doveadm, "pw", "-t", h, "-p", "Tr0ub4dor&3", NULL };
		struct spawn_result r;
		CU_ASSERT_EQUAL(spawn_run(good, NULL, 0, NULL, 10000, &r, &d), 0);
		CU_ASSERT_EQUAL(r.status, 0);
		if (r.status != 0)
			fprintf(stderr, "doveadm rejected %s: %s%s\n", h, sb_str(&r.out), sb_str(&r.err));
		spawn_result_free(&r);
		const char *bad[] = { doveadm, "pw", "-t", h, "-p", "Tr0ub4dor&4", NULL };
		CU_ASSERT_EQUAL(spawn_run(bad, NULL, 0, NULL, 10000, &r, &d), 0);
		CU_ASSERT_NOT_EQUAL(r.status, 0);
		spawn_result_free(&r);
		free(h);
		diags_free(&d);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "hash and verify the three schemes", test_hash_and_verify },
		{ "scheme names, refusals, weak list", test_scheme_names },
		{ "verify PLAIN, vectors, malformed", test_verify_other_forms },
		{ "generated passwords", test_generate },
		{ "the length rule (password_min_length)", test_long_enough },
		{ "hashes given by hand", test_check_stored },
		{ "doveadm pw -t accepts our hashes", test_doveadm_accepts },
		CU_TEST_INFO_NULL,
	};
	return cu_run("passhash", tests);
}
