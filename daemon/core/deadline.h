#ifndef DEADLINE_H
#define DEADLINE_H

#include <stdint.h>

#include "cal.h"
#include "config.h"
#include "proto.h"

/*
 * When a clock is due: the configured duration for the protocol's reason, added to the
 * clock's start (plain time, or business days on the calendar; the pickup wait counts
 * from 00:00 local of the pickup date instead).
 */

/* The due instant of clock c of p started at start; pickup_day is the pickup date
 * (a civil day number) for PROTO_CLOCK_PICKUP, ignored otherwise. */
int64_t deadline_due(const struct config *cfg, const struct cal *cal,
    const struct protocol *p, enum proto_clock c, int64_t start, int64_t pickup_day);
/* The first instant something happens on that clock: the response warning
 * (warn_before ahead of due) when it falls after start, else due. */
int64_t deadline_next(const struct config *cfg, const struct protocol *p,
    enum proto_clock c, int64_t start, int64_t due);

/* Why a clock is due when it is: what clock.explain shows. */
#define DEADLINE_MAX_SKIPS 64
struct deadline_explain {
	char rule[32];		/* the config key: "photos_wait" */
	char value[32];		/* its value then: "48h", "6bd" */
	char source[80];	/* "default", "[deadlines]", "[reason.X]" */
	char calendar[16];	/* business-day rules: the calendar then, else "" */
	int64_t pickup_day;	/* the pickup date (civil day), or INT64_MIN */
	struct cal_skip skips[DEADLINE_MAX_SKIPS];	/* days a business-day rule skipped */
	size_t n_skips;		/* how many (may exceed DEADLINE_MAX_SKIPS) */
};

/* The rule text kept with a clock of kind c started for p (pickup_day for the pickup
 * wait): "rule=…;value=…;source=…[;calendar=…][;pickup_date=…]". */
void deadline_rule(const struct config *cfg, const struct cal *cal,
    const struct protocol *p, enum proto_clock c, int64_t pickup_day, char *buf,
    size_t len);
/* Explain p's running clock from its rule text; business days are counted again on
 * cal (the calendar configured now). 0, or -1 when p has no clock or no rule text
 * (a clock started before protocold kept them). */
int deadline_explain(const struct protocol *p, const struct cal *cal,
    struct deadline_explain *out);

#endif
