#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "civil.h"
#include "clock.h"

/*
 * The clock: a test clock that only clock_test_set moves, within the range every
 * deadline it starts can still be written in; the wall clock, which it ignores.
 */

#define T0 1772463600000LL	/* 2026-03-02T12:00:00-03:00 */

static void
clock_test__set__moves_forward_and_back(void **state)
{
	struct clock *c = clock_new(true, T0);

	assert_true(clock_is_test(c));
	assert_int_equal(clock_now(c), T0);
	clock_test_set(c, T0 + 1000);
	assert_int_equal(clock_now(c), T0 + 1000);
	clock_test_set(c, T0 - 1000);
	assert_int_equal(clock_now(c), T0 - 1000);
	clock_free(c);
}

static void
clock_test__out_of_range__ignored_and_named(void **state)
{
	struct clock *c = clock_new(true, T0);
	char err[256];

	clock_test_set(c, CIVIL_GIVEN_MAX_MS + 1);
	clock_test_set(c, -1);
	assert_int_equal(clock_now(c), T0);
	assert_int_equal(clock_test_check(CIVIL_GIVEN_MAX_MS, err, sizeof err), 0);
	assert_int_equal(clock_test_check(CIVIL_GIVEN_MAX_MS + 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "out of range"));
	clock_free(c);
}

static void
clock_wall__test_set__ignored(void **state)
{
	struct clock *c = clock_new(false, 0);
	int64_t before = clock_wall();

	assert_false(clock_is_test(c));
	clock_test_set(c, before - 3600 * 1000);
	/* Still the wall clock, not an hour back. */
	assert_true(clock_now(c) >= before);
	assert_true(clock_now(c) <= clock_wall());
	assert_true(clock_uptime_s(c) >= 0);
	clock_free(c);
	clock_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clock_test__set__moves_forward_and_back),
		cmocka_unit_test(clock_test__out_of_range__ignored_and_named),
		cmocka_unit_test(clock_wall__test_set__ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
