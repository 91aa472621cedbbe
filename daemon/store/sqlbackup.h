#ifndef SQLBACKUP_H
#define SQLBACKUP_H

#include "store.h"

struct event_base;

/*
 * The SQLite store's online backup (store_backup, doc/backup.md). A thread of its own
 * (worker.h) opens its own connection, holds one read transaction on it (the writer
 * goes on meanwhile: WAL readers never block it), reads the feed's last seq in it and
 * copies every page of that same snapshot with SQLite's backup API into a temp file
 * beside the database (not /tmp: the same file system, the same free space, writable
 * under the unit's hardening). The file is then unlinked and handed over as an open
 * descriptor: a copy is never left behind, not even when its reader goes away. The
 * copy is made in steps, so that the stop interrupts a long one.
 */

struct sqlbackup;

/* A copier of the database at path (which this process has locked), telling on
 * base's loop; no thread until the first copy. The temp files of copies a kill -9
 * interrupted are removed. Never NULL. */
struct sqlbackup *sqlbackup_new(const char *path, struct event_base *base);
/* Start a copy: fn(arg, b) later on the loop; at once with BUSY while one is under
 * way, or FAILED when the thread cannot start. */
void sqlbackup_start(struct sqlbackup *b, store_backup_fn *fn, void *arg);
/* Stop the copy under way (its callback is told FAILED), the thread, and free; NULL
 * is a no-op. Before the store's connections close. */
void sqlbackup_free(struct sqlbackup *b);

#endif
