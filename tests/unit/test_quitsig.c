/* The interface's quit signals (src/ui/quitsig.c, compiled alone: no
 * curses): every one is kept until answered. The window the interface's
 * main loop leaves (ui.c, interrupt_asks: quitsig_got read, the question
 * asked, quitsig_forget) is walked here with a signal raised inside it,
 * which no timing of a real Ctrl-C can do reliably. */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <unistd.h>

#include "cu.h"
#include "../../src/ui/quitsig.h"

/* the byte the handler writes is there until quitsig_take drains it */
static bool pipe_ready(void)
{
	struct pollfd fd;
	if (quitsig_pollfd(&fd) != 1)
		return false;
	return poll(&fd, 1, 0) == 1 && (fd.revents & POLLIN);
}

static void test_second_interrupt_in_the_window(void)
{
	quitsig_start();
	CU_ASSERT_EQUAL(quitsig_take(), 0);
	raise(SIGINT);
	CU_ASSERT_TRUE(pipe_ready());
	CU_ASSERT_EQUAL(quitsig_take(), SIGINT);
	CU_ASSERT_FALSE(pipe_ready());
	/* interrupt_asks: the flag read ... */
	CU_ASSERT_EQUAL(quitsig_got(), SIGINT);
	/* ... a second Ctrl-C comes now ... */
	raise(SIGINT);
	/* ... and the first is answered by the question */
	quitsig_forget();
	/* the second is still to answer: the loop quits on it */
	CU_ASSERT_EQUAL(quitsig_take(), SIGINT);
	quitsig_forget();
	CU_ASSERT_EQUAL(quitsig_take(), 0);
	quitsig_forget();   /* nothing to answer: nothing changes */
	raise(SIGINT);
	CU_ASSERT_EQUAL(quitsig_take(), SIGINT);
	quitsig_forget();
	CU_ASSERT_EQUAL(quitsig_got(), 0);
	quitsig_stop();
}

/* A SIGTERM ends the interface even when a SIGINT came after it, and is
 * never answered by the quit question. */
static void test_end_signal_wins(void)
{
	quitsig_start();
	raise(SIGTERM);
	raise(SIGINT);
	CU_ASSERT_EQUAL(quitsig_take(), SIGTERM);
	quitsig_forget();
	CU_ASSERT_EQUAL(quitsig_got(), SIGTERM);
	quitsig_stop();
	CU_ASSERT_EQUAL(quitsig_got(), SIGTERM);   /* kept after the pipe is closed */
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "a second SIGINT between the read and the answer", test_second_interrupt_in_the_window },
		{ "SIGTERM wins over SIGINT", test_end_signal_wins },
		CU_TEST_INFO_NULL,
	};
	return cu_run("quitsig", tests);
}
