/* SHA-256 (FIPS 180-4), for the audit trail's before/after file digests. */
#ifndef VMAILADM_SHA256_H
#define VMAILADM_SHA256_H
#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

/* hex gets 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Use the processor's SHA extensions when it has them (the default), or
 * never: for tests that compare both paths. */
void sha256_use_accel(bool on);

#endif
