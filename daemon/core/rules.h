#ifndef RULES_H
#define RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "problem.h"
#include "proto.h"

/*
 * The domain rules of spec.md §3–§5 as tables: the seller's actions, the customer's and
 * marketplace's events, the clocks and the preventive reasons. Everything that decides
 * whether a transition is allowed, and where it leads, is here.
 */

enum rules_param_kind {
	RULES_P_CODE,	/* 1–64 of [A-Za-z0-9._:/-] */
	RULES_P_TEXT,	/* 1–4000 bytes, not only blanks */
	RULES_P_URL,	/* http:// or https://, up to 2048 bytes, no blanks */
	RULES_P_DATE	/* YYYY-MM-DD, today (local) to CIVIL_AHEAD_MAX_DAYS after it */
};

struct rules_param {
	const char *name;
	enum rules_param_kind kind;
};

struct rules_action {
	const char *name;
	const char *portal;		/* the portal's name for it */
	struct rules_param params[2];
	size_t n_params;
	enum proto_state next;
	enum proto_clock clock;		/* the wait it starts, for next = awaiting */
	bool refused_for_envvias;
};

struct rules_clock {
	enum config_dl dl;		/* its deadline key (response: the normal one) */
	enum proto_state on_expiry;
	int attempt_action;		/* the action whose attempts +1 on expiry, or -1 */
	bool warns;			/* puts a response_warning on the feed */
};

struct rules_event {
	const char *name;
	enum proto_state from;
	enum proto_clock only_clock;	/* PROTO_CLOCK_NONE: any clock */
	enum proto_state to;
};

/* Request parameters: name and value (value NULL when the JSON value is not a string). */
#define RULES_MAX_ARGS 16
struct rules_args {
	size_t n;
	const char *name[RULES_MAX_ARGS];
	const char *value[RULES_MAX_ARGS];
};

/* The action at index i (0 <= i < PROTO_N_ACTIONS). */
const struct rules_action *rules_action(int i);
/* Index of a named action, or -1. */
int rules_action_index(const char *name);
/* 0 when p may take action i now; else -1 with a 409 problem that says why and
 * lists what is allowed. */
int rules_action_allowed(const struct protocol *p, int i, bool envvias, struct problem *pb);
/* 0 when args carry every parameter of action i, well formed (today: the local date,
 * as a civil day number); else -1 with a 422 problem naming the parameter. */
int rules_action_args(int i, const struct rules_args *args, int64_t today, struct problem *pb);
/* The value of a parameter in args, or NULL. */
const char *rules_arg(const struct rules_args *args, const char *name);
/* The actions p may take now, written to out (at most max); returns their count. */
size_t rules_allowed_actions(const struct protocol *p, bool envvias, const char **out, size_t max);
/* The same set as bits: bit i for the action at index i. */
uint32_t rules_allowed_mask(const struct protocol *p, bool envvias);

/* The event rule for p and name, or NULL with a problem (422 unknown, 409 not now). */
const struct rules_event *rules_event(const struct protocol *p, const char *name,
    struct problem *pb);

/* The rule of clock c (not NONE). */
const struct rules_clock *rules_clock(enum proto_clock c);
/* The clock a protocol starts on entering state s, when no action says otherwise. */
enum proto_clock rules_entry_clock(const struct protocol *p, enum proto_state s);
/* The deadline key of clock c for p (response: critical or normal). */
enum config_dl rules_clock_dl(const struct protocol *p, enum proto_clock c);

/* Attempts as text, "request_photos=2,confirm_address=1" (how the store keeps them:
 * readable, and names a newer program adds are skipped rather than misread). */
void rules_attempts_format(const uint32_t attempts[PROTO_N_ACTIONS], char *buf, size_t len);
void rules_attempts_parse(const char *s, uint32_t attempts[PROTO_N_ACTIONS]);

/* 0 when origin and reason go together (preventive needs one of the four reasons);
 * else -1 with a 422 problem. */
int rules_check_reason(enum proto_origin origin, const char *reason, struct problem *pb);

#endif
