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

#endif
