#ifndef RULES_H
#define RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "problem.h"
#include "proto.h"
#include "rulebook.h"

/*
 * The domain rules of SPEC §3-§5, as the rulebooks loaded say them (doc/rules.md):
 * whether an action or event is allowed now and where it leads, the clock a state or
 * an action starts and the deadline in force for it. The six states and their clocks
 * (response in pending and unresolved, the reply window in closed) are SPEC's; every
 * action, event and reason is a rulebook's. Nothing here names one.
 */

/* Request parameters: name and value (value NULL when the JSON value is not a string). */
#define RULES_MAX_ARGS 16
struct rules_args {
	size_t n;
	const char *name[RULES_MAX_ARGS];
	const char *value[RULES_MAX_ARGS];
};

/* The rulebook of p's marketplace, or NULL when no rulebook loaded has it (every
 * rules_* below takes NULL as "no action or event is allowed"). */
const struct rulebook *rules_book(const struct config *cfg, const struct protocol *p);
/* The rulebook a create names (NULL: the default), or NULL with a 422
 * unknown_marketplace problem that lists the loaded ones. */
const struct rulebook *rules_market(const struct config *cfg, const char *name,
    struct problem *pb);
/* Whether any loaded rulebook has an action (event) called name. */
bool rules_known_action(const struct config *cfg, const char *name);
bool rules_known_event(const struct config *cfg, const char *name);

/* The parameter names action name takes in any rulebook loaded (the request's fields
 * to keep before its protocol, so its rulebook, is known): how many, into names. */
size_t rules_param_names(const struct config *cfg, const char *action, const char **names,
    size_t max);
/* Index of action name in b, or -1 with a 422 unknown_action problem. */
int rules_action_find(const struct rulebook *b, const char *name, struct problem *pb);
/* 0 when p may take action i of b now; else -1 with a 409 problem that says why and
 * lists what is allowed. */
int rules_action_allowed(const struct rulebook *b, const struct protocol *p, int i,
    bool envvias, struct problem *pb);
/* 0 when args carry every parameter of action i, well formed (today: the local date,
 * as a civil day number); else -1 with a 422 problem naming the parameter. */
int rules_action_args(const struct rulebook *b, int i, const struct rules_args *args,
    int64_t today, struct problem *pb);
/* The value of a parameter in args, or NULL. */
const char *rules_arg(const struct rules_args *args, const char *name);
/* The actions p may take now, as bits: bit i for the action at index i of b. */
uint64_t rules_allowed_mask(const struct rulebook *b, const struct protocol *p,
    bool envvias);

/* The move event name makes for p now, or NULL with a problem (422 unknown, 409 not
 * now). */
const struct rulebook_move *rules_event(const struct rulebook *b, const struct protocol *p,
    const char *name, struct problem *pb);

/* 0 when origin and reason go together (preventive needs one of b's preventive
 * reasons); else -1 with a 422 problem. */
int rules_check_reason(const struct rulebook *b, enum proto_origin origin,
    const char *reason, struct problem *pb);

/* The name of clock kind in the rulebooks loaded, or NULL when none has it. */
const char *rules_kind_name(const struct config *cfg, int kind);
/* Add one to the attempts of action name in p->attempts (a name too long for the
 * text is not counted). */
void rules_attempt_add(struct protocol *p, const char *name);
/* Each "name=n" of an attempts text: fn(name, its length, n, arg). */
void rules_attempts_each(const char *attempts,
    void (*fn)(const char *name, size_t len, unsigned n, void *arg), void *arg);

#endif
