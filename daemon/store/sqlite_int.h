#ifndef SQLITE_INT_H
#define SQLITE_INT_H

/*
 * Inside the store: what its implementation files (store.c, rows.c, history.c,
 * sellers.c, listing.c) share. No other
 * module includes this; they use store.h and history.h.
 */

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Statement cache slots: store.c uses 0 .. STORE_SLOT_ROWS - 1. */
#define STORE_SLOT_ROWS 16
#define STORE_SLOT_HISTORY 32
#define STORE_SLOT_SELLERS 36
#define STORE_SLOT_LISTING 40
#define STORE_MAX_STMTS 56

/* SQLite's own checkpoint threshold (pages), when no checkpointer thread runs. */
#define STORE_WAL_AUTOCHECKPOINT 10000

struct counts;

struct store {
	sqlite3 *db;
	int lock_fd;		/* the writer's lock on the database (dblock.h), or -1 */
	char *wal_path;		/* the writer's WAL, and the file it was at open */
	unsigned long long wal_dev, wal_ino;
	bool wal_known;
	struct counts *counts;	/* this transaction's counter changes (counts.h) */
	sqlite3_stmt *stmt[STORE_MAX_STMTS];
	bool in_txn;
	int errcode;
	char error[256];
};

/* The statement of slot (prepared from sql on first use), reset and unbound; NULL on
 * failure (the error is in st). */
sqlite3_stmt *store_prepared(struct store *st, int slot, const char *sql);
/* Record the connection's last error as "what: message"; returns -1. */
int store_fail(struct store *st, const char *what);
/* Run a statement that returns no rows: 0 or -1. */
int store_exec_stmt(struct store *st, sqlite3_stmt *s, const char *what);
/* A query of one integer: 0 with *out (dflt for NULL or no row), or -1. */
int store_one_int(struct store *st, sqlite3_stmt *s, int64_t dflt, int64_t *out);
/* A write outside a transaction gets one of its own (its counts are written with
 * it): store_auto_begin, the write, then store_auto_end with the write's result. */
int store_auto_begin(struct store *st, bool *began);
int store_auto_end(struct store *st, bool began, int rc);
/* Writes need the group's transaction still open: 0, or -1 when SQLite ended it on an
 * error (later statements would each commit on their own). */
int store_check_txn(struct store *st);
/* Read a protocol row selected as STORE_COLS (rows.c). */
void rows_read_row(sqlite3_stmt *s, struct protocol *p);
/* The columns rows_read_row reads, in its order. */
#define STORE_COLS "rid, id, seller, ord, reason, origin, critical, opened_given, " \
	"opened_at, state, clock, clock_start, clock_due, clock_next, attempts, version, " \
	"updated_at, clock_rule"
/* A text column into dst ("" for NULL), cut to len. */
void store_copy_text(char *dst, size_t len, sqlite3_stmt *s, int col);
/* An integer column, 0 for NULL. */
int64_t store_col_i64(sqlite3_stmt *s, int col);

#endif
