#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include <string.h>

#include "cal.h"
#include "civil.h"
#include "rfc3339.h"
#include "tz.h"

#define SEC_MS INT64_C(1000)
#define DAY_MS (86400 * SEC_MS)

/* 2026-11-23T18:00:00Z, i.e. 15:00 in São Paulo. */
#define T_2026_11_23_18Z (civil_days(2026, 11, 23) * DAY_MS + 18 * 3600 * SEC_MS)

static void
set_zone(const char *name)
{
	char *cause = NULL;

	if (tz_set(name, &cause) != 0)
		fail_msg("tz_set(%s): %s", name, cause);
}

static int
setup_sao_paulo(void **state)
{
	set_zone("America/Sao_Paulo");
	return 0;
}

static int
setup_utc(void **state)
{
	set_zone("UTC");
	return 0;
}

static int64_t
parse_ok(const char *s)
{
	int64_t ms = 0;

	if (rfc3339_parse(s, &ms) != 0)
		fail_msg("rejected \"%s\"", s);
	return ms;
}

static void
rfc3339_parse__zulu_and_zero_offset__are_the_same_instant(void **state)
{
	assert_int_equal(parse_ok("2026-11-23T18:00:00Z"), T_2026_11_23_18Z);
	assert_int_equal(parse_ok("2026-11-23T18:00:00+00:00"), T_2026_11_23_18Z);
	assert_int_equal(parse_ok("2026-11-23T18:00:00-00:00"), T_2026_11_23_18Z);
	assert_int_equal(parse_ok("2026-11-23t18:00:00z"), T_2026_11_23_18Z);
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
}

static void
rfc3339_parse__offsets__are_subtracted(void **state)
{
	assert_int_equal(parse_ok("2026-11-23T15:00:00-03:00"), T_2026_11_23_18Z);
	assert_int_equal(parse_ok("2026-11-23T23:30:00+05:30"), T_2026_11_23_18Z);
	/* An offset can move the instant to another UTC date. */
	assert_int_equal(parse_ok("2026-11-23T22:00:00-03:00"),
	    civil_days(2026, 11, 24) * DAY_MS + 1 * 3600 * SEC_MS);
	assert_int_equal(parse_ok("2026-01-01T01:00:00+03:00"),
	    civil_days(2025, 12, 31) * DAY_MS + 22 * 3600 * SEC_MS);
}

static void
rfc3339_parse__fractions__are_truncated_to_milliseconds(void **state)
{
	assert_int_equal(parse_ok("2026-11-23T18:00:00.5Z"), T_2026_11_23_18Z + 500);
	assert_int_equal(parse_ok("2026-11-23T18:00:00.12Z"), T_2026_11_23_18Z + 120);
	assert_int_equal(parse_ok("2026-11-23T18:00:00.123Z"), T_2026_11_23_18Z + 123);
	assert_int_equal(parse_ok("2026-11-23T18:00:00.123999999Z"), T_2026_11_23_18Z + 123);
	assert_int_equal(parse_ok("2026-11-23T15:00:00.999-03:00"), T_2026_11_23_18Z + 999);
	assert_int_equal(parse_ok("2026-11-23T18:00:00.000Z"), T_2026_11_23_18Z);
}

static void
rfc3339_parse__before_1970__is_negative(void **state)
{
	assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1000);
	assert_int_equal(parse_ok("1969-12-31T23:59:59.5Z"), -500);
	assert_int_equal(parse_ok("1969-12-31T21:00:00-03:00"), 0);
	assert_int_equal(parse_ok("1900-01-01T00:00:00Z"),
	    civil_days(1900, 1, 1) * DAY_MS);
}

static void
rfc3339_parse__bad_text__is_rejected(void **state)
{
	static const char *bad[] = {
		"2026-11-23T18:00:00",		/* no offset */
		"2026-11-23T18:00Z",		/* no seconds */
		"2026-11-23 18:00:00Z",		/* space instead of T */
		"2026-11-23",
		"2026-11-23T18:00:60Z",		/* leap second */
		"2026-11-23T24:00:00Z",
		"2026-11-23T18:60:00Z",
		"2026-02-30T18:00:00Z",
		"2026-13-01T18:00:00Z",
		"2026-00-01T18:00:00Z",
		"0000-01-01T00:00:00Z",
		"2026-1-23T18:00:00Z",
		"2026-11-23T8:00:00Z",
		"2026-11-23T18:00:00.Z",	/* empty fraction */
		"2026-11-23T18:00:00.1234567890Z",	/* 10 digits */
		"2026-11-23T18:00:00,5Z",
		"2026-11-23T18:00:00+0300",
		"2026-11-23T18:00:00+03",
		"2026-11-23T18:00:00+24:00",
		"2026-11-23T18:00:00+03:60",
		"2026-11-23T18:00:00Zjunk",
		"2026-11-23T18:00:00-03:00 ",
		" 2026-11-23T18:00:00Z",
		"2026-11-23T18:00:00UTC",
		"2026-11-23T18:00:00+3:00",
		"",
	};
	int64_t ms = 42;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (rfc3339_parse(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(ms, 42);
}

static void
rfc3339_format__sao_paulo__writes_local_time_and_offset(void **state)
{
	char buf[RFC3339_LEN];

	assert_string_equal(rfc3339_format(T_2026_11_23_18Z, buf),
	    "2026-11-23T15:00:00-03:00");
	assert_string_equal(rfc3339_format(T_2026_11_23_18Z + 7, buf),
	    "2026-11-23T15:00:00.007-03:00");
	/* 2018-11-04T03:00Z: the first instant of daylight saving time. */
	assert_string_equal(rfc3339_format(civil_days(2018, 11, 4) * DAY_MS +
	    3 * 3600 * SEC_MS, buf), "2018-11-04T01:00:00-02:00");
	assert_string_equal(rfc3339_format(-1, buf), "1969-12-31T20:59:59.999-03:00");
}

static void
rfc3339_format__local_mean_time__keeps_whole_minute_offsets_exact(void **state)
{
	/* São Paulo's LMT is -03:06:28; RFC 3339 can only say -03:06. */
	char buf[RFC3339_LEN];
	int64_t t = civil_days(1900, 1, 1) * DAY_MS;

	assert_string_equal(rfc3339_format(t, buf), "1899-12-31T20:54:00-03:06");
	assert_int_equal(parse_ok(buf), t);
}

static void
round_trip(int64_t from, int64_t to, int64_t step, bool utc)
{
	char buf[RFC3339_LEN];

	for (int64_t t = from; t < to; t += step) {
		if (utc)
			rfc3339_format_utc(t, buf);
		else
			rfc3339_format(t, buf);
		if (parse_ok(buf) != t)
			fail_msg("%s parsed back as %lld, not %lld", buf,
			    (long long)parse_ok(buf), (long long)t);
	}
}

static void
rfc3339_format__sao_paulo_1960_to_2040__parses_back(void **state)
{
	/* A prime step in ms visits every time of day, DST days and fractions. */
	round_trip(civil_days(1960, 1, 1) * DAY_MS, civil_days(2040, 1, 1) * DAY_MS,
	    INT64_C(7919) * 3600 * 7 + 13, false);
}

static void
rfc3339_format_utc__writes_zulu(void **state)
{
	char buf[RFC3339_LEN];

	assert_string_equal(rfc3339_format_utc(T_2026_11_23_18Z, buf),
	    "2026-11-23T18:00:00Z");
	assert_string_equal(rfc3339_format_utc(T_2026_11_23_18Z + 120, buf),
	    "2026-11-23T18:00:00.120Z");
	assert_string_equal(rfc3339_format_utc(0, buf), "1970-01-01T00:00:00Z");
	assert_string_equal(rfc3339_format_utc(-500, buf), "1969-12-31T23:59:59.500Z");
	assert_string_equal(rfc3339_format_utc(-DAY_MS, buf), "1969-12-31T00:00:00Z");
}

static void
rfc3339_format_utc__1900_to_2100__parses_back(void **state)
{
	round_trip(civil_days(1900, 1, 1) * DAY_MS, civil_days(2100, 1, 1) * DAY_MS,
	    INT64_C(7919) * 3600 * 11 + 7, true);
}

static void
rfc3339_format__utc_zone__writes_plus_zero_offset(void **state)
{
	char buf[RFC3339_LEN];

	assert_string_equal(rfc3339_format(T_2026_11_23_18Z, buf),
	    "2026-11-23T18:00:00+00:00");
	assert_string_equal(rfc3339_format(-1, buf), "1969-12-31T23:59:59.999+00:00");
	round_trip(civil_days(1960, 1, 1) * DAY_MS, civil_days(2040, 1, 1) * DAY_MS,
	    INT64_C(7919) * 3600 * 7 + 13, false);
}

static int
setup_kiritimati(void **state)
{
	set_zone("Pacific/Kiritimati");	/* +14:00, the zone furthest ahead */
	return 0;
}

/* Format ms both ways into a buffer with a guard after RFC3339_LEN bytes; the text must
 * stay in the buffer, have a four-digit year and parse back. */
static void
assert_formats_safely(int64_t ms)
{
	char buf[RFC3339_LEN + 8];
	int64_t back;

	for (int utc = 0; utc <= 1; utc++) {
		memset(buf, '#', sizeof buf);
		if (utc)
			rfc3339_format_utc(ms, buf);
		else
			rfc3339_format(ms, buf);
		assert_true(memchr(buf, '\0', RFC3339_LEN) != NULL);
		assert_int_equal(buf[RFC3339_LEN], '#');
		if (buf[0] < '0' || buf[0] > '9' || buf[4] != '-')
			fail_msg("%lld ms written as \"%s\"", (long long)ms, buf);
		if (rfc3339_parse(buf, &back) != 0)
			fail_msg("%lld ms written as \"%s\", which does not parse", (long long)ms,
			    buf);
		if (rfc3339_in_range(ms))
			assert_int_equal(back, ms);
	}
}

static void
rfc3339_format__any_int64__stays_in_the_buffer_with_a_four_digit_year(void **state)
{
	static const int64_t edges[] = { INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1,
	    INT64_C(1) << 62, -(INT64_C(1) << 62), CIVIL_MS_MIN - 1, CIVIL_MS_MIN,
	    CIVIL_MS_MIN + 1, CIVIL_MS_MAX - 1, CIVIL_MS_MAX, CIVIL_MS_MAX + 1,
	    CIVIL_MS_MAX + DAY_MS, -1, 0 };

	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		assert_formats_safely(edges[i]);
	/* Every few days across the whole range, and past both ends. */
	for (int64_t t = CIVIL_MS_MIN - 10 * DAY_MS; t < CIVIL_MS_MAX + 10 * DAY_MS;
	    t += INT64_C(7919) * 3600 * 1013 + 7)
		assert_formats_safely(t);
}

static void
rfc3339_format__out_of_range__writes_the_nearer_end_in_utc(void **state)
{
	char buf[RFC3339_LEN];

	assert_false(rfc3339_in_range(CIVIL_MS_MAX + 1));
	assert_false(rfc3339_in_range(CIVIL_MS_MIN - 1));
	assert_true(rfc3339_in_range(CIVIL_MS_MAX) && rfc3339_in_range(CIVIL_MS_MIN));
	/* 10000-01-01T00:00:00Z and later: never "10000-…". */
	assert_string_equal(rfc3339_format(CIVIL_MS_MAX + 1, buf), "9999-12-31T23:59:59.999Z");
	assert_string_equal(rfc3339_format(INT64_MAX, buf), "9999-12-31T23:59:59.999Z");
	assert_string_equal(rfc3339_format_utc(INT64_MAX, buf), "9999-12-31T23:59:59.999Z");
	assert_string_equal(rfc3339_format(CIVIL_MS_MIN - 1, buf), "0001-01-01T00:00:00Z");
	assert_string_equal(rfc3339_format(INT64_MIN, buf), "0001-01-01T00:00:00Z");
	assert_string_equal(rfc3339_format_utc(INT64_MIN, buf), "0001-01-01T00:00:00Z");
	/* In range, the ends themselves are exact. */
	assert_string_equal(rfc3339_format_utc(CIVIL_MS_MAX, buf), "9999-12-31T23:59:59.999Z");
	assert_string_equal(rfc3339_format_utc(CIVIL_MS_MIN, buf), "0001-01-01T00:00:00Z");
	assert_string_equal(rfc3339_format(CIVIL_MS_MAX, buf), "9999-12-31T20:59:59.999-03:00");
}

static void
rfc3339_format__local_year_0000__is_written_in_utc(void **state)
{
	char buf[RFC3339_LEN];

	/* In São Paulo's local mean time (-03:06) 0001-01-01T00:00Z is still year 0. */
	assert_string_equal(rfc3339_format(CIVIL_MS_MIN, buf), "0001-01-01T00:00:00Z");
	assert_string_equal(rfc3339_format(CIVIL_MS_MIN + 3 * 3600 * SEC_MS, buf),
	    "0001-01-01T03:00:00Z");
	assert_string_equal(rfc3339_format(CIVIL_MS_MIN + 4 * 3600 * SEC_MS, buf),
	    "0001-01-01T00:54:00-03:06");
}

static void
rfc3339_format__local_year_10000__is_written_in_utc(void **state)
{
	char buf[RFC3339_LEN];

	/* 9999-12-31T10:00:00Z is 10000-01-01T00:00:00+14:00 in Kiritimati. */
	assert_string_equal(rfc3339_format(CIVIL_MS_MAX - 14 * 3600 * SEC_MS + 1, buf),
	    "9999-12-31T10:00:00Z");
	assert_string_equal(rfc3339_format(CIVIL_MS_MAX, buf), "9999-12-31T23:59:59.999Z");
	assert_string_equal(rfc3339_format(CIVIL_MS_MAX - 14 * 3600 * SEC_MS, buf),
	    "9999-12-31T23:59:59.999+14:00");
}

static void
rfc3339_format__latest_given_instant_plus_the_longest_deadline__parses_back(void **state)
{
	/* The last test-clock instant, a pickup date a year ahead and a grace of 2610
	 * business days on the fullest calendar: still a four-digit year (civil.h). */
	struct cal *cal = cal_new(CAL_BR_BANKING, NULL, 0);
	int64_t day = tz_local_days(CIVIL_GIVEN_MAX_MS) + CIVIL_AHEAD_MAX_DAYS;
	int64_t due = cal_add_business_days(cal, tz_local_midnight(day), CIVIL_SPAN_MAX_BDAYS,
	    NULL, 0, NULL);
	char buf[RFC3339_LEN];

	assert_true(rfc3339_in_range(due));
	assert_true(rfc3339_in_range(CIVIL_GIVEN_MAX_MS + (CIVIL_AHEAD_MAX_DAYS +
	    CIVIL_SPAN_MAX_DAYS) * DAY_MS));
	assert_int_equal(parse_ok(rfc3339_format(due, buf)), due);
	assert_int_equal(strncmp(buf, "991", 3), 0);
	cal_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc3339_parse__zulu_and_zero_offset__are_the_same_instant),
		cmocka_unit_test(rfc3339_parse__offsets__are_subtracted),
		cmocka_unit_test(rfc3339_parse__fractions__are_truncated_to_milliseconds),
		cmocka_unit_test(rfc3339_parse__before_1970__is_negative),
		cmocka_unit_test(rfc3339_parse__bad_text__is_rejected),
		cmocka_unit_test_setup(rfc3339_format__sao_paulo__writes_local_time_and_offset, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format__local_mean_time__keeps_whole_minute_offsets_exact, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format__sao_paulo_1960_to_2040__parses_back, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format_utc__writes_zulu, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format_utc__1900_to_2100__parses_back, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format__utc_zone__writes_plus_zero_offset, setup_utc),
		cmocka_unit_test_setup(rfc3339_format__any_int64__stays_in_the_buffer_with_a_four_digit_year, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format__out_of_range__writes_the_nearer_end_in_utc, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format__local_year_0000__is_written_in_utc, setup_sao_paulo),
		cmocka_unit_test_setup(rfc3339_format__local_year_10000__is_written_in_utc, setup_kiritimati),
		cmocka_unit_test_setup(rfc3339_format__latest_given_instant_plus_the_longest_deadline__parses_back, setup_sao_paulo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
