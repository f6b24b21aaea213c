/* Unit tests for the incremental SHA-256: the FIPS 180-4 examples fed in
 * pieces, agreement with the one-shot sha256_hex over every split of
 * lengths around the block and padding boundaries, and states exported at
 * a block boundary and resumed elsewhere, with the SHA extensions and
 * without. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "vmailadm/sha256.h"

static unsigned char buf[300000];

static void fill(void)
{
	unsigned x = 2463534242u;
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

/* Feed data in pieces of `piece` bytes (the last one shorter). */
static void hash_pieces(const void *data, size_t len, size_t piece, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	for (size_t off = 0; off < len; off += piece)
		sha256_update(&c, (const char *)data + off, len - off < piece ? len - off : piece);
	sha256_final_hex(&c, hex);
}

static void vectors(void)
{
	static const struct {
		const char *msg;
		size_t repeat;
		const char *hex;
	} v[] = {
		{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
		{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t n = strlen(v[i].msg);
		static const size_t pieces[] = { 1, 3, 63, 64, 65, 1000 };
		for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
			struct sha256 c;
			char hex[65];
			sha256_init(&c);
			/* The message, `repeat` times, fed pieces[k] bytes at a time. */
			size_t total = n * v[i].repeat, off = 0;
			while (off < total) {
				size_t at = off % (n ? n : 1), take = pieces[k];
				if (take > n - at)
					take = n - at;
				sha256_update(&c, v[i].msg + at, take);
				off += take;
			}
			sha256_final_hex(&c, hex);
			CU_ASSERT_STRING_EQUAL(hex, v[i].hex);
		}
		if (v[i].repeat == 1) {
			char hex[65];
			sha256_hex(v[i].msg, n, hex);
			CU_ASSERT_STRING_EQUAL(hex, v[i].hex);
		}
	}
}

static void test_vectors_accel(void)
{
	sha256_use_accel(true);
	vectors();
}

static void test_vectors_portable(void)
{
	sha256_use_accel(false);
	vectors();
	sha256_use_accel(true);
}

/* Every length from 0 to 300 and some large ones, split at every place for
 * the short ones, agree with the one-shot digest of the other path. */
static void test_incremental_agrees(void)
{
	fill();
	for (int accel = 0; accel < 2; accel++) {
		for (size_t len = 0; len <= 300; len++) {
			char whole[65], parts[65];
			sha256_use_accel(!accel);
			sha256_hex(buf, len, whole);
			sha256_use_accel(accel);
			for (size_t split = 0; split <= len; split += len < 140 ? 1 : 7) {
				struct sha256 c;
				sha256_init(&c);
				sha256_update(&c, buf, split);
				sha256_update(&c, buf + split, len - split);
				sha256_final_hex(&c, parts);
				CU_ASSERT_STRING_EQUAL(parts, whole);
			}
		}
		static const size_t big[] = { 4096, 65536 + 17, 200003, sizeof buf };
		for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
			char whole[65], parts[65];
			sha256_use_accel(!accel);
			sha256_hex(buf, big[i], whole);
			sha256_use_accel(accel);
			hash_pieces(buf, big[i], 1000, parts);
			CU_ASSERT_STRING_EQUAL(parts, whole);
			hash_pieces(buf, big[i], 4096, parts);
			CU_ASSERT_STRING_EQUAL(parts, whole);
		}
	}
	sha256_use_accel(true);
}

/* A state saved at a block boundary resumes in a fresh context (and after
 * a round trip through a copy) to the same digest; off a boundary there is
 * nothing to save, and a state with a ragged length is refused. */
static void test_export_import(void)
{
	fill();
	for (int accel = 0; accel < 2; accel++) {
		sha256_use_accel(accel);
		char whole[65];
		sha256_hex(buf, sizeof buf, whole);
		static const size_t at[] = { 0, 64, 4096, 65536, 1 << 17, sizeof buf / 64 * 64 };
		for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
			struct sha256 c, d;
			struct sha256_state s, copy;
			sha256_init(&c);
			sha256_update(&c, buf, at[i] / 2);
			sha256_update(&c, buf + at[i] / 2, at[i] - at[i] / 2);
			CU_ASSERT_TRUE_FATAL(sha256_export(&c, &s));
			CU_ASSERT_EQUAL(s.len, at[i]);
			memcpy(&copy, &s, sizeof s);
			memset(&d, 0xa5, sizeof d);
			CU_ASSERT_TRUE_FATAL(sha256_import(&d, &copy));
			sha256_update(&d, buf + at[i], sizeof buf - at[i]);
			char resumed[65];
			sha256_final_hex(&d, resumed);
			CU_ASSERT_STRING_EQUAL(resumed, whole);
		}
		struct sha256 c;
		struct sha256_state s;
		sha256_init(&c);
		sha256_update(&c, buf, 100);
		CU_ASSERT_FALSE(sha256_export(&c, &s));
		s.len = 100;
		CU_ASSERT_FALSE(sha256_import(&c, &s));
	}
	sha256_use_accel(true);
}

/* A resumed digest is that of the new bytes, not of the old ones: the state
 * saved over a shared prefix continues with a changed tail. */
static void test_resume_changed_tail(void)
{
	fill();
	static unsigned char changed[sizeof buf];
	memcpy(changed, buf, sizeof buf);
	changed[200000] ^= 1;
	struct sha256 c;
	struct sha256_state s;
	sha256_init(&c);
	sha256_update(&c, buf, 196608); /* 3 x 64 KiB, before the change */
	CU_ASSERT_TRUE_FATAL(sha256_export(&c, &s));
	struct sha256 d;
	sha256_import(&d, &s);
	sha256_update(&d, changed + 196608, sizeof changed - 196608);
	char resumed[65], direct[65], old[65];
	sha256_final_hex(&d, resumed);
	sha256_hex(changed, sizeof changed, direct);
	sha256_hex(buf, sizeof buf, old);
	CU_ASSERT_STRING_EQUAL(resumed, direct);
	CU_ASSERT_STRING_NOT_EQUAL(resumed, old);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "FIPS 180-4 examples in pieces (SHA extensions)", test_vectors_accel },
		{ "FIPS 180-4 examples in pieces (portable)", test_vectors_portable },
		{ "incremental equals one-shot, both paths", test_incremental_agrees },
		{ "state exported at a block boundary resumes", test_export_import },
		{ "resumed over a shared prefix, changed tail", test_resume_changed_tail },
		CU_TEST_INFO_NULL,
	};
	return cu_run("sha256", tests);
}
