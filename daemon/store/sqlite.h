#ifndef SQLITE_H
#define SQLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/*
 * The SQLite store: every SQL statement of protocold lives here (this module: the
 * connection and its transactions; rows.h: the protocols; history.h, sellers.h,
 * listing.h: the rest, on the same handle). A handle is one
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
 * newer schema, is refused and left untouched. A writer first locks the database for
 * this process (dblock.h: a second daemon on the same file is refused), and refuses a
 * file it may only read. */
struct store *store_open(const char *path, bool read_only, bool sync_full, char **cause);
/* Close; NULL is a no-op. An open transaction is rolled back. */
void store_close(struct store *st);
/* The last error's message, and whether it was a full disk or a read-only file. */
const char *store_error(const struct store *st);
bool store_error_is_full(const struct store *st);
/* A writer's WAL is still the file SQLite has open: 0, or -1 (store_error) when its
 * name was removed or now leads to another file. What the WAL holds then lives only
 * in an unlinked file that a crash would lose: the caller must not acknowledge
 * anything more, and store_checkpoint_all() saves it. */
int store_wal_check(struct store *st);
/* Copy the whole WAL into the database file and sync it (through the descriptor
 * SQLite holds, so also a WAL whose name was lost), once no other connection reads
 * or checkpoints; an open transaction is rolled back first. 0 when everything
 * committed is in the database file, else -1 with *cause (malloc'd). */
int store_checkpoint_all(struct store *st, char **cause);
/* The SQLite library's version. */
const char *store_sqlite_version(void);
/* The schema version of an open database. */
int store_schema_version(struct store *st);
/* Change synchronous (full or normal) on an open handle. */
int store_set_sync(struct store *st, bool sync_full);
/* Read the first mib MiB of the database through a memory map (0: no map): pages
 * are then used where the kernel caches them, not copied into the page cache by a
 * read(2) each. 0, or -1 (store_error). */
int store_set_map(struct store *st, unsigned mib);

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
/* The same, or the one already open, with its snapshot taken now (not at its first
 * read): later commits of the writer stay out of it. */
int store_read_begin_now(struct store *st);
void store_read_end(struct store *st);

/* Sellers: sellers.h. */


#endif
