/* SHA-256 (FIPS 180-4), for the audit trail's before/after file digests. */
#ifndef VMAILADM_SHA256_H
#define VMAILADM_SHA256_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* hex gets 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Use the processor's SHA extensions when it has them (the default), or
 * never: for tests that compare both paths. */
void sha256_use_accel(bool on);

/* Incremental hashing: feed the bytes in pieces, and save the state at a
 * block boundary to resume there later (a commit resumes a file's digest at
 * the last saved state before its first changed byte). */
struct sha256 {
	uint32_t h[8];
	uint64_t len;            /* bytes fed so far */
	unsigned char buf[64];   /* the last len % 64 of them */
};
/* A state at a block boundary: the chaining value after len bytes. */
struct sha256_state {
	uint32_t h[8];
	uint64_t len;            /* a multiple of 64 */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* The digest of everything fed; c is spent afterwards. */
void sha256_final(struct sha256 *c, unsigned char digest[32]);
void sha256_final_hex(struct sha256 *c, char hex[65]);
/* False unless an exact number of blocks has been fed. */
bool sha256_export(const struct sha256 *c, struct sha256_state *s);
/* Continue as if s->len bytes had been fed; false when s->len is not a
 * multiple of 64. */
bool sha256_import(struct sha256 *c, const struct sha256_state *s);

#endif
