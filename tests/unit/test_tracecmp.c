/* Unit tests for the prediction against the log (src/traffic/tracecmp.c):
 * real Postfix log lines read by the maillog parser, beside trace results
 * made here: agreement, an alias delivered elsewhere than the trace says
 * (a stale map), a predicted delivery that bounced, the newest message
 * chosen, and no message at all. */
#include "config.h"

#include <string.h>

#include "cu.h"
#include "vmailadm/tracecmp.h"

/* The records for address from log text. */
static struct maillog *read_log(const char *address, const char *text)
{
	struct maillog_query q = { .address = address, .now = 1796564868 };
	struct maillog *m = maillog_new(&q);
	maillog_feed(m, text, strlen(text));
	maillog_finish(m);
	return m;
}

#define SENT(qid, to, orig)                                                                     \
	"Dec  6 10:00:00 mail postfix/qmgr[11]: " qid ": from=<carol@sender.test>, size=900, "   \
	"nrcpt=1 (queue active)\n"                                                              \
	"Dec  6 10:00:01 mail postfix/virtual[12]: " qid ": to=<" to ">" orig                   \
	", relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to "   \
	"maildir)\n"                                                                            \
	"Dec  6 10:00:01 mail postfix/qmgr[11]: " qid ": removed\n"

static void run(const char *address, const char *log, struct trace_dest *dests, size_t nd,
		struct tracecmp *c, struct maillog **m)
{
	struct trace_result res = { .dests = dests, .ndests = nd };
	*m = read_log(address, log);
	size_t n;
	const struct maillog_record *v = maillog_records(*m, &n);
	tracecmp_run(&res, address, v, n, c);
}

static void test_agree(void)
{
	struct trace_dest d = { .address = "johndoe@andromed.cloud", .kind = TRACE_MAILDIR };
	struct tracecmp c;
	struct maillog *m;
	run("johndoe@andromed.cloud", SENT("1A2B3C4D5E", "johndoe@andromed.cloud", ""), &d, 1, &c, &m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.last);
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_PTR_EQUAL(c.rows[0].predicted, &d);
	CU_ASSERT_PTR_NOT_NULL(c.rows[0].real);
	CU_ASSERT_FALSE(c.rows[0].differs);
	CU_ASSERT_FALSE(c.differs);
	tracecmp_free(&c);
	maillog_free(&m);
}

/* info@ should reach johndoe, but the built map still sent it to olduser. */
static void test_stale_alias(void)
{
	struct trace_dest d = { .address = "johndoe@andromed.cloud", .kind = TRACE_MAILDIR };
	struct tracecmp c;
	struct maillog *m;
	run("info@andromed.cloud",
	    SENT("1A2B3C4D5E", "olduser@andromed.cloud", ", orig_to=<info@andromed.cloud>"), &d, 1,
	    &c, &m);
	CU_ASSERT_TRUE(c.differs);
	CU_ASSERT_EQUAL_FATAL(c.n, 2);
	CU_ASSERT_PTR_EQUAL(c.rows[0].predicted, &d);
	CU_ASSERT_PTR_NULL(c.rows[0].real);
	CU_ASSERT_TRUE(c.rows[0].differs);
	CU_ASSERT_PTR_NULL(c.rows[1].predicted);
	CU_ASSERT_STRING_EQUAL(c.rows[1].real->recipient, "olduser@andromed.cloud");
	CU_ASSERT_TRUE(c.rows[1].differs);
	tracecmp_free(&c);
	maillog_free(&m);
}

/* The newest message counts: it bounced, though the trace says delivered. */
static void test_newest_bounced(void)
{
	const char *log =
		SENT("1A2B3C4D5E", "JohnDoe@andromed.cloud", "")
		"Dec  6 11:00:00 mail postfix/qmgr[11]: 2B3C4D5E6F: from=<carol@sender.test>, size=900, nrcpt=1 (queue active)\n"
		"Dec  6 11:00:01 mail postfix/virtual[12]: 2B3C4D5E6F: to=<johndoe@andromed.cloud>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (unknown user: \"johndoe@andromed.cloud\")\n"
		"Dec  6 11:00:01 mail postfix/qmgr[11]: 2B3C4D5E6F: removed\n";
	struct trace_dest d = { .address = "johndoe@andromed.cloud", .kind = TRACE_MAILDIR };
	struct tracecmp c;
	struct maillog *m;
	run("johndoe@andromed.cloud", log, &d, 1, &c, &m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.last);
	CU_ASSERT_STRING_EQUAL(c.last->queue_id, "2B3C4D5E6F");
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_PTR_NOT_NULL(c.rows[0].real);
	CU_ASSERT_TRUE(c.rows[0].differs);
	CU_ASSERT_PTR_NOT_NULL(c.rows[0].why);
	tracecmp_free(&c);
	maillog_free(&m);
}

/* A predicted rejection, refused at RCPT: they agree. */
static void test_rejected(void)
{
	const char *log =
		"Dec  6 12:00:00 mail postfix/smtpd[10]: NOQUEUE: reject: RCPT from bad.test[192.0.2.66]: 550 5.1.1 <nobody@andromed.cloud>: Recipient address rejected: User unknown in virtual mailbox table; from=<x@bad.test> to=<nobody@andromed.cloud> proto=ESMTP helo=<bad>\n";
	struct trace_dest d = { .address = "nobody@andromed.cloud", .kind = TRACE_REJECT };
	struct tracecmp c;
	struct maillog *m;
	run("nobody@andromed.cloud", log, &d, 1, &c, &m);
	CU_ASSERT_PTR_NOT_NULL(c.last);
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_PTR_NOT_NULL(c.rows[0].real);
	CU_ASSERT_FALSE(c.differs);
	tracecmp_free(&c);
	maillog_free(&m);
}

static void test_nothing_in_log(void)
{
	struct trace_dest d = { .address = "janedoe@andromed.cloud", .kind = TRACE_MAILDIR };
	struct tracecmp c;
	struct maillog *m;
	run("janedoe@andromed.cloud", SENT("1A2B3C4D5E", "johndoe@andromed.cloud", ""), &d, 1, &c, &m);
	CU_ASSERT_PTR_NULL(c.last);
	CU_ASSERT_EQUAL_FATAL(c.n, 1);
	CU_ASSERT_PTR_NULL(c.rows[0].real);
	CU_ASSERT_FALSE(c.differs);
	tracecmp_free(&c);
	maillog_free(&m);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "prediction and log agree", test_agree },
		{ "an alias delivered elsewhere (stale map)", test_stale_alias },
		{ "the newest message bounced", test_newest_bounced },
		{ "a predicted rejection", test_rejected },
		{ "nothing in the log", test_nothing_in_log },
		CU_TEST_INFO_NULL,
	};
	return cu_run("tracecmp", tests);
}
