/* Helpers shared by the fuzz harnesses (tests/fuzz/fuzz_*.c). Each harness
 * defines LLVMFuzzerTestOneInput and is built twice by tests/fuzz/local.mk:
 * under libFuzzer (`make fuzz-NAME`, clang) and with replay.c, a plain
 * main() that feeds it the kept inputs in `make check`. A property that does
 * not hold calls abort(), which both report as a failure. */
#ifndef VMAILADM_FUZZ_H
#define VMAILADM_FUZZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/doc.h"
#include "vmailadm/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed document must render back to its input byte for byte. */
static inline void fuzz_check_roundtrip(const struct doc *doc, const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	if (sb.len != size || memcmp(sb_str(&sb), data, size) != 0)
		abort();
	sb_free(&sb);
}

/* The input as a C string (up to its first NUL), for APIs taking one. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Well-formed UTF-8 (no overlong form, no surrogate, nothing past U+10FFFF). */
static inline bool fuzz_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	while (p < e) {
		unsigned c = *p++;
		if (c < 0x80)
			continue;
		int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;
		if (n < 0 || c > 0xf4 || e - p < n)
			return false;
		uint32_t cp = c & (0x3f >> n);
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

#endif
