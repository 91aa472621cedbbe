#include "sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counts.h"
#include "dblock.h"
#include "schema.h"
#include "sqlite_int.h"
#include "strcopy.h"
#include "xmalloc.h"

#define STORE_READ_ONLY "the file is read-only to this process (its mode, its owner " \
	"or a read-only file system): protocold must be able to write its database"

enum store_sql {
	SQL_BEGIN, SQL_BEGIN_READ, SQL_COMMIT, SQL_ROLLBACK, SQL_SAVEPOINT, SQL_RELEASE, SQL_ROLLBACK_TO,
	SQL_COUNTER_ADD, SQL_READ_NOW, SQL_COUNT
};

_Static_assert(SQL_COUNT <= STORE_SLOT_ROWS, "the store's slots end where the rows' begin");

static const char *const store_sql[SQL_COUNT] = {
	[SQL_BEGIN] = "BEGIN IMMEDIATE",
	[SQL_BEGIN_READ] = "BEGIN",
	[SQL_COMMIT] = "COMMIT",
	[SQL_ROLLBACK] = "ROLLBACK",
	[SQL_SAVEPOINT] = "SAVEPOINT change",
	[SQL_RELEASE] = "RELEASE change",
	[SQL_ROLLBACK_TO] = "ROLLBACK TO change",
	[SQL_COUNTER_ADD] = "UPDATE counters SET n = n + ?2 WHERE k = ?1",
	/* Reads the file's header: a deferred BEGIN takes its snapshot at a first read. */
	[SQL_READ_NOW] = "PRAGMA schema_version",
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

int
store_set_map(struct store *st, unsigned mib)
{
	char sql[64];

	/* A number of ours, not user input, as PRAGMAs take no parameters. */
	snprintf(sql, sizeof sql, "PRAGMA mmap_size = %llu", (unsigned long long)mib << 20);
	return store_exec(st, sql);
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
	/* SQLite quietly opens a file it may not write read-only: every write would
	 * then fail, and every due clock with it, while the daemon looks healthy. */
	if (!read_only && sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(st->error, sizeof st->error, "%s", STORE_READ_ONLY);
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

/* Remember which file the writer's WAL is, to notice when its name is lost. */
static void
store_wal_note(struct store *st)
{
	struct stat sb;

	if (stat(st->wal_path, &sb) != 0)
		return;
	st->wal_dev = sb.st_dev;
	st->wal_ino = sb.st_ino;
	st->wal_known = true;
}

/* A writer refuses a file it may only read before SQLite opens it (which would make
 * a -wal and a -shm beside it): 0, or -1 with the reason in st. */
static int
store_check_writable(struct store *st, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd != -1) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	if (errno == EACCES || errno == EROFS || errno == EPERM)
		snprintf(st->error, sizeof st->error, "%s", STORE_READ_ONLY);
	else
		snprintf(st->error, sizeof st->error, "cannot open: %s", strerror(errno));
	return -1;
}

/* A refused open: the cause, and nothing of ours left beside the file. */
static struct store *
store_refuse(struct store *st, const char *path, bool made_lock, char **cause)
{
	*cause = xasprintf("%s: %s", path, st->error);
	if (made_lock) {
		char *lock = dblock_path(path);

		unlink(lock);
		free(lock);
	}
	store_close(st);
	return NULL;
}

struct store *
store_open(const char *path, bool read_only, bool sync_full, char **cause)
{
	struct store *st = xcalloc(1, sizeof *st);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	bool had_wal, made_lock = false;

	st->lock_fd = -1;
	st->wal_path = xasprintf("%s-wal", path);
	had_wal = access(st->wal_path, F_OK) == 0;
	/* Before SQLite initializes (the first open): no memory statistics, which take a
	 * global mutex around every allocation and that nothing here reads. Later calls
	 * are refused harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	st->counts = counts_new();
	/* Locked before SQLite reads anything: even opening a WAL database writes (it
	 * may rebuild the -shm index another daemon is using). */
	if (!read_only && (st->lock_fd = dblock_take(path, &made_lock, cause)) == -1) {
		store_close(st);
		return NULL;
	}
	if (!read_only && store_check_writable(st, path) != 0)
		return store_refuse(st, path, made_lock, cause);
	if (!read_only)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(st->error, sizeof st->error, "%s",
		    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		return store_refuse(st, path, made_lock, cause);
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (store_setup(st, read_only, sync_full) != 0) {
		/* A refused file stays as it was: a WAL it came with is not checkpointed
		 * into it on close. */
		if (had_wal)
			sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		return store_refuse(st, path, made_lock, cause);
	}
	if (!read_only)
		store_wal_note(st);
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
	/* Unlocked only once closed: the close may still checkpoint the WAL. */
	dblock_release(st->lock_fd);
	counts_free(st->counts);
	free(st->wal_path);
	free(st);
}

int
store_wal_check(struct store *st)
{
	struct stat sb;

	if (!st->wal_known) {
		store_wal_note(st);
		return 0;
	}
	if (stat(st->wal_path, &sb) == 0 && sb.st_dev == st->wal_dev &&
	    sb.st_ino == st->wal_ino)
		return 0;
	snprintf(st->error, sizeof st->error, "%s was removed or replaced while the "
	    "database was open (not by protocold)", st->wal_path);
	st->errcode = SQLITE_IOERR;
	return -1;
}

int
store_checkpoint_all(struct store *st, char **cause)
{
	int log = -1, done = -1, rc;

	if (st->in_txn)
		store_rollback(st);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log,
	    &done);
	if (rc == SQLITE_OK && log == done)
		return 0;
	*cause = xasprintf("the checkpoint of %s stopped short (%s; %d of %d frames "
	    "copied)", st->wal_path, sqlite3_errmsg(st->db), done, log);
	return -1;
}

/* SQLite ends a transaction itself on some errors (a full disk, an I/O error, no
 * memory): what it held is gone, and statements run after it would each commit on
 * their own. A write then fails until the group's transaction ends. */
int
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

int
store_read_begin_now(struct store *st)
{
	if (sqlite3_get_autocommit(st->db) && store_read_begin(st) != 0)
		return -1;
	return store_simple(st, SQL_READ_NOW, "begin read");
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

int
store_one_int(struct store *st, sqlite3_stmt *s, int64_t dflt, int64_t *out)
{
	int rc = sqlite3_step(s);

	*out = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL ?
	    sqlite3_column_int64(s, 0) : dflt;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, "query");
}
