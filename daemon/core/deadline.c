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

/* Where a field of the rule text goes. */
struct deadline_slot {
	const char *key;
	char *dst;
	size_t len;
};

/* Each "k=v" field of text into the slot of its key, in one pass (the first of a key
 * wins; unknown keys and fields without '=' are skipped); a slot not found stays "".
 * Returns the slots filled, as bits. */
static unsigned
deadline_fields(const char *text, const struct deadline_slot *slots, size_t n_slots)
{
	unsigned seen = 0;

	for (size_t i = 0; i < n_slots; i++)
		slots[i].dst[0] = '\0';
	while (*text) {
		size_t n = strcspn(text, ";");
		const char *eq = memchr(text, '=', n);

		for (size_t i = 0; eq != NULL && i < n_slots; i++) {
			size_t klen = (size_t)(eq - text), vlen = n - klen - 1;

			if ((seen & 1u << i) || strncmp(text, slots[i].key, klen) != 0 ||
			    slots[i].key[klen] != '\0')
				continue;
			if (vlen >= slots[i].len)
				vlen = slots[i].len - 1;
			memcpy(slots[i].dst, eq + 1, vlen);
			slots[i].dst[vlen] = '\0';
			seen |= 1u << i;
			break;
		}
		text += n;
		text += *text == ';';
	}
	return seen;
}

int
deadline_explain(const struct protocol *p, const struct cal *cal, struct deadline_explain *out)
{
	char date[CIVIL_DATE_LEN], err[DURATION_ERR_LEN];
	enum { RULE, VALUE, SOURCE, CALENDAR, PICKUP };
	const struct deadline_slot slots[] = {
		[RULE] = { "rule", out->rule, sizeof out->rule },
		[VALUE] = { "value", out->value, sizeof out->value },
		[SOURCE] = { "source", out->source, sizeof out->source },
		[CALENDAR] = { "calendar", out->calendar, sizeof out->calendar },
		[PICKUP] = { "pickup_date", date, sizeof date },
	};
	struct duration d;
	unsigned seen;

	out->pickup_day = INT64_MIN;
	out->n_skips = 0;
	if (p->clock == PROTO_CLOCK_NONE)
		return -1;
	/* Parsed once: a field at a time cost a thousand instructions of a GET. */
	seen = deadline_fields(p->clock_rule, slots, sizeof slots / sizeof slots[0]);
	if (!(seen & 1u << RULE))
		return -1;
	if (seen & 1u << PICKUP)
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
