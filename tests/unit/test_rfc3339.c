#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
