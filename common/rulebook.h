#ifndef RULEBOOK_H
#define RULEBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "duration.h"

/*
 * A marketplace's rulebook (doc/rules.md, protocold.rules(5)): its actions, events,
 * reasons and deadlines, as read from an INI file by rbread.h. What holds
 * across files (unique names, the default one, the main configuration's overrides) is
 * checked by the configuration's loader (config.c), which reads the rulebooks with it.
 *
 * The states are the caller's: it hands their names (the six of SPEC §3, in the order
 * of its enum) and gets their indexes back, so this module knows none of them.
 */

#define RULEBOOK_NAME_MAX 32		/* a marketplace: [a-z0-9-]{1,32} */
#define RULEBOOK_ID_MAX 48		/* an action, event, reason, clock: [a-z][a-z0-9_]{0,47} */
#define RULEBOOK_MAX_ACTIONS 64
#define RULEBOOK_MAX_PARAMS 8
#define RULEBOOK_MAX_EVENTS 64
#define RULEBOOK_MAX_REASONS 256
#define RULEBOOK_MAX_BYTES (1024 * 1024)

/* A clock's kind number, as the store keeps it: the two every rulebook has are 1 and
 * 7, the waits of the shipped casas-bahia keep the numbers protocold gave them before
 * rulebooks existed (2..6, so databases written then read the same), any other name
 * is hashed into [RULEBOOK_KIND_HASHED, RULEBOOK_KIND_MAX]. */
#define RULEBOOK_KIND_RESPONSE 1
#define RULEBOOK_KIND_REPLY 7
#define RULEBOOK_KIND_HASHED 8
#define RULEBOOK_KIND_MAX 32767

/* A marketplace's number for its counters, hashed from its name (< this). */
#define RULEBOOK_MARKET_IDS 100000

enum rulebook_ptype {
	RULEBOOK_TEXT,		/* 1-256 characters, not only blanks */
	RULEBOOK_LONGTEXT,	/* 1-4000 bytes, not only blanks */
	RULEBOOK_CODE,		/* 1-64 of [A-Za-z0-9._:/-] */
	RULEBOOK_DATE,		/* YYYY-MM-DD */
	RULEBOOK_DATE_FUTURE,	/* YYYY-MM-DD, today (local) or later */
	RULEBOOK_URL		/* http:// or https://, up to 2048 bytes */
};

struct rulebook_param {
	char *name;
	enum rulebook_ptype type;
};

/* A value and the line it was written on (0: not written, the default). */
struct rulebook_dl {
	struct duration d;
	int line;
};

struct rulebook_action {
	char *name;
	char *label;
	int line;			/* its section header */
	int to;				/* a state index */
	bool has_wait;
	struct rulebook_dl wait;	/* to = awaiting: the duration (after the date) */
	int wait_param;			/* "PARAM + DURATION": the param's index, else -1 */
	int on_timeout;			/* a state index */
	bool attempts;			/* a timeout to pending counts an attempt */
	bool envvias;			/* allowed for sellers that use Envvias */
	char *clock;			/* the wait's clock kind (default: the name) */
	int clock_line;			/* of "clock =", else of the section header */
	char *config_key;		/* the main file's key that overrides the wait */
	int kind;			/* the clock's kind number */
	struct rulebook_param params[RULEBOOK_MAX_PARAMS];
	size_t n_params;
};

/* "FROM = TO" or "FROM.ACTION = TO" of an [event.NAME]. */
struct rulebook_move {
	int from;			/* a state index */
	int only_action;		/* waiting on that action only (index), else -1 */
	int to;
	int line;
};

struct rulebook_event {
	char *name;
	int line;
	struct rulebook_move *moves;
	size_t n_moves;
};

struct rulebook_reason {
	char *name;
	char *label;
	int line;
	bool preventive;
	bool has_actions;		/* else every action */
	uint64_t actions;		/* bit i: action i */
	struct rulebook_dl response, response_critical;	/* line 0: not set */
};

struct rulebook {
	char *path;			/* as the caller named it (for errors and explain) */
	uint64_t digest;		/* of its text (instances compare them) */
	char *name;
	char *title;
	int line;			/* of "name =" */
	int market;			/* its counters' number (RULEBOOK_MARKET_IDS) */
	struct rulebook_dl response, response_critical, warn_before, reply_window;
	bool has_reply_window;
	bool has_calendar;		/* else the main configuration's */
	enum cal_kind calendar;
	int64_t *extra_holidays;	/* civil days, sorted */
	size_t n_extra_holidays;
	struct cal *cal;		/* its own calendar, or NULL */
	struct rulebook_action *actions;
	size_t n_actions;
	struct rulebook_event *events;
	size_t n_events;
	struct rulebook_reason *reasons;
	size_t n_reasons;
};

/* The six states of SPEC §3, as rulebooks name them (the core's enum proto_state
 * has the same order: proto.c checks it). */
struct rulebook_states {
	const char *const *names;
	size_t n;
	int awaiting, closed, pending, resolved, mediation;	/* their indexes */
};
extern const struct rulebook_states rulebook_states;

/* NULL is a no-op. */
void rulebook_free(struct rulebook *b);

/* The action, event or reason called name, or NULL. */
const struct rulebook_action *rulebook_action(const struct rulebook *b, const char *name);
int rulebook_action_index(const struct rulebook *b, const char *name);
const struct rulebook_event *rulebook_event(const struct rulebook *b, const char *name);
const struct rulebook_reason *rulebook_reason(const struct rulebook *b, const char *name);
/* The action whose wait runs clock kind (a number), or NULL. */
const struct rulebook_action *rulebook_kind_action(const struct rulebook *b, int kind);

/* True for a marketplace's name: [a-z0-9-]{1,32}. */
bool rulebook_name_ok(const char *s);
/* A clock kind's number (see RULEBOOK_KIND_*). */
int rulebook_kind_number(const char *clock);
/* A marketplace's counters' number. */
int rulebook_market_number(const char *name);
/* A parameter type's name ("date_future"). */
const char *rulebook_ptype_name(enum rulebook_ptype t);
/* The built-in rulebook's text (conf/rules/casas-bahia.ini, compiled in by the
 * Makefile as build/gen/builtin.c) and the name errors and explain give its file. */
extern const char rulebook_builtin_text[];
#define RULEBOOK_BUILTIN_PATH "casas-bahia.ini (built in)"

/* The closest of n names to s (an edit distance of at most 2 and at most half of s's
 * length, or a prefix of 4 or more), or NULL: for "did you mean" in errors. */
const char *rulebook_suggest(const char *s, const char *const *names, size_t n);

#endif
