#include "benchtpl.h"

#include <stdio.h>

static void
benchtpl_copy(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static int
benchtpl_row(sqlite3 *db, struct benchtpl *t, char *err, size_t len)
{
	sqlite3_stmt *s;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT rid, ord, reason, origin, critical, state, clock, "
	    "clock_due - clock_start, clock_due - clock_next, attempts, version, clock_rule "
	    "FROM protocols WHERE clock_next IS NOT NULL ORDER BY rid LIMIT 1", -1, &s,
	    NULL) != SQLITE_OK) {
		snprintf(err, len, "read the template: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		t->rid = sqlite3_column_int64(s, 0);
		benchtpl_copy(t->ord, sizeof t->ord, s, 1);
		benchtpl_copy(t->reason, sizeof t->reason, s, 2);
		t->origin = sqlite3_column_int(s, 3);
		t->critical = sqlite3_column_int(s, 4);
		t->state = sqlite3_column_int(s, 5);
		t->clock = sqlite3_column_int(s, 6);
		t->resp_ms = sqlite3_column_int64(s, 7);
		t->warn_ms = sqlite3_column_int64(s, 8);
		benchtpl_copy(t->attempts, sizeof t->attempts, s, 9);
		t->version = sqlite3_column_int64(s, 10);
		benchtpl_copy(t->rule, sizeof t->rule, s, 11);
		rc = 0;
	} else
		snprintf(err, len, "the database has no template protocol with a running "
		    "clock (create one through protocold first)");
	sqlite3_finalize(s);
	return rc;
}

static int
benchtpl_entry(sqlite3 *db, struct benchtpl *t, char *err, size_t len)
{
	sqlite3_stmt *s;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT to_state, cause, name FROM history WHERE rid = ?1 "
	    "ORDER BY seq LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, len, "read the template's entry: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(s, 1, t->rid);
	if (sqlite3_step(s) == SQLITE_ROW) {
		t->hist_to = sqlite3_column_int(s, 0);
		t->hist_cause = sqlite3_column_int(s, 1);
		benchtpl_copy(t->hist_name, sizeof t->hist_name, s, 2);
		rc = 0;
	} else
		snprintf(err, len, "the template protocol has no history entry");
	sqlite3_finalize(s);
	return rc;
}

int
benchtpl_read(sqlite3 *db, struct benchtpl *t, char *err, size_t len)
{
	return benchtpl_row(db, t, err, len) == 0 ? benchtpl_entry(db, t, err, len) : -1;
}

/* "" as NULL, as the daemon stores an absent order, reason, attempts or rule. */
static void
benchtpl_bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (*t != '\0')
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void
benchtpl_bind_row(sqlite3_stmt *s, const struct benchtpl *t, const char *id,
    const char *seller, bool given, int64_t opened, int64_t due)
{
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, seller, -1, SQLITE_STATIC);
	benchtpl_bind_text(s, 3, t->ord);
	benchtpl_bind_text(s, 4, t->reason);
	sqlite3_bind_int(s, 5, t->origin);
	sqlite3_bind_int(s, 6, t->critical);
	sqlite3_bind_int(s, 7, given);
	sqlite3_bind_int64(s, 8, opened);
	sqlite3_bind_int(s, 9, t->state);
	sqlite3_bind_int(s, 10, t->clock);
	sqlite3_bind_int64(s, 11, due);
	sqlite3_bind_int64(s, 12, due - t->warn_ms);
	benchtpl_bind_text(s, 13, t->attempts);
	sqlite3_bind_int64(s, 14, t->version);
	benchtpl_bind_text(s, 15, t->rule);
}

void
benchtpl_bind_entry(sqlite3_stmt *s, const struct benchtpl *t, int64_t rid, int64_t at)
{
	sqlite3_bind_int64(s, 1, rid);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int(s, 3, t->hist_to);
	sqlite3_bind_int(s, 4, t->hist_cause);
	sqlite3_bind_text(s, 5, t->hist_name, -1, SQLITE_STATIC);
}
