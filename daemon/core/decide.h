#ifndef DECIDE_H
#define DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "config.h"
#include "engine.h"
#include "problem.h"
#include "proto.h"
#include "rules.h"

/*
 * The "decide" step of a write (engine.h), in memory: a change applied to a protocol
 * by the rules, and the history entries it makes, gathered until the engine saves them.
 * Nothing here reads or writes the store; each decision starts with decide_begin.
 */

struct metrics;
struct decide;

/* What decide_step applied. */
#define DECIDE_EXPIRED 0
#define DECIDE_WARNED 1	/* a warning: only clock_next moved */

/* Decisions counted in m (each clock point applied: metrics_fired). Never NULL. */
struct decide *decide_new(struct metrics *m);
/* NULL is a no-op. */
void decide_free(struct decide *d);
/* Start clocks by this configuration and calendar from now on. */
void decide_configure(struct decide *d, const struct config *cfg, const struct cal *cal);
/* log_transitions = info (else debug), as configured. */
bool decide_log_info(const struct decide *d);

/* A new decision: forget the entries of the last one. */
void decide_begin(struct decide *d);
/* The entries of this decision, in order (valid until the next decide_begin). */
const struct proto_event *decide_entries(struct decide *d, size_t *n);

/* Apply the next due point of p's clock at instant now: DECIDE_WARNED or
 * DECIDE_EXPIRED (the next clock starts at the due instant, not at now). */
int decide_step(struct decide *d, struct protocol *p, int64_t now);
/* Apply every point of p's clock due by now, in due order: how many. */
int decide_settle(struct decide *d, struct protocol *p, int64_t now);

/* 0 when r may be created at now, else -1 with a 422 in *pb. */
int decide_check_create(const struct decide *d, const struct engine_create *r,
    int64_t now, struct problem *pb);
/* The protocol r makes at now, its response clock running from opened_at. */
void decide_fill(struct decide *d, struct protocol *p, const struct engine_create *r,
    int64_t now);
/* p was just inserted at now: its creation entry. */
void decide_created(struct decide *d, const struct protocol *p, int64_t now);
/* True when r asks for the protocol p as it was created. */
bool decide_same_create(const struct decide *d, const struct engine_create *r,
    const struct protocol *p);

/* Apply the action called action with args at now, by the rules of p's marketplace
 * (if_version < 0: no check; detail: the entry's JSON text, kept until the next
 * decide_begin): 0, or -1 with the refusal in *pb. */
int decide_act(struct decide *d, struct protocol *p, const char *action,
    const struct rules_args *args, int64_t if_version, const char *detail, bool envvias,
    int64_t now, struct problem *pb);
/* Whether a rulebook loaded has an action (event) of that name. */
bool decide_known_action(const struct decide *d, const char *name);
bool decide_known_event(const struct decide *d, const char *name);
/* Apply the event name at now: 0, or -1 with the refusal in *pb. */
int decide_event(struct decide *d, struct protocol *p, const char *name,
    int64_t if_version, int64_t now, struct problem *pb);

#endif
