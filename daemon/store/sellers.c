#include "sellers.h"

#include <string.h>

#include "sqlite_int.h"

enum sellers_sql {
	SELL_GET = STORE_SLOT_SELLERS, SELL_PUT, SELL_COUNTS, SELL_MEDIATIONS, SELL_END
};

_Static_assert(SELL_END <= STORE_SLOT_LISTING, "the sellers' slots end where the lists' begin");

static const char *const sellers_sql[SELL_END - STORE_SLOT_SELLERS] = {
	[SELL_GET - STORE_SLOT_SELLERS] = "SELECT envvias FROM sellers WHERE id = ?1",
	[SELL_PUT - STORE_SLOT_SELLERS] = "INSERT INTO sellers (id, envvias) VALUES (?1, ?2) "
	    "ON CONFLICT (id) DO UPDATE SET envvias = excluded.envvias",
	[SELL_COUNTS - STORE_SLOT_SELLERS] = "SELECT state, count(*) FROM protocols "
	    "WHERE seller = ?1 GROUP BY state",
	[SELL_MEDIATIONS - STORE_SLOT_SELLERS] = "SELECT count(*) FROM history h JOIN "
	    "protocols p ON p.rid = h.rid WHERE p.seller = ?1 AND h.to_state = ?2 AND "
	    "h.cause = ?3 AND coalesce(h.due_at, h.at) >= ?4",
};

static sqlite3_stmt *
sellers_stmt(struct store *st, enum sellers_sql q)
{
	return store_prepared(st, q, sellers_sql[q - STORE_SLOT_SELLERS]);
}

int
sellers_get(struct store *st, const char *id, bool *envvias)
{
	sqlite3_stmt *s = sellers_stmt(st, SELL_GET);
	int rc;

	*envvias = false;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*envvias = sqlite3_column_int(s, 0) != 0;
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(st, "get seller");
}

int
sellers_put(struct store *st, const char *id, bool envvias)
{
	sqlite3_stmt *s = sellers_stmt(st, SELL_PUT);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, envvias);
	return store_exec_stmt(st, s, "put seller");
}

int
sellers_counts(struct store *st, const char *id, int64_t since,
    int64_t counts[PROTO_N_STATES], int64_t *mediations)
{
	sqlite3_stmt *s = sellers_stmt(st, SELL_COUNTS);
	int rc, state;

	memset(counts, 0, sizeof(int64_t) * PROTO_N_STATES);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((state = sqlite3_column_int(s, 0)) >= 0 && state < PROTO_N_STATES)
			counts[state] = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE || (s = sellers_stmt(st, SELL_MEDIATIONS)) == NULL)
		return store_fail(st, "seller counts");
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, PROTO_MEDIATION);
	sqlite3_bind_int(s, 3, PROTO_CAUSE_EXPIRY);
	sqlite3_bind_int64(s, 4, since);
	return store_one_int(st, s, 0, mediations);
}
