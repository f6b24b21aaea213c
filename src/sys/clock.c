/* Monotonic time and the timing switch (see clock.h): one copy of what
 * spawn, the commands and the interface each measured on their own. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmailadm/clock.h"

void clock_now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

double clock_ms(void)
{
	struct timespec ts;
	clock_now(&ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double clock_seconds(const struct timespec *from, const struct timespec *to)
{
	return (double)(to->tv_sec - from->tv_sec) + (double)(to->tv_nsec - from->tv_nsec) / 1e9;
}

bool clock_timing_on(void)
{
	const char *on = getenv("VMAILADM_TIMING");
	return on && *on && strcmp(on, "0") != 0;
}
