/* Unit tests for the reading of `postqueue -j` lines (src/traffic/queue.c):
 * real lines from Postfix 3.7, the null sender, several recipients with
 * and without a reason, and broken lines named by their number. */
#include "config.h"

#include <string.h>

#include "cu.h"
#include "vmailadm/queue.h"

static void test_real_line(void)
{
	const char *line =
		"{\"queue_name\": \"deferred\", \"queue_id\": \"A77C8A74A26\", \"arrival_time\": "
		"1796564868, \"message_size\": 388, \"forced_expire\": false, \"sender\": "
		"\"alice@sandbox.test\", \"recipients\": [{\"address\": \"bob@slow.test\", "
		"\"delay_reason\": \"connect to 127.0.0.1[127.0.0.1]:50679: Connection refused\"}]}";
	struct queue_msg m;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(queue_parse_line(line, strlen(line), 1, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(m.queue_name, "deferred");
	CU_ASSERT_STRING_EQUAL(m.queue_id, "A77C8A74A26");
	CU_ASSERT_EQUAL(m.arrival_time, 1796564868);
	CU_ASSERT_EQUAL(m.size, 388);
	CU_ASSERT_FALSE(m.forced_expire);
	CU_ASSERT_STRING_EQUAL(m.sender, "alice@sandbox.test");
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 1);
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].address, "bob@slow.test");
	CU_ASSERT_STRING_EQUAL(m.rcpts[0].reason,
			       "connect to 127.0.0.1[127.0.0.1]:50679: Connection refused");
	struct queue_msg c;
	queue_msg_copy(&c, &m);
	queue_msg_free(&m);
	CU_ASSERT_STRING_EQUAL(c.rcpts[0].address, "bob@slow.test");
	queue_msg_free(&c);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

static void test_null_sender_two_recipients(void)
{
	const char *line =
		"{\"queue_name\": \"active\", \"queue_id\": \"4QzJ0k6Nb5z9vQk\", \"arrival_time\": 1, "
		"\"message_size\": 2400, \"forced_expire\": true, \"sender\": \"\", \"recipients\": "
		"[{\"address\": \"a@x.test\"}, {\"address\": \"b@x.test\", \"delay_reason\": \"\"}]}\n";
	struct queue_msg m;
	struct diags d = DIAGS_INIT;
	CU_ASSERT_EQUAL_FATAL(queue_parse_line(line, strlen(line), 1, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(m.sender, "");
	CU_ASSERT_TRUE(m.forced_expire);
	CU_ASSERT_EQUAL_FATAL(m.nrcpts, 2);
	CU_ASSERT_PTR_NULL(m.rcpts[0].reason);
	CU_ASSERT_PTR_NULL(m.rcpts[1].reason);
	queue_msg_free(&m);
	diags_free(&d);
}

static void test_broken_lines(void)
{
	const char *bad[] = { "{\"queue_name\": \"active\"", "[1, 2]",
			      "{\"queue_name\": \"active\", \"queue_id\": \"X\", \"sender\": \"s\"}",
			      "not json" };
	for (unsigned i = 0; i < 4; i++) {
		struct queue_msg m;
		struct diags d = DIAGS_INIT;
		CU_ASSERT_EQUAL(queue_parse_line(bad[i], strlen(bad[i]), 7 + i, &m, &d), -1);
		CU_ASSERT_EQUAL_FATAL(d.n, 1);
		CU_ASSERT_STRING_EQUAL(d.v[0].file, "postqueue -j");
		CU_ASSERT_EQUAL(d.v[0].line, 7 + i);
		diags_free(&d);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "a real deferred message", test_real_line },
		{ "the null sender, two recipients", test_null_sender_two_recipients },
		{ "broken lines are named", test_broken_lines },
		CU_TEST_INFO_NULL,
	};
	return cu_run("queue", tests);
}
