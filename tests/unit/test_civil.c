#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "civil.h"

static void
civil_days__epoch__is_day_zero(void **state)
{
	assert_int_equal(civil_days(1970, 1, 1), 0);
	assert_int_equal(civil_days(1970, 1, 2), 1);
	assert_int_equal(civil_days(1969, 12, 31), -1);
}

static void
civil_days__known_dates__match_reference(void **state)
{
	/* Reference values from Python's datetime.date arithmetic. */
	assert_int_equal(civil_days(2000, 1, 1), 10957);
	assert_int_equal(civil_days(2026, 11, 23), 20780);
	assert_int_equal(civil_days(1600, 1, 1), -135140);
	assert_int_equal(civil_days(2400, 12, 31), 157419);
	assert_int_equal(civil_days(1582, 10, 15), -141427);
}

static int
civil_month_length(int y, int m)
{
	int d = 31;

	while (!civil_valid(y, m, d))
		d--;
	return d;
}

static void
civil_from_days__every_day_1600_to_2400__round_trips(void **state)
{
	int64_t n = civil_days(1600, 1, 1);

	/* Walk the calendar one day at a time and check both directions agree. */
	for (int y = 1600; y <= 2400; y++) {
		for (int m = 1; m <= 12; m++) {
			int len = civil_month_length(y, m);

			for (int d = 1; d <= len; d++, n++) {
				int yy, mm, dd;

				assert_int_equal(civil_days(y, m, d), n);
				civil_from_days(n, &yy, &mm, &dd);
				assert_int_equal(yy, y);
				assert_int_equal(mm, m);
				assert_int_equal(dd, d);
			}
		}
	}
	assert_int_equal(n, civil_days(2401, 1, 1));
}

static void
civil_from_days__far_past_and_future__round_trip(void **state)
{
	int y, m, d;

	civil_from_days(civil_days(1, 1, 1), &y, &m, &d);
	assert_true(y == 1 && m == 1 && d == 1);
	civil_from_days(civil_days(9999, 12, 31), &y, &m, &d);
	assert_true(y == 9999 && m == 12 && d == 31);
	civil_from_days(civil_days(-4713, 11, 24), &y, &m, &d);
	assert_true(y == -4713 && m == 11 && d == 24);
}

static void
civil_valid__century_years__are_leap_only_every_400(void **state)
{
	assert_false(civil_valid(1900, 2, 29));
	assert_true(civil_valid(2000, 2, 29));
	assert_false(civil_valid(2100, 2, 29));
	assert_true(civil_valid(2024, 2, 29));
	assert_false(civil_valid(2026, 2, 29));
	assert_int_equal(civil_days(1900, 3, 1) - civil_days(1900, 2, 28), 1);
	assert_int_equal(civil_days(2000, 3, 1) - civil_days(2000, 2, 28), 2);
}

static void
civil_valid__out_of_range_fields__are_rejected(void **state)
{
	assert_false(civil_valid(2026, 0, 1));
	assert_false(civil_valid(2026, 13, 1));
	assert_false(civil_valid(2026, 1, 0));
	assert_false(civil_valid(2026, 4, 31));
	assert_false(civil_valid(0, 1, 1));
	assert_false(civil_valid(10000, 1, 1));
	assert_true(civil_valid(1, 1, 1));
	assert_true(civil_valid(9999, 12, 31));
}

static void
civil_weekday__known_dates__match_reference(void **state)
{
	assert_int_equal(civil_weekday(civil_days(1970, 1, 1)), 4);	/* Thursday */
	assert_int_equal(civil_weekday(civil_days(2000, 1, 1)), 6);	/* Saturday */
	assert_int_equal(civil_weekday(civil_days(2026, 11, 23)), 1);	/* Monday */
	assert_int_equal(civil_weekday(civil_days(2026, 2, 13)), 5);	/* Friday */
	assert_int_equal(civil_weekday(civil_days(1600, 1, 1)), 6);	/* Saturday */
	assert_int_equal(civil_weekday(civil_days(1969, 12, 28)), 0);	/* Sunday */
	assert_int_equal(civil_weekday(civil_days(1582, 10, 15)), 5);	/* Friday */
}

static void
civil_parse_date__well_formed__gives_day_number(void **state)
{
	int64_t days = -1;

	assert_int_equal(civil_parse_date("2026-11-23", &days), 0);
	assert_int_equal(days, 20780);
	assert_int_equal(civil_parse_date("2000-02-29", &days), 0);
	assert_int_equal(days, civil_days(2000, 2, 29));
	assert_int_equal(civil_parse_date("1969-12-31", &days), 0);
	assert_int_equal(days, -1);
}

static void
civil_parse_date__malformed_or_unreal__is_rejected(void **state)
{
	static const char *bad[] = {
		"2026-2-3", "2026-02-3", "26-02-03", "2026-02-30", "1900-02-29",
		"2026-13-01", "2026-00-10", "2026-01-00", "0000-01-01",
		"2026-02-03 ", " 2026-02-03", "2026-02-03T00:00", "2026-02-03x",
		"2026/02/03", "20260203", "2026-0a-03", "", "2026", "2026-02-",
		"+026-02-03", "-2026-02-03",
	};
	int64_t days = 42;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (civil_parse_date(bad[i], &days) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(days, 42);
}

static void
civil_format_date__pads_fields__and_parses_back(void **state)
{
	char buf[CIVIL_DATE_LEN];
	int64_t back;

	civil_format_date(civil_days(2026, 2, 3), buf);
	assert_string_equal(buf, "2026-02-03");
	civil_format_date(civil_days(987, 1, 9), buf);
	assert_string_equal(buf, "0987-01-09");
	civil_format_date(-1, buf);
	assert_string_equal(buf, "1969-12-31");
	for (int64_t n = civil_days(1899, 1, 1); n < civil_days(2101, 1, 1); n += 7) {
		civil_format_date(n, buf);
		assert_int_equal(strlen(buf), CIVIL_DATE_LEN - 1);
		assert_int_equal(civil_parse_date(buf, &back), 0);
		assert_int_equal(back, n);
	}
}

static void
civil_format_date__out_of_range_days__write_the_nearer_end_not_five_digits(void **state)
{
	static const int64_t late[] = { CIVIL_DAY_MAX + 1, 10000000, INT64_MAX };
	static const int64_t early[] = { CIVIL_DAY_MIN - 1, -10000000, INT64_MIN };
	char buf[CIVIL_DATE_LEN];

	civil_format_date(CIVIL_DAY_MAX, buf);
	assert_string_equal(buf, "9999-12-31");
	civil_format_date(CIVIL_DAY_MIN, buf);
	assert_string_equal(buf, "0001-01-01");
	for (size_t i = 0; i < sizeof late / sizeof late[0]; i++) {
		civil_format_date(late[i], buf);
		assert_string_equal(buf, "9999-12-31");
		civil_format_date(early[i], buf);
		assert_string_equal(buf, "0001-01-01");
	}
}

static void
civil_bounds__name_the_dates_their_comments_say(void **state)
{
	assert_int_equal(CIVIL_DAY_MIN, civil_days(1, 1, 1));
	assert_int_equal(CIVIL_DAY_MAX, civil_days(9999, 12, 31));
	assert_int_equal(CIVIL_MS_MIN, civil_days(1, 1, 1) * CIVIL_DAY_MS);
	assert_int_equal(CIVIL_MS_MAX, civil_days(10000, 1, 1) * CIVIL_DAY_MS - 1);
	assert_int_equal(CIVIL_GIVEN_MIN_MS, civil_days(1970, 1, 1) * CIVIL_DAY_MS);
	assert_int_equal(CIVIL_GIVEN_MAX_MS, civil_days(9900, 1, 1) * CIVIL_DAY_MS - 1);
	assert_true(civil_valid(CIVIL_YEAR_MIN, 1, 1) && !civil_valid(CIVIL_YEAR_MIN - 1, 12, 31));
	assert_true(civil_valid(CIVIL_YEAR_MAX, 12, 31) && !civil_valid(CIVIL_YEAR_MAX + 1, 1, 1));
}

static void
civil_bounds__a_year_ahead__includes_the_same_date_next_year_across_29_february(void **state)
{
	assert_true(civil_days(2028, 2, 28) - civil_days(2027, 2, 28) <= CIVIL_AHEAD_MAX_DAYS);
	assert_true(civil_days(2028, 3, 1) - civil_days(2027, 3, 1) <= CIVIL_AHEAD_MAX_DAYS);
	/* A mistyped year is not: 2062 for 2026. */
	assert_true(civil_days(2062, 12, 7) - civil_days(2026, 12, 7) > CIVIL_AHEAD_MAX_DAYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(civil_days__epoch__is_day_zero),
		cmocka_unit_test(civil_days__known_dates__match_reference),
		cmocka_unit_test(civil_from_days__every_day_1600_to_2400__round_trips),
		cmocka_unit_test(civil_from_days__far_past_and_future__round_trip),
		cmocka_unit_test(civil_valid__century_years__are_leap_only_every_400),
		cmocka_unit_test(civil_valid__out_of_range_fields__are_rejected),
		cmocka_unit_test(civil_weekday__known_dates__match_reference),
		cmocka_unit_test(civil_parse_date__well_formed__gives_day_number),
		cmocka_unit_test(civil_parse_date__malformed_or_unreal__is_rejected),
		cmocka_unit_test(civil_format_date__pads_fields__and_parses_back),
		cmocka_unit_test(civil_format_date__out_of_range_days__write_the_nearer_end_not_five_digits),
		cmocka_unit_test(civil_bounds__name_the_dates_their_comments_say),
		cmocka_unit_test(civil_bounds__a_year_ahead__includes_the_same_date_next_year_across_29_february),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
