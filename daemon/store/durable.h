#ifndef DURABLE_H
#define DURABLE_H

struct event_base;

/*
 * The WAL's fsync in a thread of its own (worker.h). With synchronous = full, SQLite
 * fsyncs the WAL inside every COMMIT, on the loop thread: while the disk works (1 to
 * 10 ms and more), no request is read and no clock fires. Instead the writer commits
 * with SQLite's NORMAL (the WAL frames written, not synced) and asks this thread to
 * fdatasync the WAL; the store tells nobody about the commit (its durable(): no
 * answer, no feed event, no log line, no new snapshot for the readers) until done()
 * has run with 0, so what is acknowledged is on disk exactly as with FULL, while the
 * loop goes on with the next turn's work. A failed fsync is fatal to the caller: the
 * kernel may have dropped the pages, so only a restart (which reads what is on disk)
 * is safe.
 */

/* What done() is told when the sync succeeded but the WAL's name no longer leads to
 * the file SQLite writes (removed or replaced by something else): what it holds is
 * in an unlinked file that a crash would lose (wal.h). */
#define DURABLE_WAL_GONE (-1)

/* err: 0, an errno, or DURABLE_WAL_GONE. */
typedef void durable_done_fn(void *arg, int err);

struct durable;

/* Sync db_path's WAL (db_path + "-wal", which must exist: the writer has it open) on
 * request; done(arg, err) runs on base's loop once the requested sync is over. The
 * syncer, or NULL with *cause (allocated). */
struct durable *durable_new(struct event_base *base, const char *db_path,
    durable_done_fn *done, void *arg, char **cause);
/* Sync what the writer has committed so far; one request at a time. */
void durable_request(struct durable *d);
/* Wait for the requested sync on the calling thread (the loop is not running: the
 * stop) and return its result; done() is not called for it. */
int durable_wait(struct durable *d);
/* Stop the thread (after the last commit); NULL is a no-op. */
void durable_free(struct durable *d);

#endif
