#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * The SQLite store: every SQL statement of protocold lives here. A handle is one
 * connection; the daemon opens one to write (the engine, in transactions it frames)
 * and one to read (the API's GETs, which must see only committed data).
 * Functions that can fail return -1 (or NULL) and leave the reason in store_error().
 */

struct store;

/* The page caches, in KiB. The reader's: random GETs over millions of protocols hit
 * it, and it outlives transactions while nothing is written. The writer's: a batch of
 * an import or of the scheduler dirties pages all over the seller and state indexes;
 * when they do not fit, SQLite spills them to the WAL in the middle of the
 * transaction and reads them back. Both are bounds, reached only under such load. */
#define STORE_READER_CACHE_KIB 16384
#define STORE_WRITER_CACHE_KIB 65536

/* Open (and create or migrate, unless read_only) the database at path. On failure
 * NULL and *cause set (malloc'd). A file that is not a protocold database, or one of a
 * newer schema, is refused and left untouched. */
struct store *store_open(const char *path, bool read_only, bool sync_full, char **cause);
/* Close; NULL is a no-op. An open transaction is rolled back. */
void store_close(struct store *st);
/* The last error's message, and whether it was a full disk or a read-only file. */
const char *store_error(const struct store *st);
bool store_error_is_full(const struct store *st);
/* The SQLite library's version. */
const char *store_sqlite_version(void);
/* The schema version of an open database. */
int store_schema_version(struct store *st);
/* Change synchronous (full or normal) on an open handle. */
int store_set_sync(struct store *st, bool sync_full);

/* Transactions. begin/commit/rollback frame a group commit; savepoints frame one
 * logical change inside it, so a failed change leaves nothing. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
bool store_in_txn(const struct store *st);
int store_savepoint(struct store *st);
int store_release(struct store *st);
void store_rollback_to(struct store *st);

/* A read transaction on a read-only handle: the statements between begin and end
 * see one snapshot and take the WAL read lock once. */
int store_read_begin(struct store *st);
void store_read_end(struct store *st);

/* Protocols. get: 1 found, 0 not found, -1 error. */
int store_get(struct store *st, const char *id, struct protocol *p);
/* insert sets p->rid; both count p's state and clock (counts.h) from what the store
 * last read or wrote (p->stored_*), and write the counts at the commit. Outside a
 * transaction each is one of its own. */
int store_insert(struct store *st, struct protocol *p);
/* Insert p unless a protocol with its id exists: 1 inserted, 0 it exists (nothing
 * written), -1 error. */
int store_insert_new(struct store *st, struct protocol *p);
int store_update(struct store *st, struct protocol *p);
/* Save only p's clock_next (a warning moved it; nothing else changed). */
int store_update_next(struct store *st, const struct protocol *p);
/* The protocol whose clock_next is the smallest and <= limit: 1, 0 (none), -1. */
int store_next_due(struct store *st, int64_t limit, struct protocol *p);
/* Up to max protocols whose clock_next <= limit, earliest first (ties by row id),
 * into out: their count, or -1. */
int store_due(struct store *st, int64_t limit, int max, struct protocol *out);
/* The smallest clock_next of all protocols in *at (INT64_MAX when none): 0 or -1. */
int store_head(struct store *st, int64_t *at);

/* Sellers: sellers.h. */


#endif
