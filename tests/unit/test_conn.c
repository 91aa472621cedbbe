#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>	/* only to build foreign, tampered and old files for the store */

#include "conn.h"
#include "history.h"
#include "proto.h"
#include "rows.h"
#include "schema.h"
#include "sellers.h"
#include "storefx.h"
#include "wal.h"

/*
 * One SQLite connection (conn.h) on a temporary directory per test: schema and
 * migrations, refusal of files that are not ours, one writer per database, read-only
 * handles, transactions, the WAL's name (the protocols' rows and the timer index:
 * test_rows.c; history and feed: test_history.c; the counters: test_listing.c;
 * sellers: test_sellers.c; the whole store behind core/store.h: test_sqlite.c; the
 * fixtures they share: storefx.c).
 */

/* The number of migrations in schema.c; add one here when a migration is added. */
#define SCHEMA_VERSION 4

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* The whole file (owned by fx, freed in teardown even when an assertion fails);
 * *len its size. */
static unsigned char *
slurp(struct storefx *fx, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	assert_true(fx->nbufs < NELEM(fx->bufs));
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	fx->bufs[fx->nbufs++] = buf;
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
sql(const char *path, const char *text)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sqlite3 %s: %s", text, err);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static const char *
refused(struct storefx *fx, bool read_only);

/* ------------------------------------------------------ open and schema */

static void
conn_open__nonexistent_file__creates_it_at_the_current_schema(void **state)
{
	struct storefx *fx = *state;
	struct store_stats s;

	assert_false(exists(fx->path));
	storefx_open_rw(fx);
	assert_true(exists(fx->path));
	assert_int_equal(conn_schema_version(fx->c), SCHEMA_VERSION);
	/* Every table answers, empty. */
	s = storefx_stats(fx->c);
	for (int i = 0; i < PROTO_N_STATES; i++)
		assert_int_equal(s.by_state[i], 0);
	assert_false(s.has_next);
	assert_true(storefx_absent(fx->c, "P-1"));
	}

static void
conn_open__new_database__is_marked_as_protocold_s(void **state)
{
	struct storefx *fx = *state;
	sqlite3 *db;
	sqlite3_stmt *s;

	storefx_open_rw(fx);
	conn_close(fx->c);
	fx->c = NULL;
	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0x50525444);	/* 'PRTD' */
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), SCHEMA_VERSION);
	sqlite3_finalize(s);
	/* WAL, so the API's reader never waits for the writer's commit. */
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* A version-2 database, as the daemon of that schema left it: counters kept by
 * triggers, one protocol pending with its create entry. */
static void
make_v2_database(const char *path)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (int v = 0; v < 2; v++)
		if (sqlite3_exec(db, schema_migration(v), NULL, NULL, &err) != SQLITE_OK)
			fail_msg("migration %d: %s", v + 1, err);
	if (sqlite3_exec(db, "PRAGMA application_id = 1347572804; PRAGMA user_version = 2;"
	    "INSERT INTO protocols (id, seller, origin, critical, opened_given, opened_at, "
	    "state, clock, clock_start, clock_due, clock_next, version, updated_at) "
	    "VALUES ('OLD', 'S', 0, 0, 0, 1, 0, 1, 1, 900, 900, 1, 1);"
	    "INSERT INTO history (rid, at, to_state, cause, name) VALUES (1, 1, 0, 0, "
	    "'create');", NULL, NULL, &err) != SQLITE_OK)
		fail_msg("v2 rows: %s", err);
	sqlite3_close(db);
}

static void
conn_open__version_2_database__keeps_its_counters_and_counts_each_change_once(
    void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("NEW", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol old;
	struct store_stats s;

	make_v2_database(fx->path);
	storefx_open_rw(fx);
	assert_int_equal(conn_schema_version(fx->c), SCHEMA_VERSION);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 1);
	/* Migration 4: the old protocol is casas-bahia's, and counted for it. */
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_string_equal(storefx_get(fx->c, "OLD").marketplace, "casas-bahia");
	/* The triggers are gone: a change is counted by the store alone, once. */
	storefx_insert(fx->c, &p);
	storefx_event(fx->c, p.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 2, 0, NULL);
	old = storefx_get(fx->c, "OLD");
	old.state = PROTO_MEDIATION;
	old.clock = PROTO_CLOCK_NONE;
	old.clock_start = old.clock_due = old.clock_next = 0;
	storefx_update(fx->c, &old);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_MEDIATION], 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_counter(fx->c, 100), 1);	/* no clock */
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 2);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 1);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_MEDIATION), 1);
}

/* A version-3 database, as the daemon of that schema left it (before rulebooks):
 * counters kept by the store (an UPDATE of keys 0..299 at each commit), no
 * marketplace. Protocols OLD-1 pending on a response clock with attempts, OLD-2
 * awaiting on photos_wait, OLD-3 in mediation without a clock; their create
 * entries. */
static void
make_v3_database(const char *path)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (int v = 0; v < 3; v++)
		if (sqlite3_exec(db, schema_migration(v), NULL, NULL, &err) != SQLITE_OK)
			fail_msg("migration %d: %s", v + 1, err);
	if (sqlite3_exec(db, "PRAGMA application_id = 1347572804; PRAGMA user_version = 3;"
	    "BEGIN;"
	    "INSERT INTO protocols (rid, id, seller, ord, reason, origin, critical, "
	    "opened_given, opened_at, state, clock, clock_start, clock_due, clock_next, "
	    "attempts, version, updated_at, clock_rule) VALUES "
	    "(NULL, 'OLD-1', 'S', 'O-1', NULL, 0, 1, 0, 1, 0, 1, 1, 900, 800, "
	    "'request_photos=2,confirm_address=1', 3, 5, 'rule=response value=24h'),"
	    "(NULL, 'OLD-2', 'S', NULL, NULL, 0, 0, 0, 2, 1, 2, 2, 700, 700, NULL, 2, 2, "
	    "'rule=photos_wait value=48h'),"
	    "(NULL, 'OLD-3', 'T', NULL, 'customer_return', 1, 0, 1, 3, 4, 0, NULL, NULL, "
	    "NULL, NULL, 4, 9, NULL);"
	    "INSERT INTO history (rid, at, to_state, cause, name) VALUES (1, 1, 0, 0, "
	    "'create'), (2, 2, 0, 0, 'create'), (3, 3, 0, 0, 'create');"
	    "UPDATE counters SET n = n + 1 WHERE k IN (0, 1, 4, 101, 102, 100);"
	    "UPDATE counters SET n = n + 3 WHERE k = 200;"
	    "COMMIT;", NULL, NULL, &err) != SQLITE_OK)
		fail_msg("v3 rows: %s", err);
	sqlite3_close(db);
}

static void
conn_open__version_3_database__is_casas_bahia_s_and_counted_for_it(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("NEW", "S", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol old;
	struct store_stats s;

	make_v3_database(fx->path);
	storefx_open_rw(fx);
	assert_int_equal(conn_schema_version(fx->c), SCHEMA_VERSION);
	old = storefx_get(fx->c, "OLD-1");
	assert_string_equal(old.marketplace, "casas-bahia");
	assert_string_equal(old.order, "O-1");
	assert_true(old.critical);
	assert_int_equal(old.state, PROTO_PENDING);
	assert_int_equal(old.clock, FX_CLOCK_RESPONSE);
	assert_int_equal(old.clock_due, 900);
	assert_int_equal(old.clock_next, 800);
	assert_string_equal(old.attempts, "request_photos=2,confirm_address=1");
	assert_string_equal(old.clock_rule, "rule=response value=24h");
	assert_int_equal(old.version, 3);
	old = storefx_get(fx->c, "OLD-2");
	assert_string_equal(old.marketplace, "casas-bahia");
	assert_int_equal(old.clock, FX_CLOCK_PHOTOS);
	assert_string_equal(old.attempts, "");
	old = storefx_get(fx->c, "OLD-3");
	assert_string_equal(old.marketplace, "casas-bahia");
	assert_string_equal(old.reason, "customer_return");
	assert_int_equal(old.clock, PROTO_CLOCK_NONE);

	/* The marketplace's counts are the states'. */
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 1);
	assert_int_equal(s.by_state[PROTO_AWAITING], 1);
	assert_int_equal(s.by_state[PROTO_MEDIATION], 1);
	for (int st = 0; st < PROTO_N_STATES; st++)
		assert_int_equal(storefx_markets(&s, FX_MARKET, st), s.by_state[st]);
	assert_int_equal(s.n_markets, PROTO_N_STATES);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 1);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 1);
	assert_int_equal(storefx_counter(fx->c, 100), 1);
	assert_int_equal(s.by_cause[PROTO_CAUSE_CREATE], 3);
	assert_true(s.has_next);
	assert_string_equal(s.next_id, "OLD-2");

	/* Counted from now on by upsert, both counters of a move. */
	storefx_insert(fx->c, &p);
	old = storefx_get(fx->c, "OLD-2");
	old.state = PROTO_PENDING;
	old.clock = FX_CLOCK_RESPONSE;
	old.version++;
	storefx_update(fx->c, &old);
	s = storefx_stats(fx->c);
	assert_int_equal(s.by_state[PROTO_PENDING], 3);
	assert_int_equal(s.by_state[PROTO_AWAITING], 0);
	for (int st = 0; st < PROTO_N_STATES; st++)
		assert_int_equal(storefx_markets(&s, FX_MARKET, st), s.by_state[st]);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_RESPONSE), 3);
	assert_int_equal(storefx_clocks(&s, FX_CLOCK_PHOTOS), 0);
	assert_int_equal(storefx_counter(fx->c, FX_MARKET_KEY + PROTO_PENDING), 3);
	assert_int_equal(storefx_counter(fx->c, FX_MARKET_KEY + PROTO_N_STATES), -1);

	/* And again after a reopen: the migration ran once. */
	conn_close(fx->c);
	fx->c = NULL;
	storefx_open_rw(fx);
	s = storefx_stats(fx->c);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_PENDING), 3);
	assert_int_equal(storefx_markets(&s, FX_MARKET, PROTO_MEDIATION), 1);
}

static void
conn_open__empty_file__is_taken_as_a_new_database(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);

	/* As tmpfiles.d or a careful operator might leave it: zero bytes. */
	spit(fx->path, "", 0);
	storefx_open_rw(fx);
	assert_int_equal(conn_schema_version(fx->c), SCHEMA_VERSION);
	storefx_insert(fx->c, &p);
	assert_false(storefx_absent(fx->c, "P-1"));
}

static void
conn_open__existing_database__keeps_its_data_and_schema(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol q;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	storefx_event(fx->c, p.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 1, 0, NULL);
	assert_int_equal(sellers_put(fx->c, "S-1", true), 0);
	conn_close(fx->c);
	fx->c = NULL;

	storefx_open_rw(fx);
	assert_int_equal(conn_schema_version(fx->c), SCHEMA_VERSION);
	q = storefx_get(fx->c, "P-1");
	storefx_same(&q, &p);
	assert_int_equal(storefx_history_count(fx->c, p.rid), 1);
	assert_int_equal(storefx_stats(fx->c).by_state[PROTO_PENDING], 1);
	{
		bool envvias = false;

		assert_int_equal(sellers_get(fx->c, "S-1", &envvias), 1);
		assert_true(envvias);
	}
}

static void
conn_open__read_only_on_a_missing_file__fails_and_creates_nothing(void **state)
{
	struct storefx *fx = *state;

	assert_non_null(strstr(refused(fx, true), fx->path));
	assert_false(exists(fx->path));
}

/* Opens fx->path expecting a refusal; returns the cause (owned by fx). */
static const char *
refused(struct storefx *fx, bool read_only)
{
	char *cause = NULL;
	struct conn *c = conn_open(fx->path, read_only, true, &cause);

	if (c != NULL) {
		conn_close(c);
		fail_msg("conn_open%s %s: accepted, expected a refusal",
		    read_only ? " read-only" : "", fx->path);
	}
	assert_non_null(cause);
	assert_true(fx->nbufs < NELEM(fx->bufs));
	fx->bufs[fx->nbufs++] = cause;
	print_message("# refused: %s\n", cause);
	return cause;
}

/* path's bytes and the directory's entries are what they were before. */
static void
assert_untouched(struct storefx *fx, const unsigned char *before, size_t len)
{
	size_t n;
	unsigned char *after = slurp(fx, fx->path, &n);
	char side[400];

	assert_int_equal(n, len);
	if (memcmp(after, before, len) != 0)
		fail_msg("%s changed", fx->path);
	snprintf(side, sizeof side, "%s-wal", fx->path);
	assert_false(exists(side));
	snprintf(side, sizeof side, "%s-journal", fx->path);
	assert_false(exists(side));
}

static void
conn_open__foreign_sqlite_file__is_refused_and_left_byte_for_byte(void **state)
{
	struct storefx *fx = *state;
	unsigned char *before;
	size_t len;
	const char *cause;

	sql(fx->path, "CREATE TABLE invoices (n INTEGER PRIMARY KEY, total TEXT);"
	    "INSERT INTO invoices VALUES (1, '10.00'), (2, '20.00');");
	before = slurp(fx, fx->path, &len);

	cause = refused(fx, false);
	assert_non_null(strstr(cause, fx->path));
	assert_non_null(strstr(cause, "not protocold"));
	assert_untouched(fx, before, len);

	refused(fx, true);
	assert_untouched(fx, before, len);
}

/*
 * A foreign database in WAL mode whose -wal file still holds frames (its program
 * crashed): refusing it must not checkpoint that WAL into the main file on close.
 */
static void
conn_open__foreign_sqlite_file_with_a_pending_wal__is_refused_and_both_files_left_alone(
    void **state)
{
	struct storefx *fx = *state;
	sqlite3 *db;
	char wal[400];
	unsigned char *before, *wal_before, *after;
	size_t len, wal_len, n;

	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "CREATE TABLE invoices (n INTEGER PRIMARY KEY, total TEXT);"
	    "INSERT INTO invoices VALUES (1, '10.00');", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_true(exists(wal));
	before = slurp(fx, fx->path, &len);
	wal_before = slurp(fx, wal, &wal_len);
	assert_true(wal_len > 0);

	refused(fx, false);
	assert_true(exists(wal));
	after = slurp(fx, wal, &n);
	assert_int_equal(n, wal_len);
	assert_memory_equal(after, wal_before, wal_len);
	after = slurp(fx, fx->path, &n);
	assert_int_equal(n, len);
	assert_memory_equal(after, before, len);
}

static void
conn_open__other_application_id__is_refused_and_left_byte_for_byte(void **state)
{
	struct storefx *fx = *state;
	unsigned char *before;
	size_t len;
	const char *cause;

	/* No tables at all, but the file says it belongs to someone else. */
	sql(fx->path, "PRAGMA application_id = 42; PRAGMA user_version = 0;");
	before = slurp(fx, fx->path, &len);
	cause = refused(fx, false);
	assert_non_null(strstr(cause, "another application"));
	assert_untouched(fx, before, len);
}

static void
conn_open__newer_schema_version__is_refused_and_left_byte_for_byte(void **state)
{
	struct storefx *fx = *state;
	unsigned char *before;
	size_t len;
	const char *cause;
	char text[64];
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);

	storefx_open_rw(fx);
	storefx_insert(fx->c, &p);
	conn_close(fx->c);
	fx->c = NULL;
	snprintf(text, sizeof text, "PRAGMA user_version = %d", SCHEMA_VERSION + 1);
	sql(fx->path, text);
	before = slurp(fx, fx->path, &len);

	cause = refused(fx, false);
	assert_non_null(strstr(cause, "newer"));
	assert_untouched(fx, before, len);
	refused(fx, true);
	assert_untouched(fx, before, len);
}

static void
conn_open__random_bytes__are_refused_and_not_overwritten(void **state)
{
	struct storefx *fx = *state;
	unsigned char buf[8192], *before;
	size_t len;
	unsigned seed = (unsigned)time(NULL);
	const char *env = getenv("TEST_SEED");
	const char *cause;

	if (env != NULL)
		seed = (unsigned)strtoul(env, NULL, 10);
	print_message("# random bytes seed %u (TEST_SEED=%u to repeat)\n", seed, seed);
	srand(seed);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(rand() >> 7);
	spit(fx->path, buf, sizeof buf);
	before = slurp(fx, fx->path, &len);
	cause = refused(fx, false);
	assert_non_null(strstr(cause, fx->path));
	assert_untouched(fx, before, len);
}

static void
conn_open__short_text_file__is_refused_and_not_overwritten(void **state)
{
	struct storefx *fx = *state;
	static const char text[] = "database = /var/lib/protocold/protocold.db\n";
	unsigned char *before;
	size_t len;

	spit(fx->path, text, sizeof text - 1);
	before = slurp(fx, fx->path, &len);
	refused(fx, false);
	assert_untouched(fx, before, len);
}

/* ------------------------------------------------------- transactions */

static void
conn_read_only__sees_committed_data_only(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct conn *ro;

	storefx_open_rw(fx);
	ro = storefx_open_ro(fx);
	assert_int_equal(conn_schema_version(ro), SCHEMA_VERSION);

	assert_int_equal(conn_begin(fx->c), 0);
	assert_true(conn_in_txn(fx->c));
	storefx_insert(fx->c, &p);
	storefx_event(fx->c, p.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 1, 0, NULL);
	/* The writer sees its own change; the reader does not, yet. */
	assert_false(storefx_absent(fx->c, "P-1"));
	assert_true(storefx_absent(ro, "P-1"));
	assert_int_equal(storefx_stats(ro).by_state[PROTO_PENDING], 0);
	{
		int64_t seq = -1;

		assert_int_equal(history_last_seq(ro, &seq), 0);
		assert_int_equal(seq, 0);
	}

	assert_int_equal(conn_commit(fx->c), 0);
	assert_false(conn_in_txn(fx->c));
	assert_false(storefx_absent(ro, "P-1"));
	assert_int_equal(storefx_stats(ro).by_state[PROTO_PENDING], 1);
	conn_close(ro);
}

static void
conn_read_only__refuses_to_write(void **state)
{
	struct storefx *fx = *state;
	struct protocol p = storefx_mkp("P-1", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct conn *ro;

	storefx_open_rw(fx);
	ro = storefx_open_ro(fx);
	assert_int_equal(rows_insert(ro, &p), -1);
	assert_true(strlen(conn_error(ro)) > 0);
	assert_int_equal(sellers_put(ro, "S-1", true), -1);
	assert_true(storefx_absent(fx->c, "P-1"));
	conn_close(ro);
}

static void
conn_rollback__leaves_no_row_no_history_and_no_counter_change(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);
	struct protocol b = storefx_mkp("B", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 6000);
	struct store_stats before, after;
	int64_t seq_before, seq_after;

	storefx_open_rw(fx);
	storefx_insert(fx->c, &a);
	storefx_event(fx->c, a.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 1, 0, NULL);
	before = storefx_stats(fx->c);
	assert_int_equal(history_last_seq(fx->c, &seq_before), 0);

	assert_int_equal(conn_begin(fx->c), 0);
	storefx_insert(fx->c, &b);
	storefx_event(fx->c, b.rid, -1, PROTO_PENDING, PROTO_CAUSE_CREATE, "create", 2, 0, NULL);
	a.state = PROTO_AWAITING;
	a.clock = FX_CLOCK_PHOTOS;
	a.version = 2;
	storefx_update(fx->c, &a);
	storefx_event(fx->c, a.rid, PROTO_PENDING, PROTO_AWAITING, PROTO_CAUSE_ACTION,
	    "request_photos", 3, 0, NULL);
	assert_int_equal(sellers_put(fx->c, "S-9", true), 0);
	conn_rollback(fx->c);
	assert_false(conn_in_txn(fx->c));

	assert_true(storefx_absent(fx->c, "B"));
	a = storefx_get(fx->c, "A");
	assert_int_equal(a.state, PROTO_PENDING);
	assert_int_equal(a.clock, FX_CLOCK_RESPONSE);
	assert_int_equal(a.version, 1);
	assert_int_equal(storefx_history_count(fx->c, a.rid), 1);
	assert_int_equal(history_last_seq(fx->c, &seq_after), 0);
	assert_int_equal(seq_after, seq_before);
	after = storefx_stats(fx->c);
	assert_memory_equal(after.by_state, before.by_state, sizeof before.by_state);
	assert_int_equal(after.n_clocks, before.n_clocks);
	for (size_t i = 0; i < before.n_clocks; i++) {
		assert_int_equal(after.clocks[i].kind, before.clocks[i].kind);
		assert_int_equal(after.clocks[i].n, before.clocks[i].n);
	}
	assert_int_equal(after.n_markets, before.n_markets);
	for (size_t i = 0; i < before.n_markets; i++) {
		assert_int_equal(after.markets[i].market, before.markets[i].market);
		assert_int_equal(after.markets[i].state, before.markets[i].state);
		assert_int_equal(after.markets[i].n, before.markets[i].n);
	}
	assert_memory_equal(after.by_cause, before.by_cause, sizeof before.by_cause);
	assert_int_equal(storefx_clocks(&after, FX_CLOCK_PHOTOS), 0);
	assert_int_equal(storefx_markets(&after, FX_MARKET, PROTO_AWAITING), 0);
	assert_int_equal(storefx_markets(&after, FX_MARKET, PROTO_PENDING), 1);
	{
		bool envvias = true;

		assert_int_equal(sellers_get(fx->c, "S-9", &envvias), 0);
		assert_false(envvias);
	}
}

static void
conn_close__with_an_open_transaction__rolls_it_back(void **state)
{
	struct storefx *fx = *state;
	struct protocol a = storefx_mkp("A", "S-1", PROTO_PENDING, FX_CLOCK_RESPONSE, 5000);

	storefx_open_rw(fx);
	assert_int_equal(conn_begin(fx->c), 0);
	storefx_insert(fx->c, &a);
	conn_close(fx->c);
	fx->c = NULL;
	storefx_open_rw(fx);
	assert_true(storefx_absent(fx->c, "A"));
	assert_int_equal(storefx_stats(fx->c).by_state[PROTO_PENDING], 0);
}

/* One daemon per database: a second writer is refused while the first is open, and
 * the lock goes with the first one's close (or its death: the kernel drops it). */
static void
conn_open__second_writer_on_the_same_file__is_refused_naming_the_holder(void **state)
{
	struct storefx *fx = *state;
	char pid[32];
	const char *cause;

	storefx_open_rw(fx);
	cause = refused(fx, false);
	snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
	assert_non_null(strstr(cause, fx->path));
	assert_non_null(strstr(cause, "in use by another protocold"));
	assert_non_null(strstr(cause, pid));
	/* A reader needs no lock: the daemon opens one beside its writer. */
	conn_close(storefx_open_ro(fx));
	conn_close(fx->c);
	fx->c = NULL;
	storefx_open_rw(fx);
}

static void
conn_open__refused_foreign_file__leaves_no_lock_file_beside_it(void **state)
{
	struct storefx *fx = *state;
	char lock[400];

	sql(fx->path, "CREATE TABLE invoices (n INTEGER PRIMARY KEY);");
	refused(fx, false);
	snprintf(lock, sizeof lock, "%s.lock", fx->path);
	assert_false(exists(lock));
}

/* The refusal of a file this process may only read, as a child that may only read it:
 * 0 when refused as it should be. Root writes through any mode, so a root test runs
 * it as nobody. */
static int
readonly_child(const char *path)
{
	char *cause = NULL;

	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return 2;
	if (conn_open(path, false, true, &cause) != NULL)
		return 3;
	return strstr(cause, "read-only") != NULL && strstr(cause, path) != NULL ? 0 : 4;
}

static void
conn_open__file_this_process_may_only_read__is_refused_before_sqlite_touches_it(
    void **state)
{
	struct storefx *fx = *state;
	char side[400];
	int status;
	pid_t pid;

	storefx_open_rw(fx);
	conn_close(fx->c);
	fx->c = NULL;
	assert_int_equal(chmod(fx->path, 0444), 0);
	assert_int_equal(chmod(fx->dir, 0777), 0);
	if ((pid = fork()) == 0)
		_exit(readonly_child(fx->path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(side, sizeof side, "%s-wal", fx->path);
	assert_false(exists(side));
}

/*
 * The WAL's name removed while the writer has it open: the check says so, and a full
 * checkpoint still copies everything committed into the database file (through the
 * descriptor SQLite holds), so that a new open finds it.
 */
static void
wal_check__wal_removed__fails_and_wal_save_saves_its_commits(void **state)
{
	struct storefx *fx = *state;
	char wal[400], *cause = NULL;
	struct protocol p;

	storefx_open_rw(fx);
	assert_int_equal(wal_check(fx->c), 0);
	for (int i = 0; i < 50; i++) {
		char id[16];

		snprintf(id, sizeof id, "W%d", i);
		p = storefx_mkp(id, "S1", PROTO_PENDING, FX_CLOCK_RESPONSE, 1000 + i);
		storefx_insert(fx->c, &p);
	}
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(unlink(wal), 0);
	assert_int_equal(wal_check(fx->c), -1);
	assert_non_null(strstr(conn_error(fx->c), "removed or replaced"));
	assert_int_equal(wal_save(fx->c, &cause), 0);
	conn_close(fx->c);
	fx->c = NULL;
	storefx_open_rw(fx);
	assert_false(storefx_absent(fx->c, "W0"));
	assert_false(storefx_absent(fx->c, "W49"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, storefx_setup, storefx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(conn_open__nonexistent_file__creates_it_at_the_current_schema),
		T(conn_open__new_database__is_marked_as_protocold_s),
		T(conn_open__empty_file__is_taken_as_a_new_database),
		T(conn_open__existing_database__keeps_its_data_and_schema),
		T(conn_open__read_only_on_a_missing_file__fails_and_creates_nothing),
		T(conn_open__foreign_sqlite_file__is_refused_and_left_byte_for_byte),
		T(conn_open__foreign_sqlite_file_with_a_pending_wal__is_refused_and_both_files_left_alone),
		T(conn_open__other_application_id__is_refused_and_left_byte_for_byte),
		T(conn_open__newer_schema_version__is_refused_and_left_byte_for_byte),
		T(conn_open__random_bytes__are_refused_and_not_overwritten),
		T(conn_open__short_text_file__is_refused_and_not_overwritten),
		T(conn_read_only__sees_committed_data_only),
		T(conn_read_only__refuses_to_write),
		T(conn_open__version_2_database__keeps_its_counters_and_counts_each_change_once),
		T(conn_open__version_3_database__is_casas_bahia_s_and_counted_for_it),
		T(conn_rollback__leaves_no_row_no_history_and_no_counter_change),
		T(conn_close__with_an_open_transaction__rolls_it_back),
		T(conn_open__second_writer_on_the_same_file__is_refused_naming_the_holder),
		T(conn_open__refused_foreign_file__leaves_no_lock_file_beside_it),
		T(conn_open__file_this_process_may_only_read__is_refused_before_sqlite_touches_it),
		T(wal_check__wal_removed__fails_and_wal_save_saves_its_commits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
