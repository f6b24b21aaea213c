/* Password hashing with libxcrypt (crypt_gensalt_rn + crypt_rn), written
 * with Dovecot's {SCHEME} prefix, and generated passwords from getrandom.
 * Plaintext is wiped from memory by the caller with passhash_wipe. */
#ifndef VMAILADM_PASSHASH_H
#define VMAILADM_PASSHASH_H
#include <stdbool.h>
#include <stddef.h>

#include "vmailadm/diag.h"

/* Schemes vmailadm writes (reference §4.2, real-postfix-dovecot §3). */
bool passhash_scheme_supported(const char *scheme); /* SHA512-CRYPT, BLF-CRYPT, CRYPT */

/* Hash password with scheme: "{SHA512-CRYPT}$6$...", "{BLF-CRYPT}$2y$10$...",
 * "{CRYPT}$y$...". Newly allocated, or NULL with a diagnostic. */
char *passhash_hash(const char *scheme, const char *password, struct diags *d);

/* Check password against a stored "{SCHEME}hash" or bare crypt hash
 * (crypt-family and {PLAIN} only). */
bool passhash_verify(const char *stored, const char *password);

/* A random password of len characters from an unambiguous alphabet. */
char *passhash_generate(size_t len);

/* Overwrite s with zeros in a way the compiler cannot drop, then free it. */
void passhash_wipe(char *s);

/* Weak or plaintext schemes lint warns about (PLAIN, CLEARTEXT, PLAIN-MD5,
 * MD5, MD5-CRYPT, SHA, SSHA, CRAM-MD5, DIGEST-MD5 ...). */
bool passhash_scheme_weak(const char *scheme);

#endif
