#ifndef RENDER_H
#define RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "cal.h"
#include "config.h"
#include "jsonw.h"
#include "problem.h"
#include "proto.h"

/*
 * The API's JSON objects (spec.md §2, §8), written to a jsonw. Their members come in the
 * order the API has always written them (the e2e tests and clients compare bytes).
 */

/* What rendering keeps between answers: the arrays of allowed actions already
 * written. */
struct render;

/* Never NULL; render_free(NULL) is a no-op. */
struct render *render_new(void);
void render_free(struct render *r);
/* Render by the rulebooks of cfg from now on (the web's, at start and each reload). */
void render_configure(struct render *r, const struct config *cfg);

/* A protocol as GET /v1/protocols/{id} shows it; now gives clock.remaining_s, cal
 * (the calendar configured now) the days clock.explain says a business-day rule
 * skipped. */
void render_protocol(struct render *r, struct jsonw *w, const struct protocol *p,
    bool envvias, int64_t now, const struct cal *cal);
/* One history / feed entry; protocol is the protocol's id. */
void render_event(struct jsonw *w, const struct proto_event *ev, const char *protocol);
/* An RFC 9457 problem document. */
void render_problem(struct jsonw *w, const struct problem *pb);
/* The same, its object left open for more members (the caller closes it). */
void render_problem_open(struct jsonw *w, const struct problem *pb);
/* The title of a problem's status. */
const char *render_status_title(int status);
/* {state: count} for the PROTO_N_STATES counts. */
void render_state_counts(struct jsonw *w, const int64_t *counts);
/* An instant as RFC 3339 in the local zone. */
void render_time(struct jsonw *w, int64_t ms);

#endif
