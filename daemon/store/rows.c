#include "rows.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "counts.h"

enum rows_sql {
	ROWS_GET = CONN_SLOT_ROWS, ROWS_INSERT, ROWS_INSERT_NEW, ROWS_UPDATE, ROWS_UPDATE_NEXT,
	ROWS_NEXT_DUE, ROWS_HEAD, ROWS_END
};

_Static_assert(ROWS_END <= CONN_SLOT_HISTORY, "the rows' slots end where the history's begin");

/* Slot q's SQL, indexed from the rows' first slot. */
#define ROWS_AT(q) [(q) - CONN_SLOT_ROWS]

static const char *const rows_sql[ROWS_END - CONN_SLOT_ROWS] = {
	ROWS_AT(ROWS_GET) = "SELECT " ROWS_COLS " FROM protocols WHERE id = ?1",
	ROWS_AT(ROWS_INSERT) = "INSERT INTO protocols (" ROWS_COLS ") VALUES (NULL, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
	/* The id's unique index answers "is it new?" during the insert itself. */
	ROWS_AT(ROWS_INSERT_NEW) = "INSERT INTO protocols (" ROWS_COLS ") VALUES (NULL, "
	    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
	    "ON CONFLICT (id) DO NOTHING",
	ROWS_AT(ROWS_UPDATE) = "UPDATE protocols SET state = ?10, clock = ?11, "
	    "clock_start = ?12, clock_due = ?13, clock_next = ?14, attempts = ?15, "
	    "version = ?16, updated_at = ?17, clock_rule = ?18 WHERE rid = ?1",
	/* Only what a warning changes: an UPDATE that names a column rewrites its
	 * index entries even when the value stays the same. */
	ROWS_AT(ROWS_UPDATE_NEXT) = "UPDATE protocols SET clock_next = ?2 WHERE rid = ?1",
	ROWS_AT(ROWS_NEXT_DUE) = "SELECT " ROWS_COLS " FROM protocols WHERE clock_next "
	    "IS NOT NULL AND clock_next <= ?1 ORDER BY clock_next, rid LIMIT ?2",
	ROWS_AT(ROWS_HEAD) =
	    "SELECT min(clock_next) FROM protocols WHERE clock_next IS NOT NULL",
};

static sqlite3_stmt *
rows_stmt(struct conn *c, enum rows_sql q)
{
	return conn_prepared(c, q, rows_sql[q - CONN_SLOT_ROWS]);
}

void
rows_read_row(sqlite3_stmt *s, struct protocol *p)
{
	memset(p, 0, sizeof *p);
	p->rid = sqlite3_column_int64(s, 0);
	conn_copy_text(p->id, sizeof p->id, s, 1);
	conn_copy_text(p->seller, sizeof p->seller, s, 2);
	conn_copy_text(p->order, sizeof p->order, s, 3);
	conn_copy_text(p->reason, sizeof p->reason, s, 4);
	p->origin = sqlite3_column_int(s, 5);
	p->critical = sqlite3_column_int(s, 6);
	p->opened_given = sqlite3_column_int(s, 7);
	p->opened_at = sqlite3_column_int64(s, 8);
	p->state = sqlite3_column_int(s, 9);
	p->clock = sqlite3_column_int(s, 10);
	p->clock_start = conn_col_i64(s, 11);
	p->clock_due = conn_col_i64(s, 12);
	p->clock_next = conn_col_i64(s, 13);
	conn_copy_text(p->attempts, sizeof p->attempts, s, 14);
	p->version = sqlite3_column_int64(s, 15);
	p->updated_at = sqlite3_column_int64(s, 16);
	conn_copy_text(p->clock_rule, sizeof p->clock_rule, s, 17);
	conn_copy_text(p->marketplace, sizeof p->marketplace, s, 18);
	p->stored_state = p->state;
	p->stored_clock = p->clock;
}

/* Bind text, or NULL for "". */
static void
rows_bind_opt(sqlite3_stmt *s, int i, const char *t)
{
	if (t[0])
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void
rows_bind_clock(sqlite3_stmt *s, int i, int64_t v, bool running)
{
	if (running)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

/* Binds ?1..?19 in ROWS_COLS order (rid as ?1). */
static void
rows_bind_row(sqlite3_stmt *s, const struct protocol *p)
{
	bool running = p->clock != PROTO_CLOCK_NONE;

	sqlite3_bind_int64(s, 1, p->rid);
	sqlite3_bind_text(s, 2, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p->seller, -1, SQLITE_STATIC);
	rows_bind_opt(s, 4, p->order);
	rows_bind_opt(s, 5, p->reason);
	sqlite3_bind_int(s, 6, p->origin);
	sqlite3_bind_int(s, 7, p->critical);
	sqlite3_bind_int(s, 8, p->opened_given);
	sqlite3_bind_int64(s, 9, p->opened_at);
	sqlite3_bind_int(s, 10, p->state);
	sqlite3_bind_int(s, 11, p->clock);
	rows_bind_clock(s, 12, p->clock_start, running);
	rows_bind_clock(s, 13, p->clock_due, running);
	rows_bind_clock(s, 14, p->clock_next, running);
	rows_bind_opt(s, 15, p->attempts);
	sqlite3_bind_int64(s, 16, p->version);
	sqlite3_bind_int64(s, 17, p->updated_at);
	if (running)
		rows_bind_opt(s, 18, p->clock_rule);
	sqlite3_bind_text(s, 19, p->marketplace, -1, SQLITE_STATIC);
}

/* Step a query that returns at most one protocol row: 1, 0 or -1. */
static int
rows_one(struct conn *c, sqlite3_stmt *s, struct protocol *p, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		rows_read_row(s, p);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : conn_fail(c, what);
}

int
rows_get(struct conn *c, const char *id, struct protocol *p)
{
	sqlite3_stmt *s = rows_stmt(c, ROWS_GET);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return rows_one(c, s, p, "get protocol");
}

/* 1 inserted, 0 the id exists (nothing written; only with ROWS_INSERT_NEW), -1. */
static int
rows_insert_row(struct conn *c, struct protocol *p, int sql)
{
	sqlite3_stmt *s = rows_stmt(c, sql);

	if (s == NULL)
		return -1;
	rows_bind_row(s, p);
	if (conn_exec_stmt(c, s, "insert protocol") != 0)
		return -1;
	if (sqlite3_changes(c->db) == 0)
		return 0;
	p->rid = sqlite3_last_insert_rowid(c->db);
	counts_protocol(c->counts, p, 1);
	p->stored_state = p->state;
	p->stored_clock = p->clock;
	return 1;
}

int
rows_insert(struct conn *c, struct protocol *p)
{
	bool began;

	if (conn_auto_begin(c, &began) != 0)
		return -1;
	return conn_auto_end(c, began, rows_insert_row(c, p, ROWS_INSERT) == 1 ? 0 : -1);
}

int
rows_insert_new(struct conn *c, struct protocol *p)
{
	bool began;
	int rc;

	if (conn_auto_begin(c, &began) != 0)
		return -1;
	rc = rows_insert_row(c, p, ROWS_INSERT_NEW);
	return conn_auto_end(c, began, rc < 0 ? -1 : 0) != 0 ? -1 : rc;
}

static int
rows_update_row(struct conn *c, struct protocol *p)
{
	sqlite3_stmt *s = rows_stmt(c, ROWS_UPDATE);

	if (s == NULL)
		return -1;
	rows_bind_row(s, p);
	if (conn_exec_stmt(c, s, "update protocol") != 0)
		return -1;
	if (sqlite3_changes(c->db) != 1) {
		snprintf(c->error, sizeof c->error, "update protocol: no row %lld",
		    (long long)p->rid);
		c->errcode = SQLITE_NOTFOUND;
		return -1;
	}
	counts_move(c->counts, p);
	return 0;
}

int
rows_update(struct conn *c, struct protocol *p)
{
	bool began;

	if (conn_auto_begin(c, &began) != 0)
		return -1;
	return conn_auto_end(c, began, rows_update_row(c, p));
}

int
rows_update_next(struct conn *c, const struct protocol *p)
{
	sqlite3_stmt *s;

	if (conn_check_txn(c) != 0 || (s = rows_stmt(c, ROWS_UPDATE_NEXT)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, p->rid);
	sqlite3_bind_int64(s, 2, p->clock_next);
	return conn_exec_stmt(c, s, "update protocol");
}

int
rows_due(struct conn *c, int64_t limit, int max, struct protocol *out)
{
	sqlite3_stmt *s = rows_stmt(c, ROWS_NEXT_DUE);
	int rc = SQLITE_DONE, n = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, limit);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		rows_read_row(s, &out[n++]);
	if (n == max)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : conn_fail(c, "due protocols");
}

int
rows_head(struct conn *c, int64_t *at)
{
	sqlite3_stmt *s = rows_stmt(c, ROWS_HEAD);

	return s == NULL ? -1 : conn_one_int(c, s, INT64_MAX, at);
}
