#ifndef CLOCK_H
#define CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one source of "now" (UTC ms). Either the wall clock, or — with --test-clock — a
 * clock that only clock_test_set() moves. Elapsed time (uptime) is always real.
 */

/* Use the wall clock (test = false) or a test clock starting at start_ms; a start
 * that clock_test_check refuses is fatal (it comes from --test-clock=INSTANT). */
void clock_init(bool test, int64_t start_ms);
/* 0 when ms may be the test clock's now: CIVIL_GIVEN_MIN_MS..CIVIL_GIVEN_MAX_MS
 * (1970 to the end of 9899: civil.h says why); else -1 with a message in err (len
 * bytes) that names the instant and the range. */
int clock_test_check(int64_t ms, char *err, size_t len);
/* True under --test-clock. */
bool clock_is_test(void);
/* Now, in UTC ms. */
int64_t clock_now(void);
/* Move the test clock to ms (forward or back). Only under --test-clock, and only to
 * an instant clock_test_check accepts (others are ignored). */
void clock_test_set(int64_t ms);
/* The wall clock, whatever the mode (for the test clock's start). */
int64_t clock_wall(void);
/* Real seconds since clock_init. */
int64_t clock_uptime_s(void);
/* A monotonic reading in microseconds (for measuring, never for deadlines). */
int64_t clock_mono_us(void);

#endif
