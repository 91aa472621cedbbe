#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counts.h"
#include "rules.h"
#include "schema.h"
#include "store_int.h"
#include "strcopy.h"
#include "xmalloc.h"

enum store_sql {
	SQL_BEGIN, SQL_BEGIN_READ, SQL_COMMIT, SQL_ROLLBACK, SQL_SAVEPOINT, SQL_RELEASE, SQL_ROLLBACK_TO,
	SQL_GET, SQL_INSERT, SQL_INSERT_NEW, SQL_UPDATE, SQL_UPDATE_NEXT, SQL_NEXT_DUE, SQL_HEAD,
	SQL_COUNTER_ADD, SQL_COUNT
};

static const char *const store_sql[SQL_COUNT] = {
	[SQL_BEGIN] = "BEGIN IMMEDIATE",
	[SQL_BEGIN_READ] = "BEGIN",
	[SQL_COMMIT] = "COMMIT",
	[SQL_ROLLBACK] = "ROLLBACK",
	[SQL_SAVEPOINT] = "SAVEPOINT change",
	[SQL_RELEASE] = "RELEASE change",
	[SQL_ROLLBACK_TO] = "ROLLBACK TO change",
	[SQL_GET] = "SELECT " STORE_COLS " FROM protocols WHERE id = ?1",
	[SQL_INSERT] = "INSERT INTO protocols (" STORE_COLS ") VALUES (NULL, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	/* The id's unique index answers "is it new?" during the insert itself. */
	[SQL_INSERT_NEW] = "INSERT INTO protocols (" STORE_COLS ") VALUES (NULL, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) "
	    "ON CONFLICT (id) DO NOTHING",
	[SQL_UPDATE] = "UPDATE protocols SET state = ?10, clock = ?11, clock_start = ?12, "
	    "clock_due = ?13, clock_next = ?14, attempts = ?15, version = ?16, "
	    "updated_at = ?17, clock_rule = ?18 WHERE rid = ?1",
	/* Only what a warning changes: an UPDATE that names a column rewrites its
	 * index entries even when the value stays the same. */
	[SQL_UPDATE_NEXT] = "UPDATE protocols SET clock_next = ?2 WHERE rid = ?1",
	[SQL_NEXT_DUE] = "SELECT " STORE_COLS " FROM protocols WHERE clock_next IS NOT NULL "
	    "AND clock_next <= ?1 ORDER BY clock_next, rid LIMIT ?2",
	[SQL_HEAD] = "SELECT min(clock_next) FROM protocols WHERE clock_next IS NOT NULL",
	[SQL_COUNTER_ADD] = "UPDATE counters SET n = n + ?2 WHERE k = ?1",
};

int
store_fail(struct store *st, const char *what)
{
	st->errcode = sqlite3_extended_errcode(st->db);
	snprintf(st->error, sizeof st->error, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

const char *
store_error(const struct store *st)
{
	return st->error;
}

bool
store_error_is_full(const struct store *st)
{
	int primary = st->errcode & 0xff;

	return primary == SQLITE_FULL || primary == SQLITE_READONLY ||
	    primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN;
}

sqlite3_stmt *
store_prepared(struct store *st, int slot, const char *sql)
{
	sqlite3_stmt *s = st->stmt[slot];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st->stmt[slot], NULL) != SQLITE_OK) {
			store_fail(st, "prepare");
			return NULL;
		}
		return st->stmt[slot];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* The cached statement for q, reset and unbound; NULL on failure. */
static sqlite3_stmt *
store_stmt(struct store *st, enum store_sql q)
{
	return store_prepared(st, q, store_sql[q]);
}

/* Run a statement that returns no rows. */
int
store_exec_stmt(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(st, what);
	return 0;
}

static int
store_simple(struct store *st, enum store_sql q, const char *what)
{
	sqlite3_stmt *s = store_stmt(st, q);

	return s == NULL ? -1 : store_exec_stmt(st, s, what);
}

static int
store_pragma_int(struct store *st, const char *pragma, int *out)
{
	sqlite3_stmt *s;
	int rc;

	/* PRAGMAs take no parameters: these are fixed strings, not user input. */
	if (sqlite3_prepare_v2(st->db, pragma, -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, pragma);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, pragma);
}

static int
store_exec(struct store *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "exec");
	return 0;
}

const char *
store_sqlite_version(void)
{
	return sqlite3_libversion();
}

int
store_schema_version(struct store *st)
{
	int v = -1;

	store_pragma_int(st, "PRAGMA user_version", &v);
	return v;
}

/* Refuse a file that is not ours or is newer than this program; NULL when fine. */
static const char *
store_check_owner(struct store *st, int version)
{
	int app = 0, tables = 0;

	if (store_pragma_int(st, "PRAGMA application_id", &app) != 0 ||
	    store_pragma_int(st, "SELECT count(*) FROM sqlite_schema", &tables) != 0)
		return st->error;
	if (app != 0 && app != SCHEMA_APP_ID)
		return "the file belongs to another application (its application_id is not "
		    "protocold's); refusing to touch it";
	if (app == 0 && tables > 0)
		return "the file is an SQLite database but not protocold's (it has tables "
		    "and no protocold application_id); refusing to touch it";
	if (version > schema_count())
		return "the database was written by a newer protocold (its schema version "
		    "is higher than this program knows); refusing to downgrade it";
	return NULL;
}

static int
store_migrate(struct store *st, int from)
{
	char sql[64];

	for (int v = from; v < schema_count(); v++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (store_exec(st, "BEGIN IMMEDIATE") != 0)
			return -1;
		if (store_exec(st, schema_migration(v)) != 0 ||
		    store_exec(st, "PRAGMA application_id = 1347572804") != 0 ||
		    store_exec(st, sql) != 0 || store_exec(st, "COMMIT") != 0) {
			int rc = store_fail(st, "migration");

			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}
_Static_assert(SCHEMA_APP_ID == 1347572804, "the PRAGMA above spells SCHEMA_APP_ID");

int
store_set_sync(struct store *st, bool sync_full)
{
	return store_exec(st, sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
}

#define STORE_STR(x) #x
#define STORE_XSTR(x) STORE_STR(x)
#define STORE_READER_CACHE "PRAGMA cache_size = -" STORE_XSTR(STORE_READER_CACHE_KIB)
#define STORE_WRITER_CACHE "PRAGMA cache_size = -" STORE_XSTR(STORE_WRITER_CACHE_KIB)

static int
store_setup(struct store *st, bool read_only, bool sync_full)
{
	int version;
	const char *bad;

	sqlite3_busy_timeout(st->db, 5000);
	/* Savepoints keep their undo pages in memory, and a big batch fits the cache,
	 * so nothing but the commit itself writes. */
	if (store_exec(st, "PRAGMA temp_store = MEMORY") != 0 ||
	    store_exec(st, read_only ? STORE_READER_CACHE : STORE_WRITER_CACHE) != 0)
		return -1;
	if (store_pragma_int(st, "PRAGMA user_version", &version) != 0)
		return -1;
	if ((bad = store_check_owner(st, version)) != NULL) {
		snprintf(st->error, sizeof st->error, "%s", bad);
		return -1;
	}
	if (read_only)
		return store_exec(st, "PRAGMA query_only = 1");
	if (store_exec(st, "PRAGMA journal_mode = WAL") != 0 ||
	    store_exec(st, "PRAGMA wal_autocheckpoint = "
	    STORE_XSTR(STORE_WAL_AUTOCHECKPOINT)) != 0 ||
	    store_set_sync(st, sync_full) != 0)
		return -1;
	return store_migrate(st, version);
}

struct store *
store_open(const char *path, bool read_only, bool sync_full, char **cause)
{
	struct store *st = xcalloc(1, sizeof *st);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	char *wal = xasprintf("%s-wal", path);
	bool had_wal = access(wal, F_OK) == 0;

	free(wal);
	/* Before SQLite initializes (the first open): no memory statistics, which take a
	 * global mutex around every allocation and that nothing here reads. Later calls
	 * are refused harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	st->counts = counts_new();
	if (!read_only)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, st->db ? sqlite3_errmsg(st->db) :
		    "cannot open");
		store_close(st);
		return NULL;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (store_setup(st, read_only, sync_full) != 0) {
		/* A refused file stays as it was: a WAL it came with is not checkpointed
		 * into it on close. */
		if (had_wal)
			sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		*cause = xasprintf("%s: %s", path, st->error);
		store_close(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_txn)
		store_rollback(st);
	for (int i = 0; i < STORE_MAX_STMTS; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	counts_free(st->counts);
	free(st);
}

/* SQLite ends a transaction itself on some errors (a full disk, an I/O error, no
 * memory): what it held is gone, and statements run after it would each commit on
 * their own. A write then fails until the group's transaction ends. */
static int
store_check_txn(struct store *st)
{
	if (!st->in_txn || !sqlite3_get_autocommit(st->db))
		return 0;
	snprintf(st->error, sizeof st->error, "the transaction was rolled back by an "
	    "earlier error");
	st->errcode = SQLITE_ABORT;
	return -1;
}

int
store_begin(struct store *st)
{
	if (store_simple(st, SQL_BEGIN, "begin") != 0)
		return -1;
	counts_clear(st->counts);
	st->in_txn = true;
	return 0;
}

/* Write the transaction's counter changes: one UPDATE per key that changed. */
static int
store_counts_flush(struct store *st)
{
	int64_t sums[COUNTS_KEYS];
	sqlite3_stmt *s;

	if (counts_sum(st->counts, sums) == 0)
		return 0;
	for (int k = 0; k < COUNTS_KEYS; k++) {
		if (sums[k] == 0)
			continue;
		if ((s = store_stmt(st, SQL_COUNTER_ADD)) == NULL)
			return -1;
		sqlite3_bind_int(s, 1, k);
		sqlite3_bind_int64(s, 2, sums[k]);
		if (store_exec_stmt(st, s, "counters") != 0)
			return -1;
	}
	return 0;
}

int
store_commit(struct store *st)
{
	if (store_check_txn(st) != 0 || store_counts_flush(st) != 0 ||
	    store_simple(st, SQL_COMMIT, "commit") != 0) {
		/* A failed COMMIT may leave the transaction open: end it, keep the error. */
		int code = st->errcode;
		char err[sizeof st->error];

		memcpy(err, st->error, sizeof err);
		store_rollback(st);
		st->errcode = code;
		memcpy(st->error, err, sizeof err);
		return -1;
	}
	counts_clear(st->counts);
	st->in_txn = false;
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_simple(st, SQL_ROLLBACK, "rollback");
	counts_clear(st->counts);
	st->in_txn = false;
}

bool
store_in_txn(const struct store *st)
{
	return st->in_txn;
}

int
store_auto_begin(struct store *st, bool *began)
{
	*began = !st->in_txn;
	if (!*began)
		return store_check_txn(st);
	return store_begin(st);
}

int
store_auto_end(struct store *st, bool began, int rc)
{
	if (!began)
		return rc;
	if (rc == 0)
		return store_commit(st);
	store_rollback(st);
	return rc;
}

int
store_read_begin(struct store *st)
{
	return store_simple(st, SQL_BEGIN_READ, "begin read");
}

void
store_read_end(struct store *st)
{
	/* A read transaction SQLite already ended on an error has nothing to end; one
	 * that will not end must not stay open, or later reads would see an old state. */
	if (!sqlite3_get_autocommit(st->db) && store_simple(st, SQL_COMMIT, "end read") != 0)
		store_simple(st, SQL_ROLLBACK, "end read");
}

int
store_savepoint(struct store *st)
{
	if (store_check_txn(st) != 0 ||
	    store_simple(st, SQL_SAVEPOINT, "savepoint") != 0)
		return -1;
	counts_mark(st->counts);
	return 0;
}

int
store_release(struct store *st)
{
	if (store_simple(st, SQL_RELEASE, "release") != 0)
		return -1;
	counts_release(st->counts);
	return 0;
}

void
store_rollback_to(struct store *st)
{
	store_simple(st, SQL_ROLLBACK_TO, "rollback to savepoint");
	store_simple(st, SQL_RELEASE, "release");
	counts_undo(st->counts);
}

void
store_copy_text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	strcopy(dst, len, t ? (const char *)t : "");
}

int64_t
store_col_i64(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, col);
}

void
store_read_row(sqlite3_stmt *s, struct protocol *p)
{
	memset(p, 0, sizeof *p);
	p->rid = sqlite3_column_int64(s, 0);
	store_copy_text(p->id, sizeof p->id, s, 1);
	store_copy_text(p->seller, sizeof p->seller, s, 2);
	store_copy_text(p->order, sizeof p->order, s, 3);
	store_copy_text(p->reason, sizeof p->reason, s, 4);
	p->origin = sqlite3_column_int(s, 5);
	p->critical = sqlite3_column_int(s, 6);
	p->opened_given = sqlite3_column_int(s, 7);
	p->opened_at = sqlite3_column_int64(s, 8);
	p->state = sqlite3_column_int(s, 9);
	p->clock = sqlite3_column_int(s, 10);
	p->clock_start = store_col_i64(s, 11);
	p->clock_due = store_col_i64(s, 12);
	p->clock_next = store_col_i64(s, 13);
	rules_attempts_parse((const char *)sqlite3_column_text(s, 14), p->attempts);
	p->version = sqlite3_column_int64(s, 15);
	p->updated_at = sqlite3_column_int64(s, 16);
	store_copy_text(p->clock_rule, sizeof p->clock_rule, s, 17);
	p->stored_state = p->state;
	p->stored_clock = p->clock;
}

/* Bind text, or NULL for "". */
static void
store_bind_opt(sqlite3_stmt *s, int i, const char *t)
{
	if (t[0])
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void
store_bind_clock(sqlite3_stmt *s, int i, int64_t v, bool running)
{
	if (running)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

/* Binds ?1..?18 in STORE_COLS order (rid as ?1). */
static void
store_bind_row(sqlite3_stmt *s, const struct protocol *p, char *attempts, size_t len)
{
	bool running = p->clock != PROTO_CLOCK_NONE;

	rules_attempts_format(p->attempts, attempts, len);
	sqlite3_bind_int64(s, 1, p->rid);
	sqlite3_bind_text(s, 2, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p->seller, -1, SQLITE_STATIC);
	store_bind_opt(s, 4, p->order);
	store_bind_opt(s, 5, p->reason);
	sqlite3_bind_int(s, 6, p->origin);
	sqlite3_bind_int(s, 7, p->critical);
	sqlite3_bind_int(s, 8, p->opened_given);
	sqlite3_bind_int64(s, 9, p->opened_at);
	sqlite3_bind_int(s, 10, p->state);
	sqlite3_bind_int(s, 11, p->clock);
	store_bind_clock(s, 12, p->clock_start, running);
	store_bind_clock(s, 13, p->clock_due, running);
	store_bind_clock(s, 14, p->clock_next, running);
	store_bind_opt(s, 15, attempts);
	sqlite3_bind_int64(s, 16, p->version);
	sqlite3_bind_int64(s, 17, p->updated_at);
	if (running)
		store_bind_opt(s, 18, p->clock_rule);
}

/* Step a query that returns at most one protocol row: 1, 0 or -1. */
static int
store_one_row(struct store *st, sqlite3_stmt *s, struct protocol *p, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		store_read_row(s, p);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(st, what);
}

int
store_get(struct store *st, const char *id, struct protocol *p)
{
	sqlite3_stmt *s = store_stmt(st, SQL_GET);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	return store_one_row(st, s, p, "get protocol");
}

/* 1 inserted, 0 the id exists (nothing written; only with SQL_INSERT_NEW), -1. */
static int
store_insert_row(struct store *st, struct protocol *p, int sql)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	char attempts[512];

	if (s == NULL)
		return -1;
	store_bind_row(s, p, attempts, sizeof attempts);
	if (store_exec_stmt(st, s, "insert protocol") != 0)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	p->rid = sqlite3_last_insert_rowid(st->db);
	counts_add(st->counts, COUNTS_STATE + (int)p->state, 1);
	counts_add(st->counts, COUNTS_CLOCK + (int)p->clock, 1);
	p->stored_state = p->state;
	p->stored_clock = p->clock;
	return 1;
}

int
store_insert(struct store *st, struct protocol *p)
{
	bool began;

	if (store_auto_begin(st, &began) != 0)
		return -1;
	return store_auto_end(st, began, store_insert_row(st, p, SQL_INSERT) == 1 ? 0 : -1);
}

int
store_insert_new(struct store *st, struct protocol *p)
{
	bool began;
	int rc;

	if (store_auto_begin(st, &began) != 0)
		return -1;
	rc = store_insert_row(st, p, SQL_INSERT_NEW);
	return store_auto_end(st, began, rc < 0 ? -1 : 0) != 0 ? -1 : rc;
}

/* Count p's move from what was stored to what it is now. */
static void
store_count_move(struct store *st, struct protocol *p)
{
	if (p->stored_state != p->state) {
		counts_add(st->counts, COUNTS_STATE + (int)p->stored_state, -1);
		counts_add(st->counts, COUNTS_STATE + (int)p->state, 1);
	}
	if (p->stored_clock != p->clock) {
		counts_add(st->counts, COUNTS_CLOCK + (int)p->stored_clock, -1);
		counts_add(st->counts, COUNTS_CLOCK + (int)p->clock, 1);
	}
	p->stored_state = p->state;
	p->stored_clock = p->clock;
}

static int
store_update_row(struct store *st, struct protocol *p)
{
	sqlite3_stmt *s = store_stmt(st, SQL_UPDATE);
	char attempts[512];

	if (s == NULL)
		return -1;
	store_bind_row(s, p, attempts, sizeof attempts);
	if (store_exec_stmt(st, s, "update protocol") != 0)
		return -1;
	if (sqlite3_changes(st->db) != 1) {
		snprintf(st->error, sizeof st->error, "update protocol: no row %lld",
		    (long long)p->rid);
		st->errcode = SQLITE_NOTFOUND;
		return -1;
	}
	store_count_move(st, p);
	return 0;
}

int
store_update(struct store *st, struct protocol *p)
{
	bool began;

	if (store_auto_begin(st, &began) != 0)
		return -1;
	return store_auto_end(st, began, store_update_row(st, p));
}

int
store_update_next(struct store *st, const struct protocol *p)
{
	sqlite3_stmt *s;

	if (store_check_txn(st) != 0 || (s = store_stmt(st, SQL_UPDATE_NEXT)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, p->rid);
	sqlite3_bind_int64(s, 2, p->clock_next);
	return store_exec_stmt(st, s, "update protocol");
}

int
store_next_due(struct store *st, int64_t limit, struct protocol *p)
{
	int n = store_due(st, limit, 1, p);

	return n < 0 ? -1 : n;
}

int
store_due(struct store *st, int64_t limit, int max, struct protocol *out)
{
	sqlite3_stmt *s = store_stmt(st, SQL_NEXT_DUE);
	int rc = SQLITE_DONE, n = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, limit);
	sqlite3_bind_int(s, 2, max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		store_read_row(s, &out[n++]);
	if (n == max)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : store_fail(st, "due protocols");
}

int
store_one_int(struct store *st, sqlite3_stmt *s, int64_t dflt, int64_t *out)
{
	int rc = sqlite3_step(s);

	*out = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL ?
	    sqlite3_column_int64(s, 0) : dflt;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, "query");
}

int
store_head(struct store *st, int64_t *at)
{
	sqlite3_stmt *s = store_stmt(st, SQL_HEAD);

	return s == NULL ? -1 : store_one_int(st, s, INT64_MAX, at);
}
