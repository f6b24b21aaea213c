/* SHA-256 for audit digests: a small, self-contained implementation from
 * FIPS 180-4 (no crypto library is otherwise needed by vmailadm), with the
 * x86 SHA extensions when the processor has them: a commit may hash tens of
 * megabytes on a large server, and the portable rounds were a quarter of a
 * commit's own time there. Incremental, with states saved at block
 * boundaries, so that a new version of a file is hashed from its first
 * changed megabyte only (digestcache). */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

#include "vmailadm/sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

#ifdef HAVE_SHANI_CODE
/* Four rounds a step with sha256rnds2; the message schedule for group j is
 * msg2(msg1(W[j-4], W[j-3]) + (W[j-2]:W[j-1] shifted one word), W[j-1]). */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t h[8], const unsigned char *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
	__m128i st1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);           /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);           /* EFGH */
	__m128i st0 = _mm_alignr_epi8(tmp, st1, 8);   /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);        /* CDGH */
	while (n--) {
		__m128i abef = st0, cdgh = st1, w[4];
		for (int j = 0; j < 16; j++) {
			__m128i m;
			if (j < 4) {
				m = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));
				m = _mm_shuffle_epi8(m, mask);
			} else {
				m = _mm_sha256msg1_epu32(w[j & 3], w[(j - 3) & 3]);
				m = _mm_add_epi32(m, _mm_alignr_epi8(w[(j - 1) & 3], w[(j - 2) & 3], 4));
				m = _mm_sha256msg2_epu32(m, w[(j - 1) & 3]);
			}
			w[j & 3] = m;
			__m128i k = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(const void *)&K[4 * j]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, k);
			k = _mm_shuffle_epi32(k, 0x0E);
			st0 = _mm_sha256rnds2_epu32(st0, st1, k);
		}
		st0 = _mm_add_epi32(st0, abef);
		st1 = _mm_add_epi32(st1, cdgh);
		p += 64;
	}
	tmp = _mm_shuffle_epi32(st0, 0x1B);           /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);           /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0);        /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);           /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&h[0], st0);
	_mm_storeu_si128((__m128i *)(void *)&h[4], st1);
}
#endif

static int accel = -1; /* -1: not decided yet */

void sha256_use_accel(bool on)
{
	accel = on ? -1 : 0; /* on: use them if the processor has them */
}

static void blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
#ifdef HAVE_SHANI_CODE
	if (accel < 0) {
		/* cpuid itself: clang (14) knows no "sha" for __builtin_cpu_supports.
		 * SHA: leaf 7 EBX bit 29; SSE4.1: leaf 1 ECX bit 19. */
		unsigned a, b, c, d;
		accel = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1) &&
			__get_cpuid(1, &a, &b, &c, &d) && (c >> 19 & 1);
	}
	if (accel) {
		blocks_shani(h, p, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++)
		block(h, p + 64 * i);
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t have = (size_t)(c->len % 64);
	c->len += len;
	if (have) {
		size_t take = 64 - have < len ? 64 - have : len;
		memcpy(c->buf + have, p, take);
		p += take;
		len -= take;
		if (have + take < 64)
			return;
		blocks(c->h, c->buf, 1);
	}
	blocks(c->h, p, len / 64);
	p += len / 64 * 64;
	memcpy(c->buf, p, len % 64);
}

void sha256_final(struct sha256 *c, unsigned char digest[32])
{
	size_t left = (size_t)(c->len % 64);
	unsigned char tail[128] = { 0 };
	memcpy(tail, c->buf, left);
	tail[left] = 0x80;
	size_t tlen = left < 56 ? 64 : 128;
	uint64_t bits = c->len * 8;
	for (int i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
	blocks(c->h, tail, tlen / 64);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			digest[4 * i + j] = (unsigned char)(c->h[i] >> (24 - 8 * j));
}

void sha256_final_hex(struct sha256 *c, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char digest[32];
	sha256_final(c, digest);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[64] = '\0';
}

bool sha256_export(const struct sha256 *c, struct sha256_state *s)
{
	if (c->len % 64)
		return false;
	memcpy(s->h, c->h, sizeof s->h);
	s->len = c->len;
	return true;
}

bool sha256_import(struct sha256 *c, const struct sha256_state *s)
{
	if (s->len % 64)
		return false;
	memcpy(c->h, s->h, sizeof c->h);
	c->len = s->len;
	return true;
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final_hex(&c, hex);
}
