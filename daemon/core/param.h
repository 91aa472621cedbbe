#ifndef PARAM_H
#define PARAM_H

#include <stdint.h>

#include "problem.h"
#include "rulebook.h"

/*
 * An action's parameter values, checked against the type its rulebook gives them
 * (rulebook.h: text, longtext, code, date, date_future, url).
 */

/* 0 when v is a well-formed value of p (today: the local date, a civil day number);
 * else -1 with a 422 invalid_param problem that says what would be right. */
int param_check(const struct rulebook_param *p, const char *v, int64_t today,
    struct problem *pb);

#endif
