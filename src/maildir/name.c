/* Maildir names: what a message's name says (the delivery time that leads
 * a unique name, the Maildir++ ",S=" size, the ":2," flags of maildir(5)),
 * and folder names decoded from modified UTF-7. No I/O. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "name.h"
#include "vmailadm/maildir/name.h"
#include "vmailadm/strbuf.h"

/* Eight ASCII digits at p as a number, or -1 when one is not a digit: all
 * eight at once (SWAR), since every name starts with a 10-digit time. */
static int64_t name_eight_digits(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	/* Each byte 0x30-0x39: high nibble 3, and still 3 after adding 6. */
	if ((v & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
	    ((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL)
		return -1;
	v -= 0x3030303030303030ULL;
	v = v * 10 + (v >> 8);            /* byte pairs -> 0..99 */
	v = (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
	     (((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
	return (int64_t)v;
}

static bool name_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void name_parse(const char *name, struct nameinfo *ni)
{
	const char *p = name, *end = name + strlen(name);
	uint64_t t = 0;
	int64_t hi;
	if (end - name > 10 && name[10] == '.' && name_is_digit(name[8]) && name_is_digit(name[9]) &&
	    (hi = name_eight_digits(name)) >= 0) {
		t = (uint64_t)hi * 100 + (uint64_t)(name[8] - '0') * 10 + (uint64_t)(name[9] - '0');
		p = name + 10;
	} else {
		for (; name_is_digit(*p) && p - name < 11; p++)
			t = t * 10 + (uint64_t)(*p - '0');
	}
	ni->time = (*p == '.' && t <= UINT32_MAX) ? (uint32_t)t : 0;
	/* The first ",S=" before the last ':' carries the size (Maildir++; Dovecot
 * and maildrop write it, virtual(8) does not). A name
	 * has a few ',' and one ':': let memchr and memrchr find them rather
	 * than testing every byte. */
	const char *colon = memrchr(p, ':', (size_t)(end - p));
	const char *lim = colon ? colon : end, *sz = p;
	while ((sz = memchr(sz, ',', (size_t)(lim - sz))) && !(sz[1] == 'S' && sz[2] == '='))
		sz++;
	ni->has_size = false;
	ni->size = 0;
	if (sz) {                 /* ",S=" lies wholly before lim: none is ':' */
		const char *q = sz + 3, *digits = q;
		while (q < lim && name_is_digit(*q))
			q++;
		/* 19 digits always fit in 64 bits; more may not (then no size). */
		bool ok = q > digits && q - digits <= 19;
		uint64_t v = 0;
		for (const char *d = digits; ok && d < q; d++)
			v = v * 10 + (uint64_t)(*d - '0');
		/* Past what a signed size can hold it is no message's: the file's
		 * own size is asked instead. */
		ok = ok && v <= (uint64_t)INT64_MAX;
		if (ok && (q == lim || *q == ',' || *q == ':')) {
			ni->has_size = true;
			ni->size = v;
		}
	}
	ni->seen = ni->trashed = false;
	if (colon && colon[1] == '2' && colon[2] == ',') {
		/* Anything after a second ',' inside the flags is not a flag (Dovecot
 * keeps it untouched). */
		for (const char *f = colon + 3; *f && *f != ','; f++) {
			if (*f == 'S')
				ni->seen = true;
			else if (*f == 'T')
				ni->trashed = true;
		}
	}
}

bool maildir_name_size(const char *name, uint64_t *size)
{
	struct nameinfo ni;
	name_parse(name, &ni);
	if (ni.has_size)
		*size = ni.size;
	return ni.has_size;
}

void maildir_name_flags(const char *name, bool *seen, bool *trashed)
{
	struct nameinfo ni;
	name_parse(name, &ni);
	*seen = ni.seen;
	*trashed = ni.trashed;
}

uint32_t maildir_name_time(const char *name)
{
	struct nameinfo ni;
	name_parse(name, &ni);
	return ni.time;
}

/* Modified UTF-7 (RFC 3501 5.1.3): Maildir++ folder names on disk. */

static int name_b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == ',') return 63;
	return -1;
}

static void name_add_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) { b[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
	else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	sb_add(sb, b, n);
}

bool maildir_mutf7_decode(const char *name, struct strbuf *out)
{
	size_t start = out->len;
	const unsigned char *p = (const unsigned char *)name;
	while (*p) {
		if (*p != '&') {
			if (*p < 0x20 || *p > 0x7e)
				goto bad;
			sb_addc(out, (char)*p++);
			continue;
		}
		p++;
		if (*p == '-') {          /* "&-" is a literal '&' */
			sb_addc(out, '&');
			p++;
			continue;
		}
		uint32_t bits = 0, hi = 0;
		int nbits = 0, units = 0;
		for (; *p && *p != '-'; p++) {
			int v = name_b64val(*p);
			if (v < 0)
				goto bad;
			bits = bits << 6 | (uint32_t)v;
			nbits += 6;
			if (nbits < 16)
				continue;
			nbits -= 16;
			uint32_t u = (bits >> nbits) & 0xffff;
			units++;
			if (hi) {
				if (u < 0xdc00 || u > 0xdfff)
					goto bad;
				name_add_utf8(out, 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00));
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				goto bad;
			} else if (u < 0x20 || (u >= 0x7f && u < 0xa0)) {
				goto bad;  /* a control character ("&ABs-" is ESC): shown raw */
			} else {
				name_add_utf8(out, u);
			}
		}
		/* Must end with '-', hold at least one unit, leave only zero padding. */
		if (*p != '-' || units == 0 || hi || nbits >= 6 || (bits & ((1u << nbits) - 1)))
			goto bad;
		p++;
	}
	return true;
bad:
	sb_truncate(out, start);
	sb_adds(out, name);
	return false;
}
