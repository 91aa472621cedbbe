#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "civil.h"
#include "log.h"
#include "rfc3339.h"
#include "xmalloc.h"

struct clock {
	bool test;
	int64_t test_now;	/* under test: now */
	int64_t start_us;	/* monotonic, at clock_new */
};

int64_t
clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
clock_test_check(int64_t ms, char *err, size_t len)
{
	char at[RFC3339_LEN], first[RFC3339_LEN], last[RFC3339_LEN];

	if (ms >= CIVIL_GIVEN_MIN_MS && ms <= CIVIL_GIVEN_MAX_MS)
		return 0;
	/* Past the years 0001-9999 (an offset can take a parsed instant there) the
	 * formatter would write the end of the range, which is not what was given. */
	if (rfc3339_in_range(ms))
		rfc3339_format_utc(ms, at);
	else
		snprintf(at, sizeof at, "an instant %s", ms < 0 ? "before the year 0001" :
		    "after the year 9999");
	snprintf(err, len, "%s is out of range: the test clock runs from %s to %s, so that "
	    "every deadline it starts can still be written with a four-digit year", at,
	    rfc3339_format_utc(CIVIL_GIVEN_MIN_MS, first),
	    rfc3339_format_utc(CIVIL_GIVEN_MAX_MS, last));
	return -1;
}

struct clock *
clock_new(bool test, int64_t start_ms)
{
	struct clock *c = xcalloc(1, sizeof *c);
	char err[256];

	if (test && clock_test_check(start_ms, err, sizeof err) != 0)
		fatalx("--test-clock: %s", err);
	c->test = test;
	c->test_now = start_ms;
	c->start_us = clock_mono_us();
	return c;
}

void
clock_free(struct clock *c)
{
	free(c);
}

bool
clock_is_test(const struct clock *c)
{
	return c->test;
}

int64_t
clock_now(const struct clock *c)
{
	return c->test ? c->test_now : clock_wall();
}

void
clock_test_set(struct clock *c, int64_t ms)
{
	if (c->test && ms >= CIVIL_GIVEN_MIN_MS && ms <= CIVIL_GIVEN_MAX_MS)
		c->test_now = ms;
}

int64_t
clock_uptime_s(const struct clock *c)
{
	return (clock_mono_us() - c->start_us) / 1000000;
}
