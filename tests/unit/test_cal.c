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

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Western Easter Sunday of every year 1900-2100 as month * 100 + day, computed
 * independently of cal.c by python3-dateutil 2.8.2 (Debian) with:
 *
 *   from dateutil.easter import easter, EASTER_WESTERN
 *   for y in range(1900, 2101):
 *       e = easter(y, EASTER_WESTERN); print("%d%02d," % (e.month, e.day))
 */
static const int easter_1900_2100[] = {
	415, 407, 330, 412, 403, 423, 415, 331, 419, 411,	/* 1900 */
	327, 416, 407, 323, 412, 404, 423, 408, 331, 420,	/* 1910 */
	404, 327, 416, 401, 420, 412, 404, 417, 408, 331,	/* 1920 */
	420, 405, 327, 416, 401, 421, 412, 328, 417, 409,	/* 1930 */
	324, 413, 405, 425, 409, 401, 421, 406, 328, 417,	/* 1940 */
	409, 325, 413, 405, 418, 410, 401, 421, 406, 329,	/* 1950 */
	417, 402, 422, 414, 329, 418, 410, 326, 414, 406,	/* 1960 */
	329, 411, 402, 422, 414, 330, 418, 410, 326, 415,	/* 1970 */
	406, 419, 411, 403, 422, 407, 330, 419, 403, 326,	/* 1980 */
	415, 331, 419, 411, 403, 416, 407, 330, 412, 404,	/* 1990 */
	423, 415, 331, 420, 411, 327, 416, 408, 323, 412,	/* 2000 */
	404, 424, 408, 331, 420, 405, 327, 416, 401, 421,	/* 2010 */
	412, 404, 417, 409, 331, 420, 405, 328, 416, 401,	/* 2020 */
	421, 413, 328, 417, 409, 325, 413, 405, 425, 410,	/* 2030 */
	401, 421, 406, 329, 417, 409, 325, 414, 405, 418,	/* 2040 */
	410, 402, 421, 406, 329, 418, 402, 422, 414, 330,	/* 2050 */
	418, 410, 326, 415, 406, 329, 411, 403, 422, 414,	/* 2060 */
	330, 419, 410, 326, 415, 407, 419, 411, 403, 423,	/* 2070 */
	407, 330, 419, 404, 326, 415, 331, 420, 411, 403,	/* 2080 */
	416, 408, 330, 412, 404, 424, 415, 331, 420, 412,	/* 2090 */
	328,	/* 2100 */
};

static int64_t
day(int y, int m, int d)
{
	return civil_days(y, m, d);
}

static int
setup_sao_paulo(void **state)
{
	char *cause = NULL;

	if (tz_set("America/Sao_Paulo", &cause) != 0)
		fail_msg("tz_set: %s", cause);
	return 0;
}

static void
assert_holiday(const struct cal *cal, int64_t days, const char *want)
{
	const char *got = cal_holiday(cal, days);
	char date[CIVIL_DATE_LEN];

	civil_format_date(days, date);
	if (want == NULL && got != NULL)
		fail_msg("%s: holiday \"%s\", expected none", date, got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("%s: holiday \"%s\", expected \"%s\"", date,
		    got ? got : "(none)", want);
}

/* The end of n business days from local instant `from`, written in the local zone. */
static const char *
add_bdays(const struct cal *cal, const char *from, int n, struct cal_skip *skips,
    size_t max_skips, size_t *n_skips)
{
	static char buf[RFC3339_LEN];
	int64_t t;

	assert_int_equal(rfc3339_parse(from, &t), 0);
	return rfc3339_format(cal_add_business_days(cal, t, n, skips, max_skips,
	    n_skips), buf);
}

static void
assert_skip(const struct cal_skip *skip, int64_t days, const char *why)
{
	assert_int_equal(skip->days, days);
	assert_string_equal(skip->why, why);
}

static void
cal_kind_parse__config_names__round_trip(void **state)
{
	static const char *names[] = { "none", "br-national", "br-banking" };
	enum cal_kind kind;

	for (size_t i = 0; i < NELEM(names); i++) {
		assert_int_equal(cal_kind_parse(names[i], &kind), 0);
		assert_string_equal(cal_kind_name(kind), names[i]);
	}
	assert_int_equal(cal_kind_parse("br-banking", &kind), 0);
	assert_int_equal(kind, CAL_BR_BANKING);
}

static void
cal_kind_parse__unknown_names__are_rejected(void **state)
{
	enum cal_kind kind = CAL_BR_NATIONAL;

	assert_int_equal(cal_kind_parse("BR-National", &kind), -1);
	assert_int_equal(cal_kind_parse("br_national", &kind), -1);
	assert_int_equal(cal_kind_parse("br", &kind), -1);
	assert_int_equal(cal_kind_parse("", &kind), -1);
	assert_int_equal(kind, CAL_BR_NATIONAL);
}

static void
cal_easter__every_year_1900_to_2100__matches_dateutil(void **state)
{
	assert_int_equal(NELEM(easter_1900_2100), 201);
	for (int y = 1900; y <= 2100; y++) {
		int m, d, want = easter_1900_2100[y - 1900];

		cal_easter(y, &m, &d);
		if (m * 100 + d != want)
			fail_msg("Easter %d: %d-%02d, expected %d-%02d", y, m, d,
			    want / 100, want % 100);
	}
}

static void
cal_easter__extremes_and_first_gregorian_year__are_right(void **state)
{
	int m, d;

	cal_easter(1583, &m, &d);		/* dateutil: 1583-04-10 */
	assert_true(m == 4 && d == 10);
	cal_easter(1818, &m, &d);		/* earliest possible: 22 March */
	assert_true(m == 3 && d == 22);
	cal_easter(2285, &m, &d);
	assert_true(m == 3 && d == 22);
	cal_easter(2038, &m, &d);		/* latest possible: 25 April */
	assert_true(m == 4 && d == 25);
	for (int y = 1583; y <= 9999; y++) {
		cal_easter(y, &m, &d);
		assert_int_equal(civil_weekday(civil_days(y, m, d)), 0);
		assert_true((m == 3 && d >= 22) || (m == 4 && d <= 25));
	}
}

static void
cal_holiday__br_banking_2026__has_carnival_good_friday_and_corpus_christi(void **state)
{
	struct cal *cal = cal_new(CAL_BR_BANKING, NULL, 0);

	assert_holiday(cal, day(2026, 2, 15), NULL);
	assert_holiday(cal, day(2026, 2, 16), "Carnaval");
	assert_holiday(cal, day(2026, 2, 17), "Carnaval");
	assert_holiday(cal, day(2026, 2, 18), NULL);	/* Ash Wednesday works */
	assert_holiday(cal, day(2026, 4, 3), "Sexta-feira Santa");
	assert_holiday(cal, day(2026, 4, 5), NULL);	/* Easter is a Sunday anyway */
	assert_holiday(cal, day(2026, 6, 4), "Corpus Christi");
	assert_holiday(cal, day(2026, 12, 25), "Natal");
	cal_free(cal);
}

static void
cal_holiday__br_banking_2024__carnival_is_12_and_13_february(void **state)
{
	struct cal *cal = cal_new(CAL_BR_BANKING, NULL, 0);

	assert_holiday(cal, day(2024, 2, 12), "Carnaval");
	assert_holiday(cal, day(2024, 2, 13), "Carnaval");
	assert_holiday(cal, day(2024, 3, 29), "Sexta-feira Santa");
	assert_holiday(cal, day(2024, 5, 30), "Corpus Christi");
	/* 2025: Easter 20 April. */
	assert_holiday(cal, day(2025, 3, 3), "Carnaval");
	assert_holiday(cal, day(2025, 3, 4), "Carnaval");
	assert_holiday(cal, day(2025, 4, 18), "Sexta-feira Santa");
	assert_holiday(cal, day(2025, 6, 19), "Corpus Christi");
	cal_free(cal);
}

static void
cal_holiday__br_national__has_good_friday_but_no_carnival_or_corpus_christi(void **state)
{
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);

	assert_holiday(cal, day(2026, 2, 16), NULL);
	assert_holiday(cal, day(2026, 2, 17), NULL);
	assert_holiday(cal, day(2026, 4, 3), "Sexta-feira Santa");
	assert_holiday(cal, day(2026, 6, 4), NULL);
	assert_true(cal_is_business_day(cal, day(2026, 2, 16)));
	cal_free(cal);
}

static void
cal_holiday__br_national_fixed_dates__have_their_portuguese_names(void **state)
{
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);

	assert_holiday(cal, day(2026, 1, 1), "Confraternização Universal");
	assert_holiday(cal, day(2026, 4, 21), "Tiradentes");
	assert_holiday(cal, day(2026, 5, 1), "Dia do Trabalho");
	assert_holiday(cal, day(2026, 9, 7), "Independência");
	assert_holiday(cal, day(2026, 10, 12), "Nossa Senhora Aparecida");
	assert_holiday(cal, day(2026, 11, 2), "Finados");
	assert_holiday(cal, day(2026, 11, 15), "Proclamação da República");
	assert_holiday(cal, day(2026, 11, 20),
	    "Dia Nacional de Zumbi e da Consciência Negra");
	assert_holiday(cal, day(2026, 12, 25), "Natal");
	assert_holiday(cal, day(2026, 12, 24), NULL);
	assert_holiday(cal, day(2026, 12, 31), NULL);
	cal_free(cal);
}

static void
cal_holiday__20_november__is_national_from_2024_only(void **state)
{
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);

	assert_holiday(cal, day(2023, 11, 20), NULL);
	assert_true(cal_is_business_day(cal, day(2023, 11, 20)));	/* a Monday */
	assert_holiday(cal, day(2024, 11, 20),
	    "Dia Nacional de Zumbi e da Consciência Negra");
	assert_false(cal_is_business_day(cal, day(2024, 11, 20)));	/* a Wednesday */
	assert_holiday(cal, day(2025, 11, 20),
	    "Dia Nacional de Zumbi e da Consciência Negra");
	cal_free(cal);
}

static void
cal_holiday__none__has_only_weekends(void **state)
{
	struct cal *cal = cal_new(CAL_NONE, NULL, 0);

	assert_int_equal(cal_kind_of(cal), CAL_NONE);
	for (int64_t d = day(2024, 1, 1); d < day(2027, 1, 1); d++) {
		int w = civil_weekday(d);

		assert_null(cal_holiday(cal, d));
		assert_int_equal(cal_is_business_day(cal, d), w != 0 && w != 6);
	}
	cal_free(cal);
}

static void
cal_is_business_day__year_2026__counts_252_national_and_249_banking(void **state)
{
	/* 261 weekdays in 2026; national holidays on weekdays: 1 Jan, 3 Apr, 21 Apr,
	 * 1 May, 7 Sep, 12 Oct, 2 Nov, 20 Nov, 25 Dec (15 Nov is a Sunday) = 9;
	 * banking adds 16-17 Feb and 4 Jun. Cross-checked with dateutil in Python. */
	struct cal *national = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal *banking = cal_new(CAL_BR_BANKING, NULL, 0);
	int n_national = 0, n_banking = 0;

	for (int64_t d = day(2026, 1, 1); d < day(2027, 1, 1); d++) {
		n_national += cal_is_business_day(national, d);
		n_banking += cal_is_business_day(banking, d);
	}
	assert_int_equal(n_national, 252);
	assert_int_equal(n_banking, 249);
	cal_free(national);
	cal_free(banking);
}

static void
cal_holiday__extra_dates__are_copied_and_found_in_any_order(void **state)
{
	int64_t extra[] = { day(2026, 7, 9), day(2026, 1, 25), day(2026, 12, 25),
	    day(2025, 1, 25) };
	struct cal *none = cal_new(CAL_NONE, extra, NELEM(extra));
	struct cal *national = cal_new(CAL_BR_NATIONAL, extra, NELEM(extra));

	memset(extra, 0, sizeof extra);		/* the calendars own copies */
	assert_holiday(none, day(2026, 7, 9), "extra holiday");
	assert_holiday(none, day(2026, 1, 25), "extra holiday");
	assert_holiday(none, day(2025, 1, 25), "extra holiday");
	assert_holiday(none, day(2026, 12, 25), "extra holiday");
	assert_holiday(none, day(2026, 7, 10), NULL);
	assert_holiday(none, day(1970, 1, 1), NULL);
	assert_false(cal_is_business_day(none, day(2026, 7, 9)));	/* a Thursday */
	/* A date that is a holiday anyway keeps its own name. */
	assert_holiday(national, day(2026, 12, 25), "Natal");
	assert_holiday(national, day(2026, 7, 9), "extra holiday");
	cal_free(none);
	cal_free(national);
	cal_free(NULL);
}

static void
cal_add_business_days__monday_afternoon_plus_6__ends_as_wednesday_week_after_begins(void **state)
{
	/* Mon 2026-11-23 itself never counts: Tue 24 (1), Wed 25 (2), Thu 26 (3),
	 * Fri 27 (4), Sat 28 and Sun 29 skipped, Mon 30 (5), Tue 1 Dec (6); the end of
	 * Tuesday is Wednesday 00:00. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[8];
	size_t n = 99;

	assert_string_equal(add_bdays(cal, "2026-11-23T15:00:00-03:00", 6, skips,
	    NELEM(skips), &n), "2026-12-02T00:00:00-03:00");
	assert_int_equal(n, 2);
	assert_skip(&skips[0], day(2026, 11, 28), "Saturday");
	assert_skip(&skips[1], day(2026, 11, 29), "Sunday");
	cal_free(cal);
}

static void
cal_add_business_days__late_evening__counts_from_the_local_date_not_utc(void **state)
{
	/* 23:30 -03:00 on the 23rd is already the 24th in UTC; still the 23rd here. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);

	assert_string_equal(add_bdays(cal, "2026-11-23T23:30:00-03:00", 6, NULL, 0,
	    NULL), "2026-12-02T00:00:00-03:00");
	assert_string_equal(add_bdays(cal, "2026-11-24T02:59:59.999Z", 6, NULL, 0,
	    NULL), "2026-12-02T00:00:00-03:00");
	/* One ms later it is the 24th, and everything moves by a day. */
	assert_string_equal(add_bdays(cal, "2026-11-24T00:00:00-03:00", 6, NULL, 0,
	    NULL), "2026-12-03T00:00:00-03:00");
	cal_free(cal);
}

static void
cal_add_business_days__tuesday_plus_1__ends_at_thursday_midnight(void **state)
{
	/* Tue 24: Wed 25 is the first business day; its end is Thu 26 00:00. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	size_t n = 99;

	assert_string_equal(add_bdays(cal, "2026-11-24T10:00:00-03:00", 1, NULL, 0,
	    &n), "2026-11-26T00:00:00-03:00");
	assert_int_equal(n, 0);
	cal_free(cal);
}

static void
cal_add_business_days__friday_before_carnival__skips_to_wednesday(void **state)
{
	/* br-banking, Fri 2026-02-13: Sat 14, Sun 15, Carnival Mon 16 and Tue 17 are
	 * skipped; Ash Wednesday 18 is the business day, ending Thu 19 00:00. */
	struct cal *cal = cal_new(CAL_BR_BANKING, NULL, 0);
	struct cal_skip skips[8];
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-02-13T17:00:00-03:00", 1, skips,
	    NELEM(skips), &n), "2026-02-19T00:00:00-03:00");
	assert_int_equal(n, 4);
	assert_skip(&skips[0], day(2026, 2, 14), "Saturday");
	assert_skip(&skips[1], day(2026, 2, 15), "Sunday");
	assert_skip(&skips[2], day(2026, 2, 16), "Carnaval");
	assert_skip(&skips[3], day(2026, 2, 17), "Carnaval");
	cal_free(cal);
}

static void
cal_add_business_days__friday_before_carnival_on_br_national__ends_tuesday(void **state)
{
	/* Carnival is no national holiday: Monday 16 is the business day. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);

	assert_string_equal(add_bdays(cal, "2026-02-13T17:00:00-03:00", 1, NULL, 0,
	    NULL), "2026-02-17T00:00:00-03:00");
	cal_free(cal);
}

static void
cal_add_business_days__christmas_eve_plus_6__skips_christmas_and_new_year(void **state)
{
	/* Thu 2026-12-24: Fri 25 Natal, Sat 26, Sun 27 skipped; Mon 28 (1), Tue 29 (2),
	 * Wed 30 (3), Thu 31 (4); Fri 2027-01-01, Sat 2, Sun 3 skipped; Mon 4 (5),
	 * Tue 5 (6); the end of Tuesday is Wednesday 2027-01-06 00:00. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[8];
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-12-24T10:00:00-03:00", 6, skips,
	    NELEM(skips), &n), "2027-01-06T00:00:00-03:00");
	assert_int_equal(n, 6);
	assert_skip(&skips[0], day(2026, 12, 25), "Natal");
	assert_skip(&skips[1], day(2026, 12, 26), "Saturday");
	assert_skip(&skips[2], day(2026, 12, 27), "Sunday");
	assert_skip(&skips[3], day(2027, 1, 1), "Confraternização Universal");
	assert_skip(&skips[4], day(2027, 1, 2), "Saturday");
	assert_skip(&skips[5], day(2027, 1, 3), "Sunday");
	cal_free(cal);
}

static void
cal_add_business_days__more_skips_than_room__counts_all_writes_max(void **state)
{
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[4] = { [3] = { -1, "untouched" } };
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-12-24T10:00:00-03:00", 6, skips, 3,
	    &n), "2027-01-06T00:00:00-03:00");
	assert_int_equal(n, 6);
	assert_skip(&skips[2], day(2026, 12, 27), "Sunday");
	assert_skip(&skips[3], -1, "untouched");
	cal_free(cal);
}

static void
cal_add_business_days__across_year_end__skips_new_year_weekend(void **state)
{
	/* Wed 2026-12-30: Thu 31 (1); Fri 1 Jan, Sat 2, Sun 3 skipped; Mon 4 (2). */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-12-30T09:00:00-03:00", 2, NULL, 0,
	    &n), "2027-01-05T00:00:00-03:00");
	assert_int_equal(n, 3);
	cal_free(cal);
}

static void
cal_add_business_days__starting_on_saturday__the_start_date_never_counts(void **state)
{
	/* Sat 2026-11-28 is not skipped, it is the start; Sun 29 is; Mon 30 (1). */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[4];
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-11-28T12:00:00-03:00", 1, skips,
	    NELEM(skips), &n), "2026-12-01T00:00:00-03:00");
	assert_int_equal(n, 1);
	assert_skip(&skips[0], day(2026, 11, 29), "Sunday");
	cal_free(cal);
}

static void
cal_add_business_days__starting_on_a_holiday__counts_from_the_next_day(void **state)
{
	/* Tiradentes, Tue 2026-04-21: Wed 22 (1), ending Thu 23 00:00. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	size_t n = 99;

	assert_string_equal(add_bdays(cal, "2026-04-21T09:00:00-03:00", 1, NULL, 0,
	    &n), "2026-04-23T00:00:00-03:00");
	assert_int_equal(n, 0);
	cal_free(cal);
}

static void
cal_add_business_days__cancellation_letter_over_good_friday__skips_it(void **state)
{
	/* letter_wait = 6bd from Mon 2026-03-30: Tue 31 (1), Wed 1 Apr (2),
	 * Thu 2 (3), Good Friday 3, Sat 4, Sun 5 skipped, Mon 6 (4), Tue 7 (5),
	 * Wed 8 (6): ends Thu 2026-04-09 00:00. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[4];
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-03-30T11:00:00-03:00", 6, skips,
	    NELEM(skips), &n), "2026-04-09T00:00:00-03:00");
	assert_int_equal(n, 3);
	assert_skip(&skips[0], day(2026, 4, 3), "Sexta-feira Santa");
	cal_free(cal);
}

static void
cal_add_business_days__20_november__skipped_from_2024_only(void **state)
{
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[4];
	size_t n = 0;

	/* Thu 2023-11-16: Fri 17 (1), Sat, Sun, Mon 20 (2), ending Tue 21 00:00. */
	assert_string_equal(add_bdays(cal, "2023-11-16T10:00:00-03:00", 2, NULL, 0,
	    &n), "2023-11-21T00:00:00-03:00");
	assert_int_equal(n, 2);
	/* Tue 2024-11-19: Wed 20 skipped, Thu 21 (1), ending Fri 22 00:00. */
	assert_string_equal(add_bdays(cal, "2024-11-19T10:00:00-03:00", 1, skips,
	    NELEM(skips), &n), "2024-11-22T00:00:00-03:00");
	assert_int_equal(n, 1);
	assert_skip(&skips[0], day(2024, 11, 20),
	    "Dia Nacional de Zumbi e da Consciência Negra");
	cal_free(cal);
}

static void
cal_add_business_days__extra_holidays__are_skipped_by_name(void **state)
{
	/* Mon 2026-11-23 with Tue 24 and Wed 25 declared holidays: Thu 26 (1). */
	int64_t extra[] = { day(2026, 11, 25), day(2026, 11, 24) };
	struct cal *cal = cal_new(CAL_NONE, extra, NELEM(extra));
	struct cal_skip skips[4];
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2026-11-23T15:00:00-03:00", 1, skips,
	    NELEM(skips), &n), "2026-11-27T00:00:00-03:00");
	assert_int_equal(n, 2);
	assert_skip(&skips[0], day(2026, 11, 24), "extra holiday");
	assert_skip(&skips[1], day(2026, 11, 25), "extra holiday");
	cal_free(cal);
}

static void
cal_add_business_days__holiday_on_a_weekend__is_named_by_the_holiday(void **state)
{
	/* 2027-12-25 is a Saturday: the skip explains it as Natal. Fri 24 Dec:
	 * Sat 25 Natal, Sun 26, Mon 27 (1). */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	struct cal_skip skips[4];
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2027-12-24T10:00:00-03:00", 1, skips,
	    NELEM(skips), &n), "2027-12-28T00:00:00-03:00");
	assert_int_equal(n, 2);
	assert_skip(&skips[0], day(2027, 12, 25), "Natal");
	assert_skip(&skips[1], day(2027, 12, 26), "Sunday");
	cal_free(cal);
}

static void
cal_add_business_days__a_whole_year__agrees_with_is_business_day(void **state)
{
	/* 2026 has 252 national business days (see the count test): 252 from
	 * Wed 2025-12-31 ends with Thu 2026-12-31; the other 113 days are skips. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2025-12-31T12:00:00-03:00", 252, NULL, 0,
	    &n), "2027-01-01T00:00:00-03:00");
	assert_int_equal(n, 365 - 252);
	cal_free(cal);
}

static void
cal_add_business_days__during_dst_2018__ends_at_local_midnight(void **state)
{
	/* Thu 2018-11-01: Finados Fri 2, Sat 3, Sun 4 (DST began, no midnight)
	 * skipped; Mon 5 (1) ends Tue 6 00:00, by then at -02:00. */
	struct cal *cal = cal_new(CAL_BR_NATIONAL, NULL, 0);
	size_t n = 0;

	assert_string_equal(add_bdays(cal, "2018-11-01T10:00:00-03:00", 1, NULL, 0,
	    &n), "2018-11-06T00:00:00-02:00");
	assert_int_equal(n, 3);
	cal_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cal_kind_parse__config_names__round_trip),
		cmocka_unit_test(cal_kind_parse__unknown_names__are_rejected),
		cmocka_unit_test(cal_easter__every_year_1900_to_2100__matches_dateutil),
		cmocka_unit_test(cal_easter__extremes_and_first_gregorian_year__are_right),
		cmocka_unit_test(cal_holiday__br_banking_2026__has_carnival_good_friday_and_corpus_christi),
		cmocka_unit_test(cal_holiday__br_banking_2024__carnival_is_12_and_13_february),
		cmocka_unit_test(cal_holiday__br_national__has_good_friday_but_no_carnival_or_corpus_christi),
		cmocka_unit_test(cal_holiday__br_national_fixed_dates__have_their_portuguese_names),
		cmocka_unit_test(cal_holiday__20_november__is_national_from_2024_only),
		cmocka_unit_test(cal_holiday__none__has_only_weekends),
		cmocka_unit_test(cal_is_business_day__year_2026__counts_252_national_and_249_banking),
		cmocka_unit_test(cal_holiday__extra_dates__are_copied_and_found_in_any_order),
		cmocka_unit_test_setup(cal_add_business_days__monday_afternoon_plus_6__ends_as_wednesday_week_after_begins, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__late_evening__counts_from_the_local_date_not_utc, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__tuesday_plus_1__ends_at_thursday_midnight, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__friday_before_carnival__skips_to_wednesday, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__friday_before_carnival_on_br_national__ends_tuesday, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__christmas_eve_plus_6__skips_christmas_and_new_year, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__more_skips_than_room__counts_all_writes_max, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__across_year_end__skips_new_year_weekend, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__starting_on_saturday__the_start_date_never_counts, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__starting_on_a_holiday__counts_from_the_next_day, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__cancellation_letter_over_good_friday__skips_it, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__20_november__skipped_from_2024_only, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__extra_holidays__are_skipped_by_name, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__holiday_on_a_weekend__is_named_by_the_holiday, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__a_whole_year__agrees_with_is_business_day, setup_sao_paulo),
		cmocka_unit_test_setup(cal_add_business_days__during_dst_2018__ends_at_local_midnight, setup_sao_paulo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
