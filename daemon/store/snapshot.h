#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdbool.h>

struct conn;
struct event_base;

/*
 * The reads of one loop turn share one read transaction on the reader connection:
 * SQLite otherwise takes and drops its WAL read lock (two fcntl calls and a look at
 * the WAL index) around every statement. The transaction ends at the end of the turn,
 * or at once when the writer's commit is durable, so no read ever misses a committed
 * change it was told about. A commit whose fsync is still running is kept out of them
 * (snapshot_block): nothing is read that a crash could still take back.
 */

struct snapshot;

/* Snapshots on reader, ended on base's loop. Never NULL. */
struct snapshot *snapshot_new(struct event_base *base, struct conn *reader);
/* End the snapshot held; NULL is a no-op. */
void snapshot_free(struct snapshot *s);
/* The reads that follow, until the end of this turn, see one snapshot: true, or false
 * while a commit's fsync runs and no snapshot from before it is held (the reads must
 * wait for its durable(): they would see what a crash could still take back). */
bool snapshot_hold(struct snapshot *s);
/* End the shared snapshot now (a commit is durable: later reads must see it), and let
 * new ones begin. */
void snapshot_release(struct snapshot *s);
/* Before a commit whose fsync runs in durable.h's thread: the snapshot held keeps what
 * was there before it, and none begins until snapshot_release. */
void snapshot_block(struct snapshot *s);
/* The commit failed: snapshots may begin again. */
void snapshot_unblock(struct snapshot *s);

#endif
