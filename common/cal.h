#ifndef CAL_H
#define CAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Business-day calendars. Dates are civil day numbers (civil.h); instants are UTC
 * ms, converted through the local zone (tz.h).
 */

enum cal_kind {
	CAL_NONE,		/* weekends only */
	CAL_BR_NATIONAL,	/* Brazilian national holidays */
	CAL_BR_BANKING		/* national + Carnival Monday/Tuesday + Corpus Christi */
};

struct cal;

/* "none", "br-national", "br-banking" -> kind: 0, or -1 when unknown. */
int cal_kind_parse(const char *s, enum cal_kind *out);
/* The config name of kind. */
const char *cal_kind_name(enum cal_kind kind);
/* A calendar of kind plus the extra holiday dates (copied; any order; they count
 * with every kind, "none" included). */
struct cal *cal_new(enum cal_kind kind, const int64_t *extra_days, size_t n_extra);
/* Free a calendar; NULL is a no-op. */
void cal_free(struct cal *cal);
enum cal_kind cal_kind_of(const struct cal *cal);
/* Easter Sunday of year (Gregorian, any year >= 1583). */
void cal_easter(int year, int *month, int *day);
/* The holiday on date days, or NULL: its name ("Sexta-feira Santa", "Carnaval",
 * "extra holiday", …). Weekends are not holidays. */
const char *cal_holiday(const struct cal *cal, int64_t days);
/* True when days is neither a Saturday, a Sunday nor a holiday. */
bool cal_is_business_day(const struct cal *cal, int64_t days);

/* One non-business day that a business-day addition skipped. */
struct cal_skip {
	int64_t days;
	const char *why; /* the holiday's name, else "Saturday" or "Sunday"; static */
};

/*
 * N business days from instant t: the end (24:00 local, i.e. the first instant of the
 * next local day) of the n-th business day after t's local date, which itself never
 * counts. n >= 1 (n < 1 gives the end of t's local date).
 * When skips is not NULL, the skipped dates (at most max_skips) are written there and
 * their total count in *n_skips.
 */
int64_t cal_add_business_days(const struct cal *cal, int64_t t, int n,
    struct cal_skip *skips, size_t max_skips, size_t *n_skips);

#endif
