#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "counts.h"
#include "dblock.h"
#include "schema.h"
#include "strcopy.h"
#include "xmalloc.h"

#define CONN_READ_ONLY "the file is read-only to this process (its mode, its owner " \
	"or a read-only file system): protocold must be able to write its database"

enum conn_sql {
	SQL_BEGIN, SQL_BEGIN_READ, SQL_COMMIT, SQL_ROLLBACK, SQL_COUNTER_ADD, SQL_COUNTER_NEW,
	SQL_READ_NOW, SQL_COUNT
};

_Static_assert(SQL_COUNT <= CONN_SLOT_ROWS, "the connection's slots end where the rows' "
    "begin");

static const char *const conn_sql[SQL_COUNT] = {
	[SQL_BEGIN] = "BEGIN IMMEDIATE",
	[SQL_BEGIN_READ] = "BEGIN",
	[SQL_COMMIT] = "COMMIT",
	[SQL_ROLLBACK] = "ROLLBACK",
	/* A key counted before (nearly always) is updated; a new one (a marketplace's or
	 * a clock's first) inserted: cheaper than an upsert, and than one statement of
	 * all keys (json_each), as measured by tests/bench/run.sh --only r. */
	[SQL_COUNTER_ADD] = "UPDATE counters SET n = n + ?2 WHERE k = ?1",
	[SQL_COUNTER_NEW] = "INSERT INTO counters (k, n) VALUES (?1, ?2)",
	/* Reads the file's header: a deferred BEGIN takes its snapshot at a first read. */
	[SQL_READ_NOW] = "PRAGMA schema_version",
};

int
conn_fail(struct conn *c, const char *what)
{
	c->errcode = sqlite3_extended_errcode(c->db);
	snprintf(c->error, sizeof c->error, "%s: %s", what, sqlite3_errmsg(c->db));
	return -1;
}

int
conn_failx(struct conn *c, int code, const char *msg)
{
	c->errcode = code;
	strcopy(c->error, sizeof c->error, msg);
	return -1;
}

const char *
conn_error(const struct conn *c)
{
	return c->error;
}

bool
conn_error_is_full(const struct conn *c)
{
	int primary = c->errcode & 0xff;

	return primary == SQLITE_FULL || primary == SQLITE_READONLY ||
	    primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN;
}

sqlite3_stmt *
conn_prepared(struct conn *c, int slot, const char *sql)
{
	sqlite3_stmt *s = c->stmt[slot];

	if (s == NULL) {
		if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &c->stmt[slot], NULL) != SQLITE_OK) {
			conn_fail(c, "prepare");
			return NULL;
		}
		return c->stmt[slot];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int
conn_exec_stmt(struct conn *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return conn_fail(c, what);
	return 0;
}

/* Run the cached statement q. */
static int
conn_simple(struct conn *c, enum conn_sql q, const char *what)
{
	sqlite3_stmt *s = conn_prepared(c, q, conn_sql[q]);

	return s == NULL ? -1 : conn_exec_stmt(c, s, what);
}

int
conn_pragma_int(struct conn *c, const char *pragma, int *out)
{
	sqlite3_stmt *s;
	int rc;

	/* PRAGMAs take no parameters: these are fixed strings, not user input. */
	if (sqlite3_prepare_v2(c->db, pragma, -1, &s, NULL) != SQLITE_OK)
		return conn_fail(c, pragma);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : conn_fail(c, pragma);
}

int
conn_exec(struct conn *c, const char *sql)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return conn_fail(c, "exec");
	return 0;
}

int
conn_schema_version(struct conn *c)
{
	int v = -1;

	conn_pragma_int(c, "PRAGMA user_version", &v);
	return v;
}

int
conn_set_sync(struct conn *c, bool sync_full)
{
	return conn_exec(c, sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
}

int
conn_set_map(struct conn *c, unsigned mib)
{
	char sql[64];

	/* A number of ours, not user input, as PRAGMAs take no parameters. */
	snprintf(sql, sizeof sql, "PRAGMA mmap_size = %llu", (unsigned long long)mib << 20);
	return conn_exec(c, sql);
}

#define CONN_STR(x) #x
#define CONN_XSTR(x) CONN_STR(x)
#define CONN_READER_CACHE "PRAGMA cache_size = -" CONN_XSTR(CONN_READER_CACHE_KIB)
#define CONN_WRITER_CACHE "PRAGMA cache_size = -" CONN_XSTR(CONN_WRITER_CACHE_KIB)

/* Why the file must not be touched (schema.h), or NULL; the error of a failed read. */
static const char *
conn_refusal(struct conn *c, int version)
{
	int app = 0, tables = 0;

	if (conn_pragma_int(c, "PRAGMA application_id", &app) != 0 ||
	    conn_pragma_int(c, "SELECT count(*) FROM sqlite_schema", &tables) != 0)
		return conn_error(c);
	return schema_refusal(app, tables, version);
}

/* Run the migrations from version `from` on, one transaction each: 0 or -1. */
static int
conn_migrate(struct conn *c, int from)
{
	char sql[64];

	for (int v = from; v < schema_count(); v++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (conn_exec(c, "BEGIN IMMEDIATE") != 0)
			return -1;
		if (conn_exec(c, schema_migration(v)) != 0 || conn_exec(c, SCHEMA_MARK) != 0 ||
		    conn_exec(c, sql) != 0 || conn_exec(c, "COMMIT") != 0) {
			int rc = conn_fail(c, "migration");

			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}

static int
conn_setup(struct conn *c, bool read_only, bool sync_full)
{
	int version;
	const char *bad;

	sqlite3_busy_timeout(c->db, 5000);
	/* Statement journals keep their undo pages in memory, and a big batch fits the
	 * cache, so nothing but the commit itself writes. */
	if (conn_exec(c, "PRAGMA temp_store = MEMORY") != 0 ||
	    conn_exec(c, read_only ? CONN_READER_CACHE : CONN_WRITER_CACHE) != 0)
		return -1;
	if (conn_pragma_int(c, "PRAGMA user_version", &version) != 0)
		return -1;
	if ((bad = conn_refusal(c, version)) != NULL) {
		if (bad != c->error)
			strcopy(c->error, sizeof c->error, bad);
		return -1;
	}
	/* SQLite quietly opens a file it may not write read-only: every write would
	 * then fail, and every due clock with it, while the daemon looks healthy. */
	if (!read_only && sqlite3_db_readonly(c->db, "main") == 1)
		return conn_failx(c, SQLITE_READONLY, CONN_READ_ONLY);
	if (read_only)
		return conn_exec(c, "PRAGMA query_only = 1");
	if (conn_exec(c, "PRAGMA journal_mode = WAL") != 0 ||
	    conn_exec(c, "PRAGMA wal_autocheckpoint = " CONN_XSTR(CKPT_AUTO_PAGES)) != 0 ||
	    conn_set_sync(c, sync_full) != 0)
		return -1;
	return conn_migrate(c, version);
}

/* A writer refuses a file it may only read before SQLite opens it (which would make
 * a -wal and a -shm beside it): 0, or -1 with the reason in c. */
static int
conn_check_writable(struct conn *c, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd != -1) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	if (errno == EACCES || errno == EROFS || errno == EPERM)
		return conn_failx(c, SQLITE_READONLY, CONN_READ_ONLY);
	snprintf(c->error, sizeof c->error, "cannot open: %s", strerror(errno));
	return -1;
}

/* A refused open: the cause, and nothing of ours left beside the file. */
static struct conn *
conn_refuse(struct conn *c, const char *path, bool made_lock, char **cause)
{
	*cause = xasprintf("%s: %s", path, c->error);
	if (made_lock) {
		char *lock = dblock_path(path);

		unlink(lock);
		free(lock);
	}
	conn_close(c);
	return NULL;
}

/* SQLite's handle on path: 0, or -1 with the reason in c. */
static int
conn_sqlite_open(struct conn *c, const char *path, bool read_only)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (!read_only)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		snprintf(c->error, sizeof c->error, "%s",
		    c->db ? sqlite3_errmsg(c->db) : "cannot open");
		return -1;
	}
	sqlite3_extended_result_codes(c->db, 1);
	return 0;
}

struct conn *
conn_open(const char *path, bool read_only, bool sync_full, char **cause)
{
	struct conn *c = xcalloc(1, sizeof *c);
	bool had_wal, made_lock = false;

	c->lock_fd = -1;
	c->wal_path = xasprintf("%s-wal", path);
	had_wal = access(c->wal_path, F_OK) == 0;
	/* Before SQLite initializes (the first open): no memory statistics, which take a
	 * global mutex around every allocation and that nothing here reads. Later calls
	 * are refused harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	c->counts = counts_new();
	/* Locked before SQLite reads anything: even opening a WAL database writes (it
	 * may rebuild the -shm index another daemon is using). */
	if (!read_only && (c->lock_fd = dblock_take(path, &made_lock, cause)) == -1) {
		conn_close(c);
		return NULL;
	}
	if ((!read_only && conn_check_writable(c, path) != 0) ||
	    conn_sqlite_open(c, path, read_only) != 0)
		return conn_refuse(c, path, made_lock, cause);
	if (conn_setup(c, read_only, sync_full) != 0) {
		/* A refused file stays as it was: a WAL it came with is not checkpointed
		 * into it on close. */
		if (had_wal)
			sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		return conn_refuse(c, path, made_lock, cause);
	}
	return c;
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->in_txn)
		conn_rollback(c);
	for (int i = 0; i < CONN_MAX_STMTS; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	/* Unlocked only once closed: the close may still checkpoint the WAL. */
	dblock_release(c->lock_fd);
	counts_free(c->counts);
	free(c->wal_path);
	free(c);
}

/* SQLite ends a transaction itself on some errors (a full disk, an I/O error, no
 * memory): what it held is gone, and statements run after it would each commit on
 * their own. A write then fails until the transaction ends. */
int
conn_check_txn(struct conn *c)
{
	if (!c->in_txn || !sqlite3_get_autocommit(c->db))
		return 0;
	return conn_failx(c, SQLITE_ABORT, "the transaction was rolled back by an earlier "
	    "error");
}

int
conn_begin(struct conn *c)
{
	if (conn_simple(c, SQL_BEGIN, "begin") != 0)
		return -1;
	counts_clear(c->counts);
	c->in_txn = true;
	return 0;
}

/* Add sum to key: its row updated, or made when there is none. */
static int
conn_counter_add(struct conn *c, int key, int64_t sum)
{
	sqlite3_stmt *s = conn_prepared(c, SQL_COUNTER_ADD, conn_sql[SQL_COUNTER_ADD]);

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, key);
	sqlite3_bind_int64(s, 2, sum);
	if (conn_exec_stmt(c, s, "counters") != 0)
		return -1;
	if (sqlite3_changes(c->db) == 1)
		return 0;
	if ((s = conn_prepared(c, SQL_COUNTER_NEW, conn_sql[SQL_COUNTER_NEW])) == NULL)
		return -1;
	sqlite3_bind_int(s, 1, key);
	sqlite3_bind_int64(s, 2, sum);
	return conn_exec_stmt(c, s, "counters");
}

/* Write the transaction's counter changes: one statement a key that changed. */
static int
conn_counts_flush(struct conn *c)
{
	size_t n = counts_n(c->counts);
	int64_t sum;
	int k;

	for (size_t i = 0; i < n; i++) {
		counts_at(c->counts, i, &k, &sum);
		if (conn_counter_add(c, k, sum) != 0)
			return -1;
	}
	return 0;
}

int
conn_commit(struct conn *c)
{
	if (conn_check_txn(c) != 0 || conn_counts_flush(c) != 0 ||
	    conn_simple(c, SQL_COMMIT, "commit") != 0) {
		/* A failed COMMIT may leave the transaction open: end it, keep the error. */
		int code = c->errcode;
		char err[sizeof c->error];

		memcpy(err, c->error, sizeof err);
		conn_rollback(c);
		c->errcode = code;
		memcpy(c->error, err, sizeof err);
		return -1;
	}
	counts_clear(c->counts);
	c->in_txn = false;
	return 0;
}

void
conn_rollback(struct conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		conn_simple(c, SQL_ROLLBACK, "rollback");
	counts_clear(c->counts);
	c->in_txn = false;
}

bool
conn_in_txn(const struct conn *c)
{
	return c->in_txn;
}

int
conn_auto_begin(struct conn *c, bool *began)
{
	*began = !c->in_txn;
	if (!*began)
		return conn_check_txn(c);
	return conn_begin(c);
}

int
conn_auto_end(struct conn *c, bool began, int rc)
{
	if (!began)
		return rc;
	if (rc == 0)
		return conn_commit(c);
	conn_rollback(c);
	return rc;
}

int
conn_read_begin(struct conn *c)
{
	return conn_simple(c, SQL_BEGIN_READ, "begin read");
}

int
conn_read_begin_now(struct conn *c)
{
	if (sqlite3_get_autocommit(c->db) && conn_read_begin(c) != 0)
		return -1;
	return conn_simple(c, SQL_READ_NOW, "begin read");
}

void
conn_read_end(struct conn *c)
{
	/* A read transaction SQLite already ended on an error has nothing to end; one
	 * that will not end must not stay open, or later reads would see an old state. */
	if (!sqlite3_get_autocommit(c->db) && conn_simple(c, SQL_COMMIT, "end read") != 0)
		conn_simple(c, SQL_ROLLBACK, "end read");
}

void
conn_copy_text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	/* SQLite knows the length (after column_text, as its documentation asks): no
	 * scan of the text, of which a row has seven. */
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(s, col) : 0;

	if (n > len - 1)
		n = len - 1;
	if (n > 0)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

int64_t
conn_col_i64(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, col);
}

int
conn_one_int(struct conn *c, sqlite3_stmt *s, int64_t dflt, int64_t *out)
{
	int rc = sqlite3_step(s);

	*out = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL ?
	    sqlite3_column_int64(s, 0) : dflt;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : conn_fail(c, "query");
}
