#include "civil.h"

#include <stdio.h>

/*
 * Day numbers are computed on a calendar whose year starts on 1 March, so that the
 * leap day is the last day of its year and the month lengths before it follow a fixed
 * 153-days-per-5-months pattern. Years are grouped in 400-year eras of 146097 days,
 * the period of the Gregorian calendar, which keeps everything in exact integers.
 */

#define CIVIL_DAYS_PER_ERA	146097
#define CIVIL_EPOCH_SHIFT	719468	/* day 0 of era 0 (0000-03-01) to 1970-01-01 */

static int64_t
civil_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Day of the March-based year (0 = 1 March) of month m (1-12), day d. */
static int
civil_day_of_march_year(int m, int d)
{
	int mp = m > 2 ? m - 3 : m + 9;

	return (153 * mp + 2) / 5 + d - 1;
}

int64_t
civil_days(int y, int m, int d)
{
	int64_t year = (int64_t)y - (m <= 2);
	int64_t era = civil_floor_div(year, 400);
	int64_t yoe = year - era * 400;
	int64_t doe;

	doe = yoe * 365 + yoe / 4 - yoe / 100 + civil_day_of_march_year(m, d);
	return era * CIVIL_DAYS_PER_ERA + doe - CIVIL_EPOCH_SHIFT;
}

void
civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = days + CIVIL_EPOCH_SHIFT;
	int64_t era = civil_floor_div(z, CIVIL_DAYS_PER_ERA);
	int64_t doe = z - era * CIVIL_DAYS_PER_ERA;
	int64_t yoe, doy, mp;

	/* The corrections undo the leap days of 4-, 100- and 400-year cycles. */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(era * 400 + yoe + (*m <= 2));
}

int
civil_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday. */
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static bool
civil_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
civil_valid(int y, int m, int d)
{
	static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < CIVIL_YEAR_MIN || y > CIVIL_YEAR_MAX || m < 1 || m > 12 || d < 1)
		return false;
	return d <= len[m - 1] + (m == 2 && civil_is_leap(y));
}

/* Read exactly n decimal digits; -1 when any is not a digit. */
static int
civil_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
civil_parse_date(const char *s, int64_t *days)
{
	int y, m, d;

	y = civil_digits(s, 4);
	if (y < 0 || s[4] != '-')
		return -1;
	m = civil_digits(s + 5, 2);
	if (m < 0 || s[7] != '-')
		return -1;
	d = civil_digits(s + 8, 2);
	if (d < 0 || s[10] != '\0' || !civil_valid(y, m, d))
		return -1;
	*days = civil_days(y, m, d);
	return 0;
}

void
civil_format_date(int64_t days, char *buf)
{
	int y, m, d;

	/* Other years do not fit the format: a date that looks real beats one cut short. */
	if (days < CIVIL_DAY_MIN)
		days = CIVIL_DAY_MIN;
	else if (days > CIVIL_DAY_MAX)
		days = CIVIL_DAY_MAX;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, CIVIL_DATE_LEN, "%04d-%02d-%02d", y, m, d);
}
