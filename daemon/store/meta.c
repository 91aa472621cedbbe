#include "meta.h"

#include "conn.h"

enum meta_sql { META_CLOCK_LOAD = CONN_SLOT_META, META_CLOCK_SAVE, META_END };

_Static_assert(META_END <= CONN_MAX_STMTS, "the store's statement cache has room");

/* The meta table's v is a BLOB column (no affinity): the clock is kept as an integer. */
static const char *const meta_sql[META_END - CONN_SLOT_META] = {
	[META_CLOCK_LOAD - CONN_SLOT_META] = "SELECT v FROM meta WHERE k = 'test_clock'",
	[META_CLOCK_SAVE - CONN_SLOT_META] = "INSERT INTO meta (k, v) VALUES "
	    "('test_clock', ?1) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
};

static sqlite3_stmt *
meta_stmt(struct conn *c, enum meta_sql q)
{
	return conn_prepared(c, q, meta_sql[q - CONN_SLOT_META]);
}

int
meta_clock_load(struct conn *c, int64_t *ms)
{
	sqlite3_stmt *s = meta_stmt(c, META_CLOCK_LOAD);

	*ms = 0;
	return s == NULL ? -1 : conn_one_int(c, s, 0, ms);
}

int
meta_clock_save(struct conn *c, int64_t ms)
{
	sqlite3_stmt *s = meta_stmt(c, META_CLOCK_SAVE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, ms);
	return conn_exec_stmt(c, s, "save the test clock");
}
