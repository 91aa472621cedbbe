#ifndef RENDER_H
#define RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cal.h"
#include "jsonw.h"
#include "problem.h"
#include "proto.h"
#include "sqlite.h"

/* The API's JSON objects (SPEC §2, §8). Each json_t returned is a new reference. */

/* A protocol as GET /v1/protocols/{id} shows it, written to w; now gives
 * clock.remaining_s, cal (the calendar configured now) the days clock.explain says a
 * business-day rule skipped. */
void render_protocol(struct jsonw *w, const struct protocol *p, bool envvias, int64_t now,
    const struct cal *cal);
/* One history / feed entry; protocol is the protocol's id. */
json_t *render_event(const struct proto_event *ev, const char *protocol);
/* An RFC 9457 problem document. */
json_t *render_problem(const struct problem *pb);
/* The title of a problem's status. */
const char *render_status_title(int status);
/* {state: count} for the PROTO_N_STATES counts. */
json_t *render_state_counts(const int64_t *counts);
/* An instant as RFC 3339 in the local zone. */
json_t *render_time(int64_t ms);

#endif
