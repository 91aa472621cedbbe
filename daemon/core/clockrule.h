#ifndef CLOCKRULE_H
#define CLOCKRULE_H

#include <stdbool.h>

#include "cal.h"
#include "config.h"
#include "duration.h"
#include "proto.h"
#include "rulebook.h"

/*
 * The rule a clock starts under: its kind, what its expiry does, and the deadline in
 * force with where it was written. The main file's [deadlines] and [reason.X] override
 * the default rulebook's values (doc/rules.md, "Which value counts"): a [reason.X] of
 * the main file, then the rulebook's [reason.X], then [deadlines], then the rulebook.
 */

/* A clock about to start: its kind, what its expiry does, and the deadline in force
 * with where it was written (what deadline.h keeps with the clock). */
struct clockrule {
	int kind;			/* PROTO_CLOCK_NONE: no clock starts */
	const char *name;		/* "photos_wait" */
	enum proto_state on_expiry;
	const char *attempt;		/* the action whose attempts +1 on expiry, or NULL */
	bool warns;			/* a response_warning warn_before its end */
	struct duration d;		/* in force */
	struct duration warn;		/* warn_before in force (warns only) */
	const char *date_param;		/* "PARAM + DURATION": PARAM, else NULL */
	const char *rule;		/* the key clock.explain names: "response_normal" */
	char source[80];		/* "default", "[deadlines]", "[reason.X]" */
	const char *book;		/* the rulebook's name */
	const char *file;		/* where the value in force was written, */
	int line;			/* and on which line (0: a default) */
	const struct cal *cal;		/* the calendar for business days */
};

/* The clock p (of rulebook b) starts on entering state s when no action's wait does:
 * response in pending and unresolved (none for preventive protocols), the reply
 * window in closed, else none (kind PROTO_CLOCK_NONE). cal: the main calendar. */
void clockrule_entry(const struct config *cfg, const struct cal *cal,
    const struct rulebook *b, const struct protocol *p, enum proto_state s,
    struct clockrule *out);
/* The wait action i of b starts for p. */
void clockrule_wait(const struct config *cfg, const struct cal *cal,
    const struct rulebook *b, const struct protocol *p, int i, struct clockrule *out);
/* What the expiry of clock kind does by b's rules now (for a clock started before its
 * rule was kept with it): where it leads, and the action it counts an attempt of
 * (NULL: none). */
void clockrule_expiry_now(const struct rulebook *b, int kind, enum proto_state *to,
    const char **attempt);

#endif
