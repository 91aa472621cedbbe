#ifndef DURABLE_H
#define DURABLE_H

struct event_base;

/*
 * The WAL's fsync in a thread of its own. With synchronous = full, SQLite fsyncs the
 * WAL inside every COMMIT, on the loop thread: while the disk works (1 to 10 ms and
 * more), no request is read and no clock fires. Instead the writer commits with
 * SQLite's NORMAL (the WAL frames written, not synced) and asks this thread to
 * fdatasync the WAL; commit.c tells nobody about the commit (no answer, no feed
 * event, no log line, no new snapshot for the readers) until done() has run with 0,
 * so what is acknowledged is on disk exactly as with FULL, while the loop goes on
 * with the next turn's work. A failed fsync is fatal to the caller: the kernel may
 * have dropped the pages, so only a restart (which reads what is on disk) is safe.
 */

/* What done() is told when the sync succeeded but the WAL's name no longer leads to
 * the file SQLite writes (removed or replaced by something else): what it holds is
 * in an unlinked file that a crash would lose (store_wal_check, commit.h). */
#define DURABLE_WAL_GONE (-1)

/* Sync db_path's WAL (db_path + "-wal", which must exist: the writer has it open) on
 * request; done(0, an errno or DURABLE_WAL_GONE) runs on base's loop once the
 * requested sync is over. 0, or -1 with *cause (allocated). */
int durable_start(struct event_base *base, const char *db_path, void (*done)(int err),
    char **cause);
/* Sync what the writer has committed so far; one request at a time. */
void durable_request(void);
/* Wait for the requested sync on the calling thread (the loop is gone: the stop) and
 * return its result; done() is not called for it. */
int durable_wait(void);
/* Stop the thread (after the last commit). */
void durable_stop(void);

#endif
