/* Unit tests for the queue files read directly (src/traffic/qfile.c,
 * qdir.c): a real deferred message made by Postfix 3.7 with its defer log
 * (tests/fixtures/queue/, listed by postqueue -j as checked below), and
 * hand-built records: a done recipient, a file cut short, a recipient
 * before the sender, a pointer record, the null sender, quoting, printable
 * text, the defer log's forms; then a queue directory walked as showq
 * walks it (hashed subdirectories, a file not ready, a symlink, a name
 * that is no queue id). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "golden.h"
#include "vmailadm/qdir.h"
#include "vmailadm/qfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

static const struct qfile_opts opts = { "MAILER-DAEMON", 1000, true };
static char *tmp;

/* A record: type, length in 7-bit groups, data. */
static void rec(struct strbuf *sb, char type, const char *data)
{
	size_t len = strlen(data);
	sb_addc(sb, type);
	do {
		unsigned char b = len & 0x7f;
		len >>= 7;
		sb_addc(sb, (char)(len ? b | 0x80 : b));
	} while (len);
	sb_adds(sb, data);
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len);
	fchmod(fd, mode);
	close(fd);
}

/* Read data as the queue file "ID" of deferred, with defer log text (NULL:
 * none); 1 or 0 as qfile_read. */
static int read_msg(const char *data, size_t len, const char *defer, struct queue_msg *m)
{
	char *path = xasprintf("%s/qf", tmp);
	write_file(path, data, len, 0700);
	int dirfd = -1;
	if (defer) {
		char *dp = xasprintf("%s/ID", tmp);
		write_file(dp, defer, strlen(defer), 0600);
		free(dp);
		dirfd = open(tmp, O_RDONLY | O_DIRECTORY);
	}
	int fd = open(path, O_RDONLY);
	struct stat st;
	fstat(fd, &st);
	int rc = qfile_read(fd, &st, "deferred", "ID", dirfd, &opts, m);
	close(fd);
	if (dirfd >= 0)
		close(dirfd);
	char *dp = xasprintf("%s/ID", tmp);
	unlink(dp);
	free(dp);
	unlink(path);
	free(path);
	return rc;
}

static char *fixture(const char *name, size_t *len)
{
	char *rel = xasprintf("queue/%s", name);
	char *text = golden_read(cu_fixture(rel), len);
	free(rel);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	return text;
}

/* The real file: what postqueue -j printed for it. */
static void test_real_file(void)
{
	size_t len, dlen;
	char *q = fixture("deferred-1", &len), *dl = fixture("defer-1", &dlen);
	struct queue_msg m;
	CU_ASSERT_EQUAL_FATAL(read_msg(q, len, dl, &m), 1);
	CU_ASSERT_STRING_EQUAL(m.queue_name, "deferred");
	CU_ASSERT_STRING_EQUAL(m.queue_id, "ID");
	CU_ASSERT_EQUAL(m.arrival_time, 1796609646);
	CU_ASSERT_EQUAL(m.size, 402);
	CU_ASSERT_FALSE(m.forced_expire);
	CU_ASSERT_STRING_EQUAL(m.sender, "alice@sandbox.test");
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 1);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "bob@slow.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].reason,
			       "connect to 127.0.0.1[127.0.0.1]:35699: Connection refused");
	queue_msg_free(&m);
	/* Without its defer log: the recipient, no reason. */
	CU_ASSERT_EQUAL_FATAL(read_msg(q, len, NULL, &m), 1);
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 1);
	CU_ASSERT_PTR_NULL(m.rcpts[0].reason);
	queue_msg_free(&m);
	/* Cut in the middle of the content: the envelope was read whole. */
	CU_ASSERT_EQUAL_FATAL(read_msg(q, len - 300, dl, &m), 1);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "bob@slow.test");
	queue_msg_free(&m);
	free(q);
	free(dl);
}

static void envelope(struct strbuf *sb, const char *size)
{
	rec(sb, 'C', size);
	rec(sb, 'T', "1700000000 123456");
}

static void test_done_recipient(void)
{
	struct strbuf sb = STRBUF_INIT;
	/* The size is the content records' bytes: 'M' is followed by that many
	 * ("hello" is 7 with its type and length), then 'X'. */
	envelope(&sb, "             7             0             2");
	rec(&sb, 'S', "a@x.test");
	rec(&sb, 'D', "done@y.test");
	rec(&sb, 'R', "todo@y.test");
	rec(&sb, 'M', "");
	rec(&sb, 'N', "hello");
	rec(&sb, 'X', "");
	rec(&sb, 'R', "late@y.test");   /* an extracted recipient */
	rec(&sb, 'E', "");
	rec(&sb, 'R', "after-end@y.test");  /* never read: the end came */
	struct queue_msg m;
	CU_ASSERT_EQUAL_FATAL(read_msg(sb.buf, sb.len, NULL, &m), 1);
	CU_ASSERT_EQUAL(m.size, 7);
	CU_ASSERT_EQUAL(m.arrival_time, 1700000000);
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 2);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "todo@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[1].address, "late@y.test");
	queue_msg_free(&m);
	sb_free(&sb);
}

static void test_truncated(void)
{
	struct strbuf sb = STRBUF_INIT;
	envelope(&sb, "10");
	rec(&sb, 'S', "a@x.test");
	rec(&sb, 'R', "one@y.test");
	size_t cut = sb.len;
	rec(&sb, 'R', "two@y.test");
	struct queue_msg m;
	/* Cut inside the second recipient: the first is listed. */
	CU_ASSERT_EQUAL_FATAL(read_msg(sb.buf, cut + 4, NULL, &m), 1);
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 1);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "one@y.test");
	queue_msg_free(&m);
	/* Cut before the sender: nothing to list. */
	CU_ASSERT_EQUAL(read_msg(sb.buf, 20, NULL, &m), 0);
	CU_ASSERT_EQUAL(read_msg(sb.buf, 0, NULL, &m), 0);
	/* A length of more than 32 bits is an error: the file ends there. */
	struct strbuf bad = STRBUF_INIT;
	sb_add(&bad, sb.buf, cut);
	sb_add(&bad, "R\xff\xff\xff\xff\x7f", 6);
	CU_ASSERT_EQUAL_FATAL(read_msg(bad.buf, bad.len, NULL, &m), 1);
	CU_ASSERT_EQUAL(m.nrcpts, 1);
	queue_msg_free(&m);
	sb_free(&bad);
	sb_free(&sb);
}

static void test_recipient_before_sender(void)
{
	struct strbuf sb = STRBUF_INIT;
	envelope(&sb, "10");
	rec(&sb, 'R', "one@y.test");
	rec(&sb, 'S', "a@x.test");
	struct queue_msg m;
	CU_ASSERT_EQUAL(read_msg(sb.buf, sb.len, NULL, &m), 0);
	sb_free(&sb);
}

/* A pointer to recipients appended at the end, padding, no 'T' (the
 * file's mtime), a malformed size (the file's size), the expire bit. */
static void test_pointer_and_defaults(void)
{
	struct strbuf sb = STRBUF_INIT;
	rec(&sb, 'C', "12x");
	rec(&sb, 'S', "");
	size_t ptr_at = sb.len;
	rec(&sb, 'p', "              0");  /* patched below */
	rec(&sb, 'w', "padding");
	rec(&sb, 'E', "");
	char off[32];
	snprintf(off, sizeof off, "%15zu", sb.len);
	memcpy(sb.buf + ptr_at + 2, off, 15);
	rec(&sb, 'R', "appended@y.test");
	rec(&sb, 'R', "john doe@y.test");
	rec(&sb, 'R', "caf\xc3\xa9\xa9@y.test"); /* one continuation byte too many */
	rec(&sb, 'R', "");
	rec(&sb, 'E', "");
	char *path = xasprintf("%s/qf", tmp);
	write_file(path, sb.buf, sb.len, 0710);
	int fd = open(path, O_RDONLY);
	struct stat st;
	fstat(fd, &st);
	struct queue_msg m;
	CU_ASSERT_EQUAL_FATAL(qfile_read(fd, &st, "hold", "ID", -1, &opts, &m), 1);
	close(fd);
	unlink(path);
	free(path);
	CU_ASSERT_EQUAL(m.arrival_time, (int64_t)st.st_mtime);
	CU_ASSERT_EQUAL(m.size, (uint64_t)st.st_size);
	CU_ASSERT_TRUE(m.forced_expire);
	CU_ASSERT_STRING_EQUAL(m.sender, "MAILER-DAEMON");
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 4);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "appended@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[1].address, "\"john doe\"@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[2].address, "caf\xc3\xa9?@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[3].address, "MAILER-DAEMON");
	queue_msg_free(&m);
	sb_free(&sb);
}

/* The defer log first, with its reasons; the file's recipients it named
 * are not listed twice; the others follow without a reason. */
static void test_defer_log(void)
{
	struct strbuf sb = STRBUF_INIT;
	envelope(&sb, "0");
	rec(&sb, 'S', "a@x.test");
	rec(&sb, 'R', "one@y.test");
	rec(&sb, 'R', "two@y.test");
	rec(&sb, 'R', "three@y.test");
	const char *log = "<two@y.test>: old style text\n"
			  "recipient=two@y.test\n"
			  "status=4.4.1\n"
			  "reason=connect to y.test: Connection refused\n"
			  "\n"
			  "<one@y.test>:   only the old style\n"
			  "\n"
			  "recipient=three@y.test\n"
			  "status=4.0.0\n"
			  "\n"
			  "recipient=cut@y.test\n"
			  "reason=no blank line after me\n";
	struct queue_msg m;
	CU_ASSERT_EQUAL_FATAL(read_msg(sb.buf, sb.len, log, &m), 1);
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 3);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "two@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].reason, "connect to y.test: Connection refused");
	CU_ASSERT_STRING_EQUAL(m.rcpts[1].address, "one@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[1].reason, "only the old style");
	CU_ASSERT_STRING_EQUAL(m.rcpts[2].address, "three@y.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[2].reason, "(description unavailable)");
	queue_msg_free(&m);
	sb_free(&sb);
}

static void test_printable_and_quote(void)
{
	char s[] = "caf\xc3\xa9 \x01 \xff";
	char t[sizeof s];
	memcpy(t, s, sizeof s);
	qfile_printable(s, true);
	CU_ASSERT_STRING_EQUAL(s, "caf\xc3\xa9 ? ?");
	qfile_printable(t, false);
	CU_ASSERT_STRING_EQUAL(t, "caf?? ? ?");
	const char *in[] = { "a.b@x", "a..b@x", ".a@x", "a.@x", "a\"b@x", "@r:we ird@x", "no-at", "" };
	const char *out[] = { "a.b@x", "\"a..b\"@x", "\".a\"@x", "\"a.\"@x", "\"a\\\"b\"@x",
			      "@r:\"we ird\"@x", "no-at", "\"\"" };
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		struct strbuf sb = STRBUF_INIT;
		qfile_quote_local(&sb, in[i]);
		CU_ASSERT_STRING_EQUAL(sb_str(&sb), out[i]);
		sb_free(&sb);
	}
}

static void test_hashed_path(void)
{
	char buf[128];
	qdir_hashed_path(buf, sizeof buf, "deferred", "4F2A31E0A5", true, 1);
	CU_ASSERT_STRING_EQUAL(buf, "deferred/4/");
	qdir_hashed_path(buf, sizeof buf, "deferred", "4F2A31E0A5", true, 2);
	CU_ASSERT_STRING_EQUAL(buf, "deferred/4/F/");
	qdir_hashed_path(buf, sizeof buf, "hold", "4F2A31E0A5", false, 1);
	CU_ASSERT_STRING_EQUAL(buf, "hold/");
	/* A long id: its microseconds ("0Bcd" base 52 = 28737 = 0x07041). */
	qdir_hashed_path(buf, sizeof buf, "defer", "4QzJ0k0Bcdz9vQk", true, 2);
	CU_ASSERT_STRING_EQUAL(buf, "defer/0/7/");
	qdir_hashed_path(buf, sizeof buf, "defer", "A", true, 2);
	CU_ASSERT_STRING_EQUAL(buf, "defer/A/_/");
}

static bool collect(void *ctx, const struct queue_msg *m)
{
	struct strbuf *sb = ctx;
	sb_addf(sb, "%s %s %zu|", m->queue_name, m->queue_id, m->nrcpts);
	return true;
}

static void put(const char *rel, const char *data, size_t len, mode_t mode)
{
	char *p = xasprintf("%s/spool/%s", tmp, rel);
	write_file(p, data, len, mode);
	free(p);
}

/* A queue directory: hashed deferred and defer, flat hold; not ready (0600),
 * symlink, bad names and a file in the wrong subdirectory skipped. */
static void test_walk(void)
{
	const char *dirs[] = { "spool", "spool/deferred", "spool/deferred/A", "spool/deferred/B",
			       "spool/defer", "spool/defer/A", "spool/hold", "spool/active" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *p = xasprintf("%s/%s", tmp, dirs[i]);
		CU_ASSERT_FATAL(mkdir(p, 0700) == 0);
		free(p);
	}
	struct strbuf sb = STRBUF_INIT;
	envelope(&sb, "0");
	rec(&sb, 'S', "a@x.test");
	rec(&sb, 'R', "one@y.test");
	put("deferred/A/A1", sb.buf, sb.len, 0700);
	put("deferred/A/A2", sb.buf, sb.len, 0600);   /* cleanup still writing */
	put("deferred/A/B3", sb.buf, sb.len, 0700);   /* not where Postfix looks */
	put("deferred/B/B4", sb.buf, sb.len, 0700);
	put("deferred/A/x.y", sb.buf, sb.len, 0700);  /* not a queue id */
	put("hold/H5", sb.buf, sb.len, 0700);
	const char *log = "recipient=other@y.test\nreason=busy\n\n";
	put("defer/A/A1", log, strlen(log), 0600);
	char *l = xasprintf("%s/spool/active/L6", tmp), *t = xasprintf("%s/spool/hold/H5", tmp);
	CU_ASSERT(symlink(t, l) == 0);
	free(l);
	free(t);
	struct traffic_postfix pf = {
		.queue_directory = xasprintf("%s/spool", tmp),
		.hash_queue_names = xstrdup("deferred, defer"),
		.hash_queue_depth = 1,
		.empty_address_recipient = xstrdup("MAILER-DAEMON"),
		.duplicate_filter_limit = 1000,
	};
	struct strbuf got = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	long n = qdir_list(&pf, collect, &got, &d);
	CU_ASSERT_EQUAL(d.n, 0);
	/* B3 is in A/ but Postfix would look in B/ (where it is not). */
	CU_ASSERT_EQUAL(n, 3);
	const char *s = sb_str(&got);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "deferred A1 2|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "deferred B4 1|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "hold H5 1|"));
	/* hold comes after deferred, as showq reads them. */
	CU_ASSERT(strstr(s, "hold H5") > strstr(s, "deferred B4"));
	/* Unreadable: no queue directory at all. */
	free(pf.queue_directory);
	pf.queue_directory = xasprintf("%s/none", tmp);
	diags_free(&d);
	CU_ASSERT_EQUAL(qdir_list(&pf, collect, &got, &d), QDIR_UNREADABLE);
	CU_ASSERT(d.n > 0);
	diags_free(&d);
	free(pf.queue_directory);
	free(pf.hash_queue_names);
	free(pf.empty_address_recipient);
	sb_free(&got);
	sb_free(&sb);
	char *cmd = xasprintf("rm -rf '%s/spool'", tmp);
	CU_ASSERT(system(cmd) == 0);
	free(cmd);
}

int main(void)
{
	char templ[] = "/tmp/test_qfile.XXXXXX";
	tmp = mkdtemp(templ);
	if (!tmp)
		return 1;
	CU_TestInfo tests[] = {
		{ "a real deferred message and its defer log", test_real_file },
		{ "a done recipient, the extracted segment, the end", test_done_recipient },
		{ "a file cut short", test_truncated },
		{ "a recipient before the sender", test_recipient_before_sender },
		{ "pointer, padding, defaults, the null address", test_pointer_and_defaults },
		{ "the defer log's forms", test_defer_log },
		{ "printable and quoted", test_printable_and_quote },
		{ "where Postfix puts a file", test_hashed_path },
		{ "a queue directory walked as showq walks it", test_walk },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("qfile", tests);
	rmdir(tmp);
	return rc;
}
