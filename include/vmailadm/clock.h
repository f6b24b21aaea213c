/* Monotonic time (immune to the wall clock being set) for timeouts and
 * measurements, and the VMAILADM_TIMING switch of the machine-readable
 * "vmailadm-timing:" lines that `make bench` reads. */
#ifndef VMAILADM_CLOCK_H
#define VMAILADM_CLOCK_H
#include <stdbool.h>
#include <time.h>

/* Now, on CLOCK_MONOTONIC. */
void clock_now(struct timespec *t);
/* Now, on CLOCK_MONOTONIC, in milliseconds. */
double clock_ms(void);
/* Seconds from from to to (negative when to is earlier). */
double clock_seconds(const struct timespec *from, const struct timespec *to);
/* VMAILADM_TIMING is set, not empty and not "0". */
bool clock_timing_on(void);

#endif
