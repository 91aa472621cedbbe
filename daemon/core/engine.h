#ifndef ENGINE_H
#define ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cal.h"
#include "config.h"
#include "problem.h"
#include "proto.h"
#include "rules.h"
#include "sqlite.h"

/*
 * The engine applies creations, actions, events and clock expiries to the store, by
 * the rules. Each call is one logical change framed by a savepoint inside the caller's
 * transaction (commit.h): it is applied whole or not at all. Before any change a
 * protocol is "settled": every point of its clock that is due by now is applied first,
 * so the result never depends on how far the scheduler has got.
 */

struct engine_create {
	const char *id;
	const char *seller;
	const char *order;		/* NULL when absent */
	const char *reason;		/* NULL when absent */
	enum proto_origin origin;
	bool critical;
	bool has_opened_at;
	int64_t opened_at;
};

/* Set the store (writer connection) the engine works on. */
void engine_init(struct store *st);
/* Free what the engine holds. */
void engine_shutdown(void);
/* Use this configuration and calendar for clocks started from now on. */
void engine_configure(const struct config *cfg, const struct cal *cal);

/* Create: 201 (created), 200 (the same protocol exists), or -1 with *pb. *out is the
 * protocol as it now stands. */
int engine_create(const struct engine_create *req, struct protocol *out, struct problem *pb);
/* The same without a savepoint of its own, for a bulk load: a refusal (4xx) writes
 * nothing, but after a database failure (-1 with status 503) the transaction may
 * hold half a protocol and must be rolled back (commit_spoil). */
int engine_create_bulk(const struct engine_create *req, struct protocol *out,
    struct problem *pb);
/* Apply the seller's action (if_version < 0: no check); detail is the JSON text kept
 * in the history entry. 0 or -1 with *pb. */
int engine_act(const char *id, const char *action, const struct rules_args *args,
    int64_t if_version, const char *detail, struct protocol *out, struct problem *pb);
/* Apply an event. 0 or -1 with *pb. */
int engine_event(const char *id, const char *event, int64_t if_version,
    struct protocol *out, struct problem *pb);
/* Set a seller's Envvias flag. 0 or -1 with *pb. */
int engine_seller_put(const char *id, bool envvias, struct problem *pb);
/* Apply up to max due clock points (each the earliest due at that moment, <= now),
 * in the open transaction, stopping early once the monotonic clock passes until_us. Returns how many were applied, or -1 (the error is logged):
 * then the transaction may hold a half-applied point and must be rolled back, not
 * committed (commit_spoil). */
int engine_fire(int64_t now, int max, int64_t until_us);

#endif
