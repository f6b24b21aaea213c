/* Unit tests for the delivery log reader on tests/fixtures/maillog: real
 * Postfix and Dovecot lines in three files (mail.log.2.gz, mail.log.1,
 * mail.log), with interleaved queue ids, a retried and then expired
 * message, a bounce and its notification, a queue id reused after
 * "removed", NOQUEUE rejections, an RFC 3339 time stamp and a last line
 * without its newline. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/logsrc.h"
#include "vmailadm/maillog.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static const char *const files[] = { "maillog/mail.log.2.gz", "maillog/mail.log.1",
				     "maillog/mail.log", NULL };

static void feed(void *ctx, const char *data, size_t len)
{
	maillog_feed(ctx, data, len);
}

static void keep(void *ctx, const char *data, size_t len)
{
	sb_add(ctx, data, len);
}

/* 2026-12-06 12:00 UTC: the syslog lines (no year) are of 2026. */
#define NOW 1796558400

static struct maillog *run(const char *addr, bool logins, int64_t since)
{
	struct maillog_query q = { .address = addr, .logins = logins, .since = since, .now = NOW };
	struct maillog *m = maillog_new(&q);
	for (size_t i = 0; files[i]; i++) {
		struct diags d = DIAGS_INIT;
		CU_ASSERT_EQUAL(logsrc_read_file(cu_fixture(files[i]), feed, m, &d), 0);
		CU_ASSERT_EQUAL(d.n, 0);
		diags_free(&d);
	}
	maillog_finish(m);
	return m;
}

static bool eq(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static void test_expired_after_retries(void)
{
	struct maillog *m = run("carol@slow.example", false, 0);
	size_t n;
	const struct maillog_record *r = maillog_records(m, &n);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(eq(r[0].queue_id, "3F1A2B4C5D"));
	CU_ASSERT_EQUAL(r[0].status, MAILLOG_EXPIRED);
	CU_ASSERT_EQUAL(r[0].attempts, 2);
	CU_ASSERT(eq(r[0].sender, "alice@example.net"));
	CU_ASSERT(eq(r[0].client, "client.example.net[192.0.2.7]"));
	CU_ASSERT(eq(r[0].dsn, "4.4.1"));
	CU_ASSERT(eq(r[0].relay, "none"));
	CU_ASSERT(eq(r[0].text, "connect to mx.slow.example[203.0.113.5]:25: Connection refused"));
	CU_ASSERT_EQUAL(maillog_lines(m), 13 + 15 + 9);
	maillog_free(&m);
	CU_ASSERT_PTR_NULL(m);
}

/* The alias: one record per final recipient; the id 7E6D5C4B3A, reused
 * on Dec 6 after its "removed", is a new message with its own sender. */
static void test_alias_and_reused_id(void)
{
	struct maillog *m = run("Contact@andromed.cloud", false, 0);
	size_t n;
	const struct maillog_record *r = maillog_records(m, &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT(eq(r[0].recipient, "jane@andromed.cloud"));
	CU_ASSERT(eq(r[0].orig_recipient, "contact@andromed.cloud"));
	CU_ASSERT(eq(r[0].sender, "bob@example.org"));
	CU_ASSERT(eq(r[1].recipient, "john@andromed.cloud"));
	CU_ASSERT(eq(r[1].sender, "bob@example.org"));
	CU_ASSERT(eq(r[2].queue_id, "7E6D5C4B3A"));
	CU_ASSERT(eq(r[2].sender, "eve@reuse.example"));
	CU_ASSERT(eq(r[2].client, "reuse.example[192.0.2.99]"));
	CU_ASSERT_EQUAL(r[2].attempts, 1);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(r[i].status, MAILLOG_SENT);
	maillog_free(&m);
}

/* Sender and recipient: the bounce of john's message and its notification
 * from the null sender. */
static void test_bounce_and_notification(void)
{
	struct maillog *m = run("john@andromed.cloud", false, 0);
	size_t n;
	const struct maillog_record *r = maillog_records(m, &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT(eq(r[1].queue_id, "9A8B7C6D5E"));
	CU_ASSERT_EQUAL(r[1].status, MAILLOG_BOUNCED);
	CU_ASSERT(eq(r[1].recipient, "who@gone.example"));
	CU_ASSERT(eq(r[1].dsn, "5.1.1"));
	CU_ASSERT(eq(r[1].text, "mailbox gone"));
	CU_ASSERT(eq(r[2].queue_id, "1B2C3D4E5F"));
	CU_ASSERT(eq(r[2].sender, ""));
	CU_ASSERT_EQUAL(r[2].status, MAILLOG_SENT);
	maillog_free(&m);
}

static void test_rejections_logins_since(void)
{
	struct maillog *m = run("jane@andromed.cloud", false, 0);
	size_t n;
	const struct maillog_record *r = maillog_records(m, &n);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(r[2].status, MAILLOG_REJECTED);
	CU_ASSERT_PTR_NULL(r[2].queue_id);
	CU_ASSERT(eq(r[2].dsn, "5.7.1"));
	CU_ASSERT(eq(r[2].relay, "unknown[192.0.2.67]"));
	CU_ASSERT(eq(r[2].sender, "x@bad.example"));
	CU_ASSERT(eq(r[2].text, "<JANE@Andromed.Cloud>: Relay access denied"));
	CU_ASSERT_EQUAL(r[2].time, 1796544005);
	/* The last line has no newline and still counts. */
	CU_ASSERT_EQUAL(r[3].status, MAILLOG_REJECTED);
	CU_ASSERT(eq(r[3].dsn, "4.7.1"));
	maillog_free(&m);

	m = run("jane@andromed.cloud", true, 0);
	r = maillog_records(m, &n);
	CU_ASSERT_EQUAL_FATAL(n, 7);
	CU_ASSERT_EQUAL(r[2].status, MAILLOG_LOGIN);
	CU_ASSERT(eq(r[2].relay, "192.0.2.50"));
	CU_ASSERT_EQUAL(r[3].status, MAILLOG_LOGIN_FAILED);
	CU_ASSERT(eq(r[3].text, "Password mismatch"));
	CU_ASSERT_EQUAL(r[4].status, MAILLOG_LOGIN_FAILED);
	CU_ASSERT(eq(r[4].relay, "192.0.2.51"));
	maillog_free(&m);

	int64_t since;
	CU_ASSERT(maillog_parse_since("2026-12-06", NOW, &since));
	m = run("jane@andromed.cloud", false, since);
	r = maillog_records(m, &n);
	CU_ASSERT_EQUAL(n, 3);
	maillog_free(&m);
	CU_ASSERT(maillog_parse_since("2d", NOW, &since));
	CU_ASSERT_EQUAL(since, NOW - 2 * 86400);
	CU_ASSERT(maillog_parse_since("@12", NOW, &since));
	CU_ASSERT_EQUAL(since, 12);
	CU_ASSERT(!maillog_parse_since("yesterday", NOW, &since));
	CU_ASSERT(!maillog_parse_since("2026-13-01", NOW, &since));
}

/* The same log cut into pieces of every size gives the same records. */
static void test_chunks(void)
{
	struct maillog *whole = run("@andromed.cloud", true, 0);
	size_t nw;
	const struct maillog_record *w = maillog_records(whole, &nw);
	CU_ASSERT(nw > 10);
	for (size_t step = 1; step < 300; step += 37) {
		struct maillog_query q = { .address = "@andromed.cloud", .logins = true, .now = NOW };
		struct maillog *m = maillog_new(&q);
		for (size_t i = 0; files[i]; i++) {
			struct strbuf sb = STRBUF_INIT;
			struct diags d = DIAGS_INIT;
			logsrc_read_file(cu_fixture(files[i]), keep, &sb, &d);
			diags_free(&d);
			for (size_t k = 0; k < sb.len; k += step)
				maillog_feed(m, sb.buf + k, sb.len - k < step ? sb.len - k : step);
			sb_free(&sb);
		}
		maillog_finish(m);
		size_t n;
		const struct maillog_record *r = maillog_records(m, &n);
		CU_ASSERT_EQUAL(n, nw);
		for (size_t i = 0; i < n && i < nw; i++) {
			CU_ASSERT(eq(r[i].recipient, w[i].recipient));
			CU_ASSERT(eq(r[i].text, w[i].text));
			CU_ASSERT_EQUAL(r[i].status, w[i].status);
		}
		maillog_free(&m);
	}
	maillog_free(&whole);
}

/* Rotated siblings come oldest first by time, the live file last; a
 * missing file is an error naming it. */
static void test_files(void)
{
	char dir[] = "/tmp/vmailadm-maillog.XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	const char *names[] = { "mail.log", "mail.log.1", "mail.log.2.gz", "mail.log-20261201.gz",
				"mail.logger", "other.log" };
	for (size_t i = 0; i < 6; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		FILE *fp = fopen(p, "w");
		fclose(fp);
		struct timespec ts[2] = { { 1000000 - (long)i * 1000, 0 }, { 1000000 - (long)i * 1000, 0 } };
		utimensat(AT_FDCWD, p, ts, 0);
		free(p);
	}
	char *live = xasprintf("%s/mail.log", dir);
	char **f = logsrc_files(live);
	CU_ASSERT(f[0] && strstr(f[0], "/mail.log-20261201.gz"));
	CU_ASSERT(f[1] && strstr(f[1], "/mail.log.2.gz"));
	CU_ASSERT(f[2] && strstr(f[2], "/mail.log.1"));
	CU_ASSERT(eq(f[3], live));
	CU_ASSERT_PTR_NULL(f[4]);
	logsrc_files_free(&f);
	for (size_t i = 0; i < 6; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	f = logsrc_files(live);
	CU_ASSERT_PTR_NULL(f[0]);
	logsrc_files_free(&f);
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL(logsrc_read_file(live, feed, NULL, &d), -1);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT(d.n && eq(d.v[0].file, live));
	diags_free(&d);
	rmdir(dir);
	free(live);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	CU_TestInfo tests[] = {
		{ "a retried message expires", test_expired_after_retries },
		{ "an alias's recipients and a reused queue id", test_alias_and_reused_id },
		{ "a bounce and its notification", test_bounce_and_notification },
		{ "rejections, logins and --since", test_rejections_logins_since },
		{ "any cut between feeds", test_chunks },
		{ "rotated files in order", test_files },
		CU_TEST_INFO_NULL,
	};
	return cu_run("maillog", tests);
}
