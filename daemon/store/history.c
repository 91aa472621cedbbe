#include "history.h"

#include <stddef.h>

#include "conn.h"
#include "counts.h"

enum history_sql {
	HIST_ADD = CONN_SLOT_HISTORY, HIST_OF, HIST_FEED, HIST_LAST_SEQ, HIST_END
};
_Static_assert(HIST_END <= CONN_MAX_STMTS, "the store's statement cache has room");

#define HISTORY_COLS "h.seq, h.rid, h.at, h.from_state, h.to_state, h.cause, h.name, " \
	"h.due_at, h.late_ms, h.detail, p.id"

static const char *const history_sql[] = {
	[HIST_ADD - CONN_SLOT_HISTORY] = "INSERT INTO history (rid, at, from_state, "
	    "to_state, cause, name, due_at, late_ms, detail) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[HIST_OF - CONN_SLOT_HISTORY] = "SELECT " HISTORY_COLS " FROM history h "
	    "JOIN protocols p ON p.rid = h.rid WHERE h.rid = ?1 AND h.seq > ?2 ORDER BY h.seq "
	    "LIMIT ?3",
	[HIST_FEED - CONN_SLOT_HISTORY] = "SELECT " HISTORY_COLS " FROM history h "
	    "JOIN protocols p ON p.rid = h.rid WHERE h.seq > ?1 ORDER BY h.seq LIMIT ?2",
	[HIST_LAST_SEQ - CONN_SLOT_HISTORY] = "SELECT coalesce(max(seq), 0) FROM history",
};

static sqlite3_stmt *
history_stmt(struct conn *c, enum history_sql q)
{
	return conn_prepared(c, q, history_sql[q - CONN_SLOT_HISTORY]);
}

int
history_last_seq(struct conn *c, int64_t *seq)
{
	sqlite3_stmt *s = history_stmt(c, HIST_LAST_SEQ);

	return s == NULL ? -1 : conn_one_int(c, s, 0, seq);
}

static int
history_insert(struct conn *c, struct proto_event *ev)
{
	sqlite3_stmt *s = history_stmt(c, HIST_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, ev->rid);
	sqlite3_bind_int64(s, 2, ev->at);
	if (ev->from >= 0)
		sqlite3_bind_int(s, 3, ev->from);
	sqlite3_bind_int(s, 4, ev->to);
	sqlite3_bind_int(s, 5, ev->cause);
	sqlite3_bind_text(s, 6, ev->name, -1, SQLITE_STATIC);
	if (ev->due_at != 0) {
		sqlite3_bind_int64(s, 7, ev->due_at);
		sqlite3_bind_int64(s, 8, ev->late_ms);
	}
	if (ev->detail != NULL)
		sqlite3_bind_text(s, 9, ev->detail, -1, SQLITE_STATIC);
	if (conn_exec_stmt(c, s, "add history") != 0)
		return -1;
	ev->seq = sqlite3_last_insert_rowid(c->db);
	counts_add(c->counts, COUNTS_CAUSE + (int)ev->cause, 1);
	return 0;
}

int
history_add(struct conn *c, struct proto_event *ev)
{
	bool began;

	if (conn_auto_begin(c, &began) != 0)
		return -1;
	return conn_auto_end(c, began, history_insert(c, ev));
}

static int
history_rows(struct conn *c, sqlite3_stmt *s, store_event_fn *fn, void *arg)
{
	struct proto_event ev;
	int rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ev.seq = sqlite3_column_int64(s, 0);
		ev.rid = sqlite3_column_int64(s, 1);
		ev.at = sqlite3_column_int64(s, 2);
		ev.from = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(s, 3);
		ev.to = sqlite3_column_int(s, 4);
		ev.cause = sqlite3_column_int(s, 5);
		ev.name = (const char *)sqlite3_column_text(s, 6);
		ev.due_at = conn_col_i64(s, 7);
		ev.late_ms = conn_col_i64(s, 8);
		ev.detail = (const char *)sqlite3_column_text(s, 9);
		fn(&ev, (const char *)sqlite3_column_text(s, 10), arg);
		n++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : conn_fail(c, "read history");
}

int
history_of(struct conn *c, int64_t rid, int64_t after, int limit, store_event_fn *fn,
    void *arg)
{
	sqlite3_stmt *s = history_stmt(c, HIST_OF);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int(s, 3, limit);
	return history_rows(c, s, fn, arg);
}

int
history_feed(struct conn *c, int64_t after, int limit, store_event_fn *fn, void *arg)
{
	sqlite3_stmt *s = history_stmt(c, HIST_FEED);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, limit);
	return history_rows(c, s, fn, arg);
}
