#include "listing.h"

#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "counts.h"
#include "rows.h"
#include "sellers.h"

enum listing_sql {
	LIST_FIRST = CONN_SLOT_LISTING,	/* + filter mask (0..15) */
	LIST_FORECAST = CONN_SLOT_LISTING + 16,
	LIST_FORECAST_SELLER,
	LIST_KEY,
	LIST_COUNTERS,
	LIST_NEXT,
	LIST_END
};
_Static_assert(LIST_END <= CONN_MAX_STMTS, "the store's statement cache has room");

#define LIST_STATE 1
#define LIST_SELLER 2
#define LIST_DUE 4
#define LIST_MARKET 8

/* Where each clock leads, as its rule text keeps it (deadline.h; -1: a text from
 * before rulebooks, whose rulebook says): a running clock keeps its rule. */
#define LISTING_TO "CASE WHEN instr(clock_rule, ';to=pending;') THEN 0 " \
	"WHEN instr(clock_rule, ';to=mediation;') THEN 4 " \
	"WHEN instr(clock_rule, ';to=resolved;') THEN 5 ELSE -1 END"

static const char *const listing_forecast_sql[] = {
	"SELECT marketplace, clock, " LISTING_TO ", count(*) FROM protocols WHERE "
	"clock_next IS NOT NULL AND clock_next <= ?1 AND clock_due <= ?1 GROUP BY 1, 2, 3",
	"SELECT marketplace, clock, " LISTING_TO ", count(*) FROM protocols WHERE seller = "
	"?2 AND clock_next IS NOT NULL AND clock_next <= ?1 AND clock_due <= ?1 GROUP BY "
	"1, 2, 3",
};
_Static_assert(PROTO_PENDING == 0 && PROTO_MEDIATION == 4 && PROTO_RESOLVED == 5,
    "LISTING_TO numbers the states as proto.h");

/* The statement for a combination of filters (prepared on first use). */
static sqlite3_stmt *
listing_stmt(struct conn *c, int mask)
{
	char sql[512];

	/* clock_next <= clock_due always: the bound on it lets the timer index help. */
	snprintf(sql, sizeof sql, "SELECT " ROWS_COLS " FROM protocols WHERE rid > ?1%s%s%s%s "
	    "ORDER BY rid LIMIT ?5", mask & LIST_STATE ? " AND state = ?2" : "",
	    mask & LIST_SELLER ? " AND seller = ?3" : "",
	    mask & LIST_MARKET ? " AND marketplace = ?6" : "",
	    mask & LIST_DUE ? " AND clock_next IS NOT NULL AND clock_next < ?4 AND "
	    "clock_due < ?4" : "");
	return conn_prepared(c, LIST_FIRST + mask, sql);
}

int
listing_protocols(struct conn *c, const struct store_filter *f, int64_t after,
    int limit, store_protocol_fn *fn, void *arg)
{
	int mask = (f->state >= 0 ? LIST_STATE : 0) | (f->seller ? LIST_SELLER : 0) |
	    (f->has_due ? LIST_DUE : 0) | (f->marketplace ? LIST_MARKET : 0);
	sqlite3_stmt *s = listing_stmt(c, mask);
	struct protocol p;
	int rc, n = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, after);
	if (mask & LIST_STATE)
		sqlite3_bind_int(s, 2, f->state);
	if (mask & LIST_SELLER)
		sqlite3_bind_text(s, 3, f->seller, -1, SQLITE_STATIC);
	if (mask & LIST_DUE)
		sqlite3_bind_int64(s, 4, f->due_before);
	sqlite3_bind_int(s, 5, limit);
	if (mask & LIST_MARKET)
		sqlite3_bind_text(s, 6, f->marketplace, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		bool envvias = false;

		rows_read_row(s, &p);
		/* A failed read leaves the flag false, as it always has here. */
		sellers_get(c, p.seller, &envvias);
		fn(&p, envvias, arg);
		n++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : conn_fail(c, "list protocols");
}

int
listing_forecast(struct conn *c, int64_t until, const char *seller,
    struct store_forecast *out)
{
	enum listing_sql q = seller ? LIST_FORECAST_SELLER : LIST_FORECAST;
	sqlite3_stmt *s = conn_prepared(c, q, listing_forecast_sql[q - LIST_FORECAST]);
	int rc;

	out->n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, until);
	if (seller != NULL)
		sqlite3_bind_text(s, 2, seller, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n == STORE_FORECAST_MAX)
			continue;	/* past the bound: counted no more (as PostgreSQL's) */
		conn_copy_text(out->row[out->n].market, sizeof out->row[0].market, s, 0);
		out->row[out->n].kind = sqlite3_column_int(s, 1);
		out->row[out->n].to = sqlite3_column_int(s, 2);
		out->row[out->n++].n = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : conn_fail(c, "forecast");
}

int
listing_cursor_key(struct conn *c, uint8_t key[STORE_KEY_LEN])
{
	sqlite3_stmt *s = conn_prepared(c, LIST_KEY,
	    "SELECT v FROM meta WHERE k = 'cursor_key'");
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == STORE_KEY_LEN)
		memcpy(key, sqlite3_column_blob(s, 0), STORE_KEY_LEN);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return conn_failx(c, SQLITE_NOTFOUND, "cursor key: none in the meta table");
	if (rc != SQLITE_ROW)
		return conn_fail(c, "cursor key");
	return 0;
}

int
listing_stats(struct conn *c, struct store_stats *out)
{
	sqlite3_stmt *s = conn_prepared(c, LIST_COUNTERS, "SELECT k, n FROM counters");
	int rc;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		counts_to_stats(out, sqlite3_column_int(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	if (rc != SQLITE_DONE || (s = conn_prepared(c, LIST_NEXT, "SELECT id, clock, clock_next FROM "
	    "protocols WHERE clock_next IS NOT NULL ORDER BY clock_next LIMIT 1")) == NULL)
		return conn_fail(c, "stats");
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->has_next = true;
		conn_copy_text(out->next_id, sizeof out->next_id, s, 0);
		out->next_clock = sqlite3_column_int(s, 1);
		out->next_at = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : conn_fail(c, "stats");
}
