#include "deadline.h"

#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "rules.h"
#include "strcopy.h"
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

void
deadline_rule(const struct config *cfg, const struct cal *cal, const struct protocol *p,
    enum proto_clock c, int64_t pickup_day, char *buf, size_t len)
{
	enum config_dl dl = rules_clock_dl(p, c);
	enum config_src src;
	const struct duration *d = config_deadline(cfg, p->reason[0] ? p->reason : NULL, dl,
	    &src);
	char value[32], tmp[32], source[80], date[CIVIL_DATE_LEN];
	size_t n;

	strcopy(value, sizeof value, duration_text(d, tmp, sizeof tmp));
	config_src_text(src, p->reason, source, sizeof source);
	n = (size_t)snprintf(buf, len, "rule=%s;value=%s;source=%s", config_dl_name(dl), value,
	    source);
	if (duration_is_bdays(d) && n < len)
		n += (size_t)snprintf(buf + n, len - n, ";calendar=%s",
		    cal_kind_name(cal_kind_of(cal)));
	if (c == PROTO_CLOCK_PICKUP && n < len) {
		civil_format_date(pickup_day, date);
		snprintf(buf + n, len - n, ";pickup_date=%s", date);
	}
}

/* Copy the value of key in "k=v;k=v" text to out; false when absent. */
static bool
deadline_field(const char *text, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *f = text;

	while (f != NULL && *f) {
		if (strncmp(f, key, klen) == 0 && f[klen] == '=') {
			size_t n = strcspn(f + klen + 1, ";");

			if (n >= len)
				n = len - 1;
			memcpy(out, f + klen + 1, n);
			out[n] = '\0';
			return true;
		}
		if ((f = strchr(f, ';')) != NULL)
			f++;
	}
	return false;
}

int
deadline_explain(const struct protocol *p, const struct cal *cal, struct deadline_explain *out)
{
	char date[CIVIL_DATE_LEN], err[DURATION_ERR_LEN];
	struct duration d;

	memset(out, 0, sizeof *out);
	out->pickup_day = INT64_MIN;
	if (p->clock == PROTO_CLOCK_NONE || !deadline_field(p->clock_rule, "rule", out->rule,
	    sizeof out->rule))
		return -1;
	deadline_field(p->clock_rule, "value", out->value, sizeof out->value);
	deadline_field(p->clock_rule, "source", out->source, sizeof out->source);
	deadline_field(p->clock_rule, "calendar", out->calendar, sizeof out->calendar);
	if (deadline_field(p->clock_rule, "pickup_date", date, sizeof date))
		civil_parse_date(date, &out->pickup_day);
	if (out->calendar[0] && duration_parse(out->value, &d, err) == 0 &&
	    duration_is_bdays(&d)) {
		int64_t from = out->pickup_day != INT64_MIN ?
		    tz_local_midnight(out->pickup_day) : p->clock_start;

		cal_add_business_days(cal, from, d.bdays, out->skips, DEADLINE_MAX_SKIPS,
		    &out->n_skips);
	}
	return 0;
}
