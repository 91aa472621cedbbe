#ifndef ENGINE_H
#define ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cal.h"
#include "config.h"
#include "problem.h"
#include "proto.h"
#include "rules.h"

struct clock;
struct metrics;
struct store;
struct turn;

/*
 * The write path (doc/design.md, "A write"). Every change is the same three steps:
 *
 *   load    the protocol, as the turn's transaction has it (store_load, or
 *           store_insert_new for a creation, store_due for the scheduler);
 *   decide  in memory, by the rules: first settle it (apply every point of its clock
 *           that is due by now, so the result never depends on how far the scheduler
 *           has got), then check and apply the change itself;
 *   save    the protocol and its new history entries (store_save), into the turn's
 *           transaction (turn_open), and their log lines (turn_log).
 *
 * A refusal writes nothing. done() is called once the change is decided: for an
 * accepted one it is then in the open transaction, and the caller answers after the
 * turn's commit (turn_after); for a refusal, at once. The store may hand a load back
 * later (a client-server backend): the engine then never loads a protocol while a
 * change of it is being decided, so that each sees the one before it.
 */

struct engine_create {
	const char *id;
	const char *seller;
	const char *order;		/* NULL when absent */
	const char *reason;		/* NULL when absent */
	const char *marketplace;	/* NULL: the default rulebook's */
	enum proto_origin origin;
	bool critical;
	bool has_opened_at;
	int64_t opened_at;
};

struct engine_act {
	const char *id;
	const char *action;
	const struct rules_args *args;
	int64_t if_version;		/* -1: no check */
	const char *detail;		/* JSON text kept in the history entry, or NULL */
};

/* What a change came to. */
struct engine_result {
	int status;		/* 201 created; 200 done (or the same protocol exists); or the
				 * refusal's status (pb), 503 when the store failed */
	struct protocol p;	/* the protocol as it now stands (status < 300) */
	bool envvias;		/* its seller's Envvias flag (status < 300) */
	struct problem pb;	/* status >= 400 */
};

typedef void engine_done_fn(void *arg, const struct engine_result *r);
/* n points applied into the open transaction, or -1 (the store failed: the turn may
 * hold a half-applied point and is spoiled). */
typedef void engine_fired_fn(void *arg, int n);

struct engine;

/* An engine on st, committing through turn, with clock's now; it counts firing
 * lateness and store errors in m. Never NULL. */
struct engine *engine_new(struct store *st, struct turn *turn, const struct clock *clock,
    struct metrics *m);
/* NULL is a no-op. */
void engine_free(struct engine *e);
/* Use this configuration and calendar for clocks started from now on (they must stay
 * valid until the next call). */
void engine_configure(struct engine *e, const struct config *cfg, const struct cal *cal);

/* Create a protocol: 201, 200 (the same fields exist under its id), 409 id_conflict,
 * 422 … */
void engine_create(struct engine *e, const struct engine_create *req, engine_done_fn *done,
    void *arg);
/* Apply a seller's action: 200, 404, 409, 422 … */
void engine_act(struct engine *e, const struct engine_act *req, engine_done_fn *done,
    void *arg);
/* Apply an event: 200, 404, 409 … */
void engine_event(struct engine *e, const char *id, const char *event, int64_t if_version,
    engine_done_fn *done, void *arg);
/* Set a seller's Envvias flag: 200 or 422. */
void engine_seller_put(struct engine *e, const char *id, bool envvias,
    engine_done_fn *done, void *arg);
/* Apply up to max clock points due by now, each the earliest due at that moment (a
 * point a batch makes due is applied in its place), stopping early once the monotonic
 * clock passes until_us; fired(arg, n) tells how many. A protocol whose change is
 * being decided is left to it (its settling applies the same points). */
void engine_fire(struct engine *e, int64_t now, int max, int64_t until_us,
    engine_fired_fn *fired, void *arg);

#endif
