#include "deadline.h"

#include "rules.h"
#include "tz.h"

#define DEADLINE_DAY_MS (24 * 3600 * 1000LL)

static const struct duration *
deadline_value(const struct config *cfg, const struct protocol *p, enum config_dl dl)
{
	return config_deadline(cfg, p->reason[0] ? p->reason : NULL, dl, NULL);
}

/* 00:00 local of the pickup date, plus the grace: whole days as calendar days (so a
 * DST change cannot move it off midnight), the rest as elapsed time. */
static int64_t
deadline_pickup(const struct cal *cal, const struct duration *grace, int64_t pickup_day)
{
	int64_t midnight = tz_local_midnight(pickup_day);

	if (duration_is_bdays(grace))
		return cal_add_business_days(cal, midnight, grace->bdays, NULL, 0, NULL);
	return tz_local_midnight(pickup_day + grace->ms / DEADLINE_DAY_MS) +
	    grace->ms % DEADLINE_DAY_MS;
}

int64_t
deadline_due(const struct config *cfg, const struct cal *cal, const struct protocol *p,
    enum proto_clock c, int64_t start, int64_t pickup_day)
{
	const struct duration *d = deadline_value(cfg, p, rules_clock_dl(p, c));

	if (c == PROTO_CLOCK_PICKUP)
		return deadline_pickup(cal, d, pickup_day);
	if (duration_is_bdays(d))
		return cal_add_business_days(cal, start, d->bdays, NULL, 0, NULL);
	return start + d->ms;
}

int64_t
deadline_next(const struct config *cfg, const struct protocol *p, enum proto_clock c,
    int64_t start, int64_t due)
{
	const struct duration *warn;

	if (!rules_clock(c)->warns)
		return due;
	warn = deadline_value(cfg, p, CONFIG_DL_WARN_BEFORE);
	if (warn->ms > 0 && due - warn->ms > start)
		return due - warn->ms;
	return due;
}
