#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdbool.h>

struct event_base;
struct store;

/*
 * The reads of one loop turn share one read transaction on the reader connection:
 * SQLite otherwise takes and drops its WAL read lock (two fcntl calls and a look at
 * the WAL index) around every statement. The transaction ends at the end of the turn,
 * or at once when the writer commits, so no read ever misses a committed change it
 * was told about. A commit whose fsync is still running is kept out of them
 * (snapshot_block): nothing is read that a crash could still take back.
 */

void snapshot_init(struct event_base *base, struct store *reader);
void snapshot_shutdown(void);
/* The reads that follow, until the end of this turn, see one snapshot: true, or false
 * while a commit's fsync runs and no snapshot from before it is held (the reads must
 * wait for commit_after: they would see what a crash could still take back). */
bool snapshot_hold(void);
/* End the shared snapshot now (a commit is durable: later reads must see it), and let
 * new ones begin. */
void snapshot_release(void);
/* Before a commit whose fsync runs in durable.c's thread: the snapshot held keeps what
 * was there before it, and none begins until snapshot_release. */
void snapshot_block(void);
/* The commit failed: snapshots may begin again. */
void snapshot_unblock(void);

#endif
