/* Background work beside the interface's thread (issue 16): the threads
 * of the scan, lint and the stage made ahead yield it the CPU, and the
 * program's code is asked of the disk at start, so that no key waits for a
 * page of it behind the scanner's reads. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ui_int.h"

/* The interface's nice plus 10 for the calling thread and those it starts
 * (the scanner's workers, the poller): the interface's own thread then has
 * some 9 times their weight when both want the CPU, and keys are answered
 * while a scan and lint run (issue 16: 16 workers of a cold scan beside
 * it). With the kernel's autogroups (Debian's default) the weights only
 * count between this session's threads: next to other programs the work
 * is not slower. Relative, not nice 10 itself: under `nice` (10) the
 * background had the interface's weight, and as root under nice 15 it was
 * lowered to 10, above the interface. */
#define UI_BACKGROUND_NICE 10

void background_thread(void)
{
	/* The interface's thread is the process's first (its id the pid); the
	 * calling thread's own nice may be one a stop changed (background_hurry). */
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, (id_t)getpid());
	if (errno != 0)
		return;
	nice += UI_BACKGROUND_NICE;
	if (nice > 19)
		nice = 19;   /* the kernel's ceiling */
	/* Raising one's nice needs no privilege; a failure leaves it as it was. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), nice);
}

void background_hurry(pthread_t t, pid_t tid)
{
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	if (tid > 0 && errno == 0)
		(void)setpriority(PRIO_PROCESS, (id_t)tid, nice);
	/* A nice-10 thread given nice 0 keeps the virtual time it ran up, and
	 * on a loaded machine its turn still came 10-20 ms later (issue 16:
	 * a staging waited for lint to see its stop); the real-time class
	 * runs it at once, until it gives it up (background_calm). Root only;
	 * otherwise it stays as it was. */
	const struct sched_param rt = { .sched_priority = 1 };
	(void)pthread_setschedparam(t, SCHED_FIFO, &rt);
}

void background_calm(void)
{
	const struct sched_param normal = { .sched_priority = 0 };
	(void)pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
	background_thread();
}

/* The program's code and read-only data (its own and its libraries'),
 * asked of the disk now, in one read-ahead per mapping: on a cold cache
 * each key that first runs some code waited for its page, behind the
 * scanner's thousands of reads (issue 16: cold keys p99 49 ms). Returns the
 * mappings advised. */
static size_t prefetch_code(void)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return 0;
	size_t n = 0;
	char line[512];
	while (fgets(line, sizeof line, maps)) {
		unsigned long from, to;
		char perms[5];
		int path = 0;
		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &from, &to, perms, &path) < 3 ||
		    path == 0 || line[path] != '/' || perms[0] != 'r' || perms[1] != '-')
			continue;   /* not a file's, or written to */
		if (madvise((void *)from, to - from, MADV_WILLNEED) == 0)
			n++;
	}
	fclose(maps);
	return n;
}

/* On a thread of its own, so that no key waits for the disk to take the
 * requests; VMAILADM_UI_TIMING says how many mappings it advised. */
static void *prefetch_run(void *arg)
{
	FILE *timing = arg;
	size_t n = prefetch_code();
	if (timing) {   /* stdio locks it */
		fprintf(timing, "code-prefetch %zu\n", n);
		fflush(timing);
	}
	return NULL;
}

void background_prefetch_start(struct ui *ui)
{
	sigset_t all, old;
	/* The thread must not take the interface's signals (SIGWINCH, SIGTERM). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ui->prefetching = pthread_create(&ui->prefetch, NULL, prefetch_run, ui->timing) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ui->prefetching)
		prefetch_run(ui->timing);   /* no thread: the read-ahead is asked all the same */
}

void background_prefetch_join(struct ui *ui)
{
	if (ui->prefetching)
		pthread_join(ui->prefetch, NULL);
	ui->prefetching = false;
}

