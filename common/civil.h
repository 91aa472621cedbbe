#ifndef CIVIL_H
#define CIVIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Proleptic Gregorian calendar arithmetic on "day numbers": days since
 * 1970-01-01 (negative before). Pure functions, no time zone involved.
 */

#define CIVIL_DATE_LEN 11 /* "YYYY-MM-DD" + NUL */

/*
 * The bounds of time, all in one place. Every date and instant protocold writes is
 * RFC 3339 with a four-digit year, which rfc3339_parse and civil_parse_date read back
 * for years 0001-9999. Everything protocold computes is an instant it was given (now,
 * opened_at) plus at most a date horizon and a duration, so bounding what comes in
 * bounds what goes out:
 *
 *   given instant   1970-01-01T00:00:00Z .. 9899-12-31T23:59:59.999Z
 *   + a date param  at most CIVIL_AHEAD_MAX_DAYS after today
 *   + a duration    at most CIVIL_SPAN_MAX_DAYS, or CIVIL_SPAN_MAX_BDAYS business days
 *                   (about ten and a half years on br-banking)
 *   = before 9912, a long way from 9999 (checked below, with room to spare).
 */
#define CIVIL_DAY_MS		86400000LL
#define CIVIL_YEAR_MIN		1
#define CIVIL_YEAR_MAX		9999
#define CIVIL_DAY_MIN		(-719162LL)	/* 0001-01-01 */
#define CIVIL_DAY_MAX		2932896LL	/* 9999-12-31 */
/* The instants that have a four-digit year in UTC: 0001-01-01T00:00:00Z to
 * 9999-12-31T23:59:59.999Z. */
#define CIVIL_MS_MIN		(CIVIL_DAY_MIN * CIVIL_DAY_MS)
#define CIVIL_MS_MAX		((CIVIL_DAY_MAX + 1) * CIVIL_DAY_MS - 1)
/*
 * The instants protocold takes as given: the test clock's now and a protocol's
 * opened_at. From the Unix epoch (no protocol of a marketplace is older, and every
 * instant stored stays non-negative), to the end of 9899: a century below the last
 * year RFC 3339 can write, so any deadline started from them can be written.
 */
#define CIVIL_GIVEN_MIN_MS	0LL		/* 1970-01-01T00:00:00Z */
#define CIVIL_GIVEN_MAX_MS	(2896373LL * CIVIL_DAY_MS - 1) /* 9899-12-31T23:59:59.999Z */
/*
 * How far ahead a date parameter (pickup_date, delivery_date) may be: a year, the same
 * date next year included even across a 29 February. A pickup a year away is already
 * unlikely for a marketplace; a mistyped year (2062 for 2026) is refused.
 */
#define CIVIL_AHEAD_MAX_DAYS	366
/*
 * The longest duration anywhere (configured deadlines, advance, within): ten years,
 * which is 3660 days, 522 weeks, or 2610 business days (261 weekdays a year). The
 * longest real deadline is 60 days; ten years catches a slip of a unit or of digits.
 */
#define CIVIL_SPAN_MAX_DAYS	3660
#define CIVIL_SPAN_MAX_BDAYS	2610

/* 2610 business days are 3654 calendar days with their weekends, plus one per holiday
 * on a weekday: counting twice that leaves room for 3654 holidays, far more than any
 * calendar and its extra_holidays list. */
_Static_assert(CIVIL_GIVEN_MAX_MS + (CIVIL_AHEAD_MAX_DAYS + CIVIL_SPAN_MAX_DAYS +
    2 * CIVIL_SPAN_MAX_BDAYS * 7 / 5) * CIVIL_DAY_MS < CIVIL_MS_MAX,
    "a given instant plus the longest horizon must keep a four-digit year");

/* The day number of y-m-d (the date must be valid). */
int64_t civil_days(int y, int m, int d);
/* The date of a day number. */
void civil_from_days(int64_t days, int *y, int *m, int *d);
/* Day of week of a day number: 0 = Sunday … 6 = Saturday. */
int civil_weekday(int64_t days);
/* True when y-m-d exists (CIVIL_YEAR_MIN <= y <= CIVIL_YEAR_MAX). */
bool civil_valid(int y, int m, int d);
/* Parse exactly "YYYY-MM-DD" into a day number: 0, or -1 when malformed or not a real date. */
int civil_parse_date(const char *s, int64_t *days);
/* Write "YYYY-MM-DD" into buf (at least CIVIL_DATE_LEN bytes). A day outside
 * CIVIL_DAY_MIN..CIVIL_DAY_MAX is written as the nearer of those (0001-01-01 or
 * 9999-12-31): never a year of five digits or a sign. */
void civil_format_date(int64_t days, char *buf);

#endif
