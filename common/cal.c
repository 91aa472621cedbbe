#include "cal.h"

#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "tz.h"
#include "xmalloc.h"

struct cal {
	enum cal_kind	 kind;
	int64_t		*extra;		/* sorted, for bsearch */
	size_t		 n_extra;
};

/* A holiday on the same date every year, observed from year `since` on. */
struct cal_fixed {
	int		 month, day;
	int		 since;
	const char	*name;
};

/* A holiday a fixed number of days from Easter Sunday. */
struct cal_movable {
	int		 from_easter;
	bool		 banking_only;
	const char	*name;
};

static const struct cal_fixed cal_fixed_holidays[] = {
	{ 1, 1, 0, "Confraternização Universal" },
	{ 4, 21, 0, "Tiradentes" },
	{ 5, 1, 0, "Dia do Trabalho" },
	{ 9, 7, 0, "Independência" },
	{ 10, 12, 0, "Nossa Senhora Aparecida" },
	{ 11, 2, 0, "Finados" },
	{ 11, 15, 0, "Proclamação da República" },
	/* Lei 14.759/2023 made it national from 2024 on. */
	{ 11, 20, 2024, "Dia Nacional de Zumbi e da Consciência Negra" },
	{ 12, 25, 0, "Natal" },
};

static const struct cal_movable cal_movable_holidays[] = {
	{ -48, true, "Carnaval" },
	{ -47, true, "Carnaval" },
	{ -2, false, "Sexta-feira Santa" },
	{ 60, true, "Corpus Christi" },
};

#define CAL_NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *cal_kind_names[] = {
	[CAL_NONE] = "none",
	[CAL_BR_NATIONAL] = "br-national",
	[CAL_BR_BANKING] = "br-banking",
};

int
cal_kind_parse(const char *s, enum cal_kind *out)
{
	for (size_t i = 0; i < CAL_NELEM(cal_kind_names); i++) {
		if (strcmp(s, cal_kind_names[i]) == 0) {
			*out = (enum cal_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *
cal_kind_name(enum cal_kind kind)
{
	if ((size_t)kind >= CAL_NELEM(cal_kind_names))
		return "unknown";
	return cal_kind_names[kind];
}

static int
cal_cmp_days(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

struct cal *
cal_new(enum cal_kind kind, const int64_t *extra_days, size_t n_extra)
{
	struct cal *cal = xcalloc(1, sizeof *cal);

	cal->kind = kind;
	cal->n_extra = n_extra;
	cal->extra = xcalloc(n_extra, sizeof *cal->extra);
	if (n_extra > 0) {
		memcpy(cal->extra, extra_days, n_extra * sizeof *cal->extra);
		qsort(cal->extra, n_extra, sizeof *cal->extra, cal_cmp_days);
	}
	return cal;
}

void
cal_free(struct cal *cal)
{
	if (cal == NULL)
		return;
	free(cal->extra);
	free(cal);
}

enum cal_kind
cal_kind_of(const struct cal *cal)
{
	return cal->kind;
}

/* The anonymous Gregorian algorithm (Meeus, Jones, Butcher). */
void
cal_easter(int year, int *month, int *day)
{
	int a = year % 19;		/* place in the 19-year lunar cycle */
	int b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4;
	int f = (b + 8) / 25;
	int g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;	/* epact: days to the full moon */
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;	/* days on to Sunday */
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	*month = n / 31;
	*day = n % 31 + 1;
}

static const char *
cal_fixed_holiday(int y, int m, int d)
{
	for (size_t i = 0; i < CAL_NELEM(cal_fixed_holidays); i++) {
		const struct cal_fixed *h = &cal_fixed_holidays[i];

		if (h->month == m && h->day == d && y >= h->since)
			return h->name;
	}
	return NULL;
}

static const char *
cal_movable_holiday(const struct cal *cal, int y, int64_t days)
{
	int em, ed;
	int64_t from_easter;

	cal_easter(y, &em, &ed);
	from_easter = days - civil_days(y, em, ed);
	for (size_t i = 0; i < CAL_NELEM(cal_movable_holidays); i++) {
		const struct cal_movable *h = &cal_movable_holidays[i];

		if (h->from_easter == from_easter &&
		    (!h->banking_only || cal->kind == CAL_BR_BANKING))
			return h->name;
	}
	return NULL;
}

static bool
cal_is_extra(const struct cal *cal, int64_t days)
{
	return cal->n_extra > 0 && bsearch(&days, cal->extra, cal->n_extra,
	    sizeof *cal->extra, cal_cmp_days) != NULL;
}

const char *
cal_holiday(const struct cal *cal, int64_t days)
{
	const char *name = NULL;
	int y, m, d;

	if (cal->kind != CAL_NONE) {
		civil_from_days(days, &y, &m, &d);
		if ((name = cal_fixed_holiday(y, m, d)) == NULL)
			name = cal_movable_holiday(cal, y, days);
	}
	if (name == NULL && cal_is_extra(cal, days))
		name = "extra holiday";
	return name;
}

static bool
cal_is_weekend(int64_t days)
{
	int w = civil_weekday(days);

	return w == 0 || w == 6;
}

bool
cal_is_business_day(const struct cal *cal, int64_t days)
{
	return !cal_is_weekend(days) && cal_holiday(cal, days) == NULL;
}

/* Why days is not a business day, or NULL when it is. A holiday's name says more
 * than the weekday it falls on. */
static const char *
cal_why_not_business(const struct cal *cal, int64_t days)
{
	const char *name = cal_holiday(cal, days);

	if (name != NULL)
		return name;
	switch (civil_weekday(days)) {
	case 0:
		return "Sunday";
	case 6:
		return "Saturday";
	default:
		return NULL;
	}
}

int64_t
cal_add_business_days(const struct cal *cal, int64_t t, int n,
    struct cal_skip *skips, size_t max_skips, size_t *n_skips)
{
	int64_t days = tz_local_days(t);
	size_t skipped = 0;
	const char *why;

	/* The local date of t never counts, whatever it is: the count starts after it. */
	for (int counted = 0; counted < n;) {
		days++;
		if ((why = cal_why_not_business(cal, days)) == NULL) {
			counted++;
			continue;
		}
		if (skips != NULL && skipped < max_skips)
			skips[skipped] = (struct cal_skip){ days, why };
		skipped++;
	}
	if (n_skips != NULL)
		*n_skips = skipped;
	return tz_local_midnight(days + 1);
}
