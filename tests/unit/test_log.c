#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "log.h"

/* A warning repeated while its cause lasts is written once per interval. */

#define S 1000000LL

static void
log_warnx_limited__first_one__is_written(void **state)
{
	struct log_limit l = { 0 };

	assert_true(log_warnx_limited(&l, 5 * S, 60 * S, "disk full"));
	assert_int_equal(l.left_out, 0);
}

static void
log_warnx_limited__repeats_within_the_interval__are_left_out_and_counted(void **state)
{
	struct log_limit l = { 0 };

	assert_true(log_warnx_limited(&l, 5 * S, 60 * S, "disk full"));
	for (int i = 1; i <= 59; i++)
		assert_false(log_warnx_limited(&l, 5 * S + i * S, 60 * S, "disk full"));
	assert_int_equal(l.left_out, 59);
	assert_true(log_warnx_limited(&l, 65 * S, 60 * S, "disk full"));
	assert_int_equal(l.left_out, 0);
}

static void
log_warnx_limited__at_instant_zero__still_limits(void **state)
{
	struct log_limit l = { 0 };

	assert_true(log_warnx_limited(&l, 0, 60 * S, "x"));
	assert_false(log_warnx_limited(&l, 1, 60 * S, "x"));
}

static void
log_limit_clear__after_the_cause__writes_again_at_once(void **state)
{
	struct log_limit l = { 0 };

	assert_true(log_warnx_limited(&l, 5 * S, 60 * S, "disk full"));
	assert_false(log_warnx_limited(&l, 6 * S, 60 * S, "disk full"));
	log_limit_clear(&l, "test");
	assert_true(log_warnx_limited(&l, 7 * S, 60 * S, "disk full"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log_warnx_limited__first_one__is_written),
		cmocka_unit_test(log_warnx_limited__repeats_within_the_interval__are_left_out_and_counted),
		cmocka_unit_test(log_warnx_limited__at_instant_zero__still_limits),
		cmocka_unit_test(log_limit_clear__after_the_cause__writes_again_at_once),
	};

	log_init("test_log", false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
