#include "clock.h"

#include <time.h>

static bool clock_test;
static int64_t clock_test_now;
static int64_t clock_start_us;

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

void
clock_init(bool test, int64_t start_ms)
{
	clock_test = test;
	clock_test_now = start_ms;
	clock_start_us = clock_mono_us();
}

bool
clock_is_test(void)
{
	return clock_test;
}

int64_t
clock_now(void)
{
	return clock_test ? clock_test_now : clock_wall();
}

void
clock_test_set(int64_t ms)
{
	if (clock_test)
		clock_test_now = ms;
}

int64_t
clock_uptime_s(void)
{
	return (clock_mono_us() - clock_start_us) / 1000000;
}
