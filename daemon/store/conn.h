#ifndef CONN_H
#define CONN_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One SQLite connection to protocold's database, and what the store's SQL modules
 * (rows.h, history.h, sellers.h, listing.h) share on it: its statement cache, its
 * transactions, its last error. The store (sqlite.h) opens two: one to write (the
 * turn's transactions) and one to read (the API's GETs, which must see only committed
 * data). Functions that can fail return -1 (or NULL) and leave the reason in
 * conn_error().
 */

/* The page caches, in KiB. The reader's: random GETs over millions of protocols hit
 * it, and it outlives transactions while nothing is written. The writer's: a batch of
 * an import or of the scheduler dirties pages all over the seller and state indexes;
 * when they do not fit, SQLite spills them to the WAL in the middle of the
 * transaction and reads them back. Both are bounds, reached only under such load. */
#define CONN_READER_CACHE_KIB 16384
#define CONN_WRITER_CACHE_KIB 65536

/* Statement cache slots: conn.c uses 0 .. CONN_SLOT_ROWS - 1. */
#define CONN_SLOT_ROWS 16
#define CONN_SLOT_HISTORY 32
#define CONN_SLOT_SELLERS 36
#define CONN_SLOT_LISTING 40
#define CONN_SLOT_META 61	/* after the listing's 21 */
#define CONN_MAX_STMTS 64

struct counts;

struct conn {
	sqlite3 *db;
	int lock_fd;		/* the writer's lock on the database (dblock.h), or -1 */
	char *wal_path;		/* the writer's WAL, and the file it was at open */
	unsigned long long wal_dev, wal_ino;
	bool wal_known;
	struct counts *counts;	/* this transaction's counter changes (counts.h) */
	sqlite3_stmt *stmt[CONN_MAX_STMTS];
	bool in_txn;
	int errcode;
	char error[256];
};

/* Open (and create or migrate, unless read_only) the database at path. On failure
 * NULL and *cause set (malloc'd: "PATH: why"). A file that is not a protocold
 * database, or one of a newer schema, is refused and left untouched. A writer first
 * locks the database for this process (dblock.h: a second daemon on the same file is
 * refused), and refuses a file it may only read. */
struct conn *conn_open(const char *path, bool read_only, bool sync_full, char **cause);
/* Close; NULL is a no-op. An open transaction is rolled back. */
void conn_close(struct conn *c);
/* The last error's message, and whether it was a full disk, a read-only or failing
 * file. */
const char *conn_error(const struct conn *c);
bool conn_error_is_full(const struct conn *c);
/* The schema version of an open database. */
int conn_schema_version(struct conn *c);
/* Change synchronous (full or normal) on an open handle. */
int conn_set_sync(struct conn *c, bool sync_full);
/* Read the first mib MiB of the database through a memory map (0: no map): pages
 * are then used where the kernel caches them, not copied into the page cache by a
 * read(2) each. 0, or -1 (conn_error). */
int conn_set_map(struct conn *c, unsigned mib);

/* The write transaction (BEGIN IMMEDIATE) that the turn's changes go into; the
 * counters it changed are written at its commit. A failed commit is rolled back (the
 * error kept). */
int conn_begin(struct conn *c);
int conn_commit(struct conn *c);
void conn_rollback(struct conn *c);
bool conn_in_txn(const struct conn *c);
/* Writes need the transaction still open: 0, or -1 when SQLite ended it on an error
 * (later statements would each commit on their own). */
int conn_check_txn(struct conn *c);
/* A write outside a transaction gets one of its own (its counts are written with
 * it): conn_auto_begin, the write, then conn_auto_end with the write's result. */
int conn_auto_begin(struct conn *c, bool *began);
int conn_auto_end(struct conn *c, bool began, int rc);

/* A read transaction on a read-only handle: the statements between begin and end
 * see one snapshot and take the WAL read lock once. */
int conn_read_begin(struct conn *c);
/* The same, or the one already open, with its snapshot taken now (not at its first
 * read): later commits of the writer stay out of it. */
int conn_read_begin_now(struct conn *c);
void conn_read_end(struct conn *c);

/* The statement of slot (prepared from sql on first use), reset and unbound; NULL on
 * failure (the error is in c). */
sqlite3_stmt *conn_prepared(struct conn *c, int slot, const char *sql);
/* Record the connection's last error as "what: message"; returns -1. */
int conn_fail(struct conn *c, const char *what);
/* Record an error of ours (code: an SQLite result code); returns -1. */
int conn_failx(struct conn *c, int code, const char *msg);
/* Run a statement that returns no rows: 0 or -1. */
int conn_exec_stmt(struct conn *c, sqlite3_stmt *s, const char *what);
/* Run SQL text of ours (no parameters): 0 or -1. */
int conn_exec(struct conn *c, const char *sql);
/* A query of one integer: 0 with *out (dflt for NULL or no row), or -1. */
int conn_one_int(struct conn *c, sqlite3_stmt *s, int64_t dflt, int64_t *out);
/* A PRAGMA (or query) of one int, prepared for this call: 0 with *out, or -1. */
int conn_pragma_int(struct conn *c, const char *pragma, int *out);
/* A text column into dst ("" for NULL), cut to len. */
void conn_copy_text(char *dst, size_t len, sqlite3_stmt *s, int col);
/* An integer column, 0 for NULL. */
int64_t conn_col_i64(sqlite3_stmt *s, int col);

#endif
