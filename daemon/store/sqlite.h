#ifndef SQLITE_H
#define SQLITE_H

#include <stdbool.h>

struct event_base;
struct store;

/*
 * The SQLite backend of the store (core/store.h): the one entry of daemon/store/ for
 * the daemon. Behind it, on one database file: a writer connection (the turn's
 * transactions, locked to this process: dblock.h) and a reader connection (the reads
 * of committed data, sharing a snapshot per loop turn: snapshot.h), the checkpoints
 * in a thread (ckpt.h) and, with sync_full, the WAL's fsync in a thread (durable.h),
 * whose end the commit's durable() waits for. The SQL itself lives in rows.h,
 * history.h, sellers.h and listing.h, on the connections of conn.h.
 */

struct sqlite_options {
	/* Every commit durable before it is told (synchronous = FULL, the fsync in a
	 * thread); else SQLite's NORMAL (a crash may lose the last commits). */
	bool sync_full;
	/* The reader maps this much of the file (MiB; 0: none): read_map. */
	unsigned read_map_mib;
};

/* The SQLite library's version (the other stores' store_info tells it too). */
const char *sqlite_library_version(void);

/* Open (create, migrate) the database at path for the store's calls, its loop
 * callbacks on base: the store (close it with store_close, after store_wait_durable),
 * or NULL with *cause (allocated): "PATH: why" when the writer refused the file,
 * "(reader) PATH: why" when the reader did (the daemon prefixes "database "). A file
 * that is not protocold's, of a newer schema, read-only to this process or in use by
 * another daemon is refused and left as it was. The threads that cannot start are
 * done without, with a warning: the commits then checkpoint (and sync) the WAL
 * themselves. */
struct store *sqlite_store_open(const char *path, const struct sqlite_options *o,
    struct event_base *base, char **cause);

#endif
