#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "civil.h"
#include "tz.h"

#define HOUR_MS (3600 * INT64_C(1000))
#define DAY_MS (24 * HOUR_MS)

/* UTC ms of y-m-d hh:mm:ss UTC. */
static int64_t
utc_ms(int y, int m, int d, int hh, int mm, int ss)
{
	return civil_days(y, m, d) * DAY_MS + (hh * 3600 + mm * 60 + ss) * INT64_C(1000);
}

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

static void
tz_name__before_any_set__is_utc_and_computes_in_utc(void **state)
{
	/* Must run first: no tz_set has happened yet in this process. */
	assert_string_equal(tz_name(), "UTC");
	assert_int_equal(tz_offset_s(utc_ms(2026, 11, 23, 12, 0, 0)), 0);
	assert_int_equal(tz_local_days(utc_ms(2026, 11, 24, 2, 30, 0)),
	    civil_days(2026, 11, 24));
}

static void
tz_check__real_zones__are_accepted(void **state)
{
	char *cause = NULL;

	assert_int_equal(tz_check("America/Sao_Paulo", &cause), 0);
	assert_int_equal(tz_check("UTC", &cause), 0);
	assert_int_equal(tz_check("Etc/GMT+3", &cause), 0);
	assert_null(cause);
}

static void
expect_check_fails(const char *name, const char *in_cause)
{
	char *cause = NULL;

	if (tz_check(name, &cause) != -1)
		fail_msg("tz_check accepted \"%s\"", name);
	assert_non_null(cause);
	if (strstr(cause, in_cause) == NULL)
		fail_msg("cause for \"%s\" is \"%s\", expected \"%s\" in it",
		    name, cause, in_cause);
	free(cause);
}

static void
tz_check__unknown_escaping_or_non_zone_names__are_rejected_with_cause(void **state)
{
	expect_check_fails("Mars/Olympus", "Mars/Olympus");
	expect_check_fails("../etc/passwd", "\"..\"");
	expect_check_fails("America/../UTC", "\"..\"");
	expect_check_fails("", "empty");
	expect_check_fails("/etc/localtime", "absolute");
	expect_check_fails("America", "America");		/* a directory */
	expect_check_fails("zone.tab", "not a tz database file");
}

static void
tz_check__tzdir__is_where_zones_are_looked_up(void **state)
{
	char dir[] = "/tmp/test_tz.XXXXXX", sub[64], path[96];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof sub, "%s/Fake", dir);
	snprintf(path, sizeof path, "%s/Zone", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_non_null(f = fopen(path, "w"));
	fputs("TZif2 and the rest does not matter to tz_check", f);
	fclose(f);

	setenv("TZDIR", dir, 1);
	assert_int_equal(tz_check("Fake/Zone", &(char *){ NULL }), 0);
	expect_check_fails("America/Sao_Paulo", dir);
	unsetenv("TZDIR");
	expect_check_fails("Fake/Zone", "Fake/Zone");

	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static void
tz_set__unknown_zone__keeps_the_old_one(void **state)
{
	char *cause = NULL;
	int64_t t = utc_ms(2026, 11, 23, 18, 0, 0);

	assert_int_equal(tz_set("Mars/Olympus", &cause), -1);
	assert_non_null(cause);
	free(cause);
	assert_string_equal(tz_name(), "America/Sao_Paulo");
	assert_int_equal(tz_offset_s(t), -10800);
	assert_int_equal(tz_local_midnight(civil_days(2026, 11, 23)),
	    utc_ms(2026, 11, 23, 3, 0, 0));
}

static void
tz_set__another_zone__changes_local_time(void **state)
{
	int64_t t = utc_ms(2026, 11, 23, 18, 0, 0);

	set_zone("Asia/Kolkata");
	assert_string_equal(tz_name(), "Asia/Kolkata");
	assert_int_equal(tz_offset_s(t), 5 * 3600 + 1800);
	assert_int_equal(tz_local_midnight(civil_days(2026, 11, 24)),
	    utc_ms(2026, 11, 23, 18, 30, 0));
	set_zone("America/Sao_Paulo");
	assert_int_equal(tz_offset_s(t), -10800);
}

static void
tz_offset_s__sao_paulo_now__is_minus_three_hours(void **state)
{
	/* No DST in Brazil since 2019: now and any instant of 2026 are -03:00. */
	assert_int_equal(tz_offset_s((int64_t)time(NULL) * 1000), -10800);
	assert_int_equal(tz_offset_s(utc_ms(2026, 1, 15, 12, 0, 0)), -10800);
	assert_int_equal(tz_offset_s(utc_ms(2026, 11, 23, 18, 0, 0)), -10800);
}

static void
tz_local_days__sao_paulo__changes_at_local_midnight_not_utc(void **state)
{
	/* 2026-11-23T23:59:59-03:00 is already the 24th in UTC. */
	assert_int_equal(tz_local_days(utc_ms(2026, 11, 24, 2, 59, 59)),
	    civil_days(2026, 11, 23));
	assert_int_equal(tz_local_days(utc_ms(2026, 11, 24, 2, 59, 59) + 999),
	    civil_days(2026, 11, 23));
	assert_int_equal(tz_local_days(utc_ms(2026, 11, 24, 3, 0, 0)),
	    civil_days(2026, 11, 24));
}

static void
tz_local_midnight__sao_paulo_2026__is_0300_utc(void **state)
{
	assert_int_equal(tz_local_midnight(civil_days(2026, 11, 23)),
	    utc_ms(2026, 11, 23, 3, 0, 0));
	assert_int_equal(tz_local_midnight(civil_days(2027, 1, 1)),
	    utc_ms(2027, 1, 1, 3, 0, 0));
}

static void
tz_local_midnight__dst_began_at_midnight_2018__is_0100_local(void **state)
{
	/* On 2018-11-04 São Paulo's clocks jumped from 00:00 -03:00 to 01:00 -02:00:
	 * there was no midnight, the day began at 01:00 -02:00 = 03:00 UTC. */
	int64_t day = civil_days(2018, 11, 4);
	int64_t start = tz_local_midnight(day);

	assert_int_equal(start, utc_ms(2018, 11, 4, 3, 0, 0));
	assert_int_equal(tz_offset_s(start), -7200);
	assert_int_equal(tz_offset_s(start - 1000), -10800);
	assert_int_equal(tz_local_days(start), day);
	assert_int_equal(tz_local_days(start - 1), day - 1);
}

static void
tz_local_midnight__dst_ended_2018__is_the_single_midnight(void **state)
{
	/* On 2018-02-18 00:00 -02:00 clocks went back to 23:00 of the 17th, which ran
	 * twice; the 18th itself began once, at 00:00 -03:00. */
	int64_t day = civil_days(2018, 2, 18);

	assert_int_equal(tz_local_midnight(day), utc_ms(2018, 2, 18, 3, 0, 0));
	assert_int_equal(tz_local_days(utc_ms(2018, 2, 18, 2, 30, 0)), day - 1);
	assert_int_equal(tz_local_midnight(day - 1), utc_ms(2018, 2, 17, 2, 0, 0));
}

static void
tz_local_midnight__every_day_2017_to_2019__starts_its_local_day(void **state)
{
	int64_t from = civil_days(2017, 1, 1), to = civil_days(2020, 1, 1);

	for (int64_t day = from; day < to; day++) {
		int64_t start = tz_local_midnight(day);

		assert_int_equal(tz_local_days(start), day);
		assert_int_equal(tz_local_days(start - 1), day - 1);
	}
}

static void
tz_local_midnight__day_samoa_skipped_in_2011__is_the_start_of_the_next(void **state)
{
	/* Samoa crossed the date line: 2011-12-29T23:59:59-10:00 was followed by
	 * 2011-12-31T00:00:00+14:00. The 30th never began, so the first instant whose
	 * local date is the 30th or later is the start of the 31st. */
	set_zone("Pacific/Apia");
	assert_int_equal(tz_local_midnight(civil_days(2011, 12, 30)),
	    utc_ms(2011, 12, 30, 10, 0, 0));
	assert_int_equal(tz_local_midnight(civil_days(2011, 12, 31)),
	    utc_ms(2011, 12, 30, 10, 0, 0));
	assert_int_equal(tz_local_midnight(civil_days(2011, 12, 29)),
	    utc_ms(2011, 12, 29, 10, 0, 0));
	set_zone("America/Sao_Paulo");
}

static void
tz_local_days__negative_instants__round_down_to_the_day_before(void **state)
{
	assert_int_equal(tz_local_days(-1), -1);
	assert_int_equal(tz_local_days(-DAY_MS), -1);
	assert_int_equal(tz_local_days(-DAY_MS - 1), -2);
	assert_int_equal(tz_local_midnight(-1), -DAY_MS);
	assert_int_equal(tz_offset_s(-1), 0);
}

/* The offset and local date of second s straight from the C library. */
static void
libc_local(int64_t s, int *offset_s, int64_t *days)
{
	time_t t = (time_t)s;
	struct tm tm;

	localtime_r(&t, &tm);
	*offset_s = (int)tm.tm_gmtoff;
	*days = civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Every 7 minutes 13 seconds from y0 to y1 (odd steps land on every minute of the
 * hour over the years), tz's (cached) answers equal the C library's. */
static void
assert_zone_matches_libc(const char *zone, int y0, int y1)
{
	int64_t end = civil_days(y1, 1, 1) * 86400;

	set_zone(zone);
	for (int64_t s = civil_days(y0, 1, 1) * 86400; s < end; s += 433) {
		int64_t days;
		int off;

		libc_local(s, &off, &days);
		if (tz_offset_s(s * 1000) != off || tz_local_days(s * 1000) != days)
			fail_msg("%s at %lld: offset %d (libc %d), day %lld (libc %lld)", zone,
			    (long long)s, tz_offset_s(s * 1000), off,
			    (long long)tz_local_days(s * 1000), (long long)days);
	}
}

static void
tz_offset_s__zones_with_changes__match_the_c_library_at_every_instant(void **state)
{
	/* São Paulo's last DST years; a half-hour zone; a 30-minute DST; the day Samoa
	 * skipped; a zone whose changes fall at 00:00 local. */
	assert_zone_matches_libc("America/Sao_Paulo", 2017, 2020);
	assert_zone_matches_libc("America/St_Johns", 2025, 2027);
	assert_zone_matches_libc("Australia/Lord_Howe", 2025, 2027);
	assert_zone_matches_libc("Pacific/Apia", 2011, 2013);
	assert_zone_matches_libc("America/Havana", 2025, 2027);
}

static void
tz_set__a_new_zone__forgets_the_offsets_of_the_old_one(void **state)
{
	int64_t t = utc_ms(2026, 11, 23, 12, 0, 0);

	set_zone("America/Sao_Paulo");
	assert_int_equal(tz_offset_s(t), -3 * 3600);
	set_zone("Asia/Tokyo");
	assert_int_equal(tz_offset_s(t), 9 * 3600);
	assert_int_equal(tz_local_days(t), civil_days(2026, 11, 23));
	set_zone("America/Sao_Paulo");
	assert_int_equal(tz_offset_s(t), -3 * 3600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tz_name__before_any_set__is_utc_and_computes_in_utc),
		cmocka_unit_test(tz_check__real_zones__are_accepted),
		cmocka_unit_test(tz_check__unknown_escaping_or_non_zone_names__are_rejected_with_cause),
		cmocka_unit_test(tz_check__tzdir__is_where_zones_are_looked_up),
		cmocka_unit_test_setup(tz_set__unknown_zone__keeps_the_old_one, setup_sao_paulo),
		cmocka_unit_test_setup(tz_set__another_zone__changes_local_time, setup_sao_paulo),
		cmocka_unit_test_setup(tz_offset_s__sao_paulo_now__is_minus_three_hours, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_days__sao_paulo__changes_at_local_midnight_not_utc, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_midnight__sao_paulo_2026__is_0300_utc, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_midnight__dst_began_at_midnight_2018__is_0100_local, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_midnight__dst_ended_2018__is_the_single_midnight, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_midnight__every_day_2017_to_2019__starts_its_local_day, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_midnight__day_samoa_skipped_in_2011__is_the_start_of_the_next, setup_sao_paulo),
		cmocka_unit_test_setup(tz_local_days__negative_instants__round_down_to_the_day_before, setup_utc),
		cmocka_unit_test(tz_offset_s__zones_with_changes__match_the_c_library_at_every_instant),
		cmocka_unit_test(tz_set__a_new_zone__forgets_the_offsets_of_the_old_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
