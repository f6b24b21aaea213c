/* Unit tests for the sys basics: strbuf, strmap, diagnostics. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/human.h"
#include "vmailadm/sha256.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static void test_strbuf_grows(void)
{
	struct strbuf sb = STRBUF_INIT;
	CU_ASSERT_STRING_EQUAL(sb_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	CU_ASSERT_EQUAL(strlen(sb.buf), sb.len);
	CU_ASSERT(strncmp(sb.buf, "0,1,2,", 6) == 0);
	sb_truncate(&sb, 2);
	CU_ASSERT_STRING_EQUAL(sb.buf, "0,");
	char *s = sb_detach(&sb);
	CU_ASSERT_STRING_EQUAL(s, "0,");
	CU_ASSERT_PTR_NULL(sb.buf);
	free(s);
}

static void test_printable_escapes(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char in[] = "a\x1b[31mb\xff\n\xc3\xa9\xc2\x9b";
	sb_add_printable(&sb, in, sizeof in - 1);
	CU_ASSERT_STRING_EQUAL(sb.buf, "a\\x1b[31mb\\xff\\n\xc3\xa9\\xc2\\x9b");
	sb_free(&sb);
	/* Trojan Source: a right-to-left override, a zero-width space, an
	 * isolate, a BOM; an accented letter and a CJK one stay as they are. */
	const char bidi[] = "pay\xe2\x80\xaeten\xe2\x80\x8bx\xe2\x81\xa6y\xef\xbb\xbf\xc3\xa9\xe4\xb8\xad";
	sb_add_printable(&sb, bidi, sizeof bidi - 1);
	CU_ASSERT_STRING_EQUAL(sb.buf, "pay\\u202eten\\u200bx\\u2066y\\ufeff\xc3\xa9\xe4\xb8\xad");
	sb_free(&sb);
}

static void test_strmap_first_wins(void)
{
	struct strmap *m = strmap_create(0);
	int a = 1, b = 2;
	CU_ASSERT_TRUE(strmap_add(m, "k", &a));
	CU_ASSERT_FALSE(strmap_add(m, "k", &b));
	CU_ASSERT_PTR_EQUAL(strmap_get(m, "k"), &a);
	strmap_put(m, "k", &b);
	CU_ASSERT_PTR_EQUAL(strmap_get(m, "k"), &b);
	CU_ASSERT_PTR_NULL(strmap_get(m, "K"));
	strmap_free(&m);
	CU_ASSERT_PTR_NULL(m);
}

static void test_strmap_many_and_delete(void)
{
	struct strmap *m = strmap_create(4);
	char key[48];
	for (long i = 0; i < 50000; i++) {
		snprintf(key, sizeof key, "user%ld@example.org", i);
		strmap_add(m, key, (void *)(i + 1));
	}
	CU_ASSERT_EQUAL(strmap_count(m), 50000);
	for (long i = 0; i < 50000; i += 2) {
		snprintf(key, sizeof key, "user%ld@example.org", i);
		CU_ASSERT_TRUE(strmap_del(m, key));
	}
	CU_ASSERT_EQUAL(strmap_count(m), 25000);
	snprintf(key, sizeof key, "user%d@example.org", 4001);
	CU_ASSERT_PTR_EQUAL(strmap_get(m, key), (void *)4002);
	snprintf(key, sizeof key, "user%d@example.org", 4000);
	CU_ASSERT_PTR_NULL(strmap_get(m, key));
	size_t pos = 0, seen = 0;
	const char *k;
	void *v;
	while (strmap_next(m, &pos, &k, &v))
		seen++;
	CU_ASSERT_EQUAL(seen, 25000);
	strmap_free(&m);
}

/* Fitted to its keys (made for many more, tombstones left by deletes):
 * every key still found with its value, none come back. */
static void test_strmap_fit(void)
{
	struct strmap *m = strmap_create_borrowed(100000);
	static char keys[3000][24];
	for (long i = 0; i < 3000; i++) {
		snprintf(keys[i], sizeof keys[i], "user%ld@example.org", i);
		strmap_put(m, keys[i], (void *)(i + 1));
	}
	for (long i = 0; i < 3000; i += 3)
		strmap_del(m, keys[i]);
	strmap_fit(m);
	CU_ASSERT_EQUAL(strmap_count(m), 2000);
	size_t bad = 0;
	for (long i = 0; i < 3000; i++)
		bad += strmap_get(m, keys[i]) != (i % 3 ? (void *)(i + 1) : NULL);
	CU_ASSERT_EQUAL(bad, 0);
	strmap_put(m, keys[0], (void *)7);   /* and it still takes keys */
	CU_ASSERT_PTR_EQUAL(strmap_get(m, keys[0]), (void *)7);
	size_t pos = 0, seen = 0;
	const char *k;
	while (strmap_next(m, &pos, &k, NULL))
		seen++;
	CU_ASSERT_EQUAL(seen, 2001);
	strmap_free(&m);
}

static void test_diag_format(void)
{
	struct diags d = DIAGS_INIT;
	diag_error(&d, "/etc/postfix/vmailbox", 12, "expected format: %s", "key whitespace value");
	diag_warn(&d, NULL, 0, "plain");
	CU_ASSERT_EQUAL(d.n, 2);
	CU_ASSERT_TRUE(diags_has_errors(&d));
	char *s = diag_format(&d.v[0]);
	CU_ASSERT_STRING_EQUAL(s, "/etc/postfix/vmailbox:12: error: expected format: key whitespace value");
	free(s);
	s = diag_format(&d.v[1]);
	CU_ASSERT_STRING_EQUAL(s, "warning: plain");
	free(s);
	diags_free(&d);
}

static void test_sha256_vectors(void)
{
	char hex[65];
	sha256_hex("", 0, hex);
	CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(two, strlen(two), hex);
	CU_ASSERT_STRING_EQUAL(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char big[1000];
	memset(big, 'a', sizeof big);
	sha256_hex(big, sizeof big, hex);
	CU_ASSERT_STRING_EQUAL(hex, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

/* The accelerated and the portable rounds agree on every length around the
 * block and padding boundaries, and on a large random buffer. */
static void test_sha256_paths_agree(void)
{
	static unsigned char buf[200000];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	char a[65], b[65];
	size_t lens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, sizeof buf };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		sha256_use_accel(true);
		sha256_hex(buf, lens[i], a);
		sha256_use_accel(false);
		sha256_hex(buf, lens[i], b);
		CU_ASSERT_STRING_EQUAL(a, b);
	}
	sha256_use_accel(true);
	sha256_hex("abc", 3, a);
	CU_ASSERT_STRING_EQUAL(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* The one size format: binary units, a decimal below 10 of a unit,
 * printf's rounding, a '.' under any locale. */
static void test_human_size(void)
{
	static const struct { uint64_t bytes; const char *text; } cases[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" }, { 1075, "1.0 KiB" },
		{ 1076, "1.1 KiB" }, { 10239, "10.0 KiB" }, { 10240, "10 KiB" },
		{ 914432, "893 KiB" }, { 1048576, "1.0 MiB" }, { 3ULL << 30, "3.0 GiB" },
		{ 20ULL << 30, "20 GiB" }, { 1ULL << 60, "1024 PiB" }, { UINT64_MAX, "16384 PiB" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		human_size(buf, sizeof buf, cases[i].bytes);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "strbuf grows and detaches", test_strbuf_grows },
		{ "printable escapes control and bad UTF-8", test_printable_escapes },
		{ "strmap: first wins, put replaces", test_strmap_first_wins },
		{ "strmap: 50k keys, delete half", test_strmap_many_and_delete },
		{ "strmap: fitted to its keys", test_strmap_fit },
		{ "diag format names file and line", test_diag_format },
		{ "sha256 known vectors", test_sha256_vectors },
		{ "sha256 accelerated and portable agree", test_sha256_paths_agree },
		{ "human_size: the one size format", test_human_size },
		CU_TEST_INFO_NULL,
	};
	return cu_run("sys", tests);
}
