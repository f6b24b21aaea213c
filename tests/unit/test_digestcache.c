/* Unit tests for digestcache: digests with marks equal the one-shot digest
 * and resume; the digest of a new version resumes from the old marks and
 * equals the digest computed from scratch, whatever changed where; the
 * cache round trip, found only for the very identity recorded, and ignored
 * when missing, malformed, writable by others, a symbolic link or another
 * user's. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/digestcache.h"
#include "vmailadm/sha256.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define S DIGEST_STRIDE

static unsigned char *random_bytes(size_t n, unsigned seed)
{
	unsigned char *p = xmalloc(n ? n : 1);
	unsigned x = seed | 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

static bool same_marks(const struct file_digest *a, const struct file_digest *b)
{
	return a->nmarks == b->nmarks &&
	       (a->nmarks == 0 || memcmp(a->marks, b->marks, a->nmarks * sizeof *a->marks) == 0);
}

static void test_compute(void)
{
	unsigned char *buf = random_bytes(3 * S + S / 2, 7);
	static const size_t lens[] = { 0, 1, S - 1, S, S + 1, 2 * S, 3 * S + S / 2 };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct file_digest dg;
		char hex[65];
		digestcache_file_compute(buf, lens[i], &dg);
		sha256_hex(buf, lens[i], hex);
		CU_ASSERT_STRING_EQUAL(dg.sha, hex);
		CU_ASSERT_EQUAL(dg.nmarks, lens[i] / S);
		/* Every mark resumes to the same digest. */
		for (size_t k = 0; k < dg.nmarks; k++) {
			struct sha256 c;
			CU_ASSERT_EQUAL(dg.marks[k].len, (k + 1) * S);
			CU_ASSERT_TRUE(sha256_import(&c, &dg.marks[k]));
			sha256_update(&c, buf + (k + 1) * S, lens[i] - (k + 1) * S);
			char resumed[65];
			sha256_final_hex(&c, resumed);
			CU_ASSERT_STRING_EQUAL(resumed, hex);
		}
		digestcache_file_free(&dg);
	}
	free(buf);
}

/* new = old with `cut` bytes at `at` replaced by `ins` new ones. */
static void check_update(const unsigned char *old, size_t old_len, size_t at, size_t cut, size_t ins)
{
	size_t cur_len = old_len - cut + ins;
	unsigned char *cur = xmalloc(cur_len ? cur_len : 1);
	memcpy(cur, old, at);
	for (size_t i = 0; i < ins; i++)
		cur[at + i] = (unsigned char)(old[(at + i) % old_len] ^ 0x5a);
	memcpy(cur + at + ins, old + at + cut, old_len - at - cut);
	struct file_digest od, nd, fresh;
	digestcache_file_compute(old, old_len, &od);
	digestcache_file_update(&od, old, old_len, cur, cur_len, &nd);
	digestcache_file_compute(cur, cur_len, &fresh);
	CU_ASSERT_STRING_EQUAL(nd.sha, fresh.sha);
	CU_ASSERT_TRUE(same_marks(&nd, &fresh));
	digestcache_file_free(&od);
	digestcache_file_free(&nd);
	digestcache_file_free(&fresh);
	free(cur);
}

static void test_update_equals_fresh(void)
{
	size_t len = 3 * S + S / 2;
	unsigned char *old = random_bytes(len, 11);
	check_update(old, len, 0, 1, 1);              /* first byte */
	check_update(old, len, S - 1, 1, 1);          /* last byte of a stride */
	check_update(old, len, S, 1, 1);              /* first of the next */
	check_update(old, len, 2 * S + S / 2, 0, 120); /* a line added */
	check_update(old, len, 2 * S + 10, 300, 0);   /* a line removed */
	check_update(old, len, len - 1, 1, 1);        /* the very end */
	check_update(old, len, len, 0, 5000);         /* appended */
	check_update(old, len, 3 * S, len - 3 * S, 0); /* cut to whole strides */
	check_update(old, len, 0, len, 0);            /* emptied */
	check_update(old, len, len / 2, 0, 0);        /* unchanged */
	check_update(old, S / 2, 10, 0, 2 * S);       /* a small file grows */
	free(old);
}

/* The new digest really resumes from the old marks: with a mark made wrong
 * before the change, the result is wrong too; after the change it is not
 * used. */
static void test_update_uses_marks(void)
{
	size_t len = 3 * S + 100;
	unsigned char *old = random_bytes(len, 13);
	unsigned char *cur = xmalloc(len);
	memcpy(cur, old, len);
	cur[2 * S + 7] ^= 1;
	struct file_digest od, nd;
	char truth[65];
	sha256_hex(cur, len, truth);
	digestcache_file_compute(old, len, &od);
	od.marks[2].h[0] ^= 1; /* after the change: not used */
	digestcache_file_update(&od, old, len, cur, len, &nd);
	CU_ASSERT_STRING_EQUAL(nd.sha, truth);
	digestcache_file_free(&nd);
	od.marks[1].h[0] ^= 1; /* the one resumed from */
	digestcache_file_update(&od, old, len, cur, len, &nd);
	CU_ASSERT_STRING_NOT_EQUAL(nd.sha, truth);
	digestcache_file_free(&nd);
	digestcache_file_free(&od);
	free(old);
	free(cur);
}

static char dir[64];

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void fake_stat(struct stat *st, off_t size)
{
	memset(st, 0, sizeof *st);
	st->st_dev = 2049;
	st->st_ino = 1234567;
	st->st_size = size;
	st->st_mtim = (struct timespec){ 1795658963, 508255155 };
	st->st_ctim = (struct timespec){ 1795658963, 555358687 };
}

static void test_cache_round_trip(void)
{
	snprintf(dir, sizeof dir, "/tmp/vmailadm-test-digest.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *cpath = path_in("digests");
	size_t len = 2 * S + 77;
	unsigned char *data = random_bytes(len, 17);
	struct file_digest dg, small;
	digestcache_file_compute(data, len, &dg);
	digestcache_file_compute("x\n", 2, &small);
	struct stat st, st2;
	fake_stat(&st, (off_t)len);
	fake_stat(&st2, 2);
	st2.st_ino++;

	struct digest_cache *c = digestcache_load(cpath); /* missing: empty */
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &st));
	digestcache_put(c, "/etc/dovecot/users", &st, &dg);
	digestcache_put(c, "/etc/postfix/with space", &st2, &small);
	digestcache_put(c, "/etc/postfix/new\nline", &st2, &small);
	digestcache_put(c, "relative", &st2, &small);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(digestcache_save(c, cpath, &d), 0);
	digestcache_free(&c);
	CU_ASSERT_PTR_NULL(c);

	struct stat cst;
	CU_ASSERT_EQUAL(stat(cpath, &cst), 0);
	CU_ASSERT_EQUAL(cst.st_mode & 07777, 0600);
	c = digestcache_load(cpath);
	const struct file_digest *got = digestcache_find(c, "/etc/dovecot/users", &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got->sha, dg.sha);
	CU_ASSERT_TRUE(same_marks(got, &dg));
	got = digestcache_find(c, "/etc/postfix/with space", &st2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got->sha, small.sha);
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/postfix/new\nline", &st2));
	CU_ASSERT_PTR_NULL(digestcache_find(c, "relative", &st2));
	/* Any other identity, or another path, finds nothing. */
	struct stat o = st;
	o.st_ino++;
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &o));
	o = st, o.st_dev++;
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &o));
	o = st, o.st_size--;
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &o));
	o = st, o.st_mtim.tv_nsec++;
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &o));
	o = st, o.st_ctim.tv_nsec++;
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &o));
	o = st, o.st_ctim.tv_sec++;
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &o));
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users2", &st));
	/* Replaced, then forgotten. */
	digestcache_put(c, "/etc/dovecot/users", &st2, &small);
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &st));
	CU_ASSERT_PTR_NOT_NULL(digestcache_find(c, "/etc/dovecot/users", &st2));
	digestcache_forget(c, "/etc/dovecot/users");
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/dovecot/users", &st2));
	/* A bounded cache: the oldest go first. */
	for (int i = 0; i < 70; i++) {
		char p[64];
		snprintf(p, sizeof p, "/f%d", i);
		digestcache_put(c, p, &st2, &small);
	}
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/f0", &st2));
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/etc/postfix/with space", &st2));
	CU_ASSERT_PTR_NOT_NULL(digestcache_find(c, "/f69", &st2));
	CU_ASSERT_PTR_NOT_NULL(digestcache_find(c, "/f6", &st2));
	CU_ASSERT_EQUAL(digestcache_save(c, cpath, &d), 0);
	digestcache_free(&c);
	c = digestcache_load(cpath);
	CU_ASSERT_PTR_NOT_NULL(digestcache_find(c, "/f69", &st2));
	digestcache_free(&c);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
	digestcache_file_free(&dg);
	digestcache_file_free(&small);
	free(data);
	free(cpath);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* A good cache file, edited in one way or another: nothing is found. */
static void test_cache_oddities(void)
{
	char *cpath = path_in("digests");
	char *good = NULL;
	{
		FILE *fp = fopen(cpath, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		struct strbuf sb = STRBUF_INIT;
		char b[4096];
		size_t n;
		while ((n = fread(b, 1, sizeof b, fp)) > 0)
			sb_add(&sb, b, n);
		fclose(fp);
		good = sb_detach(&sb);
	}
	struct stat st;
	fake_stat(&st, 2);
	st.st_ino++;
	struct digest_cache *c = digestcache_load(cpath);
	CU_ASSERT_PTR_NOT_NULL(digestcache_find(c, "/f69", &st));
	digestcache_free(&c);

	char *edits[8];
	int n = 0;
	edits[n++] = xasprintf("vmailadm-digests 2%s", strchr(good, ' ') + 2);          /* version */
	edits[n++] = xstrndup(good, strlen(good) - 1);                                 /* no last newline */
	edits[n++] = xasprintf("%s1 2 3\n", good);                                     /* short line */
	edits[n++] = xstrdup(good);
	*strstr(edits[n - 1], " 0 -") = '!';                                          /* bad nmarks */
	edits[n++] = xasprintf("%s2049 1 2 3 4 5 6 %064d 0 - /x\n", good, 0);
	edits[n - 1][strlen(edits[n - 1]) - 9] = 'G';                                  /* bad hex */
	for (int i = 0; i < n; i++) {
		write_text(cpath, edits[i], 0600);
		c = digestcache_load(cpath);
		CU_ASSERT_PTR_NULL(digestcache_find(c, "/f69", &st));
		digestcache_free(&c);
		free(edits[i]);
	}
	/* Writable by others; a symbolic link to a good one. */
	write_text(cpath, good, 0602);
	c = digestcache_load(cpath);
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/f69", &st));
	digestcache_free(&c);
	char *real = path_in("real");
	write_text(real, good, 0600);
	unlink(cpath);
	CU_ASSERT_EQUAL(symlink(real, cpath), 0);
	c = digestcache_load(cpath);
	CU_ASSERT_PTR_NULL(digestcache_find(c, "/f69", &st));
	digestcache_free(&c);
	c = digestcache_load(real);
	CU_ASSERT_PTR_NOT_NULL(digestcache_find(c, "/f69", &st));
	digestcache_free(&c);
	/* Another user's (only root can make one). */
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(real, 65534, 65534), 0);
		c = digestcache_load(real);
		CU_ASSERT_PTR_NULL(digestcache_find(c, "/f69", &st));
		digestcache_free(&c);
	}
	unlink(real);
	unlink(cpath);
	rmdir(dir);
	free(real);
	free(good);
	free(cpath);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "digest with marks equals sha256 and resumes", test_compute },
		{ "digest of a new version equals a fresh one", test_update_equals_fresh },
		{ "the new digest resumes from the old marks", test_update_uses_marks },
		{ "cache round trip, found by identity only", test_cache_round_trip },
		{ "cache ignored when odd", test_cache_oddities },
		CU_TEST_INFO_NULL,
	};
	return cu_run("digestcache", tests);
}
