#include "sellers.h"

#include <string.h>

#include "conn.h"

enum sellers_sql {
	SELL_GET = CONN_SLOT_SELLERS, SELL_PUT, SELL_COUNTS, SELL_MEDIATIONS, SELL_END
};

_Static_assert(SELL_END <= CONN_SLOT_LISTING, "the sellers' slots end where the lists' begin");

static const char *const sellers_sql[SELL_END - CONN_SLOT_SELLERS] = {
	[SELL_GET - CONN_SLOT_SELLERS] = "SELECT envvias FROM sellers WHERE id = ?1",
	[SELL_PUT - CONN_SLOT_SELLERS] = "INSERT INTO sellers (id, envvias) VALUES (?1, ?2) "
	    "ON CONFLICT (id) DO UPDATE SET envvias = excluded.envvias",
	[SELL_COUNTS - CONN_SLOT_SELLERS] = "SELECT state, count(*) FROM protocols "
	    "WHERE seller = ?1 GROUP BY state",
	[SELL_MEDIATIONS - CONN_SLOT_SELLERS] = "SELECT count(*) FROM history h JOIN "
	    "protocols p ON p.rid = h.rid WHERE p.seller = ?1 AND h.to_state = ?2 AND "
	    "h.cause = ?3 AND coalesce(h.due_at, h.at) >= ?4",
};

static sqlite3_stmt *
sellers_stmt(struct conn *c, enum sellers_sql q)
{
	return conn_prepared(c, q, sellers_sql[q - CONN_SLOT_SELLERS]);
}

int
sellers_get(struct conn *c, const char *id, bool *envvias)
{
	sqlite3_stmt *s = sellers_stmt(c, SELL_GET);
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
	return rc == SQLITE_DONE ? 0 : conn_fail(c, "get seller");
}

int
sellers_put(struct conn *c, const char *id, bool envvias)
{
	sqlite3_stmt *s = sellers_stmt(c, SELL_PUT);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, envvias);
	return conn_exec_stmt(c, s, "put seller");
}

int
sellers_counts(struct conn *c, const char *id, int64_t since,
    int64_t counts[PROTO_N_STATES], int64_t *mediations)
{
	sqlite3_stmt *s = sellers_stmt(c, SELL_COUNTS);
	int rc, state;

	memset(counts, 0, sizeof(int64_t) * PROTO_N_STATES);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((state = sqlite3_column_int(s, 0)) >= 0 && state < PROTO_N_STATES)
			counts[state] = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE || (s = sellers_stmt(c, SELL_MEDIATIONS)) == NULL)
		return conn_fail(c, "seller counts");
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, PROTO_MEDIATION);
	sqlite3_bind_int(s, 3, PROTO_CAUSE_EXPIRY);
	sqlite3_bind_int64(s, 4, since);
	return conn_one_int(c, s, 0, mediations);
}
