/* Password hashing with libxcrypt (crypt_gensalt_rn + crypt_rn), written
 * with Dovecot's {SCHEME} prefix, and generated passwords from getrandom.
 * Plaintext is wiped from memory by the caller with passhash_wipe. */
#ifndef VMAILADM_PASSHASH_H
#define VMAILADM_PASSHASH_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"
#include "vmailadm/strbuf.h"

/* Schemes vmailadm writes (reference §4.2, real-postfix-dovecot §3). */
bool passhash_scheme_supported(const char *scheme); /* SHA512-CRYPT, BLF-CRYPT, CRYPT */

/* Hash password with scheme (case-insensitive): "{SHA512-CRYPT}$6$..." (5000
 * rounds), "{BLF-CRYPT}$2y$10$..." (cost 10), "{CRYPT}$y$j9T$..." (yescrypt).
 * Newly allocated, or NULL with a diagnostic (unknown scheme, empty password,
 * a password over 511 bytes, BLF-CRYPT password over 72 bytes). */
char *passhash_hash(const char *scheme, const char *password, struct diags *d);

/* Check password against a stored "{SCHEME}hash" or bare crypt hash: the
 * crypt family (CRYPT, SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, MD5-CRYPT,
 * DES-CRYPT) through libxcrypt, {PLAIN}/{CLEARTEXT}/{CLEAR} directly; both
 * compared in constant time. Any other scheme: false. */
bool passhash_verify(const char *stored, const char *password);

/* A random password of len characters (0: PASSHASH_DEFAULT_LEN) from an
 * unambiguous alphabet (no 0/O/1/l/I), drawn from getrandom without modulo
 * bias. Free with passhash_wipe. */
#define PASSHASH_DEFAULT_LEN 20
char *passhash_generate(size_t len);

/* The length rule of a new password (the password_min_length setting),
 * the one the command line and the interface's forms apply: at least min
 * characters (UTF-8 characters, not bytes). False with the reason in why;
 * the password itself is never quoted. */
bool passhash_long_enough(const char *password, long min, struct strbuf *why);
/* The length of a generated password: PASSHASH_DEFAULT_LEN, or min when
 * the setting asks for more, so that a generated one always passes. */
size_t passhash_generated_len(long min);
/* The most password_min_length may ask (below bcrypt's 72 bytes, so that
 * a generated password of that length can be hashed by every scheme). */
#define PASSHASH_MAX_MIN_LEN 64

/* Whether a hash given by the user (--password-hash) may be written to the
 * passwd-file: "{SCHEME}value" with a scheme Dovecot knows, not a clear-text
 * one ({PLAIN}, {CLEARTEXT} ...: the value would be the password), and a
 * value that is not empty (for the crypt family: a whole crypt string).
 * False with the reason in why; the value itself is never quoted. */
bool passhash_check_stored(const char *stored, struct strbuf *why);

/* Core dumps off (RLIMIT_CORE 0) and the process not dumpable
 * (PR_SET_DUMPABLE 0): called before a password is read or typed. */
void passhash_protect_process(void);

/* Overwrite s with zeros in a way the compiler cannot drop, then free it. */
void passhash_wipe(char *s);

/* Weak or plaintext schemes lint warns about (PLAIN, CLEARTEXT, PLAIN-MD5,
 * MD5, MD5-CRYPT, SHA, SSHA, CRAM-MD5, DIGEST-MD5 ...). */
bool passhash_scheme_weak(const char *scheme);

#endif
