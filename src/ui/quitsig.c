/* The quit signals (SIGINT, SIGTERM, SIGHUP) for the interface's main
 * loop: the self-pipe trick. The handler sets a flag and writes one byte
 * to a pipe whose read end the loop polls beside its other descriptors.
 * A signal that comes while the interface paints (after the loop looked
 * at the flag, before its next poll) leaves that byte, so the next poll
 * returns at once: with the flag alone, the interface did not quit until
 * the next key or event (the sanitizer lane's slower paint caught a
 * Ctrl-C so).
 *
 * No signal is blocked for this. Taking the quit signals in ppoll only
 * (dbdaf05) lost a hung-up terminal's SIGHUP: ppoll takes a pending signal
 * only when it waits, and a hung-up stdin is ready for ever, so the
 * interface spun; taking the pending ones after each ppoll (b36331f) was
 * undone with it. Here the handler runs whenever a signal comes, and its
 * byte wakes the main loop's next poll.
 *
 * Every SIGINT is counted, and the loop answers them one at a time: with
 * one flag, read then cleared by the quit question, a second Ctrl-C that
 * came between the read and the clearing was forgotten (the question
 * stayed up instead of quitting). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "quitsig.h"
#include "vmailadm/diag.h"

static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* The last SIGTERM or SIGHUP taken (0: none): it ends the interface. */
static volatile sig_atomic_t got_end_signal;
/* The SIGINTs taken, and of them those the quit question answered (the
 * main loop's alone). Lock-free, so the handler may add to it. */
static atomic_uint interrupts;
static unsigned interrupts_answered;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler needs a lock-free counter");
/* The pipe's write end for the handler (-1: none, the byte is not
 * needed: before the main loop, or after it). */
static volatile sig_atomic_t wake_fd = -1;
static int wake_pipe[2] = { -1, -1 };

/* Async-signal-safe: the count or the flag first (the loop reads them
 * once it has drained the byte), then the byte; a full pipe is already readable.
 * errno is restored: the signal may interrupt curses writing the screen,
 * which looks at errno when write fails (EINTR). */
static void on_quit_signal(int sig)
{
	int saved = errno;
	if (sig == SIGINT)
		atomic_fetch_add(&interrupts, 1);
	else
		got_end_signal = sig;
	int fd = wake_fd;
	if (fd >= 0) {
		char c = (char)sig;
		ssize_t r = write(fd, &c, 1);
		(void)r;
	}
	errno = saved;
}

void quitsig_start(void)
{
	/* Non-blocking: the handler must never wait on a full pipe, nor the
	 * drain on an empty one. Close-on-exec: no program vmailadm runs gets
	 * it (spawn.c also closes every descriptor above 2 and gives them
	 * the default handlers). */
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		vm_fatal("pipe: %s", strerror(errno));
	wake_fd = wake_pipe[1];   /* before the handlers: they may come at once */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof quit_signals / sizeof *quit_signals; i++)
		sigaction(quit_signals[i], &sa, NULL);
}

void quitsig_hung_up(void)
{
	on_quit_signal(SIGHUP);
}

int quitsig_pollfd(struct pollfd *fd)
{
	if (wake_pipe[0] < 0)
		return 0;
	*fd = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
	return 1;
}

int quitsig_take(void)
{
	/* Drained before the count and the flag are read: a signal that
	 * comes after the drain writes a byte the next poll sees. */
	char buf[64];
	if (wake_pipe[0] >= 0)
		while (read(wake_pipe[0], buf, sizeof buf) > 0)
			;
	return quitsig_got();
}

int quitsig_got(void)
{
	if (got_end_signal)
		return got_end_signal;
	return atomic_load(&interrupts) != interrupts_answered ? SIGINT : 0;
}

void quitsig_forget(void)
{
	if (atomic_load(&interrupts) != interrupts_answered)
		interrupts_answered++;
}

void quitsig_stop(void)
{
	if (wake_pipe[0] < 0)
		return;
	/* The handler must not write to a descriptor closed here (its number
	 * may be reused at once): blocked meanwhile on this thread, the one
	 * that takes them (the interface's other threads block every signal). */
	sigset_t quit, old;
	sigemptyset(&quit);
	for (size_t i = 0; i < sizeof quit_signals / sizeof *quit_signals; i++)
		sigaddset(&quit, quit_signals[i]);
	pthread_sigmask(SIG_BLOCK, &quit, &old);
	wake_fd = -1;
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
