#ifndef CLOCK_H
#define CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one source of "now" (UTC ms): a struct clock, either the wall clock or — with
 * --test-clock — a clock that only clock_test_set() moves. Elapsed time (uptime) and
 * the monotonic reading are always real.
 */

struct clock;

/* The wall clock (test = false), or a test clock starting at start_ms; a start that
 * clock_test_check refuses is fatal (it comes from --test-clock=INSTANT). */
struct clock *clock_new(bool test, int64_t start_ms);
/* NULL is a no-op. */
void clock_free(struct clock *c);
/* 0 when ms may be the test clock's now: CIVIL_GIVEN_MIN_MS..CIVIL_GIVEN_MAX_MS
 * (1970 to the end of 9899: civil.h says why); else -1 with a message in err (len
 * bytes) that names the instant and the range. */
int clock_test_check(int64_t ms, char *err, size_t len);
/* True for a test clock. */
bool clock_is_test(const struct clock *c);
/* Now, in UTC ms. */
int64_t clock_now(const struct clock *c);
/* Move a test clock to ms (forward or back), when clock_test_check accepts it (others
 * are ignored, as is a wall clock). */
void clock_test_set(struct clock *c, int64_t ms);
/* Real seconds since clock_new. */
int64_t clock_uptime_s(const struct clock *c);
/* The wall clock, whatever the mode (for the test clock's start). */
int64_t clock_wall(void);
/* A monotonic reading in microseconds (for measuring, never for deadlines). */
int64_t clock_mono_us(void);

#endif
