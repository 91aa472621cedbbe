#ifndef DEADLINE_H
#define DEADLINE_H

#include <stdint.h>

#include "cal.h"
#include "clockrule.h"
#include "proto.h"

/*
 * When a clock is due: the duration in force (clockrule.h) added to the clock's start
 * (plain time, or business days on the calendar); a wait of "PARAM + DURATION" counts
 * from 00:00 local of that date instead. And the rule text kept with the clock, which
 * clock.explain shows and which decides its expiry even after a reload.
 */

/* The due instant of clock c started at start; date_day is the date (a civil day
 * number) of c's date_param, ignored when it has none. */
int64_t deadline_due(const struct clockrule *c, int64_t start, int64_t date_day);
/* The first instant something happens on that clock: the response warning
 * (warn_before ahead of due) when it falls after start, else due. */
int64_t deadline_next(const struct clockrule *c, int64_t start, int64_t due);

/* Why a clock is due when it is: what clock.explain shows. */
#define DEADLINE_MAX_SKIPS 64
struct deadline_explain {
	char rule[RULEBOOK_ID_MAX + 1];	/* the deadline's key: "photos_wait" */
	char value[32];		/* its value then: "48h", "6bd" */
	char source[80];	/* "default", "[deadlines]", "[reason.X]" */
	char calendar[16];	/* business-day rules: the calendar then, else "" */
	char date_param[RULEBOOK_ID_MAX + 1];	/* "PARAM + DURATION": PARAM, else "" */
	int64_t pickup_day;	/* that date (civil day), or INT64_MIN */
	char to[16];		/* where its expiry leads ("" when the text predates it) */
	char attempt[RULEBOOK_ID_MAX + 1];	/* the action it counts an attempt of */
	char book[RULEBOOK_NAME_MAX + 1];	/* the rulebook it started under */
	char file[256];		/* where the value was written ("" before rulebooks) */
	int line;
	struct cal_skip skips[DEADLINE_MAX_SKIPS];	/* days a business-day rule skipped */
	size_t n_skips;		/* how many (may exceed DEADLINE_MAX_SKIPS) */
};

/* The rule text kept with clock c of a protocol of marketplace (date_day: its
 * date_param's date): "rule=…;value=…;source=…[;calendar=…][;date=PARAM:YYYY-MM-DD]
 * [;to=…][;kind=…][;attempt=…][;book=…];line=…[;file=…]" (deadline.c says what is left
 * out, and deadline_explain puts it back). */
void deadline_rule(const struct clockrule *c, int64_t date_day, const char *marketplace,
    char *buf, size_t len);
/* Where p's running clock leads when it expires and the action whose attempt it counts
 * ("" for none), as its rule text keeps them: 0, or -1 when the text predates them. */
int deadline_expiry(const struct protocol *p, char *to, size_t to_len, char *attempt,
    size_t attempt_len);
/* The name of p's clock kind as its rule text keeps it ("" when it predates it): for a
 * clock whose rulebook is no longer loaded. */
void deadline_kind(const struct protocol *p, char *buf, size_t len);
/* Explain p's running clock from its rule text; business days are counted again on
 * cal (the calendar configured now). 0, or -1 when p has no clock or no rule text
 * (a clock started before protocold kept them). */
int deadline_explain(const struct protocol *p, const struct cal *cal,
    struct deadline_explain *out);

#endif
