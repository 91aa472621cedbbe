#ifndef CLOCK_H
#define CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The one source of "now" (UTC ms). Either the wall clock, or — with --test-clock — a
 * clock that only clock_test_set() moves. Elapsed time (uptime) is always real.
 */

/* Use the wall clock (test = false) or a test clock starting at start_ms. */
void clock_init(bool test, int64_t start_ms);
/* True under --test-clock. */
bool clock_is_test(void);
/* Now, in UTC ms. */
int64_t clock_now(void);
/* Move the test clock to ms (forward or back). Only under --test-clock. */
void clock_test_set(int64_t ms);
/* The wall clock, whatever the mode (for the test clock's start). */
int64_t clock_wall(void);
/* Real seconds since clock_init. */
int64_t clock_uptime_s(void);
/* A monotonic reading in microseconds (for measuring, never for deadlines). */
int64_t clock_mono_us(void);

#endif
